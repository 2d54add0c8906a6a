"""NodeAffinity (PreFilter, Filter, PreScore, Score) as in nodeaffinity/node_affinity.go (1.35).

Filter: the plugin's ``addedAffinity`` required terms (``node(s) didn't match scheduler-enforced node affinity``),
then ``spec.nodeSelector`` and the required node affinity terms (``node(s) didn't match Pod's node
affinity/selector``), both UnschedulableAndUnresolvable. PreFilter skips pods with neither; required terms that all
pin ``metadata.name`` restrict the search to those nodes. Score: the sum of the weights of matching preferred terms
(pod's and added), normalised with ``DefaultNormalizeScore``; PreScore skips pods without preferred terms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from models.node import Node
from models.pod import (
    NodeAffinity as NodeAffinitySpec,
)
from models.pod import (
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Pod,
    PreferredSchedulingTerm,
)
from simulator.scheduler.cache import NodeInfo, NodeTable
from simulator.scheduler.framework import (
    SKIP,
    Code,
    ConfigError,
    CycleState,
    Handle,
    Plugin,
    Status,
    default_normalize,
    default_normalize_vector,
)
from simulator.scheduler.plugins._common import SlotCache, node_mask

__all__ = ["NodeAffinity", "parse_node_affinity"]

REASON_POD = "node(s) didn't match Pod's node affinity/selector"
REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
REASON_CONFLICT = "pod affinity terms conflict"
I64 = npt.NDArray[np.int64]
_OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"})


def _requirements(raw: Any, where: str) -> tuple[NodeSelectorRequirement, ...]:
    out = []
    for r in raw or ():
        if not isinstance(r, Mapping) or r.get("operator") not in _OPERATORS or "key" not in r:
            raise ConfigError(f"{where}: bad node selector requirement {r!r}")
        out.append(
            NodeSelectorRequirement(
                str(r["key"]), str(r["operator"]), tuple(str(v) for v in r.get("values", ()))
            )
        )
    return tuple(out)


def _term(raw: Any, where: str) -> NodeSelectorTerm:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: a node selector term must be a mapping")
    unknown = set(raw) - {"matchExpressions", "matchFields"}
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}")
    return NodeSelectorTerm(
        _requirements(raw.get("matchExpressions"), where), _requirements(raw.get("matchFields"), where)
    )


def parse_node_affinity(raw: Any) -> NodeAffinitySpec:
    """``NodeAffinityArgs.addedAffinity`` from its YAML form (or an already built model object)."""
    if isinstance(raw, NodeAffinitySpec):
        return raw
    where = "NodeAffinity addedAffinity"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping")
    unknown = set(raw) - {
        "requiredDuringSchedulingIgnoredDuringExecution",
        "preferredDuringSchedulingIgnoredDuringExecution",
    }
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}")
    required = None
    req = raw.get("requiredDuringSchedulingIgnoredDuringExecution")
    if req is not None:
        terms = req.get("nodeSelectorTerms", ()) if isinstance(req, Mapping) else None
        if terms is None:
            raise ConfigError(
                f"{where}: requiredDuringSchedulingIgnoredDuringExecution needs nodeSelectorTerms"
            )
        required = NodeSelector(tuple(_term(t, where) for t in terms))
    preferred = []
    for p in raw.get("preferredDuringSchedulingIgnoredDuringExecution") or ():
        if not isinstance(p, Mapping) or not isinstance(p.get("weight"), int) or not 0 < p["weight"] <= 100:
            raise ConfigError(f"{where}: preferred terms need a weight in [1, 100], got {p!r}")
        preferred.append(PreferredSchedulingTerm(p["weight"], _term(p.get("preference", {}), where)))
    return NodeAffinitySpec(required=required, preferred=tuple(preferred))


def _required(pod: Pod) -> NodeSelector | None:
    aff = pod.spec.affinity
    if aff is None or aff.node_affinity is None:
        return None
    return aff.node_affinity.required


def _preferred(pod: Pod) -> tuple[PreferredSchedulingTerm, ...]:
    aff = pod.spec.affinity
    if aff is None or aff.node_affinity is None:
        return ()
    return aff.node_affinity.preferred


def _score_terms(terms: Sequence[PreferredSchedulingTerm], node: Node) -> int:
    return sum(t.weight for t in terms if t.weight != 0 and t.preference.matches(node.labels, node.name))


class NodeAffinity(Plugin):
    name = "NodeAffinity"
    events = frozenset({"NodeAdd", "NodeLabel"})

    def __init__(self, args: Mapping[str, Any] | None = None, handle: Handle | None = None) -> None:
        super().__init__(args, handle)
        unknown = set(self.args) - {"addedAffinity"}
        if unknown:
            raise ConfigError(f"NodeAffinity args: unknown field(s) {sorted(unknown)}")
        added = parse_node_affinity(self.args["addedAffinity"]) if self.args.get("addedAffinity") else None
        self.added_required: NodeSelector | None = added.required if added is not None else None
        self.added_preferred: tuple[PreferredSchedulingTerm, ...] = (
            added.preferred if added is not None else ()
        )
        self._masks = SlotCache(node_only=True, limit=256)
        self._scores = SlotCache(node_only=True, limit=256)

    # -- filter ---------------------------------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: Pod) -> Status | None:
        required = _required(pod)
        if required is None and self.added_required is None and not pod.spec.node_selector:
            return SKIP
        if required is None or not required.terms:
            return None
        names: set[str] | None = None
        for term in required.terms:
            term_names: set[str] | None = None
            for r in term.match_fields:
                if r.key == "metadata.name" and r.operator == "In":
                    s = set(r.values)
                    term_names = s if term_names is None else term_names & s
            if term_names is None:
                return None  # this term does not pin node names: every node stays eligible
            names = term_names if names is None else names | term_names
        if names is not None and not names:
            return Status(Code.UnschedulableAndUnresolvable, REASON_CONFLICT)
        if names:
            state.restrict_nodes(names)
        return None

    def _match(self, pod: Pod, node: Node) -> str | None:
        if self.added_required is not None and not self.added_required.matches(node.labels, node.name):
            return REASON_ENFORCED
        labels = node.labels
        for key, value in pod.spec.node_selector.items():
            if labels.get(key) != value:
                return REASON_POD
        required = _required(pod)
        if required is not None and not required.matches(labels, node.name):
            return REASON_POD
        return None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        reason = self._match(pod, node_info.node)
        return Status() if reason is None else Status(Code.UnschedulableAndUnresolvable, reason)

    def filter_vector(self, state: CycleState, pod: Pod, table: NodeTable) -> npt.NDArray[np.bool_] | None:
        key = (tuple(sorted(pod.spec.node_selector.items())), _required(pod))

        def ok(node: Node | None) -> bool:
            return node is not None and self._match(pod, node) is None

        return self._masks.get(table, key, lambda t: node_mask(t, ok), lambda t, s: ok(t.nodes[s]))

    # -- score ----------------------------------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status | None:
        if not _preferred(pod) and not self.added_preferred:
            return SKIP
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        node = node_info.node
        return _score_terms(self.added_preferred, node) + _score_terms(_preferred(pod), node)

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[int]) -> None:
        default_normalize(scores, reverse=False)

    def score_vector(self, state: CycleState, pod: Pod, table: NodeTable, slots: Any) -> I64:
        terms = _preferred(pod)

        def one(t: NodeTable, s: int) -> int:
            node = t.nodes[s]
            return 0 if node is None else _score_terms(self.added_preferred, node) + _score_terms(terms, node)

        def full(t: NodeTable) -> I64:
            return np.fromiter((one(t, s) for s in range(t.capacity)), dtype=np.int64, count=t.capacity)

        out: I64 = self._scores.get(table, terms, full, one)[slots]
        return out

    def normalize_vector(self, state: CycleState, pod: Pod, scores: I64) -> I64:
        return default_normalize_vector(scores, reverse=False)
