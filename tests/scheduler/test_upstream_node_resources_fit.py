"""NodeResourcesFit cases ported from kube-scheduler's unit-test tables (facts only: inputs and expected results).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/noderesources/fit_test.go (TestEnoughRequests,
TestNotEnoughRequests, TestStorageRequests, TestRestartableInitContainers, TestFitScore),
least_allocated_test.go (TestLeastAllocatedScoringStrategy), most_allocated_test.go
(TestMostAllocatedScoringStrategy) and requested_to_capacity_ratio_test.go
(TestRequestedToCapacityRatioScoringStrategy, TestBrokenLinearFunction, TestResourceBinPackingSingleExtended,
TestResourceBinPackingMultipleExtended), as of Kubernetes 1.35 (master with fwk.* statuses and the
``Unresolvable`` flag on InsufficientResource).

Not ported (not modelled by kubesim): pod-level resources (``spec.resources``), DRA-backed extended resources,
the SidecarContainers feature gate being off, config validation errors of negative weights (kubesim raises a
ConfigError as well, covered in test_plugins.py), and the Fit plugin's queueing hints.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.pod import Pod
from simulator.scheduler import Code
from simulator.scheduler.plugins.node_resources_fit import NodeResourcesFit, broken_linear
from tests.scheduler._upstream import node, pod, run_filter, run_scores, table

EXT_A = "example.com/aaa"
EXT_B = "example.com/bbb"
K8S_A = "kubernetes.io/something"
K8S_B = "subdomain.kubernetes.io/something"
HUGE_A = "hugepages-2Mi"
U, UU = Code.Unschedulable, Code.UnschedulableAndUnresolvable


def r(cpu: int = 0, mem: int = 0, **scalars: int) -> dict[str, int]:
    """Requests as upstream's ``newResourcePod`` writes them: cpu and memory always present (maybe 0)."""
    out = {"cpu": cpu, "memory": mem}
    for k, v in scalars.items():
        out[
            {
                "ext_a": EXT_A,
                "ext_b": EXT_B,
                "k8s_a": K8S_A,
                "k8s_b": K8S_B,
                "huge": HUGE_A,
                "eph": "ephemeral-storage",
            }[k]
        ] = v
    return out


# TestEnoughRequests: node allocatable cpu 10m, memory 20, pods 32, example.com/aaa 5, ephemeral-storage 20,
# hugepages-2Mi 5; the node already runs one pod with the "existing" requests.
ENOUGH: list[Any] = [
    # (name, pod containers, pod init containers, overhead, existing pod requests, args, want code, want reasons)
    ("no resources requested always fits", [], [], None, r(10, 20), {}, None, ()),
    (
        "too many resources fails",
        [r(1, 1)],
        [],
        None,
        r(10, 20),
        {},
        U,
        ("Insufficient cpu", "Insufficient memory"),
    ),
    (
        "too many resources fails due to init container cpu",
        [r(1, 1)],
        [r(3, 1)],
        None,
        r(8, 19),
        {},
        U,
        ("Insufficient cpu",),
    ),
    (
        "too many resources fails due to highest init container cpu",
        [r(1, 1)],
        [r(3, 1), r(2, 1)],
        None,
        r(8, 19),
        {},
        U,
        ("Insufficient cpu",),
    ),
    (
        "too many resources fails due to init container memory",
        [r(1, 1)],
        [r(1, 3)],
        None,
        r(9, 19),
        {},
        U,
        ("Insufficient memory",),
    ),
    (
        "too many resources fails due to highest init container memory",
        [r(1, 1)],
        [r(1, 3), r(1, 2)],
        None,
        r(9, 19),
        {},
        U,
        ("Insufficient memory",),
    ),
    (
        "init container fits because it's the max, not sum, of containers and init containers",
        [r(1, 1)],
        [r(1, 1)],
        None,
        r(9, 19),
        {},
        None,
        (),
    ),
    (
        "multiple init containers fit because it's the max, not sum, of containers and init containers",
        [r(1, 1)],
        [r(1, 1), r(1, 1)],
        None,
        r(9, 19),
        {},
        None,
        (),
    ),
    ("both resources fit", [r(1, 1)], [], None, r(5, 5), {}, None, ()),
    ("one resource memory fits", [r(2, 1)], [], None, r(9, 5), {}, U, ("Insufficient cpu",)),
    ("one resource cpu fits", [r(1, 2)], [], None, r(5, 19), {}, U, ("Insufficient memory",)),
    ("equal edge case", [r(5, 1)], [], None, r(5, 19), {}, None, ()),
    ("equal edge case for init container", [r(4, 1)], [r(5, 1)], None, r(5, 19), {}, None, ()),
    ("extended resource fits", [r(ext_a=1)], [], None, r(), {}, None, ()),
    ("extended resource fits for init container", [r()], [r(ext_a=1)], None, r(), {}, None, ()),
    (
        "extended resource capacity enforced",
        [r(1, 1, ext_a=10)],
        [],
        None,
        r(ext_a=0),
        {},
        UU,
        (f"Insufficient {EXT_A}",),
    ),
    (
        "extended resource capacity enforced for init container",
        [r()],
        [r(1, 1, ext_a=10)],
        None,
        r(ext_a=0),
        {},
        UU,
        (f"Insufficient {EXT_A}",),
    ),
    (
        "extended resource allocatable enforced",
        [r(1, 1, ext_a=1)],
        [],
        None,
        r(ext_a=5),
        {},
        U,
        (f"Insufficient {EXT_A}",),
    ),
    (
        "extended resource allocatable enforced for init container",
        [r()],
        [r(1, 1, ext_a=1)],
        None,
        r(ext_a=5),
        {},
        U,
        (f"Insufficient {EXT_A}",),
    ),
    (
        "extended resource allocatable enforced for multiple containers",
        [r(1, 1, ext_a=3), r(1, 1, ext_a=3)],
        [],
        None,
        r(ext_a=2),
        {},
        UU,
        (f"Insufficient {EXT_A}",),
    ),
    (
        "extended resource allocatable admits multiple init containers",
        [r()],
        [r(1, 1, ext_a=3), r(1, 1, ext_a=3)],
        None,
        r(ext_a=2),
        {},
        None,
        (),
    ),
    (
        "extended resource allocatable enforced for multiple init containers",
        [r()],
        [r(1, 1, ext_a=6), r(1, 1, ext_a=3)],
        None,
        r(ext_a=2),
        {},
        UU,
        (f"Insufficient {EXT_A}",),
    ),
    (
        "extended resource allocatable enforced for unknown resource",
        [r(1, 1, ext_b=1)],
        [],
        None,
        r(),
        {},
        UU,
        (f"Insufficient {EXT_B}",),
    ),
    (
        "extended resource allocatable enforced for unknown resource for init container",
        [r()],
        [r(1, 1, ext_b=1)],
        None,
        r(),
        {},
        UU,
        (f"Insufficient {EXT_B}",),
    ),
    (
        "kubernetes.io resource capacity enforced",
        [r(1, 1, k8s_a=10)],
        [],
        None,
        r(),
        {},
        UU,
        (f"Insufficient {K8S_A}",),
    ),
    (
        "kubernetes.io resource capacity enforced for init container",
        [r()],
        [r(1, 1, k8s_b=10)],
        None,
        r(),
        {},
        UU,
        (f"Insufficient {K8S_B}",),
    ),
    (
        "hugepages resource capacity enforced",
        [r(1, 1, huge=10)],
        [],
        None,
        r(huge=0),
        {},
        UU,
        (f"Insufficient {HUGE_A}",),
    ),
    (
        "hugepages resource capacity enforced for init container",
        [r()],
        [r(1, 1, huge=10)],
        None,
        r(huge=0),
        {},
        UU,
        (f"Insufficient {HUGE_A}",),
    ),
    (
        "hugepages resource allocatable enforced for multiple containers",
        [r(1, 1, huge=3), r(1, 1, huge=3)],
        [],
        None,
        r(huge=2),
        {},
        UU,
        (f"Insufficient {HUGE_A}",),
    ),
    (
        "skip checking ignored extended resource",
        [r(1, 1, ext_b=1)],
        [],
        None,
        r(),
        {"ignoredResources": [EXT_B]},
        None,
        (),
    ),
    ("resources + pod overhead fits", [r(1, 1)], [], {"cpu": 3, "memory": 13}, r(5, 5), {}, None, ()),
    (
        "requests + overhead does not fit for memory",
        [r(1, 1)],
        [],
        {"cpu": 1, "memory": 15},
        r(5, 5),
        {},
        U,
        ("Insufficient memory",),
    ),
    (
        "skip checking ignored extended resource via resource groups",
        [r(1, 1, ext_b=1, k8s_a=1)],
        [],
        None,
        r(),
        {"ignoredResourceGroups": ["example.com"]},
        UU,
        (f"Insufficient {K8S_A}",),
    ),
    (
        "skip checking extended resource request with quantity zero via resource groups",
        [r(1, 1, ext_a=0)],
        [],
        None,
        r(ext_a=6),
        {},
        None,
        (),
    ),
    (
        "skip checking resource request with quantity zero",
        [r(ext_a=1)],
        [],
        None,
        r(20, 30, ext_a=1),
        {},
        None,
        (),
    ),
]


def _enough_node() -> Any:
    return node("n", {"cpu": 10, "memory": 20, "pods": 32, EXT_A: 5, "ephemeral-storage": 20, HUGE_A: 5})


@pytest.mark.parametrize(
    ("containers", "inits", "overhead", "existing", "args", "code", "reasons"),
    [pytest.param(*c[1:], id=f"TestEnoughRequests/{c[0]}") for c in ENOUGH],
)
def test_enough_requests(
    containers: list[dict[str, int]],
    inits: list[dict[str, int]],
    overhead: dict[str, int] | None,
    existing: dict[str, int],
    args: dict[str, Any],
    code: Code | None,
    reasons: tuple[str, ...],
) -> None:
    t = table([_enough_node()], [pod(existing, name="existing", node_name="n")])
    st = run_filter(NodeResourcesFit(args), pod(*containers, init=inits, overhead=overhead), t, "n")
    if code is None:
        assert st.is_success, st
    else:
        assert (st.code, st.reasons) == (code, reasons)


# TestNotEnoughRequests: node allocatable cpu 10m, memory 20, pods 1 (others 0), one pod already on it.
@pytest.mark.parametrize(
    ("containers", "inits", "existing"),
    [
        pytest.param(
            [],
            [],
            r(10, 20),
            id="TestNotEnoughRequests/even without specified resources, predicate fails when there's no space for additional pod",  # noqa: E501
        ),
        pytest.param(
            [r(1, 1)],
            [],
            r(5, 5),
            id="TestNotEnoughRequests/even if both resources fit, predicate fails when there's no space for additional pod",  # noqa: E501
        ),
        pytest.param(
            [r(5, 1)],
            [],
            r(5, 19),
            id="TestNotEnoughRequests/even for equal edge case, predicate fails when there's no space for additional pod",  # noqa: E501
        ),
        pytest.param(
            [r(5, 1)],
            [r(5, 1)],
            r(5, 19),
            id="TestNotEnoughRequests/even for equal edge case, predicate fails when there's no space for additional pod due to init container",  # noqa: E501
        ),
    ],
)
def test_not_enough_requests(
    containers: list[dict[str, int]], inits: list[dict[str, int]], existing: dict[str, int]
) -> None:
    n = node("n", {"cpu": 10, "memory": 20, "pods": 1, EXT_A: 0, "ephemeral-storage": 0, HUGE_A: 0})
    t = table([n], [pod(existing, name="existing", node_name="n")])
    st = run_filter(NodeResourcesFit(), pod(*containers, init=inits), t, "n")
    assert (st.code, st.reasons) == (U, ("Too many pods",))


# TestStorageRequests: the node of TestEnoughRequests (ephemeral-storage 20).
@pytest.mark.parametrize(
    ("requests", "existing", "code"),
    [
        pytest.param(r(1, 1), r(2, 10), None, id="TestStorageRequests/empty storage requested, and pod fits"),
        pytest.param(
            {"ephemeral-storage": 25},
            r(2, 2),
            UU,
            id="TestStorageRequests/storage ephemeral local storage request exceeds allocatable",
        ),
        pytest.param(
            {"ephemeral-storage": 5},
            r(2, 2, eph=10),
            None,
            id="TestStorageRequests/ephemeral local storage is sufficient",
        ),
        pytest.param({"ephemeral-storage": 10}, r(2, 2), None, id="TestStorageRequests/pod fits"),
    ],
)
def test_storage_requests(requests: dict[str, int], existing: dict[str, int], code: Code | None) -> None:
    t = table([_enough_node()], [pod(existing, name="existing", node_name="n")])
    st = run_filter(NodeResourcesFit(), pod(requests), t, "n")
    if code is None:
        assert st.is_success, st
    else:
        assert (st.code, st.reasons) == (code, ("Insufficient ephemeral-storage",))


# TestRestartableInitContainers (SidecarContainers enabled, as in 1.35): node cpu 2m, memory 0, pods 1.
@pytest.mark.parametrize(
    ("regular", "sidecar", "code"),
    [
        pytest.param(
            None,
            None,
            None,
            id="TestRestartableInitContainers/allow pod without restartable init containers if sidecar containers is enabled",  # noqa: E501
        ),
        pytest.param(
            {},
            {},
            None,
            id="TestRestartableInitContainers/allow pod with restartable init containers if sidecar containers is enabled",  # noqa: E501
        ),
        pytest.param(
            {"cpu": 1},
            {"cpu": 1},
            None,
            id="TestRestartableInitContainers/allow pod if the total requested resources do not exceed the node's allocatable resources",  # noqa: E501
        ),
        pytest.param(
            {"cpu": 1},
            {"cpu": 2},
            UU,
            id="TestRestartableInitContainers/not allow pod if the total requested resources do exceed the node's allocatable resources",  # noqa: E501
        ),
    ],
)
def test_restartable_init_containers(
    regular: dict[str, int] | None, sidecar: dict[str, int] | None, code: Code | None
) -> None:
    t = table([node("n", {"cpu": 2, "memory": 0, "pods": 1})])
    p = pod(regular or {}, sidecars=[] if sidecar is None else [sidecar])
    st = run_filter(NodeResourcesFit(), p, t, "n")
    if code is None:
        assert st.is_success, st
    else:
        assert (st.code, st.reasons) == (code, ("Insufficient cpu",))


# -- scoring -----------------------------------------------------------------------------------------------------
# Upstream nodes give cpu in cores ("4000" = 4000 cores); kubesim counts millicores, so every cpu figure is x1000.
K = 1000
DEFAULT = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
EXT_RES = "abc.com/xyz"
EXT_SET = [*DEFAULT, {"name": EXT_RES, "weight": 1}]


def req(cpu: int | None = None, mem: int | None = None, **scalars: int) -> dict[str, int]:
    """``st.MakePod().Req(...)``: only the named resources (cpu in upstream cores, converted to millicores)."""
    out: dict[str, int] = {}
    if cpu is not None:
        out["cpu"] = cpu * K
    if mem is not None:
        out["memory"] = mem
    out.update({k.replace("__", "/").replace("_", "."): v for k, v in scalars.items()})
    return out


def cap(cpu: int, mem: int, **scalars: int) -> dict[str, int]:
    return req(cpu, mem, **scalars)


def _score_case(strategy: dict[str, Any], p: Pod, nodes: list[Any], existing: list[Pod]) -> list[int]:
    t = table(nodes, existing)
    out = run_scores(NodeResourcesFit({"scoringStrategy": strategy}), p, t, [n.name for n in nodes])
    assert out is not None
    raw, norm = out
    assert norm == raw  # NodeResourcesFit has no NormalizeScore
    return raw


def on(node_name: str, *containers: dict[str, int], i: int = 0, **kw: Any) -> Pod:
    return pod(*containers, name=f"e-{node_name}-{i}", node_name=node_name, **kw)


SCORE_CASES: list[Any] = [
    # (upstream test/case, strategy, pod, nodes, existing pods, want)
    (
        "TestLeastAllocatedScoringStrategy/nothing scheduled, nothing requested",
        {"type": "LeastAllocated", "resources": DEFAULT},
        pod(),
        [node("node1", cap(4000, 10000)), node("node2", cap(4000, 10000))],
        [],
        [100, 100],
    ),
    (
        "TestLeastAllocatedScoringStrategy/nothing scheduled, resources requested, differently sized nodes",
        {"type": "LeastAllocated", "resources": DEFAULT},
        pod(req(1000, 2000), req(2000, 3000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(6000, 10000))],
        [],
        [37, 50],
    ),
    (
        "TestLeastAllocatedScoringStrategy/no resources requested, pods scheduled",
        {"type": "LeastAllocated", "resources": DEFAULT},
        pod(),
        [node("node1", cap(4000, 10000)), node("node2", cap(4000, 10000))],
        [on("node1", i=0), on("node1", i=1), on("node2", i=0), on("node2", i=1)],
        [100, 100],
    ),
    (
        "TestLeastAllocatedScoringStrategy/no resources requested, pods scheduled with resources",
        {"type": "LeastAllocated", "resources": DEFAULT},
        pod(),
        [node("node1", cap(10000, 20000)), node("node2", cap(10000, 20000))],
        [
            on("node1", req(3000, 0), i=0),
            on("node1", req(3000, 0), i=1),
            on("node2", req(3000, 0), i=0),
            on("node2", req(3000, 5000), i=1),
        ],
        [70, 57],
    ),
    (
        "TestLeastAllocatedScoringStrategy/resources requested, pods scheduled with resources",
        {"type": "LeastAllocated", "resources": DEFAULT},
        pod(req(1000, 2000), req(2000, 3000)),
        [node("node1", cap(10000, 20000)), node("node2", cap(10000, 20000))],
        [on("node1", req(3000, 0)), on("node2", req(3000, 5000))],
        [57, 45],
    ),
    (
        "TestLeastAllocatedScoringStrategy/resources requested, pods scheduled with resources, differently sized nodes",
        {"type": "LeastAllocated", "resources": DEFAULT},
        pod(req(1000, 2000), req(2000, 3000)),
        [node("node1", cap(10000, 20000)), node("node2", cap(10000, 50000))],
        [on("node1", req(3000, 0)), on("node2", req(3000, 5000))],
        [57, 60],
    ),
    (
        "TestLeastAllocatedScoringStrategy/requested resources exceed node capacity",
        {"type": "LeastAllocated", "resources": DEFAULT},
        pod(req(3000, 0)),
        [node("node1", cap(4000, 10000)), node("node2", cap(4000, 10000))],
        [on("node1", req(3000, 0)), on("node2", req(3000, 5000))],
        [50, 25],
    ),
    (
        "TestLeastAllocatedScoringStrategy/zero node resources, pods scheduled with resources",
        {"type": "LeastAllocated", "resources": DEFAULT},
        pod(),
        [node("node1", {}), node("node2", {})],
        [on("node1", req(3000, 0)), on("node2", req(3000, 5000))],
        [0, 0],
    ),
    (
        "TestLeastAllocatedScoringStrategy/nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes",  # noqa: E501
        {
            "type": "LeastAllocated",
            "resources": [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}],
        },
        pod(req(1000, 2000), req(2000, 3000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(6000, 10000))],
        [],
        [41, 50],
    ),
    (
        "TestLeastAllocatedScoringStrategy/bypass extended resource if the pod does not request",
        {"type": "LeastAllocated", "resources": EXT_SET},
        pod(req(1000, 2000), req(2000, 3000)),
        [node("node1", cap(6000, 10000)), node("node2", {**cap(6000, 10000), EXT_RES: 4})],
        [],
        [50, 50],
    ),
    (
        "TestLeastAllocatedScoringStrategy/honor extended resource if the pod requests",
        {"type": "LeastAllocated", "resources": EXT_SET},
        pod({**req(3000, 5000), EXT_RES: 2}),
        [node("node1", {**cap(6000, 10000), EXT_RES: 4}), node("node2", {**cap(6000, 10000), EXT_RES: 10})],
        [],
        [50, 60],
    ),
    (
        "TestLeastAllocatedScoringStrategy/if the node doesn't have a resource",
        {"type": "LeastAllocated", "resources": [{"name": EXT_RES, "weight": 2}, *DEFAULT]},
        pod(req(3000, 4000)),
        [node("node1", cap(6000, 10000)), node("node2", {**cap(6000, 10000), EXT_RES: 4})],
        [],
        [55, 55],
    ),
    (
        "TestMostAllocatedScoringStrategy/nothing scheduled, nothing requested",
        {"type": "MostAllocated", "resources": DEFAULT},
        pod(),
        [node("node1", cap(4000, 10000)), node("node2", cap(4000, 10000))],
        [],
        [0, 0],
    ),
    (
        "TestMostAllocatedScoringStrategy/nothing scheduled, resources requested, differently sized nodes",
        {"type": "MostAllocated", "resources": DEFAULT},
        pod(req(1000, 2000), req(2000, 3000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(6000, 10000))],
        [],
        [62, 50],
    ),
    (
        "TestMostAllocatedScoringStrategy/no resources requested, pods scheduled with resources",
        {"type": "MostAllocated", "resources": DEFAULT},
        pod(),
        [node("node1", cap(10000, 20000)), node("node2", cap(10000, 20000))],
        [
            on("node1", req(3000, 0), i=0),
            on("node1", req(3000, 0), i=1),
            on("node2", req(3000, 0), i=0),
            on("node2", req(3000, 5000), i=1),
        ],
        [30, 42],
    ),
    (
        "TestMostAllocatedScoringStrategy/resources requested, pods scheduled with resources",
        {"type": "MostAllocated", "resources": DEFAULT},
        pod(req(1000, 2000), req(2000, 3000)),
        [node("node1", cap(10000, 20000)), node("node2", cap(10000, 20000))],
        [on("node1", req(3000, 0)), on("node2", req(3000, 5000))],
        [42, 55],
    ),
    (
        "TestMostAllocatedScoringStrategy/resources requested equal node capacity",
        {"type": "MostAllocated", "resources": DEFAULT},
        pod(req(2000, 4000), req(3000, 5000)),
        [node("node1", cap(5000, 10000)), node("node2", cap(10000, 9000))],
        [],
        [95, 75],
    ),
    (
        "TestMostAllocatedScoringStrategy/nothing scheduled, resources requested, differently sized nodes (memory weight 2)",  # noqa: E501
        {
            "type": "MostAllocated",
            "resources": [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}],
        },
        pod(req(1000, 2000), req(2000, 3000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(6000, 10000))],
        [],
        [58, 50],
    ),
    (
        "TestMostAllocatedScoringStrategy/no resources requested, pods scheduled, nonzero request for resource",
        {"type": "MostAllocated", "resources": DEFAULT},
        pod({}),  # one container without requests: 100m cpu and 200Mi memory for scoring
        [
            node("node1", {"cpu": 250, "memory": 1000 * 1024 * 1024}),
            node("node2", {"cpu": 250, "memory": 1000 * 1024 * 1024}),
        ],
        [on("node1", {}, i=0), on("node1", {}, i=1)],
        [80, 30],
    ),
    (
        "TestMostAllocatedScoringStrategy/bypass extended resource if the pod does not request",
        {"type": "MostAllocated", "resources": EXT_SET},
        pod(req(1000, 2000), req(2000, 3000)),
        [node("node1", cap(6000, 10000)), node("node2", {**cap(6000, 10000), EXT_RES: 4})],
        [],
        [50, 50],
    ),
    (
        "TestMostAllocatedScoringStrategy/honor extended resource if the pod request",
        {"type": "MostAllocated", "resources": EXT_SET},
        pod({**req(3000, 5000), EXT_RES: 2}),
        [node("node1", {**cap(6000, 10000), EXT_RES: 4}), node("node2", {**cap(6000, 10000), EXT_RES: 10})],
        [],
        [50, 40],
    ),
    (
        "TestMostAllocatedScoringStrategy/if the node doesn't have a resource",
        {"type": "MostAllocated", "resources": [{"name": EXT_RES, "weight": 2}, *DEFAULT]},
        pod(req(3000, 4000)),
        [node("node1", cap(6000, 10000)), node("node2", {**cap(6000, 10000), EXT_RES: 4})],
        [],
        [45, 45],
    ),
]

RTCR_LEAST = {
    "type": "RequestedToCapacityRatio",
    "resources": DEFAULT,
    "requestedToCapacityRatio": {
        "shape": [{"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]
    },
}
RTCR_MOST = {
    "type": "RequestedToCapacityRatio",
    "resources": DEFAULT,
    "requestedToCapacityRatio": {
        "shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]
    },
}

SCORE_CASES += [
    (
        "TestRequestedToCapacityRatioScoringStrategy/nothing scheduled, nothing requested (default - least requested nodes have priority)",  # noqa: E501
        RTCR_LEAST,
        pod(),
        [node("node1", cap(4000, 10000)), node("node2", cap(4000, 10000))],
        [on("node1", i=0), on("node1", i=1)],
        [100, 100],
    ),
    (
        "TestRequestedToCapacityRatioScoringStrategy/nothing scheduled, resources requested, differently sized nodes (default - least requested nodes have priority)",  # noqa: E501
        RTCR_LEAST,
        pod(req(1000, 2000), req(2000, 3000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(6000, 10000))],
        [on("node1", i=0), on("node1", i=1)],
        [38, 50],
    ),
    (
        "TestRequestedToCapacityRatioScoringStrategy/no resources requested, pods scheduled with resources (default - least requested nodes have priority)",  # noqa: E501
        RTCR_LEAST,
        pod(),
        [node("node1", cap(4000, 10000)), node("node2", cap(6000, 10000))],
        [on("node1", req(3000, 5000)), on("node2", req(3000, 5000))],
        [38, 50],
    ),
    (
        "TestFitScore/test case for ScoringStrategy RequestedToCapacityRatio case1",
        RTCR_LEAST,
        pod(req(3000, 5000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(6000, 10000))],
        [on("node1", req(2000, 4000)), on("node2", req(1000, 2000))],
        [10, 32],
    ),
    (
        "TestFitScore/test case for ScoringStrategy RequestedToCapacityRatio case2",
        RTCR_MOST,
        pod(req(3000, 5000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(6000, 10000))],
        [on("node1", req(2000, 4000)), on("node2", req(1000, 2000))],
        [95, 68],
    ),
    (
        "TestFitScore/test case for ScoringStrategy MostAllocated",
        {"type": "MostAllocated", "resources": DEFAULT},
        pod(req(1000, 2000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(6000, 10000))],
        [on("node1", req(2000, 4000)), on("node2", req(1000, 2000))],
        [67, 36],
    ),
    (
        "TestFitScore/test case for ScoringStrategy LeastAllocated",
        {"type": "LeastAllocated", "resources": DEFAULT},
        pod(req(1000, 2000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(6000, 10000))],
        [on("node1", req(2000, 4000)), on("node2", req(1000, 2000))],
        [32, 63],
    ),
    (
        "TestFitScore/test case for ScoringStrategy MostAllocated with sidecar container",
        {"type": "MostAllocated", "resources": DEFAULT},
        pod(req(1000, 2000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(4000, 10000))],
        [on("node1", req(1000, 2000), sidecars=[req(1000, 2000)]), on("node2", req(1000, 2000))],
        [67, 45],
    ),
    (
        "TestFitScore/test case for ScoringStrategy LeastAllocated with sidecar container",
        {"type": "LeastAllocated", "resources": DEFAULT},
        pod(req(1000, 2000)),
        [node("node1", cap(4000, 10000)), node("node2", cap(4000, 10000))],
        [on("node1", req(1000, 2000), sidecars=[req(1000, 2000)]), on("node2", req(1000, 2000))],
        [32, 55],
    ),
]

# TestResourceBinPackingSingleExtended / MultipleExtended: nodes with 4000m cpu, 10000 MiB memory.
MI = 1024 * 1024


def _bp_node(name: str, **ext: int) -> Any:
    return node(name, {"cpu": 4000, "memory": 10000 * MI, **{f"intel.com/{k}": v for k, v in ext.items()}})


def _rtcr(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "RequestedToCapacityRatio",
        "resources": resources,
        "requestedToCapacityRatio": {
            "shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 1}]
        },
    }


SINGLE = _rtcr([{"name": "intel.com/foo", "weight": 1}])
MULTI = _rtcr([{"name": "intel.com/foo", "weight": 3}, {"name": "intel.com/bar", "weight": 5}])
SCORE_CASES += [
    (
        "TestResourceBinPackingSingleExtended/nothing scheduled, nothing requested",
        SINGLE,
        pod(),
        [_bp_node("node1", foo=8), _bp_node("node2", foo=4)],
        [],
        [0, 0],
    ),
    (
        "TestResourceBinPackingSingleExtended/resources requested, pods scheduled with less resources",
        SINGLE,
        pod({"intel.com/foo": 2}),
        [_bp_node("node1", foo=8), _bp_node("node2", foo=4)],
        [],
        [2, 5],
    ),
    (
        "TestResourceBinPackingSingleExtended/resources requested, pods scheduled with resources, on node with existing pod running",  # noqa: E501
        SINGLE,
        pod({"intel.com/foo": 2}),
        [_bp_node("node1", foo=8), _bp_node("node2", foo=4)],
        [on("node2", {"intel.com/foo": 2})],
        [2, 10],
    ),
    (
        "TestResourceBinPackingSingleExtended/resources requested, pods scheduled with more resources",
        SINGLE,
        pod({"intel.com/foo": 4}),
        [_bp_node("node1", foo=8), _bp_node("node2", foo=4)],
        [],
        [5, 10],
    ),
    (
        "TestResourceBinPackingMultipleExtended/nothing scheduled, nothing requested",
        MULTI,
        pod(),
        [_bp_node("node1", foo=8, bar=4), _bp_node("node2", foo=4, bar=8)],
        [],
        [0, 0],
    ),
    (
        "TestResourceBinPackingMultipleExtended/resources requested, pods scheduled with less resources",
        MULTI,
        pod({"intel.com/foo": 2, "intel.com/bar": 2}),
        [_bp_node("node1", foo=8, bar=4), _bp_node("node2", foo=4, bar=8)],
        [],
        [4, 3],
    ),
    (
        "TestResourceBinPackingMultipleExtended/resources requested, pods scheduled with resources, on node with existing pod running",  # noqa: E501
        MULTI,
        pod({"intel.com/foo": 2, "intel.com/bar": 2}),
        [_bp_node("node1", foo=8, bar=4), _bp_node("node2", foo=4, bar=8)],
        [on("node2", {"intel.com/foo": 4, "intel.com/bar": 2})],
        [4, 7],
    ),
    (
        "TestResourceBinPackingMultipleExtended/resources requested, pods scheduled with more resources",
        MULTI,
        pod({"intel.com/foo": 4, "intel.com/bar": 2}),
        [_bp_node("node1", foo=8, bar=4), _bp_node("node2", foo=4, bar=8)],
        [],
        [5, 5],
    ),
]


@pytest.mark.parametrize(
    ("strategy", "p", "nodes", "existing", "want"),
    [pytest.param(*c[1:], id=c[0]) for c in SCORE_CASES],
)
def test_scoring_strategies(
    strategy: dict[str, Any], p: Pod, nodes: list[Any], existing: list[Pod], want: list[int]
) -> None:
    assert _score_case(strategy, p, nodes, existing) == want


@pytest.mark.parametrize(
    ("points", "assertions"),
    [
        pytest.param(
            [(10, 1), (90, 9)],
            [
                (-10, 1),
                (0, 1),
                (9, 1),
                (10, 1),
                (15, 1),
                (19, 1),
                (20, 2),
                (89, 8),
                (90, 9),
                (99, 9),
                (100, 9),
                (110, 9),
            ],
            id="TestBrokenLinearFunction/case_0",
        ),
        pytest.param(
            [(0, 2), (40, 10), (100, 0)],
            [(-10, 2), (0, 2), (20, 6), (30, 8), (40, 10), (70, 5), (100, 0), (110, 0)],
            id="TestBrokenLinearFunction/case_1",
        ),
        pytest.param(
            [(0, 2), (40, 2), (100, 2)],
            [(-10, 2), (0, 2), (20, 2), (30, 2), (40, 2), (70, 2), (100, 2), (110, 2)],
            id="TestBrokenLinearFunction/case_2",
        ),
    ],
)
def test_broken_linear_function(points: list[tuple[int, int]], assertions: list[tuple[int, int]]) -> None:
    for p, want in assertions:
        assert broken_linear(points, p) == want, (points, p)
