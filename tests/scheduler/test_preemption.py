"""DefaultPreemption (PostFilter), Kubernetes 1.35 semantics: eligibility, victim selection with reprieve, PDBs,
candidate ordering, messages, nomination and graceful victim deletion."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.meta import LabelSelector
from models.pod import Pod
from models.policy import PodDisruptionBudget, PriorityClass
from models.schedconfig import KubeSchedulerConfiguration, PluginRef, PluginSet, SchedulerProfile
from simulator.scheduler import ConfigError, build_profiles
from simulator.scheduler.framework import Handle
from simulator.scheduler.plugins.default_preemption import DefaultPreemption
from tests.scheduler.conftest import Cluster, make_node, make_pod


def running(name: str, node: str, cpu: int, priority: int, start: float = 0.0, **labels: str) -> Pod:
    pod = make_pod(name, {"cpu": cpu}, priority_value=priority)
    pod.node_name = node
    pod.phase = "Running"
    pod.start_time = start
    pod.labels = dict(labels)
    return pod


def events(c: Cluster, reason: str) -> list[tuple[str, str, str]]:
    return [e for e in c.events if e[1] == reason]


def test_preempts_lowest_priority_and_binds_after_graceful_termination() -> None:
    c = Cluster()
    c.add(make_node("n0", cpu=1000))
    low = running("low", "n0", 600, priority=0)
    mid = running("mid", "n0", 300, priority=5)
    c.add(low, mid)
    high = make_pod("high", {"cpu": 500}, priority_value=10)
    c.add(high)
    c.run(until=0.5)
    # mid (higher priority) is reprieved: 300 + 500 fits; low is the only victim
    assert low.deletion_timestamp == 0.0 and mid.deletion_timestamp is None
    assert high.nominated_node_name == "n0" and high.node_name == ""
    assert events(c, "Preempted") == [("low", "Preempted", "Preempted by pod default/high on node n0")]
    assert events(c, "FailedScheduling") == [
        ("high", "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.")
    ]
    # while the victim terminates, the pod is not retried into a second preemption
    c.run(until=30)
    assert high.node_name == "" and len(events(c, "Preempted")) == 1
    # the kubelet removes the victim after its grace period: the pod delete requeues the preemptor
    c.store.delete(low)
    c.run(until=40)
    assert high.node_name == "n0" and high.nominated_node_name == ""
    assert not c.scheduler.handle.nominated


def test_nominated_pod_keeps_the_room_from_lower_priority_pods() -> None:
    c = Cluster()
    c.add(make_node("n0", cpu=1000))
    low = running("low", "n0", 1000, priority=0)
    c.add(low)
    high = make_pod("high", {"cpu": 600}, priority_value=10)
    c.add(high)
    c.run(until=0.5)
    assert high.nominated_node_name == "n0"
    c.store.delete(low)  # the victim is gone; high is in backoff (the idle scheduler may take it early)
    other = make_pod("other", {"cpu": 500}, priority_value=10)
    lesser = make_pod("lesser", {"cpu": 500}, priority_value=1)
    s = c.scheduler
    # lower priority: the nominated pod's 600m counts on n0 (the composite/fast paths fall back)
    rec = s.explain_pod(lesser)
    assert rec["selected"] is None and "1 Insufficient cpu" in rec["message"]
    # equal priority also respects it
    assert s.explain_pod(other)["selected"] is None
    # a pod of higher priority does not see the nomination
    assert s.explain_pod(make_pod("top", {"cpu": 500}, priority_value=11))["selected"] == "n0"
    c.run(until=5)
    assert high.node_name == "n0"


def test_preemption_policy_never_does_not_preempt() -> None:
    c = Cluster()
    c.add(make_node("n0", cpu=1000), running("low", "n0", 1000, priority=0))
    c.add(make_pod("p", {"cpu": 500}, priority_value=10, preemption_policy="Never"))
    c.run(until=1)
    assert events(c, "Preempted") == []
    assert events(c, "FailedScheduling") == [
        (
            "p",
            "FailedScheduling",
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
        )
    ]


def test_priority_class_preemption_policy_never() -> None:
    c = Cluster()
    c.add(PriorityClass(name="batch-high", value=10, preemption_policy="Never"))
    c.add(make_node("n0", cpu=1000), running("low", "n0", 1000, priority=0))
    c.add(make_pod("p", {"cpu": 500}, priority_value=10, priority_class_name="batch-high"))
    c.run(until=1)
    assert events(c, "Preempted") == []


def test_equal_priority_never_preempts_and_message_suffix() -> None:
    c = Cluster()
    c.add(*(make_node(f"n{i}", cpu=1000) for i in range(3)))
    c.add(*(running(f"r{i}", f"n{i}", 800, priority=5) for i in range(3)))
    c.add(make_pod("p", {"cpu": 500}, priority_value=5))
    c.run(until=1)
    assert events(c, "Preempted") == []
    assert events(c, "FailedScheduling") == [
        (
            "p",
            "FailedScheduling",
            "0/3 nodes are available: 3 Insufficient cpu. "
            "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
        )
    ]


def test_mixed_message_counts_unresolvable_nodes_as_not_helpful() -> None:
    c = Cluster()
    c.add(make_node("small", cpu=400), make_node("n0", cpu=1000), running("r", "n0", 800, priority=5))
    c.add(make_pod("p", {"cpu": 500}, priority_value=5))
    c.run(until=1)
    ((_, _, msg),) = events(c, "FailedScheduling")
    assert msg == (
        "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
        "1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
    )


@pytest.mark.parametrize("seed", range(6))
def test_pdb_protected_victim_avoided_when_another_candidate_exists(seed: int) -> None:
    c = Cluster(seed=seed)
    c.add(make_node("n0", cpu=1000), make_node("n1", cpu=1000))
    protected = running("protected", "n0", 1000, priority=0, app="db")
    plain = running("plain", "n1", 1000, priority=0, app="web")
    c.add(protected, plain)
    c.add(
        PodDisruptionBudget(
            name="db",
            namespace="default",
            selector=LabelSelector(match_labels={"app": "db"}),
            min_available=1,
        )
    )
    high = make_pod("high", {"cpu": 500}, priority_value=10)
    c.add(high)
    c.run(until=0.5)
    assert high.nominated_node_name == "n1"
    assert plain.deletion_timestamp is not None and protected.deletion_timestamp is None


def test_pdb_violation_allowed_when_no_other_candidate() -> None:
    c = Cluster()
    c.add(make_node("n0", cpu=1000))
    protected = running("protected", "n0", 1000, priority=0, app="db")
    c.add(protected)
    c.add(
        PodDisruptionBudget(
            name="db",
            namespace="default",
            selector=LabelSelector(match_labels={"app": "db"}),
            min_available=1,
        )
    )
    c.add(make_pod("high", {"cpu": 500}, priority_value=10))
    c.run(until=0.5)
    assert protected.deletion_timestamp is not None


def test_minimal_victim_set_by_reprieve_and_explain_dry_run() -> None:
    c = Cluster()
    c.add(make_node("n0", cpu=1000))
    pods = [running(f"p{i}", "n0", 250, priority=i) for i in range(1, 5)]
    c.add(*pods)
    c.run(until=0.1)
    s = c.scheduler
    high = make_pod("high", {"cpu": 500}, priority_value=10)
    rec = s.explain_pod(high)
    # reprieve from the highest priority down: p4 and p3 stay (250 + 250 + 500 fits), p2 and p1 go
    assert rec["victims"] == ["default/p2", "default/p1"] and rec["selected"] is None
    # the dry run changed nothing
    assert all(p.deletion_timestamp is None for p in pods) and events(c, "Preempted") == []
    assert not s.handle.nominated
    assert s.table.rows[s.table.slot_of["n0"]][4] == 1000  # requested cpu restored
    c.add(high)
    c.run(until=0.5)
    assert [p.name for p in pods if p.deletion_timestamp is not None] == ["p1", "p2"]


def test_candidate_with_lowest_highest_victim_priority_wins() -> None:
    for seed in range(4):
        c = Cluster(seed=seed)
        c.add(make_node("n0", cpu=1000), make_node("n1", cpu=1000), make_node("n2", cpu=1000))
        c.add(running("a", "n0", 1000, priority=5))
        c.add(running("b", "n1", 1000, priority=1))
        c.add(running("c1", "n2", 500, priority=1), running("c2", "n2", 500, priority=1))
        high = make_pod("high", {"cpu": 800}, priority_value=10)
        c.add(high)
        c.run(until=0.5)
        # n1 and n2 tie on the highest victim priority (1); n1 has the smaller priority sum
        assert high.nominated_node_name == "n1"


def test_latest_start_time_breaks_ties() -> None:
    for seed in range(4):
        c = Cluster(seed=seed)
        c.add(make_node("n0", cpu=1000), make_node("n1", cpu=1000))
        c.add(running("old", "n0", 1000, priority=1, start=0.0))
        c.add(running("new", "n1", 1000, priority=1, start=50.0))
        high = make_pod("high", {"cpu": 800}, priority_value=10)
        c.add(high)
        c.run(until=0.5)
        assert high.nominated_node_name == "n1"


def test_explain_record_lists_victims_in_run_explain() -> None:
    records: list[dict[str, Any]] = []
    # a copy at callback time: the record must be complete when the callback sees it
    c = Cluster(explain=True, explain_callback=lambda r: records.append(dict(r)))
    c.add(make_node("n0", cpu=1000), running("low", "n0", 1000, priority=0))
    c.add(make_pod("high", {"cpu": 500}, priority_value=10))
    c.run(until=0.5)
    assert records[-1]["victims"] == ["default/low"]


def test_post_filter_disabled_and_args() -> None:
    cfg = KubeSchedulerConfiguration(
        name="c",
        profiles=(
            SchedulerProfile(plugins={"postFilter": PluginSet(disabled=(PluginRef("DefaultPreemption"),))}),
        ),
    )
    c = Cluster(config=cfg)
    low = running("low", "n0", 1000, priority=0)
    c.add(make_node("n0", cpu=1000), low)
    c.add(make_pod("high", {"cpu": 500}, priority_value=10))
    c.run(until=1)
    assert low.deletion_timestamp is None
    assert events(c, "FailedScheduling")[0][2] == "0/1 nodes are available: 1 Insufficient cpu."
    good = KubeSchedulerConfiguration(
        name="c",
        profiles=(
            SchedulerProfile(
                plugin_config={
                    "DefaultPreemption": {"minCandidateNodesPercentage": 20, "minCandidateNodesAbsolute": 3}
                }
            ),
        ),
    )
    pl = build_profiles(good, Handle())["default-scheduler"].plugins["DefaultPreemption"]
    assert isinstance(pl, DefaultPreemption)
    assert [pl.num_candidates(n) for n in (1, 10, 100)] == [1, 3, 20]
    assert build_profiles(None, Handle())["default-scheduler"].points["postFilter"] == ["DefaultPreemption"]
    for bad in (
        {"minCandidateNodesPercentage": 0, "minCandidateNodesAbsolute": 0},
        {"minCandidateNodesPercentage": 101},
        {"minCandidateNodesAbsolute": -1},
        {"bogus": 1},
    ):
        cfg = KubeSchedulerConfiguration(
            name="c", profiles=(SchedulerProfile(plugin_config={"DefaultPreemption": bad}),)
        )
        with pytest.raises(ConfigError):
            build_profiles(cfg, Handle())


def _deployment(name: str, cpu: str, replicas: int, priority_class: str) -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      priorityClassName: {priority_class}
      containers:
        - {{name: c, image: {name}:v1, resources: {{requests: {{cpu: {cpu}, memory: 64Mi}}}}}}
---
"""


def test_end_to_end_preemption_with_kubelet_graceful_termination() -> None:
    from tests.simhelpers import events as sim_events
    from tests.simhelpers import pool, scenario, sim_from

    classes = """
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 10
---
"""
    sim = sim_from(
        scenario(timeline="[{at: 30s, action: scale, target: Deployment/high, replicas: 1}]")
        + classes
        + pool(count=1, cpu="1")
        + _deployment("low", "800m", 1, "low")
        + _deployment("high", "500m", 0, "high")
    )
    sim.run(until=29)
    (low,) = [p for p in sim.store.list("Pod") if p.name.startswith("low")]
    assert low.node_name == "pool-0" and low.ready
    sim.run(until=120)
    preempted = sim_events(sim, "Preempted")
    assert len(preempted) == 1 and preempted[0]["name"] == low.name
    assert "on node pool-0" in preempted[0]["message"]
    (high,) = [p for p in sim.store.list("Pod") if p.name.startswith("high")]
    assert high.node_name == "pool-0" and high.ready
    assert not sim.store.contains(low)
    # the ReplicaSet's replacement for the victim cannot take the room back: it stays pending
    lows = [p for p in sim.store.list("Pod") if p.name.startswith("low")]
    assert len(lows) == 1 and lows[0].node_name == ""
    assert sim.summary()["preemptions"] == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    nodes=st.lists(
        st.lists(st.tuples(st.sampled_from([100, 250, 500, 1000]), st.integers(0, 4)), max_size=5),
        min_size=1,
        max_size=5,
    ),
    req=st.sampled_from([300, 700, 1500]),
    prio=st.integers(0, 5),
    seed=st.integers(0, 3),
)
def test_property_victims_are_lower_priority_sufficient_and_minimal(
    nodes: list[list[tuple[int, int]]], req: int, prio: int, seed: int
) -> None:
    c = Cluster(seed=seed)
    for i, pods in enumerate(nodes):
        c.add(make_node(f"n{i}", cpu=2000))
        c.add(*(running(f"r{i}-{j}", f"n{i}", cpu, priority=p) for j, (cpu, p) in enumerate(pods)))
    c.run(until=0.1)
    s = c.scheduler
    table = s.table
    rows_before = [list(r) if r is not None else None for r in table.rows]
    pod = make_pod("x", {"cpu": req}, priority_value=prio)
    prof = s.profiles["default-scheduler"]
    res = prof.schedule(pod, table, s.rng, s.cursor, composite=False)
    if res.node is not None:
        return
    post = prof.run_post_filter(pod, table, s.rng, res)
    assert [list(r) if r is not None else None for r in table.rows] == rows_before  # the dry run restores
    assert post is not None
    if not post.victims:
        assert post.status.message.startswith("preemption: 0/")
        return
    node = post.nominated_node
    assert node and all(v.node_name == node and v.priority < prio for v in post.victims)
    ni = table.info(node)
    assert ni is not None
    for v in post.victims:
        table.remove_pod(v.uid)
    try:
        assert prof.filter_on_node(pod, ni).is_success  # enough
        for v in post.victims:  # minimal: no single victim could have stayed
            table.add_pod(v, node)
            assert not prof.filter_on_node(pod, ni).is_success
            table.remove_pod(v.uid)
    finally:
        for v in post.victims:
            table.add_pod(v, node)
