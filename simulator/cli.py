"""The ``kubesim`` command line: ``run``, ``tui``, ``check``, ``explain`` and ``validate``.

Exit codes (DESIGN.md §5): 0 ok, 1 objectives not met / a violation found, 2 bad input or usage. Bad input is
reported as one line per problem naming the file, the document and the field, never as a traceback, and no output
file is written unless the whole run succeeded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.errors import InputError
from models.quantity import QuantityError, parse_duration

if TYPE_CHECKING:
    from simulator.metrics.timeseries import TimeSeries

__all__ = ["main"]

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except QuantityError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests)."""
    parser = _Parser(prog="kubesim", description="Simulate a Kubernetes cluster on a virtual clock.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario headless and print a summary")
    run.add_argument(
        "files", nargs="*", help="YAML files or directories (default: the built-in shop scenario)"
    )
    run.add_argument("--seed", type=int, help="run seed (overrides the Scenario's)")
    run.add_argument(
        "--until", type=_duration, help="stop at this virtual time (e.g. 30m; default: duration)"
    )
    run.add_argument("--events", metavar="FILE", help="write the event log as JSON Lines")
    run.add_argument("--summary", metavar="FILE", help="write the summary as JSON")
    run.add_argument("--timeseries", metavar="FILE", help="write gauges sampled on the virtual clock as CSV")
    run.add_argument(
        "--sample-interval",
        type=_duration,
        default=10.0,
        metavar="DURATION",
        help="virtual time between --timeseries samples (default 10s)",
    )
    run.add_argument(
        "--explain",
        action="store_true",
        help="add the scheduler's explain record of every attempt to --events",
    )
    run.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    run.add_argument(
        "--lenient", action="store_true", help="warn about unsupported fields instead of failing"
    )

    explain = sub.add_parser("explain", help="show why the scheduler places one pod where it does")
    explain.add_argument("files", nargs="+", help="YAML files or directories: the cluster snapshot")
    explain.add_argument("--pod", required=True, metavar="[NAMESPACE/]NAME", help="the pod to schedule")
    explain.add_argument("--output", "-o", choices=("table", "json"), default="table", help="output format")
    explain.add_argument(
        "--lenient", action="store_true", help="warn about unsupported fields instead of failing"
    )

    tui = sub.add_parser("tui", help="watch and steer a simulation in the terminal (Textual)")
    tui.add_argument(
        "files", nargs="*", help="YAML files or directories (default: the built-in shop scenario)"
    )
    tui.add_argument("--lesson", metavar="NAME", help="open a built-in lesson scenario with its explanation")
    tui.add_argument("--seed", type=int, help="run seed (overrides the Scenario's)")
    tui.add_argument(
        "--lenient", action="store_true", help="warn about unsupported fields instead of failing"
    )

    check = sub.add_parser("check", help="run a scenario and check kubesim's invariants over the run")
    check.add_argument(
        "files", nargs="*", help="YAML files or directories (default: the built-in shop scenario)"
    )
    check.add_argument(
        "--invariants", metavar="NAME,...", help="only these invariants (default: all; see --list)"
    )
    check.add_argument("--list", action="store_true", help="list the invariants and exit")
    check.add_argument("--seed", type=int, help="run seed (overrides the Scenario's)")
    check.add_argument(
        "--until", type=_duration, help="stop at this virtual time (e.g. 30m; default: duration)"
    )
    check.add_argument(
        "--lenient", action="store_true", help="warn about unsupported fields instead of failing"
    )

    validate = sub.add_parser("validate", help="check scenario files and report every problem")
    validate.add_argument("files", nargs="+", help="YAML files or directories")
    validate.add_argument(
        "--lenient", action="store_true", help="warn about unsupported fields instead of failing"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kubesim`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "check":
            from simulator.testing.check import check_command

            return check_command(args)
        if args.command == "tui":
            from tui.command import tui_command

            return tui_command(args)
        return _run(args)
    except InputError as err:
        for line in err.errors:
            print(line, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _load(files: list[str], lenient: bool) -> tuple[list[Any], list[str]]:
    from models.loader import load_paths, load_text

    if files:
        result = load_paths(files, lenient=lenient)
    else:
        text = resources.files("simulator.scenarios").joinpath("default.yaml").read_text(encoding="utf-8")
        result = load_text(text, "default.yaml", lenient=lenient)
    return result.objects, result.warnings


def _validate(args: argparse.Namespace) -> int:
    objects, warnings = _load(args.files, args.lenient)
    for line in warnings:
        print(line, file=sys.stderr)
    kinds: dict[str, int] = {}
    for obj in objects:
        kinds[obj.KIND] = kinds.get(obj.KIND, 0) + 1
    listing = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    print(f"ok: {len(objects)} objects ({listing})")
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from simulator.explain import explain, render_table

    objects, warnings = _load(args.files, args.lenient)
    for line in warnings:
        print(line, file=sys.stderr)
    try:
        record = explain(objects, args.pod)
    except ValueError as err:  # a scheduler profile the scheduler cannot build
        raise InputError([f"error: {err}"]) from None
    if args.output == "json":
        print(json.dumps(record, indent=2))
    else:
        render_table(record)
    return EXIT_OK


def _check_output(path: str | None, flag: str) -> None:
    if path is None:
        return
    parent = Path(path).parent
    if not parent.is_dir():
        raise InputError([f"error: {flag} {path}: directory {str(parent)!r} does not exist"])


def _write_json(path: str, data: dict[str, Any]) -> None:
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
            out.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _run(args: argparse.Namespace) -> int:
    from simulator.simulation import Simulation

    _check_output(args.events, "--events")
    _check_output(args.summary, "--summary")
    _check_output(args.timeseries, "--timeseries")
    if args.sample_interval <= 0:
        raise InputError([f"error: --sample-interval must be greater than 0, got {args.sample_interval:g}s"])
    objects, warnings = _load(args.files, args.lenient)
    if not args.quiet:
        for line in warnings:
            print(line, file=sys.stderr)
    try:
        sim = Simulation(objects, seed=args.seed, keep_log=args.events is not None, explain=args.explain)
    except ValueError as err:  # e.g. a scheduler profile the scheduler cannot build
        raise InputError([f"error: {err}"]) from None
    until = args.until if args.until is not None else sim.duration
    series = None
    if args.timeseries:
        from simulator.metrics.timeseries import TimeSeries

        series = TimeSeries(sim)
    started = time.perf_counter()
    _advance(sim, until, show_progress=not args.quiet, series=series, interval=args.sample_interval)
    wall = time.perf_counter() - started
    summary = sim.summary(wall_seconds=wall)
    if args.events:
        sim.log.write_jsonl(args.events)
    if series is not None:
        series.write_csv(args.timeseries)
    if args.summary:
        _write_json(args.summary, summary)
    if not args.quiet:
        from simulator.report import print_summary

        print_summary(summary)
    return EXIT_OK


def _advance(
    sim: Any,
    until: float,
    show_progress: bool,
    series: TimeSeries | None = None,
    interval: float = 10.0,
) -> None:
    """Run in slices of virtual time; show a progress bar once the run has taken more than a second.

    With ``series`` (a ``TimeSeries``) the slices end at the sample times and each is followed by a sample: the
    engine is never given an event for sampling, so the run is the same as without it.
    """
    if series is not None:
        from simulator.metrics.timeseries import sample_times

        # Every multiple of the interval, and the end of the run.
        stops = sorted({t for t in sample_times(until, interval) if t >= sim.now} | {until})
    else:
        step = until / 200 if until > 0 else 0
        stops = [step * i if i < 200 else until for i in range(1, 201)]
    slices = len(stops)
    started = time.perf_counter()
    progress = None
    task = None
    try:
        for i, stop in enumerate(stops, start=1):
            sim.run(until=stop)
            if series is not None:
                series.sample()
            if show_progress and progress is None and time.perf_counter() - started > 1.0:
                from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

                progress = Progress(
                    TextColumn("simulating"),
                    BarColumn(),
                    TextColumn("{task.fields[now]}"),
                    TimeElapsedColumn(),
                    transient=True,
                )
                progress.start()
                task = progress.add_task("run", total=slices, now="")
            if progress is not None and task is not None:
                progress.update(task, completed=i, now=f"t={sim.now:,.0f}s / {until:,.0f}s")
        if until <= 0:
            sim.run(until=until)
    finally:
        if progress is not None:
            progress.stop()


if __name__ == "__main__":
    raise SystemExit(main())
