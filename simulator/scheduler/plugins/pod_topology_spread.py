"""PodTopologySpread (PreFilter, Filter, PreScore, Score, NormalizeScore) as in podtopologyspread/*.go (1.35).

Constraints: the pod's own ``topologySpreadConstraints`` with the wanted ``whenUnsatisfiable`` (DoNotSchedule for
Filter, ScheduleAnyway for Score), ``matchLabelKeys`` merged into the selector; a pod without any gets the
plugin's default constraints (``defaultingType: System``: hostname maxSkew 3 and zone maxSkew 5, ScheduleAnyway;
``List``: the ``defaultConstraints`` arg) with a selector built from the Services selecting the pod and its
controlling ReplicationController / ReplicaSet / StatefulSet (``helper.DefaultSelector``); an empty selector means
no constraints. PreFilter/PreScore return Skip when there are no constraints.

Filter: per constraint, the node must have the topology key (else UnschedulableAndUnresolvable
``... (missing required label)``) and ``matching pods in the node's domain + self-match - global minimum <=
maxSkew`` (else Unschedulable). Domains and counts come from every node that has all keys and passes the
node inclusion policies (nodeAffinityPolicy Honor: the pod's nodeSelector/required node affinity; nodeTaintsPolicy
Honor: no untolerated NoSchedule/NoExecute taint); the global minimum is 0 while there are fewer domains than
``minDomains``. Counted pods: same namespace, not terminating, matching the selector.

Score: ``round(sum(count * log(domains + 2) + maxSkew - 1))`` over the constraints whose key the node has
(hostname counts the node's own pods); nodes lacking a key are ignored (score 0) unless the constraints are
the system defaults. NormalizeScore: ``100 * (max + min - s) / max`` (100 for all when max is 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from models.meta import LabelSelector
from models.node import Node
from models.pod import Pod, TopologySpreadConstraint
from simulator.scheduler._util import MAX_NODE_SCORE, go_round
from simulator.scheduler.cache import NodeInfo, NodeTable
from simulator.scheduler.framework import SKIP, Code, ConfigError, CycleState, Handle, Plugin, Status
from simulator.scheduler.plugins._common import node_mask
from simulator.scheduler.plugins._pods import (
    list_objects,
    merge_label_keys,
    required_node_affinity_matches,
    selector_requirements,
)
from simulator.scheduler.plugins.taint_toleration import untolerated_hard_taint

__all__ = ["PodTopologySpread"]

REASON = "node(s) didn't match pod topology spread constraints"
REASON_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
DO_NOT_SCHEDULE = "DoNotSchedule"
SCHEDULE_ANYWAY = "ScheduleAnyway"
SYSTEM_DEFAULT = (
    TopologySpreadConstraint(3, HOSTNAME, SCHEDULE_ANYWAY),
    TopologySpreadConstraint(5, ZONE, SCHEDULE_ANYWAY),
)
_MAX_INT32 = 2**31 - 1
_PF = "PreFilterPodTopologySpread"
_PS = "PreScorePodTopologySpread"
I64 = npt.NDArray[np.int64]


class Constraint:
    """``topologySpreadConstraint``: the parsed form."""

    __slots__ = ("affinity_policy", "key", "max_skew", "min_domains", "selector", "taints_policy")

    def __init__(self, c: TopologySpreadConstraint, selector: LabelSelector | None) -> None:
        self.max_skew = c.max_skew
        self.key = c.topology_key
        self.selector = selector
        self.min_domains = c.min_domains if c.min_domains is not None else 1
        self.affinity_policy = c.node_affinity_policy or "Honor"
        self.taints_policy = c.node_taints_policy or "Ignore"

    def includes_every_node(self, pod: Pod) -> bool:
        """Whether ``includes(pod, node)`` holds for every node: no node affinity or nodeSelector to honour, and
        taints ignored (the default policies for a pod without them), so the per-node check can be skipped."""
        if self.taints_policy == "Honor":
            return False
        if self.affinity_policy != "Honor":
            return True
        spec = pod.spec
        aff = spec.affinity
        return not spec.node_selector and (
            aff is None or aff.node_affinity is None or aff.node_affinity.required is None
        )

    def includes(self, pod: Pod, node: Node) -> bool:
        """``matchNodeInclusionPolicies``."""
        if self.affinity_policy == "Honor" and not required_node_affinity_matches(pod, node):
            return False
        return not (
            self.taints_policy == "Honor"
            and node.taints
            and untolerated_hard_taint(node.taints, pod.spec.tolerations) is not None
        )


def _parse_defaults(raw: Any) -> tuple[TopologySpreadConstraint, ...]:
    out = []
    for c in raw or ():
        if isinstance(c, TopologySpreadConstraint):
            out.append(c)
            continue
        if not isinstance(c, Mapping):
            raise ConfigError(f"PodTopologySpread defaultConstraints: bad constraint {c!r}")
        if c.get("labelSelector") is not None:
            raise ConfigError("PodTopologySpread defaultConstraints: labelSelector must not be set")
        skew, key, when = c.get("maxSkew"), c.get("topologyKey"), c.get("whenUnsatisfiable")
        if (
            not isinstance(skew, int)
            or skew <= 0
            or not key
            or when not in (DO_NOT_SCHEDULE, SCHEDULE_ANYWAY)
        ):
            raise ConfigError(f"PodTopologySpread defaultConstraints: bad constraint {dict(c)!r}")
        out.append(TopologySpreadConstraint(skew, str(key), str(when)))
    keys = [(c.topology_key, c.when_unsatisfiable) for c in out]
    if len(set(keys)) != len(keys):
        raise ConfigError("PodTopologySpread defaultConstraints: duplicate topologyKey/whenUnsatisfiable")
    return tuple(out)


class _PreFilterState:
    __slots__ = ("constraints", "counts", "minimum", "self_match")

    def __init__(self, constraints: list[Constraint], counts: list[dict[str, int]], pod: Pod) -> None:
        self.constraints = constraints
        self.counts = counts
        self.minimum = [min(c.values(), default=_MAX_INT32) for c in counts]
        #: per constraint, 1 if the pod matches its own selector (counted once per cycle, not once per node)
        self.self_match = [
            1 if c.selector is not None and c.selector.matches(pod.labels) else 0 for c in constraints
        ]


class _PreScoreState:
    __slots__ = ("constraints", "counts", "ignored", "weights")

    def __init__(self) -> None:
        self.constraints: list[Constraint] = []
        self.ignored: set[str] = set()
        self.counts: list[dict[str, int]] = []
        self.weights: list[float] = []


class PodTopologySpread(Plugin):
    name = "PodTopologySpread"
    events = frozenset({"PodAdd", "PodDelete", "NodeAdd", "NodeLabel", "NodeTaint"})

    def __init__(self, args: Mapping[str, Any] | None = None, handle: Handle | None = None) -> None:
        super().__init__(args, handle)
        unknown = set(self.args) - {"defaultConstraints", "defaultingType"}
        if unknown:
            raise ConfigError(f"PodTopologySpread args: unknown field(s) {sorted(unknown)}")
        dtype = self.args.get("defaultingType", "System")
        if dtype not in ("System", "List"):
            raise ConfigError(f"PodTopologySpread defaultingType must be System or List, got {dtype!r}")
        given = _parse_defaults(self.args.get("defaultConstraints"))
        if dtype == "System":
            if given:
                raise ConfigError(
                    "PodTopologySpread: defaultConstraints must be empty when defaultingType is System"
                )
            self.default_constraints: tuple[TopologySpreadConstraint, ...] = SYSTEM_DEFAULT
        else:
            self.default_constraints = given
        self.system_defaulted = dtype == "System"

    # -- constraints ----------------------------------------------------------------------------------------------
    def default_selector(self, pod: Pod) -> LabelSelector | None:
        """``helper.DefaultSelector``: None when no Service, RC, RS or StatefulSet selects the pod."""
        store = self.handle.store
        ns = pod.namespace
        match: dict[str, str] = {}
        for svc in list_objects(store, "Service", ns):
            sel = svc.selector
            if sel is None:
                continue
            if all(pod.labels.get(k) == v for k, v in sel.items()):
                match.update(sel)
        exprs: tuple[Any, ...] = ()
        owner = pod.controller_ref
        if owner is not None and store is not None:
            kind = owner.kind
            if kind in ("ReplicationController", "ReplicaSet", "StatefulSet"):
                obj = store.get(kind, ns, owner.name)
                if obj is not None:
                    if kind == "ReplicationController":
                        match.update(obj.selector.match_labels)
                    elif obj.selector is not None:
                        exprs = selector_requirements(obj.selector)
        if not match and not exprs:
            return None
        return LabelSelector(match, exprs)

    def uses_defaults(self, pod: Pod) -> bool:
        """Whether default constraints apply to ``pod`` (it has none of its own and something selects it)."""
        if pod.spec.topology_spread_constraints or not self.default_constraints:
            return False
        store = self.handle.store
        owner = pod.controller_ref
        if (
            owner is not None
            and owner.kind in ("ReplicationController", "ReplicaSet", "StatefulSet")
            and store is not None
            and store.get(owner.kind, pod.namespace, owner.name) is not None
        ):
            return True
        if store is None or not store.count("Service"):
            return False
        return self.default_selector(pod) is not None

    def constraints(self, pod: Pod, action: str) -> list[Constraint]:
        own = pod.spec.topology_spread_constraints
        if own:
            return [
                Constraint(c, merge_label_keys(c.label_selector, pod.labels, c.match_label_keys))
                for c in own
                if c.when_unsatisfiable == action
            ]
        wanted = [c for c in self.default_constraints if c.when_unsatisfiable == action]
        if not wanted:
            return []
        selector = self.default_selector(pod)
        if selector is None:
            return []
        return [Constraint(c, selector) for c in wanted]

    @staticmethod
    def _node_counts(table: NodeTable, pod: Pod, constraints: list[Constraint]) -> list[dict[str, int]]:
        """Per constraint: matching pods (same namespace, not terminating) per node name, from the namespace index.

        Why a memo: a namespace's pods carry few distinct label sets (a workload's pods share theirs but for a
        hash), so each (label set, selector) pair is matched once, not once per pod and constraint; at 1,000
        nodes this walk was most of a scheduling cycle.
        """
        out: list[dict[str, int]] = [{} for _ in constraints]
        pods = table.ns_pods.get(pod.namespace)
        if not pods:
            return out
        where = table.pod_node
        selectors = [c.selector for c in constraints]
        memo: dict[frozenset[tuple[str, str]], list[int]] = {}
        for uid, p in pods.items():
            if p.deletion_timestamp is not None:
                continue
            labels = p.labels
            key = frozenset(labels.items())
            hits = memo.get(key)
            if hits is None:
                hits = memo[key] = [
                    i for i, sel in enumerate(selectors) if sel is not None and sel.matches(labels)
                ]
            if hits:
                node = where[uid][0]
                for i in hits:
                    counts = out[i]
                    counts[node] = counts.get(node, 0) + 1
        return out

    @staticmethod
    def _live_nodes(table: NodeTable) -> list[Node]:
        return [n for n in table.nodes if n is not None]

    # -- filter ---------------------------------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: Pod) -> Status | None:
        constraints = self.constraints(pod, DO_NOT_SCHEDULE)
        if not constraints:
            return SKIP
        table = self.handle.table
        per_node = self._node_counts(table, pod, constraints)
        counts: list[dict[str, int]] = [{} for _ in constraints]
        everywhere = [c.includes_every_node(pod) for c in constraints]
        for node in self._live_nodes(table):
            labels = node.labels
            if not all(c.key in labels for c in constraints):
                continue
            for i, c in enumerate(constraints):
                if not everywhere[i] and not c.includes(pod, node):
                    continue
                v = labels[c.key]
                counts[i][v] = counts[i].get(v, 0) + per_node[i].get(node.name, 0)
        state.data[_PF] = _PreFilterState(constraints, counts, pod)
        return None

    def _state(self, state: CycleState, pod: Pod) -> _PreFilterState | None:
        s = state.data.get(_PF)
        if s is None:
            self.pre_filter(state, pod)
            s = state.data.get(_PF)
        return s

    @staticmethod
    def _check(s: _PreFilterState, pod: Pod, node: Node) -> str | None:
        labels = node.labels
        for i, c in enumerate(s.constraints):
            v = labels.get(c.key)
            if v is None:
                return REASON_LABEL
            minimum = s.minimum[i] if len(s.counts[i]) >= c.min_domains else 0
            if s.counts[i].get(v, 0) + s.self_match[i] - minimum > c.max_skew:
                return REASON
        return None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        s = self._state(state, pod)
        if s is None:
            return Status()
        reason = self._check(s, pod, node_info.node)
        if reason is None:
            return Status()
        code = Code.UnschedulableAndUnresolvable if reason == REASON_LABEL else Code.Unschedulable
        return Status(code, reason)

    def filter_vector(self, state: CycleState, pod: Pod, table: NodeTable) -> npt.NDArray[np.bool_] | None:
        s = self._state(state, pod)
        if s is None:
            return None
        return node_mask(table, lambda node: self._check(s, pod, node) is None)

    # -- score ----------------------------------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status | None:
        table = self.handle.table
        if len(table) == 0:
            return SKIP
        constraints = self.constraints(pod, SCHEDULE_ANYWAY)
        if not constraints:
            return SKIP
        s = _PreScoreState()
        s.constraints = constraints
        require_all = bool(pod.spec.topology_spread_constraints) or not self.system_defaulted
        counts: list[dict[str, int]] = [{} for _ in constraints]
        for ni in nodes:
            labels = ni.node.labels
            if require_all and not all(c.key in labels for c in constraints):
                s.ignored.add(ni.name)
                continue
            for i, c in enumerate(constraints):
                if c.key != HOSTNAME:
                    counts[i].setdefault(labels.get(c.key, ""), 0)
        for i, c in enumerate(constraints):
            size = len(nodes) - len(s.ignored) if c.key == HOSTNAME else len(counts[i])
            s.weights.append(math.log(float(size + 2)))
        per_node = self._node_counts(table, pod, constraints)
        everywhere = [c.includes_every_node(pod) for c in constraints]
        for node in self._live_nodes(table):
            labels = node.labels
            if require_all and not all(c.key in labels for c in constraints):
                continue
            for i, c in enumerate(constraints):
                if not everywhere[i] and not c.includes(pod, node):
                    continue
                v = labels.get(c.key, "")
                cur = counts[i].get(v)
                if cur is None:
                    continue
                counts[i][v] = cur + per_node[i].get(node.name, 0)
        s.counts = counts
        state.data[_PS] = s
        state.data[_PS + "/ignored"] = (
            [ni.name in s.ignored for ni in nodes] if s.ignored else [False] * len(nodes)
        )
        state.data[_PS + "/pods"] = per_node
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        return self._score_node(state.data[_PS], state.data[_PS + "/pods"], node_info.node)

    @staticmethod
    def _score_node(s: _PreScoreState, per_node: list[dict[str, int]], node: Node) -> int:
        if node.name in s.ignored:
            return 0
        labels = node.labels
        score = 0.0
        for i, c in enumerate(s.constraints):
            v = labels.get(c.key)
            if v is None:
                continue
            cnt = per_node[i].get(node.name, 0) if c.key == HOSTNAME else s.counts[i][v]
            score += float(cnt) * s.weights[i] + float(c.max_skew - 1)
        return go_round(score)

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[int]) -> None:
        s: _PreScoreState | None = state.data.get(_PS)
        if s is None:
            return
        flags: list[bool] = state.data.get(_PS + "/ignored", [False] * len(scores))
        _normalize(scores, flags)

    def score_vector(self, state: CycleState, pod: Pod, table: NodeTable, slots: Any) -> I64:
        idx = np.arange(table.capacity, dtype=np.int64)[slots]
        s: _PreScoreState = state.data[_PS]
        per_node: list[dict[str, int]] = state.data[_PS + "/pods"]
        nodes = table.nodes
        scores = []
        flags = []
        ignored = s.ignored
        for slot in idx.tolist():
            node = nodes[slot]
            assert node is not None
            scores.append(self._score_node(s, per_node, node))
            flags.append(node.name in ignored)
        state.data[_PS + "/ignored"] = flags
        return np.asarray(scores, dtype=np.int64)

    def normalize_vector(self, state: CycleState, pod: Pod, scores: I64) -> I64:
        vals = scores.tolist()
        flags: list[bool] = state.data.get(_PS + "/ignored", [False] * len(vals))
        _normalize(vals, flags)
        return np.asarray(vals, dtype=np.int64)


def _normalize(scores: list[int], ignored: list[bool]) -> None:
    """``NormalizeScore``: ignored nodes 0; else ``MaxNodeScore * (max + min - s) / max`` (100 when max is 0)."""
    kept = [s for s, ign in zip(scores, ignored, strict=True) if not ign]
    if not kept:
        scores[:] = [0] * len(scores)
        return
    lo, hi = min(kept), max(0, max(kept))
    for i, s in enumerate(scores):
        if ignored[i]:
            scores[i] = 0
        elif hi == 0:
            scores[i] = MAX_NODE_SCORE
        else:
            scores[i] = MAX_NODE_SCORE * (hi + lo - s) // hi
