"""Table-driven plugin tests from Kubernetes' documented behaviour (kube-scheduler 1.35)."""

from __future__ import annotations

import pytest

from models.pod import (
    Affinity,
    Container,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PodSpec,
    PreferredSchedulingTerm,
    Taint,
    Toleration,
)
from simulator.scheduler import Code, CycleState, NodeTable, fit_error_message, num_feasible_nodes_to_find
from simulator.scheduler._util import go_div, go_round
from simulator.scheduler.framework import default_normalize
from simulator.scheduler.plugins.balanced_allocation import NodeResourcesBalancedAllocation, balanced_score
from simulator.scheduler.plugins.node_affinity import NodeAffinity as NodeAffinityPlugin
from simulator.scheduler.plugins.node_name import NodeName
from simulator.scheduler.plugins.node_resources_fit import NodeResourcesFit, broken_linear
from simulator.scheduler.plugins.node_unschedulable import NodeUnschedulable
from simulator.scheduler.plugins.taint_toleration import TaintToleration
from simulator.scheduler.resources import pod_request
from tests.scheduler.conftest import GI, make_node, make_pod


def table_with(*nodes, pods=()):  # type: ignore[no-untyped-def]
    t = NodeTable()
    for n in nodes:
        t.add_node(n)
    for p, node in pods:
        p.uid = p.uid or p.name
        t.add_pod(p, node)
    return t


def info(t, name):  # type: ignore[no-untyped-def]
    ni = t.info(name)
    assert ni is not None
    return ni


def test_go_arithmetic() -> None:
    assert go_div(-7, 2) == -3 and go_div(7, -2) == -3 and go_div(7, 2) == 3
    assert (
        go_round(2.5) == 3
        and go_round(-2.5) == -3
        and go_round(62.5) == 63
        and go_round(0.49999999999999994) == 0
    )


@pytest.mark.parametrize(
    ("n", "want"), [(50, 50), (99, 99), (100, 100), (1000, 420), (5000, 500), (10000, 500)]
)
def test_num_feasible_nodes_adaptive(n: int, want: int) -> None:
    assert num_feasible_nodes_to_find(None, n) == want
    assert num_feasible_nodes_to_find(0, n) == want


def test_num_feasible_nodes_explicit_percentage() -> None:
    assert num_feasible_nodes_to_find(10, 5000) == 500
    assert num_feasible_nodes_to_find(1, 5000) == 100  # never fewer than 100
    assert num_feasible_nodes_to_find(100, 300) == 300


def test_nonzero_requests_per_container() -> None:
    spec = PodSpec(
        containers=(
            Container("a", requests={"cpu": 0}),
            Container("b", requests={"memory": GI}),
            Container("c"),
        ),
        init_containers=(Container("i", requests={"cpu": 50}),),
        overhead={"cpu": 10},
    )
    req = pod_request(spec)
    assert (req.cpu, req.memory) == (10 + 50, GI)  # real: max(sum 0, init 50) + overhead
    # non-zero: containers 0 + 100 + 100 = 200 cpu; init 50 -> 200; + overhead 10
    assert req.nz_cpu == 210
    assert req.nz_memory == 200 * 1024 * 1024 * 2 + GI  # a and c miss memory; init container i too (max wins)


def test_sidecar_init_containers() -> None:
    spec = PodSpec(
        containers=(Container("app", requests={"cpu": 100}),),
        init_containers=(
            Container("sidecar", requests={"cpu": 200}, restart_policy="Always"),
            Container("init", requests={"cpu": 250}),
        ),
    )
    # regular sum 100 + sidecar 200 = 300; init use = 250 + 200 = 450 -> 450
    assert pod_request(spec).cpu == 450


def test_least_allocated_documented_example() -> None:
    # kubernetes docs: a node with 4000m/10000 and requests 3000m/5000 scores (25 + 50) / 2 = 37
    t = table_with(make_node("n", cpu=4000, memory=10000))
    fit = NodeResourcesFit()
    pod = make_pod("p", {"cpu": 3000, "memory": 5000})
    assert fit.score(CycleState(), pod, info(t, "n")) == 37
    most = NodeResourcesFit({"scoringStrategy": {"type": "MostAllocated"}})
    assert most.score(CycleState(), pod, info(t, "n")) == 62  # (75 + 50) / 2


def test_requested_to_capacity_ratio_rounds_half_away() -> None:
    t = table_with(make_node("n", cpu=4000, memory=10000))
    args = {
        "scoringStrategy": {
            "type": "RequestedToCapacityRatio",
            "requestedToCapacityRatio": {
                "shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]
            },
        }
    }
    fit = NodeResourcesFit(args)
    assert (
        fit.score(CycleState(), make_pod("p", {"cpu": 3000, "memory": 5000}), info(t, "n")) == 63
    )  # round(62.5)


def test_broken_linear_truncates_toward_zero() -> None:
    shape = ((0, 100), (30, 0))  # decreasing: negative numerator
    assert broken_linear(shape, 10) == 100 + go_div(-100 * 10, 30)  # 100 - 33 = 67 (Python // would give 66)
    assert broken_linear(shape, 10) == 67


def test_least_allocated_uses_nonzero_requests() -> None:
    t = table_with(make_node("n", cpu=1000, memory=1000 * 1024 * 1024))
    fit = NodeResourcesFit()
    pod = make_pod("p", {})  # best effort: scored as 100m / 200Mi
    assert fit.score(CycleState(), pod, info(t, "n")) == (90 + 80) // 2


def test_balanced_allocation() -> None:
    assert balanced_score([3000, 5000], [4000, 10000]) == 87  # std = |0.75 - 0.5| / 2
    assert balanced_score([3000, 5000, 1], [4000, 10000, 0]) == 87  # zero allocatable is left out
    assert balanced_score([5000, 0], [4000, 10000]) == 50  # fraction capped at 1
    t = table_with(make_node("n", cpu=4000, memory=10000))
    ba = NodeResourcesBalancedAllocation()
    st = CycleState()
    assert ba.pre_score(st, make_pod("p", {}), []) is not None  # best-effort: Skip
    assert ba.score(st, make_pod("p", {"cpu": 3000, "memory": 5000}), info(t, "n")) == 87


def test_fit_filter_reasons_and_codes() -> None:
    busy = make_pod("busy", {"cpu": 3000, "memory": 1 * GI})
    t = table_with(make_node("n", cpu=4000, memory=2 * GI, pods=1), pods=[(busy, "n")])
    fit = NodeResourcesFit()
    st = fit.filter(CycleState(), make_pod("p", {"cpu": 2000, "memory": 2 * GI}), info(t, "n"))
    assert st.code == Code.Unschedulable
    assert st.reasons == ("Too many pods", "Insufficient cpu", "Insufficient memory")
    st = fit.filter(CycleState(), make_pod("p", {"cpu": 5000}), info(t, "n"))
    assert st.code == Code.UnschedulableAndUnresolvable  # more than the whole node


def test_fit_extended_and_ignored_resources() -> None:
    t = table_with(make_node("n", extra={"example.com/gpu": 1}))
    pod = make_pod("p", {"example.com/gpu": 2, "other.io/foo": 1})
    st = NodeResourcesFit().filter(CycleState(), pod, info(t, "n"))
    assert st.reasons == ("Insufficient example.com/gpu", "Insufficient other.io/foo")
    fit = NodeResourcesFit({"ignoredResources": ["example.com/gpu"], "ignoredResourceGroups": ["other.io"]})
    assert fit.filter(CycleState(), pod, info(t, "n")).is_success


@pytest.mark.parametrize(
    ("toleration", "taint", "tolerated"),
    [
        (
            Toleration(key="k", operator="Equal", value="v", effect="NoSchedule"),
            Taint("k", "NoSchedule", "v"),
            True,
        ),
        (
            Toleration(key="k", operator="Equal", value="x", effect="NoSchedule"),
            Taint("k", "NoSchedule", "v"),
            False,
        ),
        (Toleration(key="k", operator="Exists"), Taint("k", "NoExecute", "v"), True),
        (Toleration(operator="Exists"), Taint("any", "NoSchedule"), True),
        (Toleration(key="k", operator="Exists", effect="NoExecute"), Taint("k", "NoSchedule"), False),
        (Toleration(key="other", operator="Exists"), Taint("k", "NoSchedule"), False),
    ],
)
def test_taint_toleration_filter(toleration: Toleration, taint: Taint, tolerated: bool) -> None:
    t = table_with(make_node("n", taints=(taint,)))
    st = TaintToleration().filter(CycleState(), make_pod("p", tolerations=(toleration,)), info(t, "n"))
    assert st.is_success == tolerated
    if not tolerated:
        assert st.code == Code.UnschedulableAndUnresolvable and st.reasons == (
            "node(s) had untolerated taint(s)",
        )


def test_taint_toleration_prefer_no_schedule_score() -> None:
    t = table_with(
        make_node("a"),
        make_node("b", taints=(Taint("x", "PreferNoSchedule"),)),
        make_node("c", taints=(Taint("x", "PreferNoSchedule"), Taint("y", "PreferNoSchedule", "1"))),
    )
    pl = TaintToleration()
    st = CycleState()
    pod = make_pod("p")
    pl.pre_score(st, pod, [])
    raw = [pl.score(st, pod, info(t, n)) for n in "abc"]
    assert raw == [0, 1, 2]
    pl.normalize_score(st, pod, raw)
    assert raw == [100, 50, 0]
    tolerant = make_pod("q", tolerations=(Toleration(key="x", operator="Exists", effect="PreferNoSchedule"),))
    pl.pre_score(st, tolerant, [])
    assert [pl.score(st, tolerant, info(t, n)) for n in "abc"] == [0, 0, 1]


def test_node_unschedulable_and_node_name() -> None:
    t = table_with(make_node("a", unschedulable=True), make_node("b"))
    pl = NodeUnschedulable()
    assert pl.filter(CycleState(), make_pod("p"), info(t, "a")).reasons == ("node(s) were unschedulable",)
    tol = Toleration(key="node.kubernetes.io/unschedulable", operator="Exists", effect="NoSchedule")
    assert pl.filter(CycleState(), make_pod("p", tolerations=(tol,)), info(t, "a")).is_success
    nn = NodeName()
    pod = make_pod("p", node_name="b")
    assert nn.filter(CycleState(), pod, info(t, "a")).reasons == (
        "node(s) didn't match the requested node name",
    )
    assert nn.filter(CycleState(), pod, info(t, "b")).is_success


def _req(key: str, op: str, *values: str) -> NodeSelectorRequirement:
    return NodeSelectorRequirement(key, op, values)


@pytest.mark.parametrize(
    ("req", "matches"),
    [
        (_req("zone", "In", "a", "b"), True),
        (_req("zone", "NotIn", "a"), False),
        (_req("zone", "Exists"), True),
        (_req("missing", "DoesNotExist"), True),
        (_req("cores", "Gt", "7"), True),
        (_req("cores", "Gt", "8"), False),
        (_req("cores", "Lt", "9"), True),
        (_req("cores", "Lt", "x"), False),
        (_req("missing", "NotIn", "a"), True),
    ],
)
def test_node_affinity_operators(req: NodeSelectorRequirement, matches: bool) -> None:
    t = table_with(make_node("n", labels={"zone": "a", "cores": "8"}))
    aff = Affinity(node_affinity=NodeAffinity(required=NodeSelector((NodeSelectorTerm((req,)),))))
    st = NodeAffinityPlugin().filter(CycleState(), make_pod("p", affinity=aff), info(t, "n"))
    assert st.is_success == matches
    if not matches:
        assert st.reasons == ("node(s) didn't match Pod's node affinity/selector",)


def test_node_affinity_selector_preferred_and_added() -> None:
    t = table_with(make_node("a", labels={"disk": "ssd"}), make_node("b", labels={"disk": "hdd"}))
    pl = NodeAffinityPlugin()
    st = CycleState()
    assert pl.pre_filter(st, make_pod("p")) is not None  # Skip: nothing to check
    pod = make_pod("p", node_selector={"disk": "ssd"})
    assert pl.filter(st, pod, info(t, "a")).is_success and not pl.filter(st, pod, info(t, "b")).is_success
    pref = (PreferredSchedulingTerm(30, NodeSelectorTerm((_req("disk", "In", "ssd"),))),)
    pp = make_pod("q", affinity=Affinity(node_affinity=NodeAffinity(preferred=pref)))
    assert pl.pre_score(st, make_pod("x"), []) is not None  # Skip without preferred terms
    raw = [pl.score(st, pp, info(t, n)) for n in "ab"]
    assert raw == [30, 0]
    pl.normalize_score(st, pp, raw)
    assert raw == [100, 0]
    added = NodeAffinityPlugin(
        {
            "addedAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["hdd"]}]}
                    ]
                }
            }
        }
    )
    assert added.filter(st, make_pod("p"), info(t, "a")).reasons == (
        "node(s) didn't match scheduler-enforced node affinity",
    )


def test_default_normalize() -> None:
    s = [0, 5, 10]
    default_normalize(s, reverse=False)
    assert s == [0, 50, 100]
    s = [0, 0]
    default_normalize(s, reverse=True)
    assert s == [100, 100]


def test_fit_error_message_format() -> None:
    msg = fit_error_message(5, {"Insufficient cpu": 2, "node(s) had untolerated taint(s)": 3})
    assert msg == "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint(s)."
    # sort.Strings order: "10 ..." sorts before "2 ..."
    assert fit_error_message(12, {"b": 2, "a": 10}) == "0/12 nodes are available: 10 a, 2 b."
