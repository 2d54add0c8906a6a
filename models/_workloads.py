"""Readers for the workload kinds: Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job,
CronJob. Validation follows k8s.io/kubernetes/pkg/apis/{apps,batch,core}/validation where it is cheap.
"""

from __future__ import annotations

import re
from typing import Any

from models._common import check_name, is_zero, read_int_or_percent, read_labels, read_metadata, read_selector
from models._pods import read_template
from models._read import REQUIRED, Fields, show
from models.meta import KObject, LabelSelector, selector_from_map
from models.pod import PodTemplate
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
_IGNORED_REVISIONS = ("revisionHistoryLimit",)


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


def _apps_common(spec: Fields, kind: str) -> tuple[LabelSelector, PodTemplate]:
    selector = read_selector(spec, "selector", required=True)
    template = read_template(spec)
    _check_selector(spec, selector, template, kind)
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
    if spec.has("progressDeadlineSeconds") and deadline <= min_ready:
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
    meta = read_metadata(root, namespaced=True)
    spec = _spec(root)
    replicas = spec.integer("replicas", 1, minimum=0, maximum=INT32_MAX)
    selector, template = _apps_common(spec, "StatefulSet")
    service_name = spec.string("serviceName")
    if service_name:
        check_name(spec.doc, spec.at("serviceName"), service_name, "dns1035")
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
    spec.done(
        ignored=(*_IGNORED_REVISIONS, "persistentVolumeClaimRetentionPolicy"),
        unsupported=("volumeClaimTemplates",),
    )
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
        if rolling is not None:
            max_unavailable = read_int_or_percent(rolling, "maxUnavailable", 1)
            max_surge = read_int_or_percent(rolling, "maxSurge", 0)
            if is_zero(max_unavailable) and is_zero(max_surge):
                rolling.error("maxUnavailable", "may not be 0 when `maxSurge` is 0")
            rolling.done()
        strategy.done()
    min_ready = spec.integer("minReadySeconds", 0, minimum=0)
    spec.done(ignored=_IGNORED_REVISIONS)
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


def _read_job_spec(spec: Fields) -> dict[str, Any]:
    parallelism = spec.integer("parallelism", 1, minimum=0)
    completions = spec.opt_int("completions", minimum=0)
    backoff = spec.integer("backoffLimit", 6, minimum=0)
    deadline = spec.opt_int("activeDeadlineSeconds", minimum=1)
    mode = spec.choice("completionMode", ("NonIndexed", "Indexed"), "NonIndexed")
    if mode == "Indexed" and completions is None:
        spec.error("completions", REQUIRED + " (when completionMode is Indexed)")
    suspend = spec.boolean("suspend")
    ttl = spec.opt_int("ttlSecondsAfterFinished", minimum=0)
    manual = spec.boolean("manualSelector")
    selector = read_selector(spec, "selector")
    template = read_template(spec, restart_policies=("OnFailure", "Never"))
    if selector is not None:
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
        "selector": selector,
        "template": template,
    }


def read_job(root: Fields) -> KObject:
    """batch/v1 Job (parallelism 1, backoffLimit 6; the template restartPolicy must be OnFailure or Never)."""
    meta = read_metadata(root, namespaced=True)
    return Job(**meta.kwargs(), **_read_job_spec(_spec(root)))


_CRON_MACRO = re.compile(r"^@(yearly|annually|monthly|weekly|daily|midnight|hourly|every\s+\S+)$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,?-]+$")


def _cron_problem(schedule: str) -> str | None:
    text = schedule.strip()
    if text.startswith(("TZ=", "CRON_TZ=")):
        return "TZ in the schedule is not allowed; use spec.timeZone"
    if _CRON_MACRO.match(text):
        return None
    parts = text.split()
    if len(parts) != 5 or not all(_CRON_FIELD.match(p) for p in parts):
        return f"{show(schedule)} is not a valid cron schedule (expected 5 fields, e.g. '*/5 * * * *')"
    return None


def read_cronjob(root: Fields) -> KObject:
    """batch/v1 CronJob; the schedule is read in UTC (a ``timeZone`` other than UTC is not supported)."""
    meta = read_metadata(root, namespaced=True)
    if len(meta.name) > 52:
        root.doc.error("metadata.name", "must be no more than 52 characters")
    spec = _spec(root)
    schedule = spec.string("schedule", required=True)
    problem = _cron_problem(schedule) if schedule else None
    if problem:
        spec.error("schedule", problem)
    time_zone = spec.get("timeZone")
    if time_zone is not None and time_zone not in ("UTC", "Etc/UTC"):
        spec.doc.unsupported(spec.at("timeZone"))
    policy = spec.choice("concurrencyPolicy", ("Allow", "Forbid", "Replace"), "Allow")
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
                job_spec if job_spec is not None else Fields(root.doc, "spec.jobTemplate.spec", {})
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
