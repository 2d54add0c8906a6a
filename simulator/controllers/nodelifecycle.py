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
  secondary rate 0.01, or 0 when the zone has <= 50 nodes; nothing at all when every zone is fully disrupted.
* When the kubelet reports Ready again the taints go at the next monitor tick.
"""

from __future__ import annotations

import math
from collections import deque

from models.node import Lease, Node
from models.pod import Taint
from simulator.controllers.base import ControllerContext
from simulator.engine import Handle
from simulator.store import DELETED

__all__ = ["NOT_READY_TAINT", "UNREACHABLE_TAINT", "NodeLifecycleController"]

UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
_CONDITION_TAINTS = (UNREACHABLE_TAINT, NOT_READY_TAINT)


class _Zone:
    __slots__ = ("next_token", "queue", "timer")

    def __init__(self) -> None:
        self.queue: deque[str] = deque()
        self.next_token = 0.0
        self.timer: Handle | None = None


class NodeLifecycleController:
    """Watches kubelet leases and node status; owns the Ready=Unknown transition and condition taints."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._store = ctx.store
        self._engine = ctx.engine
        self._defaults = ctx.defaults
        self._detect: dict[str, Handle] = {}
        self._recover: dict[str, Handle] = {}
        self._zones: dict[str, _Zone] = {}
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
            return
        recovered = node.ready == "True" and any(t.key in _CONDITION_TAINTS for t in node.taints)
        if recovered and node.name not in self._recover:
            when = self._next_tick(self._engine.now)
            self._recover[node.name] = self._engine.call_at(when, self._mark_ready, node.name)

    # -- transitions --------------------------------------------------------------------------------------------
    def _declare_unknown(self, name: str) -> None:
        self._detect.pop(name, None)
        node = self._store.get("Node", "", name)
        lease = self._store.get("Lease", "kube-node-lease", name)
        if node is None or lease is None or lease.renewing or node.ready == "Unknown":
            return
        node.ready = "Unknown"
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
        zone = self._zones.setdefault(node.zone, _Zone())
        zone.queue.append(name)
        self._refresh_zones()

    def _mark_ready(self, name: str) -> None:
        self._recover.pop(name, None)
        node = self._store.get("Node", "", name)
        if node is None or node.ready != "True":
            return
        kept = tuple(t for t in node.taints if t.key not in _CONDITION_TAINTS)
        if kept != node.taints:
            node.taints = kept
            self._store.update(node)
            self._store.event(node, "NodeReady", f"Node {name} status is now: NodeReady")
        zone = self._zones.get(node.zone)
        if zone is not None and name in zone.queue:
            zone.queue.remove(name)
        self._refresh_zones()

    # -- rate-limited NoExecute tainting ------------------------------------------------------------------------
    def zone_rates(self) -> dict[str, float]:
        """Current NoExecute tainting rate (nodes/s) per zone, from each zone's health."""
        counts: dict[str, list[int]] = {}
        for node in self._store.list("Node"):
            total_bad = counts.setdefault(node.zone, [0, 0])
            total_bad[0] += 1
            if node.ready != "True":
                total_bad[1] += 1
        d = self._defaults
        states = {}
        for zone, (total, bad) in counts.items():
            if bad and bad == total:
                states[zone] = "FullDisruption"
            elif bad > 2 and bad / total >= d.unhealthy_zone_threshold:
                states[zone] = "PartialDisruption"
            else:
                states[zone] = "Normal"
        all_full = bool(states) and all(s == "FullDisruption" for s in states.values())
        rates = {}
        for zone, state in states.items():
            if all_full:
                rates[zone] = 0.0
            elif state == "PartialDisruption":
                large = counts[zone][0] > d.large_cluster_size_threshold
                rates[zone] = d.secondary_node_eviction_rate if large else 0.0
            else:
                rates[zone] = d.node_eviction_rate
        return rates

    def _refresh_zones(self) -> None:
        rates = self.zone_rates()
        for zone_name, zone in self._zones.items():
            if zone.timer is not None:
                zone.timer.cancel()
                zone.timer = None
            rate = rates.get(zone_name, 0.0)
            if zone.queue and rate > 0:
                when = max(self._engine.now, zone.next_token)
                zone.timer = self._engine.call_at(when, self._taint_next, zone_name, rate)

    def _taint_next(self, zone_name: str, rate: float) -> None:
        zone = self._zones[zone_name]
        zone.timer = None
        while zone.queue:
            name = zone.queue.popleft()
            node = self._store.get("Node", "", name)
            if node is None or node.ready == "True":
                continue
            key = UNREACHABLE_TAINT if node.ready == "Unknown" else NOT_READY_TAINT
            if not any(t.key == key and t.effect == "NoExecute" for t in node.taints):
                node.taints = (*node.taints, Taint(key=key, effect="NoExecute", time_added=self._engine.now))
                self._store.update(node)
            zone.next_token = self._engine.now + 1.0 / rate
            break
        if zone.queue:
            zone.timer = self._engine.call_at(zone.next_token, self._taint_next, zone_name, rate)
