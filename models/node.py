"""Nodes: capacity, allocatable, labels, taints, and the Ready condition the node lifecycle controller owns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import attrs

from models.meta import KObject
from models.pod import Taint

__all__ = ["ContainerImage", "Node"]


@attrs.frozen
class ContainerImage:
    """``status.images[*]``: the names an image is known by and its size in bytes (for ImageLocality)."""

    names: tuple[str, ...]
    size_bytes: int = 0


@attrs.define(eq=False)
class Node(KObject):
    """A live node. ``ready`` is the Ready condition's status: ``"True"``, ``"False"`` or ``"Unknown"``."""

    KIND: ClassVar[str] = "Node"
    NAMESPACED: ClassVar[bool] = False

    capacity: Mapping[str, int] = attrs.field(factory=dict)
    allocatable: Mapping[str, int] = attrs.field(factory=dict)
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    ready: str = "True"
    images: tuple[ContainerImage, ...] = ()
    pool: str = ""
    price_per_hour: float = 0.0

    @property
    def zone(self) -> str:
        """``topology.kubernetes.io/zone``, or ``""`` when the node has no zone."""
        return self.labels.get("topology.kubernetes.io/zone", "")


@attrs.define(eq=False)
class Lease(KObject):
    """coordination.k8s.io/v1 Lease in ``kube-node-lease``: the kubelet's heartbeat.

    Heartbeats are not simulated tick by tick (DESIGN.md §3). Instead the lease records whether the kubelet is
    renewing it; ``renew_time`` is when that last changed. A lease that stopped renewing at ``renew_time`` is what
    the node lifecycle controller measures the grace period from.
    """

    KIND: ClassVar[str] = "Lease"
    API_VERSION: ClassVar[str] = "coordination.k8s.io/v1"

    renewing: bool = True
    renew_time: float = 0.0
