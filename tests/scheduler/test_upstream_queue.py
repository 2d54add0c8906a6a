"""The scheduling queue and the node sampling, checked against kube-scheduler 1.35's own unit tests.

Each case is a fact taken from an upstream test (inputs and expected results), named after the test and case:

* pkg/scheduler/schedule_one_test.go: ``TestNumFeasibleNodesToFind``, ``TestFairEvaluationForNodes``,
  ``TestPreferNominatedNodeFilterCallCounts``; pkg/scheduler/schedule_one.go (``findNodesThatFitPod``: the
  nominated node returns before ``nextStartNodeIndex`` moves; ``processedNodes = feasible + NodeToStatus.Len()``;
  ties among the best nodes broken at random, ``prioritizeNodes``/``selectHost``).
* pkg/scheduler/backend/queue/backoff_queue_test.go: ``TestBackoffQueue_calculateBackoffDuration``,
  ``TestBackoffQueueOrdering``; backoff_queue.go (``alignToWindow``, ``isPodBackingoff``, ``popBackoff``).
* pkg/scheduler/backend/queue/scheduling_queue_test.go: ``TestBackOffFlow``, ``TestPriorityQueue_Add``,
  ``TestPerPodSchedulingMetrics`` (the 5 min flush), ``TestPriorityQueue_flushUnschedulablePodsLeftover``;
  scheduling_queue.go (``determineSchedulingHintForInFlightPod``), active_queue.go (``unlockedPop``: pop from the
  backoffQ when activeQ is empty, ``SchedulerPopFromBackoffQ``, beta and on by default since 1.33).
* pkg/scheduler/framework/types.go ``FitError.Error`` and DefaultPreemption's message: the ``FailedScheduling``
  text, as ``kubesim run --events`` logs it.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from models.pod import Pod
from models.schedconfig import KubeSchedulerConfiguration, SchedulerProfile
from simulator.engine import Engine
from simulator.scheduler import NodeTable, build_profiles
from simulator.scheduler.framework import Code, Cursor, Handle, Profile, QueuedPodInfo, Status
from simulator.scheduler.queue import SchedulingQueue, align_to_window, backoff_duration
from tests.scheduler._upstream import node, pod
from tests.scheduler.conftest import Cluster, make_node, make_pod

# -- numFeasibleNodesToFind ---------------------------------------------------------------------------------------


def _profile(global_pct: int | None = None, profile_pct: int | None = None) -> Profile:
    cfg = KubeSchedulerConfiguration(
        name="c",
        percentage_of_nodes_to_score=global_pct,
        profiles=(SchedulerProfile(percentage_of_nodes_to_score=profile_pct),),
    )
    return next(iter(build_profiles(cfg, Handle()).values()))


@pytest.mark.parametrize(
    ("global_pct", "profile_pct", "num_all_nodes", "want"),
    [
        pytest.param(None, None, 10, 10, id="TestNumFeasibleNodesToFind/not set, nodes not more than 50"),
        pytest.param(None, 40, 10, 10, id="TestNumFeasibleNodesToFind/set profile, nodes not more than 50"),
        pytest.param(None, None, 1000, 420, id="TestNumFeasibleNodesToFind/not set, nodes more than 50"),
        pytest.param(None, 40, 1000, 400, id="TestNumFeasibleNodesToFind/set profile, nodes more than 50"),
        pytest.param(
            100, 40, 1000, 400, id="TestNumFeasibleNodesToFind/set global and profile, more than 50"
        ),
        pytest.param(40, None, 1000, 400, id="TestNumFeasibleNodesToFind/set global, nodes more than 50"),
        pytest.param(
            None, None, 6000, 300, id="TestNumFeasibleNodesToFind/not set profile, more than 50*125"
        ),
        pytest.param(None, 40, 6000, 2400, id="TestNumFeasibleNodesToFind/set profile, more than 50*125"),
        # numFeasibleNodesToFind's branches, as facts of the same function
        pytest.param(100, None, 1000, 1000, id="numFeasibleNodesToFind/100 percent scores every node"),
        pytest.param(40, 0, 1000, 420, id="numFeasibleNodesToFind/profile 0 is adaptive despite global 40"),
        pytest.param(None, None, 10000, 500, id="numFeasibleNodesToFind/adaptive floor 5 percent"),
        pytest.param(None, None, 99, 99, id="numFeasibleNodesToFind/below minFeasibleNodesToFind all nodes"),
        pytest.param(None, None, 100, 100, id="numFeasibleNodesToFind/100 nodes: 50 percent raised to 100"),
        pytest.param(None, 1, 5000, 100, id="numFeasibleNodesToFind/never fewer than 100"),
    ],
)
def test_num_feasible_nodes_to_find(
    global_pct: int | None, profile_pct: int | None, num_all_nodes: int, want: int
) -> None:
    assert _profile(global_pct, profile_pct)._num_to_find(num_all_nodes) == want


def _table(n: int, cpu: int = 4000) -> NodeTable:
    table = NodeTable()
    for i in range(n):
        table.add_node(node(f"n{i:03d}", {"cpu": cpu, "memory": 8 << 30}))
    return table


@pytest.mark.parametrize("path", ["composite", "vector", "reference"])
def test_fair_evaluation_for_nodes(path: str) -> None:
    """TestFairEvaluationForNodes: 500 nodes, percentageOfNodesToScore 30 -> 150 nodes per cycle; after cycle i the
    next search starts at (i+1)*150 mod 500, over more than two rounds of the cluster."""
    prof = _profile(None, 30)
    table = _table(500)
    nodes_to_find = prof._num_to_find(500)
    assert nodes_to_find == 150
    cursor, rng = Cursor(), random.Random(1)
    for i in range(2 * (500 // nodes_to_find + 1)):
        p = pod({"cpu": 100}, name=f"p{i}")
        res = prof.schedule(p, table, rng, cursor, explain=path == "reference", composite=path == "composite")
        assert res.node is not None
        assert res.feasible == nodes_to_find
        assert cursor.index == (i + 1) * nodes_to_find % 500


class _CountingFilter:
    """Wraps one Filter plugin of a profile: counts its calls, fails it on the nodes named."""

    def __init__(self, prof: Profile, fail_on: frozenset[str] = frozenset()) -> None:
        self.calls = 0
        self.fail_on = fail_on
        self.plugin = next(pl for pl in prof.filter if pl.name == "NodeUnschedulable")
        self.inner = self.plugin.filter
        self.plugin.filter = self  # type: ignore[method-assign]

    def __call__(self, state: Any, p: Pod, ni: Any) -> Status:
        self.calls += 1
        if ni.name in self.fail_on:
            return Status(Code.Unschedulable, "fake reason")
        return self.inner(state, p, ni)


@pytest.mark.parametrize(
    ("nominated", "fail_on", "want_calls", "want_cursor"),
    [
        pytest.param(
            "n000", frozenset(), 1, 0,
            id="TestPreferNominatedNodeFilterCallCounts/pod has the nominated node set, filter is called only once",
        ),
        pytest.param(
            "", frozenset(), 3, 0,
            id="TestPreferNominatedNodeFilterCallCounts/pod without the nominated pod, filter is called for each node",
        ),
        pytest.param(
            "n000", frozenset({"n000"}), 4, 0,
            id="TestPreferNominatedNodeFilterCallCounts/nominated pod cannot pass the filter, called for each node",
        ),
    ],
)  # fmt: skip
def test_prefer_nominated_node_filter_call_counts(
    nominated: str, fail_on: frozenset[str], want_calls: int, want_cursor: int
) -> None:
    prof = _profile()
    table = _table(3)
    counter = _CountingFilter(prof, fail_on)
    p = pod({"cpu": 100}, name="p", priority=1000)
    p.nominated_node_name = nominated
    cursor = Cursor()
    res = prof.schedule(p, table, random.Random(1), cursor, explain=True)
    assert counter.calls == want_calls
    assert res.node is not None and (not nominated or fail_on or res.node == nominated)
    # 3 nodes: a full search leaves the cursor where it was (3 mod 3); a fitting nominated node does not move it
    assert cursor.index == want_cursor


def test_nominated_node_that_fits_does_not_move_the_start_index() -> None:
    """findNodesThatFitPod returns the nominated node before nextStartNodeIndex is updated."""
    prof = _profile()
    table = _table(150)
    p = pod({"cpu": 100}, name="p")
    p.nominated_node_name = "n010"
    cursor = Cursor(7)
    res = prof.schedule(p, table, random.Random(1), cursor)
    assert res.node == "n010" and res.evaluated == 1
    assert cursor.index == 7


@pytest.mark.parametrize("explain", [False, True])
def test_failed_nominated_node_counts_as_processed(explain: bool) -> None:
    """processedNodes = len(feasibleNodes) + NodeToStatus.Len(): the nominated node's failed status (set by
    evaluateNominatedNode) counts even when the search stops before reaching that node again. 200 nodes -> 100 to
    find; the nominated n150 fails; the search from 0 stops at n100 (the feasible node one too many)."""
    prof = _profile()
    table = _table(200)
    _CountingFilter(prof, frozenset({"n150"}))
    p = pod({"cpu": 100}, name="p")
    p.nominated_node_name = "n150"
    cursor = Cursor()
    res = prof.schedule(p, table, random.Random(1), cursor, explain=explain)
    assert res.node is not None and res.feasible == 100
    assert res.evaluated == 101
    assert cursor.index == 101


# -- ties ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["composite", "vector", "reference"])
def test_ties_are_broken_uniformly_at_random(path: str) -> None:
    """selectHost / prioritizeNodes' Randomizer: each of the equally best nodes is chosen with the same probability.
    4 identical nodes, 4000 draws from a seeded stream: every node is chosen, each within 10 % of 1000 (a fixed seed,
    so the counts are reproducible; chi-square with 3 degrees of freedom stays below 16.3, p = 0.001)."""
    prof = _profile()
    table = _table(4)
    rng = random.Random(12345)
    counts: Counter[str] = Counter()
    draws = 4000
    for i in range(draws):
        res = prof.schedule(
            pod({"cpu": 100}, name=f"p{i}"), table, rng, Cursor(), explain=path == "reference",
            composite=path == "composite",
        )  # fmt: skip
        assert res.node is not None
        counts[res.node] += 1
    assert set(counts) == {"n000", "n001", "n002", "n003"}
    expected = draws / 4
    assert all(abs(c - expected) < 0.1 * expected for c in counts.values())
    assert sum((c - expected) ** 2 / expected for c in counts.values()) < 16.3


def test_ties_draw_from_the_runs_scheduler_stream() -> None:
    """The tie-break uses the run's seeded ``scheduler`` stream: the same seed places the pods the same way, and a
    different seed (almost surely) differently."""

    def placements(seed: int) -> list[str]:
        c = Cluster(seed=seed)
        c.add(*(make_node(f"n{i}") for i in range(8)))
        pods = [make_pod(f"p{i}", {"cpu": 10}) for i in range(40)]
        c.add(*pods)
        c.run(until=1)
        assert c.scheduler.rng is c.engine.rng("scheduler")
        return [p.node_name for p in pods]

    first = placements(7)
    assert first == placements(7)
    assert len(set(first)) > 1
    assert placements(8) != first


# -- backoff ------------------------------------------------------------------------------------------------------

NS = 1e-9


@pytest.mark.parametrize(
    ("initial", "maximum", "attempts", "want"),
    [
        pytest.param(1, 32, 0, 0, id="TestBackoffQueue_calculateBackoffDuration/no backoff"),
        pytest.param(1, 32, 16, 32, id="TestBackoffQueue_calculateBackoffDuration/normal"),
        pytest.param(
            1, 2**31 - 1, 32, 2**31 - 1, id="TestBackoffQueue_calculateBackoffDuration/overflow_32bit"
        ),
        pytest.param(
            1, 2**63 - 1, 64, 2**63 - 1, id="TestBackoffQueue_calculateBackoffDuration/overflow_64bit"
        ),
    ],
)
def test_calculate_backoff_duration(initial: int, maximum: int, attempts: int, want: int) -> None:
    # upstream's durations are nanoseconds; the function is unit-free
    assert backoff_duration(attempts, initial, maximum) == want


def _queue(
    engine: Engine, events: dict[str, frozenset[str]] | None = None, pop_from_backoff: bool = True
) -> SchedulingQueue:
    prof = _profile()
    return SchedulingQueue(
        engine,
        prof.sort_key_fn(),
        events if events is not None else {"unsched-plugin": frozenset({"NodeAdd"})},
        pop_from_backoff=pop_from_backoff,
    )


def _qpod(name: str, priority: int = 0) -> Pod:
    p = pod(name=name)
    p.priority = priority
    return p


def test_backoff_flow() -> None:
    """TestBackOffFlow: attempt i+1 fails, an event moves the pod to backoffQ; its backoff is 1, 2, 4, 8, 10, 10, 10 s
    (with PopFromBackoffQ: the aligned expiry minus the failure time, truncated to the 1 s window, plus 1 s); it is
    still in backoffQ one window later and gone after that plus the backoff. The clock starts off a whole second,
    as upstream's ``time.Now()`` practically always does. (kubesim models the gate's default; upstream's
    popFromBackoffQEnabled(false) run is not ported.)"""
    engine = Engine(1)
    engine.run(until=0.25)
    q = _queue(engine)
    p = _qpod("test-pod")
    q.add(p)
    for i, want in enumerate([1, 2, 4, 8, 10, 10, 10]):
        timestamp = engine.now
        info = q.pop()
        assert info is not None and info.attempts == i + 1
        q.add_unschedulable(info, ["unsched-plugin"])
        assert q.where(info.uid) == "unschedulable"
        q.move_all("NodeAdd")
        assert q.where(info.uid) == "backoff"
        backoff = align_to_window(q.backoff_expiry(info) - timestamp) + 1.0
        assert backoff == pytest.approx(want)
        engine.run(until=engine.now + 1.0)
        assert q.where(info.uid) == "backoff"  # still in backoffQ after an early flush
        engine.run(until=engine.now + backoff)
        assert q.where(info.uid) == "active"


def test_backoff_expiry_is_aligned_to_the_ordering_window() -> None:
    """alignToWindow/isPodBackingoff: a pod failing at 0.25 s (1 s backoff) has the aligned expiry 1 s and backs off
    while that window lasts: an event at 1.5 s sends it to backoffQ (it would be done at 1.25 s without alignment),
    and the flush on the next whole second (2 s) moves it to activeQ."""
    engine = Engine(1)
    engine.run(until=0.25)
    q = _queue(engine)
    q.add(_qpod("p"))
    info = q.pop()
    assert info is not None
    q.add_unschedulable(info, ["unsched-plugin"])
    assert q.backoff_expiry(info) == 1.0
    engine.run(until=1.5)
    assert q.is_backing_off(info)
    q.move_all("NodeAdd")
    assert q.where(info.uid) == "backoff"
    engine.run(until=2.0 - 0.001)
    assert q.where(info.uid) == "backoff"
    engine.run(until=2.0)
    assert q.where(info.uid) == "active"


def test_expired_backoff_moves_straight_to_active_on_an_event() -> None:
    """MoveAllToActiveOrBackoffQueue: a pod no longer backing off goes to activeQ, not backoffQ."""
    engine = Engine(1)
    engine.run(until=0.25)
    q = _queue(engine)
    q.add(_qpod("p"))
    info = q.pop()
    assert info is not None
    q.add_unschedulable(info, ["unsched-plugin"])
    engine.run(until=2.0)
    q.move_all("NodeAdd")
    assert q.where(info.uid) == "active"


def test_event_not_registered_by_the_rejecting_plugin_does_not_move_the_pod() -> None:
    """Only events that a rejecting plugin registers (its EventsToRegister / queueing hints) move the pod."""
    engine = Engine(1)
    q = _queue(engine)
    q.add(_qpod("p"))
    info = q.pop()
    assert info is not None
    q.add_unschedulable(info, ["unsched-plugin"])
    assert q.move_all("PodDelete") == 0
    assert q.where(info.uid) == "unschedulable"


def _backoff_pods(q: SchedulingQueue, engine: Engine) -> dict[str, QueuedPodInfo]:
    """TestBackoffQueueOrdering's pods (attempts 1, so 1 s backoff) around T = 10 s: (name, priority, timestamp)."""
    spec = [
        ("pod0", 1, 10.0), ("pod1", 1, 9.0), ("pod2", 2, 8.001), ("pod3", 1, 8.0), ("pod4", 2, 8.0),
        ("pod5", 1, 7.0),
    ]  # fmt: skip
    infos: dict[str, QueuedPodInfo] = {}
    for name, priority, _ in spec:
        q.add(_qpod(name, priority))
    for _ in spec:
        info = q.pop()
        assert info is not None
        infos[info.pod.name] = info
    for name, _, ts in spec:
        info = infos[name]
        info.timestamp = ts
        info.unschedulable_plugins = frozenset({"plugin"})
        q._push_backoff(info)
    return infos


def test_backoff_queue_ordering_pop_when_active_is_empty() -> None:
    """TestBackoffQueueOrdering (PopFromBackoffQ enabled): podBackoffQ is ordered by the aligned expiry, then like
    activeQ (priority, then timestamp). With activeQ empty, Pop takes podBackoffQ's head although its backoff is not
    over (activeQueue.unlockedPop -> popBackoff)."""
    engine = Engine(1)
    engine.run(until=6.5)  # every pod below is still backing off
    q = _queue(engine)
    _backoff_pods(q, engine)
    order = []
    while (info := q.pop()) is not None:
        order.append(info.pod.name)
        assert info.attempts == 2
    assert order == ["pod5", "pod4", "pod2", "pod3", "pod1", "pod0"]


def test_backoff_queue_ordering_completed_at_t() -> None:
    """TestBackoffQueueOrdering: at T the pods whose window is over are pod5, pod4, pod2, pod3 (pod1's expiry T and
    pod0's T+1 still back off); they are in activeQ, which pops them by PrioritySort."""
    engine = Engine(1)
    engine.run(until=6.5)
    q = _queue(engine)
    infos = _backoff_pods(q, engine)
    engine.run(until=10.0)
    assert {n for n, i in infos.items() if q.where(i.uid) == "active"} == {"pod5", "pod4", "pod2", "pod3"}
    assert {n for n, i in infos.items() if q.where(i.uid) == "backoff"} == {"pod0", "pod1"}
    popped = []
    for _ in range(4):
        info = q.pop()
        assert info is not None
        popped.append(info.pod.name)
    assert popped == ["pod4", "pod2", "pod5", "pod3"]  # priority 2 first, then the earlier timestamp


def test_active_queue_is_popped_before_backoff_queue() -> None:
    """unlockedPop: the backoffQ is only popped while activeQ is empty."""
    engine = Engine(1)
    q = _queue(engine)
    q.add(_qpod("failed"))
    info = q.pop()
    assert info is not None
    q.add_unschedulable(info, ["unsched-plugin"])
    q.move_all("NodeAdd")
    assert q.where(info.uid) == "backoff" and q.has_work
    q.add(_qpod("fresh"))
    first, second = q.pop(), q.pop()
    assert first is not None and first.pod.name == "fresh"
    assert second is not None and second.pod.name == "failed"


def test_error_backoff_queue_is_not_popped_early() -> None:
    """popBackoff pops podBackoffQ only: a pod that failed with an error (no rejector plugins: podErrorBackoffQ)
    waits for its backoff even when activeQ is empty."""
    engine = Engine(1)
    engine.run(until=0.25)
    q = _queue(engine)
    q.add(_qpod("p"))
    info = q.pop()
    assert info is not None
    q.add_unschedulable(info, [], error=True)
    assert q.where(info.uid) == "backoff"
    assert not q.has_work and q.pop() is None
    engine.run(until=2.0)  # aligned expiry 1 s: flushed at 2 s
    assert q.where(info.uid) == "active"


def test_failure_without_rejector_plugins_goes_to_backoff() -> None:
    """determineSchedulingHintForInFlightPod: no UnschedulablePlugins and no PendingPlugins -> queueAfterBackoff
    (e.g. no nodes at all): the pod is retried after each backoff instead of waiting in unschedulablePods."""
    engine = Engine(1)
    q = _queue(engine)
    q.add(_qpod("p"))
    info = q.pop()
    assert info is not None
    q.add_unschedulable(info, [])
    assert q.where(info.uid) == "backoff"


def test_no_nodes_retries_follow_the_backoff() -> None:
    """No nodes: FailedScheduling at each attempt, retried when the (aligned) backoff ends: failures at 0, 2
    (expiry 1), 5 (2 + 2 s: expiry 4), 10 (5 + 4: expiry 9), 19 (10 + 8: expiry 18), 30 (19 + 10: expiry 29)."""
    c = Cluster()
    c.add(make_pod("p", {"cpu": 1}))
    times: list[float] = []
    c.store.watch_events(lambda t, typ, obj, reason, msg, kind: times.append(t))
    c.run(until=35)
    assert times == [0.0, 2.0, 5.0, 10.0, 19.0, 30.0]


def test_pod_moved_to_backoff_is_retried_at_once_when_the_scheduler_is_idle() -> None:
    """SchedulerPopFromBackoffQ: a node add moves the unschedulable pod to backoffQ (its backoff is not over) and the
    idle scheduler pops it at once; with other pods in activeQ those go first."""
    c = Cluster()
    c.add(make_node("small", cpu=500))
    p = make_pod("p", {"cpu": 1000})
    c.add(p)
    c.run(until=0.5)
    c.store.add(make_node("big", cpu=4000))
    c.run(until=0.5)
    assert p.node_name == "big" and p.scheduled_at == 0.5


# -- unschedulable pods -------------------------------------------------------------------------------------------


def test_flush_unschedulable_pods_leftover() -> None:
    """TestPriorityQueue_flushUnschedulablePodsLeftover / TestPerPodSchedulingMetrics: pods unschedulable for longer
    than podMaxInUnschedulablePodsDuration (5 min) are moved by the 30 s flush, and pop by priority; not at exactly
    5 min (the comparison is strict)."""
    engine = Engine(1)
    q = _queue(engine)
    q.add(_qpod("mid", 100))
    q.add(_qpod("high", 1000))
    for _ in range(2):
        info = q.pop()
        assert info is not None and info.attempts == 1
        q.add_unschedulable(info, ["unsched-plugin"])
    engine.run(until=300.0)
    assert q.unschedulable_count == 2  # 300 s is not more than 5 min
    engine.run(until=330.0)
    assert q.unschedulable_count == 0
    first, second = q.pop(), q.pop()
    assert first is not None and first.pod.name == "high" and first.attempts == 2
    assert second is not None and second.pod.name == "mid"


def test_priority_queue_add_pops_by_priority() -> None:
    """TestPriorityQueue_Add / PrioritySort.Less: higher priority first; equal priority by the earlier timestamp."""
    engine = Engine(1)
    q = _queue(engine)
    q.add(_qpod("mpp", 500))
    q.add(_qpod("up", 0))
    q.add(_qpod("hpp", 1000))
    engine.run(until=1.0)
    q.add(_qpod("later", 500))
    assert [i.pod.name for i in iter(q.pop, None)] == ["hpp", "mpp", "later", "up"]


# -- FailedScheduling via the CLI ---------------------------------------------------------------------------------

_NODES = """\
apiVersion: v1
kind: Node
metadata: {name: a}
status: {allocatable: {cpu: "1", memory: 4Gi}}
---
apiVersion: v1
kind: Node
metadata: {name: b}
status: {allocatable: {cpu: "1", memory: 4Gi}}
---
apiVersion: v1
kind: Node
metadata: {name: c}
status: {allocatable: {cpu: "1", memory: 4Gi}}
"""

_RUNNING = """\
---
apiVersion: v1
kind: Pod
metadata: {name: run-%(node)s}
spec:
  nodeName: %(node)s
  containers: [{name: c, image: x, resources: {requests: {cpu: 800m}}}]
"""


def _failed_scheduling(tmp_path: Path, body: str) -> list[str]:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(body)
    events = tmp_path / "events.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "run", str(scenario), "--until", "20s", "--events", str(events), "-q"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in events.read_text().splitlines()]
    return [r["message"] for r in records if r.get("reason") == "FailedScheduling"]


def test_failed_scheduling_preemption_not_helpful(tmp_path: Path) -> None:
    """FitError.Error with DefaultPreemption's message appended (``" %v"``): every node rejects the pod as
    UnschedulableAndUnresolvable (it asks more cpu than any node has), so preemption is not helpful; the pod then
    waits in unschedulablePods (one event)."""
    pod_yaml = """\
---
apiVersion: v1
kind: Pod
metadata: {name: big}
spec:
  containers: [{name: c, image: x, resources: {requests: {cpu: "2"}}}]
"""
    assert _failed_scheduling(tmp_path, _NODES + pod_yaml) == [
        "0/3 nodes are available: 3 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    ]


def test_failed_scheduling_no_preemption_victims(tmp_path: Path) -> None:
    """Insufficient cpu on every node (Unschedulable: preemption may help) but no lower-priority pod to evict."""
    running = "".join(_RUNNING % {"node": n} for n in "abc")
    pod_yaml = """\
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: c, image: x, resources: {requests: {cpu: 500m}}}]
"""
    assert _failed_scheduling(tmp_path, _NODES + running + pod_yaml) == [
        "0/3 nodes are available: 3 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    ]


@pytest.mark.parametrize(("version", "on"), [("1.32", False), ("1.33", True), ("1.35", True)])
def test_pop_from_backoff_follows_the_feature_gate_of_the_version(version: str, on: bool) -> None:
    """SchedulerPopFromBackoffQ: beta and on by default from 1.33 (pkg/features/kube_features.go)."""
    from tests.simhelpers import pool, scenario, sim_from

    sim = sim_from(scenario(version=version) + pool(count=1))
    assert sim.scheduler.queue.pop_from_backoff is on
