"""DefaultPreemption (PostFilter): when no node passes Filter, find a node where evicting lower-priority pods lets
the pod fit, and nominate it (``plugins/defaultpreemption/default_preemption.go`` and
``framework/preemption/preemption.go``, Kubernetes 1.35; synchronous preemption, the default).

* Eligibility (``PodEligibleToPreemptOthers``): ``preemptionPolicy: Never`` never preempts (the pod's own field,
  else its PriorityClass's, else PreemptLowerPriority); a pod whose nominated node still has a pod terminating
  because of a preemption waits ("not eligible due to a terminating pod on the nominated node."), unless that
  node is now UnschedulableAndUnresolvable for it.
* Candidates: only nodes whose Filter status is ``Unschedulable`` (UnschedulableAndUnresolvable nodes cannot be
  helped). The dry run starts at a random offset (from the run's seeded scheduler stream) and stops once at least
  one candidate violates no PDB and ``max(nodes x minCandidateNodesPercentage / 100, minCandidateNodesAbsolute)``
  (at most the node count) candidates were found; defaults 10 % and 100.
* Victims on a node (``SelectVictimsOnNode``): every pod of strictly lower priority is taken off; if the pod then
  fails PreFilter/Filter (with nominated pods) the node is no candidate. Otherwise victims are reprieved one by
  one, most important first (higher priority, then earlier start), the PDB-violating ones first; a pod stays when
  the preemptor still fits with it. A victim violates a PDB when the PDB (same namespace, non-empty selector
  matching it, the pod not in ``disruptedPods``) has no disruption left after the earlier victims.
* Choice (``pickOneNodeForPreemption``): fewest PDB violations, then the lowest highest victim priority, then the
  smallest sum of (priority + 2^31), then the fewest victims, then the latest earliest start time among the
  highest-priority victims, then the first candidate found (upstream: Go map order, i.e. arbitrary).
* Messages: a failure is ``preemption: <FitError of the dry run>``, e.g. ``preemption: 0/3 nodes are available:
  3 No preemption victims found for incoming pod.``; nodes not tried count as ``Preemption is not helpful for
  scheduling``. Not eligible: ``preemption: not eligible due to preemptionPolicy=Never.``

The plugin only computes; the scheduler carries the result out (nominates the pod, deletes the victims gracefully
with a ``Preempted`` event each, clears lower-priority nominations on that node).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from models.pod import Pod
from simulator.scheduler.cache import NodeInfo
from simulator.scheduler.framework import (
    Code,
    ConfigError,
    CycleState,
    Handle,
    Plugin,
    PostFilterResult,
    Status,
    fit_error_message,
)

if TYPE_CHECKING:
    from simulator.scheduler.framework import Profile

__all__ = ["DefaultPreemption", "more_important_key"]

NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NEVER = "not eligible due to preemptionPolicy=Never."
TERMINATING = "not eligible due to a terminating pod on the nominated node."
_PRIORITY_OFFSET = 2**31  # math.MaxInt32 + 1: makes every priority non-negative in the sum


def more_important_key(pod: Pod, now: float) -> tuple[int, float]:
    """Sort key for ``util.MoreImportantPod``: higher priority first, then the earlier start (no start = now)."""
    return (-pod.priority, pod.start_time if pod.start_time is not None else now)


class _Candidate:
    __slots__ = ("node", "pdb_violations", "victims")

    def __init__(self, node: str, victims: list[Pod], pdb_violations: int) -> None:
        self.node = node
        self.victims = victims
        self.pdb_violations = pdb_violations


class DefaultPreemption(Plugin):
    name = "DefaultPreemption"

    def __init__(self, args: Mapping[str, Any] | None = None, handle: Handle | None = None) -> None:
        super().__init__(args, handle)
        known = {"minCandidateNodesPercentage", "minCandidateNodesAbsolute", "apiVersion", "kind"}
        unknown = set(self.args) - known
        if unknown:
            raise ConfigError(f"DefaultPreemption args: unknown field(s) {sorted(unknown)}")
        pct = self.args.get("minCandidateNodesPercentage", 10)
        absolute = self.args.get("minCandidateNodesAbsolute", 100)
        for key, value in (("minCandidateNodesPercentage", pct), ("minCandidateNodesAbsolute", absolute)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"DefaultPreemption args: {key} must be an integer, got {value!r}")
        # ValidateDefaultPreemptionArgs (1.35)
        if not 0 <= pct <= 100:
            raise ConfigError(
                f"DefaultPreemption args: minCandidateNodesPercentage must be in [0, 100], got {pct}"
            )
        if absolute < 0:
            raise ConfigError(
                f"DefaultPreemption args: minCandidateNodesAbsolute must be >= 0, got {absolute}"
            )
        if pct == 0 and absolute == 0:
            raise ConfigError(
                "DefaultPreemption args: minCandidateNodesPercentage and minCandidateNodesAbsolute cannot both be 0"
            )
        self.min_pct: int = pct
        self.min_abs: int = absolute

    # -- helpers ----------------------------------------------------------------------------------------------
    def num_candidates(self, num_nodes: int) -> int:
        """``calculateNumCandidates``."""
        n = num_nodes * self.min_pct // 100
        if n < self.min_abs:
            n = self.min_abs
        return min(n, num_nodes)

    def preemption_policy(self, pod: Pod) -> str:
        """The pod's preemptionPolicy; admission copies it from the PriorityClass upstream, so fall back to it."""
        if pod.spec.preemption_policy:
            return pod.spec.preemption_policy
        store = self.handle.store
        if pod.spec.priority_class_name and store is not None:
            pc = store.get("PriorityClass", "", pod.spec.priority_class_name)
            policy = getattr(pc, "preemption_policy", None) if pc is not None else None
            if policy:
                return str(policy)
        return "PreemptLowerPriority"

    def eligible(self, pod: Pod, statuses: Mapping[str, Status]) -> tuple[bool, str]:
        """``PodEligibleToPreemptOthers``."""
        if self.preemption_policy(pod) == "Never":
            return False, NEVER
        nom = pod.nominated_node_name
        if nom:
            st = statuses.get(nom)
            if st is not None and st.code == Code.UnschedulableAndUnresolvable:
                return True, ""
            ni = self.handle.table.info(nom)
            if ni is not None:
                preempted = self.handle.preempted
                for p in ni.pods:
                    if (
                        p.priority < pod.priority
                        and p.deletion_timestamp is not None
                        and (p.uid or p.key) in preempted
                    ):
                        return False, TERMINATING
        return True, ""

    def _pdbs(self) -> list[tuple[Any, int, Mapping[str, float]]]:
        store = self.handle.store
        if store is None:
            return []
        from simulator.controllers.disruption import pdb_status

        out: list[tuple[Any, int, Mapping[str, float]]] = []
        for pdb in store.list("PodDisruptionBudget"):
            if pdb.selector is None or pdb.selector.is_empty:
                continue  # a nil or empty selector matches nothing here (filterPodsWithPDBViolation)
            status = pdb_status(pdb)
            out.append((pdb, pdb.disruptions_allowed, status.disrupted_pods if status is not None else {}))
        return out

    @staticmethod
    def split_by_pdb(
        pods: Sequence[Pod], pdbs: Sequence[tuple[Any, int, Mapping[str, float]]]
    ) -> tuple[list[Pod], list[Pod]]:
        """``filterPodsWithPDBViolation``: (violating, non-violating), each in the given order."""
        allowed = [a for _, a, _ in pdbs]
        violating: list[Pod] = []
        ok: list[Pod] = []
        for pod in pods:
            violated = False
            if pod.labels:
                for i, (pdb, _, disrupted) in enumerate(pdbs):
                    if pdb.namespace != pod.namespace or not pdb.selector.matches(pod.labels):
                        continue
                    if pod.name in disrupted:
                        continue
                    allowed[i] -= 1
                    if allowed[i] < 0:
                        violated = True
            (violating if violated else ok).append(pod)
        return violating, ok

    def select_victims(
        self, pod: Pod, ni: NodeInfo, pdbs: Sequence[tuple[Any, int, Mapping[str, float]]], profile: Profile
    ) -> tuple[list[Pod], int, Status]:
        """``SelectVictimsOnNode``: the minimal victims on ``ni`` (most important first), their PDB violations."""
        potential = [p for p in ni.pods if p.priority < pod.priority]
        if not potential:
            return [], 0, Status(Code.UnschedulableAndUnresolvable, NO_VICTIMS)
        table = ni.table
        node = ni.name
        now = self.handle.engine.now if self.handle.engine is not None else 0.0
        for p in potential:
            table.remove_pod(p.uid or p.key)
        try:
            st = profile.filter_on_node(pod, ni)
            if not st.is_success:
                return [], 0, st
            potential.sort(key=lambda p: more_important_key(p, now))
            violating, non_violating = self.split_by_pdb(potential, pdbs)
            victims: list[Pod] = []
            violations = 0
            for group, counts in ((violating, True), (non_violating, False)):
                for p in group:
                    table.add_pod(p, node)
                    if profile.filter_on_node(pod, ni).is_success:
                        continue  # reprieved
                    table.remove_pod(p.uid or p.key)
                    victims.append(p)
                    violations += counts
            if violating and non_violating:
                victims.sort(key=lambda p: more_important_key(p, now))
            return victims, violations, Status()
        finally:
            for p in potential:
                if not table.has_pod(p.uid or p.key):
                    table.add_pod(p, node)

    def pick_one(self, candidates: Sequence[_Candidate]) -> _Candidate:
        """``pickOneNodeForPreemption`` with the default score functions, in order."""
        now = self.handle.engine.now if self.handle.engine is not None else 0.0

        def earliest_start(c: _Candidate) -> float:
            top = max(p.priority for p in c.victims)
            return min(
                p.start_time if p.start_time is not None else now for p in c.victims if p.priority == top
            )

        funcs = (
            lambda c: -c.pdb_violations,
            lambda c: -c.victims[0].priority,
            lambda c: -sum(p.priority + _PRIORITY_OFFSET for p in c.victims),
            lambda c: -len(c.victims),
            earliest_start,
        )
        remaining = list(candidates)
        for f in funcs:
            scores = [f(c) for c in remaining]
            best = max(scores)
            remaining = [c for c, s in zip(remaining, scores, strict=True) if s == best]
            if len(remaining) == 1:
                break
        return remaining[0]

    # -- PostFilter -------------------------------------------------------------------------------------------
    def post_filter(
        self,
        state: CycleState,
        pod: Pod,
        statuses: Mapping[str, Status],
        profile: Profile,
        rng: random.Random,
    ) -> PostFilterResult | None:
        ok, msg = self.eligible(pod, statuses)
        if not ok:
            return PostFilterResult(Status(Code.Unschedulable, "preemption: " + msg))
        table = self.handle.table
        infos = list(table.node_infos())
        potential = [
            ni for ni in infos if (s := statuses.get(ni.name)) is not None and s.code == Code.Unschedulable
        ]
        node_status: dict[str, Status] = {}
        nonviolating: list[_Candidate] = []
        violating: list[_Candidate] = []
        errors: list[str] = []
        if potential:
            pdbs = self._pdbs()
            count = len(potential)
            offset = rng.randrange(count)
            want = self.num_candidates(count)
            for i in range(count):
                ni = potential[(offset + i) % count]
                victims, violations, st = self.select_victims(pod, ni, pdbs, profile)
                if st.is_success and victims:
                    c = _Candidate(ni.name, victims, violations)
                    group = nonviolating if violations == 0 else violating
                    if len(group) < want:
                        group.append(c)
                    if nonviolating and len(nonviolating) + len(violating) >= want:
                        break
                    continue
                if st.is_success:
                    st = Status(Code.Error, f'expected at least one victim pod on node "{ni.name}"')
                if st.code == Code.Error:
                    errors.append(st.message)
                node_status[ni.name] = st
        candidates = nonviolating + violating
        if not candidates:
            if errors:
                return PostFilterResult(Status(Code.Error, "preemption: " + "; ".join(errors)))
            reasons: dict[str, int] = {}
            for st in node_status.values():
                for reason in st.reasons:
                    reasons[reason] = reasons.get(reason, 0) + 1
            absent = len(infos) - len(node_status)
            if absent > 0:
                reasons[NOT_HELPFUL] = reasons.get(NOT_HELPFUL, 0) + absent
            return PostFilterResult(
                Status(Code.Unschedulable, "preemption: " + fit_error_message(len(infos), reasons)),
                nominated_node="",
            )
        best = self.pick_one(candidates) if len(candidates) > 1 else candidates[0]
        return PostFilterResult(Status(), nominated_node=best.node, victims=best.victims)
