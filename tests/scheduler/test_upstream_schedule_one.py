"""Cases ported from kube-scheduler's pkg/scheduler/schedule_one_test.go and DefaultPreemption's eligibility table.
Facts only (inputs and expected outcomes); kubesim runs its default profile where upstream registers only the
plugins a case needs, with nodes and pods chosen so the other plugins pass.

Upstream (Kubernetes 1.35 unless said otherwise):

* TestZeroRequest (schedule_one_test.go up to 1.26; dropped with SelectorSpread): nodes of 1000m CPU and 10 x 200Mi;
  node1 holds a large pod (300m, 600Mi) and a pod without requests, node2 the large pod and a small pod with the
  non-zero defaults (100m, 200Mi). A zero-request pod and a small pod get the same total on both nodes (250), a
  large pod another (230); the totals were NodeResourcesFit + BalancedAllocation (100 here: requests in
  proportion) + SelectorSpread (100: no selector), so NodeResourcesFit's LeastAllocated part is 50, 50 and 30:
  a pod without requests is counted as 100m / 200Mi, on the node and when it is the pod being scheduled.
* TestFindFitAllError / TestFindFitSomeError: upstream's fake MatchFilter (fits only the node named like the pod)
  is replaced by NodeResourcesFit (a node too full for the pod). The facts kept: every rejected node has its own
  status naming the one rejecting plugin with its single reason; the node that fits has none; the diagnosis'
  UnschedulablePlugins is exactly that plugin.
* TestSchedulerSchedulePod, the cases using real plugins only: "test podtopologyspread plugin - 2 nodes with
  maxskew=1" and "- 3 nodes with maxskew=2" (the feasible nodes).
* TestSchedulerFailedSchedulingReasons: 100 nodes of 2 CPU / 100 bytes / 10 pods, a pod requesting 4 CPU / 500
  bytes: every node's status is UnschedulableAndUnresolvable ``Insufficient cpu``, ``Insufficient memory`` from
  NodeResourcesFit, and the FitError message stays short (at most 150 characters).
* TestSchedulerNoPhantomPodAfterDelete: a pod holding host port 8080 on the only node makes a second pod with the
  same port fail (``0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.``,
  UnschedulablePlugins {NodePorts}); once the first pod is deleted, the second binds to that node.
* defaultpreemption TestPodEligibleToPreemptOthers: a nominated node that is UnschedulableAndUnresolvable for the
  pod makes it eligible whatever terminates there; no nominated node: eligible; preemptionPolicy Never: not
  eligible; a lower-priority pod terminating on the nominated node because the scheduler preempted it (upstream:
  the DisruptionTarget condition with reason PreemptionByScheduler; kubesim: ``Handle.preempted``): not eligible;
  a lower-priority pod terminating for another reason: eligible.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from models.loader import load_text
from models.meta import LabelSelector, LabelSelectorRequirement
from models.pod import (
    Affinity,
    Container,
    ContainerPort,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Pod,
    PodSpec,
    TopologySpreadConstraint,
)
from models.schedconfig import KubeSchedulerConfiguration
from simulator.scheduler import Code, NodeTable, Profile, Status, build_profiles, fit_error_message
from simulator.scheduler.framework import Cursor, Handle
from simulator.scheduler.plugins.default_preemption import DefaultPreemption
from simulator.scheduler.resources import DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST
from tests.scheduler._upstream import node, pod, run_scores, table
from tests.scheduler.conftest import Cluster, make_node

PATHS = ["composite", "vector", "reference"]
MI = 1024 * 1024


def _profile(t: NodeTable) -> Profile:
    return build_profiles(None, Handle(table=t))["default-scheduler"]


def _schedule(prof: Profile, p: Pod, t: NodeTable, path: str, seed: int = 1) -> Any:
    return prof.schedule(
        p, t, random.Random(seed), Cursor(), explain=path == "reference", composite=path == "composite"
    )


# -- TestZeroRequest ------------------------------------------------------------------------------------------------

SMALL = {"cpu": DEFAULT_MILLI_CPU_REQUEST, "memory": DEFAULT_MEMORY_REQUEST}
LARGE = {"cpu": 3 * DEFAULT_MILLI_CPU_REQUEST, "memory": 3 * DEFAULT_MEMORY_REQUEST}


def _zero_request_cluster() -> NodeTable:
    res = {"cpu": 1000, "memory": 10 * DEFAULT_MEMORY_REQUEST, "pods": 100}
    existing = [
        pod(LARGE, name="large1", node_name="node1"),
        pod({}, name="none1", node_name="node1"),  # one container without requests
        pod(LARGE, name="large2", node_name="node2"),
        pod(SMALL, name="small2", node_name="node2"),
    ]
    return table([node("node1", res), node("node2", res)], existing)


ZERO_REQUEST = [
    ("test priority of zero-request pod with node with zero-request pod", {}, 50),
    ("test priority of nonzero-request pod with node with zero-request pod", SMALL, 50),
    ("test priority of larger pod with node with zero-request pod", LARGE, 30),
]


@pytest.mark.parametrize(
    ("requests", "fit_score"), [pytest.param(*c[1:], id=f"TestZeroRequest/{c[0]}") for c in ZERO_REQUEST]
)
def test_zero_request(requests: dict[str, int], fit_score: int) -> None:
    t = _zero_request_cluster()
    prof = _profile(t)
    incoming = pod(requests, name="incoming")
    got = run_scores(prof.plugins["NodeResourcesFit"], incoming, t, ["node1", "node2"])
    assert got is not None
    assert got[1] == [fit_score, fit_score]
    # the whole default profile: the two nodes get the same total (a zero-request pod counts as a small one)
    res = _schedule(prof, incoming, t, "reference")
    totals = {n: rec["total"] for n, rec in res.record["nodes"].items()}
    assert set(totals) == {"node1", "node2"}
    assert totals["node1"] == totals["node2"]


@pytest.mark.parametrize("explain", [False, True], ids=["fast path", "reference path"])
def test_zero_request_pods_spread(explain: bool) -> None:
    """Pods without requests spread over empty nodes (each counts as 100m / 200Mi) instead of piling up."""
    c = Cluster(explain=explain)
    c.add(*(make_node(f"n{i}", cpu=1000, memory=10 * DEFAULT_MEMORY_REQUEST) for i in range(3)))
    c.add(
        *(
            Pod(name=f"p{i}", namespace="default", spec=PodSpec(containers=(Container("c"),)))
            for i in range(6)
        )
    )
    c.run(until=10)
    placed = [p.node_name for p in c.store.list("Pod")]
    assert all(placed)
    assert sorted(placed.count(f"n{i}") for i in range(3)) == [2, 2, 2]


# -- TestFindFitAllError / TestFindFitSomeError ---------------------------------------------------------------------

HOG = {"cpu": 3000, "memory": 64 * MI}


def _fit_cluster(roomy: str | None) -> NodeTable:
    """Nodes "3", "2", "1" of 4 CPU; every node but ``roomy`` already runs a 3-CPU pod."""
    names = ["3", "2", "1"]
    hogs = [pod(HOG, name=f"hog{n}", node_name=n) for n in names if n != roomy]
    return table([node(n, {"cpu": 4000, "memory": 8 << 30}) for n in names], hogs)


@pytest.mark.parametrize("path", PATHS)
def test_find_fit_all_error(path: str) -> None:
    t = _fit_cluster(None)
    prof = _profile(t)
    p = pod({"cpu": 2000}, name="p")
    _, statuses = prof.node_statuses(p, t)
    assert sorted(statuses) == ["1", "2", "3"]
    for st in statuses.values():
        assert (st.code, st.plugin, list(st.reasons)) == (
            Code.Unschedulable,
            "NodeResourcesFit",
            ["Insufficient cpu"],
        )
    res = _schedule(prof, p, t, path)
    assert res.node is None and res.code == Code.Unschedulable
    assert res.unschedulable_plugins == frozenset({"NodeResourcesFit"})
    assert res.message == "0/3 nodes are available: 3 Insufficient cpu."


@pytest.mark.parametrize("path", PATHS)
def test_find_fit_some_error(path: str) -> None:
    t = _fit_cluster("1")
    prof = _profile(t)
    p = pod({"cpu": 2000}, name="1")
    _, statuses = prof.node_statuses(p, t)
    failed = {n: st for n, st in statuses.items() if not st.is_success}
    assert sorted(failed) == ["2", "3"]  # len(nodes) - 1 statuses; none for the node that fits
    for st in failed.values():
        assert list(st.reasons) == ["Insufficient cpu"]
    assert {st.plugin for st in failed.values()} == {"NodeResourcesFit"}
    res = _schedule(prof, p, t, path)
    assert res.node == "1"


# -- TestSchedulerSchedulePod (real plugins only) -------------------------------------------------------------------


def _spread_pod(max_skew: int) -> Pod:
    sel = LabelSelector(match_expressions=(LabelSelectorRequirement("foo", "Exists"),))
    tsc = TopologySpreadConstraint(max_skew, "kubernetes.io/hostname", "DoNotSchedule", sel)
    return pod(name="p", labels={"foo": ""}, topology_spread_constraints=(tsc,))


SCHEDULE_POD = [
    ("test podtopologyspread plugin - 2 nodes with maxskew=1", 1, ["node1", "node2"], ["node1"], {"node2"}),
    (
        "test podtopologyspread plugin - 3 nodes with maxskew=2",
        2,
        ["node1", "node2", "node3"],
        ["node1", "node1", "node2"],
        {"node2", "node3"},
    ),
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("max_skew", "nodes", "existing_on", "want"),
    [pytest.param(*c[1:], id=f"TestSchedulerSchedulePod/{c[0]}") for c in SCHEDULE_POD],
)
def test_scheduler_schedule_pod(
    max_skew: int, nodes: list[str], existing_on: list[str], want: set[str], path: str
) -> None:
    existing = [pod(name=f"pod{i}", node_name=n, labels={"foo": ""}) for i, n in enumerate(existing_on)]
    for p in existing:
        p.phase = "Running"
    res_nodes = [
        node(n, {"cpu": 4000, "memory": 8 << 30}, labels={"kubernetes.io/hostname": n}) for n in nodes
    ]
    chosen = set()
    for seed in range(8):
        t = table(res_nodes, existing)
        prof = _profile(t)
        res = _schedule(prof, _spread_pod(max_skew), t, path, seed)
        assert res.code == Code.Success, res.message
        chosen.add(res.node)
    assert chosen <= want
    t = table(res_nodes, existing)
    _, statuses = _profile(t).node_statuses(_spread_pod(max_skew), t)
    assert {n for n, st in statuses.items() if st.is_success} == want


def _no_score_profile(t: NodeTable) -> Profile:
    """The default profile with every Score plugin switched off."""
    doc = {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "profiles": [{"plugins": {"score": {"disabled": [{"name": "*"}]}}}],
    }
    (cfg,) = load_text(json.dumps(doc), "sched.yaml").objects
    assert isinstance(cfg, KubeSchedulerConfiguration)
    (prof,) = build_profiles(cfg, Handle(table=t)).values()
    assert not prof.score
    return prof


def _pinned(*names: str) -> Affinity:
    req = NodeSelectorRequirement("metadata.name", "In", tuple(names))
    return Affinity(
        node_affinity=NodeAffinity(required=NodeSelector(terms=(NodeSelectorTerm(match_fields=(req,)),)))
    )


NO_SCORE = [
    # (name, nodes named by a PreFilterResult (None: no result), want nodes); upstream's fake PreFilter result is
    # NodeAffinity's here (required matchFields metadata.name In [...])
    ("test without score plugin no extra nodes are evaluated", None, {"node1", "node2", "node3"}),
    ("test no score plugin, prefilter plugin returning 2 nodes", ("node1", "node2"), {"node1", "node2"}),
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("pinned", "want"), [pytest.param(*c[1:], id=f"TestSchedulerSchedulePod/{c[0]}") for c in NO_SCORE]
)
def test_schedule_pod_without_score_plugins(
    pinned: tuple[str, ...] | None, want: set[str], path: str
) -> None:
    """Without Score plugins the search stops at the first feasible node: EvaluatedNodes is 1."""
    t = table([node(n, {"cpu": 4000, "memory": 8 << 30}) for n in ("node1", "node2", "node3")])
    prof = _no_score_profile(t)
    p = pod({"cpu": 100}, name="pod1", affinity=_pinned(*pinned) if pinned else None)
    res = _schedule(prof, p, t, path)
    assert res.node in want
    assert (res.feasible, res.evaluated) == (1, 1)


# -- TestSchedulerFailedSchedulingReasons ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_scheduler_failed_scheduling_reasons(path: str) -> None:
    nodes = [node(f"node{i}", {"cpu": 2000, "memory": 100, "pods": 10}) for i in range(100)]
    t = table(nodes)
    prof = _profile(t)
    p = pod({"cpu": 4000, "memory": 500}, name="bar")
    _, statuses = prof.node_statuses(p, t)
    assert len(statuses) == 100
    for st in statuses.values():
        assert (st.code, st.plugin) == (Code.UnschedulableAndUnresolvable, "NodeResourcesFit")
        assert list(st.reasons) == ["Insufficient cpu", "Insufficient memory"]
    res = _schedule(prof, p, t, path)
    assert res.node is None
    assert res.unschedulable_plugins == frozenset({"NodeResourcesFit"})
    assert res.message == fit_error_message(100, {"Insufficient cpu": 100, "Insufficient memory": 100})
    assert res.message == "0/100 nodes are available: 100 Insufficient cpu, 100 Insufficient memory."
    assert len(res.message) <= 150


# -- TestSchedulerNoPhantomPodAfterDelete ---------------------------------------------------------------------------


def _port_pod(name: str, port: int) -> Pod:
    c = Container("ctr", ports=(ContainerPort(container_port=port, host_port=port),))
    return Pod(name=name, namespace="default", spec=PodSpec(containers=(c,)))


@pytest.mark.parametrize("explain", [False, True], ids=["fast path", "reference path"])
def test_scheduler_no_phantom_pod_after_delete(explain: bool) -> None:
    c = Cluster(explain=explain)
    c.add(make_node("node1"))
    first = _port_pod("foo", 8080)
    c.add(first)
    c.run(until=1)
    assert first.node_name == "node1"
    second = _port_pod("bar", 8080)
    c.add(second)
    c.run(until=2)
    assert not second.node_name
    msgs = [m for name, r, m in c.events if name == "bar" and r == "FailedScheduling"]
    assert msgs and msgs[0].startswith(
        "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."
    )
    c.store.delete(first)
    c.run(until=600)
    assert c.store.get("Pod", "default", "bar").node_name == "node1"


# -- defaultpreemption TestPodEligibleToPreemptOthers ---------------------------------------------------------------

HIGH, LOW = 1000, 0


def _eligible(
    p: Pod, on_node1: list[Pod], nodes: list[str], nominated_status: Status | None, preempted: set[str]
) -> bool:
    t = table([node(n, {"cpu": 4000, "memory": 8 << 30}) for n in nodes], on_node1)
    handle = Handle(table=t)
    handle.preempted |= preempted
    pl = DefaultPreemption({}, handle)
    statuses = {} if nominated_status is None else {"node1": nominated_status}
    ok, _ = pl.eligible(p, statuses)
    return ok


def _prio_pod(name: str, prio: int, nominated: str = "", node_name: str = "", **spec: Any) -> Pod:
    p = pod(name=name, node_name=node_name, **spec)
    p.priority = prio
    p.nominated_node_name = nominated
    return p


def _terminating(name: str) -> Pod:
    p = _prio_pod(name, LOW, node_name="node1")
    p.deletion_timestamp = 0.0
    return p


UNRESOLVABLE = Status(Code.UnschedulableAndUnresolvable, "node(s) had untolerated taint(s)")
ELIGIBLE = [
    # (name, pod, pods on node1, nodes, nominated node's status, uids preempted by the scheduler, want)
    (
        "Pod with nominated node",
        lambda: _prio_pod("p_with_nominated_node", HIGH, "node1"),
        ["p1"],
        ["node1"],
        UNRESOLVABLE,
        {"default/p1"},  # even a preemption victim: the nominated node cannot take the pod any more
        True,
    ),
    (
        "Pod without nominated node",
        lambda: _prio_pod("p_without_nominated_node", HIGH),
        [],
        [],
        None,
        set(),
        True,
    ),
    (
        "Pod with 'PreemptNever' preemption policy",
        lambda: _prio_pod("p_with_preempt_never_policy", HIGH, preemption_policy="Never"),
        [],
        [],
        None,
        set(),
        False,
    ),
    (
        "preemption victim pod terminating, as indicated by the dedicated DisruptionTarget condition",
        lambda: _prio_pod("p_with_nominated_node", HIGH, "node1"),
        ["p1"],
        ["node1"],
        None,
        {"default/p1"},
        False,
    ),
    (
        "non-victim Pods terminating",
        lambda: _prio_pod("p_with_nominated_node", HIGH, "node1"),
        ["p1"],
        ["node1"],
        None,
        set(),
        True,
    ),
]


@pytest.mark.parametrize(
    ("make", "terminating", "nodes", "status", "preempted", "want"),
    [pytest.param(*c[1:], id=f"TestPodEligibleToPreemptOthers/{c[0]}") for c in ELIGIBLE],
)
def test_pod_eligible_to_preempt_others(
    make: Any,
    terminating: list[str],
    nodes: list[str],
    status: Status | None,
    preempted: set[str],
    want: bool,
) -> None:
    assert _eligible(make(), [_terminating(n) for n in terminating], nodes, status, preempted) is want
