"""Job controller against upstream unit-test tables, ported as facts (inputs and expected results).

Upstream (Kubernetes 1.35):

* ``pkg/controller/job/job_controller_test.go``: ``TestControllerSyncJob`` (one ``syncJob`` over a Job and a set
  of pods in given phases), ``TestSyncJobPastDeadline``.
* ``pkg/controller/job/backoff_utils_test.go``: ``TestGetRemainingBackoffTime`` (the pod-failure back-off).

Each case builds the Job from YAML in a cluster with no nodes (so the controller's own pods stay Pending and never
run), seeds the pods of the upstream row into the store before the controller's first sync and checks the status,
the pods created (Indexed: their indexes) and deleted after that sync.

kubesim observes a pod's failure when it happens, so the upstream "failure time" of a seeded failed pod is t = 0:
rows with new failed pods and no success expect their replacement at the end of the back-off (10 s x 2^(n-1)),
where upstream's fixture (finish time = creation time, long ago) creates it in the same sync.
Not expressible: pods without or with an out-of-range completion index (kubesim only has the pods it made),
controller errors / expectations / pod-create limits of the fake pod control, ``status.ready``/``terminating``,
``podReplacementPolicy: Failed``, ``podFailurePolicy``, ``successPolicy``, and a deleting Job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from models.meta import OwnerReference
from models.pod import Pod
from models.workloads import Job
from simulator import Simulation
from simulator.controllers.job import (
    COMPLETION_INDEX,
    JOB_NAME,
    MAX_POD_FAILURE_BACKOFF,
    POD_FAILURE_BACKOFF,
    JobController,
    _JobState,
    completion_index,
)
from tests.controllers.test_job import TIMING, job
from tests.simhelpers import events, pool, scenario, sim_from


@dataclass(frozen=True)
class Row:
    parallelism: int
    completions: int | None
    backoff_limit: int = 6
    indexed: bool = False
    suspend: bool = False
    # seeded pods: (phase, index); phase "Active" is a Pending pod
    pods: tuple[tuple[str, int | None], ...] = ()
    created: int = 0
    created_indexes: frozenset[int] | None = None
    deleted: int = 0
    active: int = 0
    succeeded: int = 0
    failed: int = 0
    condition: str = ""
    reason: str = ""
    message: str = ""
    # when the creations happen (0: in the first sync; else after the back-off)
    created_at: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)


def seeded(n_active: int = 0, n_succeeded: int = 0, n_failed: int = 0) -> tuple[tuple[str, int | None], ...]:
    return (
        (("Active", None),) * n_active + (("Succeeded", None),) * n_succeeded + (("Failed", None),) * n_failed
    )


def build(row: Row, extra_spec: str = "") -> tuple[Simulation, Job]:
    spec = [f"parallelism: {row.parallelism}", f"backoffLimit: {row.backoff_limit}"]
    if row.completions is not None:
        spec.append(f"completions: {row.completions}")
    if row.indexed:
        spec.append("completionMode: Indexed")
    if row.suspend:
        spec.append("suspend: true")
    if extra_spec:
        spec.append(extra_spec)
    text = job(spec="\n".join(spec), annotations="{kubesim.dev/duration-seconds: 1h}")
    sim = sim_from(scenario(defaults=TIMING, duration="2h") + pool(count=0) + text)
    obj = sim.store.get("Job", "default", "batch")
    for i, (phase, index) in enumerate(row.pods):
        seed_pod(sim, obj, f"seed-{i}", "Pending" if phase == "Active" else phase, index)
    return sim, obj


def seed_pod(sim: Simulation, obj: Job, name: str, phase: str, index: int | None) -> Pod:
    labels = {JOB_NAME: obj.name}
    annotations = {}
    if index is not None:
        labels[COMPLETION_INDEX] = annotations[COMPLETION_INDEX] = str(index)
    pod = Pod(
        name=name,
        namespace=obj.namespace,
        labels=labels,
        annotations=annotations,
        owner_references=(OwnerReference(kind="Job", name=obj.name, uid=obj.uid, api_version="batch/v1"),),
        spec=obj.template.spec,
        phase=phase,
    )
    sim.store.add(pod)
    return pod


def controller(sim: Simulation) -> JobController:
    return next(c for c in sim.controllers if isinstance(c, JobController))


def created_pods(sim: Simulation) -> list[Pod]:
    return [p for p in sim.store.list("Pod") if not p.name.startswith("seed-")]


SYNC_JOB: dict[str, Row] = {
    "job start": Row(2, 5, created=2, active=2),
    "WQ job start": Row(2, None, created=2, active=2),
    "pending pods": Row(2, 5, pods=seeded(2), active=2),
    "correct # of pods": Row(3, 5, pods=seeded(3), active=3),
    "WQ job: correct # of pods": Row(2, None, pods=seeded(2), active=2),
    "too few active pods": Row(2, 5, pods=seeded(1, 1), created=1, active=2, succeeded=1),
    "too few active pods with a dynamic job": Row(2, None, pods=seeded(1), created=1, active=2),
    "too many active pods": Row(2, 5, pods=seeded(3), deleted=1, active=2),
    "failed + succeed pods: reset backoff delay": Row(
        2, 5, pods=seeded(1, 1, 1), created=1, active=2, succeeded=1, failed=1
    ),
    "new failed pod": Row(2, 5, pods=seeded(1, 0, 1), created=1, active=2, failed=1, created_at=10.0),
    "job finish": Row(
        2,
        5,
        pods=seeded(0, 5),
        succeeded=5,
        condition="Complete",
        reason="CompletionsReached",
        message="Reached expected number of succeeded pods",
    ),
    "WQ job finishing": Row(2, None, pods=seeded(1, 1), active=1, succeeded=1),
    "WQ job all finished": Row(2, None, pods=seeded(0, 2), succeeded=2, condition="Complete"),
    "WQ job all finished despite one failure": Row(
        2, None, pods=seeded(0, 1, 1), succeeded=1, failed=1, condition="Complete"
    ),
    "more active pods than parallelism": Row(2, 5, pods=seeded(10), deleted=8, active=2),
    "more active pods than remaining completions": Row(
        3, 4, pods=seeded(3, 2), deleted=1, active=2, succeeded=2
    ),
    "status change": Row(2, 5, pods=seeded(2, 2), active=2, succeeded=2),
    "too many job failures": Row(
        2,
        5,
        backoff_limit=0,
        pods=seeded(0, 0, 1),
        failed=1,
        condition="Failed",
        reason="BackoffLimitExceeded",
        message="Job has reached the specified backoff limit",
    ),
    "indexed job start": Row(2, 5, indexed=True, created=2, created_indexes=frozenset({0, 1}), active=2),
    "indexed job completed": Row(
        2,
        3,
        indexed=True,
        pods=(("Succeeded", 0), ("Failed", 1), ("Succeeded", 1), ("Succeeded", 2)),
        succeeded=3,
        failed=1,
        condition="Complete",
    ),
    "indexed job failed": Row(
        2,
        3,
        backoff_limit=0,
        indexed=True,
        pods=(("Succeeded", 0), ("Failed", 1), ("Active", 2)),
        deleted=1,
        succeeded=1,
        failed=2,
        condition="Failed",
        reason="BackoffLimitExceeded",
        message="Job has reached the specified backoff limit",
    ),
    "count ready pods when job fails": Row(
        2,
        3,
        backoff_limit=0,
        pods=seeded(2, 0, 1),
        deleted=2,
        failed=3,
        condition="Failed",
        reason="BackoffLimitExceeded",
    ),
    "indexed job repeated completed index": Row(
        2,
        3,
        indexed=True,
        pods=(("Succeeded", 0), ("Succeeded", 1), ("Succeeded", 1)),
        created=1,
        created_indexes=frozenset({2}),
        active=1,
        succeeded=2,
    ),
    "indexed job some running and completed pods": Row(
        8,
        20,
        indexed=True,
        pods=(
            ("Active", 0),
            ("Succeeded", 2),
            ("Active", 3),
            ("Succeeded", 4),
            ("Succeeded", 5),
            ("Succeeded", 7),
            ("Succeeded", 8),
            ("Succeeded", 9),
        ),
        created=6,
        created_indexes=frozenset({1, 6, 10, 11, 12, 13}),
        active=8,
        succeeded=6,
    ),
    # two new failures: the replacements wait 20 s (kubesim: the failures are at t = 0)
    "indexed job some failed pods": Row(
        3,
        4,
        indexed=True,
        pods=(("Failed", 0), ("Active", 1), ("Failed", 2)),
        created=2,
        created_indexes=frozenset({0, 2}),
        active=3,
        failed=2,
        created_at=20.0,
    ),
    "suspending a job with satisfied expectations": Row(
        2,
        4,
        suspend=True,
        pods=seeded(2),
        deleted=2,
        active=0,
        condition="Suspended",
        reason="JobSuspended",
        message="Job suspended",
    ),
}


@pytest.mark.parametrize("name", list(SYNC_JOB), ids=[f"TestControllerSyncJob/{n}" for n in SYNC_JOB])
def test_controller_sync_job(name: str) -> None:
    row = SYNC_JOB[name]
    sim, obj = build(row)
    sim.run(until=0.5)
    deleted = [e for e in events(sim, "SuccessfulDelete", "Job")]
    assert len(deleted) == row.deleted
    made = created_pods(sim)
    if row.created_at:
        assert made == []
        sim.run(until=row.created_at - 0.01)
        assert created_pods(sim) == []
        sim.run(until=row.created_at + 0.01)
        made = created_pods(sim)
        assert {e["t"] for e in events(sim, "SuccessfulCreate", "Job")} == {row.created_at}
    assert len(made) == row.created
    if row.created_indexes is not None:
        assert {completion_index(p) for p in made} == row.created_indexes
    status = obj.status
    assert (status.active, status.succeeded, status.failed) == (row.active, row.succeeded, row.failed)
    assert status.condition == row.condition
    cond = controller(sim).condition_of(obj)
    if row.reason:
        assert cond is not None and cond.reason == row.reason
    if row.message:
        assert cond is not None and cond.message == row.message
    if row.condition == "Failed":
        warned = events(sim, row.reason, "Job")
        assert len(warned) == 1 and warned[0]["eventType"] == "Warning"
    if row.condition == "Complete":
        assert [e["message"] for e in events(sim, "Completed", "Job")] == ["Job completed"]
        assert status.completion_time == 0.0


def test_controller_sync_job_resuming_a_suspended_job() -> None:
    """TestControllerSyncJob/"resuming a suspended job": 2 creations, Suspended=False JobResumed "Job resumed"."""
    sim, obj = build(Row(2, 4, suspend=True))
    sim.run(until=5)
    assert obj.status.condition == "Suspended" and not created_pods(sim)
    obj.suspend = False
    obj.generation += 1
    sim.store.update(obj)
    sim.run(until=5.5)
    assert len(created_pods(sim)) == 2 and obj.status.active == 2
    cond = controller(sim).condition_of(obj)
    assert cond is not None and (cond.type, cond.reason, cond.message) == (
        "Suspended",
        "JobResumed",
        "Job resumed",
    )
    assert [e["message"] for e in events(sim, "Resumed", "Job")] == ["Job resumed"]


DEADLINE: dict[str, tuple[Row, int]] = {
    # (row, activeDeadlineSeconds): at the deadline the active pods are deleted and count as failed
    "activeDeadlineSeconds less than single pod execution": (
        Row(1, 1, pods=seeded(1), deleted=1, failed=1),
        10,
    ),
    "activeDeadlineSeconds bigger than single pod execution": (
        Row(1, 2, pods=seeded(1, 1), deleted=1, succeeded=1, failed=1),
        10,
    ),
}


@pytest.mark.parametrize("name", list(DEADLINE), ids=[f"TestSyncJobPastDeadline/{n}" for n in DEADLINE])
def test_sync_job_past_deadline(name: str) -> None:
    row, deadline = DEADLINE[name]
    sim, obj = build(row, f"activeDeadlineSeconds: {deadline}")
    sim.run(until=deadline - 0.01)
    assert obj.status.condition == "" and not events(sim, "SuccessfulDelete", "Job")
    sim.run(until=deadline + 0.01)
    assert len(events(sim, "SuccessfulDelete", "Job")) == row.deleted
    assert (obj.status.active, obj.status.succeeded, obj.status.failed) == (0, row.succeeded, row.failed)
    assert obj.status.condition == "Failed"
    cond = controller(sim).condition_of(obj)
    assert cond is not None and cond.reason == "DeadlineExceeded"
    assert cond.message == "Job was active longer than specified deadline"
    (warned,) = events(sim, "DeadlineExceeded", "Job")
    assert warned["t"] == deadline and warned["eventType"] == "Warning"


def test_sync_job_past_deadline_backoff_limit_reached_first() -> None:
    """TestSyncJobPastDeadline/"activeDeadlineSeconds with backofflimit reach": a Job past both its deadline
    and its backoffLimit fails with BackoffLimitExceeded (the back-off limit is checked first)."""
    sim, obj = build(Row(1, 1, backoff_limit=0, pods=seeded(0, 0, 1)), "activeDeadlineSeconds: 1")
    sim.run(until=5)
    assert obj.status.condition == "Failed" and obj.status.failed == 1
    cond = controller(sim).condition_of(obj)
    assert cond is not None and cond.reason == "BackoffLimitExceeded"
    assert not events(sim, "DeadlineExceeded", "Job")


# TestGetRemainingBackoffTime, with kubesim's 10 s default and 6 min cap (upstream's table uses 5 s / 700 s; the
# same rule): (failures after the last success, seconds since the last failure, remaining seconds).
REMAINING = {
    "no failures": (0, 0.0, 0.0),
    "one failure; current time and failure time are same": (1, 0.0, 10.0),
    "one failure; current time == 1 second + failure time": (1, 1.0, 9.0),
    "one failure; current time == expected backoff time": (1, 10.0, 0.0),
    "one failure; current time == expected backoff time + 1 Second": (1, 11.0, 0.0),
    "three failures; current time and failure time are same": (3, 0.0, 40.0),
    "six failures; backoff not exceeding maxBackoff": (6, 0.0, 320.0),
    "seven failures; backoff exceeding maxBackoff": (7, 0.0, 360.0),
    "thirty failures; still maxBackoff": (30, 100.0, 260.0),
}


@pytest.mark.parametrize("name", list(REMAINING), ids=[f"TestGetRemainingBackoffTime/{n}" for n in REMAINING])
def test_get_remaining_backoff_time(name: str) -> None:
    failures, elapsed, remaining = REMAINING[name]
    assert (POD_FAILURE_BACKOFF, MAX_POD_FAILURE_BACKOFF) == (10.0, 360.0)
    state = _JobState()
    state.failures_after_last_success = failures
    state.last_failure_time = 1000.0 if failures else None
    sim, _ = build(Row(1, 1))
    end = controller(sim)._backoff_end(state)
    got = 0.0 if end is None else max(0.0, end - (1000.0 + elapsed))
    assert got == remaining


def test_failure_backoff_doubles_to_six_minutes_between_replacements() -> None:
    """The replacement after the n-th consecutive failure waits 10 s x 2^(n-1), capped at 360 s (observed end to
    end: each seeded failure is followed by a replacement that fails at once)."""
    sim, obj = build(Row(1, 1, backoff_limit=20))
    sim.run(until=0.5)
    gaps: list[float] = []
    last = 0.5
    sim.run(until=last)
    for _ in range(8):
        # fail the one active pod now, then wait for its replacement
        (pod,) = [p for p in sim.store.list("Pod") if p.is_active]
        pod.phase = "Failed"
        sim.store.update(pod)
        before = len(events(sim, "SuccessfulCreate", "Job"))
        while len(events(sim, "SuccessfulCreate", "Job")) == before:
            assert sim.step()
        created = events(sim, "SuccessfulCreate", "Job")[-1]["t"]
        gaps.append(created - last)
        last = created  # the next failure is at the replacement's creation
    assert gaps == [10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 360.0, 360.0]
    assert obj.status.failed == 8


@pytest.mark.parametrize("ttl", [0, 30])
def test_ttl_after_finished_deletes_the_job_ttl_seconds_after_it_finished(ttl: int) -> None:
    """pkg/controller/ttlafterfinished (``timeLeft``): a finished Job is deleted ``ttlSecondsAfterFinished`` after
    its finish time (0: at once); its pods go with it."""
    sim, obj = build(Row(2, 2, pods=seeded(0, 2)), f"ttlSecondsAfterFinished: {ttl}")
    sim.run(until=ttl - 0.01 if ttl else 0.0)
    if ttl:
        assert sim.store.get("Job", "default", "batch") is obj and obj.status.condition == "Complete"
    sim.run(until=ttl + 0.01)
    assert sim.store.get("Job", "default", "batch") is None
    assert not sim.store.list("Pod")
