"""ReplicaSet and ReplicationController: keep ``replicas`` active pods, delete the surplus in Kubernetes' order.

Active pods are those not terminal and not being deleted (``controller.FilterActivePods``), so a pod stuck
Terminating on an unreachable node is replaced at once. Creation is capped at ``burstReplicas`` (500) per sync.
Scale-down victims are ranked as ``controller.ActivePodsWithRanks`` ranks them (Kubernetes 1.35, with the
LogarithmicScaleDown feature on by default): unscheduled, then Pending, then not Ready pods first; then lower
``controller.kubernetes.io/pod-deletion-cost``; then pods on nodes doubled up with more replicas; then the
most recently Ready (in log2 time buckets); then more restarts; then the newest (log2 buckets); then uid.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable

from models.meta import OwnerReference
from models.pod import Pod
from models.workloads import ReplicaSet
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.podutil import delete_pod, is_available

__all__ = ["ReplicaSetController", "scale_down_order"]

DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def _log_rank(t: float, now: float) -> int:
    # Kubernetes compares int(log2(duration in nanoseconds)); -1 for a non-positive duration.
    d = (now - t) * 1e9
    return int(math.log2(d)) if d > 0 else -1


def scale_down_order(pods: Iterable[Pod], related: Iterable[Pod], now: float) -> list[Pod]:
    """Pods in the order a ReplicaSet deletes them when scaling down (first = deleted first).

    ``related`` are the active pods whose co-location counts (``getPodsRankedByRelatedPodsOnSameNode``).
    """
    per_node = Counter(p.node_name for p in related if p.node_name)

    def key(pod: Pod) -> tuple[object, ...]:
        try:
            cost = int(pod.annotations.get(DELETION_COST, "0"))
        except ValueError:
            cost = 0
        ready_rank = _log_rank(pod.ready_since, now) if pod.ready and pod.ready_since is not None else 0
        return (
            1 if pod.node_name else 0,
            _PHASE_RANK.get(pod.phase, 2),
            1 if pod.ready else 0,
            cost,
            -per_node[pod.node_name] if pod.node_name else 0,
            ready_rank,
            -pod.restart_count,
            _log_rank(pod.creation_timestamp, now),
            pod.uid,
        )

    return sorted(pods, key=key)


class ReplicaSetController:
    """One controller for both ReplicaSets (apps/v1) and ReplicationControllers (v1), as in Kubernetes."""

    KINDS = ("ReplicaSet", "ReplicationController")

    def __init__(self, ctx: ControllerContext) -> None:
        self._ctx = ctx
        self._store = ctx.store
        self._engine = ctx.engine
        self._queues = {
            kind: WorkQueue(ctx.engine, functools.partial(self._sync, kind)) for kind in self.KINDS
        }
        for kind in self.KINDS:
            ctx.store.watch(kind, functools.partial(self._on_replicaset, kind))
        ctx.store.watch("Pod", self._on_pod, owner_kinds=("ReplicaSet", "ReplicationController"))

    def _on_replicaset(self, kind: str, change: str, rs: ReplicaSet) -> None:
        self._queues[kind].add(rs.key)

    def _on_pod(self, change: str, pod: Pod) -> None:
        ref = pod.controller_ref
        if ref is not None and ref.kind in self._queues:
            self._queues[ref.kind].add(f"{pod.namespace}/{ref.name}")

    def _sync(self, kind: str, key: str) -> None:
        rs = self._store.get_key(kind, key)
        if rs is None or rs.deletion_timestamp is not None:
            return
        assert isinstance(rs, ReplicaSet)
        owned = [p for p in self._store.pods_owned_by(rs.uid)]
        active = [p for p in owned if p.is_active]
        diff = len(active) - rs.replicas
        burst = self._ctx.defaults.replicaset_burst_replicas
        if diff < 0:
            count = min(-diff, burst)
            for _ in range(count):
                self._create_pod(rs)
            if -diff > burst:
                self._queues[kind].add(key)
            active = [p for p in self._store.pods_owned_by(rs.uid) if p.is_active]
        elif diff > 0:
            victims = scale_down_order(active, active, self._engine.now)[: min(diff, burst)]
            for pod in victims:
                delete_pod(self._store, pod)
                self._store.event(rs, "SuccessfulDelete", f"Deleted pod: {pod.name}")
            active = [p for p in active if p not in victims]
        self._update_status(kind, rs, active)

    def _create_pod(self, rs: ReplicaSet) -> None:
        template = rs.template
        name = self._store.generate_name("Pod", rs.namespace, f"{rs.name}-")
        pod = Pod(
            name=name,
            namespace=rs.namespace,
            labels=dict(template.labels),
            annotations=template.annotations,  # type: ignore[arg-type]  # shared, read-only
            owner_references=(
                OwnerReference(kind=rs.KIND, name=rs.name, uid=rs.uid, api_version=rs.API_VERSION),
            ),
            spec=template.spec,
        )
        try:
            self._store.add(pod)
        except ValueError as err:  # AdmissionError: e.g. an unknown priorityClassName
            self._store.event(rs, "FailedCreate", f"Error creating: {err}", "Warning")
            return
        self._store.event(rs, "SuccessfulCreate", f"Created pod: {name}")

    def _update_status(self, kind: str, rs: ReplicaSet, active: list[Pod]) -> None:
        now = self._engine.now
        ready = 0
        available = 0
        wake: float | None = None
        for pod in active:
            if pod.ready:
                ready += 1
                if is_available(pod, rs.min_ready_seconds, now):
                    available += 1
                elif pod.ready_since is not None:
                    at = pod.ready_since + rs.min_ready_seconds
                    wake = at if wake is None else min(wake, at)
        if rs.status.assign(len(active), ready, available, None, rs.generation):
            self._store.update(rs)
        if wake is not None:
            self._queues[kind].add_at(rs.key, wake)
