"""NodePool expansion: ``count`` identical nodes named ``<pool>-<index>``, spread round-robin over zones."""

from __future__ import annotations

from models.kubesim import NodePool
from models.node import Node

__all__ = ["nodes_for_pool"]


def nodes_for_pool(pool: NodePool, start: int, count: int) -> list[Node]:
    """Nodes ``start`` .. ``start + count - 1`` of ``pool``, with hostname, zone and pool labels.

    Capacity equals allocatable unless the pool gives ``capacity``. Zones are assigned round-robin by index, so
    node ``i`` is in ``zones[i % len(zones)]`` however the pool grew.
    """
    nodes = []
    for index in range(start, start + count):
        name = f"{pool.name}-{index}"
        labels = {**pool.node_labels, "kubernetes.io/hostname": name, "kubesim.dev/pool": pool.name}
        if pool.zones:
            labels["topology.kubernetes.io/zone"] = pool.zones[index % len(pool.zones)]
        nodes.append(
            Node(
                name=name,
                labels=labels,
                capacity=dict(pool.capacity if pool.capacity is not None else pool.allocatable),
                allocatable=dict(pool.allocatable),
                taints=pool.taints,
                pool=pool.name,
                price_per_hour=pool.price_per_hour,
            )
        )
    return nodes
