"""NodeResourcesBalancedAllocation cases ported from kube-scheduler's unit-test table (facts only).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/noderesources/balanced_allocation_test.go,
TestNodeResourcesBalancedAllocation, Kubernetes 1.35 (master with fwk.* types). Node cpu is in millicores as in
upstream's ``makeNode(name, milliCPU, memory, extended)``.

Not ported (not modelled by kubesim): the DRA-backed extended resource cases ("include DRA resource on a node for
balanced resource allocation" and its "if PreScore not called" variant).
"""

from __future__ import annotations

from typing import Any

import pytest

from models.pod import Pod
from simulator.scheduler.plugins.balanced_allocation import NodeResourcesBalancedAllocation
from tests.scheduler._upstream import node, pod, run_scores, table

GPU = "nvidia.com/gpu"
DEFAULT = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
WITH_GPU = [*DEFAULT, {"name": GPU, "weight": 1}]


def cpu_and_memory(node_name: str = "", name: str = "p") -> Pod:
    return pod({"cpu": 1000, "memory": 2000}, {"cpu": 2000, "memory": 3000}, name=name, node_name=node_name)


def cpu_only(node_name: str = "", name: str = "p") -> Pod:
    return pod({"cpu": 1000, "memory": 0}, {"cpu": 2000, "memory": 0}, name=name, node_name=node_name)


def cpu_and_memory_and_gpu(node_name: str = "", name: str = "p") -> Pod:
    return pod(
        {"cpu": 1000, "memory": 2000}, {"cpu": 2000, "memory": 3000, GPU: 3}, name=name, node_name=node_name
    )


def mk(name: str, cpu: int, mem: int, gpu: int | None = None) -> Any:
    res = {"cpu": cpu, "memory": mem}
    if gpu is not None:
        res[GPU] = gpu
    return node(name, res)


# In upstream's table the existing "cpuOnly" pod is bound to node1 and "cpuAndMemory" to node2;
# "cpuAndMemoryAndGPU" is bound to node1.
CASES: list[Any] = [
    (
        "nothing scheduled, resources requested, differently sized nodes",
        DEFAULT,
        cpu_and_memory(),
        [mk("node1", 4000, 10000), mk("node2", 6000, 10000)],
        [],
        [87, 100],
    ),
    (
        "resources requested, pods scheduled with resources",
        DEFAULT,
        cpu_and_memory(),
        [mk("node1", 10000, 20000), mk("node2", 10000, 20000)],
        [cpu_only("node1", "e1"), cpu_and_memory("node2", "e2")],
        [82, 95],
    ),
    (
        "resources requested, pods scheduled with resources, differently sized nodes",
        DEFAULT,
        cpu_and_memory(),
        [mk("node1", 10000, 20000), mk("node2", 10000, 50000)],
        [cpu_only("node1", "e1"), cpu_and_memory("node2", "e2")],
        [82, 80],
    ),
    (
        "requested resources at node capacity",
        DEFAULT,
        cpu_only(),
        [mk("node1", 6000, 10000), mk("node2", 6000, 10000)],
        [cpu_only("node1", "e1"), cpu_and_memory("node2", "e2")],
        [50, 75],
    ),
    (
        "include scalar resource on a node for balanced resource allocation",
        WITH_GPU,
        pod({"memory": 0, GPU: 1}),
        [mk("node1", 3500, 40000, 8), mk("node2", 3500, 40000, 8)],
        [cpu_and_memory("node2", "e1"), cpu_and_memory_and_gpu("node1", "e2")],
        [70, 65],
    ),
    (
        "node without the scalar resource should skip the scalar resource",
        WITH_GPU,
        cpu_and_memory(),
        [mk("node1", 3500, 40000, 8), mk("node2", 3500, 40000)],
        [],
        [63, 63],
    ),
]


@pytest.mark.parametrize(
    ("resources", "p", "nodes", "existing", "want"),
    [pytest.param(*c[1:], id=f"TestNodeResourcesBalancedAllocation/{c[0]}") for c in CASES],
)
def test_balanced_allocation(
    resources: Any, p: Pod, nodes: list[Any], existing: list[Pod], want: list[int]
) -> None:
    t = table(nodes, existing)
    out = run_scores(NodeResourcesBalancedAllocation({"resources": resources}), p, t, [n.name for n in nodes])
    assert out is not None
    assert out[0] == want
    assert out[1] == want  # no NormalizeScore


def test_balanced_allocation_prescore_not_called() -> None:
    # TestNodeResourcesBalancedAllocation/resources requested, pods scheduled with resources if PreScore not called
    t = table(
        [mk("node1", 10000, 20000), mk("node2", 10000, 20000)],
        [cpu_only("node1", "e1"), cpu_and_memory("node2", "e2")],
    )
    pl = NodeResourcesBalancedAllocation({"resources": DEFAULT})
    out = run_scores(pl, cpu_and_memory(), t, ["node1", "node2"], pre_score=False)
    assert out is not None and out[0] == [82, 95]


def test_balanced_allocation_best_effort_skips() -> None:
    # TestNodeResourcesBalancedAllocation/nothing scheduled, nothing requested, skip in PreScore
    t = table([mk("node1", 4000, 10000), mk("node2", 4000, 10000)])
    pl = NodeResourcesBalancedAllocation({"resources": DEFAULT})
    assert run_scores(pl, pod(), t, ["node1", "node2"]) is None
