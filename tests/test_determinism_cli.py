"""Determinism (byte-identical logs) and the ``kubesim run`` command's contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert nodes and all({"ready", "readyStatus", "unschedulable", "taints"} <= set(r) for r in nodes)
    crashed = [r for r in nodes if r["name"] == "general-4" and r["t"] == 350]
    assert crashed and crashed[0]["ready"] is False and crashed[0]["readyStatus"] == "Unknown"
    assert "node.kubernetes.io/unreachable:NoSchedule" in crashed[0]["taints"]
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
    assert s["seed"] == 42 and s["duration"] == 86400 and s["kubernetesVersion"] == "1.35"
    assert set(s["pods"]) == {"created", "scheduled", "pending_at_end"}
    assert s["pods"]["pending_at_end"] == 0
    assert set(s["scheduling_latency_seconds"]) == {"p50", "p90", "p99", "max"}
    assert {(w["kind"], w["name"]) for w in s["workloads"]} == {
        ("Deployment", "web"),
        ("Deployment", "api"),
        ("Deployment", "cart"),
        ("ReplicationController", "cache"),
        ("StatefulSet", "db"),
        ("DaemonSet", "node-agent"),
    }
    desired = {w["name"]: w["desired"] for w in s["workloads"]}
    # api scaled to 6 at 18m; the HPA has brought web back to its minimum by night; an agent per node.
    assert desired == {"web": 3, "api": 6, "cart": 3, "cache": 2, "db": 3, "node-agent": 12}
    for w in s["workloads"]:
        assert set(w) == {
            "kind",
            "namespace",
            "name",
            "desired",
            "ready_at_end",
            "availability",
            "availability_min",
            "seconds_below_desired",
        }
        assert w["ready_at_end"] == w["desired"]
        assert 0.99 < w["availability"] <= 1.0
        assert 0.0 <= w["availability_min"] <= 1.0
        assert w["seconds_below_desired"] >= 0
    # Every workload that lost a pod with the crashed node was below its desired count for a while.
    assert any(w["seconds_below_desired"] >= 300 and w["availability_min"] < 1 for w in s["workloads"])
    assert set(s["nodes"]) == {
        "count",
        "ready_at_end",
        "cpu_requested_fraction_mean",
        "memory_requested_fraction_mean",
    }
    assert s["nodes"]["count"] == 12 and s["nodes"]["ready_at_end"] == 12
    scripted, *random_failures = s["faults"]
    assert scripted["type"] == "crashNode" and scripted["target"] == "general-4" and scripted["t"] == 300
    assert scripted["detected_at"] == 350
    assert scripted["pods_evicted_at"] == 650
    # Replacements are scheduled when the pods are evicted and Ready once started (a StatefulSet pod would wait
    # for general-4 to return at 22m: at most one pod per ordinal).
    assert scripted["replacements_scheduled_at"] == 650
    assert 650 < scripted["replacements_ready_at"] <= 1320 + 60
    # Random node failures (MTBF 72 h per node, from seed 42) on top of the scripted crash, each detected 40-50 s
    # after it (the next lease check), its pods evicted 300 s later.
    assert random_failures and all(f["type"] == "nodeFailure" for f in random_failures)
    for f in random_failures:
        assert f["target"].startswith("general-") and 40 <= f["detected_at"] - f["t"] <= 60
        assert f["pods_evicted_at"] == f["detected_at"] + 300
        assert f["replacements_ready_at"] is not None
    assert s["restarts"] >= 0 and s["preemptions"] == 0
    assert s["evictions"]["api"] == 0 and s["evictions"]["taint_manager"] > 0
    by_service = {svc["name"]: svc for svc in s["services"]}
    assert set(by_service) == {"web", "api"}  # the Ingress splits its traffic between its two backends
    for svc in by_service.values():
        assert svc["requests"] == pytest.approx(600 / 2 * 86400)  # a whole diurnal period: the mean
        assert svc["availability"] > 0.999
    assert s["cost"]["node_hours"] == 12 * 24


def test_default_scenario_shows_every_building_block(tmp_path: Path):
    log = tmp_path / "e.jsonl"
    assert main(["run", "--quiet", "--events", str(log)]) == 0
    records = [json.loads(line) for line in log.read_text().splitlines()]
    reasons = {(r["kind"], r["reason"]) for r in records if r["type"] == "EVENT"}
    assert ("CronJob", "SuccessfulCreate") in reasons  # the nightly report at 02:00
    assert ("Job", "Completed") in reasons
    assert ("StatefulSet", "SuccessfulCreate") in reasons
    assert ("DaemonSet", "SuccessfulCreate") in reasons
    assert ("Node", "NodeFailure") in reasons and ("Node", "NodeRepaired") in reasons
    cron = [
        r
        for r in records
        if r["type"] == "EVENT" and r["kind"] == "CronJob" and r["reason"] == "SuccessfulCreate"
    ]
    assert [r["t"] for r in cron] == [7200.1]  # 02:00 plus the controller's 100 ms requeue delay
    rescales = [r for r in records if r["type"] == "EVENT" and r["reason"] == "SuccessfulRescale"]
    sizes = [int(r["message"].split("New size: ")[1].split(";")[0]) for r in rescales]
    assert max(sizes) > 6 and sizes[-1] == 3  # the HPA follows the diurnal load up and back down
    db_pods = sorted({r["name"] for r in records if r["kind"] == "Pod" and r["name"].startswith("db-")})
    assert db_pods == ["db-0", "db-1", "db-2"]


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


def test_event_log_does_not_depend_on_the_interpreters_hash_seed(tmp_path: Path):
    # Same inputs, separate processes with different string-hash seeds: nothing may depend on set order.
    import os

    logs = []
    for hash_seed in ("1", "2"):
        log = tmp_path / f"h{hash_seed}.jsonl"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        proc = subprocess.run(
            [sys.executable, "-m", "simulator", "run", "--quiet", "--until", "3h", "--events", str(log)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        logs.append(log.read_bytes())
    assert logs[0] == logs[1]
