"""DefaultPreemption cases ported from kube-scheduler's unit-test tables (facts only).

Upstream: kubernetes/kubernetes pkg/scheduler/framework/plugins/defaultpreemption/default_preemption_test.go, as
stored for Kubernetes 1.35: TestSelectBestCandidate (``pickOneNodeForPreemption``: fewest PDB violations, lowest
highest victim priority, smallest sum of priorities, fewest victims, latest start time) and TestDryRunPreemption
(the candidates and their victims; PDB violations, ``DisruptedPods``; ``minCandidateNodesPercentage`` /
``minCandidateNodesAbsolute`` with the offsets upstream's seeded random source gives, which a stub RNG replays).

kubesim runs the default profile where upstream registers only the plugins a case needs; with these pods and nodes
the other filters pass. Upstream's start times are nanoseconds after the epoch; here seconds, same order.

Not ported (they exercise upstream's fake test plugins, not DefaultPreemption): TestDryRunPreemption's "a pod that
does not fit on any node" (FalseFilter), "a pod that fits with no preemption" (TrueFilter), "a pod that fits on one
node with no preemption" (MatchFilter), "get Unschedulable in the preemption phase when the filter plugins filtering
the nodes" (a fake filter's return code), and every ``expectedNumFilterCalled`` count.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest

from models.meta import LabelSelector, LabelSelectorRequirement
from models.pod import Affinity, Pod, PodAffinity, PodAffinityTerm, TopologySpreadConstraint
from models.policy import PodDisruptionBudget
from simulator.controllers import disruption
from simulator.engine import Engine
from simulator.scheduler import Code, CycleState, build_profiles
from simulator.scheduler.framework import Handle, Status
from simulator.scheduler.plugins.default_preemption import DefaultPreemption, _Candidate
from simulator.store import Store
from tests.scheduler._upstream import node, pod, table

NEG, LOW, MID, HIGH, VERY_HIGH = -100, 0, 100, 1000, 10000
SMALL = {"cpu": 100, "memory": 100}
MEDIUM = {"cpu": 200, "memory": 200}
LARGE = {"cpu": 300, "memory": 300}
VERY_LARGE = {"cpu": 500, "memory": 500}


def mk(
    name: str,
    prio: int,
    res: dict[str, int] | None = None,
    on: str = "",
    start: float | None = None,
    labels: dict[str, str] | None = None,
    **spec: Any,
) -> Pod:
    p = pod(*((res,) if res else ()), name=name, node_name=on, labels=labels, namespace="", **spec)
    p.uid = name
    p.priority = prio
    if on:
        p.phase = "Running"
    p.start_time = start
    return p


class _FixedOffset(random.Random):
    """Replays the dry-run offset upstream's seeded source produced."""

    def __init__(self, offset: int) -> None:
        super().__init__(0)
        self.offset = offset

    def randrange(self, *args: Any, **kwargs: Any) -> int:
        return self.offset


class _Recording(DefaultPreemption):
    """Keeps the dry run's candidate list (what upstream's DryRunPreemption returns)."""

    seen: list[_Candidate]

    def pick_one(self, candidates: Sequence[_Candidate]) -> _Candidate:
        self.seen = list(candidates)
        return super().pick_one(candidates)


def _node(spec: str) -> Any:
    # upstream's "name/zone/region" node names become hostname, zone and region labels
    parts = spec.split("/")
    labels = dict(zip(("hostname", "zone", "region"), parts, strict=False))
    return node(parts[0], VERY_LARGE, labels=labels)


def _run(
    node_specs: Sequence[str],
    pods: Sequence[Pod],
    incoming: Pod,
    pdbs: Sequence[tuple[PodDisruptionBudget, dict[str, float]]] = (),
    args: dict[str, Any] | None = None,
    offset: int = 0,
) -> tuple[str, list[tuple[str, list[str], int]]]:
    """The nominated node and the dry run's candidates as (node, sorted victim names, PDB violations)."""
    nodes = [_node(s) for s in node_specs]
    t = table(nodes, list(pods))
    assert [ni.name for ni in t.node_infos()] == sorted(n.name for n in nodes)  # upstream sorts by name
    engine = Engine(1)
    store = Store(engine)
    for pdb, disrupted in pdbs:
        store.add(pdb)
        disruption._STATUS[pdb] = disruption.PDBStatus(disrupted_pods=dict(disrupted))
    handle = Handle(store=store, engine=engine, table=t)
    profile = build_profiles(None, handle)["default-scheduler"]
    pl = _Recording(args or {}, handle)
    statuses = {n.name: Status(Code.Unschedulable) for n in nodes}
    res = pl.post_filter(CycleState(), incoming, statuses, profile, _FixedOffset(offset))
    assert res is not None
    if not res.status.is_success:
        return "", []
    seen = getattr(pl, "seen", None)
    if seen is None:  # a single candidate: upstream's SelectCandidate returns it without scoring
        seen = [_Candidate(res.nominated_node, list(res.victims), -1)]
    out = sorted((c.node, sorted(v.name for v in c.victims), c.pdb_violations) for c in seen)
    return res.nominated_node, out


SELECT_BEST: list[Any] = [
    # (name, node names, existing pods, incoming pod, any of these nodes is right)
    (
        "a pod that fits on both nodes when lower priority pods are preempted",
        ["node1", "node2"],
        [mk("p1", MID, LARGE, "node1", 0), mk("p2", MID, LARGE, "node2", 0)],
        mk("p", HIGH, LARGE),
        {"node1", "node2"},
    ),
    (
        "node with min highest priority pod is picked",
        ["node1", "node2", "node3"],
        [
            mk("p1.1", MID, MEDIUM, "node1", 0),
            mk("p1.2", MID, LARGE, "node1", 0),
            mk("p2.1", MID, MEDIUM, "node2", 0),
            mk("p2.2", LOW, MEDIUM, "node2", 0),
            mk("p3.1", LOW, MEDIUM, "node3", 0),
            mk("p3.2", LOW, MEDIUM, "node3", 0),
        ],
        mk("p", HIGH, VERY_LARGE),
        {"node3"},
    ),
    (
        "when highest priorities are the same, minimum sum of priorities is picked",
        ["node1", "node2", "node3"],
        [
            mk("p1.1", MID, MEDIUM, "node1", 0),
            mk("p1.2", MID, LARGE, "node1", 0),
            mk("p2.1", MID, LARGE, "node2", 0),
            mk("p2.2", LOW, MEDIUM, "node2", 0),
            mk("p3.1", MID, MEDIUM, "node3", 0),
            mk("p3.2", MID, MEDIUM, "node3", 0),
        ],
        mk("p", HIGH, VERY_LARGE),
        {"node2"},
    ),
    (
        "when highest priority and sum are the same, minimum number of pods is picked",
        ["node1", "node2", "node3"],
        [
            mk("p1.1", MID, SMALL, "node1", 0),
            mk("p1.2", NEG, SMALL, "node1", 0),
            mk("p1.3", MID, SMALL, "node1", 0),
            mk("p1.4", NEG, SMALL, "node1", 0),
            mk("p2.1", MID, LARGE, "node2", 0),
            mk("p2.2", NEG, MEDIUM, "node2", 0),
            mk("p3.1", MID, MEDIUM, "node3", 0),
            mk("p3.2", NEG, SMALL, "node3", 0),
            mk("p3.3", LOW, SMALL, "node3", 0),
        ],
        mk("p", HIGH, VERY_LARGE),
        {"node2"},
    ),
    (
        "sum of adjusted priorities is considered",
        ["node1", "node2", "node3"],
        [
            mk("p1.1", MID, SMALL, "node1", 0),
            mk("p1.2", NEG, SMALL, "node1", 0),
            mk("p1.3", NEG, SMALL, "node1", 0),
            mk("p2.1", MID, LARGE, "node2", 0),
            mk("p2.2", NEG, MEDIUM, "node2", 0),
            mk("p3.1", MID, MEDIUM, "node3", 0),
            mk("p3.2", NEG, SMALL, "node3", 0),
            mk("p3.3", LOW, SMALL, "node3", 0),
        ],
        mk("p", HIGH, VERY_LARGE),
        {"node2"},
    ),
    (
        "non-overlapping lowest high priority, sum priorities, and number of pods",
        ["node1", "node2", "node3", "node4"],
        [
            mk("p1.1", MID, SMALL, "node1", 0),
            mk("p1.2", LOW, SMALL, "node1", 0),
            mk("p1.3", LOW, SMALL, "node1", 0),
            mk("p2.1", HIGH, LARGE, "node2", 0),
            mk("p3.1", MID, MEDIUM, "node3", 0),
            mk("p3.2", LOW, SMALL, "node3", 0),
            mk("p3.3", LOW, SMALL, "node3", 0),
            mk("p3.4", LOW, MEDIUM, "node3", 0),
            mk("p4.1", MID, MEDIUM, "node4", 0),
            mk("p4.2", MID, SMALL, "node4", 0),
            mk("p4.3", MID, SMALL, "node4", 0),
            mk("p4.4", NEG, SMALL, "node4", 0),
        ],
        mk("p", VERY_HIGH, VERY_LARGE),
        {"node1"},
    ),
    (
        "same priority, same number of victims, different start time for each node's pod",
        ["node1", "node2", "node3"],
        [
            mk("p1.1", MID, MEDIUM, "node1", 2),
            mk("p1.2", MID, MEDIUM, "node1", 2),
            mk("p2.1", MID, MEDIUM, "node2", 3),
            mk("p2.2", MID, MEDIUM, "node2", 3),
            mk("p3.1", MID, MEDIUM, "node3", 1),
            mk("p3.2", MID, MEDIUM, "node3", 1),
        ],
        mk("p", HIGH, VERY_LARGE),
        {"node2"},
    ),
    (
        "same priority, same number of victims, different start time for all pods",
        ["node1", "node2", "node3"],
        [
            mk("p1.1", MID, MEDIUM, "node1", 4),
            mk("p1.2", MID, MEDIUM, "node1", 2),
            mk("p2.1", MID, MEDIUM, "node2", 5),
            mk("p2.2", MID, MEDIUM, "node2", 1),
            mk("p3.1", MID, MEDIUM, "node3", 3),
            mk("p3.2", MID, MEDIUM, "node3", 6),
        ],
        mk("p", HIGH, VERY_LARGE),
        {"node3"},
    ),
    (
        "different priority, same number of victims, different start time for all pods",
        ["node1", "node2", "node3"],
        [
            mk("p1.1", LOW, MEDIUM, "node1", 4),
            mk("p1.2", MID, MEDIUM, "node1", 2),
            mk("p2.1", MID, MEDIUM, "node2", 6),
            mk("p2.2", LOW, MEDIUM, "node2", 1),
            mk("p3.1", LOW, MEDIUM, "node3", 3),
            mk("p3.2", MID, MEDIUM, "node3", 5),
        ],
        mk("p", HIGH, VERY_LARGE),
        {"node2"},
    ),
]


@pytest.mark.parametrize(
    ("node_names", "pods", "incoming", "want"),
    [pytest.param(*c[1:], id=f"TestSelectBestCandidate/{c[0]}") for c in SELECT_BEST],
)
def test_select_best_candidate(node_names: list[str], pods: list[Pod], incoming: Pod, want: set[str]) -> None:
    for offset in range(len(node_names)):  # upstream accepts any of ``want`` whatever the dry run's order
        chosen, _ = _run(node_names, pods, incoming, offset=offset)
        assert chosen in want


FOO_EXISTS = LabelSelector(match_expressions=(LabelSelectorRequirement("foo", "Exists"),))
ANTI_FOO_HOST = Affinity(pod_anti_affinity=PodAffinity(required=(PodAffinityTerm("hostname", FOO_EXISTS),)))
SPREAD = (
    TopologySpreadConstraint(1, "zone", "DoNotSchedule", FOO_EXISTS),
    TopologySpreadConstraint(1, "hostname", "DoNotSchedule", FOO_EXISTS),
)
APP_FOO = {"app": "foo"}


def pdb(allowed: int) -> PodDisruptionBudget:
    return PodDisruptionBudget(
        name="pdb", selector=LabelSelector(match_labels=APP_FOO), disruptions_allowed=allowed
    )


def ones(
    *names: str, prio: int = MID, res: dict[str, int] = LARGE, app: frozenset[str] = frozenset()
) -> list[Pod]:
    return [
        mk(f"p{i}", prio, res, f"node{i}", labels=APP_FOO if f"p{i}" in app else None)
        for i in (int(n.removeprefix("node")) for n in names)
    ]


N5 = ["node1", "node2", "node3", "node4", "node5"]
LIMIT_2 = {"minCandidateNodesPercentage": 40, "minCandidateNodesAbsolute": 1}
APP_PODS_2 = [
    mk("p1.1", MID, MEDIUM, "node1", labels=APP_FOO),
    mk("p1.2", MID, MEDIUM, "node1", labels=APP_FOO),
]

DRY_RUN: list[Any] = [
    # (name, node specs, existing pods, incoming pod, PDBs (pdb, disruptedPods), args, offset,
    #  want candidates as (node, victims sorted by name, PDB violations; -1: not reported for a single candidate))
    (
        "a pod that fits on both nodes when lower priority pods are preempted",
        ["node1", "node2"],
        ones("node1", "node2"),
        mk("p", HIGH, LARGE),
        [],
        None,
        0,
        [("node1", ["p1"], 0), ("node2", ["p2"], 0)],
    ),
    (
        "a pod that would fit on the nodes, but other pods running are higher priority, no preemption would happen",
        ["node1", "node2"],
        ones("node1", "node2"),
        mk("p", LOW, LARGE),
        [],
        None,
        0,
        [],
    ),
    (
        "medium priority pod is preempted, but lower priority one stays as it is small",
        ["node1", "node2"],
        [mk("p1.1", LOW, SMALL, "node1"), mk("p1.2", MID, LARGE, "node1"), mk("p2", MID, LARGE, "node2")],
        mk("p", HIGH, LARGE),
        [],
        None,
        0,
        [("node1", ["p1.2"], 0), ("node2", ["p2"], 0)],
    ),
    (
        "mixed priority pods are preempted",
        ["node1", "node2"],
        [
            mk("p1.1", MID, SMALL, "node1"),
            mk("p1.2", LOW, SMALL, "node1"),
            mk("p1.3", MID, MEDIUM, "node1"),
            mk("p1.4", HIGH, SMALL, "node1"),
            mk("p2", HIGH, LARGE, "node2"),
        ],
        mk("p", HIGH, LARGE),
        [],
        None,
        0,
        [("node1", ["p1.2", "p1.3"], -1)],
    ),
    (
        "mixed priority pods are preempted, pick later StartTime one when priorities are equal",
        ["node1", "node2"],
        [
            mk("p1.1", LOW, SMALL, "node1", 5),
            mk("p1.2", LOW, SMALL, "node1", 4),
            mk("p1.3", MID, MEDIUM, "node1", 3),
            mk("p1.4", HIGH, SMALL, "node1", 2),
            mk("p2", HIGH, LARGE, "node2", 1),
        ],
        mk("p", HIGH, LARGE),
        [],
        None,
        0,
        [("node1", ["p1.1", "p1.3"], -1)],
    ),
    (
        "pod with anti-affinity is preempted",
        ["node1", "node2"],
        [
            mk("p1.1", LOW, SMALL, "node1", labels={"foo": ""}, affinity=ANTI_FOO_HOST),
            mk("p1.2", MID, SMALL, "node1"),
            mk("p1.3", HIGH, SMALL, "node1"),
            mk("p2", HIGH, SMALL, "node2"),
        ],
        mk("p", HIGH, SMALL, labels={"foo": ""}),
        [],
        None,
        0,
        [("node1", ["p1.1"], -1)],
    ),
    (
        "preemption to resolve pod topology spread filter failure",
        ["node-a/zone1", "node-b/zone1", "node-x/zone2"],
        [
            mk("pod-a1", MID, None, "node-a", labels={"foo": ""}),
            mk("pod-a2", LOW, None, "node-a", labels={"foo": ""}),
            mk("pod-b1", LOW, None, "node-b", labels={"foo": ""}),
            mk("pod-x1", HIGH, None, "node-x", labels={"foo": ""}),
            mk("pod-x2", HIGH, None, "node-x", labels={"foo": ""}),
        ],
        mk("p", HIGH, labels={"foo": ""}, topology_spread_constraints=SPREAD),
        [],
        None,
        0,
        [("node-a", ["pod-a2"], 0), ("node-b", ["pod-b1"], 0)],
    ),
    (
        "preemption with violation of same pdb",
        ["node1"],
        APP_PODS_2,
        mk("p", HIGH, VERY_LARGE),
        [(pdb(1), {})],
        None,
        0,
        [("node1", ["p1.1", "p1.2"], -1)],
    ),
    (
        "preemption with violation of the pdb with pod whose eviction was processed, the victim doesn't belong to "
        "DisruptedPods",
        ["node1"],
        APP_PODS_2,
        mk("p", HIGH, VERY_LARGE),
        [(pdb(1), {"p2": 0.0})],
        None,
        0,
        [("node1", ["p1.1", "p1.2"], -1)],
    ),
    (
        "preemption with violation of the pdb with pod whose eviction was processed, the victim belongs to "
        "DisruptedPods",
        ["node1"],
        APP_PODS_2,
        mk("p", HIGH, VERY_LARGE),
        [(pdb(1), {"p1.2": 0.0})],
        None,
        0,
        [("node1", ["p1.1", "p1.2"], -1)],
    ),
    (
        "preemption with violation of the pdb with pod whose eviction was processed, the victim which belongs to "
        "DisruptedPods is treated as 'nonViolating'",
        ["node1"],
        [*APP_PODS_2, mk("p1.3", MID, MEDIUM, "node1", labels=APP_FOO)],
        mk("p", HIGH, VERY_LARGE),
        [(pdb(1), {"p1.3": 0.0})],
        None,
        0,
        [("node1", ["p1.1", "p1.2", "p1.3"], -1)],
    ),
    (
        "all nodes are possible candidates, but DefaultPreemptionArgs limits to 2",
        N5,
        ones(*N5),
        mk("p", HIGH, LARGE),
        [],
        LIMIT_2,
        4,
        [("node1", ["p1"], 0), ("node5", ["p5"], 0)],
    ),
    (
        "some nodes are not possible candidates, DefaultPreemptionArgs limits to 2",
        N5,
        [*ones("node1", "node3", "node4"), *ones("node2", "node5", prio=VERY_HIGH)],
        mk("p", HIGH, LARGE),
        [],
        LIMIT_2,
        4,
        [("node1", ["p1"], 0), ("node3", ["p3"], 0)],
    ),
    (
        "preemption offset across multiple scheduling cycles and wrap around (cycle 0)",
        N5,
        ones(*N5),
        mk("tp1", HIGH, LARGE),
        [],
        LIMIT_2,
        4,
        [("node1", ["p1"], 0), ("node5", ["p5"], 0)],
    ),
    (
        "preemption offset across multiple scheduling cycles and wrap around (cycle 1)",
        N5,
        ones(*N5),
        mk("tp2", HIGH, LARGE),
        [],
        LIMIT_2,
        1,
        [("node2", ["p2"], 0), ("node3", ["p3"], 0)],
    ),
    (
        "preemption offset across multiple scheduling cycles and wrap around (cycle 2)",
        N5,
        ones(*N5),
        mk("tp3", HIGH, LARGE),
        [],
        LIMIT_2,
        3,
        [("node4", ["p4"], 0), ("node5", ["p5"], 0)],
    ),
    (
        "preemption looks past numCandidates until a non-PDB violating node is found",
        N5,
        ones(*N5, app=frozenset({"p1", "p2", "p5"})),
        mk("p", HIGH, LARGE),
        [(pdb(0), {})],
        {"minCandidateNodesPercentage": 40, "minCandidateNodesAbsolute": 2},
        4,
        [("node1", ["p1"], 1), ("node3", ["p3"], 0), ("node5", ["p5"], 1)],
    ),
]

# PDB violations of the single-candidate cases above (upstream's NumPDBViolations), checked through select_victims
SINGLE_VIOLATIONS = {
    "preemption with violation of same pdb": 1,
    "preemption with violation of the pdb with pod whose eviction was processed, the victim doesn't belong to "
    "DisruptedPods": 1,
    "preemption with violation of the pdb with pod whose eviction was processed, the victim belongs to "
    "DisruptedPods": 0,
    "preemption with violation of the pdb with pod whose eviction was processed, the victim which belongs to "
    "DisruptedPods is treated as 'nonViolating'": 1,
}


@pytest.mark.parametrize(
    ("name", "node_specs", "pods", "incoming", "pdbs", "args", "offset", "want"),
    [pytest.param(*c, id=f"TestDryRunPreemption/{c[0]}") for c in DRY_RUN],
)
def test_dry_run_preemption(
    name: str,
    node_specs: list[str],
    pods: list[Pod],
    incoming: Pod,
    pdbs: list[tuple[PodDisruptionBudget, dict[str, float]]],
    args: dict[str, Any] | None,
    offset: int,
    want: list[tuple[str, list[str], int]],
) -> None:
    chosen, got = _run(node_specs, pods, incoming, pdbs, args, offset)
    assert got == want
    assert (chosen == "") == (not want)
    if name in SINGLE_VIOLATIONS:
        nodes = [_node(s) for s in node_specs]
        t = table(nodes, pods)
        store = Store(Engine(1))
        for p, disrupted in pdbs:
            store.add(p)
            disruption._STATUS[p] = disruption.PDBStatus(disrupted_pods=dict(disrupted))
        handle = Handle(store=store, engine=Engine(1), table=t)
        pl = DefaultPreemption({}, handle)
        ni = t.info("node1")
        assert ni is not None
        victims, violations, st = pl.select_victims(
            incoming, ni, pl._pdbs(), build_profiles(None, handle)["default-scheduler"]
        )
        assert st.is_success and sorted(v.name for v in victims) == want[0][1]
        assert violations == SINGLE_VIOLATIONS[name]
