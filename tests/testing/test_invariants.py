"""Each invariant of ``simulator.testing.invariants`` fires on a run that breaks it and holds on one that does not.

To break the scheduler's rules the tests use KubeSchedulerConfigurations that switch Filter plugins off, and two
deliberately buggy Bind plugins defined here (enabled by import path, as users enable theirs). kubesim's own
eviction paths never break a PodDisruptionBudget and its controllers never lose a pod, so those violations are
written to the store directly, the way a buggy drain or controller would.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import pytest

from models.loader import load_text
from models.meta import KObject
from models.pod import Pod
from simulator import Simulation
from simulator.cli import _load
from simulator.eviction import evict
from simulator.podutil import delete_pod
from simulator.scheduler.framework import Code, CycleState, Plugin, Status
from simulator.scheduler.plugins.default_binder import DefaultBinder
from simulator.testing.invariants import (
    INVARIANTS,
    Convergence,
    Invariant,
    InvariantViolated,
    Monitor,
    NoPodLost,
    UnknownInvariant,
    Violation,
    check_event_log,
    resolve_invariants,
)
from tests.simhelpers import deployment, pool, scenario, sim_from

THIS = "tests.testing.test_invariants"


# -- buggy plugins (enabled by import path) --------------------------------------------------------------------------
class WrongNodeBinder(Plugin):
    """A Bind plugin with a bug: it binds every pod to the alphabetically first node, whatever was chosen."""

    name = "WrongNodeBinder"

    def bind(self, state: CycleState, pod: Pod, node_name: str) -> Status | None:
        store = self.handle.store
        first = min(node.name for node in store.list("Node"))
        pod.node_name = first
        store.update(pod)
        return None


class RefuseWebBinder(DefaultBinder):
    """A Bind plugin with a bug: binding pods labelled ``app: web`` always fails (they stay Pending)."""

    name = "RefuseWebBinder"

    def bind(self, state: CycleState, pod: Pod, node_name: str) -> Status | None:
        if pod.labels.get("app") == "web":
            return Status(Code.Error, "binding refused")
        return super().bind(state, pod, node_name)


# -- helpers ----------------------------------------------------------------------------------------------------------
def config(plugins: str) -> str:
    """A KubeSchedulerConfiguration document with one default-scheduler profile whose ``plugins`` are given."""
    body = textwrap.indent(textwrap.dedent(plugins).strip(), " " * 6)
    return f"""
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
    plugins:
{body}
---
"""


def monitored(
    text: str, invariants: Sequence[str | Invariant] | None = None, until: float | None = None
) -> tuple[Simulation, Monitor]:
    sim = sim_from(text)
    monitor = Monitor(sim, invariants)
    monitor.run(until)
    return sim, monitor


def names(violations: list[Violation]) -> set[str]:
    return {v.invariant for v in violations}


ANTI_AFFINITY = """
template:
  spec:
    affinity:
      podAntiAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
"""


def web(replicas: int, cpu: str = "100m", spec: str = "") -> str:
    """A Deployment ``web`` whose pod spec has the extra YAML ``spec`` (indented under ``spec:``)."""
    text = deployment("web", replicas=replicas, cpu=cpu)
    if spec:
        extra = textwrap.indent(textwrap.dedent(spec).strip(), " " * 6)
        text = text.replace("    spec:\n      containers:", f"    spec:\n{extra}\n      containers:")
    return text


# -- no-overcommit ----------------------------------------------------------------------------------------------------
OVERCOMMIT = (
    pool(count=2, cpu="2", zones="[a, b]") + scenario(duration="10m") + web(replicas=6, cpu="1")
)  # 6 cpu asked of 4


def test_no_overcommit_fires_when_the_fit_filter_is_off() -> None:
    _, monitor = monitored(
        config("multiPoint: {disabled: [{name: NodeResourcesFit}]}") + OVERCOMMIT, ["no-overcommit"]
    )
    violations = monitor.violations
    assert {v.invariant for v in violations} == {"no-overcommit"}
    assert {v.objects[0] for v in violations} == {"Node/pool-0", "Node/pool-1"}
    first = violations[0]
    assert "cpu requested 3 > allocatable 2" in first.message
    assert first.objects[1].startswith("Pod/default/web-")
    # the bind line of the pod that crossed the limit comes first, with its record
    assert first.records[0]["seq"] == first.seqs[0]
    assert first.records[0]["node"] == first.objects[0].removeprefix("Node/")


def test_no_overcommit_holds_with_the_default_profile() -> None:
    sim, monitor = monitored(OVERCOMMIT, ["no-overcommit"])
    assert monitor.violations == []
    assert sum(1 for p in sim.store.list("Pod") if not p.node_name) == 2  # the rest waits, as it should


def test_no_overcommit_counts_the_pods_resource() -> None:
    text = pool(count=1, cpu="8").replace('pods: "110"', 'pods: "2"') + scenario(duration="5m") + web(3)
    _, monitor = monitored(
        config("multiPoint: {disabled: [{name: NodeResourcesFit}]}") + text, ["no-overcommit"]
    )
    assert len(monitor.violations) == 1
    assert "pods requested 3 > allocatable 2" in monitor.violations[0].message


def test_no_overcommit_over_a_written_event_log() -> None:
    objects = _objects(config("multiPoint: {disabled: [{name: NodeResourcesFit}]}") + OVERCOMMIT)
    bad = Simulation(objects)
    bad.run()
    result = check_event_log(list(bad.log), objects)
    assert names(list(result.violations)) == {"no-overcommit"}
    assert len(result.violations) == 2
    good = Simulation(_objects(OVERCOMMIT))
    good.run()
    assert check_event_log(list(good.log), _objects(OVERCOMMIT)).ok


def _objects(text: str) -> list[KObject]:
    return list(load_text(textwrap.dedent(text), "test.yaml").objects)


# -- bind-filters -----------------------------------------------------------------------------------------------------
SPREAD_OUT = (
    pool(count=3) + scenario(duration="5m") + web(3, spec=ANTI_AFFINITY.replace("template:\n  spec:\n", ""))
)


def test_bind_filters_fires_when_a_bind_plugin_binds_elsewhere() -> None:
    binder = config(
        f"""
        bind:
          enabled: [{{name: "{THIS}:WrongNodeBinder"}}]
          disabled: [{{name: DefaultBinder}}]
        """
    )
    _, monitor = monitored(binder + SPREAD_OUT, ["bind-filters"])
    violations = monitor.violations
    assert len(violations) == 2  # the 2nd and 3rd pod land next to the 1st
    assert all("InterPodAffinity" in v.message and "Node/pool-0" in v.objects for v in violations)
    assert "didn't match pod anti-affinity rules" in str(violations[0])


def test_bind_filters_holds_for_the_default_scheduler() -> None:
    _, monitor = monitored(SPREAD_OUT, ["bind-filters"])
    assert monitor.violations == []


def test_bind_filters_judges_by_the_profile_but_required_affinity_by_the_rule() -> None:
    # 4 replicas, 3 nodes: with InterPodAffinity switched off the scheduler follows its profile (bind-filters
    # holds) and breaks the anti-affinity rule (required-affinity fires once, for the 4th pod)
    text = config("multiPoint: {disabled: [{name: InterPodAffinity}]}") + SPREAD_OUT.replace(
        "replicas: 3", "replicas: 4"
    )
    _, monitor = monitored(text, ["bind-filters", "required-affinity"])
    assert [v.invariant for v in monitor.violations] == ["required-affinity"]


# -- required-affinity ------------------------------------------------------------------------------------------------
def test_required_affinity_fires_for_pod_anti_affinity() -> None:
    text = config("filter: {disabled: [{name: InterPodAffinity}]}") + SPREAD_OUT.replace(
        "replicas: 3", "replicas: 4"
    )
    _, monitor = monitored(text, ["required-affinity"])
    (violation,) = monitor.violations
    assert "required (anti-)affinity" in violation.message
    assert "InterPodAffinity: node(s) didn't match pod anti-affinity rules" in violation.details
    # the pod already on that node is named too
    assert len([o for o in violation.objects if o.startswith("Pod/")]) == 2


def test_required_affinity_fires_for_a_node_selector() -> None:
    text = (
        config("multiPoint: {disabled: [{name: NodeAffinity}]}")
        + pool(count=2)
        + scenario(duration="5m")
        + web(2, spec="nodeSelector: {disk: ssd}")
    )
    _, monitor = monitored(text, ["required-affinity"])
    assert len(monitor.violations) == 2
    assert "NodeAffinity: node(s) didn't match Pod's node affinity/selector" in monitor.violations[0].details


def test_required_affinity_holds_with_the_default_profile() -> None:
    sim, monitor = monitored(SPREAD_OUT.replace("replicas: 3", "replicas: 4"), ["required-affinity"])
    assert monitor.violations == []
    assert sum(1 for p in sim.store.list("Pod") if not p.node_name) == 1


# -- topology-spread --------------------------------------------------------------------------------------------------
SKEWED = (
    pool("big", count=2, cpu="64", memory="64Gi", zones="[a]")
    + pool("small", count=1, cpu="2", zones="[b]")
    + scenario(duration="5m")
    + web(
        4,
        spec="""
        topologySpreadConstraints:
          - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule,
             labelSelector: {matchLabels: {app: web}}}
        """,
    )
)


def test_topology_spread_fires_when_the_spread_filter_is_off() -> None:
    # LeastAllocated prefers the big nodes of zone a: without the filter the zones drift apart
    _, monitor = monitored(
        config("multiPoint: {disabled: [{name: PodTopologySpread}]}") + SKEWED, ["topology-spread"]
    )
    assert monitor.violations
    first = monitor.violations[0]
    assert "DoNotSchedule topology spread" in first.message
    assert any("{a=1, b=0}" in d for d in first.details)


def test_topology_spread_holds_with_the_default_profile() -> None:
    sim, monitor = monitored(SKEWED, ["topology-spread"])
    assert monitor.violations == []
    zones = sorted(sim.store.get("Node", "", p.node_name).zone for p in sim.store.list("Pod"))
    assert zones == ["a", "a", "b", "b"]


# -- taints -----------------------------------------------------------------------------------------------------------
TAINTED = (
    pool(count=2).replace(
        "zones: [a, b, c]", "zones: [a, b]\n  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]"
    )
    + scenario(duration="5m")
    + web(2)
)


def test_taints_fire_when_the_toleration_filter_is_off() -> None:
    _, monitor = monitored(config("filter: {disabled: [{name: TaintToleration}]}") + TAINTED, ["taints"])
    assert len(monitor.violations) == 2
    assert "untolerated taint(s) on pool-" in monitor.violations[0].details[-1]
    assert "dedicated=gpu:NoSchedule" in monitor.violations[0].details[-1]
    # the node's line in the event log shows the taint
    assert any(r.get("taints") == ["dedicated=gpu:NoSchedule"] for r in monitor.violations[0].records)


def test_taints_hold_with_the_default_profile_also_through_a_node_failure() -> None:
    text = (
        pool(count=3)
        + scenario(
            timeline="[{at: 1m, action: crashNode, node: pool-0}, {at: 20m, action: recoverNode, node: pool-0}]"
        )
        + web(6)
    )
    _, monitor = monitored(text, ["taints", "bind-filters"])
    assert monitor.violations == []


# -- pdb-respected ----------------------------------------------------------------------------------------------------
def _pdb(min_available: int) -> str:
    return f"""
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: web}}
spec:
  minAvailable: {min_available}
  selector: {{matchLabels: {{app: web}}}}
---
"""


def test_pdb_respected_fires_when_a_drain_ignores_the_budget() -> None:
    # kubesim's drain always asks the Eviction API; a buggy one deletes and records its Evicted event anyway
    sim = sim_from(pool(count=3) + scenario(duration="10m") + web(3) + _pdb(2))
    monitor = Monitor(sim, ["pdb-respected"])
    sim.run(120)
    for pod in sorted(sim.store.list("Pod"), key=lambda p: p.name)[:2]:
        delete_pod(sim.store, pod)
        sim.store.event(pod, "Evicted", f"evicting pod default/{pod.name} (drain node/{pod.node_name})")
    violations = monitor.run()
    assert len(violations) == 1  # the first eviction leaves 2 healthy: allowed; the second leaves 1
    (violation,) = violations
    assert "broke PodDisruptionBudget default/web" in violation.message
    assert "1 healthy pod(s) left after the eviction, desiredHealthy 2" in violation.details[0]
    assert [r["type"] for r in violation.records] == ["MODIFIED", "EVENT"]
    assert violation.objects[1] == "PodDisruptionBudget/default/web"


def test_pdb_respected_fires_when_the_eviction_api_trusts_a_wrong_budget_status() -> None:
    # a disruption controller bug, simulated: the status allows disruptions the pods do not
    sim = sim_from(pool(count=3) + scenario(duration="10m") + web(3) + _pdb(3))
    monitor = Monitor(sim, ["pdb-respected"])
    sim.run(120)
    budget = sim.store.get("PodDisruptionBudget", "default", "web")
    budget.disruptions_allowed = 1
    result = evict(sim, sim.store.list("Pod")[0])
    assert result.allowed
    (violation,) = monitor.run()
    assert "the Eviction API approved it (status.disruptedPods)" in violation.message
    assert [r["kind"] for r in violation.records] == ["PodDisruptionBudget", "Pod"]


def test_pdb_respected_forgives_a_pod_lost_at_the_instant_of_an_eviction() -> None:
    # the Eviction API trusts the budget's status: a pod that stops being Ready at the same instant, before the
    # disruption controller has counted it, lets one eviction through (as in Kubernetes)
    sim = sim_from(pool(count=4) + scenario(duration="10m") + web(4) + _pdb(3))
    monitor = Monitor(sim, ["pdb-respected"])
    sim.run(120)
    first, second = sorted(sim.store.list("Pod"), key=lambda p: p.name)[:2]
    first.ready = False  # its container crashed; the disruption controller reconciles later in this instant
    sim.store.update(first)
    assert evict(sim, second).allowed
    assert monitor.run() == []
    assert any("stopped being Ready at the same instant" in note for note in monitor.notes)
    # a moment later the status has caught up, and the API refuses the next eviction
    third = sorted(sim.store.list("Pod"), key=lambda p: p.name)[2]
    assert not evict(sim, third).allowed


def test_pdb_respected_holds_for_drains_taint_evictions_and_scale_down() -> None:
    timeline = (
        "[{at: 2m, action: drain, node: pool-0}, {at: 3m, action: drain, node: pool-1},"
        " {at: 10m, action: scale, target: Deployment/web, replicas: 1},"
        " {at: 12m, action: crashNode, node: pool-2}]"
    )
    sim, monitor = monitored(pool(count=3) + scenario(timeline=timeline, duration="30m") + web(3) + _pdb(3))
    assert names(monitor.violations) == set()
    reasons = {r["reason"] for r in sim.log if r["type"] == "EVENT"}
    assert {"EvictionBlocked", "TaintManagerEviction"} <= reasons  # the budget was tested both ways


# -- no-pod-lost ------------------------------------------------------------------------------------------------------
def test_no_pod_lost_fires_when_a_running_pod_vanishes() -> None:
    sim = sim_from(pool(count=2) + scenario(duration="10m") + web(2))
    monitor = Monitor(sim, ["no-pod-lost"])
    sim.run(60)
    pod = sim.store.list("Pod")[0]
    assert pod.phase == "Running"
    sim.store.delete(pod)  # a buggy controller: no graceful deletion
    (violation,) = monitor.run()
    assert violation.objects == (f"Pod/default/{pod.name}", f"Node/{pod.node_name}")
    assert "without a graceful deletion" in violation.message
    assert violation.records[0]["type"] == "DELETED"


def test_no_pod_lost_fires_at_the_end_for_a_pod_left_on_a_removed_node() -> None:
    sim = sim_from(pool(count=2) + scenario(duration="10m") + web(2))
    lost = NoPodLost(orphan_grace=0)
    monitor = Monitor(sim, [lost])
    sim.run(60)
    node = sim.store.get("Node", "", "pool-0")
    sim.store.delete(node)  # PodGC has not run yet: its pods are bound to nothing
    assert [v.invariant for v in monitor.finish()] == ["no-pod-lost"]
    assert "still bound to node pool-0" in monitor.violations[0].message
    monitor.run()  # PodGC deletes them: a legitimate end, nothing more to report
    assert len(monitor.violations) == 1


def test_no_pod_lost_holds_through_crashes_removal_drain_scale_down_and_jobs() -> None:
    timeline = (
        "[{at: 1m, action: crashNode, node: pool-0}, {at: 12m, action: recoverNode, node: pool-0},"
        " {at: 15m, action: removeNode, node: pool-1}, {at: 16m, action: drain, node: pool-2},"
        " {at: 20m, action: scale, target: Deployment/web, replicas: 2}]"
    )
    job = """
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  completions: 3
  template:
    metadata: {annotations: {kubesim.dev/duration-seconds: "30"}}
    spec:
      restartPolicy: Never
      nodeSelector: {kubesim.dev/pool: batch}
      containers: [{name: main, image: batch:v1}]
---
"""
    # (the Job runs on a pool of its own: a node crash under a Job's pod trips a metrics bug, see the report)
    text = pool(count=4) + pool("batch", count=1) + scenario(timeline=timeline, duration="40m") + web(6) + job
    sim, monitor = monitored(text)
    assert names(monitor.violations) == set(), [str(v) for v in monitor.violations]
    result = check_event_log(list(sim.log), invariants=["no-pod-lost"])
    assert result.ok


def test_no_pod_lost_over_a_written_event_log() -> None:
    sim = sim_from(pool(count=2) + scenario(duration="10m") + web(2))
    sim.run(60)
    sim.store.delete(sim.store.list("Pod")[0])
    sim.run()
    result = check_event_log(list(sim.log), invariants=["no-pod-lost"])
    assert [v.invariant for v in result.violations] == ["no-pod-lost"]


# -- convergence ------------------------------------------------------------------------------------------------------
def test_convergence_fires_when_feasible_pods_never_get_bound() -> None:
    binder = config(
        f"""
        bind:
          enabled: [{{name: "{THIS}:RefuseWebBinder"}}]
          disabled: [{{name: DefaultBinder}}]
        """
    )
    text = binder + pool(count=3) + scenario(duration="30m") + web(3) + deployment("api", replicas=2)
    _, monitor = monitored(text, ["convergence"])
    (violation,) = monitor.violations
    assert violation.objects[0] == "Deployment/default/web"
    assert "has 0 of 3 desired pods Ready at the end" in violation.message
    assert all("pending, unbound, although it fits on" in d for d in violation.details)
    assert violation.time == 1800
    assert monitor.finish() == [violation]  # the same shortfall is reported once


def test_convergence_skips_workloads_without_capacity() -> None:
    text = pool(count=2, cpu="2", zones="[a, b]") + scenario(duration="30m") + web(3, cpu="1500m")
    _, monitor = monitored(text, ["convergence"])
    assert monitor.violations == []
    assert any("no capacity" in note and "Insufficient cpu" in note for note in monitor.notes)


def test_convergence_waits_for_faults_to_heal_and_settle() -> None:
    down = scenario(timeline="[{at: 5m, action: crashNode, node: pool-0}]", duration="30m")
    _, monitor = monitored(pool(count=1) + down + web(2), ["convergence"])
    assert monitor.violations == []
    assert any("pool-0 still down" in note for note in monitor.notes)
    healed = scenario(
        timeline="[{at: 5m, action: crashNode, node: pool-0}, {at: 25m, action: recoverNode, node: pool-0}]",
        duration="30m",
    )
    _, monitor = monitored(pool(count=1) + healed + web(2), [Convergence(settle=600)])
    assert monitor.violations == []
    assert any("has not settled" in note for note in monitor.notes)


def test_convergence_holds_once_settled() -> None:
    healed = scenario(
        timeline="[{at: 5m, action: crashNode, node: pool-0}, {at: 15m, action: recoverNode, node: pool-0}]",
        duration="40m",
    )
    _, monitor = monitored(pool(count=2) + healed + web(4), ["convergence"])
    assert monitor.violations == []
    assert monitor.notes == []


# -- the monitor ------------------------------------------------------------------------------------------------------
def test_the_default_scenario_holds_every_invariant_and_is_not_changed_by_them() -> None:
    objects, _ = _load([], False)
    plain = Simulation(objects)
    plain.run()
    objects, _ = _load([], False)
    checked = Simulation(objects)
    monitor = Monitor(checked)
    violations = monitor.run()
    assert violations == [], "\n\n".join(str(v) for v in violations)
    assert monitor.names == list(INVARIANTS)
    assert list(checked.log) == list(plain.log)


def test_a_monitor_does_not_change_a_violating_run() -> None:
    text = config("multiPoint: {disabled: [{name: NodeResourcesFit}]}") + OVERCOMMIT
    plain = sim_from(text)
    plain.run()
    _, monitor = monitored(text)
    assert monitor.violations
    assert list(monitor.sim.log) == list(plain.log)


def test_stop_on_first_raises_at_the_first_violation() -> None:
    sim = sim_from(config("multiPoint: {disabled: [{name: NodeResourcesFit}]}") + OVERCOMMIT)
    monitor = Monitor(sim, "no-overcommit", stop_on_first=True)
    with pytest.raises(InvariantViolated) as caught:
        sim.run()
    assert caught.value.violation is monitor.violations[0]
    assert len(monitor.violations) == 1
    assert str(caught.value).startswith("VIOLATION no-overcommit at t=0s")


def test_violation_report_reads_on_its_own() -> None:
    violation = Violation(
        "no-overcommit",
        330.5,
        "node n is overcommitted",
        objects=("Node/n", "Pod/default/p"),
        seqs=(7, 9),
        records=({"t": 330.5, "seq": 7, "type": "MODIFIED", "kind": "Pod"},),
        details=("cpu 5/4",),
    )
    text = str(violation)
    assert text.splitlines()[0] == "VIOLATION no-overcommit at t=330.5s (5m30.5s): node n is overcommitted"
    assert "  cpu 5/4" in text
    assert "  objects: Node/n, Pod/default/p" in text
    assert '    7: {"t":330.5,"seq":7,"type":"MODIFIED","kind":"Pod"}' in text
    assert "    9: (not kept)" in text
    assert violation.to_dict()["seqs"] == [7, 9]


def test_invariants_are_resolved_by_name_and_unknown_names_are_refused() -> None:
    assert [i.name for i in resolve_invariants("taints, no-pod-lost")] == ["taints", "no-pod-lost"]
    assert [i.name for i in resolve_invariants(None)] == list(INVARIANTS)
    with pytest.raises(UnknownInvariant, match=r"'nope'.*known: no-overcommit"):
        resolve_invariants(["taints", "nope"])


@pytest.mark.parametrize("name", list(INVARIANTS))
def test_every_invariant_is_documented(name: str) -> None:
    cls = INVARIANTS[name]
    assert cls.name == name
    doc = " ".join((cls.__doc__ or "").split())
    assert "Kubernetes' rule" in doc and "legitimately not hold" in doc
