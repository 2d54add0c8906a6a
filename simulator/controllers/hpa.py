"""The HorizontalPodAutoscaler controller (autoscaling/v2), after ``pkg/controller/podautoscaler`` of 1.35.

Every 15 s (``--horizontal-pod-autoscaler-sync-period``) each HPA is reconciled:

1. ``currentReplicas`` is the target's ``spec.replicas`` (Deployment, ReplicaSet, ReplicationController,
   StatefulSet). 0 disables autoscaling; above ``maxReplicas`` or below ``minReplicas`` it is set to the bound.
2. Per Resource metric (cpu; ``replica_calculator.go``): the target's pods are grouped: deleting or Failed pods
   are ignored, Pending and not-Ready pods are "unready", pods without metrics are "missing". Utilisation is
   ``int(sum(usage) * 100 / sum(requests))`` over the ready pods with metrics (Go integer division) and
   ``ratio = utilisation / target``. With nothing unready or missing: within tolerance (|1 - ratio| <= 0.1)
   keep ``currentReplicas``, else ``ceil(ratio * readyPods)``. Otherwise missing pods count as 100 % of their
   request on a scale-down and 0 % on a scale-up, unready pods as 0 % on a scale-up only, and the ratio is
   recomputed; a change of direction or a change within tolerance keeps ``currentReplicas``.
3. The largest proposal across metrics is normalised. Without ``spec.behavior`` (the legacy path): the highest
   recommendation of the last 300 s (``--horizontal-pod-autoscaler-downscale-stabilization``), scale-up capped at
   ``max(2 * current, 4)``. With ``spec.behavior`` (defaults filled in as the API server does: scale-up window 0,
   policies 4 Pods and 100 Percent per 15 s, selectPolicy Max; scale-down window 300 s, 100 Percent per 15 s):
   the stabilisation windows (lowest recommendation of the scale-up window, highest of the scale-down window),
   then the policies' rate limits counted from the scale events of each policy's period.
4. A change writes ``spec.replicas`` of the target and records ``SuccessfulRescale`` "New size: N; reason: cpu
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

__all__ = ["SYNC_PERIOD", "TOLERANCE", "HPAController", "HPAStatus"]

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
    last_warning: str = ""


def _with_defaults(rules: HPAScalingRules, default: HPAScalingRules) -> HPAScalingRules:
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


def _cpu_request(pod: Pod) -> int | None:
    """Sum of the containers' cpu requests (``calculatePodRequests``); None when a container has none."""
    total = 0
    for container in pod.spec.containers:
        request = container.requests.get("cpu")
        if request is None:
            return None
        total += request
    return total


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
                desired = self._normalize_with_behaviors(hpa, state, current, desired, now)
            else:
                desired = self._normalize(hpa, state, current, desired, now)
        state.status.desired_replicas = desired
        if desired == current:
            return
        target.replicas = desired
        target.generation += 1
        self._store.update(target)
        state.status.last_scale_time = now
        state.status.current_replicas = desired
        if hpa.has_behavior:
            events = state.scale_up_events if desired > current else state.scale_down_events
            events.append((now, abs(desired - current)))
            longest = max(
                (p.period_seconds for r in (hpa.scale_up, hpa.scale_down) for p in (r.policies or ())),
                default=15,
            )
            longest = max(longest, 15)
            state.scale_up_events[:] = [e for e in state.scale_up_events if e[0] > now - longest]
            state.scale_down_events[:] = [e for e in state.scale_down_events if e[0] > now - longest]
        self._store.event(hpa, "SuccessfulRescale", f"New size: {desired}; reason: {reason}")

    def _warn(self, hpa: HorizontalPodAutoscaler, state: _State, reason: str, message: str) -> None:
        # The event recorder de-duplicates repeats; kubesim records a warning when it changes.
        if state.last_warning != message:
            state.last_warning = message
            self._store.event(hpa, reason, message, "Warning")

    def _proposal(
        self, hpa: HorizontalPodAutoscaler, state: _State, target: Any, current: int
    ) -> tuple[int, str] | None:
        desired = 0
        name = ""
        valid = False
        for metric in hpa.metrics:
            try:
                replicas, metric_name = self._metric_replicas(hpa, state, metric, target, current)
            except MetricError as err:
                self._warn(hpa, state, err.reason, str(err))
                continue
            valid = True
            if replicas > desired:
                desired, name = replicas, metric_name
        if not valid:
            return None
        state.last_warning = ""
        return desired, name

    def _metric_replicas(
        self, hpa: HorizontalPodAutoscaler, state: _State, metric: HPAMetric, target: Any, current: int
    ) -> tuple[int, str]:
        if metric.resource != "cpu":
            raise MetricError(
                "FailedGetResourceMetric",
                f"failed to get {metric.resource} utilization: kubesim models cpu usage only",
            )
        pods = self._store.select("Pod", hpa.namespace, target.selector)
        if not pods:
            raise MetricError(
                "FailedGetResourceMetric", "no pods returned by selector while calculating replica count"
            )
        metrics_of = self._ctx.pod_metrics
        usage: dict[str, int] = {}
        requests: dict[str, int] = {}
        unready: list[str] = []
        missing: list[str] = []
        ready_count = 0
        for pod in pods:
            if pod.deletion_timestamp is not None or pod.phase == "Failed":
                continue  # ignored
            request = _cpu_request(pod)
            if request is None:
                raise MetricError(
                    "FailedGetResourceMetric", f"missing request for cpu in container of Pod {pod.name}"
                )
            requests[pod.name] = request
            if pod.phase == "Pending":
                unready.append(pod.name)
                continue
            value = metrics_of(pod) if metrics_of is not None else None
            if value is None:
                missing.append(pod.name)
                continue
            if not pod.ready:
                unready.append(pod.name)
                continue
            usage[pod.name] = value
            ready_count += 1
        if not usage:
            raise MetricError("FailedGetResourceMetric", "did not receive metrics for any ready pods")
        if metric.average_utilization is not None:
            name = "cpu resource utilization (percentage of request)"
            target_value = metric.average_utilization

            def ratio_of(values: dict[str, int]) -> tuple[float, int]:
                used = sum(values.values())
                requested = sum(requests[p] for p in values)
                if requested <= 0:
                    raise MetricError("FailedGetResourceMetric", "no cpu requests to compute utilization")
                utilization = used * 100 // requested
                return utilization / target_value, utilization

            fill_missing_down = {p: requests[p] for p in missing}
        else:
            name = "cpu resource"
            target_value = metric.average_value or 1

            def ratio_of(values: dict[str, int]) -> tuple[float, int]:
                average = sum(values.values()) / len(values)
                return average / target_value, int(average)

            fill_missing_down = {p: target_value for p in missing}
        ratio, utilization = ratio_of(usage)
        state.status.current_utilization = utilization
        rebalance_unready = bool(unready) and ratio > 1.0
        if not rebalance_unready and not missing:
            if abs(1.0 - ratio) <= TOLERANCE:
                return current, name
            return math.ceil(ratio * ready_count), name
        values = dict(usage)
        if missing:
            if ratio < 1.0:
                values.update(fill_missing_down)
            elif ratio > 1.0:
                values.update({p: 0 for p in missing})
        if rebalance_unready:
            values.update({p: 0 for p in unready})
        new_ratio, _ = ratio_of(values)
        if abs(1.0 - new_ratio) <= TOLERANCE or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
            return current, name
        replicas = math.ceil(new_ratio * len(values))
        if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
            return current, name
        return replicas, name

    # -- normalisation ------------------------------------------------------------------------------------------
    def _normalize(
        self, hpa: HorizontalPodAutoscaler, state: _State, current: int, desired: int, now: float
    ) -> int:
        """``normalizeDesiredReplicas``: the legacy path when ``spec.behavior`` is not set."""
        cutoff = now - DOWNSCALE_STABILIZATION
        stabilized = desired
        for t, rec in state.recommendations:
            if t >= cutoff and rec > stabilized:
                stabilized = rec
        state.recommendations[:] = [r for r in state.recommendations if r[0] >= cutoff]
        state.recommendations.append((now, desired))
        limit = int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
        maximum = min(hpa.max_replicas, limit)
        if stabilized < hpa.min_replicas:
            return hpa.min_replicas
        if stabilized > maximum:
            return maximum
        return stabilized

    def _normalize_with_behaviors(
        self, hpa: HorizontalPodAutoscaler, state: _State, current: int, desired: int, now: float
    ) -> int:
        """``normalizeDesiredReplicasWithBehaviors``: stabilisation windows, then the policies' rate limits."""
        up = _with_defaults(hpa.scale_up, DEFAULT_SCALE_UP)
        down = _with_defaults(hpa.scale_down, DEFAULT_SCALE_DOWN)
        up_cutoff = now - float(up.stabilization_window_seconds or 0)
        down_cutoff = now - float(down.stabilization_window_seconds or 0)
        up_rec = down_rec = desired
        for t, rec in state.recommendations:
            if t > up_cutoff:
                up_rec = min(up_rec, rec)
            if t > down_cutoff:
                down_rec = max(down_rec, rec)
        oldest = min(up_cutoff, down_cutoff)
        state.recommendations[:] = [r for r in state.recommendations if r[0] >= oldest]
        state.recommendations.append((now, desired))
        stabilized = current
        if stabilized < up_rec:
            stabilized = up_rec
        if stabilized > down_rec:
            stabilized = down_rec
        if stabilized > current:
            limit = max(
                scale_up_limit(current, state.scale_up_events, state.scale_down_events, up, now), current
            )
            return min(stabilized, min(hpa.max_replicas, limit))
        if stabilized < current:
            limit = min(
                scale_down_limit(current, state.scale_up_events, state.scale_down_events, down, now), current
            )
            return max(stabilized, max(hpa.min_replicas, limit))
        return stabilized
