"""``kubectl drain``'s pod filters and outcomes, ported as tables from upstream kubectl (1.35).

Sources (``k8s.io/kubectl``):

* ``pkg/cmd/drain/drain_test.go`` ``TestDrain`` (rows ``TestDrain/<description>``) and ``TestCordon``;
* ``pkg/drain/filters_test.go`` ``TestDaemonSetFilter`` (rows ``TestDaemonSetFilter/<index>``) and
  ``TestSkipDeletedFilter``;
* ``pkg/drain/drain_test.go`` ``TestFilterPods`` and ``TestDeletePods``;
* ``pkg/drain/filters.go``: the filter order (skipDeleted, daemonSet, mirrorPod, localStorage, unreplicated),
  finished pods (Succeeded/Failed) exempt from the DaemonSet, emptyDir and no-controller rules, the messages
  ("cannot delete Pods that declare no controller (use --force to override): ns/a, ns/b", "ignoring
  DaemonSet-managed Pods: ...", "deleting Pods that declare no controller: ..."), and ``errors()`` listing the
  pods in the API's list order (etcd key order, ``namespace/name``).

kubesim is ``kubectl drain --ignore-daemonsets --delete-emptydir-data`` (``force=True`` is ``--force``), so rows
that need those flags off, ``--disable-eviction``, ``--skip-wait-for-delete-timeout``, ``--pod-selector``,
additional filters or injected API failures are not ported. Pods have no volumes in kubesim; under
``--delete-emptydir-data`` an emptyDir never changes the outcome (its warning is overwritten by the later
filters), so emptyDir rows that set that flag are ported without the volume. Rows prefixed ``kubesim:`` are
kubesim's own edge cases of the same filters, with the upstream outcome in a comment.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from models.meta import OwnerReference
from models.pod import Container, Pod, PodSpec
from simulator import Simulation
from simulator.drain import DrainError, drain, pods_to_evict
from simulator.podutil import delete_pod
from tests.simhelpers import events, pool, scenario, sim_from

TIMING = "{startupSeconds: 2s, readySeconds: 10s, shutdownSeconds: 5s}"
NODE = "pool-0"
UNMANAGED = "cannot delete Pods that declare no controller (use --force to override): "

# One DaemonSet on every node: its pod on pool-0 plays the rows' "ds" pod (a hand-made pod owned by a live
# DaemonSet would be deleted by the DaemonSet controller, as upstream).
DAEMONSET = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds}
spec:
  selector: {matchLabels: {app: ds}}
  template:
    metadata: {labels: {app: ds}}
    spec:
      containers: [{name: c, image: ds:v1, resources: {requests: {cpu: 10m, memory: 16Mi}}}]
---
"""


@attrs.frozen
class P:
    """A pod of a row. ``owner``: the controller's kind (None: no controller); "DaemonSet" is the live DaemonSet's
    pod (the row's name is an alias), "OrphanDaemonSet" a DaemonSet-controlled pod whose DaemonSet is gone."""

    name: str
    owner: str | None = "ReplicaSet"
    phase: str | None = None  # set just before the drain (Succeeded/Failed); None: Running as started
    mirror: bool = False
    terminating: bool = False  # deletionTimestamp set (gracefully deleted) just before the drain
    controller: bool = True  # the owner reference's ``controller`` flag
    namespace: str = "default"


@attrs.frozen
class Row:
    pods: tuple[P, ...]
    force: bool = False
    evicted: tuple[str, ...] = ()  # names (namespace/name) evicted, in the list order
    ignored: tuple[str, ...] = ()  # DaemonSet pods ignored ("ignoring DaemonSet-managed Pods")
    error: str | None = None  # the drain stops before any eviction with this error
    warnings: tuple[str, ...] = ()  # kubectl's WARNING line, as kubesim's Drain event carries it


def d(*names: str) -> tuple[str, ...]:
    return tuple(n if "/" in n else f"default/{n}" for n in names)


ROWS: dict[str, Row] = {
    # ---- TestDrain (pkg/cmd/drain/drain_test.go); every row expects "node/node drained" unless fatal.
    "TestDrain/RC-managed pod": Row((P("bar", "ReplicationController"),), evicted=d("bar")),
    "TestDrain/DS-managed terminated pod": Row((P("bar", "DaemonSet", phase="Succeeded"),), evicted=d("bar")),
    # upstream's orphanedDsPod has no ownerReference at all: a naked pod.
    "TestDrain/orphaned DS-managed pod": Row((P("bar", None),), error=UNMANAGED + "default/bar"),
    "TestDrain/orphaned DS-managed pod with --force": Row(
        (P("bar", None),),
        force=True,
        evicted=d("bar"),
        warnings=("deleting Pods that declare no controller: default/bar",),
    ),
    "TestDrain/DS-managed pod with --ignore-daemonsets": Row(
        (P("bar", "DaemonSet"),), ignored=d("bar"), warnings=("ignoring DaemonSet-managed Pods: default/bar",)
    ),
    "TestDrain/DS-managed pod with emptyDir with --ignore-daemonsets": Row(
        (P("bar", "DaemonSet"),), ignored=d("bar"), warnings=("ignoring DaemonSet-managed Pods: default/bar",)
    ),
    "TestDrain/Job-managed pod with local storage": Row((P("bar", "Job"),), force=True, evicted=d("bar")),
    "TestDrain/Job-managed terminated pod": Row((P("bar", "Job", phase="Succeeded"),), evicted=d("bar")),
    "TestDrain/RS-managed pod": Row((P("bar", "ReplicaSet"),), evicted=d("bar")),
    "TestDrain/naked pod": Row((P("bar", None),), error=UNMANAGED + "default/bar"),
    "TestDrain/naked pod with --force": Row(
        (P("bar", None),),
        force=True,
        evicted=d("bar"),
        warnings=("deleting Pods that declare no controller: default/bar",),
    ),
    "TestDrain/terminated pod with emptyDir": Row((P("bar", None, phase="Failed"),), evicted=d("bar")),
    "TestDrain/pod with EmptyDir and --delete-emptydir-data": Row(
        (P("bar", None),),
        force=True,
        evicted=d("bar"),
        warnings=("deleting Pods that declare no controller: default/bar",),
    ),
    "TestDrain/empty node": Row(()),
    # ---- TestDaemonSetFilter (pkg/drain/filters_test.go); the DaemonSet "bar" exists. Rows 1 and 2 need
    # --ignore-daemonsets off.
    "TestDaemonSetFilter/0 (ignore, force, Running)": Row(
        (P("bar", "DaemonSet"),),
        force=True,
        ignored=d("bar"),
        warnings=("ignoring DaemonSet-managed Pods: default/bar",),
    ),
    "TestDaemonSetFilter/3 (ignore, Running)": Row(
        (P("bar", "DaemonSet"),), ignored=d("bar"), warnings=("ignoring DaemonSet-managed Pods: default/bar",)
    ),
    "TestDaemonSetFilter/4 (ignore, Failed)": Row((P("bar", "DaemonSet", phase="Failed"),), evicted=d("bar")),
    "TestDaemonSetFilter/5 (ReplicaSet)": Row((P("bar", "ReplicaSet"),), evicted=d("bar")),
    "TestDaemonSetFilter/6 (ReplicaSet, ignore)": Row((P("bar", "ReplicaSet"),), evicted=d("bar")),
    # ---- TestSkipDeletedFilter: kubesim has --skip-wait-for-delete-timeout=0, so a pod being deleted is never
    # skipped: evicted (the API accepts at once) and waited for. Rows 0 and 1 (age 0 and 1 s < 20 s) agree.
    "TestSkipDeletedFilter/0 (no deletionTimestamp)": Row((P("pod"),), evicted=d("pod")),
    "TestSkipDeletedFilter/1 (deleted 1s ago)": Row((P("pod", terminating=True),), evicted=d("pod")),
    # ---- TestFilterPods (pkg/drain/drain_test.go): Force, one naked pod, no additional filters.
    "TestFilterPods/No additionalFilters okay all": Row(
        (P("pod", None),),
        force=True,
        evicted=d("pod"),
        warnings=("deleting Pods that declare no controller: default/pod",),
    ),
    # ---- kubesim: combinations of the filters in filters.go.
    "kubesim: mirror pod is skipped before the no-controller rule": Row(
        (P("static", None, mirror=True), P("web")), evicted=d("web")
    ),
    "kubesim: mirror pod is skipped with --force": Row((P("static", None, mirror=True),), force=True),
    "kubesim: owner reference without controller is no controller": Row(
        (P("bar", "ReplicaSet", controller=False),), error=UNMANAGED + "default/bar"
    ),
    "kubesim: Succeeded naked pod needs no --force": Row(
        (P("done", None, phase="Succeeded"), P("web")), evicted=d("done", "web")
    ),
    "kubesim: terminating naked pod still needs --force": Row(
        (P("bar", None, terminating=True),), error=UNMANAGED + "default/bar"
    ),
    "kubesim: terminating naked pod with --force is evicted and waited for": Row(
        (P("bar", None, terminating=True),),
        force=True,
        evicted=d("bar"),
        warnings=("deleting Pods that declare no controller: default/bar",),
    ),
    "kubesim: one error lists every naked pod and stops all evictions": Row(
        (P("a", None), P("b", None), P("web"), P("bar", "DaemonSet")),
        ignored=d("bar"),
        error=UNMANAGED + "default/a, default/b",
    ),
    "kubesim: errors list pods in etcd key order": Row(
        (P("p", None, namespace="a"), P("p", None, namespace="a-b")),
        error=UNMANAGED + "a-b/p, a/p",
    ),
    "kubesim: both warnings, DaemonSet first": Row(
        (P("bar", "DaemonSet"), P("naked", None), P("web")),
        force=True,
        evicted=d("naked", "web"),
        ignored=d("bar"),
        warnings=(
            "ignoring DaemonSet-managed Pods: default/bar",
            "deleting Pods that declare no controller: default/naked",
        ),
    ),
    # Upstream GETs the DaemonSet: not found is an error ('cannot delete daemonsets.apps "gone" not found:
    # default/orphan') unless --force, which evicts it (the warning is overwritten by the later filters).
    # kubesim leaves every DaemonSet-controlled pod alone (fidelity.md, drain: Differs).
    "kubesim: DaemonSet gone, pod left alone (upstream: error)": Row(
        (P("orphan", "OrphanDaemonSet"), P("web")),
        evicted=d("web"),
        ignored=d("orphan"),
        warnings=("ignoring DaemonSet-managed Pods: default/orphan",),
    ),
    "kubesim: DaemonSet gone, pod left alone with --force (upstream: evicted)": Row(
        (P("orphan", "OrphanDaemonSet"),),
        force=True,
        ignored=d("orphan"),
        warnings=("ignoring DaemonSet-managed Pods: default/orphan",),
    ),
    # A finished pod passes the DaemonSet filter before the DaemonSet is looked up: evicted, as upstream.
    "kubesim: DaemonSet gone, finished pod evicted": Row(
        (P("orphan", "OrphanDaemonSet", phase="Failed"),), evicted=d("orphan")
    ),
}


def _build(row: Row) -> tuple[Simulation, dict[str, str]]:
    """A two-node cluster with the row's pods on pool-0, Running, then phases and deletions applied at 30 s.

    Returns the simulation and a map from the pods' real ``namespace/name`` to the row's names.
    """
    with_ds = any(p.owner == "DaemonSet" for p in row.pods)
    sim = sim_from(scenario(defaults=TIMING) + pool(count=2) + (DAEMONSET if with_ds else ""))
    sim.run(until=1)
    alias: dict[str, str] = {}
    for spec in row.pods:
        if spec.owner == "DaemonSet":
            continue
        refs: tuple[OwnerReference, ...] = ()
        if spec.owner == "OrphanDaemonSet":
            refs = (OwnerReference(kind="DaemonSet", name="gone", uid="uid-gone"),)
        elif spec.owner is not None:
            refs = (
                OwnerReference(
                    kind=spec.owner, name="x", uid=f"uid-{spec.owner}", controller=spec.controller
                ),
            )
        sim.store.add(
            Pod(
                name=spec.name,
                namespace=spec.namespace,
                annotations={"kubernetes.io/config.mirror": "hash"} if spec.mirror else {},
                owner_references=refs,
                spec=PodSpec(containers=(Container(name="c"),), node_name=NODE),
            )
        )
    sim.run(until=30)
    for spec in row.pods:
        if spec.owner == "DaemonSet":
            (pod,) = [p for p in sim.store.pods_on_node(NODE) if p.labels.get("app") == "ds"]
        else:
            pod = sim.store.get("Pod", spec.namespace, spec.name)
        assert pod.phase == "Running", (spec, pod.phase)
        alias[f"{pod.namespace}/{pod.name}"] = f"{spec.namespace}/{spec.name}"
        if spec.phase is not None:
            pod.phase = spec.phase
            pod.ready = False
            sim.store.update(pod)
        if spec.terminating:
            delete_pod(sim.store, pod)
    return sim, alias


def _names(pods: Any, alias: dict[str, str]) -> tuple[str, ...]:
    return tuple(alias[f"{p.namespace}/{p.name}"] for p in pods)


def _rename(text: str, alias: dict[str, str]) -> str:
    for real, name in alias.items():
        text = text.replace(real, name)
    return text


@pytest.mark.parametrize("row", list(ROWS.values()), ids=list(ROWS))
def test_drain_filters_and_outcome(row: Row) -> None:
    sim, alias = _build(row)
    to_evict, daemons, bare = pods_to_evict(sim.store, NODE, force=row.force)
    assert _names(daemons, alias) == row.ignored
    if row.error is None:
        assert _names(to_evict, alias) == row.evicted and not bare
    else:
        assert bare
    before = {f"{p.namespace}/{p.name}" for p in sim.store.pods_on_node(NODE)}

    status = drain(sim, NODE, force=row.force)
    assert sim.store.get("Node", "", NODE).unschedulable  # cordoned first, whatever follows
    if row.error is not None:
        assert status.error is not None and _rename(status.error, alias) == row.error
        assert status.done.triggered and not status.evicted
        sim.run(until=120)
        (failed,) = events(sim, "DrainFailed", "Node")
        assert _rename(failed["message"], alias) == (
            f'error: unable to drain node "{NODE}" due to error: {row.error}, continuing command...'
        )
        assert not events(sim, "Drain", "Node") and not events(sim, "Evicted", "Pod")
        # nothing evicted: every pod not already being deleted is still there
        live = {
            n
            for n in before
            if alias[n] not in {f"{x.namespace}/{x.name}" for x in row.pods if x.terminating}
        }
        assert live <= {f"{p.namespace}/{p.name}" for p in sim.store.pods_on_node(NODE)}
        return

    sim.run(until=120)
    assert status.drained, status.error
    (started,) = events(sim, "Drain", "Node")
    assert _rename(
        started["message"], alias
    ) == f"Draining node {NODE}: evicting {len(row.evicted)} pods" + "".join(f"; {w}" for w in row.warnings)
    (drained,) = events(sim, "Drained", "Node")
    assert drained["message"] == f"node/{NODE} drained"
    assert sorted(_rename(n, alias) for n in status.evicted) == sorted(row.evicted)
    # (the DaemonSet controller may put a new pod on the cordoned node: only the row's pods count)
    left = {alias[k] for p in sim.store.pods_on_node(NODE) if (k := f"{p.namespace}/{p.name}") in alias}
    assert left == {alias[n] for n in before} - set(row.evicted)


def test_TestDeletePods_pod_found_with_same_name_but_different_uid_is_gone() -> None:
    """``TestDeletePods/Pod found with same name but different UID``: waitForDelete treats a pod of the same
    name with another UID as the evicted pod being gone (a StatefulSet recreates its pod under the same name)."""
    sts = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      nodeSelector: {kubernetes.io/hostname: pool-0}
      containers: [{name: c, image: db:v1}]
---
"""
    sim = sim_from(scenario(defaults=TIMING) + pool(count=2) + sts)
    sim.run(until=30)
    old = sim.store.get("Pod", "default", "db-0")
    assert old.node_name == NODE
    status = drain(sim, NODE)
    sim.run(until=120)
    new = sim.store.get("Pod", "default", "db-0")
    assert new is not None and new.uid != old.uid and new.node_name != NODE  # Pending: pool-0 is cordoned
    assert status.drained and status.evicted == ["default/db-0"]


def test_TestCordon_cordon_missing_node() -> None:
    """``TestCordon/cordon missing node``: fatal, nothing updated."""
    sim = sim_from(scenario(defaults=TIMING) + pool(count=1))
    sim.run(until=1)
    with pytest.raises(DrainError, match="node bar does not exist"):
        drain(sim, "bar")
    assert not events(sim, "NodeNotSchedulable")


def test_TestCordon_cordon_does_nothing() -> None:
    """``TestCordon/cordon does nothing``: draining a cordoned node does not cordon it again."""
    sim = sim_from(scenario(defaults=TIMING) + pool(count=1))
    sim.run(until=1)
    sim.do("cordon", node=NODE)
    sim.run(until=2)
    taints = sim.store.get("Node", "", NODE).taints
    status = drain(sim, NODE)
    sim.run(until=60)
    assert status.drained
    assert len(events(sim, "NodeNotSchedulable")) == 1
    assert sim.store.get("Node", "", NODE).taints == taints
