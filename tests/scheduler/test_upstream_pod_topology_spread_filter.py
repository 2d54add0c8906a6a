"""PodTopologySpread filter cases ported from kube-scheduler's unit-test tables (facts only).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/podtopologyspread/filtering_test.go, as stored for
Kubernetes 1.35: the TestSingleConstraint cases not already in test_upstream_pod_topology_spread.py (null selector,
minDomains, nodeAffinityPolicy, nodeTaintsPolicy) and every TestMultipleConstraints case, with
NodeInclusionPolicyInPodTopologySpread on (its default since 1.33). Each case runs PreFilter then Filter on every
node, per node and vectorised (``tests/scheduler/_upstream.py``), and compares the status codes.

Also ported: TestPreFilterState, as far as Filter makes it observable. Its critical paths and per-domain counts
become the nodes that pass (a node passes when its domain's count + self-match - the global minimum <= maxSkew);
its List-defaulting cases become whether PreFilter skips.

Not ported: the "feature gate disabled" TestPreFilterState cases (NodeInclusionPolicyInPodTopologySpread and
MatchLabelKeysInPodTopologySpread are always on in kubesim, as by default in 1.35), the remaining matchLabelKeys
TestPreFilterState cases (not read in this pass), TestPreFilterStateAddPod/RemovePod (incremental state updates:
kubesim recomputes PreFilter state after preemption's dry-run changes, so only the end result is observable, and
TestDryRunPreemption covers it) and TestPreFilterDisabled (a framework error without PreFilter state).
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
    Toleration,
    TopologySpreadConstraint,
)
from simulator.engine import Engine
from simulator.scheduler import Code, CycleState
from simulator.scheduler.framework import Handle
from simulator.scheduler.plugins.pod_topology_spread import PodTopologySpread
from simulator.store import Store
from tests.scheduler._upstream import node, pod, run_filter, table

OK, U, UU = "Success", "Unschedulable", "UnschedulableAndUnresolvable"
DNS, ANY = "DoNotSchedule", "ScheduleAnyway"
FOO = LabelSelector(match_expressions=(LabelSelectorRequirement("foo", "Exists"),))
BAR = LabelSelector(match_expressions=(LabelSelectorRequirement("bar", "Exists"),))
FOO_BAR = LabelSelector(match_labels={"foo": "bar"})
UNSCHEDULABLE_TAINT = (Taint("node.kubernetes.io/unschedulable", "NoSchedule"),)


def c(skew: int, key: str, sel: LabelSelector | None, when: str = DNS, **kw: Any) -> TopologySpreadConstraint:
    return TopologySpreadConstraint(skew, key, when, sel, **kw)


def incoming(*constraints: TopologySpreadConstraint, labels: tuple[str, ...] = ("foo",), **spec: Any) -> Pod:
    return pod(
        name="p", labels=dict.fromkeys(labels, ""), topology_spread_constraints=tuple(constraints), **spec
    )


def ex(name: str, on: str, *labels: str) -> Pod:
    return pod(name=name, node_name=on, labels=dict.fromkeys(labels, ""))


def n(
    name: str, *, zone: str | None = None, node_label: bool = True, foo: bool = False, tainted: bool = False
) -> Any:
    labels = {}
    if zone is not None:
        labels["zone"] = zone
    if node_label:
        labels["node"] = name
    if foo:
        labels["foo"] = ""
    return node(name, labels=labels, taints=UNSCHEDULABLE_TAINT if tainted else ())


def affinity_in(key: str, *values: str) -> Affinity:
    return Affinity(
        node_affinity=NodeAffinity(
            required=NodeSelector((NodeSelectorTerm((NodeSelectorRequirement(key, "In", values),)),))
        )
    )


def affinity_not_in(key: str, *values: str) -> Affinity:
    return Affinity(
        node_affinity=NodeAffinity(
            required=NodeSelector((NodeSelectorTerm((NodeSelectorRequirement(key, "NotIn", values),)),))
        )
    )


ABXY = [
    n("node-a", zone="zone1"),
    n("node-b", zone="zone1"),
    n("node-x", zone="zone2"),
    n("node-y", zone="zone2"),
]
ABC = [n("node-a"), n("node-b"), n("node-c")]
ABXY_FOO = [n("node-a", foo=True), n("node-b", foo=True), n("node-x", foo=True), n("node-y")]
ABXY_TAINT = [n("node-a", foo=True), n("node-b", foo=True), n("node-x", foo=True), n("node-y", tainted=True)]
POLICY_PODS = [ex("p-b1", "node-a", "foo"), ex("p-b2", "node-b", "foo"), ex("p-y1", "node-y", "foo")]
SPREAD_2103 = [
    ex("p-a1", "node-a", "foo"),
    ex("p-a2", "node-a", "foo"),
    ex("p-b1", "node-b", "foo"),
    ex("p-y1", "node-y", "foo"),
    ex("p-y2", "node-y", "foo"),
    ex("p-y3", "node-y", "foo"),
]
PODS_221 = [
    ex("p-a1", "node-a", "foo"),
    ex("p-a2", "node-a", "foo"),
    ex("p-b1", "node-b", "foo"),
    ex("p-b2", "node-b", "foo"),
    ex("p-c1", "node-c", "foo"),
]
ZONE_21 = [ex("p-b1", "node-a", "foo"), ex("p-b2", "node-b", "foo"), ex("p-y1", "node-y", "foo")]

SINGLE: list[Any] = [
    # (name, pod, existing pods, nodes, wanted code per node in order)
    (
        "existing pods do not match null selector",
        incoming(c(1, "zone", None)),
        [ex("p-x1", "node-x", "foo"), ex("p-y1", "node-y", "foo")],
        ABXY,
        [OK, OK, OK, OK],
    ),
    (
        "incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits",
        incoming(c(1, "zone", FOO), affinity=affinity_not_in("node", "node-b")),
        [ex("p-b1", "node-b", "foo"), ex("p-b2", "node-b", "foo"), ex("p-y1", "node-y", "foo")],
        ABXY,
        [OK, OK, U, U],
    ),
    (
        "pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains < minDomains, then the third "
        "node fits",
        incoming(c(2, "node", FOO, min_domains=4)),
        PODS_221,
        ABC,
        [U, U, OK],
    ),
    (
        "pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains > minDomains, then the all "
        "nodes fit",
        incoming(c(2, "node", FOO, min_domains=2)),
        PODS_221,
        ABC,
        [OK, OK, OK],
    ),
    (
        "pods spread across zone as 2/1, maxSkew is 2 and the number of domains < minDomains, then the third and "
        "fourth nodes fit",
        incoming(c(2, "zone", FOO, min_domains=3)),
        ZONE_21,
        ABXY,
        [U, U, OK, OK],
    ),
    (
        "pods spread across zone as 2/1, maxSkew is 2 and the number of domains > minDomains, then the all nodes fit",
        incoming(c(2, "zone", FOO, min_domains=1)),
        ZONE_21,
        ABXY,
        [OK, OK, OK, OK],
    ),
    (
        "NodeAffinityPolicy honored with labelSelectors",
        incoming(c(1, "node", FOO), node_selector={"foo": ""}),
        POLICY_PODS,
        ABXY_FOO,
        [U, U, OK, OK],
    ),
    (
        "NodeAffinityPolicy ignored with labelSelectors",
        incoming(c(1, "node", FOO, node_affinity_policy="Ignore"), node_selector={"foo": ""}),
        POLICY_PODS,
        ABXY_FOO,
        [U, U, OK, U],
    ),
    (
        "NodeAffinityPolicy honored with nodeAffinity",
        incoming(c(1, "node", FOO), affinity=affinity_in("foo", "")),
        POLICY_PODS,
        ABXY_FOO,
        [U, U, OK, OK],
    ),
    (
        # upstream's table names this case "NodeAffinityPolicy ignored with labelSelectors" a second time
        "NodeAffinityPolicy ignored with labelSelectors (nodeAffinity)",
        incoming(c(1, "node", FOO, node_affinity_policy="Ignore"), affinity=affinity_in("foo", "")),
        POLICY_PODS,
        ABXY_FOO,
        [U, U, OK, U],
    ),
    (
        "NodeTaintsPolicy honored",
        incoming(c(1, "node", FOO, node_taints_policy="Honor")),
        POLICY_PODS,
        ABXY_TAINT,
        [U, U, OK, OK],
    ),
    ("NodeTaintsPolicy ignored", incoming(c(1, "node", FOO)), POLICY_PODS, ABXY_TAINT, [U, U, OK, U]),
]

MULTIPLE: list[Any] = [
    (
        "two Constraints on zone and node, spreads = [3/3, 2/1/0/3]",
        incoming(c(1, "zone", FOO), c(1, "node", FOO)),
        SPREAD_2103,
        ABXY,
        [U, U, OK, U],
    ),
    (
        "two Constraints on zone and node, spreads = [3/4, 2/1/0/4]",
        incoming(c(1, "zone", FOO), c(1, "node", FOO)),
        [*SPREAD_2103, ex("p-y4", "node-y", "foo")],
        ABXY,
        [U, U, U, U],
    ),
    (
        "Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]",
        incoming(c(1, "zone", FOO), c(1, "node", BAR), labels=("foo", "bar")),
        [ex("p-a1", "node-a", "foo"), ex("p-y1", "node-y", "bar")],
        ABXY,
        [U, U, OK, U],
    ),
    (
        "Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]",
        incoming(c(1, "zone", FOO), c(1, "node", BAR), labels=("foo", "bar")),
        [ex("p-a1", "node-a", "foo"), ex("p-x1", "node-x", "bar"), ex("p-y1", "node-y", "bar")],
        ABXY,
        [U, U, U, U],
    ),
    (
        "Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]",
        incoming(c(1, "zone", FOO), c(1, "node", BAR), labels=("foo", "bar")),
        [
            ex("p-a1", "node-a", "foo"),
            ex("p-a2", "node-a", "foo", "bar"),
            ex("p-y1", "node-y", "foo"),
            ex("p-y2", "node-y", "foo", "bar"),
            ex("p-y3", "node-y", "foo"),
        ],
        ABXY,
        [U, OK, U, U],
    ),
    (
        "Constraints hold different labelSelectors but pod doesn't match itself on 'zone' constraint",
        incoming(c(1, "zone", FOO), c(1, "node", BAR), labels=("bar",)),
        [ex("p-a1", "node-a", "foo"), ex("p-x1", "node-x", "bar"), ex("p-y1", "node-y", "bar")],
        ABXY,
        [OK, OK, U, U],
    ),
    (
        "two Constraints on zone and node, absence of label 'node' on node-x, spreads = [1/1, 1/0/0/1]",
        incoming(c(1, "zone", FOO), c(1, "node", FOO)),
        [ex("p-a1", "node-a", "foo"), ex("p-y3", "node-y", "foo")],
        [
            n("node-a", zone="zone1"),
            n("node-b", zone="zone1"),
            n("node-x", zone="zone2", node_label=False),
            n("node-y", zone="zone2"),
        ],
        [U, OK, UU, U],
    ),
    (
        "two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore",
        incoming(
            c(1, "zone", FOO), c(1, "node", FOO, node_affinity_policy="Ignore"), node_selector={"foo": ""}
        ),
        [ex("p-a1", "node-a", "foo"), ex("p-b1", "node-b", "foo"), ex("p-y1", "node-y", "foo")],
        [
            n("node-a", zone="zone1", foo=True),
            n("node-b", zone="zone1", foo=True),
            n("node-x", zone="zone2", foo=True),
            n("node-y", zone="zone2"),
        ],
        [U, U, OK, U],
    ),
    (
        "two node inclusion Constraints, zone: honor/honor, node: honor/ignore",
        incoming(c(1, "zone", FOO, node_taints_policy="Honor"), c(1, "node", FOO)),
        [ex("p-a1", "node-a", "foo"), ex("p-b1", "node-b", "foo"), ex("p-y1", "node-y", "foo")],
        [
            n("node-a", zone="zone1", foo=True),
            n("node-b", zone="zone1", foo=True),
            n("node-x", zone="zone2", foo=True),
            n("node-y", zone="zone2", tainted=True),
        ],
        [U, U, OK, U],
    ),
    (
        "two node inclusion Constraints, zone: honor/ignore, node: honor/ignore",
        incoming(c(1, "zone", FOO), c(1, "node", FOO), node_selector={"foo": ""}),
        [ex("p-a1", "node-a", "foo"), ex("p-b1", "node-b", "foo"), ex("p-y1", "node-y", "foo")],
        [
            n("node-a", zone="zone1", foo=True),
            n("node-b", zone="zone1"),
            n("node-x", zone="zone2", foo=True),
            n("node-y", zone="zone2", foo=True, tainted=True),
        ],
        [U, OK, OK, U],
    ),
    (
        "two node inclusion Constraints, zone: honor/honor, node: ignore/ignore",
        incoming(
            c(1, "zone", FOO, node_taints_policy="Honor"),
            c(1, "node", FOO, node_affinity_policy="Ignore"),
            node_selector={"foo": ""},
        ),
        [ex("p-a1", "node-a", "foo"), ex("p-b1", "node-b", "foo"), ex("p-y1", "node-y", "foo")],
        [
            n("node-a", zone="zone1", foo=True),
            n("node-b", zone="zone1"),
            n("node-x", zone="zone2", foo=True),
            n("node-y", zone="zone2", foo=True, tainted=True),
        ],
        [U, U, OK, U],
    ),
    (
        "two Constraints on zone, spreads = [3/3, 2/1]",
        incoming(c(1, "zone", BAR), c(1, "zone", FOO), labels=("foo", "bar")),
        [
            ex("p-a1", "node-a", "foo", "bar"),
            ex("p-a2", "node-a", "foo"),
            ex("p-b1", "node-b", "foo", "bar"),
            ex("p-y1", "node-y", "foo"),
            ex("p-y2", "node-y", "foo", "bar"),
            ex("p-y3", "node-y", "foo"),
        ],
        ABXY,
        [U, U, OK, OK],
    ),
    (
        "two Constraints on zone, spreads = [3/4, 2/1]",
        incoming(c(1, "zone", BAR), c(1, "zone", FOO), labels=("foo", "bar")),
        [
            ex("p-a1", "node-a", "foo", "bar"),
            ex("p-a2", "node-a", "foo"),
            ex("p-b1", "node-b", "foo", "bar"),
            ex("p-y1", "node-y", "foo"),
            ex("p-y2", "node-y", "foo", "bar"),
            ex("p-y3", "node-y", "foo"),
            ex("p-y4", "node-y", "foo"),
        ],
        ABXY,
        [U, U, U, U],
    ),
]

# TestPreFilterState: the critical paths (the two domains with the fewest matching pods) decide Filter; with maxSkew
# and the counts given there, the nodes that pass are those whose domain holds at most minimum + maxSkew - 1 pods.
ZONE_PODS_32 = [
    ex("p-a1", "node-a", "foo"),
    ex("p-a2", "node-a", "foo"),
    ex("p-b1", "node-b", "foo"),
    ex("p-y1", "node-y", "foo"),
    ex("p-y2", "node-y", "foo"),
]
PRE_FILTER_STATE: list[Any] = [
    ("clean cluster with one spreadConstraint", incoming(c(5, "zone", FOO_BAR)), [], ABXY, [OK, OK, OK, OK]),
    # zone1: 3, zone2: 2 -> only zone2 passes with maxSkew 1
    (
        "normal case with one spreadConstraint",
        incoming(c(1, "zone", FOO)),
        ZONE_PODS_32,
        ABXY,
        [U, U, OK, OK],
    ),
    (
        "normal case with null label selector",
        incoming(c(1, "zone", None)),
        ZONE_PODS_32,
        ABXY,
        [OK, OK, OK, OK],
    ),
    (
        # zone3 is empty: the minimum is 0, so only zone3 passes
        "normal case with one spreadConstraint, on a 3-zone cluster",
        incoming(c(1, "zone", FOO)),
        ZONE_PODS_32,
        [*ABXY, n("node-o", zone="zone3"), n("node-p", zone="zone3")],
        [U, U, U, U, OK, OK],
    ),
    (
        # zone1: 2, zone2: 1 once other namespaces' pods are left out
        "namespace mismatch doesn't count",
        incoming(c(1, "zone", FOO)),
        [
            ex("p-a1", "node-a", "foo"),
            pod(name="p-a2", node_name="node-a", labels={"foo": ""}, namespace="ns1"),
            ex("p-b1", "node-b", "foo"),
            pod(name="p-y1", node_name="node-y", labels={"foo": ""}, namespace="ns2"),
            ex("p-y2", "node-y", "foo"),
        ],
        ABXY,
        [U, U, OK, OK],
    ),
    (
        # zones 3/4, nodes 2/1/0/4: zone1 and node-x are the minima, so no node passes both
        "normal case with two spreadConstraints",
        incoming(c(1, "zone", FOO), c(1, "node", FOO)),
        [*ZONE_PODS_32, ex("p-y3", "node-y", "foo"), ex("p-y4", "node-y", "foo")],
        ABXY,
        [U, U, U, U],
    ),
    (
        # the ScheduleAnyway constraints play no part: zones 3/4, nodes 2/1/4 -> node-b only
        "soft spreadConstraints should be bypassed",
        incoming(c(1, "zone", FOO, ANY), c(1, "zone", FOO), c(1, "node", FOO, ANY), c(1, "node", FOO)),
        [*ZONE_PODS_32, ex("p-y3", "node-y", "foo"), ex("p-y4", "node-y", "foo")],
        [n("node-a", zone="zone1"), n("node-b", zone="zone1"), n("node-y", zone="zone2")],
        [U, OK, U],
    ),
]


BAR_C = [n("node-a"), n("node-b"), node("node-c", labels={"node": "node-c", "bar": ""})]
FOO_AB_BAR_C = [
    n("node-a", foo=True),
    n("node-b", foo=True),
    node("node-c", labels={"node": "node-c", "bar": ""}),
]
TAINTED_C = [
    n("node-a"),
    n("node-b"),
    node("node-c", labels={"node": "node-c", "bar": ""}, taints=UNSCHEDULABLE_TAINT),
]
BAR_PODS = [
    ex("p-a", "node-a", "bar"),
    ex("p-b", "node-b", "bar"),
    ex("p-c", "node-b", "bar"),
    ex("p-d", "node-c"),
]
BAR_ONLY = LabelSelector(match_expressions=(LabelSelectorRequirement("bar", "Exists"),))
PRE_FILTER_STATE += [
    (
        # zone 1/0, node (bar) 0/1/0: only node-y is at the minimum of both
        "different labelSelectors - simple version",
        incoming(c(1, "zone", FOO), c(1, "node", BAR), labels=("foo", "bar")),
        [ex("p-a", "node-a", "foo"), ex("p-b", "node-b", "bar")],
        [n("node-a", zone="zone1"), n("node-b", zone="zone1"), n("node-y", zone="zone2")],
        [U, U, OK],
    ),
    (
        # zone 3/4, node (bar) 1/0/2
        "different labelSelectors - complex pods",
        incoming(c(1, "zone", FOO), c(1, "node", BAR), labels=("foo", "bar")),
        [
            ex("p-a1", "node-a", "foo"),
            ex("p-a2", "node-a", "foo", "bar"),
            ex("p-b1", "node-b", "foo"),
            ex("p-y1", "node-y", "foo"),
            ex("p-y2", "node-y", "foo", "bar"),
            ex("p-y3", "node-y", "foo"),
            ex("p-y4", "node-y", "foo", "bar"),
        ],
        [n("node-a", zone="zone1"), n("node-b", zone="zone1"), n("node-y", zone="zone2")],
        [U, OK, U],
    ),
    (
        # node-x is left out of the counts (required node affinity): zone 3/4, node 2/1/4
        "two spreadConstraints, and with podAffinity",
        incoming(c(1, "zone", FOO), c(1, "node", FOO), affinity=affinity_not_in("node", "node-x")),
        [*ZONE_PODS_32, ex("p-y3", "node-y", "foo"), ex("p-y4", "node-y", "foo")],
        ABXY,
        [U, OK, U, U],
    ),
    (
        "TpKeyToDomainsNum is calculated when MinDomains is enabled",
        incoming(c(1, "zone", FOO), c(1, "node", FOO)),
        [*ZONE_PODS_32, ex("p-y3", "node-y", "foo"), ex("p-y4", "node-y", "foo")],
        ABXY,
        [U, U, U, U],
    ),
    # the incoming pod (label foo) does not match the bar selector: a node passes when its count - min <= 1
    (
        "NodeAffinityPolicy honored with labelSelectors",  # counts a 1, b 2 (node-c left out)
        incoming(c(1, "node", BAR_ONLY), node_selector={"foo": ""}),
        BAR_PODS,
        FOO_AB_BAR_C,
        [OK, OK, OK],
    ),
    (
        "NodeAffinityPolicy ignored with labelSelectors",  # counts a 1, b 2, c 0
        incoming(c(1, "node", BAR_ONLY, node_affinity_policy="Ignore"), node_selector={"foo": ""}),
        BAR_PODS,
        FOO_AB_BAR_C,
        [OK, U, OK],
    ),
    (
        "NodeAffinityPolicy honored with nodeAffinity",
        incoming(c(1, "node", BAR_ONLY), affinity=affinity_in("foo", "")),
        BAR_PODS,
        FOO_AB_BAR_C,
        [OK, OK, OK],
    ),
    (
        "NodeAffinityPolicy ignored with nodeAffinity",
        incoming(c(1, "node", BAR_ONLY, node_affinity_policy="Ignore"), affinity=affinity_in("foo", "")),
        BAR_PODS,
        FOO_AB_BAR_C,
        [OK, U, OK],
    ),
    ("NodeTaintsPolicy ignored", incoming(c(1, "node", BAR_ONLY)), BAR_PODS, TAINTED_C, [OK, U, OK]),
    (
        "NodeTaintsPolicy honored",  # node-c's untolerated taint leaves it out: counts a 1, b 2
        incoming(c(1, "node", BAR_ONLY, node_taints_policy="Honor")),
        BAR_PODS,
        TAINTED_C,
        [OK, OK, OK],
    ),
    (
        "NodeTaintsPolicy honored with tolerated taints",
        incoming(
            c(1, "node", BAR_ONLY, node_taints_policy="Honor"),
            tolerations=(Toleration("node.kubernetes.io/unschedulable", "Exists", effect="NoSchedule"),),
        ),
        BAR_PODS,
        TAINTED_C,
        [OK, U, OK],
    ),
    (
        # zone 0/1 (node-b left out), node a 0, b 2, x 1
        "two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore",
        incoming(
            c(1, "zone", FOO), c(1, "node", FOO, node_affinity_policy="Ignore"), node_selector={"foo": ""}
        ),
        [ex("p-b1", "node-b", "foo"), ex("p-b2", "node-b", "foo"), ex("p-x1", "node-x", "foo")],
        [n("node-a", zone="zone1", foo=True), n("node-b", zone="zone1"), n("node-x", zone="zone2", foo=True)],
        [OK, U, U],
    ),
    (
        "two node inclusion Constraints, zone: honor/honor, node: honor/ignore",
        incoming(c(1, "zone", FOO, node_taints_policy="Honor"), c(1, "node", FOO)),
        [ex("p-b1", "node-b", "foo"), ex("p-b2", "node-b", "foo"), ex("p-x1", "node-x", "foo")],
        [
            n("node-a", zone="zone1", foo=True),
            n("node-b", zone="zone1", tainted=True),
            n("node-x", zone="zone2", foo=True),
        ],
        [OK, U, U],
    ),
    (
        # zone 0/1, node b 0, x 1
        "two node inclusion Constraints, zone: honor/ignore, node: honor/ignore",
        incoming(c(1, "zone", FOO), c(1, "node", FOO), node_selector={"foo": ""}),
        [
            ex("p-a1", "node-a", "foo"),
            ex("p-a2", "node-a", "foo"),
            ex("p-x1", "node-x", "foo"),
            ex("p-y1", "node-y", "foo"),
        ],
        [
            n("node-a", zone="zone1"),
            n("node-b", zone="zone1", foo=True, tainted=True),
            n("node-x", zone="zone2", foo=True),
            n("node-y", zone="zone2"),
        ],
        [OK, OK, U, U],
    ),
    (
        # zone 2/3, node x 2, y 1
        "two node inclusion Constraints, zone: ignore/ignore, node: honor/honor",
        incoming(
            c(1, "zone", FOO, node_affinity_policy="Ignore"),
            c(1, "node", FOO, node_taints_policy="Honor"),
            node_selector={"foo": ""},
        ),
        [
            ex("p-a1", "node-a", "foo"),
            ex("p-a2", "node-a", "foo"),
            ex("p-x1", "node-x", "foo"),
            ex("p-x2", "node-x", "foo"),
            ex("p-y1", "node-y", "foo"),
        ],
        [
            n("node-a", zone="zone1"),
            n("node-b", zone="zone1", foo=True, tainted=True),
            n("node-x", zone="zone2", foo=True),
            n("node-y", zone="zone2", foo=True),
        ],
        [OK, OK, U, U],
    ),
]

# TestPreFilterState with List defaulting: whether PreFilter skips (no hard constraint left)
DEFAULTS: list[Any] = [
    # (name, pod labels, pod constraints, defaultConstraints, Service selector, PreFilter skips)
    (
        "default constraints and a service",
        {"foo": "bar", "baz": "kar"},
        (),
        [
            {"maxSkew": 3, "topologyKey": "node", "whenUnsatisfiable": DNS},
            {"maxSkew": 2, "topologyKey": "node", "whenUnsatisfiable": ANY},
            {"maxSkew": 5, "topologyKey": "rack", "whenUnsatisfiable": DNS},
        ],
        {"foo": "bar"},
        False,
    ),
    (
        "default constraints and a service that doesn't match",
        {"foo": "bar"},
        (),
        [{"maxSkew": 3, "topologyKey": "node", "whenUnsatisfiable": DNS}],
        {"baz": "kep"},
        True,
    ),
    (
        "default constraints and a service, but pod has constraints",
        {"foo": "bar", "baz": "tar"},
        (
            c(1, "zone", LabelSelector(match_labels={"baz": "tar"})),
            c(2, "planet", LabelSelector(match_labels={"fot": "rok"}), ANY),
        ),
        [{"maxSkew": 2, "topologyKey": "node", "whenUnsatisfiable": DNS}],
        {"foo": "bar"},
        False,
    ),
    (
        "default soft constraints and a service",
        {"foo": "bar"},
        (),
        [{"maxSkew": 2, "topologyKey": "node", "whenUnsatisfiable": ANY}],
        {"foo": "bar"},
        True,
    ),
]


def _run(p: Pod, pods: list[Pod], nodes: list[Any]) -> list[str]:
    t = table(nodes, pods)
    pl = PodTopologySpread({}, Handle(store=Store(Engine(1)), table=t))
    return [run_filter(pl, p, t, nd.name).code.name for nd in nodes]


@pytest.mark.parametrize(
    ("p", "pods", "nodes", "want"), [pytest.param(*x[1:], id=f"TestSingleConstraint/{x[0]}") for x in SINGLE]
)
def test_single_constraint(p: Pod, pods: list[Pod], nodes: list[Any], want: list[str]) -> None:
    assert _run(p, pods, nodes) == want


@pytest.mark.parametrize(
    ("p", "pods", "nodes", "want"),
    [pytest.param(*x[1:], id=f"TestMultipleConstraints/{x[0]}") for x in MULTIPLE],
)
def test_multiple_constraints(p: Pod, pods: list[Pod], nodes: list[Any], want: list[str]) -> None:
    assert _run(p, pods, nodes) == want


@pytest.mark.parametrize(
    ("p", "pods", "nodes", "want"),
    [pytest.param(*x[1:], id=f"TestPreFilterState/{x[0]}") for x in PRE_FILTER_STATE],
)
def test_pre_filter_state_as_filter(p: Pod, pods: list[Pod], nodes: list[Any], want: list[str]) -> None:
    assert _run(p, pods, nodes) == want


@pytest.mark.parametrize(
    ("labels", "constraints", "defaults", "svc_selector", "skips"),
    [pytest.param(*x[1:], id=f"TestPreFilterState/{x[0]}") for x in DEFAULTS],
)
def test_pre_filter_state_default_constraints(
    labels: dict[str, str],
    constraints: tuple[TopologySpreadConstraint, ...],
    defaults: list[dict[str, Any]],
    svc_selector: dict[str, str],
    skips: bool,
) -> None:
    t = table([])
    store = Store(Engine(1))
    store.add(Service(name="svc", selector=svc_selector))
    pl = PodTopologySpread(
        {"defaultingType": "List", "defaultConstraints": defaults}, Handle(store=store, table=t)
    )
    p = pod(name="p", labels=labels, namespace="", topology_spread_constraints=constraints)
    pre = pl.pre_filter(CycleState(), p)
    assert (pre is not None and pre.code == Code.Skip) == skips
