"""Readers shared by several kinds: names, labels, metadata, label selectors, taints, resource lists,
intOrString.

Validation follows k8s.io/apimachinery's ``validation`` package (IsDNS1123Subdomain, IsQualifiedName, ...),
with its messages shortened.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import attrs

from models._read import REQUIRED, Doc, Fields, child, show, type_name, unsupported_value
from models.annotations import (
    KUBESIM_PREFIX,
    POD_DELETION_COST,
    QUANTITY_ANNOTATIONS,
    TIMING_ANNOTATIONS,
    deletion_cost_problem,
)
from models.meta import LabelSelector, LabelSelectorRequirement, OwnerReference
from models.pod import Taint
from models.quantity import QuantityError, parse_duration, parse_quantity, resource_value

NameRule = Literal["subdomain", "label", "dns1035"]

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_LABEL = re.compile(rf"^{_LABEL}$")
_DNS_SUBDOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_PERCENT = re.compile(r"^[0-9]+%$")

_NAME_MESSAGES: dict[str, tuple[re.Pattern[str], int, str]] = {
    "subdomain": (
        _DNS_SUBDOMAIN,
        253,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
        "and must start and end with an alphanumeric character",
    ),
    "label": (
        _DNS_LABEL,
        63,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character",
    ),
    "dns1035": (
        _DNS1035,
        63,
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
        "alphabetic character, and end with an alphanumeric character",
    ),
}

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")

META_IGNORED = (
    "generateName",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "managedFields",
    "finalizers",
    "generation",
    "selfLink",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
)


def name_problem(name: str, rule: NameRule) -> str | None:
    """Why ``name`` is not a valid name under ``rule``, or ``None`` when it is."""
    pattern, limit, message = _NAME_MESSAGES[rule]
    if len(name) > limit:
        return f"{show(name)} is not a valid name: must be no more than {limit} characters"
    if not pattern.match(name):
        return f"{show(name)} is not a valid name: {message}"
    return None


def check_name(doc: Doc, path: str, name: str, rule: NameRule = "subdomain") -> bool:
    """Report an invalid name at ``path``; whether it was valid."""
    problem = name_problem(name, rule)
    if problem:
        doc.error(path, problem)
    return problem is None


def qualified_name_problem(key: str) -> str | None:
    """``IsQualifiedName``: an optional DNS subdomain prefix and ``/``, then a name of up to 63 characters."""
    if key.count("/") > 1:
        # IsQualifiedName: more than one '/' fails as a whole, not as a bad prefix
        return (
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
            "with an alphanumeric character with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        )
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return "prefix part must be non-empty"
        if len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix):
            return "prefix part " + _NAME_MESSAGES["subdomain"][2]
    if not name:
        return "name part must be non-empty"
    if len(name) > 63:
        return "name part must be no more than 63 characters"
    if not _QUALIFIED_NAME.match(name):
        return (
            "name part must consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return None


_PORT_NAME = re.compile(r"^[-a-z0-9]+$")
_HAS_LETTER = re.compile(r"[a-z]")
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def port_name_problem(name: str) -> str | None:
    """``IsValidPortName`` (an IANA_SVC_NAME): 1-15 of a-z, 0-9 and '-', a letter, no '--', no '-' at the ends."""
    if not 1 <= len(name) <= 15:
        return "must be no more than 15 characters"
    if not _PORT_NAME.match(name):
        return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
    if not _HAS_LETTER.search(name):
        return "must contain at least one letter (a-z)"
    if "--" in name:
        return "must not contain consecutive hyphens"
    if name.startswith("-") or name.endswith("-"):
        return "must not begin or end with a hyphen"
    return None


def label_value_problem(value: str) -> str | None:
    """``IsValidLabelValue``: empty, or at most 63 characters shaped like a qualified name."""
    if len(value) > 63:
        return "must be no more than 63 characters"
    if value and not _QUALIFIED_NAME.match(value):
        return (
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return None


def check_key(doc: Doc, path: str, key: str) -> bool:
    """Report an invalid label/annotation/taint key."""
    problem = qualified_name_problem(key)
    if problem:
        doc.error(path, f"invalid key {show(key)}: {problem}")
    return problem is None


def read_labels(fields: Fields, key: str) -> dict[str, str]:
    """A label map (``metadata.labels``, ``nodeSelector``, a selector's ``matchLabels``), validated."""
    labels = fields.str_map(key)
    base = fields.at(key)
    for k, v in list(labels.items()):
        ok = check_key(fields.doc, child(base, k), k)
        problem = label_value_problem(v)
        if problem:
            fields.doc.error(child(base, k), f"invalid label value {show(v)}: {problem}")
        if not ok or problem:
            del labels[k]
    return labels


def read_annotations(fields: Fields, key: str, *, timing: bool) -> dict[str, str]:
    """An annotation map; ``kubesim.dev/`` keys must be known (and timing keys only where ``timing``).

    ``timing`` marks a Pod's or pod template's annotations, which also get the API server's pod-specific checks.
    """
    annotations = fields.str_map(key)
    base = fields.at(key)
    for k, v in annotations.items():
        path = child(base, k)
        check_key(fields.doc, path, k)
        if timing and k == POD_DELETION_COST and isinstance(v, str):
            # ValidatePodSpecificAnnotations (Pods and pod templates)
            problem = deletion_cost_problem(v)
            if problem:
                fields.doc.error(path, f"invalid value {show(v)}: {problem}")
        if not k.startswith(KUBESIM_PREFIX):
            continue
        if k not in TIMING_ANNOTATIONS:
            fields.doc.error(
                path, f"unknown kubesim annotation {show(k)} (known: {', '.join(TIMING_ANNOTATIONS)})"
            )
        elif not timing:
            fields.doc.error(
                path, "kubesim timing annotations belong on a Pod or a pod template (spec.template.metadata)"
            )
        elif k in QUANTITY_ANNOTATIONS:
            try:
                amount = resource_value("memory", v)
            except QuantityError as exc:
                fields.doc.error(path, str(exc))
            else:
                if amount < 0:
                    fields.doc.error(path, "must be greater than or equal to 0")
        else:
            try:
                parse_duration(v)
            except QuantityError as exc:
                fields.doc.error(path, str(exc))
    return annotations


@attrs.frozen
class Meta:
    """What ``metadata`` gives a KObject."""

    name: str
    namespace: str = ""
    labels: dict[str, str] = attrs.field(factory=dict)
    annotations: dict[str, str] = attrs.field(factory=dict)
    owner_references: tuple[OwnerReference, ...] = ()

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for a KObject constructor."""
        return {
            "name": self.name,
            "namespace": self.namespace,
            "labels": self.labels,
            "annotations": self.annotations,
            "owner_references": self.owner_references,
        }


def read_metadata(
    root: Fields,
    *,
    namespaced: bool,
    rule: NameRule = "subdomain",
    default_name: str | None = None,
    timing: bool = False,
) -> Meta:
    """``metadata`` of a top-level object: name (checked by ``rule``), namespace (``default``), labels..."""
    doc = root.doc
    fields = root.mapping("metadata", required=default_name is None)
    if fields is None:
        return Meta(name=default_name or "", namespace="default" if namespaced else "")
    name = fields.string("name")
    if not name:
        if default_name is not None:
            name = default_name
        else:
            hint = " (generateName alone is not supported by kubesim)" if fields.has("generateName") else ""
            fields.error("name", REQUIRED + hint)
    else:
        check_name(doc, fields.at("name"), name, rule)
    namespace = fields.string("namespace")
    if namespaced:
        if namespace:
            check_name(doc, fields.at("namespace"), namespace, "label")
        else:
            namespace = "default"
    else:
        namespace = ""  # the API server drops a namespace given to a cluster-scoped object
    labels = read_labels(fields, "labels")
    annotations = read_annotations(fields, "annotations", timing=timing)
    owners: list[OwnerReference] = []
    for _path, ref in fields.list_of_fields("ownerReferences"):
        owners.append(
            OwnerReference(
                kind=ref.string("kind", required=True),
                name=ref.string("name", required=True),
                uid=ref.string("uid"),
                controller=ref.boolean("controller"),
                api_version=ref.string("apiVersion"),
            )
        )
        ref.done(ignored=("blockOwnerDeletion",))
    fields.done(ignored=META_IGNORED)
    return Meta(name, namespace, labels, annotations, tuple(owners))


def read_selector(fields: Fields, key: str, *, required: bool = False) -> LabelSelector | None:
    """A ``metav1.LabelSelector`` (matchLabels, matchExpressions), or ``None`` when absent."""
    sel = fields.mapping(key, required=required)
    if sel is None:
        return None
    match_labels = read_labels(sel, "matchLabels")
    exprs: list[LabelSelectorRequirement] = []
    for _path, expr in sel.list_of_fields("matchExpressions"):
        req_key = expr.string("key", required=True)
        if req_key:
            check_key(sel.doc, expr.at("key"), req_key)
        operator = expr.choice("operator", SELECTOR_OPERATORS, required=True)
        values: list[str] = []
        count = 0  # the items as written: a non-string one is reported as such, not as a missing value
        for path, item in expr.items("values"):
            count += 1
            if not isinstance(item, str):
                sel.doc.error(path, f"expected a string, got {type_name(item)} {show(item)}")
                continue
            problem = label_value_problem(item)
            if problem:
                sel.doc.error(path, f"invalid label value {show(item)}: {problem}")
            values.append(item)
        valid = bool(req_key and operator) and len(values) == count
        if operator in ("In", "NotIn") and not count:
            expr.error("values", "must be specified when `operator` is 'In' or 'NotIn'")
            valid = False
        if operator in ("Exists", "DoesNotExist") and count:
            expr.error("values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
            valid = False
        expr.done()
        if valid:  # an invalid requirement is not built (LabelSelectorRequirement rejects it)
            exprs.append(LabelSelectorRequirement(req_key, operator, tuple(values)))
    sel.done()
    return LabelSelector(match_labels=match_labels, match_expressions=tuple(exprs))


def read_taints(fields: Fields, key: str) -> tuple[Taint, ...]:
    """Node taints: key (qualified name), value (label value), effect; no two with the same key and effect."""
    taints: list[Taint] = []
    seen: set[tuple[str, str]] = set()
    for path, taint in fields.list_of_fields(key):
        taint_key = taint.string("key", required=True)
        if taint_key:
            check_key(fields.doc, taint.at("key"), taint_key)
        value = taint.string("value")
        problem = label_value_problem(value)
        if problem:
            taint.error("value", f"invalid taint value {show(value)}: {problem}")
        effect = taint.choice("effect", TAINT_EFFECTS, required=True)
        taint.done(ignored=("timeAdded",))
        if (taint_key, effect) in seen:
            fields.doc.error(path, f"duplicate taint {taint_key}:{effect} (key and effect must be unique)")
        seen.add((taint_key, effect))
        if taint_key and effect:
            taints.append(Taint(key=taint_key, value=value, effect=effect))
    return tuple(taints)


ResourceUse = Literal["container", "node", "overhead"]
_STANDARD = ("cpu", "memory", "ephemeral-storage")


def _resource_name_problem(name: str, use: ResourceUse) -> str | None:
    if name in _STANDARD or name.startswith("hugepages-"):
        return None
    if name == "pods" and use == "node":
        return None
    if "/" in name and qualified_name_problem(name) is None:
        if use == "overhead":
            return "overhead may list only cpu and memory"
        return None
    return f"{show(name)} must be a standard resource type or fully qualified (e.g. example.com/gpu)"


def _is_integer_resource(name: str) -> bool:
    # helper.IsIntegerResourceName: extended resources (fully qualified, no kubernetes.io/ domain) and pods.
    return name == "pods" or (
        "/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")
    )


def is_overcommittable(name: str) -> bool:
    """Kubernetes allows requests below limits only for native, non-hugepages resources."""
    return name in _STANDARD


def read_resources(fields: Fields, key: str, use: ResourceUse = "container") -> dict[str, int]:
    """A resource list (``requests``, ``limits``, ``capacity``...) in scheduler units (cpu in millicores)."""
    value = fields.get(key)
    if value is None:
        return {}
    base = fields.at(key)
    if not isinstance(value, dict):
        fields.doc.error(base, f"expected a mapping, got {type_name(value)}")
        return {}
    out: dict[str, int] = {}
    for name, amount in value.items():
        if not isinstance(name, str):
            fields.doc.error(base, f"resource names must be strings, got {show(name)}")
            continue
        path = child(base, name)
        problem = _resource_name_problem(name, use)
        if problem:
            fields.doc.error(path, problem)
            continue
        try:
            exact = parse_quantity(amount)
        except QuantityError as exc:
            fields.doc.error(path, str(exc))
            continue
        if exact < 0:
            fields.doc.error(path, "must be greater than or equal to 0")
            continue
        if _is_integer_resource(name) and exact.denominator != 1:
            # ValidateResourceQuantityValue: extended resources (and pods) must be whole; hugepages need not be
            fields.doc.error(path, f"invalid value {show(amount)}: must be an integer")
            continue
        out[name] = resource_value(name, amount)
    return out


def read_int_or_percent(
    fields: Fields, key: str, default: int | str | None, *, max_percent: int | None = 100
) -> int | str | None:
    """An ``intOrString`` that is a non-negative int or a percent such as ``"25%"``."""
    value = fields.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        fields.error(key, f"expected an integer or a percent string, got {type_name(value)} {show(value)}")
        return default
    if isinstance(value, int):
        if value < 0:
            fields.error(key, "must be greater than or equal to 0")
            return default
        return value
    if not _PERCENT.match(value):
        fields.error(
            key,
            f"{show(value)}: a valid percent string must be a numeric string followed by an ending '%' "
            "(e.g. '25%')",
        )
        return default
    if max_percent is not None and int(value[:-1]) > max_percent:
        fields.error(key, f"{show(value)}: must not be greater than 100%")
        return default
    return value


def is_zero(value: int | str | None) -> bool:
    """Whether an intOrPercent is 0 or ``"0%"``."""
    return value == 0 or (isinstance(value, str) and int(value[:-1] or 0) == 0)


__all__ = [
    "INT32_MAX",
    "INT32_MIN",
    "META_IGNORED",
    "TAINT_EFFECTS",
    "Meta",
    "check_key",
    "check_name",
    "is_overcommittable",
    "is_zero",
    "label_value_problem",
    "name_problem",
    "port_name_problem",
    "qualified_name_problem",
    "read_annotations",
    "read_int_or_percent",
    "read_labels",
    "read_metadata",
    "read_resources",
    "read_selector",
    "read_taints",
    "unsupported_value",
]
