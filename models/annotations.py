"""The ``kubesim.dev/...`` annotations a Pod or pod template may carry to give per-workload timing.

Every value is a duration (``models.quantity.parse_duration``: ``5``, ``90s``, ``1m30s``), except
``kubesim.dev/memory-usage``, a memory quantity (``1500Mi``); the Scenario's ``spec.defaults`` fill in what a
pod does not say. Any other ``kubesim.dev/`` annotation key is an input
error, so that a typo never silently falls back to the default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from models.quantity import parse_duration

__all__ = [
    "CRASH_MTBF_SECONDS",
    "DURATION_SECONDS",
    "KUBESIM_PREFIX",
    "MEMORY_USAGE",
    "POD_DELETION_COST",
    "QUANTITY_ANNOTATIONS",
    "READY_SECONDS",
    "SHUTDOWN_SECONDS",
    "STARTUP_SECONDS",
    "TIMING_ANNOTATIONS",
    "annotation_seconds",
    "deletion_cost_problem",
    "pod_deletion_cost",
]

KUBESIM_PREFIX = "kubesim.dev/"

POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
"""Kubernetes' own: which pods of a ReplicaSet go first on scale-down (lower cost first)."""
_INT32 = 2**31


def deletion_cost_problem(value: str) -> str | None:
    """Why a pod-deletion-cost value is invalid, as the API server says it for a Pod or pod template.

    ``helper.GetDeletionCostFromPodAnnotations``: no ``+`` sign and no leading zeros (``validFirstDigit``), then
    ``strconv.ParseInt(value, 10, 32)``.
    """
    valid_first = bool(value) and (value[0] == "-" or value == "0" or "1" <= value[0] <= "9")
    if not valid_first or not re.fullmatch(r"-?[0-9]+", value) or not -_INT32 <= int(value) < _INT32:
        return "must be a 32bit integer"
    return None


def pod_deletion_cost(annotations: Mapping[str, str]) -> int:
    """The pod's deletion cost; 0 when absent or invalid (``ActivePodsWithRanks`` ignores the parse error)."""
    value = annotations.get(POD_DELETION_COST)
    if value is None or deletion_cost_problem(value) is not None:
        return 0
    return int(value)


STARTUP_SECONDS = "kubesim.dev/startup-seconds"
"""From binding to containers Running (image pull + start)."""
READY_SECONDS = "kubesim.dev/ready-seconds"
"""From Running to Ready (added to a readiness probe's ``initialDelaySeconds``)."""
DURATION_SECONDS = "kubesim.dev/duration-seconds"
"""How long the main containers run before exiting successfully (batch work); absent means forever."""
SHUTDOWN_SECONDS = "kubesim.dev/shutdown-seconds"
"""From deletion to containers stopped (capped by ``terminationGracePeriodSeconds``)."""
CRASH_MTBF_SECONDS = "kubesim.dev/crash-mtbf-seconds"
"""Mean time between container crashes (exponentially distributed); absent means never."""

MEMORY_USAGE = "kubesim.dev/memory-usage"
"""Memory the pod's first container uses once running (a quantity); above its ``limits.memory`` it is OOM-killed."""

QUANTITY_ANNOTATIONS = (MEMORY_USAGE,)
"""Annotations whose value is a (non-negative) resource quantity rather than a duration."""

TIMING_ANNOTATIONS = (
    STARTUP_SECONDS,
    READY_SECONDS,
    DURATION_SECONDS,
    SHUTDOWN_SECONDS,
    CRASH_MTBF_SECONDS,
    MEMORY_USAGE,
)
"""Every known per-pod timing/behaviour annotation (they belong on a Pod or a pod template)."""


def annotation_seconds(annotations: Mapping[str, str], key: str) -> float | None:
    """The duration in seconds that ``key`` gives, or ``None`` when the annotation is absent.

    The loader has already validated the value, so this does not fail on loaded objects.
    """
    value = annotations.get(key)
    return None if value is None else parse_duration(value)
