"""InterPodAffinity filter cases ported from kube-scheduler's unit-test tables (facts only).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/interpodaffinity/filtering_test.go,
TestRequiredAffinitySingleNode and TestRequiredAffinityMultipleNodes, as stored in the reference index (a recent
revision, with the single-reason statuses 1.35 returns). Pods without a namespace in upstream's table live in
namespace "" here too. Each case runs PreFilter, then Filter per node (and vectorised, see
``tests/scheduler/_upstream.py``), and compares the PreFilter Skip and each node's code and reason.

Not ported: "PodAffinity fails PreFilter with an invalid affinity label syntax" and "PodAntiAffinity fails PreFilter
with an invalid antiaffinity label syntax" (kubesim does not validate label values in selectors). In "pod matches its
own Label in PodAffinity and that matches the existing pod Labels" upstream's existing pod sits on a node that is not
in the snapshot; it is left out here (kubesim's table holds no pods of unknown nodes, and upstream never counts it).
"""

from __future__ import annotations

from typing import Any

import pytest

from models.meta import LabelSelector, LabelSelectorRequirement
from models.pod import Affinity, Pod, PodAffinity, PodAffinityTerm
from simulator.engine import Engine
from simulator.scheduler import Code, CycleState
from simulator.scheduler.framework import Handle
from simulator.scheduler.plugins.inter_pod_affinity import (
    REASON_AFFINITY,
    REASON_ANTI,
    REASON_EXISTING,
    InterPodAffinity,
)
from simulator.store import Store
from tests.scheduler._upstream import node, pod, run_filter, table
from tests.scheduler.test_upstream_inter_pod_affinity import NAMESPACES

AFF = (Code.UnschedulableAndUnresolvable, REASON_AFFINITY)
ANTI = (Code.Unschedulable, REASON_ANTI)
EXIST = (Code.Unschedulable, REASON_EXISTING)
SKIP = "skip"

SEC = {"service": "securityscan"}
S1 = {"security": "S1"}
NODE1 = {"region": "r1", "zone": "z11"}
TEAM1 = LabelSelector(match_expressions=(LabelSelectorRequirement("team", "In", ("team1",)),))


def sel(*reqs: tuple[str, str, tuple[str, ...]]) -> LabelSelector:
    return LabelSelector(match_expressions=tuple(LabelSelectorRequirement(k, op, v) for k, op, v in reqs))


def t_in(key: str, topo: str, *values: str, **kw: Any) -> PodAffinityTerm:
    return PodAffinityTerm(topo, sel((key, "In", values)), **kw)


def t_not_in(key: str, topo: str, *values: str) -> PodAffinityTerm:
    return PodAffinityTerm(topo, sel((key, "NotIn", values)))


def t_exists(key: str, topo: str) -> PodAffinityTerm:
    return PodAffinityTerm(topo, sel((key, "Exists", ())))


_n = 0


def mk(
    labels: dict[str, str] | None = None,
    on: str = "",
    ns: str = "",
    aff: tuple[PodAffinityTerm, ...] = (),
    anti: tuple[PodAffinityTerm, ...] = (),
) -> Pod:
    global _n
    _n += 1
    affinity = None
    if aff or anti:
        affinity = Affinity(
            pod_affinity=PodAffinity(required=aff) if aff else None,
            pod_anti_affinity=PodAffinity(required=anti) if anti else None,
        )
    return pod(name=f"p{_n}", node_name=on, labels=labels, affinity=affinity, namespace=ns)


def existing_sec() -> Pod:
    return mk(SEC, on="node1")


SINGLE: list[Any] = [
    # (name, incoming pod, existing pods, want: SKIP (PreFilter skips), None (passes) or (code, reason))
    (
        "A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods",
        mk(),
        [],
        SKIP,
    ),
    (
        "satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that "
        "matches the existing pod",
        mk(S1, aff=(t_in("service", "region", "securityscan", "value2"),)),
        [existing_sec()],
        None,
    ),
    (
        "satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator "
        "in labelSelector that matches the existing pod",
        mk(S1, aff=(t_not_in("service", "region", "securityscan3", "value3"),)),
        [existing_sec()],
        None,
    ),
    (
        "Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
        mk(S1, aff=(t_in("service", "", "securityscan", "value2", namespaces=("DiffNameSpace",)),)),
        [mk(SEC, on="node1", ns="ns")],
        AFF,
    ),
    (
        "Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
        mk(SEC, aff=(t_in("service", "", "antivirusscan", "value2"),)),
        [existing_sec()],
        AFF,
    ),
    (
        "satisfies the PodAffinity with different label Operators in multiple RequiredDuringSchedulingIgnoredDuring"
        "Execution ",
        mk(
            S1,
            aff=(
                PodAffinityTerm("region", sel(("service", "Exists", ()), ("wrongkey", "DoesNotExist", ()))),
                PodAffinityTerm(
                    "region", sel(("service", "In", ("securityscan",)), ("service", "NotIn", ("WrongValue",)))
                ),
            ),
        ),
        [existing_sec()],
        None,
    ),
    (
        "The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot schedule onto the node "
        "because one of the matchExpression item don't match.",
        mk(
            S1,
            aff=(
                PodAffinityTerm("region", sel(("service", "Exists", ()), ("wrongkey", "DoesNotExist", ()))),
                PodAffinityTerm(
                    "region",
                    sel(("service", "In", ("securityscan2",)), ("service", "NotIn", ("WrongValue",))),
                ),
            ),
        ),
        [existing_sec()],
        AFF,
    ),
    (
        "satisfies the PodAffinity and PodAntiAffinity with the existing pod",
        mk(
            S1,
            aff=(t_in("service", "region", "securityscan", "value2"),),
            anti=(t_in("service", "node", "antivirusscan", "value2"),),
        ),
        [existing_sec()],
        None,
    ),
    (
        "satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the existing pod",
        mk(
            S1,
            aff=(t_in("service", "region", "securityscan", "value2"),),
            anti=(t_in("service", "node", "antivirusscan", "value2"),),
        ),
        [mk(SEC, on="node1", anti=(t_in("service", "node", "antivirusscan", "value2"),))],
        None,
    ),
    (
        "satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
        mk(
            S1,
            aff=(t_in("service", "region", "securityscan", "value2"),),
            anti=(t_in("service", "zone", "securityscan", "value2"),),
        ),
        [existing_sec()],
        ANTI,
    ),
    (
        "satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the "
        "existing pod",
        mk(
            SEC,
            aff=(t_in("service", "region", "securityscan", "value2"),),
            anti=(t_in("service", "node", "antivirusscan", "value2"),),
        ),
        [mk(SEC, on="node1", anti=(t_in("service", "zone", "securityscan", "value2"),))],
        EXIST,
    ),
    (
        "pod matches its own Label in PodAffinity and that matches the existing pod Labels",
        mk(SEC, aff=(t_not_in("service", "region", "securityscan", "value2"),)),
        [],
        AFF,
    ),
    (
        "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. "
        "doesn't satisfy PodAntiAffinity symmetry with the existing pod",
        mk(SEC),
        [mk(SEC, on="node1", anti=(t_in("service", "zone", "securityscan", "value2"),))],
        EXIST,
    ),
    (
        "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. "
        "satisfy PodAntiAffinity symmetry with the existing pod",
        mk(SEC),
        [mk(SEC, on="node1", anti=(t_not_in("service", "zone", "securityscan", "value2"),))],
        SKIP,
    ),
    (
        "satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming "
        "pod",
        mk(SEC, anti=(t_exists("service", "region"), t_exists("security", "region"))),
        [mk(S1, on="node1", anti=(t_exists("security", "zone"),))],
        ANTI,
    ),
    (
        "PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each other on "
        "AffinityTerms",
        mk(SEC, anti=(t_exists("service", "zone"), t_exists("security", "zone"))),
        [mk(S1, on="node1", anti=(t_exists("security", "zone"),))],
        ANTI,
    ),
    (
        "PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on "
        "AffinityTerms",
        mk(S1, anti=(t_exists("security", "zone"),)),
        [mk(SEC, on="node1", anti=(t_exists("service", "zone"), t_exists("security", "zone")))],
        EXIST,
    ),
    (
        "PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each other on "
        "AffinityTerms",
        mk({"abc": "", "xyz": ""}, anti=(t_exists("abc", "zone"), t_exists("def", "zone"))),
        [mk({"def": "", "xyz": ""}, on="node1", anti=(t_exists("abc", "zone"), t_exists("def", "zone")))],
        ANTI,
    ),
    (
        "PodAntiAffinity symmetry check b2: incoming pod and existing pod partially match each other on "
        "AffinityTerms",
        mk({"def": "", "xyz": ""}, anti=(t_exists("abc", "zone"), t_exists("def", "zone"))),
        [mk({"abc": "", "xyz": ""}, on="node1", anti=(t_exists("abc", "zone"), t_exists("def", "zone")))],
        ANTI,
    ),
    (
        "affinity with NamespaceSelector",
        mk(S1, aff=(t_in("service", "region", "securityscan", "value2", namespace_selector=TEAM1),)),
        [mk(SEC, on="node1", ns="subteam1.team1")],
        None,
    ),
    (
        "affinity with non-matching NamespaceSelector",
        mk(S1, aff=(t_in("service", "region", "securityscan", "value2", namespace_selector=TEAM1),)),
        [mk(SEC, on="node1", ns="subteam1.team2")],
        AFF,
    ),
    (
        "anti-affinity with matching NamespaceSelector",
        mk(
            S1,
            ns="subteam1.team1",
            anti=(t_in("service", "zone", "securityscan", "value2", namespace_selector=TEAM1),),
        ),
        [mk(SEC, on="node1", ns="subteam2.team1")],
        ANTI,
    ),
    (
        "anti-affinity with matching all NamespaceSelector",
        mk(
            S1,
            ns="subteam1.team1",
            anti=(t_in("service", "zone", "securityscan", "value2", namespace_selector=LabelSelector()),),
        ),
        [mk(SEC, on="node1", ns="subteam2.team1")],
        ANTI,
    ),
    (
        "anti-affinity with non-matching NamespaceSelector",
        mk(
            S1,
            ns="subteam1.team1",
            anti=(t_in("service", "zone", "securityscan", "value2", namespace_selector=TEAM1),),
        ),
        [mk(SEC, on="node1", ns="subteam1.team2")],
        None,
    ),
]

RG_CHINA = {"region": "China"}
RG_CHINA_AZ1 = {"region": "China", "az": "az1"}
RG_INDIA = {"region": "India"}


def hosts(*pairs: tuple[str, dict[str, str]]) -> list[Any]:
    return [node(name, labels=labels) for name, labels in pairs]


def rz(name: str, zone: str, region: str = "r1") -> tuple[str, dict[str, str]]:
    return (name, {"region": region, "zone": zone, "hostname": name})


MULTIPLE: list[Any] = [
    # (name, incoming pod, existing pods, nodes, want per node, or SKIP when PreFilter skips)
    (
        "A pod can be scheduled onto all the nodes that have the same topology key & label value with one of them "
        "has an existing pod that matches the affinity rules",
        mk(aff=(t_in("foo", "region", "bar"),)),
        [mk({"foo": "bar"}, on="node1")],
        hosts(("node1", RG_CHINA), ("node2", RG_CHINA_AZ1), ("node3", RG_INDIA)),
        [None, None, AFF],
    ),
    (
        "The affinity rule is to schedule all of the pods of this collection to the same zone. The first pod of the "
        "collection should not be blocked from being scheduled onto any node, even there's no existing pod that "
        "matches the rule anywhere.",
        mk(
            {"foo": "bar", "service": "securityscan"},
            aff=(t_in("foo", "zone", "bar"), t_in("service", "zone", "securityscan")),
        ),
        [mk({"foo": "bar"}, on="nodeA")],
        hosts(("nodeA", {"zone": "az1", "hostname": "h1"}), ("nodeB", {"zone": "az2", "hostname": "h2"})),
        [None, None],
    ),
    (
        "The first pod of the collection can only be scheduled on nodes labelled with the requested topology keys",
        mk(
            {"foo": "bar", "service": "securityscan"},
            aff=(t_in("foo", "zone", "bar"), t_in("service", "zone", "securityscan")),
        ),
        [mk({"foo": "bar"}, on="nodeA")],
        hosts(
            ("nodeA", {"zoneLabel": "az1", "hostname": "h1"}),
            ("nodeB", {"zoneLabel": "az2", "hostname": "h2"}),
        ),
        [AFF, AFF],
    ),
    (
        "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod "
        "affinity rule. The pod can not be scheduled onto nodeA and nodeB.",
        mk(anti=(t_in("foo", "region", "abc"),)),
        [mk({"foo": "abc"}, on="nodeA")],
        hosts(
            ("nodeA", {"region": "r1", "hostname": "nodeA"}), ("nodeB", {"region": "r1", "hostname": "nodeB"})
        ),
        [ANTI, ANTI],
    ),
    (
        "This test ensures that anti-affinity matches a pod when any term of the anti-affinity rule matches a pod.",
        mk(anti=(t_in("foo", "region", "abc"), t_in("service", "zone", "securityscan"))),
        [mk({"foo": "abc", "service": "securityscan"}, on="nodeA")],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z2")),
        [ANTI, ANTI],
    ),
    (
        "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod "
        "affinity rule. The pod can not be scheduled onto nodeA and nodeB but can be scheduled onto nodeC",
        mk(anti=(t_in("foo", "region", "abc"),)),
        [mk({"foo": "abc"}, on="nodeA")],
        hosts(("nodeA", RG_CHINA), ("nodeB", RG_CHINA_AZ1), ("nodeC", RG_INDIA)),
        [ANTI, ANTI, None],
    ),
    (
        "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod "
        "affinity rule. The pod can not be scheduled onto nodeA, nodeB, but can be scheduled onto nodeC (NodeC has "
        "an existing pod that match the inter pod affinity rule but in different namespace)",
        mk({"foo": "123"}, ns="NS1", anti=(t_in("foo", "region", "bar"),)),
        [
            mk({"foo": "bar"}, on="nodeA", ns="NS1"),
            mk(on="nodeC", ns="NS2", anti=(t_in("foo", "region", "123"),)),
        ],
        hosts(("nodeA", RG_CHINA), ("nodeB", RG_CHINA_AZ1), ("nodeC", RG_INDIA)),
        [ANTI, ANTI, None],
    ),
    (
        "Test existing pod's anti-affinity: if an existing pod has a term with invalid topologyKey, labelSelector of "
        "the term is firstly checked, and then topologyKey of the term is also checked",
        mk({"foo": ""}),
        [mk(on="nodeA", anti=(t_exists("foo", "invalid-node-label"),))],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z1")),
        SKIP,
    ),
    (
        "Test incoming pod's anti-affinity: even if labelSelector matches, we still check if topologyKey matches",
        mk(anti=(t_exists("foo", "invalid-node-label"),)),
        [mk({"foo": ""}, on="nodeA")],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z1")),
        [None, None],
    ),
    (
        "Test existing pod's anti-affinity: incoming pod wouldn't considered as a fit as it violates each "
        "existingPod's terms on all nodes",
        mk({"foo": "", "bar": ""}),
        [mk(on="nodeA", anti=(t_exists("foo", "zone"),)), mk(on="nodeA", anti=(t_exists("bar", "region"),))],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z2")),
        [EXIST, EXIST],
    ),
    (
        "Test incoming pod's anti-affinity: incoming pod wouldn't considered as a fit as it at least violates one "
        "anti-affinity rule of existingPod",
        mk(anti=(t_exists("foo", "zone"), t_exists("bar", "region"))),
        [mk({"foo": ""}, on="nodeA"), mk({"bar": ""}, on="nodeB")],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z2")),
        [ANTI, ANTI],
    ),
    (
        "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a "
        "single term match - case when one term has invalid topologyKey",
        mk({"foo": "", "bar": ""}),
        [mk(on="nodeA", anti=(t_exists("foo", "invalid-node-label"), t_exists("bar", "zone")))],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z2")),
        [EXIST, None],
    ),
    (
        "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a "
        "single term match - case when one term has invalid topologyKey",
        mk(anti=(t_exists("foo", "invalid-node-label"), t_exists("bar", "zone"))),
        [mk({"foo": "", "bar": ""}, on="nodeA")],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z2")),
        [ANTI, None],
    ),
    (
        "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a "
        "single term match - case when all terms have valid topologyKey",
        mk({"foo": "", "bar": ""}),
        [mk(on="nodeA", anti=(t_exists("foo", "region"), t_exists("bar", "zone")))],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z2")),
        [EXIST, EXIST],
    ),
    (
        "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a "
        "single term match - case when all terms have valid topologyKey",
        mk(anti=(t_exists("foo", "region"), t_exists("bar", "zone"))),
        [mk({"foo": "", "bar": ""}, on="nodeA")],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z2")),
        [ANTI, ANTI],
    ),
    (
        "Test existing pod's anti-affinity: existingPod on nodeA and nodeB has at least one anti-affinity term "
        "matches incoming pod, so incoming pod can only be scheduled to nodeC",
        mk({"foo": "", "bar": ""}),
        [
            mk(on="nodeA", anti=(t_exists("foo", "zone"), t_exists("labelA", "zone"))),
            mk(on="nodeB", anti=(t_exists("bar", "zone"), t_exists("labelB", "zone"))),
        ],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z2"), rz("nodeC", "z3")),
        [EXIST, EXIST, None],
    ),
    (
        "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys "
        "match",
        mk(aff=(t_exists("foo", "region"), t_exists("bar", "zone"))),
        [mk({"foo": "", "bar": ""}, on="nodeA")],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z1")),
        [None, None],
    ),
    (
        "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys "
        "match, and the match logic should be satisfied on the same pod",
        mk(aff=(t_exists("foo", "region"), t_exists("bar", "zone"))),
        [mk({"foo": ""}, on="nodeA"), mk({"bar": ""}, on="nodeB")],
        hosts(rz("nodeA", "z1"), rz("nodeB", "z2")),
        [AFF, AFF],
    ),
]


def _plugin(nodes: list[Any], pods: list[Pod]) -> tuple[InterPodAffinity, Any]:
    t = table(nodes, pods)
    store = Store(Engine(1))
    for ns in NAMESPACES:
        store.add(ns)
    return InterPodAffinity({}, Handle(store=store, table=t)), t


def _outcome(pl: InterPodAffinity, p: Pod, t: Any, name: str) -> tuple[Code, str] | None:
    st = run_filter(pl, p, t, name)
    if st.is_success:
        return None
    assert len(st.reasons) == 1, st.reasons
    return (st.code, st.reasons[0])


def _skips(pl: InterPodAffinity, p: Pod) -> bool:
    pre = pl.pre_filter(CycleState(), p)
    return pre is not None and pre.code == Code.Skip


@pytest.mark.parametrize(
    ("p", "pods", "want"), [pytest.param(*c[1:], id=f"TestRequiredAffinitySingleNode/{c[0]}") for c in SINGLE]
)
def test_required_affinity_single_node(p: Pod, pods: list[Pod], want: Any) -> None:
    pl, t = _plugin([node("node1", labels=NODE1)], pods)
    assert _skips(pl, p) == (want == SKIP)
    if want != SKIP:
        assert _outcome(pl, p, t, "node1") == want


@pytest.mark.parametrize(
    ("p", "pods", "nodes", "want"),
    [pytest.param(*c[1:], id=f"TestRequiredAffinityMultipleNodes/{c[0]}") for c in MULTIPLE],
)
def test_required_affinity_multiple_nodes(p: Pod, pods: list[Pod], nodes: list[Any], want: Any) -> None:
    pl, t = _plugin(nodes, pods)
    assert _skips(pl, p) == (want == SKIP)
    if want != SKIP:
        assert [_outcome(pl, p, t, n.name) for n in nodes] == want
