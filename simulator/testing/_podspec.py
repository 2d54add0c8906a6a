"""Pod specs for the strategies: containers and their resources, node selection, pod (anti-)affinity,
tolerations, topology spread, priority and timing annotations.

One ``PodContext`` says what the pod may refer to (zones, the taints on the cluster's nodes, the apps whose
pods exist, priority classes, scheduler profiles) and which feature families are switched on, so that every
generated reference can bite: a toleration is for a taint some node has, an affinity term selects an ``app``
some workload has, a nodeSelector names a label value some node carries.

Each optional family is gated by a draw that shrinks to "off", so a failing example shrinks to the fewest
features that still fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import attrs
from hypothesis import strategies as st

from simulator.testing._draw import between, flip, pick, quantity, rarely, subset
from simulator.testing._manifests import (
    CPU_MILLIS,
    DISK_LABEL,
    DISK_VALUES,
    GENERATION_LABEL,
    GENERATIONS,
    GPU_RESOURCE,
    HOSTNAME_LABEL,
    IMAGES,
    INSTANCE_TYPE_LABEL,
    MEMORY_BYTES,
    NODE_SHAPES,
    OS_LABEL,
    TAINTS,
    ZONE_LABEL,
    ZONES,
    Manifest,
)

__all__ = ["PodContext", "PodFeatures", "memory_limited", "pod_context", "pod_spec", "timing_annotations"]

STARTUP = "kubesim.dev/startup-seconds"
READY = "kubesim.dev/ready-seconds"
SHUTDOWN = "kubesim.dev/shutdown-seconds"
DURATION = "kubesim.dev/duration-seconds"
CRASH_MTBF = "kubesim.dev/crash-mtbf-seconds"
MEMORY_USAGE = "kubesim.dev/memory-usage"


class PodFeatures(TypedDict, total=False):
    """Keyword switches shared by every strategy that generates pods (``pods``, ``deployments``, ...).

    Feature families (all on by default; ``False`` turns one off):

    * ``requests``, ``limits``: container resources (cpu, memory, sometimes ephemeral-storage).
    * ``extended_resources``: ``nvidia.com/gpu`` requests (= limits, as Kubernetes requires).
    * ``init_containers``: init containers, sometimes a restartable sidecar.
    * ``node_selector``: ``spec.nodeSelector`` on zone, disk, instance type or OS labels.
    * ``affinity``: both of the following; ``node_affinity``: required/preferred node affinity (In, NotIn,
      Exists, DoesNotExist, Gt, Lt, ``matchFields`` on the node name); ``pod_affinity``: pod affinity and
      anti-affinity, required and preferred, on hostname or zone.
    * ``spread``: topology spread constraints (DoNotSchedule/ScheduleAnyway, minDomains, policies).
    * ``tolerations``: tolerations for ``taints``.
    * ``host_ports``: container ``hostPort``s (NodePorts).
    * ``timing``: ``kubesim.dev/*`` timing annotations and readiness probes.

    Off by default: ``node_name`` (bind some bare pods with ``spec.nodeName``, skipping the scheduler).

    What the pod may refer to:

    * ``priority_classes``: PriorityClass names for ``priorityClassName`` (default none).
    * ``scheduler_names``: profile names for ``schedulerName`` (default: left out, the default scheduler).
    * ``zones``, ``taints``, ``instance_types``, ``node_names``: what the cluster's nodes have.
    * ``peers``: ``app`` label values (``app`` or ``namespace/app``) of pods in the cluster, for affinity.
    """

    requests: bool
    limits: bool
    extended_resources: bool
    init_containers: bool
    node_selector: bool
    affinity: bool
    node_affinity: bool
    pod_affinity: bool
    spread: bool
    tolerations: bool
    host_ports: bool
    timing: bool
    node_name: bool
    priority_classes: Sequence[str]
    scheduler_names: Sequence[str]
    zones: Sequence[str]
    taints: Sequence[Mapping[str, Any]]
    instance_types: Sequence[str]
    node_names: Sequence[str]
    peers: Sequence[str]


@attrs.frozen
class PodContext:
    """Resolved ``PodFeatures`` for one pod or pod template (see there), plus what the pod is."""

    namespace: str = "default"
    own_app: str = "web"
    requests: bool = True
    limits: bool = True
    extended_resources: bool = True
    init_containers: bool = True
    node_selector: bool = True
    node_affinity: bool = True
    pod_affinity: bool = True
    spread: bool = True
    tolerations: bool = True
    host_ports: bool = True
    timing: bool = True
    node_name: bool = False
    priority_classes: tuple[str, ...] = ()
    scheduler_names: tuple[str, ...] = ()
    zones: tuple[str, ...] = ZONES
    taints: tuple[Manifest, ...] = TAINTS
    instance_types: tuple[str, ...] = tuple(s.instance_type for s in NODE_SHAPES)
    node_names: tuple[str, ...] = ()
    peers: tuple[tuple[str, str], ...] = ()  # (namespace, app); the pod's own app first
    restart_policies: tuple[str, ...] = ("Always",)  # the first is the default
    restart_policy_required: bool = False
    finite: bool = False  # the containers must exit (Jobs): always give a duration annotation
    match_label_keys: tuple[str, ...] = ()  # labels the controller adds (pod-template-hash)


def pod_context(
    features: PodFeatures,
    *,
    namespace: str,
    own_app: str,
    restart_policies: tuple[str, ...] = ("Always",),
    restart_policy_required: bool = False,
    finite: bool = False,
    match_label_keys: tuple[str, ...] = (),
) -> PodContext:
    """A ``PodContext`` from the keyword switches a public strategy was given."""
    unknown = set(features) - set(PodFeatures.__annotations__)
    if unknown:
        raise TypeError(f"unknown pod feature(s): {', '.join(sorted(unknown))}")
    affinity = features.get("affinity", True)
    peers: list[tuple[str, str]] = [(namespace, own_app)]
    for peer in features.get("peers", ()):
        ns, _slash, app = peer.rpartition("/")
        entry = (ns or namespace, app)
        if entry not in peers:
            peers.append(entry)
    return PodContext(
        namespace=namespace,
        own_app=own_app,
        requests=features.get("requests", True),
        limits=features.get("limits", True),
        extended_resources=features.get("extended_resources", True),
        init_containers=features.get("init_containers", True),
        node_selector=features.get("node_selector", True),
        node_affinity=affinity and features.get("node_affinity", True),
        pod_affinity=affinity and features.get("pod_affinity", True),
        spread=features.get("spread", True),
        tolerations=features.get("tolerations", True),
        host_ports=features.get("host_ports", True),
        timing=features.get("timing", True),
        node_name=features.get("node_name", False),
        priority_classes=tuple(features.get("priority_classes", ())),
        scheduler_names=tuple(features.get("scheduler_names", ())),
        zones=tuple(features.get("zones", ZONES)),
        taints=tuple(dict(t) for t in features.get("taints", TAINTS)),
        instance_types=tuple(features.get("instance_types", (s.instance_type for s in NODE_SHAPES))),
        node_names=tuple(features.get("node_names", ())),
        peers=tuple(peers),
        restart_policies=restart_policies,
        restart_policy_required=restart_policy_required,
        finite=finite,
        match_label_keys=match_label_keys,
    )


# ---- containers --------------------------------------------------------------------------------------------


def _resources(draw: st.DrawFn, ctx: PodContext, *, extended: bool) -> Manifest:
    amounts: dict[str, int] = {}
    if ctx.requests and not rarely(draw):  # most containers state requests
        amounts["cpu"] = pick(draw, CPU_MILLIS)
        if not rarely(draw):
            amounts["memory"] = pick(draw, MEMORY_BYTES)
        if rarely(draw) and rarely(draw):
            amounts["ephemeral-storage"] = pick(draw, (2**30, 100 * 2**20, 10 * 2**30))
    limits: dict[str, int] = {}
    if ctx.limits and rarely(draw):
        for resource in ("cpu", "memory"):
            if resource in amounts:
                if flip(draw):
                    limits[resource] = amounts[resource] * pick(draw, (1, 2, 4))
            elif flip(draw):
                # a limit alone: Kubernetes defaults the request to it
                limits[resource] = pick(draw, CPU_MILLIS if resource == "cpu" else MEMORY_BYTES)
    requests = {k: quantity(draw, k, v) for k, v in amounts.items()}
    limit_text = {k: quantity(draw, k, v) for k, v in limits.items()}
    if extended and ctx.requests and ctx.extended_resources and rarely(draw) and rarely(draw):
        gpus = str(pick(draw, (1, 2)))
        requests[GPU_RESOURCE] = limit_text[GPU_RESOURCE] = gpus  # extended: requests must equal limits
    out: Manifest = {}
    if requests:
        out["requests"] = requests
    if limit_text:
        out["limits"] = limit_text
    return out


def _container(draw: st.DrawFn, ctx: PodContext, name: str, image: str, *, init: bool) -> Manifest:
    container: Manifest = {"name": name, "image": image}
    main = not init and name == "main"
    resources = _resources(draw, ctx, extended=main)
    if resources:
        container["resources"] = resources
    # Only the main container listens and is probed: a pod's containers share its ports (a hostPort given
    # twice in one pod is rejected by the API server), and kubesim times readiness by the first container.
    if main:
        if ctx.host_ports and rarely(draw) and rarely(draw):
            port = pick(draw, (8080, 80, 9100))
            container["ports"] = [{"containerPort": 8080, "hostPort": port, "protocol": "TCP"}]
        elif flip(draw):
            container["ports"] = [{"name": "http", "containerPort": 8080}]
        if ctx.timing and rarely(draw):
            container["readinessProbe"] = {
                "httpGet": {"path": "/healthz", "port": 8080},
                "initialDelaySeconds": pick(draw, (5, 0, 1, 15)),
                "periodSeconds": 10,
            }
    return container


# ---- node selection ----------------------------------------------------------------------------------------


def _node_selector(draw: st.DrawFn, ctx: PodContext) -> dict[str, str]:
    choices: list[tuple[str, str]] = [(DISK_LABEL, v) for v in DISK_VALUES]
    choices += [(ZONE_LABEL, z) for z in ctx.zones]
    choices += [(INSTANCE_TYPE_LABEL, t) for t in ctx.instance_types]
    choices.append((OS_LABEL, "linux"))
    key, value = pick(draw, choices)
    return {key: value}


_REQUIREMENTS = ("zone-in", "disk-in", "disk-exists", "zone-notin", "type-in", "gen", "disk-absent")


def _node_requirement(draw: st.DrawFn, ctx: PodContext) -> Manifest:
    kind = pick(draw, _REQUIREMENTS)
    if kind == "zone-in" and ctx.zones:
        return {
            "key": ZONE_LABEL,
            "operator": "In",
            "values": sorted(subset(draw, ctx.zones, 1, len(ctx.zones))),
        }
    if kind == "zone-notin" and ctx.zones:
        return {"key": ZONE_LABEL, "operator": "NotIn", "values": [pick(draw, ctx.zones)]}
    if kind == "type-in" and ctx.instance_types:
        return {
            "key": INSTANCE_TYPE_LABEL,
            "operator": "In",
            "values": sorted(subset(draw, ctx.instance_types, 1, 2)),
        }
    if kind == "gen":
        return {
            "key": GENERATION_LABEL,
            "operator": pick(draw, ("Gt", "Lt")),
            "values": [pick(draw, GENERATIONS)],
        }
    if kind == "disk-exists":
        return {"key": DISK_LABEL, "operator": "Exists"}
    if kind == "disk-absent":
        return {"key": DISK_LABEL, "operator": "DoesNotExist"}
    return {"key": DISK_LABEL, "operator": "In", "values": [pick(draw, DISK_VALUES)]}


def _node_term(draw: st.DrawFn, ctx: PodContext) -> Manifest:
    term: Manifest = {"matchExpressions": [_node_requirement(draw, ctx) for _ in range(between(draw, 1, 2))]}
    if ctx.node_names and rarely(draw) and rarely(draw):
        name = pick(draw, ctx.node_names)
        term["matchFields"] = [{"key": "metadata.name", "operator": "In", "values": [name]}]
    return term


def _node_affinity(draw: st.DrawFn, ctx: PodContext) -> Manifest:
    out: Manifest = {}
    if flip(draw):
        terms = [_node_term(draw, ctx) for _ in range(between(draw, 1, 2))]
        out["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": terms}
    if not out or flip(draw):
        out["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": pick(draw, (50, 1, 10, 100)), "preference": _node_term(draw, ctx)}
            for _ in range(between(draw, 1, 2))
        ]
    return out


# ---- pods relative to pods ---------------------------------------------------------------------------------


def _pod_affinity_term(draw: st.DrawFn, ctx: PodContext) -> Manifest:
    # Half the terms are about the pod's own app (the one-per-node and co-location patterns); it is also where
    # a term shrinks to.
    namespace, app = pick(draw, ctx.peers) if flip(draw) else ctx.peers[0]
    selector: Manifest
    same_ns = [a for ns, a in ctx.peers if ns == namespace and a != app]
    if same_ns and rarely(draw):
        other = pick(draw, same_ns)
        selector = {"matchExpressions": [{"key": "app", "operator": "In", "values": sorted({app, other})}]}
    else:
        selector = {"matchLabels": {"app": app}}
    term: Manifest = {"labelSelector": selector, "topologyKey": pick(draw, (HOSTNAME_LABEL, ZONE_LABEL))}
    if namespace != ctx.namespace:
        term["namespaces"] = [namespace]
    if ctx.match_label_keys and rarely(draw) and rarely(draw):
        term["matchLabelKeys"] = list(ctx.match_label_keys)
    return term


def _pod_affinity(draw: st.DrawFn, ctx: PodContext) -> Manifest:
    out: Manifest = {}
    if flip(draw):
        terms = [_pod_affinity_term(draw, ctx) for _ in range(between(draw, 1, 2))]
        out["requiredDuringSchedulingIgnoredDuringExecution"] = terms
    if not out or flip(draw):
        out["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": pick(draw, (100, 1, 50)), "podAffinityTerm": _pod_affinity_term(draw, ctx)}
            for _ in range(between(draw, 1, 2))
        ]
    return out


_SPREADS = (
    (ZONE_LABEL, "ScheduleAnyway"),
    (HOSTNAME_LABEL, "DoNotSchedule"),
    (ZONE_LABEL, "DoNotSchedule"),
    (HOSTNAME_LABEL, "ScheduleAnyway"),
)


def _spread(draw: st.DrawFn, ctx: PodContext) -> list[Manifest]:
    out: list[Manifest] = []
    for key, when in subset(draw, _SPREADS, 1, 2):
        constraint: Manifest = {
            "maxSkew": pick(draw, (1, 2, 3)),
            "topologyKey": key,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": {"app": ctx.own_app}},
        }
        if when == "DoNotSchedule" and rarely(draw):
            constraint["minDomains"] = between(draw, 1, 3)
        if rarely(draw):
            constraint["nodeAffinityPolicy"] = pick(draw, ("Honor", "Ignore"))
        if rarely(draw):
            constraint["nodeTaintsPolicy"] = pick(draw, ("Ignore", "Honor"))
        if ctx.match_label_keys and rarely(draw):
            constraint["matchLabelKeys"] = list(ctx.match_label_keys)
        out.append(constraint)
    return out


def _tolerations(draw: st.DrawFn, ctx: PodContext) -> list[Manifest]:
    if rarely(draw) and rarely(draw):
        return [{"operator": "Exists"}]  # tolerates every taint (DaemonSet-style system pods)
    out: list[Manifest] = []
    for index in subset(draw, range(len(ctx.taints)), 1, 3):
        taint = ctx.taints[index]
        style = pick(draw, ("equal", "exists", "any-effect"))
        toleration: Manifest = {"key": taint["key"]}
        if style == "equal":
            toleration["operator"] = "Equal"
            if taint.get("value"):
                toleration["value"] = taint["value"]
            toleration["effect"] = taint["effect"]
        else:
            toleration["operator"] = "Exists"
            if style == "exists":
                toleration["effect"] = taint["effect"]
        if toleration.get("effect") == "NoExecute" and flip(draw):
            # 0 included: a replicated pod is then evicted, recreated and rebound in a loop, as in Kubernetes,
            # one API latency (taint_eviction_pod_latency) per round.
            toleration["tolerationSeconds"] = pick(draw, (300, 60, 3600, 0))
        if toleration not in out:
            out.append(toleration)
    return out


# ---- timing annotations ------------------------------------------------------------------------------------


def timing_annotations(draw: st.DrawFn, ctx: PodContext, spec: Manifest) -> dict[str, str]:
    """kubesim's per-pod behaviour annotations for a pod with ``spec``: startup/ready/shutdown times, a run
    duration (always for ``ctx.finite``, sometimes for a pod that is not restarted), rarely a crash MTBF, and a
    memory usage when the first container has a memory limit (so OOM kills happen)."""
    out: dict[str, str] = {}
    restart = spec.get("restartPolicy", "Always")
    if ctx.finite or (ctx.timing and restart != "Always" and flip(draw)):
        out[DURATION] = pick(draw, ("60s", "5m", "10s", "20m"))
    if not ctx.timing:
        return out
    if flip(draw):
        out[STARTUP] = pick(draw, ("2s", "5s", "1s", "10s", "30s"))
    if rarely(draw):
        out[READY] = pick(draw, ("3s", "0s", "10s"))
    if rarely(draw):
        out[SHUTDOWN] = pick(draw, ("1s", "5s", "30s"))
    if rarely(draw) and rarely(draw):
        out[CRASH_MTBF] = pick(draw, ("30m", "2h", "10m"))
    if memory_limited(spec) and rarely(draw):
        out[MEMORY_USAGE] = pick(draw, ("100Mi", "50Mi", "1Gi", "4Gi"))
    return out


# ---- the pod spec ------------------------------------------------------------------------------------------


def pod_spec(draw: st.DrawFn, ctx: PodContext) -> Manifest:
    """A ``v1.PodSpec`` manifest under ``ctx``."""
    containers = [_container(draw, ctx, "main", pick(draw, IMAGES), init=False)]
    if rarely(draw):
        containers.append(_container(draw, ctx, "log-shipper", "busybox:1.36", init=False))
    spec: Manifest = {"containers": containers}
    if ctx.init_containers and rarely(draw):
        inits = [_container(draw, ctx, "init", "busybox:1.36", init=True)]
        if flip(draw):
            sidecar = _container(draw, ctx, "proxy", "nginx:1.27", init=True)
            sidecar["restartPolicy"] = "Always"  # a restartable (sidecar) init container
            inits.append(sidecar)
        spec["initContainers"] = inits
    policy = pick(draw, ctx.restart_policies)
    if ctx.restart_policy_required or policy != "Always" or flip(draw):
        spec["restartPolicy"] = policy
    if ctx.node_selector and rarely(draw):
        spec["nodeSelector"] = _node_selector(draw, ctx)
    affinity: Manifest = {}
    if ctx.node_affinity and rarely(draw):
        affinity["nodeAffinity"] = _node_affinity(draw, ctx)
    if ctx.pod_affinity and ctx.peers and rarely(draw):
        affinity["podAffinity"] = _pod_affinity(draw, ctx)
    if ctx.pod_affinity and ctx.peers and rarely(draw):
        affinity["podAntiAffinity"] = _pod_affinity(draw, ctx)
    if affinity:
        spec["affinity"] = affinity
    if ctx.tolerations and ctx.taints and rarely(draw):
        spec["tolerations"] = _tolerations(draw, ctx)
    if ctx.spread and rarely(draw):
        spec["topologySpreadConstraints"] = _spread(draw, ctx)
    if ctx.priority_classes and flip(draw):
        spec["priorityClassName"] = pick(draw, ctx.priority_classes)
    if ctx.scheduler_names and flip(draw):
        spec["schedulerName"] = pick(draw, ctx.scheduler_names)
    if ctx.node_name and ctx.node_names and rarely(draw):
        spec["nodeName"] = pick(draw, ctx.node_names)
    if rarely(draw):
        spec["terminationGracePeriodSeconds"] = pick(draw, (30, 0, 5, 60))
    return spec


def memory_limited(spec: Manifest) -> bool:
    """Whether the first container has a memory limit (so a memory-usage annotation can OOM-kill it)."""
    return "memory" in spec["containers"][0].get("resources", {}).get("limits", {})
