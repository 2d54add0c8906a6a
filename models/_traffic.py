"""Reader for a Scenario's ``spec.traffic`` section: request rates per Service or Ingress over time.

```yaml
traffic:
  - service: web                 # or shop/web; or ingress: shop
    rps: 200                     # constant; or step: [{at: 0s, rps: 50}, {at: 10m, rps: 400}]
                                 # or diurnal: {mean: 300, amplitude: 200, peak: 14h, period: 24h}
                                 # or csv: load.csv (lines "t,rps"; t in seconds or a duration)
    capacityPerPod: 100          # requests/s one ready endpoint serves
    minReadyEndpoints: 2         # optional (default 1): time below it is reported
    cpuPerRequest: 5m            # optional: CPU per request/s, for the HorizontalPodAutoscaler
    cpuBaseline: 20m             # optional: CPU a running pod uses with no traffic
    memoryPerRequest: 2Mi        # optional: memory per request/s a ready endpoint serves (OOM above the limit)
    memoryBaseline: 200Mi        # optional: memory a running endpoint pod uses with no traffic
    evaluationStep: 10s          # optional: how often a diurnal curve is re-evaluated
```
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from models._common import check_name
from models._read import REQUIRED, Fields, show, type_name
from models.kubesim import DiurnalRate, TrafficSpec
from models.quantity import QuantityError, cpu_millis, parse_duration, resource_value

__all__ = ["read_traffic"]

PATTERNS = ("rps", "step", "diurnal", "csv")


def _target(entry: Fields) -> tuple[str, str, str] | None:
    kinds = [k for k in ("service", "ingress") if entry.has(k)]
    if len(kinds) != 1:
        entry.error("service", "exactly one of service and ingress is required")
        entry.get("service")
        entry.get("ingress")
        return None
    key = kinds[0]
    value = entry.string(key, required=True)
    if not value:
        return None
    namespace, _slash, name = value.rpartition("/")
    path = entry.at(key)
    if not check_name(entry.doc, path, name) or (
        namespace and not check_name(entry.doc, path, namespace, "label")
    ):
        return None
    return ("Service" if key == "service" else "Ingress", namespace or "default", name)


def _cpu(entry: Fields, key: str) -> int:
    raw = entry.get(key)
    if raw is None:
        return 0
    try:
        value = cpu_millis(raw)
    except QuantityError as exc:
        entry.error(key, str(exc))
        return 0
    if value < 0:
        entry.error(key, "must be greater than or equal to 0")
        return 0
    return value


def _memory(entry: Fields, key: str) -> int:
    raw = entry.get(key)
    if raw is None:
        return 0
    try:
        value = resource_value("memory", raw)
    except QuantityError as exc:
        entry.error(key, str(exc))
        return 0
    if value < 0:
        entry.error(key, "must be greater than or equal to 0")
        return 0
    return value


def _steps(entry: Fields) -> tuple[tuple[float, float], ...]:
    points: list[tuple[float, float]] = []
    for _path, point in entry.list_of_fields("step", required=True):
        at = point.duration("at", required=True)
        rps = point.number("rps", 0.0, minimum=0)
        if not point.has("rps"):
            point.error("rps", REQUIRED)
        point.done()
        points.append((at, rps))
    for index in range(1, len(points)):
        if points[index][0] <= points[index - 1][0]:
            entry.doc.error(f"{entry.at('step')}[{index}].at", "must be later than the previous step")
    return tuple(points)


def _diurnal(entry: Fields) -> DiurnalRate | None:
    fields = entry.mapping("diurnal", required=True)
    if fields is None:
        return None
    mean = fields.number("mean", 0.0, minimum=0)
    if not fields.has("mean"):
        fields.error("mean", REQUIRED)
    amplitude = fields.number("amplitude", 0.0, minimum=0)
    peak = fields.duration("peak", 0.0)
    period = fields.duration("period", 86400.0)
    if period <= 0:
        fields.error("period", "must be greater than 0")
        period = 86400.0
    fields.done()
    return DiurnalRate(mean=mean, amplitude=amplitude, peak=peak, period=period)


def _csv(entry: Fields) -> tuple[tuple[float, float], ...]:
    """``t,rps`` rows (a header row is skipped) from a file relative to the scenario file."""
    name = entry.string("csv", required=True)
    if not name:
        return ()
    base = Path(entry.doc.file).parent if os.path.exists(entry.doc.file) else Path.cwd()
    path = base / name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        entry.error("csv", f"cannot read {show(str(path))}: {exc.__class__.__name__}")
        return ()
    points: list[tuple[float, float]] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) != 2:
            entry.error("csv", f"{name} line {number}: expected 2 columns (t,rps), got {len(row)}")
            return ()
        try:
            at = parse_duration(row[0].strip())
            rps = float(row[1])
        except (QuantityError, ValueError):
            if not points and number == 1:
                continue  # a header
            entry.error("csv", f"{name} line {number}: {show(','.join(row))} is not t,rps")
            return ()
        if rps < 0 or rps != rps:
            entry.error("csv", f"{name} line {number}: rps must be a number >= 0")
            return ()
        if points and at <= points[-1][0]:
            entry.error("csv", f"{name} line {number}: times must increase")
            return ()
        points.append((at, rps))
    if not points:
        entry.error("csv", f"{name} has no t,rps rows")
    return tuple(points)


def _read_entry(entry: Fields) -> TrafficSpec | None:
    target = _target(entry)
    patterns = [p for p in PATTERNS if entry.has(p)]
    if len(patterns) != 1:
        entry.error("rps", f"exactly one of {', '.join(PATTERNS)} is required (got {len(patterns)})")
        for p in PATTERNS:
            entry.get(p)
        pattern = ""
    else:
        pattern = patterns[0]
    steps: tuple[tuple[float, float], ...] = ()
    diurnal = None
    if pattern == "rps":
        steps = ((0.0, entry.number("rps", 0.0, minimum=0)),)
    elif pattern == "step":
        steps = _steps(entry)
    elif pattern == "diurnal":
        diurnal = _diurnal(entry)
    elif pattern == "csv":
        steps = _csv(entry)
    capacity = entry.number("capacityPerPod", 0.0, minimum=0)
    if not entry.has("capacityPerPod"):
        entry.error("capacityPerPod", REQUIRED)
    elif capacity <= 0:
        entry.error("capacityPerPod", "must be greater than 0")
    threshold = entry.integer("minReadyEndpoints", 1, minimum=0)
    cpu_per_request = _cpu(entry, "cpuPerRequest")
    baseline = _cpu(entry, "cpuBaseline")
    memory_per_request = _memory(entry, "memoryPerRequest")
    memory_baseline = _memory(entry, "memoryBaseline")
    step = entry.duration("evaluationStep", 10.0)
    if step <= 0:
        entry.error("evaluationStep", "must be greater than 0")
    entry.done()
    if target is None or not pattern:
        return None
    return TrafficSpec(
        target_kind=target[0],
        namespace=target[1],
        name=target[2],
        pattern="constant" if pattern == "rps" else pattern,
        steps=steps,
        diurnal=diurnal,
        capacity_per_pod=capacity,
        min_ready_endpoints=threshold,
        cpu_per_request=cpu_per_request,
        cpu_baseline=baseline,
        evaluation_step=step if step > 0 else 10.0,
        memory_per_request=memory_per_request,
        memory_baseline=memory_baseline,
    )


def read_traffic(spec: Fields) -> tuple[TrafficSpec, ...]:
    """The ``traffic`` list of a Scenario spec (empty when absent). A Service or Ingress may appear once."""
    value = spec.data.get("traffic")
    if value is not None and not isinstance(value, list):
        spec.error("traffic", f"expected a list, got {type_name(value)}")
        spec.get("traffic")
        return ()
    out: list[TrafficSpec] = []
    seen: set[tuple[str, str, str]] = set()
    for path, entry in spec.list_of_fields("traffic"):
        read = _read_entry(entry)
        if read is None:
            continue
        key = (read.target_kind, read.namespace, read.name)
        if key in seen:
            spec.doc.error(
                path, f"{read.target_kind} {read.namespace}/{read.name} already has a traffic entry"
            )
            continue
        seen.add(key)
        out.append(read)
    return tuple(out)
