"""kubesim's own kinds (``apiVersion: kubesim.dev/v1alpha1``): NodePool and Scenario."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from models.meta import KObject
from models.pod import Taint

__all__ = ["NodePool", "Scenario", "ScenarioDefaults", "TimelineAction"]

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
    extra: Mapping[str, Any] = attrs.field(factory=dict)  # sections later issues bring to life
