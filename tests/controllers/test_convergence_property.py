"""Property: whatever the scripted faults and changes, once they stop the cluster converges.

Random timelines of node crashes/recoveries, cordons, scaling and rollouts over two Deployments and an RC; all
nodes are recovered and uncordoned at the end. After a settling time every workload has exactly its desired
number of ready, active pods, running only on Ready nodes, with the current template image, and two runs with the
same seed produce the same event log.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.simhelpers import deployment, pool, scenario, sim_from

NODES = 5

RC = """
apiVersion: v1
kind: ReplicationController
metadata: {name: cache}
spec:
  replicas: 2
  selector: {app: cache}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: c, image: "cache:1", resources: {requests: {cpu: 200m}}}]
---
"""

node = st.integers(0, NODES - 1).map(lambda i: f"pool-{i}")
actions = st.one_of(
    st.builds(lambda n: f"action: crashNode, node: {n}", node),
    st.builds(lambda n: f"action: recoverNode, node: {n}", node),
    st.builds(lambda n: f"action: cordon, node: {n}", node),
    st.builds(lambda n: f"action: uncordon, node: {n}", node),
    st.builds(
        lambda w, r: f"action: scale, target: {w}, replicas: {r}",
        st.sampled_from(["Deployment/web", "Deployment/api", "ReplicationController/cache"]),
        st.integers(0, 6),
    ),
    st.builds(
        lambda w, v: f"action: rollout, target: {w}, image: '{w.split('/')[1]}:v{v}'",
        st.sampled_from(["Deployment/web", "Deployment/api"]),
        st.integers(2, 4),
    ),
)


@settings(max_examples=25)
@given(st.lists(st.tuples(st.integers(0, 1200), actions), max_size=8))
def test_workloads_converge_after_faults_heal(steps):  # type: ignore[no-untyped-def]
    entries = [f"{{at: {t}s, {a}}}" for t, a in sorted(steps, key=lambda s: s[0])]
    for i in range(NODES):  # heal everything at the end
        entries.append(f"{{at: 1500s, action: recoverNode, node: pool-{i}}}")
        entries.append(f"{{at: 1500s, action: uncordon, node: pool-{i}}}")
    text = (
        scenario(timeline="[" + ", ".join(entries) + "]", duration="2h")
        + pool(count=NODES, cpu="8")
        + deployment("web", replicas=3, cpu="300m")
        + deployment("api", replicas=2, cpu="500m")
        + RC
    )
    sim = sim_from(text)
    sim.run(until=3600)
    ready_nodes = {n.name for n in sim.store.list("Node") if n.ready == "True" and not n.unschedulable}
    assert len(ready_nodes) == NODES
    for kind, name in (("Deployment", "web"), ("Deployment", "api"), ("ReplicationController", "cache")):
        obj = sim.store.get(kind, "default", name)
        image = obj.template.spec.containers[0].image
        pods = [
            p for p in sim.store.list("Pod")
            if p.labels.get("app") == name and p.is_active
        ]  # fmt: skip
        assert len(pods) == obj.replicas, (kind, name, [(p.name, p.phase) for p in pods])
        assert all(p.ready and p.node_name in ready_nodes and p.image == image for p in pods)
        assert obj.status.ready_replicas == obj.replicas
    again = sim_from(text)
    again.run(until=3600)
    assert list(again.log) == list(sim.log)
