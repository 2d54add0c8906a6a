"""Deployment rolling-update arithmetic: facts ported from Kubernetes' tests (inputs and expected results).

Sources: pkg/controller/deployment/util/deployment_util_test.go (TestResolveFenceposts, TestMaxUnavailable,
TestMinAvailable, TestNewRSNewReplicas) and pkg/controller/deployment/rolling_test.go
(TestDeploymentController_reconcileNewReplicaSet, _reconcileOldReplicaSets, _cleanupUnhealthyReplicas,
_scaleDownOldReplicaSetsForRollingUpdate). Each case id names its upstream test.
"""

from __future__ import annotations

import pytest

from models.workloads import Deployment, ReplicaSet
from simulator.controllers.deployment import (
    MAX_REPLICAS,
    REVISION,
    cleanup_unhealthy_replicas,
    deployment_complete,
    history_to_delete,
    max_unavailable,
    min_available,
    new_rs_new_replicas,
    old_replica_targets,
    proportional_scale,
    reconcile_new_target,
    replicaset_fraction,
    resolve_fenceposts,
    scale_down_old_for_rolling_update,
)
from tests.simhelpers import deployment, events, pool, scenario, sim_from


def rolling(replicas: int, surge: int | str, unavailable: int | str) -> Deployment:
    return Deployment(name="foo", replicas=replicas, max_surge=surge, max_unavailable=unavailable)


def recreate(replicas: int = 1) -> Deployment:
    return Deployment(name="foo", replicas=replicas, strategy_type="Recreate")


@pytest.mark.parametrize(
    ("surge", "unavailable", "desired", "expect"),
    [
        ("0%", "0%", 0, (0, 1)),
        ("39%", "39%", 10, (4, 3)),
        (None, "39%", 10, (0, 3)),
        ("39%", None, 10, (4, 0)),
        (None, None, 10, (0, 1)),
    ],
    ids=[f"TestResolveFenceposts-{i}" for i in (0, 1, 4, 5, 6)],
)
def test_resolve_fenceposts(
    surge: str | None, unavailable: str | None, desired: int, expect: tuple[int, int]
) -> None:
    assert resolve_fenceposts(surge, unavailable, desired) == expect


@pytest.mark.parametrize(
    ("surge", "unavailable"),
    [("oops", "39%"), ("55%", "urg")],
    ids=["TestResolveFenceposts-2", "TestResolveFenceposts-3"],
)
def test_resolve_fenceposts_rejects_non_percent_strings(surge: str, unavailable: str) -> None:
    with pytest.raises(ValueError):
        resolve_fenceposts(surge, unavailable, 10)


MAX_UNAVAILABLE = [
    ("maxUnavailable less than replicas", rolling(10, 1, 5), 5),
    ("maxUnavailable equal replicas", rolling(10, 1, 10), 10),
    ("maxUnavailable greater than replicas", rolling(5, 1, 10), 5),
    ("maxUnavailable with replicas is 0", rolling(0, 1, 10), 0),
    ("maxUnavailable with Recreate deployment strategy", recreate(), 0),
    ("maxUnavailable less than replicas with percents", rolling(10, 1, "50%"), 5),
    ("maxUnavailable equal replicas with percents", rolling(10, 1, "100%"), 10),
    ("maxUnavailable greater than replicas with percents", rolling(5, 1, "100%"), 5),
]


@pytest.mark.parametrize(
    ("d", "expected"),
    [c[1:] for c in MAX_UNAVAILABLE],
    ids=[f"TestMaxUnavailable:{c[0]}" for c in MAX_UNAVAILABLE],
)
def test_max_unavailable(d: Deployment, expected: int) -> None:
    assert max_unavailable(d) == expected


MIN_AVAILABLE = [
    ("replicas greater than maxUnavailable", rolling(10, 1, 5), 5),
    ("replicas equal maxUnavailable", rolling(10, 1, 10), 0),
    ("replicas less than maxUnavailable", rolling(5, 1, 10), 0),
    ("replicas is 0", rolling(0, 1, 10), 0),
    ("minAvailable with Recreate deployment strategy", recreate(10), 0),
    ("replicas greater than maxUnavailable with percents", rolling(10, 1, "60%"), 4),
    ("replicas equal maxUnavailable with percents", rolling(10, 1, "100%"), 0),
    ("replicas less than maxUnavailable with percents", rolling(5, 1, "100%"), 0),
]


@pytest.mark.parametrize(
    ("d", "expected"), [c[1:] for c in MIN_AVAILABLE], ids=[f"TestMinAvailable:{c[0]}" for c in MIN_AVAILABLE]
)
def test_min_available(d: Deployment, expected: int) -> None:
    assert min_available(d) == expected


@pytest.mark.parametrize(
    ("d", "new_replicas", "expected"),
    [
        (rolling(1, 1, 1), 5, 5),
        (rolling(6, 10, 1), 2, 6),
        (Deployment(name="foo", replicas=3, strategy_type="Recreate", max_surge=1, max_unavailable=1), 1, 3),
    ],
    ids=[
        "TestNewRSNewReplicas:can not scale up - to newRSReplicas",
        "TestNewRSNewReplicas:scale up - to depReplicas",
        "TestNewRSNewReplicas:recreate - to depReplicas",
    ],
)
def test_new_rs_new_replicas(d: Deployment, new_replicas: int, expected: int) -> None:
    # Upstream passes allRSs = [rs5]: one ReplicaSet with 5 replicas (not the new one).
    assert new_rs_new_replicas(d, 5, new_replicas) == expected


@pytest.mark.parametrize(
    ("replicas", "surge", "old", "new", "expected"),
    [
        (10, 0, 10, 0, None),
        (10, 2, 10, 0, 2),
        (10, 2, 5, 0, 7),
        (10, 2, 10, 2, None),
        (10, 2, 2, 11, 10),  # should scale down
    ],
    ids=[f"TestDeploymentController_reconcileNewReplicaSet-{i}" for i in range(5)],
)
def test_reconcile_new_replicaset(
    replicas: int, surge: int, old: int, new: int, expected: int | None
) -> None:
    d = rolling(replicas, surge, 0)
    target = reconcile_new_target(d, old + new, new)
    assert target == (new if expected is None else expected)


@pytest.mark.parametrize(
    ("replicas", "unavailable", "old", "new", "old_ready", "new_ready", "expected"),
    [
        (10, 0, 10, 0, 10, 0, 9),
        (10, 2, 10, 0, 10, 0, 8),
        (10, 2, 10, 0, 8, 0, 8),  # unhealthy old replicas are cleaned up
        (10, 2, 10, 0, 9, 0, 8),  # 1 unhealthy cleaned up, 1 ready scaled down
        (10, 2, 8, 2, 8, 0, None),  # unavailable new pods stop further scale-down
    ],
    ids=[f"TestDeploymentController_reconcileOldReplicaSets-{i}" for i in range(5)],
)
def test_reconcile_old_replicasets(
    replicas: int, unavailable: int, old: int, new: int, old_ready: int, new_ready: int, expected: int | None
) -> None:
    d = rolling(replicas, 0, unavailable)
    [target] = old_replica_targets(d, (new, new_ready), [(old, old_ready)])
    assert target == (old if expected is None else expected)


@pytest.mark.parametrize(
    ("old", "ready", "max_cleanup", "expected"),
    [(10, 8, 1, 1), (10, 8, 3, 2), (10, 8, 0, 0), (10, 10, 3, 0)],
    ids=[f"TestDeploymentController_cleanupUnhealthyReplicas-{i}" for i in range(4)],
)
def test_cleanup_unhealthy_replicas(old: int, ready: int, max_cleanup: int, expected: int) -> None:
    targets, cleaned = cleanup_unhealthy_replicas([(old, ready)], max_cleanup)
    assert cleaned == expected
    assert targets == [old - expected]


@pytest.mark.parametrize(
    ("replicas", "unavailable", "ready", "old", "expected"),
    [
        (10, 0, 10, 10, 9),
        (10, 2, 10, 10, 8),
        (10, 2, 8, 10, None),
        (10, 2, 10, 0, None),
        (10, 2, 1, 10, None),
    ],
    ids=[f"TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate-{i}" for i in range(5)],
)
def test_scale_down_old_replicasets(
    replicas: int, unavailable: int, ready: int, old: int, expected: int | None
) -> None:
    d = rolling(replicas, 0, unavailable)  # allRSs = oldRSs = [oldRS]
    targets, scaled = scale_down_old_for_rolling_update(d, ready, [old])
    if expected is None:
        assert scaled == 0 and targets == [old]
    else:
        assert targets == [expected] and scaled == old - expected


def rs_with_status(name: str, spec: int, status: int, revision: int) -> ReplicaSet:
    rs = ReplicaSet(name=name, replicas=spec, annotations={REVISION: str(revision)})
    rs.status.replicas = status
    rs.status.observed_generation = rs.generation
    return rs


@pytest.mark.parametrize(
    ("old", "limit", "deletions"),
    [
        ([(0, 0), (0, 0), (0, 0)], 1, 2),
        ([(0, 0), (0, 1), (1, 0), (1, 1)], 0, 1),  # only spec.replicas = status.replicas = 0 goes
        ([(0, 0), (0, 0)], 0, 2),
        ([(1, 1), (1, 1)], 0, 0),
        ([(0, 0), (1, 1)], 1, 1),  # the limit counts every live old ReplicaSet, not only the empty ones
        ([(1, 1), (0, 0)], 1, 0),  # only the oldest len - limit revisions are candidates
    ],
    ids=[f"TestDeploymentController_cleanupDeployment-{i}" for i in range(4)]
    + ["cleanupDeployment:limit-counts-live-replicasets", "cleanupDeployment:oldest-revisions-only"],
)
def test_cleanup_deployment(old: list[tuple[int, int]], limit: int, deletions: int) -> None:
    sets = [rs_with_status(f"foo-{i + 1}", spec, status, i + 1) for i, (spec, status) in enumerate(old)]
    assert len(history_to_delete(limit, list(reversed(sets)))) == deletions


def test_cleanup_deployment_skips_replicasets_already_being_deleted() -> None:
    # TestDeploymentController_cleanupDeployment: alreadyDeleted, limit 0 -> 0 deletions
    rs = rs_with_status("foo-1", 0, 0, 1)
    rs.deletion_timestamp = 5.0
    assert history_to_delete(0, [rs]) == []


@pytest.mark.parametrize(
    ("desired", "current", "updated", "available", "unavailable", "surge", "complete"),
    [
        (5, 5, 5, 4, 1, 0, False),
        (5, 5, 5, 3, 1, 0, False),
        (5, 5, 5, 5, 0, 0, True),
        (5, 5, 4, 5, 0, 0, False),
        (1, 2, 1, 1, 0, 1, False),
        (1, 1, 1, 0, 1, 1, False),
    ],
    ids=[
        "TestDeploymentComplete:not complete: min but not all pods become available",
        "TestDeploymentComplete:not complete: min availability is not honored",
        "TestDeploymentComplete:complete",
        "TestDeploymentComplete:not complete: all pods are available but not updated",
        "TestDeploymentComplete:not complete: still running old pods",
        "TestDeploymentComplete:not complete: one replica deployment never comes up",
    ],
)
def test_deployment_complete(
    desired: int, current: int, updated: int, available: int, unavailable: int, surge: int, complete: bool
) -> None:
    d = rolling(desired, surge, unavailable)
    d.status.assign(current, available, available, updated, d.generation)
    assert deployment_complete(d) is complete


def test_new_replicaset_is_created_at_its_first_size() -> None:
    # getNewReplicaSet sizes the new ReplicaSet with NewRSNewReplicas and records "Scaled up ... from 0 to N".
    sim = sim_from(scenario() + pool() + deployment(replicas=4))
    sim.run(until=1)
    scaled = events(sim, "ScalingReplicaSet")
    assert [e["message"].split(" from ")[1] for e in scaled] == ["0 to 4"]


FRACTION = [
    ("empty deployment always scales to 0", 0, 0, 0, 10, None, -10),
    (
        "unsynced deployment does not scale when max-replicas annotation is missing (removed by a 3rd party)",
        10,
        0,
        0,
        5,
        None,
        0,
    ),
    (
        "unsynced deployment does not scale when max-replicas annotation is incorrectly set to 0 (by a 3rd party)",
        10,
        0,
        0,
        5,
        "0",
        0,
    ),
    (
        "scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is missing",
        120,
        100,
        0,
        50,
        None,
        10,
    ),
    (
        "scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is incorrectly set to 0",
        120,
        100,
        0,
        50,
        "0",
        10,
    ),
    ("scale up by 1/5 should increase RS replicas by 1/5", 120, 0, 0, 50, "100", 10),
    (
        "scale up with maxSurge by 1/5 should increase RS replicas approximately by 1/5",
        120,
        0,
        10,
        50,
        "110",
        9,
    ),
    ("scale down by 1/6 should decrease RS replicas by 1/6", 10, 0, 0, 6, "12", -1),
    (
        "scale down with maxSurge by 1/6 should decrease RS replicas approximately by 1/6",
        100,
        0,
        10,
        50,
        "130",
        -8,
    ),
]


@pytest.mark.parametrize(
    ("replicas", "status_replicas", "surge", "rs_replicas", "annotation", "expected"),
    [c[1:] for c in FRACTION],
    ids=[f"TestGetReplicaSetFraction:{c[0]}" for c in FRACTION],
)
def test_replicaset_fraction(
    replicas: int, status_replicas: int, surge: int, rs_replicas: int, annotation: str | None, expected: int
) -> None:
    d = rolling(replicas, surge, 1)
    d.status.replicas = status_replicas
    rs = ReplicaSet(
        name="rs", replicas=rs_replicas, annotations={} if annotation is None else {MAX_REPLICAS: annotation}
    )
    assert replicaset_fraction(d, rs) == expected


def test_proportional_scaling_docs_example() -> None:
    # kubernetes.io/docs/concepts/workloads/controllers/deployment/#proportional-scaling: 10 replicas,
    # maxSurge 3, maxUnavailable 2, a stuck rollout (old 8, new 5); scaling to 15 adds 3 to the old ReplicaSet and
    # 2 to the new one.
    d = rolling(15, 3, 2)
    old = ReplicaSet(name="old", replicas=8, annotations={MAX_REPLICAS: "13"}, creation_timestamp=0.0)
    new = ReplicaSet(name="new", replicas=5, annotations={MAX_REPLICAS: "13"}, creation_timestamp=10.0)
    assert {rs.name: size for rs, size in proportional_scale(d, [old, new])} == {"old": 11, "new": 7}


def test_proportional_scaling_in_a_simulation() -> None:
    # The same example end to end: scale to 15 while the rollout's new pods are not available yet.
    d = deployment(replicas=10, extra_spec="strategy: {rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}")
    sim = sim_from(
        scenario(
            timeline="[{at: 60s, action: rollout, target: Deployment/web, image: web:v2},"
            " {at: 61s, action: scale, target: Deployment/web, replicas: 15}]"
        )
        + pool(count=6)
        + d
    )
    sim.run(until=60.5)
    old, new = sorted(sim.store.list("ReplicaSet"), key=lambda rs: rs.creation_timestamp)
    assert (old.replicas, new.replicas) == (8, 5)
    sim.run(until=61)
    assert new.status.available_replicas == 0
    assert (old.replicas, new.replicas) == (11, 7)


def test_rollout_of_4_replicas_keeps_within_5_pods_and_3_available() -> None:
    # kubernetes.io/docs/concepts/workloads/controllers/deployment/: with the 25 %/25 % defaults and 4 replicas,
    # "at most 125% of the desired number of Pods are up" and "at least 75% ... are up".
    sim = sim_from(
        scenario(timeline="[{at: 60s, action: rollout, target: Deployment/web, image: web:v2}]")
        + pool()
        + deployment(replicas=4)
    )
    most = 0
    least = 4
    while sim.now < 400:
        sim.run(until=sim.now + 0.5)
        if sim.now <= 60:
            continue
        pods = [p for p in sim.store.list("Pod") if p.name.startswith("web-") and p.is_active]
        most = max(most, len(pods))
        least = min(least, sum(rs.status.available_replicas for rs in sim.store.list("ReplicaSet")))
    assert most == 5
    assert least >= 3
    new = [rs for rs in sim.store.list("ReplicaSet") if rs.replicas == 4]
    assert len(new) == 1 and new[0].template.spec.containers[0].image == "web:v2"


def test_paused_deployment_creates_no_replicaset() -> None:
    # DeploymentController.sync (paused) never creates a ReplicaSet: getAllReplicaSetsAndSyncRevision(..., false).
    sim = sim_from(scenario() + pool() + deployment(replicas=2, extra_spec="paused: true"))
    sim.run(until=30)
    assert sim.store.list("ReplicaSet") == []
