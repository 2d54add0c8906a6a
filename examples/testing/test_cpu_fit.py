"""Find the bug in ``cpu_fit.CpuOnlyFit`` with kubesim's state machine. This test is meant to FAIL:

    PYTHONPATH=examples/testing pytest examples/testing

Hypothesis generates clusters and sequences of node crashes, drains, scale-ups, rollouts and new pods, checks
``no-overcommit`` after every step, and shrinks the first violation to a small scenario. The failure message ends
with that scenario as YAML and the commands that replay it (``kubesim check scenario.yaml --seed N``).
"""

from __future__ import annotations

from typing import ClassVar

from cpu_fit import CONFIGURATION

from simulator.testing.machine import ClusterMachine


class CpuOnlyFitMachine(ClusterMachine):
    """Every generated cluster is scheduled by the buggy profile; only overcommitment is checked."""

    scheduler_configuration = CONFIGURATION
    checked_invariants = ("no-overcommit",)
    max_nodes = 4
    pod_features: ClassVar[dict[str, bool]] = {"extended_resources": False}  # GPUs would trip it too


TestCpuOnlyFit = CpuOnlyFitMachine.TestCase
