"""Job controller (batch/v1) against Kubernetes' documented behaviour: completions and parallelism, Indexed
completion, backoffLimit with the pod-failure back-off, activeDeadlineSeconds, suspend and
ttlSecondsAfterFinished."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import Simulation
from simulator.controllers.job import COMPLETION_INDEX, CONTROLLER_UID, JOB_NAME, JobController
from tests.simhelpers import Recorder, events, pool, scenario, sim_from

TIMING = "{startupSeconds: 1s, readySeconds: 0s, shutdownSeconds: 2s}"


def job(
    name: str = "batch",
    spec: str = "",
    restart: str = "Never",
    annotations: str = "{kubesim.dev/duration-seconds: 30s}",
) -> str:
    lines = "\n".join(f"  {line}" for line in spec.strip().splitlines())
    return f"""
apiVersion: batch/v1
kind: Job
metadata: {{name: {name}}}
spec:
{lines}
  template:
    metadata:
      annotations: {annotations}
    spec:
      restartPolicy: {restart}
      containers: [{{name: c, image: "b:1", resources: {{requests: {{cpu: 100m}}}}}}]
---
"""


def run(text: str, until: float) -> Simulation:
    sim = sim_from(scenario(defaults=TIMING, duration="2h") + pool() + text)
    sim.run(until=until)
    return sim


def job_pods(sim: Simulation, name: str = "batch") -> list[Any]:
    return [p for p in sim.store.list("Pod") if p.labels.get(JOB_NAME) == name]


def controller(sim: Simulation) -> JobController:
    return next(c for c in sim.controllers if isinstance(c, JobController))


def created_times(sim: Simulation, name: str = "batch") -> list[float]:
    return [e["t"] for e in events(sim, "SuccessfulCreate", "Job") if e["name"] == name]


def test_job_completes_after_completions_with_at_most_parallelism_active():
    sim = sim_from(
        scenario(defaults=TIMING, duration="2h") + pool() + job(spec="completions: 7\nparallelism: 3")
    )
    peak = [0]

    def check(s: Simulation) -> None:
        active = sum(1 for p in job_pods(s) if p.is_active)
        peak[0] = max(peak[0], active)
        assert active <= 3

    Recorder(sim, ("Pod",), check)
    sim.run(until=600)
    obj = sim.store.get("Job", "default", "batch")
    assert obj.status.condition == "Complete"
    assert obj.status.succeeded == 7 and obj.status.failed == 0 and obj.status.active == 0
    assert peak[0] == 3
    assert len(created_times(sim)) == 7
    # three waves of 31 s (1 s startup + 30 s run): 3 + 3 + 1 pods
    assert obj.status.start_time == 0.0 and obj.status.completion_time == 93.0
    done = events(sim, "Completed", "Job")
    assert [(e["t"], e["message"]) for e in done] == [(93.0, "Job completed")]
    pod = job_pods(sim)[0]
    assert pod.name.startswith("batch-") and pod.labels[CONTROLLER_UID] == obj.uid
    assert pod.labels["controller-uid"] == obj.uid and pod.labels["job-name"] == "batch"


def test_work_queue_job_is_done_when_one_pod_succeeded_and_none_runs():
    # completions unset: parallelism pods; after the first success no new pods; done once all have finished.
    text = job(spec="parallelism: 3", annotations="{kubesim.dev/duration-seconds: 30s}")
    sim = run(text, 300)
    obj = sim.store.get("Job", "default", "batch")
    assert obj.status.condition == "Complete"
    assert obj.status.succeeded == 3
    assert len(created_times(sim)) == 3


def test_indexed_job_completes_each_index_exactly_once():
    text = job(spec="completions: 5\nparallelism: 2\ncompletionMode: Indexed")
    sim = run(text, 600)
    obj = sim.store.get("Job", "default", "batch")
    assert obj.status.condition == "Complete" and obj.status.succeeded == 5
    pods = job_pods(sim)
    indexes = sorted(int(p.annotations[COMPLETION_INDEX]) for p in pods)
    assert indexes == [0, 1, 2, 3, 4]
    for pod in pods:
        index = pod.annotations[COMPLETION_INDEX]
        assert pod.labels[COMPLETION_INDEX] == index
        assert pod.name.startswith(f"batch-{index}-")
        assert pod.phase == "Succeeded"


def test_indexed_job_replaces_a_failed_index_with_the_same_index():
    # Every pod crashes fast; indexes are retried with their own index, never beyond completions.
    text = job(
        spec="completions: 2\nparallelism: 2\ncompletionMode: Indexed\nbackoffLimit: 3",
        annotations="{kubesim.dev/crash-mtbf-seconds: 1s}",
    )
    sim = run(text, 1200)
    pods = job_pods(sim)
    assert {p.annotations[COMPLETION_INDEX] for p in pods} <= {"0", "1"}
    assert sim.store.get("Job", "default", "batch").status.failed == 4


def test_backoff_limit_exceeded_fails_the_job_and_stops_creating_pods():
    text = job(spec="backoffLimit: 3", annotations="{kubesim.dev/crash-mtbf-seconds: 0.5s}")
    sim = run(text, 3600)
    obj = sim.store.get("Job", "default", "batch")
    assert obj.status.condition == "Failed"
    assert obj.status.failed == 4  # backoffLimit + 1 failed pods
    assert obj.status.completion_time is None
    cond = controller(sim).condition_of(obj)
    assert cond is not None and cond.reason == "BackoffLimitExceeded"
    assert cond.message == "Job has reached the specified backoff limit"
    warned = events(sim, "BackoffLimitExceeded", "Job")
    assert len(warned) == 1 and warned[0]["eventType"] == "Warning"
    created = created_times(sim)
    assert len(created) == 4
    # Replacement back-off: 10 s, 20 s, 40 s after each failure (failures happen ~1 s after a pod starts).
    gaps = [b - a for a, b in itertools.pairwise(created)]
    for gap, backoff in zip(gaps, (10, 20, 40), strict=True):
        assert backoff < gap < backoff + 10


def test_on_failure_restarts_in_place_and_counts_restarts_against_backoff_limit():
    text = job(
        spec="backoffLimit: 2", restart="OnFailure", annotations="{kubesim.dev/crash-mtbf-seconds: 0.5s}"
    )
    sim = run(text, 3600)
    obj = sim.store.get("Job", "default", "batch")
    assert obj.status.condition == "Failed"
    assert controller(sim).condition_of(obj).reason == "BackoffLimitExceeded"
    assert len(created_times(sim)) == 1  # the kubelet restarted the container; no new pods
    assert events(sim, "BackOff", "Pod")


def test_active_deadline_fails_the_job_and_deletes_its_pods():
    text = job(spec="completions: 3\nparallelism: 3\nactiveDeadlineSeconds: 100",
               annotations="{kubesim.dev/duration-seconds: 1h}")  # fmt: skip
    sim = run(text, 300)
    obj = sim.store.get("Job", "default", "batch")
    assert obj.status.condition == "Failed"
    failed = events(sim, "DeadlineExceeded", "Job")
    assert [e["message"] for e in failed] == ["Job was active longer than specified deadline"]
    # pods are deleted at the deadline; the terminal condition waits until they have terminated (2 s)
    assert failed[0]["t"] == 102.0
    assert not job_pods(sim)
    assert obj.status.failed == 3 and obj.status.active == 0


def test_ttl_seconds_after_finished_deletes_job_and_pods():
    text = job(spec="completions: 2\nparallelism: 2\nttlSecondsAfterFinished: 60")
    sim = run(text, 60)
    assert sim.store.get("Job", "default", "batch").status.condition == "Complete"  # at 31 s
    sim.run(until=90)
    assert sim.store.get("Job", "default", "batch") is not None
    sim.run(until=91.5)
    assert sim.store.get("Job", "default", "batch") is None
    assert not job_pods(sim)


def test_suspended_job_creates_no_pods_until_resumed():
    text = job(spec="completions: 1\nsuspend: true\nactiveDeadlineSeconds: 50")
    sim = run(text, 200)
    obj = sim.store.get("Job", "default", "batch")
    assert obj.status.condition == "Suspended" and obj.status.start_time is None
    assert not job_pods(sim)
    obj.suspend = False
    obj.generation += 1
    sim.store.update(obj)
    sim.run(until=260)
    assert obj.status.condition == "Complete"
    assert obj.status.start_time == 200.0  # the deadline counts from the resume
    assert [e["reason"] for e in events(sim, kind="Job") if e["reason"] in ("Suspended", "Resumed")] == [
        "Suspended",
        "Resumed",
    ]


def test_deleted_pod_counts_as_failed_and_is_replaced_after_the_failure_backoff():
    # podReplacementPolicy TerminatingOrFailed: a pod being deleted counts as failed at once and is replaced
    # without waiting for it to terminate, after the 10 s pod-failure back-off.
    text = job(spec="completions: 1", annotations="{kubesim.dev/duration-seconds: 1h}")
    sim = run(text, 10)
    (pod,) = job_pods(sim)
    sim.do("deletePod", pod=f"default/{pod.name}")
    sim.run(until=sim.now)
    obj = sim.store.get("Job", "default", "batch")
    assert obj.status.failed == 1
    assert not [p for p in job_pods(sim) if p.is_active]
    sim.run(until=20)
    active = [p for p in job_pods(sim) if p.is_active]
    assert len(active) == 1 and active[0] is not pod
    assert created_times(sim) == [0.0, 20.0]


@settings(deadline=None)
@given(startup=st.floats(min_value=0.01, max_value=50.0, allow_nan=False, allow_infinity=False))
def test_the_failure_backoff_ends_at_its_deadline_whatever_the_failure_time(startup: float) -> None:
    """The replacement pod comes exactly ``10 s * 2^(n-1)`` after a failure, and the wait never spins.

    A failure at an arbitrary float time ``F`` used to arm a timer for ``now + (F + 10 - now)``; when that
    rounded one ulp short of ``F + 10``, the sync found ``0 < remaining`` and re-armed a timer for the same
    instant, forever (virtual time stopped). The guard below turns such a spin into a failure, not a hang.
    """
    text = job(spec="backoffLimit: 2", annotations=f"{{kubesim.dev/crash-mtbf-seconds: 0.5s, "
               f"kubesim.dev/startup-seconds: '{startup!r}s'}}")  # fmt: skip
    sim = sim_from(scenario(defaults=TIMING, duration="2h") + pool() + text)
    same_instant, last = 0, -1.0
    while sim.now < 600 and sim.step():
        same_instant = same_instant + 1 if sim.now == last else 0
        last = sim.now
        assert same_instant < 10_000, f"virtual time stuck at {sim.now!r}"
    created = created_times(sim)
    assert len(created) == 3  # backoffLimit 2: the first pod and two replacements, each after its back-off
    for gap, backoff in zip(itertools.pairwise(created), (10, 20), strict=True):
        assert gap[1] - gap[0] > backoff + startup
    assert sim.store.get("Job", "default", "batch").status.condition == "Failed"
