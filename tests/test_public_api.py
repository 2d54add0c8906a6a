"""The public Python API: what ``simulator`` re-exports, and that it is enough to run a scenario."""

from __future__ import annotations

import simulator


def test_public_names_are_exported_explicitly():
    assert sorted(simulator.__all__) == ["Engine", "Simulation", "SimulationTimeout"]
    for name in simulator.__all__:
        assert getattr(simulator, name).__name__ == name


def test_simulation_front_door_runs_a_scenario_in_slices():
    from simulator import Simulation

    text = """
apiVersion: kubesim.dev/v1alpha1
kind: NodePool
metadata: {name: p}
spec: {count: 2, allocatable: {cpu: "2", memory: 4Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: "web:1", resources: {requests: {cpu: 100m}}}]}
"""
    sliced = Simulation.from_text(text)
    for t in range(0, 601, 60):
        sliced.run(until=t)
    whole = Simulation.from_text(text)
    whole.run(until=600)
    assert list(sliced.log) == list(whole.log)
    assert sliced.summary()["workloads"][0]["ready_at_end"] == 3
