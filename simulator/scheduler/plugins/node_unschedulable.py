"""NodeUnschedulable (Filter): rejects ``spec.unschedulable`` nodes unless the pod tolerates the
``node.kubernetes.io/unschedulable:NoSchedule`` taint (nodeunschedulable/node_unschedulable.go, 1.35)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from models.pod import Pod, Taint
from simulator.scheduler.cache import NodeInfo, NodeTable
from simulator.scheduler.framework import Code, CycleState, Handle, Plugin, Status
from simulator.scheduler.plugins._common import SlotCache, node_mask

__all__ = ["NodeUnschedulable"]

REASON = "node(s) were unschedulable"
UNSCHEDULABLE_TAINT = Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule")


def tolerates_unschedulable(pod: Pod) -> bool:
    return any(t.tolerates(UNSCHEDULABLE_TAINT) for t in pod.spec.tolerations)


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"
    events = frozenset({"NodeAdd", "NodeTaint"})
    filter_reason = REASON

    def __init__(self, args: Mapping[str, Any] | None = None, handle: Handle | None = None) -> None:
        super().__init__(args, handle)
        self._cache = SlotCache(node_only=True, limit=2)

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        if not node_info.node.unschedulable or tolerates_unschedulable(pod):
            return Status()
        return Status(Code.UnschedulableAndUnresolvable, REASON)

    def filter_vector(self, state: CycleState, pod: Pod, table: NodeTable) -> npt.NDArray[np.bool_] | None:
        if table.count_unschedulable == 0 or (pod.spec.tolerations and tolerates_unschedulable(pod)):
            return None
        return self._cache.get(
            table,
            "ok",
            lambda t: node_mask(t, lambda n: not n.unschedulable),
            lambda t, s: t.nodes[s] is not None and not t.nodes[s].unschedulable,  # type: ignore[union-attr]
        )
