"""Policy-like kinds: PodDisruptionBudget, PriorityClass, Namespace, HorizontalPodAutoscaler."""

from __future__ import annotations

from typing import ClassVar

import attrs

from models.meta import KObject, LabelSelector

__all__ = [
    "HPAMetric",
    "HPAScalingRules",
    "HorizontalPodAutoscaler",
    "Namespace",
    "PodDisruptionBudget",
    "PriorityClass",
    "ScalingPolicy",
]


@attrs.define(eq=False)
class PodDisruptionBudget(KObject):
    """policy/v1 PodDisruptionBudget: exactly one of ``min_available`` and ``max_unavailable`` (int or ``"50%"``)."""

    KIND: ClassVar[str] = "PodDisruptionBudget"
    API_VERSION: ClassVar[str] = "policy/v1"

    selector: LabelSelector | None = None
    min_available: int | str | None = None
    max_unavailable: int | str | None = None
    unhealthy_pod_eviction_policy: str = "IfHealthyBudget"
    disruptions_allowed: int = 0


@attrs.define(eq=False)
class PriorityClass(KObject):
    """scheduling.k8s.io/v1 PriorityClass."""

    KIND: ClassVar[str] = "PriorityClass"
    API_VERSION: ClassVar[str] = "scheduling.k8s.io/v1"
    NAMESPACED: ClassVar[bool] = False

    value: int = 0
    global_default: bool = False
    preemption_policy: str = "PreemptLowerPriority"
    description: str = ""


@attrs.define(eq=False)
class Namespace(KObject):
    """v1 Namespace (its labels matter to namespaceSelector)."""

    KIND: ClassVar[str] = "Namespace"
    NAMESPACED: ClassVar[bool] = False


@attrs.frozen
class HPAMetric:
    """A Resource metric target: ``resource`` (cpu, memory) and ``average_utilization`` percent."""

    resource: str
    average_utilization: int | None = None
    average_value: int | None = None


@attrs.frozen
class ScalingPolicy:
    """An HPA scaling policy: type Pods or Percent, value, periodSeconds."""

    type: str
    value: int
    period_seconds: int


@attrs.frozen
class HPAScalingRules:
    """``behavior.scaleUp`` / ``behavior.scaleDown``; ``None`` fields take Kubernetes' defaults."""

    stabilization_window_seconds: int | None = None
    select_policy: str = "Max"
    policies: tuple[ScalingPolicy, ...] | None = None


@attrs.define(eq=False)
class HorizontalPodAutoscaler(KObject):
    """autoscaling/v2 HorizontalPodAutoscaler."""

    KIND: ClassVar[str] = "HorizontalPodAutoscaler"
    API_VERSION: ClassVar[str] = "autoscaling/v2"

    target_kind: str = "Deployment"
    target_name: str = ""
    min_replicas: int = 1
    max_replicas: int = 1
    metrics: tuple[HPAMetric, ...] = ()
    scale_up: HPAScalingRules = attrs.field(factory=HPAScalingRules)
    scale_down: HPAScalingRules = attrs.field(factory=HPAScalingRules)
    # spec.behavior was given: its rules (unset fields defaulted) replace the legacy scale-up limit
    has_behavior: bool = False
