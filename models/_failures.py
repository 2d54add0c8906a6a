"""Reader for a Scenario's ``spec.failures``: stochastic node, zone and container failure processes.

Three shapes of entry, told apart by their key:

* ``{pool: general, mtbf: 24h, mttr: 10m, distribution: exponential}``: every node of the pool fails and is
  repaired, independently, again and again;
* ``{zone: zone-a, mtbf: 720h, mttr: 1h}``: the whole zone goes down at once (a zone outage);
* ``{target: Deployment/web, crashMtbf: 2h}``: the workload's containers crash at that mean interval.

``mode: crash`` (default) kills the machine with its containers; ``mode: partition`` cuts the node off from the
control plane while its containers keep running.
"""

from __future__ import annotations

import re

from models._read import REQUIRED, Fields, show, unsupported_value
from models.kubesim import ContainerCrashes, FailureProcess, Lifetime, NodeFailures

__all__ = ["CRASH_TARGET_KINDS", "DISTRIBUTIONS", "FAILURE_MODES", "read_failures"]

DISTRIBUTIONS = ("exponential", "weibull", "fixed")
FAILURE_MODES = ("crash", "partition")
CRASH_TARGET_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "Job")
_SCOPES = ("pool", "zone", "target")
_TARGET = re.compile(r"^([A-Za-z]+)/(.+)$")


def _positive_duration(fields: Fields, key: str, *, required: bool) -> float | None:
    if not fields.has(key):
        fields.get(key)
        if required:
            fields.error(key, REQUIRED)
        return None
    seconds = fields.duration(key, -1.0)
    if seconds < 0:
        return None  # already reported
    if seconds == 0:
        fields.error(key, "must be greater than 0")
        return None
    return seconds


def _lifetime(
    fields: Fields, mean_key: str, dist_key: str, shape_key: str, *, required: bool
) -> Lifetime | None:
    mean = _positive_duration(fields, mean_key, required=required)
    distribution = fields.choice(dist_key, DISTRIBUTIONS, "exponential")
    shape: float | None = None
    if fields.has(shape_key):
        shape = fields.number(shape_key, 0.0)
        if distribution != "weibull":
            fields.error(shape_key, f"only applies to {dist_key}: weibull")
            shape = None
        elif shape <= 0:
            fields.error(shape_key, "must be greater than 0")
            shape = None
    elif distribution == "weibull":
        fields.error(shape_key, f"{REQUIRED} ({dist_key} weibull needs it)")
    if mean is None:
        return None
    return Lifetime(mean=mean, distribution=distribution, shape=shape)


def _read_node_failures(entry: Fields, index: int, scope: str) -> NodeFailures | None:
    name = entry.string(scope, required=True)
    ttf = _lifetime(entry, "mtbf", "distribution", "shape", required=True)
    ttr = _lifetime(entry, "mttr", "repairDistribution", "repairShape", required=False)
    if ttr is None and (entry.has("repairDistribution") or entry.has("repairShape")):
        entry.error("mttr", f"{REQUIRED} (repairDistribution needs it)")
    mode = entry.choice("mode", FAILURE_MODES, "crash")
    entry.done()
    if not name or ttf is None:
        return None
    return NodeFailures(
        time_to_failure=ttf,
        time_to_repair=ttr,
        pool=name if scope == "pool" else "",
        zone=name if scope == "zone" else "",
        mode=mode,
        index=index,
    )


def _read_container_crashes(entry: Fields, index: int) -> ContainerCrashes | None:
    target = entry.string("target", required=True)
    match = _TARGET.match(target)
    ok = True
    if target and match is None:
        entry.error("target", f"{show(target)} is not a target (expected Kind/name, e.g. Deployment/web)")
        ok = False
    elif match is not None and match.group(1) not in CRASH_TARGET_KINDS:
        entry.error("target", unsupported_value(match.group(1), CRASH_TARGET_KINDS))
        ok = False
    namespace = entry.string("namespace", "default")
    mtbf = _positive_duration(entry, "crashMtbf", required=True)
    entry.done()
    if not ok or not target or mtbf is None:
        return None
    return ContainerCrashes(target=target, crash_mtbf=mtbf, namespace=namespace or "default", index=index)


def read_failures(spec: Fields) -> tuple[FailureProcess, ...]:
    """The validated ``spec.failures`` list (entries with errors are reported and left out)."""
    out: list[FailureProcess] = []
    for index, (path, entry) in enumerate(spec.list_of_fields("failures")):
        scopes = [key for key in _SCOPES if key in entry.data]
        if len(scopes) != 1:
            found = ", ".join(scopes) if scopes else "none"
            entry.doc.error(path, f"needs exactly one of pool, zone or target (found: {found})")
            continue
        process: FailureProcess | None
        if scopes[0] == "target":
            process = _read_container_crashes(entry, index)
        else:
            process = _read_node_failures(entry, index, scopes[0])
        if process is not None:
            out.append(process)
    return tuple(out)
