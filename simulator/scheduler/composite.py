"""The composite fast path: one cached total per node and kind of pod, for the common profile and pod.

When the profile's PreFilter/Filter/PreScore/Score plugins are kubesim's in-tree ones with the default arguments
(NodeUnschedulable, NodeName, TaintToleration, NodeAffinity without ``addedAffinity``, NodeResourcesFit with
LeastAllocated over cpu and memory, NodeResourcesBalancedAllocation over cpu and memory), and the pod has no
``nodeName``, node selector, node affinity or extended-resource request, every plugin that takes part decides per
node from that node's row alone, and TaintToleration's normalised score is the same for every node as long as no
node has a PreferNoSchedule taint. A node's weighted total then depends only on its row and on the pod's requests
and tolerations. So per such key (requests, tolerations, ...) the composite keeps every slot's total (-1 where a
Filter rejects the node), the slots grouped by total (sorted lists) and the set of rejected live slots, kept up to
date from the table's dirty log by one pure-Python function per changed slot (the plugins' arithmetic, inlined).

A cycle is then: refresh the changed slots; work out the search window from the start index and the rejected
slots (without them it is simply the k slots from the start index); take the highest total that has a slot in
the window (bisect in its sorted slot list) and break ties with ``rng.randrange`` in window order. No numpy in the
cycle: in the full simulation numpy's per-call overhead (several microseconds when its code is cold) dominated.

Decisions are exactly those of ``Profile._schedule_fast`` (and so of the reference path): the same candidate
window, ``processed`` count, totals and ``rng`` calls. Whenever the conditions do not hold, or no node is feasible
(the failure message needs the per-plugin diagnosis), ``schedule`` returns -1 and the caller uses the general path.
"""

from __future__ import annotations

import random
from bisect import bisect_left, insort
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from models.pod import Pod, PodSpec, Toleration
from simulator.scheduler.cache import NodeTable, pod_has_affinity, pod_host_ports
from simulator.scheduler.framework import Code, Cursor, CycleState, Plugin
from simulator.scheduler.plugins.balanced_allocation import NodeResourcesBalancedAllocation
from simulator.scheduler.plugins.image_locality import ImageLocality
from simulator.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from simulator.scheduler.plugins.node_affinity import NodeAffinity
from simulator.scheduler.plugins.node_name import NodeName
from simulator.scheduler.plugins.node_ports import NodePorts
from simulator.scheduler.plugins.node_resources_fit import LEAST, NodeResourcesFit
from simulator.scheduler.plugins.node_unschedulable import UNSCHEDULABLE_TAINT, NodeUnschedulable
from simulator.scheduler.plugins.pod_topology_spread import PodTopologySpread
from simulator.scheduler.plugins.taint_toleration import TaintToleration, untolerated_hard_taint
from simulator.scheduler.resources import CPU, MEMORY, pod_request

if TYPE_CHECKING:
    from simulator.scheduler.framework import Profile

__all__ = ["Composite", "build_composite"]

I64 = npt.NDArray[np.int64]
#: refresh slot by slot up to this many changed slots (more: one vectorised recomputation)
PER_SLOT_LIMIT = 64
ENTRY_LIMIT = 64
SPEC_LIMIT = 4096

Refresh = Callable[[Iterable[int], list[list[int] | None], list[Any], "_Entry", bool], None]


def _make_refresh(
    req: tuple[int, int, int, int, int],
    tolerations: tuple[Toleration, ...],
    fit_filter: bool,
    unsched_filter: bool,
    taint_filter: bool,
    fit_weight: int,
    fit_res: tuple[int, int],
    bal_weight: int,
) -> Refresh:
    """The per-slot function of one key: the plugins' arithmetic on a row, inlined (see the plugin modules)."""
    qc, qm, qe, nqc, nqm = req
    wc, wm = fit_res
    fit_pods = fit_filter
    fit_cpu = fit_filter and qc > 0
    fit_mem = fit_filter and qm > 0
    fit_eph = fit_filter and qe > 0
    unsched_blocks = unsched_filter and not any(t.tolerates(UNSCHEDULABLE_TAINT) for t in tolerations)

    def node_rejects(node: Any) -> bool:
        """NodeUnschedulable and TaintToleration's Filter."""
        return bool(
            (unsched_blocks and node.unschedulable)
            or (taint_filter and node.taints and untolerated_hard_taint(node.taints, tolerations) is not None)
        )

    if fit_filter and fit_weight == 1 and fit_res == (1, 1) and bal_weight == 1 and qe == 0:
        return _default_refresh(qc, qm, nqc, nqm, node_rejects)

    def refresh(
        slots: Iterable[int], rows: list[list[int] | None], nodes: list[Any], entry: _Entry, check_nodes: bool
    ) -> None:
        vals, groups, values, bad = entry.vals, entry.groups, entry.values, entry.bad
        for s in slots:
            row = rows[s]
            if row is None:
                v = -1
                if bad:
                    bad.discard(s)
            else:
                ac, am, ae, ap, rc, rm, re, nc, nm, pc = row
                # Filter: NodeResourcesFit (real requests), NodeUnschedulable, TaintToleration
                if (
                    (fit_pods and pc >= ap)
                    or (fit_cpu and qc > ac - rc)
                    or (fit_mem and qm > am - rm)
                    or (fit_eph and qe > ae - re)
                    or (check_nodes and node_rejects(nodes[s]))
                ):
                    v = -1
                    bad.add(s)
                else:
                    v = 0
                    if fit_weight:
                        # NodeResourcesFit LeastAllocated over cpu and memory (non-zero requests)
                        fs = fw = 0
                        if ac:
                            r = nc + nqc
                            fs = (0 if r > ac else (ac - r) * 100 // ac) * wc
                            fw = wc
                        if am:
                            r = nm + nqm
                            fs += (0 if r > am else (am - r) * 100 // am) * wm
                            fw += wm
                        if fw:
                            v = fs // fw * fit_weight
                    if bal_weight:
                        # NodeResourcesBalancedAllocation over cpu and memory (real requests)
                        if ac and am:
                            f0 = float(rc + qc) / ac
                            if f0 > 1:
                                f0 = 1.0
                            f1 = float(rm + qm) / am
                            if f1 > 1:
                                f1 = 1.0
                            v += int((1 - abs((f0 - f1) / 2)) * 100.0) * bal_weight
                        else:
                            v += 100 * bal_weight
                    if bad:
                        bad.discard(s)
            # store v: the slot's total and its bit in the slot set of that total
            old = vals[s]
            if v == old:
                continue
            vals[s] = v
            bit = 1 << s
            if old >= 0:
                rest = groups[old] ^ bit
                if rest:
                    groups[old] = rest
                else:
                    del groups[old]
                    del values[bisect_left(values, old)]
            if v >= 0:
                h = groups.get(v)
                if h is None:
                    groups[v] = bit
                    insort(values, v)
                else:
                    groups[v] = h | bit

    return refresh


def _nth_bit(m: int, r: int) -> int:
    """The position of the ``r``-th lowest (0-based) set bit of ``m`` (which has more than ``r`` set bits)."""
    pos = 0
    while True:  # 64-bit chunks
        chunk = m & 0xFFFFFFFFFFFFFFFF
        c = chunk.bit_count()
        if r < c:
            break
        r -= c
        m >>= 64
        pos += 64
    while True:  # bytes
        byte = chunk & 0xFF
        c = _POP8[byte]
        if r < c:
            return pos + _NTH8[byte][r]
        r -= c
        chunk >>= 8
        pos += 8


_POP8 = [b.bit_count() for b in range(256)]
_NTH8 = [[i for i in range(8) if b >> i & 1] for b in range(256)]
_NEVER = -(1 << 62)  # a request that never exceeds what is free (a zero request is not checked)


def _default_refresh(qc: int, qm: int, nqc: int, nqm: int, node_rejects: Callable[[Any], bool]) -> Refresh:
    """``_make_refresh`` for the default profile: Fit filter, LeastAllocated cpu/memory weights 1, Fit and
    BalancedAllocation score weights 1, no ephemeral-storage request (the same arithmetic, fewer branches)."""
    qcf = qc if qc > 0 else _NEVER
    qmf = qm if qm > 0 else _NEVER

    def refresh(
        slots: Iterable[int], rows: list[list[int] | None], nodes: list[Any], entry: _Entry, check_nodes: bool
    ) -> None:
        vals, groups, values, bad = entry.vals, entry.groups, entry.values, entry.bad
        for s in slots:
            row = rows[s]
            if row is None:
                v = -1
                if bad:
                    bad.discard(s)
            else:
                ac, am, _, ap, rc, rm, _, nc, nm, pc = row
                if pc >= ap or qcf > ac - rc or qmf > am - rm or (check_nodes and node_rejects(nodes[s])):
                    v = -1
                    bad.add(s)
                else:
                    if ac and am:
                        # Fit: (least(cpu) + least(memory)) // 2 on non-zero requests
                        r = nc + nqc
                        v = 0 if r > ac else (ac - r) * 100 // ac
                        r = nm + nqm
                        if r <= am:
                            v += (am - r) * 100 // am
                        # BalancedAllocation: two fractions of real requests
                        f0 = float(rc + qc) / ac
                        if f0 > 1:
                            f0 = 1.0
                        f1 = float(rm + qm) / am
                        if f1 > 1:
                            f1 = 1.0
                        v = v // 2 + int((1 - abs((f0 - f1) / 2)) * 100.0)
                    else:
                        # at most one resource allocatable: Fit scores it alone, BalancedAllocation gives 100
                        v = 100
                        if ac:
                            r = nc + nqc
                            if r <= ac:
                                v += (ac - r) * 100 // ac
                        elif am:
                            r = nm + nqm
                            if r <= am:
                                v += (am - r) * 100 // am
                    if bad:
                        bad.discard(s)
            # store v: the slot's total and its bit in the slot set of that total
            old = vals[s]
            if v == old:
                continue
            vals[s] = v
            bit = 1 << s
            if old >= 0:
                rest = groups[old] ^ bit
                if rest:
                    groups[old] = rest
                else:
                    del groups[old]
                    del values[bisect_left(values, old)]
            if v >= 0:
                h = groups.get(v)
                if h is None:
                    groups[v] = bit
                    insort(values, v)
                else:
                    groups[v] = h | bit

    return refresh


class _Entry:
    """One key's state: ``vals[slot]`` the total (-1 where a Filter rejects the node, or a free slot), ``groups``
    the slots of each total >= 0 as a bit set (an int), ``values`` the totals present (sorted), ``bad`` the
    rejected live slots."""

    __slots__ = (
        "bad", "capacity", "epoch", "filters", "groups", "pos", "refresh", "scores", "vals", "values",
    )  # fmt: skip

    def __init__(self, refresh: Refresh, filters: list[Plugin], scores: list[tuple[Plugin, int]]) -> None:
        self.refresh = refresh
        self.filters = filters
        self.scores = scores
        self.vals: list[int] = []
        self.groups: dict[int, int] = {}
        self.values: list[int] = []
        self.bad: set[int] = set()
        self.epoch = -1
        self.pos = 0
        self.capacity = -1


_FILTERS = (NodeUnschedulable, TaintToleration, NodeResourcesFit)
_SCORES = (TaintToleration, NodeResourcesFit, NodeResourcesBalancedAllocation)


#: plugins the composite admits only for pods they Skip for (checked per spec in ``_admit`` and per cycle in
#: ``schedule``): their Filter passes every node and their Score is the same for every node
_SKIPPED = (NodePorts, PodTopologySpread, InterPodAffinity, ImageLocality)


def _static_skip(pl: Plugin, pod: Pod) -> bool:
    """Whether the pod's spec alone makes ``pl`` Skip (the cluster-state part is checked per cycle)."""
    if isinstance(pl, NodePorts):
        return not pod_host_ports(pod)
    if isinstance(pl, PodTopologySpread):
        return not pod.spec.topology_spread_constraints
    if isinstance(pl, InterPodAffinity):
        return not pod_has_affinity(pod)
    return isinstance(pl, ImageLocality)


def _plugin_ok(pl: Plugin) -> bool:
    cls = type(pl)
    if cls in (NodeUnschedulable, NodeName, TaintToleration, *_SKIPPED):
        return True
    if cls is NodeAffinity:
        assert isinstance(pl, NodeAffinity)
        return pl.added_required is None and not pl.added_preferred
    if cls is NodeResourcesFit:
        assert isinstance(pl, NodeResourcesFit)
        return pl.strategy == LEAST and [n for n, _ in pl.resources] == [CPU, MEMORY]
    if cls is NodeResourcesBalancedAllocation:
        assert isinstance(pl, NodeResourcesBalancedAllocation)
        return [n for n, _ in pl.resources] == [CPU, MEMORY]
    return False


def build_composite(profile: Profile) -> Composite | None:
    """A composite cache for ``profile``, or None when its plugins are not all ones the composite models."""
    if not profile.fast_ok or not profile.score:
        return None
    plugins = [*profile.pre_filter, *profile.filter, *profile.pre_score, *(p for p, _ in profile.score)]
    if not all(_plugin_ok(p) for p in plugins):
        return None
    return Composite(profile)


class Composite:
    """The composite cache of one profile (see the module docstring)."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.taint_scores = any(type(p) is TaintToleration for p, _ in profile.score)
        plugins = profile.plugins.values()
        self.affinity = any(isinstance(p, InterPodAffinity) for p in plugins)
        self.images: ImageLocality | None = next((p for p in plugins if isinstance(p, ImageLocality)), None)
        self.spread: PodTopologySpread | None = next(
            (p for p in plugins if isinstance(p, PodTopologySpread) and p.default_constraints), None
        )
        self.entries: dict[Any, _Entry] = {}
        self._specs: dict[int, tuple[PodSpec, _Entry | None]] = {}
        self._k: tuple[int, int] = (-1, 0)
        #: what the last successful ``schedule`` found: feasible nodes kept and nodes processed
        self.found = 0
        self.processed = 0

    # -- keys -----------------------------------------------------------------------------------------------------
    def entry_for(self, pod: Pod) -> _Entry | None:
        """The entry for ``pod``'s kind (None when the composite does not apply to the pod)."""
        spec = pod.spec
        hit = self._specs.get(id(spec))
        if hit is not None and hit[0] is spec:
            return hit[1]
        entry = self._admit(pod)
        if len(self._specs) >= SPEC_LIMIT:
            self._specs.clear()
        self._specs[id(spec)] = (spec, entry)
        return entry

    def _admit(self, pod: Pod) -> _Entry | None:
        spec = pod.spec
        if spec.node_name or spec.node_selector:
            return None
        aff = spec.affinity
        if aff is not None and aff.node_affinity is not None:
            return None
        req = pod_request(spec)
        if req.scalars:
            return None
        prof = self.profile
        state = CycleState()
        for pl in prof.pre_filter:
            if isinstance(pl, _SKIPPED):
                if not _static_skip(pl, pod):
                    return None
                state.skip_filter.add(pl.name)
                continue
            st = pl.pre_filter(state, pod)
            if st is None or st.code == Code.Success:
                continue
            if st.code != Code.Skip:
                return None
            state.skip_filter.add(pl.name)
        if state.node_names is not None:
            return None
        filters = [pl for pl in prof.filter if pl.name not in state.skip_filter]
        if not all(type(pl) in _FILTERS for pl in filters):
            return None
        for pl in prof.pre_score:
            if isinstance(pl, _SKIPPED):
                if not _static_skip(pl, pod):
                    return None
                state.skip_score.add(pl.name)
                continue
            st = pl.pre_score(state, pod, ())
            if st is None or st.code == Code.Success:
                continue
            if st.code != Code.Skip:
                return None
            state.skip_score.add(pl.name)
        scores = [
            (pl, w)
            for pl, w in prof.score
            if pl.name not in state.skip_score and not isinstance(pl, ImageLocality)
        ]
        if not all(type(pl) in _SCORES for pl, _ in scores):
            return None
        fit_weight = bal_weight = 0
        fit_res = (1, 1)
        for pl, w in scores:
            if isinstance(pl, NodeResourcesFit):
                fit_weight = w
                fit_res = (pl.resources[0][1], pl.resources[1][1])
            elif isinstance(pl, NodeResourcesBalancedAllocation):
                bal_weight = w
        kinds = {type(pl) for pl in filters}
        flags = (NodeResourcesFit in kinds, NodeUnschedulable in kinds, TaintToleration in kinds)
        q = (req.cpu, req.memory, req.ephemeral, req.nz_cpu, req.nz_memory)
        key = (q, spec.tolerations, flags, fit_weight, fit_res, bal_weight)
        entry = self.entries.get(key)
        if entry is None:
            if len(self.entries) >= ENTRY_LIMIT:
                self.entries.clear()
                self._specs.clear()
            refresh = _make_refresh(q, spec.tolerations, *flags, fit_weight, fit_res, bal_weight)
            entry = self.entries[key] = _Entry(
                refresh, filters, [(pl, w) for pl, w in scores if type(pl) is not TaintToleration]
            )
        return entry

    # -- keeping an entry up to date ------------------------------------------------------------------------------
    def _full(self, entry: _Entry, pod: Pod, table: NodeTable) -> None:
        """Recompute an entry from the plugins' vectors over every slot."""
        state = CycleState()
        for pl in self.profile.pre_filter:
            pl.pre_filter(state, pod)
        ok = table.live.copy()
        for pl in entry.filters:
            m = pl.filter_vector(state, pod, table)
            if m is not None:
                ok &= m
        tot = np.zeros(table.capacity, dtype=np.int64)
        for pl, weight in entry.scores:
            tot += pl.score_vector(state, pod, table, slice(None)) * weight
        vals: list[int] = np.where(ok, tot, -1).tolist()
        groups: dict[int, int] = {}
        for slot, v in enumerate(vals):
            if v >= 0:
                groups[v] = groups.get(v, 0) | 1 << slot
        entry.vals = vals
        entry.groups = groups
        entry.values = sorted(groups)
        entry.bad = set(np.flatnonzero(table.live & ~ok).tolist())
        entry.capacity = table.capacity

    def refresh(self, entry: _Entry, pod: Pod, table: NodeTable) -> None:
        """Bring ``entry`` up to date with the table (call after ``table.order``)."""
        log = table.log
        if entry.epoch == log.epoch and entry.capacity == table.capacity:
            end = log.base + len(log.entries)
            if entry.pos == end:
                return
            changed = log.entries[entry.pos - log.base :]
            slots: Collection[int] = set(changed) if len(changed) > 1 else changed
            if len(slots) <= PER_SLOT_LIMIT:
                entry.refresh(
                    slots,
                    table.rows,
                    table.nodes,
                    entry,
                    bool(table.count_unschedulable or table.count_hard_tainted),
                )
            else:
                self._full(entry, pod, table)
            entry.pos = end
            return
        self._full(entry, pod, table)
        entry.epoch = log.epoch
        entry.pos = log.base + len(log.entries)

    # -- one cycle ------------------------------------------------------------------------------------------------
    def schedule(self, pod: Pod, table: NodeTable, rng: random.Random, cursor: Cursor) -> int:
        """The slot of the node chosen for ``pod``, or -1 when the general path must decide."""
        spec = pod.spec
        hit = self._specs.get(id(spec))
        entry = hit[1] if hit is not None and hit[0] is spec else self.entry_for(pod)
        if entry is None or (self.taint_scores and table.count_prefer_tainted):
            return -1
        # cluster state that would make a Skipping plugin take part: existing pods with pod (anti-)affinity terms,
        # a node listing one of the pod's images, a Service or controller whose selector defaults spreading
        if (
            (self.affinity and table.count_affinity_pods)
            or (self.images is not None and table.image_nodes and self.images.relevant(pod, table))
            or (self.spread is not None and self.spread.uses_defaults(pod))
        ):
            return -1
        n = len(table.slot_of)
        if n == 0:
            return -1
        if table._order_dirty:
            table.order  # noqa: B018 -- refresh the layout first: slots [0, n) are the nodes in search order
        log = table.log
        if entry.pos != log.base + len(log.entries) or entry.epoch != log.epoch:
            self.refresh(entry, pod, table)
        if self._k[0] != n:
            self._k = (n, self.profile._num_to_find(n))
        k = self._k[1]
        start = cursor.index
        bad = entry.bad
        if not bad:
            # every node passes: the window is the k slots from the start index
            length = processed = found = k if n > k else n
        else:
            feasible = n - len(bad)
            if feasible == 0:
                return -1
            if feasible > k:
                # the first k feasible slots: the window widened by each rejected slot inside it; the search
                # stops at the next feasible slot after them (that one is not kept)
                dist = sorted([(b - start) % n for b in bad])
                length = k
                i = 0
                for d in dist:
                    if d >= length:
                        break
                    length += 1
                    i += 1
                processed = length
                for d in dist[i:]:
                    if d != processed:
                        break
                    processed += 1
                found = k
            else:
                length = processed = n
                found = feasible
        self.found = found
        self.processed = processed
        cursor.index = (start + processed) % n
        # the highest total with a slot in the window [start, start + length) (circular over [0, n)); ties in
        # window order, as the general path
        end = start + length
        groups = entry.groups
        if end <= n:
            window = (1 << length) - 1
            for v in reversed(entry.values):
                m = (groups[v] >> start) & window
                if m:
                    c = m.bit_count()
                    return start + (_nth_bit(m, rng.randrange(c)) if c > 1 else m.bit_length() - 1)
        else:
            low = (1 << (end - n)) - 1
            for v in reversed(entry.values):
                g = groups[v]
                hi = g >> start
                lo = g & low
                if hi or lo:
                    c1 = hi.bit_count()
                    c = c1 + lo.bit_count()
                    r = rng.randrange(c) if c > 1 else 0
                    return start + _nth_bit(hi, r) if r < c1 else _nth_bit(lo, r - c1)
        raise AssertionError("no feasible slot in the window")  # pragma: no cover
