"""``GcPacer``: CPython's cyclic garbage collector run in small steps at the start of frames, never in a long stall.

Why: a simulation holds hundreds of thousands of long-lived objects (pods, nodes, timers, index entries), and a
full collection walks them all: 100 to 300 ms at 1,000 nodes, six frames' worth. Left to itself the collector
starts one whenever enough objects have survived, in the middle of whatever the app is doing. The engine pauses
the collector while it runs events for the same reason (``Engine.run``).

So while the app runs, automatic collection is off and the app calls ``frame()`` once a frame, before the engine
slice (whose wall-clock budget therefore includes it):

* every frame, the youngest generation is collected (the objects made since the last frame: cheap);
* every ``young_period``, generation 1 too;
* every ``freeze_period`` while playing, everything not frozen is collected (what survived since the last freeze:
  a couple of seconds' worth) and then frozen (``gc.freeze``: moved to the permanent generation, which later
  collections skip). The simulation as loaded is frozen at ``start()``.

A frozen object is freed as usual when its reference count drops to zero, but a frozen *reference cycle* is never
collected, and Textual makes one of every line it paints (a ``Strip`` caches itself). A line on screen at a freeze
and replaced later is therefore kept until a *sweep* (unfreeze, full collection, freeze), which takes as long as
a full collection. At 1,000 nodes at maximum speed that holds about 3 MB a minute (``benchmarks/bench_tui.py``'s
cluster). A sweep runs once playback has been paused for ``idle_sweep`` seconds (nobody is watching the clock
then) and, while playing, every ``playing_sweep`` seconds: the one long frame left, and a bound on the memory
held.
"""

from __future__ import annotations

import gc

__all__ = ["GcPacer"]


class GcPacer:
    """Runs the cyclic collector in frame-sized steps (see the module docstring).

    Args:
        young_period: seconds between collections of generation 1.
        freeze_period: seconds between "collect what is not frozen, then freeze" while playing.
        idle_sweep: seconds paused before a sweep (unfreeze, collect everything, freeze).
        playing_sweep: seconds of playing between sweeps.
    """

    def __init__(
        self,
        *,
        young_period: float = 0.5,
        freeze_period: float = 2.0,
        idle_sweep: float = 2.0,
        playing_sweep: float = 300.0,
    ) -> None:
        self.young_period = young_period
        self.freeze_period = freeze_period
        self.idle_sweep = idle_sweep
        self.playing_sweep = playing_sweep
        self.running = False
        self.sweeps = 0  # sweeps so far (tests and benchmarks read it)
        self._was_enabled = True
        self._last_young = self._last_freeze = self._last_active = self._last_sweep = 0.0
        self._dirty = False  # frozen since the last sweep

    def start(self, now: float) -> None:
        """Take over from the automatic collector: collect once, freeze what exists (the loaded simulation)."""
        if self.running:
            return
        self.running = True
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._sweep(now)

    def stop(self) -> None:
        """Give the frozen objects back to the collector and restore automatic collection as it was."""
        if not self.running:
            return
        self.running = False
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()

    def frame(self, now: float, playing: bool) -> None:
        """One frame's share of collection (call it at the start of the frame, ``now`` the wall clock)."""
        if not self.running:
            return
        if playing:
            self._last_active = now
            if now - self._last_sweep >= self.playing_sweep:
                self._sweep(now)
                return
            if now - self._last_freeze >= self.freeze_period:
                gc.collect()  # the frozen objects are skipped: this walks what survived since the last freeze
                gc.freeze()
                self._last_freeze = self._last_young = now
                self._dirty = True
                return
        elif self._dirty and now - self._last_active >= self.idle_sweep:
            self._sweep(now)
            return
        if now - self._last_young >= self.young_period:
            gc.collect(1)
            self._last_young = now
        else:
            gc.collect(0)

    def _sweep(self, now: float) -> None:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.sweeps += 1
        self._last_young = self._last_freeze = self._last_sweep = now
        self._dirty = False
