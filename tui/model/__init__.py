"""What the widgets read: books kept up to date from the store's watch stream (DESIGN.md §2, step 5).

``ClusterModel`` subscribes once to Pods, Nodes, Leases and Events and fans each change out to the books. The
handlers only record (no store writes, no engine calls), so watching a run changes nothing in it.
"""

from __future__ import annotations

from typing import Any

from models.meta import KObject
from models.node import Node
from models.pod import Pod
from simulator.simulation import Simulation
from tui.model.events import EventBook, EventRow
from tui.model.explain import ExplainBook
from tui.model.nodes import NodeBook, NodeUsage, node_state
from tui.model.pods import PodBook
from tui.model.series import Marker, Sample, SeriesBook
from tui.model.workloads import WorkloadKey, Workloads, workload_text

__all__ = [
    "ClusterModel",
    "EventBook",
    "EventRow",
    "ExplainBook",
    "Marker",
    "NodeBook",
    "NodeUsage",
    "PodBook",
    "Sample",
    "SeriesBook",
    "WorkloadKey",
    "Workloads",
    "node_state",
    "workload_text",
]

EXPLAIN_NODE_LIMIT = 300
"""Above this many nodes, explain recording starts off: it takes the scheduler's per-node path (about 3x slower)."""


class ClusterModel:
    """The TUI's view of one simulation: nodes, pods, events, explanations and time series.

    Args:
        sim: the simulation to watch (the model registers its watches at once).
        explain: record the scheduler's explanations (default: on up to ``EXPLAIN_NODE_LIMIT`` nodes).
    """

    def __init__(self, sim: Simulation, explain: bool | None = None) -> None:
        self.sim = sim
        store = sim.store
        self.nodes = NodeBook(store)
        self.pods = PodBook()
        self.events = EventBook()
        self.series = SeriesBook()
        self.workloads = Workloads(sim.metrics)
        node_count = store.count("Node")
        self.explains = ExplainBook(lambda: sim.engine.now, capacity=max(20, 20_000 // max(1, node_count)))
        for pod in store.list("Pod"):
            self.pods.on_pod("ADDED", pod, sim.now)
        self._assign_colours()
        store.watch("Pod", self._on_pod)
        store.watch("Node", self._on_node)
        store.watch("Lease", self.nodes.on_lease)
        store.watch_events(self._on_event)
        sim.scheduler.explain_callback = self.explains.record
        self.set_explain(node_count <= EXPLAIN_NODE_LIMIT if explain is None else explain)

    @property
    def explaining(self) -> bool:
        """Whether the scheduler records an explanation for each attempt."""
        return bool(self.sim.scheduler.explain)

    def set_explain(self, on: bool) -> None:
        """Turn explain recording on or off (decisions are the same either way)."""
        self.sim.scheduler.explain = on

    def sample(self) -> None:
        """Take a timeline sample now (``Playback`` calls it at the sample times)."""
        self.series.sample(self.sim, len(self.pods.pending))
        self._assign_colours()
        # the scheduler also appends every record to a list of its own; the book keeps what the TUI needs
        self.sim.scheduler.explain_records.clear()

    def _assign_colours(self) -> None:
        """Colour the workloads in name order as they appear, before any pod of theirs is drawn: the colours
        then do not depend on which tiles happen to be on screen."""
        for key, _ready, _desired in self.sim.metrics.workload_counts():
            self.workloads.colour(key)

    # -- watch handlers -------------------------------------------------------------------------------------------
    def _on_pod(self, change: str, pod: Pod) -> None:
        self.nodes.on_pod(change, pod)
        self.pods.on_pod(change, pod, self.sim.engine.now)

    def _on_node(self, change: str, node: Node) -> None:
        self.nodes.on_node(change, node)

    def _on_event(
        self, t: float, event_type: str, involved: KObject, reason: str, message: str, kind: str
    ) -> None:
        self.events.add(t, event_type, kind, involved.namespace, involved.name, reason, message)
        if kind == "Pod":
            self.pods.on_event(t, involved.uid, reason, message)
        elif kind == "Node":
            self.nodes.on_event(reason, kind, involved.name)
        self.series.on_event(t, reason, message)

    def pod_by_key(self, namespace: str, name: str) -> Any:
        """The live Pod, or None."""
        return self.sim.store.get("Pod", namespace, name)
