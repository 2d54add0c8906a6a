"""The custom-plugin example: a user's Filter + Score plugin enabled by import path in the scheduler config."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import Simulation

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "custom-plugin"


@pytest.fixture()
def importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLE))


def test_spot_only_pods_land_on_spot_nodes(importable: None) -> None:
    sim = Simulation.from_files([EXAMPLE])
    sim.run(until=120)
    pods = sim.store.list("Pod")
    assert len(pods) == 6 and all(p.ready for p in pods)
    assert {p.node_name for p in pods} <= {"spot-0", "spot-1"}


def test_filter_reason_appears_when_spot_capacity_runs_out(importable: None) -> None:
    sim = Simulation.from_files([EXAMPLE])
    sim.do("scale", target="Deployment/batch", replicas=10)
    sim.run(until=120)
    pending = [p for p in sim.store.list("Pod") if not p.node_name]
    assert len(pending) == 2  # two spot nodes of 4 cpu hold 8 one-cpu pods
    failed = [r for r in sim.log if r["type"] == "EVENT" and r["reason"] == "FailedScheduling"]
    assert failed
    message = failed[-1]["message"]
    assert message.startswith("0/6 nodes are available:")
    assert "2 Insufficient cpu" in message and "4 node(s) are not spot nodes" in message


def test_explain_shows_the_custom_score(importable: None) -> None:
    from models.loader import load_paths
    from simulator.explain import explain

    objects = load_paths([EXAMPLE]).objects
    from models.pod import Container, Pod, PodSpec

    pod = Pod(
        name="probe",
        namespace="default",
        spec=PodSpec(containers=(Container(name="c", image="x", requests={"cpu": 100}),)),
    )
    record = explain([*objects, pod], "default/probe")
    scores = {
        node: {s["plugin"]: s for s in info["scores"]}
        for node, info in record["nodes"].items()
        if info["feasible"]
    }
    # The plugin reports under its own name; the configured weight (10) applies.
    assert scores["spot-0"]["SpotFirst"]["weighted"] == 100 * 10
    assert scores["ondemand-0"]["SpotFirst"]["weighted"] == 0
    assert record["selected"] in {"spot-0", "spot-1"}
