"""Scheduler benchmark: kube-scheduler's default profile at 10,000 nodes on a churn workload, and a SimPy model.

Run it with ``python -m benchmarks.bench_scheduler`` (``--help`` lists the flags; ``--quick`` is a smoke run).

The churn workload
------------------
``--nodes`` identical nodes (default 10,000: 8 cpu, 32 GiB, 110 pods each) named ``node-<i>`` and spread over
three zones round-robin (``topology.kubernetes.io/zone``, ``kubernetes.io/hostname``). Pods belong to ``--apps``
apps (default 24); an app is one PodSpec shared by its pods (as a ReplicaSet's pods share their template) with
label ``app=<name>`` and one of six request shapes (``bench_cluster``'s, 100m/128Mi to 2 cpu/4Gi; four apps each).

Pods arrive as a Poisson stream over virtual time; each runs for an exponentially distributed time (mean
``--mean-duration``, 600 s) counted from its arrival, and is then deleted. The arrival rate is chosen so that
``--population`` pods (default 5 per node) run at once: about 43 % of the cluster's cpu is requested and, as the
pods are not evenly spread, some nodes have no room for some shapes (50 to 1,000 of them per shape), so the
scheduler has to look past them. The run starts in that steady state instead of filling an empty cluster: the
population is already bound at t=0 (apps drawn uniformly, each app's pods placed zone by zone in turn on random
nodes with room), with exponential remaining lifetimes (memoryless, so the churn is stationary from the first
second). Then ``--pods`` pods arrive (default 50,000: about 10 virtual minutes) while the population's pods
finish and are deleted; the clock stops at the last arrival.

Two workloads use that stream:

* **A**: plain pods (requests only).
* **B**: every pod also carries ``topologySpreadConstraints: [{maxSkew: 1, topologyKey:
  topology.kubernetes.io/zone, whenUnsatisfiable: W, labelSelector: {matchLabels: {app: <its app>}}}]`` and a
  preferred pod anti-affinity ``{weight: 100, podAffinityTerm: {topologyKey: kubernetes.io/hostname,
  labelSelector: {matchLabels: {app: <its app>}}}}``. ``W`` is ``ScheduleAnyway`` (B-soft: PodTopologySpread
  scores) and ``DoNotSchedule`` (B-hard: PodTopologySpread's Filter keeps the zones at the minimum count and it
  does not score); the floor applies to both. B runs ``--pods-b`` arrivals (default half of ``--pods``).

kubesim is driven as in a simulation but without controllers: a Store (counting event-log records without
keeping them, as ``kubesim run`` without ``--events``; ``--keep-log`` keeps them), an Engine and the Scheduler
with the default profile (``defaults_for()``, kube-scheduler 1.35). The timed part is ``engine.run`` over the
arrivals: every pod is added to the store, queued, scheduled (filter and score over the nodes with
percentageOfNodesToScore's adaptive sampling: 500 of 10,000 nodes), bound through the store with its
``Scheduled`` event, and deleted from the store at the end of its lifetime (which the scheduler's cache and queue
see as well). A single chain of engine callbacks walks the trace's arrivals and deletions in time order (rather
than one timer per running pod), so what is timed is the scheduler and the store writes around it. Pod objects
and the trace are built before the clock starts. For B, the scheduler's per-domain pod counts switch on with the
first pod that has spread constraints or pod affinity (here the initial population, before the clock starts);
the counts of each app's selectors are built at their first use, in the timed part. Throughput is arrivals per
wall-clock second; the benchmark also checks that every arrival was bound.

The SimPy model
---------------
``run_simpy`` is a plain SimPy model of kube-scheduler's sampling policy, written the way one would write it in
SimPy: nodes are Python lists (allocatable and requested cpu/memory, pod count); an arrival process puts pods in
a ``simpy.Store``; one scheduler process takes them one at a time and, for each pod, walks the nodes from a
rotating start index, running the resource-fit filter (pod count, cpu, memory) until ``numFeasibleNodesToFind``
feasible nodes are found (``max(5, 50 - nodes/125)`` percent of the nodes, at least 100: 500 at 10,000 nodes),
scores those with NodeResourcesFit's LeastAllocated and NodeResourcesBalancedAllocation (the integer and float
arithmetic of kube-scheduler, in straightforward Python), picks the highest total (ties: reservoir sampling from
a seeded ``random.Random``, as ``selectHost``), advances the start index by the number of nodes examined, binds
(adds the requests to the node) and starts one SimPy process per pod that sleeps for the pod's lifetime and
then frees its requests. The initial population is bound the same way as for kubesim, with the same lifetimes.
It runs workload A's trace (the same nodes, population, arrivals and lifetimes) in the same process, for the
first ``--simpy-pods`` arrivals (default 5,000: the model takes about a millisecond per pod at 10,000 nodes,
and its cost per pod is the same at every point of the stationary stream), and reports arrivals per wall-clock
second. Both sides run with the cyclic garbage collector paused (kubesim's engine pauses it itself; SimPy gets
the same, which only helps SimPy).

The SimPy model leaves out what kubesim does besides choosing a node (the store writes, watch events, Events,
queue) and the plugins whose scores are the same for every node with these pods, so the ratio is conservative.

Output and floors
-----------------
Pods/s for each workload (best of ``--repeat`` runs; the runs of all workloads and of the SimPy model are
interleaved, so a slow spell of the shared VM hits them alike) and the ratio kubesim / SimPy for workload A.
Floors: A ``--floor-a`` (20,000 pods/s), B ``--floor-b`` (5,000 pods/s), ratio ``--floor-ratio`` (3x); ``--floor
F`` multiplies all of them (``--floor 0``: none). The exit status is 1 when a floor is missed.

    python -m benchmarks.bench_scheduler                       # the full run (about three minutes)
    python -m benchmarks.bench_scheduler --quick --floor 0     # smoke run (tests/test_benchmarks_smoke.py)
    python -m benchmarks.bench_scheduler --workloads A --repeat 5 --json
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.meta import LabelSelector
from models.node import Node
from models.pod import (
    Affinity,
    Container,
    Pod,
    PodAffinity,
    PodAffinityTerm,
    PodSpec,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from simulator.defaults import defaults_for
from simulator.engine import Engine
from simulator.eventlog import EventLog
from simulator.scheduler import Scheduler
from simulator.store import Store

try:  # SimPy is a test/benchmark dependency only
    import simpy
except ImportError:  # pragma: no cover - reported at run time
    simpy = None

GI = 2**30
MI = 2**20
NODE_CPU = 8000
NODE_MEMORY = 32 * GI
NODE_PODS = 110
ZONES = ("zone-a", "zone-b", "zone-c")
ZONE_KEY = "topology.kubernetes.io/zone"
HOSTNAME_KEY = "kubernetes.io/hostname"
#: (millicpu, bytes): the request shapes of ``bench_cluster``, from a small web pod to a batch worker
SHAPES = (
    (100, 128 * MI),
    (250, 256 * MI),
    (500, 512 * MI),
    (1000, 1 * GI),
    (2000, 4 * GI),
    (250, 1 * GI),
)
WORKLOADS = {
    "A": None,  # plain pods
    "B-soft": "ScheduleAnyway",
    "B-hard": "DoNotSchedule",
}


# ----------------------------------------------------------------------------------------------------
# the trace (shared by kubesim and the SimPy model)
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """The churn workload: nodes, apps, the initial population and the arrivals (built once, before timing)."""

    nodes: int
    apps: tuple[tuple[str, int, int], ...]  # (name, millicpu, memory bytes)
    #: the steady-state population at t=0: (node index, app index, remaining lifetime)
    population: tuple[tuple[int, int, float], ...]
    #: (arrival time, app index, lifetime)
    arrivals: tuple[tuple[float, int, float], ...]


def make_trace(nodes: int, apps: int, population: int, pods: int, mean_duration: float, seed: int) -> Trace:
    """A reproducible trace: Poisson arrivals at ``population / mean_duration`` per second, exponential lifetimes."""
    rng = random.Random(seed)
    app_list = tuple((f"app-{a}", *SHAPES[a % len(SHAPES)]) for a in range(apps))
    by_zone = [list(range(z, nodes, len(ZONES))) for z in range(len(ZONES))]
    cpu = [0] * nodes
    mem = [0] * nodes
    count = [0] * nodes
    next_zone = [a % len(ZONES) for a in range(apps)]
    placed: list[tuple[int, int, float]] = []
    for _ in range(population):
        a = rng.randrange(apps)
        _, c, m = app_list[a]
        zone = next_zone[a]
        next_zone[a] = (zone + 1) % len(ZONES)
        members = by_zone[zone] or range(nodes)
        for _attempt in range(50):
            i = members[rng.randrange(len(members))]
            if count[i] < NODE_PODS and cpu[i] + c <= NODE_CPU and mem[i] + m <= NODE_MEMORY:
                cpu[i] += c
                mem[i] += m
                count[i] += 1
                placed.append((i, a, rng.expovariate(1.0 / mean_duration)))
                break
    rate = population / mean_duration
    t = 0.0
    arrivals = []
    for _ in range(pods):
        t += rng.expovariate(rate)
        arrivals.append((t, rng.randrange(apps), rng.expovariate(1.0 / mean_duration)))
    return Trace(nodes, app_list, tuple(placed), tuple(arrivals))


@dataclass
class Run:
    """One measured run."""

    pods: int  # arrivals timed
    seconds: float
    bound: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.pods / self.seconds


# ----------------------------------------------------------------------------------------------------
# kubesim
# ----------------------------------------------------------------------------------------------------


def _specs(trace: Trace, when: str | None) -> list[PodSpec]:
    specs = []
    for name, cpu, memory in trace.apps:
        containers = (Container("main", image=f"{name}:v1", requests={"cpu": cpu, "memory": memory}),)
        if when is None:
            specs.append(PodSpec(containers=containers))
            continue
        selector = LabelSelector({"app": name})
        specs.append(
            PodSpec(
                containers=containers,
                topology_spread_constraints=(TopologySpreadConstraint(1, ZONE_KEY, when, selector),),
                affinity=Affinity(
                    pod_anti_affinity=PodAffinity(
                        preferred=(WeightedPodAffinityTerm(100, PodAffinityTerm(HOSTNAME_KEY, selector)),)
                    )
                ),
            )
        )
    return specs


def run_kubesim(trace: Trace, when: str | None, seed: int = 1, keep_log: bool = False) -> Run:
    """Workload A (``when`` None) or B (``when`` the spread constraint's whenUnsatisfiable) on kubesim."""
    gc.collect()
    engine = Engine(seed)
    store = Store(engine, EventLog(keep=keep_log))
    for i in range(trace.nodes):
        name = f"node-{i}"
        store.add(
            Node(
                name=name,
                labels={ZONE_KEY: ZONES[i % len(ZONES)], HOSTNAME_KEY: name},
                allocatable={"cpu": NODE_CPU, "memory": NODE_MEMORY, "pods": NODE_PODS},
            )
        )
    scheduler = Scheduler(engine, store, defaults_for())
    specs = _specs(trace, when)
    apps = trace.apps
    population = [
        Pod(
            name=f"{apps[a][0]}-init-{j}",
            namespace="default",
            labels={"app": apps[a][0]},
            spec=specs[a],
            node_name=f"node-{node}",
            phase="Running",
        )
        for j, (node, a, _) in enumerate(trace.population)
    ]
    for pod in population:
        store.add(pod)
    arrivals = trace.arrivals
    pods = [
        Pod(name=f"{apps[a][0]}-{j}", namespace="default", labels={"app": apps[a][0]}, spec=specs[a])
        for j, (_, a, _) in enumerate(arrivals)
    ]
    # The driver: one chain of callbacks through the trace's events in time order (arrivals, and deletions at the
    # end of each lifetime), so the engine's heap holds the driver's next event and the scheduler's, not one timer
    # per running pod; what the benchmark times is then the scheduler's work and the store writes around it.
    until = arrivals[-1][0]
    events: list[tuple[float, Pod | None, Pod | None]] = [
        (t, pods[j], None) for j, (t, _, _) in enumerate(arrivals)
    ]
    events += [(t + life, None, pods[j]) for j, (t, _, life) in enumerate(arrivals) if t + life <= until]
    events += [
        (life, None, population[j]) for j, (_, _, life) in enumerate(trace.population) if life <= until
    ]
    events.sort(key=lambda e: e[0])
    last = len(events) - 1
    call_at, add, delete = engine.call_at, store.add, store.delete

    def step(i: int) -> None:
        _, new, gone = events[i]
        if new is not None:
            add(new)
        elif gone is not None and gone.store_key:  # not deleted yet
            delete(gone)
        if i < last:
            call_at(events[i + 1][0], step, i + 1)

    call_at(events[0][0], step, 0)
    before = scheduler.scheduled
    started = time.perf_counter()
    engine.run(until=until)
    seconds = time.perf_counter() - started
    bound = sum(1 for p in pods if p.node_name)
    return Run(
        len(pods),
        seconds,
        bound,
        {
            "scheduled": scheduler.scheduled - before,
            "failed_attempts": scheduler.failed,
            "running": len(scheduler.table.pod_node),
        },
    )


# ----------------------------------------------------------------------------------------------------
# the SimPy model
# ----------------------------------------------------------------------------------------------------


def num_feasible_nodes_to_find(num_nodes: int) -> int:
    """kube-scheduler's adaptive percentageOfNodesToScore: ``max(5, 50 - nodes/125)`` percent, at least 100."""
    if num_nodes < 100:
        return num_nodes
    percentage = max(5, 50 - num_nodes // 125)
    return max(num_nodes * percentage // 100, 100)


def run_simpy(trace: Trace, limit: int, seed: int = 1) -> Run:
    """Workload A's first ``limit`` arrivals on the plain SimPy model (see the module docstring)."""
    assert simpy is not None
    gc.collect()
    env = simpy.Environment()
    n = trace.nodes
    alloc_cpu = [NODE_CPU] * n
    alloc_mem = [NODE_MEMORY] * n
    max_pods = [NODE_PODS] * n
    req_cpu = [0] * n
    req_mem = [0] * n
    pod_count = [0] * n
    apps = trace.apps
    to_find = num_feasible_nodes_to_find(n)
    rng = random.Random(seed)
    queue = simpy.Store(env)
    arrivals = trace.arrivals[:limit]
    done = env.event()
    state = {"start": 0, "bound": 0, "unschedulable": 0}

    def lifetime(node: int, cpu: int, memory: int, duration: float) -> Generator[Any, Any, None]:
        yield env.timeout(duration)
        req_cpu[node] -= cpu
        req_mem[node] -= memory
        pod_count[node] -= 1

    def bind(node: int, cpu: int, memory: int, duration: float) -> None:
        req_cpu[node] += cpu
        req_mem[node] += memory
        pod_count[node] += 1
        env.process(lifetime(node, cpu, memory, duration))

    def arrive() -> Generator[Any, Any, None]:
        for t, a, duration in arrivals:
            yield env.timeout(t - env.now)
            yield queue.put((a, duration))

    def select_host(cpu: int, memory: int) -> int:
        """Filter from the rotating start until enough feasible nodes, score them, keep the best (or -1)."""
        start = state["start"]
        best = -1
        best_score = -1
        ties = 0
        feasible = 0
        examined = 0
        for offset in range(n):
            i = (start + offset) % n
            # NodeResourcesFit's Filter
            if (
                pod_count[i] + 1 > max_pods[i]
                or req_cpu[i] + cpu > alloc_cpu[i]
                or req_mem[i] + memory > alloc_mem[i]
            ):
                examined += 1
                continue
            if feasible == to_find:
                break  # the search stops at the first feasible node beyond the wanted count
            examined += 1
            feasible += 1
            # NodeResourcesFit's Score, LeastAllocated over cpu and memory (weights 1)
            c = req_cpu[i] + cpu
            m = req_mem[i] + memory
            least_cpu = 0 if c > alloc_cpu[i] else (alloc_cpu[i] - c) * 100 // alloc_cpu[i]
            least_mem = 0 if m > alloc_mem[i] else (alloc_mem[i] - m) * 100 // alloc_mem[i]
            score = (least_cpu + least_mem) // 2
            # NodeResourcesBalancedAllocation: 1 - the standard deviation of the two fractions (|a - b| / 2)
            f_cpu = min(c / alloc_cpu[i], 1.0)
            f_mem = min(m / alloc_mem[i], 1.0)
            score += int((1 - abs(f_cpu - f_mem) / 2) * 100)
            if score > best_score:
                best, best_score, ties = i, score, 1
            elif score == best_score:
                ties += 1
                if rng.randrange(ties) == 0:
                    best = i
        state["start"] = (start + examined) % n
        return best

    def scheduler() -> Generator[Any, Any, None]:
        while True:
            a, duration = yield queue.get()
            _, cpu, memory = apps[a]
            node = select_host(cpu, memory)
            if node < 0:
                state["unschedulable"] += 1
            else:
                bind(node, cpu, memory, duration)
                state["bound"] += 1
            if state["bound"] + state["unschedulable"] == len(arrivals):
                done.succeed()

    for node, a, life in trace.population:
        _, cpu, memory = apps[a]
        bind(node, cpu, memory, life)
    env.process(arrive())
    env.process(scheduler())
    gc_was_enabled = gc.isenabled()
    gc.disable()  # as kubesim's engine does while it runs (see the module docstring)
    try:
        started = time.perf_counter()
        env.run(until=done)
        seconds = time.perf_counter() - started
    finally:
        if gc_was_enabled:
            gc.enable()
    return Run(len(arrivals), seconds, state["bound"], {"unschedulable": state["unschedulable"]})


# ----------------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_scheduler",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--pods", type=int, default=50_000, help="timed arrivals of workload A")
    parser.add_argument(
        "--pods-b", type=int, default=None, help="timed arrivals of workload B (default pods/2)"
    )
    parser.add_argument(
        "--population", type=int, default=None, help="pods running at once (default 5 per node)"
    )
    parser.add_argument("--apps", type=int, default=24)
    parser.add_argument(
        "--mean-duration", type=float, default=600.0, help="mean pod lifetime, virtual seconds"
    )
    parser.add_argument(
        "--simpy-pods", type=int, default=5_000, help="arrivals the SimPy model runs (0: all)"
    )
    parser.add_argument(
        "--workloads", default="A,B-soft,B-hard", help=f"comma-separated, from {', '.join(WORKLOADS)}"
    )
    parser.add_argument("--no-simpy", action="store_true", help="skip the SimPy model")
    parser.add_argument("--keep-log", action="store_true", help="keep every event-log record in memory")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each result is the best of them")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--floor-a", type=float, default=20_000.0, help="workload A pods/s floor")
    parser.add_argument("--floor-b", type=float, default=5_000.0, help="workload B pods/s floor")
    parser.add_argument("--floor-ratio", type=float, default=3.0, help="workload A kubesim / SimPy floor")
    parser.add_argument("--floor", type=float, default=1.0, help="multiplies every floor (0: no floors)")
    parser.add_argument("--quick", action="store_true", help="300 nodes, 1,000 arrivals, one round")
    parser.add_argument("--json", action="store_true", help="also print one JSON line with every number")
    args = parser.parse_args(argv)
    if args.quick:
        args.nodes, args.pods, args.simpy_pods, args.repeat = 300, 1000, 300, 1
    if args.population is None:
        args.population = 5 * args.nodes
    if args.pods_b is None:
        args.pods_b = max(1, args.pods // 2)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 1 when a floor is missed, 2 on bad arguments."""
    args = parse_args(argv)
    names = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in names if w not in WORKLOADS]
    if unknown or args.nodes < 1 or args.pods < 1 or args.repeat < 1:
        print(f"bad arguments (workloads from {list(WORKLOADS)}; sizes >= 1)", file=sys.stderr)
        return 2
    use_simpy = "A" in names and not args.no_simpy
    if use_simpy and simpy is None:
        print("SimPy is not installed (pip install simpy): no ratio", file=sys.stderr)
        use_simpy = False
    trace_a = make_trace(args.nodes, args.apps, args.population, args.pods, args.mean_duration, args.seed)
    trace_b = make_trace(args.nodes, args.apps, args.population, args.pods_b, args.mean_duration, args.seed)
    simpy_pods = args.simpy_pods if args.simpy_pods > 0 else args.pods
    print(
        f"scheduler churn: {args.nodes:,} nodes, {len(trace_a.population):,} pods running, {args.apps} apps, "
        f"mean lifetime {args.mean_duration:g} s; {args.pods:,} arrivals (B: {args.pods_b:,}); best of "
        f"{args.repeat}; Python {platform.python_version()}, SimPy {getattr(simpy, '__version__', 'n/a')}"
    )
    runs: dict[str, list[Run]] = {name: [] for name in names}
    if use_simpy:
        runs["simpy"] = []
    for _ in range(args.repeat):
        for name in names:
            trace = trace_a if name == "A" else trace_b
            runs[name].append(run_kubesim(trace, WORKLOADS[name], args.seed, args.keep_log))
            if name == "A" and use_simpy:
                runs["simpy"].append(run_simpy(trace_a, simpy_pods, args.seed))
    status = 0
    result: dict[str, Any] = {"nodes": args.nodes, "population": len(trace_a.population), "workloads": {}}
    best: dict[str, float] = {}
    for name, done in runs.items():
        best[name] = max(r.rate for r in done)
        last = done[-1]
        if last.bound != last.pods:
            print(f"error: {name}: {last.pods - last.bound} of {last.pods} arrivals were not bound")
            status = 1
        label = "SimPy model (A)" if name == "simpy" else f"kubesim {name}"
        rates = ", ".join(f"{r.rate:,.0f}" for r in done)
        print(f"  {label:<16} {best[name]:>9,.0f} pods/s  ({last.pods:,} arrivals; runs: {rates})")
        result["workloads"][name] = {"pods_per_s": best[name], "runs": [r.rate for r in done], **last.extra}
    floors = {"A": args.floor_a, "B-soft": args.floor_b, "B-hard": args.floor_b}
    checks = [(f"kubesim {name}", best[name], floors[name] * args.floor, "pods/s") for name in names]
    if use_simpy:
        ratio = best["A"] / best["simpy"]
        result["ratio_a_vs_simpy"] = ratio
        print(f"  ratio kubesim A / SimPy model: {ratio:.1f}x")
        checks.append(("ratio A / SimPy", ratio, args.floor_ratio * args.floor, "x"))
    for label, value, floor, unit in checks:
        if floor <= 0:
            continue
        if value < floor:
            print(f"FAIL: {label} {value:,.1f} {unit} is below the floor {floor:,.1f} {unit}")
            status = 1
        else:
            print(f"OK: {label} {value:,.1f} {unit} >= floor {floor:,.1f} {unit}")
    if args.json:
        print(json.dumps(result, sort_keys=True))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
