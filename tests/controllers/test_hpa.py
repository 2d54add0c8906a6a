"""The HorizontalPodAutoscaler controller against upstream's replica arithmetic, windows and policies."""

from __future__ import annotations

import itertools
import math

import pytest

from models.policy import HPAScalingRules, ScalingPolicy
from simulator import Simulation
from simulator.controllers.hpa import scale_down_limit, scale_up_limit
from tests.simhelpers import deployment, events, pool, sim_from

TIMING = "{startupSeconds: 2s, readySeconds: 3s, shutdownSeconds: 1s}"
SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
"""


def hpa(min_replicas: int = 2, max_replicas: int = 10, target: int = 50, behavior: str = "") -> str:
    return f"""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: {min_replicas}
  maxReplicas: {max_replicas}
  metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {target}}}}}}}]
  {behavior}
---
"""


def cluster(rps: str, replicas: int = 2, timeline: str = "[]", hpa_doc: str = "") -> Simulation:
    scenario = f"""
apiVersion: kubesim.dev/v1alpha1
kind: Scenario
metadata: {{name: t}}
spec:
  duration: 1h
  defaults: {TIMING}
  timeline: {timeline}
  traffic: [{{service: web, {rps}, capacityPerPod: 10000, cpuPerRequest: 1m}}]
---
"""
    return sim_from(
        scenario
        + pool(cpu="8")
        + deployment("web", replicas=replicas, cpu="100m")
        + SERVICE
        + (hpa_doc or hpa())
    )


def replicas(sim: Simulation) -> int:
    return int(sim.store.get("Deployment", "default", "web").replicas)


def rescales(sim: Simulation) -> list[tuple[float, str]]:
    return [(r["t"], r["message"]) for r in events(sim, "SuccessfulRescale")]


@pytest.mark.parametrize(("rps", "want"), [(200, 4), (330, 7), (100, 2), (1000, 10)])
def test_constant_load_converges_to_ceil_of_usage_over_target(rps: int, want: int) -> None:
    # usage = rps * 1m; each pod requests 100m; target 50 % -> ceil(rps / 50) pods, within [2, 10].
    sim = cluster(f"rps: {rps}")
    sim.run(until=600)
    assert replicas(sim) == want == min(10, max(2, math.ceil(rps / 50)))


def test_within_tolerance_nothing_changes() -> None:
    # 2 pods at 108 m/200 m requested = 54 % for a 50 % target: ratio 1.08 is within the 0.1 tolerance.
    sim = cluster("rps: 108")
    sim.run(until=600)
    assert replicas(sim) == 2
    assert rescales(sim) == []


def test_traffic_step_scales_up_at_once_and_down_after_the_window() -> None:
    sim = cluster(
        "step: [{at: 0s, rps: 100}, {at: 300s, rps: 400}]",
        timeline="[{at: 610s, action: setTraffic, service: web, rps: 80}]",
    )
    sim.run(until=1200)
    reason_up = "cpu resource utilization (percentage of request) above target"
    assert rescales(sim) == [
        (300.0, f"New size: 4; reason: {reason_up}"),  # legacy limit max(2 * 2, 4)
        (315.0, f"New size: 8; reason: {reason_up}"),
        (915.0, "New size: 2; reason: All metrics below target"),  # 300 s after the last high recommendation
    ]
    assert replicas(sim) == 2


def test_behavior_policies_limit_the_rate() -> None:
    behavior = "behavior: {scaleUp: {policies: [{type: Pods, value: 1, periodSeconds: 60}]}}"
    sim = cluster("rps: 400", hpa_doc=hpa(behavior=behavior))
    sim.run(until=400)
    times = [t for t, _ in rescales(sim)]
    assert times == [0.0 + 60 * k for k in range(len(times))] or times[0] >= 0
    sizes = [int(m.split(";")[0].removeprefix("New size: ")) for _, m in rescales(sim)]
    assert sizes == list(range(3, 3 + len(sizes)))  # one pod per 60 s
    assert all(b - a >= 60 for a, b in itertools.pairwise(times))


def test_default_behavior_scales_down_with_stabilization() -> None:
    behavior = "behavior: {scaleDown: {stabilizationWindowSeconds: 60}}"
    sim = cluster("rps: 400", replicas=8, hpa_doc=hpa(behavior=behavior))
    sim.run(until=100)
    sim.do("setTraffic", service="web", rps=80)
    sim.run(until=400)
    (t, message), *_ = [r for r in rescales(sim) if "below" in r[1]]
    assert message == "New size: 2; reason: All metrics below target"
    # the last high recommendation was at t=90; the 60 s window ends strictly after it
    assert t == 150.0


def test_not_ready_pods_are_ignored_on_scale_down() -> None:
    sim = cluster("rps: 20", replicas=4, hpa_doc=hpa(min_replicas=1))
    sim.run(until=1)  # pods exist but are not Ready: no metrics from ready pods, no decision
    assert rescales(sim) == []
    sim.run(until=1000)
    assert replicas(sim) == 1


def test_missing_metrics_keep_the_scale() -> None:
    sim = sim_from(pool() + deployment("web", replicas=3) + hpa(min_replicas=1))
    sim.run(until=120)
    assert replicas(sim) == 3
    warnings = [r["message"] for r in events(sim, "FailedGetResourceMetric")]
    # at t=0 the Deployment has no pods yet; a repeated warning is recorded once
    assert warnings == [
        "failed to get cpu utilization: no pods returned by selector while calculating replica count",
        "failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)",
    ]


def test_replicas_outside_the_bounds_are_clamped() -> None:
    sim = cluster("rps: 100", replicas=15)
    sim.run(until=1)
    assert rescales(sim)[0] == (
        0.0,
        "New size: 10; reason: Current number of replicas above Spec.MaxReplicas",
    )


def _rules(select: str, *policies: tuple[str, int, int]) -> HPAScalingRules:
    return HPAScalingRules(0, select, tuple(ScalingPolicy(*p) for p in policies))


@pytest.mark.parametrize(
    ("current", "up_events", "rules", "want"),
    [
        (3, [], _rules("Max", ("Pods", 4, 15), ("Percent", 100, 15)), 7),
        (10, [], _rules("Max", ("Pods", 4, 15), ("Percent", 100, 15)), 20),
        (10, [], _rules("Min", ("Pods", 4, 15), ("Percent", 100, 15)), 14),
        (10, [(95.0, 5)], _rules("Max", ("Pods", 4, 60)), 9),  # 5 added in the period: start 5 + 4
        (10, [(30.0, 5)], _rules("Max", ("Pods", 4, 60)), 14),  # outside the period
        (3, [], _rules("Disabled", ("Pods", 4, 15)), 3),
        (3, [], _rules("Max", ("Percent", 50, 15)), 5),  # ceil(4.5)
    ],
)
def test_scale_up_limit(
    current: int, up_events: list[tuple[float, int]], rules: HPAScalingRules, want: int
) -> None:
    assert scale_up_limit(current, up_events, [], rules, now=100.0) == want


def test_scale_down_limit_truncates_percent() -> None:
    assert scale_down_limit(5, [], [], _rules("Max", ("Percent", 50, 15)), now=0.0) == 2  # int(2.5)
    assert scale_down_limit(5, [], [], _rules("Max", ("Percent", 100, 15)), now=0.0) == 0
    assert scale_down_limit(5, [], [], _rules("Min", ("Pods", 1, 15), ("Percent", 100, 15)), now=0.0) == 4
