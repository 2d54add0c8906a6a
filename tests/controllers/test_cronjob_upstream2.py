"""CronJob controller against upstream unit-test tables, ported as facts (inputs and expected results).

Upstream (Kubernetes 1.35):

* ``pkg/controller/cronjob/utils_test.go``: ``TestMostRecentScheduleTime`` (the most recent unmet time, the
  rough missed-schedule count and its 100 threshold, the "never comes" error) and ``TestNextScheduleTimeDuration``
  (when the controller requeues itself), with ``topOfTheHour`` = 2016-05-19T10:00:00Z (a Thursday).
* ``pkg/controller/cronjob/cronjob_controllerv2_test.go``: ``TestControllerV2SyncCronJob`` behaviour, run on the
  virtual clock: jobs 100 ms after the schedule time, suspend, concurrencyPolicy Allow/Forbid/Replace,
  ``TooManyMissedTimes`` after more than 100 missed times, ``InvalidSchedule``, and the history limits 3/1
  (``TestControllerV2CleanupFinishedJobs``: oldest ``status.startTime`` first, ties by name).

Not modelled: ``timeZone`` other than UTC (rejected by the loader), the ``UnknownTimeZone``/``CRON_TZ`` events,
job-create errors (``FailedCreate``, a terminating namespace).
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from simulator import Simulation
from simulator.controllers.cronjob import (
    FEW_MISSED,
    MANY_MISSED,
    NEXT_SCHEDULE_DELTA,
    NONE_MISSED,
    CronJobController,
    CronSyntaxError,
    most_recent_schedule_time,
    next_schedule_time,
    parse_schedule,
)
from tests.controllers.test_cronjob import created_jobs, cronjob
from tests.simhelpers import events, pool, scenario, sim_from

TOP = float(calendar.timegm(dt.datetime(2016, 5, 19, 10, 0).timetuple()))
H, M, S, DAY = 3600.0, 60.0, 1.0, 86400.0

# name: (schedule, creation offset, lastScheduleTime offset | None, startingDeadlineSeconds | None (applied as
# includeSDS), now offset, expected recent offset | None, expected missed kind); offsets from TOP in seconds.
MOST_RECENT: dict[str, tuple[str, float, float | None, float | None, float, float | None, int]] = {
    "now before next schedule": ("0 * * * *", 0, None, None, 30 * S, None, NONE_MISSED),
    "now just after next schedule": ("0 * * * *", 0, None, None, 61 * M, 60 * M, NONE_MISSED),
    "missed 5 schedules": ("0 * * * *", 10 * S, None, None, 301 * M, 300 * M, FEW_MISSED),
    "complex schedule": ("30 6-16/4 * * 1-5", 0, 30 * M, None, 24 * H + 31 * M, 24 * H + 30 * M, FEW_MISSED),
    # the rough count overshoots on an irregular schedule: no time comes back (as upstream)
    "another complex schedule": ("30 10,11,12 * * 1-5", 0, 30 * M, None, 30 * H + 30 * M, None, FEW_MISSED),
    "complex schedule with longer diff between executions": (
        "30 6-16/4 * * 1-5",
        0,
        30 * M,
        None,
        96 * H + 31 * M,
        96 * H + 30 * M,
        FEW_MISSED,
    ),
    "complex schedule with shorter diff between executions": (
        "30 6-16/4 * * 1-5",
        0,
        None,
        None,
        24 * H + 31 * M,
        24 * H + 30 * M,
        FEW_MISSED,
    ),
    "@every schedule": ("@every 1h", -59 * M, 1 * M, None, 7 * DAY, 6 * DAY + 23 * H + 1 * M, MANY_MISSED),
    "earliestTime being CreationTimestamp and LastScheduleTime": (
        "0 * * * *",
        0,
        0,
        None,
        30 * S,
        None,
        NONE_MISSED,
    ),
    "earliestTime being LastScheduleTime": ("*/5 * * * *", 0, 30 * M, None, 31 * M, None, NONE_MISSED),
    "earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)": (
        "*/5 * * * *",
        0,
        30 * M,
        60,
        32 * M,
        None,
        NONE_MISSED,
    ),
}


def earliest_of(creation: float, last: float | None, deadline: float | None, now: float) -> float:
    earliest = TOP + (last if last is not None else creation)
    if deadline is not None:
        earliest = max(earliest, now - deadline)
    return earliest


@pytest.mark.parametrize(
    "name", list(MOST_RECENT), ids=[f"TestMostRecentScheduleTime/{n}" for n in MOST_RECENT]
)
def test_most_recent_schedule_time(name: str) -> None:
    schedule, creation, last, deadline, now_off, want, kind = MOST_RECENT[name]
    now = TOP + now_off
    recent, missed = most_recent_schedule_time(
        parse_schedule(schedule), earliest_of(creation, last, deadline, now), now
    )
    assert recent == (None if want is None else TOP + want)
    assert missed == kind


def test_most_recent_schedule_time_rogue_cronjob() -> None:
    """TestMostRecentScheduleTime/"rogue cronjob": "59 23 31 2 *" parses but never comes: an error."""
    with pytest.raises(CronSyntaxError, match="time difference between two schedules is less than 1 second"):
        most_recent_schedule_time(parse_schedule("59 23 31 2 *"), TOP + 10, TOP + H)


# name: (schedule, lastScheduleTime offset | None, now offset, expected requeue delay)
NEXT_DURATION: dict[str, tuple[str, float | None, float, float]] = {
    "complex schedule skipping weekend": ("30 6-16/4 * * 1-5", 30 * M, 24 * H + 31 * M, 3 * H + 59 * M),
    "another complex schedule skipping weekend": ("30 10,11,12 * * 1-5", 30 * M, 30 * H + 30 * M, 66 * H),
    "once a week cronjob, missed two runs": ("0 12 * * 4", 2 * H, 19 * DAY + 1 * H + 30 * M, 48 * H + 30 * M),
    "no previous run of a cronjob": ("0 12 * * 5", None, 6 * H, 20 * H),
}


@pytest.mark.parametrize(
    "name", list(NEXT_DURATION), ids=[f"TestNextScheduleTimeDuration/{n}" for n in NEXT_DURATION]
)
def test_next_schedule_time_duration(name: str) -> None:
    schedule, last, now_off, delay = NEXT_DURATION[name]
    now = TOP + now_off
    earliest = TOP + (last if last is not None else 0.0)
    requeue = next_schedule_time(parse_schedule(schedule), earliest, now) + NEXT_SCHEDULE_DELTA
    assert requeue - now == pytest.approx(delay + NEXT_SCHEDULE_DELTA)


# -- the controller on the virtual clock (t = 0 is 1970-01-01T00:00:00Z, a Thursday) ----------------------------


def sim_of(text: str, hours: int = 6) -> Simulation:
    return sim_from(scenario(defaults="{startupSeconds: 1s}", duration=f"{hours}h") + pool() + text)


def ctrl(sim: Simulation) -> CronJobController:
    return next(c for c in sim.controllers if isinstance(c, CronJobController))


def test_sync_cron_job_never_ran_is_time_creates_the_job_100ms_after_the_hour() -> None:
    """TestControllerV2SyncCronJob "never ran, not time, A" / "never ran, is time, A": nothing before the hour,
    a Job at the hour + nextScheduleDelta, lastScheduleTime = the hour, the Job in status.active."""
    sim = sim_of(cronjob("0 * * * ?", duration="10m"))
    sim.run(until=H)
    assert created_jobs(sim) == []
    sim.run(until=H + 0.2)
    assert created_jobs(sim) == [(H + 0.1, "tick-60")]
    status = ctrl(sim).status_of(sim.store.get("CronJob", "default", "tick"))
    assert status.last_schedule_time == H and status.active == ["tick-60"]


def test_sync_cron_job_never_ran_is_time_suspended_creates_nothing() -> None:
    """TestControllerV2SyncCronJob "never ran, is time, suspended": no Job, no requeue."""
    sim = sim_of(cronjob("0 * * * ?", spec="suspend: true"))
    sim.run(until=3 * H)
    assert created_jobs(sim) == []


@pytest.mark.parametrize(
    ("policy", "created", "deleted", "already_active"),
    [
        ("Allow", ["tick-60", "tick-120"], [], 0),
        ("Forbid", ["tick-60"], [], 1),
        ("Replace", ["tick-60", "tick-120"], ["tick-60"], 0),
    ],
    ids=[
        "TestControllerV2SyncCronJob/still active, is time, A",
        "TestControllerV2SyncCronJob/still active, is time, F",
        "TestControllerV2SyncCronJob/still active, is time, R",
    ],
)
def test_sync_cron_job_still_active_is_time(policy: str, created: list[str], deleted: list[str],
                                            already_active: int) -> None:  # fmt: skip
    sim = sim_of(cronjob("0 * * * ?", spec=f"concurrencyPolicy: {policy}", duration="90m"))
    sim.run(until=2 * H + 0.2)
    assert [name for _, name in created_jobs(sim)] == created
    assert [e["message"] for e in events(sim, "SuccessfulDelete", "CronJob")] == [
        f"Deleted job {n}" for n in deleted
    ]
    forbidden = events(sim, "JobAlreadyActive", "CronJob")
    assert len(forbidden) == already_active
    if forbidden:
        assert forbidden[0]["t"] == 2 * H + 0.1
        assert forbidden[0]["message"] == (
            "Not starting job because prior execution is running and concurrency policy is Forbid"
        )


def test_sync_cron_job_long_overdue_warns_too_many_missed_and_starts_only_the_latest() -> None:
    """TestControllerV2SyncCronJob "prev ran but done, long overdue, no deadline, A": more than 100 missed times
    (a minutely CronJob suspended for two hours): one TooManyMissedTimes Warning and one Job, for the latest."""
    sim = sim_of(cronjob("* * * * *", spec="suspend: true"))
    sim.run(until=2 * H + 30)
    cj = sim.store.get("CronJob", "default", "tick")
    cj.suspend = False
    cj.generation += 1
    sim.store.update(cj)
    sim.run(until=2 * H + 31)
    (warned,) = events(sim, "TooManyMissedTimes", "CronJob")
    assert warned["eventType"] == "Warning" and warned["t"] == 2 * H + 30
    assert warned["message"] == (
        "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"
    )
    assert created_jobs(sim) == [(2 * H + 30, "tick-120")]


def test_sync_cron_job_long_overdue_with_a_deadline_starts_the_latest_without_warning() -> None:
    """ "prev ran but done, long overdue, past medium deadline, A": startingDeadlineSeconds bounds the look-back,
    so there are not too many missed times; the latest time within the deadline is started."""
    sim = sim_of(cronjob("* * * * *", spec="suspend: true\nstartingDeadlineSeconds: 300"))
    sim.run(until=2 * H + 30)
    cj = sim.store.get("CronJob", "default", "tick")
    cj.suspend = False
    cj.generation += 1
    sim.store.update(cj)
    sim.run(until=2 * H + 31)
    assert not events(sim, "TooManyMissedTimes", "CronJob")
    assert created_jobs(sim) == [(2 * H + 30, "tick-120")]


def test_sync_cron_job_long_overdue_past_short_deadline_creates_nothing() -> None:
    """ "prev ran but done, long overdue, past short deadline, A": an hourly CronJob resumed 30 min after its
    time with startingDeadlineSeconds 60: too late, no Job; the next hour is started."""
    sim = sim_of(cronjob("0 * * * ?", spec="suspend: true\nstartingDeadlineSeconds: 60"))
    sim.run(until=H + 30 * M)
    cj = sim.store.get("CronJob", "default", "tick")
    cj.suspend = False
    cj.generation += 1
    sim.store.update(cj)
    sim.run(until=2 * H + 1)
    assert created_jobs(sim) == [(2 * H + 0.1, "tick-120")]


def test_sync_cron_job_schedule_that_never_comes_is_an_invalid_schedule() -> None:
    """ "59 23 31 2 *" parses (the API server accepts it) but has no time: an InvalidSchedule Warning, no Job."""
    sim = sim_of(cronjob("59 23 31 2 *"))
    sim.run(until=H)
    (warned,) = events(sim, "InvalidSchedule", "CronJob")
    assert warned["eventType"] == "Warning" and warned["t"] == 0.0
    assert warned["message"] == (
        "invalid schedule: 59 23 31 2 * : time difference between two schedules is less than 1 second"
    )
    assert created_jobs(sim) == []


@pytest.mark.parametrize(
    ("outcome", "kept"),
    [("succeeded", 3), ("failed", 1)],
    ids=[
        "TestControllerV2CleanupFinishedJobs/successful limit 3",
        "TestControllerV2CleanupFinishedJobs/failed limit 1",
    ],
)
def test_cleanup_finished_jobs_default_history_limits(outcome: str, kept: int) -> None:
    """successfulJobsHistoryLimit defaults to 3, failedJobsHistoryLimit to 1; the oldest go first."""
    annotations = "{kubesim.dev/crash-mtbf-seconds: 0.5s}" if outcome == "failed" else ""
    text = cronjob("*/10 * * * *", duration="60s")
    if annotations:
        text = text.replace("{kubesim.dev/duration-seconds: 60s}", annotations).replace(
            "    spec:\n      template:", "    spec:\n      backoffLimit: 0\n      template:"
        )
    sim = sim_of(text, hours=2)
    sim.run(until=H + 9 * M)
    names = sorted((j.name for j in sim.store.list("Job")), key=lambda n: int(n.split("-")[1]))
    want = "Complete" if outcome == "succeeded" else "Failed"
    assert all(sim.store.get("Job", "default", n).status.condition == want for n in names)
    # six runs (10, 20, ..., 60 min); only the newest `kept` remain
    assert names == [f"tick-{m}" for m in range(60 - 10 * (kept - 1), 61, 10)]
    deleted = [e["message"] for e in events(sim, "SuccessfulDelete", "CronJob")]
    assert deleted == [f"Deleted job tick-{m}" for m in range(10, 60 - 10 * (kept - 1), 10)]
