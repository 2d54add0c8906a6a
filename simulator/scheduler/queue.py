"""The scheduling queue (pkg/scheduler/backend/queue, 1.35, simplified): activeQ, backoffQ, unschedulable.

* activeQ: a heap ordered by the profile's QueueSort plugin; the scheduler pops one pod per cycle.
* backoffQ: pods wait ``initial * 2^(attempts-1)`` seconds (capped at the max; 0 before any attempt) after their
  last failure. With ``SchedulerPopFromBackoffQ`` (beta, on by default since 1.33, so on in 1.35) the expiry is
  truncated to the 1 s ordering window (``alignToWindow``), a pod counts as backing off while that window is not
  over (``isPodBackingoff``: expiry >= truncate(now)), and the backoffQ is flushed on whole seconds, so a pod moves
  to activeQ at ``truncate(timestamp + backoff) + 1 s``. Each pod has its own timer at that instant on the virtual
  clock (virtual time 0 is taken as a whole second). Two heaps, as upstream: pods that failed with rejector
  plugins (podBackoffQ) and pods that failed without any (an error, or no nodes at all: podErrorBackoffQ).
* PopFromBackoffQ: when activeQ is empty the scheduler pops the head of podBackoffQ (earliest window, then the
  QueueSort order) even though it is still backing off (``activeQueue.unlockedPop`` / ``backoffQ.popBackoff``);
  podErrorBackoffQ is never popped early. Scheduling takes no virtual time here, so a pod that an event moves to
  backoffQ is retried at once unless activeQ holds other pods.
* unschedulable: pods rejected by Filter wait for a cluster event that may help one of the plugins that rejected
  them (``Plugin.events``), then go to backoffQ if still backing off, else activeQ. A failure with no rejector
  plugin goes to backoffQ (``determineSchedulingHintForInFlightPod`` returns queueAfterBackoff). Every 30 s (from
  queue start) pods unschedulable for longer than ``podMaxInUnschedulablePodsDuration`` (5 min) are moved
  regardless. The 30 s tick is only armed while some pod is unschedulable, so an idle scheduler leaves the
  engine's queue empty.

Not modelled: queueing hints per plugin (a plugin's ``events`` stand for its QueueingHintFns: any listed event
moves the pod), in-flight events (a cycle takes no virtual time), PreEnqueue/scheduling gates (gated pods are
simply not queued), activeQ ordering of pods re-added by ``Activate``.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from models.pod import Pod
from simulator.engine import Engine
from simulator.scheduler.framework import QueuedPodInfo

__all__ = [
    "BACKOFF_ORDERING_WINDOW", "FLUSH_UNSCHEDULABLE_INTERVAL", "SchedulingQueue", "align_to_window",
    "backoff_duration",
]  # fmt: skip

FLUSH_UNSCHEDULABLE_INTERVAL = 30.0
#: ``backoffQOrderingWindowDuration`` (backoff_queue.go): backoff expiries are truncated to whole seconds
BACKOFF_ORDERING_WINDOW = 1.0


def backoff_duration(attempts: int, initial: float, maximum: float) -> float:
    """``calculateBackoffDuration``: 0 before any attempt, else initial, doubled per further attempt, capped at
    maximum."""
    if attempts <= 0:
        return 0.0
    duration = initial
    for _ in range(1, attempts):
        if duration > maximum - duration:
            return maximum
        duration += duration
    return min(duration, maximum)


def align_to_window(t: float) -> float:
    """``alignToWindow``: ``t`` truncated to the backoffQ ordering window (a whole second)."""
    return math.floor(t / BACKOFF_ORDERING_WINDOW + 1e-9) * BACKOFF_ORDERING_WINDOW


class SchedulingQueue:
    """Pending pods of every profile. ``on_active`` is called whenever activeQ gains a pod."""

    def __init__(
        self,
        engine: Engine,
        key_fn: Callable[[QueuedPodInfo], Any],
        events_by_plugin: Mapping[str, frozenset[str]],
        initial_backoff: float = 1.0,
        max_backoff: float = 10.0,
        max_unschedulable: float = 300.0,
        on_active: Callable[[], None] | None = None,
        pop_from_backoff: bool = True,
    ) -> None:
        self.engine = engine
        self.key_fn = key_fn
        self.events_by_plugin = dict(events_by_plugin)
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_unschedulable = max_unschedulable
        self.on_active = on_active
        self.pop_from_backoff = pop_from_backoff
        self.start = engine.now
        self._heap: list[tuple[Any, int, QueuedPodInfo]] = []
        self._counter = itertools.count()
        self.infos: dict[str, QueuedPodInfo] = {}
        self._active = 0
        self.backoff: dict[str, QueuedPodInfo] = {}
        # podBackoffQ (pods with rejector plugins) in PopFromBackoffQ order: (aligned expiry, QueueSort key, entry);
        # entries are dropped lazily, ``_bentry`` holds each queued pod's live entry number
        self._bheap: list[tuple[float, Any, int, QueuedPodInfo]] = []
        self._bentry: dict[str, int] = {}
        self._bcount = 0
        # unschedulable pods grouped by the set of plugins that rejected them
        self._unsched: dict[frozenset[str], dict[str, QueuedPodInfo]] = {}
        self._group_events: dict[frozenset[str], frozenset[str] | None] = {}
        self._flush_handle: Any = None

    # -- sizes ----------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.infos)

    def __contains__(self, uid: str) -> bool:
        return uid in self.infos

    @property
    def active_count(self) -> int:
        return self._active

    @property
    def has_work(self) -> bool:
        """Whether ``pop`` would return a pod: activeQ, or (PopFromBackoffQ) podBackoffQ, is not empty."""
        return bool(self._active or self._bcount)

    @property
    def unschedulable_count(self) -> int:
        return sum(len(g) for g in self._unsched.values())

    def where(self, uid: str) -> str:
        """``active``, ``backoff``, ``unschedulable``, ``inflight`` or ``""`` (not queued)."""
        p = self.infos.get(uid)
        if p is None:
            return ""
        return p.where or "inflight"

    # -- adding and removing --------------------------------------------------------------------------------------
    def add(self, pod: Pod) -> None:
        """A new (or updated) pending pod."""
        uid = pod.uid or pod.key
        p = self.infos.get(uid)
        if p is not None:
            changed = p.pod.spec is not pod.spec
            p.pod = pod
            if changed and p.where == "unschedulable":
                self._leave(p)
                self._requeue(p)
            return
        p = QueuedPodInfo(pod, self.engine.now, next(self._counter))
        self.infos[uid] = p
        # _push_active, inlined
        p.where = "active"
        self._active += 1
        heapq.heappush(self._heap, (self.key_fn(p), next(self._counter), p))
        if self.on_active is not None:
            self.on_active()

    def delete(self, uid: str) -> None:
        p = self.infos.pop(uid, None)
        if p is not None:
            self._leave(p)

    def _leave(self, p: QueuedPodInfo) -> None:
        if p.where == "active":
            self._active -= 1  # the heap entry is dropped lazily
        elif p.where == "backoff":
            self.backoff.pop(p.uid, None)
            if self._bentry.pop(p.uid, None) is not None:
                self._bcount -= 1
            if p.backoff_handle is not None:
                p.backoff_handle.cancel()
                p.backoff_handle = None
        elif p.where == "unschedulable":
            group = self._unsched.get(p.unschedulable_plugins)
            if group is not None:
                group.pop(p.uid, None)
        p.where = ""

    def _push_active(self, p: QueuedPodInfo) -> None:
        p.where = "active"
        self._active += 1
        heapq.heappush(self._heap, (self.key_fn(p), next(self._counter), p))
        if self.on_active is not None:
            self.on_active()

    def pop(self) -> QueuedPodInfo | None:
        """The next pod to schedule (now in flight), or None: the head of activeQ, else (PopFromBackoffQ) the head
        of podBackoffQ."""
        heap = self._heap
        while heap:
            _, _, p = heapq.heappop(heap)
            if p.where == "active" and self.infos.get(p.uid) is p:
                p.where = ""
                self._active -= 1
                p.attempts += 1
                if p.initial_attempt is None:
                    p.initial_attempt = self.engine.now
                return p
        bheap = self._bheap
        while self._bcount and bheap:
            _, _, entry, p = heapq.heappop(bheap)
            if self._bentry.get(p.uid) != entry or p.where != "backoff":
                continue
            self._leave(p)
            p.attempts += 1
            if p.initial_attempt is None:
                p.initial_attempt = self.engine.now
            return p
        return None

    def done(self, p: QueuedPodInfo) -> None:
        """The pod was bound: forget it."""
        if self.infos.get(p.uid) is p:
            del self.infos[p.uid]
            self._leave(p)

    # -- failures -------------------------------------------------------------------------------------------------
    def backoff_expiry(self, p: QueuedPodInfo) -> float:
        """``getBackoffTime``: the aligned backoff expiry (0 for a pod never attempted)."""
        if p.attempts == 0:
            return 0.0
        expiry = p.timestamp + backoff_duration(p.attempts, self.initial_backoff, self.max_backoff)
        return align_to_window(expiry) if self.pop_from_backoff else expiry

    def is_backing_off(self, p: QueuedPodInfo) -> bool:
        """``isPodBackingoff``: with PopFromBackoffQ the expiry's window is not over yet (expiry >= truncate(now)),
        without it the expiry is after now."""
        if p.attempts == 0:
            return False
        if self.pop_from_backoff:
            return self.backoff_expiry(p) >= align_to_window(self.engine.now)
        return self.backoff_expiry(p) > self.engine.now

    def add_unschedulable(self, p: QueuedPodInfo, plugins: Iterable[str], error: bool = False) -> None:
        """A failed attempt: to backoffQ on an error or when no plugin rejected the pod (queueAfterBackoff), else
        to the unschedulable pods."""
        if self.infos.get(p.uid) is not p:
            return  # deleted or bound meanwhile
        p.timestamp = self.engine.now
        key = frozenset(plugins)
        if error or not key:
            p.unschedulable_plugins = frozenset()
            self._push_backoff(p)
            return
        p.unschedulable_plugins = key
        p.where = "unschedulable"
        group = self._unsched.get(key)
        if group is None:
            group = self._unsched[key] = {}
            if key:
                events: set[str] = set()
                for name in key:
                    events |= self.events_by_plugin.get(name, frozenset())
                self._group_events[key] = frozenset(events)
            else:
                self._group_events[key] = None  # any event
        group[p.uid] = p
        self._arm_flush()

    def _push_backoff(self, p: QueuedPodInfo) -> None:
        if not self.is_backing_off(p):
            self._push_active(p)
            return
        expiry = self.backoff_expiry(p)
        p.where = "backoff"
        self.backoff[p.uid] = p
        if not self.pop_from_backoff:
            p.backoff_handle = self.engine.call_at(expiry, self._backoff_done, p)
            return
        # flushBackoffQCompleted runs on whole seconds and moves pods whose expiry window is over
        p.backoff_handle = self.engine.call_at(expiry + BACKOFF_ORDERING_WINDOW, self._backoff_done, p)
        if p.unschedulable_plugins:
            # podBackoffQ (lessBackoffCompletedWithPriority): the activeQ may pop it when empty, so wake it up
            entry = next(self._counter)
            self._bentry[p.uid] = entry
            self._bcount += 1
            heapq.heappush(self._bheap, (expiry, self.key_fn(p), entry, p))
            if self.on_active is not None:
                self.on_active()

    def _backoff_done(self, p: QueuedPodInfo) -> None:
        p.backoff_handle = None
        if p.where == "backoff" and self.infos.get(p.uid) is p:
            self._leave(p)
            self._push_active(p)

    def _requeue(self, p: QueuedPodInfo) -> None:
        if self.is_backing_off(p):
            self._push_backoff(p)
        else:
            self._push_active(p)

    # -- cluster events -------------------------------------------------------------------------------------------
    def move_all(self, event: str) -> int:
        """``MoveAllToActiveOrBackoffQueue`` for pods that ``event`` may help. Returns how many moved."""
        if not self._unsched:
            return 0
        moved = 0
        for key in list(self._unsched):
            events = self._group_events[key]
            if events is not None and event not in events:
                continue
            group = self._unsched.pop(key)
            for p in group.values():
                p.where = ""
                self._requeue(p)
                moved += 1
        return moved

    def _arm_flush(self) -> None:
        if self._flush_handle is not None:
            return
        now = self.engine.now
        ticks = math.floor((now - self.start) / FLUSH_UNSCHEDULABLE_INTERVAL) + 1
        self._flush_handle = self.engine.call_at(
            self.start + ticks * FLUSH_UNSCHEDULABLE_INTERVAL, self._flush
        )

    def _flush(self) -> None:
        """``flushUnschedulablePodsLeftover``."""
        self._flush_handle = None
        now = self.engine.now
        for key in list(self._unsched):
            group = self._unsched[key]
            stale = [p for p in group.values() if now - p.timestamp > self.max_unschedulable]
            for p in stale:
                del group[p.uid]
                p.where = ""
                self._requeue(p)
        if any(self._unsched.values()):
            self._arm_flush()
