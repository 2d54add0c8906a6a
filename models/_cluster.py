"""Readers for cluster and service kinds: Node, Namespace, PriorityClass, Service, Ingress,
PodDisruptionBudget, HorizontalPodAutoscaler.
"""

from __future__ import annotations

import ipaddress
import re

from models._common import (
    INT32_MAX,
    INT32_MIN,
    check_name,
    name_problem,
    port_name_problem,
    read_int_or_percent,
    read_labels,
    read_metadata,
    read_resources,
    read_selector,
    read_taints,
)
from models._read import REQUIRED, Fields, check_int, show
from models.meta import KObject
from models.networking import Ingress, IngressPath, Service, ServicePort
from models.node import ContainerImage, Node
from models.pod import Taint
from models.policy import (
    HorizontalPodAutoscaler,
    HPAMetric,
    HPAScalingRules,
    Namespace,
    PodDisruptionBudget,
    PriorityClass,
    ScalingPolicy,
)
from models.quantity import QuantityError, parse_quantity, resource_value

DEFAULT_MAX_PODS = 110  # the kubelet's --max-pods default
HOSTNAME_LABEL = "kubernetes.io/hostname"
NODE_STATUS_IGNORED = (
    "nodeInfo",
    "addresses",
    "daemonEndpoints",
    "phase",
    "volumesInUse",
    "volumesAttached",
    "config",
    "features",
    "runtimeHandlers",
    "declaredFeatures",
)


def _read_node_status(root: Fields) -> tuple[dict[str, int], dict[str, int], tuple[ContainerImage, ...], str]:
    status = root.mapping("status")
    if status is None:
        return {}, {}, (), "True"
    capacity = read_resources(status, "capacity", "node")
    allocatable = read_resources(status, "allocatable", "node")
    images: list[ContainerImage] = []
    for _path, image in status.list_of_fields("images"):
        names = image.str_list("names")
        size = image.integer("sizeBytes", 0, minimum=0)
        image.done()
        images.append(ContainerImage(names, size))
    ready = "True"
    for _path, condition in status.list_of_fields("conditions"):
        kind = condition.string("type", required=True)
        state = condition.choice("status", ("True", "False", "Unknown"), required=True)
        condition.done(ignored=("reason", "message", "lastHeartbeatTime", "lastTransitionTime"))
        if kind == "Ready" and state:
            ready = state
    status.done(ignored=NODE_STATUS_IGNORED)
    return capacity, allocatable, tuple(images), ready


def read_node(root: Fields) -> KObject:
    """v1 Node. ``status.allocatable`` defaults to ``status.capacity`` per resource and the other way round;
    when neither gives ``pods`` it is 110 (the kubelet's ``--max-pods`` default). The
    ``kubernetes.io/hostname`` label defaults to the node name. ``status.conditions`` of type Ready set the
    node's readiness.
    """
    meta = read_metadata(root, namespaced=False)
    kwargs = meta.kwargs()
    kwargs["labels"] = {**meta.labels}
    kwargs["labels"].setdefault(HOSTNAME_LABEL, meta.name)
    unschedulable = False
    taints: tuple[Taint, ...] = ()
    spec = root.mapping("spec")
    if spec is not None:
        unschedulable = spec.boolean("unschedulable")
        taints = read_taints(spec, "taints")
        spec.done(ignored=("podCIDR", "podCIDRs", "providerID", "externalID", "configSource"))
    capacity, allocatable, images, ready = _read_node_status(root)
    for name, amount in capacity.items():
        allocatable.setdefault(name, amount)
    for name, amount in allocatable.items():
        capacity.setdefault(name, amount)
    if "pods" not in allocatable:
        allocatable["pods"] = capacity["pods"] = DEFAULT_MAX_PODS
    return Node(
        **kwargs,
        capacity=capacity,
        allocatable=allocatable,
        taints=taints,
        unschedulable=unschedulable,
        ready=ready,
        images=images,
    )


def read_namespace(root: Fields) -> KObject:
    """v1 Namespace (its name must be a DNS label)."""
    meta = read_metadata(root, namespaced=False, rule="label")
    spec = root.mapping("spec")
    if spec is not None:
        spec.done(ignored=("finalizers",))
    return Namespace(**meta.kwargs())


# schedulingapiv1.SystemPriorityClasses: name -> value (globalDefault false)
SYSTEM_PRIORITY_CLASSES = {"system-cluster-critical": 2_000_000_000, "system-node-critical": 2_000_001_000}
MAX_USER_PRIORITY = 1_000_000_000


def read_priorityclass(root: Fields) -> KObject:
    """scheduling.k8s.io/v1 PriorityClass (``value`` at most 1e9 for user classes)."""
    meta = read_metadata(root, namespaced=False)
    value = root.integer("value", 0, required=True, minimum=INT32_MIN, maximum=INT32_MAX)
    global_default = root.boolean("globalDefault")
    if meta.name.startswith("system-"):
        # IsKnownSystemPriorityClass: a known name, with its own value and not the global default
        known = SYSTEM_PRIORITY_CLASSES.get(meta.name)
        problem = ""
        if known is None:
            problem = f"{meta.name} is not a known system priority class"
        elif value != known:
            problem = f"value of {meta.name} PriorityClass must be {known}"
        elif global_default:
            problem = f"globalDefault of {meta.name} PriorityClass must be false"
        if problem:
            root.doc.error(
                "metadata.name",
                f"priority class names with 'system-' prefix are reserved for system use only: {problem}",
            )
    elif value > MAX_USER_PRIORITY:
        root.error("value", f"maximum allowed value of a user defined priority is {MAX_USER_PRIORITY}")
    policy = root.choice("preemptionPolicy", ("PreemptLowerPriority", "Never"), "PreemptLowerPriority")
    description = root.string("description")
    return PriorityClass(
        **meta.kwargs(),
        value=value,
        global_default=global_default,
        preemption_policy=policy,
        description=description,
    )


SERVICE_SPEC_IGNORED = (
    "clusterIP",
    "clusterIPs",
    "sessionAffinity",
    "sessionAffinityConfig",
    "ipFamilies",
    "ipFamilyPolicy",
    "externalTrafficPolicy",
    "internalTrafficPolicy",
    "externalIPs",
    "externalName",
    "loadBalancerIP",
    "loadBalancerSourceRanges",
    "loadBalancerClass",
    "allocateLoadBalancerNodePorts",
    "healthCheckNodePort",
    "trafficDistribution",
)


def _read_port_ref(fields: Fields, key: str) -> int | str | None:
    """``ValidatePortNumOrName``; 0 and ``""`` mean unset (SetDefaults_Service defaults them to the port)."""
    value = fields.get(key)
    if value is None or value == 0 or value == "":
        return None
    if isinstance(value, str):
        problem = port_name_problem(value)
        if problem:
            fields.error(key, f"invalid value {show(value)}: {problem}")
            return None
        return value
    return check_int(fields.doc, fields.at(key), value, minimum=1, maximum=65535)


def read_service(root: Fields) -> KObject:
    """v1 Service (name a DNS-1035 label). An absent or empty selector means no managed endpoints."""
    meta = read_metadata(root, namespaced=True, rule="dns1035")
    selector: dict[str, str] | None = None
    service_type = "ClusterIP"
    ports: list[ServicePort] = []
    spec = root.mapping("spec")
    if spec is not None:
        selector = read_labels(spec, "selector") or None
        service_type = spec.choice(
            "type",
            ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
            "ClusterIP",
            empty_is_default=True,
        )
        if service_type == "ExternalName":
            external = spec.string("externalName", required=True)
            if external:
                check_name(root.doc, spec.at("externalName"), external.removesuffix("."))
        port_list = list(spec.list_of_fields("ports"))
        headless = spec.data.get("clusterIP") == "None"
        if not port_list and service_type != "ExternalName" and not headless:
            spec.error("ports", REQUIRED)
        names: set[str] = set()
        pairs: set[tuple[int, str]] = set()
        for path, port in port_list:
            number = port.integer("port", 0, minimum=1, maximum=65535, required=True)
            name = port.string("name")
            if len(port_list) > 1 and not name:
                port.error("name", REQUIRED + " (when a Service has more than one port)")
            elif name:
                problem = name_problem(name, "label")
                if problem:
                    port.error("name", problem)
                elif name in names:
                    port.error("name", f"duplicate value {show(name)}")
                names.add(name)
            protocol = port.choice("protocol", ("TCP", "UDP", "SCTP"), "TCP", empty_is_default=True)
            if (number, protocol) in pairs:
                port.doc.error(path, f"duplicate value {{port: {number}, protocol: {protocol}}}")
            pairs.add((number, protocol))
            ports.append(
                ServicePort(
                    port=number,
                    target_port=_read_port_ref(port, "targetPort"),
                    protocol=protocol,
                    name=name,
                )
            )
            node_port = port.opt_int("nodePort", minimum=0, maximum=65535)
            if node_port and service_type == "ClusterIP":
                port.error("nodePort", "may not be used when `type` is 'ClusterIP'")
            port.done(ignored=("appProtocol",))
        spec.done(ignored=SERVICE_SPEC_IGNORED, unsupported=("publishNotReadyAddresses",))
    return Service(**meta.kwargs(), selector=selector, type=service_type, ports=tuple(ports))


def _read_backend(fields: Fields, key: str) -> tuple[str, int | str | None]:
    """validateIngressBackend: a service (DNS-1035 name, port name or number) or a resource, not both."""
    backend = fields.mapping(key, required=True)
    if backend is None:
        return "", None
    doc = backend.doc
    service = backend.mapping("service")
    name, port_ref = "", None
    if service is not None and backend.has("resource"):
        doc.error(backend.path, "cannot set both resource and service backends")
    if service is None:
        if not backend.has("resource"):
            doc.error(backend.path, "resource or service backend is required")
    else:
        name = service.string("name", required=True)
        if name:
            check_name(doc, service.at("name"), name, "dns1035")
        port = service.mapping("port")
        number: int | None = None
        port_name = ""
        if port is not None:
            number = port.opt_int("number", minimum=0, maximum=65535) or None  # 0 is unset
            port_name = port.string("name")
            if number is not None and port_name:
                doc.error(backend.path, "cannot set both port name & port number")
            elif port_name:
                problem = port_name_problem(port_name)
                if problem:
                    port.error("name", f"invalid value {show(port_name)}: {problem}")
            port.done()
        if number is None and not port_name:
            doc.error(backend.path, "port name or number is required")
        port_ref = number if number is not None else port_name or None
        service.done()
    backend.done(unsupported=("resource",))
    return name, port_ref


_INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_PATH_SUFFIXES = ("/..", "/.")
_WILDCARD_HOST = re.compile(r"^\*\.")


def _check_ingress_host(rule: Fields, host: str) -> None:
    """validateIngressRules: a DNS subdomain, optionally ``*.`` wildcarded, never an IP address."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        rule.error("host", f"invalid value {show(host)}: must be a DNS name, not an IP address")
        return
    if "*" in host:
        rest = host[2:] if _WILDCARD_HOST.match(host) else ""
        if not rest or "*" in rest or name_problem(rest, "subdomain"):
            rule.error(
                "host",
                f"invalid value {show(host)}: a wildcard DNS-1123 subdomain must start with '*.', followed by a "
                "valid DNS subdomain",
            )
        return
    problem = name_problem(host, "subdomain")
    if problem:
        rule.error("host", problem)


def _check_ingress_path(path: Fields, url: str, path_type: str) -> None:
    """validateHTTPIngressPath: Exact and Prefix paths are absolute and clean; ImplementationSpecific may be
    empty."""
    if path_type in ("Exact", "Prefix"):
        if not url.startswith("/"):
            path.error("path", f"invalid value {show(url)}: must be an absolute path")
        for seq in _INVALID_PATH_SEQUENCES:
            if seq in url:
                path.error("path", f"invalid value {show(url)}: must not contain '{seq}'")
        for suffix in _INVALID_PATH_SUFFIXES:
            if url.endswith(suffix):
                path.error("path", f"invalid value {show(url)}: cannot end with '{suffix}'")
    elif path_type == "ImplementationSpecific" and url and not url.startswith("/"):
        path.error("path", f"invalid value {show(url)}: must be an absolute path")


def read_ingress(root: Fields) -> KObject:
    """networking.k8s.io/v1 Ingress, its rules flattened into (host, path, Service) routes."""
    meta = read_metadata(root, namespaced=True)
    spec = root.mapping("spec", required=True)
    class_name, default_backend = "", ""
    routes: list[IngressPath] = []
    if spec is not None:
        class_name = spec.string("ingressClassName")
        if spec.has("ingressClassName"):
            check_name(spec.doc, spec.at("ingressClassName"), class_name)
        if spec.has("defaultBackend"):
            default_backend, _port = _read_backend(spec, "defaultBackend")
        rules = list(spec.list_of_fields("rules"))
        if not rules and not spec.has("defaultBackend"):
            spec.doc.error(spec.path, "either `defaultBackend` or `rules` must be specified")
        for _path, rule in rules:
            host = rule.string("host")
            if host:
                _check_ingress_host(rule, host)
            http = rule.mapping("http")
            if http is not None:
                for _p, path in http.list_of_fields("paths", required=True):
                    raw_url = path.string("path")
                    path_type = path.choice(
                        "pathType", ("Exact", "Prefix", "ImplementationSpecific"), required=True
                    )
                    _check_ingress_path(path, raw_url, path_type)
                    url = raw_url or "/"
                    service, port = _read_backend(path, "backend")
                    path.done()
                    if service:
                        routes.append(IngressPath(service, host, url, path_type, port))
                http.done()
            rule.done()
        spec.done(ignored=("tls",))
    return Ingress(
        **meta.kwargs(), ingress_class_name=class_name, routes=tuple(routes), default_backend=default_backend
    )


def read_pdb(root: Fields) -> KObject:
    """policy/v1 PodDisruptionBudget: exactly one of minAvailable and maxUnavailable."""
    meta = read_metadata(root, namespaced=True)
    spec = root.mapping("spec", required=True)
    if spec is None:
        return PodDisruptionBudget(**meta.kwargs())
    selector = read_selector(spec, "selector")
    min_available = read_int_or_percent(spec, "minAvailable", None)
    max_unavailable = read_int_or_percent(spec, "maxUnavailable", None)
    # ValidatePodDisruptionBudgetSpec: at most one. With neither, getExpectedPodCount returns 0, 0 and
    # updatePdbStatus allows no disruption (expectedCount <= 0).
    if spec.has("minAvailable") and spec.has("maxUnavailable"):
        spec.doc.error(spec.path, "minAvailable and maxUnavailable cannot be both set")
    policy = spec.choice("unhealthyPodEvictionPolicy", ("IfHealthyBudget", "AlwaysAllow"), "IfHealthyBudget")
    spec.done()
    return PodDisruptionBudget(
        **meta.kwargs(),
        selector=selector,
        min_available=min_available,
        max_unavailable=max_unavailable,
        unhealthy_pod_eviction_policy=policy,
    )


SCALE_TARGET_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")


def _read_hpa_metric(metric: Fields) -> HPAMetric | None:
    kind = metric.choice(
        "type", ("Resource", "Pods", "Object", "External", "ContainerResource"), required=True
    )
    if kind != "Resource":
        if kind:
            metric.doc.unsupported(metric.at("type"))
        metric.done(ignored=("pods", "object", "external", "containerResource"))
        return None
    resource = metric.mapping("resource", required=True)
    metric.done()
    if resource is None:
        return None
    name = resource.string("name", required=True)
    target = resource.mapping("target", required=True)
    resource.done()
    if target is None:
        return None
    target_type = target.choice("type", ("Utilization", "AverageValue"), required=True)
    utilization = target.opt_int("averageUtilization", minimum=1)
    average: int | None = None
    raw = target.get("averageValue")
    if raw is not None:
        try:
            if parse_quantity(raw) <= 0:
                target.error("averageValue", "must be positive")
            else:
                average = resource_value(name, raw)
        except QuantityError as exc:
            target.error("averageValue", str(exc))
    if target_type == "Utilization" and utilization is None and not target.has("averageUtilization"):
        target.error("averageUtilization", REQUIRED + " (when target type is Utilization)")
    if target_type == "AverageValue" and raw is None:
        target.error("averageValue", REQUIRED + " (when target type is AverageValue)")
    if target.get("value") is not None:
        target.error("value", "may not be set for Resource metrics (use averageUtilization or averageValue)")
    target.done()
    return HPAMetric(name, utilization if target_type == "Utilization" else None, average)


def _read_scaling_rules(behavior: Fields, key: str) -> HPAScalingRules:
    rules = behavior.mapping(key)
    if rules is None:
        return HPAScalingRules()
    window = rules.opt_int("stabilizationWindowSeconds", minimum=0, maximum=3600)
    select = rules.choice("selectPolicy", ("Max", "Min", "Disabled"), "Max")
    policies: list[ScalingPolicy] | None = None
    if rules.has("policies"):
        policies = []
        for _path, policy in rules.list_of_fields("policies"):
            policies.append(
                ScalingPolicy(
                    type=policy.choice("type", ("Pods", "Percent"), "Pods", required=True),
                    value=policy.integer("value", 1, minimum=1, required=True),
                    period_seconds=policy.integer(
                        "periodSeconds", 15, minimum=1, maximum=1800, required=True
                    ),
                )
            )
            policy.done()
    rules.done(unsupported=("tolerance",))
    return HPAScalingRules(window, select, tuple(policies) if policies is not None else None)


def read_hpa(root: Fields) -> KObject:
    """autoscaling/v2 HorizontalPodAutoscaler (Resource metrics only; no metrics means cpu at 80 %)."""
    meta = read_metadata(root, namespaced=True)
    spec = root.mapping("spec", required=True)
    if spec is None:
        return HorizontalPodAutoscaler(**meta.kwargs())
    target_kind, target_name = "Deployment", ""
    ref = spec.mapping("scaleTargetRef", required=True)
    if ref is not None:
        target_kind = ref.choice("kind", SCALE_TARGET_KINDS, "Deployment", required=True)
        target_name = ref.string("name", required=True)
        ref.string("apiVersion")
        ref.done()
    min_replicas = spec.integer("minReplicas", 1, minimum=1)
    max_replicas = spec.integer("maxReplicas", 1, minimum=1, required=True)
    if spec.has("maxReplicas") and max_replicas < min_replicas:
        spec.error("maxReplicas", "must be greater than or equal to `minReplicas`")
    metrics: list[HPAMetric] = []
    metric_list = list(spec.list_of_fields("metrics"))
    for _path, metric in metric_list:
        read = _read_hpa_metric(metric)
        if read is not None:
            metrics.append(read)
    if not metric_list:
        metrics.append(HPAMetric("cpu", average_utilization=80))  # SetDefaults_HorizontalPodAutoscaler
    scale_up = scale_down = HPAScalingRules()
    behavior = spec.mapping("behavior")
    if behavior is not None:
        scale_up = _read_scaling_rules(behavior, "scaleUp")
        scale_down = _read_scaling_rules(behavior, "scaleDown")
        behavior.done()
    spec.done()
    return HorizontalPodAutoscaler(
        **meta.kwargs(),
        target_kind=target_kind,
        target_name=target_name,
        min_replicas=min_replicas,
        max_replicas=max_replicas,
        metrics=tuple(metrics),
        scale_up=scale_up,
        scale_down=scale_down,
        has_behavior=behavior is not None,
    )
