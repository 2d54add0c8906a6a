"""StatefulSet: ordinal identities, OrderedReady vs Parallel, at most one pod per identity, rolling updates.

Expected behaviour is Kubernetes' documented StatefulSet semantics (v1.35): pods ``<name>-<ordinal>`` created one
at a time in ordinal order, each only once its predecessor is Running and Ready; scale-down from the highest
ordinal, one at a time; Parallel creates and deletes at once; a pod stuck Terminating blocks its replacement;
RollingUpdate from the highest ordinal down to the partition.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.controllers.statefulset import (
    POD_INDEX_LABEL,
    POD_NAME_LABEL,
    REVISION_LABEL,
    StatefulSetController,
    ordinal_of,
)
from simulator.store import ADDED, DELETED
from tests.simhelpers import deployment, events, pool, scenario, sim_from


def statefulset(
    name: str = "web",
    replicas: int = 3,
    policy: str = "OrderedReady",
    extra_spec: str = "",
    ready_seconds: int = 5,
    image: str = "web:1",
) -> str:
    """A StatefulSet document; pods start in 2 s and are Ready ``ready_seconds`` later."""
    return f"""
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  serviceName: {name}
  podManagementPolicy: {policy}
  selector: {{matchLabels: {{app: {name}}}}}
  {extra_spec}
  template:
    metadata:
      labels: {{app: {name}}}
      annotations: {{kubesim.dev/ready-seconds: "{ready_seconds}"}}
    spec:
      containers: [{{name: c, image: "{image}", resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}}}]
---
"""


def set_pods(sim: Any, name: str = "web") -> dict[str, Any]:
    return {p.name: p for p in sim.store.list("Pod") if ordinal_of(name, p.name) >= 0}


class OrderWatch:
    """Checks at every pod creation that every lower ordinal exists, Running, Ready and not terminating."""

    def __init__(self, sim: Any, name: str = "web", start: int = 0) -> None:
        self.sim = sim
        self.name = name
        self.start = start
        self.created: list[tuple[float, str]] = []
        self.deleted: list[tuple[float, str]] = []
        self.live: dict[str, str] = {}  # pod name -> uid of the live object with that identity
        sim.store.watch("Pod", self._on_pod)

    def _on_pod(self, change: str, pod: Any) -> None:
        ordinal = ordinal_of(self.name, pod.name)
        if ordinal < 0:
            return
        if change == ADDED:
            # At most one pod per identity: the previous object with this name is gone.
            assert pod.name not in self.live, f"{pod.name} created while {self.live[pod.name]} exists"
            self.live[pod.name] = pod.uid
            self.created.append((self.sim.now, pod.name))
            sts = self.sim.store.get("StatefulSet", "default", self.name)
            if sts.pod_management_policy == "OrderedReady":
                for lower in range(self.start, ordinal):
                    prev = self.sim.store.get("Pod", "default", f"{self.name}-{lower}")
                    assert prev is not None, f"{pod.name} created before {self.name}-{lower} exists"
                    assert prev.phase == "Running" and prev.ready and prev.deletion_timestamp is None, (
                        f"{pod.name} created while {prev.name} is {prev.phase} ready={prev.ready}"
                    )
        elif change == DELETED:
            assert self.live.pop(pod.name) == pod.uid
            self.deleted.append((self.sim.now, pod.name))


def test_ordered_ready_creates_pods_in_ordinal_order_each_after_the_previous_is_ready():
    sim = sim_from(scenario() + pool() + statefulset(replicas=4))
    watch = OrderWatch(sim)
    sim.run(until=120)
    # startup 2 s + ready 5 s: each ordinal is created when its predecessor turns Ready.
    assert watch.created == [(0.0, "web-0"), (7.0, "web-1"), (14.0, "web-2"), (21.0, "web-3")]
    pods = set_pods(sim)
    assert sorted(pods) == ["web-0", "web-1", "web-2", "web-3"]
    web2 = pods["web-2"]
    assert web2.labels[POD_NAME_LABEL] == "web-2"
    assert web2.labels[POD_INDEX_LABEL] == "2"
    assert web2.labels[REVISION_LABEL].startswith("web-")
    assert web2.controller_ref.kind == "StatefulSet" and web2.controller_ref.name == "web"
    assert web2.spec is pods["web-0"].spec  # one shared frozen spec
    status = sim.store.get("StatefulSet", "default", "web").status
    assert (status.replicas, status.ready_replicas, status.available_replicas, status.updated_replicas) == (
        4,
        4,
        4,
        4,
    )
    created = events(sim, "SuccessfulCreate", kind="StatefulSet")
    assert [e["message"] for e in created] == [
        f"create Pod web-{i} in StatefulSet web successful" for i in range(4)
    ]


def test_ordinals_start_and_min_ready_seconds():
    sim = sim_from(
        scenario()
        + pool()
        + statefulset(replicas=2, extra_spec="ordinals: {start: 5}\n  minReadySeconds: 10", ready_seconds=0)
    )
    watch = OrderWatch(sim, start=5)
    sim.run(until=60)
    # Ready at 2 s, available 10 s later: the next ordinal waits for availability.
    assert watch.created == [(0.0, "web-5"), (12.0, "web-6")]
    assert sim.store.get("StatefulSet", "default", "web").status.available_replicas == 2


def test_scale_down_removes_the_highest_ordinal_first_one_at_a_time():
    sim = sim_from(
        scenario(timeline="[{at: 100s, action: scale, target: StatefulSet/web, replicas: 1}]")
        + pool()
        + statefulset(replicas=4)
    )
    watch = OrderWatch(sim)
    sim.run(until=200)
    deletes = events(sim, "SuccessfulDelete", kind="StatefulSet")
    assert [e["message"] for e in deletes] == [
        f"delete Pod web-{i} in StatefulSet web successful" for i in (3, 2, 1)
    ]
    # Each deletion waits until the previous pod is gone (shutdown takes 1 s).
    gone = dict((name, t) for t, name in watch.deleted)
    assert deletes[1]["t"] >= gone["web-3"] and deletes[2]["t"] >= gone["web-2"]
    assert deletes[0]["t"] == 100.0 and deletes[1]["t"] > 100.0
    assert sorted(set_pods(sim)) == ["web-0"]


def test_parallel_creates_and_deletes_all_at_once():
    sim = sim_from(
        scenario(timeline="[{at: 100s, action: scale, target: StatefulSet/web, replicas: 1}]")
        + pool()
        + statefulset(replicas=4, policy="Parallel")
    )
    watch = OrderWatch(sim)
    sim.run(until=50)
    assert watch.created == [(0.0, f"web-{i}") for i in range(4)]
    sim.run(until=200)
    assert {e["t"] for e in events(sim, "SuccessfulDelete", kind="StatefulSet")} == {100.0}
    assert sorted(set_pods(sim)) == ["web-0"]


def test_ordered_ready_waits_while_a_pod_is_unhealthy():
    sim = sim_from(
        scenario(timeline="[{at: 50s, action: scale, target: StatefulSet/web, replicas: 4}]")
        + pool()
        + statefulset(replicas=2)
    )
    sim.run(until=40)
    web0 = sim.store.get("Pod", "default", "web-0")
    web0.ready = False  # its readiness probe starts failing
    web0.ready_since = None
    sim.store.update(web0)
    sim.run(until=100)
    assert sorted(set_pods(sim)) == ["web-0", "web-1"]  # no web-2 while web-0 is not Ready
    web0.ready = True
    web0.ready_since = sim.now
    sim.store.update(web0)
    sim.run(until=200)
    assert sorted(set_pods(sim)) == ["web-0", "web-1", "web-2", "web-3"]


def test_failed_pod_is_deleted_and_recreated_with_the_same_identity():
    sim = sim_from(scenario() + pool() + statefulset(replicas=2))
    sim.run(until=60)
    old = sim.store.get("Pod", "default", "web-1")
    old.phase = "Failed"  # as the kubelet reports a pod that ran to a failure
    old.ready = False
    sim.store.update(old)
    sim.run(until=120)
    new = sim.store.get("Pod", "default", "web-1")
    assert new is not None and new is not old and new.uid != old.uid
    assert new.phase == "Running" and new.ready


def _crash_sim(recovery: str) -> Any:
    timeline = "[{at: 60s, action: crashNode, node: pool-0}"
    if recovery:
        timeline += f", {{at: 1000s, action: {recovery}, node: pool-0}}"
    timeline += "]"
    return sim_from(
        scenario(timeline=timeline, duration="2h")
        + pool(count=3)
        + statefulset(replicas=3, policy="Parallel")
        + deployment(replicas=3)
    )


def test_crashed_node_statefulset_pod_is_replaced_only_after_the_node_is_removed():
    sim = _crash_sim("removeNode")
    sim.run(until=59)
    stuck = [p for p in sim.store.pods_on_node("pool-0") if ordinal_of("web", p.name) >= 0]
    deploy_victims = [p for p in sim.store.pods_on_node("pool-0") if ordinal_of("web", p.name) < 0]
    assert len(stuck) == 1 and deploy_victims, "the test needs both kinds of pod on pool-0"
    pod = stuck[0]
    sim.run(until=999)
    # NotReady at 110 s (grace 50 s), NoExecute taint at once, evicted 300 s later: Terminating for good.
    evictions = {e["name"]: e["t"] for e in events(sim, "TaintManagerEviction")}
    assert evictions[pod.name] == 410.0 and pod.deletion_timestamp == 410.0
    assert sim.store.get("Pod", "default", pod.name) is pod  # still holds the identity
    # The Deployment's pods were replaced at once; the StatefulSet identity was not.
    active = [p for p in sim.store.list("Pod") if p.is_active and p.labels.get("app") == "web" and p.ready]
    assert len([p for p in active if ordinal_of("web", p.name) < 0]) == 3
    assert len([p for p in active if ordinal_of("web", p.name) >= 0]) == 2
    assert not events(sim, "FailedCreate")
    sim.run(until=1100)
    replacement = sim.store.get("Pod", "default", pod.name)
    assert replacement is not None and replacement is not pod
    assert replacement.ready and replacement.node_name != "pool-0"
    assert sim.store.get("StatefulSet", "default", "web").status.ready_replicas == 3


def test_crashed_node_statefulset_pod_returns_when_the_node_recovers():
    sim = _crash_sim("recoverNode")
    sim.run(until=59)
    pod = next(p for p in sim.store.pods_on_node("pool-0") if ordinal_of("web", p.name) >= 0)
    sim.run(until=999)
    assert sim.store.get("Pod", "default", pod.name) is pod and pod.deletion_timestamp is not None
    sim.run(until=1100)
    # The kubelet finished the deletion, then the controller created the identity again.
    replacement = sim.store.get("Pod", "default", pod.name)
    assert replacement is not None and replacement is not pod and replacement.ready


def test_rolling_update_with_partition_keeps_lower_ordinals_on_the_old_revision():
    sim = sim_from(
        scenario(timeline="[{at: 100s, action: rollout, target: StatefulSet/web, image: 'web:2'}]")
        + pool()
        + statefulset(replicas=4, extra_spec="updateStrategy: {rollingUpdate: {partition: 2}}")
    )
    sim.run(until=300)
    images = {name: p.image for name, p in set_pods(sim).items()}
    assert images == {"web-0": "web:1", "web-1": "web:1", "web-2": "web:2", "web-3": "web:2"}
    deletes = events(sim, "SuccessfulDelete", kind="StatefulSet")
    assert [e["message"].split()[2] for e in deletes] == ["web-3", "web-2"]
    # web-2 goes only after the new web-3 is Ready (1 s shutdown + 2 s startup + 5 s ready).
    assert deletes[0]["t"] == 100.0 and deletes[1]["t"] == 108.0
    status = sim.store.get("StatefulSet", "default", "web").status
    assert status.updated_replicas == 2 and status.ready_replicas == 4
    # A pod below the partition is recreated at the current (old) revision.
    sim.do("deletePod", pod="default/web-0")
    sim.run(until=400)
    assert sim.store.get("Pod", "default", "web-0").image == "web:1"


def test_rolling_update_all_the_way_then_new_pods_use_the_new_template():
    sim = sim_from(
        scenario(timeline="[{at: 100s, action: rollout, target: StatefulSet/web, image: 'web:2'}]")
        + pool()
        + statefulset(replicas=3)
    )
    sim.run(until=300)
    assert {p.image for p in set_pods(sim).values()} == {"web:2"}
    deletes = events(sim, "SuccessfulDelete", kind="StatefulSet")
    assert [e["message"].split()[2] for e in deletes] == ["web-2", "web-1", "web-0"]
    controller = next(c for c in sim.controllers if isinstance(c, StatefulSetController))
    current, update = controller.revisions(sim.store.get("StatefulSet", "default", "web"))
    assert current == update


def test_max_unavailable_deletes_several_at_once_from_1_35_only():
    text = "{at: 100s, action: rollout, target: StatefulSet/web, image: 'web:2'}"
    spec = "updateStrategy: {rollingUpdate: {maxUnavailable: 2}}"
    for version, first_batch in (("1.35", {"web-3", "web-2"}), ("1.34", {"web-3"})):
        sim = sim_from(
            scenario(timeline=f"[{text}]", version=version)
            + pool()
            + statefulset(replicas=4, policy="Parallel", extra_spec=spec)
        )
        sim.run(until=300)
        deletes = events(sim, "SuccessfulDelete", kind="StatefulSet")
        assert {e["message"].split()[2] for e in deletes if e["t"] == 100.0} == first_batch, version
        assert {p.image for p in set_pods(sim).values()} == {"web:2"}


def test_on_delete_only_recreated_pods_get_the_new_template():
    sim = sim_from(
        scenario(
            timeline="[{at: 100s, action: rollout, target: StatefulSet/web, image: 'web:2'},"
            " {at: 200s, action: deletePod, pod: default/web-1}]"
        )
        + pool()
        + statefulset(replicas=3, extra_spec="updateStrategy: {type: OnDelete}")
    )
    sim.run(until=150)
    assert {p.image for p in set_pods(sim).values()} == {"web:1"}
    sim.run(until=300)
    images = {name: p.image for name, p in set_pods(sim).items()}
    assert images == {"web-0": "web:1", "web-1": "web:2", "web-2": "web:1"}
    assert sim.store.get("StatefulSet", "default", "web").status.updated_replicas == 1


NODES = 4
node = st.integers(0, NODES - 1).map(lambda i: f"pool-{i}")
actions = st.one_of(
    st.builds(lambda n: f"action: crashNode, node: {n}", node),
    st.builds(lambda n: f"action: recoverNode, node: {n}", node),
    st.builds(lambda n: f"action: removeNode, node: {n}", node),
    st.builds(lambda r: f"action: scale, target: StatefulSet/web, replicas: {r}", st.integers(0, 5)),
    st.builds(lambda v: f"action: rollout, target: StatefulSet/web, image: 'web:{v}'", st.integers(2, 4)),
    st.builds(lambda i: f"action: deletePod, pod: default/web-{i}", st.integers(0, 4)),
)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 900), actions), max_size=8),
    st.sampled_from(["OrderedReady", "Parallel"]),
)
def test_at_most_one_pod_per_identity_and_ordered_creation(steps, policy):  # type: ignore[no-untyped-def]
    entries = [f"{{at: {t}s, {a}}}" for t, a in sorted(steps, key=lambda s: s[0])]
    entries += [f"{{at: 1000s, action: recoverNode, node: pool-{i}}}" for i in range(NODES)]
    sim = sim_from(
        scenario(timeline="[" + ", ".join(entries) + "]", duration="1h")
        + pool(count=NODES)
        + statefulset(replicas=3, policy=policy)
    )
    OrderWatch(sim)  # asserts both invariants at every pod creation and deletion
    sim.run(until=2400)
    assert not events(sim, "FailedCreate", kind="StatefulSet")
    nodes = sim.store.list("Node")
    assert all(n.ready == "True" for n in nodes)
    if nodes:
        # Healed: exactly the ordinals in range, each Ready, on the current template once rolled out.
        sts = sim.store.get("StatefulSet", "default", "web")
        pods = set_pods(sim)
        assert set(pods) == {f"web-{i}" for i in range(sts.replicas)}
        assert all(p.ready and p.image == sts.template.spec.containers[0].image for p in pods.values())
