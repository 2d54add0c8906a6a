"""InterPodAffinity (PreFilter, Filter, PreScore, Score, NormalizeScore) as in interpodaffinity/*.go (1.35).

A term matches a pod when the pod's namespace is in the term's namespaces (the term owner's namespace when neither
``namespaces`` nor ``namespaceSelector`` is set) or the ``namespaceSelector`` matches the labels of the pod's
Namespace (``{}`` matches every namespace), and the label selector (with ``matchLabelKeys``/``mismatchLabelKeys``
merged from the owner's labels) matches the pod's labels.

PreFilter counts, per (topologyKey, value): existing pods' required anti-affinity terms matching the incoming pod,
and existing pods matching all of the incoming pod's required affinity terms / each required anti-affinity term;
Skip when the first count is empty and the pod has no required terms. Filter, in order: every required affinity
term's key on the node with a matching pod in its domain (else UnschedulableAndUnresolvable ``node(s) didn't match
pod affinity rules``) -- unless no pod matches at all and the pod matches its own terms (the first pod of a group);
no pod matching a required anti-affinity term in the node's domain (Unschedulable ``node(s) didn't match pod
anti-affinity rules``); no existing pod's required anti-affinity term matching the pod in any domain of the node
(Unschedulable ``node(s) didn't satisfy existing pods anti-affinity rules``).

PreScore sums per (key, value): the pod's preferred affinity (+weight) / anti-affinity (-weight) terms matched by
existing pods, and existing pods' required affinity terms (+hardPodAffinityWeight), preferred affinity (+weight)
and preferred anti-affinity (-weight) terms matched by the pod; Skip when nothing was recorded. Score: the sum over
the node's labels. NormalizeScore: ``int(100 * (s - min) / (max - min))`` (0 for all when max == min).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from models.meta import LabelSelector
from models.node import Node
from models.pod import Pod, PodAffinity, PodAffinityTerm
from simulator.scheduler._util import MAX_NODE_SCORE
from simulator.scheduler.cache import NodeInfo, NodeTable, pod_has_affinity
from simulator.scheduler.framework import SKIP, Code, ConfigError, CycleState, Handle, Plugin, Status
from simulator.scheduler.plugins._common import node_mask
from simulator.scheduler.plugins._pods import merge_label_keys, namespace_labels

__all__ = ["InterPodAffinity", "Term", "existing_pod_terms", "preferred_terms", "required_terms"]

REASON_AFFINITY = "node(s) didn't match pod affinity rules"
REASON_ANTI = "node(s) didn't match pod anti-affinity rules"
REASON_EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules"
_PF = "PreFilterInterPodAffinity"
_PS = "PreScoreInterPodAffinity"
I64 = npt.NDArray[np.int64]
Pair = tuple[str, str]


class Term:
    """``fwk.AffinityTerm`` (with its weight for preferred terms)."""

    __slots__ = ("key", "namespaces", "ns_selector", "selector", "weight")

    def __init__(self, t: PodAffinityTerm, owner: Pod, weight: int = 0) -> None:
        self.key = t.topology_key
        self.selector: LabelSelector | None = merge_label_keys(
            t.label_selector, owner.labels, t.match_label_keys, t.mismatch_label_keys
        )
        ns = frozenset(t.namespaces)
        if not ns and t.namespace_selector is None:
            ns = frozenset((owner.namespace,))
        self.namespaces = ns
        self.ns_selector = t.namespace_selector
        self.weight = weight

    def matches(self, pod: Pod, ns_labels: Mapping[str, str]) -> bool:
        if pod.namespace in self.namespaces or (
            self.ns_selector is not None and self.ns_selector.matches(ns_labels)
        ):
            return self.selector is not None and self.selector.matches(pod.labels)
        return False


def _aff(pod: Pod) -> tuple[PodAffinity | None, PodAffinity | None]:
    a = pod.spec.affinity
    if a is None:
        return None, None
    return a.pod_affinity, a.pod_anti_affinity


def required_terms(pod: Pod, anti: bool) -> list[Term]:
    pa = _aff(pod)[1 if anti else 0]
    return [Term(t, pod) for t in pa.required] if pa is not None else []


def preferred_terms(pod: Pod, anti: bool) -> list[Term]:
    pa = _aff(pod)[1 if anti else 0]
    return [Term(w.term, pod, w.weight) for w in pa.preferred] if pa is not None else []


def existing_pod_terms(pod: Pod) -> list[tuple[str, int, Term]]:
    """The terms of an existing pod that PreScore matches against the incoming pod, as (kind, weight, term): its
    required affinity terms (``hard``: hardPodAffinityWeight), preferred affinity (``preferred``: +weight) and
    preferred anti-affinity terms (``anti``: -weight), in the order PreScore visits them."""
    out: list[tuple[str, int, Term]] = [("hard", 0, t) for t in required_terms(pod, False)]
    out += [("preferred", t.weight, t) for t in preferred_terms(pod, False)]
    out += [("anti", t.weight, t) for t in preferred_terms(pod, True)]
    return out


class _NsLabels:
    """Namespace labels looked up once per cycle."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.cache: dict[str, Mapping[str, str]] = {}

    def __call__(self, ns: str) -> Mapping[str, str]:
        got = self.cache.get(ns)
        if got is None:
            got = self.cache[ns] = namespace_labels(self.store, ns)
        return got


class _PreFilterState:
    __slots__ = ("affinity", "affinity_counts", "anti", "anti_counts", "existing", "self_match")

    def __init__(self) -> None:
        self.affinity: list[Term] = []
        self.anti: list[Term] = []
        self.existing: dict[Pair, int] = {}
        self.affinity_counts: dict[Pair, int] = {}
        self.anti_counts: dict[Pair, int] = {}
        self.self_match = False


class InterPodAffinity(Plugin):
    name = "InterPodAffinity"
    events = frozenset({"PodAdd", "PodDelete", "PodLabel", "NodeAdd", "NodeLabel"})

    def __init__(self, args: Mapping[str, Any] | None = None, handle: Handle | None = None) -> None:
        super().__init__(args, handle)
        unknown = set(self.args) - {"hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods"}
        if unknown:
            raise ConfigError(f"InterPodAffinity args: unknown field(s) {sorted(unknown)}")
        weight = self.args.get("hardPodAffinityWeight", 1)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
            raise ConfigError(f"InterPodAffinity hardPodAffinityWeight must be in [0, 100], got {weight!r}")
        self.hard_weight = weight
        ignore = self.args.get("ignorePreferredTermsOfExistingPods", False)
        if not isinstance(ignore, bool):
            raise ConfigError("InterPodAffinity ignorePreferredTermsOfExistingPods must be a boolean")
        self.ignore_existing_preferred = ignore

    def _nodes_with(
        self, table: NodeTable, by_node: Mapping[str, Mapping[str, Pod]]
    ) -> Iterable[tuple[Node, Iterable[Pod]]]:
        for name, pods in by_node.items():
            slot = table.slot_of.get(name)
            if slot is None:
                continue
            node = table.nodes[slot]
            assert node is not None
            yield node, pods.values()

    # -- filter ---------------------------------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: Pod) -> Status | None:
        table = self.handle.table
        ns_labels = _NsLabels(self.handle.store)
        s = _PreFilterState()
        s.affinity = required_terms(pod, False)
        s.anti = required_terms(pod, True)
        own_ns = ns_labels(pod.namespace)
        existing = s.existing
        for node, pods in self._nodes_with(table, table.affinity_pods):
            labels = node.labels
            for p in pods:
                for t in required_terms(p, True):
                    if t.matches(pod, own_ns):
                        v = labels.get(t.key)
                        if v is not None:
                            existing[(t.key, v)] = existing.get((t.key, v), 0) + 1
        if s.affinity or s.anti:
            for node, pods in self._nodes_with(table, table.pods_by_node):
                labels = node.labels
                for p in pods:
                    pl = ns_labels(p.namespace)
                    if s.affinity and all(t.matches(p, pl) for t in s.affinity):
                        for t in s.affinity:
                            v = labels.get(t.key)
                            if v is not None:
                                s.affinity_counts[(t.key, v)] = s.affinity_counts.get((t.key, v), 0) + 1
                    for t in s.anti:
                        if t.matches(p, pl):
                            v = labels.get(t.key)
                            if v is not None:
                                s.anti_counts[(t.key, v)] = s.anti_counts.get((t.key, v), 0) + 1
        if not existing and not s.affinity and not s.anti:
            return SKIP
        s.self_match = bool(s.affinity) and all(t.matches(pod, own_ns) for t in s.affinity)
        state.data[_PF] = s
        return None

    @staticmethod
    def _check(s: _PreFilterState, node: Node) -> str | None:
        labels = node.labels
        if s.affinity:
            exist = True
            for t in s.affinity:
                v = labels.get(t.key)
                if v is None:
                    return REASON_AFFINITY
                if s.affinity_counts.get((t.key, v), 0) <= 0:
                    exist = False
            if not exist and not (not s.affinity_counts and s.self_match):
                return REASON_AFFINITY
        if s.anti_counts:
            for t in s.anti:
                v = labels.get(t.key)
                if v is not None and s.anti_counts.get((t.key, v), 0) > 0:
                    return REASON_ANTI
        if s.existing:
            existing = s.existing
            for pair in labels.items():
                if existing.get(pair, 0) > 0:
                    return REASON_EXISTING
        return None

    def _state(self, state: CycleState, pod: Pod) -> _PreFilterState | None:
        if _PF not in state.data:
            self.pre_filter(state, pod)
        s: _PreFilterState | None = state.data.get(_PF)
        return s

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        s = self._state(state, pod)
        if s is None:
            return Status()
        reason = self._check(s, node_info.node)
        if reason is None:
            return Status()
        code = Code.UnschedulableAndUnresolvable if reason == REASON_AFFINITY else Code.Unschedulable
        return Status(code, reason)

    def filter_vector(self, state: CycleState, pod: Pod, table: NodeTable) -> npt.NDArray[np.bool_] | None:
        s = self._state(state, pod)
        if s is None:
            return None
        return node_mask(table, lambda node: self._check(s, node) is None)

    # -- score ----------------------------------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status | None:
        table = self.handle.table
        aff = preferred_terms(pod, False)
        anti = preferred_terms(pod, True)
        has_constraints = bool(aff or anti)
        if self.ignore_existing_preferred and not has_constraints:
            return SKIP
        ns_labels = _NsLabels(self.handle.store)
        own_ns = ns_labels(pod.namespace)
        scores: dict[str, dict[str, int]] = {}

        def add(key: str, value: str, delta: int) -> None:
            bucket = scores.setdefault(key, {})
            bucket[value] = bucket.get(value, 0) + delta

        source = table.pods_by_node if has_constraints else table.affinity_pods
        for node, pods in self._nodes_with(table, source):
            labels = node.labels
            if not labels:
                continue
            for p in pods:
                if has_constraints:
                    pl = ns_labels(p.namespace)
                    for t in aff:
                        if t.key in labels and t.matches(p, pl):
                            add(t.key, labels[t.key], t.weight)
                    for t in anti:
                        if t.key in labels and t.matches(p, pl):
                            add(t.key, labels[t.key], -t.weight)
                if p.spec.affinity is None or not pod_has_affinity(p):
                    continue
                if self.hard_weight > 0:
                    for t in required_terms(p, False):
                        if t.key in labels and t.matches(pod, own_ns):
                            add(t.key, labels[t.key], self.hard_weight)
                for t in preferred_terms(p, False):
                    if t.key in labels and t.matches(pod, own_ns):
                        add(t.key, labels[t.key], t.weight)
                for t in preferred_terms(p, True):
                    if t.key in labels and t.matches(pod, own_ns):
                        add(t.key, labels[t.key], -t.weight)
        if not scores:
            return SKIP
        state.data[_PS] = scores
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        scores: dict[str, dict[str, int]] = state.data[_PS]
        labels = node_info.node.labels
        total = 0
        for key, values in scores.items():
            v = labels.get(key)
            if v is not None:
                total += values.get(v, 0)
        return total

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[int]) -> None:
        if not state.data.get(_PS) or not scores:
            return
        lo, hi = min(scores), max(scores)
        diff = hi - lo
        for i, s in enumerate(scores):
            scores[i] = int(float(MAX_NODE_SCORE) * (float(s - lo) / float(diff))) if diff > 0 else 0

    def score_vector(self, state: CycleState, pod: Pod, table: NodeTable, slots: Any) -> I64:
        idx = np.arange(table.capacity, dtype=np.int64)[slots]
        out = np.zeros(len(idx), dtype=np.int64)
        for i, slot in enumerate(idx.tolist()):
            node = table.nodes[slot]
            assert node is not None
            out[i] = self.score(state, pod, NodeInfo(table, slot, node))
        return out

    def normalize_vector(self, state: CycleState, pod: Pod, scores: I64) -> I64:
        vals = scores.tolist()
        self.normalize_score(state, pod, vals)
        return np.asarray(vals, dtype=np.int64)
