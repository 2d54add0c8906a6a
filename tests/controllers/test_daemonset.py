"""DaemonSet: one pod per eligible node (nodeSelector, taints), new and removed nodes, rolling updates, faults.

Expected behaviour is Kubernetes' documented DaemonSet semantics (v1.35): the controller creates one pod per
eligible node with a ``metadata.name`` node affinity and the DaemonSet tolerations, the default scheduler binds
it; RollingUpdate replaces pods node by node within maxUnavailable (or surges first with maxSurge); DaemonSet
pods tolerate unreachable/not-ready NoExecute without a time limit, so they are never evicted from a failed node.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from models.node import Node
from models.pod import Taint
from simulator.controllers.daemonset import DAEMON_TOLERATIONS, add_daemon_tolerations, node_should_run
from simulator.controllers.daemonset import _target_node as target_node
from tests.simhelpers import deployment, events, pool, scenario, sim_from


def daemonset(
    name: str = "agent", extra_spec: str = "", pod_spec: str = "", image: str = "agent:1", ready: int = 3
) -> str:
    """A DaemonSet document; pods start in 2 s and are Ready ``ready`` seconds later."""
    return f"""
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: {name}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  {extra_spec}
  template:
    metadata:
      labels: {{app: {name}}}
      annotations: {{kubesim.dev/ready-seconds: "{ready}"}}
    spec:
      {pod_spec}
      containers: [{{name: c, image: "{image}", resources: {{requests: {{cpu: 50m, memory: 32Mi}}}}}}]
---
"""


def node_pool(name: str, count: int, labels: str = "{}", taints: str = "[]") -> str:
    return f"""
apiVersion: kubesim.dev/v1alpha1
kind: NodePool
metadata: {{name: {name}}}
spec:
  count: {count}
  labels: {labels}
  taints: {taints}
  allocatable: {{cpu: "4", memory: 8Gi, pods: "110"}}
---
"""


def ds_pods(sim: Any, name: str = "agent", active: bool = True) -> list[Any]:
    return [
        p
        for p in sim.store.list("Pod")
        if p.controller_ref is not None
        and p.controller_ref.kind == "DaemonSet"
        and p.controller_ref.name == name
        and (p.is_active or not active)
    ]


def test_one_pod_per_node_with_node_affinity_and_daemon_tolerations():
    sim = sim_from(scenario() + pool(count=4) + daemonset())
    sim.run(until=60)
    pods = ds_pods(sim)
    assert sorted(p.node_name for p in pods) == [f"pool-{i}" for i in range(4)]
    for pod in pods:
        assert pod.name.startswith("agent-") and len(pod.name) == len("agent-") + 5
        assert pod.ready
        assert target_node(pod) == pod.node_name  # matchFields metadata.name In [node]
        assert set(DAEMON_TOLERATIONS) <= set(pod.spec.tolerations)
        assert pod.labels["controller-revision-hash"] and pod.labels["app"] == "agent"
    status = sim.store.get("DaemonSet", "default", "agent").status
    assert (status.replicas, status.ready_replicas, status.available_replicas, status.updated_replicas) == (
        4,
        4,
        4,
        4,
    )
    assert [e["message"].startswith("Created pod: agent-") for e in events(sim, "SuccessfulCreate")] == [
        True
    ] * 4
    assert sim.summary()["workloads"][0]["desired"] == 4


def test_node_added_mid_run_gets_its_pod_and_removed_node_loses_it():
    sim = sim_from(
        scenario(
            timeline="[{at: 100s, action: addNodes, pool: pool, count: 2},"
            " {at: 200s, action: removeNode, node: pool-0}]"
        )
        + pool(count=3)
        + daemonset()
    )
    sim.run(until=150)
    assert sorted(p.node_name for p in ds_pods(sim)) == [f"pool-{i}" for i in range(5)]
    assert sim.store.get("DaemonSet", "default", "agent").status.ready_replicas == 5
    sim.run(until=300)
    assert sorted(p.node_name for p in ds_pods(sim, active=False)) == [f"pool-{i}" for i in range(1, 5)]
    assert sim.store.get("DaemonSet", "default", "agent").status.replicas == 4


def test_node_selector_limits_the_nodes():
    sim = sim_from(
        scenario()
        + node_pool("gpu", 2, labels="{accelerator: gpu}")
        + node_pool("cpu", 3)
        + daemonset(pod_spec="nodeSelector: {accelerator: gpu}")
    )
    sim.run(until=60)
    assert sorted(p.node_name for p in ds_pods(sim)) == ["gpu-0", "gpu-1"]
    assert sim.store.get("DaemonSet", "default", "agent").status.replicas == 2
    # A node that loses the label loses its pod (shouldContinueRunning is false).
    node = sim.store.get("Node", "", "gpu-1")
    node.labels = {k: v for k, v in node.labels.items() if k != "accelerator"}
    sim.store.update(node)
    sim.run(until=120)
    assert sorted(p.node_name for p in ds_pods(sim, active=False)) == ["gpu-0"]


def test_tainted_node_only_runs_the_pod_if_tolerated():
    taint = "[{key: dedicated, value: infra, effect: NoSchedule}]"
    sim = sim_from(
        scenario()
        + node_pool("infra", 1, taints=taint)
        + node_pool("pool", 2)
        + daemonset("plain")
        + daemonset(
            "tolerant",
            pod_spec="tolerations: [{key: dedicated, operator: Equal, value: infra, effect: NoSchedule}]",
        )
    )
    sim.run(until=60)
    assert sorted(p.node_name for p in ds_pods(sim, "plain")) == ["pool-0", "pool-1"]
    assert sorted(p.node_name for p in ds_pods(sim, "tolerant")) == ["infra-0", "pool-0", "pool-1"]


def test_node_should_run_follows_no_schedule_and_no_execute_taints():
    spec = ds_spec_with_tolerations()
    node = Node(name="n", labels={})
    assert node_should_run(spec, node) == (True, True)
    node.taints = (Taint(key="k", effect="NoSchedule"),)
    assert node_should_run(spec, node) == (False, True)  # a running pod may stay
    node.taints = (Taint(key="k", effect="NoExecute"),)
    assert node_should_run(spec, node) == (False, False)
    node.taints = (Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule"),)
    assert node_should_run(spec, node) == (True, True)  # cordoned nodes still run daemons
    node.taints = (Taint(key="node.kubernetes.io/unreachable", effect="NoExecute"),)
    assert node_should_run(spec, node) == (True, True)


def ds_spec_with_tolerations() -> Any:
    from models.pod import Container, PodSpec

    return PodSpec(containers=(Container(name="c"),), tolerations=add_daemon_tolerations(()))


def test_cordoned_node_still_gets_its_daemon_pod():
    sim = sim_from(
        scenario(timeline="[{at: 30s, action: cordon, node: pool-1}]") + pool(count=3) + daemonset()
    )
    sim.run(until=40)
    victim = next(p for p in ds_pods(sim) if p.node_name == "pool-1")
    sim.do("deletePod", pod=f"default/{victim.name}")
    sim.run(until=100)
    replacement = [p for p in ds_pods(sim) if p.node_name == "pool-1"]
    assert len(replacement) == 1 and replacement[0] is not victim and replacement[0].ready


class Availability:
    """At every pod change, counts the eligible nodes without a Ready, non-terminating daemon pod."""

    def __init__(self, sim: Any, name: str = "agent") -> None:
        self.sim = sim
        self.name = name
        self.worst = 0
        self.most_pods = 0
        sim.store.watch("Pod", self._on_pod)

    def _on_pod(self, change: str, pod: Any) -> None:
        pods = ds_pods(self.sim, self.name)
        serving = {p.node_name for p in pods if p.ready and p.deletion_timestamp is None}
        nodes = [n.name for n in self.sim.store.list("Node")]
        if self.sim.now > 50:  # after the initial rollout
            self.worst = max(self.worst, sum(1 for n in nodes if n not in serving))
        self.most_pods = max(self.most_pods, len(pods))


def test_rolling_update_replaces_pods_node_by_node_within_max_unavailable():
    sim = sim_from(
        scenario(timeline="[{at: 100s, action: rollout, target: DaemonSet/agent, image: 'agent:2'}]")
        + pool(count=6)
        + daemonset(extra_spec="updateStrategy: {rollingUpdate: {maxUnavailable: 2}}")
    )
    watch = Availability(sim)
    sim.run(until=400)
    assert {p.image for p in ds_pods(sim)} == {"agent:2"} and len(ds_pods(sim)) == 6
    assert watch.worst == 2  # used the budget, never more
    deletes = events(sim, "SuccessfulDelete", kind="DaemonSet")
    per_instant: dict[float, int] = {}
    for e in deletes:
        per_instant[e["t"]] = per_instant.get(e["t"], 0) + 1
    assert len(deletes) == 6 and max(per_instant.values()) == 2 and len(per_instant) == 3
    status = sim.store.get("DaemonSet", "default", "agent").status
    assert status.updated_replicas == 6 and status.ready_replicas == 6


def test_rolling_update_with_surge_creates_before_deleting():
    sim = sim_from(
        scenario(timeline="[{at: 100s, action: rollout, target: DaemonSet/agent, image: 'agent:2'}]")
        + pool(count=4)
        + daemonset(extra_spec="updateStrategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}")
    )
    watch = Availability(sim)
    sim.run(until=400)
    assert {p.image for p in ds_pods(sim)} == {"agent:2"} and len(ds_pods(sim)) == 4
    assert watch.worst == 0  # every node always had a serving pod
    assert watch.most_pods == 5  # one surge pod at a time
    first_create = min(e["t"] for e in events(sim, "SuccessfulCreate") if e["t"] >= 100)
    first_delete = min(e["t"] for e in events(sim, "SuccessfulDelete"))
    assert first_create == 100.0 and first_delete == 105.0  # new pod Ready after 2 + 3 s


def test_on_delete_leaves_pods_until_deleted():
    sim = sim_from(
        scenario(
            timeline="[{at: 100s, action: rollout, target: DaemonSet/agent, image: 'agent:2'}]",
        )
        + pool(count=3)
        + daemonset(extra_spec="updateStrategy: {type: OnDelete}")
    )
    sim.run(until=200)
    assert {p.image for p in ds_pods(sim)} == {"agent:1"}
    victim = ds_pods(sim)[0]
    sim.do("deletePod", pod=f"default/{victim.name}")
    sim.run(until=300)
    assert sorted(p.image for p in ds_pods(sim)) == ["agent:1", "agent:1", "agent:2"]
    assert sim.store.get("DaemonSet", "default", "agent").status.updated_replicas == 1


def test_daemon_pod_on_crashed_node_is_not_evicted():
    sim = sim_from(
        scenario(timeline="[{at: 60s, action: crashNode, node: pool-0}]")
        + pool(count=3)
        + daemonset()
        + deployment(replicas=6)
    )
    sim.run(until=59)
    daemon = next(p for p in ds_pods(sim) if p.node_name == "pool-0")
    others = [p for p in sim.store.pods_on_node("pool-0") if p is not daemon]
    assert others, "the test needs a Deployment pod on pool-0"
    sim.run(until=1000)
    evicted = {e["name"] for e in events(sim, "TaintManagerEviction")}
    assert {p.name for p in others} <= evicted and daemon.name not in evicted
    assert sim.store.get("Pod", "default", daemon.name) is daemon and daemon.deletion_timestamp is None
    assert not daemon.ready  # the node is unreachable
    # unreachable:NoSchedule is not a DaemonSet toleration: the node no longer counts as desired.
    status = sim.store.get("DaemonSet", "default", "agent").status
    assert (status.replicas, status.ready_replicas) == (2, 2)
    assert len(ds_pods(sim)) == 3  # no second pod was created


WORKERS = 4
worker = st.integers(0, WORKERS - 1).map(lambda i: f"pool-{i}")
ds_actions = st.one_of(
    st.builds(lambda n: f"action: crashNode, node: {n}", worker),
    st.builds(lambda n: f"action: recoverNode, node: {n}", worker),
    st.builds(lambda n: f"action: cordon, node: {n}", worker),
    st.builds(lambda n: f"action: removeNode, node: {n}", worker),
    st.builds(lambda c: f"action: addNodes, pool: pool, count: {c}", st.integers(1, 2)),
    st.builds(lambda v: f"action: rollout, target: DaemonSet/agent, image: 'agent:{v}'", st.integers(2, 4)),
)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 900), ds_actions), max_size=8),
    st.sampled_from(["{maxUnavailable: 1}", "{maxUnavailable: 2}", "{maxSurge: 1, maxUnavailable: 0}"]),
)
def test_daemonset_converges_to_one_current_pod_per_node(steps, rolling):  # type: ignore[no-untyped-def]
    entries = [f"{{at: {t}s, {a}}}" for t, a in sorted(steps, key=lambda s: s[0])]
    for i in range(WORKERS + 16):  # heal every node (a rollout stalls while a node is down, as upstream)
        entries.append(f"{{at: 1000s, action: recoverNode, node: pool-{i}}}")
        entries.append(f"{{at: 1000s, action: uncordon, node: pool-{i}}}")
    sim = sim_from(
        scenario(timeline="[" + ", ".join(entries) + "]", duration="1h")
        + pool(count=WORKERS)
        + daemonset(extra_spec=f"updateStrategy: {{rollingUpdate: {rolling}}}")
    )
    surge = "maxSurge" in rolling

    def check(change: str, pod: Any) -> None:
        per_node: dict[str, int] = {}
        for p in ds_pods(sim):
            per_node[target_node(p)] = per_node.get(target_node(p), 0) + 1
        assert max(per_node.values(), default=0) <= (2 if surge else 1), per_node

    sim.store.watch("Pod", check)
    sim.run(until=2400)
    ds = sim.store.get("DaemonSet", "default", "agent")
    image = ds.template.spec.containers[0].image
    nodes = sim.store.list("Node")
    assert all(n.ready == "True" for n in nodes)
    pods = {p.node_name: p for p in ds_pods(sim)}
    for node in nodes:  # every node runs exactly one current, Ready pod
        assert node.name in pods and pods[node.name].ready and pods[node.name].image == image, node.name
    assert len(ds_pods(sim, active=False)) == len(nodes)
    assert ds.status.replicas == ds.status.ready_replicas == ds.status.updated_replicas == len(nodes)
