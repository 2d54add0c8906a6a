"""TaintToleration cases ported from kube-scheduler's unit-test tables (facts only: inputs and expected results).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go
(TestTaintTolerationScore, TestTaintTolerationFilter), Kubernetes 1.35 (master with fwk.* types).

Not ported (not modelled by kubesim): the cases that need the TaintTolerationComparisonOperators feature gate
(numeric ``Gt``/``Lt`` toleration operators, off by default).
"""

from __future__ import annotations

import pytest

from models.pod import Taint, Toleration
from simulator.scheduler import Code
from simulator.scheduler.plugins.taint_toleration import TaintToleration
from tests.scheduler._upstream import node, pod, run_filter, run_scores, table

PNS, NS = "PreferNoSchedule", "NoSchedule"


def tol(key: str, value: str = "", effect: str = "", operator: str = "Equal") -> Toleration:
    return Toleration(key=key, operator=operator, value=value, effect=effect)


SCORE_CASES = [
    (
        "node with taints tolerated by the pod, gets a higher score than those node with intolerable taints",
        [tol("foo", "bar", PNS)],
        [[Taint("foo", PNS, "bar")], [Taint("foo", PNS, "blah")]],
        [100, 0],
    ),
    (
        "the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many tolerable taints a node has",  # noqa: E501
        [tol("cpu-type", "arm64", PNS), tol("disk-type", "ssd", PNS)],
        [
            [],
            [Taint("cpu-type", PNS, "arm64")],
            [Taint("cpu-type", PNS, "arm64"), Taint("disk-type", PNS, "ssd")],
        ],
        [100, 100, 100],
    ),
    (
        "the more intolerable taints a node has, the lower score it gets.",
        [tol("foo", "bar", PNS)],
        [
            [],
            [Taint("cpu-type", PNS, "arm64")],
            [Taint("cpu-type", PNS, "arm64"), Taint("disk-type", PNS, "ssd")],
        ],
        [100, 50, 0],
    ),
    (
        "only taints and tolerations that have effect PreferNoSchedule are checked by taints-tolerations priority function",  # noqa: E501
        [tol("cpu-type", "arm64", NS), tol("disk-type", "ssd", NS)],
        [
            [],
            [Taint("cpu-type", NS, "arm64")],
            [Taint("cpu-type", PNS, "arm64"), Taint("disk-type", PNS, "ssd")],
        ],
        [100, 100, 0],
    ),
    (
        "Default behaviour No taints and tolerations, lands on node with no taints",
        [],
        [[], [Taint("cpu-type", PNS, "arm64")]],
        [100, 0],
    ),
]


@pytest.mark.parametrize(
    ("tolerations", "taints", "want"),
    [pytest.param(*c[1:], id=f"TestTaintTolerationScore/{c[0]}") for c in SCORE_CASES],
)
def test_taint_toleration_score(
    tolerations: list[Toleration], taints: list[list[Taint]], want: list[int]
) -> None:
    names = [f"node{chr(ord('A') + i)}" for i in range(len(taints))]
    t = table([node(n, taints=tuple(ts)) for n, ts in zip(names, taints, strict=True)])
    out = run_scores(TaintToleration(), pod(name="pod1", tolerations=tuple(tolerations)), t, names)
    assert out is not None
    assert out[1] == want


FILTER_CASES = [
    (
        "A pod having no tolerations can't be scheduled onto a node with nonempty taints",
        [],
        [Taint("dedicated", NS, "user1")],
        False,
    ),
    (
        "A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
        [tol("dedicated", "user1", NS, operator="")],
        [Taint("dedicated", NS, "user1")],
        True,
    ),
    (
        "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
        [tol("dedicated", "user2", NS)],
        [Taint("dedicated", NS, "user1")],
        False,
    ),
    (
        "A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node",  # noqa: E501
        [tol("foo", effect=NS, operator="Exists")],
        [Taint("foo", NS, "bar")],
        True,
    ),
    (
        "A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node",  # noqa: E501
        [tol("dedicated", "user2", NS), tol("foo", effect=NS, operator="Exists")],
        [Taint("dedicated", NS, "user2"), Taint("foo", NS, "bar")],
        True,
    ),
    (
        "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",  # noqa: E501
        [tol("foo", "bar", PNS)],
        [Taint("foo", NS, "bar")],
        False,
    ),
    (
        "The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node",  # noqa: E501
        [tol("foo", "bar")],
        [Taint("foo", NS, "bar")],
        True,
    ),
    (
        "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",  # noqa: E501
        [tol("dedicated", "user2", NS)],
        [Taint("dedicated", PNS, "user1")],
        True,
    ),
    (
        "The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",  # noqa: E501
        [],
        [Taint("dedicated", PNS, "user1")],
        True,
    ),
]


@pytest.mark.parametrize(
    ("tolerations", "taints", "fits"),
    [pytest.param(*c[1:], id=f"TestTaintTolerationFilter/{c[0]}") for c in FILTER_CASES],
)
def test_taint_toleration_filter(tolerations: list[Toleration], taints: list[Taint], fits: bool) -> None:
    t = table([node("nodeA", taints=tuple(taints))])
    st = run_filter(TaintToleration(), pod(name="pod1", tolerations=tuple(tolerations)), t, "nodeA")
    if fits:
        assert st.is_success, st
    else:
        assert (st.code, st.reasons) == (
            Code.UnschedulableAndUnresolvable,
            ("node(s) had untolerated taint(s)",),
        )
