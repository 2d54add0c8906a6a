"""Workload kinds: ReplicaSet, ReplicationController, Deployment, StatefulSet, DaemonSet, Job, CronJob.

``status`` fields are written only by the owning controller, through the store.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from models.meta import KObject, LabelSelector
from models.pod import PodSpec, PodTemplate

__all__ = [
    "CronJob",
    "DaemonSet",
    "Deployment",
    "Job",
    "ReplicaSet",
    "ReplicationController",
    "StatefulSet",
    "WorkloadStatus",
]

IntOrPercent = int | str


def _empty_template() -> PodTemplate:
    return PodTemplate(spec=PodSpec(containers=()))


@attrs.define
class WorkloadStatus:
    """The replica counts Kubernetes workload controllers publish in ``status``."""

    replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    updated_replicas: int = 0
    observed_generation: int = 0

    def assign(
        self, replicas: int, ready: int, available: int, updated: int | None, observed_generation: int
    ) -> bool:
        """Set the counts (``updated`` None keeps it); True when anything changed, i.e. the object needs a write."""
        if updated is None:
            updated = self.updated_replicas
        new = (replicas, ready, available, updated, observed_generation)
        old = (
            self.replicas,
            self.ready_replicas,
            self.available_replicas,
            self.updated_replicas,
            self.observed_generation,
        )
        if new == old:
            return False
        (
            self.replicas,
            self.ready_replicas,
            self.available_replicas,
            self.updated_replicas,
            self.observed_generation,
        ) = new
        return True


@attrs.define(eq=False)
class ReplicaSet(KObject):
    """apps/v1 ReplicaSet."""

    KIND: ClassVar[str] = "ReplicaSet"
    API_VERSION: ClassVar[str] = "apps/v1"

    replicas: int = 1
    selector: LabelSelector = attrs.field(factory=LabelSelector)
    template: PodTemplate = attrs.field(factory=_empty_template)
    min_ready_seconds: int = 0
    status: WorkloadStatus = attrs.field(factory=WorkloadStatus)


@attrs.define(eq=False)
class ReplicationController(ReplicaSet):
    """v1 ReplicationController: a ReplicaSet whose selector is a plain label map (defaulted from the template)."""

    KIND: ClassVar[str] = "ReplicationController"
    API_VERSION: ClassVar[str] = "v1"


@attrs.define(eq=False)
class Deployment(KObject):
    """apps/v1 Deployment. ``strategy_type`` is RollingUpdate or Recreate; surge/unavailable are int or ``"25%"``."""

    KIND: ClassVar[str] = "Deployment"
    API_VERSION: ClassVar[str] = "apps/v1"

    replicas: int = 1
    selector: LabelSelector = attrs.field(factory=LabelSelector)
    template: PodTemplate = attrs.field(factory=_empty_template)
    strategy_type: str = "RollingUpdate"
    max_surge: IntOrPercent = "25%"
    max_unavailable: IntOrPercent = "25%"
    min_ready_seconds: int = 0
    revision_history_limit: int = 10
    progress_deadline_seconds: int = 600
    paused: bool = False
    status: WorkloadStatus = attrs.field(factory=WorkloadStatus)


@attrs.define(eq=False)
class StatefulSet(KObject):
    """apps/v1 StatefulSet: ordinal pods ``<name>-0..N-1``; OrderedReady or Parallel; RollingUpdate partition."""

    KIND: ClassVar[str] = "StatefulSet"
    API_VERSION: ClassVar[str] = "apps/v1"

    replicas: int = 1
    selector: LabelSelector = attrs.field(factory=LabelSelector)
    template: PodTemplate = attrs.field(factory=_empty_template)
    service_name: str = ""
    pod_management_policy: str = "OrderedReady"
    update_strategy_type: str = "RollingUpdate"
    partition: int = 0
    max_unavailable: IntOrPercent = 1
    min_ready_seconds: int = 0
    ordinals_start: int = 0
    status: WorkloadStatus = attrs.field(factory=WorkloadStatus)


@attrs.define(eq=False)
class DaemonSet(KObject):
    """apps/v1 DaemonSet: one pod per eligible node; RollingUpdate maxUnavailable 1 / maxSurge 0 by default."""

    KIND: ClassVar[str] = "DaemonSet"
    API_VERSION: ClassVar[str] = "apps/v1"

    selector: LabelSelector = attrs.field(factory=LabelSelector)
    template: PodTemplate = attrs.field(factory=_empty_template)
    update_strategy_type: str = "RollingUpdate"
    max_unavailable: IntOrPercent = 1
    max_surge: IntOrPercent = 0
    min_ready_seconds: int = 0
    status: WorkloadStatus = attrs.field(factory=WorkloadStatus)


@attrs.define
class JobStatus:
    """``batch/v1`` Job status counters and conditions."""

    active: int = 0
    succeeded: int = 0
    failed: int = 0
    start_time: float | None = None
    completion_time: float | None = None
    condition: str = ""  # "", Complete, Failed, Suspended


@attrs.define(eq=False)
class Job(KObject):
    """batch/v1 Job. ``completions`` None means "one success ends the job" (work-queue style)."""

    KIND: ClassVar[str] = "Job"
    API_VERSION: ClassVar[str] = "batch/v1"

    parallelism: int = 1
    completions: int | None = None
    backoff_limit: int = 6
    active_deadline_seconds: int | None = None
    completion_mode: str = "NonIndexed"
    suspend: bool = False
    ttl_seconds_after_finished: int | None = None
    selector: LabelSelector | None = None
    template: PodTemplate = attrs.field(factory=_empty_template)
    status: JobStatus = attrs.field(factory=JobStatus)


@attrs.define(eq=False)
class CronJob(KObject):
    """batch/v1 CronJob: a schedule in cron syntax that stamps out Jobs from ``job_template``."""

    KIND: ClassVar[str] = "CronJob"
    API_VERSION: ClassVar[str] = "batch/v1"

    schedule: str = ""
    concurrency_policy: str = "Allow"
    suspend: bool = False
    starting_deadline_seconds: int | None = None
    successful_jobs_history_limit: int = 3
    failed_jobs_history_limit: int = 1
    job_template: Job | None = None
