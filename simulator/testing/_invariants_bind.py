"""Bind-time invariants: the scheduler's Filter plugins, re-run against the cluster as it was just before a bind.

Why a mirror of the scheduler's cache: the scheduler counts a pod on its node (``assume``) before its Bind plugin
writes the binding, and its plugins read that cache, so asking the scheduler's own plugins at the moment the store
reports the bind would see the pod on the node already. ``BindWatch`` keeps its own ``NodeTable`` from the store's
Pod and Node events (pods count from bind until they are deleted or finish, as kube-scheduler's cache does), with
its own copies of each profile's PreFilter/Filter plugins, and tells its listeners about a bind *before* it adds
the pod: they see the state just before the bind. It never touches the scheduler, so a buggy scheduler cache cannot
hide a wrong decision.

Nominated pods (preemption) are not added: a pod that fits only if nominated pods are ignored still fits the
nodes' real contents, and that is what these invariants are about.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from models.node import Node
from models.pod import Pod, PodAffinityTerm, Taint, Toleration
from simulator.scheduler.cache import NodeInfo, NodeTable
from simulator.scheduler.framework import Code, CycleState, Handle, Plugin, Status, lookup_plugin
from simulator.store import ADDED, DELETED
from simulator.testing._invariants_core import Invariant, latest_seqs, object_ref

if TYPE_CHECKING:
    from simulator.scheduler.framework import Profile
    from simulator.simulation import Simulation

__all__ = [
    "BindCheck",
    "BindFilters",
    "BindWatch",
    "RequiredAffinity",
    "Taints",
    "TopologySpread",
    "bind_watch",
]

_TERMINAL = frozenset(("Succeeded", "Failed"))
BindListener = Callable[["BindCheck"], None]


class _Chain:
    """One profile's PreFilter and Filter plugins (copies reading the mirror table), by configured name."""

    __slots__ = ("filter_keys", "filters", "pre", "pre_keys")

    def __init__(self, pre: list[tuple[str, Plugin]], filters: list[tuple[str, Plugin]]) -> None:
        self.pre = pre
        self.filters = filters
        self.pre_keys = {key for key, _ in pre}
        self.filter_keys = {key for key, _ in filters}

    def subset(self, keys: Iterable[str]) -> _Chain:
        wanted = set(keys)
        return _Chain([p for p in self.pre if p[0] in wanted], [p for p in self.filters if p[0] in wanted])


def _run_pre_filters(chain: _Chain, pod: Pod) -> tuple[CycleState, dict[str, Status], dict[str, set[str]]]:
    """Every PreFilter of ``chain`` (not stopping at a rejection: each plugin is judged on its own).

    Returns the cycle state, the rejections by plugin key, and the node sets PreFilterResults restricted to.
    """
    state = CycleState()
    rejected: dict[str, Status] = {}
    restricted: dict[str, set[str]] = {}
    for key, plugin in chain.pre:
        before = state.node_names
        st = plugin.pre_filter(state, pod)
        if state.node_names is not before and state.node_names is not None:
            restricted[key] = set(state.node_names)
            state.node_names = before  # judged per plugin below; do not let one restriction shadow another
        if st is None or st.code == Code.Success:
            continue
        if st.code == Code.Skip:
            state.skip_filter.add(plugin.name)
            continue
        st.plugin = key
        rejected[key] = st
    return state, rejected, restricted


def _filter_failures(
    chain: _Chain,
    pod: Pod,
    info: NodeInfo,
    state: CycleState,
    rejected: Mapping[str, Status],
    restricted: Mapping[str, set[str]],
) -> dict[str, Status]:
    """The failures of ``chain``'s plugins for ``pod`` on one node: PreFilter rejections and restrictions, then
    every Filter (not stopping at the first failure)."""
    failures = dict(rejected)
    for key, names in restricted.items():
        if info.name not in names and key not in failures:
            failures[key] = Status(
                Code.UnschedulableAndUnresolvable, f"node(s) didn't satisfy plugin(s) [{key}]", plugin=key
            )
    for key, plugin in chain.filters:
        if key in failures or plugin.name in state.skip_filter:
            continue
        st = plugin.filter(state, pod, info)
        if st.code != Code.Success:
            st.plugin = key
            failures[key] = st
    return failures


class BindCheck:
    """One bind as the listeners see it: the pod, its node, the log line of the bind, and the Filter verdicts
    (computed on demand, once, against the mirror table before the pod is added)."""

    __slots__ = ("_plugin_results", "_profile_result", "node", "pod", "seq", "time", "watch")

    def __init__(self, watch: BindWatch, pod: Pod, node: str, seq: int, time: float) -> None:
        self.watch = watch
        self.pod = pod
        self.node = node
        self.seq = seq
        self.time = time
        self._profile_result: dict[str, Status] | None = None
        self._plugin_results: dict[str, Status | None] = {}

    @property
    def info(self) -> NodeInfo | None:
        """The node's view in the mirror table (None when the node does not exist)."""
        return self.watch.table.info(self.node)

    @property
    def node_object(self) -> Node | None:
        info = self.info
        return info.node if info is not None else None

    def profile_failures(self) -> dict[str, Status] | None:
        """Failing plugins (by configured name) among the pod's profile's PreFilter/Filter plugins; None when no
        profile of the scheduler is named by the pod's ``schedulerName``."""
        if self._profile_result is None:
            chain = self.watch.chain(self.pod.spec.scheduler_name)
            if chain is None:
                return None
            info = self.info
            if info is None:
                self._profile_result = {
                    "": Status(Code.UnschedulableAndUnresolvable, f"node {self.node} does not exist")
                }
            else:
                state, rejected, restricted = _run_pre_filters(chain, self.pod)
                self._profile_result = _filter_failures(chain, self.pod, info, state, rejected, restricted)
        return self._profile_result

    def plugin_failure(self, key: str) -> Status | None:
        """The verdict of one plugin (an in-tree name), configured as in the pod's profile when the profile has
        it as a Filter, else with default args; None when it passes (or the node does not exist)."""
        if key in self._plugin_results:
            return self._plugin_results[key]
        info = self.info
        result: Status | None = None
        if info is not None:
            chain = self.watch.chain(self.pod.spec.scheduler_name)
            if chain is not None and key in chain.filter_keys:
                if self._profile_result is not None:
                    result = self._profile_result.get(key)
                else:
                    sub = chain.subset((key,))
                    state, rejected, restricted = _run_pre_filters(sub, self.pod)
                    result = _filter_failures(sub, self.pod, info, state, rejected, restricted).get(key)
            else:
                sub = self.watch.default_chain(key)
                state, rejected, restricted = _run_pre_filters(sub, self.pod)
                result = _filter_failures(sub, self.pod, info, state, rejected, restricted).get(key)
        self._plugin_results[key] = result
        return result


class BindWatch:
    """The mirror of the scheduler's cache shared by the bind-time invariants of one simulation.

    Args:
        sim: the simulation; its scheduler's profiles are copied (plugins re-created from their args).
    """

    def __init__(self, sim: Simulation) -> None:
        # No reference to ``sim`` itself: ``bind_watch`` keys a weak dictionary by it.
        self.log = sim.log
        self.engine = sim.engine
        store = sim.store
        self.table = NodeTable()
        self.handle = Handle(store, sim.engine, sim.defaults, self.table)
        self.listeners: list[BindListener] = []
        #: seq of the latest event-log record of each node
        self.node_seq: dict[str, int] = {}
        #: seq of the record that bound each counted pod (uid -> seq)
        self.bind_seq: dict[str, int] = {}
        self.problems: list[str] = []
        self._chains: dict[str, _Chain | None] = {
            name: self._clone(profile) for name, profile in sim.scheduler.profiles.items()
        }
        self._defaults: dict[str, _Chain] = {}
        latest = latest_seqs(sim.log)
        for node in store.list("Node"):
            self.table.add_node(node)
            if ("Node", "", node.name) in latest:
                self.node_seq[node.name] = latest[("Node", "", node.name)]
        for pod in store.list("Pod"):
            if pod.node_name and pod.phase not in _TERMINAL:
                self.table.add_pod(pod)
                self.bind_seq[pod.uid] = latest.get(("Pod", pod.namespace, pod.name), 0)
        store.watch("Node", self._on_node)
        store.watch("Pod", self._on_pod)

    def _clone(self, profile: Profile) -> _Chain | None:
        copies: dict[str, Plugin] = {}
        keys = [*profile.points.get("preFilter", ()), *profile.points.get("filter", ())]
        for key in keys:
            if key in copies:
                continue
            original = profile.plugins[key]
            try:
                copy = type(original)(original.args, self.handle)
            except Exception as err:  # a custom plugin that cannot be built twice: say so, check nothing
                self.problems.append(
                    f"profile {profile.scheduler_name}: cannot copy plugin {key} ({err}); bind-time filters of "
                    "this profile are not checked"
                )
                return None
            if not copy.name:
                copy.name = key  # type: ignore[misc]  # as build_profiles names an unnamed plugin
            copies[key] = copy
        return _Chain(
            [(k, copies[k]) for k in profile.points.get("preFilter", ())],
            [(k, copies[k]) for k in profile.points.get("filter", ())],
        )

    def chain(self, scheduler_name: str) -> _Chain | None:
        """The copied plugins of the profile named ``scheduler_name`` (None: no such profile)."""
        return self._chains.get(scheduler_name)

    def default_chain(self, key: str) -> _Chain:
        """An in-tree plugin with default args, as its own chain (PreFilter if it has one, Filter)."""
        chain = self._defaults.get(key)
        if chain is None:
            cls = lookup_plugin(key)
            plugin = cls(None, self.handle)
            pre = [(key, plugin)] if cls.implements("pre_filter") else []
            chain = self._defaults[key] = _Chain(pre, [(key, plugin)])
        return chain

    # -- watches ----------------------------------------------------------------------------------------------------
    def _on_node(self, change: str, node: Node) -> None:
        self.node_seq[node.name] = self.log.count
        if change == DELETED:
            self.table.remove_node(node.name)
        else:
            self.table.update_node(node)

    def _on_pod(self, change: str, pod: Pod) -> None:
        uid = pod.uid
        table = self.table
        entry = table.pod_node.get(uid)
        if change == DELETED:
            if entry is not None:
                table.remove_pod(uid)
                self.bind_seq.pop(uid, None)
            return
        node = pod.node_name
        if not node or pod.phase in _TERMINAL:
            if entry is not None:
                table.remove_pod(uid)
                self.bind_seq.pop(uid, None)
            return
        if entry is not None and entry[0] == node:
            return  # the common case: a bound pod's status changed
        seq = self.log.count
        if change != ADDED and self.listeners:
            # A bind (node_name set on an existing pod), seen before the pod is counted: the state just before it.
            check = BindCheck(self, pod, node, seq, self.engine.now)
            for listener in self.listeners:
                listener(check)
        table.add_pod(pod, node)
        self.bind_seq[uid] = seq

    # -- whole-cluster questions ------------------------------------------------------------------------------------
    def feasible_nodes(self, pod: Pod) -> tuple[list[str], dict[str, int]] | None:
        """The nodes where every PreFilter/Filter plugin of the pod's profile passes now (without preemption), and
        a histogram of the first failing reason elsewhere; None when the pod's profile does not exist."""
        chain = self.chain(pod.spec.scheduler_name)
        if chain is None:
            return None
        state, rejected, restricted = _run_pre_filters(chain, pod)
        feasible: list[str] = []
        reasons: dict[str, int] = {}
        for info in self.table.node_infos():
            failures = _filter_failures(chain, pod, info, state, rejected, restricted)
            if not failures:
                feasible.append(info.name)
                continue
            first = next(iter(failures.values()))
            for reason in first.reasons or (f"rejected by {first.plugin}",):
                reasons[reason] = reasons.get(reason, 0) + 1
        return feasible, reasons


_WATCHES: weakref.WeakKeyDictionary[Simulation, BindWatch] = weakref.WeakKeyDictionary()


def bind_watch(sim: Simulation) -> BindWatch:
    """The simulation's ``BindWatch``, created (and subscribed) on first use."""
    watch = _WATCHES.get(sim)
    if watch is None:
        watch = _WATCHES[sim] = BindWatch(sim)
    return watch


# -- the invariants -----------------------------------------------------------------------------------------------
def _verdicts(failures: Mapping[str, Status]) -> list[str]:
    return [f"{key or 'node'}: {st.message or st.code.name}" for key, st in failures.items()]


class _BindInvariant(Invariant):
    """Base of the bind-time invariants: registers with the shared ``BindWatch``."""

    def __init__(self) -> None:
        super().__init__()
        self.watch: BindWatch | None = None

    def attach(self, sim: Simulation) -> None:
        super().attach(sim)
        self.watch = bind_watch(sim)
        for problem in self.watch.problems:
            self.note(problem)
        self.watch.listeners.append(self._on_bind)

    def _on_bind(self, check: BindCheck) -> None:
        raise NotImplementedError

    def _lines(self, check: BindCheck) -> list[int]:
        assert self.watch is not None
        seqs = [check.seq]
        node_seq = self.watch.node_seq.get(check.node)
        if node_seq is not None:
            seqs.append(node_seq)
        return seqs

    @staticmethod
    def _refs(check: BindCheck) -> list[str]:
        return [object_ref(check.pod), f"Node/{check.node}"]


class BindFilters(_BindInvariant):
    """Every Filter plugin of a pod's scheduling profile passes for the pod on the node it is bound to.

    Checked at each bind (a pod's ``nodeName`` set by the scheduler), against the cluster just before the bind:
    the profile's PreFilter and Filter plugins (copies, configured as in the KubeSchedulerConfiguration, reading a
    mirror of the scheduler cache built from the store's events) are run for the pod on that node, every one of
    them, not stopping at the first failure. Kubernetes' rule: kube-scheduler binds a pod only to a node that
    passed every Filter plugin in its scheduling cycle (``schedule_one.go``), and the cluster cannot change between
    that cycle and the bind in kubesim (the bind is written in the same engine callback). This subsumes
    ``no-overcommit`` (NodeResourcesFit), ``required-affinity``, ``topology-spread`` and ``taints`` for the
    plugins the profile enables.

    When it can legitimately not hold: never for kubesim's own scheduler (a failure is a scheduler bug: a wrong
    decision, a stale cache, a Bind plugin that binds elsewhere, or a Filter plugin whose verdict depends on
    something other than the cluster, e.g. on call order). Filters run without the nominated pods the scheduler
    also considers (so this is the weaker, always-true half of the rule). Pods created with ``spec.nodeName``
    bypass the scheduler and are not checked; pods whose ``schedulerName`` names no profile are not checked.
    """

    name: ClassVar[str] = "bind-filters"

    def _on_bind(self, check: BindCheck) -> None:
        failures = check.profile_failures()
        if not failures:
            return
        pod = check.pod
        if "" in failures:
            self.report(
                f"pod {pod.namespace}/{pod.name} was bound to node {check.node}, which does not exist",
                objects=self._refs(check),
                seqs=self._lines(check),
            )
            return
        self.report(
            f"pod {pod.namespace}/{pod.name} was bound to node {check.node} although Filter plugin(s) "
            f"{', '.join(k or 'node' for k in failures)} of its profile {pod.spec.scheduler_name} reject that node",
            objects=self._refs(check),
            seqs=self._lines(check),
            details=_verdicts(failures),
        )


class _PluginInvariant(_BindInvariant):
    """A bind-time invariant judged by named in-tree Filter plugins (the profile's copy if it has them as Filter,
    else one with default args, so that a profile that disables the plugin is still checked)."""

    plugins: ClassVar[tuple[str, ...]] = ()
    rule: ClassVar[str] = ""

    def _on_bind(self, check: BindCheck) -> None:
        failures = {key: st for key in self.plugins if (st := check.plugin_failure(key)) is not None}
        if not failures:
            return
        pod = check.pod
        self.report(
            f"pod {pod.namespace}/{pod.name} was bound to node {check.node}, violating its {self.rule}",
            objects=self._refs(check) + self._involved(check, failures),
            seqs=self._lines(check),
            details=_verdicts(failures) + self._explain(check, failures),
        )

    def _involved(self, check: BindCheck, failures: Mapping[str, Status]) -> list[str]:
        return []

    def _explain(self, check: BindCheck, failures: Mapping[str, Status]) -> list[str]:
        return []


class RequiredAffinity(_PluginInvariant):
    """No pod is bound where its required node affinity, nodeSelector or required pod (anti-)affinity fails.

    Checked at each bind against the cluster just before it, with the NodeAffinity (``spec.nodeSelector``,
    ``requiredDuringSchedulingIgnoredDuringExecution`` node affinity, and the profile's ``addedAffinity``) and
    InterPodAffinity (the pod's required affinity and anti-affinity terms, and the symmetric rule: no existing
    pod's required anti-affinity term may match the pod in the node's topology domain) Filter plugins. Kubernetes'
    rule: ``requiredDuringScheduling`` terms are hard constraints at scheduling time ("IgnoredDuringExecution":
    later label changes do not evict, so only bind time is checked).

    The plugins are used even when the profile disables them (then with default args), so a profile that switches
    them off and binds against a rule is reported. When it can legitimately not hold: pods created with
    ``spec.nodeName`` (they bypass the scheduler, as kubelet admission does not check pod affinity) are not
    checked; a profile that deliberately disables the plugins breaks the rule by design.
    """

    name: ClassVar[str] = "required-affinity"
    plugins = ("NodeAffinity", "InterPodAffinity")
    rule = "required (anti-)affinity"

    def _involved(self, check: BindCheck, failures: Mapping[str, Status]) -> list[str]:
        if "InterPodAffinity" not in failures:
            return []
        # the pods on the same node that the pod's anti-affinity selects or whose anti-affinity selects it
        out: list[str] = []
        pod = check.pod
        info = check.info
        if info is None:
            return out
        terms = _anti_terms(pod)
        for other in info.pods:
            if any(_term_selects(t, pod, other) for t in terms) or any(
                _term_selects(t, other, pod) for t in _anti_terms(other)
            ):
                out.append(object_ref(other))
        return out[:10]

    def _explain(self, check: BindCheck, failures: Mapping[str, Status]) -> list[str]:
        pod = check.pod
        node = check.node_object
        out: list[str] = []
        if "NodeAffinity" in failures and node is not None:
            if pod.spec.node_selector:
                out.append(f"nodeSelector {dict(pod.spec.node_selector)}; node labels {dict(node.labels)}")
            else:
                out.append(f"node labels {dict(node.labels)}")
        return out


def _anti_terms(pod: Pod) -> Sequence[PodAffinityTerm]:
    aff = pod.spec.affinity
    if aff is None or aff.pod_anti_affinity is None:
        return ()
    return aff.pod_anti_affinity.required


def _term_selects(term: PodAffinityTerm, owner: Pod, other: Pod) -> bool:
    """A simplified reading of a term (label selector and listed namespaces) for naming the pods involved."""
    selector = term.label_selector
    namespaces = term.namespaces or (owner.namespace,)
    return selector is not None and other.namespace in namespaces and selector.matches(other.labels)


class TopologySpread(_PluginInvariant):
    """No pod is bound where a ``whenUnsatisfiable: DoNotSchedule`` topology spread constraint fails.

    Checked at each bind against the cluster just before it, with the PodTopologySpread Filter plugin: placing the
    pod must not make any domain's matching pod count exceed the global minimum (over eligible domains, honouring
    ``minDomains``, ``nodeAffinityPolicy`` and ``nodeTaintsPolicy``) by more than ``maxSkew``, and the node must
    carry every constraint's topology key. Kubernetes' rule: DoNotSchedule constraints are hard at scheduling
    time; ScheduleAnyway ones (and the system default constraints, which are ScheduleAnyway) only score.

    The plugin is used even when the profile disables it (then with default args). When it can legitimately not
    hold: after bind the skew may grow through deletions (Kubernetes does not rebalance), which is not checked;
    pods created with ``spec.nodeName`` are not checked.
    """

    name: ClassVar[str] = "topology-spread"
    plugins = ("PodTopologySpread",)
    rule = "DoNotSchedule topology spread constraints"

    def _explain(self, check: BindCheck, failures: Mapping[str, Status]) -> list[str]:
        pod = check.pod
        assert self.watch is not None
        table = self.watch.table
        out: list[str] = []
        for c in pod.spec.topology_spread_constraints:
            if c.when_unsatisfiable != "DoNotSchedule" or c.label_selector is None:
                continue
            counts: dict[str, int] = {}
            for node in table.nodes:
                if node is not None and c.topology_key in node.labels:
                    counts.setdefault(node.labels[c.topology_key], 0)
            for uid, other in table.ns_pods.get(pod.namespace, {}).items():
                if other.deletion_timestamp is not None or not c.label_selector.matches(other.labels):
                    continue
                slot = table.slot_of.get(table.pod_node[uid][0])
                node = table.nodes[slot] if slot is not None else None
                if node is not None and c.topology_key in node.labels:
                    value = node.labels[c.topology_key]
                    counts[value] = counts.get(value, 0) + 1
            where = check.node_object
            target = where.labels.get(c.topology_key, "<none>") if where is not None else "<none>"
            shown = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
            out.append(
                f"constraint maxSkew={c.max_skew} topologyKey={c.topology_key}: matching pods per domain before "
                f"the bind {{{shown}}}; the pod went to {target}"
            )
        return out


class Taints(_PluginInvariant):
    """No pod is bound to a node with a NoSchedule or NoExecute taint the pod does not tolerate.

    Checked at each bind against the node as it was just before it, with the TaintToleration Filter plugin (used
    even when the profile disables it). Kubernetes' rule: the scheduler never places a pod on a node with an
    untolerated ``NoSchedule`` taint (``NoExecute`` taints also repel at scheduling time; ``PreferNoSchedule``
    only scores). This includes the taints the control plane adds (``node.kubernetes.io/not-ready``,
    ``unreachable``, ``unschedulable`` on a cordoned node).

    When it can legitimately not hold: pods created with ``spec.nodeName`` bypass the scheduler and are not
    checked; a taint added after the bind is NoExecute's business (eviction), not this invariant's.
    """

    name: ClassVar[str] = "taints"
    plugins = ("TaintToleration",)
    rule = "NoSchedule/NoExecute taint tolerations"

    def _explain(self, check: BindCheck, failures: Mapping[str, Status]) -> list[str]:
        node = check.node_object
        if node is None:
            return []
        untolerated = _untolerated(node.taints, check.pod.spec.tolerations)
        shown = ", ".join(f"{t.key}{'=' + t.value if t.value else ''}:{t.effect}" for t in untolerated)
        return [f"untolerated taint(s) on {node.name}: {shown or '(none now)'}"]


def _untolerated(taints: Iterable[Taint], tolerations: Sequence[Toleration]) -> list[Taint]:
    return [
        t
        for t in taints
        if t.effect in ("NoSchedule", "NoExecute") and not any(tol.tolerates(t) for tol in tolerations)
    ]
