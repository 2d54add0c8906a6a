"""TaintToleration (Filter, PreScore, Score) as in tainttoleration/taint_toleration.go (1.35).

Filter: the first NoSchedule/NoExecute taint no toleration tolerates rejects the node with
UnschedulableAndUnresolvable ``node(s) had untolerated taint(s)`` (1.35 no longer names the taint). Score: the
number of PreferNoSchedule taints not tolerated by the pod's tolerations with effect PreferNoSchedule or empty,
normalised with ``DefaultNormalizeScore(reverse=True)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from models.node import Node
from models.pod import Pod, Taint, Toleration
from simulator.scheduler.cache import NodeInfo, NodeTable
from simulator.scheduler.framework import (
    Code,
    CycleState,
    Handle,
    Plugin,
    Status,
    default_normalize,
    default_normalize_vector,
)
from simulator.scheduler.plugins._common import SlotCache, node_mask

__all__ = ["TaintToleration"]

REASON = "node(s) had untolerated taint(s)"
I64 = npt.NDArray[np.int64]
_STATE = "PreScoreTaintToleration"
_ZERO = np.zeros((), dtype=np.int64)
_FULL = np.full((), 100, dtype=np.int64)


def untolerated_hard_taint(taints: Sequence[Taint], tolerations: Sequence[Toleration]) -> Taint | None:
    """``FindMatchingUntoleratedTaint`` with ``DoNotScheduleTaintsFilterFunc``."""
    for taint in taints:
        if taint.effect not in ("NoSchedule", "NoExecute"):
            continue
        if not any(t.tolerates(taint) for t in tolerations):
            return taint
    return None


def prefer_tolerations(tolerations: Sequence[Toleration]) -> tuple[Toleration, ...]:
    """``getAllTolerationPreferNoSchedule``: tolerations with effect PreferNoSchedule or empty."""
    return tuple(t for t in tolerations if t.effect in ("", "PreferNoSchedule"))


def count_untolerated_prefer(taints: Sequence[Taint], tolerations: Sequence[Toleration]) -> int:
    return sum(
        1
        for taint in taints
        if taint.effect == "PreferNoSchedule" and not any(t.tolerates(taint) for t in tolerations)
    )


class TaintToleration(Plugin):
    name = "TaintToleration"
    events = frozenset({"NodeAdd", "NodeTaint"})
    filter_reason = REASON

    def __init__(self, args: Mapping[str, Any] | None = None, handle: Handle | None = None) -> None:
        super().__init__(args, handle)
        self._masks = SlotCache(node_only=True, limit=128)
        self._counts = SlotCache(node_only=True, limit=128)

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        if untolerated_hard_taint(node_info.node.taints, pod.spec.tolerations) is None:
            return Status()
        return Status(Code.UnschedulableAndUnresolvable, REASON)

    def filter_vector(self, state: CycleState, pod: Pod, table: NodeTable) -> npt.NDArray[np.bool_] | None:
        if table.count_hard_tainted == 0:
            return None
        tols = pod.spec.tolerations

        def ok(node: Node | None) -> bool:
            return node is not None and untolerated_hard_taint(node.taints, tols) is None

        return self._masks.get(table, tols, lambda t: node_mask(t, ok), lambda t, s: ok(t.nodes[s]))

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status | None:
        state.data[_STATE] = prefer_tolerations(pod.spec.tolerations)
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        tols = state.data.get(_STATE)
        if tols is None:
            tols = prefer_tolerations(pod.spec.tolerations)
        return count_untolerated_prefer(node_info.node.taints, tols)

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[int]) -> None:
        default_normalize(scores, reverse=True)

    def score_vector(self, state: CycleState, pod: Pod, table: NodeTable, slots: Any) -> I64:
        if table.count_prefer_tainted == 0:
            return _ZERO  # every node scores 0
        tols = prefer_tolerations(pod.spec.tolerations)

        def count(node: Node | None) -> int:
            return 0 if node is None else count_untolerated_prefer(node.taints, tols)

        def full(t: NodeTable) -> I64:
            return np.fromiter((count(n) for n in t.nodes), dtype=np.int64, count=t.capacity)

        arr = self._counts.get(table, tols, full, lambda t, s: count(t.nodes[s]))
        out: I64 = arr[slots]
        return out

    def normalize_vector(self, state: CycleState, pod: Pod, scores: I64) -> I64:
        if scores.ndim == 0:
            return _FULL if int(scores) == 0 else _ZERO
        return default_normalize_vector(scores, reverse=True)
