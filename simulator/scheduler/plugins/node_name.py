"""NodeName (Filter): a pod with ``spec.nodeName`` fits only that node (nodename/node_name.go, 1.35)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from models.pod import Pod
from simulator.scheduler.cache import NodeInfo, NodeTable
from simulator.scheduler.framework import SKIP, Code, CycleState, Plugin, Status

__all__ = ["NodeName"]

REASON = "node(s) didn't match the requested node name"


class NodeName(Plugin):
    name = "NodeName"
    events = frozenset({"NodeAdd"})
    filter_reason = REASON

    def pre_filter(self, state: CycleState, pod: Pod) -> Status | None:
        return None if pod.spec.node_name else SKIP

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        if not pod.spec.node_name or pod.spec.node_name == node_info.name:
            return Status()
        return Status(Code.UnschedulableAndUnresolvable, REASON)

    def filter_vector(self, state: CycleState, pod: Pod, table: NodeTable) -> npt.NDArray[np.bool_] | None:
        mask = np.zeros(table.capacity, dtype=np.bool_)
        slot = table.slot_of.get(pod.spec.node_name)
        if slot is not None:
            mask[slot] = True
        return mask
