"""Which workload a pod belongs to, and a stable colour number per workload for the map's pod glyphs.

A Deployment's pods are owned by its ReplicaSets; the map colours them by the Deployment, as a student thinks of
them. Colour numbers are handed out in the order workloads are first seen, which is the same in every replay of a
run, so a screenshot of the same moment always looks the same.
"""

from __future__ import annotations

from models.meta import KObject
from simulator.metrics.collector import MetricsCollector

__all__ = ["WorkloadKey", "Workloads", "workload_text"]

WorkloadKey = tuple[str, str, str]  # (kind, namespace, name)


def workload_text(key: WorkloadKey) -> str:
    """``Deployment/web``, or ``Deployment/shop/web`` outside the default namespace."""
    kind, namespace, name = key
    return f"{kind}/{name}" if namespace in ("", "default") else f"{kind}/{namespace}/{name}"


class Workloads:
    """Pod -> top-level workload (cached per owner), workload -> colour number."""

    def __init__(self, metrics: MetricsCollector) -> None:
        self._metrics = metrics
        self._by_owner: dict[str, WorkloadKey | None] = {}  # controller ownerReference uid -> workload
        self.colours: dict[WorkloadKey, int] = {}

    def of(self, pod: KObject) -> WorkloadKey | None:
        """The pod's top-level workload (kind, namespace, name), or None for a bare pod."""
        ref = pod.controller_ref
        if ref is None:
            return None
        cache_key = ref.uid or f"{ref.kind}/{pod.namespace}/{ref.name}"
        if cache_key in self._by_owner:
            return self._by_owner[cache_key]
        key = self._metrics.workload_of(pod)
        if len(self._by_owner) > 50_000:
            self._by_owner.clear()
        self._by_owner[cache_key] = key
        return key

    def colour(self, key: WorkloadKey | None) -> int:
        """The workload's colour number (-1 for bare pods)."""
        if key is None:
            return -1
        colour = self.colours.get(key)
        if colour is None:
            colour = self.colours[key] = len(self.colours)
        return colour
