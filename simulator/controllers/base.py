"""What every controller shares: the context it runs in and a de-duplicating workqueue on the virtual clock.

Kubernetes controllers are level-triggered: a watch event only says "look at this key again"; the reconcile reads
the current state and writes the difference. The workqueue de-duplicates keys, so a burst of changes to one object
costs one reconcile. Reconciles run at the same virtual instant as the change that triggered them, after it
(``Engine.call_soon``), never inside the store's watch callback.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import attrs

from models.kubesim import NodePool, ScenarioDefaults
from models.node import Node
from models.pod import Pod
from simulator.defaults import KubeDefaults
from simulator.engine import LATE, Engine, Handle
from simulator.store import Store

__all__ = ["ControllerContext", "WorkQueue"]


@attrs.define
class ControllerContext:
    """The engine, the store and the defaults in force: all a controller may touch."""

    engine: Engine
    store: Store
    defaults: KubeDefaults
    scenario_defaults: ScenarioDefaults = attrs.field(factory=ScenarioDefaults)
    # metrics.k8s.io: a pod's CPU usage in millicores, or None when it has no metrics (the traffic model).
    pod_metrics: Callable[[Pod], int | None] | None = None
    # The cloud provider: add ``count`` nodes to a NodePool now (the Simulation's ``add_pool_nodes``).
    add_pool_nodes: Callable[[NodePool, int], list[Node]] | None = None


class WorkQueue:
    """A de-duplicating queue of keys processed by ``sync(key)`` at the current instant or after a delay."""

    def __init__(self, engine: Engine, sync: Callable[[str], None]) -> None:
        self._engine = engine
        self._sync = sync
        # A set for de-duplication and a deque for order: popping a dict's first key repeatedly would make each
        # pop skip all the deleted slots before it (quadratic in a large drain).
        self._pending: set[str] = set()
        self._order: deque[str] = deque()
        self._scheduled = False
        self._timers: dict[str, Handle] = {}

    def add(self, key: str) -> None:
        """Reconcile ``key`` soon (at this instant); a key already waiting is not added twice."""
        if key in self._pending:
            return
        self._pending.add(key)
        self._order.append(key)
        if not self._scheduled:
            self._scheduled = True
            self._engine.call_soon(self._drain, priority=LATE)

    def add_after(self, key: str, delay: float) -> None:
        """Reconcile ``key`` after ``delay`` seconds; an earlier pending timer for the key wins."""
        self.add_at(key, self._engine.now + delay)

    def add_at(self, key: str, when: float) -> None:
        """Reconcile ``key`` at virtual time ``when`` (now if it has passed); an earlier pending timer wins.

        Controllers that wait for a deadline they computed (``readySince + minReadySeconds``, a backoff's end)
        pass that deadline itself, not ``deadline - now``: ``now + (deadline - now)`` can round to one ulp short
        of it, and a sync that then finds the deadline not yet reached would re-arm a timer for the same
        instant, forever.
        """
        now = self._engine.now
        if when < now:
            when = now
        timer = self._timers.get(key)
        if timer is not None and not timer.cancelled and timer.when <= when:
            return
        if timer is not None:
            timer.cancel()
        self._timers[key] = self._engine.call_at(when, self._fire, key)

    def _fire(self, key: str) -> None:
        self._timers.pop(key, None)
        self.add(key)

    def _drain(self) -> None:
        # Only the keys waiting when the drain starts: a key our own writes re-add waits for the next drain, which
        # ``add`` schedules behind the other controllers' already-queued drains. Kubernetes' controllers run
        # concurrently, so a Deployment's next sync sees the ReplicaSet controller's work first; re-syncing the
        # same key in this pass would let it run several steps ahead of its ReplicaSets (e.g. scale the new
        # ReplicaSet twice before the old one gave up its pods: more than maxSurge pods for an instant).
        self._scheduled = False
        pending, order = self._pending, self._order
        for _ in range(len(order)):
            key = order.popleft()
            pending.discard(key)
            self._sync(key)
