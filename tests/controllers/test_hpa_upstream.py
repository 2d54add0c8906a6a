"""Upstream HPA test tables (``pkg/controller/podautoscaler`` of Kubernetes 1.35), ported as facts.

Each case id names the upstream test (and sub-case) it comes from. Only cases kubesim's model can express are
here: the replica arithmetic of ``replica_calculator_test.go`` (cpu Resource metrics; upstream's pods have two
containers with the same request and usage, which leaves every ratio unchanged, so one container stands for
both) and the normalisation, stabilisation and rate-limit tables of ``horizontal_test.go``. Cases about
hot-cpu start times, named containers, Object/External metrics or superfluous metrics for unknown pods have
no counterpart in kubesim and are left out.
"""

from __future__ import annotations

import pytest

from models.policy import HPAScalingRules, ScalingPolicy
from simulator.controllers.hpa import (
    DEFAULT_SCALE_DOWN,
    DEFAULT_SCALE_UP,
    MetricError,
    PodSample,
    convert_with_behavior_rate,
    convert_with_rules,
    resource_replicas,
    scale_down_limit,
    scale_up_limit,
    stabilize_legacy,
    stabilize_with_behaviors,
    store_scale_event,
    with_defaults,
    within_tolerance,
)
from tests.controllers.test_hpa import SERVICE, TIMING, replicas, rescales
from tests.simhelpers import deployment, events, pool, sim_from

NOW = 1000.0
RUNNING, PENDING, FAILED = "Running", "Pending", "Failed"


def pods(
    levels: list[int],
    requests: list[int | None] | None = None,
    ready: list[bool] | None = None,
    phase: list[str] | None = None,
    deleting: list[bool] | None = None,
    count: int | None = None,
) -> list[PodSample]:
    """Upstream's fixture: ``count`` pods (default: as many as requests, else levels); pod i has metrics
    ``levels[i]`` when i < len(levels) (no metrics otherwise), request 1000m unless given."""
    n = count or (len(requests) if requests is not None else len(levels))
    return [
        PodSample(
            name=f"test-pod-{i}",
            request=requests[i] if requests is not None else 1000,
            usage=levels[i] if i < len(levels) else None,
            phase=phase[i] if phase is not None else RUNNING,
            ready=ready[i] if ready is not None else True,
            deleting=deleting[i] if deleting is not None else False,
            request_missing_in="container1",
        )
        for i in range(n)
    ]


T, F = True, False

# (id, current, pods, target utilization, expected replicas, expected utilization)
RESOURCE_CASES = [
    ("TestReplicaCalcScaleUp", 3, pods([300, 500, 700]), 30, 5, 50),
    ("TestReplicaCalcScaleUpUnreadyLessScale", 3, pods([300, 500, 700], ready=[F, T, T]), 30, 4, 60),
    ("TestReplicaCalcScaleUpUnreadyNoScale", 3, pods([400, 500, 700], ready=[T, F, F]), 30, 3, 40),
    (
        "TestReplicaCalcScaleUpIgnoresFailedPods",
        2,
        pods([500, 700], ready=[T, T, F, F], phase=[RUNNING, RUNNING, FAILED, FAILED], count=4),
        30,
        4,
        60,
    ),
    (
        "TestReplicaCalcScaleUpIgnoresDeletionPods",
        2,
        pods([500, 700], ready=[T, T, F, F], deleting=[F, F, T, T], count=4),
        30,
        4,
        60,
    ),
    ("TestReplicaCalcScaleDown", 5, pods([100, 300, 500, 250, 250]), 50, 3, 28),
    (
        "TestReplicaCalcScaleDownExcludeUnscheduledPods",
        5,
        pods([100], ready=[T, F, F, F, F], phase=[RUNNING, PENDING, PENDING, PENDING, PENDING], count=5),
        50,
        1,
        10,
    ),
    (
        "TestReplicaCalcScaleDownIgnoresFailedPods",
        5,
        pods([100, 300, 500, 250, 250], ready=[T] * 5 + [F, F], phase=[RUNNING] * 5 + [FAILED] * 2, count=7),
        50,
        3,
        28,
    ),
    (
        "TestReplicaCalcScaleDownIgnoresDeletionPods",
        5,
        pods([100, 300, 500, 250, 250], ready=[T] * 5 + [F, F], deleting=[F] * 5 + [T, T], count=7),
        50,
        3,
        28,
    ),
    ("TestReplicaCalcTolerance", 3, pods([1010, 1030, 1020], requests=[900, 1000, 1100]), 100, 3, 102),
    ("TestReplicaCalcMissingMetrics", 4, pods([400, 95], count=4), 100, 3, 24),
    ("TestReplicaCalcMissingMetricsNoChangeEq", 2, pods([1000], count=2), 100, 2, 100),
    ("TestReplicaCalcMissingMetricsNoChangeGt", 2, pods([1900], count=2), 100, 2, 190),
    ("TestReplicaCalcMissingMetricsNoChangeLt", 2, pods([600], count=2), 100, 2, 60),
    ("TestReplicaCalcMissingMetricsUnreadyChange", 3, pods([100, 450], ready=[F, T, T], count=3), 50, 3, 45),
    (
        "TestReplicaCalcMissingMetricsUnreadyScaleUp",
        3,
        pods([100, 2000], ready=[F, T, T], count=3),
        50,
        4,
        200,
    ),
    (
        "TestReplicaCalcMissingMetricsUnreadyScaleDown",
        4,
        pods([100, 100, 100], ready=[F, T, T, T], count=4),
        50,
        3,
        10,
    ),
    (
        # missing pods count as max(100 %, target) of their request on a scale-down (kubernetes#111433)
        "TestReplicaCalcMissingMetricsScaleDownTargetOver100",
        4,
        pods([200, 100, 100], requests=[1000, 1000, 2000, 2000], ready=[F, T, T, T]),
        300,
        2,
        6,
    ),
    ("TestReplicaCalcDuringRollingUpdateWithMaxSurge", 2, pods([100, 100], count=3), 50, 2, 10),
]


@pytest.mark.parametrize(
    ("current", "samples", "target", "want", "utilization"),
    [pytest.param(*case[1:], id=case[0]) for case in RESOURCE_CASES],
)
def test_get_resource_replicas(
    current: int, samples: list[PodSample], target: int, want: int, utilization: int
) -> None:
    assert resource_replicas(current, samples, target_utilization=target) == (want, utilization)


def test_replica_calc_empty_cpu_request() -> None:
    """TestReplicaCalcEmptyCPURequest: a pod without a cpu request is an error ("missing request for")."""
    with pytest.raises(
        MetricError, match=r"^missing request for cpu in container container1 of Pod test-pod-0$"
    ):
        resource_replicas(1, pods([200], requests=[None]), target_utilization=100)


def test_replica_calc_no_pods_and_no_ready_metrics() -> None:
    """GetResourceReplicas' errors for an empty pod list and for no metrics of ready pods."""
    with pytest.raises(MetricError, match=r"^no pods returned by selector while calculating replica count$"):
        resource_replicas(1, [], target_utilization=50)
    with pytest.raises(
        MetricError, match=r"^did not receive metrics for targeted pods \(pods might be unready\)$"
    ):
        resource_replicas(2, pods([100, 100], ready=[F, F]), target_utilization=50)


# calcPlainMetricReplicas (AverageValue targets): (id, current, pods, target millicores, want, usage)
PLAIN_CASES = [
    ("TestReplicaCalcScaleUpCM", 3, pods([20000, 10000, 30000]), 15000, 4, 20000),
    ("TestReplicaCalcScaleDownCM", 5, pods([12000] * 5), 20000, 3, 12000),
    ("TestReplicaCalcToleranceCM", 3, pods([20000, 21000, 21000]), 20000, 3, 20666),
    (
        "TestPlainMetricReplicaCalcMissingMetricsNoChangeEq",
        5,
        pods([20000, 19000, 21000], count=5),
        20000,
        5,
        20000,
    ),
    # upstream's pods here are ready-agnostic (not a cpu metric); with every pod ready the average is still
    # the int64 division 95000 / 3 = 31666
    (
        "TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown(all ready)",
        3,
        pods([50000, 15000, 30000]),
        15000,
        7,
        31666,
    ),
]


@pytest.mark.parametrize(
    ("current", "samples", "target", "want", "usage"),
    [pytest.param(*case[1:], id=case[0]) for case in PLAIN_CASES],
)
def test_calc_plain_metric_replicas(
    current: int, samples: list[PodSample], target: int, want: int, usage: int
) -> None:
    assert resource_replicas(current, samples, target_value=target) == (want, usage)


def test_plain_metric_average_is_an_integer_division() -> None:
    """GetMetricUsageRatio divides the total by the pod count in int64 before the ratio: 1m and 2m average to
    1m, exactly the 1m target, so nothing changes (a float average, 1.5, would ask for 3 pods)."""
    assert resource_replicas(2, pods([1, 2]), target_value=1) == (2, 1)


@pytest.mark.parametrize(
    ("ratio", "within"),
    [(0.9, True), (1.1, True), (55 / 50, True), (0.89, False), (1.11, False), (56 / 50, False)],
)
def test_tolerances_is_within(ratio: float, within: bool) -> None:
    """Tolerances.isWithin: ``1 - 0.1 <= ratio <= 1 + 0.1``; 55 % of a 50 % target is ratio 1.1, within."""
    assert within_tolerance(ratio) is within


def test_tolerance_boundary_keeps_the_scale() -> None:
    """2 pods at 55 % of a 50 % target: ratio 1.1 is within tolerance, no scale-up to ceil(2.2) = 3."""
    assert resource_replicas(2, pods([550, 550]), target_utilization=50) == (2, 55)


# -- horizontal_test.go ------------------------------------------------------------------------------------------
def rules(
    pods_value: int = 0, pods_period: int = 0, percent: int = 0, percent_period: int = 0, window: int = 0
) -> HPAScalingRules:
    """upstream's generateScalingRules: Max select, a Pods and/or a Percent policy."""
    policies = []
    if pods_value:
        policies.append(ScalingPolicy("Pods", pods_value, pods_period))
    if percent:
        policies.append(ScalingPolicy("Percent", percent, percent_period))
    return HPAScalingRules(window, "Max", tuple(policies))


def uniform(changes: list[int], period: float) -> list[tuple[float, int]]:
    """upstream's generateEventsUniformDistribution: events centred in equal segments of the last ``period``."""
    segment = period / len(changes)
    return [(NOW - (period - segment * (i + 1) + segment / 2), c) for i, c in enumerate(changes)]


NONE = HPAScalingRules(None, "Max", None)

# TestScalingWithRules (convertDesiredReplicasWithBehaviorRate; unset rules take the API defaults):
# (name, up events, down events, min, max, up rules, down rules, current, desired, want)
SCALING_WITH_RULES = [
    ("prenormalized desired replicas within range", [], [], 3, 8, NONE, NONE, 5, 7, 7),
    ("prenormalized desired replicas < minReplicas", [], [], 2, 8, NONE, NONE, 3, 1, 2),
    ("prenormalized desired replicas within range when minReplicas is 0", [], [], 0, 10, NONE, NONE, 1, 0, 0),
    ("maxReplicas is the limit because maxReplicas < scaleUpLimit", [], [], 1, 10, NONE, NONE, 20, 1000, 10),
    (
        "desired replica count is more than the maximum replica count",
        [],
        [],
        100,
        150,
        NONE,
        NONE,
        100,
        1000,
        150,
    ),
    (
        "scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies",
        [],
        [],
        1,
        2000,
        rules(0, 0, 1, 60),
        NONE,
        3,
        1000,
        4,
    ),
    (
        "scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies",
        [],
        [],
        3,
        2000,
        NONE,
        rules(20, 60),
        1000,
        3,
        980,
    ),
    ("scaleUp with default behavior", [], [], 1, 1000, NONE, NONE, 10, 50, 20),
    (
        "scaleUp with pods policy larger than percent policy",
        [],
        [],
        1,
        1000,
        rules(100, 60, 100, 60),
        NONE,
        10,
        500,
        110,
    ),
    (
        "scaleUp with percent policy larger than pods policy",
        [],
        [],
        1,
        1000,
        rules(2, 60, 100, 60),
        NONE,
        10,
        500,
        20,
    ),
    (
        "scaleUp with spec MaxReplicas limitation with large pod policy",
        [],
        [],
        1,
        1000,
        rules(100, 60),
        NONE,
        10,
        50,
        50,
    ),
    (
        "scaleUp with spec MaxReplicas limitation with large percent policy",
        [],
        [],
        1,
        1000,
        rules(10000, 60),
        NONE,
        10,
        50,
        50,
    ),
    ("scaleUp with pod policy limitation", [], [], 1, 1000, rules(30, 60), NONE, 10, 50, 40),
    ("scaleUp with percent policy limitation", [], [], 1, 1000, rules(0, 0, 200, 60), NONE, 10, 50, 30),
    (
        "scaleDown with percent policy larger than pod policy",
        [],
        [],
        1,
        1000,
        NONE,
        rules(20, 60, 1, 60, 300),
        100,
        2,
        80,
    ),
    (
        "scaleDown with pod policy larger than percent policy",
        [],
        [],
        1,
        1000,
        NONE,
        rules(2, 60, 1, 60, 300),
        100,
        2,
        98,
    ),
    (
        "scaleDown with spec MinReplicas=nil limitation with large pod policy",
        [],
        [],
        1,
        1000,
        NONE,
        rules(100, 60, 0, 0, 300),
        10,
        0,
        1,
    ),
    (
        "scaleDown with spec MinReplicas limitation with large percent policy",
        [],
        [],
        5,
        1000,
        NONE,
        rules(0, 0, 100, 60, 300),
        10,
        2,
        5,
    ),
    ("scaleDown with pod policy limitation", [], [], 1, 1000, NONE, rules(5, 60, 0, 0, 300), 10, 2, 5),
    ("scaleDown with percent policy limitation", [], [], 1, 1000, NONE, rules(0, 0, 50, 60, 300), 10, 5, 5),
    (
        "scaleUp with spec MaxReplicas limitation with large pod policy and events",
        uniform([1, 5, 9], 120),
        [],
        1,
        200,
        rules(300, 60),
        NONE,
        100,
        500,
        200,
    ),
    (
        "scaleUp with spec MaxReplicas limitation with large percent policy and events",
        uniform([1, 5, 9], 120),
        [],
        1,
        200,
        rules(0, 0, 10000, 60),
        NONE,
        100,
        500,
        200,
    ),
    (
        "scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
        uniform([1, 5, 9], 120),
        [],
        1,
        1000,
        rules(5, 120),
        NONE,
        100,
        500,
        100,
    ),
    (
        "scaleUp with pod policy and previous scale up events",
        uniform([1, 5, 9], 120),
        [],
        1,
        1000,
        rules(150, 120),
        NONE,
        100,
        500,
        235,
    ),
    (
        "scaleUp with percent policy and previous scale up events",
        uniform([1, 5, 9], 120),
        [],
        1,
        1000,
        rules(0, 0, 200, 120),
        NONE,
        100,
        500,
        255,
    ),
    (
        "scaleUp with percent policy and previous scale up and down events",
        uniform([4], 120),
        uniform([2], 120),
        1,
        1000,
        rules(0, 0, 300, 300),
        NONE,
        6,
        24,
        16,
    ),
    (
        "scaleDown with default policy and previous events",
        [],
        uniform([1, 5, 9], 120),
        1,
        1000,
        NONE,
        NONE,
        10,
        5,
        5,
    ),
    (
        "scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events",
        [],
        uniform([1, 5, 9], 120),
        1,
        1000,
        NONE,
        rules(115, 120, 0, 0, 300),
        100,
        0,
        1,
    ),
    (
        "scaleDown with spec MinReplicas limitation with large pod policy and previous events",
        [],
        uniform([1, 5, 9], 120),
        5,
        1000,
        NONE,
        rules(130, 120, 0, 0, 300),
        100,
        0,
        5,
    ),
    (
        "scaleDown with spec MinReplicas limitation with large percent policy and previous events",
        [],
        uniform([1, 5, 9], 120),
        5,
        1000,
        NONE,
        rules(0, 0, 100, 120, 300),
        100,
        2,
        5,
    ),
    (
        "scaleDown with pod policy limitation and previous events",
        [],
        uniform([1, 5, 9], 120),
        1,
        1000,
        NONE,
        rules(5, 120, 0, 0, 300),
        100,
        2,
        100,
    ),
    (
        "scaleDown with percent policy limitation and previous events",
        [],
        uniform([2, 4, 6], 120),
        1,
        1000,
        NONE,
        rules(0, 0, 50, 120, 300),
        100,
        0,
        56,
    ),
    (
        "scaleDown with percent policy and previous scale up and down events",
        uniform([2], 120),
        uniform([4], 120),
        1,
        1000,
        NONE,
        rules(0, 0, 50, 180),
        10,
        1,
        6,
    ),
    (
        "scaleDown with previous events preventing further scale down",
        [],
        uniform([10, 10, 10], 120),
        1,
        1000,
        NONE,
        rules(0, 0, 10, 120, 300),
        100,
        0,
        100,
    ),
    (
        "scaleDown with with previous events still allowing more scale down",
        [],
        uniform([10, 10, 10], 120),
        1,
        1000,
        NONE,
        rules(0, 0, 1000, 120, 300),
        10,
        5,
        5,
    ),
    (
        "check 'outdated' flag for events for one behavior for up",
        uniform([8, 12, 9, 11], 120),
        [],
        1,
        1000,
        rules(1000, 60),
        NONE,
        100,
        200,
        200,
    ),
    (
        "check that events were not marked 'outdated' for two different policies in the behavior for up",
        uniform([8, 12, 9, 11], 120),
        [],
        1,
        1000,
        rules(1000, 120, 100, 60),
        NONE,
        100,
        200,
        200,
    ),
    (
        "check that events were marked 'outdated' for two different policies in the behavior for up",
        uniform([8, 12, 9, 11], 120),
        [],
        1,
        1000,
        rules(1000, 30, 100, 60),
        NONE,
        100,
        200,
        200,
    ),
    (
        "check 'outdated' flag for events for one behavior for down",
        [],
        uniform([8, 12, 9, 11], 120),
        1,
        1000,
        NONE,
        rules(1000, 60, 0, 0, 300),
        100,
        5,
        5,
    ),
    (
        "check that events were not marked 'outdated' for two different policies in the behavior for down",
        [],
        uniform([8, 12, 9, 11], 120),
        1,
        1000,
        NONE,
        rules(1000, 120, 100, 60, 300),
        100,
        5,
        5,
    ),
    (
        "check that events were marked 'outdated' for two different policies in the behavior for down",
        [],
        uniform([8, 12, 9, 11], 120),
        1,
        1000,
        NONE,
        rules(1000, 30, 100, 60, 300),
        100,
        5,
        5,
    ),
]


@pytest.mark.parametrize(
    ("up_events", "down_events", "min_r", "max_r", "up", "down", "current", "desired", "want"),
    [pytest.param(*case[1:], id=f"TestScalingWithRules/{case[0]}") for case in SCALING_WITH_RULES],
)
def test_scaling_with_rules(
    up_events: list[tuple[float, int]],
    down_events: list[tuple[float, int]],
    min_r: int,
    max_r: int,
    up: HPAScalingRules,
    down: HPAScalingRules,
    current: int,
    desired: int,
    want: int,
) -> None:
    up_rules = with_defaults(up, DEFAULT_SCALE_UP)
    down_rules = with_defaults(down, DEFAULT_SCALE_DOWN)
    got = convert_with_behavior_rate(
        current, desired, min_r, max_r, up_rules, down_rules, up_events, down_events, NOW
    )
    assert got == want


def test_calculate_scale_up_limit_with_scaling_rules() -> None:
    """TestCalculateScaleUpLimitWithScalingRules: Min of 2 Pods and 50 % per 60 s from 1 replica is 2."""
    min_rules = HPAScalingRules(300, "Min", (ScalingPolicy("Pods", 2, 60), ScalingPolicy("Percent", 50, 60)))
    assert scale_up_limit(1, [], [], min_rules, NOW) == 2


def test_calculate_scale_down_limit_with_behaviors() -> None:
    """TestCalculateScaleDownLimitWithBehaviors: Min of 2 Pods and 50 % per 60 s from 5 replicas is 3."""
    min_rules = HPAScalingRules(300, "Min", (ScalingPolicy("Pods", 2, 60), ScalingPolicy("Percent", 50, 60)))
    assert scale_down_limit(5, [], [], min_rules, NOW) == 3


# TestConvertDesiredReplicasWithRules (the legacy path; upstream's test raises scaleUpLimitFactor to 8 in
# init(), kubesim keeps the production factor 2, which only the last case reaches: calculateScaleUpLimit(3))
@pytest.mark.parametrize(
    ("current", "desired", "min_r", "max_r", "want"),
    [
        pytest.param(
            5,
            7,
            3,
            8,
            7,
            id="TestConvertDesiredReplicasWithRules/prenormalized desired replicas within range",
        ),
        pytest.param(
            3,
            1,
            2,
            8,
            2,
            id="TestConvertDesiredReplicasWithRules/prenormalized desired replicas < minReplicas",
        ),
        pytest.param(
            1,
            0,
            0,
            10,
            0,
            id="TestConvertDesiredReplicasWithRules/prenormalized desired zeroed replicas within range",
        ),
        pytest.param(
            20,
            1000,
            1,
            10,
            10,
            id="TestConvertDesiredReplicasWithRules/maxReplicas is the limit because maxReplicas < scaleUpLimit",
        ),
        pytest.param(
            3,
            1000,
            1,
            2000,
            6,
            id="TestConvertDesiredReplicasWithRules/scaleUpLimit is the limit because scaleUpLimit < maxReplicas",
        ),
        pytest.param(1, 1000, 1, 2000, 4, id="calculateScaleUpLimit/minimum of 4"),
    ],
)
def test_convert_desired_replicas_with_rules(
    current: int, desired: int, min_r: int, max_r: int, want: int
) -> None:
    assert convert_with_rules(current, desired, min_r, max_r) == want


# TestNormalizeDesiredReplicas (stabilizeRecommendation, 5 min window):
# (name, recommendations as (seconds ago, value), desired, want, recommendations kept)
NORMALIZE_LEGACY = [
    ("empty log", [], 5, 5, 1),
    ("stabilize", [(120, 4), (60, 5)], 3, 5, 3),
    ("no stabilize", [(120, 1), (60, 2)], 3, 3, 3),
    ("no stabilize - old recommendations", [(600, 10), (540, 9)], 3, 3, 1),
    ("stabilize - old recommendations", [(600, 10), (60, 4), (120, 5), (540, 9)], 3, 5, 3),
]


@pytest.mark.parametrize(
    ("recs", "desired", "want", "kept"),
    [pytest.param(*case[1:], id=f"TestNormalizeDesiredReplicas/{case[0]}") for case in NORMALIZE_LEGACY],
)
def test_normalize_desired_replicas(recs: list[tuple[int, int]], desired: int, want: int, kept: int) -> None:
    # upstream overwrites one outdated sample in place (log lengths 1, 3, 3, 2, 4); kubesim drops every
    # outdated sample, so only the samples that can still matter are kept: the value is the same
    recommendations = [(NOW - ago, value) for ago, value in recs]
    assert stabilize_legacy(recommendations, desired, NOW) == want
    assert len(recommendations) == kept
    assert recommendations[-1] == (NOW, desired)


# TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors):
# (name, recommendations as (seconds ago, value), current, desired, want, up window, down window)
NORMALIZE_WITH_BEHAVIOR = [
    ("empty recommendations for scaling down", [], 100, 5, 5, 0, 0),
    ("simple scale down stabilization", [(120, 4), (60, 5)], 100, 3, 5, 0, 180),
    ("simple scale up stabilization", [(120, 4), (60, 5)], 1, 7, 4, 300, 0),
    ("no scale down stabilization", [(120, 1), (60, 2)], 100, 3, 3, 300, 0),
    ("no scale up stabilization", [(120, 4), (60, 5)], 1, 3, 3, 0, 300),
    ("no scale down stabilization, reuse recommendation element", [(600, 10), (540, 9)], 100, 3, 3, 0, 0),
    ("no scale up stabilization, reuse recommendation element", [(600, 10), (540, 9)], 1, 100, 100, 0, 0),
    (
        "scale down stabilization, reuse one of obsolete recommendation element",
        [(600, 10), (60, 4), (120, 5), (540, 9)],
        100,
        3,
        5,
        0,
        180,
    ),
    (
        "scale up stabilization, reuse one of obsolete recommendation element",
        [(6000, 10), (60, 6), (120, 5), (180, 9)],
        1,
        100,
        5,
        300,
        0,
    ),
    (
        "scale up and down stabilization, do not scale up when prenormalized rec goes down",
        [(6000, 2), (180, 3)],
        2,
        1,
        2,
        300,
        300,
    ),
    (
        "scale up and down stabilization, do not scale down when prenormalized rec goes up",
        [(6000, 2), (180, 1)],
        2,
        3,
        2,
        300,
        300,
    ),
]


@pytest.mark.parametrize(
    ("recs", "current", "desired", "want", "up_window", "down_window"),
    [
        pytest.param(*case[1:], id=f"TestNormalizeDesiredReplicasWithBehavior/{case[0]}")
        for case in NORMALIZE_WITH_BEHAVIOR
    ],
)
def test_normalize_desired_replicas_with_behavior(
    recs: list[tuple[int, int]], current: int, desired: int, want: int, up_window: int, down_window: int
) -> None:
    recommendations = [(NOW - ago, value) for ago, value in recs]
    assert stabilize_with_behaviors(recommendations, current, desired, up_window, down_window, NOW) == want
    assert recommendations[-1] == (NOW, desired)


def _change(events: list[tuple[float, int]], period: float) -> int:
    return sum(c for t, c in events if t > NOW - period)


# TestStoreScaleEvents (scale-up side): (name, previous events as (seconds ago, change), rules,
# change within 60 s before, changes stored after, in order)
STORE_SCALE_EVENTS = [
    ("empty entries with two-policy-behavior", [], rules(10, 60, 100, 60), 0, [5]),
    ("one outdated entry to be replaced with behavior", [(61, 7)], rules(10, 60, 100, 60), 0, [5]),
    ("one actual entry to be not touched with behavior", [(58, 7)], rules(10, 60, 100, 60), 7, [7, 5]),
    ("two entries, one of them to be replaced", [(61, 7), (59, 6)], rules(10, 60), 6, [5, 6]),
    (
        "replace one entry, use policies with different periods",
        [(29, 8), (59, 6), (61, 7), (61, 9)],
        rules(10, 60, 100, 30),
        14,
        [8, 6, 7, 5],
    ),
    ("two entries, both actual", [(58, 7), (59, 6)], rules(10, 120, 100, 30), 13, [7, 6, 5]),
]


@pytest.mark.parametrize(
    ("previous", "scaling", "before", "after"),
    [pytest.param(*case[1:], id=f"TestStoreScaleEvents/{case[0]}") for case in STORE_SCALE_EVENTS],
)
def test_store_scale_events(
    previous: list[tuple[int, int]], scaling: HPAScalingRules, before: int, after: list[int]
) -> None:
    stored = [(NOW - ago, change) for ago, change in previous]
    assert _change(stored, 60) == before
    store_scale_event(stored, scaling, 5, NOW)
    assert [change for _, change in stored] == after


# -- whole-controller cases ------------------------------------------------------------------------------------
def _two_metric_hpa(min_replicas: int, max_replicas: int, average_value: str) -> str:
    """A cpu Utilization metric (invalid here: the pods request no cpu) and a cpu AverageValue metric (valid)."""
    return f"""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: {min_replicas}
  maxReplicas: {max_replicas}
  metrics:
  - {{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 50}}}}}}
  - {{type: Resource, resource: {{name: cpu, target: {{type: AverageValue, averageValue: {average_value}}}}}}}
---
"""


def _no_cpu_request_deployment(replicas_: int) -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas_}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: main
          image: web:v1
          resources: {{requests: {{memory: 64Mi}}}}
---
"""


def _cluster(rps: int, replicas_: int, hpa_doc: str, workload: str | None = None) -> str:
    return (
        f"""
apiVersion: kubesim.dev/v1alpha1
kind: Scenario
metadata: {{name: t}}
spec:
  duration: 1h
  defaults: {TIMING}
  traffic: [{{service: web, rps: {rps}, capacityPerPod: 10000, cpuPerRequest: 1m}}]
---
"""
        + pool(cpu="16")
        + (workload if workload is not None else deployment("web", replicas=replicas_, cpu="100m"))
        + SERVICE
        + hpa_doc
    )


def test_no_scale_down_one_metric_invalid() -> None:
    """TestNoScaleDownOneMetricInvalid: the AverageValue metric alone would scale 5 -> 1, but the Utilization
    metric cannot be computed (the pods request no cpu), and with an invalid metric the HPA never scales down."""
    sim = sim_from(_cluster(20, 5, _two_metric_hpa(1, 10, "50m"), _no_cpu_request_deployment(5)))
    sim.run(until=900)
    assert replicas(sim) == 5
    assert rescales(sim) == []
    warnings = [r["message"] for r in events(sim, "FailedGetResourceMetric")]
    assert any(w.startswith("failed to get cpu utilization: missing request for cpu") for w in warnings)


def test_scale_up_one_metric_invalid() -> None:
    """TestScaleUpOneMetricInvalid: an invalid metric does not stop a scale-up the valid ones ask for."""
    sim = sim_from(_cluster(400, 2, _two_metric_hpa(1, 10, "50m"), _no_cpu_request_deployment(2)))
    sim.run(until=200)
    assert replicas(sim) == 8  # 400m of usage over a 50m average-value target
    assert rescales(sim)[0][1] == "New size: 4; reason: cpu resource above target"


def _cpu_and_memory_hpa() -> str:
    return """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}
  - {type: Resource, resource: {name: memory, target: {type: Utilization, averageUtilization: 50}}}
---
"""


def test_memory_metric_is_left_out_not_invalid() -> None:
    """kubesim has no memory usage: a memory metric is left out with a warning (not counted invalid), so an HPA
    with cpu and memory metrics scales down on cpu as it scales up (kubesim's own rule, docs/fidelity.md)."""
    sim = sim_from(_cluster(20, 5, _cpu_and_memory_hpa()))
    sim.run(until=900)
    assert replicas(sim) < 5
    warnings = [r["message"] for r in events(sim, "FailedGetResourceMetric")]
    assert warnings.count("failed to get memory utilization: kubesim models cpu usage only") == 1


def test_scale_up_rc_immediately() -> None:
    """TestScaleUpRCImmediately: below minReplicas the target is raised at once, whatever the metrics."""
    hpa_doc = _two_metric_hpa(2, 6, "50m")
    sim = sim_from(_cluster(0, 1, hpa_doc))
    sim.run(until=1)
    assert rescales(sim)[0] == (0.0, "New size: 2; reason: Current number of replicas below Spec.MinReplicas")
