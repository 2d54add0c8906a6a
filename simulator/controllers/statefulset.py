"""StatefulSets: one pod per ordinal identity, ordered or parallel, rolled from the highest ordinal down.

This follows kube-controller-manager's StatefulSet controller (``pkg/controller/statefulset``, v1.35):

* Pods are named ``<set>-<ordinal>`` for ordinals ``spec.ordinals.start .. start + replicas - 1`` and carry the
  template's labels plus ``statefulset.kubernetes.io/pod-name``, ``apps.kubernetes.io/pod-index`` and
  ``controller-revision-hash`` (``<set>-<hash>``, the ControllerRevision's name).
* ``updateStatefulSet`` walks the ordinals in order (``processReplica``): a Failed or Succeeded pod is deleted and
  recreated on a later sync, once it is gone; a missing ordinal is created at the revision
  ``newVersionedStatefulSetPod`` picks (the current revision below the partition, else the update revision).
  With ``OrderedReady`` (monotonic) the walk stops at the first pod it creates and at the first pod that is
  Terminating or not Running, Ready and available (minReadySeconds); scale-down then deletes the highest
  condemned ordinal, one per sync, and waits for it to be gone. ``Parallel`` creates and deletes all at once.
* At most one pod per identity: a pod that is Terminating (e.g. stuck on an unreachable node) still holds its
  ordinal, so its replacement is created only after the old object has left the store.
* RollingUpdate: with the ``MaxUnavailableStatefulSet`` feature (beta, on by default from v1.35) up to
  ``maxUnavailable`` (a percentage of replicas rounded down, at least 1) minus the unavailable pods are deleted
  per sync, highest ordinal first, down to ``partition``; before v1.35 one pod at a time, waiting for each to be
  Running and Ready again (``isHealthy``: minReadySeconds is not waited for on this path).
  ``currentRevision`` becomes the update revision once every pod is updated and Ready
  (``completeRollingUpdate``). OnDelete leaves pods alone; pods created later get the update revision.

kubesim keeps the revision history (revision name -> template) in the controller instead of ControllerRevision
objects, and publishes ``status.replicas/readyReplicas/availableReplicas/updatedReplicas``.
"""

from __future__ import annotations

import math

import attrs

from models.meta import OwnerReference
from models.pod import Pod, PodTemplate
from models.workloads import StatefulSet
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.controllers.deployment import template_hash
from simulator.podutil import delete_pod, is_available
from simulator.store import DELETED

__all__ = [
    "POD_INDEX_LABEL",
    "POD_NAME_LABEL",
    "REVISION_LABEL",
    "StatefulSetController",
    "max_unavailable",
    "ordinal_of",
]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"


def ordinal_of(set_name: str, pod_name: str) -> int:
    """The ordinal of ``pod_name`` in set ``set_name`` (``getParentNameAndOrdinal``), or -1 if it is not one."""
    parent, _, suffix = pod_name.rpartition("-")
    return int(suffix) if parent == set_name and suffix.isdigit() and suffix.isascii() else -1


def max_unavailable(value: int | str, replicas: int) -> int:
    """``getStatefulSetMaxUnavailable``: a percentage of ``spec.replicas`` rounded *down* (``roundUp`` false in
    ``GetScaledValueFromIntOrPercent``), and never below 1 (``TestGetStatefulSetMaxUnavailable``: 10% of 25 is 2,
    50% of 5 is 2, 0 or 0% is 1)."""
    scaled = value if isinstance(value, int) else math.floor(int(value.rstrip("%")) * replicas / 100)
    return max(1, scaled)


def _running_ready(pod: Pod) -> bool:
    return pod.phase == "Running" and pod.ready


def _healthy(pod: Pod | None, min_ready: int, now: float) -> bool:
    """Not ``isUnavailable``: created, Running, Ready, not Terminating and available for minReadySeconds."""
    return (
        pod is not None
        and pod.deletion_timestamp is None
        and _running_ready(pod)
        and is_available(pod, min_ready, now)
    )


@attrs.define
class _History:
    """A set's revisions: name -> template (the ControllerRevisions), and the current revision's name."""

    templates: dict[str, PodTemplate] = attrs.field(factory=dict)
    current: str = ""


class StatefulSetController:
    """Reconciles StatefulSets into ordinal pods."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._ctx = ctx
        self._store = ctx.store
        self._engine = ctx.engine
        self._queue = WorkQueue(ctx.engine, self._sync)
        self._history: dict[str, _History] = {}
        major, minor = (int(x) for x in ctx.defaults.version.split(".")[:2])
        # MaxUnavailableStatefulSet: alpha (off) 1.24-1.34, beta and on by default from 1.35 (KEP-961).
        self._max_unavailable_gate = (major, minor) >= (1, 35)
        ctx.store.watch("StatefulSet", self._on_set)
        ctx.store.watch("Pod", self._on_pod, owner_kinds=("StatefulSet",))

    def _on_set(self, change: str, sts: StatefulSet) -> None:
        if change == DELETED:
            self._history.pop(sts.uid, None)
            return
        self._queue.add(sts.key)

    def _on_pod(self, change: str, pod: Pod) -> None:
        ref = pod.controller_ref
        if ref is not None and ref.kind == "StatefulSet":
            self._queue.add(f"{pod.namespace}/{ref.name}")

    # -- sync ---------------------------------------------------------------------------------------------------
    def _sync(self, key: str) -> None:
        sts = self._store.get_key("StatefulSet", key)
        if sts is None or sts.deletion_timestamp is not None:
            return
        assert isinstance(sts, StatefulSet)
        history = self._history.get(sts.uid)
        if history is None:
            history = self._history[sts.uid] = _History()
        update_rev = f"{sts.name}-{template_hash(sts.template)}"
        history.templates[update_rev] = sts.template
        if not history.current or history.current not in history.templates:
            history.current = update_rev
        now = self._engine.now
        min_ready = sts.min_ready_seconds
        start = sts.ordinals_start
        count = max(sts.replicas, 0)
        replicas: list[Pod | None] = [None] * count
        condemned: list[tuple[int, Pod]] = []
        for pod in self._store.pods_owned_by(sts.uid):
            ordinal = ordinal_of(sts.name, pod.name)
            if start <= ordinal < start + count:
                replicas[ordinal - start] = pod
            elif ordinal >= 0:
                condemned.append((ordinal, pod))
        condemned.sort(key=lambda item: -item[0])
        monotonic = sts.pod_management_policy != "Parallel"

        blocked = self._process_replicas(sts, history, update_rev, replicas, monotonic, now)
        if not blocked:
            blocked = self._process_condemned(sts, replicas, condemned, monotonic, now)
        if not blocked and sts.update_strategy_type == "RollingUpdate":
            self._rolling_update(sts, replicas, update_rev, now)
        # Status from the same pods (as upstream's updateStatus over replicas and condemned), minus any that
        # left the store during this sync.
        store = self._store
        pods = [p for p in replicas if p is not None and store.contains(p)]
        pods.extend(p for _, p in condemned if store.contains(p))
        self._update_status(sts, history, update_rev, pods)
        # A pod Ready but not yet available for minReadySeconds changes nothing in the store when it becomes
        # available: wake up then.
        if min_ready > 0:
            wake = min(
                (
                    p.ready_since + min_ready
                    for p in pods
                    if p.ready and p.ready_since is not None and p.ready_since + min_ready > now
                ),
                default=None,
            )
            if wake is not None:
                self._queue.add_at(sts.key, wake)

    def _process_replicas(
        self,
        sts: StatefulSet,
        history: _History,
        update_rev: str,
        replicas: list[Pod | None],
        monotonic: bool,
        now: float,
    ) -> bool:
        """``processReplica`` over ordinals in order; True when OrderedReady must stop here (blocked)."""
        start = sts.ordinals_start
        for index, pod in enumerate(replicas):
            if pod is not None and pod.is_terminal:
                # Failed or Succeeded: delete; the replacement comes on a later sync, once this one is gone.
                if pod.deletion_timestamp is None:
                    self._delete(sts, pod)
                if monotonic:
                    return True
                continue
            if pod is None:
                replicas[index] = self._create(sts, history, update_rev, start + index)
                if monotonic:
                    return True  # OrderedReady: wait for this one to be Running and Ready
                continue
            if monotonic and not _healthy(pod, sts.min_ready_seconds, now):
                return True  # Terminating, or not yet Running, Ready and available
        return False

    def _process_condemned(
        self,
        sts: StatefulSet,
        replicas: list[Pod | None],
        condemned: list[tuple[int, Pod]],
        monotonic: bool,
        now: float,
    ) -> bool:
        """Scale-down (``processCondemned``): highest ordinal first; OrderedReady one at a time."""
        min_ready = sts.min_ready_seconds
        first_unhealthy: Pod | None = None
        if monotonic:
            # Replicas are all healthy here; the first unhealthy condemned pod is the lowest such ordinal.
            for _, pod in reversed(condemned):
                if not _healthy(pod, min_ready, now):
                    first_unhealthy = pod
                    break
        for _, pod in condemned:
            if pod.deletion_timestamp is not None:
                if monotonic:
                    return True  # wait for it to be gone before the next one
                continue
            if monotonic and pod is not first_unhealthy and not _healthy(pod, min_ready, now):
                return True
            self._delete(sts, pod)
            if monotonic:
                return True
        return False

    def _rolling_update(
        self, sts: StatefulSet, replicas: list[Pod | None], update_rev: str, now: float
    ) -> None:
        min_ready = sts.min_ready_seconds
        partition = sts.partition
        if not self._max_unavailable_gate:
            # v1.34 and before: delete the highest outdated pod, then wait for each to be available again.
            for index in range(len(replicas) - 1, partition - 1, -1):
                pod = replicas[index]
                if (
                    pod is not None
                    and pod.labels.get(REVISION_LABEL) != update_rev
                    and pod.deletion_timestamp is None
                ):
                    self._delete(sts, pod)
                    return
                # isHealthy: Running, Ready and not Terminating (this path does not wait for minReadySeconds)
                if pod is None or pod.deletion_timestamp is not None or not _running_ready(pod):
                    return
            return
        # updateStatefulSetAfterInvariantEstablished (v1.35): unavailable pods count against maxUnavailable.
        allowed = max_unavailable(sts.max_unavailable, max(sts.replicas, 0))
        unavailable = sum(1 for pod in replicas if not _healthy(pod, min_ready, now))
        if unavailable >= allowed:
            return
        budget = allowed - unavailable
        index = len(replicas) - 1
        while index >= partition and budget > 0:
            pod = replicas[index]
            if (
                pod is not None
                and pod.labels.get(REVISION_LABEL) != update_rev
                and pod.deletion_timestamp is None
            ):
                self._delete(sts, pod)
                budget -= 1
            index -= 1

    # -- writes -------------------------------------------------------------------------------------------------
    def _create(self, sts: StatefulSet, history: _History, update_rev: str, ordinal: int) -> Pod | None:
        # newVersionedStatefulSetPod: below the partition a RollingUpdate set recreates pods at the current
        # revision; everything else (and every OnDelete pod) gets the update revision.
        revision = update_rev
        if sts.update_strategy_type == "RollingUpdate" and ordinal < sts.ordinals_start + sts.partition:
            revision = history.current
        template = history.templates[revision]
        name = f"{sts.name}-{ordinal}"
        pod = Pod(
            name=name,
            namespace=sts.namespace,
            labels={
                **template.labels,
                POD_NAME_LABEL: name,
                POD_INDEX_LABEL: str(ordinal),
                REVISION_LABEL: revision,
            },
            annotations=template.annotations,  # type: ignore[arg-type]  # shared, read-only
            owner_references=(
                OwnerReference(kind=sts.KIND, name=sts.name, uid=sts.uid, api_version=sts.API_VERSION),
            ),
            spec=template.spec,  # shared frozen spec: admission memoises per spec object
        )
        try:
            self._store.add(pod)
        except ValueError as err:  # AlreadyExists, or an AdmissionError such as an unknown priorityClassName
            self._store.event(
                sts,
                "FailedCreate",
                f"create Pod {name} in StatefulSet {sts.name} failed error: {err}",
                "Warning",
            )
            return None
        self._store.event(sts, "SuccessfulCreate", f"create Pod {name} in StatefulSet {sts.name} successful")
        return pod

    def _delete(self, sts: StatefulSet, pod: Pod) -> None:
        delete_pod(self._store, pod)
        self._store.event(
            sts, "SuccessfulDelete", f"delete Pod {pod.name} in StatefulSet {sts.name} successful"
        )

    def _update_status(self, sts: StatefulSet, history: _History, update_rev: str, pods: list[Pod]) -> None:
        now = self._engine.now
        min_ready = sts.min_ready_seconds
        replicas = len(pods)
        ready = available = updated = 0
        for pod in pods:
            if pod.ready and pod.phase == "Running":
                ready += 1
                if is_available(pod, min_ready, now):
                    available += 1
            if pod.deletion_timestamp is None and pod.labels.get(REVISION_LABEL) == update_rev:
                updated += 1
        # completeRollingUpdate: every pod updated and Ready -> the update revision becomes current.
        if sts.update_strategy_type == "RollingUpdate" and updated == replicas and ready == replicas:
            history.current = update_rev
        if len(history.templates) > 2:
            # truncateHistory, keeping only live revisions (kubesim keeps no revisionHistoryLimit of old ones).
            live = {history.current, update_rev}
            live.update(pod.labels.get(REVISION_LABEL, "") for pod in pods)
            for name in [n for n in history.templates if n not in live]:
                del history.templates[name]
        if sts.status.assign(replicas, ready, available, updated, sts.generation):
            self._store.update(sts)

    def revisions(self, sts: StatefulSet) -> tuple[str, str]:
        """(currentRevision, updateRevision) of ``sts`` as the controller last saw them ("" if never synced)."""
        history = self._history.get(sts.uid)
        if history is None:
            return "", ""
        return history.current, f"{sts.name}-{template_hash(sts.template)}"
