"""An interactive run: the simulation, the user's actions recorded at their virtual times, and saving them.

Why actions run at a chosen instant rather than "now": a saved session replays each action as a timeline entry,
which the ``Simulation`` puts on the engine's queue when it is built. At its instant such an entry runs *before*
every event scheduled later for the same instant (the queue is FIFO among equals), whereas a key press lands
after everything the last slice ran. The two orders agree only at an instant where nothing else happens. So an
action is run at the next millisecond after the current time (or halfway to the next event if that is closer),
once the current instant is complete; the clock moves there first, which changes nothing since no event lies
in between. Replaying the saved file then gives the same event log, record for record (``tests/tui`` checks).

A failed action (its node was removed meanwhile) is recorded as a timeline entry would be: the ``Timeline`` Event,
then ``TimelineFailed``, so the replay fails in the same way.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from models.errors import InputError
from simulator.simulation import Simulation
from simulator.timeline import ActionError
from tui.source import ScenarioSource

__all__ = ["ActionOutcome", "RecordedAction", "Session"]


@dataclass(frozen=True)
class RecordedAction:
    """A user action as a timeline entry: ``{at: <seconds>, action: <name>, <params>...}``."""

    at: float
    action: str
    params: Mapping[str, Any]

    def as_timeline_entry(self) -> dict[str, Any]:
        """The entry as it is written into ``spec.timeline``."""
        return {"at": self.at, "action": self.action, **self.params}


@dataclass(frozen=True)
class ActionOutcome:
    """What became of an action: ``error`` is None when it ran."""

    action: RecordedAction
    error: str | None = None

    @property
    def summary(self) -> str:
        """One line for a notification."""
        target = next(iter(self.action.params.values()), "")
        text = f"{self.action.action} {target}".strip()
        return f"{text}: {self.error}" if self.error else text


class Session:
    """The simulation of one TUI run and the actions the user took in it.

    Args:
        source: the loaded scenario (it always has a Scenario, see ``tui.source``).
        seed: overrides the Scenario's seed (``kubesim tui --seed``).
        keep_log: keep the event-log records in memory (tests compare them with a replay).

    Raises:
        InputError: the objects do not make a simulation (e.g. a scheduler profile it cannot build).
    """

    def __init__(self, source: ScenarioSource, *, seed: int | None = None, keep_log: bool = False) -> None:
        self.source = source
        try:
            self.sim = Simulation(source.objects, seed=seed, keep_log=keep_log)
        except ValueError as err:
            raise InputError([f"error: {err}"]) from None
        self.recorded: list[RecordedAction] = []
        self.pending: list[tuple[str, dict[str, Any]]] = []

    # -- time ---------------------------------------------------------------------------------------------------
    @property
    def duration(self) -> float:
        """The scenario's end: the TUI stops there, as ``kubesim run`` does."""
        return self.sim.duration

    @property
    def finished(self) -> bool:
        """The clock has reached the scenario's end."""
        return self.sim.now >= self.sim.duration

    def instant_complete(self) -> bool:
        """Every event of the current instant has run (the next one, if any, is later)."""
        nxt = self.sim.engine.peek()
        return nxt is None or nxt > self.sim.now

    def settle(self, deadline: float = math.inf) -> bool:
        """Run the rest of the current instant's events, until done or the wall clock passes ``deadline``."""
        sim = self.sim
        peek = sim.engine.peek
        while True:
            nxt = peek()
            if nxt is None or nxt > sim.now:
                return True
            sim.step()
            if time.perf_counter() >= deadline:
                return False

    # -- actions ------------------------------------------------------------------------------------------------
    def submit(self, action: str, **params: Any) -> None:
        """Queue an action; ``flush`` runs it once the current instant is complete."""
        self.pending.append((action, dict(params)))

    def flush(self, deadline: float = math.inf) -> list[ActionOutcome]:
        """Run the queued actions (after finishing the current instant, within ``deadline`` if given)."""
        if not self.pending or self.finished:
            if self.finished and self.pending:
                outcomes = [
                    ActionOutcome(RecordedAction(self.sim.now, a, p), "the scenario has ended")
                    for a, p in self.pending
                ]
                self.pending.clear()
                return outcomes
            return []
        if not self.settle(deadline):
            return []
        pending, self.pending = self.pending, []
        return [self._perform(action, params) for action, params in pending]

    def _action_time(self) -> float:
        """The instant for the next action: after now, before the next event (see the module docstring)."""
        now = self.sim.now
        at = (math.floor(now * 1000.0) + 1) / 1000.0
        nxt = self.sim.engine.peek()
        if nxt is not None and at >= nxt:
            at = now + (nxt - now) / 2
        if not now < at or (nxt is not None and at >= nxt):
            at = now  # no float between now and the next event: the best there is
        return min(at, self.duration)

    def _perform(self, action: str, params: dict[str, Any]) -> ActionOutcome:
        sim = self.sim
        at = self._action_time()
        sim.run(until=at)
        recorded = RecordedAction(at, action, params)
        self.recorded.append(recorded)
        try:
            sim.do(action, **params)
        except ActionError as err:
            # what Simulation does for a failing timeline entry, so that a replay logs the same
            message = f"timeline {action} at t={sim.now:g}: {err}"
            sim.timeline_errors.append(message)
            if sim.scenario is not None:
                sim.store.event(sim.scenario, "TimelineFailed", message, "Warning")
            return ActionOutcome(recorded, str(err))
        return ActionOutcome(recorded)

    # -- saving -------------------------------------------------------------------------------------------------
    def scenario_documents(self) -> list[Any]:
        """The input documents with the session's seed and actions added to the Scenario's timeline."""
        documents = copy.deepcopy(self.source.documents)
        scenario = _find_scenario(documents)
        if scenario is None:  # tui.source always provides one; keep saving possible anyway
            scenario = {"apiVersion": "kubesim.dev/v1alpha1", "kind": "Scenario", "metadata": {"name": "tui"}}
            documents.insert(0, scenario)
        spec = scenario.get("spec")
        if not isinstance(spec, dict):
            spec = scenario["spec"] = {}
        spec["seed"] = self.sim.seed
        timeline = list(spec.get("timeline") or [])
        timeline += [entry.as_timeline_entry() for entry in self.recorded]
        spec["timeline"] = timeline
        return documents

    def save(self, path: str | Path) -> Path:
        """Write the session as a scenario file that ``kubesim run`` / ``kubesim tui`` replay identically."""
        target = Path(path)
        header = (
            "# A kubesim tui session: the scenario it ran, with the actions taken in it appended to the\n"
            "# Scenario's timeline at their virtual times (seconds). Replay: kubesim tui THIS_FILE"
            + (" --lenient" if self.source.lenient else "")
            + "\n"
        )
        body = yaml.safe_dump_all(self.scenario_documents(), sort_keys=False, allow_unicode=True)
        target.write_text(header + body, encoding="utf-8")
        return target


def _find_scenario(documents: list[Any]) -> dict[str, Any] | None:
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        if doc.get("kind") == "Scenario":
            return doc
        items = doc.get("items")
        if isinstance(items, list):
            for item in items:
                if (
                    isinstance(item, dict)
                    and item.get("kind", "Scenario" if doc.get("kind") == "ScenarioList" else "")
                    == "Scenario"
                ):
                    return item
    return None
