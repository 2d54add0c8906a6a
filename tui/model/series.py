"""The timeline's data: gauges sampled at fixed virtual times, and markers for faults and actions.

Samples are taken by ``tui.playback.Playback`` at multiples of its interval with the engine stopped there, so the
same run gives the same sparklines at any speed. Each sample reads counters the other books keep up to date and
the metrics collector's gauges: O(workloads + Services), never a scan of all pods.

Markers come from Events: an injected fault (``Timeline`` actions such as ``crashNode``, the Scenario's random
``NodeFailure``/``ZoneFailure``/...), the control plane noticing it (``NodeNotReady``), repairs, and the other
actions (scale, rollout, cordon...).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from simulator.simulation import Simulation

__all__ = ["Marker", "Sample", "SeriesBook", "marker_for"]

WorkloadKey = tuple[str, str, str]

_FAULT_ACTIONS = (
    "crashNode",
    "zoneOutage",
    "partitionNode",
    "stopKubelet",
    "removeNode",
    "crashLoop",
    "drain",
)
_REPAIR_ACTIONS = ("recoverNode", "recoverZone", "healPartition", "startKubelet", "uncordon")
_FAULT_REASONS = ("NodeFailure", "ZoneFailure", "NodePartitioned", "OOMKilling")
_REPAIR_REASONS = ("NodeRepaired", "ZoneRepaired", "PartitionHealed")


@dataclass(frozen=True, slots=True)
class Sample:
    """The gauges at virtual time ``t``.

    ``service`` is the fraction of offered requests served (Services with traffic), else the fraction of
    Services with a ready endpoint; None when there are no Services.
    """

    t: float
    pending: int
    ready: int
    desired: int
    cpu: float
    memory: float
    service: float | None
    workloads: dict[WorkloadKey, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Marker:
    """A moment worth a symbol on the timeline: ``kind`` is fault, detected, repair or action."""

    t: float
    kind: str
    text: str


def marker_for(reason: str, message: str) -> str | None:
    """The marker kind for an Event, or None when it is not marked."""
    if reason == "Timeline":
        action = message.split(" ", 1)[0]
        if action in _FAULT_ACTIONS:
            return "fault"
        if action in _REPAIR_ACTIONS:
            return "repair"
        return "action"
    if reason in _FAULT_REASONS:
        return "fault"
    if reason in _REPAIR_REASONS:
        return "repair"
    if reason == "NodeNotReady":
        return "detected"
    return None


class SeriesBook:
    """Samples (the latest ``limit``) and markers."""

    def __init__(self, limit: int = 20_000) -> None:
        self.samples: deque[Sample] = deque(maxlen=limit)
        self.markers: deque[Marker] = deque(maxlen=limit)
        self.version = 0  # bumped on every new sample or marker

    def sample(self, sim: Simulation, pending: int) -> Sample:
        """Read the gauges now (nothing is written anywhere)."""
        ready = desired = 0
        workloads: dict[WorkloadKey, tuple[int, int]] = {}
        for key, r, d in sim.metrics.workload_counts():
            workloads[key] = (r, d)
            ready += min(r, d)
            desired += d
        cpu, memory = sim.metrics.requested_fractions()
        sample = Sample(sim.now, pending, ready, desired, cpu, memory, _service_availability(sim), workloads)
        self.samples.append(sample)
        self.version += 1
        return sample

    def on_event(self, t: float, reason: str, message: str) -> None:
        """Keep a marker for the Events that deserve one."""
        kind = marker_for(reason, message)
        if kind is not None:
            self.markers.append(Marker(t, kind, message))
            self.version += 1


def _service_availability(sim: Simulation) -> float | None:
    services = sim.traffic.services
    if services:
        offered = sum(svc.rate for svc in services.values())
        if offered <= 0:
            return 1.0
        return sum(svc.served_rate for svc in services.values()) / offered
    endpoints = sim.store.list("Endpoints")
    if not endpoints:
        return None
    return sum(1 for ep in endpoints if getattr(ep, "ready", ())) / len(endpoints)
