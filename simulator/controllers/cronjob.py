"""The CronJob controller (batch/v1, ``pkg/controller/cronjob`` "v2" of Kubernetes 1.35).

The cron parser lives in ``models._workloads`` (the loader validates schedules with it; re-exported here).

Schedules are read as ``robfig/cron/v3``'s ``ParseStandard`` reads them (what Kubernetes uses): five fields
(minute, hour, day of month, month, day of week; names ``JAN``-``DEC``, ``SUN``-``SAT``; ``*``, ``?``, lists,
ranges and ``/step``), the descriptors ``@yearly``/``@annually``, ``@monthly``, ``@weekly``, ``@daily``/
``@midnight``, ``@hourly`` and ``@every <duration>``. When both day fields are restricted a day matches either
(cron's OR rule); when one is ``*`` both must match. Times are UTC on the virtual clock (t = 0 is
1970-01-01T00:00:00Z); the loader accepts only ``timeZone: UTC`` or a zone that is always UTC+0.

Each sync: finished Jobs leave the active list (``SawCompletedJob``); the most recent unmet schedule time after
``status.lastScheduleTime`` (or the creation time; no earlier than now - ``startingDeadlineSeconds``) is started
unless it is too late (``MissSchedule``), already done, or ``concurrencyPolicy: Forbid`` finds a Job still
active (``JobAlreadyActive``; the run is not queued, but the next sync may start the missed time late, as
upstream); ``Replace`` deletes the active Jobs first. Jobs are named ``<cronjob>-<scheduled time in minutes
since the epoch>`` and annotated with ``batch.kubernetes.io/cronjob-scheduled-timestamp``. The controller
requeues itself 100 ms after the next schedule time (``nextScheduleDelta``). Finished Jobs beyond
``successfulJobsHistoryLimit``/``failedJobsHistoryLimit`` are deleted oldest first.

The CronJob model has no status; the controller keeps it (``CronJobController.status_of``).
"""

from __future__ import annotations

import datetime as dt

import attrs

from models._workloads import CronSchedule, CronSyntaxError, parse_schedule
from models.meta import OwnerReference
from models.workloads import CronJob, Job, JobStatus
from simulator.controllers.base import ControllerContext, WorkQueue
from simulator.controllers.job import is_job_finished
from simulator.store import DELETED, AlreadyExists

__all__ = [
    "CronJobController",
    "CronJobStatus",
    "CronSchedule",
    "CronSyntaxError",
    "job_name",
    "most_recent_schedule_time",
    "next_schedule_time",
    "parse_schedule",
]

SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
NEXT_SCHEDULE_DELTA = 0.1  # pkg/controller/cronjob: nextScheduleDelta = 100 ms
TOO_MANY_MISSED = 100
_UTC = dt.UTC


def job_name(cronjob: CronJob, scheduled: float) -> str:
    """``getJobName``: ``<cronjob>-<scheduled time in minutes since the epoch>``."""
    return f"{cronjob.name}-{int(scheduled // 60)}"


def _rfc3339(t: float) -> str:
    return dt.datetime.fromtimestamp(t, tz=_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc1123z(t: float) -> str:
    return dt.datetime.fromtimestamp(t, tz=_UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


NONE_MISSED, FEW_MISSED, MANY_MISSED = 0, 1, 2


def most_recent_schedule_time(sched: CronSchedule, earliest: float, now: float) -> tuple[float | None, int]:
    """``mostRecentScheduleTime`` (``utils.go``): the latest schedule time in (earliest, now] and whether none,
    a few or more than 100 were missed.

    As upstream, past the second schedule time the count is estimated from the first interval and the search for
    the most recent time starts one interval before the estimate, so an irregular schedule (``30 10,11,12 * *
    1-5``) can come back with no time at all (``utils_test.go`` "another complex schedule").

    Raises:
        CronSyntaxError: two schedule times are less than 1 s apart (a schedule that never comes).
    """
    t1 = sched.next(earliest)
    t2 = sched.next(t1) if t1 != float("inf") else t1
    if t1 != float("inf") and now < t1:
        return None, NONE_MISSED
    if t2 != float("inf") and now < t2:
        return t1, NONE_MISSED
    # robfig/cron's Next gives the zero time for a schedule with no time in the next five years
    interval = round(t2 - t1) if t2 != float("inf") else 0
    if interval < 1:
        raise CronSyntaxError("time difference between two schedules is less than 1 second")
    missed = int(now - t1) // interval + 1
    recent: float | None = None
    t = sched.next(t1 + (missed - 2) * interval)
    while t <= now:
        recent = t
        t = sched.next(t)
    return recent, MANY_MISSED if missed > TOO_MANY_MISSED else FEW_MISSED


def next_schedule_time(sched: CronSchedule, earliest: float, now: float) -> float:
    """When ``nextScheduleTimeDuration`` requeues the CronJob (before the 100 ms ``nextScheduleDelta``): the
    schedule time after the most recent one (without startingDeadlineSeconds), after ``earliest`` when nothing
    was missed, else after now."""
    try:
        recent, missed = most_recent_schedule_time(sched, earliest, now)
    except CronSyntaxError:
        recent, missed = now, FEW_MISSED
    if recent is None:
        recent = earliest if missed == NONE_MISSED else now
    return sched.next(recent)


@attrs.define
class CronJobStatus:
    """``CronJob.status``: the active Jobs' names, lastScheduleTime and lastSuccessfulTime."""

    active: list[str] = attrs.field(factory=list)
    last_schedule_time: float | None = None
    last_successful_time: float | None = None


class CronJobController:
    """Creates Jobs from CronJobs on schedule."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._store = ctx.store
        self._engine = ctx.engine
        self._queue = WorkQueue(ctx.engine, self._sync)
        self._status: dict[str, CronJobStatus] = {}
        self._jobs: dict[str, dict[str, Job]] = {}  # CronJob uid -> its Jobs by name
        self._schedules: dict[str, CronSchedule | str] = {}  # schedule text -> parsed, or the error
        self._invalid_reported: set[str] = set()
        ctx.store.watch("CronJob", self._on_cronjob)
        ctx.store.watch("Job", self._on_job)

    def status_of(self, cronjob: CronJob) -> CronJobStatus:
        """The CronJob's status (empty before its first sync)."""
        return self._status.get(cronjob.uid) or CronJobStatus()

    # -- watches ------------------------------------------------------------------------------------------------
    def _on_cronjob(self, change: str, cronjob: CronJob) -> None:
        if change == DELETED:
            self._status.pop(cronjob.uid, None)
            self._jobs.pop(cronjob.uid, None)
            self._invalid_reported.discard(cronjob.uid)
            return
        self._queue.add(cronjob.key)

    def _on_job(self, change: str, job: Job) -> None:
        ref = job.controller_ref
        if ref is None or ref.kind != "CronJob":
            return
        jobs = self._jobs.setdefault(ref.uid, {})
        if change == DELETED:
            if jobs.get(job.name) is job:
                del jobs[job.name]
        else:
            jobs[job.name] = job
        self._queue.add(f"{job.namespace}/{ref.name}")

    # -- reconcile ----------------------------------------------------------------------------------------------
    def _schedule(self, cronjob: CronJob) -> CronSchedule | None:
        parsed = self._schedules.get(cronjob.schedule)
        if parsed is None:
            try:
                parsed = parse_schedule(cronjob.schedule)
            except CronSyntaxError as err:
                parsed = str(err)
            self._schedules[cronjob.schedule] = parsed
        if isinstance(parsed, str):
            if cronjob.uid not in self._invalid_reported:
                self._invalid_reported.add(cronjob.uid)
                # cronjob_controllerv2.go: a schedule cron.ParseStandard rejects (the API server's validation would
                # have refused it) is an "UnparseableSchedule" Warning with the schedule quoted as Go's %q.
                quoted = '"' + cronjob.schedule.replace("\\", "\\\\").replace('"', '\\"') + '"'
                self._store.event(
                    cronjob, "UnparseableSchedule", f"unparseable schedule: {quoted} : {parsed}", "Warning"
                )
            return None
        return parsed

    def _sync(self, key: str) -> None:
        cronjob = self._store.get_key("CronJob", key)
        if cronjob is None:
            return
        assert isinstance(cronjob, CronJob)
        status = self._status.setdefault(cronjob.uid, CronJobStatus())
        jobs = self._jobs.get(cronjob.uid, {})
        self._reconcile_jobs(cronjob, status, jobs)
        self._start_due(cronjob, status)
        self._cleanup_finished(cronjob, jobs)

    def _reconcile_jobs(self, cronjob: CronJob, status: CronJobStatus, jobs: dict[str, Job]) -> None:
        for job in list(jobs.values()):
            finished = is_job_finished(job)
            found = job.name in status.active
            if not found and not finished:
                status.active.append(job.name)
                self._store.event(
                    cronjob, "UnexpectedJob", f"Saw a job that the controller did not create or forgot: {job.name}",
                    "Warning",
                )  # fmt: skip
            elif found and finished:
                status.active.remove(job.name)
                self._store.event(
                    cronjob,
                    "SawCompletedJob",
                    f"Saw completed job: {job.name}, condition: {job.status.condition}",
                )
            if finished and job.status.condition == "Complete" and job.status.completion_time is not None:
                last = status.last_successful_time
                if last is None or job.status.completion_time > last:
                    status.last_successful_time = job.status.completion_time
        for name in list(status.active):
            if name not in jobs:
                status.active.remove(name)
                self._store.event(cronjob, "MissingJob", f"Active job went missing: {name}")

    def _start_due(self, cronjob: CronJob, status: CronJobStatus) -> None:
        """``syncCronJob`` from the schedule on: start the most recent unmet time, requeue for the next."""
        if cronjob.deletion_timestamp is not None or cronjob.suspend or cronjob.job_template is None:
            return
        sched = self._schedule(cronjob)
        if sched is None:
            return
        now = self._engine.now
        earliest = self._earliest(cronjob, status)
        if cronjob.starting_deadline_seconds is not None:
            earliest = max(earliest, now - cronjob.starting_deadline_seconds)
        try:
            scheduled, missed = most_recent_schedule_time(sched, earliest, now)
        except CronSyntaxError as err:
            # cronjob_controllerv2.go: an error from nextScheduleTime is an "InvalidSchedule" Warning, and the
            # CronJob is not requeued until it changes (e.g. "59 23 31 2 *", which never comes).
            self._store.event(
                cronjob, "InvalidSchedule", f"invalid schedule: {cronjob.schedule} : {err}", "Warning"
            )
            return
        if scheduled is not None:
            if missed == MANY_MISSED:
                self._store.event(
                    cronjob, "TooManyMissedTimes",
                    "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
                    "Warning",
                )  # fmt: skip
            deadline = cronjob.starting_deadline_seconds
            name = job_name(cronjob, scheduled)
            if deadline is not None and scheduled + deadline < now:
                self._store.event(
                    cronjob, "MissSchedule", f"Missed scheduled time to start a job: {_rfc1123z(scheduled)}",
                    "Warning",
                )  # fmt: skip
            elif name in status.active or status.last_schedule_time == scheduled:
                pass  # this scheduled time is already processed
            elif cronjob.concurrency_policy == "Forbid" and status.active:
                self._store.event(
                    cronjob, "JobAlreadyActive",
                    "Not starting job because prior execution is running and concurrency policy is Forbid",
                )  # fmt: skip
            else:
                if cronjob.concurrency_policy == "Replace":
                    for active in list(status.active):
                        job = self._store.get("Job", cronjob.namespace, active)
                        if job is not None:
                            self._delete_job(cronjob, job)
                        status.active.remove(active)
                self._create_job(cronjob, status, scheduled, name)
        requeue = next_schedule_time(sched, self._earliest(cronjob, status), now)
        if requeue != float("inf"):
            self._queue.add_at(cronjob.key, requeue + NEXT_SCHEDULE_DELTA)

    @staticmethod
    def _earliest(cronjob: CronJob, status: CronJobStatus) -> float:
        return (
            status.last_schedule_time if status.last_schedule_time is not None else cronjob.creation_timestamp
        )

    def _create_job(self, cronjob: CronJob, status: CronJobStatus, scheduled: float, name: str) -> None:
        template = cronjob.job_template
        assert template is not None
        job = attrs.evolve(
            template,
            name=name,
            namespace=cronjob.namespace,
            labels=dict(template.labels),
            annotations={**template.annotations, SCHEDULED_TIMESTAMP: _rfc3339(scheduled)},
            owner_references=(
                OwnerReference(
                    kind=cronjob.KIND, name=cronjob.name, uid=cronjob.uid, api_version=cronjob.API_VERSION
                ),
            ),
            uid="",
            resource_version=0,
            generation=1,
            creation_timestamp=0.0,
            deletion_timestamp=None,
            status=JobStatus(),
        )
        try:
            self._store.add(job)
        except AlreadyExists:
            return  # created by an earlier sync (or someone else); the Job watch reconciles it
        self._store.event(cronjob, "SuccessfulCreate", f"Created job {name}")
        status.active.append(name)
        status.last_schedule_time = scheduled

    def _delete_job(self, cronjob: CronJob, job: Job) -> None:
        if self._store.contains(job):
            self._store.delete(job)  # background propagation: the garbage collector deletes its pods
            self._store.event(cronjob, "SuccessfulDelete", f"Deleted job {job.name}")

    def _cleanup_finished(self, cronjob: CronJob, jobs: dict[str, Job]) -> None:
        """``cleanupFinishedJobs``: keep the newest successful/failed Jobs within the history limits."""
        succeeded: list[Job] = []
        failed: list[Job] = []
        for job in jobs.values():
            if job.status.condition == "Complete":
                succeeded.append(job)
            elif job.status.condition == "Failed":
                failed.append(job)
        for finished, limit in (
            (succeeded, cronjob.successful_jobs_history_limit),
            (failed, cronjob.failed_jobs_history_limit),
        ):
            surplus = len(finished) - limit
            if surplus <= 0:
                continue
            finished.sort(
                key=lambda j: (
                    j.status.start_time is None,
                    j.status.start_time or 0.0,
                    j.name,  # byJobStartTime: equal start times by name
                )
            )
            for job in finished[:surplus]:
                self._delete_job(cronjob, job)
