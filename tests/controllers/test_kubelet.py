"""The kubelet model: startup and readiness delays, run durations, restart policies, CrashLoopBackOff, deletion."""

from __future__ import annotations

from tests.simhelpers import deployment, events, pool, run_guarded, scenario, sim_from


def bare_pod(name: str, annotations: str = "{}", restart: str = "Always", probe: str = "") -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  annotations: {annotations}
spec:
  restartPolicy: {restart}
  containers:
    - name: main
      image: app:v1
      resources: {{requests: {{cpu: 100m}}}}
{probe}
---
"""


def phase_times(sim, name):  # type: ignore[no-untyped-def]
    """(t, phase, ready) for every logged change of pod ``name``."""
    return [
        (r["t"], r["phase"], r["ready"])
        for r in sim.log
        if r["kind"] == "Pod" and r["name"] == name and r["type"] != "EVENT"
    ]


def test_pod_runs_after_startup_and_is_ready_after_readiness_delay():
    sim = sim_from(scenario(defaults="{startupSeconds: 3s, readySeconds: 2s}") + pool() + bare_pod("p"))
    sim.run(until=60)
    history = phase_times(sim, "p")
    assert history[2][1:] == ("Running", False) and history[2][0] == 3.0
    assert (5.0, "Running", True) in history


def test_readiness_probe_initial_delay_sets_ready_time():
    probe = "      readinessProbe:\n        initialDelaySeconds: 7\n        httpGet: {path: /, port: 80}"
    sim = sim_from(scenario(defaults="{startupSeconds: 1s}") + pool() + bare_pod("p", probe=probe))
    sim.run(until=60)
    assert (8.0, "Running", True) in phase_times(sim, "p")


def test_never_restart_pod_succeeds_after_its_duration():
    sim = sim_from(
        scenario(defaults="{startupSeconds: 1s}")
        + pool()
        + bare_pod("job", annotations="{kubesim.dev/duration-seconds: 30s}", restart="Never")
    )
    sim.run(until=100)
    pod = sim.store.get("Pod", "default", "job")
    assert pod.phase == "Succeeded"
    assert (31.0, "Succeeded", False) in phase_times(sim, "job")


def test_crash_loop_backoff_doubles_from_10s_and_caps_at_300s():
    sim = sim_from(
        scenario(defaults="{startupSeconds: 0s}")
        + pool()
        + bare_pod("crashy", annotations="{kubesim.dev/duration-seconds: 1s}", restart="Always")
    )
    sim.run(until=3600)
    backoffs = [r["t"] for r in events(sim, "BackOff")]
    # exits at 1, restarts at 11 (10 s), exits 12, restarts 32 (20 s), exits 33, restarts 73 (40 s) ...
    gaps = []
    exits = backoffs
    restarts = [
        r["t"] for r in sim.log if r["kind"] == "Pod" and r["type"] == "MODIFIED" and r["ready"] is True
    ]
    for exit_t in exits:
        nxt = next((t for t in restarts if t > exit_t), None)
        if nxt is not None:
            gaps.append(round(nxt - exit_t, 6))
    assert gaps[:6] == [10.0, 20.0, 40.0, 80.0, 160.0, 300.0]
    assert all(g == 300.0 for g in gaps[6:])
    assert sim.store.get("Pod", "default", "crashy").restart_count == len(gaps)


def test_on_failure_pod_succeeds_on_exit_zero():
    sim = sim_from(
        scenario()
        + pool()
        + bare_pod("p", annotations="{kubesim.dev/duration-seconds: 5s}", restart="OnFailure")
    )
    sim.run(until=60)
    assert sim.store.get("Pod", "default", "p").phase == "Succeeded"


def test_deleted_pod_is_killed_and_removed_after_shutdown():
    sim = sim_from(
        scenario(
            timeline="[{at: 60s, action: deletePod, pod: default/p}]",
            defaults="{startupSeconds: 1s, shutdownSeconds: 4s}",
        )
        + pool()
        + bare_pod("p")
    )
    sim.run(until=120)
    assert sim.store.get("Pod", "default", "p") is None
    killing = events(sim, "Killing")
    assert [e["t"] for e in killing] == [60.0]
    deleted = [r for r in sim.log if r["type"] == "DELETED" and r["kind"] == "Pod"]
    assert deleted[0]["t"] == 64.0


def pinned_pod(name: str, node: str, cpu: str = "1") -> str:
    """A bare pod with ``spec.nodeName``: it skips the scheduler, so only the kubelet's admission checks it."""
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  nodeName: {node}
  containers: [{{name: c, image: app, resources: {{requests: {{cpu: "{cpu}"}}}}}}]
---
"""


def test_kubelet_admission_rejects_a_pinned_pod_that_does_not_fit_with_out_of_cpu():
    sim = sim_from(
        scenario()
        + pool(count=1, cpu="2")
        + pinned_pod("a", "pool-0", "1500m")
        + pinned_pod("b", "pool-0", "1")
    )
    sim.run(until=60)
    a, b = sim.store.get("Pod", "default", "a"), sim.store.get("Pod", "default", "b")
    assert a.phase == "Running"
    assert (b.phase, b.reason) == ("Failed", "OutOfcpu")
    assert b.message == (
        "Pod was rejected: Node didn't have enough resource: cpu, requested: 1000, used: 1500, capacity: 2000"
    )
    (event,) = events(sim, "OutOfcpu")
    assert event["name"] == "b" and event["eventType"] == "Warning"


def test_kubelet_admission_counts_pods_against_the_pod_capacity():
    pods = "".join(pinned_pod(f"p{i}", "pool-0", "10m") for i in range(4))
    sim = sim_from(scenario() + pool(count=1).replace('pods: "110"', 'pods: "3"') + pods)
    sim.run(until=60)
    phases = [(p.name, p.phase, p.reason) for p in sorted(sim.store.list("Pod"), key=lambda p: p.name)]
    assert phases[:3] == [(f"p{i}", "Running", "") for i in range(3)]
    assert phases[3] == ("p3", "Failed", "OutOfpods")


def test_a_pod_pinned_to_a_missing_node_never_runs_and_pod_gc_deletes_it_after_40s():
    sim = sim_from(scenario() + pool(count=1) + pinned_pod("ghost", "no-such-node"))
    sim.run(until=39)
    ghost = sim.store.get("Pod", "default", "ghost")
    assert ghost is not None and ghost.phase == "Pending"
    sim.run(until=41)
    assert sim.store.get("Pod", "default", "ghost") is None


def test_a_deployment_pinned_to_a_node_too_small_for_it_replaces_rejected_pods_one_api_latency_apart():
    """The ReplicaSet/kubelet loop of kubernetes#89007: 3 replicas of 500m pinned by ``spec.nodeName`` to a 1-cpu
    node. The kubelet rejects the third pod (OutOfcpu), the ReplicaSet replaces it, the kubelet rejects the
    replacement, ... as in Kubernetes; but each rejection is written one API latency (1 s) after the binding, so
    virtual time advances and the loop makes one pod a second, not endless pods at one instant."""
    template = deployment("web", replicas=3, cpu="500m").replace(
        "    spec:\n      containers:", "    spec:\n      nodeName: pool-0\n      containers:"
    )
    sim = sim_from(scenario() + pool(count=1, cpu="1") + template)
    run_guarded(sim, 600)
    assert sim.now >= 600
    created = [r["t"] for r in sim.log if r["kind"] == "Pod" and r["type"] == "ADDED"]
    per_minute = [sum(1 for t in created if m * 60 <= t < (m + 1) * 60) for m in range(10)]
    assert per_minute[0] <= 63 and max(per_minute[1:]) <= 61, per_minute
    rejected = events(sim, "OutOfcpu")
    assert [e["t"] for e in rejected[:3]] == [1.0, 2.0, 3.0]
    pods = sim.store.list("Pod")
    running = [p for p in pods if p.phase == "Running"]
    assert len(running) == 2 and all(p.node_name == "pool-0" for p in running)
    assert all(p.reason == "OutOfcpu" for p in pods if p.phase == "Failed")
    assert sum(p.phase == "Pending" for p in pods) <= 1  # the replacement awaiting its rejection


def test_a_rejected_pinned_pod_is_failed_one_api_latency_after_it_was_bound_and_never_readmitted():
    sim = sim_from(
        scenario()
        + pool(count=1, cpu="2")
        + pinned_pod("a", "pool-0", "1500m")
        + pinned_pod("b", "pool-0", "1")
    )
    sim.run(until=0.5)
    b = sim.store.get("Pod", "default", "b")
    assert b.phase == "Pending"
    sim.store.delete(sim.store.get("Pod", "default", "a"))  # room for b now, but the kubelet has decided
    b.labels["touched"] = "yes"
    sim.store.update(b)  # a watch event for b: the kubelet does not run its admission again
    sim.run(until=60)
    assert (b.phase, b.reason) == ("Failed", "OutOfcpu")
    assert [e["t"] for e in events(sim, "OutOfcpu")] == [1.0]
