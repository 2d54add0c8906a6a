"""Faults: timeline fault actions against Kubernetes' documented behaviour, and ``spec.failures`` processes.

Kubernetes behaviour checked here (1.35 defaults): a node whose lease stops renewing is NotReady after the 50 s
node-monitor-grace-period (at the next 5 s monitor tick); its pods are evicted 300 s after the NoExecute taint
(the default tolerations); NoExecute taints go on at 0.1 node/s per zone, also in a fully disrupted zone as long
as another zone is healthy, and not at all when every zone is fully disrupted. Pods on an unreachable node stay
Terminating until its kubelet is heard again, which then stops and removes them. CrashLoopBackOff waits 10 s,
20 s, 40 s, ... between restarts.
"""

from __future__ import annotations

import random
import statistics
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.errors import InputError
from models.kubesim import ContainerCrashes, Lifetime, NodeFailures
from models.loader import load_text
from simulator.faults import sample_lifetime
from tests.simhelpers import deployment, events, pool, scenario, sim_from


def faults_sim(timeline: str, nodes: int = 6, replicas: int = 6, zones: str = "[a, b, c]") -> Any:
    return sim_from(
        scenario(timeline=timeline) + pool(count=nodes, zones=zones) + deployment(replicas=replicas)
    )


def failures_scenario(failures: str, duration: str = "1h", seed: int = 7) -> str:
    return f"""
apiVersion: kubesim.dev/v1alpha1
kind: Scenario
metadata: {{name: test}}
spec:
  duration: {duration}
  seed: {seed}
  failures: {failures}
---
"""


def noexecute_times(sim: Any) -> list[tuple[float, str]]:
    """(t, node) of each Node write that first shows a NoExecute taint."""
    seen: set[str] = set()
    out = []
    for r in sim.log:
        if r["kind"] == "Node" and r["type"] == "MODIFIED":
            tainted = any(t.endswith(":NoExecute") for t in r["taints"])
            if tainted and r["name"] not in seen:
                out.append((r["t"], r["name"]))
            (seen.add if tainted else seen.discard)(r["name"])
    return out


def ready_pods(sim: Any) -> list[Any]:
    return [p for p in sim.store.list("Pod") if p.ready and p.deletion_timestamp is None]


@pytest.mark.parametrize("action", ["crashNode", "partitionNode", "stopKubelet"])
def test_node_silenced_at_time_zero_goes_not_ready_after_the_grace_period(action: str) -> None:
    # At t=0 the kubelet has not written its first lease yet; the fault must still silence it.
    sim = faults_sim(f"[{{at: 0s, action: {action}, node: pool-1}}]")
    sim.run(until=400)
    assert [(e["t"], e["name"]) for e in events(sim, "NodeNotReady", kind="Node")] == [(50.0, "pool-1")]
    assert sim.store.get("Node", "", "pool-1").ready == "Unknown"
    assert len(ready_pods(sim)) == 6  # its pods were evicted at 350 s and replaced elsewhere
    assert all(p.node_name != "pool-1" for p in ready_pods(sim))


# -- zoneOutage -------------------------------------------------------------------------------------------------
def test_zone_outage_takes_every_node_of_the_zone_not_ready_after_the_grace_period() -> None:
    sim = faults_sim("[{at: 100s, action: zoneOutage, zone: a}]")
    sim.run(until=400)
    zone_a = {n.name for n in sim.store.list("Node") if n.zone == "a"}
    assert zone_a == {"pool-0", "pool-3"}
    assert sorted((e["t"], e["name"]) for e in events(sim, "NodeNotReady", kind="Node")) == [
        (150.0, "pool-0"),
        (150.0, "pool-3"),
    ]
    assert all(sim.store.get("Node", "", n).ready == ("Unknown" if n in zone_a else "True") for n in zone_a)


def test_fully_disrupted_zone_beside_healthy_zones_evicts_at_the_normal_rate() -> None:
    sim = faults_sim("[{at: 100s, action: zoneOutage, zone: a}]")
    sim.run(until=99)
    victims = [p for n in ("pool-0", "pool-3") for p in sim.store.pods_on_node(n)]
    assert victims
    sim.run(until=1000)
    # 0.1 node/s in zone a although it is 100 % down: zones b and c are healthy.
    assert noexecute_times(sim) == [(150.0, "pool-0"), (160.0, "pool-3")]
    evicted = {p.name: p.deletion_timestamp for p in victims}
    assert evicted == {p.name: (450.0 if p.node_name == "pool-0" else 460.0) for p in victims}
    assert len(ready_pods(sim)) == 6 and all(p.node_name not in ("pool-0", "pool-3") for p in ready_pods(sim))
    (fault,) = sim.summary()["faults"]
    assert fault["type"] == "zoneOutage" and fault["target"] == "a"
    assert fault["detected_at"] == 150.0 and fault["pods_evicted_at"] == 450.0
    assert fault["replacements_ready_at"] is not None and 460 < fault["replacements_ready_at"] < 480


def test_outage_of_every_zone_evicts_nothing() -> None:
    sim = faults_sim("[{at: 100s, action: zoneOutage, zone: a}]", nodes=3, zones="[a]")
    sim.run(until=1500)
    assert noexecute_times(sim) == []
    assert events(sim, "TaintManagerEviction") == []
    assert all(not p.ready and p.deletion_timestamp is None for p in sim.store.list("Pod"))


def test_zone_outage_with_duration_recovers_and_kubelets_finish_the_evicted_pods() -> None:
    sim = faults_sim("[{at: 100s, action: zoneOutage, zone: a, duration: 20m}]")
    sim.run(until=99)
    victims = [p for n in ("pool-0", "pool-3") for p in sim.store.pods_on_node(n)]
    sim.run(until=1299)
    assert all(sim.store.get_key("Pod", p.key) is p for p in victims)  # Terminating on unreachable nodes
    sim.run(until=1400)
    assert all(sim.store.get_key("Pod", p.key) is None for p in victims)
    assert all(n.ready == "True" and n.taints == () for n in sim.store.list("Node"))
    assert len(ready_pods(sim)) == 6


def test_timeline_fault_on_a_missing_zone_is_a_timeline_error() -> None:
    sim = faults_sim("[{at: 10s, action: zoneOutage, zone: nowhere}]")
    sim.run(until=20)
    assert sim.timeline_errors == ["timeline zoneOutage at t=10: no node is in zone nowhere"]


# -- partitionNode / stopKubelet --------------------------------------------------------------------------------
@pytest.mark.parametrize("action", ["partitionNode", "stopKubelet"])
def test_cut_off_node_keeps_running_its_pods_while_replacements_run_elsewhere(action: str) -> None:
    sim = faults_sim(f"[{{at: 100s, action: {action}, node: pool-0, duration: 900s}}]", nodes=3)
    sim.run(until=99)
    victims = list(sim.store.pods_on_node("pool-0"))
    assert victims
    sim.run(until=151)
    assert sim.store.get("Node", "", "pool-0").ready == "Unknown"
    assert all(not p.ready for p in victims)  # MarkPodsNotReady: out of the endpoints at once
    sim.run(until=999)
    # Evicted at 450 s, yet still there and running: the kubelet has not heard of the deletion.
    for p in victims:
        assert sim.store.get_key("Pod", p.key) is p
        assert p.deletion_timestamp == 450.0 and p.phase == "Running" and p.container_state == "Running"
        assert p.restart_count == 0
    assert len(ready_pods(sim)) == 6 and all(p.node_name != "pool-0" for p in ready_pods(sim))
    sim.run(until=1000)
    killing = [e for e in events(sim, "Killing") if e["name"] in {p.name for p in victims}]
    assert [e["t"] for e in killing] == [1000.0] * len(victims)  # heard again: stopped gracefully ...
    sim.run(until=1100)
    assert all(sim.store.get_key("Pod", p.key) is None for p in victims)  # ... and removed
    node = sim.store.get("Node", "", "pool-0")
    assert node.ready == "True" and node.taints == ()
    (fault,) = sim.summary()["faults"]
    assert fault["type"] == action and fault["target"] == "pool-0"
    assert (fault["detected_at"], fault["pods_evicted_at"]) == (150.0, 450.0)
    assert fault["replacements_ready_at"] is not None


def test_short_partition_keeps_pods_without_restarting_them() -> None:
    sim = faults_sim("[{at: 100s, action: partitionNode, node: pool-0, duration: 200s}]", nodes=3)
    sim.run(until=99)
    victims = list(sim.store.pods_on_node("pool-0"))
    sim.run(until=200)
    assert all(not p.ready for p in victims)
    sim.run(until=301)
    # Unlike a crash, the containers never stopped: Ready again at once, no restart.
    assert all(p.ready and p.ready_since == 300.0 and p.restart_count == 0 for p in victims)
    assert events(sim, "TaintManagerEviction") == []


def test_heal_partition_and_start_kubelet_end_open_ended_faults() -> None:
    sim = faults_sim(
        "[{at: 100s, action: partitionNode, node: pool-0}, {at: 100s, action: stopKubelet, node: pool-1},"
        " {at: 200s, action: healPartition, node: pool-0}, {at: 200s, action: startKubelet, node: pool-1}]",
        nodes=3,
    )
    sim.run(until=150)
    assert {n.name for n in sim.store.list("Node") if n.ready != "True"} == {"pool-0", "pool-1"}
    sim.run(until=205)
    assert all(n.ready == "True" and n.taints == () for n in sim.store.list("Node"))


def test_crash_during_a_partition_restarts_containers_when_heard_again() -> None:
    sim = faults_sim(
        "[{at: 100s, action: partitionNode, node: pool-0, duration: 200s},"
        " {at: 120s, action: crashNode, node: pool-0}, {at: 150s, action: recoverNode, node: pool-0}]",
        nodes=3,
    )
    sim.run(until=99)
    victims = list(sim.store.pods_on_node("pool-0"))
    sim.run(until=400)
    assert all(p.restart_count == 1 and p.ready for p in victims)


# -- crashLoop --------------------------------------------------------------------------------------------------
def test_crash_loop_restarts_with_doubling_backoff_then_runs_normally() -> None:
    sim = faults_sim("[{at: 100s, action: crashLoop, target: Deployment/web, duration: 2m}]", replicas=2)
    sim.run(until=99)
    pods = sim.store.list("Pod")
    assert all(p.ready for p in pods)
    sim.run(until=600)
    for pod in pods:
        backoffs = [e["t"] for e in events(sim, "BackOff") if e["name"] == pod.name]
        # Crash now, then at each restart: 10 s, 20 s, 40 s apart; the restart at 250 s is after the window.
        assert backoffs == [100.0, 110.0, 130.0, 170.0]
        assert pod.restart_count == 4 and pod.ready and pod.ready_since == 250.0
        ready_in_window = [
            r
            for r in sim.log
            if r["type"] == "MODIFIED" and r["kind"] == "Pod" and r["name"] == pod.name
            and 100 <= r["t"] < 250 and r["ready"]
        ]  # fmt: skip
        assert ready_in_window == []
    (fault,) = sim.summary()["faults"]
    assert fault == {
        "t": 100.0,
        "type": "crashLoop",
        "target": "Deployment/web",
        "detected_at": 100.0,
        "pods_evicted_at": None,
        "replacements_scheduled_at": None,
        "replacements_ready_at": 250.0,
    }


def test_crash_loop_needs_a_duration_and_a_workload_target() -> None:
    bad = scenario(timeline="[{at: 1s, action: crashLoop, target: Deployment/web}]")
    with pytest.raises(InputError, match=r"duration: required field is missing"):
        load_text(bad)
    bad = scenario(timeline="[{at: 1s, action: crashLoop, target: Service/web, duration: 1m}]")
    with pytest.raises(InputError, match=r"unsupported value \"Service\""):
        load_text(bad)


# -- spec.failures: loading -------------------------------------------------------------------------------------
def test_failures_section_loads_into_typed_processes() -> None:
    text = failures_scenario(
        "[{pool: general, mtbf: 24h, mttr: 10m, distribution: exponential},"
        " {pool: general, mtbf: 100h, mttr: 30m, distribution: weibull, shape: 1.5, mode: partition},"
        " {zone: zone-a, mtbf: 720h},"
        " {target: Deployment/web, crashMtbf: 2h}]"
    )
    (sc,) = load_text(text).objects
    assert sc.failures == (
        NodeFailures(
            time_to_failure=Lifetime(86400.0),
            time_to_repair=Lifetime(600.0),
            pool="general",
            index=0,
        ),
        NodeFailures(
            time_to_failure=Lifetime(360000.0, "weibull", 1.5),
            time_to_repair=Lifetime(1800.0),
            pool="general",
            mode="partition",
            index=1,
        ),
        NodeFailures(time_to_failure=Lifetime(2592000.0), time_to_repair=None, zone="zone-a", index=2),
        ContainerCrashes(target="Deployment/web", crash_mtbf=7200.0, index=3),
    )
    assert sc.extra == {}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{pool: p, mtbf: 1h, distribution: weibull}", "spec.failures[0].shape: required field is missing"),
        ("{pool: p, mtbf: 1h, shape: 2}", "spec.failures[0].shape: only applies to distribution: weibull"),
        ("{pool: p, mtbf: 0s}", "spec.failures[0].mtbf: must be greater than 0"),
        ("{pool: p}", "spec.failures[0].mtbf: required field is missing"),
        (
            "{pool: p, mtbf: 1h, distribution: normal}",
            'spec.failures[0].distribution: unsupported value "normal"',
        ),
        ("{pool: p, zone: z, mtbf: 1h}", "spec.failures[0]: needs exactly one of pool, zone or target"),
        ("{mtbf: 1h}", "spec.failures[0]: needs exactly one of pool, zone or target (found: none)"),
        ("{pool: p, mtbf: 1h, mode: melt}", 'spec.failures[0].mode: unsupported value "melt"'),
        ("{pool: p, mtbf: 1h, crashMtbf: 1h}", 'spec.failures[0].crashMtbf: unknown field "crashMtbf"'),
        ("{target: Deployment/web}", "spec.failures[0].crashMtbf: required field is missing"),
        ("{target: Service/web, crashMtbf: 1h}", 'spec.failures[0].target: unsupported value "Service"'),
        ("{pool: p, mtbf: 1h, repairShape: 2}", "spec.failures[0].repairShape: only applies to"),
    ],
)
def test_bad_failures_entries_are_reported_by_path(entry: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        load_text(failures_scenario(f"[{entry}]"))
    assert any(message in line for line in info.value.errors), info.value.errors


def test_failures_on_a_missing_pool_are_reported() -> None:
    sim = sim_from(failures_scenario("[{pool: nope, mtbf: 1h}]") + pool(count=1))
    sim.run(until=1)
    assert sim.timeline_errors == ["spec.failures: NodePool nope does not exist; its failures never happen"]


# -- spec.failures: stochastic node failures --------------------------------------------------------------------
def fault_times(text: str, seed: int | None = None, until: float = 36000.0) -> list[tuple[float, str, str]]:
    sim = sim_from(text, seed=seed)
    sim.run(until=until)
    return [(f["t"], f["type"], f["target"]) for f in sim.summary()["faults"]]


POOL_FAILURES = failures_scenario("[{pool: pool, mtbf: 2h, mttr: 10m}]", duration="10h") + pool(count=4)


def test_stochastic_failures_are_reproducible_from_the_seed() -> None:
    first = fault_times(POOL_FAILURES)
    assert first and first == fault_times(POOL_FAILURES)
    assert fault_times(POOL_FAILURES, seed=8) != first
    assert {kind for _, kind, _ in first} == {"nodeFailure"}


def test_adding_a_failure_process_does_not_perturb_another() -> None:
    other = failures_scenario(
        "[{pool: pool, mtbf: 2h, mttr: 10m}, {pool: other, mtbf: 1h, mttr: 5m}]", duration="10h"
    ) + pool(count=4) + pool("other", count=2)  # fmt: skip
    mine = [f for f in fault_times(other) if f[2].startswith("pool-")]
    assert mine == fault_times(POOL_FAILURES)


def test_failed_nodes_are_detected_repaired_and_logged() -> None:
    sim = sim_from(POOL_FAILURES + deployment(replicas=4))
    sim.run(until=36000)
    failures, repairs = events(sim, "NodeFailure", kind="Node"), events(sim, "NodeRepaired", kind="Node")
    assert failures and len(repairs) >= len(failures) - 4
    assert all(e["message"].startswith("spec.failures[0]: node ") for e in failures + repairs)
    faults = sim.summary()["faults"]
    # Outages longer than the grace period are detected 50-55 s in.
    assert any(f["detected_at"] is not None for f in faults)
    assert all(f["detected_at"] is None or 50 <= f["detected_at"] - f["t"] <= 55 for f in faults)
    assert len(ready_pods(sim)) == 4 or any(n.ready != "True" for n in sim.store.list("Node"))


def test_number_of_failures_matches_mtbf_over_a_long_run() -> None:
    # 20 nodes, exponential up 10 h / down 10 min, 100 h: about 20 * 100 / 10.17 = 197 failures (sd ~ 14).
    text = failures_scenario("[{pool: pool, mtbf: 10h, mttr: 10m}]", duration="100h") + pool(count=20)
    count = len(fault_times(text, until=360000.0))
    assert 140 <= count <= 260, count


def test_weibull_lifetimes_have_the_requested_mean() -> None:
    rng = random.Random(1)
    for shape in (0.7, 1.5, 3.0):
        draws = [sample_lifetime(Lifetime(3600.0, "weibull", shape), rng) for _ in range(20000)]
        assert statistics.fmean(draws) == pytest.approx(3600.0, rel=0.04)
    assert sample_lifetime(Lifetime(42.0, "fixed"), rng) == 42.0


def test_weibull_process_and_partition_mode() -> None:
    text = failures_scenario(
        "[{pool: pool, mtbf: 3h, mttr: 10m, distribution: weibull, shape: 2, mode: partition}]", duration="10h"
    ) + pool(count=4) + deployment(replicas=4)  # fmt: skip
    sim = sim_from(text)
    sim.run(until=36000)
    faults = sim.summary()["faults"]
    assert faults and {f["type"] for f in faults} == {"nodePartition"}
    assert events(sim, "NodePartitioned") and events(sim, "PartitionHealed")
    # A partition never restarts containers: the only restarts would come from a crash.
    assert all(p.restart_count == 0 for p in sim.store.list("Pod"))


def test_zone_failure_process_takes_the_whole_zone_down_and_back() -> None:
    text = failures_scenario(
        "[{zone: a, mtbf: 3h, mttr: 20m, distribution: fixed, repairDistribution: fixed}]", duration="10h"
    )
    sim = sim_from(text + pool(count=6) + deployment(replicas=6))
    sim.run(until=36000)
    faults = sim.summary()["faults"]
    # fixed: down at 3 h, back at 3 h 20 m, down again at 6 h 20 m, back at 6 h 40 m, down at 9 h 40 m
    assert [(f["t"], f["type"], f["target"]) for f in faults] == [
        (10800.0, "zoneFailure", "a"),
        (22800.0, "zoneFailure", "a"),
        (34800.0, "zoneFailure", "a"),
    ]
    assert [e["t"] for e in events(sim, "ZoneFailure") if e["name"] == "pool-0"] == [
        10800.0,
        22800.0,
        34800.0,
    ]
    assert faults[0]["detected_at"] == 10850.0 and faults[0]["pods_evicted_at"] == 11150.0


def test_workload_crash_rate_crashes_its_containers_only() -> None:
    text = (
        failures_scenario("[{target: Deployment/web, crashMtbf: 10m}]", duration="5h")
        + pool(count=3)
        + deployment("web", replicas=3)
        + deployment("api", replicas=3)
    )
    sim = sim_from(text)
    sim.run(until=18000)
    restarts = {p.name: p.restart_count for p in sim.store.list("Pod")}
    web = [n for n in restarts if n.startswith("web-")]
    api = [n for n in restarts if n.startswith("api-")]
    assert all(restarts[n] == 0 for n in api)
    # ~5 h / (10 min + back-off) per pod: a loose band around the expectation.
    assert all(8 <= restarts[n] <= 40 for n in web), restarts
    again = sim_from(text)
    again.run(until=18000)
    assert sorted(p.restart_count for p in again.store.list("Pod")) == sorted(restarts.values())


# -- property: recovery after arbitrary fault schedules ---------------------------------------------------------
NODES = 6
node_name = st.integers(0, NODES - 1).map(lambda i: f"pool-{i}")
fault = st.one_of(
    st.builds(lambda z: f"action: zoneOutage, zone: {z}", st.sampled_from(["a", "b", "c"])),
    st.builds(lambda n: f"action: partitionNode, node: {n}", node_name),
    st.builds(lambda n: f"action: stopKubelet, node: {n}", node_name),
    st.builds(lambda w: f"action: crashLoop, target: Deployment/{w}", st.sampled_from(["web", "api"])),
)


class NoReadyPodOnNotReadyNodeAfterEviction:
    """After every store write: no pod marked for deletion is Ready while its node is NotReady."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.violations: list[str] = []
        sim.store.watch("Pod", self._on_pod)
        sim.store.watch("Node", self._on_node)

    def _check(self, pod: Any) -> None:
        node = self.sim.store.get("Node", "", pod.node_name)
        if pod.ready and pod.deletion_timestamp is not None and node is not None and node.ready != "True":
            self.violations.append(f"t={self.sim.now}: {pod.name} Ready on NotReady {node.name}")

    def _on_pod(self, change: str, pod: Any) -> None:
        if change != "DELETED" and pod.node_name:
            self._check(pod)

    def _on_node(self, change: str, node: Any) -> None:
        if change != "DELETED" and node.ready != "True":
            for pod in self.sim.store.pods_on_node(node.name):
                self._check(pod)


@settings(max_examples=40)
@given(
    st.lists(st.tuples(st.integers(0, 1200), st.integers(1, 900), fault), max_size=6),
    st.integers(0, 2**16),
)
def test_deployments_recover_after_any_fault_schedule(steps: list[tuple[int, int, str]], seed: int) -> None:
    entries = [f"{{at: {t}s, {f}, duration: {d}s}}" for t, d, f in sorted(steps)]
    text = (
        scenario(timeline="[" + ", ".join(entries) + "]", duration="2h")
        + pool(count=NODES, cpu="8")
        + deployment("web", replicas=4, cpu="500m")
        + deployment("api", replicas=3, cpu="1")
    )
    sim = sim_from(text, seed=seed)
    watcher = NoReadyPodOnNotReadyNodeAfterEviction(sim)
    # Every fault heals by 2100 s; crash-loop back-off is at most 300 s, eviction/replacement a few minutes.
    sim.run(until=4000)
    assert watcher.violations == []
    assert all(n.ready == "True" and n.taints == () for n in sim.store.list("Node"))
    # Every deletion finished: kubelets heard again removed the pods evicted while they were cut off.
    assert [p.name for p in sim.store.list("Pod") if p.deletion_timestamp is not None] == []
    for name in ("web", "api"):
        dep = sim.store.get("Deployment", "default", name)
        assert dep.status.ready_replicas == dep.replicas, name
        active = [p for p in sim.store.list("Pod") if p.labels.get("app") == name and p.is_active]
        assert len(active) == dep.replicas and all(p.ready for p in active)
