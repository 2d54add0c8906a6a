"""Service endpoints follow pod readiness; garbage collection follows ownerReferences and node removal."""

from __future__ import annotations

from tests.simhelpers import deployment, pool, scenario, sim_from

SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
"""


def test_endpoints_list_ready_pods_and_drop_them_when_the_node_goes_not_ready():
    sim = sim_from(
        scenario(timeline="[{at: 100s, action: crashNode, node: pool-0}]")
        + pool()
        + deployment(replicas=6)
        + SERVICE
    )
    sim.run(until=60)
    ep = sim.store.get("Endpoints", "default", "web")
    assert len(ep.ready) == 6 and ep.not_ready == ()
    on_crashed = {p.name for p in sim.store.pods_on_node("pool-0")}
    assert on_crashed
    sim.run(until=151)
    ep = sim.store.get("Endpoints", "default", "web")
    assert not on_crashed & set(ep.ready)
    assert on_crashed <= set(ep.not_ready)


def test_removing_a_node_deletes_its_pods_and_owners_replace_them():
    sim = sim_from(
        scenario(timeline="[{at: 60s, action: removeNode, node: pool-0}]") + pool() + deployment(replicas=6)
    )
    sim.run(until=59)
    doomed = list(sim.store.pods_on_node("pool-0"))
    sim.run(until=120)
    assert sim.store.get("Node", "", "pool-0") is None
    assert all(sim.store.get_key("Pod", p.key) is None for p in doomed)
    assert len([p for p in sim.store.list("Pod") if p.ready]) == 6


def test_deleting_a_deployment_cascades_to_replicasets_and_pods():
    sim = sim_from(scenario() + pool() + deployment(replicas=3))
    sim.run(until=30)
    d = sim.store.get("Deployment", "default", "web")
    sim.store.delete(d)
    sim.run(until=60)
    assert sim.store.list("ReplicaSet") == []
    assert sim.store.list("Pod") == []


def test_cordon_keeps_new_pods_off_the_node():
    sim = sim_from(
        scenario(
            timeline="[{at: 10s, action: cordon, node: pool-0},"
            " {at: 20s, action: scale, target: Deployment/web, replicas: 12}]"
        )
        + pool()
        + deployment(replicas=0)
    )
    sim.run(until=60)
    assert not list(sim.store.pods_on_node("pool-0"))
    assert len([p for p in sim.store.list("Pod") if p.ready]) == 12
    node = sim.store.get("Node", "", "pool-0")
    assert node.unschedulable
