"""The headline metrics of a run (DESIGN.md §6), collected from the store's watch stream.

Time-weighted values (availability, requested fractions) are integrated piecewise: each change closes the
interval since the previous change, so the cost is O(1) per write and nothing is sampled on a timer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from models.meta import KObject
from models.node import Node
from models.pod import Pod
from simulator.metrics.cost import CostMeter
from simulator.store import ADDED, DELETED, Store

__all__ = ["MetricsCollector"]

_TERMINAL = frozenset(("Succeeded", "Failed"))
WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet")
# Workloads with a desired ready count: what fault recovery waits for.
_REPLICATED = frozenset(WORKLOAD_KINDS)


class _Integral:
    """Time integral of a piecewise-constant value."""

    __slots__ = ("area", "since", "start", "value")

    def __init__(self, start: float, value: float) -> None:
        self.start = start
        self.since = start
        self.value = value
        self.area = 0.0

    def set(self, now: float, value: float) -> None:
        self.area += self.value * (now - self.since)
        self.since = now
        self.value = value

    def mean(self, now: float) -> float:
        span = now - self.start
        if span <= 0:
            return self.value
        return (self.area + self.value * (now - self.since)) / span


_requests_memo: dict[int, tuple[object, tuple[int, int]]] = {}


def _pod_requests(pod: Pod) -> tuple[int, int]:
    """(cpu millicores, memory bytes) the pod requests, memoised per (shared, frozen) spec."""
    spec = pod.spec
    hit = _requests_memo.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    result = _compute_requests(pod)
    if len(_requests_memo) >= 1024:
        del _requests_memo[next(iter(_requests_memo))]
    _requests_memo[id(spec)] = (spec, result)
    return result


def _compute_requests(pod: Pod) -> tuple[int, int]:
    spec = pod.spec
    cpu = sum(c.requests.get("cpu", 0) for c in spec.containers)
    mem = sum(c.requests.get("memory", 0) for c in spec.containers)
    for c in spec.init_containers:
        cpu = max(cpu, c.requests.get("cpu", 0))
        mem = max(mem, c.requests.get("memory", 0))
    return cpu + spec.overhead.get("cpu", 0), mem + spec.overhead.get("memory", 0)


class _Shortfall:
    """A workload's recovery record: its lowest ready/desired fraction and the time spent below its desired
    count, both counted from the moment it first reached a desired count above 0 (the start-up at t=0 is not a
    shortfall)."""

    __slots__ = ("below", "below_since", "minimum", "reached")

    def __init__(self) -> None:
        self.reached = False
        self.minimum = 1.0
        self.below = 0.0
        self.below_since: float | None = None

    def observe(self, now: float, ready: int, desired: int) -> None:
        if not self.reached:
            if ready < desired or desired <= 0:  # a DaemonSet's desired count is 0 until it is first synced
                return
            self.reached = True
        if ready < desired:
            self.minimum = min(self.minimum, max(ready, 0) / desired)
            if self.below_since is None:
                self.below_since = now
        elif self.below_since is not None:
            self.below += now - self.below_since
            self.below_since = None

    def seconds_below(self, now: float) -> float | None:
        if not self.reached:
            return None
        return self.below + (now - self.below_since if self.below_since is not None else 0.0)


class _Fault:
    __slots__ = (
        "affected",
        "detected_at",
        "down",
        "ended",
        "evicted_at",
        "node",
        "node_back",
        "nodes",
        "ready_at",
        "scheduled_at",
        "t",
        "type",
    )

    def __init__(self, t: float, type_: str, node: str, affected: set[tuple[str, str, str]]) -> None:
        self.t = t
        self.type = type_
        self.node = node  # the target: a node, a zone or a workload (Kind/name)
        self.nodes: frozenset[str] = frozenset((node,))  # the nodes it hit (none for a workload fault)
        self.affected = affected
        self.detected_at: float | None = None
        self.evicted_at: float | None = None
        self.scheduled_at: float | None = None
        self.ready_at: float | None = None
        self.node_back = False
        self.down: set[str] = set()  # its nodes the control plane currently sees NotReady
        self.ended = False  # the fault itself is over (node repaired, partition healed, crash loop ended)


class MetricsCollector:
    """Watches pods, nodes and workloads; ``summary()`` renders the contract's summary fields."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._engine = store.engine
        self.pods_created = 0
        self.pods_scheduled = 0
        self._latencies: list[float] = []
        self._bound: dict[str, tuple[int, int]] = {}  # pod uid -> counted requests
        self._cpu_req = 0
        self._mem_req = 0
        self._cpu_alloc = 0
        self._mem_alloc = 0
        self._node_alloc: dict[str, tuple[int, int]] = {}
        self._cpu_frac = _Integral(0.0, 0.0)
        self._mem_frac = _Integral(0.0, 0.0)
        self._availability: dict[tuple[str, str, str], _Integral] = {}
        self._shortfall: dict[tuple[str, str, str], _Shortfall] = {}
        self._restart_seen: dict[str, int] = {}  # pod uid -> restart count already counted
        self.restarts = 0
        self.taint_evictions = 0
        self.preemptions = 0
        self._faults: list[_Fault] = []
        self._workload_faults: list[_Fault] = []  # open faults detected through their pods' BackOff
        self.cost = CostMeter(store)
        self._sections: dict[str, Callable[[], Any]] = {}
        store.watch("Pod", self._on_pod)
        store.watch("Node", self._on_node)
        for kind in WORKLOAD_KINDS:
            store.watch(kind, self._on_workload)
        store.watch_events(self._on_event)

    # -- watches ------------------------------------------------------------------------------------------------
    def _on_pod(self, change: str, pod: Pod) -> None:
        if change == ADDED:
            self.pods_created += 1
        uid = pod.uid
        restarts = pod.restart_count
        if restarts:  # only pods that have restarted pay for this
            seen = self._restart_seen.get(uid, 0)
            if restarts > seen:
                self.restarts += restarts - seen
                self._restart_seen[uid] = restarts
            if change == DELETED:
                self._restart_seen.pop(uid, None)
        counted = self._bound.get(uid)
        should_count = change != DELETED and pod.node_name != "" and pod.phase not in _TERMINAL
        if should_count is (counted is not None):
            return  # the common case: nothing this collector counts changed
        if should_count:
            if pod.scheduled_at is not None:
                self.pods_scheduled += 1
                self._latencies.append(pod.scheduled_at - pod.creation_timestamp)
            req = _pod_requests(pod)
            self._bound[uid] = req
            self._add_requests(req[0], req[1])
        elif counted is not None:
            del self._bound[uid]
            self._add_requests(-counted[0], -counted[1])

    def _add_requests(self, cpu: int, mem: int) -> None:
        # _refresh_fractions, inlined: twice per pod lifetime
        self._cpu_req = cpu_req = self._cpu_req + cpu
        self._mem_req = mem_req = self._mem_req + mem
        now = self._engine.now
        self._cpu_frac.set(now, cpu_req / self._cpu_alloc if self._cpu_alloc else 0.0)
        self._mem_frac.set(now, mem_req / self._mem_alloc if self._mem_alloc else 0.0)

    def _refresh_fractions(self) -> None:
        now = self._engine.now
        self._cpu_frac.set(now, self._cpu_req / self._cpu_alloc if self._cpu_alloc else 0.0)
        self._mem_frac.set(now, self._mem_req / self._mem_alloc if self._mem_alloc else 0.0)

    def _on_node(self, change: str, node: Node) -> None:
        old = self._node_alloc.pop(node.name, (0, 0))
        new = (
            (0, 0)
            if change == DELETED
            else (node.allocatable.get("cpu", 0), node.allocatable.get("memory", 0))
        )
        if change != DELETED:
            self._node_alloc[node.name] = new
        if old != new:
            self._cpu_alloc += new[0] - old[0]
            self._mem_alloc += new[1] - old[1]
            self._refresh_fractions()

    def _on_workload(self, change: str, obj: Any) -> None:
        if obj.KIND == "ReplicaSet" and obj.controller_ref is not None:
            return  # counted through its Deployment
        key = (obj.KIND, obj.namespace, obj.name)
        now = self._engine.now
        value = self._ratio(obj)
        integral = self._availability.get(key)
        if integral is None:
            integral = self._availability[key] = _Integral(now, value)
        elif change == DELETED:
            integral.set(now, integral.value)
        else:
            integral.set(now, value)
        if change != DELETED:
            shortfall = self._shortfall.get(key)
            if shortfall is None:
                shortfall = self._shortfall[key] = _Shortfall()
            shortfall.observe(now, int(obj.status.ready_replicas), self._desired(obj))
            self._check_recovery(now)

    @staticmethod
    def _desired(obj: Any) -> int:
        return int(obj.status.replicas if obj.KIND == "DaemonSet" else obj.replicas)

    def _ratio(self, obj: Any) -> float:
        desired = self._desired(obj)
        if desired <= 0:
            return 1.0
        return float(min(obj.status.ready_replicas, desired) / desired)

    # -- faults -------------------------------------------------------------------------------------------------
    def fault(
        self,
        type_: str,
        node_name: str,
        *,
        nodes: Iterable[str] | None = None,
        workloads: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        """Note an injected fault now; its detection, eviction and recovery are then tracked.

        Args:
            type_: what happened (``crashNode``, ``zoneOutage``, ``crashLoop``, ...).
            node_name: the target shown in the summary: a node, a zone or a workload (``Deployment/web``).
            nodes: the nodes the fault hits (default: just ``node_name``; none for a workload fault).
            workloads: workloads (kind, namespace, name) affected besides those with pods on ``nodes``.
        """
        hit = (node_name,) if nodes is None else tuple(nodes)
        affected = set(workloads)
        for name in hit:
            for pod in self._store.pods_on_node(name):
                owner = self.workload_of(pod)
                # Recovery means "back to the desired ready count": only replicated workloads have one (a Job's
                # pods finish; the Job controller's retries are its own story).
                if owner is not None and owner[0] in _REPLICATED:
                    affected.add(owner)
        fault = _Fault(self._engine.now, type_, node_name, affected)
        fault.nodes = frozenset(hit)
        self._faults.append(fault)
        if not hit:
            self._workload_faults.append(fault)

    def end_fault(self, target: str) -> None:
        """The faults on ``target`` (node, zone or workload) are over: repaired, healed or no longer injected."""
        for fault in self._faults:
            if fault.node == target:
                fault.ended = True
        self._workload_faults = [f for f in self._workload_faults if not f.ended]
        self._check_recovery(self._engine.now)

    def workload_of(self, pod: KObject) -> tuple[str, str, str] | None:
        """The top-level workload (kind, namespace, name) that owns ``pod``, following ReplicaSet -> Deployment."""
        ref = pod.controller_ref
        if ref is None:
            return None
        if ref.kind == "ReplicaSet":
            rs = self._store.get("ReplicaSet", pod.namespace, ref.name)
            if rs is not None and rs.controller_ref is not None:
                return (rs.controller_ref.kind, pod.namespace, rs.controller_ref.name)
        return (ref.kind, pod.namespace, ref.name)

    def _on_event(
        self, t: float, event_type: str, involved: KObject, reason: str, message: str, kind: str
    ) -> None:
        if reason == "NodeNotReady" and kind == "Node":
            for fault in self._faults:
                if involved.name in fault.nodes and not fault.ended:
                    fault.down.add(involved.name)
                    if fault.detected_at is None:
                        fault.detected_at = t
        elif reason == "NodeReady" and kind == "Node":
            for fault in self._faults:
                if involved.name in fault.nodes and fault.detected_at is not None:
                    fault.down.discard(involved.name)
                    fault.node_back = not fault.down
            self._check_recovery(t)
        elif reason == "Preempted":
            self.preemptions += 1
        elif reason == "TaintManagerEviction" and isinstance(involved, Pod):
            self.taint_evictions += 1
            for fault in self._faults:
                if (
                    involved.node_name in fault.nodes
                    and fault.evicted_at is None
                    and fault.detected_at is not None
                    and not fault.ended
                ):
                    fault.evicted_at = t
        elif reason == "Scheduled":
            if self._faults and isinstance(involved, Pod):  # every binding: nothing to do without a fault
                self._check_rescheduled(t, involved)
        elif reason == "BackOff" and self._workload_faults and isinstance(involved, Pod):
            owner = self.workload_of(involved)
            for fault in self._workload_faults:
                if fault.detected_at is None and owner in fault.affected:
                    fault.detected_at = t

    def _check_rescheduled(self, now: float, pod: Pod) -> None:
        """A fault's pods are rescheduled once, after the eviction, no affected workload has an unbound pod."""
        waiting = [f for f in self._faults if f.evicted_at is not None and f.scheduled_at is None]
        if not waiting:
            return
        owner = self.workload_of(pod)
        for fault in waiting:
            if owner in fault.affected and not any(self._has_unbound_pod(key) for key in fault.affected):
                fault.scheduled_at = now

    def _has_unbound_pod(self, key: tuple[str, str, str]) -> bool:
        kind, namespace, name = key
        obj = self._store.get(kind, namespace, name)
        if obj is None:
            return False
        owners = [obj]
        if kind == "Deployment":
            owners = [
                rs for rs in self._store.list("ReplicaSet", namespace)
                if rs.controller_ref is not None and rs.controller_ref.uid == obj.uid
            ]  # fmt: skip
        return any(
            not p.node_name and p.is_active for owner in owners for p in self._store.pods_owned_by(owner.uid)
        )

    def _check_recovery(self, now: float) -> None:
        for fault in self._faults:
            if fault.ready_at is not None or fault.detected_at is None:
                continue
            # Recovered: every workload that had a pod on the node is back at its desired ready count, after
            # its pods were evicted or the node itself came back.
            settled = fault.evicted_at is not None or fault.node_back or fault.ended or not fault.affected
            if settled and all(self._workload_ready(key) for key in fault.affected):
                fault.ready_at = now

    def _workload_ready(self, key: tuple[str, str, str]) -> bool:
        obj = self._store.get(key[0], key[1], key[2])
        if obj is None or key[0] not in _REPLICATED:
            return True
        return bool(obj.status.ready_replicas >= self._desired(obj))

    # -- gauges (time series) ------------------------------------------------------------------------------------
    def requested_fractions(self) -> tuple[float, float]:
        """(cpu, memory) requested by bound, non-terminal pods as fractions of the nodes' allocatable, now."""
        cpu = self._cpu_req / self._cpu_alloc if self._cpu_alloc else 0.0
        mem = self._mem_req / self._mem_alloc if self._mem_alloc else 0.0
        return cpu, mem

    def workload_counts(self) -> list[tuple[tuple[str, str, str], int, int]]:
        """((kind, namespace, name), ready, desired) of every top-level workload that exists now."""
        out = []
        for key in sorted(self._availability):
            obj = self._store.get(key[0], key[1], key[2])
            if obj is not None:
                out.append((key, int(obj.status.ready_replicas), self._desired(obj)))
        return out

    # -- summary ------------------------------------------------------------------------------------------------
    def add_section(self, name: str, render: Callable[[], Any]) -> None:
        """Add ``name: render()`` to every summary (e.g. the traffic model's ``services``)."""
        self._sections[name] = render

    def summary(self) -> dict[str, Any]:
        """The metric fields of the run summary (the caller adds seed, duration and timing)."""
        now = self._engine.now
        store = self._store
        lat = np.asarray(self._latencies, dtype=float)

        def pct(q: float) -> float | None:
            return round(float(np.percentile(lat, q)), 6) if lat.size else None

        pending = sum(
            1
            for p in store.list("Pod")
            if not p.node_name and not p.is_terminal and p.deletion_timestamp is None
        )
        workloads = []
        for (kind, ns, name), integral in sorted(self._availability.items()):
            obj = store.get(kind, ns, name)
            if obj is None:
                continue
            shortfall = self._shortfall.get((kind, ns, name))
            reached = shortfall is not None and shortfall.reached
            workloads.append(
                {
                    "kind": kind,
                    "namespace": ns,
                    "name": name,
                    "desired": self._desired(obj),
                    "ready_at_end": int(obj.status.ready_replicas),
                    "availability": round(integral.mean(now), 6),
                    # None until the workload first reaches its desired count
                    "availability_min": round(shortfall.minimum, 6) if shortfall and reached else None,
                    "seconds_below_desired": (
                        round(shortfall.seconds_below(now) or 0.0, 6) if shortfall and reached else None
                    ),
                }
            )
        nodes = store.list("Node")
        result: dict[str, Any] = {
            "pods": {
                "created": self.pods_created,
                "scheduled": self.pods_scheduled,
                "pending_at_end": pending,
            },
            "scheduling_latency_seconds": {
                "p50": pct(50),
                "p90": pct(90),
                "p99": pct(99),
                "max": round(float(lat.max()), 6) if lat.size else None,
            },
            "workloads": workloads,
            "nodes": {
                "count": len(nodes),
                "ready_at_end": sum(1 for n in nodes if n.ready == "True"),
                "cpu_requested_fraction_mean": round(self._cpu_frac.mean(now), 6),
                "memory_requested_fraction_mean": round(self._mem_frac.mean(now), 6),
            },
            "faults": [
                {
                    "t": f.t,
                    "type": f.type,
                    "target": f.node,
                    "detected_at": f.detected_at,
                    "pods_evicted_at": f.evicted_at,
                    "replacements_scheduled_at": f.scheduled_at,
                    "replacements_ready_at": f.ready_at,
                }
                for f in self._faults
            ],
        }
        from simulator.eviction import accepted_evictions  # not at import time: eviction imports controllers

        result["restarts"] = self.restarts
        result["evictions"] = {"taint_manager": self.taint_evictions, "api": accepted_evictions(store)}
        result["preemptions"] = self.preemptions
        result["cost"] = self.cost.summary()
        for name, render in self._sections.items():
            result[name] = render()
        return result
