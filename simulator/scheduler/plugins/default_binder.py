"""DefaultBinder (Bind): writes the binding through the store and records the ``Scheduled`` event
(defaultbinder/default_binder.go; the message is the one ``finishBinding`` emits)."""

from __future__ import annotations

from models.pod import Pod
from simulator.scheduler.framework import Code, CycleState, Plugin, Status

__all__ = ["DefaultBinder"]


class DefaultBinder(Plugin):
    name = "DefaultBinder"

    def bind(self, state: CycleState, pod: Pod, node_name: str) -> Status | None:
        store = self.handle.store
        if store is None:
            return Status(Code.Error, "DefaultBinder needs a store")
        pod.node_name = node_name
        pod.scheduled_at = self.handle.engine.now if self.handle.engine is not None else None
        store.update(pod)
        store.event(pod, "Scheduled", f"Successfully assigned {pod.namespace}/{pod.name} to {node_name}")
        return None
