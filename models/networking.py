"""Services, their Endpoints, and Ingresses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import attrs

from models.meta import KObject

__all__ = ["Endpoints", "Ingress", "IngressPath", "Service", "ServicePort"]


@attrs.frozen
class ServicePort:
    """A Service port; informational in the simulator (traffic is modelled per Service)."""

    port: int
    target_port: int | str | None = None
    protocol: str = "TCP"
    name: str = ""


@attrs.define(eq=False)
class Service(KObject):
    """v1 Service. A Service without a selector has no managed endpoints, as in Kubernetes."""

    KIND: ClassVar[str] = "Service"

    selector: Mapping[str, str] | None = None
    type: str = "ClusterIP"
    ports: tuple[ServicePort, ...] = ()


@attrs.define(eq=False)
class Endpoints(KObject):
    """v1 Endpoints, written by the endpoints controller: ready and not-ready pod names behind a Service."""

    KIND: ClassVar[str] = "Endpoints"

    ready: tuple[str, ...] = ()
    not_ready: tuple[str, ...] = ()


@attrs.frozen
class IngressPath:
    """One routing rule of an Ingress: host, path and the backend Service."""

    service: str
    host: str = ""
    path: str = "/"
    path_type: str = "Prefix"
    port: int | str | None = None


@attrs.define(eq=False)
class Ingress(KObject):
    """networking.k8s.io/v1 Ingress: rules flattened into (host, path, service) routes."""

    KIND: ClassVar[str] = "Ingress"
    API_VERSION: ClassVar[str] = "networking.k8s.io/v1"

    ingress_class_name: str = ""
    routes: tuple[IngressPath, ...] = ()
    default_backend: str = ""
