"""ReplicaSet and ReplicationController: keep ``replicas`` active pods, delete the surplus in Kubernetes' order.

Active pods are those not terminal and not being deleted (``controller.FilterActivePods``), so a pod stuck
Terminating on an unreachable node is replaced at once. Creation is capped at ``burstReplicas`` (500) per sync.
Scale-down victims are ranked as ``controller.ActivePodsWithRanks`` ranks them (Kubernetes 1.35, with the
LogarithmicScaleDown feature on by default): unscheduled, then Pending, then not Ready pods first; then lower
``controller.kubernetes.io/pod-deletion-cost``; then pods on nodes doubled up with more pods of the same
controller (all ReplicaSets of one Deployment count; a ReplicaSet without a controller has no ranks); then the
most recently Ready (in log2 time buckets, UID within a bucket); then more restarts; then the newest (log2
buckets, UID within a bucket).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Mapping

from models.annotations import POD_DELETION_COST, deletion_cost_problem, pod_deletion_cost
from models.meta import OwnerReference
from models.pod import Pod
from models.workloads import ReplicaSet
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.podutil import delete_pod, is_available

__all__ = [
    "ReplicaSetController",
    "deletion_cost",
    "deletion_cost_problem",
    "ranked_less",
    "scale_down_order",
]

DELETION_COST = POD_DELETION_COST
# podPhaseToOrdinal: a phase missing from the map (e.g. "") counts as 0, like Pending.
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def deletion_cost(annotations: Mapping[str, str]) -> int:
    """``helper.GetDeletionCostFromPodAnnotations``, with an invalid value counting as 0 (as in ranking)."""
    return pod_deletion_cost(annotations)


def _log_rank(t: float, now: float) -> int:
    # logarithmicRankDiff: int64(math.Log2(float64(now - t))) over nanoseconds; -1 for a non-positive duration.
    d = (now - t) * 1e9
    return int(math.log2(d)) if d > 0 else -1


def ranked_less(a: Pod, rank_a: int, b: Pod, rank_b: int, now: float) -> bool:
    """``controller.ActivePodsWithRanks.Less`` (pkg/controller/controller_utils.go, Kubernetes 1.35), with the
    PodDeletionCost and LogarithmicScaleDown feature gates on (their 1.35 defaults). True: ``a`` goes first.

    kubesim pods always have a creation time (the zero time of Go has no counterpart); a Ready pod without a
    Ready transition time is the "empty" ready time that sorts first.
    """
    # 1. Unassigned < assigned.
    if a.node_name != b.node_name and (not a.node_name or not b.node_name):
        return not a.node_name
    # 2. PodPending < PodUnknown < PodRunning.
    phase_a, phase_b = _PHASE_RANK.get(a.phase, 0), _PHASE_RANK.get(b.phase, 0)
    if phase_a != phase_b:
        return phase_a < phase_b
    # 3. Not ready < ready.
    if a.ready != b.ready:
        return not a.ready
    # 4. Lower pod-deletion-cost < higher.
    cost_a, cost_b = deletion_cost(a.annotations), deletion_cost(b.annotations)
    if cost_a != cost_b:
        return cost_a < cost_b
    # 5. Doubled up (more active related pods on the same node) < not doubled up.
    if rank_a != rank_b:
        return rank_a > rank_b
    # 6. Both ready: more recently ready < ready longer; same log2 bucket -> by UID (and nothing further).
    if a.ready and b.ready and a.ready_since != b.ready_since:
        if a.ready_since is None or b.ready_since is None:
            return a.ready_since is None  # afterOrZero: the empty time first
        diff = _log_rank(a.ready_since, now) - _log_rank(b.ready_since, now)
        return a.uid < b.uid if diff == 0 else diff < 0
    # 7. More container restarts < fewer.
    if a.restart_count != b.restart_count:
        return a.restart_count > b.restart_count
    # 8. Newer < older (log2 buckets; same bucket -> by UID).
    if a.creation_timestamp != b.creation_timestamp:
        diff = _log_rank(a.creation_timestamp, now) - _log_rank(b.creation_timestamp, now)
        return a.uid < b.uid if diff == 0 else diff < 0
    return False


def scale_down_order(pods: Iterable[Pod], related: Iterable[Pod], now: float) -> list[Pod]:
    """Pods in the order a ReplicaSet deletes them when scaling down (first = deleted first).

    ``related`` are the pods whose co-location ranks the candidates (``getPodsRankedByRelatedPodsOnSameNode``:
    the active pods of every ReplicaSet with the same controller; none for a ReplicaSet without a controller).
    Pods that compare equal keep a stable order by UID (Go's sort.Sort leaves them in any order).
    """
    per_node = Counter(p.node_name for p in related if p.is_active)
    ranked = [(pod, per_node[pod.node_name]) for pod in pods]

    def compare(x: tuple[Pod, int], y: tuple[Pod, int]) -> int:
        if ranked_less(x[0], x[1], y[0], y[1], now):
            return -1
        if ranked_less(y[0], y[1], x[0], x[1], now):
            return 1
        return (x[0].uid > y[0].uid) - (x[0].uid < y[0].uid)

    return [pod for pod, _ in sorted(ranked, key=functools.cmp_to_key(compare))]


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
        self._retries: dict[tuple[str, str], int] = {}

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
            # slowStartBatch: batches of 1, 2, 4, ... (SlowStartInitialBatchSize 1); a batch with a failure
            # ends the sync's creations (the pods are created concurrently, so the whole batch is attempted).
            batch = min(count, 1)
            failed = 0
            while batch > 0:
                failed = sum(0 if self._create_pod(rs) else 1 for _ in range(batch))
                if failed:
                    break
                count -= batch
                batch = min(2 * batch, count)
            if failed:
                # The sync returns an error: the key is retried with the workqueue's per-item exponential
                # backoff (DefaultControllerRateLimiter: 5 ms doubling, capped at 1000 s).
                retries = self._retries.get((kind, key), 0)
                self._retries[(kind, key)] = retries + 1
                self._queues[kind].add_after(key, min(0.005 * 2**retries, 1000.0))
            else:
                self._retries.pop((kind, key), None)
            if -diff > burst:
                self._queues[kind].add(key)
            active = [p for p in self._store.pods_owned_by(rs.uid) if p.is_active]
        elif diff > 0:
            related = self._related_pods(kind, rs)
            victims = scale_down_order(active, related, self._engine.now)[: min(diff, burst)]
            for pod in victims:
                delete_pod(self._store, pod)
                self._store.event(rs, "SuccessfulDelete", f"Deleted pod: {pod.name}")
            active = [p for p in active if p not in victims]
        self._update_status(kind, rs, active)

    def _related_pods(self, kind: str, rs: ReplicaSet) -> list[Pod]:
        """``getIndirectlyRelatedPods``: pods of every ReplicaSet owned by this one's controller (a Deployment's
        old and new ReplicaSets together); nothing when the ReplicaSet has no controller."""
        ref = rs.controller_ref
        if ref is None:
            return []
        pods: list[Pod] = []
        for other in self._store.list(kind, rs.namespace):
            other_ref = other.controller_ref
            if other_ref is not None and other_ref.uid == ref.uid and other_ref.kind == ref.kind:
                pods.extend(self._store.pods_owned_by(other.uid))
        return pods

    def _create_pod(self, rs: ReplicaSet) -> bool:
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
            return False
        self._store.event(rs, "SuccessfulCreate", f"Created pod: {name}")
        return True

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
