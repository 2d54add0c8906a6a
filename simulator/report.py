"""Human-readable rendering of a run summary (rich tables)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["print_summary"]


def _seconds(value: float | None) -> str:
    """Virtual seconds, with a decimal only where it matters (short latencies)."""
    if value is None:
        return "-"
    return f"{value:,.1f}s" if abs(value) < 100 else f"{value:,.0f}s"


def print_summary(summary: dict[str, Any], console: Console | None = None) -> None:
    """Print the headline numbers, the workloads table and the faults table."""
    console = console or Console()
    pods = summary["pods"]
    lat = summary["scheduling_latency_seconds"]
    nodes = summary["nodes"]
    console.print(
        f"[bold]kubesim[/bold] run: seed {summary['seed']}, {summary['duration']:,.0f}s simulated "
        f"(Kubernetes {summary['kubernetesVersion']}), {summary['events_total']:,} events"
        + (f" in {summary['wall_seconds']:.2f}s" if summary.get("wall_seconds") is not None else "")
    )
    console.print(
        f"pods: {pods['created']:,} created, {pods['scheduled']:,} scheduled, {pods['pending_at_end']:,} pending at "
        f"end; scheduling latency p50 {_seconds(lat['p50'])}, p99 {_seconds(lat['p99'])}, max {_seconds(lat['max'])}"
    )
    console.print(
        f"nodes: {nodes['ready_at_end']}/{nodes['count']} ready at end; requested cpu "
        f"{nodes['cpu_requested_fraction_mean']:.0%}, memory {nodes['memory_requested_fraction_mean']:.0%} "
        "(time-weighted mean)"
    )
    if "restarts" in summary:
        evictions = summary.get("evictions", {})
        console.print(
            f"disruptions: {summary['restarts']:,} container restarts, {evictions.get('taint_manager', 0):,} "
            f"taint-manager evictions, {evictions.get('api', 0):,} API evictions, "
            f"{summary.get('preemptions', 0):,} preemptions"
        )
    if summary["workloads"]:
        table = Table(
            title="Workloads",
            caption="ready: at end / desired; avail.: time-weighted; min, below: lowest ready/desired and time "
            "below desired since first at desired",
        )
        width = max(len(f"{w['kind']}/{w['namespace']}/{w['name']}") for w in summary["workloads"])
        table.add_column("workload", no_wrap=True, min_width=width)
        for col in ("ready", "avail.", "min", "below"):
            table.add_column(col, justify="right", no_wrap=True)
        for w in summary["workloads"]:
            style = "" if w["ready_at_end"] >= w["desired"] else "yellow"
            below = w.get("seconds_below_desired")
            table.add_row(
                f"{w['kind']}/{w['namespace']}/{w['name']}",
                f"{w['ready_at_end']}/{w['desired']}",
                f"{w['availability']:.2%}",
                "-" if w.get("availability_min") is None else f"{w['availability_min']:.0%}",
                "-" if below is None else f"{below:,.0f}s",
                style=style,
            )
        console.print(table)
    if summary["faults"]:
        table = Table(title="Faults and recovery (virtual time of each step)")
        for col in ("t", "fault", "target", "detected", "evicted", "resched.", "ready"):
            table.add_column(col, no_wrap=True, justify="left" if col in ("fault", "target") else "right")
        for f in summary["faults"]:
            table.add_row(
                _seconds(f["t"]),
                f["type"],
                f["target"],
                _seconds(f["detected_at"]),
                _seconds(f["pods_evicted_at"]),
                _seconds(f.get("replacements_scheduled_at")),
                _seconds(f["replacements_ready_at"]),
            )
        console.print(table)
    for error in summary.get("timeline_errors", []):
        console.print(f"[yellow]warning:[/yellow] {error}")
