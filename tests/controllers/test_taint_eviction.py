"""Taint-based eviction of pods that land on a node with NoExecute taints, and its API latency."""

from __future__ import annotations

from tests.simhelpers import deployment, events, run_guarded, scenario, sim_from

TAINTED_POOL = """
apiVersion: kubesim.dev/v1alpha1
kind: NodePool
metadata: {name: pool}
spec:
  count: 1
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  taints: [{key: dedicated, value: db, effect: NoExecute}]
---
"""


def tolerating(seconds: int, replicas: int = 1) -> str:
    """A Deployment whose pods tolerate the pool's NoExecute taint for ``seconds``."""
    toleration = f"[{{key: dedicated, operator: Exists, effect: NoExecute, tolerationSeconds: {seconds}}}]"
    return deployment("web", replicas=replicas).replace(
        "    spec:\n      containers:", f"    spec:\n      tolerations: {toleration}\n      containers:"
    )


def created_times(sim) -> list[float]:  # type: ignore[no-untyped-def]
    return [r["t"] for r in sim.log if r["kind"] == "Pod" and r["type"] == "ADDED"]


def test_a_pod_tolerating_a_noexecute_taint_for_0_s_is_evicted_one_api_latency_after_binding():
    """The taint-eviction/ReplicaSet loop: the pod is bound to the tainted node (it tolerates the taint), evicted
    (tolerationSeconds 0), replaced, and the replacement bound there again, as in Kubernetes. The controller
    sees each binding through its informer and work queue one API latency (1 s) later, so virtual time advances
    and the loop replaces one pod a second instead of endlessly at one instant."""
    sim = sim_from(scenario() + TAINTED_POOL + tolerating(0))
    run_guarded(sim, 600)
    assert sim.now >= 600
    created = created_times(sim)
    per_minute = [sum(1 for t in created if m * 60 <= t < (m + 1) * 60) for m in range(10)]
    assert max(per_minute) <= 61, per_minute
    evictions = [e["t"] for e in events(sim, "TaintManagerEviction")]
    assert evictions[:3] == [1.0, 2.0, 3.0]
    assert len(sim.store.list("Pod")) <= 2  # an evicted pending pod is removed at once; one replacement


def test_a_toleration_longer_than_the_latency_still_counts_from_the_binding():
    sim = sim_from(scenario() + TAINTED_POOL + tolerating(60))
    run_guarded(sim, 200)
    evictions = [e["t"] for e in events(sim, "TaintManagerEviction")]
    assert evictions[:3] == [60.0, 120.0, 180.0]
    assert created_times(sim)[:3] == [0.0, 60.0, 120.0]
