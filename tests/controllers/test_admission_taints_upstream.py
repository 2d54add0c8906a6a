"""Admission (Priority, DefaultTolerationSeconds) and node condition taints: facts ported from Kubernetes' tests.

Sources (inputs and expected results only): plugin/pkg/admission/priority/admission_test.go (TestPodAdmission,
TestDefaultPriority) and admission.go (``admitPod``, ``getDefaultPriorityClass``: the lowest-valued of several
globalDefault classes; ``getDefaultPriority``: no default means priority 0 and PreemptLowerPriority);
plugin/pkg/admission/defaulttolerationseconds/admission_test.go (TestForgivenessAdmission) and admission.go (a
toleration with the key or an empty key, and effect NoExecute or empty, counts; the defaults are appended);
pkg/controller/nodelifecycle/node_lifecycle_controller_test.go (TestTaintsNodeByCondition, TestApplyNoExecuteTaints)
and node_lifecycle_controller.go (``doNoScheduleTaintingPass``: ``spec.unschedulable`` gives
``node.kubernetes.io/unschedulable:NoSchedule``). Cases already in test_nodelifecycle_upstream.py,
test_taint_eviction_upstream.py and test_admission_timeline.py are not repeated. Each case id names its upstream
test and case.
"""

from __future__ import annotations

import pytest

from models.pod import Pod, PodSpec, Toleration
from models.policy import PriorityClass
from simulator.admission import AdmissionError, PodAdmission
from simulator.defaults import defaults_for
from simulator.engine import Engine
from simulator.store import Store
from tests.simhelpers import events, pool, scenario, sim_from

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"

# The PriorityClasses of priority/admission_test.go.
DEFAULT1 = {"name": "default1", "value": 1000, "global_default": True}
DEFAULT2 = {"name": "default2", "value": 2000, "global_default": True}
NONDEFAULT1 = {"name": "nondefault1", "value": 2000}
SYSTEM_CLUSTER_CRITICAL = {"name": "system-cluster-critical", "value": 2000000000}
PREEMPTION_POLICY_CLASS = {"name": "nopreemptionpolicy", "value": 2000, "global_default": True}
NEVER_CLASS = {
    "name": "nopreemptionpolicy",
    "value": 2000,
    "global_default": True,
    "preemption_policy": "Never",
}


def store_with(*classes: dict[str, object]) -> Store:
    store = Store(Engine())
    store.admit("Pod", PodAdmission(store, defaults_for("1.35")))
    for fields in classes:
        store.add(PriorityClass(**fields))  # type: ignore[arg-type]
    return store


def admit(classes: tuple[dict[str, object], ...], namespace: str = "namespace", **spec: object) -> Pod:
    store = store_with(*classes)
    pod = Pod(name="pod", namespace=namespace, spec=PodSpec(containers=(), **spec))  # type: ignore[arg-type]
    store.add(pod)
    return pod


# -- Priority: TestPodAdmission -----------------------------------------------------------------------------------
# name: (existing classes, pod spec fields, namespace, expected (priority, preemptionPolicy) or None if rejected)
POD_ADMISSION: dict[
    str, tuple[tuple[dict[str, object], ...], dict[str, object], str, tuple[int, str] | None]
] = {
    "Pod with priority class": (
        (DEFAULT1, NONDEFAULT1),
        {"priority_class_name": "default1"},
        "namespace",
        (1000, "PreemptLowerPriority"),
    ),
    "Pod without priority class": ((DEFAULT1,), {}, "namespace", (1000, "PreemptLowerPriority")),
    "pod without priority class and no existing priority class": (
        (),
        {},
        "namespace",
        (0, "PreemptLowerPriority"),
    ),
    "pod without priority class and no default class": (
        (NONDEFAULT1,),
        {},
        "namespace",
        (0, "PreemptLowerPriority"),
    ),
    "pod with a system priority class": (
        (SYSTEM_CLUSTER_CRITICAL,),
        {"priority_class_name": "system-cluster-critical"},
        "kube-system",
        (2000000000, "PreemptLowerPriority"),
    ),
    "Pod with non-existing priority class": (
        (DEFAULT1, NONDEFAULT1),
        {"priority_class_name": "non-existing"},
        "namespace",
        None,
    ),
    "pod with integer priority": (
        (),
        {"priority_class_name": "default1", "priority": 1000},
        "namespace",
        None,
    ),
    "pod with system critical priority in non-system namespace": (
        (SYSTEM_CLUSTER_CRITICAL,),
        {"priority_class_name": "system-cluster-critical"},
        "non-system-namespace",
        (2000000000, "PreemptLowerPriority"),
    ),
    "pod with priority that matches computed priority": (
        (NONDEFAULT1,),
        {"priority": 0},
        "non-system-namespace",
        (0, "PreemptLowerPriority"),
    ),
    "pod with priority that matches default priority": (
        (DEFAULT2,),
        {"priority": 2000},
        "non-system-namespace",
        (2000, "PreemptLowerPriority"),
    ),
    "pod with priority that matches resolved priority": (
        (SYSTEM_CLUSTER_CRITICAL,),
        {"priority_class_name": "system-cluster-critical", "priority": 2000000000},
        "kube-system",
        (2000000000, "PreemptLowerPriority"),
    ),
    "pod with nil preemtpion policy": (
        (PREEMPTION_POLICY_CLASS,),
        {"priority_class_name": "nopreemptionpolicy", "priority": 2000},
        "kube-system",
        (2000, "PreemptLowerPriority"),
    ),
    "pod with preemtpion policy that matches resolved preemtpion policy": (
        (PREEMPTION_POLICY_CLASS,),
        {
            "priority_class_name": "nopreemptionpolicy",
            "priority": 2000,
            "preemption_policy": "PreemptLowerPriority",
        },
        "kube-system",
        (2000, "PreemptLowerPriority"),
    ),
    "pod with preemtpion policy that does't matches resolved preemtpion policy": (
        (PREEMPTION_POLICY_CLASS,),
        {"priority_class_name": "nopreemptionpolicy", "priority": 2000, "preemption_policy": "Never"},
        "kube-system",
        None,
    ),
    # admitPod copies the class's preemptionPolicy into a pod that sets none (the never-policy class of the file).
    "pod with nil preemption policy gets the class's Never": (
        (NEVER_CLASS,),
        {"priority_class_name": "nopreemptionpolicy"},
        "kube-system",
        (2000, "Never"),
    ),
}


@pytest.mark.parametrize("name", list(POD_ADMISSION), ids=[f"TestPodAdmission:{n}" for n in POD_ADMISSION])
def test_pod_admission(name: str) -> None:
    classes, spec, namespace, expected = POD_ADMISSION[name]
    if expected is None:
        with pytest.raises(AdmissionError):
            admit(classes, namespace, **spec)
        return
    pod = admit(classes, namespace, **spec)
    assert (pod.priority, pod.spec.preemption_policy) == expected


def test_pod_admission_messages() -> None:
    """admitPod's Forbidden messages (unknown class, a priority or preemptionPolicy that differs)."""
    with pytest.raises(AdmissionError, match=r"^no PriorityClass with name non-existing was found$"):
        admit((DEFAULT1,), priority_class_name="non-existing")
    with pytest.raises(AdmissionError) as err:
        admit((DEFAULT1,), priority_class_name="default1", priority=5)
    assert str(err.value) == (
        "the integer value of priority (5) must not be provided in pod spec; priority admission controller"
        " computed 1000 from the given PriorityClass name"
    )
    with pytest.raises(AdmissionError) as err:
        admit((NEVER_CLASS,), preemption_policy="PreemptLowerPriority")
    assert str(err.value) == (
        "the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority"
        " admission controller computed Never from the given PriorityClass name"
    )


def test_pod_admission_integer_priority_without_a_class_is_checked_against_the_default() -> None:
    """TestPodAdmission "pod with priority that matches computed priority", the other way round: a pod with no
    class whose ``spec.priority`` differs from the default (0 here) is rejected, not taken as its priority."""
    with pytest.raises(AdmissionError, match=r"priority \(7\) must not be provided"):
        admit((NONDEFAULT1,), priority=7)


@pytest.mark.parametrize(
    ("name", "value"),
    [("system-cluster-critical", 2000000000), ("system-node-critical", 2000001000)],
    ids=["SystemPriorityClasses:system-cluster-critical", "SystemPriorityClasses:system-node-critical"],
)
def test_system_priority_classes_resolve_without_being_loaded(name: str, value: int) -> None:
    """The API server creates the two system classes at start-up, so a pod may name them in any namespace."""
    pod = admit((), "default", priority_class_name=name)
    assert (pod.priority, pod.spec.priority_class_name, pod.spec.preemption_policy) == (
        value,
        name,
        "PreemptLowerPriority",
    )


# -- Priority: TestDefaultPriority ---------------------------------------------------------------------------------
# name: (classes, expected default (name, value))
DEFAULT_PRIORITY: dict[str, tuple[tuple[dict[str, object], ...], tuple[str, int]]] = {
    "simple resolution with a default class": ((DEFAULT1,), ("default1", 1000)),
    "add a default class (before)": ((NONDEFAULT1,), ("", 0)),
    "add a default class (after)": ((NONDEFAULT1, DEFAULT1), ("default1", 1000)),
    "multiple default classes resolves to the minimum value among them": (
        (DEFAULT2, DEFAULT1),
        ("default1", 1000),
    ),
    "multiple default classes resolves to the minimum value among them (after deleting default1)": (
        (DEFAULT2,),
        ("default2", 2000),
    ),
    "delete default priority class (after)": ((), ("", 0)),
}


@pytest.mark.parametrize(
    "name", list(DEFAULT_PRIORITY), ids=[f"TestDefaultPriority:{n}" for n in DEFAULT_PRIORITY]
)
def test_default_priority(name: str) -> None:
    """A pod without a class gets the default class's value and name (``getDefaultPriority``), or 0 and ""."""
    classes, expected = DEFAULT_PRIORITY[name]
    pod = admit(classes)
    assert (pod.spec.priority_class_name, pod.priority) == expected


def test_default_priority_follows_class_changes() -> None:
    """TestDefaultPriority "add a default class" / "delete default priority class" / "update default class and
    remove its global default": the default is looked up at each pod's creation, so a later class change
    applies to pods created afterwards (kubesim's admission memo is dropped when a PriorityClass changes)."""
    store = store_with(NONDEFAULT1)
    spec = PodSpec(containers=())
    first = Pod(name="a", namespace="default", spec=spec)
    store.add(first)
    default1 = PriorityClass(**DEFAULT1)  # type: ignore[arg-type]
    store.add(default1)
    second = Pod(name="b", namespace="default", spec=spec)
    store.add(second)
    default1.global_default = False
    store.update(default1)
    third = Pod(name="c", namespace="default", spec=spec)
    store.add(third)
    assert [(p.spec.priority_class_name, p.priority) for p in (first, second, third)] == [
        ("", 0),
        ("default1", 1000),
        ("", 0),
    ]


# -- DefaultTolerationSeconds: TestForgivenessAdmission -------------------------------------------------------------
def tol(
    key: str = "", effect: str = "", seconds: int | None = 700, operator: str = "Exists", value: str = ""
) -> Toleration:
    return Toleration(key=key, operator=operator, value=value, effect=effect, toleration_seconds=seconds)


NOT_READY_300 = tol(NOT_READY, "NoExecute", 300)
UNREACHABLE_300 = tol(UNREACHABLE, "NoExecute", 300)

# description: (requested tolerations, expected tolerations)
FORGIVENESS: dict[str, tuple[tuple[Toleration, ...], tuple[Toleration, ...]]] = {
    "pod has no tolerations, expect add tolerations for `notread:NoExecute` and `unreachable:NoExecute`": (
        (),
        (NOT_READY_300, UNREACHABLE_300),
    ),
    "pod has tolerations, but none is for taint `notread:NoExecute` or `unreachable:NoExecute`, expect add"
    " tolerations for `notread:NoExecute` and `unreachable:NoExecute`": (
        (tol("foo", "NoSchedule", operator="Equal", value="bar"),),
        (tol("foo", "NoSchedule", operator="Equal", value="bar"), NOT_READY_300, UNREACHABLE_300),
    ),
    "pod specified a toleration for taint `notReady:NoExecute`, expect add toleration for `unreachable:NoExecute`": (
        (tol(NOT_READY, "NoExecute"),),
        (tol(NOT_READY, "NoExecute"), UNREACHABLE_300),
    ),
    "pod specified a toleration for taint `unreachable:NoExecute`, expect add toleration for `notReady:NoExecute`": (
        (tol(UNREACHABLE, "NoExecute"),),
        (tol(UNREACHABLE, "NoExecute"), NOT_READY_300),
    ),
    "pod specified tolerations for both `notread:NoExecute` and `unreachable:NoExecute`, expect no change": (
        (tol(NOT_READY, "NoExecute"), tol(UNREACHABLE, "NoExecute")),
        (tol(NOT_READY, "NoExecute"), tol(UNREACHABLE, "NoExecute")),
    ),
    "pod specified toleration for taint `unreachable`, expect add toleration for `notReady:NoExecute`": (
        (tol(UNREACHABLE),),
        (tol(UNREACHABLE), NOT_READY_300),
    ),
    "pod has wildcard toleration for all kind of taints, expect no change": ((tol(),), (tol(),)),
    # From admission.go's condition: the effect must be NoExecute or empty, so a NoSchedule toleration for the key
    # does not count; tolerationSeconds is not looked at (an unset one is kept as is).
    "a NoSchedule toleration for `notReady` does not count": (
        (tol(NOT_READY, "NoSchedule"),),
        (tol(NOT_READY, "NoSchedule"), NOT_READY_300, UNREACHABLE_300),
    ),
    "a wildcard NoExecute toleration without tolerationSeconds counts for both": (
        (tol("", "NoExecute", None),),
        (tol("", "NoExecute", None),),
    ),
}


@pytest.mark.parametrize(
    "name", list(FORGIVENESS), ids=[f"TestForgivenessAdmission:{n}" for n in FORGIVENESS]
)
def test_forgiveness_admission(name: str) -> None:
    requested, expected = FORGIVENESS[name]
    pod = admit((), tolerations=requested)
    assert pod.spec.tolerations == expected


def test_admission_memo_shares_one_admitted_spec_per_template() -> None:
    """Pods from one template spec share the admitted spec (kubesim's memo), tolerations and policy included."""
    store = store_with(DEFAULT1)
    spec = PodSpec(containers=())
    pods = [Pod(name=f"p{i}", namespace="default", spec=spec) for i in range(3)]
    for pod in pods:
        store.add(pod)
    assert pods[0].spec is pods[1].spec is pods[2].spec
    assert pods[0].spec.preemption_policy == "PreemptLowerPriority" and pods[0].priority == 1000


# -- TaintNodesByCondition / node lifecycle taints -------------------------------------------------------------------
def node_taints(sim, name: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(t.key, t.effect) for t in sim.store.get("Node", "", name).taints]


NODE_UNSCHEDULABLE = """
apiVersion: v1
kind: Node
metadata: {name: cordoned, labels: {topology.kubernetes.io/zone: a}}
spec: {unschedulable: true}
status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
---
"""


def test_taints_node_by_condition_unschedulable_node_gets_the_unschedulable_taint() -> None:
    """TestTaintsNodeByCondition "Unschedulable is true" (doNoScheduleTaintingPass): a node with
    ``spec.unschedulable`` gets ``node.kubernetes.io/unschedulable:NoSchedule``, also one created that way."""
    sim = sim_from(scenario() + NODE_UNSCHEDULABLE)
    sim.run(until=1)
    assert node_taints(sim, "cordoned") == [("node.kubernetes.io/unschedulable", "NoSchedule")]


def test_taints_node_by_condition_cordon_and_uncordon() -> None:
    """kubectl cordon sets spec.unschedulable; the unschedulable NoSchedule taint follows it, and goes with
    uncordon."""
    sim = sim_from(
        scenario(
            timeline="[{at: 10s, action: cordon, node: pool-0}, {at: 20s, action: uncordon, node: pool-0}]"
        )
        + pool(count=2)
    )
    sim.run(until=15)
    node = sim.store.get("Node", "", "pool-0")
    assert node.unschedulable and node_taints(sim, "pool-0") == [
        ("node.kubernetes.io/unschedulable", "NoSchedule")
    ]
    assert events(sim, "NodeNotSchedulable", kind="Node")[0]["t"] == 10
    sim.run(until=30)
    assert not sim.store.get("Node", "", "pool-0").unschedulable and node_taints(sim, "pool-0") == []


def test_taints_node_by_condition_ready_unknown_then_noexecute_alongside() -> None:
    """TestTaintsNodeByCondition "Ready is unknown" gives ``unreachable:NoSchedule``; TestApplyNoExecuteTaints
    node0 (Ready=Unknown, another node healthy) gets ``unreachable:NoExecute`` too, the two side by side. A
    cordoned node keeps its unschedulable taint through it."""
    sim = sim_from(
        scenario(
            timeline="[{at: 0s, action: cordon, node: pool-0}, {at: 100s, action: crashNode, node: pool-0}]"
        )
        + pool(count=2, zones="[a]")
    )
    sim.run(until=151)
    assert node_taints(sim, "pool-0") == [
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
        (UNREACHABLE, "NoSchedule"),
        (UNREACHABLE, "NoExecute"),
    ]


def test_apply_noexecute_taints_node_healthy_again_before_the_tainting_pass_gets_none() -> None:
    """TestApplyNoExecuteTaints node2 "Make node healthy again": a node queued for tainting that reports Ready
    before its turn is not tainted (markNodeAsReachable takes it off the queue), and its NoSchedule taint goes."""
    timeline = (
        "[{at: 100s, action: crashNode, node: pool-0}, {at: 100s, action: crashNode, node: pool-1},"
        " {at: 152s, action: recoverNode, node: pool-1}]"
    )
    sim = sim_from(scenario(timeline=timeline) + pool(count=3, zones="[a]"))
    sim.run(until=400)
    noexecute = [
        (r["t"], r["name"])
        for r in sim.log
        if r["kind"] == "Node"
        and r["type"] == "MODIFIED"
        and any(t.endswith(":NoExecute") for t in r["taints"])
    ]
    assert {name for _, name in noexecute} == {"pool-0"} and noexecute[0][0] == 150.0
    assert node_taints(sim, "pool-1") == []
