"""Readers for pod specs, pod templates and the v1 Pod kind.

Field policy (DESIGN.md §4): each reader lists the fields it models, the ones it accepts and ignores (they do
not change simulated behaviour) and the ones Kubernetes knows that would change behaviour but kubesim does not
model (errors, or warnings with ``--lenient``). Anything else is an unknown field, as under Kubernetes' strict
decoding.
"""

from __future__ import annotations

from models._common import (
    META_IGNORED,
    TAINT_EFFECTS,
    check_key,
    check_name,
    is_overcommittable,
    label_value_problem,
    port_name_problem,
    qualified_name_problem,
    read_annotations,
    read_labels,
    read_metadata,
    read_resources,
    read_selector,
)
from models._read import REQUIRED, Doc, Fields, child, show
from models.meta import KObject, LabelSelector
from models.pod import (
    Affinity,
    Container,
    ContainerPort,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Pod,
    PodAffinity,
    PodAffinityTerm,
    PodSpec,
    PodTemplate,
    PreferredSchedulingTerm,
    Toleration,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from models.quantity import canonical_quantity

RESTART_POLICIES = ("Always", "OnFailure", "Never")

CONTAINER_IGNORED = (
    "command",
    "args",
    "env",
    "envFrom",
    "volumeMounts",
    "livenessProbe",
    "startupProbe",
    "securityContext",
    "imagePullPolicy",
    "workingDir",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "resizePolicy",
    "tty",
    "stdin",
    "stdinOnce",
    "lifecycle",  # preStop time is what kubesim.dev/shutdown-seconds models
)
CONTAINER_UNSUPPORTED = ("volumeDevices", "restartPolicyRules")
PROBE_IGNORED = (
    "exec",
    "httpGet",
    "tcpSocket",
    "grpc",
    "periodSeconds",
    "timeoutSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds",
)
POD_SPEC_IGNORED = (
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "dnsPolicy",
    "dnsConfig",
    "hostname",
    "subdomain",
    "imagePullSecrets",
    "securityContext",
    "enableServiceLinks",
    "setHostnameAsFQDN",
    "shareProcessNamespace",
    "hostAliases",
    "hostPID",
    "hostIPC",
    "hostUsers",
    "os",
    "ephemeralContainers",
)
POD_SPEC_UNSUPPORTED = ("hostNetwork", "runtimeClassName", "resourceClaims", "readinessGates", "resources")
VOLUME_IGNORED = ("configMap", "secret", "emptyDir", "downwardAPI", "projected", "hostPath", "image")
VOLUME_UNSUPPORTED = (
    "persistentVolumeClaim",
    "ephemeral",
    "csi",
    "nfs",
    "iscsi",
    "rbd",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "fc",
    "flexVolume",
    "flocker",
    "glusterfs",
    "photonPersistentDisk",
    "portworxVolume",
    "quobyte",
    "scaleIO",
    "storageos",
    "vsphereVolume",
    "gitRepo",
)
NODE_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")


def _read_probe_delay(container: Fields) -> float | None:
    probe = container.mapping("readinessProbe")
    if probe is None:
        return None
    delay = probe.integer("initialDelaySeconds", 0, minimum=0)
    probe.done(ignored=PROBE_IGNORED)
    return float(delay)


def _read_ports(container: Fields) -> tuple[ContainerPort, ...]:
    """validateContainerPorts: names are IANA service names unique within the container."""
    ports: list[ContainerPort] = []
    names: set[str] = set()
    for _path, port in container.list_of_fields("ports"):
        name = port.string("name")
        if name:
            problem = port_name_problem(name)
            if problem:
                port.error("name", f"invalid value {show(name)}: {problem}")
            elif name in names:
                port.error("name", f"duplicate value {show(name)}")
            names.add(name)
        number = port.integer("containerPort", 0, minimum=1, maximum=65535, required=True)
        host_port = port.integer("hostPort", 0, minimum=0, maximum=65535)
        # SetDefaults_ContainerPort: an empty protocol is TCP
        protocol = port.choice("protocol", ("TCP", "UDP", "SCTP"), "TCP", empty_is_default=True)
        host_ip = port.string("hostIP")
        port.done()
        ports.append(ContainerPort(number, protocol, host_port, host_ip))
    return tuple(ports)


def _check_host_ports(spec: Fields, containers: tuple[Container, ...]) -> None:
    """AccumulateUniqueHostPorts: no two container ports claim the same hostIP/protocol/hostPort."""
    seen: set[str] = set()
    for ci, container in enumerate(containers):
        for pi, port in enumerate(container.ports):
            if not port.host_port:
                continue
            key = f"{port.host_ip}/{port.protocol}/{port.host_port}"
            if key in seen:
                spec.doc.error(
                    f"{spec.at('containers')}[{ci}].ports[{pi}].hostPort", f"duplicate value {show(key)}"
                )
            seen.add(key)


def _read_container(container: Fields, *, init: bool, pod: bool = True) -> Container:
    doc = container.doc
    name = container.string("name", required=True)
    if name:
        check_name(doc, container.at("name"), name, "label")
    # validateContainersOnlyForPod: a Pod needs an image. A pod template may leave it empty (for config management
    # or a webhook to fill in), but every pod created from it is then rejected; kubesim does not model that.
    image = container.string("image", required=pod)
    if pod and image != image.strip():
        container.error("image", "must not have leading or trailing whitespace")
    elif not pod and container.data.get("image") in (None, ""):
        container.doc.error_or_warn(
            container.at("image"),
            f"{REQUIRED}: Kubernetes accepts a pod template without an image, but rejects every pod created from "
            "it (kubesim does not model that); use --lenient to simulate the pods anyway",
            "no image: Kubernetes would reject every pod created from this template; simulated anyway (--lenient)",
        )
    requests: dict[str, int] = {}
    limits: dict[str, int] = {}
    resources = container.mapping("resources")
    if resources is not None:
        requests = read_resources(resources, "requests")
        limits = read_resources(resources, "limits")
        # Kubernetes defaults a missing request to the limit.
        for res, amount in limits.items():
            requests.setdefault(res, amount)
        for res, amount in requests.items():
            path = child(resources.at("requests"), res)
            if res in limits and amount > limits[res] and is_overcommittable(res):
                # ValidateResourceRequirements: "... limit of <the limit's canonical quantity>"
                raw_limits = resources.get("limits")
                of = f" of {canonical_quantity(raw_limits[res])}" if isinstance(raw_limits, dict) else ""
                doc.error(path, f"must be less than or equal to {res} limit{of}")
            elif not is_overcommittable(res):
                if res not in limits:
                    doc.error(path, "limit must be set for non overcommitable resources")
                elif amount != limits[res]:
                    doc.error(path, f"must be equal to {res} limit")
        resources.done(unsupported=("claims",))
    ports = _read_ports(container)
    delay = _read_probe_delay(container)
    restart_policy: str | None = None
    if container.has("restartPolicy"):
        if init:
            restart_policy = container.choice("restartPolicy", ("Always",))
        else:
            container.get("restartPolicy")
            container.doc.unsupported(container.at("restartPolicy"))
    container.done(ignored=CONTAINER_IGNORED, unsupported=CONTAINER_UNSUPPORTED)
    return Container(
        name=name,
        image=image,
        requests=requests,
        limits=limits,
        ports=ports,
        readiness_delay_seconds=delay,
        restart_policy=restart_policy,
    )


def _read_node_requirement(
    doc: Doc, path: str, req: Fields, *, field_selector: bool
) -> NodeSelectorRequirement:
    key = req.string("key", required=True)
    operators = ("In", "NotIn") if field_selector else NODE_SELECTOR_OPERATORS
    operator = req.choice("operator", operators, required=True)
    values = req.str_list("values")
    if field_selector:
        if key and key != "metadata.name":
            req.error("key", f'unsupported value {show(key)}: supported values: "metadata.name"')
        if operator and len(values) != 1:
            req.error("values", "must have one element")
    else:
        if key:
            check_key(doc, req.at("key"), key)
        if operator in ("In", "NotIn") and not values:
            req.error("values", "must be specified when `operator` is 'In' or 'NotIn'")
        elif operator in ("Exists", "DoesNotExist") and values:
            req.error("values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
        elif operator in ("Gt", "Lt") and len(values) != 1:
            # Only the count is validated: a value that is not an integer is accepted by the API server, and the
            # scheduler's term then matches no node (NodeSelectorRequirement.parses).
            req.error("values", "must be specified single value when `operator` is 'Lt' or 'Gt'")
    req.done()
    return NodeSelectorRequirement(key, operator, values)


def _read_node_term(doc: Doc, term: Fields) -> NodeSelectorTerm:
    exprs = [
        _read_node_requirement(doc, p, r, field_selector=False)
        for p, r in term.list_of_fields("matchExpressions")
    ]
    fields = [
        _read_node_requirement(doc, p, r, field_selector=True) for p, r in term.list_of_fields("matchFields")
    ]
    term.done()
    return NodeSelectorTerm(tuple(exprs), tuple(fields))


def _read_weight(fields: Fields) -> int:
    weight = fields.opt_int("weight")
    if weight is None:
        if not fields.has("weight"):
            fields.error("weight", REQUIRED)
        return 1
    if not 1 <= weight <= 100:
        fields.error("weight", "must be in the range 1-100")
        return 1
    return weight


def _read_node_affinity(fields: Fields) -> NodeAffinity:
    doc = fields.doc
    required: NodeSelector | None = None
    req = fields.mapping("requiredDuringSchedulingIgnoredDuringExecution")
    if req is not None:
        terms = [_read_node_term(doc, t) for _p, t in req.list_of_fields("nodeSelectorTerms", required=True)]
        req.done()
        required = NodeSelector(tuple(terms))
    preferred: list[PreferredSchedulingTerm] = []
    for _path, pref in fields.list_of_fields("preferredDuringSchedulingIgnoredDuringExecution"):
        weight = _read_weight(pref)
        term = pref.mapping("preference", required=True)
        pref.done()
        preferred.append(
            PreferredSchedulingTerm(weight, _read_node_term(doc, term) if term else NodeSelectorTerm())
        )
    fields.done()
    return NodeAffinity(required, tuple(preferred))


def _read_key_list(fields: Fields, key: str) -> tuple[str, ...]:
    keys = fields.str_list(key)
    for index, item in enumerate(keys):
        problem = qualified_name_problem(item)
        if problem:
            fields.doc.error(f"{fields.at(key)}[{index}]", f"invalid key {show(item)}: {problem}")
    return keys


def _check_label_keys(
    fields: Fields,
    selector: LabelSelector | None,
    match_keys: tuple[str, ...],
    mismatch_keys: tuple[str, ...] = (),
) -> None:
    """validateLabelKeys / validateMatchLabelKeysAndMismatchLabelKeys (topology spread and pod affinity).

    Since 1.34 the API server merges each matchLabelKeys entry into the selector when it creates a pod, and then
    rejects a key that also appears in the authored selector; kubesim rejects that overlap up front.
    """
    for key, keys in (("matchLabelKeys", match_keys), ("mismatchLabelKeys", mismatch_keys)):
        if keys and selector is None:
            fields.error(key, "must not be specified when labelSelector is not set")
    if selector is not None:
        in_selector = set(selector.match_labels) | {e.key for e in selector.match_expressions}
        for index, item in enumerate(match_keys):
            if item in in_selector:
                fields.doc.error(
                    f"{fields.at('matchLabelKeys')}[{index}]",
                    f"invalid value {show(item)}: exists in both matchLabelKeys and labelSelector",
                )
    for index, item in enumerate(match_keys):
        if item in mismatch_keys:
            fields.doc.error(
                f"{fields.at('matchLabelKeys')}[{index}]",
                f"invalid value {show(item)}: exists in both matchLabelKeys and mismatchLabelKeys",
            )


def _read_pod_affinity_term(term: Fields) -> PodAffinityTerm:
    doc = term.doc
    topology_key = term.string("topologyKey", required=True)
    if topology_key:
        check_key(doc, term.at("topologyKey"), topology_key)
    selector = read_selector(term, "labelSelector")
    namespaces = term.str_list("namespaces")
    for index, ns in enumerate(namespaces):
        check_name(doc, f"{term.at('namespaces')}[{index}]", ns, "label")
    namespace_selector = read_selector(term, "namespaceSelector")
    match_keys = _read_key_list(term, "matchLabelKeys")
    mismatch_keys = _read_key_list(term, "mismatchLabelKeys")
    _check_label_keys(term, selector, match_keys, mismatch_keys)
    term.done()
    return PodAffinityTerm(topology_key, selector, namespaces, namespace_selector, match_keys, mismatch_keys)


def _read_pod_affinity(fields: Fields) -> PodAffinity:
    required = [
        _read_pod_affinity_term(t)
        for _p, t in fields.list_of_fields("requiredDuringSchedulingIgnoredDuringExecution")
    ]
    preferred: list[WeightedPodAffinityTerm] = []
    for _path, pref in fields.list_of_fields("preferredDuringSchedulingIgnoredDuringExecution"):
        weight = _read_weight(pref)
        term = pref.mapping("podAffinityTerm", required=True)
        pref.done()
        if term is not None:
            preferred.append(WeightedPodAffinityTerm(weight, _read_pod_affinity_term(term)))
    fields.done()
    return PodAffinity(tuple(required), tuple(preferred))


def _read_affinity(spec: Fields) -> Affinity | None:
    fields = spec.mapping("affinity")
    if fields is None:
        return None
    node = fields.mapping("nodeAffinity")
    pod = fields.mapping("podAffinity")
    anti = fields.mapping("podAntiAffinity")
    fields.done()
    return Affinity(
        node_affinity=_read_node_affinity(node) if node else None,
        pod_affinity=_read_pod_affinity(pod) if pod else None,
        pod_anti_affinity=_read_pod_affinity(anti) if anti else None,
    )


def _read_tolerations(spec: Fields) -> tuple[Toleration, ...]:
    out: list[Toleration] = []
    for _path, tol in spec.list_of_fields("tolerations"):
        key = tol.string("key")
        if key:
            check_key(spec.doc, tol.at("key"), key)
        # validateTolerations: an empty operator means Equal
        operator = tol.choice("operator", ("Exists", "Equal"), "Equal", empty_is_default=True)
        value = tol.string("value")
        effect = tol.choice("effect", TAINT_EFFECTS)
        seconds = tol.opt_int("tolerationSeconds")
        if not key and operator != "Exists":
            tol.error(
                "operator",
                'operator must be Exists when `key` is empty, which means "match all values and all keys"',
            )
        if operator == "Exists" and value:
            tol.error("operator", "value must be empty when `operator` is 'Exists'")
        elif operator == "Equal":
            problem = label_value_problem(value)
            if problem:  # validateTolerations reports an Equal toleration's bad value at `.operator`
                tol.error("operator", f"invalid value {show(value)}: {problem}")
        if seconds is not None and effect != "NoExecute":
            tol.error("effect", "effect must be 'NoExecute' when `tolerationSeconds` is set")
        tol.done()
        out.append(Toleration(key, operator, value, effect, seconds))
    return tuple(out)


def _read_spread(spec: Fields) -> tuple[TopologySpreadConstraint, ...]:
    out: list[TopologySpreadConstraint] = []
    last: dict[tuple[str, str], str] = {}
    for path, tsc in spec.list_of_fields("topologySpreadConstraints"):
        max_skew = tsc.opt_int("maxSkew")
        if max_skew is None:
            if not tsc.has("maxSkew"):
                tsc.error("maxSkew", REQUIRED)
            max_skew = 1
        elif max_skew < 1:
            tsc.error("maxSkew", "must be greater than zero")
            max_skew = 1
        topology_key = tsc.string("topologyKey", required=True)
        if topology_key:
            check_key(spec.doc, tsc.at("topologyKey"), topology_key)
        when = tsc.choice("whenUnsatisfiable", ("DoNotSchedule", "ScheduleAnyway"), required=True)
        selector = read_selector(tsc, "labelSelector")
        min_domains = tsc.opt_int("minDomains")
        if min_domains is not None and min_domains <= 0:
            tsc.error("minDomains", "must be greater than 0")
            min_domains = None
        elif min_domains is not None and when and when != "DoNotSchedule":
            tsc.error("minDomains", f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {when}")
        affinity_policy = tsc.choice("nodeAffinityPolicy", ("Honor", "Ignore"), "Honor")
        taints_policy = tsc.choice("nodeTaintsPolicy", ("Honor", "Ignore"), "Ignore")
        match_keys = _read_key_list(tsc, "matchLabelKeys")
        _check_label_keys(tsc, selector, match_keys)
        tsc.done()
        # ValidateSpreadConstraintNotRepeat reports a constraint repeated by a later one, at the earlier one
        pair = (topology_key, when)
        if pair in last:
            spec.doc.error(
                f"{last[pair]}.{{topologyKey, whenUnsatisfiable}}",
                f"duplicate value {{{topology_key}, {when}}}",
            )
        last[pair] = path
        out.append(
            TopologySpreadConstraint(
                max_skew,
                topology_key,
                when,
                selector,
                min_domains,
                affinity_policy,
                taints_policy,
                match_keys,
            )
        )
    return tuple(out)


def _read_volumes(spec: Fields) -> None:
    names: set[str] = set()
    for _path, volume in spec.list_of_fields("volumes"):
        name = volume.string("name", required=True)
        if name:
            check_name(spec.doc, volume.at("name"), name, "label")
            if name in names:
                volume.error("name", f"duplicate value {show(name)}")
            names.add(name)
        sources = [k for k in volume.data if k != "name" and volume.data[k] is not None]
        if len(sources) > 1:
            volume.error(sources[1], "may not specify more than 1 volume type")
        elif not sources and name:
            volume.doc.error(volume.path, "must specify a volume type")
        volume.done(ignored=VOLUME_IGNORED, unsupported=VOLUME_UNSUPPORTED)


def read_pod_spec(
    spec: Fields, *, restart_policies: tuple[str, ...] = RESTART_POLICIES, pod: bool = True
) -> PodSpec:
    """A ``v1.PodSpec``; ``restart_policies`` narrows ``restartPolicy`` for workload templates; ``pod`` is false
    for a pod template (which may leave container images empty)."""
    doc = spec.doc
    containers = tuple(
        _read_container(c, init=False, pod=pod) for _p, c in spec.list_of_fields("containers", required=True)
    )
    init_containers = tuple(
        _read_container(c, init=True, pod=pod) for _p, c in spec.list_of_fields("initContainers")
    )
    _check_host_ports(spec, containers)
    seen: set[str] = set()
    for index, container in enumerate(containers + init_containers):
        if container.name in seen:
            group = "containers" if index < len(containers) else "initContainers"
            pos = index if index < len(containers) else index - len(containers)
            doc.error(f"{spec.at(group)}[{pos}].name", f"duplicate value {show(container.name)}")
        seen.add(container.name)
    node_selector = read_labels(spec, "nodeSelector")
    affinity = _read_affinity(spec)
    tolerations = _read_tolerations(spec)
    spread = _read_spread(spec)
    priority = spec.opt_int("priority")
    priority_class = spec.string("priorityClassName")
    if priority_class:
        check_name(doc, spec.at("priorityClassName"), priority_class)
    preemption = spec.choice("preemptionPolicy", ("PreemptLowerPriority", "Never")) or None
    scheduler_name = spec.string("schedulerName", "default-scheduler") or "default-scheduler"
    if spec.has("schedulerName"):
        check_name(doc, spec.at("schedulerName"), scheduler_name)
    node_name = spec.string("nodeName")
    if node_name:
        check_name(doc, spec.at("nodeName"), node_name)
    if spec.has("restartPolicy") and spec.data.get("restartPolicy") != "":
        restart = spec.choice("restartPolicy", restart_policies, restart_policies[0])
    else:
        spec.get("restartPolicy")
        restart = "Always"
        if "Always" not in restart_policies:
            spec.error("restartPolicy", REQUIRED + " (supported values: " + ", ".join(restart_policies) + ")")
            restart = restart_policies[0]
    grace = spec.integer("terminationGracePeriodSeconds", 30)
    if grace < 0:
        # the API server accepts a negative grace period with a warning and stores 1 (pod strategy)
        doc.warn(
            spec.at("terminationGracePeriodSeconds"),
            "must be >= 0; negative values are invalid and will be treated as 1",
        )
        grace = 1
    overhead = read_resources(spec, "overhead", "overhead")
    gates: list[str] = []
    for path, gate in spec.list_of_fields("schedulingGates"):
        gate_name = gate.string("name", required=True)
        if gate_name:
            check_key(doc, gate.at("name"), gate_name)
            if gate_name in gates:
                doc.error(path, f"duplicate value {show(gate_name)}")
            gates.append(gate_name)
        gate.done()
    deadline = spec.opt_int("activeDeadlineSeconds", minimum=1)
    _read_volumes(spec)
    spec.done(ignored=POD_SPEC_IGNORED, unsupported=POD_SPEC_UNSUPPORTED)
    return PodSpec(
        containers=containers,
        init_containers=init_containers,
        node_selector=node_selector,
        affinity=affinity,
        tolerations=tolerations,
        topology_spread_constraints=spread,
        priority=priority,
        priority_class_name=priority_class,
        preemption_policy=preemption,
        scheduler_name=scheduler_name,
        node_name=node_name,
        restart_policy=restart,
        termination_grace_period_seconds=grace,
        overhead=overhead,
        scheduling_gates=tuple(gates),
        active_deadline_seconds=deadline,
    )


def read_template(
    parent: Fields, key: str = "template", *, restart_policies: tuple[str, ...] = ("Always",)
) -> PodTemplate:
    """A ``PodTemplateSpec`` (``spec.template``): metadata labels and annotations, and the pod spec."""
    template = parent.mapping(key, required=True)
    if template is None:
        return PodTemplate(spec=PodSpec(containers=()))
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    meta = template.mapping("metadata")
    if meta is not None:
        labels = read_labels(meta, "labels")
        annotations = read_annotations(meta, "annotations", timing=True)
        meta.done(ignored=(*META_IGNORED, "name", "namespace", "ownerReferences"))
    spec_fields = template.mapping("spec", required=True)
    spec = (
        read_pod_spec(spec_fields, restart_policies=restart_policies, pod=False)
        if spec_fields is not None
        else PodSpec(containers=())
    )
    template.done()
    return PodTemplate(spec=spec, labels=labels, annotations=annotations)


def read_pod(root: Fields) -> KObject:
    """v1 Pod. A ``spec.nodeName`` binds the pod at load time (it skips the scheduler, as in Kubernetes)."""
    meta = read_metadata(root, namespaced=True, timing=True)
    spec_fields = root.mapping("spec", required=True)
    spec = read_pod_spec(spec_fields) if spec_fields is not None else PodSpec(containers=())
    return Pod(**meta.kwargs(), spec=spec, node_name=spec.node_name)
