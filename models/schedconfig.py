"""kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration: profiles, plugin sets and plugin args."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from models.meta import KObject

__all__ = [
    "EXTENSION_POINTS",
    "IN_TREE_PLUGINS",
    "KubeSchedulerConfiguration",
    "PluginRef",
    "PluginSet",
    "SchedulerProfile",
]

EXTENSION_POINTS = (
    "multiPoint",
    "preEnqueue",
    "queueSort",
    "preFilter",
    "filter",
    "postFilter",
    "preScore",
    "score",
    "reserve",
    "permit",
    "preBind",
    "bind",
    "postBind",
)

# kube-scheduler's in-tree plugin names (pkg/scheduler/framework/plugins/names). A custom plugin is named by a
# Python import path ``package.module:ClassName`` instead.
IN_TREE_PLUGINS = (
    "PrioritySort",
    "SchedulingGates",
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "NodeResourcesBalancedAllocation",
    "PodTopologySpread",
    "InterPodAffinity",
    "ImageLocality",
    "VolumeBinding",
    "VolumeRestrictions",
    "VolumeZone",
    "NodeVolumeLimits",
    "EBSLimits",
    "GCEPDLimits",
    "AzureDiskLimits",
    "DefaultPreemption",
    "DefaultBinder",
    "DynamicResources",
)


@attrs.frozen
class PluginRef:
    """A plugin named in ``enabled``/``disabled`` (``*`` disables all defaults); ``weight`` for score
    plugins."""

    name: str
    weight: int | None = None


@attrs.frozen
class PluginSet:
    """``enabled`` and ``disabled`` lists of one extension point."""

    enabled: tuple[PluginRef, ...] = ()
    disabled: tuple[PluginRef, ...] = ()


@attrs.frozen
class SchedulerProfile:
    """One profile: its ``schedulerName``, plugin sets per extension point and ``pluginConfig`` args by
    name."""

    scheduler_name: str = "default-scheduler"
    plugins: Mapping[str, PluginSet] = attrs.field(factory=dict)
    plugin_config: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    percentage_of_nodes_to_score: int | None = None


@attrs.define(eq=False)
class KubeSchedulerConfiguration(KObject):
    """The scheduler's configuration; at most one per scenario."""

    KIND: ClassVar[str] = "KubeSchedulerConfiguration"
    API_VERSION: ClassVar[str] = "kubescheduler.config.k8s.io/v1"
    NAMESPACED: ClassVar[bool] = False

    profiles: tuple[SchedulerProfile, ...] = (SchedulerProfile(),)
    percentage_of_nodes_to_score: int | None = None
    pod_initial_backoff_seconds: float = 1.0
    pod_max_backoff_seconds: float = 10.0
