"""The cluster autoscaler: scale-up for unschedulable pods, scale-down of underused nodes, min/max and PDBs."""

from __future__ import annotations

import pytest

from simulator import Simulation
from tests.simhelpers import deployment, events, scenario, sim_from

TIMING = "{startupSeconds: 2s, readySeconds: 3s, shutdownSeconds: 1s}"


def autoscaled_pool(
    count: int = 1, low: int = 1, high: int = 5, delay: str = "60s", price: float = 0.5
) -> str:
    return f"""
apiVersion: kubesim.dev/v1alpha1
kind: NodePool
metadata: {{name: general}}
spec:
  count: {count}
  min: {low}
  max: {high}
  provisioningDelay: {delay}
  pricePerHour: {price}
  allocatable: {{cpu: "2", memory: 8Gi, pods: "110"}}
---
"""


def pdb(min_available: int) -> str:
    return f"""
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: web}}
spec: {{minAvailable: {min_available}, selector: {{matchLabels: {{app: web}}}}}}
---
"""


def node_names(sim: Simulation) -> list[str]:
    return sorted(n.name for n in sim.store.list("Node"))


def unbound(sim: Simulation) -> int:
    return sum(1 for p in sim.store.list("Pod") if not p.node_name)


def test_pending_pods_trigger_a_scale_up_ready_after_the_provisioning_delay() -> None:
    # 6 pods of 500m on one 2-cpu node: 2 stay pending until a second node joins.
    sim = sim_from(scenario(defaults=TIMING) + autoscaled_pool() + deployment("web", replicas=6, cpu="500m"))
    sim.run(until=15)
    assert unbound(sim) == 2
    (scaled,) = events(sim, "ScaledUpGroup")
    assert scaled["t"] <= 10  # the first scan after FailedScheduling
    assert scaled["message"] == "Scale-up: setting group general size to 2 instead of 1 (max: 5)"
    triggered = events(sim, "TriggeredScaleUp")
    assert len(triggered) == 2
    assert triggered[0]["message"] == "pod triggered scale-up: [{general 1->2 (max: 5)}]"
    sim.run(until=scaled["t"] + 59)
    assert node_names(sim) == ["general-0"]  # not before the provisioning delay
    sim.run(until=scaled["t"] + 61)
    assert node_names(sim) == ["general-0", "general-1"]
    assert unbound(sim) == 0


def test_scale_up_stops_at_max() -> None:
    sim = sim_from(
        scenario(defaults=TIMING)
        + autoscaled_pool(high=3, delay="30s")
        + deployment("web", replicas=20, cpu="500m")
    )
    sim.run(until=600)
    assert node_names(sim) == ["general-0", "general-1", "general-2"]
    assert unbound(sim) == 8
    assert events(sim, "NotTriggerScaleUp")


def test_pods_that_fit_no_pool_do_not_trigger_a_scale_up() -> None:
    sim = sim_from(scenario(defaults=TIMING) + autoscaled_pool() + deployment("web", replicas=1, cpu="3"))
    sim.run(until=120)
    assert node_names(sim) == ["general-0"]
    (told,) = events(sim, "NotTriggerScaleUp")
    assert told["message"] == "pod didn't trigger scale-up (it wouldn't fit if a new node is added)"


def test_idle_nodes_are_removed_after_ten_minutes_never_below_min() -> None:
    sim = sim_from(
        scenario(defaults=TIMING, timeline="[{at: 100s, action: scale, target: Deployment/web, replicas: 1}]")
        + autoscaled_pool()
        + deployment("web", replicas=6, cpu="500m")
    )
    sim.run(until=100)
    assert len(node_names(sim)) == 2
    sim.run(until=700)  # unneeded from ~110 s: not yet 10 minutes
    assert len(node_names(sim)) == 2
    sim.run(until=900)
    assert len(node_names(sim)) == 1  # min 1: the other underused node stays
    removed = events(sim, "ScaleDown", kind="NodePool") + events(sim, "ScaleDownEmpty", kind="NodePool")
    assert len(removed) == 1
    assert 700 < removed[0]["t"] <= 740
    assert (
        events(sim, "ScaleDown", kind="Node")[0]["message"] == "marked the node as toBeDeleted/unschedulable"
    )
    sim.run(until=3600)
    assert len(node_names(sim)) == 1
    web = sim.store.get("Deployment", "default", "web")
    assert web.status.ready_replicas == 1


@pytest.mark.parametrize(("budget", "want_nodes"), [("", 1), (pdb(2), 2)])
def test_pdbs_and_bare_pods_block_scale_down(budget: str, want_nodes: int) -> None:
    sim = sim_from(
        scenario(defaults=TIMING)
        + autoscaled_pool(count=2, low=1, high=3)
        + deployment("web", replicas=2, cpu="100m")
        + budget
    )
    sim.run(until=1800)
    assert len(node_names(sim)) == want_nodes
    assert sim.store.get("Deployment", "default", "web").status.ready_replicas == 2


def test_a_bare_pod_blocks_scale_down() -> None:
    bare = """
apiVersion: v1
kind: Pod
metadata: {name: bare}
spec:
  containers: [{name: c, image: x, resources: {requests: {cpu: 100m}}}]
---
"""
    sim = sim_from(scenario(defaults=TIMING) + autoscaled_pool(count=2, low=0, high=3) + bare)
    sim.run(until=1800)
    bare_node = sim.store.get("Pod", "default", "bare").node_name
    assert node_names(sim) == [bare_node]  # the empty node went, the bare pod's node stays


def test_cost_integrates_node_lifetimes() -> None:
    sim = sim_from(
        scenario(defaults=TIMING, duration="1h") + autoscaled_pool(count=2, low=2, high=2, price=0.5)
    )
    sim.run()
    assert sim.summary()["cost"] == {"node_hours": 2.0, "total": 1.0}
