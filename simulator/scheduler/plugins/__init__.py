"""In-tree scheduler plugins, one module each. ``REGISTRY`` maps a plugin name to its class.

Adding a plugin: write ``plugins/<name>.py`` with a ``Plugin`` subclass and add one line here; profiles built from
the default plugin set pick it up automatically when its name is in ``framework.DEFAULT_PLUGINS``.
"""

from __future__ import annotations

from simulator.scheduler.framework import Plugin
from simulator.scheduler.plugins.balanced_allocation import NodeResourcesBalancedAllocation
from simulator.scheduler.plugins.default_binder import DefaultBinder
from simulator.scheduler.plugins.default_preemption import DefaultPreemption
from simulator.scheduler.plugins.image_locality import ImageLocality
from simulator.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from simulator.scheduler.plugins.node_affinity import NodeAffinity
from simulator.scheduler.plugins.node_name import NodeName
from simulator.scheduler.plugins.node_ports import NodePorts
from simulator.scheduler.plugins.node_resources_fit import NodeResourcesFit
from simulator.scheduler.plugins.node_unschedulable import NodeUnschedulable
from simulator.scheduler.plugins.pod_topology_spread import PodTopologySpread
from simulator.scheduler.plugins.queuesort import PrioritySort
from simulator.scheduler.plugins.taint_toleration import TaintToleration

__all__ = ["REGISTRY"]

REGISTRY: dict[str, type[Plugin]] = {
    "PrioritySort": PrioritySort,
    "NodeUnschedulable": NodeUnschedulable,
    "NodeName": NodeName,
    "TaintToleration": TaintToleration,
    "NodeAffinity": NodeAffinity,
    "NodePorts": NodePorts,
    "NodeResourcesFit": NodeResourcesFit,
    "PodTopologySpread": PodTopologySpread,
    "InterPodAffinity": InterPodAffinity,
    "DefaultPreemption": DefaultPreemption,
    "NodeResourcesBalancedAllocation": NodeResourcesBalancedAllocation,
    "ImageLocality": ImageLocality,
    "DefaultBinder": DefaultBinder,
}
