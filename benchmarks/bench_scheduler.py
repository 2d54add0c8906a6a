"""Scheduler throughput: schedule N plain pods (requests only) onto 1,000 and 10,000 nodes.

Drives ``Scheduler`` directly with a Store and an Engine (no controllers): pods are added to the store, the engine
runs the scheduling cycles, and the time per pod covers the cycle, the binding write and the events.

    python benchmarks/bench_scheduler.py [--pods N]
"""

from __future__ import annotations

import argparse
import time

from models.node import Node
from models.pod import Container, Pod, PodSpec
from simulator.defaults import defaults_for
from simulator.engine import Engine
from simulator.scheduler import Scheduler
from simulator.store import Store

GI = 1024**3


def run(num_nodes: int, num_pods: int, seed: int = 1) -> tuple[float, int]:
    """Pods per second (wall clock) and how many were bound."""
    engine = Engine(seed)
    store = Store(engine)
    zones = ("a", "b", "c")
    for i in range(num_nodes):
        store.add(
            Node(
                name=f"node-{i}",
                labels={"topology.kubernetes.io/zone": zones[i % 3], "kubernetes.io/hostname": f"node-{i}"},
                allocatable={"cpu": 64_000, "memory": 256 * GI, "pods": 110, "ephemeral-storage": 100 * GI},
            )
        )
    scheduler = Scheduler(engine, store, defaults_for())
    shapes = [
        PodSpec(containers=(Container("app", requests={"cpu": cpu, "memory": mem * GI}),))
        for cpu, mem in ((100, 1), (250, 1), (500, 2), (1000, 4))
    ]
    pods = [Pod(name=f"pod-{i}", namespace="default", spec=shapes[i % len(shapes)]) for i in range(num_pods)]
    t0 = time.perf_counter()
    for pod in pods:
        store.add(pod)
    engine.run()
    elapsed = time.perf_counter() - t0
    return num_pods / elapsed, scheduler.scheduled


def cycle_cost(num_nodes: int, num_pods: int) -> float:
    """Microseconds per scheduling cycle alone (Profile.schedule, no store writes)."""
    engine = Engine(1)
    store = Store(engine)
    for i in range(num_nodes):
        store.add(Node(name=f"node-{i}", allocatable={"cpu": 64_000, "memory": 256 * GI, "pods": 110}))
    scheduler = Scheduler(engine, store, defaults_for())
    profile = scheduler.profiles["default-scheduler"]
    spec = PodSpec(containers=(Container("app", requests={"cpu": 250, "memory": GI}),))
    pods = [Pod(name=f"p{i}", namespace="default", spec=spec, uid=f"u{i}") for i in range(num_pods)]
    t0 = time.perf_counter()
    for pod in pods:
        res = profile.schedule(pod, scheduler.table, scheduler.rng, scheduler.cursor)
        assert res.node is not None
        scheduler.table.add_pod(pod, res.node)
    return (time.perf_counter() - t0) / num_pods * 1e6


def main(argv: list[str] | None = None) -> int:
    """Print scheduling throughput at each node count (``--nodes``, default 1,000 and 10,000)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--nodes", type=int, action="append", help="node counts (repeatable)")
    args = parser.parse_args(argv)
    for nodes in args.nodes or (1_000, 10_000):
        rate, bound = run(nodes, args.pods)
        us = cycle_cost(nodes, min(args.pods, 20_000))
        print(
            f"{nodes:>6} nodes: {rate:>9,.0f} pods/s end to end ({bound} bound); {us:6.1f} us per cycle alone"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
