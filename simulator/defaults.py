"""Kubernetes defaults, keyed by version: the one place numbers such as grace periods and backoffs live.

Each entry records the value from the version it took effect; ``defaults_for("1.33")`` folds the table up to that
version. Supported versions: 1.31 to 1.35 (default 1.35); 1.31 is there to show the 40 s grace period.
"""

from __future__ import annotations

import attrs

__all__ = ["DEFAULT_KUBERNETES_VERSION", "SUPPORTED_VERSIONS", "KubeDefaults", "defaults_for"]

DEFAULT_KUBERNETES_VERSION = "1.35"
SUPPORTED_VERSIONS = ("1.31", "1.32", "1.33", "1.34", "1.35")


@attrs.frozen
class KubeDefaults:
    """Controller and scheduler defaults of one Kubernetes version (seconds unless named otherwise)."""

    version: str
    # node lifecycle controller (kube-controller-manager)
    node_monitor_period: float = 5.0
    node_monitor_grace_period: float = 40.0
    node_startup_grace_period: float = 60.0
    node_eviction_rate: float = 0.1  # nodes per second per zone, healthy zone
    secondary_node_eviction_rate: float = 0.01  # partially disrupted zone
    unhealthy_zone_threshold: float = 0.55
    large_cluster_size_threshold: int = 50
    default_not_ready_toleration_seconds: int = 300
    default_unreachable_toleration_seconds: int = 300
    # kubelet
    crash_loop_initial_backoff: float = 10.0
    crash_loop_max_backoff: float = 300.0
    crash_loop_reset_after: float = 600.0
    # API latency: a write reaches another component through the API server and that component's watch
    # (informer, work queue). Kubernetes has no fixed value for it (milliseconds to seconds); kubesim's writes and
    # watches are instantaneous, so it models the latency only where two components would otherwise feed each
    # other forever at one virtual instant. 1 s: the bound of Kubernetes' API call latency SLO (sig-scalability
    # slos/api_call_latency.md: p99 per cluster-day <= 1 s for single-object mutating calls), and the order of
    # these loops on real clusters (successive kubelet "SyncLoop ADD"s of replacement pods 1.8 s and 4.5 s apart
    # in kubernetes#106419; "over a 100 pods created under a minute" in kubernetes#72593).
    #
    # The kubelet rejects a pod that skipped the scheduler (spec.nodeName) and does not fit (OutOfcpu, ...): the
    # Failed status, written by its status manager (``rejectPod`` -> ``statusManager.SetPodStatus``), reaches
    # the pod's controller this long after the binding. A ReplicaSet pinned to a node too small for it still
    # replaces its rejected pods forever, as in Kubernetes (kubernetes#89007, #131116, #134712), but a round a second.
    kubelet_admission_rejection_latency: float = 1.0
    # The taint-eviction controller sees a pod bound to a node with NoExecute taints through its pod informer and
    # work queue (``handlePodUpdate`` -> ``podUpdateQueue`` -> ``processPodOnNode``) this long after the binding.
    # ``tolerationSeconds`` still count from the binding, so only a shorter toleration (0, or none) is affected:
    # a Deployment's pod with ``tolerationSeconds: 0`` is bound, evicted and replaced once a second, not forever at
    # one instant. Taints added to a node are acted on at once (the node-side path is unchanged).
    taint_eviction_pod_latency: float = 1.0
    # workload controllers
    deployment_max_surge: str = "25%"
    deployment_max_unavailable: str = "25%"
    revision_history_limit: int = 10
    progress_deadline_seconds: int = 600
    replicaset_burst_replicas: int = 500
    # scheduler
    pod_initial_backoff_seconds: float = 1.0
    pod_max_backoff_seconds: float = 10.0
    pod_max_in_unschedulable_pods_duration: float = 300.0
    min_feasible_nodes_to_find: int = 100
    min_feasible_nodes_percentage_to_find: int = 5
    base_percentage_of_nodes_to_score: int = 50
    # SchedulerPopFromBackoffQ (KEP-5142): an idle scheduler takes the next pod from backoffQ, whose expiries
    # are whole-second windows; beta and on by default from 1.33 (pkg/features/kube_features.go)
    scheduler_pop_from_backoffq: bool = False


# Changes by version: (version, field, value). Values before the first entry are the dataclass defaults.
_CHANGES: tuple[tuple[str, str, object], ...] = (
    # KEP-4633 raised node-monitor-grace-period from 40 s to 50 s in v1.32 (kube-controller-manager).
    ("1.32", "node_monitor_grace_period", 50.0),
    ("1.33", "scheduler_pop_from_backoffq", True),
)


def _version_key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def defaults_for(version: str = DEFAULT_KUBERNETES_VERSION) -> KubeDefaults:
    """The defaults in force in Kubernetes ``version`` (``"1.35"``).

    Raises:
        ValueError: a version outside ``SUPPORTED_VERSIONS``.
    """
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(
            f"kubernetesVersion {version!r} is not supported (supported: {', '.join(SUPPORTED_VERSIONS)})"
        )
    wanted = _version_key(version)
    changes = {field: value for since, field, value in _CHANGES if _version_key(since) <= wanted}
    return KubeDefaults(version=version, **changes)  # type: ignore[arg-type]
