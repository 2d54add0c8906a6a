"""Faults: injected on the timeline (zone outages, partitions, stopped kubelets, crash loops) or drawn at random
from a Scenario's ``spec.failures`` (node and zone failure/repair processes, container crash rates).

A fault only ever acts on the node's kubelet (``stop``/``start``, ``disconnect``/``reconnect``) or on its
containers; the control plane finds out the way Kubernetes' does, through the lease and the pods' status, so
detection, taints, eviction and replacement all come from the controllers and are not scripted here.

Randomness: every stochastic process draws from its own named stream, so that adding one process (or one node to
a pool) never shifts the numbers another draws:

* ``faults/pool/<pool>/<node>``: the times to failure and to repair of one node under the pool's first
  ``spec.failures`` entry (``faults/pool/<pool>#<k>/<node>`` for its k-th further entry, k = 1, 2, ...);
* ``faults/zone/<zone>`` (``#<k>`` likewise): a zone's outages;
* ``faults/workload/<Kind>/<namespace>/<name>``: the run times before a workload's containers crash.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence

from models.kubesim import ContainerCrashes, FailureProcess, Lifetime, NodeFailures, Scenario
from models.meta import KObject
from models.node import Node
from models.pod import Pod
from simulator.controllers.kubelet import Kubelet
from simulator.engine import Engine, Handle
from simulator.metrics.collector import MetricsCollector
from simulator.store import ADDED, DELETED, Store

__all__ = ["FaultInjector", "WorkloadKey", "sample_lifetime"]

WorkloadKey = tuple[str, str, str]  # (kind, namespace, name)


def sample_lifetime(lifetime: Lifetime, rng: random.Random) -> float:
    """One draw of ``lifetime`` (seconds): exponential or Weibull with the given mean, or exactly the mean."""
    if lifetime.distribution == "fixed":
        return lifetime.mean
    if lifetime.distribution == "weibull":
        shape = lifetime.shape if lifetime.shape is not None else 1.0
        # E[Weibull(scale, k)] = scale * Gamma(1 + 1/k): choose the scale that gives the requested mean.
        return rng.weibullvariate(lifetime.mean / math.gamma(1.0 + 1.0 / shape), shape)
    return rng.expovariate(1.0 / lifetime.mean)


def _seconds(value: float) -> str:
    return f"{value:.0f}s" if value >= 1 else f"{value:.3g}s"


class _NodeProcess:
    """One node's alternating up/down renewal process under one ``spec.failures`` entry."""

    __slots__ = ("failed", "node", "rng", "spec", "timer")

    def __init__(self, spec: NodeFailures, node: str, rng: random.Random) -> None:
        self.spec = spec
        self.node = node
        self.rng = rng
        self.timer: Handle | None = None
        self.failed: list[str] = []  # the nodes this process took down and has to bring back


class FaultInjector:
    """Injects faults into a running simulation and keeps the Scenario's failure processes going.

    Args:
        engine, store, kubelet, metrics: the simulation's parts (faults act through the kubelet and report to
            the metrics collector's faults list).
        scenario: the Scenario whose ``spec.failures`` processes to run (``None``: none).
        problems: where to note entries that cannot apply (e.g. a pool that does not exist).
    """

    def __init__(
        self,
        engine: Engine,
        store: Store,
        kubelet: Kubelet,
        metrics: MetricsCollector,
        scenario: Scenario | None = None,
        problems: list[str] | None = None,
    ) -> None:
        self._engine = engine
        self._store = store
        self._kubelet = kubelet
        self._metrics = metrics
        self._scenario = scenario
        self._problems = problems if problems is not None else []
        self._crash_loops: dict[WorkloadKey, float] = {}  # workload -> end of its crash loop
        self._crash_rates: dict[WorkloadKey, tuple[float, random.Random]] = {}
        self._pool_specs: dict[str, list[tuple[NodeFailures, str]]] = {}  # pool -> (entry, stream prefix)
        self._node_processes: dict[str, list[_NodeProcess]] = {}
        failures: Sequence[FailureProcess] = scenario.failures if scenario is not None else ()
        seen: dict[str, int] = {}
        for spec in failures:
            if isinstance(spec, ContainerCrashes):
                kind, _, name = spec.target.partition("/")
                key = (kind, spec.namespace, name)
                self._crash_rates[key] = (
                    spec.crash_mtbf,
                    engine.rng(f"faults/workload/{kind}/{key[1]}/{name}"),
                )
                continue
            scope = f"pool/{spec.pool}" if spec.pool else f"zone/{spec.zone}"
            nth = seen.get(scope, 0)
            seen[scope] = nth + 1
            stream = f"faults/{scope}" + (f"#{nth}" if nth else "")
            if spec.pool:
                self._pool_specs.setdefault(spec.pool, []).append((spec, stream))
            else:
                process = _NodeProcess(spec, "", engine.rng(stream))
                engine.call_soon(self._start_zone_process, process)
        if self._crash_rates:
            kubelet.pod_faults = self
        if self._pool_specs:
            store.watch("Node", self._on_node)
            engine.call_soon(self._check_pools)

    # -- timeline faults ----------------------------------------------------------------------------------------
    def zone_nodes(self, zone: str) -> list[Node]:
        """The nodes labelled ``topology.kubernetes.io/zone=<zone>``, in creation order."""
        return [node for node in self._store.list("Node") if node.zone == zone]

    def zone_outage(self, zone: str, duration: float | None = None, type_: str = "zoneOutage") -> list[str]:
        """Every node of ``zone`` crashes now (and recovers after ``duration``); returns the nodes it took down."""
        names = [node.name for node in self.zone_nodes(zone) if self._kubelet.is_up(node.name)]
        self._metrics.fault(type_, zone, nodes=names)
        for name in names:
            self._kubelet.stop(name)
        if duration is not None:
            self._engine.call_later(duration, self._end_zone_outage, zone, names)
        return names

    def recover_zone(self, zone: str) -> None:
        """Every crashed node of ``zone`` comes back."""
        self._end_zone_outage(zone, [n.name for n in self.zone_nodes(zone)])

    def _end_zone_outage(self, zone: str, names: Iterable[str]) -> None:
        for name in names:
            if self._store.get("Node", "", name) is not None:
                self._kubelet.start(name)
        self._metrics.end_fault(zone)

    def partition(self, node: str, duration: float | None = None, type_: str = "partitionNode") -> None:
        """The control plane loses ``node`` (its lease stops renewing) while its containers keep running; after
        ``duration`` the partition heals."""
        self._metrics.fault(type_, node)
        self._kubelet.disconnect(node)
        if duration is not None:
            self._engine.call_later(duration, self.heal_partition, node)

    def heal_partition(self, node: str) -> None:
        """``node`` is heard again: Ready, and pods deleted meanwhile are stopped and removed by its kubelet."""
        if self._store.get("Node", "", node) is not None:
            self._kubelet.reconnect(node)
        self._metrics.end_fault(node)

    def crash_loop(self, workload: KObject, duration: float) -> None:
        """The workload's containers crash right after starting (running ones crash now) until ``duration``
        has passed; the kubelet restarts them with CrashLoopBackOff, and afterwards they run normally again."""
        key = (workload.KIND, workload.namespace, workload.name)
        until = self._engine.now + duration
        self._crash_loops[key] = max(until, self._crash_loops.get(key, until))
        self._kubelet.pod_faults = self
        self._metrics.fault("crashLoop", f"{key[0]}/{key[2]}", nodes=(), workloads=[key])
        for pod in self._pods_of(workload):
            self._kubelet.crash_container(pod)
        self._engine.call_at(until, self._end_crash_loop, key)

    def _end_crash_loop(self, key: WorkloadKey) -> None:
        until = self._crash_loops.get(key)
        if until is None or until > self._engine.now:
            return  # a later crash loop on the same workload is still on
        del self._crash_loops[key]
        self._metrics.end_fault(f"{key[0]}/{key[2]}")

    def _pods_of(self, workload: KObject) -> list[Pod]:
        owners = [workload]
        if workload.KIND == "Deployment":
            owners = [rs for rs in self._store.dependents(workload) if rs.KIND == "ReplicaSet"]
        return [pod for owner in owners for pod in self._store.pods_owned_by(owner.uid)]

    # -- what the kubelet asks (PodFaults) ----------------------------------------------------------------------
    def _owners(self, pod: Pod) -> list[WorkloadKey]:
        ref = pod.controller_ref
        if ref is None:
            return []
        keys = [(ref.kind, pod.namespace, ref.name)]
        if ref.kind == "ReplicaSet":
            rs = self._store.get("ReplicaSet", pod.namespace, ref.name)
            top = rs.controller_ref if rs is not None else None
            if top is not None:
                keys.append((top.kind, pod.namespace, top.name))
        return keys

    def crash_looping(self, pod: Pod) -> bool:
        """Whether an injected crash loop holds the pod's workload now."""
        if not self._crash_loops:
            return False
        now = self._engine.now
        return any(self._crash_loops.get(key, -1.0) > now for key in self._owners(pod))

    def crash_after(self, pod: Pod) -> float | None:
        """Seconds until the just-started container crashes under its workload's ``crashMtbf``, if it has one."""
        if not self._crash_rates:
            return None
        for key in self._owners(pod):
            rate = self._crash_rates.get(key)
            if rate is not None:
                return rate[1].expovariate(1.0 / rate[0])
        return None

    # -- stochastic node failures -------------------------------------------------------------------------------
    def _check_pools(self) -> None:
        for pool in self._pool_specs:
            if self._store.get("NodePool", "", pool) is None and not any(
                n.pool == pool for n in self._store.list("Node")
            ):
                self._problem(f"spec.failures: NodePool {pool} does not exist; its failures never happen")

    def _problem(self, message: str) -> None:
        self._problems.append(message)
        if self._scenario is not None:
            self._store.event(self._scenario, "FailuresIgnored", message, "Warning")

    def _on_node(self, change: str, node: Node) -> None:
        if change == ADDED:
            specs = self._pool_specs.get(node.pool)
            if specs and node.name not in self._node_processes:
                processes = [
                    _NodeProcess(spec, node.name, self._engine.rng(f"{stream}/{node.name}"))
                    for spec, stream in specs
                ]
                self._node_processes[node.name] = processes
                for process in processes:
                    self._schedule_failure(process)
        elif change == DELETED:
            for process in self._node_processes.pop(node.name, []):
                if process.timer is not None:
                    process.timer.cancel()

    def _schedule_failure(self, process: _NodeProcess) -> None:
        delay = sample_lifetime(process.spec.time_to_failure, process.rng)
        if process.node:
            process.timer = self._engine.call_later(delay, self._node_fails, process)
        else:
            process.timer = self._engine.call_later(delay, self._zone_fails, process)

    def _healthy(self, name: str) -> bool:
        return self._kubelet.is_up(name) and self._kubelet.is_connected(name)

    def _take_down(self, process: _NodeProcess, names: list[str]) -> None:
        for name in names:
            if process.spec.mode == "partition":
                self._kubelet.disconnect(name)
            else:
                self._kubelet.stop(name)
        process.failed = names

    def _bring_back(self, process: _NodeProcess) -> None:
        for name in process.failed:
            if self._store.get("Node", "", name) is None:
                continue
            if process.spec.mode == "partition":
                self._kubelet.reconnect(name)
            else:
                self._kubelet.start(name)
        process.failed = []

    def _node_fails(self, process: _NodeProcess) -> None:
        process.timer = None
        node = self._store.get("Node", "", process.node)
        if node is None:
            return
        if not self._healthy(node.name):
            # Already down for another reason: this failure changes nothing; the clock starts again.
            self._schedule_failure(process)
            return
        spec = process.spec
        partition = spec.mode == "partition"
        self._metrics.fault("nodePartition" if partition else "nodeFailure", node.name)
        repair = spec.time_to_repair
        ttr = sample_lifetime(repair, process.rng) if repair is not None else None
        self._store.event(
            node,
            "NodePartitioned" if partition else "NodeFailure",
            f"spec.failures[{spec.index}]: node {node.name} "
            + ("cut off from the control plane" if partition else "crashed")
            + (f"; repair in {_seconds(ttr)}" if ttr is not None else "; no repair"),
            "Warning",
        )
        self._take_down(process, [node.name])
        if ttr is not None:
            process.timer = self._engine.call_later(ttr, self._node_repaired, process, ttr)

    def _node_repaired(self, process: _NodeProcess, ttr: float) -> None:
        process.timer = None
        node = self._store.get("Node", "", process.node)
        if node is None:
            return
        partition = process.spec.mode == "partition"
        self._store.event(
            node,
            "PartitionHealed" if partition else "NodeRepaired",
            f"spec.failures[{process.spec.index}]: node {node.name} "
            + ("reachable again" if partition else "repaired")
            + f" after {_seconds(ttr)}",
        )
        self._bring_back(process)
        self._metrics.end_fault(node.name)
        self._schedule_failure(process)

    # -- stochastic zone outages --------------------------------------------------------------------------------
    def _start_zone_process(self, process: _NodeProcess) -> None:
        if not self.zone_nodes(process.spec.zone):
            self._problem(f"spec.failures[{process.spec.index}]: no node is in zone {process.spec.zone}")
        self._schedule_failure(process)

    def _zone_fails(self, process: _NodeProcess) -> None:
        process.timer = None
        spec = process.spec
        nodes = [n for n in self.zone_nodes(spec.zone) if self._healthy(n.name)]
        repair = spec.time_to_repair
        ttr = sample_lifetime(repair, process.rng) if repair is not None else None
        self._metrics.fault("zoneFailure", spec.zone, nodes=[n.name for n in nodes])
        for node in nodes:
            self._store.event(
                node,
                "ZoneFailure",
                f"spec.failures[{spec.index}]: zone {spec.zone} "
                + ("cut off from the control plane" if spec.mode == "partition" else "down")
                + (f"; repair in {_seconds(ttr)}" if ttr is not None else "; no repair"),
                "Warning",
            )
        self._take_down(process, [n.name for n in nodes])
        if ttr is not None:
            process.timer = self._engine.call_later(ttr, self._zone_repaired, process)

    def _zone_repaired(self, process: _NodeProcess) -> None:
        process.timer = None
        for name in process.failed:
            node = self._store.get("Node", "", name)
            if node is not None:
                self._store.event(
                    node,
                    "ZoneRepaired",
                    f"spec.failures[{process.spec.index}]: zone {process.spec.zone} back",
                )
        self._bring_back(process)
        self._metrics.end_fault(process.spec.zone)
        self._schedule_failure(process)
