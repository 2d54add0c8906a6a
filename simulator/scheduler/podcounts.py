"""Pod counts per node and per topology domain, kept up to date as the node table counts and uncounts pods.

PodTopologySpread and InterPodAffinity decide by how many pods of some kind run in each topology domain: pods
matching a spread constraint's selector (same namespace, not terminating), pods matching a pod's preferred
(anti-)affinity term, and existing pods carrying a term that matches the pod being scheduled. The plugins count
them afresh in every cycle by walking every pod (``pod_topology_spread.py``, ``inter_pod_affinity.py``), which is
the reference. The composite's topology path (``composite.py``) asks this index instead, which keeps

* a ``Counter`` per (namespaces, label selector, whether terminating pods count): matching pods by node name and
  by slot (a numpy array), updated when the table counts or uncounts a pod (pods are dispatched to counters by
  one of their labels, so a pod is checked only against counters that can match it);
* a ``TermGroup`` per distinct (anti-)affinity term of existing pods: how many pods carry it, per node;
* a ``DomainIndex`` per (topology key, required keys): each slot's domain (the node's value of the key, -1 when
  the node lacks any required key), rebuilt when a node spec changes;
* domain sums of a counter over a domain index, brought up to date from the counter's log of changes;
* a ``Mix`` per set of weighted counters whose domains are single nodes (hostname): their weighted sum per slot,
  which the counters update as they change (InterPodAffinity's raw score of those terms, in one array).

It is switched on by the first pod that needs it (``activate`` walks the counted pods once) and keeps a record of
every counted pod (node, labels, terminating, the counters and groups it was counted in), so that a pod is
uncounted exactly as it was counted, and a label change or a deletion timestamp on a bound pod (``check_pod``,
called by the scheduler's pod watch) recounts it. Counters of a one-label selector are not listed in the records:
the record's labels find them again (the label decides alone), and a new one is filled from the per-node counts
of each label (so that building the counter of a selector costs a copy, not a walk over its pods).
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from models.meta import LabelSelector
from models.pod import Pod, PodSpec

if TYPE_CHECKING:
    from simulator.scheduler.cache import NodeTable

__all__ = ["Counter", "DomainIndex", "Mix", "PodCounts", "TermGroup", "selector_key"]

I64 = npt.NDArray[np.int64]
#: a counter's change log is cleared (its domain sums recomputed) beyond this many entries
LOG_LIMIT = 1 << 14
#: more counters than this: forget them all (they are rebuilt on demand)
COUNTER_LIMIT = 512
#: term groups: hard (required affinity, hardPodAffinityWeight), preferred affinity (+w), preferred anti (-w)
HARD, PREFERRED, ANTI = "hard", "preferred", "anti"


def selector_key(selector: LabelSelector | None) -> Hashable:
    """A hashable identity for a label selector (None, which matches nothing, is its own key)."""
    if selector is None:
        return None
    return (tuple(sorted(selector.match_labels.items())), selector.match_expressions)


class Counter:
    """Counted pods in ``namespaces`` whose labels match ``selector`` (not terminating ones if ``live_only``), per
    node name (``by_node``) and per slot (``counts``, and ``array()`` as numpy). ``log`` lists the changes since
    ``epoch`` began, a pod more on ``slot`` as ``slot`` and a pod less as ``~slot`` (domain sums and the numpy
    array catch up from it)."""

    __slots__ = (
        "_arr", "_synced", "aggs", "by_node", "counts", "epoch", "live_only", "log", "mixes", "namespaces",
        "selector", "single",
    )  # fmt: skip

    def __init__(
        self, selector: LabelSelector | None, namespaces: frozenset[str], live_only: bool, capacity: int
    ) -> None:
        self.selector = selector
        self.namespaces = namespaces
        self.live_only = live_only
        #: the selector is one label (then every pod dispatched to the counter by that label matches)
        self.single = (
            selector is not None and len(selector.match_labels) == 1 and not selector.match_expressions
        )
        self.by_node: dict[str, int] = {}
        self.counts: list[int] = [0] * capacity
        self._arr: I64 = np.zeros(capacity, dtype=np.int64)
        self._synced = 0  # the numpy array includes the log's changes up to here
        self.log: list[int] = []
        self.epoch = 0
        #: domain sums by domain index identity: [sums, the index, counter epoch, log position]
        self.aggs: dict[int, list[Any]] = {}
        #: the Mixes this counter is part of, with its coefficient in each
        self.mixes: list[tuple[Mix, int]] = []

    def matches(self, pod: Pod, terminating: bool) -> bool:
        sel = self.selector
        return (
            sel is not None
            and pod.namespace in self.namespaces
            and not (terminating and self.live_only)
            and sel.matches(pod.labels)
        )

    def bump(self, node: str, slot: int | None, delta: int) -> None:
        by_node = self.by_node
        c = by_node.get(node, 0) + delta
        if c:
            by_node[node] = c
        else:
            del by_node[node]
        if slot is not None:
            # Why a list and a log rather than the numpy array: a numpy scalar update costs as much as a small
            # vector operation, so the array catches up in one step when it is read (``array``)
            self.counts[slot] += delta
            if self.mixes:
                for mix, coef in self.mixes:
                    if not mix.full:
                        mix.counts[slot] += coef * delta
                        mix.pending.add(slot)
            log = self.log
            log.append(slot if delta > 0 else ~slot)  # (an int, not a tuple: no allocation per change)
            if len(log) > LOG_LIMIT:
                self.reset_log()

    def array(self) -> I64:
        """The counts by slot as a numpy array (read-only)."""
        log = self.log
        if self._synced != len(log):
            counts = self.counts
            arr = self._arr
            if len(log) - self._synced <= 16:  # a few scalar stores cost less than one gather-and-scatter
                for e in log[self._synced :]:
                    slot = e if e >= 0 else ~e
                    arr[slot] = counts[slot]
            else:
                slots = {e if e >= 0 else ~e for e in log[self._synced :]}
                arr[list(slots)] = [counts[slot] for slot in slots]
            self._synced = len(log)
        return self._arr

    def reset_log(self) -> None:
        self.array()
        self.log = []
        self._synced = 0
        self.epoch += 1

    def set_slot(self, slot: int, value: int) -> None:
        """A slot's count set outright (a node took or left the slot)."""
        self.array()
        self.counts[slot] = value
        self._arr[slot] = value
        self.reset_log()
        for mix, _ in self.mixes:
            mix.full = True

    def rebuild(self, slot_of: Mapping[str, int], capacity: int) -> None:
        """The per-slot counts afresh (after slots were renumbered or the table grew)."""
        counts = [0] * capacity
        for node, c in self.by_node.items():
            slot = slot_of.get(node)
            if slot is not None:
                counts[slot] = c
        self.counts = counts
        self._arr = np.array(counts, dtype=np.int64)
        self.log = []
        self._synced = 0
        self.epoch += 1
        for mix, _ in self.mixes:
            mix.full = True


class TermGroup:
    """Existing pods carrying one (anti-)affinity term (``kind`` HARD, PREFERRED or ANTI, with its weight): how many
    per node, in ``counter`` (its selector is unused: pods are counted by carrying the term, not by labels)."""

    __slots__ = ("counter", "kind", "term", "weight")

    def __init__(self, term: Any, kind: str, weight: int, capacity: int) -> None:
        self.term = term  # inter_pod_affinity.Term
        self.kind = kind
        self.weight = weight
        self.counter = Counter(None, frozenset(), False, capacity)


class Mix:
    """Weighted counters summed per slot (``sum(coef * counter)``), the counters pushing their changes as they
    happen (``Counter.bump``): the score of every pod (anti-)affinity term whose topology domains are single
    nodes, in one array. ``close`` unsubscribes it."""

    __slots__ = ("_arr", "counts", "full", "parts", "pending")

    def __init__(self, parts: tuple[tuple[int, Counter], ...]) -> None:
        self.parts = parts
        self.counts: list[int] = []
        self._arr: I64 = np.zeros(0, dtype=np.int64)
        self.pending: set[int] = set()
        self.full = True  # recompute from the counters' arrays at the next read
        for coef, c in parts:
            c.mixes.append((self, coef))

    def close(self) -> None:
        for _, c in self.parts:
            c.mixes = [(m, coef) for m, coef in c.mixes if m is not self]

    def array(self) -> I64:
        if self.full:
            parts = self.parts
            total = parts[0][1].array() * parts[0][0]
            for coef, c in parts[1:]:
                total = total + c.array() * coef
            self._arr = total
            self.counts = total.tolist()
            self.pending.clear()
            self.full = False
        elif self.pending:
            counts = self.counts
            pending = self.pending
            arr = self._arr
            if len(pending) <= 16:  # a few scalar stores cost less than one gather-and-scatter
                for slot in pending:
                    arr[slot] = counts[slot]
            else:
                arr[list(pending)] = [counts[slot] for slot in pending]
            pending.clear()
        return self._arr


class DomainIndex:
    """Each slot's domain for ``key``: an id (``dom``, -1 for free slots and nodes lacking any of ``keys``), the
    number of domains, and whether every domain is one node (then a domain sum is the node's own count)."""

    __slots__ = (
        "_prefix", "_unions", "bits", "complete", "dom", "dom1", "dom_list", "ndom", "unique", "valid", "valid_dom",
        "version",
    )  # fmt: skip

    def __init__(
        self, table: NodeTable, key: str, keys: tuple[str, ...], version: tuple[int, int, int]
    ) -> None:
        ids: dict[str, int] = {}
        sizes: list[int] = []
        dom = [-1] * table.capacity
        for slot, node in enumerate(table.nodes):
            if node is None:
                continue
            labels = node.labels
            if not all(k in labels for k in keys):
                continue
            v = labels[key]
            d = ids.get(v)
            if d is None:
                d = ids[v] = len(ids)
                sizes.append(0)
            sizes[d] += 1
            dom[slot] = d
        self.dom_list = dom
        self.dom: I64 = np.array(dom, dtype=np.int64)
        self.dom1: I64 = self.dom + 1  # 0 for no domain: an index into a table with a slot for "none" first
        self.ndom = len(ids)
        self.unique = all(s == 1 for s in sizes)
        #: every live node has a domain
        self.complete = sum(sizes) == len(table.slot_of)
        self.valid: I64 = np.flatnonzero(self.dom >= 0)
        self.valid_dom: I64 = self.dom[self.valid]
        self.version = version
        self.bits: list[int] | None = None
        self._prefix: list[list[int]] | None = None
        self._unions: dict[int, int] = {}

    def prefix(self) -> list[list[int]]:
        """Per domain, how many of the slots before each slot are in it (``p[d][j]`` for slots ``[0, j)``)."""
        if self._prefix is None:
            out = []
            for d in range(self.ndom):
                run = [0]
                run.extend(np.cumsum(self.dom == d).tolist())
                out.append(run)
            self._prefix = out
        return self._prefix

    def union_bits(self, domains: int) -> int:
        """The slots of the domains whose bits are set in ``domains`` (ids below 64), as a bit set (kept)."""
        bits = self._unions.get(domains)
        if bits is None:
            bits = 0
            for d, b in enumerate(self.domain_bits()):
                if domains >> d & 1:
                    bits |= b
            self._unions[domains] = bits
        return bits

    def domain_bits(self) -> list[int]:
        """Per domain, its slots as a bit set (an int)."""
        if self.bits is None:
            out = []
            for d in range(self.ndom):
                packed = np.packbits(self.dom == d, bitorder="little")
                out.append(int.from_bytes(packed.tobytes(), "little"))
            self.bits = out
        return self.bits


class _PodRecord:
    __slots__ = ("counters", "groups", "labels", "namespace", "node", "spec", "terminating")

    def __init__(
        self, node: str, namespace: str, labels: dict[str, str], terminating: bool, spec: PodSpec
    ) -> None:
        self.node = node
        self.namespace = namespace
        self.labels = labels
        self.terminating = terminating
        self.spec = spec
        self.counters: list[Counter] = []
        self.groups: list[Counter] = []


_NONE: frozenset[str] = frozenset()
_NO_PODS: dict[str, Pod] = {}
_NO_NODES: dict[str, int] = {}


def _label_keyed(spec: PodSpec) -> bool:
    """Whether a pod (anti-)affinity term of ``spec`` has matchLabelKeys or mismatchLabelKeys."""
    aff = spec.affinity
    if aff is None:
        return False
    for pa in (aff.pod_affinity, aff.pod_anti_affinity):
        if pa is None:
            continue
        for t in (*pa.required, *(w.term for w in pa.preferred)):
            if t.match_label_keys or t.mismatch_label_keys:
                return True
    return False


TermsOf = Callable[[Pod], list[tuple[str, int, Any]]]


class PodCounts:
    """The counters, term groups and domain indexes of one node table (see the module docstring).

    Args:
        table: the node table whose counted pods are counted here.
    """

    def __init__(self, table: NodeTable, generation: int = 0) -> None:
        self.table = table
        #: bumped by ``reset``: counters handed out before belong to an older generation
        self.generation = generation
        self.active = False
        self.counters: dict[Hashable, Counter] = {}
        self._dispatch: dict[tuple[str, str, str], list[Counter]] = {}
        self._unindexed: dict[str, list[Counter]] = {}  # by namespace: counters without matchLabels
        self.groups: dict[Hashable, TermGroup] = {}
        #: bumped whenever a term group is created (cached lists of groups matching a pod are then stale)
        self.groups_version = 0
        self._records: dict[str, _PodRecord] = {}
        #: counted pods by (namespace, label, value): where a new counter of a selector of several labels or of
        #: expressions finds the pods it counts (made when the first such counter comes: until then, None)
        self._by_label: dict[tuple[str, str, str], set[str]] | None = None
        #: how many counted pods per node carry each (namespace, label, value), not terminating and terminating:
        #: a new counter of a one-label selector is filled from these (without a walk over the pods)
        self._label_nodes: dict[tuple[str, str, str], dict[str, int]] = {}
        self._label_terminating: dict[tuple[str, str, str], dict[str, int]] = {}
        self._indexes: dict[tuple[str, tuple[str, ...]], DomainIndex] = {}
        self._terms_of: TermsOf | None = None
        self._mixes: dict[tuple[tuple[int, int], ...], Mix] = {}
        self._label_keyed: dict[int, tuple[PodSpec, bool]] = {}
        self._term_cache: dict[Hashable, tuple[PodSpec, list[Counter]]] = {}

    # -- switching on and off -------------------------------------------------------------------------------------
    def activate(self, terms_of: TermsOf | None = None) -> None:
        """Start counting: a record for every counted pod (and its affinity terms). ``terms_of(pod)`` gives a pod's
        (kind, weight, Term) for the term groups (default: InterPodAffinity's ``existing_pod_terms``)."""
        if self.active:
            return
        if terms_of is None:
            # imported here: the plugin module imports the node table, which imports this module
            from simulator.scheduler.plugins.inter_pod_affinity import existing_pod_terms

            terms_of = existing_pod_terms
        self.active = True
        self._terms_of = terms_of
        table = self.table
        slot_of = table.slot_of
        for node, pods in table.pods_by_node.items():
            slot = slot_of.get(node)
            for uid, pod in pods.items():
                self._add(pod, uid, node, slot)

    def reset(self) -> None:
        """Forget everything (switched on again by the next pod that needs it)."""
        self.__init__(self.table, self.generation + 1)  # type: ignore[misc]

    # -- lookups --------------------------------------------------------------------------------------------------
    def counter(self, selector: LabelSelector | None, namespaces: frozenset[str], live_only: bool) -> Counter:
        """The counter of pods in ``namespaces`` matching ``selector`` (created and filled on first use)."""
        key = (selector_key(selector), namespaces, live_only)
        c = self.counters.get(key)
        if c is not None:
            return c
        if len(self.counters) >= COUNTER_LIMIT:
            terms_of = self._terms_of
            self.reset()
            assert terms_of is not None
            self.activate(terms_of)
        table = self.table
        c = self.counters[key] = Counter(selector, namespaces, live_only, table.capacity)
        if selector is not None:
            if selector.match_labels:
                lk, lv = min(selector.match_labels.items())
                for ns in namespaces:
                    self._dispatch.setdefault((ns, lk, lv), []).append(c)
            else:
                for ns in namespaces:
                    self._unindexed.setdefault(ns, []).append(c)
            if c.single:
                # the pods with its one label, per node (pods are uncounted from it through the dispatch by label,
                # so their records do not list it)
                by_node: collections.Counter[str] = collections.Counter()
                for ns in namespaces:
                    by_node.update(self._label_nodes.get((ns, lk, lv), _NO_NODES))
                    if not live_only:
                        by_node.update(self._label_terminating.get((ns, lk, lv), _NO_NODES))
                c.by_node = dict(by_node)
            else:
                records = self._records
                by_label = self._label_index()
                nodes: list[str] = []
                for ns in namespaces:
                    uids: Collection[str] = table.ns_pods.get(ns, _NO_PODS).keys()
                    for lk, lv in selector.match_labels.items():
                        bucket = by_label.get((ns, lk, lv), _NONE)
                        if len(bucket) < len(uids):
                            uids = bucket
                    for uid in uids:
                        rec = records[uid]
                        if (live_only and rec.terminating) or not selector.matches(rec.labels):
                            continue
                        nodes.append(rec.node)
                        rec.counters.append(c)
                c.by_node = dict(collections.Counter(nodes))
            c.rebuild(table.slot_of, table.capacity)
        return c

    def domains(self, key: str, keys: tuple[str, ...]) -> DomainIndex:
        """The domain index of ``key`` over nodes that have every key in ``keys`` (rebuilt after node changes)."""
        table = self.table
        log = table.node_log
        version = (log.epoch, log.base + len(log.entries), table.capacity)
        index = self._indexes.get((key, keys))
        if index is None or index.version != version:
            index = self._indexes[(key, keys)] = DomainIndex(table, key, keys, version)
        return index

    def sums(self, counter: Counter, index: DomainIndex) -> I64:
        """``counter``'s pods summed per domain of ``index`` (nodes outside the index do not count)."""
        agg = counter.aggs.get(id(index))
        if agg is None or agg[1] is not index or agg[2] != counter.epoch:
            weights = counter.array()[index.valid]
            sums = np.bincount(index.valid_dom, weights=weights, minlength=index.ndom).astype(np.int64)
            counter.aggs[id(index)] = [sums, index, counter.epoch, len(counter.log)]
            if len(counter.aggs) > 16:
                del counter.aggs[next(iter(counter.aggs))]
            return sums
        sums = agg[0]
        log = counter.log
        pos = agg[3]
        if pos != len(log):
            dom = index.dom_list
            for e in log[pos:]:
                if e >= 0:
                    d = dom[e]
                    if d >= 0:
                        sums[d] += 1
                else:
                    d = dom[~e]
                    if d >= 0:
                        sums[d] -= 1
            agg[3] = len(log)
        result: I64 = sums
        return result

    def mix(self, parts: tuple[tuple[int, Counter], ...]) -> Mix:
        """The weighted sum of ``parts`` (coefficient, counter) per slot, kept up to date (created on first use)."""
        key = tuple((coef, id(c)) for coef, c in parts)
        m = self._mixes.get(key)
        if m is None or any(a is not b for (_, a), (_, b) in zip(m.parts, parts, strict=True)):
            if len(self._mixes) >= COUNTER_LIMIT:
                for old in self._mixes.values():
                    old.close()
                self._mixes.clear()
            m = self._mixes[key] = Mix(parts)
        return m

    def _label_index(self) -> dict[tuple[str, str, str], set[str]]:
        """``_by_label``, made from the records at the first call."""
        if self._by_label is None:
            index: dict[tuple[str, str, str], set[str]] = {}
            for uid, rec in self._records.items():
                ns = rec.namespace
                for lk, lv in rec.labels.items():
                    index.setdefault((ns, lk, lv), set()).add(uid)
            self._by_label = index
        return self._by_label

    # -- the table's hooks ----------------------------------------------------------------------------------------
    def _add(self, pod: Pod, uid: str, node: str, slot: int | None) -> None:
        terminating = pod.deletion_timestamp is not None
        labels = pod.labels
        ns = pod.namespace
        rec = _PodRecord(node, ns, dict(labels), terminating, pod.spec)
        self._records[uid] = rec
        by_label = self._by_label
        label_nodes = self._label_terminating if terminating else self._label_nodes
        dispatch = self._dispatch
        for lk, lv in labels.items():
            key = (ns, lk, lv)
            if by_label is not None:
                uids = by_label.get(key)
                if uids is None:
                    by_label[key] = {uid}
                else:
                    uids.add(uid)
            per_node = label_nodes.get(key)
            if per_node is None:
                label_nodes[key] = {node: 1}
            else:
                per_node[node] = per_node.get(node, 0) + 1
            found = dispatch.get(key)
            if found:
                # counters dispatched by this label: a one-label selector matches (the namespace is in the key),
                # and is found again the same way when the pod is uncounted
                for c in found:
                    if terminating and c.live_only:
                        continue
                    if c.single:
                        c.bump(node, slot, 1)
                    elif c.matches(pod, terminating):
                        c.bump(node, slot, 1)
                        rec.counters.append(c)
        unindexed = self._unindexed.get(ns)
        if unindexed:
            for c in unindexed:
                if c.matches(pod, terminating):
                    c.bump(node, slot, 1)
                    rec.counters.append(c)
        aff = pod.spec.affinity
        if aff is not None and (aff.pod_affinity is not None or aff.pod_anti_affinity is not None):
            for counter in self._group_counters(pod):
                counter.bump(node, slot, 1)
                rec.groups.append(counter)

    def _group_counters(self, pod: Pod) -> list[Counter]:
        """The counters of the term groups of ``pod``'s terms (groups created as needed); cached per spec,
        namespace and labels (groups are never dropped but all at once, with the cache, by ``reset``)."""
        spec = pod.spec
        # a term takes the pod's labels only through matchLabelKeys/mismatchLabelKeys
        keyed = self._label_keyed.get(id(spec))
        if keyed is None or keyed[0] is not spec:
            if len(self._label_keyed) >= 4096:
                self._label_keyed.clear()
            keyed = self._label_keyed[id(spec)] = (spec, _label_keyed(spec))
        cache_key: Hashable = (
            (id(spec), pod.namespace, frozenset(pod.labels.items()))
            if keyed[1]
            else (id(spec), pod.namespace)
        )
        hit = self._term_cache.get(cache_key)
        if hit is None or hit[0] is not spec:
            assert self._terms_of is not None
            groups = self.groups
            counters: list[Counter] = []
            for kind, weight, term in self._terms_of(pod):
                key: Hashable = (kind, weight, term.key, selector_key(term.selector), term.namespaces,
                                 selector_key(term.ns_selector))  # fmt: skip
                group = groups.get(key)
                if group is None:
                    group = groups[key] = TermGroup(term, kind, weight, self.table.capacity)
                    self.groups_version += 1
                counters.append(group.counter)
            if len(self._term_cache) >= 4096:
                self._term_cache.clear()
            # the cache holds the spec itself, so an id is never reused while its entry lives
            hit = self._term_cache[cache_key] = (spec, counters)
        return hit[1]

    def pod_added(self, pod: Pod, uid: str, node: str, slot: int | None) -> None:
        """The table counted ``pod`` on ``node`` (slot None: no such node yet)."""
        self._add(pod, uid, node, slot)

    def pod_removed(self, uid: str, slot: int | None) -> None:
        """The table stopped counting the pod ``uid``."""
        rec = self._records.pop(uid, None)
        if rec is None:
            return
        by_label = self._by_label
        terminating = rec.terminating
        label_nodes = self._label_terminating if terminating else self._label_nodes
        dispatch = self._dispatch
        ns = rec.namespace
        node = rec.node
        for lk, lv in rec.labels.items():
            key = (ns, lk, lv)
            if by_label is not None:
                uids = by_label.get(key)
                if uids is not None:
                    uids.discard(uid)
                    if not uids:
                        del by_label[key]
            per_node = label_nodes.get(key)
            if per_node is not None:
                left = per_node.get(node, 0) - 1
                if left > 0:
                    per_node[node] = left
                else:
                    per_node.pop(node, None)
                    if not per_node:
                        del label_nodes[key]
            found = dispatch.get(key)
            if found:
                for c in found:
                    if c.single and not (terminating and c.live_only):
                        c.bump(node, slot, -1)
        for c in rec.counters:
            c.bump(node, slot, -1)
        for c in rec.groups:
            c.bump(node, slot, -1)

    def check_pod(self, uid: str, pod: Pod) -> None:
        """A counted pod was updated: recount it if its labels, spec or terminating state changed."""
        rec = self._records.get(uid)
        if rec is None:
            return
        if (
            pod.labels != rec.labels
            or (pod.deletion_timestamp is not None) != rec.terminating
            or pod.spec is not rec.spec
        ):
            slot = self.table.slot_of.get(rec.node)
            self.pod_removed(uid, slot)
            self._add(pod, uid, rec.node, slot)

    def layout_changed(self) -> None:
        """Slots were renumbered or the table grew: every per-slot array afresh."""
        table = self.table
        for c in self.iter_counters():
            c.rebuild(table.slot_of, table.capacity)

    def node_added(self, slot: int, name: str) -> None:
        """A node took ``slot``: pods already counted on its name now count there."""
        for c in self.iter_counters():
            c.set_slot(slot, c.by_node.get(name, 0))

    def node_removed(self, slot: int) -> None:
        """The node of ``slot`` is gone (its pods stay counted on its name)."""
        for c in self.iter_counters():
            c.set_slot(slot, 0)

    def iter_counters(self) -> Iterable[Counter]:
        """Every counter, the term groups' included."""
        yield from self.counters.values()
        for g in self.groups.values():
            yield g.counter
