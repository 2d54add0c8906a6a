"""kube-scheduler: queue, framework, default plugins, profiles and explain records (see ``framework.py``)."""

from __future__ import annotations

from simulator.scheduler.cache import NodeInfo, NodeTable
from simulator.scheduler.framework import (
    Code,
    ConfigError,
    CycleState,
    Plugin,
    Profile,
    Status,
    build_profiles,
    fit_error_message,
    lookup_plugin,
    num_feasible_nodes_to_find,
)
from simulator.scheduler.scheduler import Scheduler

__all__ = [
    "Code",
    "ConfigError",
    "CycleState",
    "NodeInfo",
    "NodeTable",
    "Plugin",
    "Profile",
    "Scheduler",
    "Status",
    "build_profiles",
    "fit_error_message",
    "lookup_plugin",
    "num_feasible_nodes_to_find",
]
