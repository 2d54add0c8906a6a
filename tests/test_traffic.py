"""The traffic model: requests sent, served and dropped per Service, integrated exactly on the virtual clock."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.errors import InputError
from simulator import Simulation
from tests.simhelpers import deployment, events, pool, sim_from

TIMING = "{startupSeconds: 2s, readySeconds: 3s, shutdownSeconds: 1s}"


def service(name: str = "web") -> str:
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec: {{selector: {{app: {name}}}, ports: [{{port: 80}}]}}
---
"""


def traffic_scenario(traffic: str, timeline: str = "[]", duration: str = "1h") -> str:
    return f"""
apiVersion: kubesim.dev/v1alpha1
kind: Scenario
metadata: {{name: t}}
spec:
  duration: {duration}
  seed: 3
  defaults: {TIMING}
  timeline: {timeline}
  traffic: {traffic}
---
"""


def web(sim: Simulation) -> dict[str, Any]:
    (svc,) = [s for s in sim.summary()["services"] if s["name"] == "web"]
    return svc


def test_constant_rate_with_known_endpoints_is_exact() -> None:
    # 3 pods Ready at t=5 (2 s startup + 3 s readiness): 90 rps capacity for a 100 rps load.
    sim = sim_from(
        traffic_scenario("[{service: web, rps: 100, capacityPerPod: 30, minReadyEndpoints: 3}]")
        + pool()
        + deployment("web", replicas=3)
        + service()
    )
    sim.run(until=600)
    svc = web(sim)
    assert svc["requests"] == pytest.approx(100 * 600)
    assert svc["served"] == pytest.approx(90 * 595)
    assert svc["dropped"] == pytest.approx(100 * 5 + 10 * 595)
    assert svc["availability"] == pytest.approx(90 * 595 / 60000)
    assert svc["seconds_below_threshold"] == pytest.approx(5)


def test_step_and_set_traffic_change_the_rate() -> None:
    sim = sim_from(
        traffic_scenario(
            "[{service: web, step: [{at: 0s, rps: 10}, {at: 100s, rps: 50}], capacityPerPod: 100}]",
            timeline="[{at: 200s, action: setTraffic, service: default/web, rps: 500}]",
        )
        + pool()
        + deployment("web", replicas=2)
        + service()
    )
    sim.run(until=300)
    svc = web(sim)
    assert svc["requests"] == pytest.approx(10 * 100 + 50 * 100 + 500 * 100)
    # 2 endpoints (200 rps) from t=5: at 500 rps 300 are dropped each second.
    assert svc["dropped"] == pytest.approx(10 * 5 + 300 * 100)
    assert events(sim, "Timeline")[0]["message"] == "setTraffic default/web"


def test_set_traffic_without_an_entry_is_a_timeline_error() -> None:
    sim = sim_from(
        traffic_scenario(
            "[{service: web, rps: 1, capacityPerPod: 1}]",
            timeline="[{at: 10s, action: setTraffic, service: api, rps: 5}]",
        )
        + pool()
        + service()
    )
    sim.run(until=20)
    assert "Service default/api has no traffic entry" in sim.timeline_errors[0]


def test_a_node_crash_reduces_served_traffic_until_replacements_are_ready() -> None:
    text = (
        traffic_scenario(
            "[{service: web, rps: 300, capacityPerPod: 100}]",
            timeline="[{at: 60s, action: crashNode, node: pool-0}]",
        )
        + pool(count=3)
        + deployment("web", replicas=3, extra_spec="strategy: {type: RollingUpdate}")
        + service()
    )
    sim = sim_from(text)
    served: list[tuple[float, float]] = []

    def sample() -> None:
        served.append((sim.now, sim.traffic.services[("default", "web")].served_rate))
        sim.engine.call_later(5, sample)

    sim.engine.call_at(30, sample)
    sim.run(until=1200)
    before = [rate for t, rate in served if t < 60]
    during = [rate for t, rate in served if 120 <= t < 350]
    after = [rate for t, rate in served if t > 1000]
    assert min(before) == 300
    assert max(during) < 300  # pods on the crashed node left the endpoints
    assert min(after) == 300  # replacements (after the 300 s toleration) are ready
    assert web(sim)["dropped"] > 0


def test_ingress_traffic_is_split_between_backends() -> None:
    ingress = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
          - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
---
"""
    sim = sim_from(
        traffic_scenario("[{ingress: shop, rps: 100, capacityPerPod: 100}]")
        + pool()
        + deployment("web", replicas=1)
        + deployment("api", replicas=1)
        + service("web")
        + service("api")
        + ingress
    )
    sim.run(until=100)
    by_name = {s["name"]: s for s in sim.summary()["services"]}
    assert by_name["web"]["requests"] == pytest.approx(5000)
    assert by_name["api"]["requests"] == pytest.approx(5000)
    assert by_name["api"]["served"] == pytest.approx(50 * 95)


def test_diurnal_curve_is_sampled_every_evaluation_step() -> None:
    sim = sim_from(
        traffic_scenario(
            "[{service: web, diurnal: {mean: 100, amplitude: 50, peak: 0s, period: 1h},"
            " capacityPerPod: 1000, evaluationStep: 60s}]"
        )
        + pool()
        + deployment("web", replicas=1)
        + service()
    )
    sim.run(until=3600)
    expected = sum(60 * (100 + 50 * math.cos(2 * math.pi * k * 60 / 3600)) for k in range(60))
    assert web(sim)["requests"] == pytest.approx(expected)


def test_csv_rates(tmp_path: Any) -> None:
    (tmp_path / "load.csv").write_text("t,rps\n0,10\n1m,20\n120,0\n")
    (tmp_path / "s.yaml").write_text(
        traffic_scenario("[{service: web, csv: load.csv, capacityPerPod: 100}]") + pool() + service()
    )
    sim = Simulation.from_files([tmp_path / "s.yaml"])
    sim.run(until=600)
    assert web(sim)["requests"] == pytest.approx(10 * 60 + 20 * 60)
    assert web(sim)["dropped"] == pytest.approx(10 * 60 + 20 * 60)  # no pods at all


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{service: web, rps: 1}", "spec.traffic[0].capacityPerPod: required field is missing"),
        ("{service: web, capacityPerPod: 1}", "exactly one of rps, step, diurnal, csv"),
        ("{rps: 1, capacityPerPod: 1}", "exactly one of service and ingress"),
        ("{service: web, rps: -1, capacityPerPod: 1}", "spec.traffic[0].rps: must be greater than"),
        ("{service: web, rps: 1, capacityPerPod: 1, cpuPerRequest: lots}", "cpuPerRequest"),
        ("{service: web, step: [{at: 5s, rps: 1}, {at: 2s, rps: 2}], capacityPerPod: 1}", "step[1].at"),
    ],
)
def test_bad_traffic_entries_are_reported(entry: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        sim_from(traffic_scenario(f"[{entry}]"))
    assert message in str(info.value)


@settings(max_examples=25, deadline=None)
@given(
    rates=st.lists(st.floats(min_value=0, max_value=1000), min_size=1, max_size=5),
    replicas=st.integers(min_value=0, max_value=4),
    capacity=st.floats(min_value=0.5, max_value=200),
)
def test_served_never_exceeds_requests_or_capacity(
    rates: list[float], replicas: int, capacity: float
) -> None:
    steps = ", ".join(f"{{at: {i * 50}s, rps: {r:.3f}}}" for i, r in enumerate(rates))
    sim = sim_from(
        traffic_scenario(
            f"[{{service: web, step: [{steps}], capacityPerPod: {capacity:.3f}}}]", duration="10m"
        )
        + pool()
        + deployment("web", replicas=replicas)
        + service()
    )
    sim.run(until=400)
    svc = web(sim)
    assert svc["served"] <= svc["requests"] + 1e-6
    assert svc["served"] <= replicas * round(capacity, 3) * 400 + 1e-6
    assert svc["served"] + svc["dropped"] == pytest.approx(svc["requests"], abs=1e-3)
