"""Hypothesis' ``hypothesis`` entry point: ``st.from_type(Node)`` and friends, once kubesim is installed.

Hypothesis imports this module and calls :func:`_hypothesis_setup_hook` while ``import hypothesis`` runs, in
every process that imports Hypothesis (every test run of this repository, and of any project with kubesim
installed). So this module must import nothing heavy and must never raise: it imports only the light
``models`` value classes, registers *functions* that build the strategies on first use (so
``simulator.testing.strategies`` and the loader are imported only when a test asks for one of these types),
and turns any failure into a warning.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

__all__ = ["REGISTERED", "_hypothesis_setup_hook"]

# (module, class) -> (strategy function in simulator.testing.strategies, keyword arguments)
REGISTERED: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("models.node", "Node"): ("nodes", {}),
    ("models.pod", "Pod"): ("pods", {}),
    ("models.workloads", "Deployment"): ("deployments", {}),
    ("models.workloads", "ReplicaSet"): ("replica_sets", {}),
    ("models.workloads", "ReplicationController"): ("replication_controllers", {}),
    ("models.workloads", "StatefulSet"): ("stateful_sets", {}),
    ("models.workloads", "DaemonSet"): ("daemon_sets", {}),
    ("models.workloads", "Job"): ("jobs", {}),
    ("models.policy", "PodDisruptionBudget"): ("pod_disruption_budgets", {}),
    ("models.policy", "PriorityClass"): ("priority_classes", {}),
    ("models.kubesim", "NodePool"): ("node_pools", {}),
    ("models.kubesim", "Scenario"): ("scenarios", {}),
    ("models.schedconfig", "KubeSchedulerConfiguration"): ("scheduler_configurations", {}),
}
"""The model classes ``st.from_type`` resolves, and the manifest strategy each is loaded from."""


def _resolver(function: str, kwargs: dict[str, Any]) -> Any:
    def resolve(_thing: type) -> Any:
        from simulator.testing import strategies

        return strategies.loaded(getattr(strategies, function)(**kwargs))

    return resolve


def _resolve_cluster_spec(_thing: type) -> Any:
    from simulator.testing import strategies

    return strategies.clusters()


def _hypothesis_setup_hook() -> None:
    """Register kubesim's strategies for its model classes (called by Hypothesis' entry point)."""
    try:
        from hypothesis import strategies as st

        for (module_name, class_name), (function, kwargs) in REGISTERED.items():
            cls = getattr(importlib.import_module(module_name), class_name)
            st.register_type_strategy(cls, _resolver(function, kwargs))
        from simulator.testing._cluster_spec import ClusterSpec

        st.register_type_strategy(ClusterSpec, _resolve_cluster_spec)
    except Exception as exc:  # never break `import hypothesis` for everyone
        warnings.warn(
            f"kubesim could not register its Hypothesis strategies: {exc!r}", RuntimeWarning, stacklevel=2
        )
