"""kubesim's invariants: named, documented properties every run must keep, checked while a simulation runs.

Each invariant is a reader of the store's event stream (DESIGN.md §2): it watches the store, keeps small indexes,
and reports a ``Violation`` naming the invariant, the virtual time, the objects and the event-log lines (their
``seq``) that show it. Attach them with a ``Monitor`` before the run::

    from simulator import Simulation
    from simulator.testing.invariants import Monitor

    sim = Simulation.from_files(["shop/"])
    monitor = Monitor(sim)                      # all invariants; or Monitor(sim, ["no-overcommit", "taints"])
    sim.run()
    for violation in monitor.finish():          # end-of-run checks (convergence, orphaned pods)
        print(violation)

A monitor never writes to the store, schedules nothing on the engine and draws no random numbers: the run, and
its event log, are the same with or without it.

The invariants (``INVARIANTS``; each class's docstring says what it checks, the Kubernetes rule behind it and when
it can legitimately not hold):

* ``no-overcommit``: requests and pod count within every node's allocatable, at every instant;
* ``bind-filters``: every Filter plugin of the pod's profile passes on its node at bind time;
* ``required-affinity``, ``topology-spread``, ``taints``: the same for required node/pod (anti-)affinity,
  DoNotSchedule topology spread and NoSchedule/NoExecute taints, whatever the profile enables;
* ``pdb-respected``: a voluntary eviction never takes a PodDisruptionBudget below its desired healthy pods;
* ``no-pod-lost``: every pod still exists, finished, or was deleted on request;
* ``convergence``: after faults heal and ``settle`` seconds, workloads have their desired Ready pods when
  capacity allows.

``no-overcommit`` and ``no-pod-lost`` can also check a written event log (``check_event_log``); the others need
a live run (``Invariant.live_only``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from simulator.testing._invariants_bind import BindFilters as BindFilters
from simulator.testing._invariants_bind import RequiredAffinity as RequiredAffinity
from simulator.testing._invariants_bind import Taints as Taints
from simulator.testing._invariants_bind import TopologySpread as TopologySpread
from simulator.testing._invariants_cluster import Convergence as Convergence
from simulator.testing._invariants_cluster import NoOvercommit as NoOvercommit
from simulator.testing._invariants_cluster import NoPodLost as NoPodLost
from simulator.testing._invariants_cluster import PdbRespected as PdbRespected
from simulator.testing._invariants_core import Invariant as Invariant
from simulator.testing._invariants_core import InvariantViolated as InvariantViolated
from simulator.testing._invariants_core import Violation as Violation
from simulator.testing._invariants_log import LogCheck as LogCheck
from simulator.testing._invariants_log import check_event_log as check_event_log
from simulator.testing._invariants_log import read_event_log as read_event_log

if TYPE_CHECKING:
    from simulator.simulation import Simulation

__all__ = [
    "INVARIANTS",
    "BindFilters",
    "Convergence",
    "Invariant",
    "InvariantViolated",
    "LogCheck",
    "Monitor",
    "NoOvercommit",
    "NoPodLost",
    "PdbRespected",
    "RequiredAffinity",
    "Taints",
    "TopologySpread",
    "UnknownInvariant",
    "Violation",
    "check_event_log",
    "read_event_log",
    "resolve_invariants",
]

#: every invariant by its name, in the order ``kubesim check --list`` shows them
INVARIANTS: dict[str, type[Invariant]] = {
    cls.name: cls
    for cls in (
        NoOvercommit,
        BindFilters,
        RequiredAffinity,
        TopologySpread,
        Taints,
        PdbRespected,
        NoPodLost,
        Convergence,
    )
}


class UnknownInvariant(ValueError):
    """A name that is not in ``INVARIANTS``."""


def resolve_invariants(selection: str | Iterable[str | Invariant] | None = None) -> list[Invariant]:
    """Invariant instances for ``selection``: None for all, ``"a,b"``, or names and ready-made instances (e.g.
    ``Convergence(settle=300)``) mixed.

    Raises:
        UnknownInvariant: a name not in ``INVARIANTS`` (the message lists the known names).
    """
    if selection is None:
        return [cls() for cls in INVARIANTS.values()]
    items: Iterable[str | Invariant] = (
        [part.strip() for part in selection.split(",") if part.strip()]
        if isinstance(selection, str)
        else selection
    )
    out: list[Invariant] = []
    unknown: list[str] = []
    for item in items:
        if isinstance(item, Invariant):
            out.append(item)
        elif item in INVARIANTS:
            out.append(INVARIANTS[item]())
        else:
            unknown.append(item)
    if unknown:
        raise UnknownInvariant(
            f"unknown invariant(s) {', '.join(repr(u) for u in unknown)} (known: {', '.join(INVARIANTS)})"
        )
    return out


class Monitor:
    """Invariants attached to one simulation, and the violations they found.

    Args:
        sim: the simulation, best before it runs (attached mid-run, invariants start from the store's state).
        invariants: names, instances or ``"a,b"`` (default: every invariant in ``INVARIANTS``).
        stop_on_first: raise ``InvariantViolated`` from inside the run at the first violation (the simulation is
            then interrupted mid-callback and must not be run further); by default every violation is kept.

    Raises:
        UnknownInvariant: a name not in ``INVARIANTS``.
    """

    def __init__(
        self,
        sim: Simulation,
        invariants: str | Iterable[str | Invariant] | None = None,
        *,
        stop_on_first: bool = False,
    ) -> None:
        self.sim = sim
        self.stop_on_first = stop_on_first
        self.invariants: list[Invariant] = resolve_invariants(invariants)
        self.violations: list[Violation] = []
        for invariant in self.invariants:
            invariant.sink = self._collect
        for invariant in self.invariants:
            invariant.attach(sim)

    @property
    def names(self) -> list[str]:
        """The names of the attached invariants."""
        return [inv.name for inv in self.invariants]

    @property
    def ok(self) -> bool:
        """No violation so far."""
        return not self.violations

    @property
    def notes(self) -> list[str]:
        """What the invariants could not check, and why (e.g. convergence on a cluster that never settled)."""
        return [f"{inv.name}: {note}" for inv in self.invariants for note in inv.notes]

    def _collect(self, violation: Violation) -> None:
        self.violations.append(violation)
        if self.stop_on_first:
            raise InvariantViolated(violation)

    def finish(self) -> list[Violation]:
        """Run the end-of-run checks at the simulation's current time; returns every violation found so far.

        May be called again after running further: each call checks the state as it is then.
        """
        for invariant in self.invariants:
            invariant.finish(self.sim)
        return list(self.violations)

    def run(self, until: float | None = None) -> list[Violation]:
        """``sim.run(until)`` then ``finish()``."""
        self.sim.run(until)
        return self.finish()

    def by_invariant(self) -> dict[str, Sequence[Violation]]:
        """Violations grouped by invariant name (every attached invariant has an entry)."""
        return {inv.name: list(inv.violations) for inv in self.invariants}
