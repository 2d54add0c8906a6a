"""Invariants over the cluster's state and the pods' lives: ``no-overcommit``, ``pdb-respected``, ``no-pod-lost``
and ``convergence``. Each keeps small indexes updated from the store's events, so a check costs O(1) per event
(plus, for a deletion covered by a PodDisruptionBudget, the budget's pods)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from models.kubesim import Scenario
from models.meta import KObject
from models.node import Lease, Node
from models.pod import Pod
from models.policy import PodDisruptionBudget
from simulator.controllers.disruption import pdb_status
from simulator.store import ADDED, DELETED
from simulator.testing._invariants_bind import bind_watch
from simulator.testing._invariants_core import (
    Invariant,
    format_quantity,
    format_seconds,
    latest_seqs,
    object_ref,
    pod_requests,
)

if TYPE_CHECKING:
    from simulator.simulation import Simulation

__all__ = ["Convergence", "NoOvercommit", "NoPodLost", "PdbRespected", "desired_healthy"]

_TERMINAL = frozenset(("Succeeded", "Failed"))
WorkloadKey = tuple[str, str, str]  # (kind, namespace, name)
WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet")
LEASE_NAMESPACE = "kube-node-lease"


# -- no-overcommit ------------------------------------------------------------------------------------------------
class NoOvercommit(Invariant):
    """No node is ever overcommitted: the requests of the pods on it stay within its allocatable, per resource, and
    their number within its allocatable ``pods``.

    A pod counts on its node from the moment it is bound (or created with ``spec.nodeName``) until it is deleted or
    reaches Succeeded/Failed, terminating pods included, as in kube-scheduler's cache. Requests are computed here
    from the pod spec as ``resource.PodRequests`` does (containers summed, init containers and sidecars, pod
    overhead), independently of the scheduler's arithmetic; every resource a pod requests is compared (cpu,
    memory, ephemeral-storage, extended resources; a resource the node does not list has allocatable 0). Checked
    whenever a pod starts counting on a node and whenever a node's allocatable changes, which are the only moments
    the sums can cross the limit, so it holds at every instant. Kubernetes' rule: NodeResourcesFit admits a pod
    only if requested + the pod's requests <= allocatable for each resource and the pod count stays within
    ``pods``; the kubelet re-checks at admission (``OutOfcpu``, ``OutOfpods``).

    When it can legitimately not hold: pods created with ``spec.nodeName`` skip the scheduler, and kubesim does not
    model the kubelet's admission check that would reject them in Kubernetes; a node whose allocatable shrinks
    keeps its pods (Kubernetes does not evict for requests); a profile that sets NodeResourcesFit
    ``ignoredResources`` may overcommit those resources by design. Each (node, resource) overcommit is reported
    once, when it starts.
    """

    name: ClassVar[str] = "no-overcommit"
    live_only: ClassVar[bool] = False

    def attach(self, sim: Simulation) -> None:
        super().attach(sim)
        # uid -> (node, requests, seq of the record that made it count, pod)
        self._counted: dict[str, tuple[str, dict[str, int], int, Pod]] = {}
        self._used: dict[str, dict[str, int]] = {}  # node -> resource -> requested (plus "pods": the count)
        self._on_node_pods: dict[str, dict[str, Pod]] = {}
        self._alloc: dict[str, dict[str, int]] = {}
        self._node_seq: dict[str, int] = {}
        self._over: set[tuple[str, str]] = set()
        store = sim.store
        latest = latest_seqs(sim.log)
        for node in store.list("Node"):
            self._alloc[node.name] = dict(node.allocatable)
            if ("Node", "", node.name) in latest:
                self._node_seq[node.name] = latest[("Node", "", node.name)]
        for pod in store.list("Pod"):
            if pod.node_name and pod.phase not in _TERMINAL:
                self._count(pod, latest.get(("Pod", pod.namespace, pod.name), 0))
        for name in list(self._alloc):
            self._check(name, None, "when the check started (pods created with spec.nodeName)")
        store.watch("Pod", self._on_pod)
        store.watch("Node", self._on_node)

    def _count(self, pod: Pod, seq: int) -> None:
        node = pod.node_name
        req = pod_requests(pod.spec)
        self._counted[pod.uid] = (node, req, seq, pod)
        used = self._used.setdefault(node, {})
        for name, value in req.items():
            used[name] = used.get(name, 0) + value
        used["pods"] = used.get("pods", 0) + 1
        self._on_node_pods.setdefault(node, {})[pod.uid] = pod

    def _uncount(self, uid: str) -> None:
        node, req, _, _ = self._counted.pop(uid)
        used = self._used[node]
        for name, value in req.items():
            used[name] -= value
        used["pods"] -= 1
        pods = self._on_node_pods.get(node)
        if pods is not None:
            pods.pop(uid, None)
        if self._over:
            alloc = self._alloc.get(node, {})
            for name in (*req, "pods"):
                if (node, name) in self._over and used.get(name, 0) <= alloc.get(name, 0):
                    self._over.discard((node, name))

    def _on_pod(self, change: str, pod: Pod) -> None:
        uid = pod.uid
        counted = self._counted.get(uid)
        node = pod.node_name
        should = change != DELETED and bool(node) and pod.phase not in _TERMINAL
        if should and counted is not None and counted[0] == node:
            return  # the common case: a counted pod's status changed
        if counted is not None:
            self._uncount(uid)
        if should:
            seq = self.sim.log.count
            self._count(pod, seq)
            self._check(node, pod, "ADDED bound to" if change == ADDED else "bound to")

    def _on_node(self, change: str, node: Node) -> None:
        name = node.name
        self._node_seq[name] = self.sim.log.count
        if change == DELETED:
            self._alloc.pop(name, None)
            return
        alloc = dict(node.allocatable)
        if self._alloc.get(name) != alloc:
            self._alloc[name] = alloc
            self._check(
                name, None, "once it was added" if change == ADDED else "once its allocatable changed"
            )

    def _check(self, node: str, pod: Pod | None, how: str) -> None:
        alloc = self._alloc.get(node)
        used = self._used.get(node)
        if alloc is None or not used:
            return  # a node that does not exist (PodGC's business) or has no pods
        names = (*pod_requests(pod.spec), "pods") if pod is not None else tuple(used)
        over = [
            (name, used.get(name, 0), alloc.get(name, 0))
            for name in names
            if used.get(name, 0) > alloc.get(name, 0) and (node, name) not in self._over
        ]
        if not over:
            return
        for name, _, _ in over:
            self._over.add((node, name))
        text = ", ".join(
            f"{name} requested {format_quantity(name, want)} > allocatable {format_quantity(name, have)}"
            for name, want, have in over
        )
        if pod is not None:
            message = (
                f"node {node} is overcommitted: {text}, once pod {pod.namespace}/{pod.name} was {how} it"
            )
        else:
            message = f"node {node} is overcommitted: {text}, {how}"
        others = sorted(
            (self._counted[uid] for uid in self._on_node_pods.get(node, {}) if pod is None or uid != pod.uid),
            key=lambda entry: -entry[2],
        )
        objects = [f"Node/{node}"] + ([object_ref(pod)] if pod is not None else [])
        objects += [object_ref(entry[3]) for entry in others]
        seqs = [self.sim.log.count] if pod is not None else []
        if node in self._node_seq:
            seqs.append(self._node_seq[node])
        seqs += [entry[2] for entry in others[:20] if entry[2]]
        requested = ", ".join(
            f"{name} {format_quantity(name, value)}/{format_quantity(name, alloc.get(name, 0))}"
            for name, value in sorted(used.items())
            if value
        )
        self.report(
            message,
            objects=objects,
            seqs=seqs,
            details=[f"requested/allocatable on {node}: {requested}"],
        )


# -- pdb-respected ------------------------------------------------------------------------------------------------
def desired_healthy(store: Any, pdb: PodDisruptionBudget, pods: list[Pod]) -> int | None:
    """``desiredHealthy`` of a budget over its ``pods`` (the disruption controller's ``getExpectedPodCount``),
    computed independently here; None when the expected count needs the scale of a controller that has none (a
    DaemonSet or Job), for which Kubernetes allows no disruption."""
    if pdb.max_unavailable is not None:
        expected = _expected_scale(store, pods)
        if expected is None:
            return None
        return max(0, expected - _scaled(pdb.max_unavailable, expected))
    if pdb.min_available is not None:
        if isinstance(pdb.min_available, int):
            return pdb.min_available
        expected = _expected_scale(store, pods)
        if expected is None:
            return None
        return _scaled(pdb.min_available, expected)
    return 0


def _scaled(value: int | str, total: int) -> int:
    if isinstance(value, int):
        return value
    return math.ceil(int(value.rstrip("%")) * total / 100)


def _expected_scale(store: Any, pods: list[Pod]) -> int | None:
    scales: dict[str, int] = {}
    for pod in pods:
        ref = pod.controller_ref
        if ref is None or ref.uid in scales:
            continue
        if ref.kind == "ReplicaSet":
            rs = store.get("ReplicaSet", pod.namespace, ref.name)
            if rs is None:
                return None
            top = rs.controller_ref
            if top is not None and top.kind == "Deployment":
                deployment = store.get("Deployment", pod.namespace, top.name)
                if deployment is None:
                    return None
                scales[ref.uid] = 0
                scales[deployment.uid] = int(deployment.replicas)
                continue
            scales[ref.uid] = int(rs.replicas)
        elif ref.kind in ("ReplicationController", "StatefulSet"):
            obj = store.get(ref.kind, pod.namespace, ref.name)
            if obj is None:
                return None
            scales[ref.uid] = int(obj.replicas)
        else:
            return None
    return sum(scales.values())


class _Candidate:
    __slots__ = ("details", "objects", "pdb", "pod", "seqs", "time")

    def __init__(
        self, time: float, pod: Pod, pdb: PodDisruptionBudget, seqs: list[int], details: list[str]
    ) -> None:
        self.time = time
        self.pod = pod
        self.pdb = pdb
        self.seqs = seqs
        self.details = details
        self.objects = [object_ref(pod), object_ref(pdb)]


class PdbRespected(Invariant):
    """A voluntary eviction never takes a PodDisruptionBudget below its desired number of healthy pods.

    A voluntary eviction is one made through the Eviction API: by ``kubectl drain`` (kubesim's ``drain`` action, or
    ``simulator.drain``), by the cluster autoscaler's scale-down, or by any caller of ``simulator.eviction.evict``.
    It is recognised by what the store shows at that instant: the budget recording the pod in
    ``status.disruptedPods`` just before the pod's deletion, or an ``Evicted`` (drain) or ``ScaleDown`` (cluster
    autoscaler) Event on the pod at the same instant as its deletion. When such a deletion hits a Ready pod that a
    budget selects, the budget's healthy pods after it (Ready, not being deleted) must be at least its
    desiredHealthy, computed here from the budget and the pods' controllers as the disruption controller does
    (``minAvailable``, or the controllers' scale minus ``maxUnavailable``; percentages rounded up). Kubernetes'
    rule: the Eviction API refuses (429) an eviction that would leave fewer healthy pods than desired.

    Deletions that are not evictions do not count, as in Kubernetes: taint-based eviction of pods on an
    unreachable node, preemption, a controller scaling down or rolling out, ``kubectl delete pod``, garbage
    collection. An eviction of a pod that was not Ready does not lower the healthy count and is not reported.

    When it can legitimately not hold: the Eviction API trusts the budget's status, so when pods stop being Ready
    (a node failure noticed, a crash) at the very instant of an eviction, before the disruption controller has
    counted them (it reconciles later in the same virtual instant in kubesim), the eviction goes through and the
    budget ends up short, as it can in Kubernetes. That race is not reported as a violation: the eviction is
    judged as if those pods were still healthy, and a note says so. A budget whose pods' controller has no scale
    (DaemonSet, Job) with a percentage or ``maxUnavailable`` allows no eviction of a healthy pod at all
    (Kubernetes fails safe). An eviction path that neither goes through the budget nor records an Event is not
    recognised.
    """

    name: ClassVar[str] = "pdb-respected"

    def attach(self, sim: Simulation) -> None:
        super().attach(sim)
        store = sim.store
        self._pdbs: dict[str, dict[str, PodDisruptionBudget]] = {}
        self._disrupted: dict[str, set[str]] = {}  # PDB uid -> pod names seen in status.disruptedPods
        # Pods in namespaces with budgets: healthy now (Ready, not being deleted), and marked for deletion.
        self._healthy: set[str] = set()
        self._marked: set[str] = set()
        # This instant only: approvals seen in status.disruptedPods ((namespace, pod) -> seq of the PDB line),
        # pods evicted (approved or with an Evicted/ScaleDown Event), pods that stopped being healthy (uid), and
        # deletions of healthy pods waiting for the Event that makes them evictions.
        self._now = sim.engine.now
        self._approved: dict[tuple[str, str], int] = {}
        self._evicted: set[tuple[str, str]] = set()
        self._lost: set[str] = set()
        self._pending: dict[tuple[str, str], list[_Candidate]] = {}
        for pdb in store.list("PodDisruptionBudget"):
            self._on_pdb(ADDED, pdb)
        store.watch("PodDisruptionBudget", self._on_pdb)
        store.watch("Pod", self._on_pod)
        store.watch_events(self._on_event)

    def _tick(self) -> None:
        """Forget what belonged to an earlier instant: an unconfirmed deletion was not an eviction."""
        now = self.sim.engine.now
        if now != self._now:
            self._now = now
            self._pending.clear()
            self._approved.clear()
            self._evicted.clear()
            self._lost.clear()

    def _on_pdb(self, change: str, pdb: PodDisruptionBudget) -> None:
        self._tick()
        namespace = pdb.namespace
        if namespace not in self._pdbs:
            for pod in self.sim.store.list("Pod", namespace):  # start following this namespace's pods
                if pod.ready and pod.deletion_timestamp is None:
                    self._healthy.add(pod.uid)
                elif pod.deletion_timestamp is not None:
                    self._marked.add(pod.uid)
        bucket = self._pdbs.setdefault(namespace, {})
        if change == DELETED:
            bucket.pop(pdb.name, None)
            self._disrupted.pop(pdb.uid, None)
            return
        bucket[pdb.name] = pdb
        status = pdb_status(pdb)
        names = set(status.disrupted_pods) if status is not None else set()
        seen = self._disrupted.get(pdb.uid, set())
        for name in names - seen:
            self._approved[(namespace, name)] = self.sim.log.count
            self._evicted.add((namespace, name))
        self._disrupted[pdb.uid] = names

    def _on_pod(self, change: str, pod: Pod) -> None:
        pdbs = self._pdbs.get(pod.namespace)
        if not pdbs:
            return
        self._tick()
        uid = pod.uid
        was_healthy = uid in self._healthy
        healthy = change != DELETED and pod.ready and pod.deletion_timestamp is None
        if healthy != was_healthy:
            if healthy:
                self._healthy.add(uid)
            else:
                self._healthy.discard(uid)
                self._lost.add(uid)
        if change == DELETED:
            if uid in self._marked:
                self._marked.discard(uid)
                return  # the end of a graceful deletion already judged
        elif pod.deletion_timestamp is None or uid in self._marked:
            return
        else:
            self._marked.add(uid)
        if was_healthy:
            self._judge(pod, pdbs, change)

    def _judge(self, pod: Pod, pdbs: Mapping[str, PodDisruptionBudget], change: str) -> None:
        """A healthy pod is being deleted: does any budget selecting it end up short?"""
        store = self.sim.store
        now = self.sim.engine.now
        seq = self.sim.log.count
        key = (pod.namespace, pod.name)
        for pdb in list(pdbs.values()):
            if pdb.selector is None or not pdb.selector.matches(pod.labels):
                continue
            pods: list[Pod] = store.select("Pod", pdb.namespace, pdb.selector)
            healthy = sum(1 for p in pods if p.ready and p.deletion_timestamp is None)
            desired = desired_healthy(store, pdb, pods if change != DELETED else [*pods, pod])
            if desired is not None and healthy >= desired:
                continue
            # Pods that stopped being healthy at this very instant for another reason than an eviction: the
            # disruption controller has not counted them yet, and the Eviction API trusts its status.
            racing = [
                p.name
                for p in pods
                if p.uid in self._lost and p is not pod and (p.namespace, p.name) not in self._evicted
            ]
            if desired is not None and healthy + len(racing) >= desired:
                self.note(
                    f"t={now:g}s: evicting {pod.namespace}/{pod.name} left budget {pdb.namespace}/{pdb.name} "
                    f"{healthy} healthy pod(s) for desiredHealthy {desired} because {', '.join(racing)} stopped "
                    "being Ready at the same instant, before the disruption controller saw it (the Eviction API "
                    "trusts the budget's status, as in Kubernetes)"
                )
                continue
            rule = (
                f"desiredHealthy {desired}"
                if desired is not None
                else "no disruption allowed (the pods' controller has no scale)"
            )
            details = [
                f"budget {pdb.namespace}/{pdb.name}: {healthy} healthy pod(s) left after the eviction, {rule} "
                f"(minAvailable={pdb.min_available}, maxUnavailable={pdb.max_unavailable})"
            ]
            candidate = _Candidate(now, pod, pdb, [seq], details)
            approved = self._approved.get(key)
            if approved is not None:
                candidate.seqs.insert(0, approved)
                self._confirm(candidate, "the Eviction API approved it (status.disruptedPods)")
            else:
                self._pending.setdefault(key, []).append(candidate)

    def _on_event(
        self, t: float, event_type: str, involved: KObject, reason: str, message: str, kind: str
    ) -> None:
        if kind != "Pod" or reason not in ("Evicted", "ScaleDown") or involved.namespace not in self._pdbs:
            return
        self._tick()
        key = (involved.namespace, involved.name)
        self._evicted.add(key)
        source = "kubectl drain" if reason == "Evicted" else "the cluster autoscaler's scale-down"
        for candidate in self._pending.pop(key, ()):
            candidate.seqs.append(self.sim.log.count)
            self._confirm(candidate, f"{source} evicted it ({reason} Event)")

    def _confirm(self, candidate: _Candidate, how: str) -> None:
        pod, pdb = candidate.pod, candidate.pdb
        self.report(
            f"the eviction of Ready pod {pod.namespace}/{pod.name} broke PodDisruptionBudget "
            f"{pdb.namespace}/{pdb.name}: {how}",
            objects=candidate.objects,
            seqs=candidate.seqs,
            details=candidate.details,
            time=candidate.time,
        )


# -- no-pod-lost --------------------------------------------------------------------------------------------------
class NoPodLost(Invariant):
    """No pod is lost: every pod created either still exists, ended Succeeded/Failed, or was deleted on request.

    Checked at each pod deletion: a pod removed from the store while bound to a node that exists, not Succeeded or
    Failed, and never marked for deletion (no ``deletionTimestamp``) vanished without anyone deleting it
    gracefully: lost. Legitimate ends are a graceful deletion completed by the kubelet (whoever asked: its owner,
    the garbage collector, an eviction, the taint manager, preemption, a user), a pod that finished, an unbound
    pod deleted at once (the API server deletes pods that never ran immediately), and PodGC removing the pods of
    a node that no longer exists. At the end of the run (``finish``), a pod still bound to a node that has been
    gone for ``orphan_grace`` seconds or more neither runs nor ended: lost too (PodGC should have removed it).
    Kubernetes' rule: a running pod leaves only through graceful deletion or, once its node is gone, PodGC.

    When it can legitimately not hold: a force deletion (grace period 0) of a running pod on a live node, which
    Kubernetes allows (``kubectl delete --force``) but kubesim's own controllers never make.
    """

    name: ClassVar[str] = "no-pod-lost"
    live_only: ClassVar[bool] = False

    def __init__(self, orphan_grace: float = 60.0) -> None:
        super().__init__()
        self.orphan_grace = orphan_grace

    def attach(self, sim: Simulation) -> None:
        super().attach(sim)
        self._node_gone: dict[str, float] = {}
        self._last_seq: dict[str, int] = {}
        self._orphans: set[str] = set()  # uids already reported by ``finish``
        latest = latest_seqs(sim.log)
        for pod in sim.store.list("Pod"):
            if pod.node_name and ("Pod", pod.namespace, pod.name) in latest:
                self._last_seq[pod.uid] = latest[("Pod", pod.namespace, pod.name)]
        sim.store.watch("Pod", self._on_pod)
        sim.store.watch("Node", self._on_node)

    def _on_node(self, change: str, node: Node) -> None:
        if change == DELETED:
            self._node_gone[node.name] = self.sim.engine.now
        else:
            self._node_gone.pop(node.name, None)

    def _on_pod(self, change: str, pod: Pod) -> None:
        if change != DELETED:
            if pod.node_name:
                self._last_seq[pod.uid] = self.sim.log.count
            return
        previous = self._last_seq.pop(pod.uid, None)
        if pod.deletion_timestamp is not None or pod.phase in _TERMINAL or not pod.node_name:
            return
        if self.sim.store.get("Node", "", pod.node_name) is None:
            return  # PodGC: its node is gone
        seqs = [self.sim.log.count] + ([previous] if previous is not None else [])
        self.report(
            f"pod {pod.namespace}/{pod.name} ({pod.phase} on node {pod.node_name}) was removed without a graceful "
            "deletion (no deletionTimestamp) and without finishing: lost",
            objects=[object_ref(pod), f"Node/{pod.node_name}"],
            seqs=seqs,
        )

    def finish(self, sim: Simulation) -> None:
        store = sim.store
        now = sim.engine.now
        for pod in store.list("Pod"):
            node = pod.node_name
            if not node or pod.phase in _TERMINAL or store.get("Node", "", node) is not None:
                continue
            gone = self._node_gone.get(node, pod.creation_timestamp)
            if now - gone < self.orphan_grace or pod.uid in self._orphans:
                continue
            self._orphans.add(pod.uid)
            self.report(
                f"pod {pod.namespace}/{pod.name} is still bound to node {node}, which has not existed since "
                f"t={gone:g}s: it neither runs nor ended (PodGC should have deleted it)",
                objects=[object_ref(pod), f"Node/{node}"],
                seqs=[s for s in (self._last_seq.get(pod.uid),) if s is not None],
            )


# -- convergence --------------------------------------------------------------------------------------------------
class Convergence(Invariant):
    """After faults heal and a settling time, every workload has its desired number of Ready pods, capacity
    allowing.

    At the end of the run (``finish``) each Deployment (counting the pods of all its ReplicaSets), ReplicaSet not
    owned by a Deployment, ReplicationController, StatefulSet and DaemonSet (desired: ``status`` desired number
    scheduled) must have at least its desired number of Ready pods that are not being deleted -- counted from the
    pods, not from the controller's ``status`` -- unless:

    * the cluster has not settled: a node is down or cut off from the control plane at the end (its kubelet lease
      is not renewing), or less than ``settle`` seconds (default 600) have passed since the last node fault began
      or healed, a node was removed, or a timeline action ran (``sim.do`` included);
    * the workload has not settled: it has been short for less than ``settle`` seconds (a scale-up, a rollout, a
      crash just now), or one of its containers crashed (``BackOff``/``OOMKilled``) less than ``settle`` seconds
      before the end, which also covers injected crash loops and ``crashMtbf``;
    * capacity does not allow it: one of its pods is pending (unbound, not being deleted) and no node passes every
      PreFilter/Filter plugin of the pod's profile for it on the cluster as it is at the end, without preemption
      (no room, or constraints no node meets), or it waits on scheduling gates or names no scheduler profile.

    Everything skipped is listed in ``notes``. Kubernetes' rule: controllers are level-triggered and the scheduler
    retries unschedulable pods (at the latest every 5 minutes), so a healed cluster with room converges.

    When it can legitimately not hold: a workload whose pods need longer than ``settle`` to start or become Ready
    (startup and readiness annotations); an OrderedReady StatefulSet waiting on a pod that is pending for lack of
    capacity is skipped, but one whose pod is not Ready for another reason (e.g. a long readiness delay) is not.
    """

    name: ClassVar[str] = "convergence"

    def __init__(self, settle: float = 600.0) -> None:
        super().__init__()
        self.settle = settle

    def attach(self, sim: Simulation) -> None:
        super().attach(sim)
        store = sim.store
        now = sim.engine.now
        self._global = now  # the last cluster-wide disturbance (start: the run itself)
        self._global_why = "the start of the run" if now == 0 else "the invariant was attached"
        self._down: set[str] = set()
        self._desired: dict[WorkloadKey, int] = {}
        self._ready: dict[WorkloadKey, int] = {}
        self._short: dict[WorkloadKey, float] = {}
        self._crashed: dict[WorkloadKey, float] = {}
        self._pods: dict[str, tuple[WorkloadKey | None, bool]] = {}  # uid -> (workload, counted as ready)
        self._pod_seq: dict[str, int] = {}
        self._workload_seq: dict[WorkloadKey, int] = {}
        self._rs_top: dict[str, WorkloadKey] = {}  # ReplicaSet uid -> its top-level workload
        self._reported: set[tuple[WorkloadKey, float]] = set()  # (workload, short since) already reported
        for kind in WORKLOAD_KINDS:
            for obj in store.list(kind):
                self._on_workload(ADDED, obj)
        for lease in store.list("Lease"):
            if lease.namespace == LEASE_NAMESPACE and not lease.renewing:
                self._down.add(lease.name)
        for pod in store.list("Pod"):
            self._on_pod(ADDED, pod)
        latest = latest_seqs(sim.log)
        for key in self._workload_seq:
            self._workload_seq[key] = latest.get(key, 0)
        for pod in store.list("Pod"):
            if pod.uid in self._pod_seq:
                self._pod_seq[pod.uid] = latest.get(("Pod", pod.namespace, pod.name), 0)
        for kind in WORKLOAD_KINDS:
            store.watch(kind, self._on_workload)
        store.watch("Pod", self._on_pod)
        store.watch("Lease", self._on_lease)
        store.watch("Node", self._on_node)
        store.watch_events(self._on_event)

    # -- bookkeeping --------------------------------------------------------------------------------------------
    def _key_of(self, pod: Pod) -> WorkloadKey | None:
        ref = pod.controller_ref
        if ref is None:
            return None
        if ref.kind == "ReplicaSet":
            top = self._rs_top.get(ref.uid)
            if top is not None:
                return top
            rs = self.sim.store.get("ReplicaSet", pod.namespace, ref.name)
            owner = rs.controller_ref if rs is not None else None
            if owner is not None and owner.kind == "Deployment":
                return ("Deployment", pod.namespace, owner.name)
            return ("ReplicaSet", pod.namespace, ref.name)
        if ref.kind in ("ReplicationController", "StatefulSet", "DaemonSet"):
            return (ref.kind, pod.namespace, ref.name)
        return None

    def _recheck(self, key: WorkloadKey) -> None:
        desired = self._desired.get(key)
        if desired is not None and self._ready.get(key, 0) < desired:
            if key not in self._short:
                self._short[key] = self.sim.engine.now
        else:
            self._short.pop(key, None)

    def _on_workload(self, change: str, obj: Any) -> None:
        kind, namespace = obj.KIND, obj.namespace
        if kind == "ReplicaSet":
            owner = obj.controller_ref
            owned = owner is not None and owner.kind == "Deployment"
            if change == DELETED:
                self._rs_top.pop(obj.uid, None)
            else:
                self._rs_top[obj.uid] = (
                    ("Deployment", namespace, owner.name) if owned else (kind, namespace, obj.name)
                )
            if owned:
                return  # counted through its Deployment
        key = (kind, namespace, obj.name)
        if change == DELETED:
            self._desired.pop(key, None)
            self._ready.pop(key, None)
            self._short.pop(key, None)
            self._crashed.pop(key, None)
            self._workload_seq.pop(key, None)
            return
        self._workload_seq[key] = self.sim.log.count
        desired = int(obj.status.replicas if kind == "DaemonSet" else obj.replicas)
        if self._desired.get(key) != desired:
            self._desired[key] = desired
            self._recheck(key)

    def _on_pod(self, change: str, pod: Pod) -> None:
        uid = pod.uid
        state = self._pods.get(uid)
        if state is None:
            key = self._key_of(pod)
            counted = False
        else:
            key, counted = state
        if key is None:
            if change == DELETED:
                self._pods.pop(uid, None)
            elif state is None:
                self._pods[uid] = (None, False)
            return
        self._pod_seq[uid] = self.sim.log.count
        ready = change != DELETED and pod.ready and pod.deletion_timestamp is None
        if change == DELETED:
            self._pods.pop(uid, None)
            self._pod_seq.pop(uid, None)
        elif state is None or ready != counted:
            self._pods[uid] = (key, ready)
        if ready == counted:
            return
        self._ready[key] = self._ready.get(key, 0) + (1 if ready else -1)
        self._recheck(key)

    def _disturb(self, why: str) -> None:
        self._global = self.sim.engine.now
        self._global_why = why

    def _on_lease(self, change: str, lease: Lease) -> None:
        if lease.namespace != LEASE_NAMESPACE:
            return
        name = lease.name
        down = change != DELETED and not lease.renewing
        if down and name not in self._down:
            self._down.add(name)
            self._disturb(f"node {name} stopped renewing its lease (down or cut off)")
        elif not down and name in self._down:
            self._down.discard(name)
            self._disturb(f"node {name} renews its lease again")

    def _on_node(self, change: str, node: Node) -> None:
        if change == DELETED:
            self._down.discard(node.name)
            self._disturb(f"node {node.name} was removed")

    def _on_event(
        self, t: float, event_type: str, involved: KObject, reason: str, message: str, kind: str
    ) -> None:
        if reason == "Timeline" and isinstance(involved, Scenario):
            self._disturb(f"timeline action {message}")
        elif reason in ("BackOff", "OOMKilled") and isinstance(involved, Pod):
            state = self._pods.get(involved.uid)
            key = state[0] if state is not None else self._key_of(involved)
            if key is not None:
                self._crashed[key] = t

    # -- the check ----------------------------------------------------------------------------------------------
    def _pods_of(self, key: WorkloadKey) -> list[Pod]:
        store = self.sim.store
        obj = store.get(*key)
        if obj is None:
            return []
        if key[0] != "Deployment":
            return list(store.pods_owned_by(obj.uid))
        pods: list[Pod] = []
        for rs in store.list("ReplicaSet", key[1]):
            ref = rs.controller_ref
            if ref is not None and ref.uid == obj.uid:
                pods.extend(store.pods_owned_by(rs.uid))
        return pods

    def finish(self, sim: Simulation) -> None:
        store = sim.store
        now = sim.engine.now
        at = f"at t={now:g}s"
        down = sorted(n for n in self._down if store.get("Node", "", n) is not None)
        if down:
            self.note(f"convergence not checked {at}: node(s) {', '.join(down)} still down or unreachable")
            return
        if now - self._global < self.settle:
            self.note(
                f"convergence not checked {at}: the cluster has not settled ({self._global_why} at "
                f"t={self._global:g}s, less than {self.settle:g}s before)"
            )
            return
        watch = bind_watch(sim)
        for key, since in sorted(self._short.items()):
            name = f"{key[0]} {key[1]}/{key[2]}"
            if now - since < self.settle or (key, since) in self._reported:
                continue  # still converging, or reported by an earlier call
            crashed = self._crashed.get(key)
            if crashed is not None and now - crashed < self.settle:
                self.note(f"{name} not checked: a container crashed at t={crashed:g}s")
                continue
            pods = self._pods_of(key)
            pending = [
                p
                for p in pods
                if not p.node_name and p.deletion_timestamp is None and p.phase not in _TERMINAL
            ]
            excuse = None
            fits: dict[str, list[str]] = {}
            for pod in pending:
                if pod.spec.scheduling_gates:
                    excuse = f"pod {pod.name} waits on scheduling gates"
                    break
                result = watch.feasible_nodes(pod)
                if result is None:
                    excuse = f"pod {pod.name} names no scheduler profile ({pod.spec.scheduler_name})"
                    break
                feasible, reasons = result
                if not feasible:
                    summary = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
                    excuse = f"no capacity: pending pod {pod.name} fits no node ({summary or 'no nodes'})"
                    break
                fits[pod.uid] = feasible
            if excuse is not None:
                self.note(f"{name} not checked: {excuse}")
                continue
            desired = self._desired.get(key, 0)
            ready = self._ready.get(key, 0)
            not_ready = [
                p for p in pods if not (p.ready and p.deletion_timestamp is None) and p.phase not in _TERMINAL
            ]
            details = []
            for pod in not_ready[:10]:
                if pod.uid in fits:
                    nodes = fits[pod.uid]
                    shown = ", ".join(nodes[:5]) + (" ..." if len(nodes) > 5 else "")
                    details.append(f"{pod.name}: pending, unbound, although it fits on {shown}")
                else:
                    where = f"on {pod.node_name}" if pod.node_name else "unbound"
                    deleting = ", being deleted" if pod.deletion_timestamp is not None else ""
                    details.append(f"{pod.name}: {pod.phase} {where}{deleting}, not Ready")
            if len(pods) < desired:
                details.append(f"only {len(pods)} pod(s) exist for {desired} desired")
            self._reported.add((key, since))
            seqs = [s for s in (self._workload_seq.get(key),) if s is not None]
            seqs += [self._pod_seq[p.uid] for p in not_ready[:10] if p.uid in self._pod_seq]
            self.report(
                f"{name} has {ready} of {desired} desired pods Ready at the end, short since t={since:g}s "
                f"({format_seconds(now - since)}); the cluster settled at t={self._global:g}s ({self._global_why})",
                objects=[f"{key[0]}/{key[1]}/{key[2]}"] + [object_ref(p) for p in not_ready],
                seqs=seqs,
                details=details,
                time=now,
            )
