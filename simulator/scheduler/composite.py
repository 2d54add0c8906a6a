"""The composite fast path: one cached total per node and kind of pod, for the common profile and pod.

When the profile's PreFilter/Filter/PreScore/Score plugins are kubesim's in-tree ones with the default arguments
(NodeUnschedulable, NodeName, TaintToleration, NodeAffinity without ``addedAffinity``, NodeResourcesFit with
LeastAllocated over cpu and memory, NodeResourcesBalancedAllocation over cpu and memory), and the pod has no
``nodeName``, node selector, node affinity or extended-resource request, every plugin that takes part decides per
node from that node's row alone (PodTopologySpread and InterPodAffinity aside, below), and TaintToleration's
normalised score is the same for every node as long as no node has a PreferNoSchedule taint. A node's weighted
total then depends only on its row and on the pod's requests and tolerations. So per such key (requests,
tolerations, ...) the composite keeps every slot's total (-1 where a Filter rejects the node), the feasible slots
as a bit set and the set of rejected live slots (an ``_Entry``). Every change of a row reaches every entry kept
current at once, by one pure-Python function per changed slot (the plugins' arithmetic, inlined), which for the
default profile's shape refreshes all such entries in one pass over the row (``_refresh_group``).

A cycle is then: bring the entries up to date; work out the search window from the start index and the feasible
bits (without rejected slots it is simply the k slots from the start index; else the window ends before the
(k+1)-th feasible slot, found with ``int.bit_count`` on halves); take the highest total in the window (numpy on
the entry's array) and break ties with ``rng.randrange`` in window order.

The topology path (``_schedule_topology``) adds PodTopologySpread and InterPodAffinity for pods with spread
constraints or pod (anti-)affinity terms of their own, and for any pod when existing pods carry terms that may
match it. Their counts come from ``podcounts.py`` (matching pods per node and per topology domain, kept up to date
as pods are counted), so a cycle costs a few vector operations over the k candidates instead of a walk over every
pod and node: PodTopologySpread's Filter (DoNotSchedule) as a bit set of the allowed domains' slots ANDed into
the feasible bits; its Score (ScheduleAnyway) per domain (every node of a zone scores the same) or per node,
normalised over the candidates as ``NormalizeScore`` does; InterPodAffinity's Score as the weighted counts of the
pod's preferred terms and of existing pods' terms matching the pod, summed per node and normalised over the
candidates. It leaves to the general path what it does not model: required pod (anti-)affinity of the pod or of
existing pods, ``nodeTaintsPolicy: Honor``, terms choosing namespaces by label.

Decisions are exactly those of ``Profile._schedule_fast`` (and so of the reference path): the same candidate
window, ``processed`` count, totals (integer and float64 arithmetic in the plugins' order) and ``rng`` calls
(``tests/scheduler/test_composite.py``, ``test_topology_fast_path.py``). Whenever the conditions do not hold, or
no node is feasible (the failure message needs the per-plugin diagnosis), ``schedule`` returns -1 and the caller
uses the general path.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from models.pod import Pod, PodSpec, Toleration
from simulator.scheduler._util import MAX_NODE_SCORE, go_round
from simulator.scheduler.cache import NodeTable, pod_has_affinity, pod_host_ports
from simulator.scheduler.framework import Code, Cursor, CycleState, Plugin
from simulator.scheduler.plugins._pods import merge_label_keys, namespace_labels
from simulator.scheduler.plugins.balanced_allocation import NodeResourcesBalancedAllocation
from simulator.scheduler.plugins.image_locality import ImageLocality
from simulator.scheduler.plugins.inter_pod_affinity import (
    InterPodAffinity,
    existing_pod_terms,
    preferred_terms,
    required_terms,
)
from simulator.scheduler.plugins.node_affinity import NodeAffinity
from simulator.scheduler.plugins.node_name import NodeName
from simulator.scheduler.plugins.node_ports import NodePorts
from simulator.scheduler.plugins.node_resources_fit import LEAST, NodeResourcesFit
from simulator.scheduler.plugins.node_unschedulable import UNSCHEDULABLE_TAINT, NodeUnschedulable
from simulator.scheduler.plugins.pod_topology_spread import (
    DO_NOT_SCHEDULE,
    HOSTNAME,
    SCHEDULE_ANYWAY,
    PodTopologySpread,
)
from simulator.scheduler.plugins.taint_toleration import TaintToleration, untolerated_hard_taint
from simulator.scheduler.podcounts import ANTI, HARD, Counter, DomainIndex, PodCounts, TermGroup
from simulator.scheduler.resources import CPU, MEMORY, pod_request

if TYPE_CHECKING:
    from simulator.scheduler.framework import Profile

__all__ = ["Composite", "build_composite"]

I64 = npt.NDArray[np.int64]
#: refresh slot by slot up to this many changed slots, or a sixteenth of the slots when that is more (beyond it, one
#: vectorised recomputation, which costs about as much as refreshing a sixteenth of the slots one by one)
PER_SLOT_LIMIT = 64
ENTRY_LIMIT = 64
#: an entry unused for this many cycles is no longer kept current (see ``Composite.refresh``)
DORMANT = 4096
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
        vals, arr, bad = entry.vals, entry.arr, entry.bad
        feas = entry.feas
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
            # store v: the slot's total (list and array), and its bit in the feasible set when that changes
            old = vals[s]
            if v == old:
                continue
            vals[s] = v
            arr[s] = v
            if (old < 0) != (v < 0):
                feas ^= 1 << s
        entry.feas = feas

    return refresh


def _nth_bit(m: int, r: int) -> int:
    """The position of the ``r``-th lowest (0-based) set bit of ``m`` (which has more than ``r`` set bits)."""
    pos = 0
    width = m.bit_length()
    while width > 64:  # halve the range: two or three operations on a shrinking int per step
        half = width >> 1
        low = m & ((1 << half) - 1)
        c = low.bit_count()
        if r < c:
            m = low
            width = half
        else:
            r -= c
            m >>= half
            pos += half
            width -= half
    while True:  # bytes
        byte = m & 0xFF
        c = _POP8[byte]
        if r < c:
            return pos + _NTH8[byte][r]
        r -= c
        m >>= 8
        pos += 8


_POP8 = [b.bit_count() for b in range(256)]
_NTH8 = [[i for i in range(8) if b >> i & 1] for b in range(256)]
_NEVER = -(1 << 62)  # a request that never exceeds what is free (a zero request is not checked)
_MAX_INT32 = 2**31 - 1
_REJECTED = -(1 << 40)  # a rejected slot's total in a window of candidates: below every feasible total


def _default_refresh(qc: int, qm: int, nqc: int, nqm: int, node_rejects: Callable[[Any], bool]) -> Refresh:
    """``_make_refresh`` for the default profile: Fit filter, LeastAllocated cpu/memory weights 1, Fit and
    BalancedAllocation score weights 1, no ephemeral-storage request (the same arithmetic, fewer branches)."""
    qcf = qc if qc > 0 else _NEVER
    qmf = qm if qm > 0 else _NEVER

    def refresh(
        slots: Iterable[int], rows: list[list[int] | None], nodes: list[Any], entry: _Entry, check_nodes: bool
    ) -> None:
        vals, arr, bad = entry.vals, entry.arr, entry.bad
        feas = entry.feas
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
            # store v: the slot's total (list and array), and its bit in the feasible set when that changes
            old = vals[s]
            if v == old:
                continue
            vals[s] = v
            arr[s] = v
            if (old < 0) != (v < 0):
                feas ^= 1 << s
        entry.feas = feas

    return refresh


def _refresh_group(
    slots: Iterable[int],
    rows: list[list[int] | None],
    nodes: list[Any],
    group: list[tuple[Any, ...]],
    check: bool,
) -> None:
    """``_default_refresh`` for several entries at once: each changed row is read once for all of them (the
    entries' own functions take the slots of removed nodes, of nodes lacking cpu or memory, and of cordoned or
    tainted nodes while any node is: their verdict depends on each entry's tolerations)."""
    for s in slots:
        row = rows[s]
        if row is None or not row[0] or not row[1] or (check and _node_special(nodes[s])):
            for t in group:
                e = t[0]
                e.refresh((s,), rows, nodes, e, check)
            continue
        ac, am, _, ap, rc, rm, _, nc, nm, pc = row
        full = pc >= ap
        free_c = ac - rc
        free_m = am - rm
        nzf_c = ac - nc  # LeastAllocated's free cpu and memory (non-zero requests)
        nzf_m = am - nm
        for e, vals, arr, bad, qcf, qmf, qc, qm, nqc, nqm in group:
            if full or qcf > free_c or qmf > free_m:
                v = -1
                bad.add(s)
            else:
                # Fit: (least(cpu) + least(memory)) // 2; BalancedAllocation: 1 - |f(cpu) - f(memory)| / 2, each
                # fraction of real requests at most 1 (int / int is the correctly rounded float64 quotient, as
                # float64(a) / float64(b) is for values below 2**53)
                v = (nzf_c - nqc) * 100 // ac if nqc <= nzf_c else 0
                if nqm <= nzf_m:
                    v += (nzf_m - nqm) * 100 // am
                f0 = (rc + qc) / ac
                if f0 > 1:
                    f0 = 1.0
                f1 = (rm + qm) / am
                if f1 > 1:
                    f1 = 1.0
                d = f0 - f1
                if d < 0:
                    d = -d
                v = v // 2 + int((1 - d / 2) * 100.0)
            old = vals[s]
            if v != old:
                vals[s] = v
                arr[s] = v
                if (old < 0) != (v < 0):
                    e.feas ^= 1 << s
                    if v >= 0:
                        bad.discard(s)


def _node_special(node: Any) -> bool:
    return node is None or bool(node.unschedulable or node.taints)


class _Entry:
    """One key's state: ``vals[slot]`` the total (-1 where a Filter rejects the node, or a free slot) and ``arr``
    the same as a numpy array, ``feas`` the slots with a total >= 0 as a bit set (an int), ``bad`` the rejected
    live slots. ``default``: (cpu, memory, non-zero cpu, non-zero memory) requests when the key is of the default
    profile's shape (``_refresh_group`` refreshes those entries together), else None."""

    __slots__ = ("arr", "bad", "current", "default", "feas", "filters", "refresh", "scores", "used", "vals")

    def __init__(
        self,
        refresh: Refresh,
        filters: list[Plugin],
        scores: list[tuple[Plugin, int]],
        default: tuple[int, int, int, int] | None = None,
    ) -> None:
        self.refresh = refresh
        self.filters = filters
        self.scores = scores
        self.default = default
        self.vals: list[int] = []
        self.arr: I64 = np.zeros(0, dtype=np.int64)
        self.feas = 0
        self.bad: set[int] = set()
        #: kept up to date with every change of the table (else recomputed in full when next used)
        self.current = False
        #: the composite's cycle count when the entry was last used
        self.used = 0


_FILTERS = (NodeUnschedulable, TaintToleration, NodeResourcesFit)
_SCORES = (TaintToleration, NodeResourcesFit, NodeResourcesBalancedAllocation)


#: plugins the composite admits only for pods they Skip for (checked per spec in ``_admit`` and per cycle in
#: ``schedule``): their Filter passes every node and their Score is the same for every node
_SKIPPED = (NodePorts, PodTopologySpread, InterPodAffinity, ImageLocality)
#: of those, the ones the topology path models when they do take part
_TOPOLOGY = (PodTopologySpread, InterPodAffinity)


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


class _Plan:
    """What the topology path needs of one pod (per spec, namespace and labels): PodTopologySpread's constraints
    (``dns``: whenUnsatisfiable DoNotSchedule, for Filter; ``sa``: ScheduleAnyway, for Score) with the counters of
    the pods their selectors match, and InterPodAffinity's preferred terms of the pod (``terms``: key, weight with
    its sign, counter). ``generation``: the PodCounts generation the counters belong to."""

    __slots__ = ("dns", "dns_keys", "generation", "sa", "sa_keys", "terms")

    def __init__(self, generation: int) -> None:
        self.generation = generation
        #: (topology key, maxSkew, minDomains, selfMatch, counter)
        self.dns: list[tuple[str, int, int, int, Counter]] = []
        self.dns_keys: tuple[str, ...] = ()
        #: (topology key, maxSkew, counter)
        self.sa: list[tuple[str, int, Counter]] = []
        self.sa_keys: tuple[str, ...] = ()
        #: (topology key, +weight or -weight, counter)
        self.terms: list[tuple[str, int, Counter]] = []


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
        #: per spec (by identity): the spec, its entry (None: not for the composite), whether it has spread
        #: constraints or pod (anti-)affinity terms of its own (the topology path)
        self._specs: dict[int, tuple[PodSpec, _Entry | None, bool]] = {}
        self._k: tuple[int, int] = (-1, 0)
        # the entries kept current, and where in the table's change log they are (``refresh``)
        self._current: list[_Entry] = []
        #: the current entries of default shape, as ``_refresh_group`` takes them (rebuilt when ``_current`` changes)
        self._group: list[tuple[Any, ...]] = []
        self._others: list[_Entry] = []
        self._group_of: list[_Entry] | None = None
        self._epoch = -1
        self._capacity = -1
        self._pos = 0
        self._cycles = 0
        self._pruned = 0
        # the topology path (``_schedule_topology``): PodTopologySpread and InterPodAffinity, where they take part
        weights = {pl.name: w for pl, w in profile.score}
        pts = next((p for p in plugins if isinstance(p, PodTopologySpread)), None)
        ipa = next((p for p in plugins if isinstance(p, InterPodAffinity)), None)
        self.pts = pts
        self.ipa = ipa
        self.pts_filter = pts is not None and pts in profile.filter
        self.pts_weight = weights.get(pts.name, 0) if pts is not None and pts in profile.pre_score else 0
        self.ipa_filter = ipa is not None and ipa in profile.filter
        self.ipa_weight = weights.get(ipa.name, 0) if ipa is not None and ipa in profile.pre_score else 0
        self._plans: dict[Any, tuple[PodSpec, int, _Plan | None]] = {}
        self._matching: dict[Any, tuple[int, list[TermGroup], list[TermGroup]]] = {}
        self._affinity_parts: dict[Any, tuple[Any, ...]] = {}
        #: what the last successful ``schedule`` found: feasible nodes kept and nodes processed
        self.found = 0
        self.processed = 0

    # -- keys -----------------------------------------------------------------------------------------------------
    def entry_for(self, pod: Pod) -> _Entry | None:
        """The entry for ``pod``'s kind (None when the composite does not apply to the pod)."""
        return self._lookup(pod)[1]

    def _lookup(self, pod: Pod) -> tuple[PodSpec, _Entry | None, bool]:
        spec = pod.spec
        hit = self._specs.get(id(spec))
        if hit is not None and hit[0] is spec:
            return hit
        entry, topology = self._admit(pod)
        if len(self._specs) >= SPEC_LIMIT:
            self._specs.clear()
        hit = self._specs[id(spec)] = (spec, entry, topology)
        return hit

    def _admit(self, pod: Pod) -> tuple[_Entry | None, bool]:
        """The entry of ``pod``'s kind, and whether PodTopologySpread or InterPodAffinity take part for the pod's
        own sake (its spread constraints or pod (anti-)affinity terms: the topology path adds them per cycle)."""
        spec = pod.spec
        if spec.node_name or spec.node_selector:
            return None, False
        aff = spec.affinity
        if aff is not None and aff.node_affinity is not None:
            return None, False
        req = pod_request(spec)
        if req.scalars:
            return None, False
        prof = self.profile
        state = CycleState()
        topology = False
        for pl in prof.pre_filter:
            if isinstance(pl, _SKIPPED):
                if not _static_skip(pl, pod):
                    if not isinstance(pl, _TOPOLOGY):
                        return None, False
                    topology = True
                state.skip_filter.add(pl.name)
                continue
            st = pl.pre_filter(state, pod)
            if st is None or st.code == Code.Success:
                continue
            if st.code != Code.Skip:
                return None, False
            state.skip_filter.add(pl.name)
        if state.node_names is not None:
            return None, False
        filters = [
            pl for pl in prof.filter if pl.name not in state.skip_filter and not isinstance(pl, _TOPOLOGY)
        ]
        if not all(type(pl) in _FILTERS for pl in filters):
            return None, False
        for pl in prof.pre_score:
            if isinstance(pl, _SKIPPED):
                if not _static_skip(pl, pod):
                    if not isinstance(pl, _TOPOLOGY):
                        return None, False
                    topology = True
                state.skip_score.add(pl.name)
                continue
            st = pl.pre_score(state, pod, ())
            if st is None or st.code == Code.Success:
                continue
            if st.code != Code.Skip:
                return None, False
            state.skip_score.add(pl.name)
        scores = [
            (pl, w)
            for pl, w in prof.score
            if pl.name not in state.skip_score and not isinstance(pl, (ImageLocality, *_TOPOLOGY))
        ]
        if not all(type(pl) in _SCORES for pl, _ in scores):
            return None, False
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
                for e in self._current:
                    e.current = False
                self._current.clear()
                self._group_of = None
            refresh = _make_refresh(q, spec.tolerations, *flags, fit_weight, fit_res, bal_weight)
            default = flags[0] and fit_weight == 1 and fit_res == (1, 1) and bal_weight == 1 and q[2] == 0
            entry = self.entries[key] = _Entry(
                refresh,
                filters,
                [(pl, w) for pl, w in scores if type(pl) is not TaintToleration],
                (q[0], q[1], q[3], q[4]) if default else None,
            )
        return entry, topology

    # -- keeping an entry up to date ------------------------------------------------------------------------------
    def _full(self, entry: _Entry, pod: Pod, table: NodeTable) -> None:
        """Recompute an entry from the plugins' vectors over every slot."""
        state = CycleState()
        used = {pl.name for pl in entry.filters} | {pl.name for pl, _ in entry.scores}
        for pl in self.profile.pre_filter:
            if pl.name in used:
                pl.pre_filter(state, pod)
        ok = table.live.copy()
        for pl in entry.filters:
            m = pl.filter_vector(state, pod, table)
            if m is not None:
                ok &= m
        tot = np.zeros(table.capacity, dtype=np.int64)
        for pl, weight in entry.scores:
            tot += pl.score_vector(state, pod, table, slice(None)) * weight
        entry.arr = np.where(ok, tot, -1)
        entry.vals = entry.arr.tolist()
        entry.feas = int.from_bytes(np.packbits(ok, bitorder="little").tobytes(), "little")
        entry.bad = set(np.flatnonzero(table.live & ~ok).tolist())

    def refresh(self, entry: _Entry, pod: Pod, table: NodeTable) -> None:
        """Bring ``entry``, and every entry kept current, up to date with the table (call after ``table.order``).

        Why every current entry at once: each change of a row (a pod bound or gone) must reach every kind of pod
        once anyway; doing it for all of them while the row is in the CPU cache costs less than each entry
        re-reading it later. An entry unused for ``DORMANT`` cycles stops being kept current (a kind of pod that
        no longer comes costs nothing) and is recomputed in full if it is used again.
        """
        log = table.log
        end = log.base + len(log.entries)
        current = self._current
        if self._epoch != log.epoch or self._capacity != table.capacity:
            for e in current:
                e.current = False
            current.clear()
            self._group_of = None
            self._epoch = log.epoch
            self._capacity = table.capacity
        elif self._pos != end:
            changed = log.entries[self._pos - log.base :]
            slots: Collection[int] = set(changed) if len(changed) > 1 else changed
            if len(slots) <= PER_SLOT_LIMIT or len(slots) <= table.capacity >> 4:
                rows, nodes = table.rows, table.nodes
                check = bool(table.count_unschedulable or table.count_hard_tainted)
                if self._group_of is None:
                    self._regroup()
                if self._group:
                    _refresh_group(slots, rows, nodes, self._group, check)
                for e in self._others:
                    e.refresh(slots, rows, nodes, e, check)
            else:
                for e in current:
                    e.current = False
                current.clear()
                self._group_of = None
        self._pos = end
        if not entry.current:
            self._full(entry, pod, table)
            entry.current = True
            current.append(entry)
            entry.used = self._cycles
            self._group_of = None
        if self._cycles - self._pruned > DORMANT:
            self._pruned = self._cycles
            for e in current:
                if self._cycles - e.used > DORMANT:
                    e.current = False
            current[:] = [e for e in current if e.current]
            self._group_of = None

    def _regroup(self) -> None:
        """Split the current entries into the default-shaped group (``_refresh_group``) and the others."""
        group: list[tuple[Any, ...]] = []
        others: list[_Entry] = []
        for e in self._current:
            if e.default is None:
                others.append(e)
                continue
            qc, qm, nqc, nqm = e.default
            qcf = qc if qc > 0 else _NEVER  # a zero request is not checked
            qmf = qm if qm > 0 else _NEVER
            group.append((e, e.vals, e.arr, e.bad, qcf, qmf, qc, qm, nqc, nqm))
        self._group = group
        self._others = others
        self._group_of = self._current

    # -- the topology path ----------------------------------------------------------------------------------------
    def _counts(self, table: NodeTable) -> PodCounts:
        counts = table.counts
        if not counts.active:
            counts.activate(existing_pod_terms)
        return counts

    def _existing_groups(self, pod: Pod, table: NodeTable) -> list[TermGroup]:
        """Terms of existing pods that match ``pod`` (InterPodAffinity's PreScore counts them), with carriers."""
        ipa = self.ipa
        assert ipa is not None
        if ipa.ignore_existing_preferred and not (preferred_terms(pod, False) or preferred_terms(pod, True)):
            return []  # PreScore skips a pod without preferred terms of its own
        counts = self._counts(table)
        key = (pod.namespace, frozenset(pod.labels.items()))
        hit = self._matching.get(key)
        if hit is None or hit[0] != counts.groups_version:
            static: list[TermGroup] = []
            dynamic: list[
                TermGroup
            ] = []  # namespaceSelector terms: Namespace labels may change, checked per cycle
            for g in counts.groups.values():
                if g.kind == HARD and ipa.hard_weight <= 0:
                    continue
                if g.term.ns_selector is not None:
                    dynamic.append(g)
                elif g.term.matches(pod, {}):
                    static.append(g)
            if len(self._matching) >= SPEC_LIMIT:
                self._matching.clear()
            hit = self._matching[key] = (counts.groups_version, static, dynamic)
        out = [g for g in hit[1] if g.counter.by_node]
        if hit[2]:
            ns_labels = namespace_labels(self.profile.handle.store, pod.namespace)
            out += [g for g in hit[2] if g.counter.by_node and g.term.matches(pod, ns_labels)]
        return out

    def _plan_for(self, pod: Pod, table: NodeTable) -> _Plan | None:
        """The pod's plan (cached per spec, namespace and labels); None when the topology path cannot model it."""
        counts = self._counts(table)
        spec = pod.spec
        key = (id(spec), pod.namespace, frozenset(pod.labels.items()))
        hit = self._plans.get(key)
        if hit is not None and hit[0] is spec and hit[1] == counts.generation:
            return hit[2]
        plan = self._build_plan(pod, counts)
        if len(self._plans) >= SPEC_LIMIT:
            self._plans.clear()
        self._plans[key] = (spec, counts.generation, plan)
        return plan

    def _build_plan(self, pod: Pod, counts: PodCounts) -> _Plan | None:
        plan = _Plan(counts.generation)
        own_ns = frozenset((pod.namespace,))
        if self.pts is not None:
            for c in pod.spec.topology_spread_constraints:
                if c.node_taints_policy == "Honor":
                    return None  # node inclusion by the pod's tolerations: not modelled here
                selector = merge_label_keys(c.label_selector, pod.labels, c.match_label_keys)
                counter = counts.counter(selector, own_ns, True)
                if c.when_unsatisfiable == DO_NOT_SCHEDULE and self.pts_filter:
                    self_match = 1 if selector is not None and selector.matches(pod.labels) else 0
                    min_domains = c.min_domains if c.min_domains is not None else 1
                    plan.dns.append((c.topology_key, c.max_skew, min_domains, self_match, counter))
                elif c.when_unsatisfiable == SCHEDULE_ANYWAY and self.pts_weight:
                    plan.sa.append((c.topology_key, c.max_skew, counter))
            plan.dns_keys = tuple(k for k, *_ in plan.dns)
            plan.sa_keys = tuple(k for k, *_ in plan.sa)
        if self.ipa is not None:
            if self.ipa_filter and (required_terms(pod, False) or required_terms(pod, True)):
                return None  # required terms of its own: InterPodAffinity filters (not modelled here)
            if self.ipa_weight:
                for anti in (False, True):
                    for t in preferred_terms(pod, anti):
                        if t.ns_selector is not None:
                            return None  # pods of namespaces chosen by their labels: not modelled here
                        if t.selector is None:
                            continue  # matches no pod
                        counter = counts.counter(t.selector, t.namespaces, False)
                        plan.terms.append((t.key, -t.weight if anti else t.weight, counter))
        return plan

    def _schedule_topology(
        self,
        pod: Pod,
        entry: _Entry,
        table: NodeTable,
        rng: random.Random,
        cursor: Cursor,
        groups: list[TermGroup],
    ) -> int:
        """One cycle with PodTopologySpread and InterPodAffinity taking part (see the module docstring)."""
        plan = self._plan_for(pod, table)
        if plan is None:
            return -1
        n = len(table.slot_of)
        if n == 0:
            return -1
        if table._order_dirty:
            table.order  # noqa: B018 -- refresh the layout first: slots [0, n) are the nodes in search order
        log = table.log
        self._cycles += 1
        entry.used = self._cycles
        if self._pos != log.base + len(log.entries) or not entry.current or self._epoch != log.epoch:
            self.refresh(entry, pod, table)
        counts = table.counts
        if self._k[0] != n:
            self._k = (n, self.profile._num_to_find(n))
        k = self._k[1]
        start = cursor.index
        feas = entry.feas
        restricted = bool(entry.bad)
        if plan.dns:
            # PodTopologySpread's Filter: a node must have every key, and in each constraint's domain no more
            # matching pods (plus the pod itself if it matches) than the emptiest domain's count plus maxSkew
            for key, max_skew, min_domains, self_match, counter in plan.dns:
                index = counts.domains(key, plan.dns_keys)
                sums = counts.sums(counter, index)
                ndom = index.ndom
                if ndom <= 64:  # a few domains (zones): in Python, then their slots' bit sets
                    per_domain = sums.tolist()
                    minimum = min(per_domain) if ndom >= min_domains else 0
                    limit = max_skew - self_match + minimum
                    dbits = index.domain_bits()
                    bits = 0
                    for d, count in enumerate(per_domain):
                        if count <= limit:
                            bits |= dbits[d]
                else:
                    minimum = int(sums.min()) if ndom >= min_domains else 0
                    allowed = sums + (self_match - minimum) <= max_skew
                    ok = np.append(allowed, False)[
                        index.dom
                    ]  # dom -1 (no such node or key): the appended False
                    bits = int.from_bytes(np.packbits(ok, bitorder="little").tobytes(), "little")
                feas &= bits
            restricted = True
        feasible = feas.bit_count() if restricted else n
        if feasible == 0:
            return -1
        if feasible > k:
            processed = _kth_from(feas, start, n, k) if restricted else k
            found = k
        else:
            processed = n
            found = feasible
        self.found = found
        self.processed = processed
        cursor.index = (start + processed) % n
        if found == 1:
            return (start + _kth_from(feas, start, n, 0)) % n if restricted else start
        # The candidates in window order: a run of slots when the window does not wrap and holds few rejected
        # slots (numpy then takes views instead of gathering; the rejected ones are masked: ``rejected`` holds
        # their positions), else the feasible slots' numbers.
        cand: Any
        rejected: list[int] = []
        end = start + processed
        if end <= n and processed - found <= 8 + (found >> 4):
            cand = slice(start, end)
            if processed != found:
                rej = ((1 << processed) - 1) & ~(feas >> start)
                while rej:
                    low = rej & -rej
                    rejected.append(low.bit_length() - 1)
                    rej ^= low
            m = processed
        else:
            cand = (
                _window_slots(feas, start, processed, n) if restricted else table.wrap[start : start + found]
            )
            m = found
        total = entry.arr[cand]
        if plan.sa:
            total = total + self.pts_weight * self._spread_scores(plan, cand, m, counts, rejected)
        if plan.terms or groups:
            total = total + self.ipa_weight * self._affinity_scores(plan, groups, cand, m, counts, rejected)
        if rejected:
            if total.base is entry.arr:  # still a view of the entry (no score taking part): a copy to mask
                total = total.copy()
            total[rejected] = _REJECTED
        ties = (total == total.max()).nonzero()[0]
        c = len(ties)
        pos = int(ties[rng.randrange(c)]) if c > 1 else int(ties[0])
        return start + pos if isinstance(cand, slice) else int(cand[pos])

    @staticmethod
    def _spread_scores(plan: _Plan, cand: Any, m: int, counts: PodCounts, rejected: list[int]) -> I64:
        """PodTopologySpread's normalised scores of the ``m`` candidate slots ``cand`` (``pod_topology_spread.py``:
        PreScore over the candidates, Score, NormalizeScore), for the pod's ScheduleAnyway constraints. Positions
        in ``rejected`` are not candidates (their scores are left undefined)."""
        keys = plan.sa_keys
        if len(plan.sa) == 1 and keys[0] != HOSTNAME:
            index = counts.domains(keys[0], keys)
            if index.ndom <= 64:
                return _spread_scores_by_domain(plan.sa[0], index, cand, m, counts, rejected)
        if rejected:  # the candidates alone, then back to window positions
            keep = np.ones(m, dtype=np.bool_)
            keep[rejected] = False
            slots = np.arange(cand.start, cand.stop, dtype=np.int64)[keep]
            out_all = np.zeros(m, dtype=np.int64)
            out_all[keep] = Composite._spread_scores(plan, slots, len(slots), counts, [])
            return out_all
        ignored = counts.domains(keys[0], keys).dom[cand] < 0  # lacking one of the keys
        n_ignored = int(np.count_nonzero(ignored))
        acc: npt.NDArray[np.floating[Any]] | None = None
        for key, max_skew, counter in plan.sa:
            cnt: I64
            if key == HOSTNAME:
                size = m - n_ignored
                cnt = counter.array()[cand]
            else:
                index = counts.domains(key, keys)
                d = index.dom[cand]
                kept = d[~ignored] if n_ignored else d
                if index.ndom <= 64:
                    size = int(np.count_nonzero(np.bincount(kept, minlength=index.ndom)))
                else:
                    size = len(np.unique(kept))
                cnt = counts.sums(counter, index)[d]  # ignored slots (d == -1) are zeroed below
            # float(count) * log(size + 2) + (maxSkew - 1), summed over the constraints in order (float64)
            part: npt.NDArray[np.floating[Any]] = cnt * math.log(float(size + 2)) + float(max_skew - 1)
            acc = part if acc is None else acc + part
        assert acc is not None
        # go_round: to the nearest integer, halves away from zero (the sum is >= 0)
        t = np.trunc(acc)
        raw = (t + (acc - t >= 0.5)).astype(np.int64)
        if n_ignored:
            raw[ignored] = 0
            kept_raw = raw[~ignored]
        else:
            kept_raw = raw
        if not len(kept_raw):
            return np.zeros(m, dtype=np.int64)
        lo = int(kept_raw.min())
        hi = max(0, int(kept_raw.max()))
        out: I64 = (
            np.full(m, MAX_NODE_SCORE, dtype=np.int64)
            if hi == 0
            else (MAX_NODE_SCORE * (hi + lo - raw)) // hi
        )
        if n_ignored:
            out[ignored] = 0
        return out

    def _affinity_scores(
        self, plan: _Plan, groups: list[TermGroup], cand: Any, m: int, counts: PodCounts, rejected: list[int]
    ) -> I64:
        """InterPodAffinity's normalised scores of the ``m`` candidate slots ``cand`` (``inter_pod_affinity.py``):
        per topology key, the weighted matching pods of the node's domain, summed over the pod's preferred terms
        and the matching terms of existing pods; then ``int(100 * (s - min) / (max - min))``."""
        log = counts.table.node_log
        key = (id(plan), *map(id, groups))
        hit = self._affinity_parts.get(key)
        if hit is None or hit[0] != (log.epoch, log.base + len(log.entries)) or hit[1] is not plan:
            hit = self._affinity_parts_for(plan, groups, counts)
            if len(self._affinity_parts) >= SPEC_LIMIT:
                self._affinity_parts.clear()
            self._affinity_parts[key] = hit
        _, _, _, mix, by_domain = hit
        raw: I64 | None = None
        if mix is not None:
            raw = mix.array()[cand]
        for k, parts in by_domain:
            index = counts.domains(k, (k,))
            sums = counts.sums(parts[0][1], index) * parts[0][0]
            for coef, counter in parts[1:]:
                sums = sums + counts.sums(counter, index) * coef
            v: I64 = np.append(sums, 0)[index.dom[cand]]  # dom -1 (no such key): the appended 0
            raw = v if raw is None else raw + v
        assert raw is not None
        if rejected:
            # a rejected position takes a candidate's value: the minimum and maximum are the candidates' alone
            raw = raw.copy()
            raw[rejected] = raw[_first_not_in(rejected)]
        lo = int(raw.min())
        diff = int(raw.max()) - lo
        if diff <= 0:
            return np.zeros(m, dtype=np.int64)
        return (float(MAX_NODE_SCORE) * ((raw - lo) / float(diff))).astype(np.int64)

    def _affinity_parts_for(self, plan: _Plan, groups: list[TermGroup], counts: PodCounts) -> tuple[Any, ...]:
        """The terms of ``_affinity_scores`` sorted by how their domains are summed: keys whose domains are single
        nodes (every node having the key) in one Mix; the others by key, with their (coefficient, counter)s."""
        ipa = self.ipa
        assert ipa is not None
        terms = plan.terms + [
            (
                g.term.key,
                ipa.hard_weight if g.kind == HARD else (-g.weight if g.kind == ANTI else g.weight),
                g.counter,
            )
            for g in groups
        ]
        by_node: list[tuple[int, Counter]] = []
        by_domain: dict[str, list[tuple[int, Counter]]] = {}
        for k, coef, counter in terms:
            index = counts.domains(k, (k,))
            if index.unique and index.complete:
                by_node.append((coef, counter))
            else:
                by_domain.setdefault(k, []).append((coef, counter))
        mix = counts.mix(tuple(by_node)) if by_node else None
        log = counts.table.node_log
        return ((log.epoch, log.base + len(log.entries)), plan, groups, mix, list(by_domain.items()))

    # -- one cycle ------------------------------------------------------------------------------------------------
    def schedule(self, pod: Pod, table: NodeTable, rng: random.Random, cursor: Cursor) -> int:
        """The slot of the node chosen for ``pod``, or -1 when the general path must decide."""
        spec = pod.spec
        hit = self._specs.get(id(spec))
        if hit is None or hit[0] is not spec:
            hit = self._lookup(pod)
        entry = hit[1]
        if entry is None or (self.taint_scores and table.count_prefer_tainted):
            return -1
        # cluster state that would make a Skipping plugin take part: a node listing one of the pod's images, a
        # Service or controller whose selector defaults spreading
        if (self.images is not None and table.image_nodes and self.images.relevant(pod, table)) or (
            self.spread is not None and self.spread.uses_defaults(pod)
        ):
            return -1
        groups: list[TermGroup] | None = None
        if table.count_affinity_pods and self.ipa is not None:
            # existing pods with pod (anti-)affinity terms: a required anti-affinity term may reject nodes (not
            # modelled here); any term matching the pod scores it
            if self.ipa_filter and table.required_anti:
                return -1
            if self.ipa_weight:
                groups = self._existing_groups(pod, table)
        if hit[2] or groups:
            return self._schedule_topology(pod, entry, table, rng, cursor, groups or [])
        n = len(table.slot_of)
        if n == 0:
            return -1
        if table._order_dirty:
            table.order  # noqa: B018 -- refresh the layout first: slots [0, n) are the nodes in search order
        log = table.log
        self._cycles += 1
        entry.used = self._cycles
        if self._pos != log.base + len(log.entries) or not entry.current or self._epoch != log.epoch:
            self.refresh(entry, pod, table)
        if self._k[0] != n:
            self._k = (n, self.profile._num_to_find(n))
        k = self._k[1]
        start = cursor.index
        bad = entry.bad
        if not bad:
            # every node passes: the window is the k slots from the start index
            processed = found = k if n > k else n
        else:
            feasible = n - len(bad)
            if feasible == 0:
                return -1
            if feasible > k:
                # the search stops at the (k+1)-th feasible slot from the start index (that one is not kept)
                processed = _kth_from(entry.feas, start, n, k)
                found = k
            else:
                processed = n
                found = feasible
        self.found = found
        self.processed = processed
        cursor.index = (start + processed) % n
        # the highest total in the window [start, start + processed) (circular over [0, n)): rejected slots hold
        # -1 and never win; ties in window order, as the general path
        arr = entry.arr
        end = start + processed
        w = arr[start:end] if end <= n else np.concatenate((arr[start:n], arr[: end - n]))
        ties = (w == w.max()).nonzero()[0]
        c = len(ties)
        pos = int(ties[rng.randrange(c)]) if c > 1 else int(ties[0])
        pos += start
        return pos - n if pos >= n else pos


def _kth_from(feas: int, start: int, n: int, k: int) -> int:
    """How far from ``start`` (circularly over ``n`` slots) the ``k``-th (0-based) set bit of ``feas`` is."""
    hi = feas >> start
    # look in a prefix first (twice k bits, doubled until it holds the bit): bit operations on a short int are
    # cheap, on the whole table's bit set they cost microseconds each
    width = 2 * k + 64
    rest = n - start
    while width < rest:
        low = hi & ((1 << width) - 1)
        if low.bit_count() > k:
            return _nth_bit(low, k)
        width *= 2
    c1 = hi.bit_count()
    if k < c1:
        return _nth_bit(hi, k)
    return rest + _nth_bit(feas & ((1 << start) - 1), k - c1)


def _spread_scores_by_domain(
    constraint: tuple[str, int, Counter],
    index: DomainIndex,
    cand: Any,
    m: int,
    counts: PodCounts,
    rejected: list[int],
) -> I64:
    """``Composite._spread_scores`` for one constraint over a few domains (a zone): every node of a domain scores
    the same, so the arithmetic runs once per domain (in Python, as the plugin does) and is then looked up."""
    _, max_skew, counter = constraint
    d1 = index.dom1[cand]  # domain + 1; 0: a node lacking the key (ignored: score 0)
    ndom = index.ndom
    if isinstance(cand, slice):  # the domains among a run of slots, from each domain's running slot count
        prefix = index.prefix()
        start, stop = cand.start, cand.stop
        in_window = [prefix[d][stop] - prefix[d][start] for d in range(ndom)]
        dom = index.dom_list
        for p in rejected:
            d = dom[start + p]
            if d >= 0:
                in_window[d] -= 1
        present = [d for d in range(ndom) if in_window[d]]
    else:
        present = [d for d, c in enumerate(np.bincount(d1, minlength=ndom + 1).tolist()[1:]) if c]
    if not present:
        return np.zeros(m, dtype=np.int64)
    weight = math.log(float(len(present) + 2))
    sums = counts.sums(counter, index).tolist()
    raw = {d: go_round(float(sums[d]) * weight + float(max_skew - 1)) for d in present}
    lo = min(raw.values())
    hi = max(0, max(raw.values()))
    norm = [0] * (ndom + 1)
    for d, r in raw.items():
        norm[d + 1] = MAX_NODE_SCORE if hi == 0 else MAX_NODE_SCORE * (hi + lo - r) // hi
    out: I64 = np.array(norm, dtype=np.int64)[d1]
    return out


def _first_not_in(positions: list[int]) -> int:
    """The smallest position not in ``positions`` (ascending)."""
    p = 0
    for q in positions:
        if q != p:
            break
        p += 1
    return p


def _set_bits(x: int, nbits: int) -> I64:
    """The positions of the set bits of ``x`` (< 2**nbits), ascending."""
    raw = np.frombuffer(x.to_bytes((nbits + 7) >> 3, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little").nonzero()[0]


def _window_slots(feas: int, start: int, length: int, n: int) -> I64:
    """The set bits of ``feas`` in the circular window of ``length`` slots from ``start``, in window order."""
    end = start + length
    if end <= n:
        return _set_bits((feas >> start) & ((1 << length) - 1), length) + start
    hi = _set_bits(feas >> start, n - start) + start
    lo = _set_bits(feas & ((1 << (end - n)) - 1), end - n)
    return np.concatenate((hi, lo))
