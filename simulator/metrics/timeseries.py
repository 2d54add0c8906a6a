"""Gauges sampled on the virtual clock (``kubesim run --timeseries FILE``), written as CSV.

Sampling never perturbs the run. The sampler puts nothing on the engine's queue: the caller runs the engine in
slices that end at the sample times (``Engine.run(until=t)`` processes every event at ``t`` and stops the clock
exactly there, and running in slices gives the same run as one call), then ``sample()`` only *reads* the store,
the metrics collector and the traffic model. An engine event would have taken a sequence number and could, at
a tie, run before other events of the same time; slicing avoids both, so the event log with and without
``--timeseries`` is byte for byte the same.

Columns: ``t``, ``pods_pending``, ``pods_running``, ``nodes_ready``, ``cpu_requested_fraction``,
``memory_requested_fraction``, then ``ready:<Kind>/<ns>/<name>`` and ``desired:<Kind>/<ns>/<name>`` per workload
and ``served_rps:<ns>/<name>`` and ``dropped_rps:<ns>/<name>`` per Service with traffic. A workload that did not
exist yet (or any more) at a sample leaves its cells empty.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.simulation import Simulation

__all__ = ["BASE_COLUMNS", "TimeSeries", "sample_times"]

BASE_COLUMNS = (
    "t",
    "pods_pending",
    "pods_running",
    "nodes_ready",
    "cpu_requested_fraction",
    "memory_requested_fraction",
)


class TimeSeries:
    """Samples of a simulation's gauges; call ``sample()`` whenever the engine is stopped at a sample time."""

    def __init__(self, sim: Simulation) -> None:
        self._sim = sim
        self.rows: list[dict[str, Any]] = []
        self._workloads: dict[str, None] = {}  # column suffixes in first-seen order
        self._services: dict[str, None] = {}

    def sample(self) -> dict[str, Any]:
        """Read the gauges now (no writes anywhere) and keep the row."""
        sim = self._sim
        store = sim.store
        pending = running = 0
        for pod in store.list("Pod"):
            if pod.phase == "Running":
                running += 1
            elif not pod.node_name and not pod.is_terminal and pod.deletion_timestamp is None:
                pending += 1
        cpu, memory = sim.metrics.requested_fractions()
        row: dict[str, Any] = {
            "t": round(sim.now, 6),
            "pods_pending": pending,
            "pods_running": running,
            "nodes_ready": sum(1 for n in store.list("Node") if n.ready == "True"),
            "cpu_requested_fraction": round(cpu, 6),
            "memory_requested_fraction": round(memory, 6),
        }
        for (kind, namespace, name), ready, desired in sim.metrics.workload_counts():
            key = f"{kind}/{namespace}/{name}"
            self._workloads.setdefault(key)
            row[f"ready:{key}"] = ready
            row[f"desired:{key}"] = desired
        for (namespace, name), svc in sorted(sim.traffic.services.items()):
            key = f"{namespace}/{name}"
            self._services.setdefault(key)
            served = svc.served_rate
            row[f"served_rps:{key}"] = round(served, 6)
            row[f"dropped_rps:{key}"] = round(max(0.0, svc.rate - served), 6)
        self.rows.append(row)
        return row

    @property
    def columns(self) -> list[str]:
        """Every column of the samples so far, in a stable order."""
        columns = list(BASE_COLUMNS)
        for key in sorted(self._workloads):
            columns += [f"ready:{key}", f"desired:{key}"]
        for key in sorted(self._services):
            columns += [f"served_rps:{key}", f"dropped_rps:{key}"]
        return columns

    def write_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the samples atomically (temp file + rename), so a failed run never leaves half a file."""
        target = Path(path)
        fd, tmp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=self.columns, restval="", lineterminator="\n")
                writer.writeheader()
                writer.writerows(self.rows)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def sample_times(until: float, interval: float) -> list[float]:
    """The sample times ``0, interval, 2 * interval, ...`` up to ``until`` (inclusive)."""
    count = int(until / interval + 1e-9)
    return [k * interval for k in range(count + 1) if k * interval <= until]
