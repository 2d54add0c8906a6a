"""Deployment controller: more facts ported from Kubernetes' tests (inputs and expected results).

Sources: pkg/controller/deployment/sync_test.go (TestScale), recreate_test.go (TestScaleDownOldReplicaSets,
TestOldPodsRunning), deployment_controller_test.go (TestSyncDeploymentCreatesReplicaSet,
TestSyncDeploymentDontDoAnythingDuringDeletion, TestPodDeletionEnqueuesRecreateDeployment,
TestPodDeletionDoesntEnqueueRecreateDeployment) and util/deployment_util_test.go (TestFindNewReplicaSet,
TestFindOldReplicaSets, TestGetReplicaCountForReplicaSets, TestAnnotationUtils). Each case id names its upstream
test. The controller runs against a Store with no ReplicaSet controller, so ReplicaSet status stays as the case
sets it; ``sync`` runs exactly one reconcile of the Deployment, as the upstream tests call one function once.
"""

from __future__ import annotations

import pytest

from models.meta import LabelSelector, OwnerReference
from models.pod import Pod, PodSpec, PodTemplate
from models.workloads import Deployment, ReplicaSet
from simulator.controllers.base import ControllerContext
from simulator.controllers.deployment import (
    DESIRED,
    HASH_LABEL,
    MAX_REPLICAS,
    REVISION,
    DeploymentController,
    history_to_delete,
    is_saturated,
    replicaset_fraction,
    template_hash,
)
from simulator.defaults import defaults_for
from simulator.engine import Engine
from simulator.store import Store

NEW, OLD, OLDER = (
    2.0,
    1.0,
    0.0,
)  # creation timestamps of TestScale's newTimestamp, oldTimestamp, olderTimestamp


def new_deployment(
    replicas: int,
    surge: int = 0,
    unavailable: int = 0,
    strategy: str = "RollingUpdate",
    labels: dict[str, str] | None = None,
) -> Deployment:
    """deployment_controller_test.go's newDeployment: RollingUpdate with maxSurge 0 and maxUnavailable 0 unless
    given, selector and template labels ``foo: bar``."""
    labels = labels if labels is not None else {"foo": "bar"}
    return Deployment(
        name="foo",
        namespace="default",
        replicas=replicas,
        max_surge=surge,
        max_unavailable=unavailable,
        strategy_type=strategy,
        selector=LabelSelector(match_labels={"foo": "bar"}),
        template=PodTemplate(spec=PodSpec(containers=()), labels=labels),
    )


class Cluster:
    """A Store with only the Deployment controller, holding one Deployment and the ReplicaSets a case gives."""

    def __init__(self, d: Deployment) -> None:
        self.engine = Engine()
        self.store = Store(self.engine)
        DeploymentController(
            ControllerContext(engine=self.engine, store=self.store, defaults=defaults_for("1.35"))
        )
        self.d = d
        self.store.add(d)

    def rs(
        self,
        name: str,
        replicas: int,
        created: float,
        *,
        new: bool = False,
        desired: int | None = None,
        max_replicas: int | None = None,
        status_replicas: int = 0,
        available: int = 0,
    ) -> ReplicaSet:
        """A ReplicaSet owned by the Deployment; ``new`` gives it the Deployment's pod-template-hash."""
        hash_value = template_hash(self.d.template) if new else f"hash-{name}"
        annotations = {}
        if desired is not None:
            annotations[DESIRED] = str(desired)
        if max_replicas is not None:
            annotations[MAX_REPLICAS] = str(max_replicas)
        rs = ReplicaSet(
            name=name,
            namespace="default",
            labels={"foo": "bar", HASH_LABEL: hash_value},
            annotations=annotations,
            owner_references=(OwnerReference(kind="Deployment", name="foo", uid=self.d.uid),),
            replicas=replicas,
            selector=LabelSelector(match_labels={"foo": "bar", HASH_LABEL: hash_value}),
        )
        self.store.add(rs)
        rs.creation_timestamp = created
        rs.status.replicas = status_replicas
        rs.status.available_replicas = available
        return rs

    def pod(self, rs: ReplicaSet, name: str, phase: str) -> Pod:
        pod = Pod(
            name=name,
            namespace="default",
            labels=dict(rs.labels),
            phase=phase,
            owner_references=(OwnerReference(kind="ReplicaSet", name=rs.name, uid=rs.uid),),
        )
        self.store.add(pod)
        return pod

    def sync(self) -> None:
        """Run the one pending reconcile of the Deployment (its own writes queue the next one)."""
        assert self.engine.step()

    def replicasets(self) -> dict[str, int]:
        return {rs.name: rs.replicas for rs in self.store.list("ReplicaSet")}


# name, (replicas, maxSurge, maxUnavailable), old (replicas, maxSurge), newRS (name, size, created) or None,
# oldRSs, expected new size, expected old sizes, desired-replicas annotation overrides, newRS available replicas
SCALE = [
    ("normal scaling event: 10 -> 12", (12, 0, 0), (10, 0), ("foo-v1", 10, NEW), [], 12, [], {}),
    ("normal scaling event: 10 -> 5", (5, 0, 0), (10, 0), ("foo-v1", 10, NEW), [], 5, [], {}),
    (
        "proportional scaling: 5 -> 10",
        (10, 0, 0),
        (5, 0),
        ("foo-v2", 2, NEW),
        [("foo-v1", 3, OLD)],
        4,
        [6],
        {},
    ),
    ("proportional scaling: 5 -> 3", (3, 0, 0), (5, 0), ("foo-v2", 2, NEW), [("foo-v1", 3, OLD)], 1, [2], {}),
    ("proportional scaling: 9 -> 4", (4, 0, 0), (9, 0), ("foo-v2", 8, NEW), [("foo-v1", 1, OLD)], 4, [0], {}),
    (
        "proportional scaling: 7 -> 10",
        (10, 0, 0),
        (7, 0),
        ("foo-v3", 2, NEW),
        [("foo-v2", 3, OLD), ("foo-v1", 2, OLDER)],
        3,
        [4, 3],
        {},
    ),
    (
        "proportional scaling: 13 -> 8",
        (8, 0, 0),
        (13, 0),
        ("foo-v3", 2, NEW),
        [("foo-v2", 8, OLD), ("foo-v1", 3, OLDER)],
        1,
        [5, 2],
        {},
    ),
    (
        "leftover distribution: 3 -> 4",
        (4, 0, 0),
        (3, 0),
        ("foo-v3", 1, NEW),
        [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)],
        2,
        [1, 1],
        {},
    ),
    (
        "leftover distribution: 3 -> 2",
        (2, 0, 0),
        (3, 0),
        ("foo-v3", 1, NEW),
        [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)],
        1,
        [1, 0],
        {},
    ),
    (
        "proportional scaling (no new rs): 4 -> 5",
        (5, 0, 0),
        (4, 0),
        None,
        [("foo-v2", 2, OLD), ("foo-v1", 2, OLDER)],
        None,
        [3, 2],
        {},
    ),
    (
        "proportional scaling: 6 -> 0",
        (0, 0, 0),
        (6, 0),
        ("foo-v3", 3, NEW),
        [("foo-v2", 2, OLD), ("foo-v1", 1, OLDER)],
        0,
        [0, 0],
        {},
    ),
    (
        "proportional scaling: 0 -> 6",
        (6, 0, 0),
        (6, 0),
        ("foo-v3", 0, NEW),
        [("foo-v2", 0, OLD), ("foo-v1", 0, OLDER)],
        6,
        [0, 0],
        {},
    ),
    (
        "failed rs update",
        (5, 0, 0),
        (5, 0),
        ("foo-v3", 2, NEW),
        [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)],
        2,
        [2, 1],
        {"foo-v2": 3},
    ),
    (
        "deployment with surge pods",
        (20, 2, 0),
        (10, 2),
        ("foo-v2", 6, NEW),
        [("foo-v1", 6, OLD)],
        11,
        [11],
        {},
    ),
    (
        "change both surge and size",
        (50, 6, 0),
        (10, 3),
        ("foo-v2", 5, NEW),
        [("foo-v1", 8, OLD)],
        22,
        [34],
        {},
    ),
    (
        "saturated but broken new replica set does not affect old pods",
        (2, 1, 1),
        (2, 1),
        ("foo-v2", 2, NEW),
        [("foo-v1", 1, OLD)],
        2,
        [1],
        {},
    ),
]


@pytest.mark.parametrize(
    ("spec", "old", "new_rs", "old_rss", "expected_new", "expected_old", "desired"),
    [c[1:] for c in SCALE],
    ids=[f"TestScale:{c[0]}" for c in SCALE],
)
def test_scale(
    spec: tuple[int, int, int],
    old: tuple[int, int],
    new_rs: tuple[str, int, float] | None,
    old_rss: list[tuple[str, int, float]],
    expected_new: int | None,
    expected_old: list[int],
    desired: dict[str, int],
) -> None:
    # The ReplicaSets carry the desired-/max-replicas annotations the previous Deployment spec (``old``) wrote.
    cluster = Cluster(new_deployment(*spec))
    for i, (name, size, created) in enumerate(([new_rs] if new_rs else []) + old_rss):
        want = desired.get(name, old[0])
        cluster.rs(
            name, size, created, new=new_rs is not None and i == 0, desired=want, max_replicas=want + old[1]
        )
    cluster.sync()
    sizes = cluster.replicasets()
    if new_rs is not None:
        assert sizes[new_rs[0]] == expected_new
    assert [sizes[name] for name, _, _ in old_rss] == expected_old


def test_scale_change_both_size_and_template() -> None:
    # TestScale "change both size and template": the template changed (no new ReplicaSet yet) while the size went
    # 10 -> 14; the old ReplicaSets are scaled proportionally and no ReplicaSet is created.
    cluster = Cluster(new_deployment(14, labels={"foo": "bar", "another": "label"}))
    cluster.rs("foo-v2", 7, NEW, desired=10, max_replicas=10)
    cluster.rs("foo-v1", 3, OLD, desired=10, max_replicas=10)
    cluster.sync()
    assert cluster.replicasets() == {"foo-v2": 10, "foo-v1": 4}


def test_scale_down_old_replicasets_for_recreate() -> None:
    # TestScaleDownOldReplicaSets: a Recreate Deployment of 3 scales its old ReplicaSet of 3 to 0 (and creates
    # nothing while doing so).
    cluster = Cluster(new_deployment(3, strategy="Recreate"))
    cluster.rs("foo-0", 3, OLD, desired=3, max_replicas=3, status_replicas=3)
    cluster.sync()
    assert cluster.replicasets() == {"foo-0": 0}


# name, old ReplicaSets as lists of (status.replicas, pod phases), hasOldPodsRunning
OLD_PODS_RUNNING = [
    ("no old RSs", [], False),
    ("old RSs with running pods", [(0, ["Pending", "Pending"]), (0, ["Pending", "Pending"])], True),
    ("old RSs without pods but with non-zero status replicas", [(1, [])], True),
    ("old RSs without pods or non-zero status replicas", [(0, [])], False),
    (
        "old RSs with zero status replicas but pods in terminal state are present",
        [(0, ["Failed", "Succeeded"])],
        False,
    ),
    ("old RSs with zero status replicas but pod in unknown phase present", [(0, ["Unknown"])], True),
    ("old RSs with zero status replicas with pending pod present", [(0, ["Pending"])], True),
    ("old RSs with zero status replicas with running pod present", [(0, ["Running"])], True),
    (
        "old RSs with zero status replicas but pods in terminal state and pending are present",
        [(0, ["Failed", "Succeeded"]), (0, []), (0, ["Pending"])],
        True,
    ),
]


@pytest.mark.parametrize(
    ("old_rss", "running"),
    [c[1:] for c in OLD_PODS_RUNNING],
    ids=[f"TestOldPodsRunning:{c[0]}" for c in OLD_PODS_RUNNING],
)
def test_old_pods_running(old_rss: list[tuple[int, list[str]]], running: bool) -> None:
    # rolloutRecreate creates (and scales up) the new ReplicaSet only once oldPodsRunning is false.
    cluster = Cluster(new_deployment(1, strategy="Recreate"))
    for i, (status_replicas, phases) in enumerate(old_rss):
        rs = cluster.rs(f"rs-{i}", 0, OLD, desired=1, max_replicas=1, status_replicas=status_replicas)
        for j, phase in enumerate(phases):
            cluster.pod(rs, f"rs-{i}-{j}", phase)
    cluster.sync()
    new = [
        rs
        for rs in cluster.store.list("ReplicaSet")
        if rs.labels[HASH_LABEL] == template_hash(cluster.d.template)
    ]
    assert (new == []) is running
    if not running:
        assert new[0].replicas == 1


@pytest.mark.parametrize(
    "others",
    [0, 1],
    ids=["TestPodDeletionEnqueuesRecreateDeployment", "TestPodDeletionDoesntEnqueueRecreateDeployment"],
)
def test_pod_deletion_resumes_recreate_only_when_last_old_pod_is_gone(others: int) -> None:
    # deletePod requeues a Recreate Deployment once none of its old pods is left; until then it waits.
    cluster = Cluster(new_deployment(1, strategy="Recreate"))
    rs = cluster.rs("foo-1", 0, OLD, desired=1, max_replicas=1)
    pods = [cluster.pod(rs, f"foo-1-{i}", "Running") for i in range(1 + others)]
    cluster.sync()
    assert cluster.replicasets() == {"foo-1": 0}
    cluster.store.delete(pods[0])
    cluster.engine.run(until=1)
    created = sorted(cluster.replicasets().items())
    if others:
        assert created == [("foo-1", 0)]
    else:
        assert len(created) == 2 and dict(created)["foo-1"] == 0 and sorted(dict(created).values()) == [0, 1]


def test_sync_deployment_creates_replicaset() -> None:
    # TestSyncDeploymentCreatesReplicaSet: a Deployment of 1 with no ReplicaSet gets one of 1, annotated with the
    # desired and max replicas (SetReplicasAnnotations), and a status update.
    cluster = Cluster(new_deployment(1))
    cluster.sync()
    [rs] = cluster.store.list("ReplicaSet")
    assert rs.replicas == 1
    assert (rs.annotations[DESIRED], rs.annotations[MAX_REPLICAS]) == ("1", "1")
    assert cluster.d.status.observed_generation == cluster.d.generation


def test_sync_deployment_dont_do_anything_during_deletion() -> None:
    # TestSyncDeploymentDontDoAnythingDuringDeletion: a Deployment being deleted gets no ReplicaSet work, only a
    # status update (syncStatusOnly).
    d = new_deployment(3)
    d.deletion_timestamp = 0.0
    cluster = Cluster(d)
    rs = cluster.rs("foo-1", 2, OLD, desired=2, max_replicas=2, status_replicas=2, available=2)
    cluster.sync()
    assert cluster.replicasets() == {"foo-1": 2}
    assert rs.annotations[DESIRED] == "2"
    assert (d.status.replicas, d.status.available_replicas) == (2, 2)
    assert d.status.observed_generation == d.generation


@pytest.mark.parametrize(
    ("dup_first", "expected"),
    [(False, 4), (True, 4)],
    ids=[
        "TestFindNewReplicaSet:Get the oldest new ReplicaSet when there are more than one ReplicaSet with the same "
        "template (listed last)",
        "TestFindNewReplicaSet:Get the oldest new ReplicaSet when there are more than one ReplicaSet with the same "
        "template (listed first)",
    ],
)
def test_find_new_replicaset_oldest_wins(dup_first: bool, expected: int) -> None:
    # Two ReplicaSets of the Deployment's template: the older one is the new ReplicaSet (its pods are the updated
    # ones); the other counts as old (TestFindOldReplicaSets: "only the oldest new ReplicaSet is seen as new").
    cluster = Cluster(new_deployment(4))
    if dup_first:
        older = cluster.rs("foo-dup", 4, OLD, new=True, desired=4, max_replicas=4, status_replicas=4)
        newer = cluster.rs("foo-new", 0, NEW, desired=4, max_replicas=4, status_replicas=1)
    else:
        newer = cluster.rs("foo-new", 0, NEW, desired=4, max_replicas=4, status_replicas=1)
        older = cluster.rs("foo-dup", 4, OLD, new=True, desired=4, max_replicas=4, status_replicas=4)
    newer.labels[HASH_LABEL] = older.labels[HASH_LABEL]
    cluster.store.update(newer)
    cluster.sync()
    assert cluster.d.status.updated_replicas == expected
    assert cluster.d.status.replicas == 5


@pytest.mark.parametrize(
    ("sets", "actual"),
    [([0], 2), ([0, 1], 5), ([2], 0), ([0, 1, 2], 5), ([3], 1), ([0, 1, 2, 3], 6)],
    ids=[
        "TestGetReplicaCountForReplicaSets:scaling down rs1",
        "TestGetReplicaCountForReplicaSets:scaling down rs1 and rs2",
        "TestGetReplicaCountForReplicaSets:scaling up rs3",
        "TestGetReplicaCountForReplicaSets:scaling down rs1 and rs2 and scaling up rs3",
        "TestGetReplicaCountForReplicaSets:invalid/unknown terminating status for rs4",
        "TestGetReplicaCountForReplicaSets:invalid/unknown terminating status for rs4 with rs1, rs2 and rs3",
    ],
)
def test_actual_replica_count(sets: list[int], actual: int) -> None:
    # GetActualReplicaCountForReplicaSets (the sum of status.replicas) is the Deployment's status.replicas.
    table = [(1, 2), (2, 3), (3, 0), (1, 1)]  # rs1..rs4: (spec.replicas, status.replicas)
    cluster = Cluster(new_deployment(sum(table[i][0] for i in sets), unavailable=1))
    for n, i in enumerate(sets):
        spec, status = table[i]
        cluster.rs(f"rs{i + 1}", spec, float(n), desired=spec, max_replicas=spec, status_replicas=status)
    cluster.sync()
    assert cluster.d.status.replicas == actual


def test_annotation_utils_is_saturated() -> None:
    # TestAnnotationUtils/IsSaturated: desired-replicas "1", 1 replica, 1 available, Deployment of 1.
    d = new_deployment(1)
    rs = ReplicaSet(name="rs", replicas=1, annotations={DESIRED: "1"})
    rs.status.available_replicas = 1
    assert is_saturated(d, rs)
    rs.status.available_replicas = 0
    assert not is_saturated(d, rs)
    assert not is_saturated(d, None)


NON_NEGATIVE_INT32 = [
    ("invalid empty", None, 10),
    ("invalid", "invalid", 10),
    ("invalid negative ", "-1", 10),
    ("valid zero", "0", 10),  # valid, but getReplicaSetFraction treats a 0 like a missing annotation
    ("valid", "13", 412),  # round(50 * 120 / 13) - 50
    ("valid max", str(2**31 - 1), -50),
    ("invalid max out of range", str(2**31), 10),
    ("invalid max out of range 2", str(2**32), 10),
]


@pytest.mark.parametrize(
    ("annotation", "fraction"),
    [c[1:] for c in NON_NEGATIVE_INT32],
    ids=[f"TestGetNonNegativeInt32FromAnnotation:{c[0]}" for c in NON_NEGATIVE_INT32],
)
def test_max_replicas_annotation_parsing(annotation: str | None, fraction: int) -> None:
    # getMaxReplicasAnnotation reads max-replicas with getNonNegativeInt32FromAnnotation; an invalid value counts
    # as missing, and getReplicaSetFraction then falls back to the Deployment's status.replicas (100 -> 120: +1/5).
    d = new_deployment(120, unavailable=1)
    d.status.replicas = 100
    rs = ReplicaSet(
        name="rs", replicas=50, annotations={} if annotation is None else {MAX_REPLICAS: annotation}
    )
    assert replicaset_fraction(d, rs) == fraction


def revision_rs(name: str, replicas: int, created: float, revision: str) -> ReplicaSet:
    rs = ReplicaSet(name=name, replicas=replicas, annotations={REVISION: revision} if revision else {})
    rs.creation_timestamp = created
    rs.status.replicas = replicas
    rs.status.observed_generation = rs.generation
    return rs


CLEANUP_ORDER = [
    ([(0, "1"), (0, "2")], 1, {"foo-1"}),  # revision order: rs1 < rs2, delete rs1
    ([(0, "2"), (0, "1")], 1, {"foo-2"}),  # revision order: rs2 < rs1, delete rs2
    ([(0, "1"), (0, "")], 1, {"foo-2"}),  # rs1 has revision but rs2 doesn't have revision, delete rs2
    ([(0, ""), (0, "2")], 1, {"foo-1"}),  # rs1 doesn't have revision while rs2 has revision, delete rs1
    ([(1, "1"), (0, "2"), (0, "3")], 1, {"foo-2"}),  # rs1 < rs2 < r3, but rs1 has replicas, delete rs2
    ([(1, "1"), (1, "2"), (0, "3")], 1, set()),  # both rs1 && rs2 have replicas, don't delete
    ([(0, "3"), (0, "1"), (0, "4"), (0, "2")], 2, {"foo-2", "foo-4"}),  # rs2 < rs4 < rs1 < rs3
]


@pytest.mark.parametrize(
    ("old", "limit", "deleted"),
    CLEANUP_ORDER,
    ids=[f"TestDeploymentController_cleanupDeploymentOrder-{i}" for i in range(len(CLEANUP_ORDER))],
)
def test_cleanup_deployment_order(old: list[tuple[int, str]], limit: int, deleted: set[str]) -> None:
    # creationTimestamp order is always rs1 < rs2 < rs3 < rs4; the revision annotation decides first.
    sets = [revision_rs(f"foo-{i + 1}", replicas, float(i), rev) for i, (replicas, rev) in enumerate(old)]
    assert {rs.name for rs in history_to_delete(limit, sets)} == deleted


def test_cleanup_deployment_unlimited_history() -> None:
    # TestDeploymentController_cleanupDeployment "with unlimited revisionHistoryLimit": MaxInt32 deletes nothing.
    sets = [revision_rs(f"foo-{i}", 0, float(i), str(i)) for i in range(1, 4)]
    assert history_to_delete(2**31 - 1, sets) == []


def test_scaling_event_ignores_an_invalid_desired_replicas_annotation() -> None:
    # isScalingEvent (sync.go) reads desired-replicas with GetDesiredReplicasAnnotation and skips a ReplicaSet whose
    # value is invalid, so this is a rollout step (the new ReplicaSet grows to 4), not a proportional resize (3/3).
    cluster = Cluster(new_deployment(6))
    cluster.d.status.replicas = 4
    new = cluster.rs("foo-v2", 2, NEW, new=True)
    new.annotations[DESIRED] = "oops"
    cluster.rs("foo-v1", 2, OLD, desired=6, max_replicas=4)
    cluster.sync()
    assert cluster.replicasets() == {"foo-v2": 4, "foo-v1": 2}
