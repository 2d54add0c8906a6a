"""Hypothesis strategies for valid Kubernetes objects and whole kubesim scenarios (public).

Every strategy generates **manifests**: plain dicts exactly as a user writes YAML (``apiVersion``, ``kind``,
``metadata``, ``spec``; camelCase), which serialise with :func:`to_yaml` to text a user could keep, run with
``kubesim run`` or (for the Kubernetes kinds) ``kubectl apply``, and which go through the real loader
(:func:`load`). Generating manifests rather than model objects means the loader's validation is exercised by
every test and that a shrunk failure prints as YAML.

The shapes are realistic rather than arbitrary (see ``_manifests.py``): node sizes of common instance types,
requests from the ladder people use (100m, 250m, 128Mi, 1Gi, ...), taints and labels seen in practice. Values
come from small ``sampled_from`` tables with the most ordinary entry first and lists are short, so generation
is cheap (a 20-node cluster in about ten milliseconds) and shrinking ends at a readable example. References are
consistent within a cluster: a Deployment's selector matches its template, a PodDisruptionBudget selects its
workload, affinity terms and tolerations use labels and taints the cluster actually has, and names are valid
DNS-1123 and unique.

``pip install`` registers these strategies with Hypothesis (``st.from_type(Node)``, ``st.from_type(Deployment)``,
...; see ``_hypothesis_entry.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Unpack

from hypothesis import strategies as st

from simulator.testing._cluster import ClusterOptions, cluster_spec
from simulator.testing._cluster_spec import ClusterSpec, load, to_yaml
from simulator.testing._documents import (
    WORKLOAD_KINDS,
    daemon_set_doc,
    draw_taints,
    job_doc,
    node_doc,
    pdb_doc,
    pod_doc,
    pool_doc,
    priority_class_doc,
    replicated_doc,
    service_doc,
    workload_doc,
)
from simulator.testing._draw import between, pick, quantity
from simulator.testing._manifests import (
    BARE_POD_NAMES,
    MEMORY_BYTES,
    NODE_SHAPES,
    POOL_NAMES,
    PRIORITY_CLASS_NAMES,
    PROFILE_NAMES,
    TAINTS,
    WORKLOAD_NAMES,
    ZONES,
    Manifest,
    NodeShape,
)
from simulator.testing._podspec import PodFeatures, pod_context
from simulator.testing._scenario import (
    FAULT_KINDS,
    KUBERNETES_VERSIONS,
    failure_entries,
    fault_entries,
    scenario_doc,
    timeline_of,
)
from simulator.testing._scheduler_config import config_doc

if TYPE_CHECKING:
    from models.meta import KObject

__all__ = [
    "FAULT_KINDS",
    "KUBERNETES_VERSIONS",
    "NODE_SHAPES",
    "WORKLOAD_KINDS",
    "ClusterSpec",
    "Manifest",
    "NodeShape",
    "PodFeatures",
    "clusters",
    "daemon_sets",
    "deployments",
    "failure_processes",
    "fault_schedules",
    "jobs",
    "load",
    "loaded",
    "node_pools",
    "nodes",
    "pod_disruption_budgets",
    "pods",
    "priority_classes",
    "quantities",
    "replica_sets",
    "replication_controllers",
    "scenarios",
    "scheduler_configurations",
    "services",
    "stateful_sets",
    "taints",
    "to_yaml",
    "workloads",
]


# ---- quantities and taints ---------------------------------------------------------------------------------

_LADDERS: dict[str, tuple[int, ...]] = {
    "cpu": (100, 250, 500, 1000, 2000, 50, 1500, 4000, 3920, 1930, 10, 8000),
    "memory": (*MEMORY_BYTES, 8 * 2**30, 16 * 2**30, 7244264 * 1024),
    "ephemeral-storage": (2**30, 10 * 2**30, 100 * 2**20, 20_000_000_000),
    "pods": (110, 29, 58, 11, 1, 0),
}
_COUNT_LADDER = (1, 2, 0, 4, 8)


@st.composite
def _quantities(draw: st.DrawFn, resource: str, min_value: int | None, max_value: int | None) -> str:
    ladder = _LADDERS.get(
        resource, _LADDERS["memory"] if resource.startswith("hugepages-") else _COUNT_LADDER
    )
    low = 0 if min_value is None else min_value
    fitting = [a for a in ladder if a >= low and (max_value is None or a <= max_value)]
    if fitting:
        amount = pick(draw, fitting)
    else:
        amount = draw(st.integers(low, max_value if max_value is not None else max(low, 1) * 4))
    return quantity(draw, resource, amount)


def quantities(
    resource: str = "cpu", *, min_value: int | None = None, max_value: int | None = None
) -> st.SearchStrategy[str]:
    """Kubernetes quantity strings for ``resource``, in the forms users write: ``500m``, ``1.5``, ``2``,
    ``500e-3`` (cpu); ``2Gi``, ``1536Mi``, ``100M``, ``1e9``, ``1.5Gi``, plain bytes (memory,
    ephemeral-storage, hugepages-*); whole counts for ``pods`` and extended resources (``nvidia.com/gpu``).

    Amounts come from a ladder of realistic values (most common first), rendered in every exact form, so a
    shrunk example is ``100m`` or ``128Mi``.

    Args:
        resource: the resource name (decides the units and the forms).
        min_value, max_value: bounds in scheduler units (millicores for cpu, bytes, counts), inclusive.
    """
    if min_value is not None and max_value is not None and min_value > max_value:
        raise ValueError(f"min_value {min_value} > max_value {max_value}")
    return _quantities(resource, min_value, max_value)


@st.composite
def _taints(draw: st.DrawFn, vocabulary: tuple[Manifest, ...], max_size: int) -> list[Manifest]:
    return draw_taints(draw, vocabulary, max_size)


def taints(
    vocabulary: Sequence[Manifest] = TAINTS, *, max_size: int = 2
) -> st.SearchStrategy[list[Manifest]]:
    """A node's ``spec.taints``: up to ``max_size`` taints from ``vocabulary`` (by default common ones:
    ``dedicated=infra:NoSchedule``, ``spot=true:PreferNoSchedule``, ``nvidia.com/gpu=present:NoSchedule``,
    a NoExecute maintenance taint), unique by key and effect."""
    return _taints(tuple(vocabulary), max_size)


# ---- nodes -------------------------------------------------------------------------------------------------


@st.composite
def _nodes(
    draw: st.DrawFn,
    name: str | None,
    zones: tuple[str, ...],
    shapes: tuple[NodeShape, ...],
    vocabulary: tuple[Manifest, ...],
    unschedulable: bool,
    images: bool,
) -> Manifest:
    node_name = name if name is not None else f"node-{between(draw, 0, 99)}"
    zone = pick(draw, zones) if zones else None
    shape = pick(draw, shapes)
    return node_doc(draw, node_name, zone, shape, draw_taints(draw, vocabulary, 2), unschedulable, images)


def nodes(
    *,
    name: str | None = None,
    zones: Sequence[str] = ZONES,
    shapes: Sequence[NodeShape] = NODE_SHAPES,
    taints: Sequence[Manifest] = TAINTS,
    unschedulable: bool = True,
    images: bool = True,
) -> st.SearchStrategy[Manifest]:
    """v1 Node manifests: a realistic shape (``status.capacity`` and ``status.allocatable`` as the kubelet
    reports them for common instance types, including pod limits such as 11 on a t3.small), the
    ``kubernetes.io/hostname``, ``topology.kubernetes.io/zone``/``region``, instance-type, OS and arch labels,
    sometimes ``example.com/disk`` and ``example.com/generation`` labels (for selectors and Gt/Lt), up to two
    taints, rarely ``spec.unschedulable`` and ``status.images`` (ImageLocality).

    Args:
        name: the node name (default ``node-<n>``).
        zones: zones to place the node in (empty: no zone label).
        shapes: machine shapes to choose from (``NODE_SHAPES``).
        taints: taint vocabulary (empty: no taints).
        unschedulable: whether the node may be cordoned.
        images: whether the node may list cached images.
    """
    return _nodes(name, tuple(zones), tuple(shapes), tuple(taints), unschedulable, images)


@st.composite
def _node_pools(
    draw: st.DrawFn,
    name: str | None,
    min_count: int,
    max_count: int,
    zones: tuple[str, ...],
    shapes: tuple[NodeShape, ...],
    vocabulary: tuple[Manifest, ...],
    autoscaling: bool,
) -> Manifest:
    pool_name = name if name is not None else pick(draw, POOL_NAMES)
    count = between(draw, min_count, max_count)
    shape = pick(draw, shapes)
    return pool_doc(draw, pool_name, count, zones, shape, draw_taints(draw, vocabulary, 2), autoscaling)


def node_pools(
    *,
    name: str | None = None,
    min_count: int = 0,
    max_count: int = 5,
    zones: Sequence[str] = ZONES,
    shapes: Sequence[NodeShape] = NODE_SHAPES,
    taints: Sequence[Manifest] = TAINTS,
    autoscaling: bool = False,
) -> st.SearchStrategy[Manifest]:
    """kubesim NodePool manifests: ``count`` identical nodes of one realistic shape (``allocatable``, sometimes
    ``capacity``), spread over ``zones``, with instance-type/disk/generation labels, up to two taints and a
    price; with ``autoscaling`` sometimes ``min``/``max`` (at most 2 above ``count``) and
    ``provisioningDelay`` for the cluster autoscaler.

    Args:
        name: pool name (default from ``general``, ``compute``, ``highmem``, ...). Nodes are ``<name>-<i>``.
        min_count, max_count: bounds of ``spec.count``.
        zones: the pool's zones (empty: none).
        shapes: machine shapes to choose from.
        taints: taint vocabulary (empty: no taints).
        autoscaling: whether ``min``/``max`` may be set.
    """
    if not 0 <= min_count <= max_count:
        raise ValueError(f"need 0 <= min_count <= max_count, got {min_count}, {max_count}")
    return _node_pools(name, min_count, max_count, tuple(zones), tuple(shapes), tuple(taints), autoscaling)


# ---- pods and workloads ------------------------------------------------------------------------------------


@st.composite
def _pods(draw: st.DrawFn, name: str | None, namespace: str, features: PodFeatures) -> Manifest:
    return pod_doc(draw, name if name is not None else pick(draw, BARE_POD_NAMES), namespace, features)


def pods(
    *, name: str | None = None, namespace: str = "default", **features: Unpack[PodFeatures]
) -> st.SearchStrategy[Manifest]:
    """v1 Pod manifests (bare pods, no controller): one or two containers with requests and sometimes limits,
    init containers (sometimes a restartable sidecar), restartPolicy Always/OnFailure/Never, and optionally
    nodeSelector, node affinity, pod affinity/anti-affinity, tolerations, topology spread constraints, a
    priority class, a scheduler profile and kubesim timing annotations. The pod is labelled ``app: <name>``.

    Each optional family is present in about a quarter of the examples and shrinks away. See ``PodFeatures``
    for the keyword switches (e.g. ``pods(affinity=False, priority_classes=["high-priority"])``).

    Args:
        name: pod name (default from ``toolbox``, ``debug``, ``migrate``, ...).
        namespace: the pod's namespace.
    """
    pod_context(features, namespace=namespace, own_app="check")  # reject unknown switches now
    return _pods(name, namespace, features)


@st.composite
def _replicated(
    draw: st.DrawFn,
    kind: str,
    name: str | None,
    namespace: str,
    min_replicas: int,
    max_replicas: int,
    features: PodFeatures,
) -> Manifest:
    app = name if name is not None else pick(draw, WORKLOAD_NAMES)
    return replicated_doc(draw, kind, app, namespace, min_replicas, max_replicas, features)


def _replicated_strategy(
    kind: str, name: str | None, namespace: str, min_replicas: int, max_replicas: int, features: PodFeatures
) -> st.SearchStrategy[Manifest]:
    if not 0 <= min_replicas <= max_replicas:
        raise ValueError(f"need 0 <= min_replicas <= max_replicas, got {min_replicas}, {max_replicas}")
    pod_context(features, namespace=namespace, own_app="check")  # reject unknown switches now
    return _replicated(kind, name, namespace, min_replicas, max_replicas, features)


def deployments(
    *,
    name: str | None = None,
    namespace: str = "default",
    min_replicas: int = 1,
    max_replicas: int = 5,
    **features: Unpack[PodFeatures],
) -> st.SearchStrategy[Manifest]:
    """apps/v1 Deployment manifests: ``replicas``, a selector on ``app: <name>`` (sometimes also a
    ``tier`` matchExpression) matching the template's labels, the pod template (see ``pods``; spread and
    affinity terms may use ``matchLabelKeys: [pod-template-hash]``), and sometimes a RollingUpdate
    (maxSurge/maxUnavailable, never both 0) or Recreate strategy, minReadySeconds, revisionHistoryLimit.

    Args:
        name: the Deployment's name and ``app`` label (default from ``web``, ``api``, ``db``, ...).
        namespace: its namespace.
        min_replicas, max_replicas: bounds of ``spec.replicas`` (small by default: the pods are simulated).
    """
    return _replicated_strategy("Deployment", name, namespace, min_replicas, max_replicas, features)


def replica_sets(
    *,
    name: str | None = None,
    namespace: str = "default",
    min_replicas: int = 1,
    max_replicas: int = 5,
    **features: Unpack[PodFeatures],
) -> st.SearchStrategy[Manifest]:
    """apps/v1 ReplicaSet manifests (a bare ReplicaSet: as ``deployments``, without the rollout strategy)."""
    return _replicated_strategy("ReplicaSet", name, namespace, min_replicas, max_replicas, features)


def replication_controllers(
    *,
    name: str | None = None,
    namespace: str = "default",
    min_replicas: int = 1,
    max_replicas: int = 5,
    **features: Unpack[PodFeatures],
) -> st.SearchStrategy[Manifest]:
    """v1 ReplicationController manifests; the plain-map ``selector`` is sometimes left to default from the
    template's labels, as Kubernetes allows."""
    return _replicated_strategy(
        "ReplicationController", name, namespace, min_replicas, max_replicas, features
    )


def stateful_sets(
    *,
    name: str | None = None,
    namespace: str = "default",
    min_replicas: int = 1,
    max_replicas: int = 4,
    **features: Unpack[PodFeatures],
) -> st.SearchStrategy[Manifest]:
    """apps/v1 StatefulSet manifests: ``serviceName`` (its name; ``clusters`` adds the headless Service),
    replicas, selector and template, and sometimes Parallel pod management, a RollingUpdate with
    ``partition``/``maxUnavailable`` or OnDelete, ``minReadySeconds`` and ``ordinals.start``. No
    ``volumeClaimTemplates``: kubesim does not model volumes (the loader rejects them)."""
    return _replicated_strategy("StatefulSet", name, namespace, min_replicas, max_replicas, features)


@st.composite
def _daemon_sets(draw: st.DrawFn, name: str | None, namespace: str, features: PodFeatures) -> Manifest:
    return daemon_set_doc(draw, name if name is not None else pick(draw, WORKLOAD_NAMES), namespace, features)


def daemon_sets(
    *, name: str | None = None, namespace: str = "default", **features: Unpack[PodFeatures]
) -> st.SearchStrategy[Manifest]:
    """apps/v1 DaemonSet manifests: selector and template (tolerations and node selection decide which nodes
    get a pod), sometimes a RollingUpdate (maxUnavailable/maxSurge, never both 0) or OnDelete strategy."""
    pod_context(features, namespace=namespace, own_app="check")  # reject unknown switches now
    return _daemon_sets(name, namespace, features)


@st.composite
def _jobs(
    draw: st.DrawFn,
    name: str | None,
    namespace: str,
    max_parallelism: int,
    max_completions: int,
    features: PodFeatures,
) -> Manifest:
    app = name if name is not None else pick(draw, WORKLOAD_NAMES)
    return job_doc(draw, app, namespace, max_parallelism, max_completions, features)


def jobs(
    *,
    name: str | None = None,
    namespace: str = "default",
    max_parallelism: int = 3,
    max_completions: int = 4,
    **features: Unpack[PodFeatures],
) -> st.SearchStrategy[Manifest]:
    """batch/v1 Job manifests: parallelism, usually ``completions`` (sometimes Indexed), sometimes
    backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished or ``suspend``; the template has
    restartPolicy OnFailure or Never and always a ``kubesim.dev/duration-seconds``, so its pods finish. The
    selector is left to Kubernetes (setting one needs ``manualSelector``)."""
    if max_parallelism < 1 or max_completions < 1:
        raise ValueError("max_parallelism and max_completions must be at least 1")
    pod_context(features, namespace=namespace, own_app="check")  # reject unknown switches now
    return _jobs(name, namespace, max_parallelism, max_completions, features)


@st.composite
def _workloads(
    draw: st.DrawFn,
    kinds: tuple[str, ...],
    name: str | None,
    namespace: str,
    max_replicas: int,
    features: PodFeatures,
) -> Manifest:
    kind = pick(draw, kinds)
    app = name if name is not None else pick(draw, WORKLOAD_NAMES)
    return workload_doc(draw, kind, app, namespace, max_replicas, features)


def workloads(
    *,
    kinds: Sequence[str] = WORKLOAD_KINDS,
    name: str | None = None,
    namespace: str = "default",
    max_replicas: int = 5,
    **features: Unpack[PodFeatures],
) -> st.SearchStrategy[Manifest]:
    """A workload manifest of one of ``kinds`` (``WORKLOAD_KINDS``), as the strategy of that kind makes it
    (StatefulSets at most 4 replicas, Jobs at most 3 parallel pods)."""
    unknown = [k for k in kinds if k not in WORKLOAD_KINDS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be a non-empty subset of {WORKLOAD_KINDS}, got {list(kinds)}")
    pod_context(features, namespace=namespace, own_app="check")  # reject unknown switches now
    return _workloads(tuple(kinds), name, namespace, max_replicas, features)


# ---- budgets, services, priority classes -------------------------------------------------------------------


@st.composite
def _pdbs(draw: st.DrawFn, for_workload: Manifest | None, name: str | None, namespace: str) -> Manifest:
    return pdb_doc(draw, for_workload, name, namespace)


def pod_disruption_budgets(
    for_workload: Manifest | None = None, *, name: str | None = None, namespace: str = "default"
) -> st.SearchStrategy[Manifest]:
    """policy/v1 PodDisruptionBudget manifests selecting ``for_workload``'s pods (its selector's
    ``matchLabels``, or a Job's ``app`` label), in its namespace, named ``<workload>-pdb``; exactly one of
    ``minAvailable`` (0 to replicas + 1, or a percentage) and ``maxUnavailable`` (0 to 2, or a percentage), so
    budgets that block every eviction and ones that can never be met both occur; sometimes an
    ``unhealthyPodEvictionPolicy``. Without a workload the selector is ``app: <a workload name>``.
    """
    return _pdbs(for_workload, name, namespace)


def services(for_workload: Manifest, *, headless: bool | None = None) -> st.SearchStrategy[Manifest]:
    """v1 Service manifests for ``for_workload``: named after it, selecting its pods, port 80 to 8080.
    ``headless`` (default: for a StatefulSet, whose ``serviceName`` it is) sets ``clusterIP: None``.

    A Service matters to the simulation: Endpoints, traffic, and the scheduler's default spread
    constraints for the pods it selects."""
    return st.just(service_doc(for_workload, headless))


@st.composite
def _priority_classes(draw: st.DrawFn, name: str | None, global_default: bool) -> Manifest:
    return priority_class_doc(
        draw, name if name is not None else pick(draw, PRIORITY_CLASS_NAMES), global_default
    )


def priority_classes(*, name: str | None = None, global_default: bool = False) -> st.SearchStrategy[Manifest]:
    """scheduling.k8s.io/v1 PriorityClass manifests: a value from -1000 to 1e9 (the user maximum), sometimes
    ``preemptionPolicy`` and a description; ``globalDefault: true`` only if ``global_default`` (a cluster
    may have one)."""
    return _priority_classes(name, global_default)


# ---- scheduler configuration -------------------------------------------------------------------------------


@st.composite
def _scheduler_configurations(
    draw: st.DrawFn, profile_names: tuple[str, ...], max_profiles: int, disable_filters: bool
) -> Manifest:
    return config_doc(draw, profile_names, max_profiles, disable_filters)


def scheduler_configurations(
    *,
    profile_names: Sequence[str] = PROFILE_NAMES,
    max_profiles: int = 2,
    disable_filters: bool = False,
) -> st.SearchStrategy[Manifest]:
    """kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration documents (a config file: no metadata)
    that both the loader and the scheduler accept.

    Profiles (the first named ``profile_names[0]``, ``default-scheduler``): sometimes score-only plugins
    disabled, score weights set through ``multiPoint.enabled``, an explicit ``score`` set (``disabled: *``
    plus chosen plugins and weights) or some score plugins dropped, DefaultPreemption disabled;
    ``pluginConfig`` with a NodeResourcesFit ``scoringStrategy`` (MostAllocated, LeastAllocated or
    RequestedToCapacityRatio with bin-packing or spreading shapes; cpu/memory/gpu weights), BalancedAllocation
    resources, InterPodAffinity ``hardPodAffinityWeight``, PodTopologySpread ``List`` defaults,
    DefaultPreemption candidate bounds, NodeAffinity ``addedAffinity``; ``percentageOfNodesToScore`` and
    backoff settings.

    Args:
        profile_names: schedulerNames for the profiles, in order.
        max_profiles: at most this many profiles.
        disable_filters: also disable filter plugins (TaintToleration, NodeResourcesFit, ...). Off by
            default: with a filter off, pods legitimately land where Kubernetes' defaults forbid.
    """
    if not profile_names or max_profiles < 1:
        raise ValueError("need at least one profile name and max_profiles >= 1")
    return _scheduler_configurations(tuple(profile_names), max_profiles, disable_filters)


# ---- scenarios: faults, failures, actions ------------------------------------------------------------------


@st.composite
def _fault_schedules(
    draw: st.DrawFn,
    node_names: tuple[str, ...],
    zones: tuple[str, ...],
    duration: float,
    max_faults: int,
    kinds: tuple[str, ...],
) -> list[Manifest]:
    return timeline_of(fault_entries(draw, node_names, zones, duration, max_faults, kinds))


def fault_schedules(
    node_names: Sequence[str],
    zones: Sequence[str] = (),
    duration: float = 3600.0,
    *,
    max_faults: int = 3,
    kinds: Sequence[str] = FAULT_KINDS,
) -> st.SearchStrategy[list[Manifest]]:
    """Scenario ``spec.timeline`` entries for up to ``max_faults`` faults on ``node_names`` and ``zones``
    within ``duration`` seconds, sorted by time: node crashes (``crashNode``, then usually ``recoverNode``),
    ``drain`` (sometimes with a ``timeout``; later ``uncordon``), ``partitionNode``/``healPartition``,
    ``stopKubelet``/``startKubelet``, ``zoneOutage``/``recoverZone``, ``cordon``/``uncordon``. A fault lasts
    1 to 30 minutes (healed by its closing action or by the action's own ``duration``) or to the end of the
    run. Start times are on a 10 s grid and shrink to 0; faults may overlap (a drain of a crashed node is a
    scenario worth having).

    Args:
        node_names: nodes the faults may hit (``ClusterSpec.node_names``).
        zones: zones for zone outages.
        duration: the scenario's length in seconds (every entry is within it).
        max_faults: at most this many faults.
        kinds: fault families to use (``FAULT_KINDS``).
    """
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown:
        raise ValueError(f"kinds must be a subset of {FAULT_KINDS}, got {list(kinds)}")
    return _fault_schedules(tuple(node_names), tuple(zones), float(duration), max_faults, tuple(kinds))


@st.composite
def _failure_processes(
    draw: st.DrawFn, pools: tuple[str, ...], zones: tuple[str, ...], targets: tuple[str, ...], max_size: int
) -> list[Manifest]:
    return failure_entries(draw, pools, zones, targets, max_size)


def failure_processes(
    pools: Sequence[str] = (),
    zones: Sequence[str] = (),
    targets: Sequence[str] = (),
    *,
    max_size: int = 2,
) -> st.SearchStrategy[list[Manifest]]:
    """Scenario ``spec.failures`` entries: per-node failure processes of a NodePool (``mtbf``, usually
    ``mttr``; exponential, Weibull or fixed; crash or partition), whole-zone outages, and container crashes of
    a workload (``target: Kind/name``, ``crashMtbf``).

    Args:
        pools: NodePool names; zones: zone names; targets: ``Kind/name`` of default-namespace workloads.
        max_size: at most this many processes.
    """
    return _failure_processes(tuple(pools), tuple(zones), tuple(targets), max_size)


@st.composite
def _scenarios(draw: st.DrawFn, args: tuple[Any, ...]) -> Manifest:
    return scenario_doc(draw, *args)


def scenarios(
    *,
    name: str = "generated",
    node_names: Sequence[str] = (),
    zones: Sequence[str] = (),
    pools: Sequence[str] = (),
    workloads: Sequence[Manifest] = (),
    bare_pods: Sequence[str] = (),
    duration: float | None = None,
    faults: bool = True,
    actions: bool = True,
    failures: bool = False,
    max_faults: int = 3,
    max_actions: int = 2,
) -> st.SearchStrategy[Manifest]:
    """kubesim Scenario manifests: ``duration`` (default drawn from 5 minutes to an hour), ``seed``,
    ``kubernetesVersion`` (1.31 to 1.35), sometimes pod timing ``defaults``, and a ``timeline`` of faults on
    the given nodes and zones (as ``fault_schedules``) and actions on the given workloads (``scale``,
    ``rollout`` to another image, ``crashLoop``) and bare pods (``deletePod``); with ``failures`` sometimes a
    stochastic failure process (``failure_processes``).

    Args:
        name: the Scenario's name.
        node_names, zones, pools: what faults and failure processes may hit.
        workloads: workload manifests that actions may target; bare_pods: ``namespace/name`` of bare pods.
        duration: the run's length in seconds (default: drawn).
        faults, actions, failures: which parts to generate.
        max_faults, max_actions: bounds on the timeline's length.
    """
    args = (
        name,
        tuple(node_names),
        tuple(zones),
        tuple(pools),
        tuple(workloads),
        tuple(bare_pods),
        duration,
        faults,
        actions,
        failures,
        max_faults,
        max_actions,
    )
    return _scenarios(args)


# ---- whole clusters ----------------------------------------------------------------------------------------


def clusters(
    min_nodes: int = 1,
    max_nodes: int = 20,
    *,
    max_workloads: int = 4,
    workload_kinds: Sequence[str] = WORKLOAD_KINDS,
    max_replicas: int = 5,
    max_bare_pods: int = 2,
    namespaces: Sequence[str] = ("default",),
    node_pools: bool = True,
    autoscaling: bool = False,
    pdbs: bool = True,
    services: bool = True,
    priorities: bool = True,
    scheduler_config: bool = True,
    faults: bool = True,
    actions: bool = True,
    failures: bool = False,
    duration: float | None = None,
    **features: Unpack[PodFeatures],
) -> st.SearchStrategy[ClusterSpec]:
    """Whole clusters and scenarios, as a :class:`ClusterSpec` (documents; ``.to_yaml()``, ``.objects()``,
    ``.simulation()``, ``.node_names``, ``.seed``).

    Nodes: ``min_nodes`` to ``max_nodes`` in one to three groups (``general``, ``compute``, ...), each a
    NodePool or that many Node documents of one realistic shape, round-robin over one to three zones,
    sometimes tainted. Then up to ``max_workloads`` workloads of ``workload_kinds`` with unique names (each
    its own ``app``), sometimes a PodDisruptionBudget and a Service (always the headless Service of a
    StatefulSet), up to ``max_bare_pods`` bare pods, sometimes PriorityClasses (at most one globalDefault)
    and a KubeSchedulerConfiguration (pods then pick among its profiles), and a Scenario whose timeline holds
    faults and workload actions. Pod templates refer only to what exists: tolerations for the taints in use,
    selectors and affinity on the zones and instance types present, affinity terms on the apps of this
    cluster (including their own: the one-per-node pattern).

    Args:
        min_nodes, max_nodes: bounds on the number of nodes at the start.
        max_workloads, workload_kinds, max_replicas, max_bare_pods: the size and kinds of the workload.
        namespaces: namespaces to place workloads and pods in (Namespace documents are added for those other
            than ``default``).
        node_pools: whether node groups may be NodePools (else Node documents only).
        autoscaling: whether NodePools may have ``min``/``max`` (the cluster autoscaler then adds nodes).
        pdbs, services, priorities, scheduler_config: whether PodDisruptionBudgets, Services, PriorityClasses
            and a KubeSchedulerConfiguration may appear.
        faults, actions, failures: what the Scenario's timeline (and ``failures``) may contain.
        duration: the Scenario's length in seconds (default: drawn from 5 minutes to an hour).
        **features: ``PodFeatures`` switches for every pod template.
    """
    if not 0 <= min_nodes <= max_nodes:
        raise ValueError(f"need 0 <= min_nodes <= max_nodes, got {min_nodes}, {max_nodes}")
    if not namespaces:
        raise ValueError("namespaces must not be empty")
    if not workload_kinds or any(k not in WORKLOAD_KINDS for k in workload_kinds):
        raise ValueError(f"workload_kinds must be a non-empty subset of {WORKLOAD_KINDS}")
    pod_context(features, namespace="default", own_app="check")  # reject unknown switches now
    options = ClusterOptions(
        min_nodes=min_nodes,
        max_nodes=max_nodes,
        max_workloads=max_workloads,
        workload_kinds=tuple(workload_kinds),
        max_replicas=max_replicas,
        max_bare_pods=max_bare_pods,
        namespaces=tuple(namespaces),
        node_pools=node_pools,
        autoscaling=autoscaling,
        pdbs=pdbs,
        services=services,
        priorities=priorities,
        scheduler_config=scheduler_config,
        faults=faults,
        actions=actions,
        failures=failures,
        duration=duration,
        features=features,
    )
    return _clusters(options)


@st.composite
def _clusters(draw: st.DrawFn, options: ClusterOptions) -> ClusterSpec:
    return cluster_spec(draw, options)


# ---- loaded objects ----------------------------------------------------------------------------------------


def _load_one(manifest: Manifest) -> KObject:
    (obj,) = load([manifest])
    return obj


def loaded(manifests: st.SearchStrategy[Manifest]) -> st.SearchStrategy[KObject]:
    """The objects that ``manifests`` load to through the real loader (one object per manifest), e.g.
    ``loaded(nodes())`` for ``models.node.Node`` objects. ``st.from_type(Node)`` is this."""
    return manifests.map(_load_one)
