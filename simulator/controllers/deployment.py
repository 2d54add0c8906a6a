"""Deployments: ReplicaSets per pod template, rolled with RollingUpdate (maxSurge/maxUnavailable) or Recreate.

This follows kube-controller-manager's deployment controller (v1.35): ``NewRSNewReplicas`` scales the new
ReplicaSet up to ``replicas + maxSurge`` total; ``reconcileOldReplicaSets`` first removes unhealthy old replicas,
then scales old ReplicaSets down (oldest first) while at least ``replicas - maxUnavailable`` stay available. The
percentages resolve as ``ResolveFenceposts`` does: surge rounds up, unavailable rounds down, and both 0 means
maxUnavailable 1. Counting uses ReplicaSet ``spec.replicas`` and ``status.availableReplicas``, as upstream does.

Simplification (see docs/fidelity.md): proportional scaling of several active ReplicaSets during a rollout
splits the change by each ReplicaSet's share of the replicas, largest first, without the
``max-replicas`` annotation bookkeeping.
"""

from __future__ import annotations

import hashlib
import math

from models.meta import LabelSelector, OwnerReference
from models.pod import Pod, PodTemplate
from models.workloads import Deployment, ReplicaSet
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.store import DELETED

__all__ = ["DeploymentController", "resolve_fenceposts", "template_hash"]

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
_SAFE = "bcdfghjklmnpqrstvwxz2456789"


def _scaled(value: int | str, total: int, round_up: bool) -> int:
    if isinstance(value, int):
        return value
    percent = int(value.rstrip("%"))
    exact = percent * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def resolve_fenceposts(max_surge: int | str, max_unavailable: int | str, replicas: int) -> tuple[int, int]:
    """``deploymentutil.ResolveFenceposts``: (surge, unavailable); surge rounds up, unavailable down; never 0/0."""
    surge = _scaled(max_surge, replicas, True)
    unavailable = _scaled(max_unavailable, replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


_hash_cache: dict[int, tuple[PodTemplate, str]] = {}


def template_hash(template: PodTemplate) -> str:
    """A stable ``pod-template-hash`` for a template (10 characters of Kubernetes' safe alphabet)."""
    hit = _hash_cache.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    digest = hashlib.sha256(repr(template).encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(10):
        number, rem = divmod(number, len(_SAFE))
        chars.append(_SAFE[rem])
    value = "".join(chars)
    _hash_cache[id(template)] = (template, value)
    return value


class DeploymentController:
    """Reconciles Deployments into ReplicaSets."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._store = ctx.store
        self._engine = ctx.engine
        self._queue = WorkQueue(ctx.engine, self._sync)
        ctx.store.watch("Deployment", lambda change, d: self._queue.add(d.key))
        ctx.store.watch("ReplicaSet", self._on_replicaset)
        ctx.store.watch("Pod", self._on_pod, owner_kinds=("ReplicaSet",))

    def _on_replicaset(self, change: str, rs: ReplicaSet) -> None:
        ref = rs.controller_ref
        if ref is not None and ref.kind == "Deployment":
            self._queue.add(f"{rs.namespace}/{ref.name}")

    def _on_pod(self, change: str, pod: Pod) -> None:
        # Recreate waits for the last old pod to be gone, which changes no ReplicaSet status: watch deletions.
        if change != DELETED:
            return
        ref = pod.controller_ref
        if ref is None or ref.kind != "ReplicaSet":
            return
        rs = self._store.get("ReplicaSet", pod.namespace, ref.name)
        owner = rs.controller_ref if rs is not None else None
        if owner is not None and owner.kind == "Deployment":
            self._queue.add(f"{pod.namespace}/{owner.name}")

    # -- sync ---------------------------------------------------------------------------------------------------
    def _sync(self, key: str) -> None:
        d = self._store.get_key("Deployment", key)
        if d is None or d.deletion_timestamp is not None:
            return
        assert isinstance(d, Deployment)
        all_rs = sorted(
            (rs for rs in self._store.list("ReplicaSet", d.namespace) if _owned_by(rs, d)),
            key=lambda rs: (rs.creation_timestamp, rs.name),
        )
        wanted = template_hash(d.template)
        new_rs = next((rs for rs in all_rs if rs.labels.get(HASH_LABEL) == wanted), None)
        old_rs = [rs for rs in all_rs if rs is not new_rs]
        if d.paused or self._is_scaling_event(d, new_rs, old_rs):
            self._scale(d, new_rs, old_rs)
        elif d.strategy_type == "Recreate":
            self._rollout_recreate(d, new_rs, old_rs)
        else:
            self._rollout_rolling(d, new_rs, old_rs)
        self._cleanup(d, old_rs)
        self._update_status(d)

    def _is_scaling_event(self, d: Deployment, new_rs: ReplicaSet | None, old_rs: list[ReplicaSet]) -> bool:
        active = [rs for rs in ([new_rs] if new_rs else []) + old_rs if rs.replicas > 0]
        return any(rs.annotations.get(DESIRED) != str(d.replicas) for rs in active)

    def _rollout_rolling(self, d: Deployment, new_rs: ReplicaSet | None, old_rs: list[ReplicaSet]) -> None:
        if new_rs is None:
            new_rs = self._create_rs(d, old_rs, replicas=0)
        all_rs = [*old_rs, new_rs]
        # reconcileNewReplicaSet
        if new_rs.replicas > d.replicas:
            self._scale_rs(d, new_rs, d.replicas)
        elif new_rs.replicas < d.replicas:
            surge, _ = resolve_fenceposts(d.max_surge, d.max_unavailable, d.replicas)
            current = sum(rs.replicas for rs in all_rs)
            max_total = d.replicas + surge
            if current < max_total:
                target = new_rs.replicas + min(max_total - current, d.replicas - new_rs.replicas)
                self._scale_rs(d, new_rs, target)
                # rolloutRolling returns after a scale-up; the old ReplicaSets wait for the next sync, which
                # sees the new ReplicaSet's pods (their availability bounds the scale-down).
                return
        self._reconcile_old(d, new_rs, old_rs)

    def _reconcile_old(self, d: Deployment, new_rs: ReplicaSet, old_rs: list[ReplicaSet]) -> None:
        if sum(rs.replicas for rs in old_rs) == 0:
            return
        _, unavailable = resolve_fenceposts(d.max_surge, d.max_unavailable, d.replicas)
        unavailable = min(unavailable, d.replicas)
        min_available = d.replicas - unavailable
        all_pods = sum(rs.replicas for rs in old_rs) + new_rs.replicas
        new_unavailable = new_rs.replicas - new_rs.status.available_replicas
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return
        # cleanupUnhealthyReplicas: old replicas that are not available go first, oldest ReplicaSet first.
        cleaned = 0
        for rs in old_rs:
            if cleaned >= max_scaled_down:
                break
            if rs.replicas == 0 or rs.replicas == rs.status.available_replicas:
                continue
            count = min(max_scaled_down - cleaned, rs.replicas - rs.status.available_replicas)
            self._scale_rs(d, rs, rs.replicas - count)
            cleaned += count
        # scaleDownOldReplicaSetsForRollingUpdate
        available = sum(rs.status.available_replicas for rs in [*old_rs, new_rs])
        if available <= min_available:
            return
        total = available - min_available
        done = 0
        for rs in old_rs:
            if done >= total:
                break
            if rs.replicas == 0:
                continue
            count = min(rs.replicas, total - done)
            self._scale_rs(d, rs, rs.replicas - count)
            done += count

    def _rollout_recreate(self, d: Deployment, new_rs: ReplicaSet | None, old_rs: list[ReplicaSet]) -> None:
        scaled = False
        for rs in old_rs:
            if rs.replicas > 0:
                self._scale_rs(d, rs, 0)
                scaled = True
        if scaled:
            return
        for rs in old_rs:
            if any(not p.is_terminal for p in self._store.pods_owned_by(rs.uid)):
                return  # wait until every old pod is gone
        if new_rs is None:
            new_rs = self._create_rs(d, old_rs, replicas=0)
        if new_rs.replicas != d.replicas:
            self._scale_rs(d, new_rs, d.replicas)

    def _scale(self, d: Deployment, new_rs: ReplicaSet | None, old_rs: list[ReplicaSet]) -> None:
        active = [rs for rs in ([new_rs] if new_rs else []) + old_rs if rs.replicas > 0]
        if not active:
            target = new_rs if new_rs is not None else (old_rs[-1] if old_rs else None)
            if target is None:
                target = self._create_rs(d, old_rs, replicas=0)
            self._scale_rs(d, target, d.replicas)
            return
        if len(active) == 1:
            self._scale_rs(d, active[0], d.replicas)
            return
        surge, _ = resolve_fenceposts(d.max_surge, d.max_unavailable, d.replicas)
        allowed = d.replicas + surge if d.replicas > 0 else 0
        current = sum(rs.replicas for rs in active)
        to_add = allowed - current
        if to_add == 0:
            for rs in active:
                self._scale_rs(d, rs, rs.replicas)  # refresh desired-replicas annotations
            return
        # Proportional: share of each ReplicaSet, largest first (newest first among equals).
        order = sorted(active, key=lambda rs: (-rs.replicas, -rs.creation_timestamp))
        targets = {id(rs): rs.replicas for rs in order}
        added = 0
        for rs in order:
            share = int(to_add * rs.replicas / current) if current else 0
            if to_add < 0:
                share = max(share, -targets[id(rs)])
            targets[id(rs)] += share
            added += share
        targets[id(order[0])] = max(0, targets[id(order[0])] + to_add - added)
        for rs in order:
            self._scale_rs(d, rs, targets[id(rs)])

    def _cleanup(self, d: Deployment, old_rs: list[ReplicaSet]) -> None:
        dead = [rs for rs in old_rs if rs.replicas == 0 and rs.status.replicas == 0]
        surplus = len(dead) - d.revision_history_limit
        for rs in dead[: max(0, surplus)]:
            if not any(True for _ in self._store.pods_owned_by(rs.uid)):
                self._store.delete(rs)

    # -- writes -------------------------------------------------------------------------------------------------
    def _create_rs(self, d: Deployment, old_rs: list[ReplicaSet], replicas: int) -> ReplicaSet:
        hash_value = template_hash(d.template)
        template = PodTemplate(
            spec=d.template.spec,
            labels={**d.template.labels, HASH_LABEL: hash_value},
            annotations=d.template.annotations,
        )
        revision = 1 + max((int(rs.annotations.get(REVISION, "0")) for rs in old_rs), default=0)
        rs = ReplicaSet(
            name=f"{d.name}-{hash_value}",
            namespace=d.namespace,
            labels={**d.template.labels, HASH_LABEL: hash_value},
            annotations={REVISION: str(revision), DESIRED: str(d.replicas)},
            owner_references=(
                OwnerReference(kind="Deployment", name=d.name, uid=d.uid, api_version="apps/v1"),
            ),
            replicas=replicas,
            selector=LabelSelector(
                match_labels={**d.selector.match_labels, HASH_LABEL: hash_value},
                match_expressions=d.selector.match_expressions,
            ),
            template=template,
            min_ready_seconds=d.min_ready_seconds,
        )
        self._store.add(rs)
        return rs

    def _scale_rs(self, d: Deployment, rs: ReplicaSet, replicas: int) -> None:
        desired = str(d.replicas)
        if rs.replicas == replicas and rs.annotations.get(DESIRED) == desired:
            return
        old = rs.replicas
        rs.replicas = replicas
        rs.annotations[DESIRED] = desired
        rs.generation += 1 if old != replicas else 0
        self._store.update(rs)
        if old != replicas:
            verb = "up" if replicas > old else "down"
            self._store.event(
                d, "ScalingReplicaSet", f"Scaled {verb} replica set {rs.name} from {old} to {replicas}"
            )

    def _update_status(self, d: Deployment) -> None:
        wanted = template_hash(d.template)
        replicas = ready = available = updated = 0
        for rs in self._store.list("ReplicaSet", d.namespace):
            if not _owned_by(rs, d):
                continue
            replicas += rs.status.replicas
            ready += rs.status.ready_replicas
            available += rs.status.available_replicas
            if rs.labels.get(HASH_LABEL) == wanted:
                updated = rs.status.replicas
        if d.status.assign(replicas, ready, available, updated, d.generation):
            self._store.update(d)


def _owned_by(rs: ReplicaSet, d: Deployment) -> bool:
    ref = rs.controller_ref
    return ref is not None and ref.kind == "Deployment" and ref.uid == d.uid
