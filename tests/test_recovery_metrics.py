"""OOM kills, the summary's recovery metrics and the ``--timeseries`` CSV (issue 4, items 7 and 8)."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pytest

from models.errors import InputError
from simulator import Simulation
from simulator.cli import main
from tests.simhelpers import events, pool, sim_from

TIMING = "{startupSeconds: 3s, readySeconds: 2s, shutdownSeconds: 1s}"


def scenario(extra: str = "", duration: str = "1h") -> str:
    return f"""
apiVersion: kubesim.dev/v1alpha1
kind: Scenario
metadata: {{name: t}}
spec:
  duration: {duration}
  seed: 3
  defaults: {TIMING}
{textwrap.indent(textwrap.dedent(extra).strip(), "  ") if extra.strip() else ""}
---
"""


def app(
    name: str = "web",
    replicas: int = 1,
    usage: str | None = None,
    limit: str | None = None,
    kind: str = "Deployment",
) -> str:
    annotations = f"{{kubesim.dev/memory-usage: {usage}}}" if usage else "{}"
    limits = f", limits: {{memory: {limit}}}" if limit else ""
    return f"""
apiVersion: apps/v1
kind: {kind}
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata:
      labels: {{app: {name}}}
      annotations: {annotations}
    spec:
      containers:
        - name: main
          image: {name}:v1
          resources: {{requests: {{cpu: 100m, memory: 64Mi}}{limits}}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec: {{selector: {{app: {name}}}, ports: [{{port: 80}}]}}
---
"""


# -- OOM kills ------------------------------------------------------------------------------------------------------
def test_usage_above_the_limit_is_oom_killed_and_restarted_with_crash_loop_backoff():
    sim = sim_from(scenario() + pool(count=1) + app(usage="600Mi", limit="512Mi"))
    sim.run(until=400)
    kills = events(sim, "OOMKilled", "Pod")
    times = [r["t"] for r in kills]
    # Started at 3 s (startup), killed at once; restarts after 10, 20, 40, 80, 160 s of back-off.
    assert times[:6] == [3, 13, 33, 73, 153, 313]
    assert all(r["eventType"] == "Warning" for r in kills)
    assert "exit code 137" in kills[0]["message"] and "600Mi exceeds its limit 512Mi" in kills[0]["message"]
    assert [r["t"] for r in events(sim, "BackOff", "Pod")][:3] == [3, 13, 33]
    (pod,) = sim.store.list("Pod")
    assert pod.last_termination_reason == "OOMKilled" and pod.last_exit_code == 137
    assert pod.restart_count == len(kills) - 1
    assert not pod.ready and pod.waiting_reason == "CrashLoopBackOff"
    summary = sim.summary()
    assert summary["restarts"] == pod.restart_count
    (web,) = summary["workloads"]
    assert web["availability_min"] is None and web["seconds_below_desired"] is None  # never at desired


def test_no_memory_limit_means_no_oom_kill():
    sim = sim_from(scenario() + pool(count=1) + app(usage="600Gi"))
    sim.run(until=300)
    assert events(sim, "OOMKilled") == []
    (pod,) = sim.store.list("Pod")
    assert pod.ready and pod.restart_count == 0 and pod.last_termination_reason == ""


def test_usage_within_the_limit_is_not_killed():
    sim = sim_from(scenario() + pool(count=1) + app(usage="512Mi", limit="512Mi"))
    sim.run(until=300)
    assert events(sim, "OOMKilled") == []
    assert sim.summary()["restarts"] == 0


def test_restart_policy_never_pod_fails_with_oomkilled():
    sim = sim_from(
        scenario()
        + pool(count=1)
        + """
apiVersion: v1
kind: Pod
metadata: {name: once, annotations: {kubesim.dev/memory-usage: 2Gi}}
spec:
  restartPolicy: Never
  containers: [{name: main, image: x, resources: {limits: {memory: 1Gi}}}]
"""
    )
    sim.run(until=100)
    pod = sim.store.get("Pod", "default", "once")
    assert pod is not None and pod.phase == "Failed"
    assert pod.last_termination_reason == "OOMKilled" and pod.last_exit_code == 137
    assert len(events(sim, "OOMKilled")) == 1


def test_traffic_memory_per_request_oom_kills_when_the_load_rises():
    traffic = """
        traffic:
          - service: web
            step: [{at: 0s, rps: 100}, {at: 60s, rps: 400}]
            capacityPerPod: 1000
            memoryBaseline: 100Mi
            memoryPerRequest: 1Mi
    """
    sim = sim_from(scenario(traffic) + pool(count=2) + app(replicas=2, limit="256Mi"))
    sim.run(until=59)
    # 100 rps over 2 endpoints: 100Mi + 50 x 1Mi = 150Mi, under the limit.
    assert events(sim, "OOMKilled") == []
    assert sim.kubelet.memory_usage(sim.store.list("Pod")[0]) == 150 * 2**20
    sim.run(until=61)
    # 400 rps: 100Mi + 200 x 1Mi = 300Mi > 256Mi: both endpoints are killed at 60 s.
    kills = events(sim, "OOMKilled", "Pod")
    assert sorted(r["name"] for r in kills) == sorted(p.name for p in sim.store.list("Pod"))
    assert {r["t"] for r in kills} == {60}
    assert "300Mi exceeds its limit 256Mi" in kills[0]["message"]


def test_traffic_without_memory_figures_never_kills():
    traffic = "traffic: [{service: web, rps: 100000, capacityPerPod: 10}]"
    sim = sim_from(scenario(traffic) + pool(count=1) + app(limit="64Mi"))
    sim.run(until=300)
    assert events(sim, "OOMKilled") == []


@pytest.mark.parametrize("value", ["lots", "-1Gi"])
def test_bad_memory_usage_annotation_is_an_input_error(value: str):
    with pytest.raises(InputError) as err:
        sim_from(scenario() + pool(count=1) + app(usage=f'"{value}"', limit="1Gi"))
    assert "kubesim.dev/memory-usage" in str(err.value.errors)


def test_bad_memory_per_request_is_an_input_error():
    traffic = "traffic: [{service: web, rps: 1, capacityPerPod: 10, memoryPerRequest: many}]"
    with pytest.raises(InputError) as err:
        sim_from(scenario(traffic) + pool(count=1) + app())
    assert "memoryPerRequest" in str(err.value.errors)


# -- recovery metrics -----------------------------------------------------------------------------------------------
def test_recovery_metrics_of_a_node_crash_are_hand_computed():
    """One replica on a crashed node: NotReady (and the pod unready) 50 s after the crash, evicted 300 s later,
    the replacement Ready 3 s + 2 s after that. So ready < desired from t+50 to t+355: 305 s at 0 %."""
    sim = sim_from(scenario() + pool(count=2) + app(replicas=1) + app(name="api", replicas=1))
    sim.run(until=100)
    web_pod = next(p for p in sim.store.list("Pod") if p.name.startswith("web-"))
    api_pod = next(p for p in sim.store.list("Pod") if p.name.startswith("api-"))
    sim.do("crashNode", node=web_pod.node_name)
    sim.run(until=1000)
    s = sim.summary()
    (fault,) = s["faults"]
    assert (fault["detected_at"], fault["pods_evicted_at"], fault["replacements_ready_at"]) == (150, 450, 455)
    by_name = {w["name"]: w for w in s["workloads"]}
    assert by_name["web"]["availability_min"] == 0.0
    assert by_name["web"]["seconds_below_desired"] == 305.0
    same_node = api_pod.node_name == web_pod.node_name
    assert by_name["api"]["seconds_below_desired"] == (305.0 if same_node else 0.0)
    assert s["evictions"] == {"taint_manager": 2 if same_node else 1, "api": 0}
    assert s["preemptions"] == 0 and s["restarts"] == 0


def test_drain_evictions_are_counted_as_api_evictions():
    sim = sim_from(scenario() + pool(count=2) + app(replicas=1))
    sim.run(until=100)
    (pod,) = sim.store.list("Pod")
    sim.do("drain", node=pod.node_name)
    sim.run(until=200)
    s = sim.summary()
    assert s["evictions"] == {"taint_manager": 0, "api": 1}
    (web,) = s["workloads"]
    # Evicted at 100 (ready drops at once), the replacement Ready 3 s + 2 s later.
    assert web["seconds_below_desired"] == 5.0 and web["availability_min"] == 0.0


def test_seconds_below_desired_is_still_counting_at_the_end():
    sim = sim_from(scenario() + pool(count=1) + app(replicas=1))
    sim.run(until=100)
    (pod,) = sim.store.list("Pod")
    sim.do("crashNode", node=pod.node_name)
    sim.run(until=400)
    (web,) = sim.summary()["workloads"]
    assert web["seconds_below_desired"] == 250.0  # NotReady at 150, still down at 400


# -- time series ----------------------------------------------------------------------------------------------------
SMALL = (
    scenario(
        """
        timeline: [{at: 60s, action: scale, target: Deployment/web, replicas: 3}]
        traffic: [{service: web, rps: 250, capacityPerPod: 100}]
        """,
        duration="2m",
    )
    + pool(count=2)
    + app(replicas=2)
)


def test_timeseries_csv_has_the_gauges_and_does_not_change_the_run(tmp_path: Path):
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(textwrap.dedent(SMALL))
    plain, sampled, series = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "ts.csv"
    assert main(["run", "-q", str(scenario_file), "--events", str(plain)]) == 0
    args = ["run", "-q", str(scenario_file), "--events", str(sampled), "--timeseries", str(series)]
    assert main([*args, "--sample-interval", "15s"]) == 0
    assert plain.read_bytes() == sampled.read_bytes()
    rows = list(csv.DictReader(series.open()))
    assert list(rows[0]) == [
        "t",
        "pods_pending",
        "pods_running",
        "nodes_ready",
        "cpu_requested_fraction",
        "memory_requested_fraction",
        "ready:Deployment/default/web",
        "desired:Deployment/default/web",
        "served_rps:default/web",
        "dropped_rps:default/web",
    ]
    assert [float(r["t"]) for r in rows] == [15.0 * k for k in range(9)]
    at = {float(r["t"]): r for r in rows}
    assert at[30]["pods_running"] == "2" and at[30]["nodes_ready"] == "2" and at[30]["pods_pending"] == "0"
    assert at[30]["ready:Deployment/default/web"] == "2" and at[30]["desired:Deployment/default/web"] == "2"
    assert float(at[30]["served_rps:default/web"]) == 200 and float(at[30]["dropped_rps:default/web"]) == 50
    assert float(at[30]["cpu_requested_fraction"]) == pytest.approx(0.2 / 8)
    assert at[75]["desired:Deployment/default/web"] == "3" and at[75]["ready:Deployment/default/web"] == "3"
    assert float(at[75]["served_rps:default/web"]) == 250 and float(at[75]["dropped_rps:default/web"]) == 0


def test_default_scenario_event_log_is_identical_with_timeseries(tmp_path: Path):
    a, b, ts = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "ts.csv"
    assert main(["run", "-q", "--until", "2h", "--events", str(a)]) == 0
    assert main(["run", "-q", "--until", "2h", "--events", str(b), "--timeseries", str(ts)]) == 0
    assert a.read_bytes() == b.read_bytes()
    rows = list(csv.DictReader(ts.open()))
    assert len(rows) == 721 and rows[-1]["t"] == "7200.0"
    assert "ready:StatefulSet/default/db" in rows[0] and "served_rps:default/web" in rows[0]


def test_timeseries_usage_errors_exit_2_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["run", "-q", "--timeseries", "/nonexistent-dir/ts.csv"]) == 2
    out = tmp_path / "ts.csv"
    assert main(["run", "-q", "--until", "1m", "--timeseries", str(out), "--sample-interval", "0"]) == 2
    assert not out.exists()
    with pytest.raises(SystemExit) as exc:
        main(["run", "--sample-interval", "often"])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_python_api_sampling_matches(tmp_path: Path):
    from simulator.metrics.timeseries import TimeSeries

    sim = Simulation.from_text(textwrap.dedent(SMALL))
    series = TimeSeries(sim)
    for t in (0, 60, 120):
        sim.run(until=t)
        series.sample()
    assert [r["t"] for r in series.rows] == [0, 60, 120]
    series.write_csv(tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_text().splitlines()[0].startswith("t,pods_pending,")


def test_a_crashed_node_running_a_job_pod_recovers_without_the_job_counting_as_a_workload():
    """A Job has no desired ready count: a crash under a Job's pod must not break recovery tracking (it
    crashed the built-in scenario on some seeds, through its nightly CronJob)."""
    job = """
apiVersion: batch/v1
kind: Job
metadata: {name: report}
spec:
  template:
    metadata: {annotations: {kubesim.dev/duration-seconds: "60"}}
    spec:
      restartPolicy: Never
      containers: [{name: r, image: report, resources: {requests: {cpu: 100m}}}]
---
"""
    timeline = (
        "timeline: [{at: 10s, action: crashNode, node: pool-0}, {at: 10m, action: recoverNode, node: pool-0}]"
    )
    sim = sim_from(scenario(timeline) + pool(count=1) + app(replicas=1) + job)
    sim.run()
    (fault,) = sim.summary()["faults"]
    assert fault["replacements_ready_at"] is not None


@pytest.mark.parametrize("seed", range(8))
def test_the_built_in_scenario_runs_on_many_seeds(seed: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--seed", str(seed), "--quiet"]) == 0
