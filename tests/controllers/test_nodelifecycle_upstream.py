"""Node lifecycle controller: facts ported from Kubernetes' sources and tests (inputs and expected results).

Sources: pkg/controller/nodelifecycle/node_lifecycle_controller.go (``ComputeZoneState``, ``handleDisruption``,
``setLimiterInZone``, ``ReducedQPSFunc``/``HealthyQPSFunc``, ``processTaintBaseEviction``,
``markNodeAsReachable``, ``doNoExecuteTaintingPass``), pkg/controller/nodelifecycle/scheduler/
rate_limited_queue.go (``SwapLimiter``: a new limiter starts drained when the old one had no token),
pkg/controller/nodelifecycle/node_lifecycle_controller_test.go (TestMonitorNodeHealthEvictPodsWithDisruption,
TestMonitorNodeHealthMarkPodsNotReady), pkg/controller/util/node/controller_utils.go (``MarkPodsNotReady``),
pkg/kubelet/nodestatus/setters.go (the kubelet's NodeReady event), KEP-4633 (node-monitor-grace-period 50 s
from v1.32) and the kube-controller-manager flag defaults. Each case id names its upstream source.
"""

from __future__ import annotations

import pytest

from simulator.controllers.nodelifecycle import (
    FULL_DISRUPTION,
    NORMAL,
    PARTIAL_DISRUPTION,
    _Zone,
    compute_zone_state,
    zone_eviction_rate,
)
from simulator.defaults import defaults_for
from tests.simhelpers import deployment, events, pool, scenario, sim_from


# -- ComputeZoneState -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ready", "not_ready", "state"),
    [
        (0, 0, NORMAL),  # an empty zone: the default case
        (3, 0, NORMAL),
        (1, 1, NORMAL),
        (0, 1, FULL_DISRUPTION),  # no Ready node at all
        (0, 2, FULL_DISRUPTION),
        (1, 2, NORMAL),  # 67 % unhealthy but not more than 2 nodes
        (2, 3, PARTIAL_DISRUPTION),  # 3 > 2 and 60 % >= 55 %
        (3, 3, NORMAL),  # 50 % < 55 %
        (9, 11, PARTIAL_DISRUPTION),  # exactly 55 %
        (10, 11, NORMAL),  # 52 %
        (1, 50, PARTIAL_DISRUPTION),
    ],
    ids=lambda v: str(v),
)
def test_compute_zone_state(ready: int, not_ready: int, state: str) -> None:
    assert compute_zone_state(ready, not_ready, 0.55) == state


# -- setLimiterInZone: eviction (NoExecute tainting) rate per zone state ---------------------------------------------
@pytest.mark.parametrize(
    ("state", "size", "rate"),
    [
        (NORMAL, 3, 0.1),
        (NORMAL, 500, 0.1),
        (FULL_DISRUPTION, 3, 0.1),  # HealthyQPSFunc, while another zone is not fully disrupted
        (PARTIAL_DISRUPTION, 5, 0.0),  # ReducedQPSFunc: zone <= largeClusterSizeThreshold (50)
        (PARTIAL_DISRUPTION, 50, 0.0),
        (PARTIAL_DISRUPTION, 51, 0.01),  # secondary-node-eviction-rate
    ],
    ids=lambda v: str(v),
)
def test_set_limiter_in_zone(state: str, size: int, rate: float) -> None:
    assert zone_eviction_rate(state, size, defaults_for("1.35")) == rate


# -- SwapLimiter ------------------------------------------------------------------------------------------------
def test_swap_limiter_same_qps_is_a_no_op() -> None:
    zone = _Zone(0.1)
    zone.next_token = 30.0
    zone.swap_rate(0.1, now=25.0)
    assert (zone.rate, zone.next_token) == (0.1, 30.0)


def test_swap_limiter_drains_the_new_limiter_when_the_old_one_had_no_token() -> None:
    zone = _Zone(0.1)
    zone.next_token = 30.0  # a token was taken at 20 s
    zone.swap_rate(0.01, now=25.0)
    assert (zone.rate, zone.next_token) == (0.01, 125.0)


def test_swap_limiter_new_limiter_starts_full_when_the_old_one_had_a_token() -> None:
    zone = _Zone(0.1)
    zone.next_token = 10.0
    zone.swap_rate(0.01, now=25.0)
    assert (zone.rate, zone.next_token) == (0.01, 25.0)


def test_swap_limiter_from_the_never_limiter_starts_drained() -> None:
    zone = _Zone(0.1)
    zone.swap_rate(0.0, now=5.0)  # NewFakeNeverRateLimiter: TryAccept is always false
    zone.swap_rate(0.1, now=100.0)
    assert (zone.rate, zone.next_token) == (0.1, 110.0)


# -- kube-controller-manager defaults ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "grace"),
    [("1.31", 40.0), ("1.32", 50.0), ("1.33", 50.0), ("1.34", 50.0), ("1.35", 50.0)],
    ids=lambda v: str(v),
)
def test_kcm_node_lifecycle_defaults(version: str, grace: float) -> None:
    d = defaults_for(version)
    assert d.node_monitor_grace_period == grace  # KEP-4633
    assert d.node_monitor_period == 5.0
    assert d.node_startup_grace_period == 60.0
    assert (d.node_eviction_rate, d.secondary_node_eviction_rate) == (0.1, 0.01)
    assert (d.unhealthy_zone_threshold, d.large_cluster_size_threshold) == (0.55, 50)


# -- simulations ------------------------------------------------------------------------------------------------
def crash_timeline(*entries: tuple[int, str, int]) -> str:
    return (
        "[" + ", ".join(f"{{at: {at}s, action: {action}, node: pool-{i}}}" for at, action, i in entries) + "]"
    )


def noexecute_records(sim) -> list[tuple[float, str, tuple[str, ...]]]:  # type: ignore[no-untyped-def]
    """(t, node, NoExecute taints) for every Node write whose NoExecute taints differ from the node's last."""
    out = []
    last: dict[str, tuple[str, ...]] = {}
    for r in sim.log:
        if r["kind"] != "Node" or r["type"] != "MODIFIED":
            continue
        taints = tuple(t for t in r["taints"] if t.endswith(":NoExecute"))
        if taints != last.get(r["name"], ()):
            out.append((r["t"], r["name"], taints))
        last[r["name"]] = taints
    return out


def test_only_zone_down_no_eviction() -> None:
    """TestMonitorNodeHealthEvictPodsWithDisruption "Network Disruption: Only zone is down - eviction shouldn't
    take place." Every node of the only zone is unreachable: FullDisruption everywhere, no NoExecute taint."""
    sim = sim_from(
        scenario(timeline=crash_timeline((100, "crashNode", 0), (100, "crashNode", 1)))
        + pool(count=2, zones="[a]")
        + deployment(replicas=2)
    )
    sim.run(until=1000)
    assert [e["name"] for e in events(sim, "NodeNotReady", kind="Node")] == ["pool-0", "pool-1"]
    assert noexecute_records(sim) == []
    assert events(sim, "TaintManagerEviction") == []


def test_both_zones_down_no_eviction() -> None:
    """TestMonitorNodeHealthEvictPodsWithDisruption "Network Disruption: Both zones down - eviction shouldn't
    take place." """
    sim = sim_from(
        scenario(timeline=crash_timeline((100, "crashNode", 0), (100, "crashNode", 1)))
        + pool(count=2, zones="[a, b]")
        + deployment(replicas=2)
    )
    sim.run(until=1000)
    assert noexecute_records(sim) == []
    assert events(sim, "TaintManagerEviction") == []


def test_one_zone_down_eviction_takes_place() -> None:
    """TestMonitorNodeHealthEvictPodsWithDisruption "Network Disruption: One zone is down - eviction should take
    place." Zone a is fully disrupted while zone b is healthy: the primary rate (HealthyQPSFunc)."""
    sim = sim_from(
        scenario(timeline=crash_timeline((100, "crashNode", 0)))
        + pool(count=2, zones="[a, b]")
        + deployment(replicas=2)
    )
    sim.run(until=99)
    victims = {p.name for p in sim.store.pods_on_node("pool-0")}
    assert victims
    sim.run(until=1000)
    assert noexecute_records(sim) == [(150.0, "pool-0", ("node.kubernetes.io/unreachable:NoExecute",))]
    evictions = events(sim, "TaintManagerEviction")
    assert {e["name"] for e in evictions} == victims and {e["t"] for e in evictions} == {450.0}


def test_entering_full_disruption_mode_removes_noexecute_taints_and_cancels_evictions() -> None:
    """handleDisruption: when every zone becomes fully disrupted, ``markNodeAsReachable`` is called on every
    node (NoExecute condition taints removed) and all limiters are swapped to 0. The taint-eviction controller
    then cancels the pending evictions. The NoSchedule taint (TaintNodesByCondition) stays."""
    sim = sim_from(
        scenario(timeline=crash_timeline((100, "crashNode", 0), (200, "crashNode", 1)))
        + pool(count=2, zones="[a, b]")
        + deployment(replicas=2)
    )
    sim.run(until=1000)
    assert noexecute_records(sim) == [
        (150.0, "pool-0", ("node.kubernetes.io/unreachable:NoExecute",)),
        (250.0, "pool-0", ()),
    ]
    assert events(sim, "TaintManagerEviction") == []
    node = sim.store.get("Node", "", "pool-0")
    assert [(t.key, t.effect) for t in node.taints] == [("node.kubernetes.io/unreachable", "NoSchedule")]


def test_exiting_full_disruption_mode_resumes_tainting_after_one_token_period() -> None:
    """handleDisruption "exiting master disruption mode": the limiters go from the never-limiter back to the
    primary rate through SwapLimiter, which starts the new bucket drained, so the first NoExecute taint lands
    1 / 0.1 = 10 s after the pass that saw a node Ready again (pool-1 back at 400 s, the pass at 400 s)."""
    sim = sim_from(
        scenario(
            timeline=crash_timeline((100, "crashNode", 0), (100, "crashNode", 1), (400, "recoverNode", 1))
        )
        + pool(count=2, zones="[a, b]")
        + deployment(replicas=2)
    )
    sim.run(until=1000)
    assert noexecute_records(sim) == [(410.0, "pool-0", ("node.kubernetes.io/unreachable:NoExecute",))]
    assert {e["t"] for e in events(sim, "TaintManagerEviction")} == {710.0}


def test_normal_zone_taints_at_the_primary_rate_then_partial_disruption_at_the_secondary_rate() -> None:
    """A 60-node zone (larger than largeClusterSizeThreshold 50): 3 nodes down stay Normal (0.1 node/s: 150,
    160, 170 s); 40 more make it PartialDisruption (43/60 >= 55 %), whose limiter (0.01 node/s) starts full
    (the old one had a token again), so one node at 250 s and the next 100 s later."""
    entries = [(100, "crashNode", i) for i in range(3)] + [(200, "crashNode", i) for i in range(3, 43)]
    sim = sim_from(scenario(timeline=crash_timeline(*entries)) + pool(count=60, zones="[a]"))
    sim.run(until=400)
    assert [t for t, _, taints in noexecute_records(sim) if taints] == [150.0, 160.0, 170.0, 250.0, 350.0]


def test_small_zone_partial_disruption_stops_tainting() -> None:
    """ReducedQPSFunc: a partially disrupted zone of <= 50 nodes gets rate 0 (4 of 5 nodes down at once)."""
    entries = [(100, "crashNode", i) for i in range(4)]
    sim = sim_from(scenario(timeline=crash_timeline(*entries)) + pool(count=5, zones="[a]"))
    sim.run(until=1000)
    assert noexecute_records(sim) == []


def test_mark_pods_not_ready_only_for_ready_pods() -> None:
    """TestMonitorNodeHealthMarkPodsNotReady / MarkPodsNotReady: each pod of the node whose Ready condition
    changes to False gets a Warning ``NodeNotReady`` "Node is not ready" event; the node a Normal
    ``NodeNotReady`` "Node <name> status is now: NodeNotReady" (RecordNodeStatusChange)."""
    sim = sim_from(
        scenario(timeline=crash_timeline((100, "crashNode", 0))) + pool(count=3) + deployment(replicas=6)
    )
    sim.run(until=99)
    ready = {p.name for p in sim.store.pods_on_node("pool-0") if p.ready}
    sim.run(until=200)
    (node_event,) = events(sim, "NodeNotReady", kind="Node")
    assert node_event["message"] == "Node pool-0 status is now: NodeNotReady" and node_event["t"] == 150.0
    pod_events = events(sim, "NodeNotReady", kind="Pod")
    assert {e["name"] for e in pod_events} == ready
    assert {(e["t"], e["message"]) for e in pod_events} == {(150.0, "Node is not ready")}


def test_node_ready_event_at_the_kubelet_report_noexecute_taint_removed_at_the_next_monitor_pass() -> None:
    """The kubelet records NodeReady when it posts Ready=True (nodestatus ReadyCondition setter); the
    NoSchedule condition taint follows the condition at once (TaintNodesByCondition, driven by node updates);
    the NoExecute one goes at the next monitor pass (processTaintBaseEviction -> markNodeAsReachable)."""
    sim = sim_from(
        scenario(timeline=crash_timeline((100, "crashNode", 0), (302, "recoverNode", 0)))
        + pool(count=3)
        + deployment(replicas=3)
    )
    sim.run(until=1000)
    (ready,) = events(sim, "NodeReady", kind="Node")
    assert ready["t"] == 302.0 and ready["message"] == "Node pool-0 status is now: NodeReady"
    writes = [
        (r["t"], tuple(r["taints"]))
        for r in sim.log
        if r["kind"] == "Node" and r["type"] == "MODIFIED" and r["name"] == "pool-0" and r["t"] >= 302
    ]
    assert (302.0, ("node.kubernetes.io/unreachable:NoExecute",)) in writes
    assert writes[-1] == (305.0, ())
    assert events(sim, "TaintManagerEviction") == []
