"""Small pod helpers shared by controllers: graceful deletion, availability, timing annotations."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from models.kubesim import ScenarioDefaults
from models.pod import Pod
from models.quantity import parse_duration
from simulator.store import Store

__all__ = ["PodTiming", "delete_pod", "is_available", "pod_timing"]

STARTUP = "kubesim.dev/startup-seconds"
READY = "kubesim.dev/ready-seconds"
DURATION = "kubesim.dev/duration-seconds"
SHUTDOWN = "kubesim.dev/shutdown-seconds"
CRASH_MTBF = "kubesim.dev/crash-mtbf-seconds"


@attrs.frozen
class PodTiming:
    """How long a pod's containers take to start, become ready, run, crash and stop (seconds)."""

    startup: float
    ready: float
    duration: float | None
    shutdown: float
    crash_mtbf: float | None


# Memo of parsed timings keyed by the identity of (annotations, defaults): pods stamped from one template share
# both objects. Bounded, and each entry holds its key objects so an id is never reused while cached.
_MEMO_LIMIT = 1024
_memo: dict[tuple[int, int, int], tuple[Mapping[str, str], ScenarioDefaults, object, PodTiming]] = {}


def pod_timing(pod: Pod, defaults: ScenarioDefaults) -> PodTiming:
    """The pod's timing from its annotations, else the scenario's defaults.

    The readiness delay is ``kubesim.dev/ready-seconds``, else the first container's
    ``readinessProbe.initialDelaySeconds``, else the scenario default.
    """
    annotations = pod.annotations
    spec = pod.spec
    key = (id(annotations), id(defaults), id(spec))
    hit = _memo.get(key)
    if hit is not None and hit[0] is annotations and hit[1] is defaults and hit[2] is spec:
        return hit[3]
    probe_delay = spec.containers[0].readiness_delay_seconds if spec.containers else None
    timing = PodTiming(
        startup=_seconds(annotations, STARTUP, defaults.startup_seconds),
        ready=_seconds(
            annotations, READY, probe_delay if probe_delay is not None else defaults.ready_seconds
        ),
        duration=_optional(annotations, DURATION),
        shutdown=min(
            _seconds(annotations, SHUTDOWN, defaults.shutdown_seconds),
            float(spec.termination_grace_period_seconds),
        ),
        crash_mtbf=_optional(annotations, CRASH_MTBF),
    )
    if len(_memo) >= _MEMO_LIMIT:
        del _memo[next(iter(_memo))]
    _memo[key] = (annotations, defaults, spec, timing)
    return timing


def _seconds(annotations: Mapping[str, str], key: str, default: float) -> float:
    value = annotations.get(key)
    return default if value is None else parse_duration(value)


def _optional(annotations: Mapping[str, str], key: str) -> float | None:
    value = annotations.get(key)
    return None if value is None else parse_duration(value)


def is_available(pod: Pod, min_ready_seconds: float, now: float) -> bool:
    """``podutil.IsPodAvailable``: Ready for at least ``minReadySeconds`` (and not being deleted)."""
    if not pod.ready or pod.ready_since is None:
        return False
    return min_ready_seconds <= 0 or pod.ready_since + min_ready_seconds <= now


def delete_pod(store: Store, pod: Pod, grace_period: float | None = None) -> None:
    """Delete a pod as the API server does.

    A pod that is not bound to a node, or has already finished, goes at once. A bound, live pod is only marked
    (``deletionTimestamp``); the node's kubelet stops its containers and removes it, so a pod on an unreachable
    node stays Terminating until the node comes back or is removed.
    """
    if not store.contains(pod):
        return
    if pod.deletion_timestamp is not None:
        return
    if not pod.node_name or pod.is_terminal or grace_period == 0:
        store.delete(pod)
        return
    pod.deletion_timestamp = store.engine.now
    store.update(pod)
