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
current at once: for the default profile's shape, through the row states (``rowstates.py``: the totals of every
such entry by distinct row, so a changed row costs one lookup whatever the number of entries); for other
shapes, by one pure-Python function per entry and changed slot (the plugins' arithmetic, inlined).

A cycle is then: bring the entries up to date; work out the search window from the start index and the feasible
bits (without rejected slots it is simply the k slots from the start index; else the window ends before the
(k+1)-th feasible slot, found from the sorted rejected slots by bisection, or with ``int.bit_count`` on halves of
the feasible bits); take the highest total in the window (numpy on the entry's totals: ``argmax``, and the ties
only when there is a second highest) and break ties with ``rng.randrange`` in window order.

The topology path (``_schedule_topology``) adds PodTopologySpread and InterPodAffinity for pods with spread
constraints or pod (anti-)affinity terms of their own, and for any pod when existing pods carry terms that may
match it. Their counts come from ``podcounts.py`` (matching pods per node and per topology domain, kept up to date
as pods are counted), so a cycle costs a few vector operations over the k candidates instead of a walk over every
pod and node: PodTopologySpread's Filter (DoNotSchedule) as a bit set of the allowed domains' slots ANDed into
the feasible bits (kept per pair of bit sets, with the slots in order: the window is then a run of them); its
Score (ScheduleAnyway) per domain (every node of a zone scores the same) or per node, normalised over the
candidates as ``NormalizeScore`` does; InterPodAffinity's Score as the weighted counts of the pod's preferred
terms and of existing pods' terms matching the pod, summed per node and normalised over the candidates (through
a table of the normalised values of each spread of raw scores). It leaves to the general path what it does not
model: required pod (anti-)affinity of the pod or of existing pods, ``nodeTaintsPolicy: Honor``, terms choosing
namespaces by label.

Decisions are exactly those of ``Profile._schedule_fast`` (and so of the reference path): the same candidate
window, ``processed`` count, totals (integer and float64 arithmetic in the plugins' order) and ``rng`` calls
(``tests/scheduler/test_composite.py``, ``test_topology_fast_path.py``). Whenever the conditions do not hold, or
no node is feasible (the failure message needs the per-plugin diagnosis), ``schedule`` returns -1 and the caller
uses the general path.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from models.pod import Pod, PodSpec, Toleration
from simulator.scheduler._util import MAX_NODE_SCORE
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
from simulator.scheduler.rowstates import Params, RowStates

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


def _make_rejects(
    tolerations: tuple[Toleration, ...], unsched_filter: bool, taint_filter: bool
) -> Callable[[bool, Any], bool]:
    """NodeUnschedulable's and TaintToleration's Filter for pods with ``tolerations``, on a node's
    ``unschedulable`` flag and taints: whether they reject the node."""
    unsched_blocks = unsched_filter and not any(t.tolerates(UNSCHEDULABLE_TAINT) for t in tolerations)

    def rejects(unschedulable: bool, taints: Any) -> bool:
        return bool(
            (unsched_blocks and unschedulable)
            or (taint_filter and taints and untolerated_hard_taint(taints, tolerations) is not None)
        )

    return rejects


def _make_refresh(
    req: tuple[int, int, int, int, int],
    rejects: Callable[[bool, Any], bool],
    fit_filter: bool,
    fit_weight: int,
    fit_res: tuple[int, int],
    bal_weight: int,
) -> Refresh:
    """The per-slot function of one key: the plugins' arithmetic on a row, inlined (see the plugin modules). The
    default profile's kinds of pod have their totals kept by row state instead (``rowstates.py``)."""
    qc, qm, qe, nqc, nqm = req
    wc, wm = fit_res
    fit_pods = fit_filter
    fit_cpu = fit_filter and qc > 0
    fit_mem = fit_filter and qm > 0
    fit_eph = fit_filter and qe > 0

    def node_rejects(node: Any) -> bool:
        """NodeUnschedulable and TaintToleration's Filter."""
        return rejects(node.unschedulable, node.taints)

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


class _Entry:
    """One key's state: ``vals[slot]`` the total (-1 where a Filter rejects the node, or a free slot) and ``arr``
    the same as a numpy array, ``feas`` the slots with a total >= 0 as a bit set (an int), ``bad`` the rejected
    live slots. ``default``: (cpu, memory, non-zero cpu, non-zero memory) requests when the key is of the default
    profile's shape, else None; such an entry's totals are column ``col`` of the composite's row states
    (``rowstates.py``) while it is current, and ``vals`` and ``arr`` are then worked out from there when read."""

    __slots__ = (
        "_arr", "_vals", "bad", "badlist", "col", "current", "default", "feas", "filters", "params", "refresh",
        "rejects", "scores", "states", "used",
    )  # fmt: skip

    def __init__(
        self,
        refresh: Refresh,
        filters: list[Plugin],
        scores: list[tuple[Plugin, int]],
        default: tuple[int, int, int, int] | None = None,
        rejects: Callable[[bool, Any], bool] | None = None,
    ) -> None:
        self.refresh = refresh
        self.filters = filters
        self.scores = scores
        self.default = default
        self.rejects = rejects
        #: the row states' parameters (``rowstates.Params``) of a default-shaped entry
        self.params: Params | None = None
        if default is not None and rejects is not None:
            qc, qm, nqc, nqm = default
            # a zero request is not checked by the Filter
            self.params = (qc if qc > 0 else _NEVER, qm if qm > 0 else _NEVER, qc, qm, nqc, nqm)
        #: the entry's column in the row states (``states``) while it has one, else -1 (and ``states`` None)
        self.col = -1
        self.states: RowStates | None = None
        self._vals: list[int] = []
        self._arr: I64 = np.zeros(0, dtype=np.int64)
        self.feas = 0
        self.bad: set[int] = set()
        #: ``bad`` sorted, while the entry has a column in the row states
        self.badlist: list[int] = []
        #: kept up to date with every change of the table (else recomputed in full when next used)
        self.current = False
        #: the composite's cycle count when the entry was last used
        self.used = 0

    @property
    def arr(self) -> I64:
        if self.states is not None:
            return self.states.totals(self.col)
        return self._arr

    @arr.setter
    def arr(self, value: I64) -> None:
        self._arr = value

    @property
    def vals(self) -> list[int]:
        if self.states is not None:
            out: list[int] = self.states.totals(self.col).tolist()
            return out
        return self._vals

    @vals.setter
    def vals(self, value: list[int]) -> None:
        self._vals = value


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


class _Intersection:
    """An entry's feasible slots ANDed with a spreading Filter's allowed slots (bit sets): ``inter``, how many
    (``count``) and, once asked, the slots in order (``slots``)."""

    __slots__ = ("_slots", "allowed", "count", "feas", "inter")

    def __init__(self, feas: int, allowed: int) -> None:
        self.feas = feas
        self.allowed = allowed
        self.inter = feas & allowed
        self.count = self.inter.bit_count()
        self._slots: I64 | None = None

    def slots(self) -> I64:
        if self._slots is None:
            self._slots = _set_bits(self.inter, max(1, self.inter.bit_length()))
        return self._slots


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
        #: the totals of the current entries of default shape, by row state (``rowstates.py``)
        self._states = RowStates()
        #: the current entries kept slot by slot (their own ``refresh``)
        self._others: list[_Entry] = []
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
        #: feasible bits ANDed with a spreading Filter's allowed slots, by the identities of both
        self._intersections: dict[tuple[int, int], _Intersection] = {}
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
                    self._forget(e)
                self._current.clear()
                self._others.clear()
            rejects = _make_rejects(spec.tolerations, flags[1], flags[2])
            refresh = _make_refresh(q, rejects, flags[0], fit_weight, fit_res, bal_weight)
            default = flags[0] and fit_weight == 1 and fit_res == (1, 1) and bal_weight == 1 and q[2] == 0
            entry = self.entries[key] = _Entry(
                refresh,
                filters,
                [(pl, w) for pl, w in scores if type(pl) is not TaintToleration],
                (q[0], q[1], q[3], q[4]) if default else None,
                rejects,
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
        re-reading it later (for the default profile's kinds, ``rowstates.py`` makes it one lookup per changed
        row). An entry unused for ``DORMANT`` cycles stops being kept current (a kind of pod that no longer comes
        costs nothing) and is recomputed in full if it is used again.
        """
        log = table.log
        end = log.base + len(log.entries)
        current = self._current
        states = self._states
        # nodes that may be cordoned or tainted (then a node's verdict depends on its spec, not only its row)
        check = bool(table.count_unschedulable or table.count_hard_tainted)
        if self._epoch != log.epoch or self._capacity != table.capacity:
            # slots renumbered, the table grown, or the log forgotten: the row states stay right, the slots'
            # states are worked out afresh; the other entries are recomputed when next used
            self._drop_others()
            if states.columns:
                states.resync(table.rows, table.nodes, table.live, check)
            self._epoch = log.epoch
            self._capacity = table.capacity
        elif self._pos != end:
            changed = log.entries[self._pos - log.base :]
            # (a slot listed twice is refreshed twice, the second time to no effect: cheaper than a set for few)
            slots: Collection[int] = set(changed) if len(changed) > 8 else changed
            rows, nodes = table.rows, table.nodes
            if states.columns:
                states.update(slots, rows, nodes, check)
            if self._others:
                if len(slots) <= PER_SLOT_LIMIT or len(slots) <= table.capacity >> 4:
                    for e in self._others:
                        e.refresh(slots, rows, nodes, e, check)
                else:
                    self._drop_others()
        self._pos = end
        if not entry.current:
            col = -1
            if entry.params is not None:
                assert entry.rejects is not None
                col = states.attach(
                    entry, entry.params, entry.rejects, table.rows, table.nodes, table.live, check
                )
            if col >= 0:
                entry.col = col
                entry.states = states
            else:
                self._full(entry, pod, table)
                self._others.append(entry)
            entry.current = True
            current.append(entry)
            entry.used = self._cycles
        if self._cycles - self._pruned > DORMANT:
            self._pruned = self._cycles
            for e in current:
                if self._cycles - e.used > DORMANT:
                    self._forget(e)
            current[:] = [e for e in current if e.current]
            self._others = [e for e in self._others if e.current]

    def _forget(self, entry: _Entry) -> None:
        """Stop keeping ``entry`` current (the caller drops it from the lists)."""
        entry.current = False
        if entry.states is not None:
            entry.states.detach(entry.col)
            entry.states = None
            entry.col = -1

    def _drop_others(self) -> None:
        """Stop keeping the entries that are not in the row states current."""
        for e in self._others:
            e.current = False
        self._current[:] = [e for e in self._current if e.current]
        self._others.clear()

    # -- the topology path ----------------------------------------------------------------------------------------
    def _counts(self, table: NodeTable) -> PodCounts:
        counts = table.counts
        if not counts.active:
            counts.activate(existing_pod_terms)
        return counts

    def _existing_groups(
        self, pod: Pod, table: NodeTable, labels: frozenset[tuple[str, str]]
    ) -> list[TermGroup]:
        """Terms of existing pods that match ``pod`` (InterPodAffinity's PreScore counts them), with carriers."""
        ipa = self.ipa
        assert ipa is not None
        if ipa.ignore_existing_preferred and not (preferred_terms(pod, False) or preferred_terms(pod, True)):
            return []  # PreScore skips a pod without preferred terms of its own
        counts = self._counts(table)
        key = (pod.namespace, labels)
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

    def _plan_for(self, pod: Pod, table: NodeTable, labels: frozenset[tuple[str, str]]) -> _Plan | None:
        """The pod's plan (cached per spec, namespace and labels); None when the topology path cannot model it."""
        counts = self._counts(table)
        spec = pod.spec
        key = (id(spec), pod.namespace, labels)
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
        labels: frozenset[tuple[str, str]] | None,
        n: int,
        k: int,
    ) -> int:
        """One cycle with PodTopologySpread and InterPodAffinity taking part (see the module docstring), on ``n``
        nodes of which the search keeps ``k`` feasible ones (``entry`` is up to date); ``labels``: the pod's
        labels as a frozenset, when already made."""
        plan = self._plan_for(pod, table, frozenset(pod.labels.items()) if labels is None else labels)
        if plan is None:
            return -1
        counts = table.counts
        start = cursor.index
        feas = entry.feas
        restricted = bool(entry.bad)
        both: _Intersection | None = None
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
                    allowed_domains = 0
                    for d, count in enumerate(per_domain):
                        if count <= limit:
                            allowed_domains |= 1 << d
                    bits = index.union_bits(allowed_domains)
                else:
                    minimum = int(sums.min()) if ndom >= min_domains else 0
                    allowed = sums + (self_match - minimum) <= max_skew
                    ok = np.append(allowed, False)[
                        index.dom
                    ]  # dom -1 (no such node or key): the appended False
                    bits = int.from_bytes(np.packbits(ok, bitorder="little").tobytes(), "little")
                # (the same few entries and domain unions meet again and again: their intersection is kept)
                both = self._intersections.get((id(feas), id(bits)))
                if both is None or both.feas is not feas or both.allowed is not bits:
                    if len(self._intersections) >= 256:
                        self._intersections.clear()
                    both = self._intersections[(id(feas), id(bits))] = _Intersection(feas, bits)
                feas = both.inter
            restricted = True
        # without a spreading Filter, the rejected slots are the entry's (sorted in ``badlist`` for row states)
        badlist = entry.badlist if restricted and not plan.dns and entry.states is not None else None
        feasible = n
        if badlist is not None:
            feasible -= len(badlist)
        elif both is not None:
            feasible = both.count
        elif restricted:
            feasible = feas.bit_count()
        if feasible == 0:
            return -1
        window: I64 | None = None  # the candidates' slots, when worked out with ``processed``
        if feasible > k:
            if not restricted:
                processed = k
            elif badlist is not None:
                processed = _kth_past(badlist, start, n, k)
            elif both is not None:
                # a spreading Filter's feasible slots, in order: the window is a run of them from the start index
                slots = both.slots()
                i = int(slots.searchsorted(start))
                j = i + k  # the (k+1)-th feasible slot from the start index (circularly)
                if j < feasible:
                    processed = slots.item(j) - start
                    window = slots[i:j]
                else:
                    j -= feasible
                    processed = n - start + slots.item(j)
                    window = np.concatenate((slots[i:], slots[:j]))
            else:
                # the window read off the feasible bits at once
                hit = _first_set_bits(feas, start, n, k, feasible)
                if hit is None:
                    processed = _kth_from(feas, start, n, k)
                else:
                    processed, window = hit
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
        if window is not None:
            cand = window
            m = found
        elif end <= n and processed - found <= 8 + (found >> 4):
            cand = slice(start, end)
            if processed != found:
                if badlist is not None:
                    lo = bisect_left(badlist, start)
                    rejected = [b - start for b in badlist[lo : bisect_left(badlist, end, lo)]]
                else:
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
        # the entry's totals of the candidates, in an int64 array of the cycle's own (the scores are added in place;
        # a run of slots of an entry's own array would be a view of it)
        states = entry.states
        totals = states.A[entry.col] if states is not None else entry._arr
        total = totals[cand].astype(np.int64)
        if plan.sa:
            if len(plan.sa) == 1 and plan.sa_keys[0] != HOSTNAME:
                index = counts.domains(plan.sa_keys[0], plan.sa_keys)
                if index.ndom <= 64:
                    total += _spread_scores_by_domain(
                        plan.sa[0], index, cand, m, counts, rejected, self.pts_weight
                    )
                else:
                    total += self.pts_weight * self._spread_scores(plan, cand, m, counts, rejected)
            else:
                total += self.pts_weight * self._spread_scores(plan, cand, m, counts, rejected)
        if plan.terms or groups:
            part = self._affinity_scores(plan, groups, cand, counts, rejected)
            if part is not None:
                total += part
        if rejected:
            total[rejected] = _REJECTED
        pos = _pick(total, rng)
        return start + pos if isinstance(cand, slice) else int(cand.item(pos))

    @staticmethod
    def _spread_scores(plan: _Plan, cand: Any, m: int, counts: PodCounts, rejected: list[int]) -> I64:
        """PodTopologySpread's normalised scores of the ``m`` candidate slots ``cand`` (``pod_topology_spread.py``:
        PreScore over the candidates, Score, NormalizeScore), for the pod's ScheduleAnyway constraints. Positions
        in ``rejected`` are not candidates (their scores are left undefined)."""
        keys = plan.sa_keys
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
        self, plan: _Plan, groups: list[TermGroup], cand: Any, counts: PodCounts, rejected: list[int]
    ) -> I64 | None:
        """InterPodAffinity's weighted, normalised scores of the candidate slots ``cand``
        (``inter_pod_affinity.py``): per topology key, the weighted matching pods of the node's domain, summed over
        the pod's preferred terms and the matching terms of existing pods; then ``int(100 * (s - min) / (max -
        min))`` times the plugin's weight. None when every candidate scores the same (0)."""
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
        i_lo = int(raw.argmin())
        i_hi = int(raw.argmax())
        if rejected and (i_lo in rejected or i_hi in rejected):
            # the minimum and maximum are the candidates' alone: a rejected position takes a candidate's value
            raw = raw.copy()
            raw[rejected] = raw[_first_not_in(rejected)]
            i_lo = int(raw.argmin())
            i_hi = int(raw.argmax())
        lo = raw.item(i_lo)
        diff = raw.item(i_hi) - lo
        if diff <= 0:
            return None
        # (a rejected position's offset may fall outside [0, diff]: its score is never read)
        return _normalized(raw - lo, diff, self.ipa_weight, bool(rejected))

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
        labels: frozenset[tuple[str, str]] | None = None
        if table.count_affinity_pods and self.ipa is not None:
            # existing pods with pod (anti-)affinity terms: a required anti-affinity term may reject nodes (not
            # modelled here); any term matching the pod scores it
            if self.ipa_filter and table.required_anti:
                return -1
            if self.ipa_weight:
                labels = frozenset(pod.labels.items())
                groups = self._existing_groups(pod, table, labels)
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
        if hit[2] or groups:
            return self._schedule_topology(pod, entry, table, rng, cursor, groups or [], labels, n, k)
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
                if entry.states is not None:
                    processed = _kth_past(entry.badlist, start, n, k)
                else:
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
        end = start + processed
        states = entry.states
        arr = states.A[entry.col] if states is not None else entry._arr
        w = arr[start:end] if end <= n else np.concatenate((arr[start:n], arr[: end - n]))
        pos = _pick(w, rng) + start
        return pos - n if pos >= n else pos


def _pick(total: I64, rng: random.Random) -> int:
    """The position of the highest of ``total``; when several share it, one ``rng.randrange`` draw over them in
    order picks one (no draw for a single highest), as the general path breaks ties."""
    i = int(total.argmax())  # the first highest (argmax costs a fraction of a max reduction)
    rest = total[i + 1 :]
    top = total.item(i)
    if not len(rest) or rest.item(int(rest.argmax())) < top:
        return i
    ties = (total == top).nonzero()[0]
    return int(ties.item(rng.randrange(len(ties))))


def _first_set_bits(feas: int, start: int, n: int, k: int, feasible: int) -> tuple[int, I64] | None:
    """``(_kth_from(feas, start, n, k), the slots of the first k set bits from start)`` from one unpacking of the
    bits after ``start`` (as far as the feasible slots' density says k + 1 of them reach, with room to spare);
    None when they do not reach (or the window would wrap): the caller then takes the slow way."""
    span = min(n - start, (k + 1) * n // feasible * 5 // 4 + 64)
    pos = _set_bits((feas >> start) & ((1 << span) - 1), span)
    if len(pos) <= k:
        return None
    slots: I64 = pos[:k] + start
    return int(pos[k]), slots


def _kth_past(bad: list[int], start: int, n: int, k: int) -> int:
    """``_kth_from`` when every slot in ``[0, n)`` is feasible but the ones in ``bad`` (sorted): the offset ``q``
    from ``start`` of the ``k``-th feasible slot is ``k`` plus the rejected slots at offsets up to ``q``, the
    least fixed point of that count, reached from ``q = k`` in a few steps when few slots are rejected."""
    lo = bisect_left(bad, start)
    rest = len(bad) - lo
    q = k
    while True:
        end = start + q
        b = bisect_right(bad, end, lo) - lo if end < n else rest + bisect_right(bad, end - n, 0, lo)
        if k + b == q:
            return q
        q = k + b


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
    weight: int,
) -> I64:
    """``Composite._spread_scores`` for one constraint over a few domains (a zone), times ``weight``: every node of
    a domain scores the same, so the arithmetic runs once per domain (in Python, as the plugin does) and is then
    looked up."""
    _, max_skew, counter = constraint
    ndom = index.ndom
    if isinstance(cand, slice):  # the domains among a run of slots, from each domain's running slot count
        start, stop = cand.start, cand.stop
        in_window = [p[stop] - p[start] for p in index.prefix()]
        if rejected:
            dom = index.dom_list
            for p in rejected:
                d = dom[start + p]
                if d >= 0:
                    in_window[d] -= 1
        present = [d for d, c in enumerate(in_window) if c]
    else:
        present = [
            d for d, c in enumerate(np.bincount(index.dom1[cand], minlength=ndom + 1).tolist()[1:]) if c
        ]
    if not present:
        return np.zeros(m, dtype=np.int64)
    # float(count) * log(domains + 2) + (maxSkew - 1), go_round (halves up: the value is >= 0), per domain
    scale = math.log(float(len(present) + 2))
    skew = float(max_skew - 1)
    sums = counts.sums(counter, index).tolist()
    raw: list[int] = []
    for d in present:
        x = float(sums[d]) * scale + skew
        r = int(x)
        raw.append(r + 1 if x - r >= 0.5 else r)
    lo = min(raw)
    hi = max(0, max(raw))
    norm = [0] * (ndom + 1)  # by domain + 1 (0: a node lacking the key, ignored: score 0)
    for d, r in zip(present, raw, strict=True):
        norm[d + 1] = weight * (MAX_NODE_SCORE if hi == 0 else MAX_NODE_SCORE * (hi + lo - r) // hi)
    key = tuple(norm)
    table = _DOMAIN_SCORES.get(key)
    if table is None:  # (the few domains' scores take few values: their tables are kept)
        if len(_DOMAIN_SCORES) >= 4096:
            _DOMAIN_SCORES.clear()
        table = _DOMAIN_SCORES[key] = np.array(norm, dtype=np.int64)
    out: I64 = table[index.dom1[cand]]
    return out


#: ``_spread_scores_by_domain``'s tables of scores by domain + 1
_DOMAIN_SCORES: dict[tuple[int, ...], I64] = {}


#: ``_normalized``'s tables by (max - min, weight)
_NORMALIZED: dict[tuple[int, int], I64] = {}


def _normalized(offsets: I64, diff: int, weight: int, clip: bool = False) -> I64:
    """``weight * int(100 * (offset / diff))`` (float64, as InterPodAffinity's NormalizeScore) of ``offsets`` in
    ``[0, diff]``: looked up in a table of every offset's value (the same float64 operations on each offset;
    ``diff`` takes few values, as the raw scores are sums of term weights), or computed for a wide range.
    ``clip``: some offsets are out of range, and their values are not wanted."""
    if diff > 4096:
        out: I64 = (float(MAX_NODE_SCORE) * (offsets / float(diff))).astype(np.int64) * weight
        return out
    table = _NORMALIZED.get((diff, weight))
    if table is None:
        if len(_NORMALIZED) >= 1024:
            _NORMALIZED.clear()
        steps = np.arange(diff + 1, dtype=np.int64)
        table = (float(MAX_NODE_SCORE) * (steps / float(diff))).astype(np.int64) * weight
        _NORMALIZED[(diff, weight)] = table
    looked_up: I64 = table.take(offsets, mode="clip") if clip else table[offsets]
    return looked_up


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
