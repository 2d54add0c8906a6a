"""PodTopologySpread scoring cases ported from kube-scheduler's unit-test table (facts only).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/podtopologyspread/scoring_test.go,
TestPodTopologySpreadScore (defaultingType System). The expectations are those of the table as stored for
Kubernetes 1.35 with NodeInclusionPolicyInPodTopologySpread and MatchLabelKeysInPodTopologySpread on (their
defaults since 1.33).

Not ported: "matchLabelKeys ignored when feature gate disabled" (kubesim always honours matchLabelKeys, as 1.35
does by default).
"""

from __future__ import annotations

from typing import Any

import pytest

from models.meta import LabelSelector, LabelSelectorRequirement
from models.networking import Service
from models.pod import (
    Affinity,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Pod,
    Taint,
    TopologySpreadConstraint,
)
from simulator.engine import Engine
from simulator.scheduler.framework import Handle
from simulator.scheduler.plugins.pod_topology_spread import PodTopologySpread
from simulator.store import Store
from tests.scheduler._upstream import node, pod, run_filter, run_scores, table

HOST = "kubernetes.io/hostname"
FOO = LabelSelector(match_expressions=(LabelSelectorRequirement("foo", "Exists"),))
BAR = LabelSelector(match_expressions=(LabelSelectorRequirement("bar", "Exists"),))
ANY = "ScheduleAnyway"


def tsc(skew: int, key: str, sel: LabelSelector | None, **kw: Any) -> TopologySpreadConstraint:
    return TopologySpreadConstraint(skew, key, ANY, sel, **kw)


def incoming(*constraints: TopologySpreadConstraint, labels: tuple[str, ...] = ("foo",), **spec: Any) -> Pod:
    return pod(
        name="p", labels=dict.fromkeys(labels, ""), topology_spread_constraints=tuple(constraints), **spec
    )


def existing(name: str, on: str, *labels: str, namespace: str = "default", terminating: bool = False) -> Pod:
    p = pod(name=name, node_name=on, labels=dict.fromkeys(labels, ""), namespace=namespace)
    if terminating:
        p.deletion_timestamp = 0.0
    return p


def hosts(*names: str) -> list[Any]:
    return [node(n, labels={HOST: n}) for n in names]


def zoned(*pairs: tuple[str, str]) -> list[Any]:
    return [node(n, labels={"zone": z, HOST: n}) for n, z in pairs]


def spread_of(counts: dict[str, int], *labels: str) -> list[Pod]:
    return [existing(f"p-{n}{i}", n, *labels) for n, c in counts.items() for i in range(c)]


ABCD = ("node-a", "node-b", "node-c", "node-d")
FOUR_ZONED = zoned(("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2"))
MIXED = [
    existing("p-a1", "node-a", "foo"),
    existing("p-b1", "node-b", "foo", "bar"),
    existing("p-y1", "node-y", "foo"),
    existing("p-y2", "node-y", "bar"),
]
NODE_KEY = [
    node(n, labels={"node": n, **({"foo": ""} if n != "node-c" else {})})
    for n in ("node-a", "node-b", "node-c")
]
POLICY_PODS = [
    existing("p-a1", "node-a", "foo"),
    existing("p-a2", "node-a", "foo"),
    existing("p-b1", "node-b", "foo"),
    existing("p-c1", "node-c", "foo"),
]
FOO_IN = Affinity(
    node_affinity=NodeAffinity(
        required=NodeSelector((NodeSelectorTerm((NodeSelectorRequirement("foo", "In", ("",)),)),))
    )
)
ABCD_ZONED = zoned(("node-a", "zone1"), ("node-b", "zone1"), ("node-c", "zone2"), ("node-d", "zone2"))
MLK_PODS = [
    existing("p-a1", "node-a", "foo"),
    existing("p-b1", "node-b", "foo", "bar"),
    existing("p-y1", "node-c", "foo"),
    existing("p-y2", "node-c", "bar"),
]

CASES: list[Any] = [
    # (name, pod, existing pods, all nodes, candidate node names, services, want)
    (
        "one constraint on node, no existing pods",
        incoming(tsc(1, HOST, FOO)),
        [],
        hosts("node-a", "node-b"),
        None,
        [],
        [100, 100],
    ),
    (
        "one constraint on node, only one node is candidate",
        incoming(tsc(1, HOST, FOO)),
        spread_of({"node-a": 2, "node-b": 1}, "foo"),
        hosts("node-a", "node-b"),
        ["node-a"],
        [],
        [100],
    ),
    (
        "one constraint on node, all nodes have the same number of matching pods",
        incoming(tsc(1, HOST, FOO)),
        spread_of({"node-a": 1, "node-b": 1}, "foo"),
        hosts("node-a", "node-b"),
        None,
        [],
        [100, 100],
    ),
    (
        "one constraint on node, all 4 nodes are candidates",
        incoming(tsc(1, HOST, FOO)),
        spread_of({"node-a": 2, "node-b": 1, "node-d": 3}, "foo"),
        hosts(*ABCD),
        None,
        [],
        [20, 60, 100, 0],
    ),
    (
        "one constraint on node, null selector",
        incoming(tsc(1, HOST, None)),
        spread_of({"node-a": 2, "node-b": 1, "node-d": 3}, "foo"),
        hosts(*ABCD),
        None,
        [],
        [100, 100, 100, 100],
    ),
    (
        "one constraint on node, all 4 nodes are candidates, maxSkew=2",
        incoming(tsc(2, HOST, FOO)),
        spread_of({"node-a": 2, "node-b": 1, "node-d": 3}, "foo"),
        hosts(*ABCD),
        None,
        [],
        [33, 66, 100, 16],
    ),
    (
        "one constraint on node, all 4 nodes are candidates, maxSkew=3",
        incoming(tsc(3, HOST, FOO)),
        spread_of({"node-a": 4, "node-b": 3, "node-c": 2, "node-d": 1}, "foo"),
        hosts(*ABCD),
        None,
        [],
        [44, 66, 77, 100],
    ),
    (
        "system defaulting, nodes don't have zone, pods match service",
        incoming(),
        spread_of({"node-a": 4, "node-b": 3, "node-c": 2, "node-d": 1}, "foo"),
        hosts(*ABCD),
        None,
        [Service(name="svc", namespace="default", selector={"foo": ""})],
        [44, 66, 77, 100],
    ),
    (
        "one constraint on node, 3 out of 4 nodes are candidates",
        incoming(tsc(1, HOST, FOO)),
        spread_of({"node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3}, "foo"),
        hosts("node-a", "node-b", "node-x", "node-y"),
        ["node-a", "node-b", "node-x"],
        [],
        [33, 83, 100],
    ),
    (
        "one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
        incoming(tsc(1, HOST, FOO)),
        spread_of({"node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3}, "foo"),
        [
            node("node-a", labels={HOST: "node-a"}),
            node("node-b", labels={"n": "node-b"}),
            *hosts("node-x", "node-y"),
        ],
        ["node-a", "node-b", "node-x"],
        [],
        [16, 0, 100],
    ),
    (
        "one constraint on zone, 3 out of 4 nodes are candidates",
        incoming(tsc(1, "zone", FOO)),
        spread_of({"node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3}, "foo"),
        FOUR_ZONED,
        ["node-a", "node-b", "node-x"],
        [],
        [75, 75, 100],
    ),
    (
        "two Constraints on zone and node, 2 out of 4 nodes are candidates",
        incoming(tsc(1, "zone", FOO), tsc(1, HOST, FOO)),
        spread_of({"node-a": 2, "node-b": 1, "node-x": 2, "node-y": 4}, "foo"),
        FOUR_ZONED,
        ["node-a", "node-x"],
        [],
        [100, 63],
    ),
    (
        "two Constraints on zone and node, with different labelSelectors",
        incoming(tsc(1, "zone", FOO), tsc(1, HOST, BAR), labels=("foo", "bar")),
        MIXED,
        FOUR_ZONED,
        None,
        [],
        [60, 20, 100, 60],
    ),
    (
        "two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods",
        incoming(tsc(1, "zone", FOO), tsc(1, HOST, BAR), labels=("foo", "bar")),
        [
            existing("p-b1", "node-b", "bar"),
            existing("p-x1", "node-x", "foo"),
            existing("p-y1", "node-y", "foo", "bar"),
        ],
        FOUR_ZONED,
        None,
        [],
        [100, 60, 40, 0],
    ),
    (
        "two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates",
        incoming(tsc(1, "zone", FOO), tsc(1, HOST, BAR), labels=("foo", "bar")),
        MIXED,
        FOUR_ZONED,
        ["node-a", "node-b", "node-x"],
        [],
        [50, 25, 100],
    ),
    (
        "existing pods in a different namespace do not count",
        incoming(tsc(1, HOST, FOO)),
        [
            existing("p-a1", "node-a", "foo", namespace="ns1"),
            existing("p-a2", "node-a", "foo"),
            existing("p-b1", "node-b", "foo"),
            existing("p-b2", "node-b", "foo"),
        ],
        hosts("node-a", "node-b"),
        None,
        [],
        [100, 33],
    ),
    (
        "terminating Pods should be excluded",
        incoming(tsc(1, HOST, FOO)),
        [existing("p-a", "node-a", "foo", terminating=True), existing("p-b", "node-b", "foo")],
        hosts("node-a", "node-b"),
        None,
        [],
        [100, 0],
    ),
    (
        "minDomains has no effect when ScheduleAnyway",
        incoming(tsc(2, "node", FOO, min_domains=10)),
        spread_of({"node-a": 2, "node-b": 2, "node-c": 1}, "foo"),
        [node(n, labels={"node": n}) for n in ("node-a", "node-b", "node-c")],
        None,
        [],
        [75, 75, 100],
    ),
    (
        "NodeAffinityPolicy honoed with labelSelectors",
        incoming(tsc(1, "node", FOO), node_selector={"foo": ""}),
        POLICY_PODS,
        NODE_KEY,
        None,
        [],
        [0, 33, 100],
    ),
    (
        "NodeAffinityPolicy ignored with labelSelectors",
        incoming(tsc(1, "node", FOO, node_affinity_policy="Ignore"), node_selector={"foo": ""}),
        POLICY_PODS,
        NODE_KEY,
        None,
        [],
        [66, 100, 100],
    ),
    (
        "NodeAffinityPolicy honoed with nodeAffinity",
        incoming(tsc(1, "node", FOO), affinity=FOO_IN),
        POLICY_PODS,
        NODE_KEY,
        None,
        [],
        [0, 33, 100],
    ),
    (
        "NodeAffinityPolicy ignored with nodeAffinity",
        incoming(tsc(1, "node", FOO, node_affinity_policy="Ignore"), affinity=FOO_IN),
        POLICY_PODS,
        NODE_KEY,
        None,
        [],
        [66, 100, 100],
    ),
    (
        "NodeTaintsPolicy honored",
        incoming(tsc(1, "node", FOO, node_taints_policy="Honor")),
        POLICY_PODS,
        [
            node("node-a", labels={"node": "node-a"}),
            node("node-b", labels={"node": "node-b"}),
            node("node-c", labels={"node": "node-c"}, taints=(Taint("foo", "NoSchedule"),)),
        ],
        None,
        [],
        [0, 33, 100],
    ),
    (
        "NodeTaintsPolicy ignored",
        incoming(tsc(1, "node", FOO)),
        POLICY_PODS,
        [
            node("node-a", labels={"node": "node-a"}),
            node("node-b", labels={"node": "node-b"}),
            node("node-c", labels={"node": "node-c"}, taints=(Taint("foo", "NoSchedule"),)),
        ],
        None,
        [],
        [66, 100, 100],
    ),
    (
        "matchLabelKeys ANDed with LabelSelector when LabelSelector is empty",
        incoming(
            tsc(1, "zone", LabelSelector(), match_label_keys=("foo",)),
            tsc(1, HOST, LabelSelector(), match_label_keys=("bar",)),
            labels=("foo", "bar"),
        ),
        MLK_PODS,
        ABCD_ZONED,
        None,
        [],
        [60, 20, 60, 100],
    ),
    (
        "matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty",
        incoming(
            tsc(1, "zone", FOO), tsc(1, HOST, BAR, match_label_keys=("baz",)), labels=("foo", "bar", "baz")
        ),
        [
            existing("p-a1", "node-a", "foo"),
            existing("p-b1", "node-b", "foo", "bar", "baz"),
            existing("p-c1", "node-c", "foo"),
            existing("p-c2", "node-c", "bar"),
            existing("p-d3", "node-c", "bar", "baz"),
        ],
        ABCD_ZONED,
        None,
        [],
        [60, 20, 60, 100],
    ),
]


@pytest.mark.parametrize(
    ("p", "pods", "nodes", "candidates", "services", "want"),
    [pytest.param(*c[1:], id=f"TestPodTopologySpreadScore/{c[0]}") for c in CASES],
)
def test_pod_topology_spread_score(
    p: Pod,
    pods: list[Pod],
    nodes: list[Any],
    candidates: list[str] | None,
    services: list[Service],
    want: list[int],
) -> None:
    t = table(nodes, pods)
    store = Store(Engine(1))
    for svc in services:
        store.add(svc)
    pl = PodTopologySpread({}, Handle(store=store, table=t))
    names = candidates if candidates is not None else [n.name for n in nodes]
    out = run_scores(pl, p, t, names)
    assert out is not None
    assert out[1] == want


# -- filtering: TestSingleConstraint (filtering_test.go) -------------------------------------------------------------
OK, U, UU = "Success", "Unschedulable", "UnschedulableAndUnresolvable"
DNS = "DoNotSchedule"


def hard(skew: int, key: str, sel: LabelSelector) -> TopologySpreadConstraint:
    return TopologySpreadConstraint(skew, key, DNS, sel)


def zn(*pairs: tuple[str, str]) -> list[Any]:
    return [node(n, labels={"zone": z, "node": n}) for n, z in pairs]


ABXY = zn(("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2"))
SPREAD_2103 = spread_of({"node-a": 2, "node-b": 1, "node-y": 3}, "foo")
NODE_AY = Affinity(
    node_affinity=NodeAffinity(
        required=NodeSelector(
            (NodeSelectorTerm((NodeSelectorRequirement("node", "In", ("node-a", "node-y")),)),)
        )
    )
)

FILTER_CASES: list[Any] = [
    # (name, pod, existing pods, nodes, wanted code per node in order)
    ("no existing pods", incoming(hard(1, "zone", FOO)), [], ABXY, [OK, OK, OK, OK]),
    (
        "no existing pods, incoming pod doesn't match itself",
        incoming(hard(1, "zone", BAR)),
        [],
        ABXY,
        [OK, OK, OK, OK],
    ),
    (
        "existing pods in a different namespace do not count",
        incoming(hard(1, "zone", FOO)),
        [
            existing("p-a1", "node-a", "foo", namespace="ns1"),
            existing("p-b1", "node-a", "foo", namespace="ns2"),
            existing("p-x1", "node-x", "foo"),
            existing("p-y1", "node-y", "foo"),
        ],
        ABXY,
        [OK, OK, U, U],
    ),
    (
        "pods spread across zones as 3/3, all nodes fit",
        incoming(hard(1, "zone", FOO)),
        SPREAD_2103,
        ABXY,
        [OK, OK, OK, OK],
    ),
    (
        "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
        incoming(hard(1, "zone", FOO)),
        spread_of({"node-a": 1, "node-b": 1, "node-x": 1, "node-y": 1}, "foo"),
        [
            node("node-a", labels={"zone": "zone1", "node": "node-a"}),
            node("node-b", labels={"zon": "zone1", "node": "node-b"}),
            node("node-x", labels={"zone": "zone2", "node": "node-x"}),
            node("node-y", labels={"zone": "zone2", "node": "node-y"}),
        ],
        [OK, UU, U, U],
    ),
    (
        "pod cannot be scheduled as all nodes don't have label 'rack'",
        incoming(hard(1, "rack", FOO)),
        [],
        zn(("node-a", "zone1"), ("node-x", "zone2")),
        [UU, UU],
    ),
    (
        "pods spread across nodes as 2/1/0/3, only node-x fits",
        incoming(hard(1, "node", FOO)),
        SPREAD_2103,
        ABXY,
        [U, U, OK, U],
    ),
    (
        "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit",
        incoming(hard(2, "node", FOO)),
        SPREAD_2103,
        ABXY,
        [U, OK, OK, U],
    ),
    (
        "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
        incoming(hard(1, "node", FOO), labels=("bar",)),
        SPREAD_2103,
        ABXY,
        [U, OK, OK, U],
    ),
    (
        "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits",
        incoming(hard(1, "node", FOO), affinity=NODE_AY),
        SPREAD_2103,
        ABXY,
        [OK, OK, OK, U],
    ),
    (
        "terminating Pods should be excluded",
        incoming(hard(1, "node", FOO)),
        [existing("p-a", "node-a", "foo", terminating=True), existing("p-b", "node-b", "foo")],
        [node("node-a", labels={"node": "node-a"}), node("node-b", labels={"node": "node-b"})],
        [OK, U],
    ),
]


@pytest.mark.parametrize(
    ("p", "pods", "nodes", "want"),
    [pytest.param(*c[1:], id=f"TestSingleConstraint/{c[0]}") for c in FILTER_CASES],
)
def test_single_constraint(p: Pod, pods: list[Pod], nodes: list[Any], want: list[str]) -> None:
    t = table(nodes, pods)
    pl = PodTopologySpread({}, Handle(store=Store(Engine(1)), table=t))
    got = [run_filter(pl, p, t, n.name).code.name for n in nodes]
    assert got == want
