"""PodDisruptionBudget status, the Eviction API and drain: facts ported from Kubernetes' tests and documentation.

Sources (inputs and expected results restated as facts; no upstream code is copied):

* kubernetes/kubernetes pkg/controller/disruption/disruption_test.go: TestNoSelector, TestUnavailable,
  TestIntegerMaxUnavailable, TestIntegerMaxUnavailableWithScaling, TestPercentageMaxUnavailableWithScaling,
  TestNakedPod, TestStatusForUnmanagedPod, TestTotalUnmanagedPods, TestReplicaSet, TestScaleResource,
  TestScaleFinderNoResource, TestMultipleControllers, TestReplicationController, TestStatefulSetController,
  TestTwoControllers, TestUpdateDisruptedPods; and disruption.go (getExpectedPodCount with neither field set,
  the ``NoPods`` and ``NotDeleted`` events).
* kubernetes/kubernetes pkg/registry/core/pod/storage/eviction_test.go: TestEviction, TestEvictionIgnorePDB,
  TestEvictionPDBStatus; and eviction.go (the unhealthy-pod rule is applied before checkAndDecrement's
  observedGeneration check; ``getPodDisruptionBudgets`` lets an empty selector match nothing).
* kubectl drain (https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/,
  https://kubernetes.io/docs/reference/kubectl/generated/kubectl_drain/) and k8s.io/kubectl/pkg/drain
  (filters.go: skipDeletedFilter, daemonSetFilter, unreplicatedFilter; drain.go evictPods: 5 s sleeps on 429,
  the global timeout noticed at the next attempt or poll, "global timeout reached: <duration>").

Upstream's custom scale resource (TestScaleResource) is played by a ReplicaSet with the same scale.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.meta import LabelSelector, OwnerReference
from models.pod import Pod
from models.policy import PodDisruptionBudget
from models.workloads import DaemonSet, Deployment, ReplicaSet, ReplicationController, StatefulSet
from simulator.controllers.base import ControllerContext
from simulator.controllers.disruption import DisruptionController, pdb_status
from simulator.defaults import defaults_for
from simulator.drain import drain
from simulator.engine import Engine
from simulator.eviction import evict
from simulator.podutil import delete_pod
from simulator.store import Store
from tests.simhelpers import deployment, events, pool, scenario, sim_from

FOO = {"foo": "bar"}


class Cluster:
    """A store with only the disruption controller: objects are written by the test, as upstream's fakes do."""

    def __init__(self) -> None:
        self.engine = Engine()
        self.store = Store(self.engine)
        DisruptionController(ControllerContext(self.engine, self.store, defaults_for()))

    def settle(self, until: float | None = None) -> None:
        self.engine.run(until=self.engine.now if until is None else until)

    def add(self, obj: Any) -> Any:
        self.store.add(obj)
        self.settle()
        return obj

    def update(self, obj: Any) -> None:
        self.store.update(obj)
        self.settle()

    def status(self, pdb: PodDisruptionBudget) -> tuple[int, int, int, int]:
        """(disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods), as VerifyPdbStatus orders them."""
        s = pdb_status(pdb)
        assert s is not None
        return pdb.disruptions_allowed, s.current_healthy, s.desired_healthy, s.expected_pods

    def events(self, reason: str) -> list[dict[str, Any]]:
        return [r for r in self.store.log if r["type"] == "EVENT" and r["reason"] == reason]


def budget(
    min_available: int | str | None = None,
    max_unavailable: int | str | None = None,
    selector: LabelSelector | None = None,
    policy: str = "IfHealthyBudget",
    name: str = "foo",
) -> PodDisruptionBudget:
    return PodDisruptionBudget(
        name=name,
        namespace="default",
        selector=LabelSelector(match_labels=dict(FOO)) if selector is None else selector,
        min_available=min_available,
        max_unavailable=max_unavailable,
        unhealthy_pod_eviction_policy=policy,
    )


def pod(name: str, owner: Any = None, ready: bool = True, phase: str = "Running") -> Pod:
    refs = (OwnerReference(kind=owner.KIND, name=owner.name, uid=owner.uid),) if owner is not None else ()
    return Pod(
        name=name,
        namespace="default",
        labels=dict(FOO),
        owner_references=refs,
        node_name="node",
        phase=phase,
        ready=ready,
    )


def owned(kind: type[Any], replicas: int, name: str = "ctrl") -> Any:
    return kind(
        name=name, namespace="default", replicas=replicas, selector=LabelSelector(match_labels=dict(FOO))
    )


# -- disruption controller ------------------------------------------------------------------------------------
def test_TestNoSelector() -> None:
    c = Cluster()
    pdb = c.add(budget(min_available=3, selector=LabelSelector()))
    assert c.status(pdb) == (0, 0, 3, 0)
    assert [e["message"] for e in c.events("NoPods")] == ["No matching pods found"]
    c.add(pod("yo"))
    assert c.status(pdb) == (0, 1, 3, 1)


def test_TestUnavailable() -> None:
    c = Cluster()
    pdb = c.add(budget(min_available=3))
    pods = []
    for i in range(4):
        assert c.status(pdb) == (0, i, 3, i)
        pods.append(c.add(pod(f"yo-yo-yo-{i}")))
    assert pdb.disruptions_allowed == 1
    pods[0].ready = False
    c.update(pods[0])
    assert c.status(pdb) == (0, 3, 3, 4)


def test_TestIntegerMaxUnavailable() -> None:
    c = Cluster()
    pdb = c.add(budget(max_unavailable=1))
    c.add(pod("naked-0"))
    c.add(pod("naked-1"))
    assert pdb.disruptions_allowed == 0  # unmanaged pods: expectedPods 0


def test_TestIntegerMaxUnavailableWithScaling() -> None:
    c = Cluster()
    pdb = c.add(budget(max_unavailable=2))
    rs = c.add(owned(ReplicaSet, 7))
    c.add(pod("p", rs))
    assert c.status(pdb) == (0, 1, 5, 7)
    rs.replicas = 5
    c.update(rs)
    assert c.status(pdb) == (0, 1, 3, 5)


def test_TestPercentageMaxUnavailableWithScaling() -> None:
    c = Cluster()
    pdb = c.add(budget(max_unavailable="30%"))
    rs = c.add(owned(ReplicaSet, 7))
    c.add(pod("p", rs))
    assert c.status(pdb) == (0, 1, 4, 7)  # 7 - ceil(2.1)
    rs.replicas = 3
    c.update(rs)
    assert c.status(pdb) == (0, 1, 2, 3)  # 3 - ceil(0.9)


@pytest.mark.parametrize("case", ["TestNakedPod", "TestStatusForUnmanagedPod", "TestTotalUnmanagedPods"])
def test_unmanaged_pods(case: str) -> None:
    c = Cluster()
    pdb = c.add(budget(min_available="28%"))
    c.add(pod("naked"))
    assert pdb.disruptions_allowed == 0
    assert c.status(pdb)[3] == 0  # the status is still computed (no sync error)
    (warning,) = c.events("UnmanagedPods")
    assert warning["eventType"] == "Warning"
    assert 'set ".spec.minAvailable" field of the PDB to an integer value' in warning["message"]


def test_TestReplicaSet() -> None:
    c = Cluster()
    pdb = c.add(budget(min_available="20%"))
    rs = c.add(owned(ReplicaSet, 10))
    c.add(pod("p", rs))
    assert c.status(pdb) == (0, 1, 2, 10)


def test_TestScaleResource() -> None:
    # scale 10, 4 pods, maxUnavailable 5: desired 5, 4 healthy, nothing allowed
    c = Cluster()
    pdb = c.add(budget(max_unavailable=5))
    rs = c.add(owned(ReplicaSet, 10))
    for i in range(4):
        c.add(pod(f"pod-{i}", rs))
    assert c.status(pdb) == (0, 4, 5, 10)


@pytest.mark.parametrize(
    ("kind", "resource"),
    [(DaemonSet, "daemonsets.apps"), (None, "jobs.batch")],
    ids=["TestScaleFinderNoResource-daemonset", "TestScaleFinderNoResource-job"],
)
def test_TestScaleFinderNoResource(kind: Any, resource: str) -> None:
    from models.workloads import Job

    c = Cluster()
    pdb = c.add(budget(max_unavailable=1))
    owner = c.add(kind(name="d", namespace="default") if kind else Job(name="d", namespace="default"))
    c.add(pod("p", owner))
    assert pdb.disruptions_allowed == 0
    (failed,) = c.events("CalculateExpectedPodCountFailed")
    assert failed["message"] == (
        f"Failed to calculate the number of expected pods: {resource} does not implement the scale subresource"
    )


def test_TestMultipleControllers() -> None:
    c = Cluster()
    pdb = c.add(budget(min_available="1%"))
    pods = [c.add(pod(f"pod-{i}")) for i in range(2)]
    assert pdb.disruptions_allowed == 0  # no controllers yet
    rc = c.add(owned(ReplicationController, 1, "rc-1"))
    for p in pods:
        p.owner_references = (OwnerReference(kind=rc.KIND, name=rc.name, uid=rc.uid),)
        c.update(p)
    assert pdb.disruptions_allowed == 1  # 2 healthy of a scale of 1, ceil(1 %) = 1


@pytest.mark.parametrize("kind", [ReplicationController, StatefulSet], ids=["TestReplicationController",
                                                                            "TestStatefulSetController"])  # fmt: skip
def test_34_percent_of_three(kind: type[Any]) -> None:
    c = Cluster()
    pdb = c.add(budget(min_available="34%"))
    ctrl = c.add(owned(kind, 3))
    pods = []
    for i in range(3):
        pods.append(c.add(pod(f"foobar-{i}", ctrl)))
        assert c.status(pdb) == ((0, i + 1, 2, 3) if i < 2 else (1, 3, 2, 3))
    c.store.delete(pods[0])
    c.settle()
    assert c.status(pdb) == (0, 2, 2, 3)


def test_TestTwoControllers() -> None:
    size, min_one, min_two = 11, 4, 7  # ceil(28 % of 11), ceil(28 % of 22)
    c = Cluster()
    pdb = c.add(budget(min_available="28%"))
    rc = c.add(owned(ReplicationController, size, "rc"))
    assert c.status(pdb) == (0, 0, 0, 0)
    pods: list[Pod] = []
    unavailable = size - min_one - 1
    for i in range(1, size + 1):
        pods.append(c.add(pod(f"quux-{i}", rc, ready=i > unavailable)))
        if i <= unavailable:
            assert c.status(pdb) == (0, 0, min_one, size)
        elif i - unavailable <= min_one:
            assert c.status(pdb) == (0, i - unavailable, min_one, size)
        else:
            assert c.status(pdb) == (1, i - unavailable, min_one, size)
    c.add(owned(Deployment, size, "d"))
    assert c.status(pdb) == (1, min_one + 1, min_one, size)
    rs = c.add(owned(ReplicaSet, size, "rs"))
    assert c.status(pdb) == (1, min_one + 1, min_one, size)
    unavailable = 2 * size - (min_two + 2) - unavailable
    for i in range(1, size + 1):
        pods.append(c.add(pod(f"quux-rs-{i}", rs, ready=i > unavailable)))
        if i <= unavailable:
            assert c.status(pdb) == (0, min_one + 1, min_two, 2 * size)
        elif i - unavailable <= min_two - (min_one + 1):
            assert c.status(pdb) == (0, min_one + 1 + i - unavailable, min_two, 2 * size)
        else:
            allowed = i - unavailable - (min_two - (min_one + 1))
            assert c.status(pdb) == (allowed, min_one + 1 + i - unavailable, min_two, 2 * size)
    assert c.status(pdb) == (2, 2 + min_two, min_two, 2 * size)
    for index, ready, want in [(-1, False, 1), (-2, False, 0), (-1, True, 1)]:
        pods[index].ready = ready
        c.update(pods[index])
        assert c.status(pdb) == (want, want + min_two, min_two, 2 * size)


def test_TestUpdateDisruptedPods() -> None:
    c = Cluster()
    pdb = c.add(budget(min_available=1))
    c.settle(until=600.0)
    now = c.engine.now
    p1, p2, p3 = (c.add(pod(n)) for n in ("p1", "p2", "p3"))
    status = pdb_status(pdb)
    assert status is not None
    status.disrupted_pods = {"p1": now, "p2": now - 180, "p3": now - 60, "notthere": now}
    p1.deletion_timestamp = now
    c.update(p1)
    assert c.status(pdb) == (0, 1, 1, 3)
    assert status.disrupted_pods == {"p3": now - 60}
    (late,) = c.events("NotDeleted")
    assert late["name"] == "p2" and "to be deleted but it wasn't" in late["message"]
    # p3's approval runs out 2 minutes after it was given: it counts as healthy again
    c.settle(until=now + 60)
    assert c.status(pdb) == (1, 2, 1, 3)
    assert p2 is not None and p3 is not None


def test_neither_min_available_nor_max_unavailable_allows_nothing() -> None:
    # getExpectedPodCount leaves expectedCount at 0 when neither field is set; updatePdbStatus then allows 0.
    c = Cluster()
    pdb = c.add(budget())
    c.add(pod("p"))
    assert c.status(pdb) == (0, 1, 0, 0)


# -- Eviction API ---------------------------------------------------------------------------------------------
def evicting(
    status: tuple[int, int, int] = (0, 0, 0),
    policy: str = "IfHealthyBudget",
    selector: LabelSelector | None = None,
    ready: bool = True,
    phase: str = "Running",
) -> tuple[Cluster, PodDisruptionBudget, Pod]:
    """A PDB whose status is set as upstream's tables set it: (disruptionsAllowed, currentHealthy, desired)."""
    c = Cluster()
    pdb = c.add(budget(min_available=1, selector=selector, policy=policy))
    target = c.add(pod("t1", ready=ready, phase=phase))
    s = pdb_status(pdb)
    assert s is not None
    pdb.disruptions_allowed, s.current_healthy, s.desired_healthy = status
    return c, pdb, target


def gone_or_going(c: Cluster, p: Pod) -> bool:
    return not c.store.contains(p) or p.deletion_timestamp is not None


@pytest.mark.parametrize(
    ("policy", "code"), [("IfHealthyBudget", 429), ("AlwaysAllow", 201)], ids=lambda v: str(v)
)
def test_TestEviction_no_disruptions_allowed_pod_running(policy: str, code: int) -> None:
    c, _, target = evicting(policy=policy, ready=False)
    result = evict(c, target)
    assert result.code == code
    if code == 429:
        assert result.message == "Cannot evict pod as it would violate the pod's disruption budget."
        assert result.cause == "The disruption budget foo needs 0 healthy pods and has 0 currently"
        assert not gone_or_going(c, target)
    else:
        assert gone_or_going(c, target)


@pytest.mark.parametrize("phase", ["Pending", "Succeeded", "Failed"])
def test_TestEviction_no_disruptions_allowed_pod_not_running(phase: str) -> None:
    c, pdb, target = evicting(phase=phase, ready=False)
    assert evict(c, target).code == 201
    assert gone_or_going(c, target) and pdb.disruptions_allowed == 0


def test_TestEviction_matching_pdbs_with_disruptions_allowed() -> None:
    c, pdb, target = evicting(status=(1, 1, 0))
    assert evict(c, target).code == 201
    assert gone_or_going(c, target) and pdb.disruptions_allowed == 0


def test_TestEviction_non_matching_pdbs() -> None:
    c, _, target = evicting(selector=LabelSelector(match_labels={"b": "true"}))
    assert evict(c, target).code == 201


def test_TestEviction_empty_selector_matches_nothing() -> None:
    c, _, target = evicting(selector=LabelSelector())
    assert evict(c, target).code == 201 and gone_or_going(c, target)


def test_TestEvictionIgnorePDB_pod_terminating() -> None:
    c, _, target = evicting()
    target.deletion_timestamp = c.engine.now
    assert evict(c, target).code == 201


@pytest.mark.parametrize(
    ("case", "status", "ready", "policy", "code", "allowed_after"),
    [
        ("healthy-pod-not-ours", (0, 2, 2), True, "IfHealthyBudget", 429, 0),
        ("unhealthy-pod-ours", (0, 2, 2), False, "IfHealthyBudget", 201, 0),
        ("unhealthy-pod-disruptions-allowed", (1, 3, 2), False, "IfHealthyBudget", 201, 1),
        ("unhealthy-current-below-desired", (0, 1, 2), False, "IfHealthyBudget", 429, 0),
        ("unhealthy-current-below-desired-always-allow", (0, 1, 2), False, "AlwaysAllow", 201, 0),
        ("unhealthy-desired-zero", (0, 0, 0), False, "IfHealthyBudget", 429, 0),
        ("healthy-always-allow-uses-budget", (1, 2, 1), True, "AlwaysAllow", 201, 0),
    ],
    ids=lambda v: v if isinstance(v, str) and "-" in v else None,
)
def test_TestEvictionIgnorePDB(
    case: str, status: tuple[int, int, int], ready: bool, policy: str, code: int, allowed_after: int
) -> None:
    c, pdb, target = evicting(status=status, policy=policy, ready=ready)
    result = evict(c, target)
    assert result.code == code, case
    assert pdb.disruptions_allowed == allowed_after
    assert gone_or_going(c, target) == (code == 201)
    if code == 429:
        assert result.cause == (
            f"The disruption budget foo needs {status[2]} healthy pods and has {status[1]} currently"
        )


@pytest.mark.parametrize(("before", "after"), [(1, 0), (3, 2)], ids=["becomes-zero", "stays-positive"])
def test_TestEvictionPDBStatus_decrements(before: int, after: int) -> None:
    c, pdb, target = evicting(status=(before, before + 1, 1))
    assert evict(c, target).code == 201
    assert pdb.disruptions_allowed == after
    s = pdb_status(pdb)
    assert s is not None and "t1" in s.disrupted_pods


def test_TestEvictionPDBStatus_not_processed_yet() -> None:
    c, pdb, target = evicting(status=(1, 2, 1))
    pdb.generation += 1  # spec changed; the controller has not observed it
    result = evict(c, target)
    assert result.code == 429
    assert result.cause == "The disruption budget foo is still being processed by the server."
    assert not gone_or_going(c, target) and pdb.disruptions_allowed == 1


def test_eviction_go_unhealthy_rule_comes_before_the_generation_check() -> None:
    c, pdb, target = evicting(status=(0, 1, 1), policy="AlwaysAllow", ready=False)
    pdb.generation += 1
    assert evict(c, target).code == 201


def test_TestEviction_more_than_one_pdb() -> None:
    c, _, target = evicting(status=(1, 1, 0))
    c.add(budget(min_available=1, name="bar"))
    result = evict(c, target)
    assert result.code == 500
    assert result.message == (
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
    )
    assert not gone_or_going(c, target)


# -- kubectl drain ----------------------------------------------------------------------------------------------
TIMING = "{startupSeconds: 2s, readySeconds: 10s, shutdownSeconds: 5s}"


def pdb_yaml(spec: str) -> str:
    return f"""
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: web}}
spec:
  {spec}
  selector: {{matchLabels: {{app: web}}}}
---
"""


def daemonset_yaml() -> str:
    return """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: c, image: agent, resources: {requests: {cpu: 10m, memory: 10Mi}}}]
---
"""


def test_kubectl_drain_cordons_first_and_ignores_daemonset_pods() -> None:
    timeline = "[{at: 60s, action: drain, node: pool-0}]"
    sim = sim_from(scenario(timeline=timeline, defaults=TIMING) + pool(count=2) + deployment("web", replicas=2)
                   + daemonset_yaml())  # fmt: skip
    sim.run(until=300)
    (cordon,) = [e for e in events(sim, "NodeNotSchedulable", "Node") if e["name"] == "pool-0"]
    evicted = events(sim, "Evicted", "Pod")
    assert cordon["t"] == 60.0 and all(e["t"] >= cordon["t"] for e in evicted)
    assert all(not e["name"].startswith("agent") for e in evicted)
    (drained,) = events(sim, "Drained", "Node")
    left = [p for p in sim.store.pods_on_node("pool-0")]
    assert [p.labels.get("app") for p in left] == ["agent"]
    assert drained["t"] > 60.0


def test_kubectl_drain_timeout_is_noticed_at_the_next_5s_retry() -> None:
    # drain at 60 s with --timeout=62s: attempts at 60, 65, ..., 120 get 429; the sleep is not cut short, so the
    # attempt at 125 finds the context done: "global timeout reached: 1m2s".
    timeline = "[{at: 60s, action: drain, node: pool-0, timeout: 62s}]"
    sim = sim_from(scenario(timeline=timeline, defaults=TIMING) + pool(count=1) + deployment("web", replicas=2)
                   + pdb_yaml("minAvailable: 2"))  # fmt: skip
    sim.run(until=600)
    (failed,) = events(sim, "DrainFailed", "Node")
    assert failed["t"] == 125.0
    assert "global timeout reached: 1m2s" in failed["message"]
    assert failed["message"].startswith('error: unable to drain node "pool-0" due to error: [')
    assert len(events(sim, "EvictionBlocked")) == 2 * 13
    assert sim.store.get("Node", "", "pool-0").unschedulable


def test_kubectl_drain_waits_for_pods_already_terminating() -> None:
    # skipDeletedFilter skips nothing without --skip-wait-for-delete-timeout: a pod already being deleted is
    # evicted (accepted at once) and waited for.
    sim = sim_from(scenario(defaults=TIMING) + pool(count=1) + deployment("web", replicas=1))
    sim.run(until=60)
    (victim,) = [p for p in sim.store.pods_on_node("pool-0") if p.labels.get("app") == "web"]
    delete_pod(sim.store, victim)
    status = drain(sim, "pool-0")
    assert status.pods == [f"default/{victim.name}"]
    sim.run(until=120)
    assert status.drained and status.finished_at is not None and status.finished_at >= 65.0
    assert not sim.store.contains(victim)
