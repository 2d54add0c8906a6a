"""``kubesim explain``: why the scheduler would (or would not) place one pod, node by node and plugin by plugin.

The input files are a cluster snapshot, as kube-scheduler sees one: nodes, and pods that exist. Pods with
``spec.nodeName`` are already running on their node (even if they overcommit it); workload objects do not stamp
out pods here, because nothing runs: the snapshot is taken at t = 0 before any controller acts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from models.errors import InputError
from models.meta import KObject

__all__ = ["PLUGIN_ABBREVIATIONS", "explain", "render_table"]


def explain(objects: Iterable[KObject], pod_ref: str) -> dict[str, Any]:
    """The scheduler's explain record for the pod ``[namespace/]name`` in the snapshot ``objects``.

    Raises:
        InputError: the pod is not in the input, or it is already bound.
    """
    from simulator.simulation import Simulation

    namespace, _, name = pod_ref.rpartition("/")
    namespace = namespace or "default"
    sim = Simulation(objects, keep_log=False)
    pod = sim.store.get("Pod", namespace, name)
    if pod is None:
        raise InputError([f"error: --pod {pod_ref}: no Pod {namespace}/{name} in the input files"])
    if pod.node_name:
        raise InputError(
            [f"error: --pod {pod_ref}: the pod is already bound to node {pod.node_name} (spec.nodeName)"]
        )
    return sim.scheduler.explain_pod(pod)


# Short plugin names for table columns (the explain table and the TUI inspector).
PLUGIN_ABBREVIATIONS = {
    "TaintToleration": "Taint",
    "NodeAffinity": "NodeAff",
    "NodeResourcesFit": "Fit",
    "NodeResourcesBalancedAllocation": "Balanced",
    "PodTopologySpread": "Spread",
    "InterPodAffinity": "PodAff",
    "ImageLocality": "Image",
}


def _failure(info: dict[str, Any]) -> tuple[str, list[str]]:
    for f in info["filters"]:
        if f["code"] not in ("Success", "Skip"):
            return f["plugin"], list(f["reasons"]) or [f["code"]]
    return "", []


def render_table(record: dict[str, Any], console: Console | None = None) -> None:
    """Nodes as rows, score plugins as columns, the winner highlighted, then kube-scheduler's summary line.

    Score cells show the weighted score (normalised x weight); a node that failed a filter shows the first
    failing plugin and its reasons instead.
    """
    console = console or Console()
    nodes: dict[str, Any] = record["nodes"]
    weights: dict[str, int] = {}
    for info in nodes.values():
        for s in info["scores"]:
            weights.setdefault(s["plugin"], s["weight"])
    table = Table(title=f"pod {record['pod']}, profile {record['profile']}")
    table.add_column("node", no_wrap=True)
    for plugin, weight in weights.items():
        table.add_column(f"{PLUGIN_ABBREVIATIONS.get(plugin, plugin)}\nx{weight}", justify="right")
    table.add_column("total", justify="right")
    table.add_column("filters")
    selected = record.get("selected")
    histogram: dict[str, int] = {}
    for node, info in sorted(nodes.items(), key=lambda kv: (not kv[1]["feasible"], -kv[1]["total"], kv[0])):
        scores = {s["plugin"]: s for s in info["scores"]}
        row = [("* " if node == selected else "  ") + node]
        row += [str(scores[p]["weighted"]) if p in scores else "" for p in weights]
        if info["feasible"]:
            row += [str(info["total"]), "pass"]
        else:
            plugin, reasons = _failure(info)
            for reason in reasons:
                histogram[reason] = histogram.get(reason, 0) + 1
            row += ["-", f"{plugin}: {'; '.join(reasons)}"]
        style = "bold green" if node == selected else ("dim" if not info["feasible"] else "")
        table.add_row(*row, style=style)
    console.print(table)
    if weights:
        legend = ", ".join(
            f"{PLUGIN_ABBREVIATIONS.get(p, p)} = {p}" for p in weights if p in PLUGIN_ABBREVIATIONS
        )
        console.print(f"[dim]scores are normalised score x weight; {legend}[/]")
    feasible = sum(1 for info in nodes.values() if info["feasible"])
    if selected is not None:
        summary = f"selected [bold green]{selected}[/]: {feasible}/{len(nodes)} nodes feasible"
        if histogram:
            summary += "; the others: " + ", ".join(sorted(f"{n} {r}" for r, n in histogram.items()))
        console.print(summary)
    else:
        console.print(f"[yellow]{record.get('message', 'no node selected')}[/]")
    if record.get("victims"):
        console.print(f"preemption victims: {', '.join(record['victims'])}")
