"""The disruption controller: keeps every PodDisruptionBudget's status (``pkg/controller/disruption``, 1.35).

For a PDB, its pods are those in its namespace matching its selector (policy/v1: no selector matches nothing,
an empty one every pod of the namespace). Then, as ``getExpectedPodCount``/``countHealthyPods`` compute them:

* ``minAvailable`` as an integer: desiredHealthy = minAvailable, expectedPods = the number of pods;
* ``minAvailable`` as a percentage: expectedPods = the sum of the scale of the pods' controllers (a Deployment
  for a ReplicaSet it controls, else the ReplicaSet, ReplicationController or StatefulSet), desiredHealthy =
  ceil(percentage x expectedPods);
* ``maxUnavailable`` (integer or percentage, rounded up, of the controllers' scale): desiredHealthy =
  max(0, expectedPods - maxUnavailable);
* currentHealthy = Ready pods, not being deleted and not in ``disruptedPods`` (pods the Eviction API approved
  in the last 2 minutes that have not been deleted yet);
* disruptionsAllowed = max(0, currentHealthy - desiredHealthy), and 0 when expectedPods is 0.

With neither field set, expectedPods and desiredHealthy are 0 (so no disruption is allowed). A PDB without pods
gets a ``NoPods`` event ("No matching pods found"); an approved eviction whose pod is still there after 2
minutes gets a Warning ``NotDeleted`` on the pod.

Pods without a controller are left out of the scale (a Warning ``UnmanagedPods``); a pod whose controller has no
scale (a DaemonSet, a Job) makes the count fail (``CalculateExpectedPodCountFailed``) and the PDB fails safe
with disruptionsAllowed 0, as upstream.

The PDB model keeps ``disruptions_allowed``; the rest of ``status`` lives in ``pdb_status(pdb)``, which the
Eviction API (``simulator.eviction``) reads and decrements.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable

import attrs

from models.meta import KObject
from models.pod import Pod
from models.policy import PodDisruptionBudget
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.store import DELETED, Store

__all__ = [
    "DELETION_TIMEOUT",
    "DisruptionController",
    "PDBStatus",
    "matching_pdbs",
    "pdb_status",
    "scaled_value",
]

DELETION_TIMEOUT = 120.0  # pkg/controller/disruption: DeletionTimeout = 2 minutes
SCALE_KINDS = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet")
# Built-in controller kinds without a scale subresource: getScaleController's error names their resource.
NO_SCALE = {"DaemonSet": "daemonsets.apps", "Job": "jobs.batch", "CronJob": "cronjobs.batch"}


@attrs.define
class PDBStatus:
    """``PodDisruptionBudget.status`` besides ``disruptionsAllowed`` (which the PDB object carries)."""

    current_healthy: int = 0
    desired_healthy: int = 0
    expected_pods: int = 0
    disrupted_pods: dict[str, float] = attrs.field(factory=dict)  # pod name -> when the eviction was approved
    observed_generation: int = 0


_STATUS: weakref.WeakKeyDictionary[PodDisruptionBudget, PDBStatus] = weakref.WeakKeyDictionary()


def pdb_status(pdb: PodDisruptionBudget) -> PDBStatus | None:
    """The PDB's status, or None before the disruption controller first processed it."""
    return _STATUS.get(pdb)


def scaled_value(value: int | str, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``: an int as is, ``"N%"`` of ``total`` rounded up or down."""
    if isinstance(value, int):
        return value
    percent = int(value.rstrip("%"))
    return math.ceil(percent * total / 100) if round_up else percent * total // 100


def _selects(pdb: PodDisruptionBudget, pod: Pod) -> bool:
    return pdb.selector is not None and pdb.namespace == pod.namespace and pdb.selector.matches(pod.labels)


def matching_pdbs(store: Store, pod: Pod) -> list[PodDisruptionBudget]:
    """The PDBs in the pod's namespace whose selector matches it."""
    return [p for p in store.list("PodDisruptionBudget", pod.namespace) if _selects(p, pod)]


class DisruptionController:
    """Recomputes PDB status when their pods or the pods' controllers change."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._store = ctx.store
        self._engine = ctx.engine
        self._queue = WorkQueue(ctx.engine, self._sync)
        self._pdbs: dict[str, dict[str, PodDisruptionBudget]] = {}  # namespace -> name -> PDB
        self._warned: set[tuple[str, str]] = set()
        ctx.store.watch("PodDisruptionBudget", self._on_pdb)
        # Pods are watched from the first PDB on: without budgets their writes cost this controller nothing.
        self._watching_pods = False
        for kind in SCALE_KINDS:
            ctx.store.watch(kind, self._on_controller)

    # -- watches ------------------------------------------------------------------------------------------------
    def _on_pdb(self, change: str, pdb: PodDisruptionBudget) -> None:
        bucket = self._pdbs.setdefault(pdb.namespace, {})
        if change == DELETED:
            bucket.pop(pdb.name, None)
            return
        bucket[pdb.name] = pdb
        if not self._watching_pods:
            self._watching_pods = True
            self._store.watch("Pod", self._on_pod)
        if change == "ADDED":
            self._queue.add(pdb.key)
        else:
            status = _STATUS.get(pdb)
            if status is None or status.observed_generation != pdb.generation:
                self._queue.add(pdb.key)

    def _on_pod(self, change: str, pod: Pod) -> None:
        pdbs = self._pdbs.get(pod.namespace)
        if not pdbs:
            return
        for pdb in pdbs.values():
            if _selects(pdb, pod):
                self._queue.add(pdb.key)

    def _on_controller(self, change: str, obj: KObject) -> None:
        pdbs = self._pdbs.get(obj.namespace)
        if pdbs:
            for pdb in pdbs.values():
                self._queue.add(pdb.key)

    # -- reconcile ----------------------------------------------------------------------------------------------
    def _sync(self, key: str) -> None:
        pdb = self._store.get_key("PodDisruptionBudget", key)
        if pdb is None:
            return
        assert isinstance(pdb, PodDisruptionBudget)
        now = self._engine.now
        status = _STATUS.get(pdb)
        if status is None:
            status = _STATUS[pdb] = PDBStatus()
        pods: list[Pod] = self._store.select("Pod", pdb.namespace, pdb.selector)
        if not pods:
            # trySync records "NoPods" on every sync without pods; kubesim once per spell without pods.
            if (pdb.uid, "NoPods") not in self._warned:
                self._warned.add((pdb.uid, "NoPods"))
                self._store.event(pdb, "NoPods", "No matching pods found")
        else:
            self._warned.discard((pdb.uid, "NoPods"))
        try:
            expected, desired = self._expected_and_desired(pdb, pods)
        except LookupError as err:
            self._warn(
                pdb,
                "CalculateExpectedPodCountFailed",
                f"Failed to calculate the number of expected pods: {err}",
            )
            self._write(pdb, status, allowed=0, current=status.current_healthy, desired=status.desired_healthy,
                        expected=status.expected_pods)  # fmt: skip
            return
        # buildDisruptedPodMap: drop approved evictions whose pod is gone, being deleted, or that timed out.
        by_name = {p.name: p for p in pods}
        disrupted: dict[str, float] = {}
        wake: float | None = None
        for name, at in status.disrupted_pods.items():
            pod = by_name.get(name)
            if pod is None or pod.deletion_timestamp is not None:
                continue
            expires = at + DELETION_TIMEOUT
            if expires <= now:
                # (sic: upstream formats the PDB as namespace/namespace)
                self._store.event(
                    pod,
                    "NotDeleted",
                    f"Pod was expected by PDB {pdb.namespace}/{pdb.namespace} to be deleted but it wasn't",
                    "Warning",
                )
                continue
            disrupted[name] = at
            wake = expires if wake is None else min(wake, expires)
        status.disrupted_pods = disrupted
        if wake is not None:
            self._queue.add_at(key, wake)
        current = sum(1 for p in pods if p.deletion_timestamp is None and p.name not in disrupted and p.ready)
        allowed = current - desired
        if expected <= 0 or allowed <= 0:
            allowed = 0
        self._write(pdb, status, allowed=allowed, current=current, desired=desired, expected=expected)

    def _write(
        self,
        pdb: PodDisruptionBudget,
        status: PDBStatus,
        *,
        allowed: int,
        current: int,
        desired: int,
        expected: int,
    ) -> None:
        before = (
            pdb.disruptions_allowed,
            status.current_healthy,
            status.desired_healthy,
            status.expected_pods,
        )
        status.current_healthy = current
        status.desired_healthy = desired
        status.expected_pods = expected
        first = status.observed_generation != pdb.generation
        status.observed_generation = pdb.generation
        pdb.disruptions_allowed = allowed
        if first or before != (allowed, current, desired, expected):
            self._store.update(pdb)

    def _expected_and_desired(self, pdb: PodDisruptionBudget, pods: list[Pod]) -> tuple[int, int]:
        """``getExpectedPodCount``. Raises LookupError when a pod's controller has no scale."""
        if pdb.max_unavailable is not None:
            expected = self._expected_scale(pdb, pods)
            max_unavailable = scaled_value(pdb.max_unavailable, expected, round_up=True)
            return expected, max(0, expected - max_unavailable)
        if pdb.min_available is not None:
            if isinstance(pdb.min_available, int):
                return len(pods), pdb.min_available
            expected = self._expected_scale(pdb, pods)
            return expected, scaled_value(pdb.min_available, expected, round_up=True)
        return 0, 0  # neither field: expectedCount 0, so no disruption is allowed

    def _expected_scale(self, pdb: PodDisruptionBudget, pods: Iterable[Pod]) -> int:
        """``getExpectedScale``: the sum of ``spec.replicas`` of the pods' controllers, each counted once."""
        scales: dict[str, int] = {}
        unmanaged: list[str] = []
        for pod in pods:
            ref = pod.controller_ref
            if ref is None:
                unmanaged.append(pod.name)
                continue
            if ref.uid in scales:
                continue
            if ref.kind in NO_SCALE:
                raise LookupError(f"{NO_SCALE[ref.kind]} does not implement the scale subresource")
            found = self._controller_scale(pod.namespace, ref.kind, ref.name, ref.uid)
            if found is None:
                raise LookupError(f'found no controllers for pod "{pod.name}"')
            uid, scale = found
            scales[uid] = scale
        if unmanaged:
            self._warn(
                pdb,
                "UnmanagedPods",
                f"Pods selected by this PodDisruptionBudget (selector: {pdb.selector}) were found to be "
                f"unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result "
                f'in undefined behavior. To account for these pods please set ".spec.minAvailable" field of '
                f"the PDB to an integer value.",
            )
        return sum(scales.values())

    def _controller_scale(self, namespace: str, kind: str, name: str, uid: str) -> tuple[str, int] | None:
        """The controller (by uid) whose scale counts for a pod controlled by ``kind/name``, and that scale."""
        if kind == "ReplicaSet":
            rs = self._store.get("ReplicaSet", namespace, name)
            if rs is None or rs.uid != uid:
                return None
            owner = rs.controller_ref
            if owner is not None and owner.kind == "Deployment":
                deployment = self._store.get("Deployment", namespace, owner.name)
                if deployment is None or deployment.uid != owner.uid:
                    return None
                return deployment.uid, int(deployment.replicas)
            return rs.uid, int(rs.replicas)
        if kind in ("ReplicationController", "StatefulSet"):
            obj = self._store.get(kind, namespace, name)
            if obj is None or obj.uid != uid:
                return None
            return obj.uid, int(obj.replicas)
        return None  # DaemonSet, Job, ...: no scale subresource

    def _warn(self, pdb: PodDisruptionBudget, reason: str, message: str) -> None:
        if (pdb.uid, reason) not in self._warned:
            self._warned.add((pdb.uid, reason))
            self._store.event(pdb, reason, message, "Warning")
