"""The HorizontalPodAutoscaler controller (autoscaling/v2), after ``pkg/controller/podautoscaler`` of 1.35.

Every 15 s (``--horizontal-pod-autoscaler-sync-period``) each HPA is reconciled:

1. ``currentReplicas`` is the target's ``spec.replicas`` (Deployment, ReplicaSet, ReplicationController,
   StatefulSet). 0 disables autoscaling; above ``maxReplicas`` or below ``minReplicas`` it is set to the bound.
2. Per Resource metric (cpu; ``replica_calculator.go``, pure arithmetic in ``resource_replicas``): the
   target's pods are grouped: deleting or Failed pods are ignored, Pending and not-Ready pods are "unready",
   pods without metrics are "missing". For a Utilization target, utilisation is
   ``int(sum(usage) * 100 / sum(requests))`` over the ready pods with metrics (Go integer division) and
   ``ratio = utilisation / target``; for an AverageValue target the average usage is an integer division too.
   With nothing unready or missing: within tolerance (``0.9 <= ratio <= 1.1``, ``Tolerances.isWithin``) keep
   ``currentReplicas``, else ``ceil(ratio * readyPods)``. Otherwise missing pods count as max(100 %, target)
   of their request (AverageValue: the target) on a scale-down and 0 on a scale-up, unready pods as 0 on a
   scale-up only, and the ratio is recomputed; a change of direction or a change within tolerance keeps
   ``currentReplicas``.
3. ``computeReplicasForMetrics``: the largest proposal of the valid metrics. When every metric is invalid, or
   some are and the valid ones would scale down, nothing changes; each failing metric records its warning
   (``FailedGetResourceMetric`` "failed to get cpu utilization: ...").
4. The proposal is normalised. Without ``spec.behavior`` (the legacy path): the highest recommendation of the
   last 300 s (``--horizontal-pod-autoscaler-downscale-stabilization``), scale-up capped at
   ``max(2 * current, 4)``. With ``spec.behavior`` (defaults filled in as the API server does: scale-up window 0,
   policies 4 Pods and 100 Percent per 15 s, selectPolicy Max; scale-down window 300 s, 100 Percent per 15 s):
   the stabilisation windows (lowest recommendation of the scale-up window, highest of the scale-down window),
   then the policies' rate limits counted from the scale events of each policy's period (events kept and
   replaced as ``storeScaleEvent`` does).
5. A change writes ``spec.replicas`` of the target and records ``SuccessfulRescale`` "New size: N; reason: cpu
   resource utilization (percentage of request) above target" (or "All metrics below target").

CPU usage comes from ``ControllerContext.pod_metrics`` (the traffic model stands in for metrics-server).
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from models.pod import Pod
from models.policy import HorizontalPodAutoscaler, HPAMetric, HPAScalingRules, ScalingPolicy
from simulator.controllers.base import ControllerContext
from simulator.store import ADDED, DELETED

__all__ = [
    "SYNC_PERIOD",
    "TOLERANCE",
    "HPAController",
    "HPAStatus",
    "MetricError",
    "PodSample",
    "resource_replicas",
    "within_tolerance",
]

SYNC_PERIOD = 15.0
TOLERANCE = 0.1
DOWNSCALE_STABILIZATION = 300.0  # legacy path, --horizontal-pod-autoscaler-downscale-stabilization
SCALE_UP_LIMIT_FACTOR = 2.0
SCALE_UP_LIMIT_MINIMUM = 4.0

DEFAULT_SCALE_UP = HPAScalingRules(
    stabilization_window_seconds=0,
    select_policy="Max",
    policies=(ScalingPolicy("Pods", 4, 15), ScalingPolicy("Percent", 100, 15)),
)
DEFAULT_SCALE_DOWN = HPAScalingRules(
    stabilization_window_seconds=300, select_policy="Max", policies=(ScalingPolicy("Percent", 100, 15),)
)


class MetricError(Exception):
    """The replica count cannot be computed from this metric (the HPA keeps its current scale)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@attrs.define
class HPAStatus:
    """``status`` of an HPA as kubesim keeps it: replicas, the last utilisation seen and the last scale time."""

    current_replicas: int = 0
    desired_replicas: int = 0
    current_utilization: int | None = None
    last_scale_time: float | None = None


@attrs.define
class _State:
    recommendations: list[tuple[float, int]] = attrs.field(factory=list)
    scale_up_events: list[tuple[float, int]] = attrs.field(factory=list)
    scale_down_events: list[tuple[float, int]] = attrs.field(factory=list)
    status: HPAStatus = attrs.field(factory=HPAStatus)
    last_warnings: dict[str, str] = attrs.field(factory=dict)


def with_defaults(rules: HPAScalingRules, default: HPAScalingRules) -> HPAScalingRules:
    """``GenerateHPAScaleUpRules``/``GenerateHPAScaleDownRules``: unset fields take the defaults."""
    return HPAScalingRules(
        stabilization_window_seconds=(
            rules.stabilization_window_seconds
            if rules.stabilization_window_seconds is not None
            else default.stabilization_window_seconds
        ),
        select_policy=rules.select_policy or "Max",
        policies=rules.policies if rules.policies is not None else default.policies,
    )


def _change_in_period(events: list[tuple[float, int]], period: float, now: float) -> int:
    cutoff = now - period
    return sum(change for t, change in events if t > cutoff)


def _replicas_at_period_start(
    current: int, up: list[tuple[float, int]], down: list[tuple[float, int]], period: float, now: float
) -> int:
    """The replica count a policy's period began with: today's, minus the scale-ups and plus the scale-downs
    recorded within the period (upstream's ``getReplicasChangePerPeriod`` on both histories)."""
    return current - _change_in_period(up, period, now) + _change_in_period(down, period, now)


def scale_up_limit(
    current: int,
    up: list[tuple[float, int]],
    down: list[tuple[float, int]],
    rules: HPAScalingRules,
    now: float,
) -> int:
    """``calculateScaleUpLimitWithScalingRules``."""
    if rules.select_policy == "Disabled":
        return current
    pick = min if rules.select_policy == "Min" else max
    result: int | None = None
    for policy in rules.policies or ():
        start = _replicas_at_period_start(current, up, down, policy.period_seconds, now)
        proposed = (
            start + policy.value if policy.type == "Pods" else math.ceil(start * (1 + policy.value / 100))
        )
        result = proposed if result is None else pick(result, proposed)
    return current if result is None else result


def scale_down_limit(
    current: int,
    up: list[tuple[float, int]],
    down: list[tuple[float, int]],
    rules: HPAScalingRules,
    now: float,
) -> int:
    """``calculateScaleDownLimitWithBehaviors``."""
    if rules.select_policy == "Disabled":
        return current
    pick = max if rules.select_policy == "Min" else min
    result: int | None = None
    for policy in rules.policies or ():
        start = _replicas_at_period_start(current, up, down, policy.period_seconds, now)
        # Go's int32() truncates the Percent proposal
        proposed = start - policy.value if policy.type == "Pods" else int(start * (1 - policy.value / 100))
        result = proposed if result is None else pick(result, proposed)
    return current if result is None else result


def _cpu_request(pod: Pod) -> tuple[int | None, str]:
    """``calculatePodRequestsFromContainers``: the containers' (and sidecar init containers') cpu requests
    summed, or None and the name of the first container without one."""
    total = 0
    containers = [
        *pod.spec.containers,
        *(c for c in pod.spec.init_containers if c.restart_policy == "Always"),
    ]
    for container in containers:
        request = container.requests.get("cpu")
        if request is None:
            return None, container.name
        total += request
    return total, ""


@attrs.frozen
class PodSample:
    """What ``replica_calculator.go`` reads of one pod: its cpu request (millicores; None with the container
    that lacks one), its usage from the metrics API (None: no metrics), phase, readiness and deletion."""

    name: str
    request: int | None = 1000
    usage: int | None = None
    phase: str = "Running"
    ready: bool = True
    deleting: bool = False
    request_missing_in: str = ""


def within_tolerance(ratio: float) -> bool:
    """``Tolerances.isWithin`` with the default 0.1 both ways: ``1 - 0.1 <= ratio <= 1 + 0.1`` (so a ratio of
    exactly 1.1 is within, which ``abs(1 - ratio) <= 0.1`` would miss in floating point)."""
    return (1.0 - TOLERANCE) <= ratio <= (1.0 + TOLERANCE)


def resource_replicas(
    current: int,
    pods: list[PodSample],
    target_utilization: int | None = None,
    target_value: int | None = None,
) -> tuple[int, int]:
    """``GetResourceReplicas`` (``target_utilization`` percent of request) or ``GetRawResourceReplicas``
    (``target_value`` millicores per pod) for cpu: the proposed replica count and the current utilization
    (percent) or average usage (millicores). Raises MetricError with upstream's messages."""
    if not pods:
        raise MetricError(
            "FailedGetResourceMetric", "no pods returned by selector while calculating replica count"
        )
    metrics: dict[str, int] = {}
    unready: list[str] = []
    missing: list[str] = []
    ready_count = 0
    for pod in pods:  # groupPods
        if pod.deleting or pod.phase == "Failed":
            continue  # ignored
        if pod.phase == "Pending":
            unready.append(pod.name)
            continue
        if pod.usage is None:
            missing.append(pod.name)
            continue
        if not pod.ready:
            unready.append(pod.name)
            continue
        metrics[pod.name] = pod.usage
        ready_count += 1
    if not metrics:
        raise MetricError(
            "FailedGetResourceMetric", "did not receive metrics for targeted pods (pods might be unready)"
        )
    if target_utilization is not None:
        requests: dict[str, int] = {}
        for pod in pods:  # calculateRequests covers every listed pod, ignored ones too
            if pod.request is None:
                raise MetricError(
                    "FailedGetResourceMetric",
                    f"missing request for cpu in container {pod.request_missing_in} of Pod {pod.name}",
                )
            requests[pod.name] = pod.request
        target = target_utilization

        def ratio_of(values: dict[str, int]) -> tuple[float, int]:
            # GetResourceUtilizationRatio: Go's integer percentage, then the float ratio
            used = sum(values.values())
            requested = sum(requests[p] for p in values)
            if requested <= 0:
                raise MetricError("FailedGetResourceMetric", "no metrics returned matched known pods")
            utilization = used * 100 // requested
            return utilization / target, utilization

        # on a scale-down missing pods count as 100 % of their request, or the target when it is above 100 %
        fallback = max(100, target)
        fill_down = {p: requests[p] * fallback // 100 for p in missing}
    else:
        target = target_value or 1

        def ratio_of(values: dict[str, int]) -> tuple[float, int]:
            # GetMetricUsageRatio: the average is an int64 division before the ratio
            average = sum(values.values()) // len(values)
            return average / target, average

        fill_down = {p: target for p in missing}
    ratio, utilization = ratio_of(metrics)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if within_tolerance(ratio):
            return current, utilization
        return math.ceil(ratio * ready_count), utilization
    if missing:
        if ratio < 1.0:
            metrics.update(fill_down)
        elif ratio > 1.0:
            metrics.update({p: 0 for p in missing})
    if scale_up_with_unready:
        metrics.update({p: 0 for p in unready})
    new_ratio, _ = ratio_of(metrics)
    if within_tolerance(new_ratio) or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current, utilization
    replicas = math.ceil(new_ratio * len(metrics))
    if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
        return current, utilization
    return replicas, utilization


class HPAController:
    """Reconciles every HorizontalPodAutoscaler every 15 s of virtual time."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._ctx = ctx
        self._engine = ctx.engine
        self._store = ctx.store
        self._states: dict[str, _State] = {}
        ctx.store.watch("HorizontalPodAutoscaler", self._on_hpa)

    def status_of(self, hpa: HorizontalPodAutoscaler) -> HPAStatus | None:
        """The controller's view of ``hpa.status`` (None before its first sync)."""
        state = self._states.get(hpa.uid)
        return state.status if state is not None else None

    def _on_hpa(self, change: str, hpa: HorizontalPodAutoscaler) -> None:
        if change == ADDED:
            self._states[hpa.uid] = _State()
            self._engine.call_soon(self._tick, hpa)
        elif change == DELETED:
            self._states.pop(hpa.uid, None)

    def _tick(self, hpa: HorizontalPodAutoscaler) -> None:
        if hpa.uid not in self._states or not self._store.contains(hpa):
            return
        self.reconcile(hpa)
        self._engine.call_later(SYNC_PERIOD, self._tick, hpa)

    # -- reconcile ----------------------------------------------------------------------------------------------
    def reconcile(self, hpa: HorizontalPodAutoscaler) -> None:
        """One ``reconcileAutoscaler`` pass."""
        state = self._states[hpa.uid]
        now = self._engine.now
        target = self._store.get(hpa.target_kind, hpa.namespace, hpa.target_name)
        if target is None:
            self._warn(
                hpa, state, "FailedGetScale",
                f'{hpa.target_kind.lower()}s.apps "{hpa.target_name}" not found',
            )  # fmt: skip
            return
        current = int(target.replicas)
        state.status.current_replicas = current
        if current == 0 and hpa.min_replicas != 0:
            return  # ScalingDisabled
        if current > hpa.max_replicas:
            desired, reason = hpa.max_replicas, "Current number of replicas above Spec.MaxReplicas"
        elif current < hpa.min_replicas:
            desired, reason = hpa.min_replicas, "Current number of replicas below Spec.MinReplicas"
        else:
            proposal = self._proposal(hpa, state, target, current)
            if proposal is None:
                return
            desired, metric_name = proposal
            reason = ""
            if desired > current:
                reason = f"{metric_name} above target"
            elif desired < current:
                reason = "All metrics below target"
            if hpa.has_behavior:
                desired = normalize_with_behaviors(hpa, state, current, desired, now)
            else:
                desired = normalize_legacy(hpa, state, current, desired, now)
        state.status.desired_replicas = desired
        if desired == current:
            return
        target.replicas = desired
        target.generation += 1
        self._store.update(target)
        state.status.last_scale_time = now
        state.status.current_replicas = desired
        if hpa.has_behavior:  # storeScaleEvent
            if desired > current:
                up = with_defaults(hpa.scale_up, DEFAULT_SCALE_UP)
                store_scale_event(state.scale_up_events, up, desired - current, now)
            else:
                down = with_defaults(hpa.scale_down, DEFAULT_SCALE_DOWN)
                store_scale_event(state.scale_down_events, down, current - desired, now)
        self._store.event(hpa, "SuccessfulRescale", f"New size: {desired}; reason: {reason}")

    def _warn(self, hpa: HorizontalPodAutoscaler, state: _State, reason: str, message: str) -> None:
        # The event recorder aggregates repeats; kubesim records a warning when its message changes.
        if state.last_warnings.get(reason) != message:
            state.last_warnings[reason] = message
            self._store.event(hpa, reason, message, "Warning")

    def _proposal(
        self, hpa: HorizontalPodAutoscaler, state: _State, target: Any, current: int
    ) -> tuple[int, str] | None:
        """``computeReplicasForMetrics``: the largest proposal of the valid metrics; None (no scaling) when
        every metric is invalid, or when some are and the valid ones would scale down. Metrics of resources
        kubesim has no usage for (memory) are left out, with a warning. Each invalid metric
        records its own warning; upstream's summary warning ``FailedComputeMetricsReplicas`` ("invalid metrics
        (N invalid out of M), first error is: ...") is not recorded (see docs/fidelity.md)."""
        desired = 0
        name = ""
        invalid = 0
        modelled = 0
        for metric in hpa.metrics:
            if metric.resource != "cpu":
                # kubesim has no usage for this resource: the metric is left out (with a warning), rather than
                # counted invalid, which would stop every scale-down of an HPA that also has a cpu metric
                kind = "utilization" if metric.average_utilization is not None else "usage"
                self._warn(
                    hpa,
                    state,
                    "FailedGetResourceMetric",
                    f"failed to get {metric.resource} {kind}: kubesim models cpu usage only",
                )
                continue
            modelled += 1
            try:
                replicas, metric_name = self._metric_replicas(hpa, state, metric, target, current)
            except MetricError as err:
                self._warn(hpa, state, err.reason, str(err))
                invalid += 1
                continue
            if desired == 0 or replicas > desired:
                desired, name = replicas, metric_name
        if invalid >= modelled or (invalid and desired < current):
            return None
        if not invalid and modelled == len(hpa.metrics):
            state.last_warnings.clear()
        return desired, name

    def _metric_replicas(
        self, hpa: HorizontalPodAutoscaler, state: _State, metric: HPAMetric, target: Any, current: int
    ) -> tuple[int, str]:
        kind = "utilization" if metric.average_utilization is not None else "usage"
        pods = self._store.select("Pod", hpa.namespace, target.selector)
        metrics_of = self._ctx.pod_metrics
        samples = []
        for pod in pods:
            request, missing_in = _cpu_request(pod)
            samples.append(
                PodSample(
                    name=pod.name,
                    request=request,
                    usage=metrics_of(pod) if metrics_of is not None else None,
                    phase=pod.phase,
                    ready=pod.ready,
                    deleting=pod.deletion_timestamp is not None,
                    request_missing_in=missing_in,
                )
            )
        try:
            replicas, utilization = resource_replicas(
                current, samples, metric.average_utilization, metric.average_value
            )
        except MetricError as err:
            raise MetricError(err.reason, f"failed to get cpu {kind}: {err}") from None
        state.status.current_utilization = utilization
        if metric.average_utilization is not None:
            return replicas, "cpu resource utilization (percentage of request)"
        return replicas, "cpu resource"


# -- normalisation ------------------------------------------------------------------------------------------------
def stabilize_legacy(recommendations: list[tuple[float, int]], desired: int, now: float) -> int:
    """``stabilizeRecommendation``: the highest recommendation of the last 300 s (samples at the cutoff count,
    older ones are dropped), then ``desired`` is recorded."""
    cutoff = now - DOWNSCALE_STABILIZATION
    stabilized = desired
    for t, rec in recommendations:
        if t >= cutoff and rec > stabilized:
            stabilized = rec
    recommendations[:] = [r for r in recommendations if r[0] >= cutoff]
    recommendations.append((now, desired))
    return stabilized


def convert_with_rules(current: int, desired: int, min_replicas: int, max_replicas: int) -> int:
    """``convertDesiredReplicasWithRules``: clamp to minReplicas and to min(maxReplicas, max(2 x current, 4))."""
    limit = int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
    maximum = min(max_replicas, limit)
    if desired < min_replicas:
        return min_replicas
    if desired > maximum:
        return maximum
    return desired


def normalize_legacy(
    hpa: HorizontalPodAutoscaler, state: _State, current: int, desired: int, now: float
) -> int:
    """``normalizeDesiredReplicas``: the path when ``spec.behavior`` is not set."""
    stabilized = stabilize_legacy(state.recommendations, desired, now)
    return convert_with_rules(current, stabilized, hpa.min_replicas, hpa.max_replicas)


def stabilize_with_behaviors(
    recommendations: list[tuple[float, int]],
    current: int,
    desired: int,
    up_window: float,
    down_window: float,
    now: float,
) -> int:
    """``stabilizeRecommendationWithBehaviors``: ``current`` raised to the lowest recommendation of the
    scale-up window and lowered to the highest of the scale-down window (both windows include ``desired``
    and only samples strictly newer than their cutoff); then ``desired`` is recorded."""
    up_cutoff = now - up_window
    down_cutoff = now - down_window
    up_rec = down_rec = desired
    for t, rec in recommendations:
        if t > up_cutoff:
            up_rec = min(up_rec, rec)
        if t > down_cutoff:
            down_rec = max(down_rec, rec)
    oldest = min(up_cutoff, down_cutoff)
    recommendations[:] = [r for r in recommendations if r[0] >= oldest]
    recommendations.append((now, desired))
    stabilized = current
    if stabilized < up_rec:
        stabilized = up_rec
    if stabilized > down_rec:
        stabilized = down_rec
    return stabilized


def convert_with_behavior_rate(
    current: int,
    desired: int,
    min_replicas: int,
    max_replicas: int,
    up: HPAScalingRules,
    down: HPAScalingRules,
    up_events: list[tuple[float, int]],
    down_events: list[tuple[float, int]],
    now: float,
) -> int:
    """``convertDesiredReplicasWithBehaviorRate``: the policies' rate limits (never past ``current`` in the
    wrong direction) and the min/max bounds."""
    if desired > current:
        limit = max(scale_up_limit(current, up_events, down_events, up, now), current)
        return min(desired, min(max_replicas, limit))
    if desired < current:
        limit = min(scale_down_limit(current, up_events, down_events, down, now), current)
        return max(desired, max(min_replicas, limit))
    return desired


def normalize_with_behaviors(
    hpa: HorizontalPodAutoscaler, state: _State, current: int, desired: int, now: float
) -> int:
    """``normalizeDesiredReplicasWithBehaviors``: stabilisation windows, then the policies' rate limits."""
    up = with_defaults(hpa.scale_up, DEFAULT_SCALE_UP)
    down = with_defaults(hpa.scale_down, DEFAULT_SCALE_DOWN)
    stabilized = stabilize_with_behaviors(
        state.recommendations,
        current,
        desired,
        float(up.stabilization_window_seconds or 0),
        float(down.stabilization_window_seconds or 0),
        now,
    )
    return convert_with_behavior_rate(
        current,
        stabilized,
        hpa.min_replicas,
        hpa.max_replicas,
        up,
        down,
        state.scale_up_events,
        state.scale_down_events,
        now,
    )


def store_scale_event(
    events: list[tuple[float, int]], rules: HPAScalingRules, change: int, now: float
) -> None:
    """``storeScaleEvent`` for one direction: events older than that direction's longest policy period are
    outdated, and the last outdated one is replaced by the new event (appended when none is). Outdated events
    that are not replaced stay, and still count for the other direction's policies."""
    longest = max((p.period_seconds for p in rules.policies or ()), default=0)
    cutoff = now - longest
    outdated = [i for i, (t, _) in enumerate(events) if t < cutoff]
    if outdated:
        events[outdated[-1]] = (now, change)
    else:
        events.append((now, change))
