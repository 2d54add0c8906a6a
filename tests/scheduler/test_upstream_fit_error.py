"""The FitError message kube-scheduler writes in FailedScheduling, and the PreFilter rules that shape it. Facts only.

Upstream (Kubernetes 1.35):

* pkg/scheduler/framework/types_test.go TestFitError_Error: ``FitError.Error`` is ``0/N nodes are available:``
  then either the PreFilter message (the per-node statuses, all copies of it, are not counted) or the sorted
  ``"<count> <reason>"`` histogram (Go ``sort.Strings``: "10 x" sorts before "2 y"), each followed by ``.``, then
  the PostFilter message after one space, with no extra period (DefaultPreemption's message ends with its own);
* pkg/scheduler/framework/runtime/framework_test.go TestRunPreFilterPlugins: Skip records the plugin; an
  Unschedulable PreFilter status does not stop the other PreFilter plugins (kubernetes#119770), an
  UnschedulableAndUnresolvable one or an error does; PreFilterResults that leave no node in common reject with
  UnschedulableAndUnresolvable ``node(s) didn't satisfy plugin X`` (``plugin(s) [X Y] simultaneously``);
* pkg/scheduler/schedule_one.go ``findNodesThatFitPod``: nodes a PreFilterResult leaves out get
  ``node(s) didn't satisfy plugin(s) [<the plugins whose result named nodes, sorted>]``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from models.pod import Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod
from simulator.scheduler import Code, CycleState, fit_error_message
from simulator.scheduler.framework import Cursor, Plugin, Profile, Status
from tests.scheduler._upstream import node, pod, table
from tests.scheduler.conftest import Cluster, make_node, make_pod

PRE = "Node(s) failed PreFilter plugin FalsePreFilter"
F1 = "Node(s) failed Filter plugin FalseFilter-1"
F2 = "Node(s) failed Filter plugin FalseFilter-2"
POST = "Error running PostFilter plugin FailedPostFilter"

FIT_ERROR = [
    # (name, number of nodes, PreFilter message, per-node reasons, PostFilter message, want)
    ("nodes failed Prefilter plugin", 3, PRE, [PRE] * 3, "", f"0/3 nodes are available: {PRE}."),
    (
        "nodes failed Prefilter plugin and the preemption also failed",
        3,
        PRE,
        [PRE] * 3,
        POST,
        f"0/3 nodes are available: {PRE}. {POST}",
    ),
    (
        "nodes failed one Filter plugin with an empty PostFilterMsg",
        3,
        "",
        [F1] * 3,
        "",
        f"0/3 nodes are available: 3 {F1}.",
    ),
    (
        "nodes failed one Filter plugin with a non-empty PostFilterMsg",
        3,
        "",
        [F1] * 3,
        POST,
        f"0/3 nodes are available: 3 {F1}. {POST}",
    ),
    (
        "nodes failed two Filter plugins with an empty PostFilterMsg",
        3,
        "",
        [F1, F1, F2],
        "",
        f"0/3 nodes are available: 1 {F2}, 2 {F1}.",
    ),
    (
        "nodes failed two Filter plugins with a non-empty PostFilterMsg",
        3,
        "",
        [F1, F1, F2],
        POST,
        f"0/3 nodes are available: 1 {F2}, 2 {F1}. {POST}",
    ),
    (
        "failed to Permit on node",
        1,
        "",
        ["Node failed Permit plugin Permit-1"],
        "",
        "0/1 nodes are available: 1 Node failed Permit plugin Permit-1.",
    ),
    (
        "failed to Reserve on node",
        1,
        "",
        ["Node failed Reserve plugin Reserve-1"],
        "",
        "0/1 nodes are available: 1 Node failed Reserve plugin Reserve-1.",
    ),
]


@pytest.mark.parametrize(
    ("n", "prefilter", "node_reasons", "post", "want"),
    [pytest.param(*c[1:], id=f"TestFitError_Error/{c[0]}") for c in FIT_ERROR],
)
def test_fit_error_error(n: int, prefilter: str, node_reasons: list[str], post: str, want: str) -> None:
    reasons = {} if prefilter else Counter(node_reasons)
    assert fit_error_message(n, reasons, prefilter_msg=prefilter, post=post) == want


def test_histogram_sorts_as_strings() -> None:
    """``sort.Strings`` over "<count> <reason>": byte order, so a count of 10 sorts before a count of 2."""
    msg = fit_error_message(12, {"node(s) were unschedulable": 10, "Insufficient cpu": 2})
    assert msg == "0/12 nodes are available: 10 node(s) were unschedulable, 2 Insufficient cpu."


@pytest.mark.parametrize("explain", [False, True], ids=["fast path", "reference path"])
def test_histogram_end_to_end(explain: bool) -> None:
    """One node status can carry several reasons (Fit: cpu and memory), each counted once per node."""
    c = Cluster(explain=explain)
    c.add(*(make_node(f"u{i}", unschedulable=True) for i in range(10)))
    c.add(make_node("a", cpu=100, memory=100), make_node("b", cpu=100))
    c.add(make_pod("p", {"cpu": 200, "memory": 200}))
    c.run(until=1)
    (msg,) = [m for name, r, m in c.events if name == "p" and r == "FailedScheduling"][:1]
    assert msg.startswith(
        "0/12 nodes are available: 1 Insufficient memory, 10 node(s) were unschedulable, 2 Insufficient cpu."
    )


def _pinned(*names: str) -> Affinity:
    """A DaemonSet pod's required node affinity: ``matchFields metadata.name In [names]``."""
    req = NodeSelectorRequirement("metadata.name", "In", tuple(names))
    return Affinity(
        node_affinity=NodeAffinity(required=NodeSelector(terms=(NodeSelectorTerm(match_fields=(req,)),)))
    )


@pytest.mark.parametrize("explain", [False, True], ids=["fast path", "reference path"])
def test_absent_nodes_name_only_the_restricting_plugin(explain: bool) -> None:
    """NodeAffinity's PreFilterResult names one node; the two others are reported as ``node(s) didn't satisfy
    plugin(s) [NodeAffinity]`` (only the plugins whose result named nodes, not every PreFilter plugin that ran)
    and are UnschedulableAndUnresolvable for preemption."""
    c = Cluster(explain=explain)
    c.add(make_node("a", cpu=1000), make_node("b"), make_node("c"))
    c.add(make_pod("hog", {"cpu": 800}, node_name="a"))
    c.add(make_pod("ds", {"cpu": 500}, affinity=_pinned("a")))
    c.run(until=1)
    msgs = [m for name, r, m in c.events if name == "ds" and r == "FailedScheduling"]
    assert msgs[0] == (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]."
        " preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod,"
        " 2 Preemption is not helpful for scheduling."
    )


def test_pinned_to_a_missing_node() -> None:
    """A PreFilterResult naming only nodes that do not exist leaves every node absent."""
    c = Cluster()
    c.add(make_node("a"), make_node("b"))
    c.add(make_pod("ds", {"cpu": 1}, affinity=_pinned("gone")))
    c.run(until=1)
    msgs = [m for name, r, m in c.events if name == "ds" and r == "FailedScheduling"]
    assert msgs[0].startswith("0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [NodeAffinity].")


# -- TestRunPreFilterPlugins ----------------------------------------------------------------------------------------


calls: list[str] = []


def _fake(name: str, code: Code | None = None, nodes: Sequence[str] | None = None) -> Plugin:
    """A PreFilter plugin returning ``code`` (None: success) and, optionally, a PreFilterResult of ``nodes``."""

    def pre_filter(self: Plugin, state: CycleState, p: Pod) -> Status | None:
        calls.append(name)
        if nodes is not None:
            state.restrict_nodes(nodes)
        return None if code is None else Status(code, f"injected {name}")

    cls: Any = type(f"Fake_{name}", (Plugin,), {"name": name, "pre_filter": pre_filter})
    plugin: Plugin = cls()
    return plugin


def _profile(plugins: Sequence[Plugin]) -> Profile:
    return Profile(
        "test",
        {pl.name: pl for pl in plugins},
        {"preFilter": [pl.name for pl in plugins]},
        {},
    )


S, E, U, UU = Code.Skip, Code.Error, Code.Unschedulable, Code.UnschedulableAndUnresolvable
RUN_PRE_FILTER = [
    # (name, plugins as (name, code, PreFilterResult nodes), want code, want skipped, want plugins called)
    ("all PreFilter returned success", [("success1", None, None), ("success2", None, None)], None, set(), 2),
    (
        "one PreFilter plugin returned success, but another PreFilter plugin returned non-success",
        [("success", None, None), ("error", E, None)],
        E,
        set(),
        2,
    ),
    (
        "one PreFilter plugin returned skip, but another PreFilter plugin returned non-success",
        [("skip", S, None), ("error", E, None)],
        E,
        {"skip"},
        2,
    ),
    (
        "all PreFilter plugins returned skip",
        [("skip1", S, None), ("skip2", S, None), ("skip3", S, None)],
        None,
        {"skip1", "skip2", "skip3"},
        3,
    ),
    (
        "some PreFilter plugins returned skip",
        [("skip1", S, None), ("success1", None, None), ("skip2", S, None), ("success2", None, None)],
        None,
        {"skip1", "skip2"},
        4,
    ),
    (
        "one PreFilter plugin returned Unschedulable, but another PreFilter plugin should be executed",
        [("unschedulable", U, None), ("skip", S, None)],
        U,
        {"skip"},
        2,
    ),
    (
        "one PreFilter plugin returned UnschedulableAndUnresolvable, and all other plugins aren't executed",
        [("unresolvable", UU, None), ("skip", S, None)],
        UU,
        set(),
        1,
    ),
    (
        "all nodes are filtered out by prefilter result, but other plugins aren't executed because we consider "
        "all nodes are filtered out by UnschedulableAndUnresolvable",
        [("reject-all-nodes", None, ()), ("skip", S, None)],
        UU,
        set(),
        1,
    ),
]


@pytest.mark.parametrize(
    ("plugins", "want", "skipped", "n_called"),
    [pytest.param(*c[1:], id=f"TestRunPreFilterPlugins/{c[0]}") for c in RUN_PRE_FILTER],
)
def test_run_pre_filter_plugins(
    plugins: list[tuple[str, Code | None, Sequence[str] | None]],
    want: Code | None,
    skipped: set[str],
    n_called: int,
) -> None:
    calls.clear()
    prof = _profile([_fake(*p) for p in plugins])
    state = CycleState()
    st = prof._run_pre_filter(state, pod())
    assert (None if st is None else st.code) == want
    assert state.skip_filter == skipped
    assert len(calls) == n_called


def test_prefilter_results_without_common_node() -> None:
    """Two PreFilterResults with no node in common: ``didn't satisfy plugin(s) [A B] simultaneously``, and the
    FitError carries that PreFilter message alone."""
    prof = _profile([_fake("B", None, ("n1",)), _fake("A", None, ("n2",))])
    st = prof._run_pre_filter(CycleState(), pod())
    assert st is not None and st.code == UU
    assert st.message == "node(s) didn't satisfy plugin(s) [A B] simultaneously"
    prof = _profile([_fake("A", None, ())])
    st = prof._run_pre_filter(CycleState(), pod())
    assert st is not None and st.message == "node(s) didn't satisfy plugin A"
    prof = _profile([_fake("B", None, ("n1",)), _fake("A", None, ("n2",))])
    res = prof.schedule(pod(), table([node("n1"), node("n2")]), random.Random(0), Cursor(), composite=False)
    assert res.node is None
    assert res.message == "0/2 nodes are available: node(s) didn't satisfy plugin(s) [A B] simultaneously."
