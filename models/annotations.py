"""The ``kubesim.dev/...`` annotations a Pod or pod template may carry to give per-workload timing.

Every value is a duration (``models.quantity.parse_duration``: ``5``, ``90s``, ``1m30s``); the Scenario's
``spec.defaults`` fill in what a pod does not say. Any other ``kubesim.dev/`` annotation key is an input
error, so that a typo never silently falls back to the default.
"""

from __future__ import annotations

from collections.abc import Mapping

from models.quantity import parse_duration

__all__ = [
    "CRASH_MTBF_SECONDS",
    "DURATION_SECONDS",
    "KUBESIM_PREFIX",
    "READY_SECONDS",
    "SHUTDOWN_SECONDS",
    "STARTUP_SECONDS",
    "TIMING_ANNOTATIONS",
    "annotation_seconds",
]

KUBESIM_PREFIX = "kubesim.dev/"

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

TIMING_ANNOTATIONS = (STARTUP_SECONDS, READY_SECONDS, DURATION_SECONDS, SHUTDOWN_SECONDS, CRASH_MTBF_SECONDS)


def annotation_seconds(annotations: Mapping[str, str], key: str) -> float | None:
    """The duration in seconds that ``key`` gives, or ``None`` when the annotation is absent.

    The loader has already validated the value, so this does not fail on loaded objects.
    """
    value = annotations.get(key)
    return None if value is None else parse_duration(value)
