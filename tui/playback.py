"""Playback: play/pause, speed, and advancing the simulation in wall-clock-bounded slices.

Why slices and steps: the engine is advanced only by ``run(until=t)`` (which moves the clock to ``t`` after every
event up to it) and by single ``step()``s, so the run is the one ``kubesim run`` makes, whatever the speed and
however the slices fall (DESIGN.md §3). Within a slice, events are stepped one at a time with a look at the wall
clock before each event: a burst of thousands of events at one instant (a Deployment's pods created and scheduled
at t=0) is spread over several frames instead of freezing one. Reading the wall clock is fine here; the simulator
itself never does.

An event is never split, so the slice does not start one that would probably end past the deadline. Most events
take microseconds, but a scheduling cycle takes milliseconds on a big cluster (tens of them at 1,000 nodes with
the default topology spreading): the next event is predicted to cost what recent events cost, or what recent
scheduling cycles cost while the scheduler has pods waiting (a cycle then runs in the current instant; a cycle is
recognised by the scheduler's attempt counter moving). A frame's slice runs at least its first event, so the run
advances however slow events are (``at_least_one``; the app turns it off for a second slice in the same frame).

Samples for the timeline are taken at fixed virtual times (every ``sample_interval``): a slice ends at the sample
time, the sample only reads, and the next slice starts. That keeps the sparklines the same at any speed.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from simulator.simulation import Simulation

__all__ = ["SPEEDS", "AdvanceResult", "Playback", "format_speed"]

SPEEDS: tuple[float, ...] = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, math.inf)
"""Virtual seconds per wall second, from real time to as fast as possible (``inf``)."""

DEFAULT_SPEED = 30.0
MAX_WALL_DT = 0.25  # a stalled frame (a modal, a slow terminal) does not turn into a jump of the clock


def format_speed(speed: float) -> str:
    """``×60``, ``×1,800`` or ``max``."""
    return "max" if math.isinf(speed) else f"×{speed:,.0f}"


@dataclass
class AdvanceResult:
    """What one ``advance`` did: virtual seconds covered, events run, whether it reached its target."""

    virtual: float = 0.0
    events: int = 0
    reached: bool = True


class Playback:
    """Play/pause and speed over a simulation, and the slicing that advances it.

    Args:
        sim: the simulation to advance.
        until: the end of the run (the scenario's duration).
        sample: called with nothing at every multiple of ``sample_interval``, the engine stopped exactly there.
        sample_interval: virtual seconds between samples.
    """

    def __init__(
        self,
        sim: Simulation,
        until: float,
        sample: Callable[[], None] | None = None,
        sample_interval: float = 10.0,
    ) -> None:
        self.sim = sim
        self.until = until
        self.playing = False
        self.speed_index = SPEEDS.index(DEFAULT_SPEED)
        self._sample = sample
        self.sample_interval = sample_interval
        self.next_sample = 0.0
        self.achieved = 0.0  # virtual seconds per wall second over the last frames (for the status line)
        self.event_cost = 0.0  # wall seconds an event took lately (a moving average)
        self.cycle_cost = 0.0  # wall seconds a scheduling cycle took lately (a decaying maximum)

    # -- controls -----------------------------------------------------------------------------------------------
    @property
    def speed(self) -> float:
        """Virtual seconds per wall second (``inf``: as fast as possible)."""
        return SPEEDS[self.speed_index]

    def faster(self) -> None:
        """One speed step up (the last is ``max``)."""
        self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)

    def slower(self) -> None:
        """One speed step down (the first is real time)."""
        self.speed_index = max(self.speed_index - 1, 0)

    @property
    def finished(self) -> bool:
        """The clock is at the end of the run."""
        return self.sim.now >= self.until

    # -- advancing ----------------------------------------------------------------------------------------------
    def tick(self, wall_dt: float, deadline: float, at_least_one: bool = True) -> AdvanceResult:
        """One frame of playing: ``speed * wall_dt`` virtual seconds, stopping early at the wall ``deadline``
        (``at_least_one``: see ``advance_to``)."""
        if not self.playing or self.finished:
            return AdvanceResult()
        wall_dt = min(wall_dt, MAX_WALL_DT)
        speed = self.speed
        target = self.until if math.isinf(speed) else min(self.until, self.sim.now + speed * wall_dt)
        start = self.sim.now
        result = self.advance_to(target, deadline, at_least_one)
        if wall_dt > 0:
            rate = (self.sim.now - start) / wall_dt
            self.achieved = rate if self.achieved == 0 else 0.7 * self.achieved + 0.3 * rate
        if self.finished:
            self.playing = False
        return result

    def step_event(self) -> AdvanceResult:
        """``.``: run to the next event's instant (every event at it), taking the samples passed on the way."""
        nxt = self.sim.engine.peek()
        if nxt is None or nxt > self.until:
            return self.advance_to(self.until)
        return self.advance_to(max(nxt, self.sim.now))

    def advance_to(
        self, target: float, deadline: float = math.inf, at_least_one: bool = True
    ) -> AdvanceResult:
        """Run every event up to ``target`` and move the clock there, unless the wall clock would pass
        ``deadline`` first (then the clock stays at the last event run, possibly mid-instant; the next call
        continues). With ``at_least_one``, the first event runs however late it is (so that slices make progress
        however slow events are); without, every event must be expected to end before the deadline."""
        sim = self.sim
        peek = sim.engine.peek
        step = sim.step
        scheduler = sim.scheduler
        waiting = scheduler.queue
        perf = time.perf_counter
        start = sim.now
        events = 0
        gc_was_enabled = gc.isenabled()
        gc.disable()  # as Engine.run does: the long-lived simulation objects make collections slow
        try:
            while True:
                stop = min(target, self.next_sample) if self._sample is not None else target
                while True:
                    nxt = peek()
                    if nxt is None or nxt > stop:
                        break
                    before = perf()
                    if events or not at_least_one:
                        cost = self.event_cost
                        if waiting.active_count and self.cycle_cost > cost:
                            cost = self.cycle_cost
                        if before + cost >= deadline:
                            return AdvanceResult(sim.now - start, events, reached=False)
                    attempts = scheduler.attempts
                    step()
                    events += 1
                    cost = perf() - before
                    if scheduler.attempts != attempts:
                        # a decaying maximum: one slow cycle makes the next ones start only in a fresh slice
                        self.cycle_cost = max(cost, 0.9 * self.cycle_cost + 0.1 * cost)
                    else:
                        self.event_cost = 0.8 * self.event_cost + 0.2 * cost
                if stop > sim.now:
                    sim.run(until=stop)  # no event left up to stop: this only moves the clock
                if self._sample is not None and stop >= self.next_sample:
                    self._sample()
                    self.next_sample += self.sample_interval
                if stop >= target:
                    return AdvanceResult(sim.now - start, events, reached=True)
                if perf() >= deadline:
                    return AdvanceResult(sim.now - start, events, reached=False)
        finally:
            if gc_was_enabled:
                gc.enable()
