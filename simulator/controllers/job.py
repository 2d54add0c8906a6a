"""The Job controller (batch/v1), with the TTL-after-finished controller folded in.

Follows ``pkg/controller/job/job_controller.go`` of Kubernetes 1.35:

* Pods are stamped from the template with ``generateName: <job>-`` (Indexed: ``<job>-<index>-``), the labels
  ``batch.kubernetes.io/controller-uid``, ``batch.kubernetes.io/job-name`` (and the legacy ``controller-uid``,
  ``job-name``) and, for Indexed Jobs, the ``batch.kubernetes.io/job-completion-index`` annotation and label.
* Wanted active pods: ``min(parallelism, completions - succeeded)``; without ``completions`` (work queue)
  ``parallelism`` until one pod succeeded, then none new. Indexed Jobs create the lowest pending indexes; each
  index counts once however many pods succeed for it.
* Failed pods count towards ``backoffLimit``; so does a pod being deleted before it succeeded (the default
  ``podReplacementPolicy: TerminatingOrFailed`` replaces it at once). With ``restartPolicy: OnFailure`` the
  kubelet restarts containers in place and the Job fails once the restarts of its running pods reach
  ``backoffLimit`` (``pastBackoffLimitOnFailure``); with ``Never`` when ``failed > backoffLimit``.
* Replacement pods wait for the pod-failure back-off: 10 s doubling per failure since the last success, capped
  at 6 minutes, measured from the last failure (``backoff_utils.go``).
* ``activeDeadlineSeconds`` counts from ``status.startTime`` (reset when a suspended Job resumes). ``suspend``
  deletes the active pods.
* Finishing (1.35, with JobPodReplacementPolicy and JobManagedBy on): the interim condition ``FailureTarget`` or
  ``SuccessCriteriaMet`` comes first; active pods are deleted; the terminal ``Failed``/``Complete`` condition
  (with ``completionTime`` for Complete) is set once no pod of the Job is still terminating.
* ``ttlSecondsAfterFinished``: the Job is deleted that long after it finished; the garbage collector then deletes
  its pods.

``JobStatus`` has one ``condition`` string; the condition's reason and message (``BackoffLimitExceeded``,
``DeadlineExceeded``, ``CompletionsReached``) are kept by the controller (``JobController.condition_of``) and
appear in the event log as the Job's Events.
"""

from __future__ import annotations

import attrs

from models.meta import OwnerReference
from models.pod import Pod
from models.workloads import Job
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.engine import Handle
from simulator.podutil import delete_pod
from simulator.store import DELETED

__all__ = [
    "COMPLETION_INDEX",
    "CONTROLLER_UID",
    "JOB_NAME",
    "JobCondition",
    "JobController",
    "completion_index",
    "is_job_finished",
]

CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID = "controller-uid"
LEGACY_JOB_NAME = "job-name"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"

# pkg/controller/job: DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff (1.35).
POD_FAILURE_BACKOFF = 10.0
MAX_POD_FAILURE_BACKOFF = 360.0
MAX_POD_CREATE_DELETE_PER_SYNC = 500

FINISHED = ("Complete", "Failed")


@attrs.frozen
class JobCondition:
    """The reason and message of a Job's current condition (``status.conditions[*]`` in Kubernetes)."""

    type: str
    reason: str
    message: str
    last_transition_time: float


def is_job_finished(job: Job) -> bool:
    """``IsJobFinished``: the Job has its terminal Complete or Failed condition."""
    return job.status.condition in FINISHED


def completion_index(pod: Pod) -> int | None:
    """The pod's ``batch.kubernetes.io/job-completion-index``, or None."""
    value = pod.annotations.get(COMPLETION_INDEX)
    if value is None:
        return None
    try:
        index = int(value)
    except ValueError:
        return None
    return index if index >= 0 else None


class _JobState:
    """What the controller remembers about one Job beyond its status (Kubernetes keeps it in finalizers,
    ``uncountedTerminatedPods`` and the in-memory back-off store)."""

    __slots__ = (
        "condition",
        "counted",
        "failures_after_last_success",
        "last_failure_time",
        "released",
        "succeeded_indexes",
        "ttl_timer",
        "vanished_failed",
        "vanished_succeeded",
    )

    def __init__(self) -> None:
        self.counted: set[str] = set()
        # Pods the controller deleted itself in manageJob (surplus, suspend): upstream's deleteJobPods removes
        # their tracking finalizer before deleting them, so they never count as failed.
        self.released: set[str] = set()
        self.vanished_failed = 0
        self.vanished_succeeded: list[int | None] = []
        self.succeeded_indexes: set[int] = set()
        self.failures_after_last_success = 0
        self.last_failure_time: float | None = None
        self.condition: JobCondition | None = None
        self.ttl_timer: Handle | None = None


class JobController:
    """Runs Jobs to completion; deletes finished Jobs after ``ttlSecondsAfterFinished``."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._ctx = ctx
        self._store = ctx.store
        self._engine = ctx.engine
        self._queue = WorkQueue(ctx.engine, self._sync)
        self._states: dict[str, _JobState] = {}
        ctx.store.watch("Job", self._on_job)
        ctx.store.watch("Pod", self._on_pod, owner_kinds=("Job",))

    # -- reading ------------------------------------------------------------------------------------------------
    def condition_of(self, job: Job) -> JobCondition | None:
        """The reason/message of the Job's condition (None while it has none)."""
        state = self._states.get(job.uid)
        return state.condition if state is not None else None

    # -- watches ------------------------------------------------------------------------------------------------
    def _on_job(self, change: str, job: Job) -> None:
        if change == DELETED:
            state = self._states.pop(job.uid, None)
            if state is not None and state.ttl_timer is not None:
                state.ttl_timer.cancel()
            return
        self._queue.add(job.key)

    def _on_pod(self, change: str, pod: Pod) -> None:
        ref = pod.controller_ref
        if ref is None or ref.kind != "Job":
            return
        if change == DELETED:
            # A pod removed before the controller counted it (e.g. an unbound pod deleted at once): as the
            # tracking finalizer makes Kubernetes see it, it counts as succeeded or failed now.
            state = self._states.get(ref.uid)
            if state is not None and pod.uid not in state.counted:
                state.counted.add(pod.uid)
                if pod.phase == "Succeeded":
                    state.vanished_succeeded.append(completion_index(pod))
                elif pod.uid not in state.released:
                    state.vanished_failed += 1
        self._queue.add(f"{pod.namespace}/{ref.name}")

    # -- reconcile ----------------------------------------------------------------------------------------------
    def _sync(self, key: str) -> None:
        job = self._store.get_key("Job", key)
        if job is None or job.deletion_timestamp is not None:
            return
        assert isinstance(job, Job)
        state = self._states.get(job.uid)
        if state is None:
            state = self._states[job.uid] = _JobState()
        status = job.status
        if is_job_finished(job):
            self._arm_ttl(job, state)
            return
        now = self._engine.now
        indexed = job.completion_mode == "Indexed" and job.completions is not None
        owned = list(self._store.pods_owned_by(job.uid))
        changed = False

        # Count newly finished pods once each (Kubernetes: the job-tracking finalizer).
        new_succeeded: list[int | None] = list(state.vanished_succeeded)
        new_failed = state.vanished_failed
        state.vanished_succeeded = []
        state.vanished_failed = 0
        for pod in owned:
            if pod.uid in state.counted:
                continue
            if pod.phase == "Succeeded":
                state.counted.add(pod.uid)
                new_succeeded.append(completion_index(pod))
            elif pod.phase == "Failed" or pod.deletion_timestamp is not None:
                state.counted.add(pod.uid)
                if pod.uid not in state.released:
                    new_failed += 1
        if new_succeeded:
            # All observed at this instant: a success resets the back-off (no failure is after it).
            state.failures_after_last_success = 0
            state.last_failure_time = None
        elif new_failed:
            state.failures_after_last_success += new_failed
            state.last_failure_time = now
        if new_failed:
            status.failed += new_failed
            changed = True
        if indexed:
            assert job.completions is not None
            for index in new_succeeded:
                if index is not None and index < job.completions:
                    state.succeeded_indexes.add(index)
            succeeded = len(state.succeeded_indexes)
        else:
            succeeded = status.succeeded + len(new_succeeded)
        if succeeded != status.succeeded:
            status.succeeded = succeeded
            changed = True

        if status.start_time is None and not job.suspend:
            status.start_time = now
            changed = True

        active = [p for p in owned if p.is_active]
        finishing = status.condition in ("FailureTarget", "SuccessCriteriaMet")
        if not finishing:
            if status.failed > job.backoff_limit or self._past_backoff_limit_on_failure(job, owned):
                self._set_condition(job, state, "FailureTarget", "BackoffLimitExceeded",
                                    "Job has reached the specified backoff limit")  # fmt: skip
                finishing = changed = True
            elif self._past_active_deadline(job):
                self._set_condition(job, state, "FailureTarget", "DeadlineExceeded",
                                    "Job was active longer than specified deadline")  # fmt: skip
                finishing = changed = True
            elif (
                job.active_deadline_seconds is not None and not job.suspend and status.start_time is not None
            ):
                self._queue.add_at(key, status.start_time + job.active_deadline_seconds)

        if finishing:
            if status.condition == "FailureTarget" and active:
                # Every pod still running when the Job fails counts as failed.
                for pod in active:
                    state.counted.add(pod.uid)
                    self._delete(job, pod)
                status.failed += len(active)
                active = []
                changed = True
        else:
            active, created_or_deleted = self._manage(job, state, active, succeeded, indexed)
            changed = changed or created_or_deleted
            if job.completions is None:
                complete = succeeded > 0 and not active
            else:
                complete = succeeded >= job.completions and not active
            if complete:
                self._set_condition(job, state, "SuccessCriteriaMet", "CompletionsReached",
                                    "Reached expected number of succeeded pods")  # fmt: skip
                finishing = changed = True
            else:
                changed = self._suspend_condition(job, state) or changed

        if finishing:
            terminating = sum(
                1
                for p in self._store.pods_owned_by(job.uid)
                if p.deletion_timestamp is not None and not p.is_terminal
            )
            finished = terminating == 0
        else:
            finished = False
        if finished:
            self._finish(job, state)
            changed = True
        if status.active != len(active):
            status.active = len(active)
            changed = True
        if changed:
            self._store.update(job)
        if finished:
            self._record_finished(job, state)
        if is_job_finished(job):
            self._arm_ttl(job, state)

    def _manage(
        self, job: Job, state: _JobState, active: list[Pod], succeeded: int, indexed: bool
    ) -> tuple[list[Pod], bool]:
        """``manageJob``: delete surplus (or, when suspended, all) active pods, create missing ones."""
        if job.suspend:
            for pod in active:
                state.released.add(pod.uid)
                self._delete(job, pod)
            return [], bool(active)
        if job.completions is None:
            want = len(active) if succeeded > 0 else job.parallelism
        else:
            want = max(0, min(job.parallelism, job.completions - succeeded))
        if len(active) > want:
            # activePodsForRemoval: not-yet-running pods first, then the newest (and, for Indexed Jobs, the
            # highest indexes).
            ranked = sorted(
                active,
                key=lambda p: (
                    1 if p.node_name else 0,
                    1 if p.phase == "Running" else 0,
                    1 if p.ready else 0,
                    -p.creation_timestamp,
                ),
            )
            surplus = ranked[: min(len(active) - want, MAX_POD_CREATE_DELETE_PER_SYNC)]
            for pod in surplus:
                # deleteJobPods: the finalizer goes first, so a surplus pod is not a failure
                # (TestControllerSyncJob "too many active pods": failed stays 0).
                state.released.add(pod.uid)
                self._delete(job, pod)
            return [p for p in active if p not in surplus], True
        diff = want - len(active)
        if diff <= 0:
            return active, False
        backoff_end = self._backoff_end(state)
        if backoff_end is not None and self._engine.now < backoff_end:
            self._queue.add_at(job.key, backoff_end)
            return active, False
        diff = min(diff, MAX_POD_CREATE_DELETE_PER_SYNC)
        indexes: list[int | None]
        if indexed:
            assert job.completions is not None
            busy = {completion_index(p) for p in active}
            indexes = []
            for i in range(job.completions):
                if len(indexes) == diff:
                    break
                if i not in state.succeeded_indexes and i not in busy:
                    indexes.append(i)
        else:
            indexes = [None] * diff
        created = False
        for index in indexes:
            new_pod = self._create_pod(job, index)
            if new_pod is not None:
                active.append(new_pod)
                created = True
        return active, created

    def _backoff_end(self, state: _JobState) -> float | None:
        """When ``getRemainingTimeForFailuresCount`` reaches 0: 10 s doubling per failure since the last success,
        max 6 min, from the last failure. An absolute time, so the timer for it and the check agree exactly."""
        failures = state.failures_after_last_success
        if failures == 0 or state.last_failure_time is None:
            return None
        backoff = POD_FAILURE_BACKOFF
        for _ in range(1, failures):
            backoff *= 2
            if backoff >= MAX_POD_FAILURE_BACKOFF:
                backoff = MAX_POD_FAILURE_BACKOFF
                break
        return state.last_failure_time + backoff

    @staticmethod
    def _past_backoff_limit_on_failure(job: Job, owned: list[Pod]) -> bool:
        """``pastBackoffLimitOnFailure``: container restarts of Pending/Running pods reach backoffLimit."""
        if job.template.spec.restart_policy != "OnFailure":
            return False
        restarts = sum(p.restart_count for p in owned if p.phase in ("Pending", "Running"))
        if job.backoff_limit == 0:
            return restarts > 0
        return restarts >= job.backoff_limit

    def _past_active_deadline(self, job: Job) -> bool:
        start = job.status.start_time
        if job.active_deadline_seconds is None or start is None or job.suspend:
            return False
        return self._engine.now >= start + job.active_deadline_seconds

    def _suspend_condition(self, job: Job, state: _JobState) -> bool:
        status = job.status
        if job.suspend:
            if status.condition != "Suspended":
                status.condition = "Suspended"
                state.condition = JobCondition("Suspended", "JobSuspended", "Job suspended", self._engine.now)
                self._store.event(job, "Suspended", "Job suspended")
                return True
        elif status.condition == "Suspended":
            # Resuming resets startTime, so activeDeadlineSeconds counts continuous activity.
            status.condition = ""
            status.start_time = self._engine.now
            state.condition = JobCondition("Suspended", "JobResumed", "Job resumed", self._engine.now)
            self._store.event(job, "Resumed", "Job resumed")
            if job.active_deadline_seconds is not None:
                self._queue.add_after(job.key, job.active_deadline_seconds)
            return True
        return False

    def _set_condition(self, job: Job, state: _JobState, kind: str, reason: str, message: str) -> None:
        job.status.condition = kind
        state.condition = JobCondition(kind, reason, message, self._engine.now)

    def _finish(self, job: Job, state: _JobState) -> None:
        """Turn the interim condition into the terminal one (``enactJobFinished``)."""
        now = self._engine.now
        interim = state.condition
        assert interim is not None
        if job.status.condition == "SuccessCriteriaMet":
            job.status.condition = "Complete"
            job.status.completion_time = now
            state.condition = JobCondition("Complete", interim.reason, interim.message, now)
        else:
            job.status.condition = "Failed"
            state.condition = JobCondition("Failed", interim.reason, interim.message, now)

    def _record_finished(self, job: Job, state: _JobState) -> None:
        """``recordJobFinished``: the Event, after the status write."""
        cond = state.condition
        assert cond is not None
        if cond.type == "Complete":
            self._store.event(job, "Completed", "Job completed")
        else:
            self._store.event(job, cond.reason, cond.message, "Warning")

    def _arm_ttl(self, job: Job, state: _JobState) -> None:
        """The TTL-after-finished controller: delete the Job ``ttlSecondsAfterFinished`` after it finished."""
        ttl = job.ttl_seconds_after_finished
        if ttl is None or state.ttl_timer is not None:
            return
        finished = state.condition.last_transition_time if state.condition is not None else self._engine.now
        state.ttl_timer = self._engine.call_at(finished + ttl, self._expire, job)

    def _expire(self, job: Job) -> None:
        state = self._states.get(job.uid)
        if state is not None:
            state.ttl_timer = None
        if not self._store.contains(job) or job.ttl_seconds_after_finished is None:
            return
        # Kubernetes deletes with foreground propagation; here the Job goes at once and the garbage collector
        # deletes its pods right after.
        self._store.delete(job)

    # -- writes -------------------------------------------------------------------------------------------------
    def _create_pod(self, job: Job, index: int | None) -> Pod | None:
        template = job.template
        labels = dict(template.labels)
        labels[CONTROLLER_UID] = job.uid
        labels[JOB_NAME] = job.name
        labels[LEGACY_CONTROLLER_UID] = job.uid
        labels[LEGACY_JOB_NAME] = job.name
        annotations: dict[str, str]
        if index is None:
            prefix = f"{job.name}-"
            annotations = template.annotations  # type: ignore[assignment]  # shared, read-only
        else:
            prefix = f"{job.name}-{index}-"
            annotations = {**template.annotations, COMPLETION_INDEX: str(index)}
            labels[COMPLETION_INDEX] = str(index)  # PodIndexLabel, on by default since 1.28
        name = self._store.generate_name("Pod", job.namespace, prefix)
        pod = Pod(
            name=name,
            namespace=job.namespace,
            labels=labels,
            annotations=annotations,
            owner_references=(
                OwnerReference(kind=job.KIND, name=job.name, uid=job.uid, api_version=job.API_VERSION),
            ),
            spec=template.spec,
        )
        try:
            self._store.add(pod)
        except ValueError as err:  # AdmissionError: e.g. an unknown priorityClassName
            self._store.event(job, "FailedCreate", f"Error creating: {err}", "Warning")
            return None
        self._store.event(job, "SuccessfulCreate", f"Created pod: {name}")
        return pod

    def _delete(self, job: Job, pod: Pod) -> None:
        delete_pod(self._store, pod)
        self._store.event(job, "SuccessfulDelete", f"Deleted pod: {pod.name}")
