"""Helpers shared by PodTopologySpread and InterPodAffinity (kube-scheduler 1.35 semantics).

Label selectors follow ``metav1.LabelSelectorAsSelector``: a missing selector (None) matches nothing, an empty one
everything. ``matchLabelKeys``/``mismatchLabelKeys`` are merged into the selector from the term owner's labels as
the API server does since 1.34 (``key in (value)`` / ``key notin (value)``, keys the owner lacks are ignored).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.meta import LabelSelector, LabelSelectorRequirement
from models.node import Node
from models.pod import Pod

__all__ = [
    "list_objects",
    "merge_label_keys",
    "namespace_labels",
    "required_node_affinity_matches",
    "selector_matches",
    "selector_requirements",
]


def selector_matches(selector: LabelSelector | None, labels: Mapping[str, str]) -> bool:
    return selector is not None and selector.matches(labels)


def selector_requirements(selector: LabelSelector) -> tuple[LabelSelectorRequirement, ...]:
    """``Selector.Requirements()``: matchLabels as ``In`` requirements, then matchExpressions."""
    reqs = tuple(LabelSelectorRequirement(k, "In", (v,)) for k, v in sorted(selector.match_labels.items()))
    return reqs + tuple(selector.match_expressions)


def merge_label_keys(
    selector: LabelSelector | None,
    labels: Mapping[str, str],
    match_keys: tuple[str, ...] = (),
    mismatch_keys: tuple[str, ...] = (),
) -> LabelSelector | None:
    """The selector with ``matchLabelKeys``/``mismatchLabelKeys`` merged in from ``labels``."""
    if selector is None or (not match_keys and not mismatch_keys):
        return selector
    extra = [LabelSelectorRequirement(k, "In", (labels[k],)) for k in match_keys if k in labels]
    extra += [LabelSelectorRequirement(k, "NotIn", (labels[k],)) for k in mismatch_keys if k in labels]
    if not extra:
        return selector
    return LabelSelector(dict(selector.match_labels), (*selector.match_expressions, *extra))


def list_objects(store: Any, kind: str, namespace: str) -> list[Any]:
    if store is None:
        return []
    try:
        objs: list[Any] = store.list(kind, namespace)
    except KeyError:
        return []
    return objs


def namespace_labels(store: Any, namespace: str) -> Mapping[str, str]:
    """``GetNamespaceLabelsSnapshot``: the Namespace's labels (empty when the store has no such Namespace)."""
    if store is None:
        return {}
    try:
        ns = store.get("Namespace", "", namespace)
    except KeyError:
        return {}
    return dict(ns.labels) if ns is not None else {}


def required_node_affinity_matches(pod: Pod, node: Node) -> bool:
    """``nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)``: nodeSelector and required node affinity terms."""
    spec = pod.spec
    labels = node.labels
    for key, value in spec.node_selector.items():
        if labels.get(key) != value:
            return False
    aff = spec.affinity
    if aff is not None and aff.node_affinity is not None and aff.node_affinity.required is not None:
        return aff.node_affinity.required.matches(labels, node.name)
    return True
