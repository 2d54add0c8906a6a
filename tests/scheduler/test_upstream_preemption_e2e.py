"""Preemption end to end (store, scheduler, kubelet graceful termination, controllers), as facts taken from
Kubernetes 1.35's scheduler integration tests (``test/integration/scheduler/preemption/preemption_test.go``) and
the "Pod Priority and Preemption" documentation page. Each case id names the upstream test and case; the
scenarios are kubesim's own (a NodePool instead of fake nodes, PriorityClasses low=100 / medium=200 / high=300
like upstream's ``lowPriority``/``mediumPriority``/``highPriority``), run in virtual time.

Not ported: TestReadWriteOncePodPreemption (volumes are not modelled), the "failed the scheduling unexpectedly"
case of TestNominatedNodeCleanUp (it needs an out-of-tree PreBind plugin), and the async-preemption variants
(kubesim preempts synchronously).
"""

from __future__ import annotations

from typing import Any

import pytest

from models.loader import load_text
from simulator import Simulation
from tests.simhelpers import events, pool, scenario, sim_from

CLASSES = "".join(
    f"""
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: {name}}}
value: {value}
---
"""
    for name, value in (("low", 100), ("medium", 200), ("high", 300))
)


def pod(
    name: str,
    cls: str,
    cpu: str = "1",
    memory: str = "64Mi",
    grace: int | None = None,
    policy: str | None = None,
    labels: dict[str, str] | None = None,
    node: str | None = None,
    anti: str | None = None,
) -> str:
    """A bare Pod as YAML flow text (usable as a document or as a createPod manifest)."""
    spec = [f"priorityClassName: {cls}"]
    if grace is not None:
        spec.append(f"terminationGracePeriodSeconds: {grace}")
    if policy is not None:
        spec.append(f"preemptionPolicy: {policy}")
    if node is not None:
        spec.append(f"nodeName: {node}")
    if anti is not None:  # required pod anti-affinity to pods labelled pod=<anti>, per node
        selector = f"{{matchExpressions: [{{key: pod, operator: In, values: [{anti}]}}]}}"
        term = f"{{labelSelector: {selector}, topologyKey: kubernetes.io/hostname}}"
        spec.append(
            f"affinity: {{podAntiAffinity: {{requiredDuringSchedulingIgnoredDuringExecution: [{term}]}}}}"
        )
    spec.append(
        f"containers: [{{name: c, image: pause, resources: {{requests: {{cpu: '{cpu}', memory: '{memory}'}}}}}}]"
    )
    lab = ", ".join(f"{k}: {v}" for k, v in (labels or {}).items())
    # the container ignores SIGTERM, so the kubelet waits out the whole grace period (as with upstream's victims)
    meta = f"name: {name}, labels: {{{lab}}}, annotations: {{kubesim.dev/shutdown-seconds: 1h}}"
    return f"{{apiVersion: v1, kind: Pod, metadata: {{{meta}}}, spec: {{{', '.join(spec)}}}}}"


def docs(*flows: str) -> str:
    return "".join(f"{f}\n---\n" for f in flows)


def later(*items: tuple[str, str]) -> str:
    """A timeline creating each (at, pod flow) pair."""
    return "[" + ", ".join(f"{{at: {at}, action: createPod, manifest: {p}}}" for at, p in items) + "]"


def build(
    timeline: str, nodes: int, cpu: str, *initial: str, memory: str = "8Gi", extra: str = ""
) -> Simulation:
    return sim_from(
        scenario(timeline=timeline, defaults="{startupSeconds: 1s, readySeconds: 0s}")
        + CLASSES
        + pool(count=nodes, cpu=cpu, memory=memory, zones="[a]")
        + extra
        + docs(*initial)
    )


def get(sim: Simulation, name: str) -> Any:
    return sim.store.get("Pod", "default", name)


def preempted(sim: Simulation) -> list[str]:
    return sorted(e["name"] for e in events(sim, "Preempted"))


def first_event(sim: Simulation, name: str, reason: str) -> dict[str, Any]:
    return next(e for e in events(sim, reason) if e["name"] == name)


# -- TestPreemption -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "grace"),
    [
        ("TestPreemption/basic pod preemption (victim with the default 30s grace period)", None),
        ("TestPreemption/basic pod preemption (victim with a 60s grace period)", 60),
        ("TestPreemption/basic pod preemption (victim without grace period)", 0),
    ],
)
def test_preemption_victim_terminates_gracefully_then_preemptor_binds(case: str, grace: int | None) -> None:
    sim = build(
        later(("20s", pod("preemptor", "high", cpu="3"))), 1, "4", pod("victim", "low", "2", grace=grace)
    )
    sim.run(until=19)
    assert get(sim, "victim").node_name == "pool-0"
    sim.run(until=20)
    victim, preemptor = get(sim, "victim"), get(sim, "preemptor")
    # the victim is deleted gracefully at the preemption, with a Preempted event naming the preemptor and node
    assert preempted(sim) == ["victim"]
    ev = first_event(sim, "victim", "Preempted")
    assert ev["t"] == 20 and "default/preemptor" in ev["message"] and "pool-0" in ev["message"]
    assert first_event(sim, "preemptor", "FailedScheduling")["t"] == 20
    period = 30 if grace is None else grace
    if period:
        assert victim.deletion_timestamp == 20
        # the preemptor is not bound yet, but nominated to the node (status.nominatedNodeName)
        assert preemptor.node_name == "" and preemptor.nominated_node_name == "pool-0"
        sim.run(until=20 + period - 0.5)
        assert get(sim, "victim") is not None and get(sim, "preemptor").node_name == ""
    sim.run(until=20 + period + 15)
    assert get(sim, "victim") is None
    preemptor = get(sim, "preemptor")
    assert preemptor.node_name == "pool-0" and preemptor.nominated_node_name == ""
    assert first_event(sim, "preemptor", "Scheduled")["t"] >= 20 + period
    assert len(events(sim, "Preempted")) == 1


def test_preemption_lower_priority_pod_does_not_preempt() -> None:
    """TestPreemption/"a lower-priority pod does not preempt a higher-priority one": it stays pending."""
    sim = build(later(("10s", pod("lower", "low", cpu="3"))), 1, "4", pod("running", "high", "2"))
    sim.run(until=60)
    lower = get(sim, "lower")
    assert lower.node_name == "" and lower.nominated_node_name == ""
    assert preempted(sim) == [] and get(sim, "running").deletion_timestamp is None
    msg = first_event(sim, "lower", "FailedScheduling")["message"]
    assert msg.startswith("0/1 nodes are available: 1 Insufficient cpu.")
    assert "No preemption victims found for incoming pod" in msg


def test_preemption_equal_priority_does_not_preempt() -> None:
    """Docs: only pods of strictly lower priority are victims."""
    sim = build(later(("10s", pod("same", "medium", cpu="3"))), 1, "4", pod("running", "medium", "2"))
    sim.run(until=60)
    assert get(sim, "same").node_name == "" and preempted(sim) == []


def test_preemption_minimal_victims_on_one_node_only() -> None:
    """TestPreemption/basic pod preemption: of the lower-priority pods only as many as needed are preempted
    (most important reprieved first), on one node (docs: no cross-node preemption)."""
    sim = build(
        later(("10s", pod("preemptor", "high", cpu="2"))),
        2,
        "2",
        pod("a-low", "low", "1", node="pool-0"),
        pod("a-medium", "medium", "1", node="pool-0"),
        pod("b-medium1", "medium", "1", node="pool-1"),
        pod("b-medium2", "medium", "1", node="pool-1"),
    )
    sim.run(until=10)
    # pool-0: both victims needed (lowest highest-victim priority is medium on both, sum smaller on pool-0)
    assert preempted(sim) == ["a-low", "a-medium"]
    assert get(sim, "preemptor").nominated_node_name == "pool-0"
    sim.run(until=60)
    assert get(sim, "preemptor").node_name == "pool-0"
    assert (
        get(sim, "b-medium1").deletion_timestamp is None and get(sim, "b-medium2").deletion_timestamp is None
    )


@pytest.mark.parametrize(
    ("case", "pod1_class", "victims"),
    [
        ("TestPreemption/preemption is performed to satisfy anti-affinity", "low", ["pod-0", "pod-1"]),
        ("TestPreemption/preemption is not performed when anti-affinity is not satisfied", "high", []),
    ],
)
def test_preemption_anti_affinity(case: str, pod1_class: str, victims: list[str]) -> None:
    sim = build(
        later(("10s", pod("preemptor", "high", "100m", "100", labels={"pod": "preemptor"}, anti="p0"))),
        1,
        "500m",
        pod("pod-0", "medium", "100m", "100", labels={"pod": "p0"}),
        pod("pod-1", pod1_class, "100m", "100", labels={"pod": "p1"}, anti="preemptor"),
        memory="500",
    )
    sim.run(until=10)
    assert preempted(sim) == victims
    assert get(sim, "preemptor").nominated_node_name == ("pool-0" if victims else "")
    sim.run(until=120)
    assert get(sim, "preemptor").node_name == ("pool-0" if victims else "")


# -- TestNonPreemption --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "policy", "class_policy"),
    [
        ("TestNonPreemption/pod preemptionPolicy Never", "Never", "Never"),
        ("TestNonPreemption/PriorityClass preemptionPolicy Never", None, "Never"),
        ("TestNonPreemption/pod preemptionPolicy PreemptLowerPriority", "PreemptLowerPriority", None),
    ],
)
def test_non_preemption(case: str, policy: str | None, class_policy: str | None) -> None:
    extra = ""
    cls = "high"
    if class_policy:
        cls = "high-never"
        extra = f"""
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: high-never}}
value: 300
preemptionPolicy: {class_policy}
---
"""
    sim = build(
        later(("10s", pod("preemptor", cls, cpu="3", policy=policy))),
        1,
        "4",
        pod("victim", "low", "2"),
        extra=extra,
    )
    sim.run(until=120)
    p = get(sim, "preemptor")
    if policy == "PreemptLowerPriority":
        assert preempted(sim) == ["victim"] and p.node_name == "pool-0"
        return
    assert preempted(sim) == [] and get(sim, "victim").deletion_timestamp is None
    assert p.node_name == "" and p.nominated_node_name == ""
    msg = first_event(sim, "preemptor", "FailedScheduling")["message"]
    assert msg.endswith("preemption: not eligible due to preemptionPolicy=Never.")


# -- TestDisablePreemption ----------------------------------------------------------------------------------------
SCHED_NO_PREEMPTION = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    postFilter:
      disabled: [{name: DefaultPreemption}]
---
"""


def test_disable_preemption() -> None:
    """TestDisablePreemption/"pod preemption will not happen": DefaultPreemption disabled in the profile."""
    sim = build(
        later(("10s", pod("preemptor", "high", cpu="3"))),
        1,
        "4",
        pod("victim", "low", "2"),
        extra=SCHED_NO_PREEMPTION,
    )
    sim.run(until=120)
    p = get(sim, "preemptor")
    assert preempted(sim) == [] and p.node_name == "" and p.nominated_node_name == ""
    assert get(sim, "victim").deletion_timestamp is None
    assert first_event(sim, "preemptor", "FailedScheduling")["message"] == (
        "0/1 nodes are available: 1 Insufficient cpu."
    )


# -- TestPreemptionStarvation / TestPreemptionRaces ---------------------------------------------------------------
def test_preemption_starvation() -> None:
    """TestPreemptionStarvation/"starvation test: higher priority pod is scheduled before the lower priority
    ones": pending lower-priority pods do not take the room the victims free for the nominated preemptor."""
    running = [pod(f"run-{i}", "low", "1", grace=5) for i in range(4)]
    pending = [("5s", pod(f"pending-{i}", "low", "1")) for i in range(4)]
    sim = build(later(*pending, ("10s", pod("preemptor", "medium", cpu="2"))), 1, "4", *running)
    sim.run(until=10)
    assert len(preempted(sim)) == 2
    sim.run(until=60)
    assert get(sim, "preemptor").node_name == "pool-0"
    assert all(get(sim, f"pending-{i}").node_name == "" for i in range(4))


def test_preemption_races() -> None:
    """TestPreemptionRaces/"ensures that other pods are not scheduled while preemptor is being marked as
    nominated": lower-priority pods created right after the preemption stay pending; the preemptor binds."""
    running = [pod(f"run-{i}", "low", "1", grace=10) for i in range(4)]
    more = [(f"{11 + i}s", pod(f"extra-{i}", "low", "1")) for i in range(6)]
    sim = build(later(("10s", pod("preemptor", "medium", cpu="4")), *more), 1, "4", *running)
    sim.run(until=120)
    assert preempted(sim) == [f"run-{i}" for i in range(4)]
    assert get(sim, "preemptor").node_name == "pool-0"
    assert all(get(sim, f"extra-{i}").node_name == "" for i in range(6))
    assert len(events(sim, "Preempted")) == 4


# -- TestNominatedNodeCleanUp -------------------------------------------------------------------------------------
def test_nominated_node_cleanup_high_priority_preempts_again() -> None:
    """TestNominatedNodeCleanUp/"mid-priority pod preempts low-priority pod, followed by a high-priority pod with
    another preemption": the medium pod's nomination is cleared when the high pod is nominated to the node."""
    lows = [pod(f"low-{i}", "low", "1", grace=60) for i in range(1, 5)]
    sim = build(
        later(("10s", pod("medium", "medium", "4")), ("20s", pod("high", "high", "3"))), 1, "5", *lows
    )
    sim.run(until=10)
    assert get(sim, "medium").nominated_node_name == "pool-0"
    sim.run(until=20)
    assert get(sim, "high").nominated_node_name == "pool-0"
    assert get(sim, "medium").nominated_node_name == ""


def test_nominated_node_cleanup_high_priority_without_preemption() -> None:
    """TestNominatedNodeCleanUp/"mid-priority pod preempts low-priority pod, followed by a high-priority pod
    without additional preemption": the high pod fits beside the terminating victim; once the victim is force
    deleted the medium pod no longer fits and its nomination is cleared."""
    sim = build(
        later(("10s", pod("medium", "medium", "2")), ("20s", pod("high", "high", "1"))),
        1,
        "2",
        pod("low", "low", "1", grace=60),
    )
    sim.run(until=10)
    assert get(sim, "medium").nominated_node_name == "pool-0" and preempted(sim) == ["low"]
    sim.run(until=20)
    assert get(sim, "high").node_name == "pool-0"
    sim.run(until=21)
    sim.store.delete(get(sim, "low"))  # force deletion (grace period 0)
    sim.run(until=60)
    medium = get(sim, "medium")
    assert medium.node_name == "" and medium.nominated_node_name == ""
    assert preempted(sim) == ["low"]


def test_nominated_node_cleanup_node_deleted() -> None:
    """TestNominatedNodeCleanUp/"mid-priority pod preempts low-priority pod, followed by a node deletion": with
    no node left the next attempt clears the nomination."""
    sim = build(later(("10s", pod("medium", "medium", "1"))), 1, "1", pod("low", "low", "1", grace=60))
    sim.run(until=10)
    assert get(sim, "medium").nominated_node_name == "pool-0"
    sim.store.delete(sim.store.get("Node", "", "pool-0"))
    low = get(sim, "low")
    if low is not None:
        sim.store.delete(low)
    sim.run(until=60)
    medium = get(sim, "medium")
    assert medium.node_name == "" and medium.nominated_node_name == ""
    assert not sim.scheduler.handle.nominated


# -- TestPDBInPreemption ------------------------------------------------------------------------------------------
def pdb(name: str, min_available: int, labels: str) -> str:
    return f"""
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}}}
spec:
  minAvailable: {min_available}
  selector: {{matchLabels: {labels}}}
---
"""


PDB_CASES = [
    (
        "TestPDBInPreemption/A non-PDB violating pod is preempted despite its higher priority",
        1,
        pdb("pdb-1", 2, "{foo: bar}"),
        [
            pod("low-pod1", "low", "100m", "100", labels={"foo": "bar"}),
            pod("low-pod2", "low", "100m", "100", labels={"foo": "bar"}),
            pod("mid-pod3", "medium", "100m", "100"),
        ],
        ("300m", "200"),
        ["mid-pod3"],
    ),
    (
        "TestPDBInPreemption/A node without any PDB violating pods is preferred for preemption",
        2,
        pdb("pdb-1", 2, "{foo: bar}"),
        [
            pod("low-pod1", "low", "100m", "100", labels={"foo": "bar"}, node="pool-0"),
            pod("mid-pod2", "medium", "100m", "100", node="pool-1"),
        ],
        ("500m", "200"),
        ["mid-pod2"],
    ),
    (
        "TestPDBInPreemption/A node with fewer PDB violating pods is preferred for preemption",
        3,
        pdb("pdb-1", 2, "{foo1: bar}") + pdb("pdb-2", 2, "{foo2: bar}"),
        [
            pod("low-pod1", "low", "100m", "100", labels={"foo1": "bar"}, node="pool-0"),
            pod("mid-pod1", "medium", "100m", "100", node="pool-0"),
            pod("low-pod2", "low", "100m", "100", labels={"foo2": "bar"}, node="pool-1"),
            pod("mid-pod2", "medium", "100m", "100", labels={"foo2": "bar"}, node="pool-1"),
            pod("low-pod4", "low", "100m", "100", labels={"foo2": "bar"}, node="pool-2"),
            pod("low-pod5", "low", "100m", "100", labels={"foo2": "bar"}, node="pool-2"),
            pod("low-pod6", "low", "100m", "100", labels={"foo2": "bar"}, node="pool-2"),
        ],
        ("500m", "400"),
        ["low-pod4", "low-pod5", "low-pod6"],
    ),
]


@pytest.mark.parametrize(("case", "nodes", "pdbs", "existing", "req", "victims"), PDB_CASES)
def test_pdb_in_preemption(
    case: str, nodes: int, pdbs: str, existing: list[str], req: tuple[str, str], victims: list[str]
) -> None:
    sim = build(
        later(("20s", pod("preemptor", "high", req[0], req[1]))),
        nodes,
        "500m",
        *existing,
        memory="500",
        extra=pdbs,
    )
    sim.run(until=19)
    assert all(p.ready for p in sim.store.list("Pod"))
    sim.run(until=20)
    assert preempted(sim) == sorted(victims)
    node = get(sim, victims[0]).node_name
    assert get(sim, "preemptor").nominated_node_name == node
    sim.run(until=120)
    assert get(sim, "preemptor").node_name == node


def test_pdb_best_effort_violated_when_no_other_choice() -> None:
    """Docs ("PodDisruptionBudget is supported, but not guaranteed"): with no other candidate the scheduler
    preempts a PDB-protected pod anyway."""
    sim = build(
        later(("20s", pod("preemptor", "high", "2"))),
        1,
        "2",
        pod("guarded", "low", "2", labels={"app": "g"}),
        extra=pdb("pdb-g", 1, "{app: g}"),
    )
    sim.run(until=20)
    assert preempted(sim) == ["guarded"]
    sim.run(until=120)
    assert get(sim, "preemptor").node_name == "pool-0"


# -- TestPreferNominatedNode --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "nominated",
    [
        pytest.param(
            "pool-1",
            id="TestPreferNominatedNode/nominated node released all resource, preemptor is scheduled to it",
        ),
        pytest.param(
            "pool-0",
            id="TestPreferNominatedNode/nominated node cannot pass all the filters, preemptor finds another node",
        ),
    ],
)
def test_prefer_nominated_node(nominated: str) -> None:
    """The preemptor arrives with status.nominatedNodeName set: it binds there when that node fits, else to another
    node, without preempting; the binding clears nominatedNodeName (ClearingNominatedNodeNameAfterBinding, beta
    and on by default in 1.35)."""
    sim = build("[]", 2, "2", pod("filler", "low", "2", node="pool-0"))
    sim.run(until=5)
    manifest = load_text(scenario() + docs(pod("preemptor", "high", "1"))).objects
    (preemptor,) = (o for o in manifest if o.KIND == "Pod")
    preemptor.nominated_node_name = (
        nominated  # status.nominatedNodeName set before the pod reaches the scheduler
    )
    sim.store.add(preemptor)
    sim.run(until=30)
    p = get(sim, "preemptor")
    assert p.node_name == "pool-1" and p.nominated_node_name == ""
    assert preempted(sim) == [] and not sim.scheduler.handle.nominated
