"""Determinism (byte-identical logs) and the ``kubesim run`` command's contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from simulator.cli import main

POD_KEYS = {
    "t",
    "seq",
    "type",
    "kind",
    "namespace",
    "name",
    "node",
    "phase",
    "ready",
    "owner",
    "image",
    "deletionTimestamp",
}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args], capture_output=True, text=True, check=False
    )


def test_default_scenario_event_log_is_byte_identical_across_runs(tmp_path: Path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert main(["run", "--quiet", "--events", str(a)]) == 0
    assert main(["run", "--quiet", "--events", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    c = tmp_path / "c.jsonl"
    assert main(["run", "--quiet", "--seed", "5", "--events", str(c)]) == 0
    assert c.read_bytes() != a.read_bytes()


def test_event_log_lines_carry_the_contract_fields(tmp_path: Path):
    log = tmp_path / "e.jsonl"
    assert main(["run", "--quiet", "--events", str(log)]) == 0
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert all(records[i]["t"] <= records[i + 1]["t"] for i in range(len(records) - 1))
    pods = [r for r in records if r["kind"] == "Pod" and r["type"] != "EVENT"]
    assert pods and all(set(r) == POD_KEYS for r in pods)
    nodes = [r for r in records if r["kind"] == "Node" and r["type"] != "EVENT"]
    assert nodes and all({"ready", "unschedulable", "taints"} <= set(r) for r in nodes)
    reasons = {r["reason"] for r in records if r["type"] == "EVENT"}
    assert {
        "Scheduled",
        "SuccessfulCreate",
        "ScalingReplicaSet",
        "NodeNotReady",
        "TaintManagerEviction",
        "Killing",
    } <= reasons
    owners = {r["owner"] for r in pods if r["owner"]}
    assert any(o.startswith("ReplicaSet/web-") for o in owners)
    assert "ReplicationController/cache" in owners


def test_summary_has_the_contract_keys(tmp_path: Path):
    out = tmp_path / "s.json"
    assert main(["run", "--quiet", "--summary", str(out)]) == 0
    s = json.loads(out.read_text())
    assert {
        "seed",
        "duration",
        "kubernetesVersion",
        "pods",
        "scheduling_latency_seconds",
        "workloads",
        "nodes",
        "faults",
        "events_total",
        "wall_seconds",
    } <= set(s)
    assert s["seed"] == 42 and s["duration"] == 1800 and s["kubernetesVersion"] == "1.35"
    assert set(s["pods"]) == {"created", "scheduled", "pending_at_end"}
    assert set(s["scheduling_latency_seconds"]) == {"p50", "p90", "p99", "max"}
    assert {w["name"] for w in s["workloads"]} == {"web", "api", "cart", "cache"}
    for w in s["workloads"]:
        assert set(w) == {"kind", "namespace", "name", "desired", "ready_at_end", "availability"}
        assert w["ready_at_end"] == w["desired"]
        assert 0.5 < w["availability"] <= 1.0
    assert set(s["nodes"]) == {
        "count",
        "ready_at_end",
        "cpu_requested_fraction_mean",
        "memory_requested_fraction_mean",
    }
    assert s["nodes"]["count"] == 12 and s["nodes"]["ready_at_end"] == 12
    (fault,) = s["faults"]
    assert fault["type"] == "crashNode" and fault["target"] == "general-4" and fault["t"] == 300
    assert fault["detected_at"] == 350
    assert fault["pods_evicted_at"] == 650
    assert fault["replacements_ready_at"] is not None and fault["replacements_ready_at"] > 650


def test_until_stops_early(tmp_path: Path):
    out = tmp_path / "s.json"
    assert main(["run", "--quiet", "--until", "2m", "--summary", str(out)]) == 0
    assert json.loads(out.read_text())["duration"] == 120


def test_run_prints_a_readable_summary():
    proc = run_cli("run", "--until", "10m")
    assert proc.returncode == 0, proc.stderr
    assert "Workloads" in proc.stdout and "Deployment/default/web" in proc.stdout


def test_bad_input_exits_2_without_traceback_or_output(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: many\n")
    out = tmp_path / "s.json"
    proc = run_cli("run", str(bad), "--summary", str(out))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.yaml" in proc.stderr and "spec.replicas" in proc.stderr
    assert not out.exists()


def test_usage_errors_exit_2():
    assert run_cli("run", "--until", "soon").returncode == 2
    assert run_cli("frobnicate").returncode == 2
    assert run_cli().returncode == 2
    proc = run_cli("run", "--summary", "/nonexistent-dir/s.json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
