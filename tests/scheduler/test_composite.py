"""The composite fast path (``composite.py``): same decisions as the reference path, and its cached state always
equal to a fresh recomputation (nodes filling up, unschedulable/tainted nodes, deletions, wrap-around windows)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.pod import Container, Taint, Toleration
from models.schedconfig import KubeSchedulerConfiguration, SchedulerProfile
from simulator.scheduler.composite import Composite, _Entry, _nth_bit
from simulator.scheduler.framework import Cursor, Profile
from tests.scheduler.conftest import GI, Cluster, make_node, make_pod

ZONES = ("a", "b", "c")
SHAPES = (
    {"cpu": 300, "memory": GI // 4},
    {"cpu": 900, "memory": GI},
    {"cpu": 100},  # memory defaults to 200 MiB for scoring only
    {"memory": GI // 2},
    {},  # best effort: BalancedAllocation is skipped
    {"cpu": 0, "memory": 0},
    {"cpu": 300, "memory": GI // 4, "ephemeral-storage": GI},  # the generic per-slot function
)
TOLERATIONS = ((), (Toleration(key="dedicated", operator="Exists"),), (Toleration(operator="Exists"),))
HARD = Taint("dedicated", "NoSchedule")
ADDED_PREFERRED = {
    "preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 1, "preference": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}
    ]
}
SOFT = Taint("soft", "PreferNoSchedule")

ops_st = st.lists(
    st.one_of(
        st.tuples(st.just("pod"), st.integers(0, len(SHAPES) - 1), st.integers(0, len(TOLERATIONS) - 1)),
        st.tuples(st.just("delete_pod"), st.integers(0, 10_000)),
        st.tuples(st.just("cordon"), st.integers(0, 10_000), st.booleans()),
        st.tuples(st.just("taint"), st.integers(0, 10_000), st.sampled_from(["hard", "soft", "none"])),
        st.tuples(st.just("delete_node"), st.integers(0, 10_000)),
        st.tuples(st.just("add_node"), st.integers(0, 3)),
    ),
    min_size=1,
    max_size=45,
)


def _node(name: str, size: int, zone: str) -> Any:
    cpu, memory, pods = ((2000, 2 * GI, 4), (4000, 4 * GI, 6), (1000, GI, 3), (0, GI, 5))[size]
    return make_node(
        name, cpu=cpu, memory=memory, pods=pods, labels={"topology.kubernetes.io/zone": zone},
        extra={"ephemeral-storage": 4 * GI},
    )  # fmt: skip


def run(
    num_nodes: int, ops: list[tuple[Any, ...]], seed: int, pct: int | None, explain: bool
) -> tuple[Cluster, list[tuple[str, str, str]]]:
    cfg = KubeSchedulerConfiguration(name="c", profiles=(SchedulerProfile(percentage_of_nodes_to_score=pct),))
    c = Cluster(seed=seed, config=cfg, explain=explain)
    for i in range(num_nodes):
        c.add(_node(f"n{i}", i % 4, ZONES[i % 3]))
    _ = c.scheduler
    added = num_nodes
    for j, op in enumerate(ops):
        kind = op[0]
        nodes = c.store.list("Node")
        pods = [p for p in c.store.list("Pod") if p.deletion_timestamp is None]
        if kind == "pod":
            requests = SHAPES[op[1]]
            pod = make_pod(f"p{j}", tolerations=TOLERATIONS[op[2]])
            if requests:
                pod = make_pod(
                    f"p{j}", tolerations=TOLERATIONS[op[2]], containers=(Container("c", requests=requests),)
                )
            c.add(pod)
        elif kind == "delete_pod" and pods:
            c.store.delete(pods[op[1] % len(pods)])
        elif kind == "cordon" and nodes:
            node = nodes[op[1] % len(nodes)]
            node.unschedulable = op[2]
            c.store.update(node)
        elif kind == "taint" and nodes:
            node = nodes[op[1] % len(nodes)]
            node.taints = {"hard": (HARD,), "soft": (SOFT,), "none": ()}[op[2]]
            c.store.update(node)
        elif kind == "delete_node" and nodes:
            c.store.delete(nodes[op[1] % len(nodes)])
        elif kind == "add_node":
            c.add(_node(f"n{added}", op[1], ZONES[added % 3]))
            added += 1
        c.run(until=c.engine.now + 0.5)
    c.run(until=c.engine.now + 30)
    return c, [e for e in c.events if e[1] in ("Scheduled", "FailedScheduling")]


def check_entries(profile: Profile, c: Cluster) -> int:
    """Every composite entry, brought up to date, equals a fresh full recomputation. Returns how many."""
    comp = profile.composite
    assert comp is not None
    table = c.scheduler.table
    table.order  # noqa: B018
    checked = 0
    pods = {id(spec): spec for spec, *_ in comp._specs.values()}
    for spec, entry, _ in list(comp._specs.values()):
        if entry is None or id(spec) not in pods:
            continue
        pod = make_pod("probe")
        pod.spec = spec
        comp.refresh(entry, pod, table)
        fresh = _Entry(entry.refresh, entry.filters, entry.scores, entry.default)
        fresh.arr = entry.arr.copy()
        comp._full(fresh, pod, table)
        assert entry.vals == fresh.vals
        assert entry.arr.tolist() == fresh.vals
        assert entry.feas == fresh.feas
        assert entry.bad == fresh.bad
        checked += 1
    return checked


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    num_nodes=st.sampled_from([3, 20, 100, 130]),
    ops=ops_st,
    seed=st.integers(0, 2**16),
    pct=st.sampled_from([None, 10, 60]),
)
def test_composite_equals_reference(
    num_nodes: int, ops: list[tuple[Any, ...]], seed: int, pct: int | None
) -> None:
    fast, fast_decisions = run(num_nodes, ops, seed, pct, explain=False)
    ref, ref_decisions = run(num_nodes, ops, seed, pct, explain=True)
    assert fast_decisions == ref_decisions
    assert fast.scheduler.cursor.index == ref.scheduler.cursor.index
    check_entries(fast.scheduler.profiles["default-scheduler"], fast)


def test_composite_is_used_and_exact_on_a_filling_cluster() -> None:
    """Many pods on 130 small nodes: windows wrap, nodes fill up (rejected slots inside and around the window)."""
    rng = random.Random(7)
    ops: list[tuple[Any, ...]] = []
    for _ in range(450):
        r = rng.random()
        if r < 0.85:
            ops.append(("pod", rng.randrange(3), 0))
        elif r < 0.92:
            ops.append(("delete_pod", rng.randrange(10_000)))
        elif r < 0.96:
            ops.append(("cordon", rng.randrange(10_000), rng.random() < 0.7))
        else:
            ops.append(("taint", rng.randrange(10_000), rng.choice(["hard", "none"])))
    calls = {"composite": 0, "with_rejected": 0}
    original = Composite.schedule

    def counting(self: Composite, pod: Any, *args: Any) -> int:
        entry = self.entry_for(pod)
        slot = original(self, pod, *args)
        calls["composite"] += slot >= 0
        calls["with_rejected"] += slot >= 0 and entry is not None and bool(entry.bad)
        return slot

    Composite.schedule = counting  # type: ignore[method-assign]
    try:
        fast, fast_decisions = run(130, ops, 3, None, explain=False)
    finally:
        Composite.schedule = original  # type: ignore[method-assign]
    ref, ref_decisions = run(130, ops, 3, None, explain=True)
    assert fast_decisions == ref_decisions
    assert fast.scheduler.cursor.index == ref.scheduler.cursor.index
    assert calls["composite"] > 250
    assert calls["with_rejected"] > 100  # decided with some nodes full, cordoned or tainted
    assert check_entries(fast.scheduler.profiles["default-scheduler"], fast) >= 3


def test_composite_not_built_for_non_default_args() -> None:
    for cfg in (
        SchedulerProfile(plugin_config={"NodeResourcesFit": {"scoringStrategy": {"type": "MostAllocated"}}}),
        SchedulerProfile(plugin_config={"NodeAffinity": {"addedAffinity": ADDED_PREFERRED}}),
    ):
        c = Cluster(config=KubeSchedulerConfiguration(name="c", profiles=(cfg,)))
        assert c.scheduler.profiles["default-scheduler"].composite is None
    c = Cluster()
    assert c.scheduler.profiles["default-scheduler"].composite is not None


def test_composite_skips_pods_it_does_not_model() -> None:
    c = Cluster()
    c.add(make_node("n0"))
    comp = c.scheduler.profiles["default-scheduler"].composite
    assert comp is not None
    assert comp.entry_for(make_pod("a", {"cpu": 100}, node_selector={"x": "y"})) is None
    assert comp.entry_for(make_pod("b", {"cpu": 100, "example.com/gpu": 1})) is None
    assert comp.entry_for(make_pod("c", {"cpu": 100}, node_name="n0")) is None
    assert comp.entry_for(make_pod("d", {"cpu": 100})) is not None


@given(bits=st.lists(st.booleans(), min_size=1, max_size=600))
def test_nth_bit(bits: list[bool]) -> None:
    m = sum(1 << i for i, b in enumerate(bits) if b)
    positions = [i for i, b in enumerate(bits) if b]
    for r, pos in enumerate(positions):
        assert _nth_bit(m, r) == pos


def test_full_matches_plugin_vectors_on_random_rows() -> None:
    """The per-slot arithmetic against the plugins' vectorised scores on many random node states."""
    rng = np.random.default_rng(5)
    c = Cluster()
    for i in range(300):
        cpu = int(rng.choice([0, 1000, 3000, 16000]))
        mem = int(rng.choice([0, GI, 3 * GI, 64 * GI]))
        c.add(make_node(f"n{i}", cpu=cpu, memory=mem, pods=int(rng.integers(1, 12))))
    c.run(until=1)
    for j in range(600):
        req = {"cpu": int(rng.choice([0, 50, 250, 1500])), "memory": int(rng.choice([0, GI // 8, GI]))}
        c.add(make_pod(f"p{j}", req))
        if j % 3 == 0:
            c.run(until=c.engine.now + 0.1)
    c.run(until=c.engine.now + 1)
    assert check_entries(c.scheduler.profiles["default-scheduler"], c) >= 1


@settings(max_examples=25, deadline=None)
@given(
    num_nodes=st.sampled_from([1, 7, 100, 157, 260]),
    fill=st.floats(0.0, 1.2),
    cordoned=st.integers(0, 30),
    seed=st.integers(0, 2**16),
    pct=st.sampled_from([None, 5, 50, 100]),
)
def test_composite_equals_general_fast_path_at_every_start(
    num_nodes: int, fill: float, cordoned: int, seed: int, pct: int | None
) -> None:
    """Same table, every start index: the composite's choice, ``processed`` and rng use equal the general path's."""
    rng = random.Random(seed)
    cfg = KubeSchedulerConfiguration(name="c", profiles=(SchedulerProfile(percentage_of_nodes_to_score=pct),))
    c = Cluster(seed=seed, config=cfg)
    for i in range(num_nodes):
        c.add(_node(f"n{i}", rng.randrange(3), ZONES[i % 3]))
    sched = c.scheduler
    table = sched.table
    nodes = c.store.list("Node")
    for node in rng.sample(nodes, min(cordoned, len(nodes))):
        if rng.random() < 0.5:
            node.unschedulable = True
        else:
            node.taints = (HARD,)
        c.store.update(node)
    pods = [make_pod(f"q{j}", SHAPES[j % 3]) for j in range(int(fill * 5 * num_nodes))]
    for j, pod in enumerate(pods):  # load the nodes directly (some beyond their pod count: rejected)
        pod.uid = f"uid-{j}"
        table.add_pod(pod, nodes[rng.randrange(len(nodes))].name)
    profile = sched.profiles["default-scheduler"]
    comp = profile.composite
    assert comp is not None
    n = len(table)
    for shape in range(len(SHAPES)):
        for tols in TOLERATIONS[:2]:
            pod = make_pod("probe", tolerations=tols, containers=(Container("c", requests=SHAPES[shape]),))
            for start in range(n) if n < 40 else rng.sample(range(n), 40):
                a_cursor, b_cursor = Cursor(start), Cursor(start)
                a_rng, b_rng = random.Random(start), random.Random(start)
                slot = comp.schedule(pod, table, a_rng, a_cursor)
                res = profile._schedule_fast(pod, table, b_rng, b_cursor)
                if slot < 0:
                    assert res.node is None
                    assert b_cursor.index == start
                    continue
                node = table.nodes[slot]
                assert node is not None
                assert node.name == res.node
                assert a_cursor.index == b_cursor.index
                assert (comp.found, comp.processed) == (res.feasible, res.evaluated)
                assert a_rng.getstate() == b_rng.getstate()
