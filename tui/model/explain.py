"""The scheduler's latest explanation per pod, for the inspector.

The scheduler calls ``record`` with an explain record after every attempt when ``scheduler.explain`` is on (the
per-node reference path; it decides exactly as the fast path does, which ``tests/test_cli_explain.py`` checks).
Only the latest record per pod is kept, and only so many in all: a record holds every node's filter verdicts and
scores, so at 1,000 nodes each is large. For the same reason the TUI turns recording off by default on big
clusters (``e`` turns it on).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["ExplainBook"]


class ExplainBook:
    """``"namespace/name"`` -> (virtual time, the latest explain record), least recently recorded dropped first.

    Args:
        now: the clock, to stamp each record with the time of its attempt.
        capacity: how many pods' records are kept.
    """

    def __init__(self, now: Callable[[], float], capacity: int = 2000) -> None:
        self._now = now
        self.capacity = capacity
        self.records: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    def record(self, record: dict[str, Any]) -> None:
        """The scheduler's ``explain_callback``."""
        key = str(record["pod"])
        self.records.pop(key, None)
        self.records[key] = (self._now(), record)
        while len(self.records) > self.capacity:
            self.records.popitem(last=False)

    def latest(self, namespace: str, name: str) -> tuple[float, dict[str, Any]] | None:
        """The latest (time, record) for the pod, if one is kept."""
        return self.records.get(f"{namespace}/{name}")
