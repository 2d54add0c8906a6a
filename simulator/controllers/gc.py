"""Garbage collection: dependents of deleted owners, pods of deleted nodes, and surplus terminated pods.

* Owners deleted with background propagation: every object whose ownerReference points at the deleted owner is
  deleted in turn (a Deployment's ReplicaSets, then their pods).
* PodGC (pkg/controller/podgc/gc_controller.go) runs a pass every ``gcCheckPeriod`` (20 s, from t=0):
  - orphans: a pass that finds pods bound to a node that does not exist puts the node in quarantine for
    ``quarantineTime`` (40 s); the pods are force-deleted when the node is still missing after it, i.e. by the pass
    40 s after the one that first noticed (``gcOrphaned``);
  - terminated pods beyond ``--terminated-pod-gc-threshold`` (12,500) are deleted by the next pass, the oldest by
    creationTimestamp first (``gcTerminated``, ``byEvictionAndCreationTimestamp``; kubesim has no kubelet
    "Evicted" pods, which would go first).
"""

from __future__ import annotations

import heapq
import math

from models.meta import KObject
from models.node import Node
from models.pod import Pod
from simulator.controllers.base import ControllerContext
from simulator.podutil import delete_pod
from simulator.store import ADDED, DELETED

__all__ = ["GarbageCollector"]

OWNER_KINDS = (
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
)
_TERMINAL = frozenset(("Succeeded", "Failed"))
TERMINATED_POD_GC_THRESHOLD = 12500
# podgc's quarantineTime: how long a pod's node must be missing before the pod counts as orphaned.
ORPHAN_QUARANTINE = 40.0
# podgc's gcCheckPeriod: one pass every 20 s.
GC_CHECK_PERIOD = 20.0


def _age_entry(pod: Pod) -> tuple[float, str, str, str]:
    """The oldest-first order of gcTerminated (creationTimestamp, then namespace/name), with the uid to find it."""
    return (pod.creation_timestamp, pod.namespace, pod.name, pod.uid)


class GarbageCollector:
    """Cascading deletion by ownerReferences, plus PodGC."""

    def __init__(
        self, ctx: ControllerContext, terminated_threshold: int = TERMINATED_POD_GC_THRESHOLD
    ) -> None:
        self._store = ctx.store
        self._engine = ctx.engine
        self._threshold = terminated_threshold
        # Terminated pods by uid (the stored version), and a min-heap of (creationTimestamp, namespace, name, uid)
        # over them: a pass pops its excess oldest in O(excess log n) instead of ordering every terminated pod.
        # Entries of pods deleted by others stay in the heap until popped or compacted (see _push).
        self._terminated: dict[str, Pod] = {}
        self._by_age: list[tuple[float, str, str, str]] = []
        self._collect_pending = False
        self._quarantined: set[str] = set()
        for kind in OWNER_KINDS:
            ctx.store.watch(kind, self._on_owner)
        ctx.store.watch("Node", self._on_node)
        ctx.store.watch("Pod", self._on_pod)

    def _on_owner(self, change: str, owner: KObject) -> None:
        if change == DELETED:
            self._engine.call_soon(self._delete_dependents, owner)

    def _delete_dependents(self, owner: KObject) -> None:
        for dependent in self._store.dependents(owner):
            if isinstance(dependent, Pod):
                delete_pod(self._store, dependent)
            elif self._store.get_key(dependent.KIND, dependent.key) is dependent:
                self._store.delete(dependent)

    def _next_pass(self) -> float:
        now = self._engine.now
        return math.ceil(now / GC_CHECK_PERIOD - 1e-9) * GC_CHECK_PERIOD

    def _quarantine(self, node_name: str) -> None:
        """The pass at or after now notices ``node_name`` missing; its pods go ``quarantineTime`` after that."""
        if node_name not in self._quarantined:
            self._quarantined.add(node_name)
            self._engine.call_at(self._next_pass() + ORPHAN_QUARANTINE, self._delete_orphans, node_name)

    def _on_node(self, change: str, node: Node) -> None:
        if change == DELETED and any(True for _ in self._store.pods_on_node(node.name)):
            self._quarantine(node.name)

    def _delete_orphans(self, node_name: str) -> None:
        self._quarantined.discard(node_name)
        if self._store.get("Node", "", node_name) is not None:
            return  # the node came back during the quarantine
        for pod in list(self._store.pods_on_node(node_name)):
            self._store.delete(pod)  # force-deleted (grace period 0)

    def _on_pod(self, change: str, pod: Pod) -> None:
        if change == DELETED:
            self._terminated.pop(pod.uid, None)
        elif change == ADDED and pod.node_name and self._store.get("Node", "", pod.node_name) is None:
            # Created bound to a node that does not exist (spec.nodeName): PodGC's orphan sweep deletes it once
            # the node has been missing for its 40 s quarantine.
            self._quarantine(pod.node_name)
        elif pod.phase in _TERMINAL:  # pod.is_terminal, inlined
            uid = pod.uid
            if uid in self._terminated:
                self._terminated[uid] = pod  # keep the stored version, so the pass can delete it
                return
            self._terminated[uid] = pod
            self._push(pod)
            # A threshold <= 0 turns terminated-pod GC off (gc_controller.go: gcTerminated only if > 0).
            if 0 < self._threshold < len(self._terminated) and not self._collect_pending:
                self._collect_pending = True
                self._engine.call_at(self._next_pass(), self._collect_terminated)

    def _push(self, pod: Pod) -> None:
        by_age = self._by_age
        if len(by_age) > 2 * len(self._terminated) + 64:
            # Mostly entries of pods deleted by others: rebuild from the live ones (amortised O(1) per push).
            by_age[:] = [_age_entry(p) for p in self._terminated.values() if p is not pod]
            heapq.heapify(by_age)
        heapq.heappush(by_age, _age_entry(pod))

    def _collect_terminated(self) -> None:
        self._collect_pending = False
        excess = len(self._terminated) - self._threshold
        terminated = self._terminated
        by_age = self._by_age
        while excess > 0:
            pod = terminated.pop(heapq.heappop(by_age)[3], None)
            if pod is None:
                continue  # deleted by someone else since it terminated
            excess -= 1
            if self._store.contains(pod):
                self._store.delete(pod)
