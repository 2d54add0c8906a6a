"""NodeUnschedulable and NodeName cases ported from kube-scheduler's unit-test tables (facts only).

Upstream (Kubernetes 1.35): pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable_test.go
(TestNodeUnschedulable) and pkg/scheduler/framework/plugins/nodename/node_name_test.go (TestNodeName). Both
plugins reject with UnschedulableAndUnresolvable; the reasons are ``node(s) were unschedulable`` and ``node(s)
didn't match the requested node name``. NodeUnschedulable lets a pod through when its tolerations tolerate the
taint ``node.kubernetes.io/unschedulable:NoSchedule`` (``v1helper.TolerationsTolerateTaint``), so the toleration
variants below follow ``Toleration.ToleratesTaint`` (empty effect matches every effect, empty key with Exists
matches every key, Equal compares the value with the taint's empty value).

Not ported: the queueing-hint tests (TestIsSchedulableAfterNodeChange; kubesim registers NodeAdd/NodeTaint
events without hint functions) and the nil-node case (``node(s) had unknown conditions``: a kubesim NodeInfo
always has its Node).
"""

from __future__ import annotations

import pytest

from models.pod import Pod, PodSpec, Toleration
from simulator.scheduler import Code
from simulator.scheduler.plugins.node_name import REASON as NAME_REASON
from simulator.scheduler.plugins.node_name import NodeName
from simulator.scheduler.plugins.node_unschedulable import REASON as UNSCHED_REASON
from simulator.scheduler.plugins.node_unschedulable import NodeUnschedulable
from tests.scheduler._upstream import node, pod, run_filter, table
from tests.scheduler.conftest import Cluster, make_node, make_pod

UU = Code.UnschedulableAndUnresolvable
KEY = "node.kubernetes.io/unschedulable"


def _unsched(p: Pod, unschedulable: bool) -> Code:
    t = table([node("n", unschedulable=unschedulable), node("other")])
    st = run_filter(NodeUnschedulable(), p, t, "n")
    if not st.is_success:
        assert tuple(st.reasons) == (UNSCHED_REASON,)
    return st.code


@pytest.mark.parametrize(
    ("tolerations", "unschedulable", "want"),
    [
        pytest.param(
            (),
            True,
            UU,
            id="TestNodeUnschedulable/Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)",
        ),
        pytest.param((), False, Code.Success, id="TestNodeUnschedulable/Schedule pod to normal node"),
        pytest.param(
            (Toleration(key=KEY, effect="NoSchedule"),),
            True,
            Code.Success,
            id="TestNodeUnschedulable/Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)",  # noqa: E501
        ),
        # ToleratesTaint variants (v1 Toleration semantics, not upstream table rows)
        pytest.param((Toleration(key=KEY, operator="Exists"),), True, Code.Success, id="Exists, any effect"),
        pytest.param(
            (Toleration(operator="Exists"),), True, Code.Success, id="empty key Exists tolerates all"
        ),
        pytest.param((Toleration(key=KEY, effect="NoExecute"),), True, UU, id="other effect"),
        pytest.param(
            (Toleration(key=KEY, value="x", effect="NoSchedule"),), True, UU, id="Equal with a value"
        ),
        pytest.param((Toleration(key="other", operator="Exists"),), True, UU, id="other key"),
    ],
)
def test_node_unschedulable(tolerations: tuple[Toleration, ...], unschedulable: bool, want: Code) -> None:
    assert _unsched(pod(tolerations=tolerations), unschedulable) == want


@pytest.mark.parametrize(
    ("wanted", "node_name", "want"),
    [
        pytest.param("", "foo", Code.Success, id="TestNodeName/no host specified"),
        pytest.param("foo", "foo", Code.Success, id="TestNodeName/host matches"),
        pytest.param("bar", "foo", UU, id="TestNodeName/host doesn't match"),
    ],
)
def test_node_name(wanted: str, node_name: str, want: Code) -> None:
    t = table([node(node_name), node("zzz")])
    p = Pod(
        name="p", namespace="default", spec=PodSpec(containers=(), node_name=wanted)
    )  # spec.nodeName, not yet bound
    st = run_filter(NodeName(), p, t, node_name)
    assert st.code == want
    if not st.is_success:
        assert tuple(st.reasons) == (NAME_REASON,)


def test_reason_strings() -> None:
    assert UNSCHED_REASON == "node(s) were unschedulable"
    assert NAME_REASON == "node(s) didn't match the requested node name"


@pytest.mark.parametrize("explain", [False, True], ids=["fast path", "reference path"])
def test_cordoned_node_end_to_end(explain: bool) -> None:
    """Through the whole scheduler: a cordoned node is rejected with the FitError histogram; a pod tolerating the
    unschedulable taint lands on it (the only node with room)."""
    c = Cluster(explain=explain)
    c.add(make_node("cordoned", cpu=4000, unschedulable=True), make_node("small", cpu=100))
    c.add(make_pod("plain", {"cpu": 1000}))
    c.add(make_pod("tolerant", {"cpu": 1000}, tolerations=(Toleration(key=KEY, effect="NoSchedule"),)))
    c.run(until=1)
    failed = [e for e in c.events if e[0] == "plain" and e[1] == "FailedScheduling"]
    assert failed and failed[0][2].startswith(
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable."
    )
    assert ("tolerant", "Scheduled", "Successfully assigned default/tolerant to cordoned") in c.events
