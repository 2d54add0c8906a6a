"""Property: whatever the scripted faults and changes, once they stop the cluster converges.

Clusters and timelines come from ``simulator.testing.strategies`` and every run is watched by the toolkit's
invariants (a ``Monitor``, which includes ``convergence``). Faults and workload actions happen in the first 20
minutes; at 25 minutes every node is recovered, reconnected and uncordoned; the run ends at one hour.

``test_workloads_converge_after_faults_heal`` keeps the cluster roomy (five large nodes, workloads without
placement constraints) so that the strict form holds: every workload has exactly its desired number of Ready,
active pods, on Ready nodes, with the current template image, and its status agrees; and a second run with the
same seed (unmonitored: invariants only read) writes the same event log.

``test_generated_clusters_converge_once_faults_heal`` takes whole generated clusters (every workload kind,
budgets, priorities, scheduler profiles, constraints that may not fit) and relies on the ``convergence``
invariant's "capacity allowing" rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from models.quantity import parse_duration
from simulator.testing import strategies as S
from simulator.testing.invariants import Monitor
from simulator.testing.machine import replay_spec
from simulator.testing.strategies import ClusterSpec, Manifest, NodeShape

EXAMPLES = max(1, settings.default.max_examples // 2)  # ``ci``: 25, ``thorough``: 500
FAULTS_UNTIL = 1200.0
HEAL_AT = 1500.0
END = 3600.0
NODES = 5
WORKLOADS = (("Deployment", "web"), ("Deployment", "api"), ("ReplicationController", "cache"))

# Room for every pod whatever the draws: three workloads of at most 8 pods (a scale goes up to 6, plus a
# rollout's surge), each pod at most two 2-cpu, 3Gi containers, fit on any two of these nodes.
ROOMY = NodeShape(
    "m5.16xlarge",
    {"cpu": "64", "memory": "256Gi", "pods": "250", "ephemeral-storage": "1Ti"},
    {"cpu": "63770m", "memory": "250Gi", "pods": "250", "ephemeral-storage": "1000Gi"},
)
# Pod features off so that every pod fits every node and becomes Ready: no host ports, GPUs, node selectors,
# affinity or hard spread, and no timing annotations (crash MTBFs, OOM-killing memory use, long delays).
PLAIN: dict[str, Any] = {
    "host_ports": False,
    "extended_resources": False,
    "node_selector": False,
    "affinity": False,
    "spread": False,
    "timing": False,
}


def healed(spec: ClusterSpec) -> ClusterSpec:
    """``spec`` with every node recovered, reconnected and uncordoned at ``HEAL_AT``, running until ``END``."""
    entries: list[Manifest] = []
    for node in spec.node_names:
        for action in ("recoverNode", "healPartition", "uncordon"):
            entries.append({"at": HEAL_AT, "action": action, "node": node})
    return replay_spec(spec, entries, until=END)


def by_time(entries: Sequence[Manifest]) -> list[Manifest]:
    return sorted(entries, key=lambda e: parse_duration(e["at"]))


@st.composite
def roomy_clusters(draw: st.DrawFn) -> ClusterSpec:
    """A pool of five roomy nodes, Deployments ``web`` and ``api`` and ReplicationController ``cache``, and a
    timeline of node faults and workload actions (scale, rollout, crash loop) in the first 20 minutes."""
    pool = draw(S.node_pools(name="pool", min_count=NODES, max_count=NODES, shapes=[ROOMY], taints=[]))
    workloads = [
        draw(S.deployments(name="web", max_replicas=4, **PLAIN)),
        draw(S.deployments(name="api", max_replicas=4, **PLAIN)),
        draw(S.replication_controllers(name="cache", max_replicas=4, **PLAIN)),
    ]
    nodes = ClusterSpec([pool])
    scenario = draw(S.scenarios(workloads=workloads, duration=FAULTS_UNTIL, faults=False, max_actions=4))
    kinds = ("crash", "cordon", "partition", "kubelet", "zone")
    faults = draw(S.fault_schedules(nodes.node_names, nodes.zones, FAULTS_UNTIL, max_faults=6, kinds=kinds))
    scenario["spec"]["timeline"] = by_time([*scenario["spec"]["timeline"], *faults])
    return healed(ClusterSpec([scenario, pool, *workloads]))


@settings(max_examples=EXAMPLES)
@given(spec=roomy_clusters())
def test_workloads_converge_after_faults_heal(spec: ClusterSpec) -> None:
    sim = spec.simulation()
    violations = Monitor(sim).run(END)
    assert not violations, "\n".join(map(str, violations))
    assert not sim.timeline_errors
    ready_nodes = {n.name for n in sim.store.list("Node") if n.ready == "True" and not n.unschedulable}
    assert len(ready_nodes) == NODES
    for kind, name in WORKLOADS:
        obj = sim.store.get(kind, "default", name)
        image = obj.template.spec.containers[0].image
        pods = [p for p in sim.store.list("Pod") if p.labels.get("app") == name and p.is_active]
        assert len(pods) == obj.replicas, (kind, name, [(p.name, p.phase) for p in pods])
        assert all(p.ready and p.node_name in ready_nodes and p.image == image for p in pods)
        assert obj.status.ready_replicas == obj.replicas
    again = spec.simulation()
    again.run(END)
    assert list(again.log) == list(sim.log)


@settings(max_examples=EXAMPLES)
@given(spec=S.clusters(max_nodes=6, duration=FAULTS_UNTIL).map(healed))
def test_generated_clusters_converge_once_faults_heal(spec: ClusterSpec) -> None:
    sim = spec.simulation()
    violations = Monitor(sim).run(END)  # every invariant; convergence settles for its default 600 s
    assert not violations, "\n".join(map(str, violations))
    assert all(n.ready == "True" and not n.unschedulable for n in sim.store.list("Node"))
