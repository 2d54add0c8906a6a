"""NodeResourcesFit scoring strategies (RequestedToCapacityRatio, MostAllocated, LeastAllocated) and the Fit
filter's reasons, end to end through kubesim's scheduler. Facts from Kubernetes 1.35.

The per-plugin upstream tables (TestRequestedToCapacityRatioScoringStrategy, TestBrokenLinearFunction,
TestResourceBinPacking*, TestMostAllocatedScoringStrategy, TestLeastAllocatedScoringStrategy, TestFitScore,
TestEnoughRequests, TestNotEnoughRequests) are already ported in test_upstream_node_resources_fit.py and are not
repeated here. This file adds:

* test/integration/scheduler/scoring/priorities_test.go TestNodeResourcesScoring (the whole default profile with
  ``scoringStrategy`` cpu 1, memory 1, example.com/gpu 2, and an existing pod with a sidecar);
* the arithmetic of ``buildRequestedToCapacityRatioScorerFunction`` (requested_to_capacity_ratio.go): shape
  scores 0..10 are multiplied by 10 (MaxNodeScore / MaxCustomPriorityScore), a resource whose shape score is 0
  is left out of the weighted mean, and the mean is rounded with Go's ``math.Round`` (half away from zero);
* the Fit filter's ``Too many pods`` and ``Insufficient <extended resource>`` reasons as they appear in the
  FailedScheduling message, on the fast (vectorised) and the reference path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from models.pod import Container, Pod, PodSpec
from models.schedconfig import KubeSchedulerConfiguration, SchedulerProfile
from simulator.scheduler.plugins.node_resources_fit import NodeResourcesFit
from tests.scheduler._upstream import node, pod, run_scores, table
from tests.scheduler.conftest import Cluster, make_node, make_pod

GPU = "example.com/gpu"
G = 10**9


def _config(strategy: dict[str, Any]) -> KubeSchedulerConfiguration:
    return KubeSchedulerConfiguration(
        name="c",
        profiles=(SchedulerProfile(plugin_config={"NodeResourcesFit": {"scoringStrategy": strategy}}),),
    )


@pytest.mark.parametrize("explain", [False, True], ids=["fast path", "reference path"])
@pytest.mark.parametrize(
    ("strategy", "want"),
    [
        pytest.param(
            "LeastAllocated",
            "node-2",
            id="TestNodeResourcesScoring/with least allocated strategy, take existing sidecars into consideration",
        ),
        pytest.param(
            "MostAllocated",
            "node-1",
            id="TestNodeResourcesScoring/with most allocated strategy, take existing sidecars into consideration",
        ),
    ],
)
def test_node_resources_scoring(strategy: str, want: str, explain: bool) -> None:
    resources = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}, {"name": GPU, "weight": 2}]
    c = Cluster(config=_config({"type": strategy, "resources": resources}), explain=explain)
    c.add(*(make_node(f"node-{i}", cpu=8000, memory=16 * G, extra={GPU: 4}) for i in (1, 2)))
    main = {"cpu": 2000, "memory": 4 * G, GPU: 1}
    sidecar = Container("sidecar", requests={"cpu": 2000, "memory": 2 * G}, restart_policy="Always")
    e1 = Pod(
        name="existing-pod-1",
        namespace="default",
        spec=PodSpec(containers=(Container("c", requests=main),), init_containers=(sidecar,)),
    )
    e2 = make_pod("existing-pod-2", main)
    e1.node_name, e2.node_name = "node-1", "node-2"
    c.add(e1, e2)
    incoming = make_pod("pod", main)
    c.add(incoming)
    c.run(until=1)
    assert incoming.node_name == want


RTCR_UP = [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]


def _rtcr(resources: list[dict[str, Any]], shape: list[dict[str, int]] | None = None) -> NodeResourcesFit:
    return NodeResourcesFit(
        {
            "scoringStrategy": {
                "type": "RequestedToCapacityRatio",
                "resources": resources,
                "requestedToCapacityRatio": {"shape": shape or RTCR_UP},
            }
        }
    )


def _scores(plugin: NodeResourcesFit, p: Pod, nodes: list[Any], existing: Sequence[Pod] = ()) -> list[int]:
    out = run_scores(plugin, p, table(nodes, existing), [n.name for n in nodes])
    assert out is not None
    return out[0]


def test_rtcr_shape_scores_are_scaled_by_ten() -> None:
    """Shape score 10 at 100 % is node score 100; 50 % cpu gives 50, 25 % gives 25 (broken-linear, then x10)."""
    plugin = _rtcr([{"name": "cpu", "weight": 1}])
    nodes = [node("a", {"cpu": 4000, "memory": 10}), node("b", {"cpu": 8000, "memory": 10})]
    assert _scores(plugin, pod({"cpu": 2000, "memory": 0}), nodes) == [50, 25]
    plugin = _rtcr(
        [{"name": "cpu", "weight": 1}], [{"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]
    )
    assert _scores(plugin, pod({"cpu": 2000, "memory": 0}), nodes) == [50, 75]


def test_rtcr_zero_resource_score_is_left_out_of_the_mean() -> None:
    """``if resourceScore > 0``: cpu at 50 % scores 50, memory at 0 % scores 0 and is not counted, so the node
    scores 50 (not (50 + 0) / 2 = 25). With a shape where 0 % scores 10, memory counts: (50 + 100) / 2 = 75."""
    res = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
    nodes = [node("a", {"cpu": 4000, "memory": 10 * G})]
    p = pod({"cpu": 2000, "memory": 1})  # 1 byte of 10 GB: 0 %
    assert _scores(_rtcr(res), p, nodes) == [50]
    least = [{"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]
    assert _scores(_rtcr(res, least), p, nodes) == [75]


def test_rtcr_rounds_half_away_from_zero() -> None:
    """The weighted mean is ``math.Round``-ed: (45 + 40) / 2 = 42.5 -> 43 (Python's round would give 42)."""
    res = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
    nodes = [node("a", {"cpu": 1000, "memory": 1000})]
    assert _scores(_rtcr(res), pod({"cpu": 450, "memory": 400}), nodes) == [43]
    # weights 1 and 3: (45 + 3 * 40) / 4 = 41.25 -> 41
    res3 = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 3}]
    assert _scores(_rtcr(res3), pod({"cpu": 450, "memory": 400}), nodes) == [41]


def test_rtcr_requests_over_capacity_score_as_full() -> None:
    """``requested > capacity`` is utilisation 100 (the last shape point)."""
    nodes = [node("a", {"cpu": 1000, "memory": 1000})]
    existing = [pod({"cpu": 900, "memory": 0}, name="e", node_name="a")]
    assert _scores(
        _rtcr([{"name": "cpu", "weight": 1}]), pod({"cpu": 500, "memory": 0}), nodes, existing
    ) == [100]


@pytest.mark.parametrize("explain", [False, True], ids=["fast path", "reference path"])
def test_rtcr_bin_packing_end_to_end(explain: bool) -> None:
    """TestResourceBinPackingSingleExtended's nodes through the whole default profile with the bin-packing shape:
    the pod asking 2 intel.com/foo goes to the node with 4 (score 5 x weight) rather than the one with 8."""
    strategy = {
        "type": "RequestedToCapacityRatio",
        "resources": [{"name": "intel.com/foo", "weight": 1}],
        "requestedToCapacityRatio": {
            "shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 1}]
        },
    }
    c = Cluster(config=_config(strategy), explain=explain)
    c.add(make_node("node1", extra={"intel.com/foo": 8}), make_node("node2", extra={"intel.com/foo": 4}))
    p = make_pod("p", {"intel.com/foo": 2})
    c.add(p)
    c.run(until=1)
    assert p.node_name == "node2"


@pytest.mark.parametrize("explain", [False, True], ids=["fast path", "reference path"])
def test_fit_reasons_in_failed_scheduling(explain: bool) -> None:
    """``Too many pods`` (allocatable pods reached) and ``Insufficient example.com/foo`` counted per node in the
    FailedScheduling message; upstream marks a request above the node's allocatable UnschedulableAndUnresolvable
    (preemption is not helpful there), the full node only Unschedulable (no lower-priority victims)."""
    c = Cluster(explain=explain)
    c.add(make_node("full", pods=1, extra={"example.com/foo": 4}))
    c.add(
        make_node("small-a", extra={"example.com/foo": 1}), make_node("small-b", extra={"example.com/foo": 1})
    )
    c.add(make_pod("bound", {}, node_name="full"))
    c.add(make_pod("p", {"example.com/foo": 2}))
    c.run(until=1)
    msgs = [m for name, reason, m in c.events if name == "p" and reason == "FailedScheduling"]
    assert msgs[0] == (
        "0/3 nodes are available: 1 Too many pods, 2 Insufficient example.com/foo. preemption: 0/3 nodes are "
        "available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."
    )
