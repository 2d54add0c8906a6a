"""Differential testing: the same generated scenario under two scheduler configurations, compared.

"My plugin never leaves more pods pending than the default profile" is a property over pairs of runs. Both runs
use the same documents and seed, so every difference in the outcome comes from the schedulers. Combine it with
Hypothesis' ``target()`` to steer the search towards the scenarios where your configuration does worst::

    from hypothesis import given, target
    from simulator.testing import strategies
    from simulator.testing.differential import compare

    @given(spec=strategies.clusters(max_nodes=8, scheduler_config=False))
    def test_packing_never_strands_pods(spec):
        result = compare(spec, None, MY_CONFIGURATION)           # None: kube-scheduler's default profile
        target(float(result.pending_delta), label="extra pending pods")
        assert result.b.pending <= result.a.pending, result.report()
"""

from __future__ import annotations

import copy
from typing import Any

import attrs

from simulator.testing._cluster_spec import ClusterSpec

__all__ = ["Comparison", "Outcome", "compare", "run_outcome", "with_scheduler_configuration"]

Manifest = dict[str, Any]


def with_scheduler_configuration(spec: ClusterSpec, configuration: Manifest | None) -> ClusterSpec:
    """``spec`` with its KubeSchedulerConfiguration replaced by ``configuration`` (``None``: removed, so the
    default profile schedules)."""
    documents = [d for d in spec.documents if d.get("kind") != "KubeSchedulerConfiguration"]
    if configuration is not None:
        documents.append(copy.deepcopy(configuration))
    return ClusterSpec(documents)


@attrs.frozen
class Outcome:
    """What one run ended with.

    Attributes:
        label: which configuration ran (``a``/``b`` or a name given to ``compare``).
        placements: every live pod at the end (``namespace/name``) and its node (``""`` while pending).
        pending: pods that exist, have not finished, are not being deleted and have no node.
        failed_scheduling: how many ``FailedScheduling`` events the run wrote.
        summary: the run's summary (``Simulation.summary()``: latency, utilisation, availability, ...).
    """

    label: str
    placements: dict[str, str]
    pending: int
    failed_scheduling: int
    summary: dict[str, Any]


def run_outcome(
    spec: ClusterSpec, configuration: Manifest | None, *, until: float | None = None, label: str = ""
) -> Outcome:
    """Run ``spec`` with ``configuration`` as its scheduler configuration until ``until`` (default: the
    scenario's duration) and collect the outcome."""
    failed = [0]
    sim = with_scheduler_configuration(spec, configuration).simulation(keep_log=False)

    def count(t: float, event_type: str, involved: Any, reason: str, message: str, kind: str) -> None:
        if reason == "FailedScheduling":
            failed[0] += 1

    sim.store.watch_events(count)
    sim.run(until=until)
    placements: dict[str, str] = {}
    pending = 0
    for pod in sim.store.list("Pod"):
        if pod.is_terminal or pod.deletion_timestamp is not None:
            continue
        placements[f"{pod.namespace}/{pod.name}"] = pod.node_name
        pending += not pod.node_name
    return Outcome(label, placements, pending, failed[0], sim.summary())


@attrs.frozen
class Comparison:
    """Two outcomes of the same scenario; ``a`` is the baseline."""

    a: Outcome
    b: Outcome

    @property
    def pending_delta(self) -> int:
        """How many more pods ``b`` left pending than ``a`` (negative: fewer)."""
        return self.b.pending - self.a.pending

    def placement_differences(self) -> dict[str, tuple[str, str]]:
        """Pods placed differently (or existing in one run only, shown as ``"-"``): name -> (a's, b's)."""
        names = sorted(self.a.placements.keys() | self.b.placements.keys())
        return {
            name: (self.a.placements.get(name, "-"), self.b.placements.get(name, "-"))
            for name in names
            if self.a.placements.get(name, "-") != self.b.placements.get(name, "-")
        }

    def report(self) -> str:
        """A short text for assertion messages: pending counts and the first differing placements."""
        diffs = self.placement_differences()
        lines = [
            f"{self.a.label}: {self.a.pending} pending, {self.a.failed_scheduling} FailedScheduling",
            f"{self.b.label}: {self.b.pending} pending, {self.b.failed_scheduling} FailedScheduling",
            f"{len(diffs)} pod(s) placed differently",
        ]
        lines += [
            f"  {name}: {a or '(pending)'} vs {b or '(pending)'}" for name, (a, b) in list(diffs.items())[:10]
        ]
        return "\n".join(lines)


def compare(
    spec: ClusterSpec,
    a: Manifest | None,
    b: Manifest | None,
    *,
    until: float | None = None,
    labels: tuple[str, str] = ("a", "b"),
) -> Comparison:
    """Run ``spec`` under scheduler configurations ``a`` and ``b`` (``None``: the default profile) and compare.

    Pods should not name scheduler profiles the configurations lack (generate with
    ``clusters(scheduler_config=False)``, so every pod uses ``default-scheduler``).
    """
    return Comparison(
        run_outcome(spec, a, until=until, label=labels[0]),
        run_outcome(spec, b, until=until, label=labels[1]),
    )
