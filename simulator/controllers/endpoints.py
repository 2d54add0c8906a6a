"""Endpoints for Services: the ready, non-terminating pods matching a Service's selector.

As in Kubernetes (pkg/controller/endpoint/endpoints_controller.go ``syncService`` with
``endpointsliceutil.ShouldPodBeInEndpoints`` and ``addEndpointSubset``): a pod is listed only while it is not
terminal (Succeeded/Failed), has an IP (kubesim: is bound to a node) and is not terminating (no
``deletionTimestamp``); it goes to the ready addresses when its Ready condition is True, else to the not-ready
addresses. So a pod leaves the ready addresses when its Ready condition turns False (e.g. when its node goes
NotReady), and leaves the Endpoints entirely once it is marked for deletion. A Service without a selector gets no
managed Endpoints. ``publishNotReadyAddresses`` is not modelled.
"""

from __future__ import annotations

from models.meta import selector_from_map
from models.networking import Endpoints, Service
from models.pod import Pod
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.store import DELETED

__all__ = ["EndpointsController"]


class EndpointsController:
    """Keeps one Endpoints object per selector Service in step with its pods."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._store = ctx.store
        self._queue = WorkQueue(ctx.engine, self._sync)
        # Services by namespace, so a pod change only looks at the Services of its own namespace.
        self._services: dict[str, dict[str, Service]] = {}
        ctx.store.watch("Service", self._on_service)
        # Pods are watched from the first Service on; its first sync reads every pod it selects anyway.
        self._watching_pods = False

    def _on_service(self, change: str, svc: Service) -> None:
        if not self._watching_pods:
            self._watching_pods = True
            self._store.watch("Pod", self._on_pod)
        bucket = self._services.setdefault(svc.namespace, {})
        if change == DELETED:
            bucket.pop(svc.name, None)
        else:
            bucket[svc.name] = svc
        self._queue.add(svc.key)

    def _on_pod(self, change: str, pod: Pod) -> None:
        services = self._services.get(pod.namespace)
        if not services:
            return
        labels = pod.labels
        for svc in services.values():
            selector = svc.selector
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                self._queue.add(svc.key)

    def _sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        svc = self._store.get("Service", namespace, name)
        current = self._store.get("Endpoints", namespace, name)
        if svc is None or not svc.selector:
            if current is not None:
                self._store.delete(current)
            return
        assert isinstance(svc, Service)
        ready: list[str] = []
        not_ready: list[str] = []
        for pod in self._store.select("Pod", namespace, selector_from_map(svc.selector)):
            if not pod.node_name or pod.is_terminal or pod.deletion_timestamp is not None:
                continue
            if pod.ready:
                ready.append(pod.name)
            else:
                not_ready.append(pod.name)
        ready.sort()
        not_ready.sort()
        if current is None:
            self._store.add(
                Endpoints(name=name, namespace=namespace, ready=tuple(ready), not_ready=tuple(not_ready))
            )
        elif (current.ready, current.not_ready) != (tuple(ready), tuple(not_ready)):
            current.ready = tuple(ready)
            current.not_ready = tuple(not_ready)
            self._store.update(current)
