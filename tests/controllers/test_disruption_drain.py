"""PodDisruptionBudget status, the Eviction API and ``kubectl drain``, against Kubernetes' documented behaviour.

PDBs are enforced only by the Eviction API (HTTP 429 once the budget is spent); drain retries those every 5 s;
taint-based eviction deletes pods directly and ignores PDBs.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.meta import OwnerReference
from models.pod import Container, Pod, PodSpec
from simulator import Simulation
from simulator.controllers.disruption import pdb_status
from simulator.drain import drain, pods_to_evict
from simulator.eviction import TOO_MANY_REQUESTS, evict
from tests.simhelpers import Recorder, deployment, events, pool, scenario, sim_from

TIMING = "{startupSeconds: 2s, readySeconds: 10s, shutdownSeconds: 5s}"


def pdb(spec: str, name: str = "web", app: str = "web", extra: str = "") -> str:
    return f"""
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}}}
spec:
  {spec}
  selector: {{matchLabels: {{app: {app}}}}}
  {extra}
---
"""


def web_pods(sim: Simulation, app: str = "web") -> list[Any]:
    return [p for p in sim.store.list("Pod") if p.labels.get("app") == app]


def healthy(sim: Simulation, app: str = "web") -> int:
    return sum(1 for p in web_pods(sim, app) if p.ready and p.deletion_timestamp is None)


@pytest.mark.parametrize(
    ("spec", "want"),  # want: currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed
    [
        ("minAvailable: 2", (4, 2, 4, 2)),
        ("minAvailable: 5", (4, 5, 4, 0)),
        ('minAvailable: "30%"', (4, 2, 4, 2)),  # ceil(1.2)
        ("maxUnavailable: 1", (4, 3, 4, 1)),
        ('maxUnavailable: "30%"', (4, 2, 4, 2)),  # 4 - ceil(1.2)
        ("maxUnavailable: 0", (4, 4, 4, 0)),
    ],
)
def test_pdb_status(spec: str, want: tuple[int, int, int, int]) -> None:
    sim = sim_from(scenario(defaults=TIMING) + pool() + deployment("web", replicas=4) + pdb(spec))
    sim.run(until=60)
    budget = sim.store.get("PodDisruptionBudget", "default", "web")
    status = pdb_status(budget)
    assert status is not None
    assert (
        status.current_healthy,
        status.desired_healthy,
        status.expected_pods,
        budget.disruptions_allowed,
    ) == want


def test_percentages_use_the_deployment_scale_not_the_pod_count():
    sim = sim_from(
        scenario(defaults=TIMING) + pool() + deployment("web", replicas=4) + pdb('maxUnavailable: "50%"')
    )
    sim.run(until=60)
    sim.do("scale", target="Deployment/web", replicas=8)
    sim.run(until=sim.now)  # new pods exist but are not Ready yet
    budget = sim.store.get("PodDisruptionBudget", "default", "web")
    status = pdb_status(budget)
    assert status.expected_pods == 8 and status.desired_healthy == 4 and status.current_healthy == 4
    assert budget.disruptions_allowed == 0
    sim.run(until=120)
    assert budget.disruptions_allowed == 4


def test_two_evictions_in_one_instant_cannot_share_the_last_disruption():
    sim = sim_from(
        scenario(defaults=TIMING) + pool() + deployment("web", replicas=3) + pdb("minAvailable: 2")
    )
    sim.run(until=60)
    first, second, _ = web_pods(sim)
    assert evict(sim, first).allowed
    refused = evict(sim, second)
    assert refused.code == TOO_MANY_REQUESTS
    assert refused.message == "Cannot evict pod as it would violate the pod's disruption budget."
    assert refused.cause.startswith("The disruption budget web needs 2 healthy pods")
    assert first.deletion_timestamp == 60.0 and second.deletion_timestamp is None
    sim.run(until=sim.now)
    assert sim.store.get("PodDisruptionBudget", "default", "web").disruptions_allowed == 0


def test_pod_matched_by_two_pdbs_cannot_be_evicted():
    text = scenario(defaults=TIMING) + pool() + deployment("web", replicas=3) + pdb("minAvailable: 1")
    sim = sim_from(text + pdb("maxUnavailable: 1", name="other"))
    sim.run(until=60)
    result = evict(sim, web_pods(sim)[0])
    assert result.code == 500
    assert "more than one PodDisruptionBudget" in result.message


@pytest.mark.parametrize(("policy", "code"), [("IfHealthyBudget", 429), ("AlwaysAllow", 201)])
def test_unhealthy_pod_eviction_policy(policy: str, code: int) -> None:
    # Pods that never become Ready: currentHealthy 0 < desiredHealthy 2, so IfHealthyBudget needs the (spent)
    # budget; AlwaysAllow evicts not-ready running pods regardless.
    text = (
        scenario(defaults="{startupSeconds: 2s, readySeconds: 1h}")
        + pool()
        + deployment("web", replicas=2)
        + pdb("minAvailable: 2", extra=f"unhealthyPodEvictionPolicy: {policy}")
    )
    sim = sim_from(text)
    sim.run(until=60)
    pod = web_pods(sim)[0]
    assert pod.phase == "Running" and not pod.ready
    assert evict(sim, pod).code == code


def test_pending_and_finished_pods_are_evicted_without_a_budget():
    sim = sim_from(
        scenario(defaults=TIMING) + pool() + deployment("web", replicas=2, cpu="64") + pdb("minAvailable: 2")
    )
    sim.run(until=60)
    pending = web_pods(sim)[0]
    assert pending.phase == "Pending"
    assert evict(sim, pending).allowed
    assert not sim.store.contains(pending)


def test_drain_waits_for_the_budget_and_evicts_one_pod_at_a_time():
    # Deployment of 3 on one node, minAvailable 2: each eviction waits until the previous pod's replacement
    # (on the nodes added at 60 s) is Ready; evictions refused with 429 are retried every 5 s.
    timeline = "[{at: 60s, action: addNodes, pool: pool, count: 2}, {at: 120s, action: drain, node: pool-0}]"
    sim = sim_from(
        scenario(timeline=timeline, defaults=TIMING)
        + pool(count=1)
        + deployment("web", replicas=3)
        + pdb("minAvailable: 2")
    )
    low = [99]

    def check(s: Simulation) -> None:
        if s.now >= 30:
            low[0] = min(low[0], healthy(s))

    Recorder(sim, ("Pod",), check)
    sim.run(until=600)
    assert low[0] == 2  # never below minAvailable
    evicted = [e["t"] for e in events(sim, "Evicted", "Pod")]
    # replacement Ready 12 s after each eviction (2 s start + 10 s ready); next retry on the 5 s grid
    assert evicted == [120.0, 135.0, 150.0]
    blocked = events(sim, "EvictionBlocked", "Pod")
    assert blocked and all("will retry after 5s" in e["message"] for e in blocked)
    assert all(e["t"] % 5 == 0 for e in blocked)
    (drained,) = events(sim, "Drained", "Node")
    assert drained["message"] == "node/pool-0 drained" and drained["t"] == 155.0
    node = sim.store.get("Node", "", "pool-0")
    assert node.unschedulable and any(t.key == "node.kubernetes.io/unschedulable" for t in node.taints)
    assert not list(sim.store.pods_on_node("pool-0"))
    assert healthy(sim) == 3


def test_drain_timeout_gives_up_and_leaves_the_node_cordoned():
    timeline = "[{at: 60s, action: drain, node: pool-0, timeout: 1m}]"
    sim = sim_from(
        scenario(timeline=timeline, defaults=TIMING)
        + pool(count=1)
        + deployment("web", replicas=2)
        + pdb("minAvailable: 2")
    )
    sim.run(until=600)
    (failed,) = events(sim, "DrainFailed", "Node")
    assert failed["t"] == 120.0 and "global timeout reached" in failed["message"]
    assert len(events(sim, "EvictionBlocked")) == 2 * 12  # two pods, every 5 s for a minute
    assert sim.store.get("Node", "", "pool-0").unschedulable
    assert healthy(sim) == 2


def _pod(name: str, node: str, owner: str | None = None, annotations: dict[str, str] | None = None) -> Pod:
    refs = (OwnerReference(kind=owner, name="x", uid=f"uid-{owner}"),) if owner else ()
    return Pod(
        name=name,
        namespace="default",
        annotations=annotations or {},
        owner_references=refs,
        spec=PodSpec(containers=(Container(name="c"),), node_name=node),
    )


def test_drain_ignores_daemonset_and_mirror_pods_and_refuses_bare_pods():
    sim = sim_from(scenario(defaults=TIMING) + pool(count=2))
    sim.run(until=1)
    sim.store.add(_pod("ds-pod", "pool-0", owner="DaemonSet"))
    sim.store.add(_pod("mirror", "pool-0", annotations={"kubernetes.io/config.mirror": "x"}))
    sim.store.add(_pod("managed", "pool-0", owner="ReplicaSet"))
    sim.store.add(_pod("bare", "pool-0"))
    sim.run(until=30)
    to_evict, daemons, bare = pods_to_evict(sim.store, "pool-0")
    assert [p.name for p in to_evict] == ["managed"]
    assert [p.name for p in daemons] == ["ds-pod"] and [p.name for p in bare] == ["bare"]
    status = drain(sim, "pool-0")
    assert status.error is not None and "declare no controller" in status.error
    assert sim.store.get("Pod", "default", "managed").deletion_timestamp is None  # nothing evicted
    forced = drain(sim, "pool-0", force=True)
    sim.run(until=60)
    assert forced.drained and sorted(forced.evicted) == ["default/bare", "default/managed"]
    assert {p.name for p in sim.store.pods_on_node("pool-0")} == {"ds-pod", "mirror"}


def test_taint_based_eviction_of_a_crashed_node_ignores_the_pdb():
    sim = sim_from(
        scenario(defaults=TIMING)
        + pool(count=3, zones="[a]")
        + deployment("web", replicas=3)
        + pdb("minAvailable: 3")
    )
    sim.run(until=60)
    assert sim.store.get("PodDisruptionBudget", "default", "web").disruptions_allowed == 0
    victim = web_pods(sim)[0].node_name
    on_victim = {p.name for p in web_pods(sim) if p.node_name == victim}
    sim.do("crashNode", node=victim)
    sim.run(until=600)
    # after node-monitor-grace-period and the 300 s not-ready/unreachable toleration, budget or not
    evicted = {e["name"] for e in events(sim, "TaintManagerEviction", "Pod")}
    assert evicted == on_victim
    assert sim.store.get("PodDisruptionBudget", "default", "web").disruptions_allowed == 0


budgets = st.one_of(
    st.integers(0, 6).map(lambda n: f"minAvailable: {n}"),
    st.sampled_from([10, 34, 50, 67, 100]).map(lambda n: f'minAvailable: "{n}%"'),
    st.integers(0, 3).map(lambda n: f"maxUnavailable: {n}"),
    st.sampled_from([10, 34, 50, 100]).map(lambda n: f'maxUnavailable: "{n}%"'),
)


def _desired(spec: str, replicas: int) -> int:
    key, _, raw = spec.partition(": ")
    value = raw.strip('"')
    amount = -(-int(value[:-1]) * replicas // 100) if value.endswith("%") else int(value)
    return amount if key == "minAvailable" else max(0, replicas - amount)


@settings(max_examples=60, deadline=None)
@given(
    replicas=st.integers(1, 6),
    budget=budgets,
    drains=st.lists(st.tuples(st.integers(0, 2), st.integers(40, 400)), min_size=1, max_size=3),
)
def test_evictions_never_take_ready_pods_below_the_budget(
    replicas: int, budget: str, drains: list[Any]
) -> None:
    entries = ", ".join(
        f"{{at: {t}s, action: drain, node: pool-{n}}}" for n, t in sorted(drains, key=lambda d: d[1])
    )
    text = (
        scenario(timeline=f"[{entries}]", defaults=TIMING)
        + pool(count=3)
        + deployment("web", replicas=replicas)
    )
    sim = sim_from(text + pdb(budget))
    desired = _desired(budget, replicas)
    reached = [False]

    def check(s: Simulation) -> None:
        now_healthy = healthy(s)
        if reached[0]:
            assert now_healthy >= min(desired, replicas), (s.now, now_healthy, desired)
        elif now_healthy >= min(desired, replicas):
            reached[0] = True

    Recorder(sim, ("Pod",), check)
    sim.run(until=900)
    assert reached[0]
    if desired < replicas:  # some disruption is allowed: at least one drain makes progress
        assert events(sim, "Evicted", "Pod") or not any(
            p.node_name in {f"pool-{n}" for n, _ in drains} for p in web_pods(sim)
        )
