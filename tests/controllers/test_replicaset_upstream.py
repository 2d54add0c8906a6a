"""ReplicaSet scale-down victim order: facts ported from Kubernetes' tests.

Source: pkg/controller/controller_utils_test.go (TestSortingActivePodsWithRanks) for
``controller.ActivePodsWithRanks.Less`` in pkg/controller/controller_utils.go, and
pkg/controller/replicaset/replica_set.go (getPodsRankedByRelatedPodsOnSameNode, getIndirectlyRelatedPods).
Feature gates at their 1.35 defaults (PodDeletionCost and LogarithmicScaleDown on); the upstream rows that
disable a gate are not ported. Upstream's zero creation time has no kubesim counterpart (every pod has one);
rows that used it compare on earlier criteria, so the creation time given here does not decide them.
"""

from __future__ import annotations

import itertools

import pytest

from models.meta import OwnerReference
from models.pod import Pod
from simulator.controllers.replicaset import (
    deletion_cost,
    deletion_cost_problem,
    ranked_less,
    scale_down_order,
)
from tests.simhelpers import events, pool, scenario, sim_from

HOUR = 3600.0
NOW = 400 * 24 * HOUR
MONTH_AGO = NOW - 30 * 24 * HOUR
ZERO = None  # an unset Ready transition time


def pod(
    name: str,
    node: str,
    phase: str,
    ready: bool,
    restarts: int,
    ready_since: float | None,
    created: float,
    annotations: dict[str, str] | None = None,
    uid: str = "",
) -> Pod:
    p = Pod(
        name=name,
        namespace="default",
        node_name=node,
        phase=phase,
        ready=ready,
        ready_since=ready_since if ready else None,
        restart_count=restarts if ready else 0,
        annotations=annotations or {},
        owner_references=(OwnerReference(kind="ReplicaSet", name="rs", uid="rs"),),
    )
    p.uid = uid  # upstream's test pods have no UID: ties in a log2 bucket stay ties
    p.creation_timestamp = created
    return p


COST = "controller.kubernetes.io/pod-deletion-cost"
PODS = {
    "unscheduled": pod("unscheduled", "", "Pending", False, 0, ZERO, NOW),
    "pending": pod("pending", "node", "Pending", False, 0, ZERO, NOW),
    "unknown-phase": pod("unknown-phase", "node", "Unknown", False, 0, ZERO, NOW),
    "not-ready": pod("not-ready", "node", "Running", False, 0, ZERO, NOW),
    "ready-no-last-transition-time": pod(
        "ready-no-last-transition-time", "node", "Running", True, 0, ZERO, NOW
    ),
    "ready-now": pod("ready-now", "node", "Running", True, 0, NOW, NOW),
    "ready-then": pod("ready-then", "node", "Running", True, 0, MONTH_AGO, MONTH_AGO),
    "ready-high-restarts": pod("ready-high-restarts", "node", "Running", True, 9001, NOW, NOW),
    "ready-now-created-then": pod("ready-now-created-then", "node", "Running", True, 0, NOW, MONTH_AGO),
    "low-deletion-cost": pod("low-deletion-cost", "node", "Running", True, 0, NOW, MONTH_AGO, {COST: "10"}),
    "high-deletion-cost": pod(
        "high-deletion-cost", "node", "Running", True, 0, NOW, MONTH_AGO, {COST: "100"}
    ),
    "unscheduled-5-hours": pod("unscheduled-5-hours", "", "Pending", False, 0, ZERO, NOW - 5 * HOUR),
    "unscheduled-10-hours": pod("unscheduled-10-hours", "", "Pending", False, 0, ZERO, NOW - 8 * HOUR),
    "ready-2-hours": pod("ready-2-hours", "", "Running", True, 0, NOW - 2 * HOUR, MONTH_AGO),
    "ready-5-hours": pod("ready-5-hours", "", "Running", True, 0, NOW - 5 * HOUR, MONTH_AGO),
    "ready-10-hours": pod("ready-10-hours", "", "Running", True, 0, NOW - 8 * HOUR, MONTH_AGO),
}

EQUAL = [
    ("unscheduled", "unscheduled"),
    ("pending", "pending"),
    ("unknown-phase", "unknown-phase"),
    ("not-ready", "not-ready"),
    ("ready-now-created-then", "ready-now-created-then"),
    ("ready-now", "ready-now"),
    ("ready-then", "ready-then"),
    ("ready-high-restarts", "ready-high-restarts"),
    ("unscheduled-5-hours", "unscheduled-10-hours"),  # same log2 bucket of age
    ("ready-5-hours", "ready-10-hours"),  # same log2 bucket of readiness
]


@pytest.mark.parametrize(
    ("p1", "p2"), EQUAL, ids=[f"TestSortingActivePodsWithRanks-equal:{a}={b}" for a, b in EQUAL]
)
def test_equivalent(p1: str, p2: str) -> None:
    a, b = PODS[p1], PODS[p2]
    assert not ranked_less(a, 1, b, 1, NOW)
    assert not ranked_less(b, 1, a, 1, NOW)


LESS = [
    (("unscheduled", 1), ("pending", 2)),
    (("unscheduled", 2), ("pending", 1)),
    (("pending", 1), ("unknown-phase", 2)),
    (("unknown-phase", 1), ("not-ready", 2)),
    (("not-ready", 1), ("ready-no-last-transition-time", 1)),
    (("ready-no-last-transition-time", 1), ("ready-now", 1)),
    (("ready-now", 2), ("ready-no-last-transition-time", 1)),
    (("ready-now", 1), ("ready-then", 1)),
    (("ready-now", 2), ("ready-then", 1)),
    (("ready-high-restarts", 1), ("ready-now", 1)),
    (("ready-now", 2), ("ready-high-restarts", 1)),
    (("ready-now", 1), ("ready-now-created-then", 1)),
    (("ready-now-created-then", 2), ("ready-now", 1)),
    (("low-deletion-cost", 2), ("high-deletion-cost", 1)),
    (("ready-2-hours", 1), ("ready-5-hours", 1)),
]


@pytest.mark.parametrize(
    ("lesser", "greater"),
    LESS,
    ids=[
        f"TestSortingActivePodsWithRanks-test{i}:{a[0]}@{a[1]}<{b[0]}@{b[1]}" for i, (a, b) in enumerate(LESS)
    ],
)
def test_lesser_goes_first(lesser: tuple[str, int], greater: tuple[str, int]) -> None:
    a, b = PODS[lesser[0]], PODS[greater[0]]
    assert ranked_less(a, lesser[1], b, greater[1], NOW)
    assert not ranked_less(b, greater[1], a, lesser[1], NOW)


def test_same_ready_bucket_is_decided_by_uid_not_restarts() -> None:
    # ActivePodsWithRanks.Less step 6: ready times differ but share a log2 bucket -> UID decides, and the restart
    # count (step 7) is never consulted.
    a = pod("a", "node", "Running", True, 50, NOW - 5 * HOUR, MONTH_AGO, uid="b-uid")
    b = pod("b", "node", "Running", True, 0, NOW - 8 * HOUR, MONTH_AGO, uid="a-uid")
    assert ranked_less(b, 1, a, 1, NOW)
    assert not ranked_less(a, 1, b, 1, NOW)


def test_scale_down_order_ranks_by_related_pods_on_the_node() -> None:
    # getPodsRankedByRelatedPodsOnSameNode: the rank is the number of active related pods on the pod's node.
    x = pod("x", "n1", "Running", True, 0, NOW - HOUR, MONTH_AGO, uid="x")
    y = pod("y", "n2", "Running", True, 0, NOW - HOUR, MONTH_AGO, uid="y")
    sibling = pod("sibling", "n2", "Running", True, 0, NOW - HOUR, MONTH_AGO, uid="s")
    done = pod("done", "n1", "Succeeded", False, 0, None, MONTH_AGO, uid="d")
    order = scale_down_order([x, y], [x, y, sibling, done, done], NOW)
    assert [p.name for p in order] == [
        "y",
        "x",
    ]  # n2 holds 2 active related pods; the finished one does not count
    assert [p.name for p in scale_down_order([y, x], [], NOW)] == ["x", "y"]  # no ranks: UID order


@pytest.mark.parametrize(
    ("value", "cost", "valid"),
    [
        ("10", 10, True),
        ("-5", -5, True),
        ("0", 0, True),
        ("+10", 0, False),  # validFirstDigit: no plus sign
        ("008", 0, False),  # validFirstDigit: no leading zeros
        ("2147483647", 2147483647, True),
        ("2147483648", 0, False),  # ParseInt(v, 10, 32)
        ("-2147483648", -2147483648, True),
        ("1.5", 0, False),
        ("", 0, False),
    ],
    ids=lambda v: f"GetDeletionCostFromPodAnnotations:{v!r}" if isinstance(v, str) else str(v),
)
def test_deletion_cost_parsing(value: str, cost: int, valid: bool) -> None:
    assert deletion_cost({COST: value}) == cost
    assert (deletion_cost_problem(value) is None) == valid


DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: web:1, resources: {requests: {cpu: 100m}}}]
---
"""


def test_deployment_replicasets_rank_their_pods_together() -> None:
    # getIndirectlyRelatedPods: every ReplicaSet owned by the same Deployment contributes its pods to the ranks;
    # during a rollout the old and the new ReplicaSet see the same related pods.
    sim = sim_from(
        scenario(timeline="[{at: 60s, action: rollout, target: Deployment/web, image: web:2}]")
        + pool(count=2)
        + DEPLOY
    )
    controller = next(c for c in sim.controllers if type(c).__name__ == "ReplicaSetController")
    seen_two = False
    while sim.now < 200 and not seen_two:
        sim.run(until=sim.now + 1)
        sets = [r for r in sim.store.list("ReplicaSet") if r.name.startswith("web-") and r.replicas > 0]
        if len(sets) == 2:
            seen_two = True
            both = sorted(p.name for p in sim.store.list("Pod") if p.name.startswith("web-"))
            for rs in sets:
                assert sorted(p.name for p in controller._related_pods("ReplicaSet", rs)) == both
    assert seen_two


def test_replicaset_without_controller_has_no_related_pods() -> None:
    sim = sim_from(scenario() + pool(count=2) + DEPLOY.replace("kind: Deployment", "kind: ReplicaSet"))
    sim.run(until=30)
    controller = next(c for c in sim.controllers if type(c).__name__ == "ReplicaSetController")
    rs = sim.store.get("ReplicaSet", "default", "web")
    assert controller._related_pods("ReplicaSet", rs) == []


def test_failed_creation_stops_the_slow_start_and_retries_with_backoff() -> None:
    # slowStartBatch (pkg/controller/replicaset/replica_set.go): batches 1, 2, 4, ...; the first batch with an
    # error ends the sync, which the workqueue retries after 5 ms, 10 ms, 20 ms, ... (capped at 1000 s).
    bad = DEPLOY.replace("kind: Deployment", "kind: ReplicaSet").replace(
        "containers: [", "priorityClassName: no-such-class\n      containers: ["
    )
    sim = sim_from(scenario() + pool(count=2) + bad)
    sim.run(until=5)
    times = [e["t"] for e in events(sim, "FailedCreate")]
    # one attempt per sync (a failing first batch of 1), never the 4 missing pods at once; the first sync and
    # the one its status write triggers both run at t=0
    assert times[:2] == [0.0, 0.0]
    retries = times[2:]
    gaps = [b - a for a, b in itertools.pairwise(retries)]
    assert retries[0] == pytest.approx(0.005)
    assert all(later == pytest.approx(2 * earlier) for earlier, later in itertools.pairwise(gaps))
    assert len(times) < 16  # 5 ms doubling: about 10 retries in 5 s
    assert not events(sim, "SuccessfulCreate")
