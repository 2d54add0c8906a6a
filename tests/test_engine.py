"""Tests for ``simulator.engine``: event ordering, cancellation, ``run(until)`` slicing, random streams and
``async def`` processes. Properties use Hypothesis; everything here runs on the virtual clock only."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import LATE, NORMAL, TIMELINE, URGENT, Engine, Handle, Process, SimulationTimeout

PROPS = settings(max_examples=150, deadline=None)

# ----------------------------------------------------------------------------------------------------
# ordering
# ----------------------------------------------------------------------------------------------------


def test_same_time_events_run_in_insertion_order() -> None:
    engine = Engine()
    seen: list[int] = []
    for i in range(10):
        engine.call_at(5.0, seen.append, i)
    engine.run()
    assert seen == list(range(10))
    assert engine.now == 5.0


def test_priority_beats_insertion_order_at_same_time() -> None:
    engine = Engine()
    seen: list[str] = []
    engine.call_at(1.0, seen.append, "late", priority=2)
    engine.call_at(1.0, seen.append, "normal")
    engine.call_at(1.0, seen.append, "urgent", priority=0)
    engine.call_at(0.5, seen.append, "earlier", priority=2)
    engine.run()
    assert seen == ["earlier", "urgent", "normal", "late"]


def test_call_soon_runs_after_events_already_queued_for_now() -> None:
    engine = Engine()
    seen: list[str] = []

    def first() -> None:
        seen.append("first")
        engine.call_soon(seen.append, "soon")

    engine.call_at(1.0, first)
    engine.call_at(1.0, seen.append, "second")
    engine.run()
    assert seen == ["first", "second", "soon"]


def test_entries_scheduled_during_the_infinite_instant_join_it_in_priority_order() -> None:
    # An event at infinity that schedules another for "now" (infinity): the newcomer runs at that instant, before
    # a queued lower-priority one, as at any finite instant (it once went to a later bucket of its own).
    engine = Engine()
    seen: list[int] = []

    def first() -> None:
        seen.append(0)
        engine.call_later(0.0, seen.append, 1, priority=URGENT)
        engine.call_at(engine.now, seen.append, 3, priority=LATE)

    engine.call_at(float("inf"), first, priority=URGENT)
    engine.call_at(float("inf"), seen.append, 2, priority=NORMAL)
    engine.run()
    assert seen == [0, 1, 2, 3]
    assert engine.now == float("inf") and engine.pending() == []


def test_call_at_in_the_past_is_clamped_to_now() -> None:
    engine = Engine()
    seen: list[float] = []
    engine.run(until=10.0)
    engine.call_at(3.0, lambda: seen.append(engine.now))
    engine.call_later(-1.0, lambda: seen.append(engine.now))
    engine.run()
    assert seen == [10.0, 10.0]


def test_call_later_is_relative_to_now() -> None:
    engine = Engine()
    seen: list[float] = []
    engine.call_at(2.0, lambda: engine.call_later(3.0, lambda: seen.append(engine.now)))
    engine.run()
    assert seen == [5.0]


def test_callback_args_are_passed() -> None:
    engine = Engine()
    seen: list[tuple[int, str]] = []
    engine.call_later(1.0, lambda a, b: seen.append((a, b)), 7, "x")
    engine.run()
    assert seen == [(7, "x")]


@st.composite
def flat_schedules(draw: st.DrawFn) -> list[tuple[float, int, bool]]:
    # few distinct times so that same-time (and same-priority) collisions are common
    # (7.999 .. 100: events past the heap's near-future limit wait in far buckets, and come back in order)
    times = st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.0, 3.25, 7.999, 8.0, 10.0, 16.0, 100.0, float("inf")])
    return draw(st.lists(st.tuples(times, st.integers(0, 2), st.booleans()), max_size=60))


@PROPS
@given(flat_schedules())
def test_execution_order_is_stable_sort_of_live_events(schedule: list[tuple[float, int, bool]]) -> None:
    engine = Engine()
    seen: list[int] = []
    handles = [
        engine.call_at(when, seen.append, i, priority=prio) for i, (when, prio, _) in enumerate(schedule)
    ]
    for handle, (_, _, cancel) in zip(handles, schedule, strict=True):
        if cancel:
            handle.cancel()
    engine.run()
    live = [i for i, (_, _, cancel) in enumerate(schedule) if not cancel]
    expected = sorted(live, key=lambda i: (schedule[i][0], schedule[i][1]))  # sorted() is stable
    assert seen == expected
    assert engine.events_processed == len(live)


# A dynamic schedule: event i is scheduled at the start (parent == -1) or by event ``parent`` when that
# one runs; when event i runs it cancels the events in ``cancels`` that have already been scheduled (a no-op
# if they ran).
Spec = tuple[float, int, int, tuple[int, ...]]  # (delay, priority, parent, cancels)


@st.composite
def dynamic_schedules(draw: st.DrawFn) -> list[Spec]:
    raw = draw(
        st.lists(
            st.tuples(
                st.sampled_from([0.0, 0.0, 0.25, 1.0, 1.0, 2.5, 7.75, 8.0, 30.0, float("inf")]),
                st.integers(0, 2),
                st.integers(-1, 39),
                st.lists(st.integers(0, 39), max_size=2),
            ),
            min_size=1,
            max_size=40,
        )
    )
    n = len(raw)
    # a parent must be scheduled before its child: anything else becomes a root
    return [
        (delay, prio, parent if parent < i else -1, tuple(c % n for c in cancels))
        for i, (delay, prio, parent, cancels) in enumerate(raw)
    ]


def _reference_run(specs: list[Spec]) -> list[tuple[float, int]]:
    """The program run on a deliberately naive model of the engine's contract (``_NaiveQueue``, below: a flat
    list, linear min, eager cancellation)."""
    naive = _NaiveQueue()
    return _drive(naive, specs, [], naive.cancel)


def _engine_run(
    specs: list[Spec], slices: list[float] | None = None, stepwise: bool = False, engine: Engine | None = None
) -> list[tuple[float, int]]:
    engine = Engine() if engine is None else engine
    handles: dict[int, Handle] = {}
    trace: list[tuple[float, int]] = []
    children: dict[int, list[int]] = {}
    for i, (_, _, parent, _) in enumerate(specs):
        children.setdefault(parent, []).append(i)

    def schedule(i: int) -> None:
        handles[i] = engine.call_later(specs[i][0], fire, i, priority=specs[i][1])

    def fire(i: int) -> None:
        trace.append((engine.now, i))
        for j in specs[i][3]:
            if j in handles:
                handles[j].cancel()
        for j in children.get(i, []):
            schedule(j)

    for i in children.get(-1, []):
        schedule(i)
    for until in slices or []:
        engine.run(until=until)
    if stepwise:  # step() one event at a time; peek() must name the time of the event step() runs next
        while (due := engine.peek()) is not None:
            ran = len(trace)
            assert engine.step()
            assert len(trace) == ran + 1 and trace[-1][0] == due
        assert not engine.step()
    engine.run()
    return trace


@PROPS
@given(dynamic_schedules())
def test_dynamic_schedule_matches_reference_model(specs: list[Spec]) -> None:
    assert _engine_run(specs) == _reference_run(specs)


@PROPS
@given(
    dynamic_schedules(),
    st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.7, 2.5, 4.0, 8.0, 9.0, 40.0]), max_size=6),
)
def test_dynamic_schedule_in_slices_matches_one_run(specs: list[Spec], cuts: list[float]) -> None:
    assert _engine_run(specs, sorted(cuts)) == _engine_run(specs)


@PROPS
@given(dynamic_schedules())
def test_step_and_peek_match_reference_model(specs: list[Spec]) -> None:
    assert _engine_run(specs, stepwise=True) == _reference_run(specs)


# The same contract with scheduling from outside between run(until) slices (as a live view's actions do), and
# with the far buckets' width moving at almost every window, checked against a naive queue.


class _RestlessEngine(Engine):
    """The engine with a bucket width that moves at almost every window (narrowed past 2 entries, widened below
    2): the order must not depend on how wide the buckets were when each entry was queued."""

    def __init__(self) -> None:
        super().__init__()
        self._narrow_above = 2
        self._widen_below = 2


class _NaiveQueue:
    """The engine's scheduling contract, naively: a flat list, linear min, eager cancellation."""

    def __init__(self) -> None:
        self.now = 0.0
        self.entries: list[list[Any]] = []
        self.seq = 0

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: Any, priority: int
    ) -> list[Any]:
        self.seq += 1
        entry = [self.now + delay, priority, self.seq, callback, args]
        self.entries.append(entry)
        return entry

    def cancel(self, entry: list[Any]) -> None:
        self.entries = [e for e in self.entries if e is not entry]

    def run(self, until: float | None = None) -> None:
        while self.entries:
            entry = min(self.entries, key=lambda e: (e[0], e[1], e[2]))
            if until is not None and entry[0] > until:
                break
            self.entries.remove(entry)
            self.now = entry[0]
            entry[3](*entry[4])
        if until is not None and until > self.now:
            self.now = until


# (delay, priority, parent, cancels): parent >= 0 is scheduled by that event when it runs, -1 at the start,
# -2 - k from outside right after the k-th slice of run(until=...)
OutsideSpec = tuple[float, int, int, tuple[int, ...]]
DELAYS = [0.0, 0.0, 5e-324, 1 / 128, 0.25, 1.0, 1.0, 2.5, 7.75, 8.0, 30.0, 300.0, float("inf")]


@st.composite
def outside_programs(draw: st.DrawFn) -> tuple[list[OutsideSpec], list[float]]:
    cuts = sorted(draw(st.lists(st.sampled_from([0.0, 0.25, 1.0, 1.5, 3.0, 8.0, 9.0, 40.0]), max_size=4)))
    raw = draw(
        st.lists(
            st.tuples(
                st.sampled_from(DELAYS),
                st.integers(0, 2),
                st.integers(-2 - len(cuts), 59),
                st.lists(st.integers(0, 59), max_size=2),
            ),
            min_size=1,
            max_size=60,
        )
    )
    n = len(raw)
    specs = [
        (delay, prio, parent if parent < i else -1, tuple(c % n for c in cancels))
        for i, (delay, prio, parent, cancels) in enumerate(raw)
    ]
    return specs, cuts


def _drive(
    queue: Any, specs: list[OutsideSpec], cuts: list[float], cancel: Callable[[Any], None]
) -> list[Any]:
    """Run a program on ``queue`` (the engine or the naive queue) and return its trace of (time, event)."""
    handles: dict[int, Any] = {}
    trace: list[tuple[float, int]] = []
    children: dict[int, list[int]] = {}
    for i, (_, _, parent, _) in enumerate(specs):
        children.setdefault(parent, []).append(i)

    def schedule(i: int) -> None:
        handles[i] = queue.call_later(specs[i][0], fire, i, priority=specs[i][1])

    def fire(i: int) -> None:
        trace.append((queue.now, i))
        for j in specs[i][3]:
            if j in handles:
                cancel(handles[j])
        for j in children.get(i, []):
            schedule(j)

    for i in children.get(-1, []):
        schedule(i)
    for k, cut in enumerate(cuts):
        queue.run(until=cut)
        trace.append((queue.now, -1))
        for i in children.get(-2 - k, []):
            schedule(i)
    queue.run()
    return trace


@settings(max_examples=400, deadline=None)
@given(outside_programs(), st.sampled_from([Engine, _RestlessEngine]))
def test_scheduling_between_slices_matches_the_naive_queue(
    program: tuple[list[OutsideSpec], list[float]], engine_type: type[Engine]
) -> None:
    specs, cuts = program
    naive = _NaiveQueue()
    expected = _drive(naive, specs, cuts, naive.cancel)
    engine = engine_type()
    assert _drive(engine, specs, cuts, Handle.cancel) == expected
    assert engine.pending() == [] and engine._cancelled == 0


@PROPS
@given(dynamic_schedules())
def test_a_moving_bucket_width_keeps_the_reference_order(specs: list[Spec]) -> None:
    assert _engine_run(specs, engine=_RestlessEngine()) == _reference_run(specs)
    assert _engine_run(specs, [0.5, 2.5, 9.0], engine=_RestlessEngine()) == _reference_run(specs)
    assert _engine_run(specs, stepwise=True, engine=_RestlessEngine()) == _reference_run(specs)


def test_an_entry_scheduled_between_slices_runs_before_a_later_crowd() -> None:
    """run(until) stops short of a crowd (entries due at one later time); an entry then scheduled from outside for
    an earlier time runs first. (Simulation.act does this; a crowd begun before it was due once hid it.)"""
    engine = Engine()
    seen: list[str] = []

    def start() -> None:
        engine.call_soon(seen.append, "a")  # a crowd now ...
        engine.call_soon(seen.append, "b")
        engine.call_later(3.0, seen.append, "c")  # ... and one later
        engine.call_later(3.0, seen.append, "d")

    engine.call_at(0.0, start)
    engine.run(until=0.0)
    engine.call_at(1.0, seen.append, "outside", priority=TIMELINE)
    engine.run(until=1.0)
    assert seen == ["a", "b", "outside"]
    engine.run()
    assert seen == ["a", "b", "outside", "c", "d"]


def test_the_bucket_width_follows_the_load_and_keeps_the_order() -> None:
    """A dense phase narrows the far buckets, a sparse one widens them again; ties scheduled in different phases
    (so queued in buckets of different widths) still run in scheduling order."""
    engine = Engine()
    rnd = random.Random(3)
    seen: list[tuple[float, int]] = []
    spans: set[int] = set()
    order: list[tuple[float, int, int]] = []  # (when, priority, sequence) of every live entry

    def fire(n: int) -> None:
        seen.append((engine.now, n))
        spans.add(engine._span)

    def schedule(when: float, priority: int) -> None:
        n = len(order)
        order.append((when, priority, n))
        engine.call_at(when, fire, n, priority=priority)

    def burst(k: int) -> None:  # dense: 5,000 entries within the next 10 s, some at shared times
        for _ in range(5000):
            schedule(engine.now + rnd.choice([rnd.random() * 10, 100.0, 100.5]), rnd.randint(0, 2))
        engine.call_later(20.0, quiet, k)

    def quiet(k: int) -> None:  # sparse: a few far entries, at the last burst's shared times too
        for delay in (80.0, 80.5, 130.0, 400.0):
            schedule(engine.now + delay, rnd.randint(0, 2))
        if k < 3:
            engine.call_later(60.0, burst, k + 1)

    engine.call_at(0.0, burst, 0)
    engine.run()
    assert [n for _, n in seen] == [n for _, _, n in sorted(order)]
    assert min(spans) < max(spans)  # the width did move


def test_bulk_removal_inside_a_running_crowd_keeps_the_order() -> None:
    """Thousands of events due at one instant; the first cancels most of the rest (enough to drop the dead
    entries in bulk while that instant runs) and schedules more for the same instant at every priority."""
    engine = Engine()
    seen: list[str] = []
    handles = [engine.call_at(5.0, seen.append, f"n{i}", priority=1 + i % 2) for i in range(3000)]

    def first() -> None:
        seen.append("first")
        for i in range(0, 3000, 4):
            handles[i].cancel()
        for i in range(1, 3000, 4):
            handles[i].cancel()
        engine.call_soon(seen.append, "urgent", priority=0)
        engine.call_soon(seen.append, "normal", priority=1)
        engine.call_soon(seen.append, "late", priority=2)

    engine.call_at(5.0, first, priority=0)
    engine.run()
    kept = [i for i in range(3000) if i % 4 >= 2]
    normal = [f"n{i}" for i in kept if i % 2 == 0]
    late = [f"n{i}" for i in kept if i % 2 == 1]
    assert seen == ["first", "urgent", *normal, "normal", *late, "late"]
    assert engine.pending() == [] and engine._cancelled == 0


# ----------------------------------------------------------------------------------------------------
# cancellation
# ----------------------------------------------------------------------------------------------------


def test_cancel_is_idempotent_and_cancelled_handle_never_runs() -> None:
    engine = Engine()
    seen: list[str] = []
    handle = engine.call_later(1.0, seen.append, "cancelled")
    engine.call_later(2.0, seen.append, "kept")
    handle.cancel()
    handle.cancel()
    assert handle.cancelled
    engine.run()
    handle.cancel()
    assert seen == ["kept"]
    assert engine.events_processed == 1


def test_cancel_from_an_earlier_event_at_same_time() -> None:
    engine = Engine()
    seen: list[str] = []
    victim = engine.call_at(1.0, seen.append, "victim")
    engine.call_at(1.0, victim.cancel, priority=0)
    engine.run()
    assert seen == []


def test_cancel_after_run_is_a_noop() -> None:
    engine = Engine()
    seen: list[int] = []
    handle = engine.call_later(1.0, seen.append, 1)
    engine.run()
    handle.cancel()
    handle.cancel()
    engine.run()
    assert seen == [1]


def test_a_handle_runs_at_most_once() -> None:
    engine = Engine()
    seen: list[int] = []
    engine.call_later(1.0, seen.append, 1)
    engine.run(until=1.0)
    engine.run(until=1.0)
    engine.run()
    assert seen == [1]


def test_peek_and_step_skip_cancelled_events() -> None:
    engine = Engine()
    seen: list[int] = []
    first = engine.call_at(1.0, seen.append, 1)
    engine.call_at(2.0, seen.append, 2)
    assert engine.peek() == 1.0
    first.cancel()
    assert engine.peek() == 2.0
    assert engine.step() is True
    assert seen == [2] and engine.now == 2.0
    assert engine.step() is False
    assert engine.peek() is None


class _NoCompactionEngine(Engine):
    """The engine with bulk removal of cancelled entries switched off: a differential oracle."""

    def __init__(self) -> None:
        super().__init__()
        self._compact_at = sys.maxsize  # (more cancels than any test makes)


def _churn_trace(engine: Engine, seed: int, mode: str = "run") -> tuple[list[tuple[float, int]], int]:
    """Timer churn with heavy cancellation, same-time events and priorities. Returns (trace, max heap)."""
    rnd = random.Random(seed)
    trace: list[tuple[float, int]] = []
    timeouts: list[Handle] = []
    max_heap = 0
    fired = 0

    def fire(i: int) -> None:
        nonlocal max_heap, fired
        fired += 1
        trace.append((engine.now, i))
        max_heap = max(max_heap, len(engine.pending()))
        if fired > 6000:
            return
        delay = rnd.choice([0.0, 0.5, 1.0, 1.0, 2.0])
        engine.call_later(delay, fire, rnd.randrange(10**6), priority=rnd.randint(0, 2))
        # arm a far timeout and call off a random recent one (some already cancelled: a no-op)
        timeouts.append(engine.call_later(50.0, fire, -i, priority=rnd.randint(0, 2)))
        if len(timeouts) > 20 and rnd.random() < 0.9:
            timeouts.pop(rnd.randrange(len(timeouts) - 20, len(timeouts))).cancel()

    for i in range(300):
        engine.call_at(rnd.choice([0.0, 1.0, 2.0]), fire, i)
    if mode == "run":
        engine.run()
    elif mode == "slices":
        while engine.peek() is not None:
            engine.run(until=engine.now + 0.75)
    else:
        while engine.step():
            pass
    return trace, max_heap


@pytest.mark.parametrize("mode", ["run", "slices", "step"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_removal_of_cancelled_entries_keeps_the_order(seed: int, mode: str) -> None:
    plain = _NoCompactionEngine()
    expected, plain_max = _churn_trace(plain, seed, mode="run")
    compacting = Engine()
    got, compact_max = _churn_trace(compacting, seed, mode=mode)
    assert got == expected
    assert compacting.events_processed == plain.events_processed == len(expected)
    assert compact_max < plain_max  # the bulk removal did happen
    assert compacting.pending() == [] and compacting._cancelled == 0


def test_mass_cancel_before_run_shrinks_heap_and_keeps_order() -> None:
    rnd = random.Random(5)
    engine = Engine()
    seen: list[int] = []
    times = [rnd.choice([0.0, 1.0, 1.5, 3.0]) for _ in range(5000)]
    handles = [engine.call_at(t, seen.append, i, priority=i % 3) for i, t in enumerate(times)]
    cancelled = set(rnd.sample(range(5000), 4000))
    for i in sorted(cancelled):
        handles[i].cancel()
        handles[i].cancel()  # idempotent: counted once
    assert len(engine.pending()) < 5000
    assert engine._cancelled == sum(entry.cancelled for entry in engine.pending())  # bookkeeping
    engine.run()
    live = [i for i in range(5000) if i not in cancelled]
    assert seen == sorted(live, key=lambda i: (times[i], i % 3))
    assert engine.pending() == [] and engine._cancelled == 0


def test_cancelled_entries_beyond_until_do_not_move_the_clock() -> None:
    engine = Engine()
    engine.call_at(50.0, lambda: None).cancel()
    engine.run()
    assert engine.now == 0.0


# ----------------------------------------------------------------------------------------------------
# run(until)
# ----------------------------------------------------------------------------------------------------


def test_run_until_stops_before_later_events_and_sets_now() -> None:
    engine = Engine()
    seen: list[float] = []
    for t in (1.0, 2.0, 3.0):
        engine.call_at(t, seen.append, t)
    engine.run(until=2.0)  # events at exactly `until` run
    assert seen == [1.0, 2.0] and engine.now == 2.0
    engine.run(until=2.5)
    assert seen == [1.0, 2.0] and engine.now == 2.5
    assert engine.peek() == 3.0
    engine.run()
    assert seen == [1.0, 2.0, 3.0] and engine.now == 3.0


def test_run_until_on_empty_queue_advances_clock() -> None:
    engine = Engine()
    engine.run(until=42.0)
    assert engine.now == 42.0


def test_run_until_in_the_past_does_not_rewind() -> None:
    engine = Engine()
    engine.run(until=10.0)
    engine.run(until=5.0)
    assert engine.now == 10.0


def test_step_by_step_matches_run() -> None:
    def build(engine: Engine, trace: list[tuple[float, str]]) -> None:
        _mixed_model(engine, trace, actors=3, horizon=30.0)

    a, b = Engine(seed=3), Engine(seed=3)
    trace_a: list[tuple[float, str]] = []
    trace_b: list[tuple[float, str]] = []
    build(a, trace_a)
    build(b, trace_b)
    a.run()
    while b.step():
        pass
    assert trace_a == trace_b and trace_a
    assert a.events_processed == b.events_processed


def _mixed_model(engine: Engine, trace: list[tuple[float, str]], actors: int, horizon: float) -> None:
    """Callbacks, processes, signals, predicates, timeouts and random streams, all recorded in ``trace``."""
    counter = [0]
    gate = engine.signal()

    def tick(name: str) -> None:
        counter[0] += 1
        trace.append((engine.now, f"tick {name} {counter[0]}"))
        if engine.now < horizon:
            engine.call_later(engine.rng(name).expovariate(0.5), tick, name)

    async def actor(i: int) -> int:
        rng = engine.rng(f"actor-{i}")
        woken = 0
        while engine.now < horizon:
            await engine.sleep(rng.uniform(0.0, 3.0))
            woken += 1
            trace.append((engine.now, f"actor {i} woke"))
            if rng.random() < 0.3:
                try:
                    await engine.wait_for(lambda: counter[0] % 3 == 0, timeout=rng.uniform(0.1, 2.0))
                    trace.append((engine.now, f"actor {i} predicate"))
                except SimulationTimeout:
                    trace.append((engine.now, f"actor {i} predicate timeout"))
        value = await engine.wait_for(gate)
        trace.append((engine.now, f"actor {i} gate {value}"))
        return woken

    async def opener() -> None:
        await engine.sleep(horizon / 2)
        gate.trigger("open")
        procs = [engine.process(actor(100 + i), name=f"late-{i}") for i in range(2)]
        for proc in procs:
            got = await engine.wait_for(proc.done)
            trace.append((engine.now, f"late done {got}"))

    for name in ("a", "b"):
        engine.call_soon(tick, name)
    procs = [engine.process(actor(i), name=f"actor-{i}") for i in range(actors)]
    engine.process(opener())

    async def collector() -> None:
        for proc in procs:
            value = await engine.wait_for(proc.done)
            trace.append((engine.now, f"done {proc.name} {value}"))

    engine.process(collector())


@PROPS
@given(
    st.integers(0, 2**32),
    st.lists(st.floats(0.0, 60.0, allow_nan=False), max_size=8),
)
def test_running_in_slices_gives_the_same_trace_as_one_run(seed: int, cuts: list[float]) -> None:
    whole: list[tuple[float, str]] = []
    engine = Engine(seed=seed)
    _mixed_model(engine, whole, actors=4, horizon=20.0)
    engine.run()

    sliced: list[tuple[float, str]] = []
    engine2 = Engine(seed=seed)
    _mixed_model(engine2, sliced, actors=4, horizon=20.0)
    for until in sorted(cuts):
        engine2.run(until=until)
        assert engine2.now >= until
        assert all(t <= until for t, _ in sliced)
    engine2.run()
    assert sliced == whole
    assert engine2.events_processed == engine.events_processed


def test_slices_of_fixed_width_like_a_live_view() -> None:
    whole: list[tuple[float, str]] = []
    engine = Engine(seed=11)
    _mixed_model(engine, whole, actors=5, horizon=40.0)
    engine.run()

    sliced: list[tuple[float, str]] = []
    live = Engine(seed=11)
    _mixed_model(live, sliced, actors=5, horizon=40.0)
    while live.peek() is not None:
        live.run(until=live.now + 0.1)
    assert sliced == whole


# ----------------------------------------------------------------------------------------------------
# random streams
# ----------------------------------------------------------------------------------------------------


def test_rng_is_reproducible_from_seed() -> None:
    draws_a = [Engine(seed=5).rng("x").random() for _ in range(2)]
    assert draws_a[0] == draws_a[1]
    assert Engine(seed=5).rng("x").random() != Engine(seed=6).rng("x").random()


def test_rng_same_name_returns_same_stream() -> None:
    engine = Engine(seed=1)
    assert engine.rng("s") is engine.rng("s")


def test_rng_streams_differ_by_name() -> None:
    engine = Engine(seed=1)
    assert [engine.rng("a").random() for _ in range(3)] != [engine.rng("b").random() for _ in range(3)]


@PROPS
@given(
    st.integers(0, 2**64),
    st.text(max_size=8),
    st.lists(st.tuples(st.text(max_size=8), st.integers(0, 20)), max_size=5),
)
def test_rng_stream_is_independent_of_other_streams(
    seed: int, name: str, others: list[tuple[str, int]]
) -> None:
    alone = Engine(seed=seed).rng(name)
    expected = [alone.random() for _ in range(5)]

    crowded = Engine(seed=seed)
    for other, n in others:
        if other == name:
            continue
        stream = crowded.rng(other)
        for _ in range(n):
            stream.random()
    assert [crowded.rng(name).random() for _ in range(5)] == expected


def test_rng_does_not_touch_global_random() -> None:
    random.seed(1234)
    before = random.getstate()
    engine = Engine(seed=9)
    engine.rng("a").random()
    engine.rng("b").gauss(0, 1)
    assert random.getstate() == before


# ----------------------------------------------------------------------------------------------------
# processes
# ----------------------------------------------------------------------------------------------------


def test_process_sleep_advances_virtual_time() -> None:
    engine = Engine()
    stamps: list[float] = []

    async def proc() -> None:
        stamps.append(engine.now)
        await engine.sleep(30)
        stamps.append(engine.now)
        await engine.sleep(0)
        stamps.append(engine.now)
        await engine.sleep(2.5)
        stamps.append(engine.now)

    engine.process(proc())
    engine.run()
    assert stamps == [0.0, 30.0, 30.0, 32.5]


def test_process_starts_at_current_instant_in_order() -> None:
    engine = Engine()
    seen: list[tuple[float, str]] = []

    async def proc(name: str) -> None:
        seen.append((engine.now, name))

    engine.call_at(7.0, lambda: [engine.process(proc(n)) for n in "abc"])
    engine.run()
    assert seen == [(7.0, "a"), (7.0, "b"), (7.0, "c")]


def test_sleep_rejects_negative_delay() -> None:
    engine = Engine()
    with pytest.raises(ValueError):
        engine.sleep(-1)


def test_process_return_value_via_done() -> None:
    engine = Engine()

    async def compute() -> int:
        await engine.sleep(3)
        return 42

    proc = engine.process(compute())
    assert isinstance(proc, Process)
    assert not proc.done.triggered
    engine.run()
    assert proc.done.triggered and proc.done.value == 42
    assert proc.error is None


def test_wait_for_signal_resumes_with_value_in_wait_order() -> None:
    engine = Engine()
    sig = engine.signal()
    got: list[tuple[str, float, object]] = []

    async def waiter(name: str) -> None:
        value = await engine.wait_for(sig)
        got.append((name, engine.now, value))

    engine.process(waiter("first"))
    engine.process(waiter("second"))
    engine.call_at(5.0, sig.trigger, "hello")
    engine.call_at(6.0, sig.trigger, "ignored")  # one-shot
    engine.run()
    assert got == [("first", 5.0, "hello"), ("second", 5.0, "hello")]
    assert sig.value == "hello"


def test_wait_for_already_triggered_signal_returns_immediately() -> None:
    engine = Engine()
    sig = engine.signal()
    sig.trigger(7)
    got: list[tuple[float, object]] = []

    async def proc() -> None:
        await engine.sleep(1)
        value = await engine.wait_for(sig, timeout=1.0)
        got.append((engine.now, value))

    engine.process(proc())
    engine.run()
    assert got == [(1.0, 7)]


def test_wait_for_another_process() -> None:
    engine = Engine()

    async def child() -> str:
        await engine.sleep(4)
        return "child-result"

    async def parent() -> tuple[float, object]:
        c = engine.process(child(), name="child")
        result = await engine.wait_for(c.done)
        return engine.now, result

    p = engine.process(parent(), name="parent")
    engine.run()
    assert p.done.value == (4.0, "child-result")


def test_wait_for_predicate_rechecked_after_events() -> None:
    engine = Engine()
    box = {"n": 0}
    got: list[tuple[float, object]] = []

    def bump() -> None:
        box["n"] += 1

    for t in (1.0, 2.0, 3.0, 4.0):
        engine.call_at(t, bump)

    async def proc() -> None:
        value = await engine.wait_for(lambda: box["n"] >= 3)
        got.append((engine.now, value))

    engine.process(proc())
    engine.run()
    assert got == [(3.0, True)]
    assert engine._predicate_waiters == []


def test_wait_for_predicate_already_true_does_not_advance_time() -> None:
    engine = Engine()
    got: list[tuple[float, object]] = []

    async def proc() -> None:
        await engine.sleep(2)
        value = await engine.wait_for(lambda: True, timeout=5)
        got.append((engine.now, value))
        await engine.sleep(1)
        got.append((engine.now, None))

    engine.process(proc())
    engine.run()
    assert got == [(2.0, True), (3.0, None)]


def test_wait_for_signal_timeout_raises_inside_process_and_process_continues() -> None:
    engine = Engine()
    sig = engine.signal()
    log: list[tuple[float, str]] = []

    async def proc() -> str:
        try:
            await engine.wait_for(sig, timeout=10)
        except SimulationTimeout:
            log.append((engine.now, "timeout"))
        await engine.sleep(1)
        log.append((engine.now, "after"))
        return "ok"

    p = engine.process(proc())
    engine.call_at(20.0, sig.trigger, "late")  # after the timeout: must not resume the process again
    engine.run()
    assert log == [(10.0, "timeout"), (11.0, "after")]
    assert p.done.value == "ok"
    assert sig._waiters == []


def test_wait_for_predicate_timeout_removes_waiter() -> None:
    engine = Engine()
    log: list[tuple[float, str]] = []
    flag = {"set": False}

    async def proc() -> None:
        try:
            await engine.wait_for(lambda: flag["set"], timeout=3)
            log.append((engine.now, "predicate"))
        except SimulationTimeout:
            log.append((engine.now, "timeout"))

    engine.process(proc())
    engine.call_at(1.0, lambda: None)
    engine.call_at(5.0, flag.update, {"set": True})
    engine.run()
    assert log == [(3.0, "timeout")]
    assert engine._predicate_waiters == []


def test_signal_before_timeout_cancels_the_timeout() -> None:
    engine = Engine()
    sig = engine.signal()
    log: list[tuple[float, object]] = []

    async def proc() -> None:
        value = await engine.wait_for(sig, timeout=10)
        log.append((engine.now, value))
        await engine.sleep(20)  # would be interrupted if the stale timer fired at t=10
        log.append((engine.now, "slept"))

    engine.process(proc())
    engine.call_at(2.0, sig.trigger, "v")
    engine.run()
    assert log == [(2.0, "v"), (22.0, "slept")]


def test_predicate_before_timeout_cancels_the_timeout() -> None:
    engine = Engine()
    box = {"n": 0}
    log: list[tuple[float, object]] = []

    async def proc() -> None:
        value = await engine.wait_for(lambda: box["n"] > 0, timeout=10)
        log.append((engine.now, value))
        await engine.sleep(20)
        log.append((engine.now, "slept"))

    engine.process(proc())
    engine.call_at(2.0, box.update, {"n": 1})
    engine.run()
    assert log == [(2.0, True), (22.0, "slept")]


def test_uncaught_timeout_ends_process_with_error() -> None:
    engine = Engine()
    sig = engine.signal()

    async def proc() -> None:
        await engine.wait_for(sig, timeout=1)

    p = engine.process(proc())
    with pytest.raises(SimulationTimeout):
        engine.run()
    assert isinstance(p.error, SimulationTimeout)
    assert p.done.triggered
    assert engine.now == 1.0


def test_exception_in_process_propagates_out_of_run() -> None:
    engine = Engine()

    class Boom(Exception):
        pass

    async def proc() -> None:
        await engine.sleep(5)
        raise Boom("bang")

    p = engine.process(proc(), name="boomer")
    engine.call_at(9.0, lambda: None)
    with pytest.raises(Boom):
        engine.run()
    assert isinstance(p.error, Boom)
    assert p.done.triggered
    assert engine.now == 5.0
    engine.run()  # the rest of the queue is still runnable
    assert engine.now == 9.0


def test_exception_in_callback_propagates_out_of_run() -> None:
    engine = Engine()

    def bad() -> None:
        raise RuntimeError("bad callback")

    engine.call_at(1.0, bad)
    with pytest.raises(RuntimeError):
        engine.run()


def test_awaiting_a_foreign_awaitable_is_an_error() -> None:
    engine = Engine()

    class Foreign:
        def __await__(self) -> Any:
            yield "not-an-engine-command"

    async def proc() -> None:
        await Foreign()

    engine.process(proc(), name="foreign")
    with pytest.raises(TypeError, match="foreign"):
        engine.run()


# ----------------------------------------------------------------------------------------------------
# no wall clock
# ----------------------------------------------------------------------------------------------------


def test_engine_never_reads_the_wall_clock_or_global_random(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_: object, **__: object) -> Any:
        raise AssertionError("the engine must not read the wall clock or the global random module")

    names = ["time", "monotonic", "perf_counter", "time_ns", "monotonic_ns", "perf_counter_ns", "sleep"]
    random_names = ["random", "uniform", "randint", "choice", "shuffle", "expovariate", "gauss", "seed"]
    trace: list[tuple[float, str]] = []
    with monkeypatch.context() as patch:
        for name in names:
            patch.setattr(time, name, forbidden)
        for name in random_names:
            patch.setattr(random, name, forbidden)
        engine = Engine(seed=2024)
        _mixed_model(engine, trace, actors=40, horizon=200.0)
        for _ in range(50):
            engine.run(until=engine.now + 3.0)
        engine.run()
        processed = engine.events_processed
    assert processed > 2000
    assert len(trace) > 1000


# ----------------------------------------------------------------------------------------------------
# a small end-to-end property: many processes, deterministic per seed
# ----------------------------------------------------------------------------------------------------


def _trace_for(
    seed: int, build: Callable[[Engine, list[tuple[float, str]]], None]
) -> list[tuple[float, str]]:
    engine = Engine(seed=seed)
    trace: list[tuple[float, str]] = []
    build(engine, trace)
    engine.run()
    return trace


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32))
def test_same_seed_same_trace(seed: int) -> None:
    def build(engine: Engine, trace: list[tuple[float, str]]) -> None:
        _mixed_model(engine, trace, actors=3, horizon=15.0)

    assert _trace_for(seed, build) == _trace_for(seed, build)
