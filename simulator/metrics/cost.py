"""Node-hours and cost: each node's lifetime (from its creation to its deletion or now) times its pool's price."""

from __future__ import annotations

from typing import Any

from models.node import Node
from simulator.store import ADDED, DELETED, Store

__all__ = ["CostMeter"]


class CostMeter:
    """Integrates node lifetimes from the Node watch stream: O(1) per node added or deleted."""

    def __init__(self, store: Store) -> None:
        self._engine = store.engine
        self._closed_hours = 0.0
        self._closed_cost = 0.0
        self._live: dict[str, tuple[float, float]] = {}  # node name -> (added at, price per hour)
        store.watch("Node", self._on_node)

    def _on_node(self, change: str, node: Node) -> None:
        if change == ADDED:
            self._live[node.name] = (self._engine.now, node.price_per_hour)
        elif change == DELETED:
            since, price = self._live.pop(node.name, (self._engine.now, 0.0))
            hours = (self._engine.now - since) / 3600.0
            self._closed_hours += hours
            self._closed_cost += hours * price

    def summary(self) -> dict[str, Any]:
        """``{"node_hours": ..., "total": ...}`` up to now (total in the pools' price unit)."""
        now = self._engine.now
        hours, cost = self._closed_hours, self._closed_cost
        for since, price in self._live.values():
            live = (now - since) / 3600.0
            hours += live
            cost += live * price
        return {"node_hours": round(hours, 6), "total": round(cost, 6)}
