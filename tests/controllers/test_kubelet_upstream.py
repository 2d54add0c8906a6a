"""The kubelet model against Kubernetes' documentation and upstream kubelet tests, ported as facts.

Sources (Kubernetes 1.35):

- kubernetes.io, "Pod Lifecycle": pod phases; restartPolicy Always / OnFailure / Never; "the kubelet restarts
  them with an exponential back-off delay (10s, 20s, 40s, ...), that is capped at 300 seconds (5 minutes). Once a
  container has executed for 10 minutes without any problems, the kubelet resets the restart backoff timer".
- pkg/kubelet/kubelet_pods_test.go: TestPodPhaseWithRestartAlways, TestPodPhaseWithRestartNever,
  TestPodPhaseWithRestartOnFailure (rows expressible with one main container).
- pkg/kubelet/kuberuntime/kuberuntime_manager.go (doBackOff: Warning ``BackOff`` "Back-off restarting failed
  container <name> in pod <name>_<namespace>(<uid>)", waiting reason ``CrashLoopBackOff``) and pkg/kubelet/kubelet.go
  (back-off 10 s initial, 300 s max, reset after 600 s).
- pkg/kubelet/lifecycle/predicate.go and kubelet.go rejectPod: reason ``OutOf<resource>``, Event message
  "Node didn't have enough resource: <r>, requested: <n>, used: <n>, capacity: <n>", pod status Failed with message
  "Pod was rejected: " + that message; pods are checked first, then cpu, memory.
- pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer: the grace period is the pod's
  terminationGracePeriodSeconds (kubesim does not model the kubelet's 2 s minimumGracePeriodInSeconds);
  ``Killing`` Event "Stopping container <name>". pkg/registry/core/pod/strategy.go CheckGracefulDelete: a grace
  period of 0 deletes the pod at once.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from tests.simhelpers import events, pool, scenario, sim_from


def pod_yaml(
    name: str = "p",
    restart: str = "Always",
    annotations: str = "{}",
    limits: str = "",
    grace: int | None = None,
) -> str:
    grace_line = f"  terminationGracePeriodSeconds: {grace}\n" if grace is not None else ""
    limit_text = f", limits: {{{limits}}}" if limits else ""
    return f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  annotations: {annotations}
spec:
  restartPolicy: {restart}
{grace_line}  containers:
    - name: main
      image: app:v1
      resources: {{requests: {{cpu: 100m}}{limit_text}}}
---
"""


def run(
    doc: str, until: float, defaults: str = "{startupSeconds: 1s, readySeconds: 0s}", timeline: str = "[]"
) -> Any:
    sim = sim_from(scenario(defaults=defaults, timeline=timeline) + pool(count=1) + doc)
    sim.run(until=until)
    return sim


SUCCEEDS = "{kubesim.dev/duration-seconds: 5s}"  # the container exits 0 five seconds after it starts
OOM = "{kubesim.dev/memory-usage: 200Mi}"  # over a 100Mi limit: exit code 137 right after it starts
OOM_LIMIT = "memory: 100Mi"


# -- pod phase (kubelet_pods_test.go) -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "restart", "annotations", "limits", "phase"),
    [
        ("TestPodPhaseWithRestartAlways/all-running", "Always", "{}", "", "Running"),
        ("TestPodPhaseWithRestartAlways/succeeded-restarts", "Always", SUCCEEDS, "", "Running"),
        ("TestPodPhaseWithRestartAlways/failed-restarts", "Always", OOM, OOM_LIMIT, "Running"),
        ("TestPodPhaseWithRestartNever/all-running", "Never", "{}", "", "Running"),
        ("TestPodPhaseWithRestartNever/all-succeeded", "Never", SUCCEEDS, "", "Succeeded"),
        ("TestPodPhaseWithRestartNever/all-failed", "Never", OOM, OOM_LIMIT, "Failed"),
        ("TestPodPhaseWithRestartOnFailure/all-running", "OnFailure", "{}", "", "Running"),
        ("TestPodPhaseWithRestartOnFailure/all-succeeded", "OnFailure", SUCCEEDS, "", "Succeeded"),
        ("TestPodPhaseWithRestartOnFailure/failed-restarts", "OnFailure", OOM, OOM_LIMIT, "Running"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("Test") else "",
)
def test_pod_phase_by_restart_policy(
    case: str, restart: str, annotations: str, limits: str, phase: str
) -> None:
    sim = run(pod_yaml(restart=restart, annotations=annotations, limits=limits), until=60)
    pod = sim.store.get("Pod", "default", "p")
    assert pod.phase == phase, case
    if phase in ("Succeeded", "Failed"):
        assert not pod.ready and pod.restart_count == 0


def test_pod_phase_pending_until_the_container_starts() -> None:
    """TestPodPhaseWithRestartAlways/all-pending (waiting containers, none started): phase Pending."""
    sim = run(pod_yaml(), until=0.5, defaults="{startupSeconds: 10s}")
    assert sim.store.get("Pod", "default", "p").phase == "Pending"
    sim.run(until=11)
    assert sim.store.get("Pod", "default", "p").phase == "Running"


def test_never_failed_container_records_exit_code_and_oomkilled_reason() -> None:
    """Pod Lifecycle, container states: Terminated with a reason and exit code; restartPolicy Never: no restart."""
    sim = run(pod_yaml(restart="Never", annotations=OOM, limits=OOM_LIMIT), until=600)
    pod = sim.store.get("Pod", "default", "p")
    assert (pod.phase, pod.last_exit_code, pod.last_termination_reason) == ("Failed", 137, "OOMKilled")
    assert pod.restart_count == 0 and events(sim, "BackOff") == []


def test_on_failure_succeeded_container_is_not_restarted() -> None:
    """Pod Lifecycle, restartPolicy OnFailure: only restarts the container if it exits with an error."""
    sim = run(pod_yaml(restart="OnFailure", annotations=SUCCEEDS), until=600)
    pod = sim.store.get("Pod", "default", "p")
    assert (pod.phase, pod.last_exit_code, pod.last_termination_reason) == ("Succeeded", 0, "Completed")
    assert pod.restart_count == 0 and events(sim, "BackOff") == []


# -- CrashLoopBackOff (Pod Lifecycle; kuberuntime doBackOff) ------------------------------------------------------
def restart_gaps(sim: Any) -> list[float]:
    """Seconds from each BackOff (container exit) to the container's next start."""
    starts = [
        r["t"]
        for r in sim.log
        if r["kind"] == "Pod" and r["type"] == "MODIFIED" and r["phase"] == "Running" and r["ready"] is True
    ]
    gaps = []
    for exit_t in (e["t"] for e in events(sim, "BackOff")):
        nxt = next((t for t in starts if t > exit_t), None)
        if nxt is not None:
            gaps.append(round(nxt - exit_t, 6))
    return gaps


@pytest.mark.parametrize(
    ("case", "restart", "annotations", "limits"),
    [
        ("PodLifecycle/restart-backoff-always-exit0", "Always", "{kubesim.dev/duration-seconds: 1s}", ""),
        ("PodLifecycle/restart-backoff-onfailure-oom", "OnFailure", OOM, OOM_LIMIT),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("PodLifecycle") else "",
)
def test_restart_backoff_10s_doubling_capped_at_300s(
    case: str, restart: str, annotations: str, limits: str
) -> None:
    sim = run(pod_yaml(restart=restart, annotations=annotations, limits=limits), until=3000)
    if limits:  # OOM-killed as soon as it starts: the back-off is the gap between consecutive exits
        exits = [e["t"] for e in events(sim, "BackOff")]
        gaps = [round(b - a, 6) for a, b in pairwise(exits)]
    else:
        gaps = restart_gaps(sim)
    assert gaps[:7] == [10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0], case
    assert all(g == 300.0 for g in gaps[6:])
    pod = sim.store.get("Pod", "default", "p")
    assert pod.phase == "Running"
    # restartCount counts the restarts that happened (one per completed back-off).
    assert pod.restart_count == len(gaps)


def test_backoff_event_message_and_waiting_reason() -> None:
    """doBackOff: Warning BackOff "Back-off restarting failed container main in pod p_default(<uid>)"; the
    container waits with reason CrashLoopBackOff, the pod is not Ready but stays Running."""
    sim = run(pod_yaml(annotations="{kubesim.dev/duration-seconds: 1s}"), until=5)
    pod = sim.store.get("Pod", "default", "p")
    (event,) = events(sim, "BackOff")
    assert event["t"] == 2.0 and event["eventType"] == "Warning"
    assert event["message"] == f"Back-off restarting failed container main in pod p_default({pod.uid})"
    assert (pod.phase, pod.ready, pod.container_state, pod.waiting_reason) == (
        "Running",
        False,
        "Waiting",
        "CrashLoopBackOff",
    )
    assert pod.restart_count == 0
    sim.run(until=12.5)
    assert (pod.container_state, pod.restart_count, pod.ready) == ("Running", 1, True)


def test_backoff_resets_after_the_container_ran_10_minutes() -> None:
    """Pod Lifecycle: "Once a container has executed for 10 minutes without any problems, the kubelet resets the
    restart backoff timer": a container that always runs 11 minutes is always restarted after 10 s."""
    sim = run(pod_yaml(annotations="{kubesim.dev/duration-seconds: 11m}"), until=4 * 670 + 30)
    assert restart_gaps(sim)[:4] == [10.0, 10.0, 10.0, 10.0]


def test_backoff_keeps_growing_for_a_container_that_runs_under_10_minutes() -> None:
    sim = run(pod_yaml(annotations="{kubesim.dev/duration-seconds: 5m}"), until=3000)
    assert restart_gaps(sim)[:4] == [10.0, 20.0, 40.0, 80.0]


# -- admission (lifecycle/predicate.go, rejectPod) ----------------------------------------------------------------
def pinned(name: str, cpu: str = "100m", memory: str = "") -> str:
    mem = f", memory: {memory}" if memory else ""
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  nodeName: pool-0
  containers: [{{name: c, image: app, resources: {{requests: {{cpu: "{cpu}"{mem}}}}}}}]
---
"""


@pytest.mark.parametrize(
    ("case", "docs", "reason", "message"),
    [
        (
            "predicate/OutOfcpu",
            pinned("a", "3") + pinned("b", "2"),
            "OutOfcpu",
            "Node didn't have enough resource: cpu, requested: 2000, used: 3000, capacity: 4000",
        ),
        (
            "predicate/OutOfmemory",
            pinned("a", "100m", "6Gi") + pinned("b", "100m", "4Gi"),
            "OutOfmemory",
            "Node didn't have enough resource: memory, requested: 4294967296, used: 6442450944, "
            "capacity: 8589934592",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("predicate") else "",
)
def test_admission_rejection(case: str, docs: str, reason: str, message: str) -> None:
    sim = sim_from(scenario() + pool(count=1) + docs)
    sim.run(until=0.5)
    b = sim.store.get("Pod", "default", "b")
    assert b.phase == "Pending"  # the Failed status lands one API latency (1 s) after the decision
    sim.run(until=60)
    assert (b.phase, b.reason, b.message) == ("Failed", reason, "Pod was rejected: " + message), case
    (event,) = events(sim, reason)
    assert (event["name"], event["eventType"], event["message"]) == ("b", "Warning", message)
    assert sim.store.get("Pod", "default", "a").phase == "Running"


def test_admission_checks_pod_count_before_resources() -> None:
    """predicate.go: the pods check comes first, so a pod over both the pod count and cpu is OutOfpods."""
    docs = pinned("a", "3") + pinned("b", "2")
    sim = sim_from(scenario() + pool(count=1).replace('pods: "110"', 'pods: "1"') + docs)
    sim.run(until=60)
    b = sim.store.get("Pod", "default", "b")
    assert (b.phase, b.reason) == ("Failed", "OutOfpods")
    assert (
        b.message
        == "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 1, capacity: 1"
    )


# -- graceful termination (killContainer, CheckGracefulDelete) ----------------------------------------------------
@pytest.mark.parametrize(
    ("case", "shutdown", "grace", "removed_after"),
    [
        ("PodLifecycle/termination-app-exits-within-grace", "4s", 30, 4.0),
        ("PodLifecycle/termination-grace-period-caps-shutdown", "60s", 10, 10.0),
    ],
    ids=lambda v: v if isinstance(v, str) and "/" in v else "",
)
def test_graceful_termination(case: str, shutdown: str, grace: int, removed_after: float) -> None:
    sim = run(
        pod_yaml(annotations=f"{{kubesim.dev/shutdown-seconds: {shutdown}}}", grace=grace),
        until=200,
        timeline="[{at: 60s, action: deletePod, pod: default/p}]",
    )
    assert sim.store.get("Pod", "default", "p") is None
    (killing,) = events(sim, "Killing")
    assert (killing["t"], killing["message"]) == (60.0, "Stopping container main")
    deleted = [r["t"] for r in sim.log if r["kind"] == "Pod" and r["type"] == "DELETED"]
    assert deleted == [60.0 + removed_after], case


def test_termination_grace_period_zero_deletes_at_once() -> None:
    """CheckGracefulDelete: with terminationGracePeriodSeconds 0 the API server deletes the pod immediately."""
    sim = run(
        pod_yaml(annotations="{kubesim.dev/shutdown-seconds: 30s}", grace=0),
        until=200,
        timeline="[{at: 60s, action: deletePod, pod: default/p}]",
    )
    deleted = [r["t"] for r in sim.log if r["kind"] == "Pod" and r["type"] == "DELETED"]
    assert deleted == [60.0]
