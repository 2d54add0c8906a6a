"""The scheduling framework: statuses, cycle state, the plugin base class, profiles and one scheduling cycle.

Semantics follow kube-scheduler 1.35 (``pkg/scheduler/schedule_one.go``, ``framework/runtime/framework.go``):

* PreFilter plugins run in order; a plugin returning Skip is skipped at Filter for this pod; an Unschedulable
  status is kept while the other PreFilter plugins run, UnschedulableAndUnresolvable or an error stops at once; a
  rejection ends the cycle (every node gets that status; the message is the PreFilter message). Nodes a
  PreFilterResult leaves out get ``node(s) didn't satisfy plugin(s) [<plugins that named nodes>]``.
* Filter runs the (non-skipped) filter plugins per node in order and stops at the first failure, so a node has the
  reasons of one plugin. Nodes are searched from a rotating start index and the search stops once
  ``num_feasible_nodes_to_find`` feasible nodes are found (1 when the profile has no score plugin); the index
  then advances by the number of nodes processed. Upstream checks nodes in parallel and cancels when a feasible
  node beyond the wanted count turns up, so "processed" is every node before that one (all nodes when there is no
  such node); kubesim reproduces that count sequentially.
* One feasible node is chosen without scoring. Otherwise PreScore (Skip drops the plugin for this pod), Score,
  NormalizeScore, times the weight, summed; the highest total wins, ties broken uniformly at random.
* Failure message: ``0/N nodes are available: <PreFilter msg | sorted "count reason" histogram>.`` then the
  PostFilter message (``FitError.Error``).

Two implementations of a cycle give the same decision: the reference one calls each plugin per node (and can
record an explain record); the fast one asks plugins for numpy vectors over the node table. For the common case
(default plugins and arguments, a pod without nodeName/selector/node affinity/extended resources, with or without
topology spread constraints and preferred pod (anti-)affinity) the fast path is served by a per-profile composite
cache of weighted totals and incremental per-domain pod counts (``composite.py``, ``podcounts.py``), with the
same decisions.
"""

from __future__ import annotations

import enum
import functools
import importlib
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from models.pod import Pod
from models.schedconfig import KubeSchedulerConfiguration, PluginRef, PluginSet, SchedulerProfile
from simulator.scheduler._util import MAX_NODE_SCORE
from simulator.scheduler.cache import NodeInfo, NodeTable

__all__ = [
    "DEFAULT_PLUGINS",
    "Code",
    "ConfigError",
    "Cursor",
    "CycleState",
    "Handle",
    "Plugin",
    "PostFilterResult",
    "Profile",
    "QueuedPodInfo",
    "ScheduleResult",
    "Status",
    "build_profiles",
    "fit_error_message",
    "lookup_plugin",
    "num_feasible_nodes_to_find",
]

I64 = npt.NDArray[np.int64]
BoolArr = npt.NDArray[np.bool_]

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
NO_NODES_AVAILABLE = "no nodes available to schedule pods"


class ConfigError(ValueError):
    """A KubeSchedulerConfiguration the simulator cannot run (unknown plugin, bad args). The CLI exits 2."""


class Code(enum.IntEnum):
    """``fwk.Code``."""

    Success = 0
    Error = 1
    Unschedulable = 2
    UnschedulableAndUnresolvable = 3
    Wait = 4
    Skip = 5
    Pending = 6


class Status:
    """A plugin's verdict: a code, reasons and (set by the framework) the plugin that returned it."""

    __slots__ = ("code", "plugin", "reasons")

    def __init__(self, code: Code = Code.Success, *reasons: str, plugin: str = "") -> None:
        self.code = code
        self.reasons: tuple[str, ...] = reasons
        self.plugin = plugin

    @property
    def is_success(self) -> bool:
        return self.code == Code.Success

    @property
    def is_rejected(self) -> bool:
        """Unschedulable, UnschedulableAndUnresolvable or Pending."""
        return self.code in (Code.Unschedulable, Code.UnschedulableAndUnresolvable, Code.Pending)

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)

    def __repr__(self) -> str:
        return f"Status({self.code.name}, {list(self.reasons)!r}, plugin={self.plugin!r})"


SUCCESS = Status()
SKIP = Status(Code.Skip)


class CycleState:
    """Per-attempt scratch space: plugin data, plugins skipped for this pod, an optional node-name restriction."""

    __slots__ = ("data", "node_names", "restricted_by", "skip_filter", "skip_score")

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.skip_filter: set[str] = set()
        self.skip_score: set[str] = set()
        self.node_names: set[str] | None = None
        self.restricted_by: tuple[str, ...] = ()
        """PreFilter plugins whose result named nodes (``pluginsWithNodes``), in sorted order."""

    def restrict_nodes(self, names: Iterable[str]) -> None:
        """``PreFilterResult``: only these nodes are considered (intersected across plugins)."""
        wanted = set(names)
        self.node_names = wanted if self.node_names is None else self.node_names & wanted


class QueuedPodInfo:
    """A pod in the scheduling queue, with the bookkeeping the queue and QueueSort need."""

    __slots__ = (
        "attempts", "backoff_handle", "initial_attempt", "pod", "priority", "seq", "timestamp", "uid",
        "unschedulable_plugins", "where",
    )  # fmt: skip

    def __init__(self, pod: Pod, timestamp: float, seq: int) -> None:
        self.pod = pod
        self.uid = pod.uid or pod.key
        self.priority = pod.priority
        self.timestamp = timestamp
        self.initial_attempt: float | None = None
        self.seq = seq
        self.attempts = 0
        self.unschedulable_plugins: frozenset[str] = frozenset()
        self.where = ""  # "active", "backoff", "unschedulable", "" (in flight / gone)
        self.backoff_handle: Any = None


class Handle:
    """What plugins may reach: the store and engine (for binding), defaults, the node table, nominated pods."""

    def __init__(
        self, store: Any = None, engine: Any = None, defaults: Any = None, table: NodeTable | None = None
    ) -> None:
        self.store = store
        self.engine = engine
        self.defaults = defaults
        self.table = table if table is not None else NodeTable()
        #: the scheduler's ``PodNominator``: pending pods with a nominated node (uid -> pod), by node name
        self.nominated: dict[str, Pod] = {}
        #: uids of pods the scheduler deleted by preemption (upstream: the DisruptionTarget condition with reason
        #: PreemptionByScheduler), until they are gone
        self.preempted: set[str] = set()
        self.nominated_by_node: dict[str, dict[str, Pod]] = {}

    def nominate(self, pod: Pod, node: str) -> None:
        """Record ``pod`` as nominated to ``node`` (``AddNominatedPod``); ``node == ""`` clears it."""
        uid = pod.uid or pod.key
        self.clear_nomination(uid)
        if node:
            self.nominated[uid] = pod
            self.nominated_by_node.setdefault(node, {})[uid] = pod

    def clear_nomination(self, uid: str) -> Pod | None:
        """Forget a nomination (``DeleteNominatedPodIfExists``). Returns the pod that was nominated, if any."""
        pod = self.nominated.pop(uid, None)
        if pod is None:
            return None
        for node, bucket in list(self.nominated_by_node.items()):
            if bucket.pop(uid, None) is not None and not bucket:
                del self.nominated_by_node[node]
        return pod

    def nominated_pods_for(self, pod: Pod, node: str) -> list[Pod]:
        """Pods nominated to ``node`` with priority >= ``pod``'s, other than ``pod``, not yet counted on a node
        (``addGEPriorityNominatedPods``, 1.35)."""
        bucket = self.nominated_by_node.get(node)
        if not bucket:
            return []
        uid = pod.uid or pod.key
        counted = self.table.pod_node
        return [p for u, p in bucket.items() if u != uid and p.priority >= pod.priority and u not in counted]


class PostFilterResult:
    """What a PostFilter plugin found: a status (its message is appended to the FitError message), the node to
    nominate (None: leave the nomination alone, ``""``: clear it) and the pods to preempt there."""

    __slots__ = ("nominated_node", "status", "victims")

    def __init__(
        self, status: Status, nominated_node: str | None = None, victims: Sequence[Pod] = ()
    ) -> None:
        self.status = status
        self.nominated_node = nominated_node
        self.victims: list[Pod] = list(victims)


class Plugin:
    """Base class of scheduler plugins. A plugin takes part in an extension point by overriding its method.

    Reference (per node) methods: ``pre_filter``, ``filter``, ``pre_score``, ``score``, ``normalize_score``,
    ``less``/``sort_key`` (QueueSort), ``bind``. Fast-path methods over all nodes: ``filter_vector`` (a bool mask
    by slot, or None when every node passes), ``filter_reasons_vector``, ``score_vector`` (raw scores for the given
    slots), ``normalize_vector``. A plugin without the vector method of an extension point it uses sends pods
    through the reference path. Both must agree exactly.
    """

    name: ClassVar[str] = ""
    #: cluster events that may make a pod this plugin rejected schedulable (see ``queue.py``)
    events: ClassVar[frozenset[str]] = frozenset()
    #: the one reason this plugin's Filter ever gives (lets the fast path count failures without a loop)
    filter_reason: ClassVar[str | None] = None

    def __init__(self, args: Mapping[str, Any] | None = None, handle: Handle | None = None) -> None:
        self.args: Mapping[str, Any] = args or {}
        self.handle = handle if handle is not None else Handle()

    # -- extension points (override to take part) ----------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: Pod) -> Status | None:
        raise NotImplementedError

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        raise NotImplementedError

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status | None:
        raise NotImplementedError

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        raise NotImplementedError

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[int]) -> None:
        raise NotImplementedError

    def less(self, a: QueuedPodInfo, b: QueuedPodInfo) -> bool:
        raise NotImplementedError

    def bind(self, state: CycleState, pod: Pod, node_name: str) -> Status | None:
        raise NotImplementedError

    def post_filter(
        self,
        state: CycleState,
        pod: Pod,
        statuses: Mapping[str, Status],
        profile: Profile,
        rng: random.Random,
    ) -> PostFilterResult | None:
        """Runs when no node passed Filter. ``statuses``: each node's Filter status (by node name). Must not change
        the cluster: the scheduler carries out the result (nominates, deletes the victims gracefully)."""
        raise NotImplementedError

    # -- fast path ------------------------------------------------------------------------------------------------
    def filter_vector(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArr | None:
        raise NotImplementedError

    def filter_reasons_vector(
        self, state: CycleState, pod: Pod, table: NodeTable, failed: I64
    ) -> dict[str, int]:
        """Reason histogram over the slots in ``failed`` (all of which this plugin rejects)."""
        if self.filter_reason is not None:
            return {self.filter_reason: len(failed)}
        counts: dict[str, int] = {}
        nodes = table.nodes
        for slot in failed.tolist():
            node = nodes[slot]
            assert node is not None
            for reason in self.filter(state, pod, NodeInfo(table, slot, node)).reasons:
                counts[reason] = counts.get(reason, 0) + 1
        return counts

    def score_vector(self, state: CycleState, pod: Pod, table: NodeTable, slots: Any) -> I64:
        """Raw scores for ``slots`` (an index array or a slice over the table), or a 0-d array when constant."""
        raise NotImplementedError

    def normalize_vector(self, state: CycleState, pod: Pod, scores: I64) -> I64:
        raise NotImplementedError

    def sort_key(self, pinfo: QueuedPodInfo) -> Any:
        """A heap key equivalent to ``less`` (optional; faster than ``less``)."""
        raise NotImplementedError

    @classmethod
    def implements(cls, method: str) -> bool:
        """Whether the class overrides ``method`` of the base class."""
        return getattr(cls, method) is not getattr(Plugin, method)


def default_normalize(scores: list[int], reverse: bool) -> None:
    """``helper.DefaultNormalizeScore(MaxNodeScore, reverse, scores)`` in place (scores are non-negative)."""
    top = max(scores, default=0)
    if top == 0:
        if reverse:
            scores[:] = [MAX_NODE_SCORE] * len(scores)
        return
    for i, s in enumerate(scores):
        v = MAX_NODE_SCORE * s // top
        scores[i] = MAX_NODE_SCORE - v if reverse else v


def default_normalize_vector(scores: I64, reverse: bool) -> I64:
    """Vector form of ``default_normalize``."""
    top = int(scores.max()) if len(scores) else 0
    if top == 0:
        return np.full(len(scores), MAX_NODE_SCORE, dtype=np.int64) if reverse else scores
    v = (scores * MAX_NODE_SCORE) // top
    return MAX_NODE_SCORE - v if reverse else v


# -- registry -----------------------------------------------------------------------------------------------------
#: kube-scheduler 1.35 default multiPoint plugins and weights, in order (apis/config/v1/default_plugins.go).
DEFAULT_PLUGINS: tuple[tuple[str, int | None], ...] = (
    ("SchedulingGates", None),
    ("PrioritySort", None),
    ("NodeUnschedulable", None),
    ("NodeName", None),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", None),
    ("NodeResourcesFit", 1),
    ("VolumeRestrictions", None),
    ("NodeVolumeLimits", None),
    ("VolumeBinding", None),
    ("VolumeZone", None),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DynamicResources", None),
    ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", None),
)
#: upstream in-tree plugin names: disabling them is fine even when kubesim does not model them.
KNOWN_UPSTREAM = frozenset(name for name, _ in DEFAULT_PLUGINS) | {"GangScheduling", "NodeResourcesFitPlus"}
#: built into the queue (PreEnqueue) rather than a plugin object.
BUILTIN = frozenset({"SchedulingGates"})


def _registry() -> dict[str, type[Plugin]]:
    from simulator.scheduler.plugins import REGISTRY

    return REGISTRY


@functools.cache
def _import_plugin(path: str) -> type[Plugin]:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, attr)
    except (ImportError, AttributeError) as err:
        raise ConfigError(f"cannot import scheduler plugin {path!r}: {err}") from err
    if not (isinstance(cls, type) and issubclass(cls, Plugin)):
        raise ConfigError(
            f"scheduler plugin {path!r} is not a subclass of simulator.scheduler.framework.Plugin"
        )
    return cls


def lookup_plugin(name: str) -> type[Plugin]:
    """The plugin class for ``name``: an in-tree name, or ``pkg.module:Class`` for a custom plugin.

    Raises:
        ConfigError: unknown, not modelled, or not importable.
    """
    cls = _registry().get(name)
    if cls is not None:
        return cls
    if ":" in name:
        return _import_plugin(name)
    if name in KNOWN_UPSTREAM:
        raise ConfigError(f"scheduler plugin {name!r} is not supported by kubesim yet")
    known = ", ".join(sorted(_registry()))
    raise ConfigError(
        f"unknown scheduler plugin {name!r} (known: {known}; custom plugins as 'pkg.module:Class')"
    )


# -- profiles -----------------------------------------------------------------------------------------------------
_POINTS: tuple[tuple[str, str], ...] = (
    ("queueSort", "less"),
    ("preFilter", "pre_filter"),
    ("filter", "filter"),
    ("preScore", "pre_score"),
    ("score", "score"),
    ("postFilter", "post_filter"),
    ("bind", "bind"),
)
_IGNORED_POINTS = ("preEnqueue", "reserve", "permit", "preBind", "postBind")


def _merge_plugin_set(default: Sequence[PluginRef], custom: PluginSet) -> list[PluginRef]:
    """``mergePluginSet`` (apis/config/v1/default_plugins.go): custom settings over the defaults, in order."""
    disabled = {p.name for p in custom.disabled}
    custom_idx = {p.name: i for i, p in enumerate(custom.enabled)}
    replaced: set[int] = set()
    out: list[PluginRef] = []
    if "*" not in disabled:
        for p in default:
            if p.name in disabled:
                continue
            if p.name in custom_idx:
                replaced.add(custom_idx[p.name])
                p = custom.enabled[custom_idx[p.name]]
            out.append(p)
    out.extend(p for i, p in enumerate(custom.enabled) if i not in replaced)
    return out


class Cursor:
    """``sched.nextStartNodeIndex``: where the next node search starts (shared by all profiles)."""

    __slots__ = ("index",)

    def __init__(self, index: int = 0) -> None:
        self.index = index


def num_feasible_nodes_to_find(percentage: int | None, num_all_nodes: int) -> int:
    """``numFeasibleNodesToFind``: how many feasible nodes end the search (adaptive when percentage is 0/None)."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    pct = percentage or 0
    if pct == 0:
        pct = 50 - num_all_nodes // 125
        if pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    num = num_all_nodes * pct // 100
    return max(num, MIN_FEASIBLE_NODES_TO_FIND)


def fit_error_message(
    num_all_nodes: int, reasons: Mapping[str, int], prefilter_msg: str = "", post: str = ""
) -> str:
    """``FitError.Error``: ``0/N nodes are available: <PreFilter msg | sorted histogram>.[ <PostFilter msg>]``."""
    msg = f"0/{num_all_nodes} nodes are available:"
    if prefilter_msg:
        msg += f" {prefilter_msg}."
    else:
        hist = sorted(f"{count} {reason}" for reason, count in reasons.items())
        if hist:
            msg += f" {', '.join(hist)}."
    if post:
        msg += f" {post}"
    return msg


def _absent_reason(state: CycleState) -> str:
    """The status of nodes a PreFilterResult leaves out (``SetAbsentNodesStatus``): ``node(s) didn't satisfy
    plugin(s) [NodeAffinity]``, naming only the plugins whose result named nodes, sorted (``sets.List``)."""
    return f"node(s) didn't satisfy plugin(s) [{' '.join(state.restricted_by)}]"


class ScheduleResult:
    """The outcome of one scheduling cycle."""

    __slots__ = ("code", "evaluated", "feasible", "message", "node", "record", "unschedulable_plugins")

    def __init__(
        self,
        node: str | None,
        *,
        code: Code = Code.Success,
        message: str = "",
        unschedulable_plugins: frozenset[str] = frozenset(),
        feasible: int = 0,
        evaluated: int = 0,
        record: dict[str, Any] | None = None,
    ) -> None:
        self.node = node
        self.code = code
        self.message = message
        self.unschedulable_plugins = unschedulable_plugins
        self.feasible = feasible
        self.evaluated = evaluated
        self.record = record


class Profile:
    """A scheduling profile: the plugins per extension point, score weights and percentageOfNodesToScore."""

    def __init__(
        self,
        scheduler_name: str,
        plugins: Mapping[str, Plugin],
        points: Mapping[str, list[str]],
        weights: Mapping[str, int],
        percentage_of_nodes_to_score: int | None = None,
        handle: Handle | None = None,
    ) -> None:
        self.scheduler_name = scheduler_name
        self.handle = handle if handle is not None else Handle()
        self.plugins = dict(plugins)
        self.points = {k: list(v) for k, v in points.items()}
        self.weights = dict(weights)
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        get = self.plugins.__getitem__
        self.queue_sort: Plugin | None = get(points["queueSort"][0]) if points.get("queueSort") else None
        self.pre_filter = [get(n) for n in points.get("preFilter", [])]
        self.filter = [get(n) for n in points.get("filter", [])]
        self.pre_score = [get(n) for n in points.get("preScore", [])]
        self.score = [(get(n), self.weights.get(n, 1)) for n in points.get("score", [])]
        self.bind = [get(n) for n in points.get("bind", [])]
        self.post_filter = [get(n) for n in points.get("postFilter", [])]
        self.fast_ok = all(type(p).implements("filter_vector") for p in self.filter) and all(
            type(p).implements("score_vector")
            and (type(p).implements("normalize_vector") or not type(p).implements("normalize_score"))
            for p, _ in self.score
        )
        self._normalizes = {p.name for p, _ in self.score if type(p).implements("normalize_score")}
        self.events_by_plugin = {n: type(p).events for n, p in self.plugins.items()}
        from simulator.scheduler.composite import build_composite  # the composite imports the plugins

        #: the composite fast path for common pods, when this profile's plugins allow it (``composite.py``)
        self.composite = build_composite(self)

    # -- queue sort -----------------------------------------------------------------------------------------------
    def sort_key_fn(self) -> Callable[[QueuedPodInfo], Any]:
        """A key function for the active queue heap, from the QueueSort plugin."""
        qs = self.queue_sort
        if qs is None:
            return lambda p: (p.timestamp, p.seq)
        if type(qs).implements("sort_key"):
            return qs.sort_key

        def cmp(a: QueuedPodInfo, b: QueuedPodInfo) -> int:
            return -1 if qs.less(a, b) else (1 if qs.less(b, a) else 0)

        return functools.cmp_to_key(cmp)

    # -- one cycle ------------------------------------------------------------------------------------------------
    def _run_pre_filter(self, state: CycleState, pod: Pod) -> Status | None:
        """``RunPreFilterPlugins``: Skip drops the plugin's Filter; an Unschedulable status is kept while the other
        PreFilter plugins still run (the last one kept wins; kubernetes#119770), anything else rejecting ends the
        loop at once. A plugin that names nodes joins ``state.restricted_by``; when the named sets leave no node
        in common, the cycle fails as upstream's ``node(s) didn't satisfy plugin(s) [..] simultaneously``."""
        kept: Status | None = None
        for pl in self.pre_filter:
            before = state.node_names
            st = pl.pre_filter(state, pod)
            if st is not None and st.code == Code.Skip:
                state.skip_filter.add(pl.name)
                continue
            if st is not None and st.code != Code.Success:
                st.plugin = pl.name
                if st.code == Code.Unschedulable:
                    kept = st
                    continue
                return st
            if state.node_names is not before:
                state.restricted_by = tuple(sorted({*state.restricted_by, pl.name}))
                if state.node_names is not None and not state.node_names:
                    names = state.restricted_by
                    msg = (
                        f"node(s) didn't satisfy plugin {names[0]}"
                        if len(names) == 1
                        else f"node(s) didn't satisfy plugin(s) [{' '.join(names)}] simultaneously"
                    )
                    return Status(Code.UnschedulableAndUnresolvable, msg)
        return kept

    def _prefilter_failure(
        self, st: Status, n_all: int, record: dict[str, Any] | None, state: CycleState
    ) -> ScheduleResult:
        if not st.is_rejected:
            return ScheduleResult(None, code=Code.Error, message=st.message, record=record)
        msg = fit_error_message(n_all, {}, prefilter_msg=st.message)
        # Diagnosis.UnschedulablePlugins: the plugins whose PreFilterResult named nodes, plus the rejecting one
        plugins = frozenset(state.restricted_by) | ({st.plugin} if st.plugin else frozenset())
        return ScheduleResult(
            None,
            code=Code.Unschedulable,
            message=msg,
            unschedulable_plugins=plugins,
            record=record,
        )

    def schedule(
        self,
        pod: Pod,
        table: NodeTable,
        rng: random.Random,
        cursor: Cursor,
        explain: bool = False,
        composite: bool = True,
    ) -> ScheduleResult:
        """Run one scheduling cycle for ``pod`` (no binding). Uses the fast paths when possible.

        ``composite=False`` skips the composite cache (the caller already found that it cannot decide).
        """
        if not explain and self.fast_ok and not self.handle.nominated and not pod.nominated_node_name:
            # nominated pods are only accounted for by the reference path (RunFilterPluginsWithNominatedPods)
            comp = self.composite
            if comp is not None and composite:
                slot = comp.schedule(pod, table, rng, cursor)
                if slot >= 0:
                    node = table.nodes[slot]
                    assert node is not None
                    return ScheduleResult(node.name, feasible=comp.found, evaluated=comp.processed)
            return self._schedule_fast(pod, table, rng, cursor)
        return self._schedule_reference(pod, table, rng, cursor, explain)

    # -- filters on one node ---------------------------------------------------------------------------------------
    def _filter_plain(
        self, state: CycleState, pod: Pod, ni: NodeInfo, filters: Sequence[Plugin], record: bool
    ) -> tuple[Status | None, list[dict[str, Any]]]:
        """The Filter plugins on one node, stopping at the first failure: (the failure or None, explain entries)."""
        frec: list[dict[str, Any]] = []
        for pl in filters if not record else self.filter:
            if pl.name in state.skip_filter:
                frec.append({"plugin": pl.name, "code": "Skip", "reasons": []})
                continue
            fs = pl.filter(state, pod, ni)
            if record:
                frec.append({"plugin": pl.name, "code": fs.code.name, "reasons": list(fs.reasons)})
            if fs.code != Code.Success:
                fs.plugin = pl.name
                return fs, frec
        return None, frec

    def _filter_node(
        self, state: CycleState, pod: Pod, ni: NodeInfo, filters: Sequence[Plugin], record: bool
    ) -> tuple[Status | None, list[dict[str, Any]]]:
        """``RunFilterPluginsWithNominatedPods`` (1.35): when pods of higher or equal priority are nominated to this
        node, the filters run with them added to the node, and (if that passes) once more without them.

        kubesim adds the nominated pods to the node's row and pod indexes, so plugins reading the node (resources,
        pod count, ports, pods on the node) see them; PreFilter state computed cluster-wide (topology spread,
        inter-pod affinity counts) is not updated for them (upstream runs the AddPod PreFilter extensions).
        """
        handle = self.handle
        if not handle.nominated or ni.name not in handle.nominated_by_node:
            return self._filter_plain(state, pod, ni, filters, record)
        extra = handle.nominated_pods_for(pod, ni.name)
        if not extra:
            return self._filter_plain(state, pod, ni, filters, record)
        table = ni.table
        for p in extra:
            table.add_pod(p, ni.name)
        try:
            failed, frec = self._filter_plain(state, pod, ni, filters, record)
        finally:
            for p in extra:
                table.remove_pod(p.uid or p.key)
        if failed is not None:
            return failed, frec
        return self._filter_plain(state, pod, ni, filters, record)

    def filter_on_node(self, pod: Pod, ni: NodeInfo) -> Status:
        """PreFilter (fresh state) then Filter with nominated pods on one node, as the cluster is now. Preemption
        uses it after taking victims off the node (upstream updates PreFilter state with the RemovePod/AddPod
        extensions; kubesim recomputes it, with the same result)."""
        state = CycleState()
        st = self._run_pre_filter(state, pod)
        if st is not None:
            return st
        if state.node_names is not None and ni.name not in state.node_names:
            return Status(Code.UnschedulableAndUnresolvable, _absent_reason(state))
        filters = [pl for pl in self.filter if pl.name not in state.skip_filter]
        failed, _ = self._filter_node(state, pod, ni, filters, False)
        return failed if failed is not None else Status()

    def node_statuses(self, pod: Pod, table: NodeTable) -> tuple[CycleState, dict[str, Status]]:
        """Every node's Filter status for ``pod`` (``Diagnosis.NodeToStatus``): the PreFilter rejection for every
        node when PreFilter rejects, UnschedulableAndUnresolvable for nodes a PreFilterResult leaves out."""
        state = CycleState()
        infos = list(table.node_infos())
        st = self._run_pre_filter(state, pod)
        if st is not None:
            return state, {ni.name: st for ni in infos}
        out: dict[str, Status] = {}
        filters = [pl for pl in self.filter if pl.name not in state.skip_filter]
        absent_reason = _absent_reason(state)
        for ni in infos:
            if state.node_names is not None and ni.name not in state.node_names:
                out[ni.name] = Status(Code.UnschedulableAndUnresolvable, absent_reason)
                continue
            failed, _ = self._filter_node(state, pod, ni, filters, False)
            out[ni.name] = failed if failed is not None else Status()
        return state, out

    def run_post_filter(
        self, pod: Pod, table: NodeTable, rng: random.Random, res: ScheduleResult
    ) -> PostFilterResult | None:
        """``RunPostFilterPlugins`` after a failed cycle (not after an error or with no nodes at all): the first
        plugin that succeeds wins, else the last rejection."""
        if not self.post_filter or res.code != Code.Unschedulable or len(table) == 0:
            return None
        state, statuses = self.node_statuses(pod, table)
        last: PostFilterResult | None = None
        for pl in self.post_filter:
            r = pl.post_filter(state, pod, statuses, self, rng)
            if r is None:
                continue
            r.status.plugin = pl.name
            if r.status.is_success or not r.status.is_rejected:
                return r
            last = r
        return last

    def _num_to_find(self, n: int) -> int:
        if not self.score:
            return 1 if n else 0
        return num_feasible_nodes_to_find(self.percentage_of_nodes_to_score, n)

    def _schedule_reference(
        self, pod: Pod, table: NodeTable, rng: random.Random, cursor: Cursor, explain: bool
    ) -> ScheduleResult:
        record: dict[str, Any] | None = None
        if explain:
            record = {
                "pod": f"{pod.namespace}/{pod.name}", "profile": self.scheduler_name, "nodes": {},
                "selected": None, "victims": [],
            }  # fmt: skip
        n_all = len(table)
        if n_all == 0:
            return ScheduleResult(None, code=Code.Unschedulable, message=NO_NODES_AVAILABLE, record=record)
        state = CycleState()
        st = self._run_pre_filter(state, pod)
        if st is not None:
            return self._prefilter_failure(st, n_all, record, state)
        absent = 0
        if state.node_names is not None:
            # A PreFilterResult (e.g. a DaemonSet pod's matchFields metadata.name) names the nodes: build views of
            # those only, in search order, instead of one per node of the cluster.
            order = table.order.tolist()  # may renumber slots: look slots up after it
            wanted = {table.slot_of[name] for name in state.node_names if name in table.slot_of}
            nodes = table.nodes
            infos = [NodeInfo(table, slot, nodes[slot]) for slot in order if slot in wanted]
            absent = n_all - len(infos)
        else:
            infos = list(table.node_infos())
        n = len(infos)
        k = self._num_to_find(n)
        feasible: list[NodeInfo] = []
        reasons: dict[str, int] = {}
        rejected: set[str] = set()
        filters = [pl for pl in self.filter if pl.name not in state.skip_filter]
        nodes_rec: dict[str, Any] = record["nodes"] if record is not None else {}
        recording = record is not None
        nom = pod.nominated_node_name
        nom_index = -1  # the nominated node's place in ``infos`` (-1: not searched below)
        nom_failed = False
        if nom:
            # evaluateNominatedNode (1.35 schedule_one.go): a pod nominated by an earlier preemption tries that
            # node alone first (any node of the snapshot, whatever the PreFilterResult), and takes it without
            # scoring if it fits. findNodesThatFitPod returns before it moves nextStartNodeIndex, so the cursor
            # stays where it is.
            nom_info: NodeInfo | None = None
            for i, ni in enumerate(infos):
                if ni.name == nom:
                    nom_index, nom_info = i, ni
                    break
            if nom_info is None and nom in table.slot_of:
                slot = table.slot_of[nom]
                nom_node = table.nodes[slot]
                if nom_node is not None:
                    nom_info = NodeInfo(table, slot, nom_node)
            if nom_info is not None:
                failed, frec = self._filter_node(state, pod, nom_info, filters, recording)
                if failed is None:
                    if record is not None:
                        nodes_rec[nom] = {"feasible": True, "filters": frec, "scores": [], "total": 0}
                        record["selected"] = nom
                    return ScheduleResult(nom, feasible=1, evaluated=1, record=record)
                # its status stays in the diagnosis (an Error status is not recorded, upstream logs it)
                nom_failed = failed.code != Code.Error
        processed = 0
        start = cursor.index
        for i in range(n):
            ni = infos[(start + i) % n]
            failed, frec = self._filter_node(state, pod, ni, filters, recording)
            if failed is None and len(feasible) >= k:
                # the search is cancelled by one feasible node too many; it is neither kept nor counted
                break
            processed += 1
            if record is not None:
                nodes_rec[ni.name] = {"feasible": failed is None, "filters": frec, "scores": [], "total": 0}
            if failed is None:
                feasible.append(ni)
            else:
                if failed.code == Code.Error:
                    return ScheduleResult(None, code=Code.Error, message=failed.message, record=record)
                rejected.add(failed.plugin)
                for reason in failed.reasons:
                    reasons[reason] = reasons.get(reason, 0) + 1
        if nom_failed and (nom_index < 0 or (nom_index - start) % n >= processed):
            # processedNodes = feasible + NodeToStatus.Len(): the nominated node's failure counts even when the
            # search stopped before reaching it again
            processed += 1
        if n or nom_failed:
            cursor.index = (start + processed) % n_all
        if not feasible:
            if absent:
                key = _absent_reason(state)
                reasons[key] = reasons.get(key, 0) + absent
                rejected.update(state.restricted_by)  # Diagnosis.UnschedulablePlugins starts with them
            return ScheduleResult(
                None,
                code=Code.Unschedulable,
                message=fit_error_message(n_all, reasons),
                unschedulable_plugins=frozenset(rejected),
                evaluated=processed,
                record=record,
            )
        if len(feasible) == 1:
            chosen = feasible[0].name
        else:
            totals = self._score_reference(state, pod, feasible, nodes_rec if record is not None else None)
            if isinstance(totals, Status):
                return ScheduleResult(None, code=Code.Error, message=totals.message, record=record)
            top = max(totals)
            ties = [i for i, t in enumerate(totals) if t == top]
            pick = ties[rng.randrange(len(ties))] if len(ties) > 1 else ties[0]
            chosen = feasible[pick].name
        if record is not None:
            record["selected"] = chosen
        return ScheduleResult(chosen, feasible=len(feasible), evaluated=processed, record=record)

    def _score_reference(
        self, state: CycleState, pod: Pod, nodes: list[NodeInfo], rec: dict[str, Any] | None
    ) -> list[int] | Status:
        for pl in self.pre_score:
            st = pl.pre_score(state, pod, nodes)
            if st is None or st.code == Code.Success:
                continue
            if st.code == Code.Skip:
                state.skip_score.add(pl.name)
                continue
            st.plugin = pl.name
            return st
        totals = [0] * len(nodes)
        for pl, weight in self.score:
            if pl.name in state.skip_score:
                continue
            raw = [pl.score(state, pod, ni) for ni in nodes]
            norm = list(raw)
            if pl.name in self._normalizes:
                pl.normalize_score(state, pod, norm)
            for i, s in enumerate(norm):
                if s < 0 or s > MAX_NODE_SCORE:
                    return Status(
                        Code.Error, f'plugin "{pl.name}" returns an invalid score {s}, it should in the range of '
                        f"[0, {MAX_NODE_SCORE}] after normalizing",
                    )  # fmt: skip
                totals[i] += s * weight
                if rec is not None:
                    rec[nodes[i].name]["scores"].append(
                        {
                            "plugin": pl.name,
                            "raw": raw[i],
                            "normalized": s,
                            "weight": weight,
                            "weighted": s * weight,
                        }
                    )
        if rec is not None:
            for i, ni in enumerate(nodes):
                rec[ni.name]["total"] = totals[i]
        return totals

    def _schedule_fast(
        self, pod: Pod, table: NodeTable, rng: random.Random, cursor: Cursor
    ) -> ScheduleResult:
        n = len(table)
        if n == 0:
            return ScheduleResult(None, code=Code.Unschedulable, message=NO_NODES_AVAILABLE)
        table.order  # noqa: B018 -- refresh the layout first: slot i is the i-th node searched
        state = CycleState()
        st = self._run_pre_filter(state, pod)
        if st is not None:
            return self._prefilter_failure(st, n, None, state)
        if state.node_names is not None:
            return self._schedule_reference(pod, table, rng, cursor, False)
        mask: BoolArr | None = None
        skip = state.skip_filter
        for pl in self.filter:
            if pl.name in skip:
                continue
            m = pl.filter_vector(state, pod, table)
            if m is not None:
                mask = m if mask is None else mask & m
        k = self._num_to_find(n)
        start = cursor.index
        cand: Any
        if mask is not None:
            mask = mask[:n]
            if mask.all():
                mask = None
        if mask is None:
            processed = k
            cand = slice(start, start + k) if start + k <= n else table.wrap[start : start + k]
            found = k
        else:
            idx = np.flatnonzero(mask)
            found = len(idx)
            if found == 0:
                return self._diagnose_fast(state, pod, table)
            if start:
                j = int(np.searchsorted(idx, start))
                if j:
                    idx = np.concatenate((idx[j:], idx[:j]))
            if found > k:
                # nodes up to (not including) the feasible node one too many, as the cancelled parallel search
                cand = idx[:k]
                processed = (int(idx[k]) - start) % n
                found = k
            else:
                cand = idx
                processed = n
        cursor.index = (start + processed) % n
        nodes = table.nodes
        if found == 1:
            node = nodes[start if isinstance(cand, slice) else int(cand[0])]
            assert node is not None
            return ScheduleResult(node.name, feasible=1, evaluated=processed)
        if self.pre_score:
            infos: Sequence[NodeInfo] = _LazyInfos(table, cand, n)
            for pl in self.pre_score:
                pst = pl.pre_score(state, pod, infos)
                if pst is None or pst.code == Code.Success:
                    continue
                if pst.code == Code.Skip:
                    state.skip_score.add(pl.name)
                    continue
                return ScheduleResult(None, code=Code.Error, message=pst.message)
        total: I64 | None = None
        for pl, weight in self.score:
            if pl.name in state.skip_score:
                continue
            raw = pl.score_vector(state, pod, table, cand)
            if pl.name in self._normalizes:
                raw = pl.normalize_vector(state, pod, raw)
            if raw.ndim == 0:  # the same score for every node: no effect on the choice
                continue
            part = raw * weight if weight != 1 else raw
            total = part if total is None else total + part
        if total is None:
            pick = rng.randrange(found)
        else:
            eq = total == total.max()
            if np.count_nonzero(eq) == 1:
                pick = int(eq.argmax())
            else:
                ties = np.flatnonzero(eq)
                pick = int(ties[rng.randrange(len(ties))])
        slot = start + pick if isinstance(cand, slice) else int(cand[pick])
        node = nodes[slot]
        assert node is not None
        return ScheduleResult(node.name, feasible=found, evaluated=processed)

    def _diagnose_fast(self, state: CycleState, pod: Pod, table: NodeTable) -> ScheduleResult:
        """No feasible node: which plugin rejected each node first, as a reason histogram (vectorised)."""
        order = table.order
        remaining = np.ones(len(order), dtype=np.bool_)
        reasons: dict[str, int] = {}
        rejected: set[str] = set()
        for pl in self.filter:
            if pl.name in state.skip_filter:
                continue
            m = pl.filter_vector(state, pod, table)
            if m is None:
                continue
            ok = m[order]
            fail = remaining & ~ok
            if fail.any():
                rejected.add(pl.name)
                for reason, count in pl.filter_reasons_vector(state, pod, table, order[fail]).items():
                    reasons[reason] = reasons.get(reason, 0) + count
                remaining &= ok
        return ScheduleResult(
            None,
            code=Code.Unschedulable,
            message=fit_error_message(len(order), reasons),
            unschedulable_plugins=frozenset(rejected),
            evaluated=len(order),
        )


class _LazyInfos(Sequence[NodeInfo]):
    """NodeInfo views over slots, built only if a PreScore plugin looks at them."""

    def __init__(self, table: NodeTable, cand: Any, n: int) -> None:
        self.table = table
        self.cand = cand
        self.n = n
        self._slots: I64 | None = None

    @property
    def slots(self) -> I64:
        if self._slots is None:
            self._slots = np.arange(self.n, dtype=np.int64)[self.cand]
        return self._slots

    def __len__(self) -> int:
        return len(self.slots)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        slot = int(self.slots[i])
        node = self.table.nodes[slot]
        assert node is not None
        return NodeInfo(self.table, slot, node)


# -- building profiles from a KubeSchedulerConfiguration ---------------------------------------------------------
def _build_profile(
    sp: SchedulerProfile, global_pct: int | None, handle: Handle, default_refs: Sequence[PluginRef]
) -> Profile:
    for point in sp.plugins:
        if point not in ("multiPoint", *(p for p, _ in _POINTS), *_IGNORED_POINTS):
            raise ConfigError(f"profile {sp.scheduler_name!r}: unknown extension point {point!r}")
    multi = _merge_plugin_set(default_refs, sp.plugins.get("multiPoint", PluginSet()))
    for ref in multi:
        if ref.name not in BUILTIN:
            _check_available(ref.name, sp.scheduler_name)
    multi = [r for r in multi if r.name not in BUILTIN and _available(r.name)]
    classes: dict[str, type[Plugin]] = {}

    def cls_of(name: str) -> type[Plugin]:
        if name not in classes:
            classes[name] = lookup_plugin(name)
        return classes[name]

    points: dict[str, list[str]] = {}
    for point, method in (*_POINTS, *((p, "") for p in _IGNORED_POINTS)):
        pset = sp.plugins.get(point, PluginSet())
        specific = [r.name for r in pset.enabled]
        if not method:
            for name in specific:
                if name not in BUILTIN:
                    raise ConfigError(
                        f"profile {sp.scheduler_name!r}: extension point {point!r} is not modelled (plugin {name!r})"
                    )
            continue
        for name in specific:
            if not _implements(cls_of(name), method):
                raise ConfigError(f"profile {sp.scheduler_name!r}: plugin {name!r} does not extend {point}")
        disabled = {r.name for r in pset.disabled}
        if "*" in disabled:
            points[point] = _dedupe(specific, point, sp.scheduler_name)
            continue
        override: list[str] = []
        from_multi: list[str] = []
        for ref in multi:
            if not _implements(cls_of(ref.name), method) or ref.name in disabled:
                continue
            if ref.name in specific:
                if ref.name not in override:
                    override.append(ref.name)
                continue
            if ref.name in from_multi:
                raise ConfigError(
                    f"profile {sp.scheduler_name!r}: plugin {ref.name!r} already registered as {point}"
                )
            from_multi.append(ref.name)
        # part 1, the overridden multiPoint plugins, keeps the order of the extension point's own list
        override = [n for n in specific if n in override]
        ordered = override + from_multi + [n for n in specific if n not in override]
        points[point] = _dedupe(ordered, point, sp.scheduler_name)
    weights: dict[str, int] = {}
    for ref in (*sp.plugins.get("score", PluginSet()).enabled, *multi):
        if ref.name in weights or not _implements(cls_of(ref.name), "score"):
            continue
        weight = ref.weight or 0
        if weight < 0:
            raise ConfigError(
                f"profile {sp.scheduler_name!r}: score plugin {ref.name!r} has negative weight {weight}"
            )
        weights[ref.name] = weight or 1
    # only the plugins that score in this profile have a weight (a multiPoint plugin disabled at score has none)
    weights = {name: w for name, w in weights.items() if name in points.get("score", [])}
    if len(points.get("queueSort", [])) != 1:
        raise ConfigError(f"profile {sp.scheduler_name!r}: exactly one queueSort plugin must be enabled")
    if not points.get("bind"):
        raise ConfigError(f"profile {sp.scheduler_name!r}: at least one bind plugin must be enabled")
    needed = {n for names in points.values() for n in names}
    for name in sp.plugin_config:
        if name not in needed and name not in KNOWN_UPSTREAM and name not in _registry() and ":" not in name:
            raise ConfigError(f"profile {sp.scheduler_name!r}: pluginConfig for unknown plugin {name!r}")
    instances: dict[str, Plugin] = {}
    for name in sorted(needed):
        cls = cls_of(name)
        args = sp.plugin_config.get(name)
        try:
            instances[name] = cls(args, handle)
        except ConfigError:
            raise
        except (ValueError, TypeError, KeyError) as err:
            raise ConfigError(f"profile {sp.scheduler_name!r}: bad args for plugin {name!r}: {err}") from err
        if not instances[name].name:
            instances[name].name = name  # type: ignore[misc]
    pct = sp.percentage_of_nodes_to_score if sp.percentage_of_nodes_to_score is not None else global_pct
    if pct is not None and not 0 <= pct <= 100:
        raise ConfigError(f"percentageOfNodesToScore must be in [0, 100], got {pct}")
    return Profile(sp.scheduler_name, instances, points, weights, pct, handle)


def _implements(cls: type[Plugin], method: str) -> bool:
    if method == "less":
        return cls.implements("less") or cls.implements("sort_key")
    return cls.implements(method)


def _available(name: str) -> bool:
    return name in _registry() or ":" in name


def _check_available(name: str, profile: str) -> None:
    if name in _registry() or ":" in name:
        return
    if name in KNOWN_UPSTREAM and name in dict(DEFAULT_PLUGINS):
        return  # a default plugin kubesim does not model yet: left out of the defaults
    lookup_plugin(name)  # raises


def _dedupe(names: list[str], point: str, profile: str) -> list[str]:
    if len(set(names)) != len(names):
        raise ConfigError(f"profile {profile!r}: a plugin is enabled twice at {point}: {names}")
    return names


def build_profiles(config: KubeSchedulerConfiguration | None, handle: Handle) -> dict[str, Profile]:
    """Profiles by schedulerName from ``config`` (None: one ``default-scheduler`` profile with the defaults).

    Raises:
        ConfigError: unknown plugins, bad args, duplicate profile names, mismatched queueSort.
    """
    cfg = config if config is not None else KubeSchedulerConfiguration(name="")
    default_refs = [PluginRef(name, weight) for name, weight in DEFAULT_PLUGINS]
    profiles: dict[str, Profile] = {}
    if not cfg.profiles:
        raise ConfigError("KubeSchedulerConfiguration has no profiles")
    for sp in cfg.profiles:
        if sp.scheduler_name in profiles:
            raise ConfigError(f"duplicate profile schedulerName {sp.scheduler_name!r}")
        profiles[sp.scheduler_name] = _build_profile(
            sp, cfg.percentage_of_nodes_to_score, handle, default_refs
        )
    sorts = {tuple(p.points.get("queueSort", [])) for p in profiles.values()}
    if len(sorts) > 1:
        raise ConfigError("all profiles must use the same queueSort plugin")
    return profiles
