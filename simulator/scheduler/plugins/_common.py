"""Caches the vectorised plugins share: per-key arrays over node slots, refreshed from the table's dirty logs."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.scheduler.cache import DirtyLog, NodeTable

__all__ = ["SlotCache"]

Arr = npt.NDArray[Any]


class _Entry:
    __slots__ = ("arr", "capacity", "epoch", "pos")

    def __init__(self, arr: Arr, capacity: int, epoch: int, pos: int) -> None:
        self.arr = arr
        self.capacity = capacity
        self.epoch = epoch
        self.pos = pos


class SlotCache:
    """Arrays over all slots, one per key, kept exact by recomputing only the slots the log marks dirty.

    ``full(table)`` computes the whole array (vectorised); ``one(table, slot)`` recomputes one slot with the same
    arithmetic. ``node_only`` caches depend on node specs only (labels, taints) and follow ``table.node_log``.
    """

    def __init__(self, node_only: bool = False, limit: int = 64) -> None:
        self.node_only = node_only
        self.limit = limit
        self.entries: dict[Hashable, _Entry] = {}

    def get(
        self,
        table: NodeTable,
        key: Hashable,
        full: Callable[[NodeTable], Arr],
        one: Callable[[NodeTable, int], Any],
    ) -> Arr:
        log: DirtyLog = table.node_log if self.node_only else table.log
        entry = self.entries.get(key)
        if entry is not None and entry.capacity == table.capacity:
            changed = log.since(entry.epoch, entry.pos)
            if changed is not None:
                if changed:
                    if len(changed) > 32:
                        entry.arr = full(table)
                    else:
                        arr = entry.arr
                        for slot in set(changed):
                            arr[slot] = one(table, slot)
                entry.pos = log.end
                return entry.arr
        arr = full(table)
        if entry is None and len(self.entries) >= self.limit:
            del self.entries[next(iter(self.entries))]
        self.entries[key] = _Entry(arr, table.capacity, log.epoch, log.end)
        return arr


def node_mask(table: NodeTable, pred: Callable[[Any], bool]) -> npt.NDArray[np.bool_]:
    """A bool array over slots: ``pred(node)`` for live nodes, False elsewhere."""
    out = np.zeros(table.capacity, dtype=np.bool_)
    for slot, node in enumerate(table.nodes):
        if node is not None and pred(node):
            out[slot] = True
    return out
