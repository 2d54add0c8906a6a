"""ImageLocality cases ported from kube-scheduler's unit-test tables (facts only: inputs and expected results).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/imagelocality/image_locality_test.go
(TestImageLocalityPriority, TestNormalizedImageName), Kubernetes 1.35 (thresholds 23 MiB and 1000 MiB per
container, init containers counted).
"""

from __future__ import annotations

import hashlib

import pytest

from models.node import ContainerImage
from models.pod import Container, PodSpec
from simulator.scheduler.plugins.image_locality import ImageLocality, normalized_image_name
from tests.scheduler._upstream import node, pod, run_scores, table

MB = 1024 * 1024


def img(size_mb: int, *names: str) -> ContainerImage:
    return ContainerImage(names=tuple(names), size_bytes=size_mb * MB)


NODE_40_300_2000 = (
    img(40, "gcr.io/40:latest", "gcr.io/40:v1", "gcr.io/40:v1"),
    img(300, "gcr.io/300:latest", "gcr.io/300:v1"),
    img(2000, "gcr.io/2000:latest"),
)
NODE_250_10 = (img(250, "gcr.io/250:latest"), img(10, "gcr.io/10:latest", "gcr.io/10:v1"))
NODE_600_40_900 = (img(600, "gcr.io/600:latest"), img(40, "gcr.io/40:latest"), img(900, "gcr.io/900:latest"))
NODE_300_600_900 = (
    img(300, "gcr.io/300:latest"),
    img(600, "gcr.io/600:latest"),
    img(900, "gcr.io/900:latest"),
)
NODE_4000_30 = (img(4000, "gcr.io/4000:latest"), img(30, "gcr.io/30:latest"))
NODE_20_30_40 = (img(20, "gcr.io/20:latest"), img(30, "gcr.io/30:latest"), img(40, "gcr.io/40:latest"))
NO_IMAGES: tuple[ContainerImage, ...] = ()


def spec(*images: str, init: tuple[str, ...] = ()) -> PodSpec:
    return PodSpec(
        containers=tuple(Container(f"c{i}", image=im) for i, im in enumerate(images)),
        init_containers=tuple(Container(f"i{i}", image=im) for i, im in enumerate(init)),
    )


CASES = [
    (
        "two images spread on two nodes, prefer the larger image one",
        spec("gcr.io/40", "gcr.io/250"),
        [NODE_40_300_2000, NODE_250_10],
        [0, 5],
    ),
    (
        "two images on one node, prefer this node",
        spec("gcr.io/40", "gcr.io/300"),
        [NODE_40_300_2000, NODE_250_10],
        [7, 0],
    ),
    ("if exceed limit, use limit", spec("gcr.io/10", "gcr.io/4000"), [NODE_4000_30, NODE_250_10], [100, 0]),
    (
        "if exceed limit, use limit (with node which has no images present)",
        spec("gcr.io/10", "gcr.io/4000"),
        [NODE_4000_30, NODE_250_10, NO_IMAGES],
        [66, 0, 0],
    ),
    (
        "pod with multiple large images, node2 is preferred",
        spec("gcr.io/300", "gcr.io/600", "gcr.io/900"),
        [NODE_600_40_900, NODE_300_600_900, NO_IMAGES],
        [32, 36, 0],
    ),
    ("pod with multiple small images", spec("gcr.io/30", "gcr.io/40"), [NODE_20_30_40, NODE_4000_30], [1, 0]),
    (
        "include InitContainers: two images spread on two nodes, prefer the larger image one",
        spec("gcr.io/30", init=("gcr.io/300",)),
        [NODE_40_300_2000, NODE_20_30_40],
        [6, 0],
    ),
]


@pytest.mark.parametrize(
    ("pod_spec", "node_images", "want"),
    [pytest.param(*c[1:], id=f"TestImageLocalityPriority/{c[0]}") for c in CASES],
)
def test_image_locality_priority(
    pod_spec: PodSpec, node_images: list[tuple[ContainerImage, ...]], want: list[int]
) -> None:
    names = [f"node{i + 1}" for i in range(len(node_images))]
    t = table([node(n, images=ims) for n, ims in zip(names, node_images, strict=True)])
    p = pod(name="p")
    p.spec = pod_spec
    out = run_scores(ImageLocality(), p, t, names)
    assert out is not None
    assert out[0] == want and out[1] == want  # no NormalizeScore


def _digest(content: str) -> str:
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


@pytest.mark.parametrize(
    ("image", "want"),
    [
        pytest.param("root", "root:latest", id="TestNormalizedImageName/add :latest postfix 1"),
        pytest.param(
            "gcr.io:5000/root", "gcr.io:5000/root:latest", id="TestNormalizedImageName/add :latest postfix 2"
        ),
        pytest.param("root:tag", "root:tag", id="TestNormalizedImageName/keep it as is 1"),
        pytest.param(
            "root@" + _digest("root"), "root@" + _digest("root"), id="TestNormalizedImageName/keep it as is 2"
        ),
    ],
)
def test_normalized_image_name(image: str, want: str) -> None:
    assert normalized_image_name(image) == want
