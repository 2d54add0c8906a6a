"""CronJob: the cron parser (robfig/cron ParseStandard semantics) and the controller over simulated days."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from simulator import Simulation
from simulator.controllers.cronjob import (
    SCHEDULED_TIMESTAMP,
    CronJobController,
    CronSyntaxError,
    parse_schedule,
)
from tests.simhelpers import events, pool, scenario, sim_from

DAY = 86400.0


def ts(text: str) -> float:
    """Seconds since the epoch of a UTC ``YYYY-mm-dd HH:MM``."""
    return float(calendar.timegm(dt.datetime.strptime(text, "%Y-%m-%d %H:%M").timetuple()))


def nexts(schedule: str, start: str, count: int) -> list[str]:
    sched = parse_schedule(schedule)
    t = ts(start)
    out = []
    for _ in range(count):
        t = sched.next(t)
        out.append(dt.datetime.fromtimestamp(t, tz=dt.UTC).strftime("%Y-%m-%d %H:%M"))
    return out


@pytest.mark.parametrize(
    ("schedule", "start", "expected"),
    [
        ("*/15 * * * *", "2024-01-01 00:00", ["2024-01-01 00:15", "2024-01-01 00:30", "2024-01-01 00:45"]),
        ("0 2 * * *", "2024-01-01 02:00", ["2024-01-02 02:00", "2024-01-03 02:00"]),
        ("30 9-17/4 * * MON-FRI", "2024-01-05 16:00", ["2024-01-05 17:30", "2024-01-08 09:30"]),
        ("0 0 29 2 *", "2024-03-01 00:00", ["2028-02-29 00:00"]),
        # both day fields restricted: either matches (1st of the month OR a Sunday)
        ("0 12 1 * 0", "2024-01-01 13:00", ["2024-01-07 12:00", "2024-01-14 12:00"]),
        ("5/20 * * * *", "2024-01-01 00:00", ["2024-01-01 00:05", "2024-01-01 00:25", "2024-01-01 00:45"]),
        ("0 0 * jan,jul ?", "2024-01-31 00:00", ["2024-07-01 00:00"]),
        ("@hourly", "2024-01-01 00:00", ["2024-01-01 01:00"]),
        ("@daily", "2024-01-01 00:00", ["2024-01-02 00:00"]),
        ("@midnight", "2024-01-01 12:00", ["2024-01-02 00:00"]),
        ("@weekly", "2024-01-01 00:00", ["2024-01-07 00:00"]),  # 2024-01-01 is a Monday
        ("@monthly", "2024-01-15 00:00", ["2024-02-01 00:00"]),
        ("@yearly", "2024-01-15 00:00", ["2025-01-01 00:00"]),
        ("@every 90m", "2024-01-01 00:00", ["2024-01-01 01:30", "2024-01-01 03:00"]),
    ],
)
def test_cron_next_times(schedule: str, start: str, expected: list[str]) -> None:
    assert nexts(schedule, start, len(expected)) == expected


@pytest.mark.parametrize("bad", ["* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * * 7", "*/0 * * * *",
                                 "5-1 * * * *", "x * * * *"])  # fmt: skip
def test_cron_rejects_invalid_schedules(bad: str) -> None:
    with pytest.raises(CronSyntaxError):
        parse_schedule(bad)


def cronjob(schedule: str, spec: str = "", duration: str = "60s", name: str = "tick") -> str:
    lines = "\n".join(f"  {line}" for line in spec.strip().splitlines())
    return f"""
apiVersion: batch/v1
kind: CronJob
metadata: {{name: {name}}}
spec:
  schedule: "{schedule}"
{lines}
  jobTemplate:
    metadata: {{labels: {{team: batch}}}}
    spec:
      template:
        metadata:
          annotations: {{kubesim.dev/duration-seconds: {duration}}}
        spec:
          restartPolicy: Never
          containers: [{{name: c, image: "t:1", resources: {{requests: {{cpu: 50m}}}}}}]
---
"""


def run_day(text: str, until: float = DAY + 60) -> Simulation:
    sim = sim_from(scenario(defaults="{startupSeconds: 1s}", duration="25h") + pool() + text, keep_log=True)
    sim.run(until=until)
    return sim


def created_jobs(sim: Simulation) -> list[tuple[float, str]]:
    return [
        (e["t"], e["message"].removeprefix("Created job "))
        for e in events(sim, "SuccessfulCreate", "CronJob")
    ]


def test_every_fifteen_minutes_runs_96_jobs_a_day_named_by_scheduled_minute():
    sim = run_day(cronjob("*/15 * * * *"))
    created = created_jobs(sim)
    assert len(created) == 96
    # created 100 ms after each scheduled time; named <cronjob>-<minutes since the epoch>
    assert created[0] == (900.1, "tick-15")
    assert created[-1] == (DAY + 0.1, "tick-1440")
    # successfulJobsHistoryLimit 3: only the newest finished Jobs are kept
    jobs = sim.store.list("Job")
    assert sorted(j.name for j in jobs) == ["tick-1395", "tick-1410", "tick-1425", "tick-1440"]
    newest = sim.store.get("Job", "default", "tick-1440")
    assert newest.annotations[SCHEDULED_TIMESTAMP] == "1970-01-02T00:00:00Z"
    assert newest.labels == {"team": "batch"} and newest.controller_ref.kind == "CronJob"
    ctrl = next(c for c in sim.controllers if isinstance(c, CronJobController))
    status = ctrl.status_of(sim.store.get("CronJob", "default", "tick"))
    assert status.last_schedule_time == DAY and status.active == ["tick-1440"]
    assert status.last_successful_time == DAY - 900 + 61.1


def test_daily_at_two_runs_once_a_day():
    sim = run_day(cronjob("0 2 * * *"))
    assert created_jobs(sim) == [(7200.1, "tick-120")]


def test_forbid_skips_runs_while_the_previous_job_is_active():
    # A 25-minute job every 10 minutes. Forbid never runs two at once; a run skipped while one was active is
    # started late once the active one finishes (Kubernetes does the same when startingDeadlineSeconds is unset).
    text = cronjob("*/10 * * * *", spec="concurrencyPolicy: Forbid", duration="25m")
    sim = sim_from(scenario(defaults="{startupSeconds: 1s}", duration="3h") + pool() + text)
    most = [0]

    def check(change: str, obj: object) -> None:
        active = [j for j in sim.store.list("Job") if j.status.condition not in ("Complete", "Failed")]
        most[0] = max(most[0], len(active))

    sim.store.watch("Job", check)
    sim.run(until=3 * 3600)
    assert most[0] == 1
    created = created_jobs(sim)
    assert len(created) < 18  # Allow would start 18 in three hours
    assert events(sim, "JobAlreadyActive", "CronJob")
    # the first run at 10 min; the next scheduled times (20, 30 min) fall inside it; the 30-min one starts late
    assert created[0] == (600.1, "tick-10")
    assert created[1][1] == "tick-30" and created[1][0] > 2100


def test_forbid_with_starting_deadline_drops_missed_runs():
    text = cronjob(
        "*/10 * * * *", spec="concurrencyPolicy: Forbid\nstartingDeadlineSeconds: 60", duration="25m"
    )
    sim = sim_from(scenario(defaults="{startupSeconds: 1s}", duration="3h") + pool() + text)
    sim.run(until=3 * 3600)
    names = [name for _, name in created_jobs(sim)]
    # tick-30 (due at 30 min, seen at ~35 min) is older than the 60 s deadline: dropped, not started late
    assert names[:3] == ["tick-10", "tick-40", "tick-70"]


def test_allow_overlaps_and_replace_deletes_the_running_job():
    allow = sim_from(
        scenario(defaults="{startupSeconds: 1s}") + pool() + cronjob("*/10 * * * *", duration="25m")
    )
    allow.run(until=3601)
    assert len(created_jobs(allow)) == 6
    replace = sim_from(
        scenario(defaults="{startupSeconds: 1s}")
        + pool()
        + cronjob("*/10 * * * *", spec="concurrencyPolicy: Replace", duration="25m")
    )
    replace.run(until=3601)
    assert len(created_jobs(replace)) == 6
    deleted = [e["message"] for e in events(replace, "SuccessfulDelete", "CronJob")]
    assert deleted[:2] == ["Deleted job tick-10", "Deleted job tick-20"]
    assert len([j for j in replace.store.list("Job") if j.status.condition != "Complete"]) == 1


def test_suspended_cronjob_starts_nothing():
    sim = run_day(cronjob("* * * * *", spec="suspend: true"), until=3600)
    assert created_jobs(sim) == []
