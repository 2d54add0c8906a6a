"""The vocabulary the strategies draw from: realistic node shapes, label keys, taints, images, names, and the
exact text forms of quantities and durations.

Everything here is plain data and pure functions (no Hypothesis), so that a shape is written once and a
reader can see at a glance what a generated cluster can contain. Why fixed vocabularies rather than random
text: labels, selectors, taints and tolerations only interact when they share keys and values, so drawing
from a small shared vocabulary is what makes a nodeSelector match some node, a toleration meet its taint and
an anti-affinity term see the pods it is about. It also keeps generation cheap and shrinking readable
(``sampled_from`` shrinks towards the first, most ordinary entry).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

__all__ = [
    "ARCH_LABEL",
    "CPU_MILLIS",
    "DISK_LABEL",
    "DISK_VALUES",
    "GENERATION_LABEL",
    "GPU_RESOURCE",
    "HOSTNAME_LABEL",
    "IMAGES",
    "INSTANCE_TYPE_LABEL",
    "MEMORY_BYTES",
    "NODE_SHAPES",
    "OS_LABEL",
    "POOL_NAMES",
    "PRIORITY_CLASS_NAMES",
    "PROFILE_NAMES",
    "TAINTS",
    "TIERS",
    "WORKLOAD_NAMES",
    "ZONES",
    "ZONE_LABEL",
    "Manifest",
    "NodeShape",
    "go_duration",
    "quantity_forms",
]

Manifest = dict[str, Any]
"""A Kubernetes (or kubesim) document as a user writes it: ``apiVersion``, ``kind``, ``metadata``, ``spec``."""

# ---- labels ------------------------------------------------------------------------------------------------

HOSTNAME_LABEL = "kubernetes.io/hostname"
ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
OS_LABEL = "kubernetes.io/os"
ARCH_LABEL = "kubernetes.io/arch"
DISK_LABEL = "example.com/disk"
"""A user node label with two values, for nodeSelector and In/NotIn/Exists/DoesNotExist affinity."""
GENERATION_LABEL = "example.com/generation"
"""A numeric user node label ("1".."4"), so node affinity's Gt and Lt operators have something to compare."""

REGION = "region-1"
ZONES = ("zone-a", "zone-b", "zone-c")
DISK_VALUES = ("ssd", "hdd")
GENERATIONS = ("1", "2", "3", "4")
TIERS = ("frontend", "backend")

# ---- names -------------------------------------------------------------------------------------------------

WORKLOAD_NAMES = (
    "web",
    "api",
    "db",
    "cache",
    "worker",
    "frontend",
    "backend",
    "queue",
    "search",
    "auth",
    "payments",
    "ingest",
    "metrics",
    "logs",
    "batch",
    "report",
)
"""Workload (and app label) names: DNS-1035 labels, so each can also name its Service."""
BARE_POD_NAMES = ("toolbox", "debug", "migrate", "smoke-test", "canary", "profiler")
POOL_NAMES = ("general", "compute", "highmem", "gpu", "infra", "spot")
PRIORITY_CLASS_NAMES = ("high-priority", "low-priority", "batch-priority", "critical-services", "best-effort")
PRIORITY_VALUES = (1000, -10, 0, 100, 10000, 1_000_000, -1000, 1_000_000_000)
PROFILE_NAMES = ("default-scheduler", "bin-packing", "spread-out")
NAMESPACES = ("default", "shop", "batch")

# ---- images ------------------------------------------------------------------------------------------------

IMAGES = (
    "nginx:1.27",
    "redis:7.2",
    "postgres:16",
    "busybox:1.36",
    "python:3.12-slim",
    "registry.example.com/shop/web:v1",
)
IMAGE_SIZES = {  # bytes, for Node status.images (ImageLocality's thresholds are 23 MiB and 1000 MiB)
    "nginx:1.27": 72_000_000,
    "redis:7.2": 117_000_000,
    "postgres:16": 432_000_000,
    "busybox:1.36": 4_300_000,
    "python:3.12-slim": 130_000_000,
    "registry.example.com/shop/web:v1": 1_250_000_000,
}

# ---- node shapes -------------------------------------------------------------------------------------------

GPU_RESOURCE = "nvidia.com/gpu"


@attrs.frozen
class NodeShape:
    """A machine type: what the kubelet reports as ``capacity`` and, after system reservations, ``allocatable``.

    The figures are those of common cloud instance types as the kubelet prints them (memory in ``Ki``, CPU
    reservations in millicores, the provider's max-pods), so generated nodes look like ``kubectl get node -o
    yaml`` and small ones really do run out of pod slots.
    """

    instance_type: str
    capacity: Mapping[str, str]
    allocatable: Mapping[str, str]


def _shape(
    instance_type: str,
    cpu: str,
    memory: str,
    pods: str,
    alloc_cpu: str,
    alloc_memory: str,
    gpus: int = 0,
) -> NodeShape:
    capacity = {"cpu": cpu, "memory": memory, "pods": pods, "ephemeral-storage": "83873772Ki"}
    allocatable = {"cpu": alloc_cpu, "memory": alloc_memory, "pods": pods, "ephemeral-storage": "76224326324"}
    if gpus:
        capacity[GPU_RESOURCE] = allocatable[GPU_RESOURCE] = str(gpus)
    return NodeShape(instance_type, capacity, allocatable)


NODE_SHAPES: tuple[NodeShape, ...] = (
    _shape("m5.xlarge", "4", "15896988Ki", "58", "3920m", "15186204Ki"),
    _shape("m5.large", "2", "7934440Ki", "29", "1930m", "7244264Ki"),
    _shape("t3.small", "2", "2002524Ki", "11", "1930m", "1514076Ki"),
    _shape("c5.xlarge", "4", "7934440Ki", "58", "3920m", "7244264Ki"),
    _shape("r5.large", "2", "16069140Ki", "29", "1930m", "15358356Ki"),
    _shape("m5.2xlarge", "8", "32408096Ki", "58", "7910m", "31391264Ki"),
    _shape("g4dn.xlarge", "4", "16100540Ki", "29", "3920m", "15389756Ki", gpus=1),
)
"""Realistic node shapes, the most ordinary first (Hypothesis shrinks towards it)."""

# ---- taints ------------------------------------------------------------------------------------------------

TAINTS: tuple[Manifest, ...] = (
    {"key": "dedicated", "value": "infra", "effect": "NoSchedule"},
    {"key": "spot", "value": "true", "effect": "PreferNoSchedule"},
    {"key": GPU_RESOURCE, "value": "present", "effect": "NoSchedule"},
    {"key": "dedicated", "value": "batch", "effect": "NoSchedule"},
    {"key": "example.com/maintenance", "effect": "NoExecute"},
)
"""Node taints seen in practice. Two share ``dedicated:NoSchedule`` (a node may carry only one of them)."""

# ---- pod resources -----------------------------------------------------------------------------------------

_MI = 2**20
_GI = 2**30
CPU_MILLIS = (100, 250, 500, 50, 1000, 200, 1500, 2000, 10)
"""Container CPU requests in millicores, the most common first."""
MEMORY_BYTES = (
    128 * _MI,
    256 * _MI,
    64 * _MI,
    512 * _MI,
    _GI,
    100_000_000,
    2 * _GI,
    1_000_000_000,
    3 * _GI // 2,
)
"""Container memory requests in bytes (binary and decimal sizes, as users write both)."""

# ---- text forms --------------------------------------------------------------------------------------------

_BINARY = (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))
_DECIMAL = (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3))


def _decimal_text(value: Fraction, max_places: int = 3) -> str | None:
    """``value`` as a plain decimal with at most ``max_places`` places (``1.5``, ``0.25``), or ``None``."""
    for places in range(max_places + 1):
        scaled = value * 10**places
        if scaled.denominator == 1:
            whole = int(scaled)
            if places == 0:
                return str(whole)
            digits = str(whole).rjust(places + 1, "0")
            return f"{digits[:-places]}.{digits[-places:]}"
    return None


def _trailing_zeros(n: int) -> int:
    count = 0
    while n and n % 10 == 0:
        n //= 10
        count += 1
    return count


def quantity_forms(resource: str, amount: int) -> list[str]:
    """Every text form we generate for ``amount`` of ``resource`` (in scheduler units: millicores for cpu,
    bytes for memory and storage, counts otherwise), the canonical one (as kubectl prints it) first.

    Each form parses back to exactly ``amount`` (``models.quantity.resource_value``): ``2``, ``2000m``,
    ``1.5``, ``500m``, ``500e-3`` for cpu; ``1Gi``, ``1024Mi``, ``1073741824``, ``1.5Gi``, ``100M``, ``1e9``
    for memory; ``110`` for pods and extended resources.
    """
    if amount < 0:
        raise ValueError(f"quantities are never negative here, got {amount}")
    forms: list[str] = []

    def add(text: str | None) -> None:
        if text is not None and text not in forms:
            forms.append(text)

    if resource == "cpu":
        if amount % 1000 == 0:
            add(str(amount // 1000))
        add(f"{amount}m")
        add(_decimal_text(Fraction(amount, 1000)))
        if amount:
            add(f"{amount}e-3")
        return forms
    if resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-"):
        for suffix, unit in _BINARY:
            if amount and amount % unit == 0:
                add(f"{amount // unit}{suffix}")
        for suffix, unit in _DECIMAL:
            if amount and amount % unit == 0:
                add(f"{amount // unit}{suffix}")
        add(str(amount))
        zeros = _trailing_zeros(amount)
        if zeros >= 2:
            add(f"{amount // 10**zeros}e{zeros}")
        for suffix, unit in _BINARY:
            text = _decimal_text(Fraction(amount, unit), 2) if amount >= unit // 2 and amount % unit else None
            if text is not None:
                add(f"{text}{suffix}")
        return forms
    add(str(amount))
    zeros = _trailing_zeros(amount)
    if zeros >= 1:
        add(f"{amount // 10**zeros}e{zeros}")
    return forms


def go_duration(seconds: float) -> str:
    """A Go-style duration as users write it in a Scenario (``0s``, ``90s`` as ``1m30s``, ``2h``, ``1h5m``)."""
    whole = int(seconds)
    if whole != seconds or whole < 0:
        return f"{seconds:g}s"
    if whole == 0:
        return "0s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts)


def selector_labels(workload: Manifest) -> dict[str, str]:
    """The labels a workload manifest's pods are selected by: ``spec.selector.matchLabels``, else (a Job, an
    RC) the template's ``app`` label."""
    spec = workload.get("spec", {})
    selector = spec.get("selector")
    if isinstance(selector, Mapping):
        labels = selector.get(
            "matchLabels", selector if workload.get("kind") == "ReplicationController" else {}
        )
        if labels:
            return dict(labels)
    template_labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
    return {"app": template_labels["app"]} if "app" in template_labels else dict(template_labels)


def names_of(documents: Sequence[Manifest], kind: str) -> list[str]:
    """``metadata.name`` of the documents of ``kind``."""
    return [d["metadata"]["name"] for d in documents if d.get("kind") == kind]
