"""Endpoints for Services: the ready, non-terminating pods matching a Service's selector.

As in Kubernetes (pkg/controller/endpoint/endpoints_controller.go ``syncService`` with
``endpointsliceutil.ShouldPodBeInEndpoints`` and ``addEndpointSubset``): a pod is listed only while it is not
terminal (Succeeded/Failed), has an IP (kubesim: is bound to a node) and is not terminating (no
``deletionTimestamp``); it goes to the ready addresses when its Ready condition is True, else to the not-ready
addresses. So a pod leaves the ready addresses when its Ready condition turns False (e.g. when its node goes
NotReady), and leaves the Endpoints entirely once it is marked for deletion.

A Service without a selector (``None``), or of type ExternalName, is left alone: the controller neither creates
nor changes nor deletes its Endpoints (they are written out of band). An empty, non-None selector selects every
pod of the namespace. Deleting a Service deletes its Endpoints; deleting a Service's Endpoints makes the
controller write them again; Endpoints found without a Service when the controller starts are deleted
(``checkLeftoverEndpoints``, leader-election records excepted). A pod change queues the Services it matches now
and those whose Endpoints listed it, so a label change moves a pod between Services. ``publishNotReadyAddresses``
is not modelled.
"""

from __future__ import annotations

from models.meta import selector_from_map
from models.networking import Endpoints, Service
from models.pod import Pod
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.store import DELETED

__all__ = ["EndpointsController"]

LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
"""Endpoints carrying this annotation are leader-election records: never deleted as leftovers."""


class EndpointsController:
    """Keeps one Endpoints object per selector Service in step with its pods."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._store = ctx.store
        self._queue = WorkQueue(ctx.engine, self._sync)
        # Services by namespace, so a pod change only looks at the Services of its own namespace.
        self._services: dict[str, dict[str, Service]] = {}
        # Per namespace and Service name: the pods its Endpoints listed at its last sync (the "old" memberships of
        # GetServicesToUpdateOnPodChange: kubesim's watch has no old object to compare labels with).
        self._members: dict[str, dict[str, set[str]]] = {}
        ctx.store.watch("Service", self._on_service)
        ctx.store.watch("Endpoints", self._on_endpoints)
        # Pods are watched from the first Service on; its first sync reads every pod it selects anyway.
        self._watching_pods = False
        for ep in ctx.store.list("Endpoints"):  # checkLeftoverEndpoints
            if LEADER_ANNOTATION not in ep.annotations:
                self._queue.add(ep.key)

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

    def _on_endpoints(self, change: str, endpoints: Endpoints) -> None:
        if change == DELETED:
            self._queue.add(endpoints.key)

    def _on_pod(self, change: str, pod: Pod) -> None:
        services = self._services.get(pod.namespace)
        if not services:
            return
        labels = pod.labels
        name = pod.name
        members = self._members.get(pod.namespace, {})
        for svc_name, svc in services.items():
            selector = svc.selector
            if (selector is not None and all(labels.get(k) == v for k, v in selector.items())) or (
                name in members.get(svc_name, ())
            ):
                self._queue.add(svc.key)

    def _sync(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        svc = self._store.get("Service", namespace, name)
        current = self._store.get("Endpoints", namespace, name)
        if svc is None:
            self._members.get(namespace, {}).pop(name, None)
            if current is not None:
                self._store.delete(current)
            return
        assert isinstance(svc, Service)
        if svc.selector is None or svc.type == "ExternalName":
            self._members.get(namespace, {}).pop(name, None)
            return
        ready: list[str] = []
        not_ready: list[str] = []
        for pod in self._store.select("Pod", namespace, selector_from_map(svc.selector)):
            if not pod.node_name or pod.is_terminal or pod.deletion_timestamp is not None:
                continue
            if pod.ready:
                ready.append(pod.name)
            else:
                not_ready.append(pod.name)
        members = set(ready)
        members.update(not_ready)
        self._members.setdefault(namespace, {})[name] = members
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
