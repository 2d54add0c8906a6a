"""Hypothesis properties: the fast path decides exactly as the per-node reference path, and explain invariants."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.meta import LabelSelector
from models.node import ContainerImage
from models.pod import (
    Affinity,
    Container,
    ContainerPort,
    NodeAffinity,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PodAffinity,
    PodAffinityTerm,
    PreferredSchedulingTerm,
    Taint,
    Toleration,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from models.schedconfig import KubeSchedulerConfiguration, SchedulerProfile
from tests.scheduler.conftest import GI, Cluster, make_node, make_pod

ZONES = ("a", "b", "c")
TAINTS = (
    Taint("dedicated", "NoSchedule", "gpu"),
    Taint("soft", "PreferNoSchedule"),
    Taint("soft2", "PreferNoSchedule", "x"),
    Taint("evict", "NoExecute"),
)
TOLERATIONS = (
    Toleration(key="dedicated", operator="Equal", value="gpu", effect="NoSchedule"),
    Toleration(key="soft", operator="Exists"),
    Toleration(operator="Exists"),
    Toleration(key="evict", operator="Exists", effect="NoExecute"),
)

nodes_st = st.lists(
    st.fixed_dictionaries(
        {
            "cpu": st.sampled_from([0, 500, 1000, 2000, 4000]),
            "memory": st.sampled_from([GI // 2, GI, 4 * GI]),
            "pods": st.integers(0, 6),
            "zone": st.sampled_from(ZONES),
            "disk": st.sampled_from(["ssd", "hdd", None]),
            "taints": st.lists(st.sampled_from(TAINTS), max_size=2, unique=True),
            "unschedulable": st.booleans(),
            "gpu": st.sampled_from([None, 0, 1, 2]),
            "images": st.sampled_from([(), ("app:v1",), ("app:v1", "side:latest")]),
        }
    ),
    min_size=0,
    max_size=12,
)
pods_st = st.lists(
    st.fixed_dictionaries(
        {
            "cpu": st.sampled_from([None, 0, 100, 300, 900, 2500]),
            "memory": st.sampled_from([None, 0, GI // 4, GI]),
            "gpu": st.sampled_from([None, 1]),
            "tolerations": st.lists(st.sampled_from(TOLERATIONS), max_size=2, unique=True),
            "selector": st.sampled_from([None, "ssd", "hdd"]),
            "preferred": st.sampled_from([None, "ssd", "hdd"]),
            "delete_after": st.booleans(),
            "app": st.sampled_from(["web", "db"]),
            "port": st.sampled_from([None, None, 8080]),
            "image": st.sampled_from(["", "app:v1", "side"]),
            "spread": st.sampled_from([None, None, "zone-hard", "host-soft"]),
            "podaff": st.sampled_from([None, None, "anti-req", "anti-pref", "aff-req", "aff-pref"]),
        }
    ),
    min_size=1,
    max_size=14,
)


def build(nodes: list[dict[str, Any]], pods: list[dict[str, Any]], seed: int, **kwargs: Any) -> Cluster:
    c = Cluster(seed=seed, **kwargs)
    for i, n in enumerate(nodes):
        labels = {"topology.kubernetes.io/zone": n["zone"]}
        if n["disk"]:
            labels["disk"] = n["disk"]
        extra = {"example.com/gpu": n["gpu"]} if n["gpu"] is not None else {}
        labels["kubernetes.io/hostname"] = f"n{i}"
        node = make_node(
            f"n{i}", cpu=n["cpu"], memory=n["memory"], pods=n["pods"], labels=labels,
            taints=tuple(n["taints"]), unschedulable=n["unschedulable"], extra=extra,
        )  # fmt: skip
        node.images = tuple(
            ContainerImage((name,), (100 + 300 * j) * 1024**2) for j, name in enumerate(n.get("images", ()))
        )
        c.add(node)
    _ = c.scheduler
    return c


def pod_objects(pods: list[dict[str, Any]]) -> list[Any]:
    out = []
    for i, p in enumerate(pods):
        req = {k: p[k] for k in ("cpu", "memory") if p[k] is not None}
        if p["gpu"]:
            req["example.com/gpu"] = p["gpu"]
        kwargs: dict[str, Any] = {"tolerations": tuple(p["tolerations"])}
        if p["selector"]:
            kwargs["node_selector"] = {"disk": p["selector"]}
        if p["preferred"]:
            term = NodeSelectorTerm((NodeSelectorRequirement("disk", "In", (p["preferred"],)),))
            kwargs["affinity"] = Affinity(
                node_affinity=NodeAffinity(preferred=(PreferredSchedulingTerm(10, term),))
            )
        ports = (ContainerPort(80, host_port=p["port"]),) if p.get("port") else ()
        kwargs["containers"] = (Container("c", image=p.get("image", ""), requests=req, ports=ports),)
        sel = LabelSelector({"app": p.get("app", "web")})
        if p.get("spread") == "zone-hard":
            kwargs["topology_spread_constraints"] = (
                TopologySpreadConstraint(1, "topology.kubernetes.io/zone", "DoNotSchedule", sel),
            )
        elif p.get("spread") == "host-soft":
            kwargs["topology_spread_constraints"] = (
                TopologySpreadConstraint(1, "kubernetes.io/hostname", "ScheduleAnyway", sel),
            )
        kind = p.get("podaff")
        if kind:
            t = PodAffinityTerm(
                "topology.kubernetes.io/zone" if "aff" in kind else "kubernetes.io/hostname", sel
            )
            pa = (
                PodAffinity(required=(t,))
                if kind.endswith("req")
                else PodAffinity(preferred=(WeightedPodAffinityTerm(50, t),))
            )
            old = kwargs.get("affinity")
            na = old.node_affinity if old is not None else None
            if kind.startswith("anti"):
                kwargs["affinity"] = Affinity(node_affinity=na, pod_anti_affinity=pa)
            else:
                kwargs["affinity"] = Affinity(node_affinity=na, pod_affinity=pa)
        pod = make_pod(f"p{i}", **kwargs)
        pod.labels = {"app": p.get("app", "web")}
        out.append(pod)
    return out


def simulate(
    nodes: list[dict[str, Any]], pods: list[dict[str, Any]], seed: int, **kwargs: Any
) -> tuple[Cluster, list[Any]]:
    """Add pods one by one; delete the flagged ones a little later (exercises incremental cache updates)."""
    c = build(nodes, pods, seed, **kwargs)
    objs = pod_objects(pods)
    for spec, pod in zip(pods, objs, strict=True):
        c.store.add(pod)
        c.run(until=c.engine.now + 0.5)
        if spec["delete_after"] and c.store.get("Pod", "default", pod.name) is not None:
            c.store.delete(pod)
    c.run(until=c.engine.now + 60)
    return c, objs


def decisions(c: Cluster) -> list[tuple[str, str, str]]:
    return [e for e in c.events if e[1] in ("Scheduled", "FailedScheduling")]


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(nodes=nodes_st, pods=pods_st, seed=st.integers(0, 2**16))
def test_fast_path_equals_reference(
    nodes: list[dict[str, Any]], pods: list[dict[str, Any]], seed: int
) -> None:
    fast, _ = simulate(nodes, pods, seed)
    ref, _ = simulate(nodes, pods, seed, explain=True)
    assert decisions(fast) == decisions(ref)
    assert fast.scheduler.cursor.index == ref.scheduler.cursor.index


@SETTINGS
@given(nodes=nodes_st, pods=pods_st, seed=st.integers(0, 2**16))
def test_explain_invariants(nodes: list[dict[str, Any]], pods: list[dict[str, Any]], seed: int) -> None:
    c, _ = simulate(nodes, pods, seed, explain=True)
    for rec in c.scheduler.explain_records:
        selected = rec["selected"]
        if selected is not None:
            node = rec["nodes"][selected]
            assert node["feasible"]  # never bound where a Filter fails
            assert all(f["code"] in ("Success", "Skip") for f in node["filters"])
        for node in rec["nodes"].values():
            assert node["total"] == sum(s["weighted"] for s in node["scores"])
            for s in node["scores"]:
                assert 0 <= s["normalized"] <= 100
                assert s["weighted"] == s["normalized"] * s["weight"]
        feasible = [n for n, v in rec["nodes"].items() if v["feasible"]]
        if selected is not None and len(feasible) > 1:
            assert rec["nodes"][selected]["total"] == max(rec["nodes"][n]["total"] for n in feasible)


@settings(max_examples=40, deadline=None)
@given(nodes=nodes_st, pods=pods_st, seed=st.integers(0, 2**16))
def test_same_seed_same_decisions(nodes: list[dict[str, Any]], pods: list[dict[str, Any]], seed: int) -> None:
    a, _ = simulate(nodes, pods, seed)
    b, _ = simulate(nodes, pods, seed)
    assert decisions(a) == decisions(b)


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(100, 180),
    pct=st.sampled_from([None, 0, 10, 60]),
    seed=st.integers(0, 1000),
    k=st.integers(1, 40),
)
def test_large_cluster_rotation_fast_equals_reference(n: int, pct: int | None, seed: int, k: int) -> None:
    cfg = KubeSchedulerConfiguration(name="c", profiles=(SchedulerProfile(percentage_of_nodes_to_score=pct),))
    nodes = [
        {"cpu": [500, 1000, 0][i % 3] if i % 7 else 4000, "memory": GI, "pods": 3, "zone": ZONES[i % 2],
         "disk": None, "taints": [TAINTS[0]] if i % 11 == 0 else [], "unschedulable": False, "gpu": None}
        for i in range(n)
    ]  # fmt: skip
    pods = [
        {"cpu": 300, "memory": GI // 8, "gpu": None, "tolerations": [], "selector": None, "preferred": None,
         "delete_after": j % 5 == 0}
        for j in range(k)
    ]  # fmt: skip
    fast, _ = simulate(nodes, pods, seed, config=cfg)
    ref, _ = simulate(nodes, pods, seed, config=cfg, explain=True)
    assert decisions(fast) == decisions(ref)
    assert fast.scheduler.cursor.index == ref.scheduler.cursor.index
