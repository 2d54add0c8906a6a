"""Scheduler behaviour end to end: binding, events, queue moves, profiles/config, explain."""

from __future__ import annotations

import pytest

from models.pod import Taint, Toleration
from models.schedconfig import KubeSchedulerConfiguration, PluginRef, PluginSet, SchedulerProfile
from simulator.scheduler import ConfigError, build_profiles
from simulator.scheduler.framework import Handle
from simulator.scheduler.queue import backoff_duration
from tests.scheduler.conftest import Cluster, make_node, make_pod


def test_binds_and_records_event(cluster: Cluster) -> None:
    cluster.add(make_node("n0"))
    pod = make_pod("p", {"cpu": 100})
    cluster.add(pod)
    cluster.run()
    assert pod.node_name == "n0" and pod.scheduled_at == 0.0
    assert ("p", "Scheduled", "Successfully assigned default/p to n0") in cluster.events
    s = cluster.scheduler
    assert (s.attempts, s.scheduled, s.failed) == (1, 1, 0)


def test_failed_scheduling_message(cluster: Cluster) -> None:
    taint = (Taint("dedicated", "NoSchedule", "gpu"),)
    cluster.add(make_node("a", cpu=1000), make_node("b", cpu=1000))
    cluster.add(*(make_node(f"t{i}", taints=taint) for i in range(3)))
    cluster.add(make_pod("p", {"cpu": 2000}))
    cluster.run(until=1)
    failed = [e for e in cluster.events if e[1] == "FailedScheduling"]
    assert failed == [
        (
            "p",
            "FailedScheduling",
            "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint(s)."
            # the pod asks more than the nodes' allocatable and taints are unresolvable: preemption cannot help
            " preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
        )
    ]


def test_no_nodes_message(cluster: Cluster) -> None:
    cluster.add(make_pod("p", {"cpu": 1}))
    cluster.run(until=1)
    assert cluster.events == [("p", "FailedScheduling", "no nodes available to schedule pods")]


def test_unschedulable_pod_moves_on_node_add_and_backs_off(cluster: Cluster) -> None:
    cluster.add(make_node("small", cpu=500))
    pod = make_pod("p", {"cpu": 1000})
    cluster.add(pod)
    cluster.run(until=0.5)
    assert cluster.scheduler.queue.where(pod.uid) == "unschedulable"
    cluster.store.add(make_node("big", cpu=4000))  # at t=0.5, backoff (1 s) not over yet
    assert cluster.scheduler.queue.where(pod.uid) == "backoff"
    # SchedulerPopFromBackoffQ (beta, on by default since 1.33): activeQ is empty, so the scheduler pops the pod
    # from backoffQ at once instead of waiting for the backoff (tests/scheduler/test_upstream_queue.py)
    cluster.run(until=0.5)
    assert pod.node_name == "big" and pod.scheduled_at == 0.5


def test_pod_delete_frees_resources(cluster: Cluster) -> None:
    cluster.add(make_node("n", cpu=1000))
    first, second = make_pod("a", {"cpu": 800}), make_pod("b", {"cpu": 800})
    cluster.add(first, second)
    cluster.run(until=5)
    assert first.node_name == "n" and second.node_name == ""
    first.phase = "Succeeded"  # terminal pods stop counting
    cluster.store.update(first)
    cluster.run(until=20)
    assert second.node_name == "n"


def test_unschedulable_timeout_flush(cluster: Cluster) -> None:
    cluster.add(make_node("n", cpu=1000))
    cluster.add(make_pod("p", {"cpu": 2000}))
    cluster.run(until=400)
    # attempts at t=0 and at the first 30 s tick after 300 s in unschedulable (t=330)
    assert cluster.scheduler.attempts == 2


def test_irrelevant_event_does_not_move(cluster: Cluster) -> None:
    cluster.add(make_node("n", cpu=1000))
    pod = make_pod("p", {"cpu": 2000})
    cluster.add(pod)
    cluster.run(until=5)
    node = cluster.store.get("Node", "", "n")
    node.labels["x"] = "y"  # a label change cannot help a pod NodeResourcesFit rejected
    cluster.store.update(node)
    assert cluster.scheduler.queue.where(pod.uid) == "unschedulable"
    node.taints = (Taint("a", "NoSchedule"),)
    cluster.store.update(node)
    assert cluster.scheduler.queue.where(pod.uid) == "unschedulable"


def test_priority_order_and_gates(cluster: Cluster) -> None:
    cluster.add(make_node("n", cpu=1000))
    low = make_pod("low", {"cpu": 600}, priority_value=1)
    high = make_pod("high", {"cpu": 600}, priority_value=100)
    gated = make_pod("gated", {"cpu": 1}, scheduling_gates=("wait",))
    other = make_pod("other", {"cpu": 1}, scheduler_name="someone-else")
    cluster.add(low, high, gated, other)
    cluster.run(until=1)
    assert high.node_name == "n" and low.node_name == ""
    assert gated.node_name == "" and other.node_name == ""
    assert gated.uid not in cluster.scheduler.queue and other.uid not in cluster.scheduler.queue


def test_backoff_durations() -> None:
    assert [backoff_duration(n, 1.0, 10.0) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_tolerations_let_pod_on_tainted_node(cluster: Cluster) -> None:
    cluster.add(make_node("t", taints=(Taint("k", "NoExecute"),)))
    pod = make_pod("p", {"cpu": 1}, tolerations=(Toleration(key="k", operator="Exists"),))
    cluster.add(pod)
    cluster.run(until=1)
    assert pod.node_name == "t"


def test_explain_records() -> None:
    c = Cluster(explain=True)
    c.add(make_node("a", cpu=1000), make_node("b", cpu=2000), make_node("u", unschedulable=True))
    c.add(make_pod("p", {"cpu": 500, "memory": 1}))
    c.run(until=1)
    (rec,) = c.scheduler.explain_records
    assert rec["pod"] == "default/p" and rec["profile"] == "default-scheduler" and rec["victims"] == []
    assert rec["selected"] == "b"
    assert rec["nodes"]["u"]["feasible"] is False
    reason = "node(s) were unschedulable"
    assert rec["nodes"]["u"]["filters"][-1] == {
        "plugin": "NodeUnschedulable", "code": "UnschedulableAndUnresolvable", "reasons": [reason],
    }  # fmt: skip
    for name in "ab":
        node = rec["nodes"][name]
        assert node["total"] == sum(s["weighted"] for s in node["scores"])
        assert all(s["weighted"] == s["normalized"] * s["weight"] for s in node["scores"])
        assert {s["plugin"] for s in node["scores"]} == {
            "TaintToleration", "NodeResourcesFit", "NodeResourcesBalancedAllocation", "ImageLocality",
        }  # fmt: skip


def test_explain_pod_does_not_change_state(cluster: Cluster) -> None:
    cluster.add(make_node("a"), make_node("b"))
    cluster.run(until=1)
    before = cluster.scheduler.rng.getstate(), cluster.scheduler.cursor.index
    rec = cluster.scheduler.explain_pod(make_pod("x", {"cpu": 10**6}))
    assert rec["selected"] is None and rec["message"] == (
        "0/2 nodes are available: 2 Insufficient cpu."
        " preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    )
    assert (cluster.scheduler.rng.getstate(), cluster.scheduler.cursor.index) == before


def _profile(**plugins: PluginSet) -> KubeSchedulerConfiguration:
    return KubeSchedulerConfiguration(name="c", profiles=(SchedulerProfile(plugins=plugins),))


def test_default_profile_weights() -> None:
    prof = build_profiles(None, Handle())["default-scheduler"]
    assert prof.weights == {
        "TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1, "PodTopologySpread": 2,
        "InterPodAffinity": 2, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1,
    }  # fmt: skip
    assert prof.points["filter"] == [
        "NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit",
        "PodTopologySpread", "InterPodAffinity",
    ]  # fmt: skip
    assert prof.points["score"] == [
        "TaintToleration", "NodeAffinity", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity",
        "NodeResourcesBalancedAllocation", "ImageLocality",
    ]  # fmt: skip


def test_config_enable_disable_weights() -> None:
    cfg = _profile(
        score=PluginSet(
            enabled=(PluginRef("NodeResourcesFit", 5),), disabled=(PluginRef("TaintToleration"),)
        ),
        filter=PluginSet(disabled=(PluginRef("*"),), enabled=(PluginRef("NodeResourcesFit"),)),
    )
    prof = build_profiles(cfg, Handle())["default-scheduler"]
    assert prof.points["filter"] == ["NodeResourcesFit"]
    assert prof.weights["NodeResourcesFit"] == 5
    assert "TaintToleration" not in prof.points["score"]
    cfg = _profile(multiPoint=PluginSet(disabled=(PluginRef("NodeResourcesBalancedAllocation"),)))
    prof = build_profiles(cfg, Handle())["default-scheduler"]
    assert "NodeResourcesBalancedAllocation" not in prof.plugins


@pytest.mark.parametrize(
    "cfg",
    [
        _profile(filter=PluginSet(enabled=(PluginRef("NoSuchPlugin"),))),
        _profile(score=PluginSet(enabled=(PluginRef("VolumeBinding"),))),
        _profile(multiPoint=PluginSet(disabled=(PluginRef("*"),))),  # no queueSort, no binder
        KubeSchedulerConfiguration(
            name="c",
            profiles=(
                SchedulerProfile(plugin_config={"NodeResourcesFit": {"scoringStrategy": {"type": "Bogus"}}}),
            ),
        ),
        KubeSchedulerConfiguration(
            name="c", profiles=(SchedulerProfile(plugin_config={"NodeResourcesFit": {"unknownField": 1}}),)
        ),
        KubeSchedulerConfiguration(name="c", profiles=(SchedulerProfile(), SchedulerProfile())),
        KubeSchedulerConfiguration(name="c", percentage_of_nodes_to_score=101),
        _profile(filter=PluginSet(enabled=(PluginRef("nosuch.module:Thing"),))),
    ],
)
def test_config_errors(cfg: KubeSchedulerConfiguration) -> None:
    with pytest.raises(ConfigError):
        build_profiles(cfg, Handle())


def test_custom_plugin_by_import_path() -> None:
    cfg = _profile(filter=PluginSet(enabled=(PluginRef("tests.scheduler.custom_plugin:RejectOdd"),)))
    c = Cluster(config=cfg)
    c.add(make_node("n0"), make_node("n1"))
    pods = [make_pod(f"p{i}", {"cpu": 1}) for i in range(4)]
    c.add(*pods)
    c.run(until=1)
    assert {p.node_name for p in pods} == {"n0"}
