"""Whole clusters: node groups (NodePools and Node documents), then workloads, budgets, services, priority
classes, a scheduler configuration and a Scenario that all refer to one another consistently.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from hypothesis import strategies as st

from simulator.testing._cluster_spec import ClusterSpec
from simulator.testing._documents import (
    draw_taints,
    node_doc,
    pdb_doc,
    pod_doc,
    pool_doc,
    priority_class_doc,
    service_doc,
    workload_doc,
)
from simulator.testing._draw import between, flip, keyed, pick, rarely, subset
from simulator.testing._manifests import (
    BARE_POD_NAMES,
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
from simulator.testing._podspec import PodFeatures
from simulator.testing._scenario import SCALABLE, scenario_doc
from simulator.testing._scheduler_config import config_with_profiles


@attrs.frozen
class NodeGroup:
    """A group of identical nodes ``<name>-0`` .. ``<name>-<count-1>``: a NodePool or that many Node documents."""

    name: str
    shape: NodeShape
    taints: tuple[Manifest, ...]
    count: int
    pool: bool

    @property
    def node_names(self) -> list[str]:
        return [f"{self.name}-{i}" for i in range(self.count)]


def plan_node_groups(draw: st.DrawFn, min_nodes: int, max_nodes: int, pools: bool) -> list[NodeGroup]:
    """One to three node groups with ``min_nodes`` to ``max_nodes`` nodes in all: what workloads may refer to
    (names, zones, shapes, taints). The per-node details are drawn later (``node_documents``)."""
    first = between(draw, min_nodes, max_nodes)
    if first == 0:
        return []
    counts = [first]
    for _ in range(between(draw, 0, 2) if first < max_nodes else 0):
        left = max_nodes - sum(counts)
        if left <= 0:
            break
        counts.append(between(draw, 1, left))
    names = subset(draw, POOL_NAMES, len(counts), len(counts))
    groups = []
    for name, count in zip(names, counts, strict=True):
        shape = pick(draw, NODE_SHAPES)
        taints = tuple(draw_taints(draw, TAINTS, 2)) if rarely(draw) else ()
        groups.append(NodeGroup(name, shape, taints, count, pools and flip(draw)))
    return groups


def node_documents(
    draw: st.DrawFn, groups: Sequence[NodeGroup], zones: Sequence[str], autoscaling: bool
) -> list[Manifest]:
    """The NodePool or Node documents of ``groups`` (zones round-robin within a group, as NodePools do)."""
    documents: list[Manifest] = []
    for group in groups:
        if group.pool:
            documents.append(
                pool_doc(draw, group.name, group.count, zones, group.shape, list(group.taints), autoscaling)
            )
            continue
        for index, node_name in enumerate(group.node_names):
            zone = zones[index % len(zones)] if zones else None
            documents.append(node_doc(draw, node_name, zone, group.shape, list(group.taints), True, True))
    return documents


@attrs.frozen
class ClusterOptions:
    min_nodes: int
    max_nodes: int
    max_workloads: int
    workload_kinds: tuple[str, ...]
    max_replicas: int
    max_bare_pods: int
    namespaces: tuple[str, ...]
    node_pools: bool
    autoscaling: bool
    pdbs: bool
    services: bool
    priorities: bool
    scheduler_config: bool
    faults: bool
    actions: bool
    failures: bool
    duration: float | None
    features: PodFeatures = attrs.field(eq=False)


def cluster_spec(draw: st.DrawFn, options: ClusterOptions) -> ClusterSpec:
    """The documents of a cluster under ``options`` (see ``strategies.clusters``).

    Why this order: what other documents refer to (node groups, profile and priority class names, workload
    names) is decided first, with few choices; the details nobody refers to (each node's labels, the
    configuration's plugins, priority values) are drawn after the workloads. Then the shrinker can drop a
    node, a profile or a class without shifting every later choice onto a different meaning, and failing
    clusters shrink further.
    """
    zones = ZONES[: between(draw, 1, len(ZONES))]
    groups = plan_node_groups(draw, options.min_nodes, options.max_nodes, options.node_pools)
    node_names = [name for g in groups for name in g.node_names]
    used_taints: list[Manifest] = []
    for group in groups:
        used_taints += [t for t in group.taints if t not in used_taints]
    profile_names: Sequence[str] = ()
    if options.scheduler_config and rarely(draw):
        profile_names = PROFILE_NAMES[: between(draw, 1, 2)]
    class_names: list[str] = (
        subset(draw, PRIORITY_CLASS_NAMES, 1, 3) if options.priorities and flip(draw) else []
    )
    rows = keyed(
        draw, WORKLOAD_NAMES, options.workload_kinds, options.namespaces, max_size=options.max_workloads
    )
    names, kinds, homes = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    pod_rows = keyed(draw, BARE_POD_NAMES, options.namespaces, max_size=options.max_bare_pods)
    pod_names, pod_homes = [r[0] for r in pod_rows], [r[1] for r in pod_rows]
    peers = [f"{ns}/{n}" for ns, n in zip(homes, names, strict=True)]
    peers += [f"{ns}/{n}" for ns, n in zip(pod_homes, pod_names, strict=True)]
    shared: PodFeatures = {
        "zones": zones,
        "taints": tuple(used_taints) or TAINTS,
        "instance_types": tuple(sorted({g.shape.instance_type for g in groups})),
        "node_names": tuple(node_names),
        "priority_classes": tuple(class_names),
        # with a single (default) profile pods leave schedulerName out, as most do
        "scheduler_names": tuple(profile_names) if len(profile_names) > 1 else (),
        "peers": tuple(peers),
    }
    shared.update(options.features)

    workload_docs: list[Manifest] = []
    extra_docs: list[Manifest] = []
    for app, kind, namespace in zip(names, kinds, homes, strict=True):
        workload = workload_doc(draw, kind, app, namespace, options.max_replicas, shared)
        workload_docs.append(workload)
        if options.services and (kind == "StatefulSet" or (kind in SCALABLE and rarely(draw))):
            extra_docs.append(service_doc(workload, None))
        if options.pdbs and rarely(draw):
            extra_docs.append(pdb_doc(draw, workload, None, namespace))
    bare = [pod_doc(draw, n, ns, shared) for n, ns in zip(pod_names, pod_homes, strict=True)]

    node_docs = node_documents(draw, groups, zones, options.autoscaling)
    config = config_with_profiles(draw, profile_names, False) if profile_names else None
    default_index = between(draw, 0, len(class_names) - 1) if class_names and rarely(draw) else None
    classes = [priority_class_doc(draw, n, i == default_index) for i, n in enumerate(class_names)]
    scenario = scenario_doc(
        draw,
        "generated",
        node_names,
        ClusterSpec(node_docs).zones,  # the zones that have nodes
        [g.name for g in groups if g.pool],
        workload_docs,
        [f"{ns}/{n}" for ns, n in zip(pod_homes, pod_names, strict=True)],
        options.duration,
        options.faults,
        options.actions,
        options.failures,
        3,
        2,
    )
    namespace_docs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        for ns in sorted(set(homes) | set(pod_homes))
        if ns != "default"
    ]
    documents = [scenario]
    if config is not None:
        documents.append(config)
    documents += namespace_docs + classes + node_docs + extra_docs + workload_docs + bare
    return ClusterSpec(documents)
