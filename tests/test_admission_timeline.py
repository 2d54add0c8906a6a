"""API-server admission (priority, default tolerations, nodeName) and the remaining timeline actions."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from models.loader import load_text
from simulator import Simulation
from simulator.eventlog import EventLog
from tests.simhelpers import deployment, events, pool, scenario, sim_from

PRIORITY = """
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: normal}
value: 10
globalDefault: true
---
"""


def pod_doc(name: str, extra: str = "") -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
{extra}
  containers:
    - {{name: c, image: app:1}}
---
"""


def test_priority_class_resolves_and_global_default_applies():
    sim = sim_from(
        scenario() + pool() + PRIORITY + pod_doc("vip", "  priorityClassName: high") + pod_doc("plain")
    )
    assert sim.store.get("Pod", "default", "vip").priority == 1000
    assert sim.store.get("Pod", "default", "plain").priority == 10


def test_single_zone_fully_down_gets_no_evictions():
    # Every zone with nodes is fully disrupted: the node lifecycle controller stops evicting altogether.
    sim = sim_from(
        scenario(timeline="[{at: 100s, action: crashNode, node: pool-0}]") + pool(count=1) + pod_doc("p")
    )
    sim.run(until=1000)
    assert events(sim, "NodeNotReady", kind="Node") and events(sim, "TaintManagerEviction") == []


def test_default_not_ready_and_unreachable_tolerations_are_added():
    sim = sim_from(scenario() + pool() + pod_doc("p"))
    tolerations = {
        (t.key, t.effect, t.toleration_seconds) for t in sim.store.get("Pod", "default", "p").spec.tolerations
    }
    assert tolerations == {
        ("node.kubernetes.io/not-ready", "NoExecute", 300),
        ("node.kubernetes.io/unreachable", "NoExecute", 300),
    }


def test_own_toleration_is_kept_and_sets_the_eviction_time():
    own = (
        "  nodeName: pool-0\n  tolerations:\n    - {key: node.kubernetes.io/unreachable, operator: Exists,"
        " effect: NoExecute, tolerationSeconds: 30}"
    )
    sim = sim_from(
        scenario(timeline="[{at: 100s, action: crashNode, node: pool-0}]") + pool(count=3) + pod_doc("p", own)
    )
    sim.run(until=400)
    (eviction,) = events(sim, "TaintManagerEviction")
    assert eviction["t"] == 150 + 30


def test_pod_with_node_name_bypasses_the_scheduler():
    sim = sim_from(scenario() + pool() + pod_doc("pinned", "  nodeName: pool-2"))
    sim.run(until=30)
    pod = sim.store.get("Pod", "default", "pinned")
    assert pod.node_name == "pool-2" and pod.phase == "Running"
    assert events(sim, "Scheduled") == []


def test_add_nodes_grows_the_pool_with_zones_round_robin():
    sim = sim_from(
        scenario(timeline="[{at: 10s, action: addNodes, pool: pool, count: 2}]")
        + pool(count=3, zones="[a, b]")
    )
    sim.run(until=20)
    nodes = {n.name: n.labels["topology.kubernetes.io/zone"] for n in sim.store.list("Node")}
    assert nodes == {"pool-0": "a", "pool-1": "b", "pool-2": "a", "pool-3": "b", "pool-4": "a"}
    assert all(n.labels["kubesim.dev/pool"] == "pool" for n in sim.store.list("Node"))


_LATE_POD = (
    "{apiVersion: v1, kind: Pod, metadata: {name: late, labels: {app: late}},"
    " spec: {containers: [{name: c, image: 'nginx', resources: {requests: {cpu: 500m}}}]}}"
)


def test_create_pod_action_submits_the_manifest_at_its_time_in_every_run():
    text = scenario(timeline=f"[{{at: 30s, action: createPod, manifest: {_LATE_POD}}}]") + pool(count=2)
    objects = load_text(textwrap.dedent(text)).objects
    for _ in range(2):  # the loaded manifest is copied, so a second run from the same objects works too
        sim = Simulation(objects)
        sim.run(until=29)
        assert sim.store.get("Pod", "default", "late") is None
        sim.run(until=60)
        pod = sim.store.get("Pod", "default", "late")
        assert pod.node_name and pod.creation_timestamp == 30 and pod.labels == {"app": "late"}
    twice = ", ".join(f"{{at: {at}, action: createPod, manifest: {_LATE_POD}}}" for at in ("30s", "40s"))
    sim = sim_from(scenario(timeline=f"[{twice}]") + pool(count=2))
    sim.run(until=60)
    assert sim.summary()["timeline_errors"] == ["timeline createPod at t=40: pod default/late already exists"]


def test_uncordon_lets_pods_back_and_pending_pods_schedule_when_capacity_returns():
    sim = sim_from(
        scenario(
            timeline="[{at: 0s, action: cordon, node: pool-0}, {at: 100s, action: uncordon, node: pool-0}]"
        )
        + pool(count=1)
        + deployment(replicas=2)
    )
    sim.run(until=50)
    assert all(not p.node_name for p in sim.store.list("Pod"))
    failed = events(sim, "FailedScheduling")
    assert failed and "node(s) were unschedulable" in failed[0]["message"]
    sim.run(until=200)
    assert all(p.ready for p in sim.store.list("Pod"))


def test_timeline_action_on_a_missing_object_is_reported_not_fatal():
    sim = sim_from(
        scenario(timeline="[{at: 5s, action: scale, target: Deployment/nope, replicas: 2}]") + pool()
    )
    sim.run(until=10)
    assert sim.summary()["timeline_errors"] == [
        "timeline scale at t=5: Deployment default/nope does not exist"
    ]
    assert [e["reason"] for e in events(sim, kind="Scenario")] == ["Timeline", "TimelineFailed"]


def test_event_log_write_is_atomic(tmp_path: Path):
    log = EventLog()
    log.append(("t", "seq", "type", "kind", "namespace", "name"), (1.0, "ADDED", "Node", "", "n"))
    target = tmp_path / "log.jsonl"
    log.write_jsonl(target)
    assert json.loads(target.read_text()) == {
        "t": 1.0,
        "seq": 1,
        "type": "ADDED",
        "kind": "Node",
        "namespace": "",
        "name": "n",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["log.jsonl"]
    with pytest.raises(FileNotFoundError):
        log.write_jsonl(tmp_path / "missing" / "log.jsonl")
    assert [p.name for p in tmp_path.iterdir()] == ["log.jsonl"]
