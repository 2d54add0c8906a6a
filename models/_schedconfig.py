"""Reader for kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration."""

from __future__ import annotations

import re
from typing import Any

from models._common import check_key, qualified_name_problem, read_metadata
from models._pods import _read_node_affinity
from models._read import Fields, check_int, show, unsupported_value
from models.meta import KObject
from models.schedconfig import (
    EXTENSION_POINTS,
    IN_TREE_PLUGINS,
    KubeSchedulerConfiguration,
    PluginRef,
    PluginSet,
    SchedulerProfile,
)

DEFAULT_CONFIG_NAME = "kube-scheduler-config"
CONFIG_IGNORED = (
    "parallelism",
    "leaderElection",
    "clientConnection",
    "healthzBindAddress",
    "metricsBindAddress",
    "enableProfiling",
    "enableContentionProfiling",
    "delayCacheUntilActive",
)
_CUSTOM_PLUGIN = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
ARGS_API_VERSION = "kubescheduler.config.k8s.io/v1"
#: plugins kubescheduler.config.k8s.io/v1 no longer accepts (``invalidPluginsByVersion`` upstream).
REMOVED_IN_V1 = ("AzureDiskLimits", "CinderLimits", "EBSLimits", "GCEPDLimits")
_REMOVED = f'was invalid in version "{ARGS_API_VERSION}" (KubeSchedulerConfiguration is version "{ARGS_API_VERSION}")'
SCORING_STRATEGIES = ("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio")
SPREAD_ACTIONS = ("DoNotSchedule", "ScheduleAnyway")
# TopologySpreadConstraint fields a default constraint may carry upstream but kubesim's defaults ignore.
_SPREAD_UNMODELLED = ("minDomains", "nodeAffinityPolicy", "nodeTaintsPolicy", "matchLabelKeys")


def plugin_name_problem(name: str, *, wildcard: bool) -> str | None:
    """Why ``name`` is not a plugin kubesim knows, or ``None``."""
    if name in REMOVED_IN_V1 and not wildcard:
        return _REMOVED
    if name in IN_TREE_PLUGINS or (wildcard and name == "*") or _CUSTOM_PLUGIN.match(name):
        return None
    return (
        f"unknown plugin {show(name)}: not an in-tree kube-scheduler plugin, "
        "nor a custom plugin's Python import path (package.module:ClassName)"
    )


def _read_plugin_list(point: Fields, key: str, *, wildcard: bool) -> tuple[PluginRef, ...]:
    out: list[PluginRef] = []
    for _path, plugin in point.list_of_fields(key):
        name = plugin.string("name", required=True)
        problem = plugin_name_problem(name, wildcard=wildcard) if name else None
        if problem:
            plugin.error("name", problem)
        weight = plugin.opt_int("weight", minimum=0)
        plugin.done()
        if name and not problem:
            out.append(PluginRef(name, weight))
    return tuple(out)


# -- plugin args (validation_pluginargs.go, after the v1 defaults of defaults.go) ---------------------------------
def _int_arg(args: Fields, key: str, default: int) -> int | None:
    """An integer arg (``default`` when unset); ``None`` after a type error."""
    value = args.get(key)
    if value is None:
        return default
    return check_int(args.doc, args.at(key), value)


def _check_default_preemption(args: Fields) -> None:
    pct = _int_arg(args, "minCandidateNodesPercentage", 10)
    absolute = _int_arg(args, "minCandidateNodesAbsolute", 100)
    if pct is not None and not 0 <= pct <= 100:
        args.error("minCandidateNodesPercentage", f"invalid value {pct}: not in valid range [0, 100]")
    if absolute is not None and absolute < 0:
        args.error("minCandidateNodesAbsolute", f"invalid value {absolute}: not in valid range [0, inf)")
    if pct == 0 and absolute == 0:
        args.error(
            "minCandidateNodesPercentage", "cannot be zero at the same time as minCandidateNodesAbsolute"
        )
        args.error(
            "minCandidateNodesAbsolute", "cannot be zero at the same time as minCandidateNodesPercentage"
        )


def _check_inter_pod_affinity(args: Fields) -> None:
    weight = _int_arg(args, "hardPodAffinityWeight", 1)
    if weight is not None and not 0 <= weight <= 100:
        args.error("hardPodAffinityWeight", f"invalid value {weight}: not in valid range [0, 100]")
    args.boolean("ignorePreferredTermsOfExistingPods")


def _check_pod_topology_spread(args: Fields) -> None:
    defaulting = args.get("defaultingType")
    if defaulting is None or defaulting == "":
        defaulting = "System"  # SetDefaults_PodTopologySpreadArgs
    elif defaulting not in ("System", "List"):
        args.error("defaultingType", unsupported_value(defaulting, ("List", "System")))
        defaulting = None
    seen: set[tuple[str, str]] = set()
    count = 0
    for path, c in args.list_of_fields("defaultConstraints"):
        count += 1
        skew = c.get("maxSkew")
        skew = 0 if skew is None else check_int(c.doc, c.at("maxSkew"), skew)
        if skew is not None and skew <= 0:
            c.error("maxSkew", f"invalid value {skew}: not in valid range (0, inf)")
        key = c.string("topologyKey")
        if not key:
            c.error("topologyKey", "required value: can not be empty")
        else:
            check_key(c.doc, c.at("topologyKey"), key)
        when = c.get("whenUnsatisfiable")
        if when is None or when == "":
            c.error("whenUnsatisfiable", "required value: can not be empty")
        elif when not in SPREAD_ACTIONS:
            c.error("whenUnsatisfiable", unsupported_value(when, SPREAD_ACTIONS))
        if c.get("labelSelector") is not None:
            c.error(
                "labelSelector",
                "forbidden: constraint must not define a selector, as they deduced for each pod",
            )
        if isinstance(key, str) and isinstance(when, str):
            if (key, when) in seen:
                c.doc.error(path, f"duplicate value {{{key}, {when}}}")
            seen.add((key, when))
        c.done(unsupported=_SPREAD_UNMODELLED)
    if defaulting == "System" and count:
        args.error("defaultingType", 'invalid value "System": when .defaultConstraints are not empty')


def _check_resources(args: Fields, key: str, *, balanced: bool) -> None:
    names: set[str] = set()
    for _path, r in args.list_of_fields(key):
        name = r.string("name", required=True)
        weight = r.get("weight")
        weight = 1 if weight is None or weight == 0 else check_int(r.doc, r.at("weight"), weight)
        if balanced:
            if weight is not None and weight != 1:
                r.error("weight", f"invalid value {weight}: must be 1")
        elif weight is not None and not 0 < weight <= 100:
            r.error(
                "weight", f"invalid value {weight}: resource weight of {name} not in valid range (0, 100]"
            )
        if name in names:
            r.error(
                "name", f"duplicate value {show(name)}" + ("" if balanced else " (not modelled by kubesim)")
            )
        names.add(name)
        r.done()


def _check_shape(rtcr: Fields) -> None:
    points: list[tuple[int | None, int | None]] = []
    for _path, pt in rtcr.list_of_fields("shape"):
        u = pt.get("utilization")
        s = pt.get("score")
        u = 0 if u is None else check_int(pt.doc, pt.at("utilization"), u)
        s = 0 if s is None else check_int(pt.doc, pt.at("score"), s)
        pt.done()
        points.append((u, s))
    if not points:
        rtcr.error("shape", "required value: at least one point must be specified")
        return
    base = rtcr.at("shape")
    for i in range(1, len(points)):
        prev, cur = points[i - 1][0], points[i][0]
        if prev is not None and cur is not None and prev >= cur:
            rtcr.doc.error(
                f"{base}[{i}].utilization", f"invalid value {cur}: values must be sorted in increasing order"
            )
            break
    for i, (u, s) in enumerate(points):
        if u is not None and not 0 <= u <= 100:
            rtcr.doc.error(f"{base}[{i}].utilization", f"invalid value {u}: not in valid range [0, 100]")
        if s is not None and not 0 <= s <= 10:
            rtcr.doc.error(f"{base}[{i}].score", f"invalid value {s}: not in valid range [0, 10]")


def _check_node_resources_fit(args: Fields) -> None:
    for path, res in args.items("ignoredResources"):
        problem = (
            qualified_name_problem(res) if isinstance(res, str) else f"expected a string, got {show(res)}"
        )
        if problem:
            args.doc.error(path, f"invalid value {show(res)}: {problem}")
    for path, group in args.items("ignoredResourceGroups"):
        if not isinstance(group, str):
            args.doc.error(path, f"expected a string, got {show(group)}")
            continue
        if "/" in group:
            args.doc.error(path, f"invalid value {show(group)}: resource group name can't contain '/'")
        problem = qualified_name_problem(group)
        if problem:
            args.doc.error(path, f"invalid value {show(group)}: {problem}")
    strategy = args.mapping("scoringStrategy")
    if strategy is None:
        return  # SetDefaults_NodeResourcesFitArgs: LeastAllocated, cpu and memory weight 1
    kind = strategy.get("type")
    if kind not in SCORING_STRATEGIES:
        strategy.error("type", unsupported_value(kind if kind is not None else "", SCORING_STRATEGIES))
    _check_resources(strategy, "resources", balanced=False)
    rtcr = strategy.mapping("requestedToCapacityRatio")
    if kind == "RequestedToCapacityRatio":
        if rtcr is None:
            strategy.error(
                "requestedToCapacityRatio",
                "required value: must be specified when type is RequestedToCapacityRatio",
            )
        else:
            _check_shape(rtcr)
            rtcr.done()
    elif rtcr is not None:
        strategy.error(
            "requestedToCapacityRatio", "forbidden: must be nil when type is not RequestedToCapacityRatio"
        )
    strategy.done()


def _check_balanced_allocation(args: Fields) -> None:
    _check_resources(args, "resources", balanced=True)


def _check_node_affinity(args: Fields) -> None:
    added = args.mapping("addedAffinity")
    if added is not None:
        _read_node_affinity(added)


_ARGS_CHECKS = {
    "DefaultPreemption": _check_default_preemption,
    "InterPodAffinity": _check_inter_pod_affinity,
    "PodTopologySpread": _check_pod_topology_spread,
    "NodeResourcesFit": _check_node_resources_fit,
    "NodeResourcesBalancedAllocation": _check_balanced_allocation,
    "NodeAffinity": _check_node_affinity,
}


def _check_args(entry: Fields, plugin: str, raw: dict[str, Any]) -> None:
    """Report the problems of a ``pluginConfig`` entry's ``args`` for an in-tree plugin with an args type."""
    args = Fields(entry.doc, entry.at("args"), raw)
    kind = args.string("kind")
    if kind and kind != f"{plugin}Args":
        args.error("kind", f"invalid value {show(kind)}: has to match plugin args ({plugin}Args)")
    version = args.string("apiVersion")
    if version and version != ARGS_API_VERSION:
        args.error("apiVersion", unsupported_value(version, (ARGS_API_VERSION,)))
    check = _ARGS_CHECKS.get(plugin)
    if check is not None:
        check(args)
        args.done()


def _read_profile(profile: Fields, *, only: bool) -> SchedulerProfile:
    # SetDefaults_KubeSchedulerConfiguration names a profile only when it is the only one.
    if not profile.has("schedulerName") and only:
        name = "default-scheduler"
        profile.get("schedulerName")
    else:
        name = profile.string("schedulerName")
        if not name:
            profile.error("schedulerName", "required value")
    percentage = profile.opt_int("percentageOfNodesToScore", minimum=0, maximum=100)
    plugins: dict[str, PluginSet] = {}
    plugin_fields = profile.mapping("plugins")
    if plugin_fields is not None:
        for point_name in EXTENSION_POINTS:
            point = plugin_fields.mapping(point_name)
            if point is None:
                continue
            plugins[point_name] = PluginSet(
                enabled=_read_plugin_list(point, "enabled", wildcard=False),
                disabled=_read_plugin_list(point, "disabled", wildcard=True),
            )
            point.done()
        plugin_fields.done()
    config: dict[str, dict[str, Any]] = {}
    for _path, entry in profile.list_of_fields("pluginConfig"):
        plugin = entry.string("name", required=True)
        problem = plugin_name_problem(plugin, wildcard=False) if plugin else None
        if problem:
            entry.error("name", problem)
        elif plugin in config:
            entry.error("name", f"duplicate value {show(plugin)}")
        args = entry.get("args")
        if args is not None and not isinstance(args, dict):
            entry.error("args", "expected a mapping")
            args = None
        if plugin and not problem and args is not None:
            _check_args(entry, plugin, args)
        entry.done()
        if plugin and not problem:
            config[plugin] = {k: v for k, v in (args or {}).items() if k not in ("apiVersion", "kind")}
    profile.done()
    return SchedulerProfile(name, plugins, config, percentage)


def _check_common_queue_sort(root: Fields, paths: list[str], profiles: list[SchedulerProfile]) -> None:
    """``validateCommonQueueSort``: every profile's ``queueSort`` plugin set (as written) and that plugin's args
    must equal the first profile's."""
    first = profiles[0]
    canon = first.plugins.get("queueSort", PluginSet())
    if len(canon.enabled) > 1:
        root.doc.error(f"{paths[0]}.plugins.queueSort.enabled", "only one queue sort plugin can be enabled")
    sort_name = canon.enabled[0].name if canon.enabled else ""
    sort_args = first.plugin_config.get(sort_name)
    for path, profile in zip(paths[1:], profiles[1:], strict=True):
        if profile.plugins.get("queueSort", PluginSet()) != canon:
            root.doc.error(f"{path}.plugins.queueSort", "must be the same for all profiles")
        if sort_name and sort_name in profile.plugin_config and profile.plugin_config[sort_name] != sort_args:
            root.doc.error(
                f"{path}.pluginConfig",
                f"args of queueSort plugin {show(sort_name)} must be the same for all profiles",
            )


def read_schedconfig(root: Fields) -> KObject:
    """KubeSchedulerConfiguration: profiles (plugins per extension point, pluginConfig),
    percentageOfNodesToScore, pod backoff. Other top-level fields (leaderElection, clientConnection, ...) are
    ignored; the loader checks them against ``CONFIG_IGNORED``. No ``metadata`` is needed; the object is named
    ``kube-scheduler-config`` unless it has one.
    """
    meta = read_metadata(root, namespaced=False, default_name=DEFAULT_CONFIG_NAME)
    profiles: list[SchedulerProfile] = []
    paths: list[str] = []
    names: set[str] = set()
    raw_profiles = root.data.get("profiles")
    only = not isinstance(raw_profiles, list) or len(raw_profiles) <= 1
    for path, profile in root.list_of_fields("profiles"):
        read = _read_profile(profile, only=only)
        if read.scheduler_name and read.scheduler_name in names:
            root.doc.error(f"{path}.schedulerName", f"duplicate value {show(read.scheduler_name)}")
        names.add(read.scheduler_name)
        profiles.append(read)
        paths.append(path)
    if profiles:
        _check_common_queue_sort(root, paths, profiles)
    percentage = root.opt_int("percentageOfNodesToScore", minimum=0, maximum=100)
    initial = root.integer("podInitialBackoffSeconds", 1, minimum=1)
    maximum = root.integer("podMaxBackoffSeconds", 10, minimum=1)
    if maximum < initial:
        root.error("podMaxBackoffSeconds", "must be greater than or equal to podInitialBackoffSeconds")
    return KubeSchedulerConfiguration(
        **meta.kwargs(),
        profiles=tuple(profiles) if profiles else (SchedulerProfile(),),
        percentage_of_nodes_to_score=percentage,
        pod_initial_backoff_seconds=float(initial),
        pod_max_backoff_seconds=float(maximum),
    )
