"""Find the bug in ``cpu_fit.CpuOnlyFit`` with kubesim's state machine. This test is meant to FAIL:

    PYTHONPATH=examples/testing pytest examples/testing

Hypothesis generates clusters and sequences of node crashes, drains, scale-ups, rollouts and new pods, checks
``no-overcommit`` after every step, and shrinks the first violation to a small scenario. The failure message ends
with that scenario as YAML and the commands that replay it (``kubesim check scenario.yaml --seed N``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from cpu_fit import CONFIGURATION

from simulator.testing.machine import ClusterMachine


class CpuOnlyFitMachine(ClusterMachine):
    """Every generated cluster is scheduled by the buggy profile; only overcommitment is checked.

    The clusters are cut down to what a resource Filter is about: one or two nodes, and pods with CPU and memory
    requests. Whatever else the strategies can generate (GPUs, which would trip the check too; affinity, spread,
    taints and tolerations, PodDisruptionBudgets, ...) would not hide the bug, but every part of it is more for
    Hypothesis to draw and then to shrink away: with all of it, shrinking a failure takes minutes and may stop
    before the scenario is small; without it, the search fails within seconds, shrunk to a node or two.
    """

    scheduler_configuration = CONFIGURATION
    checked_invariants = ("no-overcommit",)
    max_nodes = 2
    cluster_options: ClassVar[dict[str, Any]] = {"pdbs": False, "services": False, "priorities": False}
    pod_features: ClassVar[dict[str, bool]] = {
        "extended_resources": False,
        "limits": False,
        "init_containers": False,
        "node_selector": False,
        "affinity": False,
        "spread": False,
        "tolerations": False,
        "host_ports": False,
        "timing": False,
    }


TestCpuOnlyFit = CpuOnlyFitMachine.TestCase
