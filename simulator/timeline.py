"""Scenario timeline actions: what ``{at: 10m, action: crashNode, node: node-3}`` does when its time comes.

Each action is one function taking the simulation and the entry's parameters, registered in ``ACTIONS``; later
issues add actions by adding functions. Every action first records a Kubernetes-style Event (reason
``Timeline``, message ``<action> <target>``) so the event log shows what was injected and when.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from models.kubesim import NodePool
from models.node import Node
from simulator.controllers.nodelifecycle import UNSCHEDULABLE_TAINT
from simulator.drain import DrainError, cordon_node, drain
from simulator.podutil import delete_pod

if TYPE_CHECKING:
    from simulator.simulation import Simulation

__all__ = ["ACTIONS", "ActionError", "run_action"]


class ActionError(ValueError):
    """A timeline entry names an object that does not exist when it runs."""


def _node(sim: Simulation, params: Mapping[str, Any]) -> Node:
    node = sim.store.get("Node", "", str(params["node"]))
    if node is None:
        raise ActionError(f"node {params['node']} does not exist")
    assert isinstance(node, Node)
    return node


def _target(sim: Simulation, params: Mapping[str, Any]) -> Any:
    kind, _, name = str(params["target"]).partition("/")
    namespace = str(params.get("namespace", "default"))
    obj = sim.store.get(kind, namespace, name)
    if obj is None:
        raise ActionError(f"{kind} {namespace}/{name} does not exist")
    return obj


def crash_node(sim: Simulation, params: Mapping[str, Any]) -> None:
    """The machine dies: its kubelet stops and its containers with it; the control plane finds out later."""
    node = _node(sim, params)
    sim.metrics.fault("crashNode", node.name)
    sim.kubelet.stop(node.name)


def recover_node(sim: Simulation, params: Mapping[str, Any]) -> None:
    """The machine is back: its kubelet reports Ready and restarts what it still runs."""
    node = _node(sim, params)
    sim.kubelet.start(node.name)
    sim.metrics.end_fault(node.name)


def cordon(sim: Simulation, params: Mapping[str, Any]) -> None:
    """``kubectl cordon``: spec.unschedulable plus the node.kubernetes.io/unschedulable:NoSchedule taint."""
    cordon_node(sim.store, _node(sim, params))


def uncordon(sim: Simulation, params: Mapping[str, Any]) -> None:
    """``kubectl uncordon``."""
    node = _node(sim, params)
    if not node.unschedulable:
        return
    node.unschedulable = False
    node.taints = tuple(t for t in node.taints if t.key != UNSCHEDULABLE_TAINT)
    sim.store.update(node)
    sim.store.event(node, "NodeSchedulable", f"Node {node.name} status is now: NodeSchedulable")


def remove_node(sim: Simulation, params: Mapping[str, Any]) -> None:
    """``kubectl delete node``: PodGC then force-deletes the pods bound to it."""
    node = _node(sim, params)
    sim.kubelet.stop(node.name)
    sim.store.delete(node)


def scale(sim: Simulation, params: Mapping[str, Any]) -> None:
    """``kubectl scale``: set ``spec.replicas`` of a Deployment, ReplicaSet, RC or StatefulSet."""
    obj = _target(sim, params)
    if not hasattr(obj, "replicas"):
        raise ActionError(f"{obj.KIND} {obj.key} cannot be scaled")
    obj.replicas = int(params["replicas"])
    obj.generation += 1
    sim.store.update(obj)


def rollout(sim: Simulation, params: Mapping[str, Any]) -> None:
    """``kubectl set image``: a new pod template (the named or first container gets ``image``)."""
    obj = _target(sim, params)
    template = getattr(obj, "template", None)
    if template is None:
        raise ActionError(f"{obj.KIND} {obj.key} has no pod template")
    wanted = params.get("container")
    containers = list(template.spec.containers)
    index = next((i for i, c in enumerate(containers) if c.name == wanted), None) if wanted else 0
    if index is None:
        raise ActionError(f"{obj.KIND} {obj.key} has no container {wanted}")
    containers[index] = attrs.evolve(containers[index], image=str(params["image"]))
    obj.template = attrs.evolve(template, spec=attrs.evolve(template.spec, containers=tuple(containers)))
    obj.generation += 1
    sim.store.update(obj)


def delete_pod_action(sim: Simulation, params: Mapping[str, Any]) -> None:
    """``kubectl delete pod``: graceful deletion."""
    namespace, _, name = str(params["pod"]).rpartition("/")
    pod = sim.store.get("Pod", namespace or "default", name)
    if pod is None:
        raise ActionError(f"pod {namespace or 'default'}/{name} does not exist")
    delete_pod(sim.store, pod)


def create_pod(sim: Simulation, params: Mapping[str, Any]) -> None:
    """``kubectl create -f pod.yaml``: a copy of the manifest's Pod (the loaded one stays pristine for reruns)."""
    pod = copy.deepcopy(params["manifest"])
    if sim.store.get("Pod", pod.namespace, pod.name) is not None:
        raise ActionError(f"pod {pod.namespace}/{pod.name} already exists")
    sim.store.add(pod)


def add_nodes(sim: Simulation, params: Mapping[str, Any]) -> None:
    """Grow a NodePool by ``count`` nodes (named after the pool's highest index so far)."""
    pool = sim.store.get("NodePool", "", str(params["pool"]))
    if pool is None:
        raise ActionError(f"NodePool {params['pool']} does not exist")
    assert isinstance(pool, NodePool)
    sim.add_pool_nodes(pool, int(params["count"]))


def drain_action(sim: Simulation, params: Mapping[str, Any]) -> None:
    """``kubectl drain --ignore-daemonsets --delete-emptydir-data``: cordon, then evict through the Eviction API
    (PodDisruptionBudgets apply; 429s are retried every 5 s) until the node's pods are gone or ``timeout``."""
    try:
        drain(sim, str(params["node"]), timeout=params.get("timeout"))
    except DrainError as err:
        raise ActionError(str(err)) from None


def set_traffic(sim: Simulation, params: Mapping[str, Any]) -> None:
    """Override a Service's request rate from now on (``service: ns/name`` or ``name``, ``rps:``)."""
    namespace, _, name = str(params["service"]).rpartition("/")
    try:
        sim.traffic.set_traffic(namespace or "default", name, float(params["rps"]))
    except KeyError as err:
        raise ActionError(str(err.args[0])) from None


def _duration(params: Mapping[str, Any], required: bool = False) -> float | None:
    value = params.get("duration")
    if value is None:
        if required:
            raise ActionError("duration is required")
        return None
    seconds = float(value)
    if seconds <= 0:
        raise ActionError(f"duration must be greater than 0, got {seconds:g}")
    return seconds


def zone_outage(sim: Simulation, params: Mapping[str, Any]) -> None:
    """Every node of the zone crashes (kubelets stop, containers die); after ``duration`` they come back."""
    zone = str(params["zone"])
    if not sim.faults.zone_nodes(zone):
        raise ActionError(f"no node is in zone {zone}")
    sim.faults.zone_outage(zone, _duration(params))


def recover_zone(sim: Simulation, params: Mapping[str, Any]) -> None:
    """Every crashed node of the zone comes back."""
    zone = str(params["zone"])
    if not sim.faults.zone_nodes(zone):
        raise ActionError(f"no node is in zone {zone}")
    sim.faults.recover_zone(zone)


def partition_node(sim: Simulation, params: Mapping[str, Any]) -> None:
    """The control plane loses the node (lease stops renewing); its kubelet and containers keep running."""
    sim.faults.partition(_node(sim, params).name, _duration(params))


def heal_partition(sim: Simulation, params: Mapping[str, Any]) -> None:
    """The node is reachable again (also ends ``stopKubelet``)."""
    sim.faults.heal_partition(_node(sim, params).name)


def stop_kubelet(sim: Simulation, params: Mapping[str, Any]) -> None:
    """The kubelet process stops; containers keep running (the control plane sees what a partition shows)."""
    sim.faults.partition(_node(sim, params).name, _duration(params), type_="stopKubelet")


def crash_loop(sim: Simulation, params: Mapping[str, Any]) -> None:
    """The workload's containers crash right after starting for ``duration`` (CrashLoopBackOff restarts)."""
    sim.faults.crash_loop(_target(sim, params), float(_duration(params, required=True) or 0.0))


ACTIONS: dict[str, Callable[[Simulation, Mapping[str, Any]], None]] = {
    "crashNode": crash_node,
    "recoverNode": recover_node,
    "cordon": cordon,
    "uncordon": uncordon,
    "removeNode": remove_node,
    "scale": scale,
    "rollout": rollout,
    "deletePod": delete_pod_action,
    "createPod": create_pod,
    "addNodes": add_nodes,
    "drain": drain_action,
    "zoneOutage": zone_outage,
    "recoverZone": recover_zone,
    "partitionNode": partition_node,
    "healPartition": heal_partition,
    "stopKubelet": stop_kubelet,
    "startKubelet": heal_partition,
    "crashLoop": crash_loop,
    "setTraffic": set_traffic,
}


def run_action(sim: Simulation, action: str, params: Mapping[str, Any]) -> None:
    """Run one timeline action now, recording it in the event log first.

    Raises:
        ActionError: the action's target does not exist at this point of the run.
    """
    target = next(
        (str(params[k]) for k in ("node", "target", "pod", "pool", "service", "zone") if k in params), ""
    )
    if "manifest" in params:
        target = params["manifest"].key
    if sim.scenario is not None:
        sim.store.event(sim.scenario, "Timeline", f"{action} {target}".strip())
    ACTIONS[action](sim, params)
