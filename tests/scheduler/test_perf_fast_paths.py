"""The scheduler's performance shortcuts equal what they replace: the row states (``rowstates.py``) equal the
plugins' vectors on tables under churn; the window helpers (``_kth_past``, ``_first_set_bits``, ``_pick``,
``_normalized``) equal the bit-by-bit, formula and reference versions; counters of one-label selectors built from
the per-label node counts equal a walk over the pods."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.meta import LabelSelector
from models.pod import Container, Taint, Toleration
from simulator.scheduler import composite as composite_module
from simulator.scheduler import rowstates
from simulator.scheduler.composite import (
    _NEVER,
    Composite,
    _Entry,
    _first_set_bits,
    _kth_from,
    _kth_past,
    _normalized,
    _pick,
    _window_slots,
)
from simulator.scheduler.rowstates import default_column, default_total
from tests.scheduler.conftest import GI, Cluster, make_node, make_pod

# -- the row states -----------------------------------------------------------------------------------------------

_alloc = st.sampled_from([0, 1, 1000, 3000, 8000, 16000])
_mem = st.sampled_from([0, 1, GI, 3 * GI, 32 * GI])


@st.composite
def _rows(draw: Any) -> list[int]:
    ac, am = draw(_alloc), draw(_mem)
    rc = draw(st.integers(0, 20000))
    rm = draw(st.integers(0, 40 * GI))
    nc = rc + draw(st.sampled_from([0, 100, 500]))
    nm = rm + draw(st.sampled_from([0, 200 * 2**20]))
    ap = draw(st.integers(0, 12))
    return [ac, am, 0, ap, rc, rm, 0, nc, nm, draw(st.integers(0, 14))]


@st.composite
def _params(draw: Any) -> tuple[int, int, int, int, int, int]:
    qc = draw(st.sampled_from([0, 50, 250, 1500, 9000]))
    qm = draw(st.sampled_from([0, GI // 8, GI, 40 * GI]))
    nqc = qc if qc else 100
    nqm = qm if qm else 200 * 2**20
    return (qc if qc > 0 else _NEVER, qm if qm > 0 else _NEVER, qc, qm, nqc, nqm)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(_rows(), min_size=1, max_size=40), params=_params())
def test_row_states_column_equals_the_per_row_arithmetic(
    rows: list[list[int]], params: tuple[int, int, int, int, int, int]
) -> None:
    got = default_column(np.array(rows, dtype=np.int64), params).tolist()
    assert got == [default_total(r, params) for r in rows]


def _check_entries(c: Cluster) -> int:
    """Every entry of the composite, brought up to date, equals a fresh recomputation from the plugins' vectors
    (totals, feasible bits, rejected slots, and for row states the sorted rejected slots)."""
    comp = c.scheduler.profiles["default-scheduler"].composite
    assert isinstance(comp, Composite)
    table = c.scheduler.table
    table.order  # noqa: B018
    checked = 0
    for spec, entry, _ in list(comp._specs.values()):
        if entry is None:
            continue
        pod = make_pod("probe")
        pod.spec = spec
        comp.refresh(entry, pod, table)
        fresh = _Entry(entry.refresh, entry.filters, entry.scores, entry.default)
        comp._full(fresh, pod, table)
        assert entry.vals == fresh.vals
        assert entry.feas == fresh.feas
        assert entry.bad == fresh.bad
        if entry.states is not None:
            assert entry.badlist == sorted(entry.bad)
            checked += 1
    return checked


_SHAPES = ({"cpu": 300, "memory": GI // 4}, {"cpu": 900, "memory": GI}, {"cpu": 100}, {}, {"memory": GI})
_TOLERATIONS = ((), (Toleration(key="dedicated", operator="Exists"),))
_op = st.one_of(
    st.tuples(st.just("pod"), st.integers(0, 999), st.integers(0, len(_SHAPES) - 1)),
    st.tuples(st.just("pod"), st.integers(0, 999), st.integers(0, len(_SHAPES) - 1)),
    st.tuples(st.just("pod"), st.integers(0, 999), st.integers(0, len(_SHAPES) - 1)),
    st.tuples(st.just("unpod"), st.integers(0, 999)),
    st.tuples(st.just("unpod"), st.integers(0, 999)),
    st.tuples(st.just("cordon"), st.integers(0, 999), st.booleans()),
    st.tuples(st.just("taint"), st.integers(0, 999), st.booleans()),
    st.tuples(st.just("delete_node"), st.integers(0, 999)),
    st.tuples(st.just("add_node"), st.integers(0, 3)),
    st.tuples(st.just("probe"), st.integers(0, len(_SHAPES) - 1), st.integers(0, 1)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    num_nodes=st.integers(1, 40),
    ops=st.lists(_op, min_size=1, max_size=60),
    limit=st.sampled_from([4, 64, rowstates.STATE_LIMIT]),
)
def test_row_states_equal_the_plugins_under_churn(
    num_nodes: int, ops: list[tuple[Any, ...]], limit: int
) -> None:
    """Pods counted and uncounted, nodes cordoned, tainted, removed and added, kinds of pod coming (columns
    attached), and a small state limit (states forgotten): after every step each entry equals the plugins'."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rowstates, "STATE_LIMIT", limit)
        mp.setattr(rowstates, "INITIAL_STATES", 2)  # room for states grows as they come
        _churn(num_nodes, ops)


def _churn(num_nodes: int, ops: list[tuple[Any, ...]]) -> None:
    c = Cluster()
    sizes = ((4000, 4 * GI, 6), (2000, 8 * GI, 3), (0, GI, 5), (8000, 0, 4))
    for i in range(num_nodes):
        cpu, mem, pods = sizes[i % 4]
        c.add(make_node(f"n{i}", cpu=cpu, memory=mem, pods=pods))
    sched = c.scheduler
    table = sched.table
    comp = sched.profiles["default-scheduler"].composite
    assert isinstance(comp, Composite)
    added = num_nodes
    uid = 0
    counted: list[str] = []
    # kinds of pod from the start (their columns then follow every change), more as the probes come
    ops = [("probe", 0, 0), ("probe", 2, 1), *ops]
    for op in ops:
        nodes = c.store.list("Node")
        if op[0] == "pod" and nodes:
            uid += 1
            pod = make_pod(f"p{uid}", containers=(Container("c", requests=_SHAPES[op[2]]),))
            pod.uid = f"u{uid}"
            table.add_pod(pod, nodes[op[1] % len(nodes)].name)
            counted.append(pod.uid)
        elif op[0] == "unpod" and counted:
            table.remove_pod(counted.pop(op[1] % len(counted)))
        elif op[0] == "cordon" and nodes:
            node = nodes[op[1] % len(nodes)]
            node.unschedulable = op[2]
            c.store.update(node)
        elif op[0] == "taint" and nodes:
            node = nodes[op[1] % len(nodes)]
            node.taints = (Taint("dedicated", "NoSchedule"),) if op[2] else ()
            c.store.update(node)
        elif op[0] == "delete_node" and nodes:
            c.store.delete(nodes[op[1] % len(nodes)])
        elif op[0] == "add_node":
            cpu, mem, pods = sizes[op[1]]
            c.add(make_node(f"n{added}", cpu=cpu, memory=mem, pods=pods))
            added += 1
        elif op[0] == "probe":
            # a kind of pod comes: its entry gets a column (or is brought up to date)
            probe = make_pod(
                "probe",
                tolerations=_TOLERATIONS[op[2]],
                containers=(Container("c", requests=_SHAPES[op[1]]),),
            )
            entry = comp.entry_for(probe)
            assert entry is not None
            table.order  # noqa: B018
            comp.refresh(entry, probe, table)
        _check_entries(c)


# -- the window helpers -------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 700),
    data=st.data(),
)
def test_kth_past_equals_kth_from(n: int, data: Any) -> None:
    bad = sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=n - 1)))
    feasible = n - len(bad)
    start = data.draw(st.integers(0, n - 1))
    k = data.draw(st.integers(0, feasible - 1))
    feas = sum(1 << s for s in range(n) if s not in set(bad))
    assert _kth_past(bad, start, n, k) == _kth_from(feas, start, n, k)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 900), density=st.floats(0.01, 1.0), seed=st.integers(0, 2**16), data=st.data())
def test_first_set_bits_equal_the_bit_by_bit_window(n: int, density: float, seed: int, data: Any) -> None:
    rng = random.Random(seed)
    feas = sum(1 << s for s in range(n) if rng.random() < density)
    feasible = feas.bit_count()
    if feasible == 0:
        return
    start = data.draw(st.integers(0, n - 1))
    k = data.draw(st.integers(0, feasible - 1))
    hit = _first_set_bits(feas, start, n, k, feasible)
    processed = _kth_from(feas, start, n, k)
    if hit is None:  # (the caller then takes the bit-by-bit way)
        return
    assert hit[0] == processed
    assert hit[1].tolist() == _window_slots(feas, start, processed, n).tolist()


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-5, 5), min_size=1, max_size=60), seed=st.integers(0, 2**16))
def test_pick_equals_the_reference_tie_break(values: list[int], seed: int) -> None:
    a, b = random.Random(seed), random.Random(seed)
    got = _pick(np.array(values, dtype=np.int64), a)
    top = max(values)
    ties = [i for i, v in enumerate(values) if v == top]
    want = ties[b.randrange(len(ties))] if len(ties) > 1 else ties[0]
    assert got == want
    assert a.getstate() == b.getstate()


@settings(max_examples=300, deadline=None)
@given(
    diff=st.one_of(st.integers(1, 300), st.integers(4000, 9000)),
    weight=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_normalized_equals_the_normalize_score_formula(diff: int, weight: int, seed: int) -> None:
    rng = random.Random(seed)
    offsets = np.array([rng.randrange(diff + 1) for _ in range(50)] + [0, diff], dtype=np.int64)
    got = _normalized(offsets, diff, weight).tolist()
    # InterPodAffinity's NormalizeScore: int64(float64(MaxNodeScore) * (float64(s - min) / float64(max - min)))
    assert got == [weight * math.trunc(100.0 * (float(o) / float(diff))) for o in offsets.tolist()]
    # offsets out of range (rejected positions) do not disturb the others
    wild = np.concatenate((offsets, np.array([-3, diff + 7], dtype=np.int64)))
    assert _normalized(wild, diff, weight, clip=True).tolist()[: len(got)] == got
    assert composite_module._NORMALIZED  # the table was kept for the next cycle with that range


# -- counters of one-label selectors ------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("pod"), st.integers(0, 2), st.integers(0, 4), st.booleans(), st.integers(0, 1)),
            st.tuples(st.just("unpod"), st.integers(0, 999)),
            st.tuples(st.just("relabel"), st.integers(0, 999), st.integers(0, 2)),
            st.tuples(st.just("terminate"), st.integers(0, 999)),
            st.tuples(st.just("counter"), st.integers(0, 2), st.booleans(), st.integers(0, 2), st.booleans()),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_counters_equal_a_walk_over_the_pods(ops: list[tuple[Any, ...]]) -> None:
    """Counters created at any point (of one label: filled from the per-label node counts, uncounted through the
    labels; of two: from the label index, made when the first of them comes) and kept through pods coming, going,
    relabelled and terminating equal a recount of the pods they select."""
    c = Cluster()
    for i in range(5):
        c.add(make_node(f"n{i}"))
    table = c.scheduler.table
    counts = table.counts
    counts.activate()
    apps = ("web", "db", "cache")
    namespaces = (frozenset({"default"}), frozenset({"other"}), frozenset({"default", "other"}))
    pods: list[Any] = []
    uid = 0
    for op in ops:
        if op[0] == "pod":
            uid += 1
            pod = make_pod(f"p{uid}")
            pod.uid = f"u{uid}"
            pod.namespace = ("default", "other")[op[4]]
            pod.labels = {"app": apps[op[1]], "tier": ("a", "b")[op[2] % 2]}
            if op[3]:
                pod.deletion_timestamp = 1.0
            table.add_pod(pod, f"n{op[2]}")
            pods.append(pod)
        elif op[0] == "unpod" and pods:
            table.remove_pod(pods.pop(op[1] % len(pods)).uid)
        elif op[0] in ("relabel", "terminate") and pods:
            pod = pods[op[1] % len(pods)]
            if op[0] == "relabel":
                pod.labels = {"app": apps[op[2]], "tier": "a"}
            else:
                pod.deletion_timestamp = 2.0
            counts.check_pod(pod.uid, pod)
        elif op[0] == "counter":
            labels = {"app": apps[op[1]], "tier": "a"} if op[4] else {"app": apps[op[1]]}
            counts.counter(LabelSelector(labels), namespaces[op[3]], op[2])
    for (_, ns_set, live_only), counter in counts.counters.items():
        assert counter.selector is not None
        want: dict[str, int] = {}
        for pod in pods:
            if pod.namespace in ns_set and counter.selector.matches(pod.labels):
                if live_only and pod.deletion_timestamp is not None:
                    continue
                node = table.pod_node_name(pod.uid)
                assert node is not None
                want[node] = want.get(node, 0) + 1
        assert counter.by_node == want
        assert [counter.counts[table.slot_of[f"n{i}"]] for i in range(5)] == [
            want.get(f"n{i}", 0) for i in range(5)
        ]


def _decisions(seed: int, shapes: list[int], explain: bool) -> tuple[list[tuple[str, str, str]], Cluster]:
    c = Cluster(seed=seed, explain=explain)
    for i in range(30):
        c.add(make_node(f"n{i}", cpu=4000, memory=4 * GI, pods=8))
    c.run(until=1)
    for j, shape in enumerate(shapes):
        c.add(make_pod(f"p{j}", containers=(Container("c", requests=_SHAPES[shape]),)))
        if j % 7 == 3 and j > 10:
            pods = [p for p in c.store.list("Pod") if p.node_name]
            c.store.delete(pods[(j * 13) % len(pods)])
        c.run(until=c.engine.now + 0.5)
    return [e for e in c.events if e[1] in ("Scheduled", "FailedScheduling")], c


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), shapes=st.lists(st.integers(0, len(_SHAPES) - 1), min_size=5, max_size=60))
def test_columns_detached_and_attached_again_decide_as_the_reference(seed: int, shapes: list[int]) -> None:
    """Kinds of pod falling dormant (their columns detached) and coming back, and the entry limit clearing every
    entry: the decisions stay the reference path's and every entry equals the plugins'."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(composite_module, "DORMANT", 3)
        mp.setattr(composite_module, "ENTRY_LIMIT", 3)
        fast, c = _decisions(seed, shapes, explain=False)
    ref, _ = _decisions(seed, shapes, explain=True)
    assert fast == ref
    _check_entries(c)
