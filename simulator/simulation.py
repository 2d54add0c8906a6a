"""``Simulation``: the front door. Loads objects into a fresh store, wires controllers and scheduler, runs.

Objects from the input go into the store at t=0 in dependency order (namespaces and priority classes, then nodes,
then services and workloads, then bare pods), so that admission and controllers see what they depend on. The
Scenario's timeline is put on the engine's queue as ordinary events.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

from models.kubesim import NodePool, Scenario, ScenarioDefaults
from models.meta import KObject
from models.node import Node
from models.schedconfig import KubeSchedulerConfiguration
from simulator.admission import PodAdmission
from simulator.controllers import CONTROLLERS
from simulator.controllers.base import ControllerContext
from simulator.controllers.kubelet import Kubelet
from simulator.defaults import DEFAULT_KUBERNETES_VERSION, KubeDefaults, defaults_for
from simulator.engine import TIMELINE, Engine
from simulator.eventlog import EXPLAIN_FIELDS, EventLog
from simulator.faults import FaultInjector
from simulator.metrics.collector import MetricsCollector
from simulator.nodepools import nodes_for_pool
from simulator.scheduler.scheduler import Scheduler
from simulator.store import Store
from simulator.timeline import ACTIONS, ActionError, run_action
from simulator.traffic import TrafficModel

__all__ = ["Simulation"]

_LOAD_ORDER = {
    "Namespace": 0,
    "PriorityClass": 1,
    "Scenario": 2,
    "NodePool": 3,
    "Node": 4,
    "Service": 5,
    "PodDisruptionBudget": 6,
}
_DEFAULT_ORDER = 7
_BARE_POD_ORDER = 8


class Simulation:
    """A cluster on a virtual clock.

    Args:
        objects: loaded Kubernetes and kubesim objects (see ``models.loader``). At most one Scenario and one
            KubeSchedulerConfiguration.
        seed: overrides the Scenario's seed.
        keep_log: keep every event-log record in memory (needed to write the log); counts are kept regardless.
        explain: have the scheduler record an explanation for every scheduling attempt.
    """

    def __init__(
        self,
        objects: Iterable[KObject] = (),
        *,
        seed: int | None = None,
        keep_log: bool = True,
        explain: bool = False,
    ) -> None:
        objects = list(objects)
        scenarios = [o for o in objects if isinstance(o, Scenario)]
        self.scenario: Scenario | None = scenarios[0] if scenarios else None
        version = self.scenario.kubernetes_version if self.scenario else DEFAULT_KUBERNETES_VERSION
        self.seed = seed if seed is not None else (self.scenario.seed if self.scenario else 0)
        self.duration = self.scenario.duration if self.scenario else 3600.0
        self.defaults: KubeDefaults = defaults_for(version)
        self.engine = Engine(self.seed)
        self.log = EventLog(keep=keep_log)
        self.store = Store(self.engine, self.log)
        configs = [o for o in objects if isinstance(o, KubeSchedulerConfiguration)]
        ctx = ControllerContext(
            engine=self.engine,
            store=self.store,
            defaults=self.defaults,
            scenario_defaults=self.scenario.defaults if self.scenario else ScenarioDefaults(),
        )
        self.store.admit("Pod", PodAdmission(self.store, self.defaults))
        # Readers first, so they see every write from t=0 on.
        self.metrics = MetricsCollector(self.store)
        self.traffic = TrafficModel(self.engine, self.store, self.scenario)
        self.metrics.add_section("services", self.traffic.summary)
        ctx.pod_metrics = self.traffic.pod_cpu_usage
        ctx.add_pool_nodes = self.add_pool_nodes
        self.scheduler = Scheduler(
            self.engine,
            self.store,
            self.defaults,
            configs[0] if configs else None,
            explain=explain,
            explain_callback=self._log_explain if explain else None,
        )
        self.kubelet = Kubelet(ctx)
        self.kubelet.traffic_memory = self.traffic.pod_memory_usage
        self.traffic.on_memory_change = self.kubelet.check_memory
        self.ctx = ctx
        self.controllers: list[object] = [cls(ctx) for cls in CONTROLLERS]
        self._pool_size: dict[str, int] = {}
        self.timeline_errors: list[str] = []
        # Scripted and stochastic faults (spec.failures); they act through the kubelet.
        self.faults = FaultInjector(
            self.engine, self.store, self.kubelet, self.metrics, self.scenario, self.timeline_errors
        )
        for obj in sorted(
            (o for o in objects if not isinstance(o, KubeSchedulerConfiguration)), key=self._load_rank
        ):
            self._add(obj)
        if self.scenario is not None:
            for entry in self.scenario.timeline:
                self.engine.call_at(
                    entry.at, self._timeline_entry, entry.action, entry.params, priority=TIMELINE
                )

    @classmethod
    def from_files(
        cls, paths: Sequence[str | os.PathLike[str]], *, lenient: bool = False, **kwargs: Any
    ) -> Simulation:
        """Load YAML files or directories and build a simulation (raises ``models.errors.InputError``)."""
        from models.loader import load_paths

        return cls(load_paths(paths, lenient=lenient).objects, **kwargs)

    @classmethod
    def from_text(cls, text: str, filename: str = "<string>", **kwargs: Any) -> Simulation:
        """Build a simulation from YAML text."""
        from models.loader import load_text

        return cls(load_text(text, filename).objects, **kwargs)

    @staticmethod
    def _load_rank(obj: KObject) -> int:
        rank = _LOAD_ORDER.get(obj.KIND)
        if rank is not None:
            return rank
        return _BARE_POD_ORDER if obj.KIND == "Pod" else _DEFAULT_ORDER

    def _add(self, obj: KObject) -> None:
        self.store.add(obj)
        if isinstance(obj, NodePool):
            self.add_pool_nodes(obj, obj.count)

    def add_pool_nodes(self, pool: NodePool, count: int) -> list[Node]:
        """Add ``count`` nodes to ``pool`` (indices continue from the pool's last node)."""
        start = self._pool_size.get(pool.name, 0)
        nodes = nodes_for_pool(pool, start, count)
        self._pool_size[pool.name] = start + count
        for node in nodes:
            self.store.add(node)
        return nodes

    def _timeline_entry(self, action: str, params: dict[str, Any]) -> None:
        try:
            run_action(self, action, params)
        except ActionError as err:
            message = f"timeline {action} at t={self.engine.now:g}: {err}"
            self.timeline_errors.append(message)
            if self.scenario is not None:
                self.store.event(self.scenario, "TimelineFailed", message, "Warning")

    def _log_explain(self, record: dict[str, Any]) -> None:
        namespace, _, name = str(record["pod"]).partition("/")
        self.log.append(EXPLAIN_FIELDS, (self.engine.now, "EXPLAIN", "Pod", namespace, name, record))

    # -- running ------------------------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Current virtual time in seconds."""
        return self.engine.now

    def run(self, until: float | None = None) -> None:
        """Advance to ``until`` (default: the scenario's duration). Can be called repeatedly in slices."""
        self.engine.run(until=self.duration if until is None else until)

    def step(self) -> bool:
        """Process one event; False when nothing is left to do."""
        return self.engine.step()

    def do(self, action: str, **params: Any) -> None:
        """Run a timeline action now (``sim.do("crashNode", node="pool-3")``), as the TUI and scripts do."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; known: {', '.join(sorted(ACTIONS))}")
        run_action(self, action, params)

    def act(self, action: str, **params: Any) -> float:
        """Run a timeline action now, the way a live view or a test should, and return its time.

        Unlike :meth:`do`, the action goes through the engine like a Scenario timeline entry: it opens an instant
        (priority ``TIMELINE``) at ``now``, or just after ``now`` if events already ran at ``now``, and the
        instant is run to the end. A Scenario whose timeline lists the acted actions at the returned times (and
        the same seed) therefore replays the session event for event: this is how the TUI saves a session and
        how the testing toolkit's ``ClusterMachine`` writes a reproduction.

        Raises:
            ValueError: an unknown action.
            simulator.timeline.ActionError: the action failed (e.g. its target does not exist); it is in the
                event log and ``timeline_errors`` as a failing timeline entry would be.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; known: {', '.join(sorted(ACTIONS))}")
        engine = self.engine
        at = engine.now
        if engine.last_event_time is not None and engine.last_event_time >= at:
            at = math.nextafter(at, math.inf)
        failed = len(self.timeline_errors)
        engine.call_at(at, self._timeline_entry, action, dict(params), priority=TIMELINE)
        engine.run(until=at)
        if len(self.timeline_errors) > failed:
            # Recorded like a failing timeline entry (TimelineFailed event), so even this replays identically.
            raise ActionError(self.timeline_errors[-1])
        return at

    # -- reading ------------------------------------------------------------------------------------------------
    def summary(self, wall_seconds: float | None = None) -> dict[str, Any]:
        """The run summary (DESIGN.md §6 and the core issue's contract)."""
        result: dict[str, Any] = {
            "seed": self.seed,
            "duration": self.engine.now,
            "kubernetesVersion": self.defaults.version,
        }
        result.update(self.metrics.summary())
        result["events_total"] = self.log.count
        result["wall_seconds"] = None if wall_seconds is None else round(wall_seconds, 3)
        if self.timeline_errors:
            result["timeline_errors"] = list(self.timeline_errors)
        return result
