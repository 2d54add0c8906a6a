"""Garbage collection (PodGC and ownerReferences cascading): facts ported from Kubernetes' tests and sources.

Sources: pkg/controller/podgc/gc_controller_test.go (TestGCTerminated, TestGCOrphaned,
TestGCUnscheduledTerminating) and pkg/controller/podgc/gc_controller.go (``gcCheckPeriod`` 20 s,
``quarantineTime`` 40 s, ``gcTerminated`` only with a threshold > 0, oldest by creationTimestamp first), the
kube-controller-manager flag ``--terminated-pod-gc-threshold`` (12500), and the garbage collection concept page
(https://kubernetes.io/docs/concepts/architecture/garbage-collection/: background cascading deletion is the
default; the owner goes first, then its dependents). Each case id names its upstream test and case.
"""

from __future__ import annotations

import pytest

from models.node import Node
from models.pod import Pod
from simulator.controllers.base import ControllerContext
from simulator.controllers.gc import (
    GC_CHECK_PERIOD,
    ORPHAN_QUARANTINE,
    TERMINATED_POD_GC_THRESHOLD,
    GarbageCollector,
)
from simulator.defaults import defaults_for
from simulator.engine import Engine
from simulator.podutil import delete_pod
from simulator.store import Store
from tests.simhelpers import deployment, pool, scenario, sim_from

HOUR = 3600.0


def test_podgc_constants() -> None:
    assert (GC_CHECK_PERIOD, ORPHAN_QUARANTINE, TERMINATED_POD_GC_THRESHOLD) == (20.0, 40.0, 12500)


def podgc(threshold: int) -> tuple[Engine, Store]:
    engine = Engine()
    store = Store(engine)
    GarbageCollector(ControllerContext(engine=engine, store=store, defaults=defaults_for("1.35")), threshold)
    store.add(Node(name="node"))
    return engine, store


def add_pods(store: Store, phases: list[str], node: str = "node") -> None:
    """Pods a, b, c, ... created an hour apart, as upstream's test does."""
    for i, phase in enumerate(phases):
        p = Pod(name="abcdefgh"[i], namespace="default", node_name=node, phase=phase)
        store.add(p)
        p.creation_timestamp = (i + 1) * HOUR


@pytest.mark.parametrize(
    ("phases", "threshold", "deleted"),
    [
        (["Failed", "Succeeded"], 0, set()),  # threshold = 0 disables terminated pod deletion
        (["Failed", "Succeeded", "Failed"], 1, {"a", "b"}),
        (["Running", "Succeeded", "Failed"], 1, {"b"}),
        (["Failed", "Succeeded"], 1, {"a"}),
        (["Failed", "Succeeded"], 5, set()),
    ],
    ids=[f"TestGCTerminated-{i}" for i in range(5)],
)
def test_gc_terminated(phases: list[str], threshold: int, deleted: set[str]) -> None:
    engine, store = podgc(threshold)
    add_pods(store, phases)
    engine.run(until=GC_CHECK_PERIOD)
    remaining = {p.name for p in store.list("Pod")}
    assert set("abcdefgh"[: len(phases)]) - remaining == deleted


def test_gc_terminated_deletes_oldest_created_first_not_first_terminated() -> None:
    """byEvictionAndCreationTimestamp: the creation time orders the victims, not the order pods finished."""
    engine, store = podgc(1)
    add_pods(store, ["Running", "Running"])
    a, b = sorted(store.list("Pod"), key=lambda p: p.name)
    b.phase = "Failed"
    store.update(b)
    a.phase = "Failed"
    store.update(a)
    engine.run(until=GC_CHECK_PERIOD)
    assert [p.name for p in store.list("Pod")] == ["b"]


@pytest.mark.parametrize(
    ("phases", "threshold"),
    [(["Failed", "Succeeded"], 0), (["Running"], 1)],
    ids=[f"TestGCOrphaned-{i}" for i in range(2)],
)
def test_gc_orphaned(phases: list[str], threshold: int) -> None:
    """Pods bound to a node that does not exist are deleted whatever their phase and the threshold, once the node
    has been missing for the quarantine: noticed by the pass at 0 s, deleted by the pass at 40 s."""
    engine, store = podgc(threshold)
    add_pods(store, phases, node="gone")
    engine.run(until=ORPHAN_QUARANTINE - 1)
    assert len(store.list("Pod")) == len(phases)
    engine.run(until=ORPHAN_QUARANTINE)
    assert store.list("Pod") == []


def test_gc_orphaned_node_back_within_the_quarantine_keeps_its_pods() -> None:
    """discoverDeletedNodes: a node that exists again when its quarantine ends is not deleted, nor its pods."""
    engine, store = podgc(0)
    add_pods(store, ["Running"], node="late")
    engine.run(until=10)
    store.add(Node(name="late"))
    engine.run(until=100)
    assert [p.name for p in store.list("Pod")] == ["a"]


@pytest.mark.parametrize(
    ("removed_at", "pods_gone_at"),
    [(60, 100.0), (61, 120.0), (79, 120.0)],
    ids=lambda v: str(v),
)
def test_gc_orphaned_after_node_deletion(removed_at: int, pods_gone_at: float) -> None:
    """kubectl delete node: the next 20 s PodGC pass notices the missing node, the one 40 s later deletes its
    pods (force, grace period 0)."""
    sim = sim_from(
        scenario(timeline=f"[{{at: {removed_at}s, action: removeNode, node: pool-0}}]")
        + pool()
        + deployment(replicas=6)
    )
    sim.run(until=removed_at - 1)
    doomed = {p.key for p in sim.store.pods_on_node("pool-0")}
    assert doomed
    sim.run(until=pods_gone_at - 0.5)
    assert all(sim.store.get_key("Pod", k) is not None for k in doomed)
    sim.run(until=pods_gone_at)
    assert all(sim.store.get_key("Pod", k) is None for k in doomed)
    deletions = {r["t"] for r in sim.log if r["kind"] == "Pod" and r["type"] == "DELETED"}
    assert pods_gone_at in deletions


@pytest.mark.parametrize("phase", ["Failed", "Succeeded", "Running", "Pending"])
def test_gc_unscheduled_terminating(phase: str) -> None:
    """TestGCUnscheduledTerminating "Unscheduled pod in any phase must be deleted": a pod with no node that is
    deleted goes at once (kubesim's API server deletes unbound pods without a grace period)."""
    _engine, store = podgc(-1)
    add_pods(store, [phase], node="")
    (pod,) = store.list("Pod")
    delete_pod(store, pod)
    assert store.list("Pod") == []


def test_gc_scheduled_terminating_pod_is_not_deleted() -> None:
    """TestGCUnscheduledTerminating "Scheduled pod in any phase must not be deleted": a bound pod marked for
    deletion waits for its kubelet."""
    engine, store = podgc(-1)
    add_pods(store, ["Running"])
    (pod,) = store.list("Pod")
    delete_pod(store, pod)
    engine.run(until=1000)
    assert store.list("Pod") == [pod] and pod.deletion_timestamp == 0.0


def test_background_cascading_deletion_of_a_deployment() -> None:
    """Background propagation (the default for kubectl delete and the API): the Deployment is gone at once,
    then the garbage collector deletes its ReplicaSets and they their Pods (gracefully)."""
    sim = sim_from(scenario() + pool() + deployment(replicas=3))
    sim.run(until=30)
    d = sim.store.get("Deployment", "default", "web")
    sim.store.delete(d)
    assert sim.store.get("Deployment", "default", "web") is None
    assert len(sim.store.list("ReplicaSet")) == 1  # dependents go after the owner
    sim.run(until=31)
    assert sim.store.list("ReplicaSet") == []
    assert all(p.deletion_timestamp == 30.0 for p in sim.store.list("Pod"))
    sim.run(until=90)
    assert sim.store.list("Pod") == []
