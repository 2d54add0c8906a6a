"""The kubelet model: one object standing for the kubelet of every node.

A bound pod's containers start after the startup delay (Running), become Ready after the readiness delay, and may
run for a set duration (then Succeeded, or restart under ``restartPolicy: Always``) or crash at random
(``kubesim.dev/crash-mtbf-seconds``). Restarts follow CrashLoopBackOff: 10 s, doubling, capped at 300 s, reset
after a container has run for 10 minutes. A pod marked for deletion is stopped (``Killing``) and removed after its
shutdown time (capped by ``terminationGracePeriodSeconds``).

A container whose memory usage (``kubesim.dev/memory-usage`` on the pod, plus what the traffic model gives a
Service's endpoints, ``memoryPerRequest``) exceeds its ``resources.limits.memory`` is OOM-killed: exit code 137,
``lastState.terminated.reason: OOMKilled``, a Warning ``OOMKilled`` Event, then the restartPolicy and
CrashLoopBackOff as for any failed container. Usage is checked when the container starts and whenever the traffic
model's load on it changes; a container without a memory limit is never OOM-killed.

When a node crashes its kubelet stops: its timers are dropped and its lease stops renewing, and nothing more is
written about its pods until it recovers (the control plane only learns of the crash through the lease).

A node cut off from the control plane (a network partition, or the kubelet process stopped) looks the same from
the control plane, but its containers keep running: ``disconnect`` pauses the kubelet's writes and timers, and
``reconnect`` reports again, finishing deletions the control plane asked for meanwhile.

A pod created with ``spec.nodeName`` skips the scheduler, so the kubelet's admission may reject it (``OutOfcpu``,
``OutOfpods``, ...): the kubelet decides when it sees the pod, and the pod turns Failed one API latency
(``kubelet_admission_rejection_latency``, 1 s) later, when its status manager's write lands. A rejected pod is
never admitted afterwards, even if room appears.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from models.annotations import MEMORY_USAGE
from models.node import Lease, Node
from models.pod import Pod
from models.quantity import format_bytes, resource_value
from simulator.controllers.base import ControllerContext
from simulator.engine import Handle
from simulator.podutil import PodTiming, pod_timing
from simulator.scheduler.resources import CPU, EPHEMERAL, MEMORY, pod_request
from simulator.store import DELETED

__all__ = ["OOM_EXIT_CODE", "Kubelet", "PodFaults"]

LEASE_NAMESPACE = "kube-node-lease"
OOM_EXIT_CODE = 137  # 128 + SIGKILL


class PodFaults(Protocol):
    """Scenario-level container faults the kubelet consults (``simulator.faults`` provides them)."""

    def crash_looping(self, pod: Pod) -> bool:
        """Whether the pod's containers crash right after starting (an injected crash loop)."""
        ...

    def crash_after(self, pod: Pod) -> float | None:
        """Seconds until the just-started container crashes (``None``: it does not), for pods without a
        ``kubesim.dev/crash-mtbf-seconds`` annotation."""
        ...


class _PodRuntime:
    """What the kubelet tracks about one pod: its pending timer, crash-loop backoff and container start time."""

    __slots__ = ("backoff", "killing", "started_at", "timer", "timing")

    def __init__(self, timing: PodTiming) -> None:
        self.timing = timing
        self.timer: Handle | None = None
        self.backoff = 0.0
        self.started_at = 0.0
        self.killing = False

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class Kubelet:
    """Runs the pods bound to every node whose kubelet is up."""

    def __init__(self, ctx: ControllerContext) -> None:
        self._ctx = ctx
        self._engine = ctx.engine
        self._store = ctx.store
        self._defaults = ctx.defaults
        self._crash_rng = ctx.engine.rng("kubelet/crash")
        self._pods: dict[str, _PodRuntime] = {}
        self._down: set[str] = set()
        self._disconnected: set[str] = set()  # cut off from the control plane; containers keep running
        self._rejected: set[str] = set()  # pods rejected at admission whose Failed status is not written yet
        self.pod_faults: PodFaults | None = None
        # Memory the traffic model gives a pod (bytes), on top of its ``kubesim.dev/memory-usage``.
        self.traffic_memory: Callable[[Pod], int | None] | None = None
        ctx.store.watch("Pod", self._on_pod)
        ctx.store.watch("Node", self._on_node)

    # -- node lifecycle ----------------------------------------------------------------------------------------
    def is_up(self, node_name: str) -> bool:
        """Whether the kubelet of ``node_name`` is running."""
        return node_name not in self._down

    def _on_node(self, change: str, node: Node) -> None:
        if change == "ADDED" and self._store.get("Lease", LEASE_NAMESPACE, node.name) is None:
            self._engine.call_soon(self._create_lease, node.name)
        elif change == DELETED:
            self._down.discard(node.name)
            self._disconnected.discard(node.name)

    def _create_lease(self, node_name: str) -> None:
        if self._store.get("Node", "", node_name) is None:
            return
        if self._store.get("Lease", LEASE_NAMESPACE, node_name) is None:
            # A node that crashed (or was cut off) before its kubelet's first heartbeat gets a lease that never
            # renews: the node lifecycle controller then sees it go silent from this instant, as for any crash.
            renewing = node_name not in self._down and node_name not in self._disconnected
            self._store.add(
                Lease(
                    name=node_name, namespace=LEASE_NAMESPACE, renew_time=self._engine.now, renewing=renewing
                )
            )

    def stop(self, node_name: str) -> None:
        """The node crashed: its containers are gone and its lease stops renewing."""
        if node_name in self._down:
            return
        self._down.add(node_name)
        for pod in list(self._store.pods_on_node(node_name)):
            runtime = self._pods.pop(pod.uid, None)
            if runtime is not None:
                runtime.cancel()
        # A cut-off node's lease has already stopped, as far as the control plane can tell.
        if node_name not in self._disconnected:
            self._set_lease(node_name, renewing=False)

    def start(self, node_name: str) -> None:
        """The node is back: the kubelet reports Ready, finishes deletions and restarts the pods it still has."""
        if node_name not in self._down:
            return
        self._down.discard(node_name)
        if node_name in self._disconnected:
            return  # nobody hears it yet: ``reconnect`` reports
        self._report(node_name)

    def is_connected(self, node_name: str) -> bool:
        """Whether the control plane can hear ``node_name``'s kubelet (no partition, kubelet process running)."""
        return node_name not in self._disconnected

    def disconnect(self, node_name: str) -> None:
        """The control plane stops hearing from the node (partition or stopped kubelet): the lease stops
        renewing, the containers keep running, and nothing about its pods is written until ``reconnect``."""
        if node_name in self._disconnected:
            return
        self._disconnected.add(node_name)
        if node_name in self._down:
            return
        for pod in self._store.pods_on_node(node_name):
            runtime = self._pods.get(pod.uid)
            if runtime is not None:
                runtime.cancel()
        self._set_lease(node_name, renewing=False)

    def reconnect(self, node_name: str) -> None:
        """The node is heard again: it reports Ready and its pods' state, and finishes the deletions the control
        plane made meanwhile (evicted pods are stopped gracefully and removed)."""
        if node_name not in self._disconnected:
            return
        self._disconnected.discard(node_name)
        if node_name not in self._down:
            self._report(node_name)

    def crash_container(self, pod: Pod) -> None:
        """The pod's running container exits with an error now; its restartPolicy decides what follows."""
        runtime = self._pods.get(pod.uid)
        if runtime is None or runtime.killing or not self._live(pod) or pod.container_state != "Running":
            return
        runtime.cancel()
        self._container_exited(pod, 1)

    # -- memory ---------------------------------------------------------------------------------------------------
    def memory_usage(self, pod: Pod) -> int | None:
        """The pod's first container's memory usage in bytes (annotation + traffic), or None if nothing says."""
        usage: int | None = None
        value = pod.annotations.get(MEMORY_USAGE)
        if value is not None:
            usage = resource_value("memory", value)
        if self.traffic_memory is not None:
            extra = self.traffic_memory(pod)
            if extra is not None:
                usage = (usage or 0) + extra
        return usage

    def _over_limit(self, pod: Pod) -> tuple[int, int] | None:
        """(usage, limit) when the first container uses more memory than its limit, else None."""
        if not pod.spec.containers:
            return None
        limit = pod.spec.containers[0].limits.get("memory")
        if limit is None:
            return None
        usage = self.memory_usage(pod)
        if usage is None or usage <= limit:
            return None
        return usage, limit

    def check_memory(self, pod: Pod) -> None:
        """OOM-kill the pod's running container now if its memory usage exceeds its limit."""
        runtime = self._pods.get(pod.uid)
        if runtime is None or runtime.killing or not self._live(pod) or pod.container_state != "Running":
            return
        if self._over_limit(pod) is not None:
            self._oom_kill(pod)

    def _oom_kill(self, pod: Pod) -> None:
        runtime = self._pods.get(pod.uid)
        if runtime is None or runtime.killing or not self._live(pod) or pod.container_state != "Running":
            return
        over = self._over_limit(pod)
        if over is None:
            return
        runtime.cancel()
        container = pod.spec.containers[0].name
        self._store.event(
            pod,
            "OOMKilled",
            f"Container {container} was OOM-killed (exit code {OOM_EXIT_CODE}): memory usage "
            f"{format_bytes(over[0])} exceeds its limit {format_bytes(over[1])}",
            "Warning",
        )
        self._container_exited(pod, OOM_EXIT_CODE)

    def _resume(self, pod: Pod, runtime: _PodRuntime) -> None:
        """Pick up a pod whose containers kept running while the kubelet was not heard."""
        runtime.cancel()
        if pod.deletion_timestamp is not None:
            runtime.killing = False
            self._kill(pod)
        elif pod.is_terminal:
            self._pods.pop(pod.uid, None)
        elif pod.phase == "Pending":
            self._pods.pop(pod.uid, None)
            self._admit(pod)
        elif pod.container_state != "Running":
            self._restart(pod)  # its CrashLoopBackOff ran out meanwhile
        else:
            now = self._engine.now
            ready_at = runtime.started_at + runtime.timing.ready
            if ready_at > now:
                runtime.timer = self._engine.call_at(ready_at, self._became_ready, pod)
                return
            if not pod.ready:
                pod.ready = True
                pod.ready_since = now
                self._store.update(pod)
            self._arm_exit(pod, runtime)

    def _report(self, node_name: str) -> None:
        self._set_lease(node_name, renewing=True)
        node = self._store.get("Node", "", node_name)
        if node is not None and node.ready != "True":
            node.ready = "True"
            self._store.update(node)
        for pod in list(self._store.pods_on_node(node_name)):
            runtime = self._pods.get(pod.uid)
            if runtime is not None:
                self._resume(pod, runtime)
            elif pod.deletion_timestamp is not None:
                self._store.delete(pod)
            elif pod.is_terminal:
                continue
            elif pod.spec.restart_policy == "Never" and pod.phase == "Running":
                self._finish(pod, "Failed")
            else:
                # Containers died with the node; the kubelet starts them again.
                if pod.phase == "Running":
                    pod.restart_count += 1
                pod.ready = False
                pod.ready_since = None
                pod.container_state = "Waiting"
                pod.waiting_reason = "ContainerCreating"
                self._store.update(pod)
                self._admit(pod)

    def _set_lease(self, node_name: str, renewing: bool) -> None:
        lease = self._store.get("Lease", LEASE_NAMESPACE, node_name)
        if lease is not None:
            lease.renewing = renewing
            lease.renew_time = self._engine.now
            self._store.update(lease)

    # -- pods ---------------------------------------------------------------------------------------------------
    def _on_pod(self, change: str, pod: Pod) -> None:
        node = pod.node_name
        if not node:
            return
        if change == DELETED:
            self._rejected.discard(pod.uid)
            runtime = self._pods.pop(pod.uid, None)
            if runtime is not None:
                runtime.cancel()
            return
        if node in self._down or node in self._disconnected:
            return
        runtime = self._pods.get(pod.uid)
        if pod.deletion_timestamp is not None:
            if runtime is None or not runtime.killing:
                self._engine.call_soon(self._kill, pod)
            return
        if runtime is None and pod.phase == "Pending":
            # Admission only arms a timer (no store write), so it may run inside the watch callback.
            self._admit(pod)

    def _live(self, pod: Pod) -> bool:
        node = pod.node_name
        return self._store.contains(pod) and node not in self._down and node not in self._disconnected

    def _admit(self, pod: Pod) -> None:
        node = pod.node_name  # self._live(pod), inlined (once per pod start)
        if (
            not self._store.contains(pod)
            or node in self._down
            or node in self._disconnected
            or pod.uid in self._pods
            or pod.uid in self._rejected
            or pod.deletion_timestamp is not None
        ):
            return
        if pod.spec.node_name and pod.start_time is None:
            # Only a pod that skipped the scheduler (spec.nodeName) can fail the kubelet's admission: the
            # scheduler's NodeResourcesFit already made sure a bound pod fits.
            if self._store.get("Node", "", pod.node_name) is None:
                return  # no kubelet runs there; PodGC deletes the pod
            rejection = self._admission_failure(pod)
            if rejection is not None:
                # The rejection reaches the API server (and the pod's controller) one API latency later: the
                # kubelet's status manager writes it. At the same instant a ReplicaSet would replace the pod, see
                # the replacement rejected and replace it again, forever, without virtual time advancing.
                self._rejected.add(pod.uid)
                latency = self._defaults.kubelet_admission_rejection_latency
                self._engine.call_later(latency, self._reject, pod, *rejection)
                return
        runtime = _PodRuntime(pod_timing(pod, self._ctx.scenario_defaults))
        self._pods[pod.uid] = runtime
        runtime.timer = self._engine.call_later(runtime.timing.startup, self._container_started, pod)

    def _admission_failure(self, pod: Pod) -> tuple[str, str] | None:
        """The kubelet's resource admission (``lifecycle.PredicateAdmitHandler``, Kubernetes 1.35): the pod's
        requests plus those of the pods already admitted on the node must fit allocatable, and so must the pod
        count. Returns (reason, message), e.g. ``OutOfcpu``, or ``None`` when the pod is admitted. The Event
        carries the message; the pod's status message is "Pod was rejected: " + message (``rejectPod``)."""
        node = self._store.get("Node", "", pod.node_name)
        assert isinstance(node, Node)
        admitted = [
            p
            for p in self._store.pods_on_node(pod.node_name)
            if p is not pod and p.uid in self._pods and not p.is_terminal
        ]
        allocatable = node.allocatable
        checks = [("pods", 1, len(admitted))]
        want = pod_request(pod.spec)
        for name in (CPU, MEMORY, EPHEMERAL, *(k for k, _ in want.scalars)):
            amount = want.get(name)
            if amount > 0:
                checks.append((name, amount, sum(pod_request(p.spec).get(name) for p in admitted)))
        for name, amount, used in checks:
            capacity = allocatable.get(name, 0)
            if used + amount > capacity:
                message = (
                    f"Node didn't have enough resource: {name}, requested: {amount}, "
                    f"used: {used}, capacity: {capacity}"
                )
                return f"OutOf{name}", message
        return None

    def _reject(self, pod: Pod, reason: str, message: str) -> None:
        self._rejected.discard(pod.uid)
        if not self._live(pod) or pod.uid in self._pods or pod.phase != "Pending":
            return
        pod.phase = "Failed"
        pod.reason = reason
        pod.message = f"Pod was rejected: {message}"
        pod.container_state = "Terminated"
        pod.waiting_reason = ""
        self._store.update(pod)
        self._store.event(pod, reason, message, "Warning")

    def _container_started(self, pod: Pod) -> None:
        runtime = self._pods.get(pod.uid)
        node = pod.node_name  # self._live(pod), inlined (once per container start)
        if (
            runtime is None
            or not self._store.contains(pod)
            or node in self._down
            or node in self._disconnected
        ):
            return
        now = self._engine.now
        runtime.timer = None
        runtime.started_at = now
        if pod.start_time is None:
            pod.start_time = now
        pod.phase = "Running"
        pod.container_state = "Running"
        pod.waiting_reason = ""
        timing = runtime.timing
        faults = self.pod_faults
        if faults is not None and faults.crash_looping(pod):
            # The container exits right after starting, before any readiness probe could pass.
            self._store.update(pod)
            runtime.timer = self._engine.call_soon(self._container_exited, pod, 1)
            return
        if pod.spec.containers and "memory" in pod.spec.containers[0].limits and self._over_limit(pod):
            # The container grows past its limit right after starting, before its readiness probe passes.
            self._store.update(pod)
            runtime.timer = self._engine.call_soon(self._oom_kill, pod)
            return
        if timing.ready <= 0:
            pod.ready = True
            pod.ready_since = now
        self._store.update(pod)
        if timing.ready > 0:
            runtime.timer = self._engine.call_later(timing.ready, self._became_ready, pod)
        else:
            self._arm_exit(pod, runtime)

    def _became_ready(self, pod: Pod) -> None:
        runtime = self._pods.get(pod.uid)
        if runtime is None or not self._live(pod):
            return
        runtime.timer = None
        pod.ready = True
        pod.ready_since = self._engine.now
        self._store.update(pod)
        self._arm_exit(pod, runtime)

    def _arm_exit(self, pod: Pod, runtime: _PodRuntime) -> None:
        timing = runtime.timing
        duration = timing.duration
        crash_mtbf = timing.crash_mtbf
        if crash_mtbf is None and self.pod_faults is None:  # no crash can come: the common case, made short
            if duration is not None:
                left = runtime.started_at + duration - self._engine.now
                runtime.timer = self._engine.call_later(
                    left if left > 0.0 else 0.0, self._container_exited, pod, 0
                )
            return
        remaining = None if duration is None else max(0.0, runtime.started_at + duration - self._engine.now)
        crash_in = None
        if crash_mtbf is not None and crash_mtbf > 0:
            crash_in = self._crash_rng.expovariate(1.0 / crash_mtbf)
        elif self.pod_faults is not None:
            crash_in = self.pod_faults.crash_after(pod)
        if crash_in is not None and (remaining is None or crash_in < remaining):
            runtime.timer = self._engine.call_later(crash_in, self._container_exited, pod, 1)
        elif remaining is not None:
            runtime.timer = self._engine.call_later(remaining, self._container_exited, pod, 0)

    def _container_exited(self, pod: Pod, exit_code: int) -> None:
        runtime = self._pods.get(pod.uid)
        node = pod.node_name  # self._live(pod), inlined (once per container exit)
        if (
            runtime is None
            or not self._store.contains(pod)
            or node in self._down
            or node in self._disconnected
        ):
            return
        runtime.timer = None
        pod.last_exit_code = exit_code
        pod.last_termination_reason = (
            "Completed" if exit_code == 0 else "OOMKilled" if exit_code == OOM_EXIT_CODE else "Error"
        )
        policy = pod.spec.restart_policy
        if policy == "Never" or (policy == "OnFailure" and exit_code == 0):
            self._finish(pod, "Succeeded" if exit_code == 0 else "Failed")
            return
        # Restart with CrashLoopBackOff. The back-off resets once a container has run for 10 minutes.
        defaults = self._defaults
        now = self._engine.now
        if now - runtime.started_at >= defaults.crash_loop_reset_after:
            runtime.backoff = 0.0
        runtime.backoff = (
            defaults.crash_loop_initial_backoff
            if runtime.backoff == 0.0
            else min(runtime.backoff * 2, defaults.crash_loop_max_backoff)
        )
        pod.ready = False
        pod.ready_since = None
        pod.container_state = "Waiting"
        pod.waiting_reason = "CrashLoopBackOff"
        self._store.update(pod)
        container = pod.spec.containers[0].name if pod.spec.containers else ""
        self._store.event(
            pod,
            "BackOff",
            f"Back-off restarting failed container {container} in pod {pod.name}_{pod.namespace}({pod.uid})",
            "Warning",
        )
        runtime.timer = self._engine.call_later(runtime.backoff, self._restart, pod)

    def _restart(self, pod: Pod) -> None:
        runtime = self._pods.get(pod.uid)
        if runtime is None or not self._live(pod):
            return
        pod.restart_count += 1
        self._container_started(pod)

    def _finish(self, pod: Pod, phase: str) -> None:
        runtime = self._pods.pop(pod.uid, None)
        if runtime is not None:
            runtime.cancel()
        pod.phase = phase
        pod.ready = False
        pod.ready_since = None
        pod.container_state = "Terminated"
        self._store.update(pod)

    def _kill(self, pod: Pod) -> None:
        if not self._live(pod):
            return
        runtime = self._pods.get(pod.uid)
        if runtime is not None and runtime.killing:
            return
        if runtime is not None:
            runtime.cancel()
        if pod.is_terminal or pod.phase == "Pending":
            self._pods.pop(pod.uid, None)
            self._store.delete(pod)
            return
        if runtime is None:
            runtime = _PodRuntime(pod_timing(pod, self._ctx.scenario_defaults))
            self._pods[pod.uid] = runtime
        container = pod.spec.containers[0].name if pod.spec.containers else ""
        self._store.event(pod, "Killing", f"Stopping container {container}")
        if pod.ready:
            pod.ready = False
            pod.ready_since = None
            self._store.update(pod)
        runtime.killing = True
        runtime.timer = self._engine.call_later(runtime.timing.shutdown, self._removed, pod)

    def _removed(self, pod: Pod) -> None:
        self._pods.pop(pod.uid, None)
        if self._live(pod):
            self._store.delete(pod)
