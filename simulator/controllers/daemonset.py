"""DaemonSets: one pod per eligible node, placed by the default scheduler, rolled node by node.

This follows kube-controller-manager's DaemonSet controller (``pkg/controller/daemon``, v1.35):

* ``NodeShouldRunDaemonPod``: a node is eligible when the template's ``nodeName`` (if any), ``nodeSelector`` and
  required node affinity match it, and the template's tolerations plus the DaemonSet tolerations
  (``AddOrUpdateDaemonPodTolerations``: not-ready and unreachable NoExecute without tolerationSeconds;
  disk-pressure, memory-pressure, pid-pressure and unschedulable NoSchedule) tolerate its NoSchedule and NoExecute
  taints. A pod already there may stay while only NoSchedule taints are untolerated (``shouldContinueRunning``).
* ``podsShouldBeOnNode``: create a pod on an eligible node without one; delete Failed (with the 1 s .. 15 min
  per-node back-off) and Succeeded pods; without surge keep only the oldest running pod; with surge keep the
  oldest old and new pod until the new one is available; delete every pod on a node that may not keep it. A node
  whose only pod is Terminating gets its new pod once that one is gone (no surge).
* Pods are created from the template with the DaemonSet tolerations, the ``controller-revision-hash`` and
  ``pod-template-generation`` labels, and a required node affinity ``matchFields metadata.name In [<node>]``
  replacing the template's required terms (``ReplaceDaemonSetPodNodeNameNodeAffinity``); the default scheduler
  binds them. At most 250 creations and 250 deletions per sync (burstReplicas).
* RollingUpdate (``rollingUpdate``), run only in a sync that created or deleted nothing (the expectations
  check): without surge, old available pods are deleted while unavailable nodes stay within ``maxUnavailable``
  (percent of desired nodes, rounded up); with ``maxSurge`` a new pod is created next to an old one (at once if
  the old one is unavailable) and the old pod is deleted when the new one is available. OnDelete does nothing.
* Status: ``status.replicas`` holds desiredNumberScheduled, ``readyReplicas`` numberReady,
  ``availableReplicas`` numberAvailable and ``updatedReplicas`` updatedNumberScheduled.

Kubernetes walks candidate nodes in Go map order (random); kubesim walks them in node creation order.
"""

from __future__ import annotations

import math
from collections import defaultdict

import attrs

from models.meta import OwnerReference
from models.node import Node
from models.pod import (
    Affinity,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Pod,
    PodSpec,
    Taint,
    Toleration,
)
from models.workloads import DaemonSet
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.controllers.deployment import template_hash
from simulator.podutil import delete_pod, is_available
from simulator.store import DELETED

__all__ = [
    "DAEMON_TOLERATIONS",
    "DaemonSetController",
    "add_daemon_tolerations",
    "node_should_run",
    "replace_node_affinity",
]

REVISION_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"
BURST_REPLICAS = 250
FAILED_BACKOFF_INITIAL = 1.0
FAILED_BACKOFF_MAX = 900.0

# util.AddOrUpdateDaemonPodTolerations (v1.35). network-unavailable is added only for hostNetwork pods, which
# kubesim does not model.
DAEMON_TOLERATIONS = (
    Toleration(key="node.kubernetes.io/not-ready", operator="Exists", effect="NoExecute"),
    Toleration(key="node.kubernetes.io/unreachable", operator="Exists", effect="NoExecute"),
    Toleration(key="node.kubernetes.io/disk-pressure", operator="Exists", effect="NoSchedule"),
    Toleration(key="node.kubernetes.io/memory-pressure", operator="Exists", effect="NoSchedule"),
    Toleration(key="node.kubernetes.io/pid-pressure", operator="Exists", effect="NoSchedule"),
    Toleration(key="node.kubernetes.io/unschedulable", operator="Exists", effect="NoSchedule"),
)


def add_daemon_tolerations(tolerations: tuple[Toleration, ...]) -> tuple[Toleration, ...]:
    """``AddOrUpdateTolerationInPodSpec`` for each DaemonSet toleration: every toleration that matches it
    (``MatchToleration``: key, operator, value and effect; tolerationSeconds aside) is replaced by it, else it is
    appended."""
    result = list(tolerations)
    for extra in DAEMON_TOLERATIONS:
        same = [
            i
            for i, t in enumerate(result)
            if (t.key, t.operator, t.effect) == (extra.key, extra.operator, extra.effect)
            and t.value == extra.value
        ]
        for i in same:
            result[i] = extra
        if not same:
            result.append(extra)
    return tuple(result)


def replace_node_affinity(affinity: Affinity | None, node_name: str) -> Affinity:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``: the required terms become ``metadata.name In [node]``."""
    required = NodeSelector(
        terms=(
            NodeSelectorTerm(
                match_fields=(
                    NodeSelectorRequirement(key="metadata.name", operator="In", values=(node_name,)),
                )
            ),
        )
    )
    if affinity is None:
        return Affinity(node_affinity=NodeAffinity(required=required))
    if affinity.node_affinity is None:
        return attrs.evolve(affinity, node_affinity=NodeAffinity(required=required))
    return attrs.evolve(affinity, node_affinity=attrs.evolve(affinity.node_affinity, required=required))


def _untolerated(taint: Taint, tolerations: tuple[Toleration, ...]) -> bool:
    return not any(t.tolerates(taint) for t in tolerations)


def node_should_run(spec: PodSpec, node: Node) -> tuple[bool, bool]:
    """``NodeShouldRunDaemonPod``: (shouldRun, shouldContinueRunning) for a spec with the daemon tolerations."""
    if spec.node_name and spec.node_name != node.name:
        return False, False
    labels = node.labels
    for key, value in spec.node_selector.items():
        if labels.get(key) != value:
            return False, False
    node_affinity = spec.affinity.node_affinity if spec.affinity is not None else None
    if (
        node_affinity is not None
        and node_affinity.required is not None
        and not node_affinity.required.matches(labels, node.name)
    ):
        return False, False
    tolerations = spec.tolerations
    fits = True
    for taint in node.taints:
        if taint.effect in ("NoSchedule", "NoExecute") and _untolerated(taint, tolerations):
            if taint.effect == "NoExecute":
                return False, False
            fits = False
    return fits, True


def _target_node(pod: Pod) -> str:
    """``GetTargetNodeName``: the bound node, else the ``metadata.name`` matchFields value of a pending pod."""
    if pod.node_name:
        return pod.node_name
    affinity = pod.spec.affinity
    if affinity is None or affinity.node_affinity is None or affinity.node_affinity.required is None:
        return ""
    for term in affinity.node_affinity.required.terms:
        for req in term.match_fields:
            if req.key == "metadata.name" and req.operator == "In" and len(req.values) == 1:
                return req.values[0]
    return ""


def _scaled_up(value: int | str, total: int) -> int:
    if isinstance(value, int):
        return value
    return math.ceil(int(value.rstrip("%")) * total / 100)


def _age_key(pod: Pod) -> tuple[int, float, str]:
    # podByCreationTimestampAndPhase: scheduled pods first, then oldest, then by name.
    return (0 if pod.node_name else 1, pod.creation_timestamp, pod.name)


@attrs.define
class _Revision:
    """The pod specs of a DaemonSet's current template: with the daemon tolerations, and per node."""

    hash: str
    base: PodSpec
    per_node: dict[str, PodSpec] = attrs.field(factory=dict)


class DaemonSetController:
    """Reconciles DaemonSets into one pod per eligible node."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._store = ctx.store
        self._engine = ctx.engine
        self._queue = WorkQueue(ctx.engine, self._sync)
        self._revisions: dict[str, _Revision] = {}
        self._backoff: dict[tuple[str, str], tuple[float, float]] = {}  # (ds uid, node) -> (delay, last)
        ctx.store.watch("DaemonSet", self._on_daemonset)
        ctx.store.watch("Pod", self._on_pod, owner_kinds=("DaemonSet",))
        ctx.store.watch("Node", self._on_node)

    def _on_daemonset(self, change: str, ds: DaemonSet) -> None:
        if change == DELETED:
            self._revisions.pop(ds.uid, None)
            return
        self._queue.add(ds.key)

    def _on_pod(self, change: str, pod: Pod) -> None:
        ref = pod.controller_ref
        if ref is not None and ref.kind == "DaemonSet":
            self._queue.add(f"{pod.namespace}/{ref.name}")

    def _on_node(self, change: str, node: Node) -> None:
        if change == DELETED:
            for revision in self._revisions.values():
                revision.per_node.pop(node.name, None)
        for ds in self._store.list("DaemonSet"):
            self._queue.add(ds.key)

    # -- sync ---------------------------------------------------------------------------------------------------
    def _revision(self, ds: DaemonSet) -> _Revision:
        hash_value = template_hash(ds.template)
        revision = self._revisions.get(ds.uid)
        if revision is None or revision.hash != hash_value:
            spec = ds.template.spec
            base = attrs.evolve(spec, tolerations=add_daemon_tolerations(spec.tolerations))
            revision = self._revisions[ds.uid] = _Revision(hash=hash_value, base=base)
        return revision

    def _node_pods(self, ds: DaemonSet) -> dict[str, list[Pod]]:
        by_node: dict[str, list[Pod]] = defaultdict(list)
        for pod in self._store.pods_owned_by(ds.uid):
            target = _target_node(pod)
            if target:
                by_node[target].append(pod)
        return by_node

    def _sync(self, key: str) -> None:
        ds = self._store.get_key("DaemonSet", key)
        if ds is None or ds.deletion_timestamp is not None:
            return
        assert isinstance(ds, DaemonSet)
        revision = self._revision(ds)
        nodes: list[Node] = self._store.list("Node")
        eligibility = {node.name: node_should_run(revision.base, node) for node in nodes}
        changed = self._manage(ds, revision, nodes, eligibility)
        if not changed and ds.update_strategy_type == "RollingUpdate":
            self._rolling_update(ds, revision, nodes, eligibility)
        self._update_status(ds, revision, nodes, eligibility)

    def _allows_surge(self, ds: DaemonSet) -> bool:
        return ds.update_strategy_type == "RollingUpdate" and _scaled_up(ds.max_surge, 1) > 0

    def _manage(
        self,
        ds: DaemonSet,
        revision: _Revision,
        nodes: list[Node],
        eligibility: dict[str, tuple[bool, bool]],
    ) -> bool:
        """``manage``/``podsShouldBeOnNode``; True when it created or deleted pods."""
        now = self._engine.now
        by_node = self._node_pods(ds)
        surge = self._allows_surge(ds)
        to_create: list[str] = []
        to_delete: list[Pod] = []
        for node in nodes:
            should_run, should_continue = eligibility[node.name]
            pods = by_node.get(node.name)
            if should_run and not pods:
                to_create.append(node.name)
            elif should_continue and pods:
                running: list[Pod] = []
                for pod in pods:
                    if pod.deletion_timestamp is not None:
                        continue
                    if pod.phase == "Failed":
                        if self._failed_in_backoff(ds, node.name, now):
                            continue
                        self._store.event(
                            ds,
                            "FailedDaemonPod",
                            f"Found failed daemon pod {pod.namespace}/{pod.name} on node {node.name}, "
                            "will try to kill it",
                            "Warning",
                        )
                        to_delete.append(pod)
                    elif pod.phase == "Succeeded":
                        self._store.event(
                            ds,
                            "SucceededDaemonPod",
                            f"Found succeeded daemon pod {pod.namespace}/{pod.name} on node {node.name}, "
                            "will try to delete it",
                        )
                        to_delete.append(pod)
                    else:
                        running.append(pod)
                if not surge:
                    if len(running) > 1:
                        running.sort(key=_age_key)
                        to_delete.extend(running[1:])
                    continue
                if len(running) <= 1:
                    if not running and should_run:
                        to_create.append(node.name)
                    continue
                # Surge: keep the oldest new and the oldest old pod while the new one is not yet available.
                running.sort(key=_age_key)
                oldest_new: Pod | None = None
                oldest_old: Pod | None = None
                for pod in running:
                    if pod.labels.get(REVISION_LABEL) == revision.hash:
                        if oldest_new is None:
                            oldest_new = pod
                            continue
                    elif oldest_old is None:
                        oldest_old = pod
                        continue
                    to_delete.append(pod)
                if (
                    oldest_new is not None
                    and oldest_old is not None
                    and (not oldest_old.ready or is_available(oldest_new, ds.min_ready_seconds, now))
                ):
                    to_delete.append(oldest_old)
            elif not should_continue and pods:
                to_delete.extend(p for p in pods if p.deletion_timestamp is None)
        # Pending pods aimed at nodes that no longer exist: PodGC never sees them (getUnscheduledPodsWithoutNode).
        names = {node.name for node in nodes}
        for target, pods in by_node.items():
            if target not in names:
                to_delete.extend(p for p in pods if not p.node_name)
        return self._sync_nodes(ds, revision, to_delete, to_create)

    def _failed_in_backoff(self, ds: DaemonSet, node_name: str, now: float) -> bool:
        """``failedPodsBackoff``: 1 s doubling to 15 min per (DaemonSet, node) between failed-pod deletions."""
        key = (ds.uid, node_name)
        entry = self._backoff.get(key)
        if entry is not None and now < entry[1] + entry[0]:
            # podsShouldBeOnNode: enqueueDaemonSetAfter(ds, failedPodsBackoff.Get(key)), the whole current delay
            # from now (not what is left of it).
            self._queue.add_at(ds.key, now + entry[0])
            return True
        if entry is None or now - entry[1] > 2 * FAILED_BACKOFF_MAX:
            delay = FAILED_BACKOFF_INITIAL
        else:
            delay = min(entry[0] * 2, FAILED_BACKOFF_MAX)
        self._backoff[key] = (delay, now)
        return False

    def _sync_nodes(
        self, ds: DaemonSet, revision: _Revision, to_delete: list[Pod], to_create: list[str]
    ) -> bool:
        """``syncNodes``: create and delete, at most ``burstReplicas`` of each per sync."""
        for node_name in to_create[:BURST_REPLICAS]:
            self._create(ds, revision, node_name)
        seen: set[str] = set()
        for pod in to_delete[:BURST_REPLICAS]:
            if pod.uid in seen or not self._store.contains(pod):
                continue
            seen.add(pod.uid)
            delete_pod(self._store, pod)
            self._store.event(ds, "SuccessfulDelete", f"Deleted pod: {pod.name}")
        if len(to_create) > BURST_REPLICAS or len(to_delete) > BURST_REPLICAS:
            self._queue.add(ds.key)
        return bool(to_create or to_delete)

    def _rolling_update(
        self,
        ds: DaemonSet,
        revision: _Revision,
        nodes: list[Node],
        eligibility: dict[str, tuple[bool, bool]],
    ) -> None:
        now = self._engine.now
        min_ready = ds.min_ready_seconds
        by_node = self._node_pods(ds)
        desired = 0
        order: list[str] = []
        for node in nodes:
            if node.name in by_node:
                order.append(node.name)
            if eligibility[node.name][0]:
                desired += 1
                if node.name not in by_node:
                    by_node[node.name] = []
                    order.append(node.name)
        order.extend(name for name in by_node if name not in eligibility)  # pods aimed at vanished nodes
        max_unavailable = _scaled_up(ds.max_unavailable, desired)
        max_surge = _scaled_up(ds.max_surge, desired)
        if desired > 0 and max_unavailable == 0 and max_surge == 0:
            max_unavailable = 1

        if max_surge == 0:
            unavailable = 0
            replacements: list[Pod] = []
            candidates: list[Pod] = []
            for name in order:
                found = self._updated_pods_on_node(by_node[name], revision.hash)
                if found is None:
                    unavailable += 1  # excess pods: the manage loop prunes them
                    continue
                new_pod, old_pod = found
                if (old_pod is None) == (new_pod is None):
                    unavailable += 1  # nothing yet, or both: the manage loop creates or deletes
                elif new_pod is not None:
                    if not is_available(new_pod, min_ready, now):
                        unavailable += 1
                elif old_pod is not None:
                    if not is_available(old_pod, min_ready, now):
                        replacements.append(old_pod)
                        unavailable += 1
                    elif unavailable < max_unavailable:
                        candidates.append(old_pod)
            remaining = min(max(max_unavailable - unavailable, 0), len(candidates))
            self._sync_nodes(ds, revision, replacements + candidates[:remaining], [])
            return

        to_delete: list[Pod] = []
        should_not_run: list[Pod] = []
        candidate_nodes: list[str] = []
        allowed_nodes: list[str] = []
        surging = 0
        available = 0
        for name in order:
            found = self._updated_pods_on_node(by_node[name], revision.hash)
            if found is None:
                surging += 1
                continue
            new_pod, old_pod = found
            if old_pod is not None:
                available += is_available(old_pod, min_ready, now)
            elif new_pod is not None:
                available += is_available(new_pod, min_ready, now)
            if old_pod is None:
                continue
            should_run = eligibility.get(name, (False, False))[0]
            if new_pod is None:
                if not is_available(old_pod, min_ready, now):
                    if not should_run:
                        to_delete.append(old_pod)
                    else:
                        allowed_nodes.append(name)
                elif not should_run:
                    should_not_run.append(old_pod)
                elif surging < max_surge:
                    candidate_nodes.append(name)
            elif not is_available(new_pod, min_ready, now):
                surging += 1
            else:
                to_delete.append(old_pod)
        deletable = available - desired
        if deletable > 0:
            to_delete.extend(should_not_run[:deletable])
        remaining = min(max(max_surge - surging, 0), len(candidate_nodes))
        self._sync_nodes(ds, revision, to_delete, allowed_nodes + candidate_nodes[:remaining])

    @staticmethod
    def _updated_pods_on_node(pods: list[Pod], hash_value: str) -> tuple[Pod | None, Pod | None] | None:
        """``findUpdatedPodsOnNode``: (new, old) among non-deleted pods, or None when there are several of one."""
        new_pod: Pod | None = None
        old_pod: Pod | None = None
        for pod in pods:
            if pod.deletion_timestamp is not None:
                continue
            if pod.labels.get(REVISION_LABEL) == hash_value:
                if new_pod is not None:
                    return None
                new_pod = pod
            else:
                if old_pod is not None:
                    return None
                old_pod = pod
        return new_pod, old_pod

    # -- writes -------------------------------------------------------------------------------------------------
    def _create(self, ds: DaemonSet, revision: _Revision, node_name: str) -> None:
        spec = revision.per_node.get(node_name)
        if spec is None:
            base = revision.base
            spec = revision.per_node[node_name] = attrs.evolve(
                base, affinity=replace_node_affinity(base.affinity, node_name)
            )
        template = ds.template
        name = self._store.generate_name("Pod", ds.namespace, f"{ds.name}-")
        pod = Pod(
            name=name,
            namespace=ds.namespace,
            labels={**template.labels, GENERATION_LABEL: str(ds.generation), REVISION_LABEL: revision.hash},
            annotations=template.annotations,  # type: ignore[arg-type]  # shared, read-only
            owner_references=(
                OwnerReference(kind=ds.KIND, name=ds.name, uid=ds.uid, api_version=ds.API_VERSION),
            ),
            spec=spec,
        )
        try:
            self._store.add(pod)
        except ValueError as err:  # AdmissionError: e.g. an unknown priorityClassName
            self._store.event(ds, "FailedCreate", f"Error creating: {err}", "Warning")
            return
        self._store.event(ds, "SuccessfulCreate", f"Created pod: {name}")

    def _update_status(
        self,
        ds: DaemonSet,
        revision: _Revision,
        nodes: list[Node],
        eligibility: dict[str, tuple[bool, bool]],
    ) -> None:
        now = self._engine.now
        min_ready = ds.min_ready_seconds
        by_node = self._node_pods(ds)
        desired = ready = available = updated = 0
        wake: float | None = None
        for node in nodes:
            if not eligibility[node.name][0]:
                continue
            desired += 1
            pods = by_node.get(node.name)
            if not pods:
                continue
            pod = min(pods, key=_age_key)
            if pod.ready:
                ready += 1
                if is_available(pod, min_ready, now):
                    available += 1
                elif pod.ready_since is not None:
                    at = pod.ready_since + min_ready
                    wake = at if wake is None else min(wake, at)
            if pod.labels.get(REVISION_LABEL) == revision.hash:
                updated += 1
        if ds.status.assign(desired, ready, available, updated, ds.generation):
            self._store.update(ds)
        if wake is not None:
            self._queue.add_at(ds.key, wake)
