"""``kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`` on the virtual clock.

As kubectl 1.35 (``k8s.io/kubectl/pkg/drain``) does it:

1. Cordon: ``spec.unschedulable`` and the ``node.kubernetes.io/unschedulable:NoSchedule`` taint.
2. Choose the pods: every pod bound to the node except DaemonSet-managed pods (``--ignore-daemonsets``), mirror
   pods (``kubernetes.io/config.mirror``). Pods already being deleted are evicted (the API accepts at once) and
   waited for, as without ``--skip-wait-for-delete-timeout``. Finished pods (Succeeded/Failed) are
   evicted too (the API deletes them without a budget check). emptyDir data is deleted
   (``--delete-emptydir-data``). A pod without a controller stops the drain before any eviction unless
   ``force`` (``--force``) is given: "cannot delete Pods that declare no controller"; with it, kubectl's
   warning "deleting Pods that declare no controller: ..." goes into the ``Drain`` event.
3. Evict them all at once, one eviction loop per pod: a 429 (the PodDisruptionBudget is spent) is retried every
   5 s (``EvictErrorRetryDelay``, a plain sleep: the global timeout is noticed at the next attempt); any other
   error ends that pod's loop and fails the drain. After a successful eviction kubectl polls every second until
   the pod is gone (again noticing the timeout at a poll).
4. The drain ends when every pod is gone, or fails when ``timeout`` (``--timeout``; 0 or None = forever) runs
   out ("global timeout reached: 1m0s"); the node stays cordoned either way.

kubectl records no Kubernetes Events (it prints). So that the event log shows the drain, kubesim records them
with kubectl's wording: on the Node ``Drain`` (started), ``Drained`` ("node/<n> drained") or ``DrainFailed``
(Warning); on each Pod ``Evicted`` ("evicting pod ...") and ``EvictionBlocked`` (Warning, the 429 and its
cause, "will retry after 5s"). PodDisruptionBudgets apply through ``simulator.eviction``.
"""

from __future__ import annotations

from typing import Protocol

import attrs

from models.node import Node
from models.pod import Pod, Taint
from simulator.controllers.nodelifecycle import UNSCHEDULABLE_TAINT
from simulator.engine import Engine, Signal
from simulator.eviction import EvictionResult, evict
from simulator.store import Store

__all__ = ["EVICT_RETRY_DELAY", "DrainError", "DrainStatus", "cordon_node", "drain", "pods_to_evict"]

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
EVICT_RETRY_DELAY = 5.0  # kubectl drain: EvictErrorRetryDelay
DELETE_POLL_INTERVAL = 1.0  # kubectl drain: waitForDelete interval


class DrainError(ValueError):
    """The node to drain does not exist."""


class _Cluster(Protocol):
    @property
    def store(self) -> Store: ...

    @property
    def engine(self) -> Engine: ...


@attrs.define(eq=False)
class DrainStatus:
    """A drain in progress or finished. ``done`` fires when it ends; ``error`` is set if it failed."""

    node: str
    started_at: float
    done: Signal
    pods: list[str] = attrs.field(factory=list)
    evicted: list[str] = attrs.field(factory=list)
    finished_at: float | None = None
    error: str | None = None
    blocked: int = 0  # 429 answers received

    @property
    def drained(self) -> bool:
        """Whether the drain completed (every selected pod evicted and gone)."""
        return self.finished_at is not None and self.error is None


def cordon_node(store: Store, node: Node) -> None:
    """``kubectl cordon`` (the same as the ``cordon`` timeline action)."""
    if node.unschedulable:
        return
    node.unschedulable = True
    node.taints = (
        *node.taints,
        Taint(key=UNSCHEDULABLE_TAINT, effect="NoSchedule", time_added=store.engine.now),
    )
    store.update(node)
    store.event(node, "NodeNotSchedulable", f"Node {node.name} status is now: NodeNotSchedulable")


def _daemonset_pod(pod: Pod) -> bool:
    ref = pod.controller_ref
    return ref is not None and ref.kind == "DaemonSet"


def pods_to_evict(
    store: Store, node_name: str, force: bool = False
) -> tuple[list[Pod], list[Pod], list[Pod]]:
    """kubectl's pod filters: (pods to evict, ignored DaemonSet pods, bare pods that need ``force``)."""
    evict_list: list[Pod] = []
    daemons: list[Pod] = []
    bare: list[Pod] = []
    # The API server lists in etcd key order, "<namespace>/<name>" byte by byte ("a-b/x" before "a/x").
    pods = sorted(store.pods_on_node(node_name), key=_pod_ref)
    for pod in pods:
        # Pods already being deleted are not skipped (skipDeletedFilter only acts with
        # --skip-wait-for-delete-timeout): the API deletes them without a budget check and kubectl waits.
        if _daemonset_pod(pod) and not pod.is_terminal:
            daemons.append(pod)
            continue
        if MIRROR_ANNOTATION in pod.annotations:
            continue
        if pod.controller_ref is None and not pod.is_terminal and not force:
            bare.append(pod)
            continue
        evict_list.append(pod)
    return evict_list, daemons, bare


def drain(
    cluster: _Cluster, node_name: str, timeout: float | None = None, force: bool = False
) -> DrainStatus:
    """Start draining ``node_name`` now; returns its status (watch ``status.done``).

    Raises:
        DrainError: the node does not exist.
    """
    store, engine = cluster.store, cluster.engine
    node = store.get("Node", "", node_name)
    if node is None:
        raise DrainError(f"node {node_name} does not exist")
    assert isinstance(node, Node)
    status = DrainStatus(node=node_name, started_at=engine.now, done=engine.signal())
    cordon_node(store, node)
    pods, daemons, bare = pods_to_evict(store, node_name, force)
    if bare:
        names = ", ".join(map(_pod_ref, bare))
        _fail(
            store,
            engine,
            node,
            status,
            f"cannot delete Pods that declare no controller (use --force to override): {names}",
        )
        return status
    status.pods = [_pod_ref(p) for p in pods]
    # kubectl's warnings (``PodDeleteList.Warnings``); Go prints them in map order, kubesim in filter order.
    # A warning of the emptyDir filter is overwritten by the later filters upstream, so none is printed for it.
    unmanaged = [p for p in pods if p.controller_ref is None and not p.is_terminal]
    message = f"Draining node {node_name}: evicting {len(pods)} pods"
    if daemons:
        message += "; ignoring DaemonSet-managed Pods: " + ", ".join(map(_pod_ref, daemons))
    if unmanaged:
        message += "; deleting Pods that declare no controller: " + ", ".join(map(_pod_ref, unmanaged))
    store.event(node, "Drain", message)
    engine.process(_run(cluster, node, status, pods, timeout), name=f"drain/{node_name}")
    return status


def _fail(store: Store, engine: Engine, node: Node, status: DrainStatus, error: str) -> None:
    status.error = error
    status.finished_at = engine.now
    store.event(
        node,
        "DrainFailed",
        f'error: unable to drain node "{node.name}" due to error: {error}, continuing command...',
        "Warning",
    )
    status.done.trigger(status)


async def _run(
    cluster: _Cluster, node: Node, status: DrainStatus, pods: list[Pod], timeout: float | None
) -> None:
    store, engine = cluster.store, cluster.engine
    deadline = None if not timeout else engine.now + timeout
    errors: list[str] = []
    loops = [
        engine.process(_evict_pod(cluster, node, status, pod, deadline, errors), name=f"evict/{pod.name}")
        for pod in pods
    ]
    for loop in loops:
        await engine.wait_for(loop.done)
    if errors:
        # utilerrors.NewAggregate: one error as is, several as "[a, b]"
        _fail(store, engine, node, status, errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
        return
    status.finished_at = engine.now
    store.event(node, "Drained", f"node/{node.name} drained")
    status.done.trigger(status)


async def _evict_pod(
    cluster: _Cluster,
    node: Node,
    status: DrainStatus,
    pod: Pod,
    deadline: float | None,
    errors: list[str],
) -> None:
    """One pod's eviction loop, then its wait for deletion (a goroutine of kubectl's ``evictPods``)."""
    store, engine = cluster.store, cluster.engine
    uid = pod.uid
    result: EvictionResult | None = None
    limit = go_duration(deadline - status.started_at) if deadline is not None else ""
    while True:
        if deadline is not None and engine.now >= deadline:
            errors.append(
                f'error when evicting pods/"{pod.name}" -n "{pod.namespace}": global timeout reached: {limit}'
            )
            return
        result = evict(cluster, pod)
        if result.allowed:
            store.event(pod, "Evicted", f"evicting pod {_pod_ref(pod)} (drain node/{node.name})")
            break
        if result.code == 404:
            status.evicted.append(_pod_ref(pod))
            return
        if not result.retryable:
            errors.append(f'error when evicting pods/"{pod.name}" -n "{pod.namespace}": {result.message}')
            return
        status.blocked += 1
        store.event(
            pod,
            "EvictionBlocked",
            f'error when evicting pods/"{pod.name}" -n "{pod.namespace}" (will retry after '
            f"{EVICT_RETRY_DELAY:g}s): {result.message} ({result.cause})",
            "Warning",
        )
        await engine.sleep(EVICT_RETRY_DELAY)
    # waitForDelete: poll at once, then every second, until the pod (this uid) is gone.
    while store.contains(pod) and pod.uid == uid:
        if deadline is not None and engine.now >= deadline:
            errors.append(
                f'error when waiting for pod "{pod.name}" terminating: global timeout reached: {limit}'
            )
            return
        await engine.sleep(DELETE_POLL_INTERVAL)
    status.evicted.append(_pod_ref(pod))


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()`` for a non-negative number of seconds: ``1m0s``, ``1h0m5s``, ``1.5s``."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:g}s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    if minutes:
        return f"{int(minutes)}m{text}"
    return text


def _pod_ref(pod: Pod) -> str:
    """``namespace/name``, as kubectl names a pod in its messages; also the API's list order (etcd keys)."""
    return f"{pod.namespace}/{pod.name}"
