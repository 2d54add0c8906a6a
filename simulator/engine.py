"""The discrete-event engine: a virtual clock, one event queue, named random streams and async processes.

Why it looks like this:

* Events run in (time, priority, scheduling) order: two events at the same time and priority run in the order they
  were scheduled (FIFO). Cancelling is lazy: the handle is flagged and skipped when its time comes, which keeps
  cancel O(1); cancelled entries are dropped in bulk once they pile up.
* The queue is a *window* of the near future plus far *buckets*. An event due at or after the window's end
  (``_limit``) costs one list append: it goes to the bucket of its time (a span of virtual time).
  When the window is used up, the earliest bucket is sorted once with ``list.sort`` (which compares plain floats
  in C, stably, so ties keep their scheduling order) and becomes the *run*, read in order by an index. Events
  scheduled into the open window go to the *late queue*: a heap of distinct times (plain floats: a heap compares
  its entries ~20 times per push and pop, and comparing two floats costs a fraction of comparing two
  ``(time, priority, sequence)`` entries) plus a dict from each time to its Handle, or to a "crowd" list kept in
  run order when several are due at once. The run and the late queue are merged as events are taken.
  Why: a heap pop walks all its levels with a rich comparison at each, and a simulation keeps a timer per
  running pod, tens of thousands due minutes ahead; sorting a bucket costs a fraction of popping its entries one
  by one from a heap. The bucket width follows the load (a crowded window narrows it, a nearly empty one widens
  it), so that few events land in the late queue and few windows open for one event.
* Randomness comes only from ``Engine.rng(name)``: each name gets its own ``random.Random`` seeded from a hash of
  (run seed, name). Adding a new stream therefore never shifts the numbers another stream draws.
* Processes are plain ``async def`` coroutines driven by ``send()`` from the engine's own loop: no asyncio, no
  trio, no wall clock. ``await engine.sleep(s)`` and ``await engine.wait_for(...)`` yield small command objects
  the engine understands.
"""

from __future__ import annotations

import gc
import hashlib
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

#: width of a far-future bucket at the start, and the widest one, in virtual seconds. Widths are powers of two from
#: 1/1024 s (a *tick*) up: ``when * _per`` and a bucket's bounds are then exact in floating point, so an event is
#: never put on the wrong side of the window's end. Buckets are keyed by their start in ticks (an int: it hashes
#: and compares faster than a float; below 2**30 ticks, 12 days of virtual time, it is also a one-digit int).
BUCKET_SECONDS = 8.0
_TICK = 1.0 / 1024.0
#: a window that opens with more entries than this narrows the buckets made after it (see Engine._refill)
_NARROW_ABOVE = 256
#: a window that opens with fewer entries than this doubles the width (up to BUCKET_SECONDS; see Engine._widen)
_WIDEN_BELOW = 16


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
            # Timer churn (arm a timeout, call it off) leaves many dead entries queued, each costing time and
            # memory. Once they outnumber ``_compact_at`` (the live entries at the last bulk removal, at least
            # 512, plus the dead ones it had to leave), drop them all: O(queue) per that many cancels, so O(1)
            # amortised; the order of live events is unchanged. (Inlined here, not a method of the engine: a
            # cancel is hot.)
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
        self._running = False  # inside run(): step() would pull entries from under it
        self._cancelled = 0  # cancelled entries still queued (in the run, the late queue or a far bucket)
        self._compact_at = 512  # drop cancelled entries in bulk past this many (see Handle.cancel)
        # The window (module docstring): every entry queued in the run or the late queue is due before ``_limit``,
        # every entry in a far bucket at or after it.
        self._limit = 0.0
        # The run: the window's entries as they were when it opened, sorted; ``_run[_pos]`` is the next one.
        self._run: list[Handle] = []
        self._pos = 0
        # The late queue: entries scheduled into the open window. ``_at[when]`` is the Handle due at ``when``, or
        # a crowd (a list of Handles in run order) when several are; ``_keys`` is a heap of the times in ``_at``.
        # A crowd being run stays in both until it is done: ``_crowd`` is it and ``_crowd_pos`` the index of its
        # next entry.
        self._at: dict[float, Handle | list[Handle]] = {}
        self._keys: list[float] = []
        self._crowd: list[Handle] | None = None
        self._crowd_pos = 0
        # The far future: ``_far[start]`` lists (in scheduling order) the entries due in [start, _far_end[start])
        # ticks; ``_far_keys`` is a heap of the starts; ``_far_mixed`` holds the starts of buckets with an entry of
        # a priority other than NORMAL (those are sorted by priority too). New buckets are ``_span`` ticks wide,
        # ``_per`` of them to the second. (Infinity's bucket is keyed by infinity.)
        self._span = round(BUCKET_SECONDS / _TICK)
        self._per = 1.0 / BUCKET_SECONDS
        self._far: dict[float, list[Handle]] = {}
        self._far_end: dict[float, float] = {}
        self._far_keys: list[float] = []
        self._far_mixed: set[float] = set()
        # (instance attributes, not only the module's constants, so that a test can make the width move often)
        self._narrow_above = _NARROW_ABOVE
        self._widen_below = _WIDEN_BELOW

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
        """Queue ``handle`` in the late queue (it is due in the open window)."""
        when = handle.when
        slot = self._at.setdefault(when, handle)
        if slot is handle:
            heappush(self._keys, when)
        else:
            self._join(slot, handle)

    def _push_far(self, handle: Handle) -> None:
        """Queue ``handle`` in the far bucket of its time (it is due at or after ``_limit``)."""
        # (call_later carries an inlined copy of the finite NORMAL-priority case: it is the hot path of timers and
        # process sleeps. Keep the two alike; the engine's reference-model tests schedule far times through both
        # call_at and call_later, so a copy that drifts puts events out of order there.)
        when: float = handle.when
        try:
            start: float = int(when * self._per) * self._span  # (exact: the width is a power of two)
        except (OverflowError, ValueError):  # infinity (and nan): a bucket of its own
            if when == self.now:
                # The infinite instant is being run (its window's _limit is infinity too, so nothing is below
                # it): an entry for it joins it, in (priority, scheduling) order, like any entry due now.
                self._push_near(handle)
                return
            start = when
        bucket = self._far.get(start)
        if bucket is None:
            self._far[start] = [handle]
            self._far_end[start] = start + self._span
            heappush(self._far_keys, start)
        else:
            bucket.append(handle)
        if handle.priority != NORMAL:
            self._far_mixed.add(start)

    def _refill(self) -> bool:
        """The run and the late queue are empty: the earliest far bucket becomes the run. False if none is left.

        Buckets made after the width was halved can lie inside an older, wider one; every bucket that starts
        before the window's end is taken with it. Taken in order of their starts, entries due at the same time
        stay in scheduling order (for one time, a narrower bucket never starts earlier), which ``list.sort``
        keeps: it is stable.
        """
        far_keys = self._far_keys
        if not far_keys:
            return False
        far, far_end, mixed = self._far, self._far_end, self._far_mixed
        first = heappop(far_keys)
        taken = [first]
        run = far.pop(first)
        end = far_end.pop(first)
        while far_keys and far_keys[0] < end:
            start = heappop(far_keys)
            taken.append(start)
            run += far.pop(start)
            end = max(end, far_end.pop(start))
        by_priority = bool(mixed) and not mixed.isdisjoint(taken)
        if by_priority:
            mixed.difference_update(taken)
        # (the sort compares plain floats in C, a fraction of what a heap's rich comparisons cost; cancelled
        # entries are sorted along and skipped when their turn comes)
        run.sort(key=_when_priority if by_priority else _when)
        self._run = run
        self._pos = 0
        self._limit = end * _TICK
        # The window's width follows the load: a crowded window narrows the buckets made from now on until one
        # would hold at most half of _NARROW_ABOVE at the same density, so that the late queue (entries scheduled
        # into the open window) stays short; a nearly empty one doubles it (see _widen), so that a sparse run
        # does not pay a window per event.
        n = len(run)
        if n > self._narrow_above:
            span = end - first
            while self._span > 1 and 2 * n * self._span > self._narrow_above * span:
                self._span //= 2
                self._per *= 2.0
        elif n < self._widen_below and self._span * _TICK < BUCKET_SECONDS:
            self._widen()
        return True

    def _widen(self) -> None:
        """Double the width of new buckets, and merge the narrower buckets already queued into buckets that wide.

        Why the merge: after it, for any one time, the buckets holding entries due then still start in the order
        those entries were scheduled (a narrower bucket never starts earlier), which _refill relies on. Each
        new bucket takes its old ones in order of their starts, keeping their entries' scheduling order.
        """
        width = self._span * 2
        self._span = width
        self._per *= 0.5
        far, far_end, mixed = self._far, self._far_end, self._far_mixed
        merged: dict[float, list[Handle]] = {}
        for start in sorted(far):
            end = far_end[start]
            if not end - start < width:  # already this wide or wider (or infinity's own): left as it is
                merged[start] = far[start]
                continue
            new = start // width * width
            bucket = merged.get(new)
            if bucket is None:
                merged[new] = far[start]
            else:
                bucket += far[start]
            far_end[new] = max(far_end.get(new, new), new + width)
            if start in mixed:
                mixed.add(new)
        self._far = merged
        self._far_end = {start: far_end[start] for start in merged}
        self._far_mixed = mixed & merged.keys()
        self._far_keys = sorted(merged)

    def pending(self) -> list[Handle]:
        """Every queued entry (live and cancelled), in no particular order: for tests and diagnostics."""
        out: list[Handle] = self._run[self._pos :]
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
        """Drop the cancelled entries of the late queue and the far buckets in bulk.

        The run and the running crowd are left whole (run() holds them and an index into them); their cancelled
        entries are skipped when their turn comes, and do not count towards the next bulk removal.
        """
        crowd = self._crowd
        at: dict[float, Handle | list[Handle]] = {}  # (copied back into self._at: run() holds that dict)
        live = 0
        for when, slot in self._at.items():
            if slot is crowd:
                at[when] = slot
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
        self._keys[:] = sorted(at)  # (a sorted list is a heap; the same list object: run() holds it)
        far: dict[float, list[Handle]] = {}
        for start, bucket in self._far.items():
            kept = [entry for entry in bucket if entry.callback is not None]
            if kept:
                far[start] = kept
                live += len(kept)
        self._far = far
        self._far_end = {start: self._far_end[start] for start in far}
        self._far_mixed &= far.keys()
        self._far_keys = sorted(far)
        kept_whole = self._run[self._pos :]
        if crowd is not None:
            kept_whole += crowd[self._crowd_pos :]
        dead = sum(1 for entry in kept_whole if entry.callback is None)
        live += len(kept_whole) - dead
        self._cancelled = dead
        self._compact_at = max(512, live) + dead

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
            return handle
        if priority == NORMAL:  # _push_far inlined, a copy kept alike (the common case of a timer)
            try:
                start: float = int(when * self._per) * self._span
            except (OverflowError, ValueError):  # infinity and nan: rare, handled in one place
                self._push_far(handle)
                return handle
            bucket = self._far.get(start)
            if bucket is None:
                self._far[start] = [handle]
                self._far_end[start] = start + self._span
                heappush(self._far_keys, start)
            else:
                bucket.append(handle)
            return handle
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
        """Take the next live entry due at or before ``until`` off the queue, or None. The caller runs it.

        The general case, which run() inlines only in part: the run and the late queue are merged, entries due
        at the same time by priority (a run entry first at equal priority: it was scheduled before any entry of
        the late queue); crowds; and opening the next window when both are empty.
        """
        keys, at = self._keys, self._at
        while True:
            run, pos = self._run, self._pos
            head: Handle | None = None
            while pos < len(run):
                if run[pos].callback is not None:
                    head = run[pos]
                    break
                pos += 1
                self._cancelled -= 1
            self._pos = pos
            crowd = self._crowd
            late: Handle | None = None
            if crowd is not None:  # (due now: never later than the run's next entry)
                crowd_pos = self._crowd_pos
                if crowd_pos == len(crowd):  # done
                    self._drop_crowd()
                    continue
                late = crowd[crowd_pos]
                if late.callback is None:
                    self._crowd_pos = crowd_pos + 1
                    self._cancelled -= 1
                    continue
            elif keys and (head is None or keys[0] <= head.when):
                slot = at[keys[0]]
                if slot.__class__ is not Handle:
                    # a crowd, due next: run it (it stays queued until it is done); begun only when due, so that
                    # it is the late queue's earliest entry while it runs
                    if keys[0] > until:
                        return None
                    self._crowd = slot  # type: ignore[assignment]
                    self._crowd_pos = 0
                    continue
                if slot.callback is None:
                    del at[heappop(keys)]
                    self._cancelled -= 1
                    continue
                late = slot
            if late is None:
                if head is None:
                    if self._refill():
                        continue
                    return None
            elif (
                head is None
                or late.when < head.when
                or (late.when == head.when and late.priority < head.priority)
            ):
                if late.when > until:
                    return None
                if crowd is not None:
                    self._crowd_pos += 1
                else:
                    del at[heappop(keys)]
                return late
            if head.when > until:
                return None
            self._pos = pos + 1
            return head

    def _late_head(self) -> float | None:
        """Time of the late queue's next live entry, or None; drops the dead entries in front of it."""
        crowd = self._crowd
        if crowd is not None:
            if any(entry.callback is not None for entry in crowd[self._crowd_pos :]):
                return crowd[0].when
            self._drop_crowd()
        keys, at = self._keys, self._at
        while keys:
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
        return None

    def peek(self) -> float | None:
        """Time of the next live event, or None when the queue is empty. Safe from inside a running callback: it
        opens no window (drops at most the cancelled entries in front of the late queue)."""
        best: float | None = None
        run = self._run
        for i in range(self._pos, len(run)):
            if run[i].callback is not None:
                best = run[i].when
                break
        late = self._late_head()
        if late is not None and (best is None or late < best):
            best = late
        if best is not None:
            return best
        # Only the far buckets are left: a bucket that starts after the best time found so far cannot hold an
        # earlier entry.
        for start in sorted(self._far_keys):
            if best is not None and start * _TICK > best:
                break
            for entry in self._far[start]:
                if entry.callback is not None and (best is None or entry.when < best):
                    best = entry.when
        return best

    def _drop_crowd(self) -> None:
        """The running crowd has no live entry left (or none at all): retire it. Its time is the late queue's earliest
        (a crowd is begun only when due); its dead entries stop counting as cancelled."""
        crowd = self._crowd
        assert crowd is not None
        self._cancelled -= len(crowd) - self._crowd_pos
        del self._at[heappop(self._keys)]
        self._crowd = None

    def step(self) -> bool:
        """Run the next live event. Returns False when there is none. Not from inside a running callback."""
        if self._running:
            raise RuntimeError("Engine.step() called while run() is running")
        entry = self._next(_INFINITY)
        if entry is None:
            return False
        callback = entry.callback
        self.now = self.last_event_time = entry.when
        entry.callback = None  # a handle runs at most once
        self.events_processed += 1  # (counted as it starts, as run() counts it)
        callback(*entry.args)  # type: ignore[misc]  # (_next returns live entries only)
        if self._predicate_waiters:
            self._check_predicates()
        return True

    def run(self, until: float | None = None) -> None:
        """Run events until the queue is empty or the next event is later than ``until``.

        With ``until``, the clock ends exactly at ``until``, so running in slices (``run(now + dt)``) gives the
        same run as one call.
        """
        if self._running:
            raise RuntimeError("Engine.run() called while run() is running")
        keys, at, waiters = self._keys, self._at, self._predicate_waiters
        limit = _INFINITY if until is None else until
        processed = 0  # events started, except those of the run taken inline: ``pos - base - dead`` of them
        run, pos = self._run, self._pos
        end = len(run)  # (nothing joins a run once it is open: new entries go to the late queue or far)
        # (an index and a count, not a counter per event: that costs 1.7 % in bench_engine)
        base, dead = pos, 0
        # Why the cyclic garbage collector is paused while events run: a simulation holds hundreds of thousands of
        # long-lived objects (pods, timers, index entries) that CPython's collector would traverse again and again
        # (about a fifth of run time at 100,000 pods), while what a run discards is freed by reference counting.
        # Cycles made meanwhile (e.g. by user processes) are collected as usual once run() returns, so a live view
        # that advances in slices never holds them for long.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        self._running = True
        try:
            # The common cases inlined: the run's next entry when the late queue has nothing as early; else the
            # late queue's next entry when it is due at an instant of its own. Everything else (a tie between
            # the two, a crowd, opening the next window) goes through _next. (``while True`` and ``continue``:
            # CPython 3.11 specialises a loop's bytecode only once it has jumped back.)
            while True:
                if pos < end:
                    entry = run[pos]
                    when = entry.when
                    if not keys or when < keys[0]:
                        if when > limit:
                            break
                        pos += 1
                        self._pos = pos
                        callback = entry.callback
                        if callback is None:
                            self._cancelled -= 1
                            dead += 1
                            continue
                        self.now = when
                        entry.callback = None
                        callback(*entry.args)
                        if waiters:
                            self._check_predicates()
                        continue
                    late_first = when > keys[0]
                else:
                    late_first = True
                if late_first and keys and self._crowd is None:
                    when = heappop(keys)
                    if when > limit:
                        heappush(keys, when)  # not due yet: put it back
                        break
                    slot = at.pop(when)
                    if slot.__class__ is Handle:
                        callback = slot.callback
                        if callback is None:
                            self._cancelled -= 1
                            continue
                        self.now = when
                        slot.callback = None
                        processed += 1
                        callback(*slot.args)
                        if waiters:
                            self._check_predicates()
                        continue
                    at[when] = slot  # a crowd: _next runs it, queued as it was
                    heappush(keys, when)
                taken = self._next(limit)
                processed += pos - base - dead
                run, pos = self._run, self._pos
                end = len(run)
                base, dead = pos, 0
                if taken is None:
                    break
                callback = taken.callback
                self.now = taken.when
                taken.callback = None
                processed += 1
                callback(*taken.args)  # type: ignore[misc]  # (_next returns live entries only)
                if waiters:
                    self._check_predicates()
        finally:
            self._running = False
            processed += pos - base - dead
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
_when = attrgetter("when")
_when_priority = attrgetter("when", "priority")
