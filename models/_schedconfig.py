"""Reader for kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration."""

from __future__ import annotations

import re
from typing import Any

from models._common import read_metadata
from models._read import Fields, show
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


def plugin_name_problem(name: str, *, wildcard: bool) -> str | None:
    """Why ``name`` is not a plugin kubesim knows, or ``None``."""
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


def _read_profile(profile: Fields) -> SchedulerProfile:
    name = profile.string("schedulerName", "default-scheduler") or "default-scheduler"
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
        entry.done()
        if plugin and not problem:
            config[plugin] = {k: v for k, v in (args or {}).items() if k not in ("apiVersion", "kind")}
    profile.done()
    return SchedulerProfile(name, plugins, config, percentage)


def read_schedconfig(root: Fields) -> KObject:
    """KubeSchedulerConfiguration: profiles (plugins per extension point, pluginConfig),
    percentageOfNodesToScore, pod backoff. Other top-level fields (leaderElection, clientConnection, ...) are
    ignored; the loader checks them against ``CONFIG_IGNORED``. No ``metadata`` is needed; the object is named
    ``kube-scheduler-config`` unless it has one.
    """
    meta = read_metadata(root, namespaced=False, default_name=DEFAULT_CONFIG_NAME)
    profiles: list[SchedulerProfile] = []
    names: set[str] = set()
    for path, profile in root.list_of_fields("profiles"):
        read = _read_profile(profile)
        if read.scheduler_name in names:
            root.doc.error(f"{path}.schedulerName", f"duplicate value {show(read.scheduler_name)}")
        names.add(read.scheduler_name)
        profiles.append(read)
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
