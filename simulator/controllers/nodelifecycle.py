"""Node lifecycle: notice silent nodes, mark them NotReady, taint them, and rate-limit NoExecute taints per zone.

Timing, as kube-controller-manager does it (values from ``simulator.defaults``):

* The controller looks at nodes every ``node-monitor-period`` (5 s). A node whose kubelet lease stopped renewing
  at ``t0`` is declared Ready=Unknown at the first monitor tick at or after ``t0 + node-monitor-grace-period``
  (50 s since v1.32, 40 s before). Heartbeats are not simulated tick by tick: the lease records when renewing
  stopped and the controller computes that instant.
* On NotReady: the ``node.kubernetes.io/unreachable:NoSchedule`` taint at once (TaintNodesByCondition), the
  node's pods get Ready=False (``MarkPodsNotReady``), and the node joins its zone's NoExecute queue.
* NoExecute taints are applied through a per-zone token bucket (burst 1): ``--node-eviction-rate`` 0.1 node/s
  in a healthy zone; in a partially disrupted zone (>= 55 % NotReady and more than 2 NotReady nodes) the
  secondary rate 0.01, or 0 when the zone has <= 50 nodes. Zone states are re-evaluated once per monitor pass
  (``handleDisruption``); a rate change swaps the bucket as ``SwapLimiter`` does.
* When every zone is fully disrupted, nothing is tainted and the NoExecute condition taints already placed are
  removed (``markNodeAsReachable`` on every node); tainting resumes when a node is Ready again.
* When the kubelet reports Ready again: its NodeReady event and the NoSchedule taint's removal at once, the
  NoExecute taint's removal at the next monitor tick.
* TaintNodesByCondition also keeps ``node.kubernetes.io/unschedulable:NoSchedule`` in step with
  ``spec.unschedulable`` (``doNoScheduleTaintingPass``): a node created or updated with one and not the other is
  fixed right after the write. (The cordon and uncordon actions write both at once.)

Source: pkg/controller/nodelifecycle/node_lifecycle_controller.go and scheduler/rate_limited_queue.go.
"""

from __future__ import annotations

import math
from collections import deque

from models.node import Lease, Node
from models.pod import Taint
from simulator.controllers.base import ControllerContext
from simulator.defaults import KubeDefaults
from simulator.engine import Handle
from simulator.store import ADDED, DELETED

__all__ = [
    "FULL_DISRUPTION",
    "NORMAL",
    "NOT_READY_TAINT",
    "PARTIAL_DISRUPTION",
    "UNREACHABLE_TAINT",
    "UNSCHEDULABLE_TAINT",
    "NodeLifecycleController",
    "compute_zone_state",
    "zone_eviction_rate",
]

UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
_CONDITION_TAINTS = (UNREACHABLE_TAINT, NOT_READY_TAINT)


class _Zone:
    """One zone's NoExecute tainting queue and its token bucket (burst 1, ``rate`` tokens a second)."""

    __slots__ = ("next_token", "queue", "rate", "timer")

    def __init__(self, rate: float) -> None:
        self.queue: deque[str] = deque()
        self.rate = rate
        self.next_token = 0.0  # when the bucket next holds a token (a new bucket starts full)
        self.timer: Handle | None = None

    def swap_rate(self, rate: float, now: float) -> None:
        """Change the bucket's rate as ``RateLimitedTimedQueue.SwapLimiter`` does: no-op for the same rate; a
        new bucket starts full unless the old one had no token left, in which case it starts drained (the next
        token ``1/rate`` from now). A rate of 0 never grants a token (``NewFakeNeverRateLimiter``)."""
        if rate == self.rate:
            return
        if rate > 0:
            exhausted = self.rate <= 0 or self.next_token > now + 1e-9
            self.next_token = now + 1.0 / rate if exhausted else now
        self.rate = rate


class NodeLifecycleController:
    """Watches kubelet leases and node status; owns the Ready=Unknown transition and condition taints."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._store = ctx.store
        self._engine = ctx.engine
        self._defaults = ctx.defaults
        self._detect: dict[str, Handle] = {}
        self._recover: dict[str, Handle] = {}
        self._zones: dict[str, _Zone] = {}
        # Nodes this controller declared Ready=Unknown that have not reported Ready since.
        self._unready: set[str] = set()
        self._all_fully_disrupted = False
        self._refresh_pending = False
        self._unschedulable_pending: set[str] = set()
        ctx.store.watch("Lease", self._on_lease)
        ctx.store.watch("Node", self._on_node)

    def _next_tick(self, at: float) -> float:
        period = self._defaults.node_monitor_period
        return math.ceil(at / period - 1e-9) * period

    # -- watches ------------------------------------------------------------------------------------------------
    def _on_lease(self, change: str, lease: Lease) -> None:
        name = lease.name
        timer = self._detect.pop(name, None)
        if timer is not None:
            timer.cancel()
        if change != DELETED and not lease.renewing:
            when = self._next_tick(lease.renew_time + self._defaults.node_monitor_grace_period)
            self._detect[name] = self._engine.call_at(when, self._declare_unknown, name)

    def _on_node(self, change: str, node: Node) -> None:
        if change == DELETED:
            for handles in (self._detect, self._recover):
                timer = handles.pop(node.name, None)
                if timer is not None:
                    timer.cancel()
            self._unready.discard(node.name)
            self._schedule_refresh(self._next_tick(self._engine.now))
            return
        if change == ADDED:
            self._schedule_refresh(self._next_tick(self._engine.now))  # a new node changes its zone's size
        if (
            node.unschedulable != _has_unschedulable_taint(node)
            and node.name not in self._unschedulable_pending
        ):
            self._unschedulable_pending.add(node.name)
            self._engine.call_soon(self._sync_unschedulable_taint, node.name)
        if node.ready != "True":
            return
        if node.name in self._unready:
            # The kubelet posted Ready=True: its NodeReady event and the NoSchedule taint's removal follow at once
            # (TaintNodesByCondition reacts to the node update); the NoExecute taint waits for the next monitor pass.
            self._unready.discard(node.name)
            self._engine.call_soon(self._heard_ready, node.name)
        recovered = any(t.key in _CONDITION_TAINTS for t in node.taints) or any(
            node.name in zone.queue for zone in self._zones.values()
        )
        if recovered and node.name not in self._recover:
            when = self._next_tick(self._engine.now)
            self._recover[node.name] = self._engine.call_at(when, self._mark_ready, node.name)

    def _sync_unschedulable_taint(self, name: str) -> None:
        """``doNoScheduleTaintingPass`` for ``spec.unschedulable``: add or remove the unschedulable taint."""
        self._unschedulable_pending.discard(name)
        node = self._store.get("Node", "", name)
        if node is None or node.unschedulable == _has_unschedulable_taint(node):
            return
        if node.unschedulable:
            node.taints = (
                *node.taints,
                Taint(key=UNSCHEDULABLE_TAINT, effect="NoSchedule", time_added=self._engine.now),
            )
        else:
            node.taints = tuple(
                t for t in node.taints if not (t.key == UNSCHEDULABLE_TAINT and t.effect == "NoSchedule")
            )
        self._store.update(node)

    # -- transitions --------------------------------------------------------------------------------------------
    def _declare_unknown(self, name: str) -> None:
        self._detect.pop(name, None)
        node = self._store.get("Node", "", name)
        lease = self._store.get("Lease", "kube-node-lease", name)
        if node is None or lease is None or lease.renewing or node.ready == "Unknown":
            return
        node.ready = "Unknown"
        self._unready.add(name)
        if not any(t.key == UNREACHABLE_TAINT and t.effect == "NoSchedule" for t in node.taints):
            node.taints = (
                *node.taints,
                Taint(key=UNREACHABLE_TAINT, effect="NoSchedule", time_added=self._engine.now),
            )
        self._store.update(node)
        self._store.event(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady")
        for pod in list(self._store.pods_on_node(name)):
            if pod.ready:
                pod.ready = False
                pod.ready_since = None
                self._store.update(pod)
                self._store.event(pod, "NodeNotReady", "Node is not ready", "Warning")
        zone = self._zone(node.zone)
        if name not in zone.queue:
            zone.queue.append(name)
        self._schedule_refresh(self._engine.now)

    def _heard_ready(self, name: str) -> None:
        node = self._store.get("Node", "", name)
        if node is None or node.ready != "True":
            return
        # The kubelet records NodeReady when its Ready condition changes (the node lifecycle controller only
        # records NodeNotReady): pkg/kubelet/nodestatus/setters.go ReadyCondition.
        self._store.event(node, "NodeReady", f"Node {name} status is now: NodeReady")
        kept = tuple(t for t in node.taints if not (t.key in _CONDITION_TAINTS and t.effect == "NoSchedule"))
        if kept != node.taints:
            node.taints = kept
            self._store.update(node)

    def _mark_ready(self, name: str) -> None:
        """Monitor pass after the kubelet is heard again: ``processTaintBaseEviction`` with Ready=True calls
        ``markNodeAsReachable`` (NoExecute condition taints off, node out of its zone's queue)."""
        self._recover.pop(name, None)
        node = self._store.get("Node", "", name)
        if node is None or node.ready != "True":
            return
        kept = tuple(t for t in node.taints if t.key not in _CONDITION_TAINTS)
        if kept != node.taints:
            node.taints = kept
            self._store.update(node)
        zone = self._zones.get(node.zone)
        if zone is not None and name in zone.queue:
            zone.queue.remove(name)
        self._schedule_refresh(self._engine.now)

    # -- zone states and rate-limited NoExecute tainting --------------------------------------------------------
    def _zone(self, name: str) -> _Zone:
        zone = self._zones.get(name)
        if zone is None:
            # addPodEvictorForNewZone: a new zone's queue starts with the primary rate and a full bucket.
            zone = self._zones[name] = _Zone(self._defaults.node_eviction_rate)
        return zone

    def zone_states(self) -> dict[str, str]:
        """Each zone's state as ``ComputeZoneState`` has it: FullDisruption when no node is Ready,
        PartialDisruption when more than 2 nodes are not Ready and they are >= unhealthy-zone-threshold (55 %)
        of the zone, else Normal."""
        counts: dict[str, list[int]] = {}
        for node in self._store.list("Node"):
            total_bad = counts.setdefault(node.zone, [0, 0])
            total_bad[0] += 1
            if node.ready != "True":
                total_bad[1] += 1
        return {
            zone: compute_zone_state(total - bad, bad, self._defaults.unhealthy_zone_threshold)
            for zone, (total, bad) in counts.items()
        }

    def zone_rates(self) -> dict[str, float]:
        """Current NoExecute tainting rate (nodes/s) per zone, from each zone's health."""
        states = self.zone_states()
        sizes: dict[str, int] = {}
        for node in self._store.list("Node"):
            sizes[node.zone] = sizes.get(node.zone, 0) + 1
        all_full = bool(states) and all(s == FULL_DISRUPTION for s in states.values())
        return {
            zone: 0.0 if all_full else zone_eviction_rate(state, sizes[zone], self._defaults)
            for zone, state in states.items()
        }

    def _schedule_refresh(self, when: float) -> None:
        """``handleDisruption`` runs once at the end of a monitor pass, after every node of the pass."""
        if not self._refresh_pending:
            self._refresh_pending = True
            self._engine.call_at(when, self._refresh_zones)

    def _refresh_zones(self) -> None:
        self._refresh_pending = False
        now = self._engine.now
        rates = self.zone_rates()
        for zone_name in rates:
            self._zone(zone_name)
        all_full = self._all_zones_full()
        if all_full and not self._all_fully_disrupted:
            # Entering "master disruption mode": every node is made reachable again (NoExecute condition taints
            # removed, so pending taint-based evictions are cancelled) and all evictions stop
            # (pkg/controller/nodelifecycle/node_lifecycle_controller.go handleDisruption, markNodeAsReachable).
            # Each later pass queues the still-unready nodes again (markNodeForTainting), to be tainted once the
            # limiters run again.
            for node in list(self._store.list("Node")):
                kept = tuple(
                    t for t in node.taints if not (t.key in _CONDITION_TAINTS and t.effect == "NoExecute")
                )
                if kept != node.taints:
                    node.taints = kept
                    self._store.update(node)
                if node.ready != "True":
                    zone = self._zone(node.zone)
                    if node.name not in zone.queue:
                        zone.queue.append(node.name)
        self._all_fully_disrupted = all_full
        for zone_name, zone in self._zones.items():
            zone.swap_rate(rates.get(zone_name, zone.rate), now)
            if zone.timer is not None:
                zone.timer.cancel()
                zone.timer = None
            if zone.queue and zone.rate > 0:
                zone.timer = self._engine.call_at(max(now, zone.next_token), self._taint_next, zone_name)

    def _all_zones_full(self) -> bool:
        states = self.zone_states()
        return bool(states) and all(s == FULL_DISRUPTION for s in states.values())

    def _taint_next(self, zone_name: str) -> None:
        """``doNoExecuteTaintingPass``: every item taken from the queue costs a token (``TryAccept`` comes
        before the item is looked at), including a node found Ready again or deleted meanwhile."""
        zone = self._zones[zone_name]
        zone.timer = None
        now = self._engine.now
        if not zone.queue or zone.rate <= 0:
            return
        if zone.next_token > now + 1e-9:
            zone.timer = self._engine.call_at(zone.next_token, self._taint_next, zone_name)
            return
        name = zone.queue.popleft()
        zone.next_token = now + 1.0 / zone.rate
        node = self._store.get("Node", "", name)
        if node is not None and node.ready != "True":
            key = UNREACHABLE_TAINT if node.ready == "Unknown" else NOT_READY_TAINT
            opposite = NOT_READY_TAINT if key == UNREACHABLE_TAINT else UNREACHABLE_TAINT
            kept = tuple(t for t in node.taints if not (t.key == opposite and t.effect == "NoExecute"))
            if not any(t.key == key and t.effect == "NoExecute" for t in kept):
                kept = (*kept, Taint(key=key, effect="NoExecute", time_added=now))
            if kept != node.taints:
                node.taints = kept
                self._store.update(node)
        if zone.queue:
            zone.timer = self._engine.call_at(zone.next_token, self._taint_next, zone_name)


def _has_unschedulable_taint(node: Node) -> bool:
    return any(t.key == UNSCHEDULABLE_TAINT and t.effect == "NoSchedule" for t in node.taints)


NORMAL = "Normal"
PARTIAL_DISRUPTION = "PartialDisruption"
FULL_DISRUPTION = "FullDisruption"


def compute_zone_state(ready: int, not_ready: int, unhealthy_zone_threshold: float) -> str:
    """``ComputeZoneState`` from the counts of Ready and not-Ready nodes of a zone."""
    if ready == 0 and not_ready > 0:
        return FULL_DISRUPTION
    if not_ready > 2 and not_ready / (ready + not_ready) >= unhealthy_zone_threshold:
        return PARTIAL_DISRUPTION
    return NORMAL


def zone_eviction_rate(state: str, zone_size: int, defaults: KubeDefaults) -> float:
    """``setLimiterInZone`` (when not every zone is fully disrupted): the primary rate for Normal and, as
    ``HealthyQPSFunc``, for FullDisruption; ``ReducedQPSFunc`` for PartialDisruption (the secondary rate in a
    zone larger than large-cluster-size-threshold, else 0)."""
    if state == PARTIAL_DISRUPTION:
        large = zone_size > defaults.large_cluster_size_threshold
        return defaults.secondary_node_eviction_rate if large else 0.0
    return defaults.node_eviction_rate
