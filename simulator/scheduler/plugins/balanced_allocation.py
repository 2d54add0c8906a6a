"""NodeResourcesBalancedAllocation (PreScore, Score) as in noderesources/balanced_allocation.go (1.35).

Uses the real requests of the node and the pod (``useRequested``), not the non-zero defaults. For each configured
resource with non-zero allocatable (an extended resource only when the pod requests it) the fraction
requested/allocatable, capped at 1; score = int64((1 - std) * 100) where std = |f0 - f1| / 2 for two fractions,
the population standard deviation for more, 0 otherwise. PreScore skips best-effort pods (all requests zero).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from models.pod import Pod
from simulator.scheduler._util import MAX_NODE_SCORE
from simulator.scheduler.cache import NodeInfo, NodeTable
from simulator.scheduler.framework import SKIP, ConfigError, CycleState, Handle, Plugin, Status
from simulator.scheduler.plugins._common import SlotCache
from simulator.scheduler.plugins.node_resources_fit import parse_resources
from simulator.scheduler.resources import CPU, EPHEMERAL, MEMORY, PODS, pod_request

__all__ = ["NodeResourcesBalancedAllocation", "balanced_score"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
_STATE = "PreScoreNodeResourcesBalancedAllocation"


def balanced_score(requested: Sequence[int], allocatable: Sequence[int]) -> int:
    """``balancedResourceScorer``."""
    fractions: list[float] = []
    total = 0.0
    for req, alloc in zip(requested, allocatable, strict=True):
        if alloc == 0:
            continue
        f = float(req) / float(alloc)
        if f > 1:
            f = 1.0
        total += f
        fractions.append(f)
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = total / len(fractions)
        acc = 0.0
        for f in fractions:
            acc = acc + (f - mean) * (f - mean)
        std = math.sqrt(acc / len(fractions))
    return int((1 - std) * float(MAX_NODE_SCORE))


class NodeResourcesBalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"

    def __init__(self, args: Mapping[str, Any] | None = None, handle: Handle | None = None) -> None:
        super().__init__(args, handle)
        unknown = set(self.args) - {"resources"}
        if unknown:
            raise ConfigError(f"NodeResourcesBalancedAllocation args: unknown field(s) {sorted(unknown)}")
        self.resources = parse_resources(self.args.get("resources"), "NodeResourcesBalancedAllocation")
        cols = {
            CPU: ("alloc_cpu", "req_cpu"),
            MEMORY: ("alloc_mem", "req_mem"),
            EPHEMERAL: ("alloc_eph", "req_eph"),
        }
        self._core_cols: tuple[tuple[str, str], ...] | None = None
        if all(name in cols for name, _ in self.resources):
            self._core_cols = tuple(cols[name] for name, _ in self.resources)
        self._scores = SlotCache(limit=64)

    def _pod_requests(self, pod: Pod) -> tuple[int, ...]:
        req = pod_request(pod.spec)
        return tuple(req.get(name) for name, _ in self.resources)

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status | None:
        reqs = self._pod_requests(pod)
        if not any(reqs):
            return SKIP  # best-effort pod (kubernetes#129138)
        state.data[_STATE] = reqs
        return None

    def score_node(self, pod_reqs: Sequence[int], ni: NodeInfo) -> int:
        requested: list[int] = []
        allocatable: list[int] = []
        for (name, _), q in zip(self.resources, pod_reqs, strict=True):
            if name in (CPU, MEMORY, EPHEMERAL):
                alloc = ni.allocatable(name)
                used = ni.requested(name) + q
            elif name == PODS or q == 0 or not ni.has_allocatable(name):
                alloc = used = 0
            else:
                alloc = ni.allocatable(name)
                used = ni.requested(name) + q
            allocatable.append(alloc)
            requested.append(used if alloc else 0)
        return balanced_score(requested, allocatable)

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        reqs = self._pod_requests(pod)
        if not any(reqs):
            return 0
        return self.score_node(reqs, node_info)

    def _full(self, t: NodeTable, pod_reqs: Sequence[int]) -> I64:
        cap = t.capacity
        rows: list[tuple[F64, npt.NDArray[np.bool_]]] = []
        for (name, _), q in zip(self.resources, pod_reqs, strict=True):
            if name == CPU:
                alloc, used = t.alloc_cpu, t.req_cpu
            elif name == MEMORY:
                alloc, used = t.alloc_mem, t.req_mem
            elif name == EPHEMERAL:
                alloc, used = t.alloc_eph, t.req_eph
            elif name == PODS or q == 0 or name not in t.ext_alloc:
                continue
            else:
                alloc, used = t.ext_alloc[name], t.ext_req[name]
            valid = alloc != 0
            f = np.minimum((used + q).astype(np.float64) / np.where(valid, alloc, 1).astype(np.float64), 1.0)
            rows.append((np.where(valid, f, 0.0), valid))
        if not rows:
            return np.full(cap, MAX_NODE_SCORE, dtype=np.int64)
        count = np.zeros(cap, dtype=np.int64)
        for _, valid in rows:
            count += valid
        std = np.zeros(cap, dtype=np.float64)
        # exactly two valid fractions: |first - second| / 2, in resource order
        first = np.zeros(cap, dtype=np.float64)
        second = np.zeros(cap, dtype=np.float64)
        seen = np.zeros(cap, dtype=np.int64)
        for f, valid in rows:
            first = np.where(valid & (seen == 0), f, first)
            second = np.where(valid & (seen == 1), f, second)
            seen += valid
        two = count == 2
        std = np.where(two, np.abs((first - second) / 2), std)
        many = count > 2
        if many.any():
            total = np.zeros(cap, dtype=np.float64)
            for f, _ in rows:
                total = total + f
            mean = total / np.where(many, count, 1)
            acc = np.zeros(cap, dtype=np.float64)
            for f, valid in rows:
                d = np.where(valid, f - mean, 0.0)
                acc = acc + d * d
            std = np.where(many, np.sqrt(acc / np.where(many, count, 1)), std)
        return np.trunc((1 - std) * float(MAX_NODE_SCORE)).astype(np.int64)

    def _one(self, t: NodeTable, s: int, pod_reqs: Sequence[int]) -> int:
        node = t.nodes[s]
        if node is None:
            return MAX_NODE_SCORE
        if self._core_cols is not None:
            requested: list[int] = []
            allocatable: list[int] = []
            for (alloc_col, used_col), q in zip(self._core_cols, pod_reqs, strict=True):
                alloc = getattr(t, alloc_col).item(s)
                allocatable.append(alloc)
                requested.append(getattr(t, used_col).item(s) + q if alloc else 0)
            return balanced_score(requested, allocatable)
        return self.score_node(pod_reqs, NodeInfo(t, s, node))

    def score_vector(self, state: CycleState, pod: Pod, table: NodeTable, slots: Any) -> I64:
        reqs = state.data.get(_STATE) or self._pod_requests(pod)
        arr = self._scores.get(table, reqs, lambda t: self._full(t, reqs), lambda t, s: self._one(t, s, reqs))
        out: I64 = arr[slots]
        return out
