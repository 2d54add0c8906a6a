"""Taint-based eviction (the taint-eviction-controller, formerly the NoExecute taint manager).

A pod on a node with NoExecute taints is deleted at once if it does not tolerate them all, otherwise after the
smallest ``tolerationSeconds`` of the tolerations it uses, the first of its tolerations that matches each taint
(at once if one is <= 0; never if none is set). An eviction already scheduled is kept when the taints change
later, sooner or not (``processPodOnNode``), unless a taint is no longer tolerated (evicted at once) or the
taints are now tolerated forever or removed (cancelled). Deletion here is a
plain delete, not the Eviction API, so PodDisruptionBudgets do not apply, as in Kubernetes. The pod then stays
Terminating until its node's kubelet confirms (or the node is removed).

The controller learns of a pod that lands on a tainted node through its pod informer and work queue, one API
latency (``taint_eviction_pod_latency``, 1 s) after the binding; the eviction is still due ``tolerationSeconds``
after the binding, so the latency only shows for a shorter toleration (0, or a pod tolerating nothing). Without
it a Deployment's pod with ``tolerationSeconds: 0`` would be bound, evicted, replaced and bound again at one
virtual instant, forever. A taint added to a node is acted on at once, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.node import Node
from models.pod import Pod, Taint, Toleration
from simulator.controllers.base import ControllerContext
from simulator.engine import Handle
from simulator.podutil import delete_pod
from simulator.store import DELETED

__all__ = ["TaintEvictionController", "eviction_delay", "min_toleration_time"]


def eviction_delay(pod: Pod, taints: tuple[Taint, ...]) -> float | None:
    """Seconds until ``pod`` is evicted from a node with ``taints`` (NoExecute only); None means never."""
    return _min_toleration(pod, taints)[1]


def _min_toleration(pod: Pod, taints: tuple[Taint, ...]) -> tuple[bool, float | None]:
    """(every NoExecute taint tolerated, seconds until eviction or None for never).

    As ``processPodOnNode`` (pkg/controller/tainteviction/taint_eviction.go): each NoExecute taint uses the
    *first* of the pod's tolerations that tolerates it (``v1helper.GetMatchingTolerations``); a taint tolerated
    by none means eviction at once; otherwise ``getMinTolerationTime`` over the used tolerations: any
    ``tolerationSeconds <= 0`` means at once, else the smallest set value, and none set means never.
    """
    no_execute = [t for t in taints if t.effect == "NoExecute"]
    if not no_execute:
        return True, None
    used = []
    for taint in no_execute:
        first = next((tol for tol in pod.spec.tolerations if tol.tolerates(taint)), None)
        if first is None:
            return False, 0.0
        used.append(first)
    return True, min_toleration_time(used)


def min_toleration_time(tolerations: Sequence[Toleration]) -> float | None:
    """``getMinTolerationTime``: 0 for no tolerations or any ``tolerationSeconds <= 0``; else the smallest set
    ``tolerationSeconds``; None (tolerated forever) when none is set."""
    if not tolerations:
        return 0.0
    seconds = [tol.toleration_seconds for tol in tolerations if tol.toleration_seconds is not None]
    if not seconds:
        return None
    if any(s <= 0 for s in seconds):
        return 0.0
    return float(min(seconds))


class TaintEvictionController:
    """Schedules and cancels evictions as NoExecute taints come and go."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._store = ctx.store
        self._engine = ctx.engine
        self._latency = ctx.defaults.taint_eviction_pod_latency
        self._tainted: dict[str, tuple[Taint, ...]] = {}
        self._timers: dict[str, tuple[Handle, float]] = {}
        ctx.store.watch("Node", self._on_node)
        # Pods are watched from the first NoExecute taint on; that node's pods are then processed in full.
        self._watching_pods = False

    def _on_node(self, change: str, node: Node) -> None:
        taints = () if change == DELETED else tuple(t for t in node.taints if t.effect == "NoExecute")
        if taints == self._tainted.get(node.name, ()):
            return
        if taints:
            self._tainted[node.name] = taints
            if not self._watching_pods:
                self._watching_pods = True
                self._store.watch("Pod", self._on_pod)
        else:
            self._tainted.pop(node.name, None)
        self._engine.call_soon(self._reprocess_node, node.name)

    def _reprocess_node(self, node_name: str) -> None:
        for pod in list(self._store.pods_on_node(node_name)):
            self._process(pod)

    def _on_pod(self, change: str, pod: Pod) -> None:
        if change == DELETED or pod.deletion_timestamp is not None:
            self._cancel(pod.uid)
            return
        if pod.node_name in self._tainted and pod.uid not in self._timers:
            # Seen through the pod informer and processed from the work queue one API latency later.
            self._engine.call_later(self._latency, self._process, pod, self._engine.now)

    def _process(self, pod: Pod, since: float | None = None) -> None:
        """Arm ``pod``'s eviction: ``tolerationSeconds`` after ``since`` (when the pod was seen on the tainted
        node; default now), and not before now. An eviction already armed earlier is kept (see below)."""
        if not self._store.contains(pod) or pod.deletion_timestamp is not None:
            self._cancel(pod.uid)
            return
        tolerated, delay = _min_toleration(pod, self._tainted.get(pod.node_name, ()))
        if delay is None:
            self._cancel(pod.uid)
            return
        now = self._engine.now
        start = now if since is None else since
        existing = self._timers.get(pod.uid)
        if existing is not None:
            handle, started = existing
            # processPodOnNode keeps an eviction scheduled at an earlier instant as it is, whether the taints now
            # tolerated would evict sooner or later; only a pod that no longer tolerates every taint (evicted at
            # once) or tolerates them forever (cancelled, above) changes it.
            if tolerated and started < now and not handle.cancelled:
                return
            handle.cancel()
            start = started if tolerated else now
        self._timers[pod.uid] = (self._engine.call_at(max(start + delay, now), self._evict, pod), start)

    def _cancel(self, uid: str) -> None:
        existing = self._timers.pop(uid, None)
        if existing is not None:
            existing[0].cancel()

    def _evict(self, pod: Pod) -> None:
        self._timers.pop(pod.uid, None)
        if not self._store.contains(pod) or pod.deletion_timestamp is not None:
            return
        self._store.event(pod, "TaintManagerEviction", f"Marking for deletion Pod {pod.namespace}/{pod.name}")
        delete_pod(self._store, pod)
