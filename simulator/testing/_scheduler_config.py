"""KubeSchedulerConfiguration documents that both the loader and kubesim's scheduler accept: plugin subsets,
score weights, scoring strategies and plugin args (see ``strategies.scheduler_configurations``).

Only plugins kubesim models are named, and a plugin disabled at ``multiPoint`` is never re-enabled at
``score`` alone (it would score without its PreScore state).
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from simulator.testing._draw import between, flip, pick, rarely, subset
from simulator.testing._manifests import (
    DISK_LABEL,
    GPU_RESOURCE,
    HOSTNAME_LABEL,
    ZONE_LABEL,
    Manifest,
)

_SCORE_PLUGINS = (
    "NodeResourcesFit",
    "TaintToleration",
    "NodeAffinity",
    "PodTopologySpread",
    "InterPodAffinity",
    "NodeResourcesBalancedAllocation",
    "ImageLocality",
)


_SCORE_ONLY = ("NodeResourcesBalancedAllocation", "ImageLocality")


_FILTER_PLUGINS = (
    "NodeUnschedulable",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "PodTopologySpread",
    "InterPodAffinity",
    "NodeName",
)


_WEIGHTS = (1, 2, 3, 5, 10)


_SHAPES = (
    ((0, 0), (100, 10)),  # bin packing
    ((0, 10), (100, 0)),  # spreading
    ((0, 0), (70, 10), (100, 2)),
)


_DEFAULT_SPREAD = (
    ((1, ZONE_LABEL, "ScheduleAnyway"),),
    (),
    ((1, ZONE_LABEL, "DoNotSchedule"), (2, HOSTNAME_LABEL, "ScheduleAnyway")),
)


def _fit_args(draw: st.DrawFn) -> Manifest:
    kind = pick(draw, ("MostAllocated", "LeastAllocated", "RequestedToCapacityRatio"))
    resources = [
        {"name": "cpu", "weight": pick(draw, (1, 2, 5))},
        {"name": "memory", "weight": pick(draw, (1, 2, 5))},
    ]
    if rarely(draw):
        resources.append({"name": GPU_RESOURCE, "weight": pick(draw, (1, 5))})
    strategy: Manifest = {"type": kind, "resources": resources}
    if kind == "RequestedToCapacityRatio":
        shape = pick(draw, _SHAPES)
        strategy["requestedToCapacityRatio"] = {"shape": [{"utilization": u, "score": s} for u, s in shape]}
    return {"scoringStrategy": strategy}


def _plugin_config(draw: st.DrawFn) -> list[Manifest]:
    out: list[Manifest] = []
    if flip(draw):
        out.append({"name": "NodeResourcesFit", "args": _fit_args(draw)})
    if rarely(draw):
        resources = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
        out.append({"name": "NodeResourcesBalancedAllocation", "args": {"resources": resources}})
    if rarely(draw):
        args: Manifest = {"hardPodAffinityWeight": pick(draw, (1, 0, 10, 100))}
        if flip(draw):
            args["ignorePreferredTermsOfExistingPods"] = flip(draw)
        out.append({"name": "InterPodAffinity", "args": args})
    if rarely(draw):
        constraints = [
            {"maxSkew": skew, "topologyKey": key, "whenUnsatisfiable": when}
            for skew, key, when in pick(draw, _DEFAULT_SPREAD)
        ]
        out.append(
            {
                "name": "PodTopologySpread",
                "args": {"defaultingType": "List", "defaultConstraints": constraints},
            }
        )
    if rarely(draw):
        percentage, absolute = pick(draw, ((10, 100), (0, 1), (50, 0), (100, 10)))
        args = {"minCandidateNodesPercentage": percentage, "minCandidateNodesAbsolute": absolute}
        out.append({"name": "DefaultPreemption", "args": args})
    if rarely(draw) and rarely(draw):
        preference = {"matchExpressions": [{"key": DISK_LABEL, "operator": "In", "values": ["ssd"]}]}
        added = {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 10, "preference": preference}]
        }
        out.append({"name": "NodeAffinity", "args": {"addedAffinity": added}})
    return out


def _profile(draw: st.DrawFn, name: str, disable_filters: bool) -> Manifest:
    profile: Manifest = {"schedulerName": name}
    plugins: Manifest = {}
    disabled: list[str] = []
    if rarely(draw):
        disabled += subset(draw, _SCORE_ONLY, 1, 2)
    if disable_filters and rarely(draw):
        disabled += subset(draw, _FILTER_PLUGINS, 1, 2)
    disabled = list(dict.fromkeys(disabled))
    # A plugin disabled at multiPoint is not re-enabled at score: it would score without its PreScore.
    scoring = [p for p in _SCORE_PLUGINS if p not in disabled]
    multi: Manifest = {}
    if rarely(draw):
        multi["enabled"] = [{"name": p, "weight": pick(draw, _WEIGHTS)} for p in subset(draw, scoring, 1, 3)]
    if disabled:
        multi["disabled"] = [{"name": p} for p in disabled]
    if multi:
        plugins["multiPoint"] = multi
    if rarely(draw):
        if flip(draw):  # only the listed score plugins, with these weights (the others still filter)
            chosen = subset(draw, scoring, 1, 3)
            enabled = [{"name": p, "weight": pick(draw, _WEIGHTS)} for p in chosen]
            plugins["score"] = {"enabled": enabled, "disabled": [{"name": "*"}]}
        else:
            plugins["score"] = {"disabled": [{"name": p} for p in subset(draw, scoring, 1, 2)]}
    if rarely(draw) and rarely(draw):
        plugins["postFilter"] = {"disabled": [{"name": "DefaultPreemption"}]}
    if plugins:
        profile["plugins"] = plugins
    config = _plugin_config(draw)
    if config:
        profile["pluginConfig"] = config
    if rarely(draw):
        profile["percentageOfNodesToScore"] = pick(draw, (50, 0, 100, 10))
    return profile


def config_doc(
    draw: st.DrawFn, profile_names: Sequence[str], max_profiles: int, disable_filters: bool
) -> Manifest:
    """A configuration with one to ``max_profiles`` of ``profile_names`` (in order)."""
    count = between(draw, 1, max(1, min(max_profiles, len(profile_names))))
    return config_with_profiles(draw, profile_names[:count], disable_filters)


def config_with_profiles(draw: st.DrawFn, profile_names: Sequence[str], disable_filters: bool) -> Manifest:
    """A configuration with exactly the profiles ``profile_names``."""
    doc: Manifest = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration"}
    doc["profiles"] = [_profile(draw, name, disable_filters) for name in profile_names]
    if rarely(draw):
        doc["percentageOfNodesToScore"] = pick(draw, (0, 50, 100, 30))
    if rarely(draw):
        doc["podInitialBackoffSeconds"] = pick(draw, (1, 2))
        doc["podMaxBackoffSeconds"] = pick(draw, (10, 5, 30))
    if rarely(draw):
        doc["leaderElection"] = {"leaderElect": False}  # accepted and ignored, as in a real config file
    return doc
