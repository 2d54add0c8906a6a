"""The loader: good manifests of every kind become the right objects with Kubernetes' defaults; bad ones fail
with one clear line per problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.errors import InputError
from models.kubesim import NodePool, Scenario, ScenarioDefaults, TimelineAction
from models.loader import KINDS, MAX_ERRORS, load_paths, load_text
from models.meta import KObject
from models.networking import Ingress, IngressPath, Service, ServicePort
from models.node import ContainerImage, Node
from models.pod import Pod, Taint, Toleration
from models.policy import HorizontalPodAutoscaler, HPAMetric, Namespace, PodDisruptionBudget, PriorityClass
from models.schedconfig import KubeSchedulerConfiguration, PluginRef
from models.workloads import (
    CronJob,
    DaemonSet,
    Deployment,
    Job,
    ReplicaSet,
    ReplicationController,
    StatefulSet,
)

CORPUS = Path(__file__).parent.parent / "corpus"
SHOP = CORPUS / "good" / "shop.yaml"

SCENARIO = "apiVersion: kubesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\n"
POD = """
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: busybox}]
"""


def load_one(text: str, **kwargs: bool) -> KObject:
    result = load_text(text, "t.yaml", **kwargs)
    assert len(result.objects) == 1
    return result.objects[0]


def errors_of(text: str, filename: str = "t.yaml", **kwargs: bool) -> list[str]:
    with pytest.raises(InputError) as info:
        load_text(text, filename, **kwargs)
    return info.value.errors


@pytest.fixture(scope="module")
def shop() -> dict[str, KObject]:
    result = load_paths([SHOP])
    assert result.warnings == []
    return {f"{o.kind}/{o.key}": o for o in result.objects}


def test_shop_loads_every_kind_in_document_order() -> None:
    kinds = [o.kind for o in load_paths([SHOP]).objects]
    assert set(kinds) == set(KINDS)
    assert kinds[:3] == ["Namespace", "Node", "NodePool"]
    assert kinds[-1] == "Scenario"


def test_namespace(shop: dict[str, KObject]) -> None:
    ns = shop["Namespace/shop"]
    assert isinstance(ns, Namespace)
    assert ns.namespace == "" and ns.labels == {"team": "web"}


def test_node_status_and_defaults(shop: dict[str, KObject]) -> None:
    node = shop["Node/node-a"]
    assert isinstance(node, Node)
    assert node.labels["kubernetes.io/hostname"] == "node-a"
    assert node.zone == "zone-a"
    assert node.capacity == {"cpu": 8000, "memory": 32 * 2**30, "pods": 60}
    # allocatable defaults per resource to capacity (pods here)
    assert node.allocatable == {"cpu": 7800, "memory": 30 * 2**30, "pods": 60}
    assert node.taints == (Taint(key="dedicated", value="batch", effect="NoSchedule"),)
    assert node.images == (ContainerImage(("nginx:1.27",), 70000000),)
    assert node.ready == "True"


def test_node_allocatable_defaults_to_capacity_and_pods_to_110() -> None:
    node = load_one("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus: {capacity: {cpu: 2}}\n")
    assert isinstance(node, Node)
    assert node.allocatable == node.capacity == {"cpu": 2000, "pods": 110}
    bare = load_one("apiVersion: v1\nkind: Node\nmetadata: {name: n, labels: {kubernetes.io/hostname: x}}\n")
    assert isinstance(bare, Node)
    assert bare.allocatable == {"pods": 110}
    assert bare.labels == {"kubernetes.io/hostname": "x"}


def test_node_ready_condition() -> None:
    node = load_one(
        "apiVersion: v1\nkind: Node\nmetadata: {name: n}\n"
        "status: {conditions: [{type: Ready, status: Unknown}]}"
    )
    assert isinstance(node, Node) and node.ready == "Unknown"


def test_nodepool(shop: dict[str, KObject]) -> None:
    pool = shop["NodePool/general"]
    assert isinstance(pool, NodePool)
    assert pool.count == 4
    assert pool.allocatable == {"cpu": 4000, "memory": 16 * 2**30, "pods": 110}
    assert pool.capacity is None
    assert pool.node_labels == {"node.kubernetes.io/instance-type": "m5.xlarge"}
    assert pool.zones == ("zone-a", "zone-b")
    assert pool.price_per_hour == pytest.approx(0.192)
    assert (pool.min, pool.max, pool.provisioning_delay) == (2, 10, 120.0)


def test_priorityclass(shop: dict[str, KObject]) -> None:
    pc = shop["PriorityClass/high"]
    assert isinstance(pc, PriorityClass)
    assert (pc.value, pc.global_default, pc.preemption_policy) == (100000, False, "PreemptLowerPriority")


def test_deployment_and_its_template(shop: dict[str, KObject]) -> None:
    d = shop["Deployment/shop/web"]
    assert isinstance(d, Deployment)
    assert d.replicas == 4 and d.namespace == "shop"
    assert (d.strategy_type, d.max_surge, d.max_unavailable) == ("RollingUpdate", 1, 0)
    assert (d.revision_history_limit, d.progress_deadline_seconds, d.paused) == (10, 600, False)
    assert d.selector.matches({"app": "web"})
    t = d.template
    assert t.labels == {"app": "web", "tier": "frontend"}
    assert t.annotations["kubesim.dev/crash-mtbf-seconds"] == "2h"
    spec = t.spec
    (c,) = spec.containers
    assert c.requests == {"cpu": 250, "memory": 256 * 2**20}
    assert c.limits == {"cpu": 1000, "memory": 512 * 2**20}
    assert c.readiness_delay_seconds == 5.0
    assert c.ports[0].container_port == 80 and c.ports[0].host_port == 0
    assert spec.priority is None and spec.priority_class_name == "high"
    assert spec.scheduler_name == "default-scheduler"
    assert spec.termination_grace_period_seconds == 30
    assert spec.restart_policy == "Always"
    assert spec.affinity is not None and spec.affinity.pod_anti_affinity is not None
    (pref,) = spec.affinity.pod_anti_affinity.preferred
    assert pref.weight == 50 and pref.term.topology_key == "kubernetes.io/hostname"
    (tsc,) = spec.topology_spread_constraints
    assert (tsc.max_skew, tsc.when_unsatisfiable, tsc.node_affinity_policy, tsc.node_taints_policy) == (
        1,
        "DoNotSchedule",
        "Honor",
        "Ignore",
    )


def test_deployment_defaults() -> None:
    d = load_one(
        """
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {a: b}}
  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}
"""
    )
    assert isinstance(d, Deployment)
    assert (d.replicas, d.max_surge, d.max_unavailable, d.namespace) == (1, "25%", "25%", "default")
    assert d.template.spec.containers[0].readiness_delay_seconds is None


def test_service_and_ingress(shop: dict[str, KObject]) -> None:
    svc = shop["Service/shop/web"]
    assert isinstance(svc, Service)
    assert svc.selector == {"app": "web"} and svc.type == "ClusterIP"
    assert svc.ports == (ServicePort(80, "http", "TCP", "http"), ServicePort(443, 8443, "TCP", "https"))
    ing = shop["Ingress/shop/shop"]
    assert isinstance(ing, Ingress)
    assert ing.ingress_class_name == "nginx"
    assert ing.routes == (
        IngressPath("web", "shop.example.com", "/", "Prefix", 80),
        IngressPath("api", "shop.example.com", "/api", "Exact", "http"),
    )


def test_service_without_selector_has_none() -> None:
    svc = load_one("apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {ports: [{port: 80}]}")
    assert isinstance(svc, Service) and svc.selector is None


def test_pdb_and_hpa(shop: dict[str, KObject]) -> None:
    pdb = shop["PodDisruptionBudget/shop/web"]
    assert isinstance(pdb, PodDisruptionBudget)
    assert (pdb.min_available, pdb.max_unavailable) == ("75%", None)
    hpa = shop["HorizontalPodAutoscaler/shop/web"]
    assert isinstance(hpa, HorizontalPodAutoscaler)
    assert (hpa.target_kind, hpa.target_name, hpa.min_replicas, hpa.max_replicas) == (
        "Deployment",
        "web",
        2,
        12,
    )
    assert hpa.metrics == (HPAMetric("cpu", 60),)
    assert hpa.scale_down.stabilization_window_seconds == 120
    assert hpa.scale_down.policies is not None and hpa.scale_down.policies[0].type == "Percent"
    assert hpa.scale_up.policies is None


def test_hpa_defaults_to_cpu_80_percent() -> None:
    hpa = load_one(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n"
        "spec: {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3}"
    )
    assert isinstance(hpa, HorizontalPodAutoscaler)
    assert hpa.metrics == (HPAMetric("cpu", 80),) and hpa.min_replicas == 1


def test_statefulset_daemonset(shop: dict[str, KObject]) -> None:
    sts = shop["StatefulSet/shop/db"]
    assert isinstance(sts, StatefulSet)
    assert (sts.replicas, sts.service_name, sts.pod_management_policy, sts.partition) == (
        3,
        "db",
        "Parallel",
        1,
    )
    assert sts.template.spec.termination_grace_period_seconds == 60
    ds = shop["DaemonSet/kube-system/logs"]
    assert isinstance(ds, DaemonSet)
    assert (ds.max_unavailable, ds.max_surge, ds.update_strategy_type) == (1, 0, "RollingUpdate")
    assert ds.template.spec.tolerations == (Toleration(operator="Exists"),)


def test_job_and_cronjob(shop: dict[str, KObject]) -> None:
    job = shop["Job/shop/report"]
    assert isinstance(job, Job)
    assert (job.completions, job.parallelism, job.backoff_limit, job.selector) == (5, 2, 6, None)
    assert job.template.spec.restart_policy == "OnFailure"
    cron = shop["CronJob/shop/nightly"]
    assert isinstance(cron, CronJob)
    assert (cron.schedule, cron.concurrency_policy, cron.successful_jobs_history_limit) == (
        "0 2 * * *",
        "Forbid",
        3,
    )
    assert cron.job_template is not None
    assert cron.job_template.parallelism == 1 and cron.job_template.backoff_limit == 6
    assert cron.job_template.template.spec.restart_policy == "Never"


def test_replicationcontroller_defaults_selector_and_labels_from_template(shop: dict[str, KObject]) -> None:
    rc = shop["ReplicationController/shop/legacy"]
    assert isinstance(rc, ReplicationController)
    assert rc.selector.match_labels == {"app": "legacy"}
    assert rc.labels == {"app": "legacy"}


def test_replicaset_limits_default_requests(shop: dict[str, KObject]) -> None:
    rs = shop["ReplicaSet/shop/api"]
    assert isinstance(rs, ReplicaSet)
    (c,) = rs.template.spec.containers
    assert c.requests == c.limits == {"cpu": 500, "memory": 2**30, "example.com/gpu": 1}


def test_pod_bound_by_node_name(shop: dict[str, KObject]) -> None:
    pod = shop["Pod/shop/debug"]
    assert isinstance(pod, Pod)
    assert pod.spec.node_name == pod.node_name == "node-a"
    assert pod.spec.restart_policy == "Never"
    assert pod.phase == "Pending"


def test_scheduler_configuration(shop: dict[str, KObject]) -> None:
    cfg = shop["KubeSchedulerConfiguration/kube-scheduler-config"]
    assert isinstance(cfg, KubeSchedulerConfiguration)
    assert cfg.percentage_of_nodes_to_score == 50
    assert (cfg.pod_initial_backoff_seconds, cfg.pod_max_backoff_seconds) == (1.0, 10.0)
    default, packer = cfg.profiles
    assert default.plugins["score"].enabled == (PluginRef("NodeResourcesBalancedAllocation", 2),)
    assert default.plugins["score"].disabled == (PluginRef("ImageLocality"),)
    assert default.plugin_config["NodeResourcesFit"]["scoringStrategy"]["type"] == "MostAllocated"
    assert packer.scheduler_name == "bin-packer"
    assert packer.plugins["multiPoint"].disabled == (PluginRef("*"),)
    assert packer.plugins["multiPoint"].enabled == (PluginRef("mypkg.plugins:BinPack"),)


def test_scheduler_configuration_defaults() -> None:
    cfg = load_one("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n")
    assert isinstance(cfg, KubeSchedulerConfiguration)
    assert cfg.name == "kube-scheduler-config"
    assert len(cfg.profiles) == 1 and cfg.profiles[0].scheduler_name == "default-scheduler"


def test_scenario(shop: dict[str, KObject]) -> None:
    sc = shop["Scenario/zone-outage"]
    assert isinstance(sc, Scenario)
    assert (sc.duration, sc.seed, sc.kubernetes_version) == (7200.0, 42, "1.34")
    assert sc.defaults == ScenarioDefaults(4.0, 1.0, 0.5)
    assert [a.action for a in sc.timeline] == [
        "crashNode",
        "recoverNode",
        "cordon",
        "uncordon",
        "scale",
        "rollout",
        "deletePod",
        "addNodes",
        "removeNode",
    ]
    assert sc.timeline[4] == TimelineAction(
        2400.0, "scale", {"target": "Deployment/web", "namespace": "shop", "replicas": 8}, 4
    )
    assert sc.timeline[6].params == {"pod": "shop/debug"}


def test_scenario_defaults() -> None:
    sc = load_one(SCENARIO)
    assert isinstance(sc, Scenario)
    assert (sc.duration, sc.seed, sc.kubernetes_version, sc.timeline) == (3600.0, 0, "1.35", ())


@pytest.mark.parametrize(
    ("written", "version"), [("1.35", "1.35"), ("1.31", "1.31"), ('"1.32"', "1.32"), ("v1.33.2", "1.33")]
)
def test_kubernetes_version_forms(written: str, version: str) -> None:
    sc = load_one(f"{SCENARIO}spec: {{kubernetesVersion: {written}}}")
    assert isinstance(sc, Scenario) and sc.kubernetes_version == version


def test_supported_versions_match_simulator_defaults() -> None:
    from models._kubesim import SUPPORTED_KUBERNETES_VERSIONS
    from simulator.defaults import SUPPORTED_VERSIONS

    assert SUPPORTED_KUBERNETES_VERSIONS == SUPPORTED_VERSIONS


# ---- documents, files, lists -------------------------------------------------------------------------------


def test_empty_documents_are_skipped_but_counted() -> None:
    second = POD.replace("name: p", "name: q").replace("image: busybox", "imagez: x")
    errors = errors_of(POD + "---\n---\n" + second)
    assert errors == [
        "error: t.yaml: document 3 (Pod/q): spec.containers[0].image: required field is missing",
        'error: t.yaml: document 3 (Pod/q): spec.containers[0].imagez: unknown field "imagez"',
    ]


def test_list_kinds_expand_items() -> None:
    text = """
apiVersion: v1
kind: PodList
items:
- metadata: {name: a}
  spec: {containers: [{name: c, image: i}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: b}
  spec: {containers: [{name: c, image: i}]}
"""
    objs = load_text(text).objects
    assert [o.name for o in objs] == ["a", "b"]
    errors = errors_of(text.replace("image: i}]}\n- api", "imag: i}]}\n- api"))
    assert (
        'error: t.yaml: document 1 (Pod/a): items[0].spec.containers[0].imag: unknown field "imag"' in errors
    )


def test_all_errors_are_collected_and_capped() -> None:
    docs = "\n---\n".join(POD.replace("name: p", f"name: p{i}").replace("busybox", "") for i in range(30))
    errors = errors_of(docs)
    assert len(errors) == MAX_ERRORS + 1
    assert (
        errors[0] == "error: t.yaml: document 1 (Pod/p0): spec.containers[0].image: required field is missing"
    )
    assert errors[-1] == "error: 10 more errors not shown"


def test_error_line_shapes() -> None:
    (line,) = errors_of(
        """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, resources: {requests: {cpu: five}}}]
""",
        "shop.yaml",
    )
    assert line == (
        "error: shop.yaml: document 1 (Deployment/web): "
        'spec.template.spec.containers[0].resources.requests.cpu: "five" is not a quantity'
    )
    assert errors_of("kind: Deployment\napiVersion: apps/v1\nspec: {}\n") == [
        "error: t.yaml: document 1 (Deployment/?): metadata: required field is missing",
        "error: t.yaml: document 1 (Deployment/?): spec.selector: required field is missing",
        "error: t.yaml: document 1 (Deployment/?): spec.template: required field is missing",
    ]
    assert errors_of("- a\n- b\n") == [
        "error: t.yaml: document 1 (?): a document must be a mapping, got a list"
    ]


def test_lenient_turns_unsupported_fields_into_warnings() -> None:
    text = POD + "  runtimeClassName: gvisor\n"
    (error,) = errors_of(text)
    assert error.endswith(
        "spec.runtimeClassName: field is not supported by kubesim (it would change behaviour); "
        "use --lenient to ignore it"
    )
    result = load_text(text, "t.yaml", lenient=True)
    assert len(result.objects) == 1
    assert result.warnings == [
        "warning: t.yaml: document 1 (Pod/p): spec.runtimeClassName: field is not supported by kubesim "
        "(it would change behaviour); ignored (--lenient)"
    ]


def test_lenient_keeps_future_scenario_sections_in_extra() -> None:
    text = SCENARIO + "spec: {objectives: [{x: 1}]}\n"
    assert "not supported by kubesim yet" in errors_of(text)[0]
    sc = load_text(text, lenient=True).objects[0]
    assert isinstance(sc, Scenario) and sc.extra == {"objectives": [{"x": 1}]}


def test_lenient_does_not_excuse_invalid_input() -> None:
    assert errors_of(POD.replace("name: p", "name: P"), lenient=True)


def test_ignored_fields_and_status_pass_silently() -> None:
    text = POD.replace(
        "metadata: {name: p}",
        "metadata: {name: p, uid: x, resourceVersion: '3', creationTimestamp: 2024-01-01T00:00:00Z}",
    )
    text += "  dnsPolicy: ClusterFirst\n  securityContext: {runAsUser: 1000}\nstatus: {phase: Running}\n"
    result = load_text(text)
    assert result.warnings == [] and isinstance(result.objects[0], Pod)
    assert result.objects[0].phase == "Pending"


def test_timing_annotations_only_on_pods_and_templates() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n"
    text += "  annotations: {kubesim.dev/startup-seconds: '1'}\n"
    assert "belong on a Pod or a pod template" in errors_of(text)[0]


def test_annotation_values_must_be_strings() -> None:
    (error,) = errors_of(
        POD.replace("metadata: {name: p}", "metadata: {name: p, annotations: {kubesim.dev/ready-seconds: 5}}")
    )
    assert (
        'metadata.annotations[kubesim.dev/ready-seconds]: expected a string, got an integer 5 (quote it: "5")'
        in error
    )


def test_timeline_after_duration_warns() -> None:
    text = SCENARIO + "spec: {duration: 10m, timeline: [{at: 1h, action: cordon, node: n}]}\n"
    result = load_text(text)
    assert result.warnings == [
        "warning: <string>: document 1 (Scenario/s): spec.timeline[0].at: 3600s is after the end of the "
        "scenario (600s); the action will not run"
    ]


def test_job_needs_restart_policy_and_auto_selector() -> None:
    text = (
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  selector: {matchLabels: {a: b}}\n"
        "  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}\n"
    )
    errors = errors_of(text)
    assert any("spec.selector: `selector` will be auto-generated" in e for e in errors)
    assert any("spec.template.spec.restartPolicy: required field is missing" in e for e in errors)


def test_extended_resources_must_not_overcommit() -> None:
    text = POD.replace("image: busybox}", "image: i, resources: {requests: {example.com/gpu: 1}}}")
    (error,) = errors_of(text)
    assert "requests[example.com/gpu]: limit must be set for non overcommitable resources" in error
    assert (
        "must be a standard resource type"
        in errors_of(POD.replace("image: busybox}", "image: i, resources: {requests: {gpu: 1}}}"))[0]
    )


def test_node_selector_term_validation() -> None:
    text = POD + (
        "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
        "[{matchExpressions: [{key: a, operator: Gt, values: ['1', '2']}], "
        "matchFields: [{key: name, operator: In, values: [x]}]}]}}}\n"
    )
    errors = errors_of(text)
    assert any("matchExpressions[0].values: must be specified single value" in e for e in errors)
    assert any('matchFields[0].key: unsupported value "name"' in e for e in errors)


# ---- files and directories ---------------------------------------------------------------------------------


def test_directories_expand_recursively_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.yml").write_text(POD.replace("name: p", "name: two"))
    (tmp_path / "a.yaml").write_text(POD.replace("name: p", "name: one"))
    (tmp_path / "notes.txt").write_text("not yaml")
    pod = load_text(POD).objects[0]
    assert isinstance(pod, Pod)
    doc = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "three"}}
    doc["spec"] = {"containers": [{"name": "c", "image": "i"}]}
    (tmp_path / "c.json").write_text(json.dumps(doc))
    names = [o.name for o in load_paths([tmp_path]).objects]
    assert names == ["one", "two", "three"]


def test_missing_files_and_duplicates_across_files(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text(POD)
    with pytest.raises(InputError) as info:
        load_paths([str(a), "nope.yaml", str(a)])
    assert info.value.errors == [
        "error: nope.yaml: no such file or directory",
        f'error: {a}: document 1 (Pod/p): metadata.name: duplicate Pod "default/p": already defined in {a}: '
        "document 1",
    ]


def test_json_syntax_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"kind": "Pod",\n "apiVersion": }')
    with pytest.raises(InputError) as info:
        load_paths([bad])
    assert info.value.errors[0].startswith(f"error: {bad}: line 2 column 16: ")


def test_input_error_is_exported() -> None:
    import models.errors

    assert models.errors.__all__ == ["InputError"]
    assert str(InputError(["error: a", "error: b"])) == "error: a\nerror: b"


# ---- the corpus of broken documents ------------------------------------------------------------------------

BAD = sorted((CORPUS / "bad").glob("*.yaml"))


def test_corpus_is_big_enough() -> None:
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_document_is_reported(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: ")
    expected = first.removeprefix("# expect: ")
    with pytest.raises(InputError) as info:
        load_paths([str(path)])
    lines = info.value.errors
    matching = [line for line in lines if expected in line]
    assert matching, f"no error contains {expected!r}: {lines}"
    assert all(line.startswith("error: ") for line in lines)
    assert all(str(path) in line for line in matching)
