"""The composite's topology path (PodTopologySpread and InterPodAffinity): same decisions as the reference path on
clusters large enough for percentageOfNodesToScore to sample, with churn (deletions, terminating pods, relabelled
pods and nodes, cordons, taints, nodes coming and going), and its pod counts always equal a fresh recount."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.meta import LabelSelector, LabelSelectorRequirement
from models.pod import (
    Affinity,
    Container,
    PodAffinity,
    PodAffinityTerm,
    Taint,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from models.schedconfig import KubeSchedulerConfiguration, SchedulerProfile
from simulator.scheduler.composite import Composite
from simulator.scheduler.framework import Cursor
from simulator.scheduler.plugins.inter_pod_affinity import existing_pod_terms
from simulator.scheduler.podcounts import PodCounts, selector_key
from tests.scheduler.conftest import GI, Cluster, make_node, make_pod

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
APPS = ("web", "db", "cache")
SHAPES = ({"cpu": 300, "memory": GI // 4}, {"cpu": 900, "memory": GI}, {"cpu": 100}, {})

#: pod kinds: (spread constraints, pod affinity, pod anti-affinity)
KINDS = (
    "plain",
    "zone-soft+anti-host",  # the benchmark's workload B (ScheduleAnyway)
    "zone-hard+anti-host",  # the benchmark's workload B (DoNotSchedule)
    "zone-hard-skew2-min4",
    "host-soft",
    "zone+host-soft",
    "anti-zone",
    "aff-host",
    "aff-req-zone",  # existing pods carrying a required affinity term (hardPodAffinityWeight)
    "zone-soft-labelkeys",
    "anti-expr",  # a selector without matchLabels
    "anti-other-ns",  # a term naming another namespace
)


def _sel(app: str) -> LabelSelector:
    return LabelSelector({"app": app})


def pod_for(name: str, app: str, kind: str, shape: int, ns: str = "default") -> Any:
    spread: tuple[TopologySpreadConstraint, ...] = ()
    pa = paa = None
    sel = _sel(app)
    if kind == "zone-soft+anti-host":
        spread = (TopologySpreadConstraint(1, ZONE, "ScheduleAnyway", sel),)
        paa = PodAffinity(preferred=(WeightedPodAffinityTerm(100, PodAffinityTerm(HOST, sel)),))
    elif kind == "zone-hard+anti-host":
        spread = (TopologySpreadConstraint(1, ZONE, "DoNotSchedule", sel),)
        paa = PodAffinity(preferred=(WeightedPodAffinityTerm(100, PodAffinityTerm(HOST, sel)),))
    elif kind == "zone-hard-skew2-min4":
        spread = (TopologySpreadConstraint(2, ZONE, "DoNotSchedule", sel, min_domains=4),)
    elif kind == "host-soft":
        spread = (TopologySpreadConstraint(1, HOST, "ScheduleAnyway", sel),)
    elif kind == "zone+host-soft":
        spread = (
            TopologySpreadConstraint(2, ZONE, "ScheduleAnyway", sel),
            TopologySpreadConstraint(1, HOST, "ScheduleAnyway", sel),
            TopologySpreadConstraint(3, ZONE, "DoNotSchedule", sel),
        )
    elif kind == "anti-zone":
        paa = PodAffinity(preferred=(WeightedPodAffinityTerm(30, PodAffinityTerm(ZONE, sel)),))
    elif kind == "aff-host":
        pa = PodAffinity(preferred=(WeightedPodAffinityTerm(40, PodAffinityTerm(HOST, _sel("db"))),))
    elif kind == "aff-req-zone":
        # only existing pods' required terms are modelled by the fast path (as scores); the pod itself goes to the
        # reference path, which is what this checks too
        pa = PodAffinity(required=(PodAffinityTerm(ZONE, _sel("web")),))
    elif kind == "zone-soft-labelkeys":
        spread = (
            TopologySpreadConstraint(
                1, ZONE, "ScheduleAnyway", LabelSelector({}), match_label_keys=("app", "missing")
            ),
        )
    elif kind == "anti-expr":
        expr = LabelSelector(match_expressions=(LabelSelectorRequirement("app", "In", ("web", "db")),))
        paa = PodAffinity(preferred=(WeightedPodAffinityTerm(70, PodAffinityTerm(HOST, expr)),))
    elif kind == "anti-other-ns":
        term = PodAffinityTerm(HOST, sel, namespaces=("other", "default"))
        paa = PodAffinity(preferred=(WeightedPodAffinityTerm(20, term),))
    affinity = Affinity(pod_affinity=pa, pod_anti_affinity=paa) if (pa or paa) else None
    pod = make_pod(
        name,
        containers=(Container("c", requests=SHAPES[shape]),),
        topology_spread_constraints=spread,
        affinity=affinity,
    )
    pod.namespace = ns
    pod.labels = {"app": app}
    return pod


def node_for(i: int, zones: int, rng: random.Random) -> Any:
    labels = {HOST: f"n{i}"}
    if rng.random() < 0.95:  # a few nodes without a zone: ignored by zone spreading, rejected by its Filter
        labels[ZONE] = f"z{i % zones}"
    if rng.random() < 0.03:
        labels[HOST] = "shared"  # two nodes with one hostname value: one domain
    cpu, memory, pods = ((4000, 8 * GI, 12), (2000, 4 * GI, 6), (8000, 16 * GI, 30))[i % 3]
    return make_node(f"n{i}", cpu=cpu, memory=memory, pods=pods, labels=labels)


pod_op_st = st.tuples(
    st.just("pod"),
    st.integers(0, len(APPS) - 1),
    st.integers(0, len(KINDS) - 1),
    st.integers(0, len(SHAPES) - 1),
    st.integers(1, 8),
)
op_st = st.one_of(
    pod_op_st,
    pod_op_st,
    pod_op_st,
    pod_op_st,
    st.tuples(st.just("delete_pod"), st.integers(0, 10_000), st.integers(1, 4)),
    st.tuples(st.just("terminate_pod"), st.integers(0, 10_000)),
    st.tuples(st.just("relabel_pod"), st.integers(0, 10_000), st.integers(0, len(APPS) - 1)),
    st.tuples(st.just("cordon"), st.integers(0, 10_000), st.booleans()),
    st.tuples(st.just("taint"), st.integers(0, 10_000), st.booleans()),
    st.tuples(st.just("rezone"), st.integers(0, 10_000), st.integers(0, 4)),
    st.tuples(st.just("delete_node"), st.integers(0, 10_000)),
    st.tuples(
        st.just("add_node"),
    ),
)


def run(
    num_nodes: int, zones: int, ops: list[tuple[Any, ...]], seed: int, pct: int | None, explain: bool
) -> tuple[Cluster, list[tuple[str, str, str]], int]:
    """Apply ``ops``; returns the cluster, the scheduling decisions and how often the topology path decided."""
    cfg = KubeSchedulerConfiguration(name="c", profiles=(SchedulerProfile(percentage_of_nodes_to_score=pct),))
    c = Cluster(seed=seed, config=cfg, explain=explain)
    rng = random.Random(seed)
    for i in range(num_nodes):
        c.add(node_for(i, zones, rng))
    sched = c.scheduler
    decided = [0]
    comp = sched.profiles["default-scheduler"].composite
    assert comp is not None
    original = comp._schedule_topology

    def counting(*args: Any) -> int:
        slot = original(*args)
        decided[0] += slot >= 0
        return slot

    comp._schedule_topology = counting  # type: ignore[method-assign]
    added = num_nodes
    serial = 0
    for op in ops:
        kind = op[0]
        nodes = c.store.list("Node")
        pods = [p for p in c.store.list("Pod") if p.deletion_timestamp is None]
        if kind == "pod":
            for _ in range(op[4]):
                serial += 1
                ns = "other" if serial % 7 == 0 else "default"
                c.add(pod_for(f"p{serial}", APPS[op[1]], KINDS[op[2]], op[3], ns))
        elif kind == "delete_pod" and pods:
            for j in range(op[2]):
                pod = pods[(op[1] + 31 * j) % len(pods)]
                if pod.store_key:
                    c.store.delete(pod)
        elif kind == "terminate_pod" and pods:
            pod = pods[op[1] % len(pods)]
            pod.deletion_timestamp = c.engine.now  # graceful deletion under way: spreading stops counting it
            c.store.update(pod)
        elif kind == "relabel_pod" and pods:
            pod = pods[op[1] % len(pods)]
            pod.labels = {"app": APPS[op[2]]}
            c.store.update(pod)
        elif kind == "cordon" and nodes:
            node = nodes[op[1] % len(nodes)]
            node.unschedulable = op[2]
            c.store.update(node)
        elif kind == "taint" and nodes:
            node = nodes[op[1] % len(nodes)]
            node.taints = (Taint("dedicated", "NoSchedule"),) if op[2] else ()
            c.store.update(node)
        elif kind == "rezone" and nodes:
            node = nodes[op[1] % len(nodes)]
            labels = dict(node.labels)
            if op[2] == 4:
                labels.pop(ZONE, None)
            else:
                labels[ZONE] = f"z{op[2]}"
            node.labels = labels
            c.store.update(node)
        elif kind == "delete_node" and nodes:
            c.store.delete(nodes[op[1] % len(nodes)])
        elif kind == "add_node":
            c.add(node_for(added, zones, rng))
            added += 1
        c.run(until=c.engine.now + 0.5)
    c.run(until=c.engine.now + 30)
    return c, [e for e in c.events if e[1] in ("Scheduled", "FailedScheduling")], decided[0]


def check_counts(c: Cluster) -> int:
    """Every counter, term group and domain sum of the table's PodCounts equals a fresh recount. Returns how many
    counters were checked."""
    table = c.scheduler.table
    counts: PodCounts = table.counts
    if not counts.active:
        return 0
    table.order  # noqa: B018
    where = {uid: node for uid, (node, _) in table.pod_node.items()}
    checked = 0
    for (_, namespaces, live_only), counter in counts.counters.items():
        want: dict[str, int] = {}
        for ns in namespaces:
            for uid, pod in table.ns_pods.get(ns, {}).items():
                if live_only and pod.deletion_timestamp is not None:
                    continue
                if counter.selector is not None and counter.selector.matches(pod.labels):
                    want[where[uid]] = want.get(where[uid], 0) + 1
        assert counter.by_node == want
        arr = np.zeros(table.capacity, dtype=np.int64)
        for node, count in want.items():
            if node in table.slot_of:
                arr[table.slot_of[node]] = count
        assert counter.array().tolist() == arr.tolist()
        assert counter.counts == arr.tolist()
        checked += 1
    groups: dict[Any, dict[str, int]] = {}
    for node, pods in table.pods_by_node.items():
        for pod in pods.values():
            for kind, weight, term in existing_pod_terms(pod):
                key = (kind, weight, term.key, selector_key(term.selector), term.namespaces,
                       selector_key(term.ns_selector))  # fmt: skip
                bucket = groups.setdefault(key, {})
                bucket[node] = bucket.get(node, 0) + 1
    for key, group in counts.groups.items():
        assert group.counter.by_node == groups.get(key, {})
    for mix in counts._mixes.values():
        want_mix = sum(coef * np.array(counter.counts, dtype=np.int64) for coef, counter in mix.parts)
        assert mix.array().tolist() == want_mix.tolist()
    for index_key in list(counts._indexes):
        fresh = counts.domains(*index_key)
        for counter in counts.iter_counters():
            got = counts.sums(counter, fresh)
            want_sums = np.zeros(fresh.ndom, dtype=np.int64)
            for slot, d in enumerate(fresh.dom.tolist()):
                if d >= 0:
                    want_sums[d] += counter.counts[slot]
            assert got.tolist() == want_sums.tolist()
    return checked


def random_ops(rng: random.Random, count: int, kinds: tuple[int, ...], churn: float) -> list[tuple[Any, ...]]:
    """``count`` operations: pods of the given kinds (indexes into KINDS), and with probability ``churn`` each,
    deletions, graceful deletions, relabelled pods, cordons, taints, zone changes, nodes removed and added."""
    ops: list[tuple[Any, ...]] = []
    for _ in range(count):
        if rng.random() >= churn:
            ops.append(
                (
                    "pod",
                    rng.randrange(len(APPS)),
                    rng.choice(kinds),
                    rng.randrange(len(SHAPES)),
                    rng.randint(1, 4),
                )
            )
            continue
        r = rng.random()
        if r < 0.45:
            ops.append(("delete_pod", rng.randrange(10_000), rng.randint(1, 4)))
        elif r < 0.6:
            ops.append(("terminate_pod", rng.randrange(10_000)))
        elif r < 0.7:
            ops.append(("relabel_pod", rng.randrange(10_000), rng.randrange(len(APPS))))
        elif r < 0.8:
            ops.append(("cordon", rng.randrange(10_000), rng.random() < 0.7))
        elif r < 0.87:
            ops.append(("taint", rng.randrange(10_000), rng.random() < 0.7))
        elif r < 0.94:
            ops.append(("rezone", rng.randrange(10_000), rng.randrange(5)))
        elif r < 0.97:
            ops.append(("delete_node", rng.randrange(10_000)))
        else:
            ops.append(("add_node",))
    return ops


MIXES = (
    (1, 2),  # the benchmark's workload B, both flavours
    (0, 1, 2, 4, 6, 7),
    tuple(range(len(KINDS))),
    (3, 5, 9, 10, 11),
)
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    num_nodes=st.sampled_from([5, 40, 120, 200]),
    zones=st.integers(2, 4),
    seed=st.integers(0, 2**32),
    count=st.integers(10, 80),
    mix=st.sampled_from(MIXES),
    churn=st.sampled_from([0.1, 0.3, 0.5]),
    pct=st.sampled_from([None, 10, 60]),
)
def test_topology_path_equals_reference(
    num_nodes: int, zones: int, seed: int, count: int, mix: tuple[int, ...], churn: float, pct: int | None
) -> None:
    ops = random_ops(random.Random(seed), count, mix, churn)
    fast, fast_decisions, _ = run(num_nodes, zones, ops, seed, pct, explain=False)
    _, ref_decisions, _ = run(num_nodes, zones, ops, seed, pct, explain=True)
    assert fast_decisions == ref_decisions
    check_counts(fast)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    num_nodes=st.sampled_from([3, 20, 120]),
    zones=st.integers(2, 4),
    ops=st.lists(op_st, min_size=5, max_size=30),
    seed=st.integers(0, 2**16),
)
def test_topology_path_equals_reference_on_listed_operations(
    num_nodes: int, zones: int, ops: list[tuple[Any, ...]], seed: int
) -> None:
    """The same property with the operations drawn by Hypothesis (shrinks to a short list on failure)."""
    fast, fast_decisions, _ = run(num_nodes, zones, ops, seed, None, explain=False)
    _, ref_decisions, _ = run(num_nodes, zones, ops, seed, None, explain=True)
    assert fast_decisions == ref_decisions
    check_counts(fast)


def test_topology_path_decides_the_benchmark_workload_exactly() -> None:
    """Many spread + anti-affinity pods of a few apps on 300 nodes with churn: the topology path decides nearly
    every cycle, and every decision is the reference path's."""
    ops = random_ops(random.Random(11), 260, (1, 1, 2, 2, 0, 4, 6, 10), 0.3)
    fast, fast_decisions, decided = run(300, 3, ops, 5, None, explain=False)
    _, ref_decisions, _ = run(300, 3, ops, 5, None, explain=True)
    assert fast_decisions == ref_decisions
    assert decided > 250
    assert check_counts(fast) >= 6


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    num_nodes=st.sampled_from([7, 130, 260]),
    zones=st.integers(2, 5),
    seed=st.integers(0, 2**16),
    pct=st.sampled_from([None, 5, 50]),
)
def test_topology_path_equals_general_fast_path_at_every_start(
    num_nodes: int, zones: int, seed: int, pct: int | None
) -> None:
    """Same table, many start indexes: the chosen node, ``processed``, the cursor and the rng draws equal
    ``Profile._schedule_fast``'s (which runs the plugins' own PreFilter/Filter/PreScore/Score/NormalizeScore)."""
    rng = random.Random(seed)
    cfg = KubeSchedulerConfiguration(name="c", profiles=(SchedulerProfile(percentage_of_nodes_to_score=pct),))
    c = Cluster(seed=seed, config=cfg)
    for i in range(num_nodes):
        c.add(node_for(i, zones, rng))
    sched = c.scheduler
    table = sched.table
    names = [n.name for n in c.store.list("Node")]
    for j in range(
        num_nodes * 2
    ):  # existing pods placed directly (some nodes over their pod count: rejected)
        pod = pod_for(f"e{j}", rng.choice(APPS), rng.choice(KINDS), rng.randrange(3))
        pod.uid = f"uid-{j}"
        if rng.random() < 0.1:
            pod.deletion_timestamp = 1.0
        table.add_pod(pod, rng.choice(names))
    profile = sched.profiles["default-scheduler"]
    comp = profile.composite
    assert isinstance(comp, Composite)
    n = len(table)
    for kind in KINDS:
        for app in APPS[:2]:
            pod = pod_for("probe", app, kind, rng.randrange(len(SHAPES)))
            for start in range(n) if n < 20 else rng.sample(range(n), 12):
                a_cursor, b_cursor = Cursor(start), Cursor(start)
                a_rng, b_rng = random.Random(start), random.Random(start)
                slot = comp.schedule(pod, table, a_rng, a_cursor)
                res = profile._schedule_fast(pod, table, b_rng, b_cursor)
                if slot < 0:
                    continue  # the general path decides (no feasible node, or a kind the fast path leaves out)
                node = table.nodes[slot]
                assert node is not None
                assert node.name == res.node, (kind, app, start)
                assert a_cursor.index == b_cursor.index
                assert (comp.found, comp.processed) == (res.feasible, res.evaluated)
                assert a_rng.getstate() == b_rng.getstate()
    check_counts(c)
