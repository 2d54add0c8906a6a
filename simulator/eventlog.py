"""The append-only event log: one record per store change or Kubernetes Event, written out as JSON Lines.

Why records are tuples: the log is on the hot path of every write, so a record is a cheap snapshot of the few
fields the contract names; turning it into JSON happens once, when the log is written (DESIGN.md §3: no per-event
formatting). ``keep=False`` keeps only the count, for runs nobody will read the log of.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["EventLog"]

# Field names of each record shape, after the common (t, seq, type, kind, namespace, name).
_COMMON = ("t", "seq", "type", "kind", "namespace", "name")
POD_FIELDS = (*_COMMON, "node", "phase", "ready", "owner", "image", "deletionTimestamp")
# Node lines: ``ready`` is a boolean like a pod's (the Ready condition is "True"); ``readyStatus`` keeps the
# condition's own value, "True", "False" or "Unknown" (an unreachable node), as ``kubectl get node -o yaml`` shows.
NODE_FIELDS = (*_COMMON, "ready", "readyStatus", "unschedulable", "taints")
EVENT_FIELDS = (*_COMMON, "reason", "message", "eventType")
WORKLOAD_FIELDS = (*_COMMON, "replicas", "readyReplicas", "availableReplicas")
ENDPOINTS_FIELDS = (*_COMMON, "ready", "notReady")
EXTRA_FIELDS = (*_COMMON, "data")
# With --explain: one line per scheduling attempt, type EXPLAIN, the record under "explain".
EXPLAIN_FIELDS = (*_COMMON, "explain")
PLAIN_FIELDS = _COMMON


class EventLog:
    """Records (shape, values) pairs; ``seq`` is the record's position, so it is dense and starts at 1."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.count = 0
        self._records: list[tuple[tuple[str, ...], tuple[Any, ...]]] = []

    def append(self, shape: tuple[str, ...], values: tuple[Any, ...]) -> int:
        """Append a record whose ``values`` line up with ``shape`` minus ``seq``; returns its seq."""
        self.count += 1
        if self.keep:
            self._records.append((shape, values))
        return self.count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Each retained record as a dict in the contract's key order."""
        for seq, (shape, values) in enumerate(self._records, start=1):
            yield _as_dict(shape, seq, values)

    def tail(self, n: int) -> list[dict[str, Any]]:
        """The last ``n`` retained records, oldest first."""
        start = max(0, len(self._records) - n)
        return [_as_dict(s, i + 1, v) for i, (s, v) in enumerate(self._records[start:], start=start)]

    def write_jsonl(self, path: str | os.PathLike[str]) -> None:
        """Write the log atomically (temp file + rename), so a failed run never leaves half a file."""
        target = Path(path)
        fd, tmp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
                for record in self:
                    out.write(dumps(record))
                    out.write("\n")
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _as_dict(shape: tuple[str, ...], seq: int, values: tuple[Any, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {"t": values[0], "seq": seq}
    for key, value in zip(shape[2:], values[1:], strict=True):
        record[key] = value
    return record
