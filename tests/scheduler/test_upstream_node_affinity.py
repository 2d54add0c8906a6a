"""NodeAffinity (preferred terms) scoring cases ported from kube-scheduler's unit-test table (facts only).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go,
TestNodeAffinityPriority, Kubernetes 1.35.

Not ported: "PreScore returns error when an incoming Pod has a broken affinity" (kubesim does not validate label
keys in affinity terms; the API server would reject such a pod) and the queueing-hint table.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.pod import (
    Affinity,
    NodeAffinity,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PreferredSchedulingTerm,
)
from simulator.scheduler.plugins.node_affinity import NodeAffinity as NodeAffinityPlugin
from tests.scheduler._upstream import node, pod, run_scores, table

LABEL1 = {"foo": "bar"}
LABEL2 = {"key": "value"}
LABEL3 = {"az": "az1"}
LABEL4 = {"abc": "az11", "def": "az22"}
LABEL5 = {"foo": "bar", "key": "value", "az": "az1"}


def term(weight: int, *reqs: tuple[str, str]) -> PreferredSchedulingTerm:
    return PreferredSchedulingTerm(
        weight, NodeSelectorTerm(tuple(NodeSelectorRequirement(k, "In", (v,)) for k, v in reqs))
    )


AFFINITY1 = Affinity(node_affinity=NodeAffinity(preferred=(term(2, ("foo", "bar")),)))
AFFINITY2 = Affinity(
    node_affinity=NodeAffinity(
        preferred=(
            term(2, ("foo", "bar")),
            term(4, ("key", "value")),
            term(5, ("foo", "bar"), ("key", "value"), ("az", "az1")),
        )
    )
)
ADDED1 = {
    "preferredDuringSchedulingIgnoredDuringExecution": [
        {
            "weight": 2,
            "preference": {"matchExpressions": [{"key": "foo", "operator": "In", "values": ["bar"]}]},
        }
    ]
}
ADDED3 = {
    "preferredDuringSchedulingIgnoredDuringExecution": [
        {
            "weight": 3,
            "preference": {"matchExpressions": [{"key": "key", "operator": "In", "values": ["value"]}]},
        }
    ]
}

CASES: list[Any] = [
    # (name, pod affinity, args, nodes (name, labels), run PreScore, want normalised scores or None for Skip)
    (
        "all nodes are same priority as NodeAffinity is nil",
        None,
        {},
        [("node1", LABEL1), ("node2", LABEL2), ("node3", LABEL3)],
        False,
        [0, 0, 0],
    ),
    ("Skip is returned in PreScore when NodeAffinity is nil", None, {}, [("node1", LABEL1)], True, None),
    (
        "no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes' priority is zero",
        AFFINITY1,
        {},
        [("node1", LABEL4), ("node2", LABEL2), ("node3", LABEL3)],
        True,
        [0, 0, 0],
    ),
    (
        "only node1 matches the preferred scheduling requirements of pod",
        AFFINITY1,
        {},
        [("node1", LABEL1), ("node2", LABEL2), ("node3", LABEL3)],
        True,
        [100, 0, 0],
    ),
    (
        "all nodes matches the preferred scheduling requirements of pod but with different priorities",
        AFFINITY2,
        {},
        [("node1", LABEL1), ("node5", LABEL5), ("node2", LABEL2)],
        True,
        [18, 100, 36],
    ),
    (
        "added affinity",
        None,
        {"addedAffinity": ADDED1},
        [("node1", LABEL1), ("node2", LABEL2)],
        True,
        [100, 0],
    ),
    (
        "added affinity and pod has default affinity",
        AFFINITY1,
        {"addedAffinity": ADDED3},
        [("node1", LABEL1), ("node2", LABEL2), ("node3", LABEL5)],
        True,
        [40, 60, 100],
    ),
    (
        "calculate the priorities correctly even if PreScore is not called",
        AFFINITY2,
        {},
        [("node1", LABEL1), ("node5", LABEL5), ("node2", LABEL2)],
        False,
        [18, 100, 36],
    ),
]


@pytest.mark.parametrize(
    ("affinity", "args", "nodes", "pre_score", "want"),
    [pytest.param(*c[1:], id=f"TestNodeAffinityPriority/{c[0]}") for c in CASES],
)
def test_node_affinity_priority(
    affinity: Affinity | None,
    args: dict[str, Any],
    nodes: list[tuple[str, dict[str, str]]],
    pre_score: bool,
    want: list[int] | None,
) -> None:
    t = table([node(n, labels=labels) for n, labels in nodes])
    out = run_scores(
        NodeAffinityPlugin(args), pod(affinity=affinity), t, [n for n, _ in nodes], pre_score=pre_score
    )
    if want is None:
        assert out is None  # PreScore returned Skip
    else:
        assert out is not None and out[1] == want
