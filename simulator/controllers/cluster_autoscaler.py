"""The cluster autoscaler for NodePools with ``spec.min``/``spec.max``, after kubernetes/autoscaler's
``cluster-autoscaler`` (1.35) with its default flags.

Every 10 s (``--scan-interval``):

* **Scale-up.** Pods the scheduler marked unschedulable (a ``FailedScheduling`` Event, still unbound) are first
  fitted, first-fit, onto existing nodes' free room and onto nodes still being provisioned (``filter out
  schedulable``); the rest are bin-packed (first-fit decreasing by cpu and memory share) onto template nodes of
  each autoscaled pool they fit (allocatable minus the DaemonSet pods the node would run; nodeSelector,
  required node affinity, taints and tolerations), bounded by ``spec.max``. The ``random`` expander (the
  default) picks among the pools that help from the ``cluster-autoscaler`` random stream. The new nodes join
  (Ready) ``spec.provisioningDelay`` later. Events: ``TriggeredScaleUp`` "pod triggered scale-up:
  [{pool 3->5 (max: 10)}]" on the pods, ``ScaledUpGroup`` on the NodePool, ``NotTriggerScaleUp`` (once per pod)
  when no pool can take it.
* **Scale-down.** A Ready node of an autoscaled pool is unneeded when its utilisation (the larger of requested
  cpu and memory over allocatable, every bound pod counted) is below 0.5
  (``--scale-down-utilization-threshold``) and every pod on it can move: no pod without a controller, no
  kube-system pod without a PodDisruptionBudget, no ``cluster-autoscaler.kubernetes.io/safe-to-evict: "false"``,
  no budget with fewer disruptions allowed than the pods it would lose, and room for the pods on the other
  nodes (first-fit; DaemonSet and mirror pods stay). A node unneeded for 10 min (``--scale-down-unneeded-time``)
  is removed, never below ``spec.min``: empty nodes in bulk (at most 10 per loop), others one at a time
  (``--max-drain-parallelism`` 1). No scale-down for 10 min after a scale-up (``--scale-down-delay-after-add``)
  or 3 min after a failed one. Removal taints the node ``ToBeDeletedByClusterAutoscaler:NoSchedule`` (Event
  ``ScaleDown`` "marked the node as toBeDeleted/unschedulable"), evicts its pods through the Eviction API
  (``ScaleDown`` "deleting pod for node scale down"; 429s retried every 10 s for up to 2 min, then the
  scale-down fails, ``ScaleDownFailed``, and the taint is removed), waits for them to be gone and deletes the
  node (``ScaleDown`` "Scale-down: node <n> removed with drain" or ``ScaleDownEmpty`` "Scale-down: empty node
  <n> removed" on the NodePool).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from models.kubesim import NodePool
from models.node import Node
from models.pod import Pod, Taint
from models.workloads import DaemonSet
from simulator.controllers.base import ControllerContext
from simulator.controllers.disruption import matching_pdbs
from simulator.engine import Handle
from simulator.eviction import evict
from simulator.metrics.collector import _compute_requests
from simulator.store import DELETED

__all__ = ["TO_BE_DELETED_TAINT", "ClusterAutoscaler"]

SCAN_INTERVAL = 10.0
UNNEEDED_TIME = 600.0
UTILIZATION_THRESHOLD = 0.5
DELAY_AFTER_ADD = 600.0
DELAY_AFTER_FAILURE = 180.0
MAX_EMPTY_BULK_DELETE = 10
MAX_POD_EVICTION_TIME = 120.0
EVICTION_RETRY_TIME = 10.0
MAX_GRACEFUL_TERMINATION = 600.0
TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler"
SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"

Resources = dict[str, int]


def _requests(pod: Pod) -> Resources:
    cpu, memory = _compute_requests(pod)
    return {"cpu": cpu, "memory": memory, "pods": 1}


def _fits_labels_and_taints(
    pod: Pod, labels: Mapping[str, str], taints: tuple[Taint, ...], name: str
) -> bool:
    """nodeSelector, required node affinity and NoSchedule/NoExecute taints, as the scheduler's filters."""
    spec = pod.spec
    if any(labels.get(k) != v for k, v in spec.node_selector.items()):
        return False
    affinity = spec.affinity
    required = None
    if affinity is not None and affinity.node_affinity is not None:
        required = affinity.node_affinity.required
    if required is not None and not required.matches(labels, name):
        return False
    for taint in taints:
        if taint.effect in ("NoSchedule", "NoExecute") and not any(
            t.tolerates(taint) for t in spec.tolerations
        ):
            return False
    return True


def _fits(need: Resources, free: Resources) -> bool:
    return all(free.get(k, 0) >= v for k, v in need.items() if v > 0)


def _take(free: Resources, need: Resources) -> None:
    for k, v in need.items():
        free[k] = free.get(k, 0) - v


def _is_daemonset_pod(pod: Pod) -> bool:
    ref = pod.controller_ref
    return ref is not None and ref.kind == "DaemonSet"


@attrs.define
class _Drain:
    node: str
    pool: str
    empty: bool
    started: float
    pods: list[Pod] = attrs.field(factory=list)
    timer: Handle | None = None


class ClusterAutoscaler:
    """Scales autoscaled NodePools up for unschedulable pods and down for underused nodes."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._ctx = ctx
        self._engine = ctx.engine
        self._store = ctx.store
        self._rng = ctx.engine.rng("cluster-autoscaler")
        self._unschedulable: dict[str, Pod] = {}  # pod uid -> pod marked unschedulable by the scheduler
        self._told: set[str] = set()  # pods that got NotTriggerScaleUp
        self._upcoming: dict[str, int] = {}  # pool -> nodes being provisioned
        self._unneeded: dict[str, float] = {}  # node -> unneeded since
        self._drains: dict[str, _Drain] = {}
        self._last_scale_up = -1e18
        self._last_failure = -1e18
        self._timer: Handle | None = None
        ctx.store.watch("NodePool", self._on_pool)
        # Pods are watched from the first unschedulable one on (the only pods this bookkeeping tracks).
        self._watching_pods = False
        ctx.store.watch_events(self._on_event)

    # -- watches ------------------------------------------------------------------------------------------------
    def _on_pool(self, change: str, pool: NodePool) -> None:
        if change != DELETED and (pool.min is not None or pool.max is not None) and self._timer is None:
            self._timer = self._engine.call_soon(self._scan)

    def _on_pod(self, change: str, pod: Pod) -> None:
        if change == DELETED or pod.node_name or pod.is_terminal:
            self._unschedulable.pop(pod.uid, None)
            self._told.discard(pod.uid)

    def _on_event(
        self, t: float, event_type: str, involved: object, reason: str, message: str, kind: str
    ) -> None:
        if reason == "FailedScheduling" and isinstance(involved, Pod) and not involved.node_name:
            self._unschedulable[involved.uid] = involved
            if not self._watching_pods:
                self._watching_pods = True
                self._store.watch("Pod", self._on_pod)

    def _pools(self) -> list[NodePool]:
        return [p for p in self._store.list("NodePool") if p.min is not None or p.max is not None]

    def _pool_nodes(self, pool: str) -> list[Node]:
        return [n for n in self._store.list("Node") if n.pool == pool]

    # -- the loop -----------------------------------------------------------------------------------------------
    def _scan(self) -> None:
        self._timer = None
        pools = self._pools()
        if not pools:
            return
        # A loop that scaled up does nothing else ("no scale down in this iteration"); otherwise unneeded nodes
        # are tracked even while scale-down is in cooldown, and removed once it is over.
        if not self._scale_up(pools):
            now = self._engine.now
            cooldown = (
                now - self._last_scale_up < DELAY_AFTER_ADD or now - self._last_failure < DELAY_AFTER_FAILURE
            )
            self._scale_down(pools, actuate=not cooldown)
        self._timer = self._engine.call_later(SCAN_INTERVAL, self._scan)

    def _free(self, node: Node) -> Resources:
        free: Resources = {k: int(v) for k, v in node.allocatable.items()}
        for pod in self._store.pods_on_node(node.name):
            if not pod.is_terminal:
                _take(free, _requests(pod))
        return free

    def _schedulable_nodes(self, exclude: set[str] = frozenset()) -> list[Node]:  # type: ignore[assignment]
        return [
            n
            for n in self._store.list("Node")
            if n.ready == "True"
            and not n.unschedulable
            and n.name not in exclude
            and n.name not in self._drains
            and not any(t.key == TO_BE_DELETED_TAINT for t in n.taints)
        ]

    def _template_free(self, pool: NodePool) -> Resources:
        free: Resources = {k: int(v) for k, v in pool.allocatable.items()}
        labels = {**pool.node_labels, "kubesim.dev/pool": pool.name}
        for ds in self._store.list("DaemonSet"):
            assert isinstance(ds, DaemonSet)
            probe = Pod(name="template", namespace=ds.namespace, spec=ds.template.spec)
            if _fits_labels_and_taints(probe, labels, pool.taints, ""):
                _take(free, _requests(probe))
        return free

    # -- scale-up -----------------------------------------------------------------------------------------------
    def _scale_up(self, pools: list[NodePool]) -> bool:
        pending = [
            p for p in self._unschedulable.values()
            if self._store.contains(p) and not p.node_name and p.deletion_timestamp is None
        ]  # fmt: skip
        if not pending:
            return False
        # Filter out pods that fit on existing nodes' free room, then on nodes being provisioned.
        rooms = [(n.labels, n.taints, n.name, self._free(n)) for n in self._schedulable_nodes()]
        for pool in pools:
            for _ in range(self._upcoming.get(pool.name, 0)):
                rooms.append(({**pool.node_labels}, pool.taints, "", self._template_free(pool)))
        left: list[Pod] = []
        for pod in pending:
            need = _requests(pod)
            for labels, taints, name, free in rooms:
                if _fits(need, free) and _fits_labels_and_taints(pod, labels, taints, name):
                    _take(free, need)
                    break
            else:
                left.append(pod)
        if not left:
            return False
        options: list[tuple[NodePool, int, list[Pod]]] = []
        for pool in pools:
            size = len(self._pool_nodes(pool.name)) + self._upcoming.get(pool.name, 0)
            room = (pool.max if pool.max is not None else size) - size
            if room <= 0:
                continue
            template = self._template_free(pool)
            labels = {**pool.node_labels, "kubesim.dev/pool": pool.name}
            alloc = {k: max(1, int(v)) for k, v in pool.allocatable.items()}
            fitting = [
                p for p in left if _fits(_requests(p), template)
                and _fits_labels_and_taints(p, labels, pool.taints, "")
            ]  # fmt: skip
            fitting.sort(
                key=lambda p: (
                    -(
                        _requests(p)["cpu"] / alloc.get("cpu", 1)
                        + _requests(p)["memory"] / alloc.get("memory", 1)
                    )
                )
            )
            bins: list[Resources] = []
            helped: list[Pod] = []
            for pod in fitting:
                need = _requests(pod)
                for free in bins:
                    if _fits(need, free):
                        _take(free, need)
                        helped.append(pod)
                        break
                else:
                    if len(bins) < room:
                        free = dict(template)
                        _take(free, need)
                        bins.append(free)
                        helped.append(pod)
            if bins:
                options.append((pool, len(bins), helped))
        if not options:
            for pod in left:
                if pod.uid not in self._told:
                    self._told.add(pod.uid)
                    self._store.event(
                        pod,
                        "NotTriggerScaleUp",
                        "pod didn't trigger scale-up (it wouldn't fit if a new node is added)",
                    )
            return False
        pool, count, helped = options[self._rng.randrange(len(options))] if len(options) > 1 else options[0]
        size = len(self._pool_nodes(pool.name)) + self._upcoming.get(pool.name, 0)
        self._upcoming[pool.name] = self._upcoming.get(pool.name, 0) + count
        for _ in range(count):
            self._engine.call_later(pool.provisioning_delay, self._provisioned, pool.name)
        self._last_scale_up = self._engine.now
        self._store.event(
            pool, "ScaledUpGroup",
            f"Scale-up: setting group {pool.name} size to {size + count} instead of {size} (max: {pool.max})",
        )  # fmt: skip
        info = f"[{{{pool.name} {size}->{size + count} (max: {pool.max})}}]"
        for pod in helped:
            self._store.event(pod, "TriggeredScaleUp", f"pod triggered scale-up: {info}")
        return True

    def _provisioned(self, pool_name: str) -> None:
        self._upcoming[pool_name] = max(0, self._upcoming.get(pool_name, 0) - 1)
        pool = self._store.get("NodePool", "", pool_name)
        add = self._ctx.add_pool_nodes
        if isinstance(pool, NodePool) and add is not None:
            add(pool, 1)

    # -- scale-down ---------------------------------------------------------------------------------------------
    def _utilization(self, node: Node) -> float:
        used = {"cpu": 0, "memory": 0}
        for pod in self._store.pods_on_node(node.name):
            if not pod.is_terminal:
                req = _requests(pod)
                used["cpu"] += req["cpu"]
                used["memory"] += req["memory"]
        shares = [used[k] / node.allocatable[k] for k in ("cpu", "memory") if node.allocatable.get(k)]
        return max(shares, default=0.0)

    def _movable(self, node: Node, budgets: dict[str, int]) -> list[Pod] | None:
        """The pods that must move off ``node``, or None when one of them cannot."""
        to_move: list[Pod] = []
        for pod in self._store.pods_on_node(node.name):
            if pod.is_terminal or _is_daemonset_pod(pod) or MIRROR_ANNOTATION in pod.annotations:
                continue
            if pod.deletion_timestamp is not None:
                continue
            if pod.annotations.get(SAFE_TO_EVICT) == "false":
                return None
            if pod.controller_ref is None:
                return None  # NotReplicated
            pdbs = matching_pdbs(self._store, pod)
            if pod.namespace == "kube-system" and not pdbs:
                return None  # UnmovableKubeSystemPod
            for pdb in pdbs:
                budgets.setdefault(pdb.key, pdb.disruptions_allowed)
                if pod.ready:
                    budgets[pdb.key] -= 1
                    if budgets[pdb.key] < 0:
                        return None  # NotEnoughPdb
            to_move.append(pod)
        return to_move

    def _scale_down(self, pools: list[NodePool], actuate: bool) -> None:
        now = self._engine.now
        if any(not d.empty for d in self._drains.values()):
            return
        by_pool = {p.name: p for p in pools}
        candidates = [
            n for n in self._store.list("Node")
            if n.pool in by_pool and n.ready == "True" and n.name not in self._drains
            and not any(t.key == TO_BE_DELETED_TAINT for t in n.taints)
        ]  # fmt: skip
        removing: set[str] = set()
        rooms = {n.name: (n, self._free(n)) for n in self._schedulable_nodes()}
        budgets: dict[str, int] = {}
        unneeded: dict[str, float] = {}
        for node in candidates:
            if self._utilization(node) >= UTILIZATION_THRESHOLD:
                continue
            trial = dict(budgets)
            pods = self._movable(node, trial)
            if pods is None:
                continue
            placed = self._place(pods, rooms, removing | {node.name})
            if placed is None:
                continue
            budgets = trial
            for name, need in placed:
                _take(rooms[name][1], need)
            removing.add(node.name)
            unneeded[node.name] = self._unneeded.get(node.name, now)
        self._unneeded = unneeded
        if not actuate:
            return
        sizes = {p.name: len(self._pool_nodes(p.name)) - sum(1 for d in self._drains.values() if d.pool == p.name)
                 for p in pools}  # fmt: skip
        empty_deleted = 0
        drained = False
        for name, since in list(unneeded.items()):
            if now - since < UNNEEDED_TIME:
                continue
            node = self._store.get("Node", "", name)
            if not isinstance(node, Node):
                continue
            pool = by_pool[node.pool]
            if sizes[pool.name] - 1 < (pool.min or 0):
                continue
            pods = self._movable(node, {})
            if pods is None:
                continue
            if not pods:
                if empty_deleted >= MAX_EMPTY_BULK_DELETE:
                    continue
                empty_deleted += 1
            elif drained:
                continue
            else:
                drained = True
            sizes[pool.name] -= 1
            del self._unneeded[name]
            self._start_removal(node, pool, pods)

    def _place(
        self, pods: list[Pod], rooms: dict[str, tuple[Node, Resources]], exclude: set[str]
    ) -> list[tuple[str, Resources]] | None:
        trial = {name: dict(free) for name, (_node, free) in rooms.items() if name not in exclude}
        placed: list[tuple[str, Resources]] = []
        for pod in pods:
            need = _requests(pod)
            for name, free in trial.items():
                node = rooms[name][0]
                if _fits(need, free) and _fits_labels_and_taints(pod, node.labels, node.taints, name):
                    _take(free, need)
                    placed.append((name, need))
                    break
            else:
                return None
        return placed

    def _start_removal(self, node: Node, pool: NodePool, pods: list[Pod]) -> None:
        now = self._engine.now
        node.taints = (*node.taints, Taint(key=TO_BE_DELETED_TAINT, value=str(int(now)), effect="NoSchedule",
                                           time_added=now))  # fmt: skip
        self._store.update(node)
        self._store.event(node, "ScaleDown", "marked the node as toBeDeleted/unschedulable")
        drain = _Drain(node=node.name, pool=pool.name, empty=not pods, started=now, pods=list(pods))
        self._drains[node.name] = drain
        self._evict_round(drain)

    def _evict_round(self, drain: _Drain) -> None:
        now = self._engine.now
        remaining: list[Pod] = []
        for pod in drain.pods:
            if not self._store.contains(pod) or pod.deletion_timestamp is not None:
                continue
            result = evict(self._ctx, pod, None)
            if result.allowed:
                self._store.event(pod, "ScaleDown", "deleting pod for node scale down")
            else:
                remaining.append(pod)
        drain.pods = remaining
        if remaining:
            if now - drain.started + EVICTION_RETRY_TIME > MAX_POD_EVICTION_TIME:
                self._fail(drain)
                return
            drain.timer = self._engine.call_later(EVICTION_RETRY_TIME, self._evict_round, drain)
            return
        self._wait_gone(drain)

    def _wait_gone(self, drain: _Drain) -> None:
        node = self._store.get("Node", "", drain.node)
        if node is None:
            self._drains.pop(drain.node, None)
            return
        alive = [
            p for p in self._store.pods_on_node(drain.node)
            if not p.is_terminal and not _is_daemonset_pod(p) and MIRROR_ANNOTATION not in p.annotations
        ]  # fmt: skip
        if alive and self._engine.now - drain.started < MAX_GRACEFUL_TERMINATION + MAX_POD_EVICTION_TIME:
            drain.timer = self._engine.call_later(1.0, self._wait_gone, drain)
            return
        self._drains.pop(drain.node, None)
        pool = self._store.get("NodePool", "", drain.pool)
        self._store.delete(node)
        if pool is not None:
            if drain.empty:
                self._store.event(pool, "ScaleDownEmpty", f"Scale-down: empty node {drain.node} removed")
            else:
                self._store.event(pool, "ScaleDown", f"Scale-down: node {drain.node} removed with drain")

    def _fail(self, drain: _Drain) -> None:
        self._drains.pop(drain.node, None)
        self._last_failure = self._engine.now
        node = self._store.get("Node", "", drain.node)
        if isinstance(node, Node):
            node.taints = tuple(t for t in node.taints if t.key != TO_BE_DELETED_TAINT)
            self._store.update(node)
            self._store.event(
                node, "ScaleDownFailed", "failed to drain the node, aborting ScaleDown", "Warning"
            )
