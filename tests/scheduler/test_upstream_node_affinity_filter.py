"""NodeAffinity filter cases ported from kube-scheduler's unit-test table (facts only).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go, TestNodeAffinity,
as stored in the reference index (a revision that predates the 1.32 PreFilter signature; the table's facts are the
ones 1.35 keeps). Each case runs PreFilter (when upstream does) and Filter on one node and checks the PreFilter
status, its node-name restriction (``PreFilterResult.NodeNames``), and the Filter status (code and reason).

"Pod with an invalid value in Affinity term won't be scheduled onto the node": a ``NotIn`` value that is not a valid
label value makes upstream's selector fail to parse, so the term matches nothing (``NodeSelectorTerm.parses``).
"""

from __future__ import annotations

from typing import Any

import pytest

from models.pod import Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm
from simulator.scheduler import Code, CycleState
from simulator.scheduler.plugins.node_affinity import (
    REASON_CONFLICT,
    REASON_ENFORCED,
    REASON_POD,
)
from simulator.scheduler.plugins.node_affinity import NodeAffinity as NodeAffinityPlugin
from tests.scheduler._upstream import node, pod, table

UU = Code.UnschedulableAndUnresolvable
NAME = "metadata.name"


def req(key: str, op: str, *values: str) -> NodeSelectorRequirement:
    return NodeSelectorRequirement(key, op, values)


def term(
    *exprs: NodeSelectorRequirement, fields: tuple[NodeSelectorRequirement, ...] = ()
) -> NodeSelectorTerm:
    return NodeSelectorTerm(tuple(exprs), fields)


def required(*terms: NodeSelectorTerm) -> Affinity:
    return Affinity(node_affinity=NodeAffinity(required=NodeSelector(tuple(terms))))


def added(raw_term: dict[str, Any]) -> dict[str, Any]:
    return {
        "addedAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [raw_term]}}
    }


ADDED_NODE2 = added({"matchFields": [{"key": NAME, "operator": "In", "values": ["node2"]}]})
ADDED_ZONE_BAR = added({"matchExpressions": [{"key": "zone", "operator": "In", "values": ["bar"]}]})
GPU_AND = (req("GPU", "Exists"), req("GPU", "NotIn", "AMD", "INTER"))

# (name, pod spec kwargs, node labels, node name, args, run PreFilter,
#  want PreFilter (code, reason) or None, want PreFilter node names or None, want Filter (code, reason) or None)
CASES: list[Any] = [
    (
        "Pod with an invalid value in Affinity term won't be scheduled onto the node",
        {"affinity": required(term(req("foo", "NotIn", "invalid value: ___@#$%^")))},
        {"foo": "bar"},
        "",
        {},
        True,
        None,
        None,
        (UU, REASON_POD),
    ),
    ("missing labels", {"node_selector": {"foo": "bar"}}, {}, "", {}, True, None, None, (UU, REASON_POD)),
    ("same labels", {"node_selector": {"foo": "bar"}}, {"foo": "bar"}, "", {}, True, None, None, None),
    (
        "node labels are superset",
        {"node_selector": {"foo": "bar"}},
        {"foo": "bar", "baz": "blah"},
        "",
        {},
        True,
        None,
        None,
        None,
    ),
    (
        "node labels are subset",
        {"node_selector": {"foo": "bar", "baz": "blah"}},
        {"foo": "bar"},
        "",
        {},
        True,
        None,
        None,
        (UU, REASON_POD),
    ),
    (
        "Pod with matchExpressions using In operator that matches the existing node",
        {"affinity": required(term(req("foo", "In", "bar", "value2")))},
        {"foo": "bar"},
        "",
        {},
        True,
        None,
        None,
        None,
    ),
    (
        "Pod with matchExpressions using Gt operator that matches the existing node",
        {"affinity": required(term(req("kernel-version", "Gt", "0204")))},
        {"kernel-version": "0206"},
        "",
        {},
        True,
        None,
        None,
        None,
    ),
    (
        "Pod with matchExpressions using NotIn operator that matches the existing node",
        {"affinity": required(term(req("mem-type", "NotIn", "DDR", "DDR2")))},
        {"mem-type": "DDR3"},
        "",
        {},
        True,
        None,
        None,
        None,
    ),
    (
        "Pod with matchExpressions using Exists operator that matches the existing node",
        {"affinity": required(term(req("GPU", "Exists")))},
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        {},
        True,
        None,
        None,
        None,
    ),
    (
        "Pod with affinity that don't match node's labels won't schedule onto the node",
        {"affinity": required(term(req("foo", "In", "value1", "value2")))},
        {"foo": "bar"},
        "",
        {},
        True,
        None,
        None,
        (UU, REASON_POD),
    ),
    (
        "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
        {"affinity": required(term())},
        {"foo": "bar"},
        "",
        {},
        True,
        None,
        None,
        (UU, REASON_POD),
    ),
    (
        "Pod with no Affinity will schedule onto a node",
        {},
        {"foo": "bar"},
        "",
        {},
        True,
        (Code.Skip, ""),
        None,
        None,
    ),
    (
        "Pod with Affinity but nil NodeSelector will schedule onto a node",
        {"affinity": Affinity(node_affinity=NodeAffinity(required=None))},
        {"foo": "bar"},
        "",
        {},
        True,
        (Code.Skip, ""),
        None,
        None,
    ),
    (
        "Pod with multiple matchExpressions ANDed that matches the existing node",
        {"affinity": required(term(*GPU_AND))},
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        {},
        True,
        None,
        None,
        None,
    ),
    (
        "Pod with multiple matchExpressions ANDed that doesn't match the existing node",
        {"affinity": required(term(req("GPU", "Exists"), req("GPU", "In", "AMD", "INTER")))},
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        {},
        True,
        None,
        None,
        (UU, REASON_POD),
    ),
    (
        "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the "
        "node",
        {
            "affinity": required(
                term(req("foo", "In", "bar", "value2")), term(req("diffkey", "In", "wrong", "value2"))
            )
        },
        {"foo": "bar"},
        "",
        {},
        True,
        None,
        None,
        None,
    ),
    (
        "Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied, "
        "will schedule onto the node",
        {"node_selector": {"foo": "bar"}, "affinity": required(term(req("foo", "Exists")))},
        {"foo": "bar"},
        "",
        {},
        True,
        None,
        None,
        None,
    ),
    (
        "Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing that we are "
        "deprecating) is not satisfied, won't schedule onto the node",
        {"node_selector": {"foo": "bar"}, "affinity": required(term(req("foo", "Exists")))},
        {"foo": "barrrrrr"},
        "",
        {},
        True,
        None,
        None,
        (UU, REASON_POD),
    ),
    (
        "Pod with matchFields using In operator that matches the existing node",
        {"affinity": required(term(fields=(req(NAME, "In", "node1"),)))},
        {},
        "node1",
        {},
        True,
        None,
        {"node1"},
        None,
    ),
    (
        "Pod with matchFields using In operator that does not match the existing node",
        {"affinity": required(term(fields=(req(NAME, "In", "node1"),)))},
        {},
        "node2",
        {},
        True,
        None,
        {"node1"},
        (UU, REASON_POD),
    ),
    (
        "Pod with two terms: matchFields does not match, but matchExpressions matches",
        {
            "affinity": required(
                term(fields=(req(NAME, "In", "node1"), req(NAME, "In", "node2"))),
                term(req("foo", "In", "bar")),
            )
        },
        {"foo": "bar"},
        "node2",
        {},
        True,
        None,
        None,
        None,
    ),
    (
        "Pod with one term: matchFields does not match, but matchExpressions matches",
        {"affinity": required(term(req("foo", "In", "bar"), fields=(req(NAME, "In", "node1"),)))},
        {"foo": "bar"},
        "node2",
        {},
        True,
        None,
        {"node1"},
        (UU, REASON_POD),
    ),
    (
        "Pod with one term: both matchFields and matchExpressions match",
        {"affinity": required(term(req("foo", "In", "bar"), fields=(req(NAME, "In", "node1"),)))},
        {"foo": "bar"},
        "node1",
        {},
        True,
        None,
        {"node1"},
        None,
    ),
    (
        "Pod with two terms: both matchFields and matchExpressions do not match",
        {
            "affinity": required(
                term(fields=(req(NAME, "In", "node1"),)), term(req("foo", "In", "not-match-to-bar"))
            )
        },
        {"foo": "bar"},
        "node2",
        {},
        True,
        None,
        None,
        (UU, REASON_POD),
    ),
    (
        "Pod with two terms of node.Name affinity",
        {
            "affinity": required(
                term(fields=(req(NAME, "In", "node1"),)), term(fields=(req(NAME, "In", "node2"),))
            )
        },
        {},
        "node2",
        {},
        True,
        None,
        {"node1", "node2"},
        None,
    ),
    (
        "Pod with two conflicting mach field requirements",
        {"affinity": required(term(fields=(req(NAME, "In", "node1"), req(NAME, "In", "node2"))))},
        {"foo": "bar"},
        "node2",
        {},
        True,
        (UU, REASON_CONFLICT),
        None,
        (UU, REASON_POD),
    ),
    (
        "Matches added affinity and Pod's node affinity",
        {"affinity": required(term(req("zone", "In", "foo")))},
        {"zone": "foo"},
        "node2",
        ADDED_NODE2,
        True,
        None,
        None,
        None,
    ),
    (
        "Matches added affinity but not Pod's node affinity",
        {"affinity": required(term(req("zone", "In", "bar")))},
        {"zone": "foo"},
        "node2",
        ADDED_NODE2,
        True,
        None,
        None,
        (UU, REASON_POD),
    ),
    (
        "Doesn't match added affinity",
        {},
        {"zone": "foo"},
        "node2",
        ADDED_ZONE_BAR,
        True,
        None,
        None,
        (UU, REASON_ENFORCED),
    ),
    (
        "Matches node selector correctly even if PreFilter is not called",
        {"node_selector": {"foo": "bar"}},
        {"foo": "bar", "baz": "blah"},
        "",
        {},
        False,
        None,
        None,
        None,
    ),
    (
        "Matches node affinity correctly even if PreFilter is not called",
        {"affinity": required(term(*GPU_AND))},
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        {},
        False,
        None,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("spec", "labels", "node_name", "args", "run_pre", "want_pre", "want_names", "want"),
    [pytest.param(*c[1:], id=f"TestNodeAffinity/{c[0]}") for c in CASES],
)
def test_node_affinity_filter(
    spec: dict[str, Any],
    labels: dict[str, str],
    node_name: str,
    args: dict[str, Any],
    run_pre: bool,
    want_pre: tuple[Code, str] | None,
    want_names: set[str] | None,
    want: tuple[Code, str] | None,
) -> None:
    # upstream's node has no name unless the case gives one; kubesim's nodes need one
    n = node(node_name or "unnamed", labels=labels)
    t = table([n])
    p = pod(**spec)
    plugin = NodeAffinityPlugin(args)
    state = CycleState()
    if run_pre:
        pre = plugin.pre_filter(state, p)
        got_pre = None if pre is None or pre.is_success else (pre.code, pre.reasons[0] if pre.reasons else "")
        assert got_pre == want_pre
        assert state.node_names == want_names
    ni = t.info(n.name)
    assert ni is not None
    st = plugin.filter(state, p, ni)
    got = None if st.is_success else (st.code, st.reasons[0] if st.reasons else "")
    assert got == want
    assert len(st.reasons) <= 1
    # the vectorised filter (the path the scheduler takes on large clusters) must agree
    mask = plugin.filter_vector(CycleState(), p, t)
    assert (True if mask is None else bool(mask[t.slot_of[n.name]])) == st.is_success


@pytest.mark.parametrize(
    ("label", "value", "op", "matches"),
    [
        ("5", "3", "Gt", True),
        ("+5", "3", "Gt", True),  # ParseInt takes a sign
        ("-5", "-3", "Lt", True),
        (" 5", "3", "Gt", False),  # but no spaces,
        ("1_0", "3", "Gt", False),  # no underscores (Python's int() takes both)
        ("5", "3.0", "Gt", False),  # no decimals
        (str(2**63), "3", "Gt", False),  # and nothing beyond int64
        (str(2**63 - 1), "3", "Gt", True),
    ],
)
def test_gt_lt_parse_integers_as_go_strconv_does(label: str, value: str, op: str, matches: bool) -> None:
    """labels.Requirement.Matches for Gt/Lt: both sides through ``strconv.ParseInt(s, 10, 64)``."""
    t = term(req("n", op, value))
    assert t.matches({"n": label}, "node") is matches
