"""Helpers for the tests ported from kube-scheduler's own unit-test tables (tests/scheduler/test_upstream_*.py).

Each case is a fact taken from an upstream table (inputs and expected numbers); the helpers build the nodes and
pods, run one plugin through its per-node methods and through its vectorised methods (the path the scheduler takes
on large clusters), and check that both agree before the test compares them with upstream's expectation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from models.node import Node
from models.pod import Container, Pod, PodSpec
from simulator.scheduler import Code, CycleState, NodeTable
from simulator.scheduler.framework import Plugin, Status

ResourceList = Mapping[str, int]


def pod(
    *containers: ResourceList,
    init: Sequence[ResourceList] = (),
    sidecars: Sequence[ResourceList] = (),
    overhead: ResourceList | None = None,
    name: str = "p",
    node_name: str = "",
    labels: Mapping[str, str] | None = None,
    namespace: str = "default",
    **spec: Any,
) -> Pod:
    """A pod with one container per requests mapping (none at all when no mapping is given, as ``st.MakePod()``).

    ``sidecars`` are init containers with ``restartPolicy: Always``, placed before the ``init`` ones.
    """
    cs = tuple(Container(f"c{i}", requests=dict(r)) for i, r in enumerate(containers))
    inits = tuple(
        Container(f"s{i}", requests=dict(r), restart_policy="Always") for i, r in enumerate(sidecars)
    ) + tuple(Container(f"i{i}", requests=dict(r)) for i, r in enumerate(init))
    p = Pod(
        name=name,
        namespace=namespace,
        spec=PodSpec(containers=cs, init_containers=inits, overhead=dict(overhead or {}), **spec),
    )
    p.labels = dict(labels or {})
    p.uid = f"{namespace}/{name}"
    if node_name:
        p.node_name = node_name
    return p


def node(
    name: str, res: ResourceList | None = None, labels: Mapping[str, str] | None = None, **kw: Any
) -> Node:
    """A node whose allocatable is ``res`` (plus ``pods: 110`` unless given); ``kw`` sets other Node fields."""
    alloc = dict(res or {})
    alloc.setdefault("pods", 110)
    return Node(name=name, labels=dict(labels or {}), allocatable=alloc, capacity=dict(alloc), **kw)


def table(nodes: Sequence[Node], pods: Sequence[Pod] = ()) -> NodeTable:
    t = NodeTable()
    for n in nodes:
        t.add_node(n)
    for i, p in enumerate(pods):
        if not p.uid or any(q is not p and q.uid == p.uid for q in pods):
            p.uid = f"{p.namespace}/{p.name}-{i}"
        t.add_pod(p, p.node_name)
    t.order  # noqa: B018 -- lay the table out as the scheduler does before a cycle
    return t


def run_filter(plugin: Plugin, p: Pod, t: NodeTable, node_name: str) -> Status:
    """PreFilter then Filter on one node; the vectorised filter must agree on whether it passes."""
    state = CycleState()
    if type(plugin).implements("pre_filter"):
        pre = plugin.pre_filter(state, p)
        if pre is not None and pre.code == Code.Skip:
            return Status()  # a skipped PreFilter means the plugin's Filter is not run: the node passes
        if pre is not None and not pre.is_success:
            return pre
    ni = t.info(node_name)
    assert ni is not None
    st = plugin.filter(state, p, ni)
    if type(plugin).implements("filter_vector"):
        mask = plugin.filter_vector(state, p, t)
        vec_ok = True if mask is None else bool(mask[t.slot_of[node_name]])
        assert vec_ok == st.is_success, f"filter_vector says {vec_ok}, filter says {st}"
        if not st.is_success and type(plugin).implements("filter_reasons_vector"):
            failed = np.array([t.slot_of[node_name]], dtype=np.int64)
            reasons = plugin.filter_reasons_vector(state, p, t, failed)
            assert set(reasons) == set(st.reasons), (reasons, st.reasons)
    return st


def run_scores(
    plugin: Plugin, p: Pod, t: NodeTable, names: Sequence[str], pre_score: bool = True
) -> tuple[list[int], list[int]] | None:
    """PreScore, Score and NormalizeScore over ``names``: (raw, normalised), or None when PreScore skips.

    The vectorised path (``score_vector``/``normalize_vector``) must give the same numbers.
    """
    state = CycleState()
    infos = [t.info(n) for n in names]
    assert all(ni is not None for ni in infos)
    if pre_score and type(plugin).implements("pre_score"):
        pre = plugin.pre_score(state, p, [ni for ni in infos if ni is not None])
        if pre is not None:
            assert pre.code == Code.Skip, pre
            return None
    raw = [plugin.score(state, p, ni) for ni in infos if ni is not None]
    norm = list(raw)
    if type(plugin).implements("normalize_score"):
        plugin.normalize_score(state, p, norm)
    if pre_score and type(plugin).implements("score_vector"):
        slots = np.array([t.slot_of[n] for n in names], dtype=np.int64)
        vraw = plugin.score_vector(state, p, t, slots)
        assert [int(x) for x in vraw] == raw, f"score_vector {vraw.tolist()} != score {raw}"
        if type(plugin).implements("normalize_vector"):
            vnorm = plugin.normalize_vector(state, p, vraw.copy())
            assert [int(x) for x in vnorm] == norm, f"normalize_vector {vnorm.tolist()} != {norm}"
    return raw, norm
