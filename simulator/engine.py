"""The discrete-event engine: a virtual clock, one event queue, named random streams and async processes.

Why it looks like this:

* The queue is a binary heap of ``(time, priority, sequence, handle)`` tuples. ``sequence`` is a counter, so two
  events at the same time and priority run in the order they were scheduled (FIFO), and tuple comparison never
  reaches the handle. Cancelling is lazy: the handle is flagged and skipped when popped, which keeps cancel O(1)
  and the heap O(log n).
* Only the near future is in the heap: events due at or after ``_limit`` wait unsorted in buckets of
  ``BUCKET_SECONDS`` of virtual time, and a bucket is heapified when the heap runs dry. Why: a simulation keeps a
  timer per running pod (its exit, its probe), tens of thousands due minutes ahead, and every pop from one big
  heap walks all its levels through memory the CPU caches no longer hold; a heap of the next few seconds stays
  small and cached, and a far timer costs one list append. The order is exactly the one heap's: everything in
  the heap is due before everything in the buckets.
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
from collections.abc import Awaitable, Callable, Coroutine, Generator
from heapq import heappop, heappush
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

#: width of a far-future bucket, virtual seconds (a power of two: ``when // BUCKET_SECONDS`` and the bucket's
#: bounds are then exact in floating point, so an event is never put on the wrong side of ``_limit``)
BUCKET_SECONDS = 8.0


class SimulationTimeout(Exception):
    """Raised inside a process whose ``wait_for(..., timeout=...)`` ran out."""


class Handle(list):  # type: ignore[type-arg]
    """A scheduled callback; ``cancel()`` stops it from running (safe to call twice or after it ran).

    Why a list: the handle *is* the heap entry ``[when, priority, sequence, callback, args, engine]``, so
    scheduling allocates one object and the heap compares entries in C. ``sequence`` is unique, so comparison
    never reaches the callback. A handle that ran or was cancelled has ``callback`` None.
    """

    __slots__ = ()

    @property
    def when(self) -> float:
        """The virtual time the callback is (or was) due."""
        return self[0]  # type: ignore[no-any-return]

    @property
    def cancelled(self) -> bool:
        """True once cancelled, and also once the callback has run (a handle runs at most once)."""
        return self[3] is None

    def cancel(self) -> None:
        """Cancel the callback. Lazy: the entry stays in the heap and is skipped when it surfaces.

        The engine is told, so that it can drop cancelled entries in bulk once they are most of the heap.
        """
        if self[3] is not None:
            self[3] = None
            self[5]._handle_cancelled()


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


class _Sleep:
    __slots__ = ("delay",)

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def __await__(self) -> Generator[_Sleep, Any, None]:
        yield self


class _WaitFor:
    __slots__ = ("target", "timeout")

    def __init__(self, target: Signal | Callable[[], bool], timeout: float | None) -> None:
        self.target = target
        self.timeout = timeout

    def __await__(self) -> Generator[_WaitFor, Any, Any]:
        return (yield self)


class Process:
    """An ``async def`` coroutine driven by the engine. ``done`` is a Signal fired with the coroutine's result."""

    __slots__ = ("_coro", "_engine", "_timer", "done", "error", "name")

    def __init__(self, engine: Engine, coro: Coroutine[Any, Any, Any], name: str) -> None:
        self._engine = engine
        self._coro = coro
        self._timer: Handle | None = None
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
        if isinstance(command, _Sleep):
            self._timer = engine.call_later(command.delay, self._step)
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
            self._engine._predicate_waiters = [w for w in self._engine._predicate_waiters if w[1] is not self]
        self._step(None, SimulationTimeout(f"process {self.name}: wait_for timed out"))


class Engine:
    """Virtual clock plus event queue. Nothing here reads the wall clock or the global ``random`` module.

    Args:
        seed: the run seed; every named random stream derives from it.
    """

    def __init__(self, seed: int = 0) -> None:
        self.now: float = 0.0
        self.seed = seed
        self._queue: list[Handle] = []
        self._seq = 0
        self._rngs: dict[str, random.Random] = {}
        self._predicate_waiters: list[tuple[Callable[[], bool], Process]] = []
        self.events_processed = 0
        # When the latest event ran: equal to ``now`` when the current instant has (partly) run already.
        self.last_event_time: float | None = None
        self._cancelled = 0  # cancelled entries still queued (in the heap or the buckets)
        # The far future (module docstring): events due at or after ``_limit`` wait in ``_far[when //
        # BUCKET_SECONDS]``; ``_far_keys`` is a heap of those bucket numbers; ``_far_count`` entries in all.
        self._limit = BUCKET_SECONDS
        self._far: dict[float, list[Handle]] = {}
        self._far_keys: list[float] = []
        self._far_count = 0

    def _push_far(self, handle: Handle) -> None:
        when: float = handle[0]
        key = when // BUCKET_SECONDS
        if key != key:  # inf // w is nan: an event at infinity goes in a bucket of its own
            key = when
        bucket = self._far.get(key)
        if bucket is None:
            self._far[key] = [handle]
            heappush(self._far_keys, key)
        else:
            bucket.append(handle)
        self._far_count += 1

    def _refill(self) -> bool:
        """The heap is empty: make the earliest bucket the heap. False when no event is queued at all."""
        if not self._far_keys:
            return False
        key = heappop(self._far_keys)
        bucket = self._far.pop(key)
        self._far_count -= len(bucket)
        self._limit = (key + 1.0) * BUCKET_SECONDS
        queue = self._queue
        queue.extend(bucket)  # (the same list object: run() holds it)
        heapq.heapify(queue)
        return True

    def pending(self) -> list[Handle]:
        """Every queued entry (live and cancelled), in no particular order: for tests and diagnostics."""
        out = list(self._queue)
        for bucket in self._far.values():
            out.extend(bucket)
        return out

    def _handle_cancelled(self) -> None:
        # Timer churn (arm a timeout, call it off) leaves many dead entries queued, and every push and pop pays
        # log(heap size) for them. Once they are over half of what is queued, drop them all: O(n) per n/2
        # cancels, so O(1) amortised; the order of live events is unchanged (their keys are unique).
        self._cancelled = n = self._cancelled + 1
        queue = self._queue
        if n > 512 and n + n > len(queue) + self._far_count:
            queue[:] = [entry for entry in queue if entry[3] is not None]
            heapq.heapify(queue)
            far: dict[float, list[Handle]] = {}
            for key, bucket in self._far.items():
                live = [entry for entry in bucket if entry[3] is not None]
                if live:
                    far[key] = live
            self._far = far
            self._far_keys = sorted(far)  # (a sorted list is a heap)
            self._far_count = sum(map(len, far.values()))
            self._cancelled = 0

    # -- scheduling ---------------------------------------------------------------------------------------------
    def call_at(
        self, when: float, callback: Callable[..., object], *args: Any, priority: int = NORMAL
    ) -> Handle:
        """Run ``callback(*args)`` at virtual time ``when`` (not before now)."""
        if when < self.now:
            when = self.now
        self._seq = seq = self._seq + 1
        handle = Handle((when, priority, seq, callback, args, self))
        if when < self._limit:
            heappush(self._queue, handle)
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
        self._seq = seq = self._seq + 1
        handle = Handle((when, priority, seq, callback, args, self))
        if when < self._limit:
            heappush(self._queue, handle)
        else:
            self._push_far(handle)
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
        return _Sleep(delay)

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
    def peek(self) -> float | None:
        """Time of the next live event, or None when the queue is empty."""
        queue = self._queue
        while True:
            while queue and queue[0][3] is None:
                heapq.heappop(queue)
                self._cancelled -= 1
            if queue:
                return queue[0][0]  # type: ignore[no-any-return]
            if not self._refill():
                return None

    def step(self) -> bool:
        """Run the next live event. Returns False when there is none."""
        queue = self._queue
        while queue or self._refill():
            entry = heapq.heappop(queue)
            callback = entry[3]
            if callback is None:
                self._cancelled -= 1
                continue
            self.now = self.last_event_time = entry[0]
            entry[3] = None  # a handle runs at most once
            callback(*entry[4])
            self.events_processed += 1
            if self._predicate_waiters:
                self._check_predicates()
            return True
        return False

    def run(self, until: float | None = None) -> None:
        """Run events until the queue is empty or the next event is later than ``until``.

        With ``until``, the clock ends exactly at ``until``, so running in slices (``run(now + dt)``) gives the
        same run as one call.
        """
        queue = self._queue
        processed = 0
        # Why the cyclic garbage collector is paused while events run: a simulation holds hundreds of thousands of
        # long-lived objects (pods, timers, index entries) that CPython's collector would traverse again and again
        # (about a fifth of run time at 100,000 pods), while what a run discards is freed by reference counting.
        # Cycles made meanwhile (e.g. by user processes) are collected as usual once run() returns, so a live view
        # that advances in slices never holds them for long.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            if until is None:
                while queue or self._refill():
                    entry = heappop(queue)
                    callback = entry[3]
                    if callback is None:
                        self._cancelled -= 1
                        continue
                    self.now = entry[0]
                    entry[3] = None
                    callback(*entry[4])
                    processed += 1
                    if self._predicate_waiters:
                        self._check_predicates()
            else:
                while queue or self._refill():
                    entry = heappop(queue)
                    callback = entry[3]
                    if callback is None:
                        self._cancelled -= 1
                        continue
                    if entry[0] > until:
                        heappush(queue, entry)  # same key: the heap order is unchanged
                        break
                    self.now = entry[0]
                    entry[3] = None
                    callback(*entry[4])
                    processed += 1
                    if self._predicate_waiters:
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
        self._predicate_waiters = still
