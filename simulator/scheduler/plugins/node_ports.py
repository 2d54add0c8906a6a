"""NodePorts (PreFilter, Filter) as in nodeports/node_ports.go (kube-scheduler 1.35).

PreFilter collects the pod's host ports (``util.GetHostPorts``: containers and restartable init containers, hostPort
> 0) and returns Skip when there are none. Filter rejects a node where one of them conflicts with a port already
used by a pod on the node (``HostPortInfo.CheckConflict``): hostIP defaults to 0.0.0.0 and protocol to TCP; a
wanted 0.0.0.0 conflicts with the same protocol/port on any IP; a specific IP conflicts with the same IP or 0.0.0.0.
Reason (Unschedulable): ``node(s) didn't have free ports for the requested pod ports``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from models.pod import Pod
from simulator.scheduler.cache import NodeInfo, NodeTable, pod_host_ports
from simulator.scheduler.framework import SKIP, Code, CycleState, Plugin, Status

__all__ = ["NodePorts", "ports_conflict"]

REASON = "node(s) didn't have free ports for the requested pod ports"
_STATE = "PreFilterNodePorts"
_WILDCARD = "0.0.0.0"

Port = tuple[str, str, int]


def ports_conflict(wanted: Iterable[Port], used: Iterable[Iterable[Port]]) -> bool:
    """``fitsPorts`` negated: whether any wanted (ip, protocol, port) conflicts with the used ones."""
    used_set: set[Port] = set()
    wild: set[tuple[str, int]] = set()
    for ports in used:
        for ip, proto, port in ports:
            used_set.add((ip, proto, port))
            wild.add((proto, port))
    for ip, proto, port in wanted:
        if port <= 0:
            continue
        if ip == _WILDCARD:
            if (proto, port) in wild:
                return True
        elif (ip, proto, port) in used_set or (_WILDCARD, proto, port) in used_set:
            return True
    return False


class NodePorts(Plugin):
    name = "NodePorts"
    events = frozenset({"PodDelete", "NodeAdd"})
    filter_reason = REASON

    def pre_filter(self, state: CycleState, pod: Pod) -> Status | None:
        ports = pod_host_ports(pod)
        if not ports:
            return SKIP
        state.data[_STATE] = ports
        return None

    def _wanted(self, state: CycleState, pod: Pod) -> tuple[Port, ...]:
        ports = state.data.get(_STATE)
        return ports if ports is not None else pod_host_ports(pod)

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        used = node_info.table.port_pods.get(node_info.name)
        if used and ports_conflict(self._wanted(state, pod), used.values()):
            return Status(Code.Unschedulable, REASON)
        return Status()

    def filter_vector(self, state: CycleState, pod: Pod, table: NodeTable) -> npt.NDArray[np.bool_] | None:
        if not table.port_pods:
            return None
        wanted = self._wanted(state, pod)
        mask: npt.NDArray[np.bool_] | None = None
        for name, used in table.port_pods.items():
            slot = table.slot_of.get(name)
            if slot is not None and ports_conflict(wanted, used.values()):
                if mask is None:
                    mask = table.live.copy()
                mask[slot] = False
        return mask
