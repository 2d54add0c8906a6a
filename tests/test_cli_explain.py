"""``kubesim explain``: the record's JSON shape, the table, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "corpus" / "explain" / "snapshot.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "explain", *args], capture_output=True, text=True
    )


def test_json_record_has_the_documented_shape_and_explains_each_node():
    proc = run(str(SNAPSHOT), "--pod", "default/web", "--output", "json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert set(record) >= {"pod", "profile", "nodes", "selected", "victims"}
    assert record["pod"] == "default/web" and record["profile"] == "default-scheduler"
    nodes = record["nodes"]
    assert set(nodes) == {"n-0", "n-1", "n-2", "n-3", "tainted"}
    # n-0 runs a pod bound by spec.nodeName that leaves too little cpu; the tainted node is not tolerated.
    assert not nodes["n-0"]["feasible"] and not nodes["tainted"]["feasible"]
    fit = next(f for f in nodes["n-0"]["filters"] if f["plugin"] == "NodeResourcesFit")
    assert fit["code"] == "Unschedulable" and fit["reasons"] == ["Insufficient cpu"]
    taint = next(f for f in nodes["tainted"]["filters"] if f["plugin"] == "TaintToleration")
    assert taint["code"] == "UnschedulableAndUnresolvable"
    for name in ("n-1", "n-2", "n-3"):
        info = nodes[name]
        assert info["feasible"]
        assert info["total"] == sum(s["weighted"] for s in info["scores"])
        for s in info["scores"]:
            assert s["weighted"] == s["normalized"] * s["weight"] and 0 <= s["normalized"] <= 100
        fit_score = next(s for s in info["scores"] if s["plugin"] == "NodeResourcesFit")
        assert fit_score["normalized"] == 75  # LeastAllocated: (2000-500)/2000 and (4Gi-1Gi)/4Gi
    assert record["selected"] in {"n-1", "n-2", "n-3"}
    assert record["victims"] == []


def test_table_names_the_winner_and_summarises_infeasible_nodes():
    proc = run(str(SNAPSHOT), "--pod", "web")
    assert proc.returncode == 0, proc.stderr
    assert "selected" in proc.stdout
    assert "1 Insufficient cpu" in proc.stdout and "untolerated" in proc.stdout


def test_unknown_or_bound_pod_is_a_usage_error():
    missing = run(str(SNAPSHOT), "--pod", "nope")
    assert (
        missing.returncode == 2
        and "no Pod default/nope" in missing.stderr
        and "Traceback" not in missing.stderr
    )
    bound = run(str(SNAPSHOT), "--pod", "hog")
    assert bound.returncode == 2 and "already bound" in bound.stderr


def test_run_explain_adds_one_record_per_attempt_and_changes_no_decision(tmp_path: Path):
    from simulator.cli import main

    plain, explained = tmp_path / "plain.jsonl", tmp_path / "explained.jsonl"
    assert main(["run", "--quiet", "--until", "20m", "--events", str(plain)]) == 0
    assert main(["run", "--quiet", "--until", "20m", "--explain", "--events", str(explained)]) == 0
    records = [json.loads(line) for line in explained.read_text().splitlines()]
    explains = [r for r in records if r["type"] == "EXPLAIN"]
    scheduled = [
        r for r in records if r["type"] == "EVENT" and r["reason"] in ("Scheduled", "FailedScheduling")
    ]
    assert len(explains) == len(scheduled) > 0
    for r in explains:
        assert r["explain"]["pod"] == f"{r['namespace']}/{r['name']}" and "nodes" in r["explain"]

    def strip(rs):  # type: ignore[no-untyped-def]
        return [{k: v for k, v in r.items() if k != "seq"} for r in rs if r["type"] != "EXPLAIN"]

    # The explain path (per-node reference plugins) decides exactly as the fast path does.
    assert strip(records) == strip(json.loads(line) for line in plain.read_text().splitlines())
