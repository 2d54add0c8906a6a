"""Table tests for NodePorts, ImageLocality, PodTopologySpread and InterPodAffinity (kube-scheduler 1.35 docs)."""

from __future__ import annotations

from typing import Any

import pytest

from models.meta import LabelSelector, OwnerReference
from models.networking import Service
from models.node import ContainerImage
from models.pod import (
    Affinity,
    Container,
    ContainerPort,
    PodAffinity,
    PodAffinityTerm,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from models.workloads import ReplicaSet
from simulator.scheduler.plugins.image_locality import MB, calculate_priority, normalized_image_name
from simulator.scheduler.plugins.node_ports import ports_conflict
from tests.scheduler.conftest import Cluster, make_node, make_pod

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"


def node(name: str, zone: str = "", **kw: Any) -> Any:
    labels = {HOST: name}
    if zone:
        labels[ZONE] = zone
    return make_node(name, labels=labels, **kw)


def bound(name: str, on: str, labels: dict[str, str] | None = None, **spec: Any) -> Any:
    p = make_pod(name, {"cpu": 100}, node_name=on, **spec)
    p.node_name = on
    p.labels = dict(labels or {})
    return p


def explain(c: Cluster, pod: Any) -> dict[str, Any]:
    return c.scheduler.explain_pod(pod)


def feasible(rec: dict[str, Any]) -> set[str]:
    return {n for n, v in rec["nodes"].items() if v["feasible"]}


def plugin_score(rec: dict[str, Any], node_name: str, plugin: str) -> dict[str, Any] | None:
    return next((s for s in rec["nodes"][node_name]["scores"] if s["plugin"] == plugin), None)


# -- NodePorts -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wanted", "used", "conflict"),
    [
        (("0.0.0.0", "TCP", 8080), ("0.0.0.0", "TCP", 8080), True),
        (("0.0.0.0", "TCP", 8080), ("0.0.0.0", "UDP", 8080), False),
        (("127.0.0.1", "TCP", 8080), ("0.0.0.0", "TCP", 8080), True),  # a wildcard holds every IP
        (("0.0.0.0", "TCP", 8080), ("127.0.0.1", "TCP", 8080), True),  # a wildcard wants every IP
        (("127.0.0.1", "TCP", 8080), ("127.0.0.2", "TCP", 8080), False),
        (("127.0.0.1", "TCP", 8080), ("127.0.0.1", "TCP", 8081), False),
    ],
)
def test_host_port_conflicts(wanted: Any, used: Any, conflict: bool) -> None:
    assert ports_conflict([wanted], [[used]]) is conflict


def test_host_port_conflict_filters_the_node() -> None:
    c = Cluster()
    port = ContainerPort(80, host_port=8080)
    c.add(node("a"), node("b"))
    c.add(bound("web-0", "a", containers=(Container("c", ports=(port,)),)))
    rec = explain(c, make_pod("web-1", containers=(Container("c", ports=(port,)),)))
    assert feasible(rec) == {"b"}
    f = next(f for f in rec["nodes"]["a"]["filters"] if f["plugin"] == "NodePorts")
    assert f == {"plugin": "NodePorts", "code": "Unschedulable",
                 "reasons": ["node(s) didn't have free ports for the requested pod ports"]}  # fmt: skip
    plain = explain(c, make_pod("plain"))  # no host ports: PreFilter Skip
    assert {"plugin": "NodePorts", "code": "Skip", "reasons": []} in plain["nodes"]["a"]["filters"]


# -- ImageLocality ---------------------------------------------------------------------------------------------------
def test_image_name_normalisation() -> None:
    assert normalized_image_name("nginx") == "nginx:latest"
    assert normalized_image_name("nginx:1.25") == "nginx:1.25"
    assert normalized_image_name("localhost:5000/app") == "localhost:5000/app:latest"
    assert normalized_image_name("gcr.io/x/app:v1") == "gcr.io/x/app:v1"


def test_image_priority_thresholds() -> None:
    assert calculate_priority(0, 1) == 0
    assert calculate_priority(23 * MB, 1) == 0
    assert calculate_priority(1000 * MB, 1) == 100
    assert calculate_priority(5000 * MB, 1) == 100
    assert calculate_priority(500 * MB, 1) == 100 * (477 * MB) // (977 * MB)  # 48
    assert calculate_priority(1000 * MB, 2) == 100 * (977 * MB) // (1977 * MB)  # 49


def test_image_locality_scores_with_spread() -> None:
    c = Cluster()
    big = ContainerImage(("registry/app:v1",), 500 * MB)
    small = ContainerImage(("registry/side:latest",), 300 * MB)
    n1, n2, n3 = node("n1"), node("n2"), node("n3")
    n1.images = (big, small)
    n2.images = (big,)
    c.add(n1, n2, n3)
    pod = make_pod(
        "p", containers=(Container("a", image="registry/app:v1"), Container("b", image="registry/side"))
    )
    rec = explain(c, pod)
    # n1: 500MB * 2/3 + 300MB * 1/3, n2: 500MB * 2/3, n3: nothing; max threshold 2 x 1000 MB
    s1 = int(500 * MB * (2 / 3)) + int(300 * MB * (1 / 3))
    s2 = int(500 * MB * (2 / 3))
    want = {"n1": calculate_priority(s1, 2), "n2": calculate_priority(s2, 2), "n3": 0}
    for name, score in want.items():
        s = plugin_score(rec, name, "ImageLocality")
        assert s is not None and s["raw"] == s["normalized"] == score and s["weight"] == 1
    assert want["n1"] > want["n2"] > 0


# -- PodTopologySpread -----------------------------------------------------------------------------------------------
def four_nodes_two_zones(c: Cluster) -> None:
    c.add(node("node1", "zoneA"), node("node2", "zoneA"), node("node3", "zoneB"), node("node4", "zoneB"))


def spread(
    key: str = ZONE, skew: int = 1, when: str = "DoNotSchedule", **kw: Any
) -> TopologySpreadConstraint:
    return TopologySpreadConstraint(skew, key, when, LabelSelector({"foo": "bar"}), **kw)


def test_spread_docs_example_one_constraint() -> None:
    # docs: 3 foo=bar pods in zoneA (node1, node1, node2) ... here 2 in zoneA and 1 in zoneB; maxSkew 1 -> zoneB
    c = Cluster()
    four_nodes_two_zones(c)
    c.add(
        bound("a", "node1", {"foo": "bar"}),
        bound("b", "node2", {"foo": "bar"}),
        bound("c", "node3", {"foo": "bar"}),
    )
    pod = make_pod("new", topology_spread_constraints=(spread(),))
    pod.labels = {"foo": "bar"}
    rec = explain(c, pod)
    assert feasible(rec) == {"node3", "node4"}
    f = next(f for f in rec["nodes"]["node1"]["filters"] if f["plugin"] == "PodTopologySpread")
    assert f["code"] == "Unschedulable" and f["reasons"] == [
        "node(s) didn't match pod topology spread constraints"
    ]


def test_spread_two_constraints_zone_and_node() -> None:
    # docs: zone maxSkew 1 and node maxSkew 1 -> only node4 (zoneB, empty node)
    c = Cluster()
    four_nodes_two_zones(c)
    c.add(
        bound("a", "node1", {"foo": "bar"}),
        bound("b", "node2", {"foo": "bar"}),
        bound("c", "node3", {"foo": "bar"}),
    )
    pod = make_pod("new", topology_spread_constraints=(spread(), spread(HOST)))
    pod.labels = {"foo": "bar"}
    assert feasible(explain(c, pod)) == {"node4"}


def test_spread_missing_label_and_min_domains() -> None:
    c = Cluster()
    c.add(node("z1", "zoneA"), node("z2", "zoneA"), node("nolabel"))
    c.add(bound("a", "z1", {"foo": "bar"}))
    pod = make_pod("new", topology_spread_constraints=(spread(),))
    pod.labels = {"foo": "bar"}
    rec = explain(c, pod)
    f = next(f for f in rec["nodes"]["nolabel"]["filters"] if f["plugin"] == "PodTopologySpread")
    assert f["code"] == "UnschedulableAndUnresolvable"
    assert f["reasons"] == ["node(s) didn't match pod topology spread constraints (missing required label)"]
    assert feasible(rec) == {"z1", "z2"}  # one domain: the global minimum is its own count
    pod2 = make_pod("new2", topology_spread_constraints=(spread(min_domains=2),))
    pod2.labels = {"foo": "bar"}
    # fewer domains (1) than minDomains (2): the global minimum is 0, so 1 + 1 - 0 > 1 everywhere
    assert feasible(explain(c, pod2)) == set()


def test_spread_score_anyway_prefers_the_emptier_zone() -> None:
    c = Cluster()
    four_nodes_two_zones(c)
    c.add(bound("a", "node1", {"foo": "bar"}), bound("b", "node2", {"foo": "bar"}))
    pod = make_pod("new", topology_spread_constraints=(spread(when="ScheduleAnyway"),))
    pod.labels = {"foo": "bar"}
    rec = explain(c, pod)
    a = plugin_score(rec, "node1", "PodTopologySpread")
    b = plugin_score(rec, "node3", "PodTopologySpread")
    assert a is not None and b is not None
    # zoneA: round(2 * ln(4)) = 3, zoneB: 0; normalised 100 * (3 + 0 - s) / 3
    assert (a["raw"], b["raw"]) == (3, 0)
    assert (a["normalized"], b["normalized"]) == (0, 100) and a["weight"] == 2
    assert rec["selected"] in ("node3", "node4")


def test_system_default_spreading_only_for_selected_pods() -> None:
    c = Cluster()
    four_nodes_two_zones(c)
    c.add(Service(name="svc", namespace="default", selector={"app": "web"}))
    c.add(bound("w0", "node1", {"app": "web"}), bound("w1", "node1", {"app": "web"}))
    web = make_pod(
        "web",
    )
    web.labels = {"app": "web"}
    rec = explain(c, web)
    s1 = plugin_score(rec, "node1", "PodTopologySpread")
    s4 = plugin_score(rec, "node4", "PodTopologySpread")
    assert s1 is not None and s4 is not None and s1["normalized"] < s4["normalized"]
    other = make_pod("other")
    rec2 = explain(c, other)
    assert plugin_score(rec2, "node1", "PodTopologySpread") is None  # Skip: nothing selects it


def test_replicaset_owner_gives_default_selector() -> None:
    c = Cluster()
    four_nodes_two_zones(c)
    c.add(ReplicaSet(name="rs", namespace="default", selector=LabelSelector({"app": "x"})))
    pod = make_pod("x-1")
    pod.labels = {"app": "x"}
    pod.owner_references = (OwnerReference("ReplicaSet", "rs"),)
    pts = c.scheduler.profiles["default-scheduler"].plugins["PodTopologySpread"]
    assert pts.uses_defaults(pod)  # type: ignore[attr-defined]
    orphan = make_pod("y")
    orphan.labels = {"app": "x"}
    assert not pts.uses_defaults(orphan)  # type: ignore[attr-defined]


# -- InterPodAffinity ------------------------------------------------------------------------------------------------
def term(key: str = HOST, **labels: str) -> PodAffinityTerm:
    return PodAffinityTerm(key, LabelSelector(dict(labels)))


def test_required_anti_affinity_spreads_replicas() -> None:
    c = Cluster()
    c.add(node("a", "z1"), node("b", "z1"), node("c", "z2"))
    anti = Affinity(pod_anti_affinity=PodAffinity(required=(term(app="store"),)))
    c.add(bound("s0", "a", {"app": "store"}, affinity=anti))
    pod = make_pod("s1", affinity=anti)
    pod.labels = {"app": "store"}
    rec = explain(c, pod)
    assert feasible(rec) == {"b", "c"}
    f = next(f for f in rec["nodes"]["a"]["filters"] if f["plugin"] == "InterPodAffinity")
    assert f["code"] == "Unschedulable" and f["reasons"] == ["node(s) didn't match pod anti-affinity rules"]


def test_existing_pods_anti_affinity_blocks_incoming() -> None:
    c = Cluster()
    c.add(node("a", "z1"), node("b", "z1"), node("c", "z2"))
    anti = Affinity(pod_anti_affinity=PodAffinity(required=(term(ZONE, app="web"),)))
    c.add(bound("lonely", "a", {"app": "db"}, affinity=anti))
    pod = make_pod("web")
    pod.labels = {"app": "web"}
    rec = explain(c, pod)
    assert feasible(rec) == {"c"}
    f = next(f for f in rec["nodes"]["b"]["filters"] if f["plugin"] == "InterPodAffinity")
    assert f["reasons"] == ["node(s) didn't satisfy existing pods anti-affinity rules"]


def test_required_affinity_and_first_pod_of_a_group() -> None:
    c = Cluster()
    c.add(node("a", "z1"), node("b", "z2"))
    aff = Affinity(pod_affinity=PodAffinity(required=(term(ZONE, app="cache"),)))
    first = make_pod("c0", affinity=aff)
    first.labels = {"app": "cache"}
    assert feasible(explain(c, first)) == {"a", "b"}  # no pod matches anywhere, it matches itself
    stranger = make_pod("x", affinity=aff)
    rec = explain(c, stranger)
    assert feasible(rec) == set()
    f = next(f for f in rec["nodes"]["a"]["filters"] if f["plugin"] == "InterPodAffinity")
    assert f["code"] == "UnschedulableAndUnresolvable" and f["reasons"] == [
        "node(s) didn't match pod affinity rules"
    ]
    c.add(bound("c0", "b", {"app": "cache"}))
    assert feasible(explain(c, first)) == {"b"}


def test_preferred_affinity_and_anti_affinity_scores() -> None:
    c = Cluster()
    c.add(node("a", "z1"), node("b", "z2"), node("c", "z3"))
    c.add(bound("w", "a", {"app": "web"}), bound("d", "b", {"app": "db"}))
    pref = Affinity(
        pod_affinity=PodAffinity(preferred=(WeightedPodAffinityTerm(80, term(ZONE, app="web")),)),
        pod_anti_affinity=PodAffinity(preferred=(WeightedPodAffinityTerm(20, term(ZONE, app="db")),)),
    )
    rec = explain(c, make_pod("p", affinity=pref))
    raw = {n: plugin_score(rec, n, "InterPodAffinity") for n in "abc"}
    assert {n: s["raw"] for n, s in raw.items() if s} == {"a": 80, "b": -20, "c": 0}
    # int(100 * (s - min) / (max - min))
    assert {n: s["normalized"] for n, s in raw.items() if s} == {"a": 100, "b": 0, "c": 20}
    assert rec["selected"] == "a"


def test_existing_required_affinity_attracts_with_hard_weight() -> None:
    c = Cluster()
    c.add(node("a", "z1"), node("b", "z2"))
    aff = Affinity(pod_affinity=PodAffinity(required=(term(ZONE, app="web"),)))
    c.add(bound("sidecar", "a", {"app": "side"}, affinity=aff))
    pod = make_pod("web")
    pod.labels = {"app": "web"}
    rec = explain(c, pod)
    s = plugin_score(rec, "a", "InterPodAffinity")
    assert s is not None and s["raw"] == 1 and s["normalized"] == 100


def test_namespace_selector_and_match_label_keys() -> None:
    from models.policy import Namespace

    c = Cluster()
    c.add(node("a", "z1"), node("b", "z2"))
    c.add(Namespace(name="team", labels={"team": "x"}))
    other = bound("o", "a", {"app": "web", "v": "1"})
    other.namespace = "team"
    c.add(other)
    t = PodAffinityTerm(ZONE, LabelSelector({"app": "web"}), namespace_selector=LabelSelector({"team": "x"}))
    pod = make_pod("p", affinity=Affinity(pod_anti_affinity=PodAffinity(required=(t,))))
    assert feasible(explain(c, pod)) == {"b"}
    t2 = PodAffinityTerm(ZONE, LabelSelector({"app": "web"}), namespace_selector=LabelSelector({"team": "y"}))
    pod2 = make_pod("p2", affinity=Affinity(pod_anti_affinity=PodAffinity(required=(t2,))))
    assert feasible(explain(c, pod2)) == {"a", "b"}
    t3 = PodAffinityTerm(ZONE, LabelSelector({"app": "web"}), namespaces=("team",), match_label_keys=("v",))
    pod3 = make_pod("p3", affinity=Affinity(pod_anti_affinity=PodAffinity(required=(t3,))))
    pod3.labels = {"v": "2"}
    assert feasible(explain(c, pod3)) == {"a", "b"}  # v in (2) does not match v=1
    pod3.labels = {"v": "1"}
    assert feasible(explain(c, pod3)) == {"b"}
