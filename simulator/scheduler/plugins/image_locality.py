"""ImageLocality (Score) as in imagelocality/image_locality.go (kube-scheduler 1.35).

For each init container and container whose (normalised) image the node lists in ``status.images``, the image
size scaled by its spread (nodes listing that name / all nodes, ``int64(float64(size) * spread)``) is summed; the
sum is clamped to [23 MiB, 1000 MiB x number of containers (init + regular)] and mapped linearly onto 0..100 with
Go integer division. No NormalizeScore. Image names: a name without a tag (no ``:`` after the last ``/``) gets
``:latest`` (``normalizedImageName``); upstream does no other normalisation (its TODO notes that ``nginx`` in
the pod and ``docker.io/library/nginx:latest`` in node status do not match), and neither does kubesim.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from models.pod import Pod
from simulator.scheduler._util import MAX_NODE_SCORE
from simulator.scheduler.cache import NodeInfo, NodeTable
from simulator.scheduler.framework import CycleState, Plugin

__all__ = ["ImageLocality", "calculate_priority", "normalized_image_name", "pod_images"]

MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB
I64 = npt.NDArray[np.int64]
_ZERO = np.zeros((), dtype=np.int64)


def normalized_image_name(name: str) -> str:
    """``normalizedImageName``: append ``:latest`` when the name has no tag."""
    if name.rfind(":") <= name.rfind("/"):
        return name + ":latest"
    return name


def pod_images(pod: Pod) -> tuple[str, ...]:
    """Normalised images of the init containers then the containers (one entry per container)."""
    spec = pod.spec
    return tuple(normalized_image_name(c.image) for c in (*spec.init_containers, *spec.containers))


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    """``calculatePriority``: clamp to [minThreshold, maxThreshold] and scale onto 0..MaxNodeScore."""
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    if sum_scores < MIN_THRESHOLD:
        sum_scores = MIN_THRESHOLD
    elif sum_scores > max_threshold:
        sum_scores = max_threshold
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


def image_score(
    images: tuple[str, ...], node_images: dict[str, int], counts: dict[str, int], total: int
) -> int:
    """``calculatePriority(sumImageScores(...))`` for one node."""
    total_sum = 0
    for name in images:
        size = node_images.get(name)
        if size is not None:
            spread = float(counts.get(name, 0)) / float(total)
            total_sum += int(float(size) * spread)
    return calculate_priority(total_sum, len(images))


class ImageLocality(Plugin):
    name = "ImageLocality"

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        table = node_info.table
        return image_score(pod_images(pod), dict(node_info.images), table.image_nodes, len(table))

    def relevant(self, pod: Pod, table: NodeTable) -> bool:
        """Whether any node lists one of the pod's images (otherwise every node scores 0)."""
        counts = table.image_nodes
        return bool(counts) and any(name in counts for name in pod_images(pod))

    def score_vector(self, state: CycleState, pod: Pod, table: NodeTable, slots: Any) -> I64:
        if not self.relevant(pod, table):
            return _ZERO
        images = pod_images(pod)
        counts = table.image_nodes
        total = len(table)
        snaps = table.snapshots
        idx = np.arange(table.capacity, dtype=np.int64)[slots]
        out = np.zeros(len(idx), dtype=np.int64)
        for i, s in enumerate(idx.tolist()):
            snap = snaps[s]
            if snap is not None and snap.images:
                out[i] = image_score(images, snap.images, counts, total)
        return out
