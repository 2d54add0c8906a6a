"""Node failure: NotReady after the grace period, taints, pods not ready, eviction after 300 s, replacements."""

from __future__ import annotations

import pytest

from tests.simhelpers import deployment, events, pool, scenario, sim_from


def crash_sim(version: str = "1.35", at: str = "100s", recover: str = "", nodes: int = 3, replicas: int = 6):  # type: ignore[no-untyped-def]
    timeline = f"[{{at: {at}, action: crashNode, node: pool-0}}"
    if recover:
        timeline += f", {{at: {recover}, action: recoverNode, node: pool-0}}"
    timeline += "]"
    return sim_from(
        scenario(timeline=timeline, version=version) + pool(count=nodes) + deployment(replicas=replicas)
    )


@pytest.mark.parametrize(("version", "grace"), [("1.35", 50), ("1.32", 50), ("1.31", 40)])
def test_node_goes_not_ready_after_grace_period(version, grace):  # type: ignore[no-untyped-def]
    sim = crash_sim(version)
    sim.run(until=400)
    not_ready = events(sim, "NodeNotReady", kind="Node")
    assert [e["name"] for e in not_ready] == ["pool-0"]
    assert not_ready[0]["t"] == 100 + grace
    node = sim.store.get("Node", "", "pool-0")
    assert node.ready == "Unknown"
    assert {(t.key, t.effect) for t in node.taints} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
    }


def test_pods_on_crashed_node_become_not_ready_then_are_evicted_after_300s_and_replaced():
    sim = crash_sim()
    sim.run(until=99)
    victims = [p for p in sim.store.pods_on_node("pool-0")]
    assert victims, "the test needs pods on the crashed node"
    sim.run(until=151)
    assert all(not p.ready for p in victims)
    sim.run(until=449)
    assert all(p.deletion_timestamp is None for p in victims)
    sim.run(until=451)
    assert all(p.deletion_timestamp == 450.0 for p in victims)
    evictions = events(sim, "TaintManagerEviction")
    assert {e["name"] for e in evictions} == {p.name for p in victims}
    # Unreachable node: the pods stay Terminating, and replacements run elsewhere.
    sim.run(until=600)
    assert all(sim.store.get_key("Pod", p.key) is p for p in victims)
    ready = [p for p in sim.store.list("Pod") if p.ready and p.deletion_timestamp is None]
    assert len(ready) == 6 and all(p.node_name != "pool-0" for p in ready)


def test_node_recovery_before_eviction_keeps_pods_and_clears_taints():
    sim = crash_sim(recover="300s")
    sim.run(until=99)
    victims = list(sim.store.pods_on_node("pool-0"))
    sim.run(until=1000)
    node = sim.store.get("Node", "", "pool-0")
    assert node.ready == "True" and node.taints == ()
    assert all(sim.store.get_key("Pod", p.key) is p and p.ready for p in victims)
    assert all(p.restart_count == 1 for p in victims)
    assert events(sim, "TaintManagerEviction") == []


def test_recovered_node_finishes_terminating_pods():
    sim = crash_sim(recover="900s")
    sim.run(until=99)
    victims = list(sim.store.pods_on_node("pool-0"))
    sim.run(until=1000)
    assert all(sim.store.get_key("Pod", p.key) is None for p in victims)
    assert len([p for p in sim.store.list("Pod") if p.ready]) == 6


def test_noexecute_taints_are_rate_limited_per_zone():
    # 10 nodes in one zone, 3 crash together: the zone stays healthy (30 % < 55 %), so 0.1 node/s.
    timeline = "[" + ", ".join(f"{{at: 100s, action: crashNode, node: pool-{i}}}" for i in range(3)) + "]"
    sim = sim_from(scenario(timeline=timeline) + pool(count=10, zones="[a]"))
    sim.run(until=300)
    tainted = sorted(
        r["t"]
        for r in sim.log
        if r["kind"] == "Node"
        and r["type"] == "MODIFIED"
        and any(t.endswith(":NoExecute") for t in r["taints"])
    )
    assert tainted == [150.0, 160.0, 170.0]


def test_small_zone_in_partial_disruption_stops_evictions():
    # 4 of 5 nodes of a small zone down (80 % >= 55 %, > 2 nodes, zone <= 50 nodes): eviction rate 0 ...
    timeline = "[" + ", ".join(f"{{at: 100s, action: crashNode, node: pool-{i}}}" for i in range(4)) + "]"
    sim = sim_from(scenario(timeline=timeline) + pool(count=5, zones="[a]"))
    sim.run(until=600)
    tainted = [
        r
        for r in sim.log
        if r["kind"] == "Node"
        and r["type"] == "MODIFIED"
        and any(t.endswith(":NoExecute") for t in r["taints"])
    ]
    # ... except that the first node's taint lands before the zone crosses the threshold at 150 s.
    assert len(tainted) <= 1
