"""Readers for the workload kinds: Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job,
CronJob. Validation follows k8s.io/kubernetes/pkg/apis/{apps,batch,core}/validation where it is cheap.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Any

import attrs

from models._common import (
    is_zero,
    name_problem,
    read_int_or_percent,
    read_labels,
    read_metadata,
    read_selector,
)
from models._pods import read_template
from models._read import REQUIRED, Fields, check_int, show, type_name, unsupported_value
from models.meta import KObject, LabelSelector, selector_from_map
from models.pod import PodTemplate
from models.quantity import QuantityError, parse_go_duration
from models.workloads import (
    CronJob,
    DaemonSet,
    Deployment,
    Job,
    ReplicaSet,
    ReplicationController,
    StatefulSet,
)

INT32_MAX = 2**31 - 1  # replicas is an int32: larger numbers do not decode
SELECTOR_MISMATCH = "selector does not match template labels"


def _spec(root: Fields) -> Fields:
    spec = root.mapping("spec", required=True)
    return spec if spec is not None else Fields(root.doc, "spec", {})


def _check_selector(spec: Fields, selector: LabelSelector | None, template: PodTemplate, kind: str) -> None:
    if selector is None:
        return
    if selector.is_empty:
        spec.error("selector", f"empty selector is invalid for {kind.lower()}")
    elif not selector.matches(template.labels):
        spec.doc.error(f"{spec.at('template')}.metadata.labels", SELECTOR_MISMATCH)


def _forbid_active_deadline(spec: Fields, template: PodTemplate, kind: str) -> None:
    """``ValidatePodTemplateSpecForReplicaSet``/``ForRC``, ``ValidateDaemonSetSpec``, ``ValidateStatefulSetSpec``:
    a pod template of a long-running workload may not set ``activeDeadlineSeconds``."""
    if template.spec.active_deadline_seconds is not None:
        spec.doc.error(
            f"{spec.at('template')}.spec.activeDeadlineSeconds",
            f"activeDeadlineSeconds in {kind} is not Supported",
        )


def _apps_common(spec: Fields, kind: str) -> tuple[LabelSelector, PodTemplate]:
    selector = read_selector(spec, "selector", required=True)
    template = read_template(spec)
    _check_selector(spec, selector, template, kind)
    _forbid_active_deadline(spec, template, kind)
    return selector or LabelSelector(), template


def read_deployment(root: Fields) -> KObject:
    """apps/v1 Deployment with its defaults (replicas 1, RollingUpdate 25 %/25 %, progress deadline 600 s)."""
    meta = read_metadata(root, namespaced=True)
    spec = _spec(root)
    replicas = spec.integer("replicas", 1, minimum=0, maximum=INT32_MAX)
    selector, template = _apps_common(spec, "Deployment")
    strategy_type = "RollingUpdate"
    surge: int | str | None = "25%"
    unavailable: int | str | None = "25%"
    strategy = spec.mapping("strategy")
    if strategy is not None:
        strategy_type = strategy.choice(
            "type", ("RollingUpdate", "Recreate"), "RollingUpdate", empty_is_default=True
        )
        rolling = strategy.mapping("rollingUpdate")
        if rolling is not None:
            if strategy_type == "Recreate":
                strategy.error("rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
            surge = read_int_or_percent(rolling, "maxSurge", "25%", max_percent=None)
            unavailable = read_int_or_percent(rolling, "maxUnavailable", "25%")
            if strategy_type == "RollingUpdate" and is_zero(surge) and is_zero(unavailable):
                rolling.error("maxUnavailable", "may not be 0 when `maxSurge` is 0")
            rolling.done()
        strategy.done()
    min_ready = spec.integer("minReadySeconds", 0, minimum=0)
    history = spec.integer("revisionHistoryLimit", 10, minimum=0)
    deadline = spec.integer("progressDeadlineSeconds", 600, minimum=0)
    if deadline <= min_ready:  # checked after defaulting: an unset deadline is 600
        spec.error("progressDeadlineSeconds", "must be greater than minReadySeconds")
    paused = spec.boolean("paused")
    spec.done()
    return Deployment(
        **meta.kwargs(),
        replicas=replicas,
        selector=selector,
        template=template,
        strategy_type=strategy_type,
        max_surge=surge if surge is not None else "25%",
        max_unavailable=unavailable if unavailable is not None else "25%",
        min_ready_seconds=min_ready,
        revision_history_limit=history,
        progress_deadline_seconds=deadline,
        paused=paused,
    )


def read_replicaset(root: Fields) -> KObject:
    """apps/v1 ReplicaSet."""
    meta = read_metadata(root, namespaced=True)
    spec = _spec(root)
    replicas = spec.integer("replicas", 1, minimum=0, maximum=INT32_MAX)
    selector, template = _apps_common(spec, "ReplicaSet")
    min_ready = spec.integer("minReadySeconds", 0, minimum=0)
    spec.done()
    return ReplicaSet(
        **meta.kwargs(), replicas=replicas, selector=selector, template=template, min_ready_seconds=min_ready
    )


def read_replicationcontroller(root: Fields) -> KObject:
    """v1 ReplicationController: the selector and the object's labels default to the template's labels."""
    meta = read_metadata(root, namespaced=True)
    spec = _spec(root)
    replicas = spec.integer("replicas", 1, minimum=0, maximum=INT32_MAX)
    selector_map = read_labels(spec, "selector")
    template = read_template(spec)
    if not selector_map:
        selector_map = dict(template.labels)  # SetDefaults_ReplicationController
    labels = meta.labels or dict(template.labels)
    if not selector_map:
        spec.error("selector", REQUIRED)
    elif not selector_from_map(selector_map).matches(template.labels):
        spec.doc.error(f"{spec.at('template')}.metadata.labels", SELECTOR_MISMATCH)
    _forbid_active_deadline(spec, template, "ReplicationController")
    min_ready = spec.integer("minReadySeconds", 0, minimum=0)
    spec.done()
    kwargs = meta.kwargs()
    kwargs["labels"] = labels
    return ReplicationController(
        **kwargs,
        replicas=replicas,
        selector=selector_from_map(selector_map),
        template=template,
        min_ready_seconds=min_ready,
    )


def read_statefulset(root: Fields) -> KObject:
    """apps/v1 StatefulSet (no volumeClaimTemplates: kubesim does not model volumes)."""
    meta = read_metadata(root, namespaced=True, rule="label")  # ValidateStatefulSetName: NameIsDNSLabel
    spec = _spec(root)
    replicas = spec.integer("replicas", 1, minimum=0, maximum=INT32_MAX)
    selector, template = _apps_common(spec, "StatefulSet")
    service_name = spec.string("serviceName")
    if service_name:
        # The StatefulSet itself accepts any serviceName, but its pods' spec.subdomain must be a DNS-1123 label:
        # with another name every pod creation would fail, which kubesim does not model.
        problem = name_problem(service_name, "label")
        if problem:
            spec.error("serviceName", problem + " (it becomes the pods' spec.subdomain)")
    policy = spec.choice(
        "podManagementPolicy", ("OrderedReady", "Parallel"), "OrderedReady", empty_is_default=True
    )
    update_type, partition = "RollingUpdate", 0
    max_unavailable: int | str | None = 1
    strategy = spec.mapping("updateStrategy")
    if strategy is not None:
        update_type = strategy.choice(
            "type", ("RollingUpdate", "OnDelete"), "RollingUpdate", empty_is_default=True
        )
        rolling = strategy.mapping("rollingUpdate")
        if rolling is not None:
            if update_type == "OnDelete":
                strategy.error("rollingUpdate", "only allowed for updateStrategy 'RollingUpdate'")
            partition = rolling.integer("partition", 0, minimum=0)
            max_unavailable = read_int_or_percent(rolling, "maxUnavailable", 1)
            if is_zero(max_unavailable):
                rolling.error("maxUnavailable", "must be greater than 0")
                max_unavailable = 1
            rolling.done()
        strategy.done()
    min_ready = spec.integer("minReadySeconds", 0, minimum=0)
    ordinals_start = 0
    ordinals = spec.mapping("ordinals")
    if ordinals is not None:
        ordinals_start = ordinals.integer("start", 0, minimum=0)
        ordinals.done()
    spec.integer("revisionHistoryLimit", 10, minimum=0)  # validated; kubesim keeps no ControllerRevisions
    retention = spec.mapping("persistentVolumeClaimRetentionPolicy")
    if retention is not None:  # validated; without volumeClaimTemplates it changes nothing
        for key in ("whenDeleted", "whenScaled"):
            retention.choice(key, ("Retain", "Delete"), "Retain", empty_is_default=True)
        retention.done()
    spec.done(unsupported=("volumeClaimTemplates",))
    return StatefulSet(
        **meta.kwargs(),
        replicas=replicas,
        selector=selector,
        template=template,
        service_name=service_name,
        pod_management_policy=policy,
        update_strategy_type=update_type,
        partition=partition,
        max_unavailable=max_unavailable if max_unavailable is not None else 1,
        min_ready_seconds=min_ready,
        ordinals_start=ordinals_start,
    )


def read_daemonset(root: Fields) -> KObject:
    """apps/v1 DaemonSet (RollingUpdate maxUnavailable 1, maxSurge 0 by default)."""
    meta = read_metadata(root, namespaced=True)
    spec = _spec(root)
    selector, template = _apps_common(spec, "DaemonSet")
    update_type = "RollingUpdate"
    max_unavailable: int | str | None = 1
    max_surge: int | str | None = 0
    strategy = spec.mapping("updateStrategy")
    if strategy is not None:
        update_type = strategy.choice(
            "type", ("RollingUpdate", "OnDelete"), "RollingUpdate", empty_is_default=True
        )
        rolling = strategy.mapping("rollingUpdate")
        if rolling is not None and update_type == "OnDelete":
            # ValidateDaemonSetUpdateStrategy does not look at rollingUpdate under OnDelete (nor defaults it)
            rolling.done(ignored=("maxUnavailable", "maxSurge"))
        elif rolling is not None:
            max_unavailable = read_int_or_percent(rolling, "maxUnavailable", 1)
            max_surge = read_int_or_percent(rolling, "maxSurge", 0)
            # ValidateRollingUpdateDaemonSet, after defaulting (maxUnavailable 1, maxSurge 0): exactly one of the
            # two is non-zero
            if max_unavailable is not None and max_surge is not None:
                if is_zero(max_unavailable) and is_zero(max_surge):
                    rolling.error("maxUnavailable", "cannot be 0 when maxSurge is 0")
                elif not is_zero(max_unavailable) and not is_zero(max_surge):
                    rolling.error("maxSurge", "may not be set when maxUnavailable is non-zero")
            rolling.done()
        strategy.done()
    min_ready = spec.integer("minReadySeconds", 0, minimum=0)
    spec.integer("revisionHistoryLimit", 10, minimum=0)  # validated; kubesim keeps no ControllerRevisions
    spec.done()
    return DaemonSet(
        **meta.kwargs(),
        selector=selector,
        template=template,
        update_strategy_type=update_type,
        max_unavailable=max_unavailable if max_unavailable is not None else 1,
        max_surge=max_surge if max_surge is not None else 0,
        min_ready_seconds=min_ready,
    )


JOB_UNSUPPORTED = (
    "podFailurePolicy",
    "successPolicy",
    "backoffLimitPerIndex",
    "maxFailedIndexes",
    "podReplacementPolicy",
    "managedBy",
)
MAX_PARALLELISM_INDEXED = 100_000  # maxParallelismForIndexedJob
MAX_FAILED_INDEXES = 100_000  # maxFailedIndexesForIndexedJob
COMPLETIONS_SOFT_LIMIT = 100_000  # completionsSoftLimit (with backoffLimitPerIndex)
PARALLELISM_LIMIT_HIGH_COMPLETIONS = 10_000
MAX_FAILED_INDEXES_HIGH_COMPLETIONS = 10_000


def _peek_int(spec: Fields, key: str) -> int | None:
    value = spec.data.get(key)
    return None if value is None else check_int(spec.doc, spec.at(key), value, minimum=0)


def _check_unsupported_job_fields(
    spec: Fields, mode: str, completions: int | None, parallelism: int | None, restart: str
) -> None:
    """The API server's checks of Job fields kubesim does not model (they are reported unsupported as well by
    ``done``): an invalid value is an error even with ``--lenient``."""
    # read without consuming them, so that ``done`` still reports them as not supported
    per_index = _peek_int(spec, "backoffLimitPerIndex")
    max_failed = _peek_int(spec, "maxFailedIndexes")
    if spec.has("maxFailedIndexes") and not spec.has("backoffLimitPerIndex"):
        spec.error("backoffLimitPerIndex", REQUIRED + " (when maxFailedIndexes is specified)")
    if mode == "Indexed":
        if completions is not None and max_failed is not None and max_failed > completions:
            spec.error("maxFailedIndexes", "must be less than or equal to completions")
        if max_failed is not None and max_failed > MAX_FAILED_INDEXES:
            spec.error("maxFailedIndexes", f"must be less than or equal to {MAX_FAILED_INDEXES}")
        if (
            completions is not None
            and completions > COMPLETIONS_SOFT_LIMIT
            and spec.has("backoffLimitPerIndex")
        ):
            tail = (
                f"when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"
            )
            if not spec.has("maxFailedIndexes"):
                spec.error(
                    "maxFailedIndexes",
                    f"must be specified when completions is above {COMPLETIONS_SOFT_LIMIT}",
                )
            if parallelism is not None and parallelism > PARALLELISM_LIMIT_HIGH_COMPLETIONS:
                spec.error(
                    "parallelism",
                    f"must be less than or equal to {PARALLELISM_LIMIT_HIGH_COMPLETIONS} {tail}",
                )
            if max_failed is not None and max_failed > MAX_FAILED_INDEXES_HIGH_COMPLETIONS:
                spec.error(
                    "maxFailedIndexes",
                    f"must be less than or equal to {MAX_FAILED_INDEXES_HIGH_COMPLETIONS} {tail}",
                )
    else:
        if per_index is not None:
            spec.error("backoffLimitPerIndex", "requires indexed completion mode")
        if max_failed is not None:
            spec.error("maxFailedIndexes", "requires indexed completion mode")
    pod_failure_policy = spec.data.get("podFailurePolicy") is not None
    if pod_failure_policy and restart != "Never":
        spec.doc.error(
            f"{spec.at('template')}.spec.restartPolicy",
            'only "Never" is supported when podFailurePolicy is specified',
        )
    replacement = spec.data.get("podReplacementPolicy")
    if replacement is not None:
        allowed = ("Failed",) if pod_failure_policy else ("Failed", "TerminatingOrFailed")
        if replacement not in allowed:
            spec.error("podReplacementPolicy", unsupported_value(replacement, allowed))


def _read_job_spec(spec: Fields, *, in_cronjob: bool = False) -> dict[str, Any]:
    """``validateJobSpec`` plus, for a Job, the selector rules (``ValidateJobSpec``/``validateGeneratedSelector``)
    and, in a CronJob's ``jobTemplate``, ``ValidateJobTemplateSpec``'s (the selector is always generated)."""
    parallelism = spec.integer("parallelism", 1, minimum=0)
    completions = spec.opt_int("completions", minimum=0)
    backoff = spec.integer("backoffLimit", 6, minimum=0)
    deadline = spec.opt_int("activeDeadlineSeconds", minimum=0)  # 0 is valid for a Job (unlike a pod's)
    mode = spec.choice("completionMode", ("NonIndexed", "Indexed"), "NonIndexed")
    if mode == "Indexed":
        if completions is None:
            spec.error("completions", REQUIRED + " (when completionMode is Indexed)")
        if parallelism > MAX_PARALLELISM_INDEXED:
            spec.error(
                "parallelism",
                f"must be less than or equal to {MAX_PARALLELISM_INDEXED} when completion mode is Indexed",
            )
    suspend = spec.boolean("suspend")
    ttl = spec.opt_int("ttlSecondsAfterFinished", minimum=0)
    manual = spec.boolean("manualSelector")
    selector = read_selector(spec, "selector")
    template = read_template(spec, restart_policies=("OnFailure", "Never"))
    _check_unsupported_job_fields(
        spec,
        mode,
        completions,
        parallelism if spec.has("parallelism") else None,
        template.spec.restart_policy,
    )
    if in_cronjob:
        if selector is not None:
            spec.error("selector", "`selector` will be auto-generated")
        if manual:
            spec.error("manualSelector", 'unsupported value true: supported values: "nil", "false"')
    elif selector is not None:
        if not manual:
            spec.error(
                "selector", "`selector` will be auto-generated (set manualSelector: true to give your own)"
            )
        else:
            _check_selector(spec, selector, template, "Job")
    elif manual:
        spec.error("selector", REQUIRED + " (manualSelector is true)")
    spec.done(unsupported=JOB_UNSUPPORTED)
    return {
        "parallelism": parallelism,
        "completions": completions,
        "backoff_limit": backoff,
        "active_deadline_seconds": deadline,
        "completion_mode": mode,
        "suspend": suspend,
        "ttl_seconds_after_finished": ttl,
        "selector": selector if not in_cronjob else None,
        "template": template,
    }


def read_job(root: Fields) -> KObject:
    """batch/v1 Job (parallelism 1, backoffLimit 6; the template restartPolicy must be OnFailure or Never)."""
    meta = read_metadata(root, namespaced=True)
    fields = _read_job_spec(_spec(root))
    completions = fields["completions"]
    if meta.name and fields["completion_mode"] == "Indexed" and completions:
        # ValidateJob: the last index's pod hostname, <name>-<completions - 1>, must be a DNS-1123 label
        hostname = f"{meta.name}-{completions - 1}"
        if name_problem(hostname, "label") is not None:
            root.doc.error("metadata.name", f"will not able to create pod with invalid DNS label: {hostname}")
    return Job(**meta.kwargs(), **fields)


# ---- cron schedules: robfig/cron/v3 ParseStandard, as kube-apiserver validates and the controller reads them ----

_UTC = dt.UTC
_MAX_YEARS = 5  # robfig/cron gives up after five years without a match

_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
# (min, max, names) of minute, hour, day of month, month, day of week.
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, _MONTHS),
    (0, 6, _DAYS),
)
_FIELD_NAMES = ("minute", "hour", "day of month", "month", "day of week")


class CronSyntaxError(ValueError):
    """The schedule is not valid cron syntax."""


@attrs.frozen
class CronSchedule:
    """A parsed schedule. ``every`` is set for ``@every <duration>``; else the five fields' allowed values."""

    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    days_star: bool = True
    weekdays_star: bool = True
    every: float | None = None

    def next(self, t: float) -> float:
        """The first schedule time strictly after ``t`` (seconds since the epoch); ``inf`` if none in 5 years."""
        if self.every is not None:
            return float(int(t)) + self.every
        start = (int(t // 60) + 1) * 60
        when = dt.datetime.fromtimestamp(start, tz=_UTC)
        limit = when.year + _MAX_YEARS
        while when.year <= limit:
            if when.month not in self.months:
                year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
                when = dt.datetime(year, month, 1, tzinfo=_UTC)
                continue
            if not self._day_matches(when):
                when = (when + dt.timedelta(days=1)).replace(hour=0, minute=0)
                continue
            if when.hour not in self.hours:
                when = (when + dt.timedelta(hours=1)).replace(minute=0)
                continue
            if when.minute not in self.minutes:
                when += dt.timedelta(minutes=1)
                continue
            return when.timestamp()
        return float("inf")

    def _day_matches(self, when: dt.datetime) -> bool:
        dom = when.day in self.days
        dow = (when.weekday() + 1) % 7 in self.weekdays  # cron: Sunday = 0
        if self.days_star or self.weekdays_star:
            return dom and dow
        return dom or dow


_GO_INT = re.compile(r"^[+-]?[0-9]+$")


def _parse_value(text: str, low: int, high: int, names: dict[str, int], field: str) -> int:
    value = names.get(text.lower())
    if value is None:
        if not _GO_INT.match(text):  # strconv.Atoi: ASCII digits, an optional sign
            raise CronSyntaxError(f"invalid {field} value {text!r}")
        value = int(text)
        if value < 0:
            raise CronSyntaxError(f"negative number ({value}) not allowed")
    if not low <= value <= high:
        raise CronSyntaxError(f"{field} value {value} out of range [{low}, {high}]")
    return value


def _parse_field(text: str, index: int) -> tuple[frozenset[int], bool]:
    low, high, names = _BOUNDS[index]
    field = _FIELD_NAMES[index]
    values: set[int] = set()
    star = False
    for part in text.split(","):
        range_text, slash, step_text = part.partition("/")
        part_star = False
        if range_text.partition("-")[0] in ("*", "?"):  # robfig reads "*-5" as "*"
            start, end, part_star = low, high, True
        else:
            first, dash, last = range_text.partition("-")
            start = _parse_value(first, low, high, names, field)
            end = _parse_value(last, low, high, names, field) if dash else start
            if slash and not dash:
                end = high  # "N/step" means "N-max/step"
        step = 1
        if slash:
            if not _GO_INT.match(step_text) or int(step_text) <= 0:
                raise CronSyntaxError(f"invalid step {step_text!r} in {field} field")
            step = int(step_text)
            if step > 1:
                part_star = False
        if start > end:
            raise CronSyntaxError(f"{field} range {range_text!r}: beginning {start} beyond end {end}")
        values.update(range(start, end + 1, step))
        star = star or part_star
    return frozenset(values), star


def parse_schedule(schedule: str) -> CronSchedule:
    """Parse a CronJob ``spec.schedule`` as ``cron.ParseStandard`` does.

    Descriptors are matched exactly (``@hourly``, not ``@HOURLY`` or `` @hourly``); ``@every`` takes a Go
    duration, rounded down to whole seconds and at least 1 s; otherwise exactly five whitespace-separated fields.
    A ``TZ=``/``CRON_TZ=`` prefix is read past (the loader rejects it, as the API server does).

    Raises:
        CronSyntaxError: the schedule is not valid.
    """
    text = schedule
    if not text:
        raise CronSyntaxError("empty spec string")
    if text.startswith(("TZ=", "CRON_TZ=")):
        space = text.find(" ")
        if space < 0:
            raise CronSyntaxError(f"provided bad location {text[text.index('=') + 1 :]}")
        text = text[space:].strip()
    if text.startswith("@"):
        if text.startswith("@every "):
            try:
                delay = parse_go_duration(text[len("@every ") :])
            except QuantityError as err:
                raise CronSyntaxError(str(err)) from None
            return CronSchedule(every=float(max(1, int(delay))))
        if text not in _DESCRIPTORS:
            raise CronSyntaxError(f"unrecognized descriptor: {text}")
        text = _DESCRIPTORS[text]
    fields = text.split()
    if len(fields) != 5:
        raise CronSyntaxError(f"expected exactly 5 fields, found {len(fields)}: {fields}")
    parsed = [_parse_field(f, i) for i, f in enumerate(fields)]
    return CronSchedule(
        minutes=parsed[0][0],
        hours=parsed[1][0],
        days=parsed[2][0],
        months=parsed[3][0],
        weekdays=parsed[4][0],
        days_star=parsed[2][1],
        weekdays_star=parsed[4][1],
    )


# Zones whose offset is always 0 (no DST): a CronJob in any of them runs exactly as in UTC.
UTC_ZONES = frozenset(
    {"UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT",
     "GMT0", "Etc/GMT0", "GMT+0", "Etc/GMT+0", "GMT-0", "Etc/GMT-0", "Greenwich", "Etc/Greenwich"}
)  # fmt: skip
_TZ_PART = re.compile(r"^[A-Za-z.\-_0-9+]{1,14}$")


@functools.cache
def _known_zones() -> frozenset[str]:
    """The IANA zones this machine knows (empty when it has no tz database: then none is rejected as unknown)."""
    try:
        return frozenset(zoneinfo.available_timezones())
    except Exception:  # pragma: no cover - a broken tzdata install
        return frozenset()


def _time_zone_problem(zone: str) -> str | None:
    """``validateTimeZone``: why ``zone`` is not a valid ``spec.timeZone``, or ``None``."""
    if not zone:
        return "timeZone must be nil or non-empty string"
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TZ_PART.match(part):
            return f"unknown time zone {zone}"
    if zone.lower() == "local":
        return "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
    known = _known_zones()
    if zone not in UTC_ZONES and known and zone not in known:
        return f"unknown time zone {zone}"
    return None


def _schedule_problems(schedule: str) -> list[str]:
    """``validateScheduleFormat`` on create: ``cron.ParseStandard`` must accept it, and no ``TZ`` in it."""
    problems = []
    try:
        parse_schedule(schedule)
    except CronSyntaxError as err:
        problems.append(f"{show(schedule)} is not a valid cron schedule: {err}")
    if "TZ" in schedule:
        problems.append("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
    return problems


def read_cronjob(root: Fields) -> KObject:
    """batch/v1 CronJob; the schedule is read in UTC (a ``timeZone`` other than UTC is not supported)."""
    meta = read_metadata(root, namespaced=True)
    if len(meta.name) > 52:
        # ValidateCronJobCreate: the controller appends an 11-character "-<minutes>" to name its Jobs
        root.doc.error("metadata.name", "must be no more than 52 characters")
    spec = _spec(root)
    schedule = spec.string("schedule", required=True)
    for problem in _schedule_problems(schedule) if schedule else ():
        spec.error("schedule", problem)
    time_zone = spec.get("timeZone")
    if time_zone is not None:
        if not isinstance(time_zone, str):
            spec.error("timeZone", f"expected a string, got {type_name(time_zone)} {show(time_zone)}")
        elif (zone_problem := _time_zone_problem(time_zone)) is not None:
            spec.error("timeZone", f"invalid value {show(time_zone)}: {zone_problem}")
        elif time_zone not in UTC_ZONES:
            spec.doc.unsupported(spec.at("timeZone"))
    # SetDefaults_CronJob: an empty concurrencyPolicy is Allow
    policy = spec.choice("concurrencyPolicy", ("Allow", "Forbid", "Replace"), "Allow", empty_is_default=True)
    suspend = spec.boolean("suspend")
    deadline = spec.opt_int("startingDeadlineSeconds", minimum=0)
    successful = spec.integer("successfulJobsHistoryLimit", 3, minimum=0)
    failed = spec.integer("failedJobsHistoryLimit", 1, minimum=0)
    job: Job | None = None
    template = spec.mapping("jobTemplate", required=True)
    if template is not None:
        labels: dict[str, str] = {}
        annotations: dict[str, str] = {}
        job_meta = template.mapping("metadata")
        if job_meta is not None:
            labels = read_labels(job_meta, "labels")
            annotations = job_meta.str_map("annotations")
            job_meta.done(ignored=("name", "namespace", "generateName", "creationTimestamp"))
        job_spec = template.mapping("spec", required=True)
        template.done()
        job = Job(
            name=meta.name,
            namespace=meta.namespace,
            labels=labels,
            annotations=annotations,
            **_read_job_spec(
                job_spec if job_spec is not None else Fields(root.doc, "spec.jobTemplate.spec", {}),
                in_cronjob=True,
            ),
        )
    spec.done()
    return CronJob(
        **meta.kwargs(),
        schedule=schedule,
        concurrency_policy=policy,
        suspend=suspend,
        starting_deadline_seconds=deadline,
        successful_jobs_history_limit=successful,
        failed_jobs_history_limit=failed,
        job_template=job,
    )
