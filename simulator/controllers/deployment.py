"""Deployments: ReplicaSets per pod template, rolled with RollingUpdate (maxSurge/maxUnavailable) or Recreate.

This follows kube-controller-manager's deployment controller (v1.35): ``NewRSNewReplicas`` scales the new
ReplicaSet up to ``replicas + maxSurge`` total; ``reconcileOldReplicaSets`` first removes unhealthy old replicas,
then scales old ReplicaSets down (oldest first) while at least ``replicas - maxUnavailable`` stay available. The
percentages resolve as ``ResolveFenceposts`` does: surge rounds up, unavailable rounds down, and both 0 means
maxUnavailable 1. Counting uses ReplicaSet ``spec.replicas`` and ``status.availableReplicas``, as upstream does.

Resizing a Deployment with several active ReplicaSets (mid-rollout) scales them proportionally, as
``DeploymentController.scale`` does, from the ``deployment.kubernetes.io/max-replicas`` annotation.
"""

from __future__ import annotations

import hashlib

from models.meta import LabelSelector, OwnerReference
from models.pod import Pod, PodTemplate
from models.workloads import Deployment, ReplicaSet
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.store import DELETED

__all__ = [
    "DeploymentController",
    "cleanup_unhealthy_replicas",
    "deployment_complete",
    "history_to_delete",
    "is_saturated",
    "max_surge",
    "max_unavailable",
    "min_available",
    "new_rs_new_replicas",
    "old_replica_targets",
    "proportional_scale",
    "reconcile_new_target",
    "replicaset_fraction",
    "resolve_fenceposts",
    "scale_down_old_for_rolling_update",
    "template_hash",
]

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
_SAFE = "bcdfghjklmnpqrstvwxz2456789"


def _scaled(value: int | str | None, total: int, round_up: bool) -> int:
    # intstr.GetScaledValueFromIntOrPercent: ceil/floor(percent * total / 100); validation has made sure a
    # string is "<digits>%" (anything else raises ValueError). None (unset) is 0, as in ResolveFenceposts.
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if not value.endswith("%"):
        raise ValueError(f"invalid value for IntOrString: {value!r} is not a percentage")
    percent = int(value.rstrip("%"))
    return -(-percent * total // 100) if round_up else percent * total // 100


def resolve_fenceposts(
    max_surge: int | str | None, max_unavailable: int | str | None, replicas: int
) -> tuple[int, int]:
    """``deploymentutil.ResolveFenceposts``: (surge, unavailable); surge rounds up, unavailable down; never 0/0."""
    surge = _scaled(max_surge, replicas, True)
    unavailable = _scaled(max_unavailable, replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Deployment) -> int:
    """``deploymentutil.MaxSurge``: 0 unless RollingUpdate; else maxSurge of replicas, rounded up."""
    if d.strategy_type != "RollingUpdate":
        return 0
    return resolve_fenceposts(d.max_surge, d.max_unavailable, d.replicas)[0]


def max_unavailable(d: Deployment) -> int:
    """``deploymentutil.MaxUnavailable``: 0 unless RollingUpdate with replicas; at most ``replicas``."""
    if d.strategy_type != "RollingUpdate" or d.replicas == 0:
        return 0
    return min(resolve_fenceposts(d.max_surge, d.max_unavailable, d.replicas)[1], d.replicas)


def min_available(d: Deployment) -> int:
    """``deploymentutil.MinAvailable``: ``replicas - MaxUnavailable`` for RollingUpdate, else 0."""
    if d.strategy_type != "RollingUpdate":
        return 0
    return d.replicas - max_unavailable(d)


def new_rs_new_replicas(d: Deployment, all_replicas: int, new_replicas: int) -> int:
    """``deploymentutil.NewRSNewReplicas``: the new ReplicaSet's next ``spec.replicas``.

    ``all_replicas`` is the sum of ``spec.replicas`` over all the Deployment's ReplicaSets.
    """
    if d.strategy_type != "RollingUpdate":
        return d.replicas
    max_total = d.replicas + _scaled(d.max_surge, d.replicas, True)
    if all_replicas >= max_total:
        return new_replicas  # cannot scale up
    return new_replicas + min(max_total - all_replicas, d.replicas - new_replicas)


def reconcile_new_target(d: Deployment, all_replicas: int, new_replicas: int) -> int:
    """``reconcileNewReplicaSet``: the new ReplicaSet's next ``spec.replicas`` (unchanged: no scaling)."""
    if new_replicas > d.replicas:
        return d.replicas  # scale down
    if new_replicas == d.replicas:
        return new_replicas
    return new_rs_new_replicas(d, all_replicas, new_replicas)


def cleanup_unhealthy_replicas(old: list[tuple[int, int]], max_cleanup: int) -> tuple[list[int], int]:
    """``cleanupUnhealthyReplicas``: scale old ReplicaSets (oldest first, ``(spec.replicas, available)``) down by
    their unavailable replicas, at most ``max_cleanup`` in all. Returns the new replica counts and the total."""
    targets = [replicas for replicas, _ in old]
    cleaned = 0
    for i, (replicas, available) in enumerate(old):
        if cleaned >= max_cleanup:
            break
        if replicas == 0 or replicas == available:
            continue
        count = min(max_cleanup - cleaned, replicas - available)
        if count < 0:  # more available than desired: upstream reports an error and stops here
            break
        targets[i] -= count
        cleaned += count
    return targets, cleaned


def scale_down_old_for_rolling_update(
    d: Deployment, available_total: int, old_replicas: list[int]
) -> tuple[list[int], int]:
    """``scaleDownOldReplicaSetsForRollingUpdate``: scale old ReplicaSets (oldest first) down while more than
    ``MinAvailable`` replicas of all the Deployment's ReplicaSets are available. Returns the counts and the total.
    """
    targets = list(old_replicas)
    minimum = min_available(d)
    if available_total <= minimum:
        return targets, 0
    total = available_total - minimum
    done = 0
    for i in range(len(targets)):
        if done >= total:
            break
        if targets[i] == 0:
            continue
        count = min(targets[i], total - done)
        targets[i] -= count
        done += count
    return targets, done


def old_replica_targets(d: Deployment, new: tuple[int, int], old: list[tuple[int, int]]) -> list[int]:
    """``reconcileOldReplicaSets`` (pkg/controller/deployment/rolling.go): the next ``spec.replicas`` of each old
    ReplicaSet, given ``(spec.replicas, status.availableReplicas)`` of the new one and of the old ones (oldest
    first). Unavailable old replicas go first, then available ones while at least ``MinAvailable`` stay so.
    """
    targets = [replicas for replicas, _ in old]
    if sum(targets) == 0:
        return targets
    new_unavailable = new[0] - new[1]
    max_scaled_down = sum(targets) + new[0] - min_available(d) - new_unavailable
    if max_scaled_down <= 0:
        return targets
    targets, _ = cleanup_unhealthy_replicas(old, max_scaled_down)
    available_total = sum(available for _, available in old) + new[1]
    targets, _ = scale_down_old_for_rolling_update(d, available_total, targets)
    return targets


def deployment_complete(d: Deployment) -> bool:
    """``deploymentutil.DeploymentComplete`` on the Deployment's current status: every replica updated and
    available, none extra, and the status observed the current generation."""
    st = d.status
    return (
        st.updated_replicas == d.replicas
        and st.replicas == d.replicas
        and st.available_replicas == d.replicas
        and st.observed_generation >= d.generation
    )


def _revision(rs: ReplicaSet) -> int:
    try:
        return int(rs.annotations.get(REVISION, ""))
    except ValueError:
        return 0


def history_to_delete(limit: int, old_rs: list[ReplicaSet]) -> list[ReplicaSet]:
    """``cleanupDeployment``: of the old ReplicaSets not being deleted, sorted by revision (then age, name), the
    first ``len - revisionHistoryLimit`` are deleted, skipping any with spec or status replicas or an
    unobserved generation (they are not replaced by later ones)."""
    alive = sorted(
        (rs for rs in old_rs if rs.deletion_timestamp is None),
        key=lambda rs: (_revision(rs), rs.creation_timestamp, rs.name),
    )
    diff = len(alive) - limit
    return [
        rs
        for rs in alive[: max(0, diff)]
        if rs.replicas == 0 and rs.status.replicas == 0 and rs.generation <= rs.status.observed_generation
    ]


def _find_new_rs(d: Deployment, owned: list[ReplicaSet]) -> ReplicaSet | None:
    """FindNewReplicaSet: of the ReplicaSets carrying the current template's hash, the oldest (then by name)."""
    wanted = template_hash(d.template)
    return min(
        (rs for rs in owned if rs.labels.get(HASH_LABEL) == wanted),
        key=lambda rs: (rs.creation_timestamp, rs.name),
        default=None,
    )


_MAX_INT32 = 2**31 - 1


def _annotation_int(value: str | None) -> int | None:
    # getNonNegativeInt32FromAnnotation: a base-10 unsigned int32 (strconv.ParseUint); else absent or invalid
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= _MAX_INT32 else None


def _round_to_int32(value: float) -> int:
    # integer.RoundToInt32: half away from zero
    return int(value - 0.5) if value < 0 else int(value + 0.5)


def replicaset_fraction(d: Deployment, rs: ReplicaSet) -> int:
    """``getReplicaSetFraction``: the ReplicaSet's share of a resize, from the ``max-replicas`` annotation the
    Deployment's last sync left on it (or the Deployment's ``status.replicas`` when it has none)."""
    if d.replicas == 0:
        return -rs.replicas
    maximum = d.replicas + max_surge(d)
    before = _annotation_int(rs.annotations.get(MAX_REPLICAS))
    if not before:  # absent, invalid or 0
        before = d.status.replicas
        if before == 0:
            return 0
    return _round_to_int32(rs.replicas * maximum / before) - rs.replicas


def proportional_scale(d: Deployment, active: list[ReplicaSet]) -> list[tuple[ReplicaSet, int]]:
    """``DeploymentController.scale`` for a RollingUpdate Deployment with several active ReplicaSets: each gets
    ``GetReplicaSetProportion`` of ``replicas + maxSurge - current``, larger ReplicaSets first (newer first when
    scaling up, older first when scaling down among equals); leftovers go to the first. Returns new sizes."""
    allowed = d.replicas + max_surge(d) if d.replicas > 0 else 0
    to_add = allowed - sum(rs.replicas for rs in active)
    if to_add > 0:  # ReplicaSetsBySizeNewer
        by_name = sorted(active, key=lambda rs: rs.name, reverse=True)
        order = sorted(by_name, key=lambda rs: (-rs.replicas, -rs.creation_timestamp))
    elif to_add < 0:  # ReplicaSetsBySizeOlder
        order = sorted(active, key=lambda rs: (-rs.replicas, rs.creation_timestamp, rs.name))
    else:
        order = list(active)
    sizes: list[int] = []
    added = 0
    for rs in order:
        proportion = 0
        if to_add != 0 and rs.replicas != 0 and to_add != added:
            fraction = replicaset_fraction(d, rs)
            allowed_left = to_add - added
            proportion = min(fraction, allowed_left) if to_add > 0 else max(fraction, allowed_left)
        sizes.append(rs.replicas + proportion)
        added += proportion
    if order and to_add != 0:
        sizes[0] = max(0, sizes[0] + to_add - added)
    return list(zip(order, sizes, strict=True))


def is_saturated(d: Deployment, rs: ReplicaSet | None) -> bool:
    """``deploymentutil.IsSaturated``: the ReplicaSet runs the full, available replica count."""
    if rs is None:
        return False
    return (
        rs.replicas == d.replicas
        and rs.annotations.get(DESIRED) == str(d.replicas)
        and rs.status.available_replicas == d.replicas
    )


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
        if d is None:
            return
        assert isinstance(d, Deployment)
        if d.deletion_timestamp is not None:
            self._update_status(d)  # syncStatusOnly: no ReplicaSet work while the Deployment is being deleted
            return
        all_rs = sorted(
            (rs for rs in self._store.list("ReplicaSet", d.namespace) if _owned_by(rs, d)),
            key=lambda rs: (rs.creation_timestamp, rs.name),
        )
        new_rs = _find_new_rs(d, all_rs)
        old_rs = [rs for rs in all_rs if rs is not new_rs]
        # Old ReplicaSets beyond revisionHistoryLimit go when the Deployment is paused, or when a rollout step
        # changes nothing and the status written by the previous sync says the rollout is complete.
        complete = deployment_complete(d)
        if d.paused or self._is_scaling_event(d, new_rs, old_rs):
            self._scale(d, new_rs, old_rs)
            cleanup = d.paused
        elif d.strategy_type == "Recreate":
            cleanup = self._rollout_recreate(d, new_rs, old_rs) and complete
        else:
            cleanup = self._rollout_rolling(d, new_rs, old_rs) and complete
        if cleanup:
            self._cleanup(d, old_rs)
        self._update_status(d)

    def _is_scaling_event(self, d: Deployment, new_rs: ReplicaSet | None, old_rs: list[ReplicaSet]) -> bool:
        # isScalingEvent: an active ReplicaSet whose desired-replicas annotation (when it has a valid one) differs
        want = str(d.replicas)
        for rs in ([new_rs] if new_rs else []) + old_rs:
            value = rs.annotations.get(DESIRED)
            if rs.replicas > 0 and value is not None and value != want:
                desired = _annotation_int(value)
                if desired is not None and desired != d.replicas:
                    return True
        return False

    def _rollout_rolling(self, d: Deployment, new_rs: ReplicaSet | None, old_rs: list[ReplicaSet]) -> bool:
        """``rolloutRolling``; True when it scaled nothing (the point where upstream may clean up history)."""
        if new_rs is None:
            # getNewReplicaSet creates the ReplicaSet already sized by NewRSNewReplicas.
            new_rs = self._create_rs(d, old_rs, new_rs_new_replicas(d, sum(rs.replicas for rs in old_rs), 0))
        # reconcileNewReplicaSet: rolloutRolling returns after scaling the new ReplicaSet (up or down); the old
        # ReplicaSets wait for the next sync, which sees the new ReplicaSet's pods.
        target = reconcile_new_target(d, sum(rs.replicas for rs in [*old_rs, new_rs]), new_rs.replicas)
        if target != new_rs.replicas:
            self._scale_rs(d, new_rs, target)
            return False
        # reconcileOldReplicaSets
        targets = old_replica_targets(
            d,
            (new_rs.replicas, new_rs.status.available_replicas),
            [(rs.replicas, rs.status.available_replicas) for rs in old_rs],
        )
        scaled = False
        for rs, target in zip(old_rs, targets, strict=True):
            if target != rs.replicas:
                self._scale_rs(d, rs, target)
                scaled = True
        return not scaled

    def _rollout_recreate(self, d: Deployment, new_rs: ReplicaSet | None, old_rs: list[ReplicaSet]) -> bool:
        """``rolloutRecreate``; True when it got to scaling the new ReplicaSet up (history may be cleaned)."""
        scaled = False
        for rs in old_rs:
            if rs.replicas > 0:
                self._scale_rs(d, rs, 0)
                scaled = True
        if scaled:
            return False
        for rs in old_rs:
            # oldPodsRunning: wait until no old ReplicaSet counts a replica and every old pod is gone (or terminal)
            if rs.status.replicas > 0 or any(not p.is_terminal for p in self._store.pods_owned_by(rs.uid)):
                return False
        if new_rs is None:
            new_rs = self._create_rs(d, old_rs, d.replicas)  # NewRSNewReplicas for Recreate
        if new_rs.replicas != d.replicas:
            self._scale_rs(d, new_rs, d.replicas)
        return True

    def _scale(self, d: Deployment, new_rs: ReplicaSet | None, old_rs: list[ReplicaSet]) -> None:
        # DeploymentController.scale (pkg/controller/deployment/sync.go). sync() does not create a ReplicaSet,
        # so a Deployment created paused has none until it is resumed.
        active = [rs for rs in ([new_rs] if new_rs else []) + old_rs if rs.replicas > 0]
        if not active:  # FindActiveOrLatest: the new ReplicaSet, else the newest old one
            target = new_rs if new_rs is not None else (old_rs[-1] if old_rs else None)
            if target is not None:
                self._scale_rs(d, target, d.replicas)
            return
        if len(active) == 1:
            self._scale_rs(d, active[0], d.replicas)
            return
        if is_saturated(d, new_rs):  # old ReplicaSets are fully scaled down
            for rs in active:
                if rs is not new_rs:
                    self._scale_rs(d, rs, 0)
            return
        if d.strategy_type != "RollingUpdate":
            return
        for rs, size in proportional_scale(d, active):
            self._scale_rs(d, rs, size)

    def _cleanup(self, d: Deployment, old_rs: list[ReplicaSet]) -> None:
        for rs in history_to_delete(d.revision_history_limit, old_rs):
            # kubesim also waits for the pods to be gone (upstream: status.terminatingReplicas == 0)
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
            annotations={
                REVISION: str(revision),
                DESIRED: str(d.replicas),
                MAX_REPLICAS: str(d.replicas + max_surge(d)),
            },
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
        if replicas > 0:
            self._store.event(d, "ScalingReplicaSet", f"Scaled up replica set {rs.name} from 0 to {replicas}")
        return rs

    def _scale_rs(self, d: Deployment, rs: ReplicaSet, replicas: int) -> None:
        # scaleReplicaSet: the size and the desired-/max-replicas annotations are written together
        desired, maximum = str(d.replicas), str(d.replicas + max_surge(d))
        if (
            rs.replicas == replicas
            and rs.annotations.get(DESIRED) == desired
            and rs.annotations.get(MAX_REPLICAS) == maximum
        ):
            return
        old = rs.replicas
        rs.replicas = replicas
        rs.annotations[DESIRED] = desired
        rs.annotations[MAX_REPLICAS] = maximum
        rs.generation += 1 if old != replicas else 0
        self._store.update(rs)
        if old != replicas:
            verb = "up" if replicas > old else "down"
            self._store.event(
                d, "ScalingReplicaSet", f"Scaled {verb} replica set {rs.name} from {old} to {replicas}"
            )

    def _update_status(self, d: Deployment) -> None:
        replicas = ready = available = 0
        owned = [rs for rs in self._store.list("ReplicaSet", d.namespace) if _owned_by(rs, d)]
        for rs in owned:
            replicas += rs.status.replicas
            ready += rs.status.ready_replicas
            available += rs.status.available_replicas
        new_rs = _find_new_rs(d, owned)
        updated = new_rs.status.replicas if new_rs is not None else 0
        if d.status.assign(replicas, ready, available, updated, d.generation):
            self._store.update(d)


def _owned_by(rs: ReplicaSet, d: Deployment) -> bool:
    ref = rs.controller_ref
    return ref is not None and ref.kind == "Deployment" and ref.uid == d.uid
