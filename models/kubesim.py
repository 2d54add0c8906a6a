"""kubesim's own kinds (``apiVersion: kubesim.dev/v1alpha1``): NodePool and Scenario."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from models.meta import KObject
from models.pod import Taint

__all__ = [
    "ContainerCrashes",
    "DiurnalRate",
    "FailureProcess",
    "Lifetime",
    "NodeFailures",
    "NodePool",
    "Scenario",
    "ScenarioDefaults",
    "TimelineAction",
    "TrafficSpec",
]

KUBESIM_API_VERSION = "kubesim.dev/v1alpha1"


@attrs.define(eq=False)
class NodePool(KObject):
    """``count`` identical nodes named ``<pool>-<index>``, spread round-robin over ``zones``."""

    KIND: ClassVar[str] = "NodePool"
    API_VERSION: ClassVar[str] = KUBESIM_API_VERSION
    NAMESPACED: ClassVar[bool] = False

    count: int = 0
    allocatable: Mapping[str, int] = attrs.field(factory=dict)
    capacity: Mapping[str, int] | None = None
    node_labels: Mapping[str, str] = attrs.field(factory=dict)
    taints: tuple[Taint, ...] = ()
    zones: tuple[str, ...] = ()
    price_per_hour: float = 0.0
    min: int | None = None
    max: int | None = None
    provisioning_delay: float = 0.0


@attrs.frozen
class TimelineAction:
    """``{at: 10m, action: crashNode, node: node-3}``: ``params`` holds every key but ``at`` and ``action``."""

    at: float
    action: str
    params: Mapping[str, Any] = attrs.field(factory=dict)
    index: int = 0  # position in the timeline list, for error messages and stable ordering


@attrs.frozen
class ScenarioDefaults:
    """Per-scenario defaults for pods that carry no timing annotations (seconds)."""

    startup_seconds: float = 2.0
    ready_seconds: float = 0.0
    shutdown_seconds: float = 1.0


@attrs.frozen
class DiurnalRate:
    """A daily curve: ``mean + amplitude * cos(2 pi (t - peak) / period)`` requests/s, never below 0."""

    mean: float
    amplitude: float
    peak: float = 0.0  # seconds into the period when the rate is highest
    period: float = 86400.0


@attrs.frozen
class TrafficSpec:
    """One ``spec.traffic`` entry: requests to a Service (or an Ingress's backend Services) over time.

    The rate is ``steps`` (``(t, rps)`` points, each holding until the next: ``rps``, ``step`` and ``csv``) or
    ``diurnal`` (sampled every ``evaluation_step`` seconds). A ready endpoint serves ``capacity_per_pod``
    requests/s; ``cpu_per_request`` (millicores per request/s) and ``cpu_baseline`` (millicores) give the
    pods' CPU usage the HorizontalPodAutoscaler sees.
    """

    target_kind: str  # "Service" or "Ingress"
    namespace: str
    name: str
    pattern: str  # "constant", "step", "diurnal" or "csv"
    steps: tuple[tuple[float, float], ...] = ()
    diurnal: DiurnalRate | None = None
    capacity_per_pod: float = 0.0
    min_ready_endpoints: int = 1
    cpu_per_request: int = 0
    cpu_baseline: int = 0
    evaluation_step: float = 10.0
    memory_per_request: int = 0  # bytes per request/s served by a ready endpoint (OOM kills above limits)
    memory_baseline: int = 0  # bytes a running endpoint pod uses with no traffic


@attrs.frozen
class Lifetime:
    """A random duration with the given ``mean`` (seconds): ``exponential``, ``weibull`` (``shape`` k; the scale
    is chosen so that the mean is ``mean``) or ``fixed`` (always ``mean``)."""

    mean: float
    distribution: str = "exponential"
    shape: float | None = None


@attrs.frozen
class NodeFailures:
    """``spec.failures[i]`` for nodes: every node of ``pool`` (or the whole of ``zone``, as one outage) fails
    after a ``time_to_failure`` and is repaired after a ``time_to_repair`` (``None``: never), again and again.

    ``mode`` is ``crash`` (the machine dies with its containers) or ``partition`` (the control plane loses the
    node; its containers keep running).
    """

    time_to_failure: Lifetime
    time_to_repair: Lifetime | None
    pool: str = ""
    zone: str = ""
    mode: str = "crash"
    index: int = 0  # position in spec.failures


@attrs.frozen
class ContainerCrashes:
    """``spec.failures[i]`` for a workload: its containers crash after exponentially distributed run times with
    mean ``crash_mtbf`` seconds (a pod's ``kubesim.dev/crash-mtbf-seconds`` annotation takes precedence)."""

    target: str  # Kind/name
    crash_mtbf: float
    namespace: str = "default"
    index: int = 0


FailureProcess = NodeFailures | ContainerCrashes


@attrs.define(eq=False)
class Scenario(KObject):
    """What to run: ``duration``, ``seed``, ``kubernetesVersion``, the ``timeline`` and pod timing defaults."""

    KIND: ClassVar[str] = "Scenario"
    API_VERSION: ClassVar[str] = KUBESIM_API_VERSION
    NAMESPACED: ClassVar[bool] = False

    duration: float = 3600.0
    seed: int = 0
    kubernetes_version: str = "1.35"
    timeline: tuple[TimelineAction, ...] = ()
    defaults: ScenarioDefaults = attrs.field(factory=ScenarioDefaults)
    failures: tuple[FailureProcess, ...] = ()  # spec.failures: stochastic node and container failures
    traffic: tuple[TrafficSpec, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)  # sections later issues bring to life
