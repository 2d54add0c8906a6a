"""Hypothesis properties of the scheduler: the fast path decides exactly as the per-node reference path, every
bind keeps kubesim's invariants, explain records add up, and a seed fixes the run.

The inputs come from ``simulator.testing.strategies`` (dogfooding the toolkit users get): node and pod manifests
for the scheduler on its own, whole generated clusters (workloads, budgets, priorities, scheduler
configurations, a timeline of faults and actions) for the full simulation. Bind-time checks use the toolkit's
invariants through a ``Monitor``; what no invariant says (fast path = reference path, explain arithmetic) is
checked here.
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

from hypothesis import given, settings
from hypothesis import strategies as st

from models.pod import Pod
from models.schedconfig import KubeSchedulerConfiguration
from simulator.simulation import Simulation
from simulator.testing import strategies as S
from simulator.testing.differential import with_scheduler_configuration
from simulator.testing.invariants import Monitor
from simulator.testing.strategies import NODE_SHAPES, ClusterSpec, Manifest, NodeShape
from tests.scheduler.conftest import Cluster

EXAMPLES = settings.default.max_examples  # the loaded profile's budget: ``ci`` 50, ``thorough`` 1000

# Small machines next to the realistic shapes, so that cpu, memory and pod slots run out after a few pods and
# the Filter plugins decide (the realistic shapes alone rarely fill up with a dozen pods).
TIGHT_SHAPES = (
    NodeShape(
        "t3.micro",
        {"cpu": "2", "memory": "1Gi", "pods": "4", "ephemeral-storage": "20Gi"},
        {"cpu": "1930m", "memory": "600Mi", "pods": "4", "ephemeral-storage": "18Gi"},
    ),
    NodeShape(
        "t3.nano",
        {"cpu": "2", "memory": "512Mi", "pods": "4", "ephemeral-storage": "8Gi"},
        {"cpu": "500m", "memory": "256Mi", "pods": "2", "ephemeral-storage": "6Gi"},
    ),
)
SHAPES = (*NODE_SHAPES, *TIGHT_SHAPES)
INSTANCE_TYPES = tuple(shape.instance_type for shape in SHAPES)
BIND_INVARIANTS = ("no-overcommit", "bind-filters", "required-affinity", "topology-spread", "taints")


# ---- the scheduler on its own: nodes, pods and a configuration, pods added and deleted one by one ----------


class SchedulerInputs(NamedTuple):
    """Nodes, bare pods, which pods to delete once scheduled, and maybe a KubeSchedulerConfiguration."""

    nodes: list[Manifest]
    pods: list[Manifest]
    deleted: list[bool]
    config: Manifest | None


@st.composite
def scheduler_inputs(draw: st.DrawFn) -> SchedulerInputs:
    """Up to 12 nodes, 1 to 14 bare pods (affinity terms may name one another's ``app``), a deletion flag per
    pod, and sometimes a generated scheduler configuration."""
    nodes = draw(st.lists(S.nodes(shapes=SHAPES), max_size=12, unique_by=lambda n: n["metadata"]["name"]))
    node_names = [n["metadata"]["name"] for n in nodes]
    names = [f"p{i}" for i in range(draw(st.integers(1, 14)))]
    features: dict[str, Any] = {"peers": names, "node_names": node_names, "instance_types": INSTANCE_TYPES}
    pods = [draw(S.pods(name=name, **features)) for name in names]
    deleted = draw(st.lists(st.booleans(), min_size=len(pods), max_size=len(pods)))
    config = draw(st.none() | S.scheduler_configurations(max_profiles=1))
    return SchedulerInputs(nodes, pods, deleted, config)


def run_scheduler(inputs: SchedulerInputs, seed: int, **kwargs: Any) -> Cluster:
    """The scheduler alone (no controllers): add the pods one by one, 0.5 s apart, and delete the flagged ones
    once they have had their chance (exercises the scheduler cache's incremental updates)."""
    objects = S.load([*inputs.nodes, *inputs.pods, *([inputs.config] if inputs.config else [])])
    configs = [o for o in objects if isinstance(o, KubeSchedulerConfiguration)]
    cluster = Cluster(seed=seed, config=configs[0] if configs else None, **kwargs)
    cluster.add(*(o for o in objects if o.KIND == "Node"))
    _ = cluster.scheduler
    for pod, delete in zip([o for o in objects if isinstance(o, Pod)], inputs.deleted, strict=True):
        cluster.store.add(pod)
        cluster.run(until=cluster.engine.now + 0.5)
        if delete and cluster.store.get("Pod", "default", pod.name) is not None:
            cluster.store.delete(pod)
    cluster.run(until=cluster.engine.now + 60)
    return cluster


def decisions(cluster: Cluster) -> list[tuple[str, str, str]]:
    return [e for e in cluster.events if e[1] in ("Scheduled", "FailedScheduling")]


@settings(max_examples=EXAMPLES)
@given(inputs=scheduler_inputs(), seed=st.integers(0, 2**16))
def test_fast_path_equals_reference(inputs: SchedulerInputs, seed: int) -> None:
    fast = run_scheduler(inputs, seed)
    ref = run_scheduler(inputs, seed, explain=True)
    assert decisions(fast) == decisions(ref)
    assert fast.scheduler.cursor.index == ref.scheduler.cursor.index


# ---- whole generated clusters in the full simulation ------------------------------------------------------


def without_explain(sim: Simulation) -> list[dict[str, Any]]:
    """The event log without the EXPLAIN lines an explaining run adds (and so without ``seq``)."""
    return [{k: v for k, v in r.items() if k != "seq"} for r in sim.log if r["type"] != "EXPLAIN"]


def violations_text(monitor: Monitor, spec: ClusterSpec) -> str:
    return "\n".join(str(v) for v in monitor.violations) + f"\n{spec!r}"


# Busy clusters: up to 8 nodes and 5 workloads of up to 8 replicas, so some pods wait, preempt or never fit.
busy_clusters = S.clusters(max_nodes=8, max_workloads=5, max_replicas=8, duration=900.0)


@settings(max_examples=EXAMPLES)
@given(spec=busy_clusters)
def test_fast_path_equals_reference_on_generated_clusters(spec: ClusterSpec) -> None:
    fast = spec.simulation()
    fast.run()
    ref = spec.simulation(explain=True)
    ref.run()
    assert without_explain(ref) == without_explain(fast)
    assert fast.scheduler.cursor.index == ref.scheduler.cursor.index


@settings(max_examples=EXAMPLES)
@given(spec=busy_clusters)
def test_explain_invariants(spec: ClusterSpec) -> None:
    sim = spec.simulation(explain=True)
    monitor = Monitor(sim, BIND_INVARIANTS)  # includes "never bound where a Filter fails" (bind-filters)
    monitor.run()
    assert monitor.ok, violations_text(monitor, spec)
    for rec in sim.scheduler.explain_records:
        selected = rec["selected"]
        if selected is not None:
            node = rec["nodes"][selected]
            assert node["feasible"]
            assert all(f["code"] in ("Success", "Skip") for f in node["filters"])
        for node in rec["nodes"].values():
            assert node["total"] == sum(s["weighted"] for s in node["scores"])
            for s in node["scores"]:
                assert 0 <= s["normalized"] <= 100
                assert s["weighted"] == s["normalized"] * s["weight"]
        feasible = [n for n, v in rec["nodes"].items() if v["feasible"]]
        if selected is not None and len(feasible) > 1:
            assert rec["nodes"][selected]["total"] == max(rec["nodes"][n]["total"] for n in feasible)


@settings(max_examples=max(1, EXAMPLES // 2))
@given(spec=busy_clusters)
def test_same_seed_same_decisions(spec: ClusterSpec) -> None:
    # The first run is monitored, the second not: invariants only read, so the logs are the same too.
    a = spec.simulation()
    Monitor(a, BIND_INVARIANTS).run()
    b = spec.simulation()
    b.run()
    assert list(a.log) == list(b.log)
    assert a.scheduler.cursor.index == b.scheduler.cursor.index


@st.composite
def large_clusters(draw: st.DrawFn) -> ClusterSpec:
    """100 to 180 nodes (past kube-scheduler's 100-node minimum for percentageOfNodesToScore) and up to 40
    pods, under a generated configuration whose percentageOfNodesToScore is unset, 0 (adaptive), 10 or 60."""
    spec = draw(
        S.clusters(min_nodes=100, max_nodes=180, max_replicas=10, duration=300.0, scheduler_config=False)
    )
    config = copy.deepcopy(draw(S.scheduler_configurations(max_profiles=1)))
    config.pop("percentageOfNodesToScore", None)
    config["profiles"][0].pop("percentageOfNodesToScore", None)
    percentage = draw(st.sampled_from([None, 0, 10, 60]))
    if percentage is not None:
        config["profiles"][0]["percentageOfNodesToScore"] = percentage
    return with_scheduler_configuration(spec, config)


@settings(max_examples=max(1, EXAMPLES // 5))
@given(spec=large_clusters())
def test_large_cluster_rotation_fast_equals_reference(spec: ClusterSpec) -> None:
    fast = spec.simulation()
    fast.run()
    ref = spec.simulation(explain=True)
    ref.run()
    assert without_explain(ref) == without_explain(fast)
    assert fast.scheduler.cursor.index == ref.scheduler.cursor.index
