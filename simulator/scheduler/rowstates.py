"""The composite's totals for the default profile's kinds of pod, kept by row state instead of by slot.

For the default profile (NodeResourcesFit with LeastAllocated over cpu and memory, NodeResourcesBalancedAllocation
over cpu and memory, both weight 1; NodeUnschedulable and TaintToleration filtering) a kind of pod's total on a
node depends only on the node's row (allocatable, requested and non-zero requested resources, pod count) and, for
a cordoned or tainted node, on its ``unschedulable`` flag and taints. Nodes of a pool running pods of a few
templates go through few distinct rows, again and again. So the table numbers each distinct row it meets (a
"state"), keeps each slot's state (``sid_list``), per kind of pod (a column) the total of every state (``T``),
and every column's total of every slot (``A``: a slot's totals are copied from its state's when it changes state).

Why: a changed row then costs one dict lookup and one copy of a few numbers, however many kinds of pod are kept
current (a total per slot and kind costs one evaluation per changed slot and kind), and a window's totals are a
run of ``A[col]``; a kind of pod joining costs one vectorised evaluation over the states. Each column's owner (the
composite's entry) also keeps its feasible slots as a bit set (``feas``) and its rejected live slots (``bad``),
which the table updates when a slot's verdict for that column changes (rarely: a node filling up).
"""

from __future__ import annotations

import struct
from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["MAX_COLUMNS", "STATE_LIMIT", "RowStates", "default_column", "default_total"]

I64 = npt.NDArray[np.int64]
I16 = npt.NDArray[np.int16]
BoolArr = npt.NDArray[np.bool_]
#: why a narrow type: the smaller ``T`` and ``A`` are, the more of them stays in the CPU caches (totals lie in
#: [-1, 200])
TOTAL = np.int16

#: columns (kinds of pod) a table holds; the bit mask of a state's rejecting columns stays an int64 below this
MAX_COLUMNS = 60
#: beyond this many states, the states no slot is in are forgotten (``RowStates.update``): a smaller table stays
#: in the CPU caches, and rows come back soon or not at all
STATE_LIMIT = 1 << 14
#: room for states at first (doubled as needed)
INITIAL_STATES = 1024
FREE = 0  # the state of a free slot: every column -1, and not a rejected live slot
_ROW_WIDTH = 10  # cache.ROW_FIELDS
#: a row as a state's key: its fields packed into bytes (hashed and compared as one block of memory, which costs
#: less than a tuple of ints in a large table)
_pack = struct.Struct(f"{_ROW_WIDTH}q").pack

#: (cpu and memory checked by the Filter (a zero request: never more than free), real cpu and memory, non-zero
#: cpu and memory) of a kind of pod
Params = tuple[int, int, int, int, int, int]
#: whether a kind of pod's NodeUnschedulable or TaintToleration Filter rejects a node (unschedulable, taints)
Rejects = Callable[[bool, tuple[Any, ...]], bool]


def default_total(row: Sequence[int], p: Params) -> int:
    """The total of a kind of pod on a row: -1 where NodeResourcesFit's Filter rejects it, else Fit's
    LeastAllocated score ((least(cpu) + least(memory)) // 2, on non-zero requests) plus BalancedAllocation's
    (1 - |f(cpu) - f(memory)| / 2, each fraction of real requests at most 1), as ``node_resources_fit.py`` and
    ``balanced_allocation.py`` compute them (int / int is the correctly rounded float64 quotient, as
    float64(a) / float64(b) is for values below 2**53)."""
    qcf, qmf, qc, qm, nqc, nqm = p
    ac, am, _, ap, rc, rm, _, nc, nm, pc = row
    if pc >= ap or qcf > ac - rc or qmf > am - rm:
        return -1
    if ac and am:
        r = nc + nqc
        v = 0 if r > ac else (ac - r) * 100 // ac
        r = nm + nqm
        if r <= am:
            v += (am - r) * 100 // am
        f0 = (rc + qc) / ac
        if f0 > 1:
            f0 = 1.0
        f1 = (rm + qm) / am
        if f1 > 1:
            f1 = 1.0
        d = f0 - f1
        if d < 0:
            d = -d
        return v // 2 + int((1 - d / 2) * 100.0)
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
    return v


def default_column(rows: I64, p: Params) -> I64:
    """``default_total`` of every row of ``rows`` (one row per line), vectorised with the same arithmetic."""
    qcf, qmf, qc, qm, nqc, nqm = p
    ac, am, ap, rc, rm, nc, nm, pc = (rows[:, i] for i in (0, 1, 3, 4, 5, 7, 8, 9))
    rejected = (pc >= ap) | (ac - rc < qcf) | (am - rm < qmf)
    has_c = ac > 0
    has_m = am > 0
    acs = np.where(has_c, ac, 1)
    ams = np.where(has_m, am, 1)
    r = nc + nqc
    least_c = np.where(r > ac, 0, (ac - r) * 100 // acs)
    r = nm + nqm
    least_m = np.where(r > am, 0, (am - r) * 100 // ams)
    f0 = np.minimum((rc + qc) / acs, 1.0)
    f1 = np.minimum((rm + qm) / ams, 1.0)
    balanced = np.trunc((1 - np.abs(f0 - f1) / 2) * 100.0).astype(np.int64)
    both = (least_c + least_m) // 2 + balanced
    one = 100 + np.where(has_c, least_c, np.where(has_m, least_m, 0))
    out: I64 = np.where(rejected, -1, np.where(has_c & has_m, both, one))
    return out


class RowStates:
    """The state table (see the module docstring). Columns are attached for owners with ``feas`` (int), ``bad``
    (set of slots) and ``badlist`` (the same, sorted) attributes, which the table keeps up to date while they stay
    attached."""

    def __init__(self) -> None:
        self.ids: dict[Hashable, int] = {None: FREE}
        self.count = 1
        self.cap = INITIAL_STATES
        self.rows: I64 = np.zeros((self.cap, _ROW_WIDTH), dtype=np.int64)
        #: per state: (unschedulable, taints) of a cordoned or tainted node's state, else None
        self.flags: list[tuple[bool, tuple[Any, ...]] | None] = [None]
        #: per state: bit ``c`` set when column ``c`` rejects it (every bit for FREE)
        self.masks: list[int] = [(1 << MAX_COLUMNS) - 1]
        self.special: list[int] = []  # states with flags
        #: totals: ``T[col, state]``
        self.T: I16 = np.full((8, self.cap), -1, dtype=TOTAL)
        #: per column: its owner (None: a free column)
        self.owners: list[Any] = []
        #: the attached columns: (column, owner, params, rejects)
        self.columns: list[tuple[int, Any, Params, Rejects]] = []
        #: per slot: its state, and every column's total (``A[col, slot]``); valid while ``synced``
        self.sid_list: list[int] = []
        self.A: I16 = np.full((8, 0), -1, dtype=TOTAL)
        self.synced = False
        #: ``update`` forgets the states no slot is in beyond this many
        self.limit = STATE_LIMIT

    # -- states ---------------------------------------------------------------------------------------------------
    def _add_state(
        self, key: Hashable, row: Sequence[int], flags: tuple[bool, tuple[Any, ...]] | None
    ) -> int:
        i = self.count
        if i == self.cap:
            self._grow()
        self.count = i + 1
        self.ids[key] = i
        self.rows[i] = row
        self.flags.append(flags)
        if flags is not None:
            self.special.append(i)
        mask = 0
        T = self.T
        for c, _, params, rejects in self.columns:
            v = -1 if flags is not None and rejects(*flags) else default_total(row, params)
            T[c, i] = v
            if v < 0:
                mask |= 1 << c
        self.masks.append(mask)
        return i

    def _grow(self) -> None:
        cap = self.cap * 2
        rows = np.zeros((cap, _ROW_WIDTH), dtype=np.int64)
        rows[: self.cap] = self.rows
        T = np.full((self.T.shape[0], cap), -1, dtype=TOTAL)
        T[:, : self.cap] = self.T
        self.rows, self.T, self.cap = rows, T, cap

    def _key(
        self, row: list[int], node: Any, check: bool
    ) -> tuple[Hashable, tuple[bool, tuple[Any, ...]] | None]:
        key = _pack(*row)
        if check and (node.unschedulable or node.taints):
            flags = (bool(node.unschedulable), tuple(node.taints))
            return (key, flags), flags
        return key, None

    def _compact(self) -> None:
        """Forget the states no slot is in (totals, masks and slot verdicts stay as they were)."""
        used = sorted(set(self.sid_list) | {FREE})
        remap = np.zeros(self.count, dtype=np.int64)
        remap[used] = np.arange(len(used), dtype=np.int64)
        keep = set(used)
        new_id = remap.tolist()
        self.ids = {k: new_id[v] for k, v in self.ids.items() if v in keep}
        self.cap = max(INITIAL_STATES, 1 << (len(used) * 2 - 1).bit_length())
        rows = np.zeros((self.cap, _ROW_WIDTH), dtype=np.int64)
        rows[: len(used)] = self.rows[used]
        T = np.full((self.T.shape[0], self.cap), -1, dtype=TOTAL)
        T[:, : len(used)] = self.T[:, used]
        self.rows, self.T = rows, T
        self.flags = [self.flags[i] for i in used]
        self.masks = [self.masks[i] for i in used]
        self.special = [i for i, f in enumerate(self.flags) if f is not None]
        self.count = len(used)
        self.sid_list = remap[self.sid_list].tolist()

    # -- slots ----------------------------------------------------------------------------------------------------
    def update(
        self, slots: Iterable[int], rows: list[list[int] | None], nodes: list[Any], check: bool
    ) -> None:
        """The changed ``slots``: their states, and the owners' verdicts where they change."""
        if self.count > self.limit:
            self._compact()
            # (a table whose nodes are in many states keeps room for as many again before the next time)
            self.limit = max(STATE_LIMIT, 2 * self.count)
        ids = self.ids
        sid_list = self.sid_list
        A = self.A
        T = self.T
        masks = self.masks
        for s in slots:
            row = rows[s]
            if row is None:
                new = FREE
            else:
                key: Hashable = _pack(*row)
                flags = None
                if check:
                    node = nodes[s]
                    if node.unschedulable or node.taints:
                        flags = (bool(node.unschedulable), tuple(node.taints))
                        key = (key, flags)
                found = ids.get(key)
                if found is None:
                    new = self._add_state(key, row, flags)
                    T = self.T  # (grown, maybe)
                else:
                    new = found
            old = sid_list[s]
            if new != old:
                sid_list[s] = new
                A[:, s] = T[:, new]
                if new == FREE or old == FREE or masks[new] != masks[old]:
                    self._flip(s, old, new)

    def _flip(self, s: int, old: int, new: int) -> None:
        masks = self.masks
        for c, owner, _, _ in self.columns:
            bit = 1 << c
            was = old != FREE and not masks[old] & bit
            now = new != FREE and not masks[new] & bit
            if was != now:
                owner.feas ^= 1 << s
            bad = owner.bad
            if new != FREE and not now:
                if s not in bad:
                    bad.add(s)
                    insort(owner.badlist, s)
            elif s in bad:
                bad.discard(s)
                badlist = owner.badlist
                del badlist[bisect_left(badlist, s)]

    def resync(self, rows: list[list[int] | None], nodes: list[Any], live: BoolArr, check: bool) -> None:
        """Every slot's state afresh (slots renumbered, the table grown, or changes not followed), and the
        attached owners' verdicts with them."""
        sid_list = [FREE] * len(rows)
        ids = self.ids
        for s, row in enumerate(rows):
            if row is None:
                continue
            key, flags = self._key(row, nodes[s], check)
            found = ids.get(key)
            sid_list[s] = self._add_state(key, row, flags) if found is None else found
        self.sid_list = sid_list
        self.A = self.T[:, np.array(sid_list, dtype=np.int64)]
        self.synced = True
        for c, owner, _, _ in self.columns:
            self._verdicts(c, owner, live)

    def _verdicts(self, c: int, owner: Any, live: BoolArr) -> None:
        ok = self.A[c] >= 0
        owner.feas = int.from_bytes(np.packbits(ok, bitorder="little").tobytes(), "little")
        owner.badlist = np.flatnonzero(live & ~ok).tolist()
        owner.bad = set(owner.badlist)

    # -- columns --------------------------------------------------------------------------------------------------
    def attach(
        self,
        owner: Any,
        params: Params,
        rejects: Rejects,
        rows: list[list[int] | None],
        nodes: list[Any],
        live: BoolArr,
        check: bool,
    ) -> int:
        """A column for ``owner`` (its totals for every state, its ``feas`` and ``bad``); -1 when none is free."""
        try:
            c = self.owners.index(None)
        except ValueError:
            c = len(self.owners)
            if c >= MAX_COLUMNS:
                return -1
            self.owners.append(None)
        if c >= self.T.shape[0]:
            T = np.full((min(MAX_COLUMNS, 2 * self.T.shape[0]), self.cap), -1, dtype=TOTAL)
            T[: self.T.shape[0]] = self.T
            self.T = T
            A = np.full((T.shape[0], self.A.shape[1]), -1, dtype=TOTAL)
            A[: self.A.shape[0]] = self.A
            self.A = A
        n = self.count
        col = default_column(self.rows[:n], params)
        for i in self.special:
            flags = self.flags[i]
            assert flags is not None
            if rejects(*flags):
                col[i] = -1
        col[FREE] = -1
        self.T[c, :n] = col
        bit = 1 << c
        neg = (col < 0).tolist()
        self.masks = [(m | bit) if r else (m & ~bit) for m, r in zip(self.masks, neg, strict=True)]
        self.owners[c] = owner
        self.columns.append((c, owner, params, rejects))
        if not self.synced or len(self.sid_list) != len(rows):
            self.resync(rows, nodes, live, check)  # every owner's verdicts, this one's included
        else:
            self.A[c] = self.T[c][np.array(self.sid_list, dtype=np.int64)]
            self._verdicts(c, owner, live)
        return c

    def detach(self, c: int) -> None:
        """Stop keeping column ``c`` (and, when no column is left, the slots' states)."""
        self.owners[c] = None
        self.columns = [a for a in self.columns if a[0] != c]
        bit = 1 << c
        self.masks = [m & ~bit for m in self.masks]
        self.masks[FREE] |= bit
        if not self.columns:
            self.synced = False

    def totals(self, c: int) -> I64:
        """Column ``c``'s total of every slot (a new array)."""
        out: I64 = self.A[c].astype(np.int64)
        return out
