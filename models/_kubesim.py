"""Readers for kubesim's own kinds (``kubesim.dev/v1alpha1``): NodePool and Scenario, with the timeline's
action table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from models._cluster import DEFAULT_MAX_PODS
from models._common import (
    check_name,
    label_value_problem,
    read_labels,
    read_metadata,
    read_resources,
    read_taints,
)
from models._failures import CRASH_TARGET_KINDS, read_failures
from models._read import REQUIRED, Doc, Fields, check_int, child, show, type_name, unsupported_value
from models._traffic import read_traffic
from models.kubesim import NodePool, Scenario, ScenarioDefaults, TimelineAction
from models.meta import KObject
from models.quantity import QuantityError, parse_duration

# Mirrors simulator.defaults.SUPPORTED_VERSIONS (models must not import the simulator; a test keeps them
# equal).
SUPPORTED_KUBERNETES_VERSIONS = ("1.31", "1.32", "1.33", "1.34", "1.35")
DEFAULT_KUBERNETES_VERSION = "1.35"
# Scenario sections that later work brings to life: accepted only with --lenient (kept in Scenario.extra).
FUTURE_SECTIONS = ("objectives",)


def read_nodepool(root: Fields) -> KObject:
    """NodePool: ``count`` nodes with ``allocatable`` (capacity equals it unless given; ``pods`` defaults to
    110)."""
    meta = read_metadata(root, namespaced=False)
    spec = root.mapping("spec", required=True)
    if spec is None:
        return NodePool(**meta.kwargs())
    count = spec.integer("count", 0, minimum=0, required=True)
    if spec.data.get("allocatable") in (None, {}):
        spec.error("allocatable", REQUIRED)
    allocatable = read_resources(spec, "allocatable", "node")
    capacity: dict[str, int] | None = None
    if spec.has("capacity"):
        capacity = read_resources(spec, "capacity", "node")
        for name, amount in allocatable.items():
            capacity.setdefault(name, amount)
    if "pods" not in allocatable:
        allocatable["pods"] = capacity.get("pods", DEFAULT_MAX_PODS) if capacity else DEFAULT_MAX_PODS
    if capacity is not None:
        capacity.setdefault("pods", allocatable["pods"])
    labels = read_labels(spec, "labels")
    taints = read_taints(spec, "taints")
    zones = spec.str_list("zones")
    for index, zone in enumerate(zones):
        problem = label_value_problem(zone) or ("must not be empty" if not zone else None)
        if problem:
            spec.doc.error(f"{spec.at('zones')}[{index}]", f"invalid zone {show(zone)}: {problem}")
    price = spec.number("pricePerHour", 0.0, minimum=0)
    low = spec.opt_int("min", minimum=0)
    high = spec.opt_int("max", minimum=0)
    if low is not None and high is not None and low > high:
        spec.error("max", "must be greater than or equal to min")
    elif (low is not None and count < low) or (high is not None and count > high):
        spec.error("count", "must be between min and max")
    delay = spec.duration("provisioningDelay", 0.0)
    spec.done()
    return NodePool(
        **meta.kwargs(),
        count=count,
        allocatable=allocatable,
        capacity=capacity,
        node_labels=labels,
        taints=taints,
        zones=zones,
        price_per_hour=price,
        min=low,
        max=high,
        provisioning_delay=delay,
    )


# ---- the timeline action table -----------------------------------------------------------------------------

ParamType = Literal[
    "node", "name", "target", "pod", "int", "string", "namespace", "duration", "number", "service", "manifest"
]
SCALABLE_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")
ROLLOUT_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


@attrs.frozen
class Param:
    """One parameter of a timeline action: its type, whether it is required, its default and limits."""

    type: ParamType
    required: bool = True
    default: Any = None
    minimum: int | None = None
    kinds: tuple[str, ...] = ()  # for "target": the kinds it may name


_NODE = {"node": Param("node")}
_NAMESPACE = Param("namespace", required=False, default="default")

ACTIONS: dict[str, Mapping[str, Param]] = {
    "crashNode": _NODE,
    "recoverNode": _NODE,
    "cordon": _NODE,
    "uncordon": _NODE,
    "removeNode": _NODE,
    "scale": {
        "target": Param("target", kinds=SCALABLE_KINDS),
        "replicas": Param("int", minimum=0),
        "namespace": _NAMESPACE,
    },
    "rollout": {
        "target": Param("target", kinds=ROLLOUT_KINDS),
        "image": Param("string"),
        "container": Param("string", required=False),
        "namespace": _NAMESPACE,
    },
    "deletePod": {"pod": Param("pod")},
    # ``kubectl create -f pod.yaml`` at a point of the run: a whole v1 Pod manifest, validated at load time.
    "createPod": {"manifest": Param("manifest")},
    "addNodes": {"pool": Param("name"), "count": Param("int", minimum=1)},
    "drain": {"node": Param("node"), "timeout": Param("duration", required=False)},
    # faults (simulator/faults.py); without ``duration`` a fault lasts until its healing action
    "zoneOutage": {"zone": Param("string"), "duration": Param("duration", required=False)},
    "recoverZone": {"zone": Param("string")},
    "partitionNode": {"node": Param("node"), "duration": Param("duration", required=False)},
    "healPartition": _NODE,
    "stopKubelet": {"node": Param("node"), "duration": Param("duration", required=False)},
    "startKubelet": _NODE,
    "crashLoop": {
        "target": Param("target", kinds=CRASH_TARGET_KINDS),
        "duration": Param("duration"),
        "namespace": _NAMESPACE,
    },
    "setTraffic": {"service": Param("service"), "rps": Param("number")},
}
"""Timeline actions and their parameters. ``scale``/``rollout`` targets are ``Kind/name`` (``namespace``
param, default ``default``); ``deletePod`` takes ``namespace/name`` or ``name`` and is normalised to
``namespace/name``."""

_TARGET = re.compile(r"^([A-Za-z]+)/(.+)$")


def _check_param(doc: Doc, path: str, param: Param, value: object) -> Any:
    """The validated (and normalised) parameter value, or ``None`` after reporting an error."""
    if param.type == "int":
        return check_int(doc, path, value, minimum=param.minimum)
    if param.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != value:
            doc.error(path, f"expected a number >= 0, got {type_name(value)} {show(value)}")
            return None
        return float(value)
    if param.type == "manifest":
        return _check_pod_manifest(doc, path, value)
    if param.type == "duration":
        try:
            return parse_duration(value)
        except QuantityError as exc:
            doc.error(path, str(exc))
            return None
    if not isinstance(value, str) or not value:
        doc.error(path, f"expected a non-empty string, got {type_name(value)} {show(value)}")
        return None
    if param.type in ("node", "name"):
        return value if check_name(doc, path, value) else None
    if param.type == "namespace":
        return value if check_name(doc, path, value, "label") else None
    if param.type == "target":
        match = _TARGET.match(value)
        if match is None:
            doc.error(path, f"{show(value)} is not a target (expected Kind/name, e.g. Deployment/web)")
            return None
        if match.group(1) not in param.kinds:
            doc.error(path, unsupported_value(match.group(1), param.kinds))
            return None
        return value if check_name(doc, path, match.group(2)) else None
    if param.type in ("pod", "service"):
        namespace, _slash, name = value.rpartition("/")
        ok = check_name(doc, path, name) and (not namespace or check_name(doc, path, namespace, "label"))
        return f"{namespace or 'default'}/{name}" if ok else None
    return value


def _check_pod_manifest(doc: Doc, path: str, value: object) -> Any:
    """A v1 Pod manifest read by the Pod reader itself, errors at ``path.spec...``; the Pod, or ``None``."""
    from models.loader import KINDS  # the loader imports this module

    fields = doc.fields(path, value)
    if fields is None:
        return None
    errors = len(doc.problems.errors)
    if fields.get("kind") != "Pod" or fields.get("apiVersion") != "v1":
        doc.error(path, "expected a v1 Pod manifest (apiVersion: v1, kind: Pod)")
        return None
    fields.string("kind")
    fields.string("apiVersion")
    reader = KINDS["Pod"]
    pod = reader.read(fields)
    fields.done(ignored=reader.ignored, unsupported=reader.unsupported)
    return pod if len(doc.problems.errors) == errors else None


def _read_timeline_entry(entry: Fields, index: int) -> TimelineAction | None:
    at = entry.duration("at", required=True)
    action = entry.string("action", required=True)
    if action and action not in ACTIONS:
        entry.error("action", f"unknown action {show(action)} (known: {', '.join(ACTIONS)})")
        return None
    if not action:
        return None
    schema = ACTIONS[action]
    params: dict[str, Any] = {}
    ok = True
    for key, value in entry.data.items():
        if key in ("at", "action"):
            continue
        path = entry.at(str(key))
        if key not in schema:
            entry.doc.error(
                path, f"unknown parameter {show(key)} for action {action} (parameters: {', '.join(schema)})"
            )
            ok = False
            continue
        checked = _check_param(entry.doc, path, schema[key], value) if value is not None else None
        if checked is None:
            ok = False if value is not None else ok
            continue
        params[key] = checked
    for key, param in schema.items():
        if key in params or entry.data.get(key) is not None:
            continue
        if param.required:
            entry.doc.error(entry.at(key), f"{REQUIRED} (action {action} needs it)")
            ok = False
        elif param.default is not None:
            params[key] = param.default
    return TimelineAction(at=at, action=action, params=params, index=index) if ok else None


def _read_version(spec: Fields) -> str:
    value = spec.get("kubernetesVersion")
    if value is None:
        return DEFAULT_KUBERNETES_VERSION
    if isinstance(value, float):
        text = repr(value)
        if len(text.partition(".")[2]) < 2:
            spec.error(
                "kubernetesVersion",
                f'{text} is ambiguous as a YAML number ({text}0 or {text}?); quote the version, e.g. "1.35"',
            )
            return DEFAULT_KUBERNETES_VERSION
    elif isinstance(value, str):
        text = value.strip()
    else:
        spec.error("kubernetesVersion", f'expected a version string such as "1.35", got {type_name(value)}')
        return DEFAULT_KUBERNETES_VERSION
    match = re.match(r"^v?(\d+)\.(\d+)(\.\d+)?$", text)
    version = f"{match.group(1)}.{match.group(2)}" if match else text
    if version not in SUPPORTED_KUBERNETES_VERSIONS:
        spec.error("kubernetesVersion", unsupported_value(text, SUPPORTED_KUBERNETES_VERSIONS))
        return DEFAULT_KUBERNETES_VERSION
    return version


def _read_defaults(spec: Fields) -> ScenarioDefaults:
    fields = spec.mapping("defaults")
    base = ScenarioDefaults()
    if fields is None:
        return base
    out = ScenarioDefaults(
        startup_seconds=fields.duration("startupSeconds", base.startup_seconds),
        ready_seconds=fields.duration("readySeconds", base.ready_seconds),
        shutdown_seconds=fields.duration("shutdownSeconds", base.shutdown_seconds),
    )
    fields.done()
    return out


def _format_seconds(seconds: float) -> str:
    return f"{seconds:g}s"


def read_scenario(root: Fields) -> KObject:
    """Scenario: duration (default 1h), seed (0), kubernetesVersion ("1.35"), pod timing defaults, timeline"""
    meta = read_metadata(root, namespaced=False)
    spec = root.mapping("spec")
    if spec is None:
        return Scenario(**meta.kwargs())
    duration = spec.duration("duration", 3600.0)
    if spec.has("duration") and duration <= 0:
        spec.error("duration", "must be greater than 0")
    seed = spec.integer("seed", 0, minimum=0)
    version = _read_version(spec)
    defaults = _read_defaults(spec)
    timeline: list[TimelineAction] = []
    for index, (path, entry) in enumerate(spec.list_of_fields("timeline")):
        action = _read_timeline_entry(entry, index)
        if action is None:
            continue
        if action.at > duration:
            spec.doc.warn(
                child(path, "at"),
                f"{_format_seconds(action.at)} is after the end of the scenario "
                f"({_format_seconds(duration)}); the action will not run",
            )
        timeline.append(action)
    traffic = read_traffic(spec)
    failures = read_failures(spec)
    extra: dict[str, Any] = {}
    for section in FUTURE_SECTIONS:
        value = spec.get(section)
        if value is None:
            continue
        spec.doc.error_or_warn(
            spec.at(section),
            "not supported by kubesim yet; use --lenient to ignore it",
            "not supported by kubesim yet; ignored (--lenient)",
        )
        extra[section] = value
    spec.done()
    return Scenario(
        **meta.kwargs(),
        duration=duration,
        seed=seed,
        kubernetes_version=version,
        timeline=tuple(timeline),
        defaults=defaults,
        failures=failures,
        traffic=traffic,
        extra=extra,
    )
