"""Manifests of the Kubernetes kinds: Nodes, NodePools, Pods, workloads (Deployment, ReplicaSet,
ReplicationController, StatefulSet, DaemonSet, Job), PodDisruptionBudgets, Services and PriorityClasses.

Plain functions taking Hypothesis' ``draw`` (see ``_draw.py`` for why); ``strategies.py`` wraps them as the
public strategies and ``_cluster.py`` calls them with a cluster's shared context.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from simulator.testing._draw import between, flip, pick, rarely, subset
from simulator.testing._manifests import (
    ARCH_LABEL,
    DISK_LABEL,
    DISK_VALUES,
    GENERATION_LABEL,
    GENERATIONS,
    HOSTNAME_LABEL,
    IMAGE_SIZES,
    IMAGES,
    INSTANCE_TYPE_LABEL,
    OS_LABEL,
    PRIORITY_VALUES,
    REGION,
    REGION_LABEL,
    TIERS,
    WORKLOAD_NAMES,
    ZONE_LABEL,
    Manifest,
    NodeShape,
    selector_labels,
)
from simulator.testing._podspec import PodContext, PodFeatures, pod_context, pod_spec, timing_annotations

KUBESIM_API = "kubesim.dev/v1alpha1"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet", "ReplicationController")
"""Workload kinds ``clusters`` and ``workloads`` generate, the most common first."""


def metadata(name: str, namespace: str | None = None, labels: dict[str, str] | None = None) -> Manifest:
    """``metadata`` as users write it: the namespace only when it is not ``default``."""
    meta: Manifest = {"name": name}
    if namespace and namespace != "default":
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    return meta


def draw_taints(draw: st.DrawFn, vocabulary: Sequence[Manifest], max_size: int) -> list[Manifest]:
    """Up to ``max_size`` taints of ``vocabulary``, unique by (key, effect) as the API server requires."""
    if not vocabulary or max_size <= 0:
        return []
    seen: set[tuple[str, str]] = set()
    out: list[Manifest] = []
    for index in subset(draw, range(len(vocabulary)), 0, max_size):
        taint = vocabulary[index]
        if (taint["key"], taint["effect"]) not in seen:
            seen.add((taint["key"], taint["effect"]))
            out.append(dict(taint))
    return out


def _node_labels(draw: st.DrawFn, shape: NodeShape) -> dict[str, str]:
    labels = {INSTANCE_TYPE_LABEL: shape.instance_type, OS_LABEL: "linux", ARCH_LABEL: "amd64"}
    if flip(draw):
        labels[DISK_LABEL] = pick(draw, DISK_VALUES)
    if flip(draw):
        labels[GENERATION_LABEL] = pick(draw, GENERATIONS)
    return labels


def node_doc(
    draw: st.DrawFn,
    name: str,
    zone: str | None,
    shape: NodeShape,
    node_taints: list[Manifest],
    unschedulable: bool,
    images: bool,
) -> Manifest:
    """A v1 Node: labels, taints, sometimes cordoned, capacity/allocatable of ``shape``, cached images."""
    labels = {HOSTNAME_LABEL: name}
    if zone:
        labels[REGION_LABEL] = REGION
        labels[ZONE_LABEL] = zone
    labels.update(_node_labels(draw, shape))
    spec: Manifest = {}
    if node_taints:
        spec["taints"] = [dict(t) for t in node_taints]
    if unschedulable and rarely(draw) and rarely(draw):
        spec["unschedulable"] = True
    status: Manifest = {"capacity": dict(shape.capacity), "allocatable": dict(shape.allocatable)}
    if images and rarely(draw):
        listed = subset(draw, IMAGES, 1, 3)
        status["images"] = [{"names": [image], "sizeBytes": IMAGE_SIZES[image]} for image in listed]
    node: Manifest = {"apiVersion": "v1", "kind": "Node", "metadata": metadata(name, labels=labels)}
    if spec:
        node["spec"] = spec
    node["status"] = status
    return node


def pool_doc(
    draw: st.DrawFn,
    name: str,
    count: int,
    zones: Sequence[str],
    shape: NodeShape,
    pool_taints: list[Manifest],
    autoscaling: bool,
) -> Manifest:
    """A NodePool of ``count`` nodes of ``shape`` over ``zones`` (sometimes autoscaled)."""
    spec: Manifest = {"count": count}
    if zones:
        spec["zones"] = list(zones)
    spec["allocatable"] = dict(shape.allocatable)
    if flip(draw):
        spec["capacity"] = dict(shape.capacity)
    spec["labels"] = _node_labels(draw, shape)
    if pool_taints:
        spec["taints"] = [dict(t) for t in pool_taints]
    if flip(draw):
        spec["pricePerHour"] = pick(draw, (0.192, 0.096, 0.0208, 0.126, 0.384, 0.526))
    if autoscaling and flip(draw):
        spec["min"] = between(draw, 0, count)
        spec["max"] = count + between(draw, 0, 2)
        spec["provisioningDelay"] = pick(draw, ("1m", "30s", "3m"))
    return {"apiVersion": KUBESIM_API, "kind": "NodePool", "metadata": {"name": name}, "spec": spec}


def _labels_and_selector(draw: st.DrawFn, app: str) -> tuple[dict[str, str], Manifest]:
    """Template labels and a selector that matches them (sometimes with a matchExpression on ``tier``)."""
    labels = {"app": app}
    selector: Manifest = {"matchLabels": {"app": app}}
    if rarely(draw):
        tier = pick(draw, TIERS)
        labels["tier"] = tier
        if flip(draw):
            selector["matchExpressions"] = [{"key": "tier", "operator": "In", "values": [tier]}]
    return labels, selector


def template(draw: st.DrawFn, ctx: PodContext, labels: dict[str, str]) -> Manifest:
    """A pod template: ``labels``, timing annotations and a pod spec under ``ctx``."""
    spec = pod_spec(draw, ctx)
    meta: Manifest = {"labels": labels}
    annotations = timing_annotations(draw, ctx, spec)
    if annotations:
        meta["annotations"] = annotations
    return {"metadata": meta, "spec": spec}


def pod_doc(draw: st.DrawFn, name: str, namespace: str, features: PodFeatures) -> Manifest:
    """A bare v1 Pod labelled ``app: <name>``."""
    ctx = pod_context(
        features, namespace=namespace, own_app=name, restart_policies=("Always", "OnFailure", "Never")
    )
    spec = pod_spec(draw, ctx)
    meta = metadata(name, namespace, {"app": name})
    annotations = timing_annotations(draw, ctx, spec)
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


_INT_OR_PERCENT = (1, 0, 2, "25%", "50%", "0%", "100%")


def _deployment_strategy(draw: st.DrawFn) -> Manifest:
    if rarely(draw):
        return {"type": "Recreate"}
    surge = pick(draw, _INT_OR_PERCENT)
    unavailable = pick(draw, _INT_OR_PERCENT)
    if surge in (0, "0%") and unavailable in (0, "0%"):
        unavailable = 1  # both 0 is invalid: the rollout could never make progress
    return {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}


def _statefulset_strategy(draw: st.DrawFn, replicas: int) -> Manifest:
    if rarely(draw):
        return {"type": "OnDelete"}
    rolling: Manifest = {}
    if flip(draw):
        rolling["partition"] = between(draw, 0, replicas)
    if flip(draw):
        rolling["maxUnavailable"] = pick(draw, (1, 2, "50%"))
    return {"type": "RollingUpdate", "rollingUpdate": rolling} if rolling else {"type": "RollingUpdate"}


def replicated_doc(
    draw: st.DrawFn,
    kind: str,
    app: str,
    namespace: str,
    min_replicas: int,
    max_replicas: int,
    features: PodFeatures,
) -> Manifest:
    """A Deployment, ReplicaSet, ReplicationController or StatefulSet named (and labelled) ``app``."""
    keys = ("pod-template-hash",) if kind == "Deployment" else ()
    ctx = pod_context(features, namespace=namespace, own_app=app, match_label_keys=keys)
    labels, selector = _labels_and_selector(draw, app)
    spec: Manifest = {"replicas": between(draw, min_replicas, max_replicas)}
    if kind == "ReplicationController":
        if flip(draw):
            spec["selector"] = {"app": app}  # else defaulted from the template's labels
    else:
        spec["selector"] = selector
    if kind == "StatefulSet":
        spec["serviceName"] = app
    spec["template"] = template(draw, ctx, labels)
    if rarely(draw):
        spec["minReadySeconds"] = pick(draw, (5, 0, 10, 30))
    if kind == "Deployment":
        if rarely(draw):
            spec["strategy"] = _deployment_strategy(draw)
        if rarely(draw):
            spec["revisionHistoryLimit"] = pick(draw, (10, 2, 0))
        if rarely(draw):
            spec["progressDeadlineSeconds"] = 600
    if kind == "StatefulSet":
        if rarely(draw):
            spec["podManagementPolicy"] = pick(draw, ("Parallel", "OrderedReady"))
        if rarely(draw):
            spec["updateStrategy"] = _statefulset_strategy(draw, spec["replicas"])
        if rarely(draw) and rarely(draw):
            spec["ordinals"] = {"start": pick(draw, (1, 0, 5))}
    return {
        "apiVersion": "v1" if kind == "ReplicationController" else "apps/v1",
        "kind": kind,
        "metadata": metadata(app, namespace, {"app": app}),
        "spec": spec,
    }


def daemon_set_doc(draw: st.DrawFn, app: str, namespace: str, features: PodFeatures) -> Manifest:
    """A DaemonSet named (and labelled) ``app``."""
    ctx = pod_context(features, namespace=namespace, own_app=app)
    labels, selector = _labels_and_selector(draw, app)
    spec: Manifest = {"selector": selector, "template": template(draw, ctx, labels)}
    if rarely(draw):
        if rarely(draw):
            spec["updateStrategy"] = {"type": "OnDelete"}
        else:
            # exactly one of the two non-zero (ValidateRollingUpdateDaemonSet)
            surge = pick(draw, (0, 1, "10%"))
            unavailable = pick(draw, (1, 2, "25%")) if surge == 0 else 0
            spec["updateStrategy"] = {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": unavailable, "maxSurge": surge},
            }
    if rarely(draw):
        spec["minReadySeconds"] = pick(draw, (5, 0, 10))
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": metadata(app, namespace, {"app": app}),
        "spec": spec,
    }


def job_doc(
    draw: st.DrawFn,
    app: str,
    namespace: str,
    max_parallelism: int,
    max_completions: int,
    features: PodFeatures,
) -> Manifest:
    """A Job named ``app`` whose pods finish (OnFailure or Never, with a run duration)."""
    ctx = pod_context(
        features,
        namespace=namespace,
        own_app=app,
        restart_policies=("OnFailure", "Never"),
        restart_policy_required=True,
        finite=True,
    )
    spec: Manifest = {"parallelism": between(draw, 1, max_parallelism)}
    if not rarely(draw):
        spec["completions"] = between(draw, 1, max_completions)
        if rarely(draw):
            spec["completionMode"] = "Indexed"
    if rarely(draw):
        spec["backoffLimit"] = pick(draw, (6, 0, 1, 3))
    if rarely(draw):
        spec["activeDeadlineSeconds"] = pick(draw, (3600, 600, 60))
    if rarely(draw):
        spec["ttlSecondsAfterFinished"] = pick(draw, (60, 0, 300))
    if rarely(draw) and rarely(draw):
        spec["suspend"] = True
    spec["template"] = template(draw, ctx, {"app": app})
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(app, namespace, {"app": app}),
        "spec": spec,
    }


def workload_doc(
    draw: st.DrawFn, kind: str, app: str, namespace: str, max_replicas: int, features: PodFeatures
) -> Manifest:
    """A workload of ``kind`` (``WORKLOAD_KINDS``)."""
    if kind == "DaemonSet":
        return daemon_set_doc(draw, app, namespace, features)
    if kind == "Job":
        return job_doc(draw, app, namespace, 3, 4, features)
    limit = min(max_replicas, 4) if kind == "StatefulSet" else max_replicas
    return replicated_doc(draw, kind, app, namespace, min(1, limit), limit, features)


def workload_identity(workload: Manifest) -> tuple[str, str, dict[str, str], int]:
    """(name, namespace, the labels its pods are selected by, replicas) of a workload manifest."""
    meta = workload["metadata"]
    replicas = workload.get("spec", {}).get("replicas", 1)
    return meta["name"], meta.get("namespace", "default"), selector_labels(workload), int(replicas)


_PERCENTS = ("50%", "100%", "0%", "25%", "75%")


def pdb_doc(draw: st.DrawFn, for_workload: Manifest | None, name: str | None, namespace: str) -> Manifest:
    """A PodDisruptionBudget selecting ``for_workload``'s pods (or an ``app`` from the vocabulary)."""
    if for_workload is not None:
        app, namespace, labels, replicas = workload_identity(for_workload)
    else:
        app = pick(draw, WORKLOAD_NAMES)
        labels, replicas = {"app": app}, between(draw, 1, 5)
    form = pick(draw, ("minAvailable", "maxUnavailable", "minAvailable%", "maxUnavailable%"))
    spec: Manifest = {}
    if form.endswith("%"):
        spec[form[:-1]] = pick(draw, _PERCENTS)
    elif form == "minAvailable":
        spec[form] = between(draw, 0, replicas + 1)
    else:
        spec[form] = between(draw, 0, 2)
    spec["selector"] = {"matchLabels": labels}
    if rarely(draw):
        spec["unhealthyPodEvictionPolicy"] = pick(draw, ("AlwaysAllow", "IfHealthyBudget"))
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(name if name is not None else f"{app}-pdb", namespace),
        "spec": spec,
    }


def service_doc(for_workload: Manifest, headless: bool | None) -> Manifest:
    """The Service of ``for_workload`` (headless for a StatefulSet unless ``headless`` says otherwise)."""
    app, namespace, labels, _replicas = workload_identity(for_workload)
    is_headless = for_workload.get("kind") == "StatefulSet" if headless is None else headless
    spec: Manifest = {"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}
    if is_headless:
        spec = {"clusterIP": "None", **spec}
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata(app, namespace), "spec": spec}


def priority_class_doc(draw: st.DrawFn, name: str, global_default: bool) -> Manifest:
    """A PriorityClass ``name`` (``globalDefault`` only when ``global_default``)."""
    doc: Manifest = {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": name},
        "value": pick(draw, PRIORITY_VALUES),
    }
    if global_default and flip(draw):
        doc["globalDefault"] = True
    if rarely(draw):
        doc["preemptionPolicy"] = pick(draw, ("Never", "PreemptLowerPriority"))
    if flip(draw):
        doc["description"] = f"{name} workloads"
    return doc
