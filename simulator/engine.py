"""The discrete-event engine: a virtual clock, one event queue, named random streams and async processes.

Why it looks like this:

* Events run in (time, priority, scheduling) order: two events at the same time and priority run in the order they
  were scheduled (FIFO). The near future is a heap of distinct *times* (plain floats) plus a dict from each time
  to its Handle, or to a "crowd" list of Handles kept in run order when several are due at once. Why floats: a
  heap compares its entries ~20 times per push and pop, and comparing two floats costs a fraction of comparing
  two ``(time, priority, sequence)`` entries; ties are settled once, when an entry joins a crowd. Cancelling is
  lazy: the handle is flagged and skipped when its time comes, which keeps cancel O(1).
* Only the near future is in the heap: events due at or after ``_limit`` wait unsorted in buckets of
  ``BUCKET_SECONDS`` of virtual time, and a bucket is moved into the heap when the heap runs dry. Why: a
  simulation keeps a timer per running pod (its exit, its probe), tens of thousands due minutes ahead, and every
  pop from one big heap walks all its levels through memory the CPU caches no longer hold; a heap of the next few
  seconds stays small and cached, and a far timer costs one list append. The order is exactly one queue's:
  everything in the heap is due before everything in the buckets.
* Randomness comes only from ``Engine.rng(name)``: each name gets its own ``random.Random`` seeded from a hash of
  (run seed, name). Adding a new stream therefore never shifts the numbers another stream draws.
* Processes are plain ``async def`` coroutines driven by ``send()`` from the engine's own loop: no asyncio, no
  trio, no wall clock. ``await engine.sleep(s)`` and ``await engine.wait_for(...)`` yield small command objects
  the engine understands.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import random
import types
from bisect import bisect_right
from collections.abc import Awaitable, Callable, Coroutine, Generator
from heapq import heappop, heappush
from operator import attrgetter
from typing import Any

__all__ = [
    "LATE",
    "NORMAL",
    "TIMELINE",
    "URGENT",
    "Engine",
    "Handle",
    "Process",
    "Signal",
    "SimulationTimeout",
]

# Priorities: lower runs first among events at the same instant. TIMELINE is for user actions (a Scenario's
# timeline, ``Simulation.act``): they open their instant, so an action recorded live replays identically.
TIMELINE = -1
URGENT = 0
NORMAL = 1
LATE = 2

#: width of a far-future bucket, virtual seconds (a power of two: ``when * _PER_BUCKET`` and the bucket's bounds
#: are then exact in floating point, so an event is never put on the wrong side of ``_limit``)
BUCKET_SECONDS = 8.0
_PER_BUCKET = 1.0 / BUCKET_SECONDS


class SimulationTimeout(Exception):
    """Raised inside a process whose ``wait_for(..., timeout=...)`` ran out."""


class Handle:
    """A scheduled callback; ``cancel()`` stops it from running (safe to call twice or after it ran).

    Why a plain slotted class (no ``__init__``): the engine fills the slots itself, which makes a handle about
    half the cost of a list-based one to create and read, and there is one per scheduled event. A handle that ran
    or was cancelled has ``callback`` None.
    """

    __slots__ = ("args", "callback", "engine", "priority", "when")

    when: float  # the virtual time the callback is (or was) due
    priority: int
    callback: Callable[..., object] | None
    args: tuple[Any, ...]
    engine: Engine

    @property
    def cancelled(self) -> bool:
        """True once cancelled, and also once the callback has run (a handle runs at most once)."""
        return self.callback is None

    def cancel(self) -> None:
        """Cancel the callback. Lazy: the entry stays queued and is skipped when its time comes.

        The engine counts it, so that it can drop cancelled entries in bulk once they pile up.
        """
        if self.callback is not None:
            self.callback = None
            # Timer churn (arm a timeout, call it off) leaves many dead entries queued, each costing heap and
            # memory. Once they outnumber ``_compact_at`` (the live entries at the last bulk removal, at least
            # 512), drop them all: O(queue) per that many cancels, so O(1) amortised; the order of live
            # events is unchanged. (Inlined here, not a method of the engine: a cancel is hot.)
            engine = self.engine
            engine._cancelled = n = engine._cancelled + 1
            if n > engine._compact_at:
                engine._compact()


class Signal:
    """A one-shot event processes can wait for (``await engine.wait_for(signal)``)."""

    __slots__ = ("_engine", "_waiters", "triggered", "value")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._waiters: list[Process] = []
        self.triggered = False
        self.value: object = None

    def trigger(self, value: object = None) -> None:
        """Fire the signal: waiting processes resume at the current instant, in the order they waited."""
        if self.triggered:
            return
        self.triggered = True
        self.value = value
        waiters, self._waiters = self._waiters, []
        for proc in waiters:
            proc._resume_soon(value)


@types.coroutine
def _sleep_command(delay: float) -> Generator[float, Any, None]:
    """What ``await engine.sleep(s)`` runs: it hands the engine the delay and resumes (with None) when it is up.

    Why a generator-based coroutine that yields a plain float: ``await`` uses it as it is (no ``__await__`` call
    and no command object), and the engine tells a sleep from a ``wait_for`` by the float's exact class.
    """
    yield delay


class _WaitFor:
    __slots__ = ("target", "timeout")

    def __init__(self, target: Signal | Callable[[], bool], timeout: float | None) -> None:
        self.target = target
        self.timeout = timeout

    def __await__(self) -> Generator[_WaitFor, Any, Any]:
        return (yield self)


class Process:
    """An ``async def`` coroutine driven by the engine. ``done`` is a Signal fired with the coroutine's result."""

    __slots__ = ("_coro", "_engine", "_step_later", "_timer", "done", "error", "name")

    def __init__(self, engine: Engine, coro: Coroutine[Any, Any, Any], name: str) -> None:
        self._engine = engine
        self._coro = coro
        self._timer: Handle | None = None
        self._step_later = self._step  # (bound once: a sleeping process schedules it at every sleep)
        self.name = name
        self.done = Signal(engine)
        self.error: BaseException | None = None

    def _resume_soon(self, value: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._engine.call_at(self._engine.now, self._step, value)

    def _step(self, value: object = None, exc: BaseException | None = None) -> None:
        engine = self._engine
        self._timer = None
        try:
            command = self._coro.throw(exc) if exc is not None else self._coro.send(value)
        except StopIteration as stop:
            self.done.trigger(stop.value)
            return
        except BaseException as err:
            self.error = err
            self.done.trigger(None)
            raise
        if command.__class__ is float:  # engine.sleep()
            self._timer = engine.call_later(command, self._step_later)
        elif isinstance(command, _WaitFor):
            target = command.target
            if isinstance(target, Signal):
                if target.triggered:
                    engine.call_at(engine.now, self._step, target.value)
                    return
                target._waiters.append(self)
            elif target():
                engine.call_at(engine.now, self._step, True)
                return
            else:
                engine._predicate_waiters.append((target, self))
            if command.timeout is not None:
                self._timer = engine.call_later(command.timeout, self._time_out, target)
        else:
            raise TypeError(
                f"process {self.name} awaited {command!r}; use engine.sleep() or engine.wait_for()"
            )

    def _time_out(self, target: Signal | Callable[[], bool]) -> None:
        self._timer = None
        if isinstance(target, Signal):
            if self in target._waiters:
                target._waiters.remove(self)
        else:
            waiters = self._engine._predicate_waiters
            waiters[:] = [w for w in waiters if w[1] is not self]  # (in place: run() holds the list)
        self._step(None, SimulationTimeout(f"process {self.name}: wait_for timed out"))


class Engine:
    """Virtual clock plus event queue. Nothing here reads the wall clock or the global ``random`` module.

    Args:
        seed: the run seed; every named random stream derives from it.
    """

    def __init__(self, seed: int = 0) -> None:
        self.now: float = 0.0
        self.seed = seed
        self._rngs: dict[str, random.Random] = {}
        self._predicate_waiters: list[tuple[Callable[[], bool], Process]] = []
        self.events_processed = 0
        # When the latest event ran: equal to ``now`` when the current instant has (partly) run already.
        self.last_event_time: float | None = None
        self._cancelled = 0  # cancelled entries still queued (near or far)
        self._compact_at = 512  # drop cancelled entries in bulk past this many (see Handle.cancel)
        # The near future (module docstring): ``_at[when]`` is the Handle due at ``when``, or a crowd (a list of
        # Handles in run order) when several are; ``_keys`` is a heap of the times in ``_at``. The crowd being run
        # stays in ``_at`` until it is done: ``_crowd`` is it and ``_crowd_pos`` the index of its next entry.
        self._at: dict[float, Handle | list[Handle]] = {}
        self._keys: list[float] = []
        self._crowd: list[Handle] | None = None
        self._crowd_pos = 0
        # The far future: events due at or after ``_limit`` wait in ``_far[when // BUCKET_SECONDS]`` (in the
        # order they were scheduled); ``_far_keys`` is a heap of those bucket numbers.
        self._limit = BUCKET_SECONDS
        self._far: dict[float, list[Handle]] = {}
        self._far_keys: list[float] = []

    # -- the queue ----------------------------------------------------------------------------------------------
    def _join(self, slot: Handle | list[Handle], handle: Handle) -> None:
        """Queue ``handle`` at a time that already has an entry (``slot``), keeping (priority, scheduling) order.

        A later-scheduled handle runs after every queued one of the same or a lower priority number; it goes
        before those of a higher number, but never before the part of the running crowd that already ran.
        """
        priority = handle.priority
        if slot.__class__ is Handle:
            self._at[handle.when] = [slot, handle] if priority >= slot.priority else [handle, slot]
            return
        crowd: list[Handle] = slot  # type: ignore[assignment]
        if priority >= crowd[-1].priority:
            crowd.append(handle)
            return
        lo = self._crowd_pos if crowd is self._crowd else 0
        crowd.insert(bisect_right(crowd, priority, lo, key=_priority), handle)

    def _push_near(self, handle: Handle) -> None:
        when = handle.when
        slot = self._at.setdefault(when, handle)
        if slot is handle:
            heappush(self._keys, when)
        else:
            self._join(slot, handle)

    def _push_far(self, handle: Handle) -> None:
        # (call_later carries an inlined copy of the finite case: 1.3 % of bench_engine's cost per wake-up; keep
        # the two alike. The engine's reference-model tests schedule far times through both call_at and
        # call_later, so a copy that drifts puts events out of order there.)
        when: float = handle.when
        try:
            key: float = int(when * _PER_BUCKET)  # floor(when / BUCKET_SECONDS), exact; an int hashes cheaply
        except (OverflowError, ValueError):  # infinity (and nan): a bucket of its own
            if when == self.now:
                # The infinite instant is being run (its window's _limit is infinity too, so nothing is below
                # it): an entry for it joins it, in (priority, scheduling) order, like any entry due now.
                self._push_near(handle)
                return
            key = when
        bucket = self._far.get(key)
        if bucket is None:
            self._far[key] = [handle]
            heappush(self._far_keys, key)
        else:
            bucket.append(handle)

    def _refill(self) -> bool:
        """The near future is empty: bring in the earliest far bucket. False when no event is queued at all."""
        at = self._at
        while self._far_keys:
            key = heappop(self._far_keys)
            bucket = self._far.pop(key)
            self._limit = (key + 1.0) * BUCKET_SECONDS
            for handle in bucket:  # (in scheduling order, so _join keeps the order)
                if handle.callback is None:
                    self._cancelled -= 1
                    continue
                slot = at.setdefault(handle.when, handle)
                if slot is not handle:
                    self._join(slot, handle)
            if at:
                keys = self._keys
                keys.extend(at)  # (the same list object: run() holds it)
                heapq.heapify(keys)
                return True
        return False

    def pending(self) -> list[Handle]:
        """Every queued entry (live and cancelled), in no particular order: for tests and diagnostics."""
        out: list[Handle] = []
        for slot in self._at.values():
            if slot.__class__ is Handle:
                out.append(slot)
            elif slot is self._crowd:
                out.extend(slot[self._crowd_pos :])
            else:
                out.extend(slot)  # type: ignore[arg-type]
        for bucket in self._far.values():
            out.extend(bucket)
        return out

    def _compact(self) -> None:
        at: dict[float, Handle | list[Handle]] = {}  # (copied back into self._at: run() holds that dict)
        live = 0
        for when, slot in self._at.items():
            if slot is self._crowd:  # the running crowd: keep it (and its position) whole
                at[when] = slot
                live += sum(1 for entry in slot[self._crowd_pos :] if entry.callback is not None)
            elif slot.__class__ is Handle:
                if slot.callback is not None:
                    at[when] = slot
                    live += 1
            else:
                kept = [entry for entry in slot if entry.callback is not None]  # type: ignore[union-attr]
                if kept:
                    at[when] = kept[0] if len(kept) == 1 else kept
                    live += len(kept)
        self._at.clear()
        self._at.update(at)
        # (a sorted list is a heap; the same list object: run() holds it. The running crowd's time is already off it.)
        self._keys[:] = sorted(when for when, slot in at.items() if slot is not self._crowd)
        far: dict[float, list[Handle]] = {}
        for key, bucket in self._far.items():
            kept = [entry for entry in bucket if entry.callback is not None]
            if kept:
                far[key] = kept
        self._far = far
        self._far_keys = sorted(far)
        live += sum(map(len, far.values()))
        crowd = self._crowd
        self._cancelled = (
            0 if crowd is None else sum(1 for e in crowd[self._crowd_pos :] if e.callback is None)
        )
        self._compact_at = max(512, live)

    # -- scheduling ---------------------------------------------------------------------------------------------
    def call_at(
        self, when: float, callback: Callable[..., object], *args: Any, priority: int = NORMAL
    ) -> Handle:
        """Run ``callback(*args)`` at virtual time ``when`` (not before now)."""
        if when < self.now:
            when = self.now
        handle = Handle()
        handle.when = when
        handle.priority = priority
        handle.callback = callback
        handle.args = args
        handle.engine = self
        if when < self._limit:
            self._push_near(handle)
        else:
            self._push_far(handle)
        return handle

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: Any, priority: int = NORMAL
    ) -> Handle:
        """Run ``callback(*args)`` ``delay`` seconds of virtual time from now."""
        # call_at inlined: this is the hottest scheduling path (timers, process sleeps)
        now = self.now
        when = now + delay
        if when < now:
            when = now
        handle = Handle()
        handle.when = when
        handle.priority = priority
        handle.callback = callback
        handle.args = args
        handle.engine = self
        if when < self._limit:
            slot = self._at.setdefault(when, handle)
            if slot is handle:
                heappush(self._keys, when)
            else:
                self._join(slot, handle)
        else:  # _push_far inlined, a copy kept alike (a far timer per running pod: this path is hot too)
            try:
                key: float = int(when * _PER_BUCKET)
            except (OverflowError, ValueError):  # infinity and nan: rare, handled in one place
                self._push_far(handle)
                return handle
            bucket = self._far.get(key)
            if bucket is None:
                self._far[key] = [handle]
                heappush(self._far_keys, key)
            else:
                bucket.append(handle)
        return handle

    def call_soon(self, callback: Callable[..., object], *args: Any, priority: int = NORMAL) -> Handle:
        """Run ``callback(*args)`` at the current instant, after everything already queued for it."""
        return self.call_at(self.now, callback, *args, priority=priority)

    # -- processes ----------------------------------------------------------------------------------------------
    def process(self, coro: Coroutine[Any, Any, Any], name: str = "process") -> Process:
        """Start an ``async def`` coroutine as a process at the current instant."""
        proc = Process(self, coro, name)
        self.call_soon(proc._step, None)
        return proc

    def sleep(self, delay: float) -> Awaitable[None]:
        """``await engine.sleep(s)``: resume after ``s`` seconds of virtual time."""
        if delay < 0:
            raise ValueError("sleep delay must be >= 0")
        return _sleep_command(float(delay))

    def wait_for(self, target: Signal | Callable[[], bool], timeout: float | None = None) -> Awaitable[Any]:
        """``await engine.wait_for(signal_or_predicate)``.

        A predicate is re-checked after every event until it holds; a Signal resumes the process when triggered.
        With ``timeout``, ``SimulationTimeout`` is raised in the process when it runs out.
        """
        return _WaitFor(target, timeout)

    def signal(self) -> Signal:
        """A new one-shot Signal."""
        return Signal(self)

    # -- randomness ---------------------------------------------------------------------------------------------
    def rng(self, name: str) -> random.Random:
        """The named random stream: independent of every other name, reproducible from the run seed."""
        stream = self._rngs.get(name)
        if stream is None:
            digest = hashlib.sha256(f"{self.seed}\x00{name}".encode()).digest()
            stream = random.Random(int.from_bytes(digest[:16], "big"))
            self._rngs[name] = stream
        return stream

    # -- running ------------------------------------------------------------------------------------------------
    def _next(self, until: float) -> Handle | None:
        """Take the next live entry due at or before ``until`` off the queue, or None. The caller runs it."""
        keys, at = self._keys, self._at
        while True:
            crowd = self._crowd
            if crowd is not None:
                pos = self._crowd_pos
                if pos < len(crowd):
                    self._crowd_pos = pos + 1
                    entry = crowd[pos]
                    if entry.callback is None:
                        self._cancelled -= 1
                        continue
                    return entry
                del at[crowd[0].when]
                self._crowd = None
            if not keys and not self._refill():
                return None
            when = keys[0]
            if when > until:
                return None
            heappop(keys)
            slot = at.pop(when)
            if slot.__class__ is Handle:
                if slot.callback is None:
                    self._cancelled -= 1
                    continue
                return slot
            self._begin_crowd(when, slot)  # type: ignore[arg-type]

    def _begin_crowd(self, when: float, crowd: list[Handle]) -> None:
        """Several entries are due at ``when`` (just taken off the heap): run them as the crowd, which stays in
        ``_at`` meanwhile so that entries scheduled for this instant join it."""
        self._at[when] = crowd
        self._crowd = crowd
        self._crowd_pos = 0

    def peek(self) -> float | None:
        """Time of the next live event, or None when the queue is empty."""
        crowd = self._crowd
        if crowd is not None:
            for i in range(self._crowd_pos, len(crowd)):
                if crowd[i].callback is not None:
                    return crowd[i].when
            self._drop_crowd()
        keys, at = self._keys, self._at
        while True:
            if not keys and not self._refill():
                return None
            when = keys[0]
            slot = at[when]
            if slot.__class__ is Handle:
                if slot.callback is not None:
                    return when
                self._cancelled -= 1
            elif any(entry.callback is not None for entry in slot):  # type: ignore[union-attr]
                return when
            else:
                self._cancelled -= len(slot)  # type: ignore[arg-type]
            heappop(keys)
            del at[when]

    def _drop_crowd(self) -> None:
        """The running crowd has no live entry left: retire it (its dead entries stop counting as cancelled)."""
        crowd = self._crowd
        assert crowd is not None
        self._cancelled -= len(crowd) - self._crowd_pos
        del self._at[crowd[0].when]
        self._crowd = None

    def step(self) -> bool:
        """Run the next live event. Returns False when there is none."""
        entry = self._next(_INFINITY)
        if entry is None:
            return False
        callback = entry.callback
        self.now = self.last_event_time = entry.when
        entry.callback = None  # a handle runs at most once
        callback(*entry.args)  # type: ignore[misc]  # (_next returns live entries only)
        self.events_processed += 1
        if self._predicate_waiters:
            self._check_predicates()
        return True

    def run(self, until: float | None = None) -> None:
        """Run events until the queue is empty or the next event is later than ``until``.

        With ``until``, the clock ends exactly at ``until``, so running in slices (``run(now + dt)``) gives the
        same run as one call.
        """
        keys, at, waiters = self._keys, self._at, self._predicate_waiters
        limit = _INFINITY if until is None else until
        processed = 0
        # Why the cyclic garbage collector is paused while events run: a simulation holds hundreds of thousands of
        # long-lived objects (pods, timers, index entries) that CPython's collector would traverse again and again
        # (about a fifth of run time at 100,000 pods), while what a run discards is freed by reference counting.
        # Cycles made meanwhile (e.g. by user processes) are collected as usual once run() returns, so a live view
        # that advances in slices never holds them for long.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            while True:
                if self._crowd is None:
                    # the common case, inlined: entries due at instants of their own. (``while True`` and a break,
                    # not ``while keys``: CPython 3.11 specialises a loop's bytecode only once it has jumped back.)
                    while True:
                        if not keys:
                            break
                        when = heappop(keys)
                        if when > limit:
                            heappush(keys, when)  # not due yet: put it back (_next then finds nothing due)
                            break
                        slot = at.pop(when)
                        if slot.__class__ is not Handle:
                            self._begin_crowd(when, slot)  # type: ignore[arg-type]
                            break
                        callback = slot.callback
                        if callback is None:
                            self._cancelled -= 1
                            continue
                        self.now = when
                        slot.callback = None
                        callback(*slot.args)
                        processed += 1
                        if waiters:
                            self._check_predicates()
                entry = self._next(limit)
                if entry is None:
                    break
                callback = entry.callback
                self.now = entry.when
                entry.callback = None
                callback(*entry.args)  # type: ignore[misc]  # (_next returns live entries only)
                processed += 1
                if waiters:
                    self._check_predicates()
        finally:
            self.events_processed += processed
            if processed:
                self.last_event_time = self.now
            if gc_was_enabled:
                gc.enable()
        if until is not None and until > self.now:
            self.now = until

    def _check_predicates(self) -> None:
        waiters = self._predicate_waiters
        still: list[tuple[Callable[[], bool], Process]] = []
        for predicate, proc in waiters:
            if predicate():
                proc._resume_soon(True)
            else:
                still.append((predicate, proc))
        waiters[:] = still  # (in place: run() holds the list)


_INFINITY = float("inf")


_priority = attrgetter("priority")
