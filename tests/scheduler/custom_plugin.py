"""A custom Filter plugin loaded by import path in the tests."""

from __future__ import annotations

from models.pod import Pod
from simulator.scheduler.cache import NodeInfo
from simulator.scheduler.framework import Code, CycleState, Plugin, Status


class RejectOdd(Plugin):
    name = "RejectOdd"

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        if node_info.name[-1] in "13579":
            return Status(Code.Unschedulable, "odd node")
        return Status()
