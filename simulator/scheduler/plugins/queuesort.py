"""PrioritySort (QueueSort): higher ``pod.priority`` first, then the earlier queue timestamp (queuesort, 1.35)."""

from __future__ import annotations

from typing import Any

from simulator.scheduler.framework import Plugin, QueuedPodInfo

__all__ = ["PrioritySort"]


class PrioritySort(Plugin):
    name = "PrioritySort"

    def less(self, a: QueuedPodInfo, b: QueuedPodInfo) -> bool:
        return a.priority > b.priority or (a.priority == b.priority and a.timestamp < b.timestamp)

    def sort_key(self, pinfo: QueuedPodInfo) -> Any:
        return (-pinfo.priority, pinfo.timestamp, pinfo.seq)
