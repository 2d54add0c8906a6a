"""Scenario documents: timeline faults (crash/recover, drain, partition, kubelet stop, zone outage, cordon),
workload actions (scale, rollout, crash loop, pod deletion) and stochastic failure processes.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from simulator.testing._documents import (
    KUBESIM_API,
    workload_identity,
)
from simulator.testing._draw import between, flip, many, pick, rarely
from simulator.testing._manifests import (
    IMAGES,
    Manifest,
    go_duration,
)

KUBERNETES_VERSIONS = ("1.35", "1.34", "1.33", "1.32", "1.31")
"""The versions a Scenario may select (models._kubesim.SUPPORTED_KUBERNETES_VERSIONS), newest first."""
FAULT_KINDS = ("crash", "drain", "partition", "zone", "kubelet", "cordon")
"""Fault families of ``fault_schedules``: crashNode/recoverNode, drain (then uncordon), partitionNode/
healPartition, zoneOutage/recoverZone, stopKubelet/startKubelet, cordon/uncordon."""


SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")


ROLLOUT = ("Deployment", "StatefulSet", "DaemonSet")


CRASHABLE = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "Job")


_FAULT_LENGTHS = (300, 60, 600, 1800, None)  # seconds; None: never healed


_FAULT_ACTIONS = {
    "crash": ("crashNode", "recoverNode"),
    "drain": ("drain", "uncordon"),
    "partition": ("partitionNode", "healPartition"),
    "kubelet": ("stopKubelet", "startKubelet"),
    "cordon": ("cordon", "uncordon"),
    "zone": ("zoneOutage", "recoverZone"),
}


_SELF_HEALING = ("zone", "partition", "kubelet")  # actions that take a duration


def _start(draw: st.DrawFn, duration: float) -> int:
    """A start time on a 10 s grid within the run (shrinks to 0)."""
    return between(draw, 0, max(0, int(duration) // 10 - 1)) * 10


def _fault(
    draw: st.DrawFn, node_names: Sequence[str], zones: Sequence[str], duration: float, kinds: Sequence[str]
) -> list[tuple[int, Manifest]]:
    kind = pick(draw, kinds)
    start = _start(draw, duration)
    length = pick(draw, _FAULT_LENGTHS)
    end = None if length is None or start + length > duration else start + length
    target: Manifest = {"zone": pick(draw, zones)} if kind == "zone" else {"node": pick(draw, node_names)}
    opening, closing = _FAULT_ACTIONS[kind]
    first: Manifest = {"action": opening, **target}
    entries = [(start, first)]
    if kind == "drain" and rarely(draw):
        first["timeout"] = pick(draw, ("2m", "30s", "10m"))
    if end is not None:
        if kind in _SELF_HEALING and flip(draw):
            first["duration"] = go_duration(end - start)
        else:
            entries.append((end, {"action": closing, **target}))
    return entries


def timeline_of(entries: Sequence[tuple[int, Manifest]]) -> list[Manifest]:
    """Entries sorted by time (stable), each written ``{at: 5m, action: ..., ...}``."""
    ordered = sorted(enumerate(entries), key=lambda e: (e[1][0], e[0]))
    return [{"at": go_duration(at), **entry} for _i, (at, entry) in ordered]


def fault_entries(
    draw: st.DrawFn,
    node_names: Sequence[str],
    zones: Sequence[str],
    duration: float,
    max_faults: int,
    kinds: Sequence[str],
) -> list[tuple[int, Manifest]]:
    """``(at, entry)`` pairs of up to ``max_faults`` faults of ``kinds`` (opening and, usually, healing)."""
    usable = [k for k in kinds if (zones if k == "zone" else node_names)]
    if not usable or max_faults <= 0:
        return []
    faults = many(draw, lambda d: _fault(d, node_names, zones, duration, usable), 0, max_faults)
    return [entry for fault in faults for entry in fault]


def _failure(draw: st.DrawFn, pools: Sequence[str], zones: Sequence[str], targets: Sequence[str]) -> Manifest:
    scopes = [s for s, have in (("pool", pools), ("zone", zones), ("target", targets)) if have]
    scope = pick(draw, scopes)
    if scope == "target":
        return {"target": pick(draw, targets), "crashMtbf": pick(draw, ("1h", "20m"))}
    entry: Manifest = {scope: pick(draw, pools if scope == "pool" else zones)}
    entry["mtbf"] = pick(draw, ("2h", "30m", "24h"))
    if not rarely(draw):
        entry["mttr"] = pick(draw, ("10m", "2m", "1h"))
        if rarely(draw):
            entry["repairDistribution"] = "fixed"
    distribution = pick(draw, ("exponential", "weibull", "fixed"))
    if distribution != "exponential" or flip(draw):
        entry["distribution"] = distribution
        if distribution == "weibull":
            entry["shape"] = pick(draw, (1.5, 0.8))
    if scope == "pool" and rarely(draw):
        entry["mode"] = "partition"
    return entry


def failure_entries(
    draw: st.DrawFn, pools: Sequence[str], zones: Sequence[str], targets: Sequence[str], max_size: int
) -> list[Manifest]:
    """Up to ``max_size`` ``spec.failures`` entries on ``pools``, ``zones`` and ``targets``."""
    if not (pools or zones or targets) or max_size <= 0:
        return []
    return many(draw, lambda d: _failure(d, pools, zones, targets), 0, max_size)


def _action(
    draw: st.DrawFn, workloads: Sequence[Manifest], bare_pods: Sequence[str], duration: float
) -> tuple[int, Manifest]:
    start = _start(draw, duration)
    options: list[str] = []
    if any(w["kind"] in SCALABLE for w in workloads):
        options.append("scale")
    if any(w["kind"] in ROLLOUT for w in workloads):
        options.append("rollout")
    if any(w["kind"] in CRASHABLE for w in workloads):
        options.append("crashLoop")
    if bare_pods:
        options.append("deletePod")
    action = pick(draw, options)
    if action == "deletePod":
        return start, {"action": "deletePod", "pod": pick(draw, bare_pods)}
    kinds = {"scale": SCALABLE, "rollout": ROLLOUT, "crashLoop": CRASHABLE}[action]
    candidates = [index for index, w in enumerate(workloads) if w["kind"] in kinds]
    workload = workloads[pick(draw, candidates)]
    name, namespace, _labels, _replicas = workload_identity(workload)
    entry: Manifest = {"action": action, "target": f"{workload['kind']}/{name}"}
    if action == "scale":
        entry["replicas"] = between(draw, 0, 6)
    elif action == "rollout":
        current = workload["spec"]["template"]["spec"]["containers"][0]["image"]
        entry["image"] = pick(draw, [i for i in IMAGES if i != current])
        if flip(draw):
            entry["container"] = "main"
    else:
        entry["duration"] = pick(draw, ("2m", "30s", "10m"))
    if namespace != "default":
        entry["namespace"] = namespace
    return start, entry


_SEEDS = st.integers(0, 2**16)


def scenario_doc(
    draw: st.DrawFn,
    name: str,
    node_names: Sequence[str],
    zones: Sequence[str],
    pools: Sequence[str],
    workloads: Sequence[Manifest],
    bare_pods: Sequence[str],
    duration: float | None,
    faults: bool,
    actions: bool,
    failures: bool,
    max_faults: int,
    max_actions: int,
) -> Manifest:
    """A Scenario: duration, seed, version, sometimes defaults, a timeline of faults and actions, failures."""
    length = duration if duration is not None else pick(draw, (600.0, 1800.0, 300.0, 3600.0))
    spec: Manifest = {
        "duration": go_duration(length),
        "seed": draw(_SEEDS),
        "kubernetesVersion": pick(draw, KUBERNETES_VERSIONS),
    }
    if rarely(draw):
        spec["defaults"] = {
            "startupSeconds": pick(draw, ("2s", "5s", "500ms")),
            "readySeconds": pick(draw, ("0s", "2s")),
            "shutdownSeconds": pick(draw, ("1s", "10s")),
        }
    entries: list[tuple[int, Manifest]] = []
    if faults:
        entries += fault_entries(draw, node_names, zones, length, max_faults, FAULT_KINDS)
    if actions and (workloads or bare_pods) and max_actions > 0:
        deleted: set[str] = set()
        for at, entry in many(draw, lambda d: _action(d, workloads, bare_pods, length), 0, max_actions):
            if entry["action"] == "deletePod":  # a pod is deleted once (a second delete finds nothing)
                if entry["pod"] in deleted:
                    continue
                deleted.add(entry["pod"])
            entries.append((at, entry))
    spec["timeline"] = timeline_of(entries)
    if failures:
        targets = [  # a failure process's target is in the default namespace unless it says otherwise
            f"{w['kind']}/{w['metadata']['name']}"
            for w in workloads
            if w["kind"] in CRASHABLE and "namespace" not in w["metadata"]
        ]
        processes = failure_entries(draw, pools, zones, targets, 1)
        if processes:
            spec["failures"] = processes
    return {"apiVersion": KUBESIM_API, "kind": "Scenario", "metadata": {"name": name}, "spec": spec}
