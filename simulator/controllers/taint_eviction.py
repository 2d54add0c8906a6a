"""Taint-based eviction (the taint-eviction-controller, formerly the NoExecute taint manager).

A pod on a node with NoExecute taints is deleted at once if it does not tolerate them all, otherwise after the
smallest ``tolerationSeconds`` of the tolerations it uses (never, if one of those has none). Deletion here is a
plain delete, not the Eviction API, so PodDisruptionBudgets do not apply, as in Kubernetes. The pod then stays
Terminating until its node's kubelet confirms (or the node is removed).

The controller learns of a pod that lands on a tainted node through its pod informer and work queue, one API
latency (``taint_eviction_pod_latency``, 1 s) after the binding; the eviction is still due ``tolerationSeconds``
after the binding, so the latency only shows for a shorter toleration (0, or a pod tolerating nothing). Without
it a Deployment's pod with ``tolerationSeconds: 0`` would be bound, evicted, replaced and bound again at one
virtual instant, forever. A taint added to a node is acted on at once, as before.
"""

from __future__ import annotations

from models.node import Node
from models.pod import Pod, Taint
from simulator.controllers.base import ControllerContext
from simulator.engine import Handle
from simulator.podutil import delete_pod
from simulator.store import DELETED

__all__ = ["TaintEvictionController", "eviction_delay"]


def eviction_delay(pod: Pod, taints: tuple[Taint, ...]) -> float | None:
    """Seconds until ``pod`` is evicted from a node with ``taints`` (NoExecute only); None means never."""
    no_execute = [t for t in taints if t.effect == "NoExecute"]
    if not no_execute:
        return None
    used = []
    for taint in no_execute:
        matching = [tol for tol in pod.spec.tolerations if tol.tolerates(taint)]
        if not matching:
            return 0.0
        used.extend(matching)
    seconds = [tol.toleration_seconds for tol in used if tol.toleration_seconds is not None]
    if not seconds:
        return None
    shortest = min(seconds)
    return 0.0 if shortest <= 0 else float(shortest)


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
        """Arm (or bring forward) ``pod``'s eviction: ``tolerationSeconds`` after ``since`` (when the pod was seen
        on the tainted node; default now), and not before now."""
        if not self._store.contains(pod) or pod.deletion_timestamp is not None:
            self._cancel(pod.uid)
            return
        delay = eviction_delay(pod, self._tainted.get(pod.node_name, ()))
        if delay is None:
            self._cancel(pod.uid)
            return
        now = self._engine.now
        start = now if since is None else since
        existing = self._timers.get(pod.uid)
        if existing is not None:
            handle, started = existing
            if max(started + delay, now) >= handle.when and not handle.cancelled:
                return  # the eviction already scheduled is sooner
            handle.cancel()
            start = started
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
