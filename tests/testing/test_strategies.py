"""``simulator.testing.strategies``: every strategy's output loads through the real loader, round-trips through
YAML, refers only to what exists, simulates, and can reach the features that make it worth having."""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Callable
from typing import Any

import attrs
import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from models._kubesim import SUPPORTED_KUBERNETES_VERSIONS
from models.kubesim import NodePool, Scenario
from models.loader import load_text
from models.meta import KObject
from models.node import Node
from models.pod import Pod
from models.policy import PodDisruptionBudget, PriorityClass
from models.quantity import parse_quantity, resource_value
from models.schedconfig import KubeSchedulerConfiguration
from models.workloads import DaemonSet, Deployment, Job, ReplicaSet, ReplicationController, StatefulSet
from simulator.testing import strategies as S
from simulator.testing._hypothesis_entry import REGISTERED, _hypothesis_setup_hook
from simulator.testing._manifests import HOSTNAME_LABEL, NODE_SHAPES, TAINTS, quantity_forms
from simulator.testing.strategies import ClusterSpec, Manifest
from tests.simhelpers import run_guarded

CHEAP = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIND = settings(max_examples=2000, deadline=None, database=None, phases=[Phase.generate])


def snapshot(obj: KObject) -> tuple[str, dict[str, Any]]:
    """A comparable picture of a loaded object (live objects compare by identity)."""
    return type(obj).__name__, attrs.asdict(obj, recurse=True)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def assert_round_trip(documents: list[Manifest], *, yaml_loader: bool = False) -> list[KObject]:
    """The documents load through the real loader without errors or warnings, their YAML text reads back as
    the same manifests, and loading twice gives equal objects.

    The loader reads the manifests as one JSON ``List`` (what ``strategies.load`` does; JSON parses in C).
    With ``yaml_loader`` the YAML text also goes through ``load_text`` itself, whose pure-Python YAML parser
    costs about 20 ms a document, so the tests that use it take fewer examples.
    """
    text = S.to_yaml(documents)
    assert [d for d in yaml.load_all(text, Loader=_YAML_LOADER) if d is not None] == documents
    listed = json.dumps({"apiVersion": "v1", "kind": "List", "items": documents})
    result = load_text(listed, "generated.json")
    assert result.warnings == []
    assert len(result.objects) == len(documents)
    expected = [snapshot(o) for o in result.objects]
    assert [snapshot(o) for o in S.load(documents)] == expected
    if yaml_loader:
        from_text = load_text(text, "generated.yaml")
        assert from_text.warnings == []
        assert [snapshot(o) for o in from_text.objects] == expected
    return result.objects


# ---- quantities --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["cpu", "memory", "ephemeral-storage", "pods", "nvidia.com/gpu"])
def test_every_quantity_form_parses_back_to_its_amount(resource: str) -> None:
    for amount in [0, 1, 10, 100, 250, 1000, 1500, 2**20, 3 * 2**29, 10**9, 7244264 * 1024]:
        for text in quantity_forms(resource, amount):
            assert resource_value(resource, text) == amount, (resource, amount, text)
            assert parse_quantity(text) >= 0


@given(data=st.data())
def test_quantities_load_as_node_allocatable_and_container_requests(data: st.DataObject) -> None:
    resource = data.draw(st.sampled_from(["cpu", "memory", "ephemeral-storage", "pods", "nvidia.com/gpu"]))
    text = data.draw(S.quantities(resource))
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n"},
        "status": {"allocatable": {resource: text}},
    }
    (loaded,) = assert_round_trip([node])
    assert isinstance(loaded, Node)
    assert loaded.allocatable[resource] == resource_value(resource, text)
    if resource != "pods":
        limits = {"limits": {resource: text}} if resource == "nvidia.com/gpu" else {}
        container = {"name": "c", "image": "x", "resources": {"requests": {resource: text}, **limits}}
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"containers": [container]},
        }
        (loaded_pod,) = assert_round_trip([pod])
        assert isinstance(loaded_pod, Pod)
        assert loaded_pod.spec.containers[0].requests[resource] == resource_value(resource, text)


@given(text=S.quantities("cpu", min_value=200, max_value=2000))
def test_quantities_respect_their_bounds(text: str) -> None:
    assert 200 <= resource_value("cpu", text) <= 2000


# ---- single documents --------------------------------------------------------------------------------------

SINGLE: dict[str, Callable[[], st.SearchStrategy[Manifest]]] = {
    "nodes": S.nodes,
    "node_pools": lambda: S.node_pools(autoscaling=True),
    "pods": lambda: S.pods(
        priority_classes=["high-priority"],
        scheduler_names=["bin-packing"],
        node_name=True,
        node_names=["n-0"],
    ),
    "deployments": S.deployments,
    "replica_sets": S.replica_sets,
    "replication_controllers": S.replication_controllers,
    "stateful_sets": S.stateful_sets,
    "daemon_sets": S.daemon_sets,
    "jobs": S.jobs,
    "workloads in a namespace": lambda: S.workloads(namespace="shop", peers=["web", "default/api"]),
    "pod_disruption_budgets": S.pod_disruption_budgets,
    "priority_classes": lambda: S.priority_classes(global_default=True),
    "scheduler_configurations": lambda: S.scheduler_configurations(disable_filters=True, max_profiles=3),
    "scenarios": lambda: S.scenarios(
        node_names=["general-0", "general-1"], zones=["zone-a"], pools=["general"], failures=True
    ),
}


@pytest.mark.parametrize("name", sorted(SINGLE))
@given(data=st.data())
def test_every_document_strategy_round_trips_through_the_loader(name: str, data: st.DataObject) -> None:
    assert_round_trip([data.draw(SINGLE[name](), label=name)])


@pytest.mark.parametrize("name", sorted(SINGLE))
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_every_document_strategy_loads_from_its_yaml_text(name: str, data: st.DataObject) -> None:
    assert_round_trip([data.draw(SINGLE[name](), label=name)], yaml_loader=True)


@given(data=st.data())
def test_pod_features_switched_off_do_not_appear(data: st.DataObject) -> None:
    pod = data.draw(
        S.pods(
            requests=False,
            limits=False,
            init_containers=False,
            node_selector=False,
            affinity=False,
            spread=False,
            tolerations=False,
            host_ports=False,
            timing=False,
            extended_resources=True,  # needs requests
        )
    )
    spec = pod["spec"]
    for field in ("initContainers", "nodeSelector", "affinity", "topologySpreadConstraints", "tolerations"):
        assert field not in spec
    assert all("resources" not in c and "hostPort" not in str(c) for c in spec["containers"])
    assert_round_trip([pod])


def test_unknown_pod_features_are_rejected_when_the_strategy_is_built() -> None:
    with pytest.raises(TypeError, match="unknown pod feature"):
        S.deployments(afinity=False)  # type: ignore[call-arg]


@given(data=st.data())
def test_budgets_and_services_select_their_workload(data: st.DataObject) -> None:
    workload = data.draw(S.workloads(namespace=data.draw(st.sampled_from(["default", "shop"]))))
    budget = data.draw(S.pod_disruption_budgets(workload))
    service = data.draw(S.services(workload))
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    objects = assert_round_trip([namespace, workload, budget, service])
    _ns, loaded, pdb, svc = objects
    assert isinstance(pdb, PodDisruptionBudget) and pdb.selector is not None
    assert pdb.namespace == svc.namespace == loaded.namespace
    labels = loaded.template.labels  # type: ignore[attr-defined]
    assert pdb.selector.matches(labels)
    assert svc.selector and all(labels.get(k) == v for k, v in svc.selector.items())  # type: ignore[attr-defined]


@given(config=S.scheduler_configurations(disable_filters=True, max_profiles=3))
def test_scheduler_configurations_build_the_scheduler(config: Manifest) -> None:
    from simulator.simulation import Simulation

    (loaded,) = assert_round_trip([config])
    sim = Simulation([loaded])  # builds every profile: plugin names, weights and args are checked here
    assert sorted(sim.scheduler.profiles) == sorted(p["schedulerName"] for p in config["profiles"])


@given(data=st.data())
def test_fault_schedules_stay_within_the_run_and_name_what_exists(data: st.DataObject) -> None:
    nodes = data.draw(st.lists(st.sampled_from([f"general-{i}" for i in range(5)]), min_size=1, unique=True))
    zones = data.draw(st.lists(st.sampled_from(["zone-a", "zone-b"]), unique=True))
    duration = data.draw(st.sampled_from([300.0, 3600.0, 95.0]))
    timeline = data.draw(S.fault_schedules(nodes, zones, duration))
    scenario = {
        "apiVersion": "kubesim.dev/v1alpha1",
        "kind": "Scenario",
        "metadata": {"name": "faults"},
        "spec": {"duration": duration, "timeline": timeline},
    }
    (loaded,) = assert_round_trip([scenario])
    assert isinstance(loaded, Scenario)
    times = [entry.at for entry in loaded.timeline]
    assert times == sorted(times) and all(0 <= t <= duration for t in times)
    for entry in loaded.timeline:
        assert entry.params.get("node", nodes[0]) in nodes
        assert entry.params.get("zone", zones[0] if zones else None) in (*zones, None)


@given(processes=S.failure_processes(["general"], ["zone-a"], ["Deployment/web"], max_size=3))
def test_failure_processes_load(processes: list[Manifest]) -> None:
    scenario = {"apiVersion": "kubesim.dev/v1alpha1", "kind": "Scenario", "metadata": {"name": "f"}}
    (loaded,) = assert_round_trip([{**scenario, "spec": {"failures": processes}}])
    assert isinstance(loaded, Scenario) and len(loaded.failures) == len(processes)


def test_kubernetes_versions_are_the_loaders() -> None:
    assert sorted(S.KUBERNETES_VERSIONS) == sorted(SUPPORTED_KUBERNETES_VERSIONS)


# ---- whole clusters ----------------------------------------------------------------------------------------


def references_exist(spec: ClusterSpec) -> None:
    """Names are unique; tolerations, affinity terms and timeline entries refer to what the cluster has."""
    names = spec.node_names
    assert len(names) == len(set(names))
    node_taints = {
        (t["key"], t["effect"]) for d in spec.kinds("Node") for t in d.get("spec", {}).get("taints", [])
    }
    node_taints |= {
        (t["key"], t["effect"]) for d in spec.kinds("NodePool") for t in d["spec"].get("taints", [])
    }
    apps = {d["metadata"]["name"] for kind in S.WORKLOAD_KINDS for d in spec.kinds(kind)}
    apps |= {d["metadata"]["name"] for d in spec.kinds("Pod")}
    for doc in spec.documents:
        pod_spec = doc.get("spec", {}).get("template", {}).get("spec") or (
            doc["spec"] if doc["kind"] == "Pod" else None
        )
        if pod_spec is None:
            continue
        for toleration in pod_spec.get("tolerations", []):
            if "key" in toleration and node_taints:
                assert any(toleration["key"] == key for key, _effect in node_taints), toleration
        for kind in ("podAffinity", "podAntiAffinity"):
            terms = pod_spec.get("affinity", {}).get(kind, {})
            required = terms.get("requiredDuringSchedulingIgnoredDuringExecution", [])
            preferred = [
                t["podAffinityTerm"] for t in terms.get("preferredDuringSchedulingIgnoredDuringExecution", [])
            ]
            for term in required + preferred:
                selector = term["labelSelector"]
                selected = selector.get("matchLabels", {}).get("app")
                values = (selected and [selected]) or selector["matchExpressions"][0]["values"]
                assert set(values) <= apps, (values, apps)
    scenario = spec.kinds("Scenario")[0]
    for entry in scenario["spec"].get("timeline", []):
        if "node" in entry:
            assert entry["node"] in names
        if "zone" in entry:
            assert entry["zone"] in spec.zones


@CHEAP
@given(spec=S.clusters(namespaces=("default", "shop"), autoscaling=True, failures=True, node_name=True))
def test_clusters_round_trip_and_refer_only_to_what_exists(spec: ClusterSpec) -> None:
    objects = assert_round_trip(spec.documents)
    assert 1 <= len(spec.node_names) <= 20
    assert sum(isinstance(o, Scenario) for o in objects) == 1
    assert sum(isinstance(o, PriorityClass) and o.global_default for o in objects) <= 1
    references_exist(spec)
    again = ClusterSpec.from_yaml(spec.to_yaml())
    assert again.documents == spec.documents and again.to_yaml() == spec.to_yaml()


@settings(max_examples=8, deadline=None)
@given(spec=S.clusters(max_nodes=6, namespaces=("default", "batch"), autoscaling=True, failures=True))
def test_cluster_yaml_text_loads_through_load_text(spec: ClusterSpec) -> None:
    assert_round_trip(spec.documents, yaml_loader=True)


@CHEAP
@given(spec=S.clusters(min_nodes=0, max_nodes=3, max_workloads=6, max_replicas=2))
def test_cluster_repr_is_yaml_that_rebuilds_it(spec: ClusterSpec) -> None:
    assert repr(spec).startswith("ClusterSpec.from_yaml(")
    rebuilt = eval(repr(spec), {"ClusterSpec": ClusterSpec})
    assert rebuilt.documents == spec.documents
    assert rebuilt.seed == spec.seed and rebuilt.node_names == spec.node_names


# node_name=True: a Deployment bound by spec.nodeName to a node too small for it loops (kubelet rejects,
# ReplicaSet recreates), as in Kubernetes, one API latency (kubelet_admission_rejection_latency) per round.
@CHEAP
@given(
    spec=S.clusters(
        max_nodes=10, namespaces=("default", "shop"), autoscaling=True, failures=True, node_name=True
    )
)
def test_generated_clusters_simulate(spec: ClusterSpec) -> None:
    sim = spec.simulation()
    run_guarded(sim, min(spec.duration, 300.0))  # fails, rather than hangs, if virtual time stops
    nodes = {n.name for n in sim.store.list("Node")}
    assert set(spec.node_names) <= nodes
    # Timeline entries name what exists; only a node the cluster autoscaler removed, or a pod something else
    # deleted first (e.g. a nodeName pod evicted at once from a node with a NoExecute taint it does not
    # tolerate), can be missing later.
    assert all(
        (": node " in error or ": pod " in error) and "does not exist" in error
        for error in sim.timeline_errors
    )


# ---- Hypothesis' type registry -----------------------------------------------------------------------------

REGISTERED_TYPES = [
    Node,
    Pod,
    Deployment,
    ReplicaSet,
    ReplicationController,
    StatefulSet,
    DaemonSet,
    Job,
    PodDisruptionBudget,
    PriorityClass,
    NodePool,
    Scenario,
    KubeSchedulerConfiguration,
]


def test_the_entry_point_is_declared() -> None:
    hooks = [e for e in importlib.metadata.entry_points(group="hypothesis") if e.name == "kubesim"]
    if not hooks:
        pytest.skip("kubesim is not installed (pip install -e .) so its entry point is not registered")
    assert hooks[0].value == "simulator.testing._hypothesis_entry:_hypothesis_setup_hook"
    assert {cls.__name__ for cls in REGISTERED_TYPES} == {name for _module, name in REGISTERED}


@pytest.mark.parametrize("cls", REGISTERED_TYPES, ids=lambda c: c.__name__)
def test_from_type_builds_loaded_objects(cls: type) -> None:
    _hypothesis_setup_hook()  # idempotent; also covers running from a checkout that is not installed

    @settings(max_examples=5, deadline=None, database=None)
    @given(obj=st.from_type(cls))
    def check(obj: Any) -> None:
        assert type(obj) is cls

    check()


def test_from_type_builds_cluster_specs() -> None:
    _hypothesis_setup_hook()
    spec = find(st.from_type(ClusterSpec), lambda s: len(s.node_names) > 1, settings=FIND)
    assert isinstance(spec, ClusterSpec)


# ---- reachability: the strategies produce the cases that matter --------------------------------------------


def _spec_of(doc: Manifest) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"] if "template" in doc["spec"] else doc["spec"]


def required_anti_affinity(pod: Manifest) -> bool:
    anti = pod["spec"].get("affinity", {}).get("podAntiAffinity", {})
    return "requiredDuringSchedulingIgnoredDuringExecution" in anti


def hard_spread_with_min_domains(pod: Manifest) -> bool:
    constraints = pod["spec"].get("topologySpreadConstraints", [])
    return any(c["whenUnsatisfiable"] == "DoNotSchedule" and "minDomains" in c for c in constraints)


def timed_no_execute_toleration(pod: Manifest) -> bool:
    tolerations = pod["spec"].get("tolerations", [])
    return any(t.get("effect") == "NoExecute" and "tolerationSeconds" in t for t in tolerations)


def sidecar(pod: Manifest) -> bool:
    return any(c.get("restartPolicy") == "Always" for c in pod["spec"].get("initContainers", []))


def numeric_node_affinity(pod: Manifest) -> bool:
    node = pod["spec"].get("affinity", {}).get("nodeAffinity", {})
    terms = node.get("requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms", [])
    return any(e["operator"] in ("Gt", "Lt") for t in terms for e in t["matchExpressions"])


def gpu_request(pod: Manifest) -> bool:
    return any(
        "nvidia.com/gpu" in c.get("resources", {}).get("limits", {}) for c in pod["spec"]["containers"]
    )


POD_FEATURES = [
    required_anti_affinity,
    hard_spread_with_min_domains,
    timed_no_execute_toleration,
    sidecar,
    numeric_node_affinity,
    gpu_request,
]


@pytest.mark.parametrize("condition", POD_FEATURES, ids=lambda c: c.__name__)
def test_pods_reach_the_features_that_constrain_scheduling(condition: Callable[[Manifest], bool]) -> None:
    find(S.pods(), condition, settings=FIND)


def test_nodes_reach_taints_cordons_and_small_shapes() -> None:
    find(
        S.nodes(),
        lambda n: any(t["effect"] == "NoSchedule" for t in n.get("spec", {}).get("taints", [])),
        settings=FIND,
    )
    find(S.nodes(), lambda n: n.get("spec", {}).get("unschedulable") is True, settings=FIND)
    find(S.nodes(), lambda n: n["status"]["allocatable"]["pods"] == "11", settings=FIND)
    assert {t["effect"] for t in TAINTS} == {"NoSchedule", "PreferNoSchedule", "NoExecute"}
    assert len({s.instance_type for s in NODE_SHAPES}) == len(NODE_SHAPES)


def test_scheduler_configurations_reach_scoring_strategies_and_plugin_subsets() -> None:
    def args(config: Manifest, plugin: str) -> list[dict[str, Any]]:
        return [
            c["args"] for p in config["profiles"] for c in p.get("pluginConfig", []) if c["name"] == plugin
        ]

    for strategy in ("MostAllocated", "RequestedToCapacityRatio"):
        find(
            S.scheduler_configurations(),
            lambda c, s=strategy: any(a["scoringStrategy"]["type"] == s for a in args(c, "NodeResourcesFit")),
            settings=FIND,
        )  # type: ignore[misc]
    find(
        S.scheduler_configurations(),
        lambda c: any(
            "multiPoint" in p.get("plugins", {}) and "disabled" in p["plugins"]["multiPoint"]
            for p in c["profiles"]
        ),
        settings=FIND,
    )
    find(
        S.scheduler_configurations(),
        lambda c: any(
            p.get("plugins", {}).get("score", {}).get("disabled") == [{"name": "*"}] for p in c["profiles"]
        ),
        settings=FIND,
    )
    find(S.scheduler_configurations(), lambda c: len(c["profiles"]) == 2, settings=FIND)


def _workload_pod_specs(spec: ClusterSpec) -> list[dict[str, Any]]:
    return [_spec_of(d) for d in spec.documents if d["kind"] in S.WORKLOAD_KINDS]


def one_per_node(spec: ClusterSpec) -> bool:
    """A workload whose pods repel each other per node (required anti-affinity to its own app)."""
    for kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        for doc in spec.kinds(kind):
            anti = _spec_of(doc).get("affinity", {}).get("podAntiAffinity", {})
            for term in anti.get("requiredDuringSchedulingIgnoredDuringExecution", []):
                own = term["labelSelector"].get("matchLabels", {}).get("app") == doc["metadata"]["name"]
                if own and term["topologyKey"] == HOSTNAME_LABEL:
                    return True
    return False


def drained_under_budget(spec: ClusterSpec) -> bool:
    timeline = spec.kinds("Scenario")[0]["spec"]["timeline"]
    return bool(spec.kinds("PodDisruptionBudget")) and any(e["action"] == "drain" for e in timeline)


def tolerated_taint(spec: ClusterSpec) -> bool:
    taints = {t["key"] for d in spec.kinds("Node") for t in d.get("spec", {}).get("taints", [])}
    return any(t.get("key") in taints for p in _workload_pod_specs(spec) for t in p.get("tolerations", []))


def uses_priority_class(spec: ClusterSpec) -> bool:
    return any("priorityClassName" in p for p in _workload_pod_specs(spec))


def custom_profile(spec: ClusterSpec) -> bool:
    return any(p.get("schedulerName") == "bin-packing" for p in _workload_pod_specs(spec))


def largest(spec: ClusterSpec) -> bool:
    return len(spec.node_names) >= 18 and len(spec.zones) == 3


def pools_and_nodes(spec: ClusterSpec) -> bool:
    return {"NodePool", "Node"} <= {d["kind"] for d in spec.documents}


def zone_outage(spec: ClusterSpec) -> bool:
    return any(e["action"] == "zoneOutage" for e in spec.kinds("Scenario")[0]["spec"]["timeline"])


CLUSTER_FEATURES = [
    one_per_node,
    drained_under_budget,
    tolerated_taint,
    uses_priority_class,
    custom_profile,
    largest,
    pools_and_nodes,
    zone_outage,
]


@pytest.mark.parametrize("condition", CLUSTER_FEATURES, ids=lambda c: c.__name__)
def test_clusters_reach_the_interactions_that_matter(condition: Callable[[ClusterSpec], bool]) -> None:
    find(S.clusters(max_nodes=20 if condition is largest else 5), condition, settings=FIND)
