"""Per-node numbers the cluster map draws, kept up to date from the store's watch stream.

Why incremental: at 1,000 nodes and tens of thousands of pods, summing every node's pods each frame would cost
more than the frame. Each pod write adjusts its node's requested CPU and memory in O(1) (the scheduler's rule: a
pod counts from binding until it is deleted or finishes), and the nodes touched since the last frame are kept in
``dirty`` so the map redraws only those.

The book also knows two things the Node object does not say: which nodes are being drained (kubesim's ``Drain``
Event until ``Drained``/``DrainFailed``) and which nodes' kubelets are silent (their Lease stopped renewing: a
crashed or cut-off node, before the control plane notices and marks it NotReady).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.node import Node
from models.pod import Pod
from simulator.scheduler.resources import pod_request
from simulator.store import ADDED, DELETED, Store

__all__ = ["NodeBook", "NodeUsage", "node_state"]

LEASE_NAMESPACE = "kube-node-lease"


@dataclass(slots=True)
class NodeUsage:
    """Requests of the pods counted on one node (CPU in millicores, memory in bytes) and their number."""

    cpu: int = 0
    memory: int = 0
    pods: int = 0


def node_state(node: Node, draining: bool) -> str:
    """The word a tile shows: ``NotReady`` (Ready is False or Unknown), ``Draining``, ``Cordoned`` or ``Ready``."""
    if node.ready != "True":
        return "NotReady"
    if draining:
        return "Draining"
    if node.unschedulable:
        return "Cordoned"
    return "Ready"


class NodeBook:
    """Node usage, drain and kubelet state, and the nodes changed since the map last looked."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.usage: dict[str, NodeUsage] = {}
        self._counted: dict[str, tuple[str, int, int]] = {}  # pod uid -> (node, cpu, memory)
        self.dirty: set[str] = set()
        self.layout_version = 0  # bumped when nodes come or go (the map lays its tiles out again)
        self.draining: set[str] = set()
        self.silent: set[str] = set()  # lease not renewing: the kubelet is down or cut off
        for node in store.list("Node"):
            self.on_node(ADDED, node)
        for pod in store.list("Pod"):
            self.on_pod(ADDED, pod)

    def nodes(self) -> list[Node]:
        """Every node, in creation order."""
        return self._store.list("Node")

    def get(self, name: str) -> Node | None:
        """The node called ``name``, if it exists."""
        node = self._store.get("Node", "", name)
        return node if isinstance(node, Node) else None

    def take_dirty(self) -> set[str]:
        """The nodes changed since the last call (and forget them)."""
        dirty, self.dirty = self.dirty, set()
        return dirty

    # -- watch handlers (called by tui.model.ClusterModel) --------------------------------------------------------
    def on_node(self, change: str, node: Node) -> None:
        """A Node was added, modified or deleted."""
        name = node.name
        self.dirty.add(name)
        if change == ADDED:
            self.usage.setdefault(name, NodeUsage())
            self.layout_version += 1
        elif change == DELETED:
            self.usage.pop(name, None)
            self.draining.discard(name)
            self.silent.discard(name)
            self.layout_version += 1

    def on_pod(self, change: str, pod: Pod) -> None:
        """A Pod changed: move its requests between nodes if its counting changed."""
        uid = pod.uid
        node = pod.node_name
        counted = self._counted.get(uid)
        counts = change != DELETED and bool(node) and pod.phase not in ("Succeeded", "Failed")
        if counted is not None and (not counts or counted[0] != node):
            del self._counted[uid]
            usage = self.usage.get(counted[0])
            if usage is not None:
                usage.cpu -= counted[1]
                usage.memory -= counted[2]
                usage.pods -= 1
            self.dirty.add(counted[0])
            counted = None
        if counts and counted is None:
            request = pod_request(pod.spec)
            self._counted[uid] = (node, request.cpu, request.memory)
            usage = self.usage.get(node)
            if usage is None:
                usage = self.usage[node] = NodeUsage()
            usage.cpu += request.cpu
            usage.memory += request.memory
            usage.pods += 1
        if node:
            self.dirty.add(node)

    def on_lease(self, change: str, lease: object) -> None:
        """A node's Lease changed: it renews (kubelet alive) or not (crashed, partitioned, stopped)."""
        if getattr(lease, "namespace", "") != LEASE_NAMESPACE:
            return
        name = str(getattr(lease, "name", ""))
        if change != DELETED and not getattr(lease, "renewing", True):
            self.silent.add(name)
        else:
            self.silent.discard(name)
        self.dirty.add(name)

    def on_event(self, reason: str, kind: str, name: str) -> None:
        """A Kubernetes Event: kubesim's ``Drain`` / ``Drained`` / ``DrainFailed`` mark a drain's start and end."""
        if kind != "Node":
            return
        if reason == "Drain":
            self.draining.add(name)
        elif reason in ("Drained", "DrainFailed", "NodeSchedulable"):
            self.draining.discard(name)
        else:
            return
        self.dirty.add(name)
