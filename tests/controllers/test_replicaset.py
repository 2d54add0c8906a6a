"""ReplicaSet / ReplicationController: replica count, replacements, and Kubernetes' scale-down victim order."""

from __future__ import annotations

from models.meta import OwnerReference
from models.pod import Pod
from simulator.controllers.replicaset import scale_down_order
from tests.simhelpers import events, pool, scenario, sim_from

RS = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: front}
spec:
  replicas: 5
  selector: {matchLabels: {app: front}}
  template:
    metadata: {labels: {app: front}}
    spec:
      containers:
        - {name: c, image: front:1, resources: {requests: {cpu: 100m}}}
---
"""

RC = """
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  replicas: 3
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers:
        - {name: c, image: legacy:1}
---
"""


def live(sim, prefix):  # type: ignore[no-untyped-def]
    return [p for p in sim.store.list("Pod") if p.name.startswith(prefix) and p.is_active]


def test_replicaset_and_rc_create_their_replicas_and_report_ready():
    sim = sim_from(scenario() + pool() + RS + RC)
    sim.run(until=60)
    assert len(live(sim, "front-")) == 5
    assert len(live(sim, "legacy-")) == 3
    assert sim.store.get("ReplicaSet", "default", "front").status.ready_replicas == 5
    assert sim.store.get("ReplicationController", "default", "legacy").status.ready_replicas == 3
    assert len(events(sim, "SuccessfulCreate")) == 8


def test_deleted_pod_is_replaced_at_once():
    sim = sim_from(scenario() + pool() + RS)
    sim.run(until=30)
    victim = live(sim, "front-")[0]
    sim.do("deletePod", pod=f"default/{victim.name}")
    sim.run(until=sim.now)  # let the controllers react within the same instant
    # The victim is terminating: it no longer counts, so a replacement exists in the same instant.
    assert len(live(sim, "front-")) == 5
    assert victim.deletion_timestamp == 30.0


def test_scale_down_removes_surplus_and_scale_up_adds():
    sim = sim_from(
        scenario(
            timeline="[{at: 60s, action: scale, target: ReplicaSet/front, replicas: 2},"
            " {at: 120s, action: scale, target: ReplicaSet/front, replicas: 7}]"
        )
        + pool()
        + RS
    )
    sim.run(until=90)
    assert len(live(sim, "front-")) == 2
    sim.run(until=200)
    assert len(live(sim, "front-")) == 7


def _pod(name: str, node: str = "", phase: str = "Pending", ready: bool = False, **kw) -> Pod:  # type: ignore[no-untyped-def]
    pod = Pod(
        name=name,
        namespace="default",
        node_name=node,
        phase=phase,
        ready=ready,
        owner_references=(OwnerReference(kind="ReplicaSet", name="rs", uid="u"),),
        **kw,
    )
    pod.uid = name
    return pod


def test_scale_down_order_follows_kubernetes_ranking():
    now = 10_000.0
    unscheduled = _pod("unscheduled")
    pending = _pod("pending", node="n1")
    not_ready = _pod("not-ready", node="n1", phase="Running")
    old_ready = _pod("old-ready", node="n2", phase="Running", ready=True, ready_since=100.0)
    new_ready = _pod("new-ready", node="n3", phase="Running", ready=True, ready_since=9_990.0)
    pods = [old_ready, new_ready, not_ready, pending, unscheduled]
    order = [p.name for p in scale_down_order(pods, pods, now)]
    assert order == ["unscheduled", "pending", "not-ready", "new-ready", "old-ready"]


def test_scale_down_prefers_doubled_up_nodes_then_restarts():
    now = 1000.0
    a = _pod("a", node="n1", phase="Running", ready=True, ready_since=500.0)
    b = _pod("b", node="n1", phase="Running", ready=True, ready_since=500.0)
    c = _pod("c", node="n2", phase="Running", ready=True, ready_since=500.0)
    order = [p.name for p in scale_down_order([c, a, b], [a, b, c], now)]
    assert order[-1] == "c"  # alone on its node: deleted last
    d = _pod("d", node="n3", phase="Running", ready=True, ready_since=500.0, restart_count=5)
    e = _pod("e", node="n4", phase="Running", ready=True, ready_since=500.0)
    assert [p.name for p in scale_down_order([e, d], [d, e], now)] == ["d", "e"]


def test_deletion_cost_annotation_orders_ready_pods():
    now = 1000.0
    cheap = _pod(
        "cheap",
        node="n1",
        phase="Running",
        ready=True,
        ready_since=10.0,
        annotations={"controller.kubernetes.io/pod-deletion-cost": "-5"},
    )
    dear = _pod(
        "dear",
        node="n2",
        phase="Running",
        ready=True,
        ready_since=990.0,
        annotations={"controller.kubernetes.io/pod-deletion-cost": "100"},
    )
    assert [p.name for p in scale_down_order([dear, cheap], [dear, cheap], now)] == ["cheap", "dear"]
