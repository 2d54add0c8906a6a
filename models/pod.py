"""Pods and everything a pod spec says that the simulator models.

Resource amounts are integers in the unit the scheduler compares: millicores for ``cpu``, bytes for ``memory``
and ``ephemeral-storage``, plain counts for extended resources (see ``models.quantity.resource_value``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

import attrs

from models.meta import KObject, LabelSelector

__all__ = [
    "Affinity",
    "Container",
    "ContainerPort",
    "NodeAffinity",
    "NodeSelector",
    "NodeSelectorRequirement",
    "NodeSelectorTerm",
    "Pod",
    "PodAffinity",
    "PodAffinityTerm",
    "PodSpec",
    "PodTemplate",
    "PreferredSchedulingTerm",
    "Taint",
    "Toleration",
    "TopologySpreadConstraint",
    "WeightedPodAffinityTerm",
]

ResourceList = Mapping[str, int]


@attrs.frozen
class Taint:
    """A node taint: ``key``, ``value``, ``effect`` (NoSchedule, PreferNoSchedule, NoExecute), ``timeAdded``."""

    key: str
    effect: str
    value: str = ""
    time_added: float | None = attrs.field(default=None, eq=False)


@attrs.frozen
class Toleration:
    """A pod toleration. An empty ``key`` with ``Exists`` tolerates every taint; an empty ``effect`` every effect."""

    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""
    toleration_seconds: int | None = None

    def tolerates(self, taint: Taint) -> bool:
        """``v1.Toleration.ToleratesTaint``: effect, key and (for Equal) value must match."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        return self.value == taint.value  # Equal (the default)


@attrs.frozen
class ContainerPort:
    """A container port; only ``hostPort`` matters to scheduling (NodePorts)."""

    container_port: int
    protocol: str = "TCP"
    host_port: int = 0
    host_ip: str = ""


@attrs.frozen
class Container:
    """A container: its requests and limits, host ports, image and the readiness probe's initial delay."""

    name: str
    image: str = ""
    requests: ResourceList = attrs.field(factory=dict)
    limits: ResourceList = attrs.field(factory=dict)
    ports: tuple[ContainerPort, ...] = ()
    readiness_delay_seconds: float | None = None
    restart_policy: str | None = None  # an init container with restartPolicy Always is a sidecar


@attrs.frozen
class NodeSelectorRequirement:
    """``matchExpressions``/``matchFields`` entry of a node selector term (In, NotIn, Exists, DoesNotExist, Gt, Lt)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a node with ``labels`` satisfies the requirement (``labels.Requirement.Matches``)."""
        op = self.operator
        present = self.key in labels
        if op == "In":
            return present and labels[self.key] in self.values
        if op == "NotIn":
            return not present or labels[self.key] not in self.values
        if op == "Exists":
            return present
        if op == "DoesNotExist":
            return not present
        if op in ("Gt", "Lt"):
            if not present or len(self.values) != 1:
                return False
            have, want = _go_int64(labels[self.key]), _go_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == "Gt" else have < want
        raise ValueError(f"unknown node selector operator {op!r}")

    def parses(self) -> bool:
        """Whether kube-scheduler can turn this requirement into a label selector requirement
        (``nodeaffinity.nodeSelectorRequirementsAsSelector`` -> ``labels.NewRequirement``): In/NotIn values must be
        valid label values, Gt/Lt have one base-10 int64 value. The API server accepts such a term, but the
        scheduler's term then matches no node (k8s 1.35 ``component-helpers/scheduling/corev1/nodeaffinity``)."""
        op = self.operator
        if op in ("In", "NotIn"):
            return all(len(v) <= 63 and _LABEL_VALUE.fullmatch(v) is not None for v in self.values)
        if op in ("Gt", "Lt"):
            return len(self.values) == 1 and _go_int64(self.values[0]) is not None
        return True


#: a label value (``validation.IsValidLabelValue``): at most 63 characters, alphanumerics at both ends
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_GO_INT = re.compile(r"[+-]?[0-9]+")


def _go_int64(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``: an optional sign and decimal digits (no spaces or underscores, which
    Python's ``int`` would accept), within int64; None when Go would return an error."""
    if _GO_INT.fullmatch(text) is None:
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


@attrs.frozen
class NodeSelectorTerm:
    """Requirements ANDed together; ``match_fields`` supports ``metadata.name`` as Kubernetes does."""

    match_expressions: tuple[NodeSelectorRequirement, ...] = ()
    match_fields: tuple[NodeSelectorRequirement, ...] = ()
    #: every label requirement parses (see ``NodeSelectorRequirement.parses``); a term that does not matches nothing
    parses: bool = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(lambda self: all(r.parses() for r in self.match_expressions), takes_self=True),
    )

    def matches(self, labels: Mapping[str, str], node_name: str) -> bool:
        """An empty term matches no node (Kubernetes' rule for a term without requirements), nor does a term
        whose requirements the scheduler cannot parse."""
        if not self.parses or (not self.match_expressions and not self.match_fields):
            return False
        if not all(r.matches(labels) for r in self.match_expressions):
            return False
        fields = {"metadata.name": node_name}
        return all(r.matches(fields) for r in self.match_fields)


@attrs.frozen
class NodeSelector:
    """``requiredDuringSchedulingIgnoredDuringExecution``: terms ORed together."""

    terms: tuple[NodeSelectorTerm, ...] = ()

    def matches(self, labels: Mapping[str, str], node_name: str) -> bool:
        """Whether any term matches."""
        return any(t.matches(labels, node_name) for t in self.terms)


@attrs.frozen
class PreferredSchedulingTerm:
    """A weighted (1-100) preferred node selector term."""

    weight: int
    preference: NodeSelectorTerm


@attrs.frozen
class NodeAffinity:
    """Node affinity: required terms (filter) and preferred terms (score)."""

    required: NodeSelector | None = None
    preferred: tuple[PreferredSchedulingTerm, ...] = ()


@attrs.frozen
class PodAffinityTerm:
    """A pod (anti-)affinity term: which pods (selector, namespaces) in which topology domain (topologyKey)."""

    topology_key: str
    label_selector: LabelSelector | None = None
    namespaces: tuple[str, ...] = ()
    namespace_selector: LabelSelector | None = None
    match_label_keys: tuple[str, ...] = ()
    mismatch_label_keys: tuple[str, ...] = ()


@attrs.frozen
class WeightedPodAffinityTerm:
    """A weighted (1-100) preferred pod (anti-)affinity term."""

    weight: int
    term: PodAffinityTerm


@attrs.frozen
class PodAffinity:
    """Pod affinity or anti-affinity (same shape): required and preferred terms."""

    required: tuple[PodAffinityTerm, ...] = ()
    preferred: tuple[WeightedPodAffinityTerm, ...] = ()


@attrs.frozen
class Affinity:
    """``spec.affinity``."""

    node_affinity: NodeAffinity | None = None
    pod_affinity: PodAffinity | None = None
    pod_anti_affinity: PodAffinity | None = None


@attrs.frozen
class TopologySpreadConstraint:
    """``spec.topologySpreadConstraints[*]`` with Kubernetes' defaults (policies Honor/Ignore)."""

    max_skew: int
    topology_key: str
    when_unsatisfiable: str
    label_selector: LabelSelector | None = None
    min_domains: int | None = None
    node_affinity_policy: str = "Honor"
    node_taints_policy: str = "Ignore"
    match_label_keys: tuple[str, ...] = ()


@attrs.frozen
class PodSpec:
    """The parts of ``v1.PodSpec`` the simulator models. Frozen, so pods from one template share it."""

    containers: tuple[Container, ...]
    init_containers: tuple[Container, ...] = ()
    node_selector: Mapping[str, str] = attrs.field(factory=dict)
    affinity: Affinity | None = None
    tolerations: tuple[Toleration, ...] = ()
    topology_spread_constraints: tuple[TopologySpreadConstraint, ...] = ()
    priority: int | None = None
    priority_class_name: str = ""
    preemption_policy: str | None = None
    scheduler_name: str = "default-scheduler"
    node_name: str = ""
    restart_policy: str = "Always"
    termination_grace_period_seconds: int = 30
    overhead: Mapping[str, int] = attrs.field(factory=dict)
    scheduling_gates: tuple[str, ...] = ()
    active_deadline_seconds: int | None = None


@attrs.frozen
class PodTemplate:
    """``spec.template`` of a workload: labels, annotations and the pod spec."""

    spec: PodSpec
    labels: Mapping[str, str] = attrs.field(factory=dict)
    annotations: Mapping[str, str] = attrs.field(factory=dict)


@attrs.define(eq=False)
class Pod(KObject):
    """A live pod. ``node_name`` is the binding (``spec.nodeName`` once bound); status fields follow Kubernetes.

    ``phase`` is Pending, Running, Succeeded, Failed or Unknown; ``ready`` is the Ready condition.
    """

    KIND: ClassVar[str] = "Pod"

    spec: PodSpec = attrs.field(factory=lambda: PodSpec(containers=()))
    node_name: str = ""
    phase: str = "Pending"
    ready: bool = False
    ready_since: float | None = None
    start_time: float | None = None
    scheduled_at: float | None = None
    restart_count: int = 0
    container_state: str = "Waiting"  # Waiting (with reason), Running, Terminated
    waiting_reason: str = "ContainerCreating"
    # lastState.terminated of the (first) container: reason (Completed, Error, OOMKilled) and exit code
    last_termination_reason: str = ""
    last_exit_code: int | None = None
    nominated_node_name: str = ""
    priority: int = 0
    # status.reason / status.message: why a pod is in its phase (e.g. OutOfcpu from kubelet admission)
    reason: str = ""
    message: str = ""
    # Set by the store while the pod is stored: the node its by-node index holds the pod under, and the kind of
    # its controller (for owner-filtered watches). Not part of the API.
    store_node: str = attrs.field(default="", init=False, repr=False)
    store_owner_kind: str = attrs.field(default="", init=False, repr=False)

    @property
    def image(self) -> str:
        """The first container's image (what the event log's ``image`` field shows)."""
        return self.spec.containers[0].image if self.spec.containers else ""

    @property
    def is_terminal(self) -> bool:
        """Succeeded or Failed: the pod will never run again."""
        return self.phase in ("Succeeded", "Failed")

    @property
    def is_active(self) -> bool:
        """``controller.IsPodActive``: not terminal and not being deleted."""
        return self.deletion_timestamp is None and self.phase not in ("Succeeded", "Failed")
