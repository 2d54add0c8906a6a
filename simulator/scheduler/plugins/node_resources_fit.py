"""NodeResourcesFit (PreFilter, Filter, PreScore, Score) as in noderesources/fit.go and its scorers (1.35).

Filter (real requests, never the non-zero defaults): ``Too many pods`` when the node already holds
``allocatable.pods`` pods; ``Insufficient cpu|memory|ephemeral-storage|<name>`` for each requested (> 0) resource
whose request exceeds allocatable minus requested. Extended resources in ``ignoredResources`` or whose domain is in
``ignoredResourceGroups`` are not checked. The status is UnschedulableAndUnresolvable when some request exceeds the
node's whole allocatable (preemption cannot help), else Unschedulable.

Score (``scoringStrategy``): LeastAllocated (default; cpu and memory weight 1), MostAllocated or
RequestedToCapacityRatio (``shape`` points, scores 0-10 scaled by 10). cpu and memory use the non-zero requests
of the node and the pod; ephemeral-storage and extended resources the real ones; an extended resource the pod does
not request, or a resource with zero allocatable, is left out of the weighted average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from models.pod import Pod
from simulator.scheduler._util import MAX_NODE_SCORE, go_div, go_round
from simulator.scheduler.cache import NodeInfo, NodeTable
from simulator.scheduler.framework import Code, ConfigError, CycleState, Handle, Plugin, Status
from simulator.scheduler.plugins._common import SlotCache
from simulator.scheduler.resources import (
    CPU,
    EPHEMERAL,
    MEMORY,
    PODS,
    PodRequest,
    is_extended_resource,
    pod_request,
)

__all__ = ["NodeResourcesFit", "parse_resources"]

I64 = npt.NDArray[np.int64]
BoolArr = npt.NDArray[np.bool_]
LEAST, MOST, RTCR = "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"
DEFAULT_RESOURCES: tuple[tuple[str, int], ...] = ((CPU, 1), (MEMORY, 1))
MAX_CUSTOM_PRIORITY_SCORE = 10
_PF = "PreFilterNodeResourcesFit"


def parse_resources(raw: Any, where: str) -> tuple[tuple[str, int], ...]:
    """A ``resources`` list (``[{name, weight}]``); empty means cpu and memory, weight 0 means 1."""
    if raw is None or raw == []:
        return DEFAULT_RESOURCES
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ConfigError(f"{where}: resources must be a list of {{name, weight}}")
    out: list[tuple[str, int]] = []
    for r in raw:
        if not isinstance(r, Mapping) or not isinstance(r.get("name"), str) or not r["name"]:
            raise ConfigError(f"{where}: bad resource entry {r!r}")
        unknown = set(r) - {"name", "weight"}
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)} in resource {r['name']!r}")
        weight = r.get("weight", 0) or 0
        if not isinstance(weight, int) or not 0 <= weight <= 100:
            raise ConfigError(f"{where}: resource {r['name']!r} weight must be in [1, 100], got {weight!r}")
        if any(name == r["name"] for name, _ in out):
            raise ConfigError(f"{where}: resource {r['name']!r} listed twice")
        out.append((r["name"], weight or 1))
    return tuple(out)


def broken_linear(shape: Sequence[tuple[int, int]], p: int) -> int:
    """``helper.BuildBrokenLinearFunction``: piecewise linear through the shape points (Go integer arithmetic)."""
    for i, (u, s) in enumerate(shape):
        if p <= u:
            if i == 0:
                return s
            u0, s0 = shape[i - 1]
            return s0 + go_div((s - s0) * (p - u0), u - u0)
    return shape[-1][1]


def least_requested(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested(requested: int, capacity: int) -> int:
    if capacity == 0:
        return 0
    if requested > capacity:
        requested = capacity
    return requested * MAX_NODE_SCORE // capacity


class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"
    events = frozenset({"NodeAdd", "NodeAllocatable", "PodDelete"})

    def __init__(self, args: Mapping[str, Any] | None = None, handle: Handle | None = None) -> None:
        super().__init__(args, handle)
        a = self.args
        unknown = set(a) - {"scoringStrategy", "ignoredResources", "ignoredResourceGroups"}
        if unknown:
            raise ConfigError(f"NodeResourcesFit args: unknown field(s) {sorted(unknown)}")
        self.ignored = frozenset(a.get("ignoredResources") or ())
        groups = frozenset(a.get("ignoredResourceGroups") or ())
        for g in groups:
            if "/" in g:
                raise ConfigError(f"NodeResourcesFit ignoredResourceGroups: {g!r} must not contain '/'")
        self.ignored_groups = groups
        strategy = a.get("scoringStrategy") or {}
        if not isinstance(strategy, Mapping):
            raise ConfigError("NodeResourcesFit scoringStrategy must be a mapping")
        unknown = set(strategy) - {"type", "resources", "requestedToCapacityRatio"}
        if unknown:
            raise ConfigError(f"NodeResourcesFit scoringStrategy: unknown field(s) {sorted(unknown)}")
        self.strategy = strategy.get("type") or LEAST
        if self.strategy not in (LEAST, MOST, RTCR):
            raise ConfigError(
                f"NodeResourcesFit scoringStrategy.type {self.strategy!r} is not one of {LEAST}, {MOST}, {RTCR}"
            )
        self.resources = parse_resources(strategy.get("resources"), "NodeResourcesFit scoringStrategy")
        self.shape: tuple[tuple[int, int], ...] = ()
        self._rtcr_table: I64 | None = None
        if self.strategy == RTCR:
            rtcr = strategy.get("requestedToCapacityRatio") or {}
            points = rtcr.get("shape") if isinstance(rtcr, Mapping) else None
            if not points:
                raise ConfigError(
                    "NodeResourcesFit RequestedToCapacityRatio needs requestedToCapacityRatio.shape"
                )
            shape: list[tuple[int, int]] = []
            for pt in points:
                u, s = (pt.get("utilization"), pt.get("score")) if isinstance(pt, Mapping) else (None, None)
                if not isinstance(u, int) or not isinstance(s, int) or not 0 <= u <= 100 or not 0 <= s <= 10:
                    raise ConfigError(
                        f"NodeResourcesFit shape point {pt!r}: utilization in [0,100], score in [0,10]"
                    )
                if shape and u <= shape[-1][0]:
                    raise ConfigError("NodeResourcesFit shape utilization values must be strictly increasing")
                shape.append((u, s * (MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE)))
            self.shape = tuple(shape)
            self._rtcr_table = np.array([broken_linear(self.shape, p) for p in range(101)], dtype=np.int64)
        cols = {
            CPU: ("alloc_cpu", "nz_cpu"),
            MEMORY: ("alloc_mem", "nz_mem"),
            EPHEMERAL: ("alloc_eph", "req_eph"),
        }
        self._core_cols: tuple[tuple[str, str, int], ...] | None = None
        if all(name in cols for name, _ in self.resources):
            self._core_cols = tuple((*cols[name], weight) for name, weight in self.resources)
        self._fits = SlotCache(limit=64)
        self._scores = SlotCache(limit=64)

    # -- helpers --------------------------------------------------------------------------------------------------
    def _checked_scalars(self, req: PodRequest) -> tuple[tuple[str, int], ...]:
        out = []
        for name, q in req.scalars:
            if q == 0:
                continue
            if is_extended_resource(name) and (
                name in self.ignored or (self.ignored_groups and name.split("/", 1)[0] in self.ignored_groups)
            ):
                continue
            out.append((name, q))
        return tuple(out)

    @staticmethod
    def _request(state: CycleState, pod: Pod) -> PodRequest:
        req = state.data.get(_PF)
        return req if req is not None else pod_request(pod.spec)

    # -- filter ---------------------------------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: Pod) -> Status | None:
        state.data[_PF] = pod_request(pod.spec)
        return None

    def insufficient(self, req: PodRequest, ni: NodeInfo) -> tuple[list[str], bool]:
        """``fitsRequest``: the failure reasons in upstream order, and whether any is unresolvable."""
        reasons: list[str] = []
        unresolvable = False
        if ni.pod_count + 1 > ni.allocatable("pods"):
            reasons.append("Too many pods")
        scalars = self._checked_scalars(req)
        if req.cpu == 0 and req.memory == 0 and req.ephemeral == 0 and not req.scalars:
            return reasons, unresolvable
        for name, q in ((CPU, req.cpu), (MEMORY, req.memory), (EPHEMERAL, req.ephemeral), *scalars):
            if q > 0 and q > ni.allocatable(name) - ni.requested(name):
                reasons.append(f"Insufficient {name}")
                unresolvable = unresolvable or q > ni.allocatable(name)
        return reasons, unresolvable

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        reasons, unresolvable = self.insufficient(self._request(state, pod), node_info)
        if not reasons:
            return Status()
        return Status(Code.UnschedulableAndUnresolvable if unresolvable else Code.Unschedulable, *reasons)

    def _fit_checks(self, req: PodRequest, t: NodeTable) -> list[tuple[str, int, I64, I64]]:
        checks: list[tuple[str, int, I64, I64]] = []
        if req.cpu > 0:
            checks.append((CPU, req.cpu, t.alloc_cpu, t.req_cpu))
        if req.memory > 0:
            checks.append((MEMORY, req.memory, t.alloc_mem, t.req_mem))
        if req.ephemeral > 0:
            checks.append((EPHEMERAL, req.ephemeral, t.alloc_eph, t.req_eph))
        for name, q in self._checked_scalars(req):
            checks.append((name, q, t.ext_alloc.get(name, t.zeros), t.ext_req.get(name, t.zeros)))
        return checks

    def filter_vector(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArr | None:
        req = self._request(state, pod)
        key = (req.cpu, req.memory, req.ephemeral, self._checked_scalars(req))

        def full(t: NodeTable) -> BoolArr:
            ok: BoolArr = t.pod_count + 1 <= t.alloc_pods
            for _, q, alloc, used in self._fit_checks(req, t):
                ok &= q <= alloc - used
            return ok

        checks = self._fit_checks(req, table)

        def one(t: NodeTable, s: int) -> bool:
            if t.pod_count.item(s) + 1 > t.alloc_pods.item(s):
                return False
            return all(q <= alloc.item(s) - used.item(s) for _, q, alloc, used in checks)

        return self._fits.get(table, key, full, one)

    def filter_reasons_vector(
        self, state: CycleState, pod: Pod, table: NodeTable, failed: I64
    ) -> dict[str, int]:
        req = self._request(state, pod)
        t = table
        counts: dict[str, int] = {}
        too_many = int(np.count_nonzero(t.pod_count[failed] + 1 > t.alloc_pods[failed]))
        if too_many:
            counts["Too many pods"] = too_many
        for name, q, alloc, used in self._fit_checks(req, t):
            n = int(np.count_nonzero(q > alloc[failed] - used[failed]))
            if n:
                counts[f"Insufficient {name}"] = n
        return counts

    # -- score ----------------------------------------------------------------------------------------------------
    def _pod_requests(self, req: PodRequest) -> tuple[int, ...]:
        return tuple(req.get_nonzero(name) for name, _ in self.resources)

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status | None:
        return None

    def _combine(self, requested: list[int], allocatable: list[int]) -> int:
        node_score = weight_sum = 0
        for i, (_, weight) in enumerate(self.resources):
            alloc = allocatable[i]
            if alloc == 0:
                continue
            if self.strategy == LEAST:
                s = least_requested(requested[i], alloc)
            elif self.strategy == MOST:
                s = most_requested(requested[i], alloc)
            else:
                r = requested[i]
                util = 100 if r > alloc else (0 if r <= 0 else r * 100 // alloc)
                s = broken_linear(self.shape, util)
                if s <= 0:
                    continue
            node_score += s * weight
            weight_sum += weight
        if weight_sum == 0:
            return 0
        if self.strategy == RTCR:
            return go_round(node_score / weight_sum)
        return node_score // weight_sum

    def score_node(self, pod_reqs: Sequence[int], ni: NodeInfo) -> int:
        """``resourceAllocationScorer.score`` for one node (useRequested = false)."""
        requested: list[int] = []
        allocatable: list[int] = []
        for (name, _), q in zip(self.resources, pod_reqs, strict=True):
            if name in (CPU, MEMORY):
                alloc, used = ni.allocatable(name), ni.nonzero_requested(name)
            elif name == EPHEMERAL:
                alloc, used = ni.allocatable(name), ni.requested(name)
            elif name == PODS or q == 0 or not ni.has_allocatable(name):
                alloc = used = 0
            else:
                alloc, used = ni.allocatable(name), ni.requested(name)
            allocatable.append(alloc)
            requested.append(used + q if alloc else 0)
        return self._combine(requested, allocatable)

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        return self.score_node(self._pod_requests(pod_request(pod.spec)), node_info)

    def _columns(self, t: NodeTable, name: str, q: int) -> tuple[I64, I64] | None:
        if name == CPU:
            return t.alloc_cpu, t.nz_cpu
        if name == MEMORY:
            return t.alloc_mem, t.nz_mem
        if name == EPHEMERAL:
            return t.alloc_eph, t.req_eph
        if name == PODS or q == 0 or name not in t.ext_alloc:
            return None
        return t.ext_alloc[name], t.ext_req[name]

    def _score_full(self, t: NodeTable, pod_reqs: Sequence[int]) -> I64:
        node_score = np.zeros(t.capacity, dtype=np.int64)
        weight_sum = np.zeros(t.capacity, dtype=np.int64)
        for (name, weight), q in zip(self.resources, pod_reqs, strict=True):
            cols = self._columns(t, name, q)
            if cols is None:
                continue
            alloc, used = cols
            requested = used + q
            valid = alloc != 0
            safe = np.where(valid, alloc, 1)
            if self.strategy == LEAST:
                s = np.where(requested > alloc, 0, (alloc - requested) * MAX_NODE_SCORE // safe)
            elif self.strategy == MOST:
                s = np.minimum(requested, alloc) * MAX_NODE_SCORE // safe
            else:
                assert self._rtcr_table is not None
                util = np.where(requested > alloc, 100, np.where(requested <= 0, 0, requested * 100 // safe))
                s = self._rtcr_table[np.clip(util, 0, 100)]
                valid = valid & (s > 0)
            node_score += np.where(valid, s * weight, 0)
            weight_sum += np.where(valid, weight, 0)
        has = weight_sum != 0
        if self.strategy == RTCR:
            x = node_score / np.where(has, weight_sum, 1)
            tr = np.trunc(x)
            rounded = (tr + (x - tr >= 0.5)).astype(np.int64)
            return np.where(has, rounded, 0)
        return np.where(has, node_score // np.where(has, weight_sum, 1), 0)

    def _score_one(self, t: NodeTable, s: int, pod_reqs: Sequence[int]) -> int:
        node = t.nodes[s]
        if node is None:
            return 0
        if self._core_cols is not None and self.strategy != RTCR:
            # the same arithmetic as score_node for cpu/memory/ephemeral-storage only, without the NodeInfo detour
            node_score = weight_sum = 0
            least = self.strategy == LEAST
            for (alloc_col, used_col, weight), q in zip(self._core_cols, pod_reqs, strict=True):
                alloc = getattr(t, alloc_col).item(s)
                if alloc == 0:
                    continue
                req = getattr(t, used_col).item(s) + q
                if least:
                    sc = 0 if req > alloc else (alloc - req) * MAX_NODE_SCORE // alloc
                else:
                    sc = (alloc if req > alloc else req) * MAX_NODE_SCORE // alloc
                node_score += sc * weight
                weight_sum += weight
            return node_score // weight_sum if weight_sum else 0
        return self.score_node(pod_reqs, NodeInfo(t, s, node))

    def score_vector(self, state: CycleState, pod: Pod, table: NodeTable, slots: Any) -> I64:
        pod_reqs = self._pod_requests(self._request(state, pod))
        arr = self._scores.get(
            table,
            pod_reqs,
            lambda t: self._score_full(t, pod_reqs),
            lambda t, s: self._score_one(t, s, pod_reqs),
        )
        out: I64 = arr[slots]
        return out
