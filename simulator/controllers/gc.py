"""Garbage collection: dependents of deleted owners, pods of deleted nodes, and surplus terminated pods.

* Owners deleted with background propagation: every object whose ownerReference points at the deleted owner is
  deleted in turn (a Deployment's ReplicaSets, then their pods).
* PodGC: pods bound to a node that no longer exists are force-deleted; terminated pods beyond
  ``--terminated-pod-gc-threshold`` (12,500) are deleted oldest first.
"""

from __future__ import annotations

from collections import deque

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


class GarbageCollector:
    """Cascading deletion by ownerReferences, plus PodGC."""

    def __init__(
        self, ctx: ControllerContext, terminated_threshold: int = TERMINATED_POD_GC_THRESHOLD
    ) -> None:
        self._store = ctx.store
        self._engine = ctx.engine
        self._threshold = terminated_threshold
        # Terminated pods oldest first. A deque, not dict order: popping a dict's first key again and again makes
        # each next(iter(dict)) skip every deleted slot before it, which turns a long run quadratic.
        self._terminated: dict[str, Pod] = {}
        self._terminated_order: deque[Pod] = deque()
        self._collect_pending = False
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

    def _on_node(self, change: str, node: Node) -> None:
        if change == DELETED:
            self._engine.call_soon(self._delete_orphans, node.name)

    def _delete_orphans(self, node_name: str) -> None:
        if self._store.get("Node", "", node_name) is not None:
            return
        for pod in list(self._store.pods_on_node(node_name)):
            self._store.delete(pod)

    def _on_pod(self, change: str, pod: Pod) -> None:
        if change == DELETED:
            self._terminated.pop(pod.uid, None)
        elif change == ADDED and pod.spec.node_name and self._store.get("Node", "", pod.node_name) is None:
            # Created bound to a node that does not exist (spec.nodeName): PodGC's orphan sweep deletes it once
            # the node has been missing for its 40 s quarantine.
            self._engine.call_later(ORPHAN_QUARANTINE, self._delete_orphan, pod)
        elif pod.phase in _TERMINAL and pod.uid not in self._terminated:  # pod.is_terminal, inlined
            self._terminated[pod.uid] = pod
            self._terminated_order.append(pod)
            if len(self._terminated) > self._threshold and not self._collect_pending:
                self._collect_pending = True
                self._engine.call_soon(self._collect_terminated)

    def _delete_orphan(self, pod: Pod) -> None:
        if self._store.contains(pod) and self._store.get("Node", "", pod.node_name) is None:
            self._store.delete(pod)

    def _collect_terminated(self) -> None:
        self._collect_pending = False
        order = self._terminated_order
        while len(self._terminated) > self._threshold and order:
            pod = order.popleft()
            if self._terminated.pop(pod.uid, None) is None:
                continue  # deleted by someone else meanwhile
            if self._store.contains(pod):
                self._store.delete(pod)
        if len(order) > 2 * len(self._terminated) + 1024:  # drop entries of pods deleted by others
            self._terminated_order = deque(p for p in order if p.uid in self._terminated)
