"""The recent Kubernetes Events, numbered, for the event stream and its filter.

Events arrive through ``Store.watch_events`` as they are recorded, so the stream works whether or not the run
keeps its event log in memory. Only the latest few thousand are kept: the stream is a live view, not the log
(``kubesim run --events`` writes that).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = ["EventBook", "EventRow"]


@dataclass(frozen=True, slots=True)
class EventRow:
    """One Kubernetes Event: ``seq`` counts events from 1 in the order they happened."""

    seq: int
    t: float
    type: str  # Normal or Warning
    kind: str
    namespace: str
    name: str
    reason: str
    message: str

    @property
    def object(self) -> str:
        """``Kind/name`` or ``Kind/namespace/name`` for namespaced objects outside ``default``."""
        if self.namespace and self.namespace != "default":
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    def matches(self, words: list[str]) -> bool:
        """Every word (lower case) occurs in the type, reason, object or message."""
        if not words:
            return True
        text = f"{self.type} {self.reason} {self.object} {self.message}".lower()
        return all(word in text for word in words)


class EventBook:
    """The last ``limit`` Events and the count of all seen."""

    def __init__(self, limit: int = 5000) -> None:
        self.rows: deque[EventRow] = deque(maxlen=limit)
        self.total = 0

    def add(
        self, t: float, event_type: str, kind: str, namespace: str, name: str, reason: str, message: str
    ) -> None:
        """Append one Event."""
        self.total += 1
        self.rows.append(EventRow(self.total, t, event_type, kind, namespace, name, reason, message))

    def since(self, seq: int) -> list[EventRow]:
        """The kept Events after number ``seq``, oldest first."""
        new = self.total - seq
        if new <= 0:
            return []
        rows = self.rows
        if new >= len(rows):
            return list(rows)
        return [rows[i] for i in range(len(rows) - new, len(rows))]
