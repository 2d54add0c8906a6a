"""Taint-based eviction: facts ported from Kubernetes' tests (inputs and expected results).

Sources: pkg/controller/tainteviction/taint_eviction_test.go (TestCreatePod, TestUpdatePod, TestCreateNode,
TestUpdateNode, TestUpdateNodeWithMultipleTaints, TestUpdateNodeWithMultiplePods, TestGetMinTolerationTime,
TestPodDeletionEvent) and pkg/controller/tainteviction/taint_eviction.go (``processPodOnNode``,
``getMinTolerationTime``; pkg/apis/core/v1/helper ``GetMatchingTolerations`` uses the first toleration that
matches each taint). Upstream's tests run in wall-clock time with 1 s and 100 s tolerations; the simulations
below keep their inputs and check the exact virtual times. Each case id names its upstream test and case.
"""

from __future__ import annotations

import pytest

from models.pod import Pod, PodSpec, Taint, Toleration
from simulator.controllers.taint_eviction import eviction_delay, min_toleration_time
from tests.simhelpers import deployment, events, scenario, sim_from


def taint(i: int) -> Taint:
    return Taint(key=f"testTaint{i}", value=f"test{i}", effect="NoExecute")


def toleration(i: int, seconds: int | None) -> Toleration:
    return Toleration(key=f"testTaint{i}", value=f"test{i}", effect="NoExecute", toleration_seconds=seconds)


def pod_with(*tolerations: Toleration) -> Pod:
    return Pod(
        name="pod1",
        namespace="default",
        node_name="node1",
        spec=PodSpec(containers=(), tolerations=tolerations),
    )


# -- getMinTolerationTime -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        ((), 0.0),
        ((None,), None),
        ((1, 2), 1.0),
        ((1, None), 1.0),
        ((None, 1), 1.0),
    ],
    ids=[f"TestGetMinTolerationTime-{i}" for i in range(5)],
)
def test_get_min_toleration_time(seconds: tuple[int | None, ...], expected: float | None) -> None:
    assert min_toleration_time([Toleration(toleration_seconds=s) for s in seconds]) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"), [((0,), 0.0), ((-5,), 0.0), ((300, 0), 0.0), ((None, -1), 0.0)], ids=str
)
def test_get_min_toleration_time_non_positive_seconds_evict_at_once(
    seconds: tuple[int | None, ...], expected: float
) -> None:
    """getMinTolerationTime: ``tolerationSeconds <= 0`` returns 0 at once."""
    assert min_toleration_time([Toleration(toleration_seconds=s) for s in seconds]) == expected


# -- processPodOnNode decisions (eviction delay from the pod's tolerations and the node's taints) -----------------
@pytest.mark.parametrize(
    ("tolerations", "taints", "expected"),
    [
        ((), (), None),  # TestCreatePod "scheduled on untainted Node"
        ((), (taint(1),), 0.0),  # TestCreatePod "schedule on tainted Node"
        ((toleration(1, 100),), (taint(1),), 100.0),  # "... with finite toleration"
        ((toleration(1, None),), (taint(1),), None),  # "... with infinite toleration"
        ((toleration(2, None),), (taint(1),), 0.0),  # "... with infinite invalid toleration"
        ((toleration(1, 100),), (taint(1), taint(2)), 0.0),  # TestUpdateNode "Only one added taint tolerated"
        # TestUpdateNode "Pod with multiple tolerations are evicted when first one runs out"
        ((toleration(1, 1), toleration(2, 100)), (taint(1), taint(2)), 1.0),
        # TestUpdateNodeWithMultipleTaints: taint1 forever, taint2 for 60 s
        (
            (Toleration(key="testTaint1", operator="Exists", effect="NoExecute"), toleration(2, 60)),
            (taint(1),),
            None,
        ),
        (
            (Toleration(key="testTaint1", operator="Exists", effect="NoExecute"), toleration(2, 60)),
            (taint(1), taint(2)),
            60.0,
        ),
        # NoSchedule taints are not the taint-eviction controller's business
        ((), (Taint(key="x", effect="NoSchedule"),), None),
    ],
    ids=[
        "TestCreatePod-scheduled_on_untainted_Node",
        "TestCreatePod-schedule_on_tainted_Node",
        "TestCreatePod-with_finite_toleration",
        "TestCreatePod-with_infinite_toleration",
        "TestCreatePod-with_infinite_invalid_toleration",
        "TestUpdateNode-Only_one_added_taint_tolerated",
        "TestUpdateNode-multiple_tolerations_evicted_when_first_one_runs_out",
        "TestUpdateNodeWithMultipleTaints-infinitely_tolerated_taint",
        "TestUpdateNodeWithMultipleTaints-temporarily_tolerated_taint",
        "TestFilterNoExecuteTaints",
    ],
)
def test_eviction_delay(
    tolerations: tuple[Toleration, ...], taints: tuple[Taint, ...], expected: float | None
) -> None:
    assert eviction_delay(pod_with(*tolerations), taints) == expected


def test_get_matching_tolerations_uses_the_first_matching_toleration_per_taint() -> None:
    """GetMatchingTolerations takes, for each taint, the first toleration that tolerates it: a toleration
    without tolerationSeconds listed first makes the taint tolerated forever, whatever follows."""
    forever_first = pod_with(toleration(1, None), toleration(1, 10))
    assert eviction_delay(forever_first, (taint(1),)) is None
    ten_first = pod_with(toleration(1, 10), toleration(1, None))
    assert eviction_delay(ten_first, (taint(1),)) == 10.0


# -- simulations ------------------------------------------------------------------------------------------------
NODE_POOL = """
apiVersion: kubesim.dev/v1alpha1
kind: NodePool
metadata: {name: node}
spec:
  count: 1
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
---
"""


def tolerating_deployment(name: str, tolerations: str, replicas: int = 1) -> str:
    return deployment(name, replicas=replicas).replace(
        "    spec:\n      containers:", f"    spec:\n      tolerations: {tolerations}\n      containers:"
    )


def set_taints(sim, *taints: Taint) -> None:  # type: ignore[no-untyped-def]
    node = sim.store.get("Node", "", "node-0")
    node.taints = tuple(taints)
    sim.store.update(node)


def eviction_times(sim) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {e["name"]: e["t"] for e in events(sim, "TaintManagerEviction")}


T1 = "{key: testTaint1, value: test1, effect: NoExecute"
T2 = "{key: testTaint2, value: test2, effect: NoExecute"


def test_update_node_with_multiple_pods_different_toleration_times() -> None:
    """TestUpdateNodeWithMultiplePods "Pods with different toleration times are evicted appropriately": no
    toleration -> at once; 1 s -> after 1 s; forever -> never."""
    sim = sim_from(
        scenario()
        + NODE_POOL
        + tolerating_deployment("none", "[]")
        + tolerating_deployment("one", f"[{T1}, tolerationSeconds: 1}}]")
        + tolerating_deployment("forever", f"[{T1}}}]")
    )
    sim.run(until=30)
    originals = {p.labels["app"]: p.name for p in sim.store.list("Pod")}
    set_taints(sim, taint(1))
    sim.run(until=30.5)
    assert eviction_times(sim) == {originals["none"]: 30.0}
    sim.run(until=40)
    times = eviction_times(sim)
    assert times[originals["one"]] == 31.0 and originals["forever"] not in times


def test_update_node_with_multiple_pods_evict_all_not_matching_all_taints_instantly() -> None:
    """TestUpdateNodeWithMultiplePods "Evict all pods not matching all taints instantly"."""
    sim = sim_from(
        scenario()
        + NODE_POOL
        + tolerating_deployment("none", "[]")
        + tolerating_deployment("one", f"[{T1}, tolerationSeconds: 1}}]")
        + tolerating_deployment("forever", f"[{T1}}}]")
    )
    sim.run(until=30)
    originals = {p.name for p in sim.store.list("Pod")}
    set_taints(sim, taint(1), taint(2))
    sim.run(until=30.5)
    assert {n: t for n, t in eviction_times(sim).items() if n in originals} == dict.fromkeys(originals, 30.0)


def test_update_node_taint_removed_cancels_the_eviction() -> None:
    """TestUpdateNode "Taint removed": the pod tolerates the taint for 1 s; the taint goes before that."""
    sim = sim_from(scenario() + NODE_POOL + tolerating_deployment("web", f"[{T1}, tolerationSeconds: 10}}]"))
    sim.run(until=30)
    set_taints(sim, taint(1))
    sim.run(until=35)
    set_taints(sim)
    sim.run(until=100)
    assert eviction_times(sim) == {}


def test_update_node_with_multiple_taints() -> None:
    """TestUpdateNodeWithMultipleTaints: no taint -> not queued; infinitely tolerated taint -> not queued;
    plus a temporarily (60 s) tolerated taint -> queued; back to the infinitely tolerated taint -> not queued,
    and the pod is never deleted."""
    sim = sim_from(
        scenario()
        + NODE_POOL
        + tolerating_deployment(
            "web",
            "[{key: testTaint1, operator: Exists, effect: NoExecute}, "
            "{key: testTaint2, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]",
        )
    )
    sim.run(until=30)
    set_taints(sim, taint(1))
    sim.run(until=40)
    set_taints(sim, taint(1), taint(2))
    sim.run(until=50)
    set_taints(sim, taint(1))
    sim.run(until=500)
    assert eviction_times(sim) == {}


def test_update_node_with_multiple_taints_keeps_its_deadline_when_not_removed() -> None:
    """The same pod with the temporarily tolerated taint left in place: deleted 60 s after it was added."""
    sim = sim_from(
        scenario()
        + NODE_POOL
        + tolerating_deployment(
            "web",
            "[{key: testTaint1, operator: Exists, effect: NoExecute}, "
            "{key: testTaint2, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]",
        )
    )
    sim.run(until=30)
    (original,) = sim.store.list("Pod")
    set_taints(sim, taint(1))
    sim.run(until=40)
    set_taints(sim, taint(1), taint(2))
    sim.run(until=200)
    assert eviction_times(sim)[original.name] == 100.0


def test_process_pod_on_node_keeps_an_eviction_scheduled_earlier() -> None:
    """processPodOnNode: with an eviction already scheduled at an earlier instant (startTime before now), a new
    set of tolerated taints leaves it as it is even when its smallest tolerationSeconds would be sooner."""
    sim = sim_from(
        scenario()
        + NODE_POOL
        + tolerating_deployment("web", f"[{T1}, tolerationSeconds: 300}}, {T2}, tolerationSeconds: 10}}]")
    )
    sim.run(until=30)
    (original,) = sim.store.list("Pod")
    set_taints(sim, taint(1))  # eviction scheduled for 330 s
    sim.run(until=100)
    set_taints(sim, taint(1), taint(2))  # 10 s now, but the scheduled eviction is kept
    sim.run(until=400)
    assert eviction_times(sim)[original.name] == 330.0


def test_process_pod_on_node_evicts_at_once_when_a_new_taint_is_not_tolerated() -> None:
    """processPodOnNode "Not all taints are tolerated after update": the scheduled work is cancelled and the
    pod deleted at once."""
    sim = sim_from(scenario() + NODE_POOL + tolerating_deployment("web", f"[{T1}, tolerationSeconds: 300}}]"))
    sim.run(until=30)
    (original,) = sim.store.list("Pod")
    set_taints(sim, taint(1))
    sim.run(until=100)
    set_taints(sim, taint(1), taint(2))
    sim.run(until=101)
    assert eviction_times(sim)[original.name] == 100.0


def test_create_node_tainted_matching_already_assigned_pod() -> None:
    """TestCreateNode "Creating tainted Node matching already assigned Pod" (the taint lands on the node of a
    running pod that does not tolerate it) and TestPodDeletionEvent's message: "Marking for deletion Pod
    <namespace>/<name>", reason TaintManagerEviction, type Normal."""
    sim = sim_from(scenario() + NODE_POOL + deployment("web", replicas=1))
    sim.run(until=30)
    (original,) = sim.store.list("Pod")
    set_taints(sim, taint(1))
    sim.run(until=31)
    (first,) = events(sim, "TaintManagerEviction")
    assert (first["t"], first["name"], first["eventType"]) == (30.0, original.name, "Normal")
    assert first["message"] == f"Marking for deletion Pod default/{original.name}"


def test_create_node_tainted_matching_already_assigned_tolerating_pod() -> None:
    """TestCreateNode "Creating tainted Node matching already assigned tolerating Pod": no deletion."""
    sim = sim_from(scenario() + NODE_POOL + tolerating_deployment("web", f"[{T1}}}]"))
    sim.run(until=30)
    set_taints(sim, taint(1))
    sim.run(until=1000)
    assert eviction_times(sim) == {}
