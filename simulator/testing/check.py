"""``kubesim check``: run a scenario with kubesim's invariants attached and report every violation.

``kubesim check FILES... [--invariants a,b] [--seed N] [--until 30m]`` loads the scenario (the built-in one when no
file is given), runs it with a ``Monitor`` (``simulator.testing.invariants``), prints each violation (invariant,
time, objects, event-log lines) and exits 1 if there is any, else prints one ``ok:`` line and exits 0. Unknown
invariant names are a usage error (exit 2); ``--list`` lists the invariants.

Files ending in ``.jsonl`` are event logs written by ``kubesim run --events``: they are checked as written (no run)
for the invariants that a log can show (``no-overcommit``, ``no-pod-lost``), with the YAML files given alongside
as the scenario's objects (pod requests, node allocatable).

``reproduction(spec_yaml, seed)`` is what a property-based test prints for a failure it found: the scenario as
YAML and the commands that replay and check that exact run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from models.errors import InputError
from simulator.testing._invariants_core import Violation, format_seconds
from simulator.testing.invariants import (
    INVARIANTS,
    Monitor,
    UnknownInvariant,
    check_event_log,
    read_event_log,
    resolve_invariants,
)

__all__ = ["check_command", "list_invariants", "replay_hint", "reproduction"]

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_USAGE = 2
MAX_FULL_REPORTS = 50  # violations printed in full; the rest get their first line
MAX_NOTES = 8  # notes printed per event log (one per unknown node or workload can run to hundreds)


def replay_hint(
    files: Sequence[str], seed: int, invariants: Sequence[str] | None = None, until: float | None = None
) -> str:
    """The two commands that replay a run and check it again (``files`` empty: the built-in scenario;
    ``until``: the run stopped early with ``--until``, so the replay must too)."""
    shown = " ".join(files)
    target = f" {shown}" if shown else ""
    stop = f" --until {until:g}s" if until is not None else ""
    only = f" --invariants {','.join(invariants)}" if invariants else ""
    return (
        f"replay with: kubesim run{target} --seed {seed}{stop}\n"
        f"check with:  kubesim check{target} --seed {seed}{stop}{only}"
    )


def reproduction(spec_yaml: str, seed: int, filename: str = "scenario.yaml") -> str:
    """A failure's reproduction as a property-based test prints it: the scenario YAML, then how to replay it.

    Args:
        spec_yaml: the whole scenario (every document, ``---``-separated).
        seed: the run seed (``--seed`` overrides the Scenario's own).
        filename: the name the instructions use for the saved file.
    """
    return (
        f"# save this as {filename}:\n"
        f"{spec_yaml.rstrip()}\n"
        f"# {replay_hint([filename], seed).replace(chr(10), chr(10) + '# ')}\n"
    )


def list_invariants() -> str:
    """One line per invariant: its name, whether a written event log can be checked for it, what it checks."""
    width = max(len(name) for name in INVARIANTS)
    lines = []
    for name, cls in INVARIANTS.items():
        where = "run" if cls.live_only else "run, log"
        lines.append(f"{name:<{width}}  [{where:<8}]  {cls.summary()}")
    return "\n".join(lines)


def _print_violations(violations: Sequence[Violation]) -> None:
    for i, violation in enumerate(violations):
        text = str(violation)
        print(text if i < MAX_FULL_REPORTS else text.splitlines()[0])
        if i < MAX_FULL_REPORTS:
            print()


def _counts(violations: Sequence[Violation]) -> str:
    counts: dict[str, int] = {}
    for v in violations:
        counts[v.invariant] = counts.get(v.invariant, 0) + 1
    return ", ".join(f"{n} {name}" for name, n in counts.items())


def check_command(args: argparse.Namespace) -> int:
    """``kubesim check``. ``args``: ``files``, ``invariants`` ("a,b" or None), ``list``, ``seed``, ``until``,
    ``lenient`` (see ``simulator.cli.build_parser``). Returns the exit code."""
    if args.list:
        print(list_invariants())
        return EXIT_OK
    try:
        names = [inv.name for inv in resolve_invariants(args.invariants)]
    except UnknownInvariant as err:
        print(f"error: --invariants: {err}", file=sys.stderr)
        return EXIT_USAGE
    if not names:
        print("error: --invariants: no invariant named", file=sys.stderr)
        return EXIT_USAGE
    files: list[str] = list(args.files)
    logs = [f for f in files if f.endswith(".jsonl")]
    scenario = [f for f in files if not f.endswith(".jsonl")]
    if logs:
        return _check_logs(logs, scenario, names, args)
    return _check_run(scenario, names, args)


def _load(files: list[str], lenient: bool) -> list[Any]:
    from simulator.cli import _load as load

    objects, warnings = load(files, lenient)
    for line in warnings:
        print(line, file=sys.stderr)
    return objects


def _check_run(files: list[str], names: list[str], args: argparse.Namespace) -> int:
    from simulator.cli import _advance
    from simulator.simulation import Simulation

    objects = _load(files, args.lenient)
    try:
        sim = Simulation(objects, seed=args.seed)
    except ValueError as err:  # e.g. a scheduler profile the scheduler cannot build
        raise InputError([f"error: {err}"]) from None
    monitor = Monitor(sim, names)
    until = args.until if args.until is not None else sim.duration
    started = time.perf_counter()
    _advance(sim, until, show_progress=sys.stdout.isatty())  # kubesim run's slices and progress bar
    violations = monitor.finish()
    wall = time.perf_counter() - started
    for line in sim.timeline_errors:
        print(f"warning: {line}", file=sys.stderr)
    _print_violations(violations)
    for note in monitor.notes:
        print(f"note: {note}")
    runs = f"{format_seconds(sim.now)} of virtual time (seed {sim.seed})"
    counts = f"{sim.metrics.pods_created} pods, {sim.log.count} events, {wall:.2f}s"
    if violations:
        print(f"FAILED: {len(violations)} violation(s) ({_counts(violations)}) over {runs}: {counts}")
        chosen = names if len(names) < len(INVARIANTS) else None
        print(replay_hint(files, sim.seed, chosen, args.until))
        return EXIT_VIOLATION
    print(f"ok: {len(names)} invariant(s) held ({', '.join(names)}) over {runs}: {counts}")
    return EXIT_OK


def _check_logs(logs: list[str], files: list[str], names: list[str], args: argparse.Namespace) -> int:
    objects = _load(files, args.lenient) if files else []
    if not files:
        print(
            "warning: no scenario files given with the event log: node allocatable and pod requests are unknown, "
            "so no-overcommit checks only what the log shows; pass the run's YAML too "
            "(kubesim check FILES... LOG.jsonl)",
            file=sys.stderr,
        )
    usable = [n for n in names if not INVARIANTS[n].live_only]
    skipped = [n for n in names if INVARIANTS[n].live_only]
    if not usable:
        print(
            f"error: --invariants: {', '.join(skipped)} need(s) a live run; an event log can be checked for "
            f"{', '.join(n for n, c in INVARIANTS.items() if not c.live_only)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    failed = 0
    for path in logs:
        try:
            records = read_event_log(path)
        except OSError as err:
            raise InputError([f"error: {path}: {err.strerror or err}"]) from None
        except ValueError as err:
            raise InputError([f"error: {err}"]) from None
        result = check_event_log(records, objects, usable)
        _print_violations(result.violations)
        for note in result.notes[:MAX_NOTES]:
            print(f"note: {path}: {note}")
        if len(result.notes) > MAX_NOTES:
            print(f"note: {path}: ... and {len(result.notes) - MAX_NOTES} more like these")
        summary = f"{path}: {result.records} records, {result.pods} pods, up to t={result.end:g}s"
        if result.violations:
            failed += 1
            print(
                f"FAILED: {len(result.violations)} violation(s) ({_counts(result.violations)}) in {summary}"
            )
        else:
            print(f"ok: {len(usable)} invariant(s) held ({', '.join(usable)}) in {summary}")
    if skipped:
        print(f"note: not checked over a log (they need a live run): {', '.join(skipped)}")
    return EXIT_VIOLATION if failed else EXIT_OK
