"""Helpers for scheduler tests: build nodes, pods and a running scheduler directly (no loader)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from models.node import Node
from models.pod import Container, Pod, PodSpec, Taint
from simulator.defaults import defaults_for
from simulator.engine import Engine
from simulator.scheduler import Scheduler
from simulator.store import Store

GI = 1024**3


def make_node(
    name: str,
    cpu: int = 4000,
    memory: int = 8 * GI,
    pods: int = 110,
    labels: Mapping[str, str] | None = None,
    taints: tuple[Taint, ...] = (),
    unschedulable: bool = False,
    extra: Mapping[str, int] | None = None,
) -> Node:
    alloc = {"cpu": cpu, "memory": memory, "pods": pods, **(extra or {})}
    return Node(
        name=name, labels=dict(labels or {}), allocatable=alloc, taints=taints, unschedulable=unschedulable
    )


def make_pod(name: str, requests: Mapping[str, int] | None = None, **spec: Any) -> Pod:
    priority = spec.pop("priority_value", 0)
    containers = spec.pop("containers", None) or (Container("c", requests=dict(requests or {})),)
    return Pod(name=name, namespace="default", spec=PodSpec(containers=containers, **spec), priority=priority)


class Cluster:
    def __init__(self, seed: int = 1, **kwargs: Any) -> None:
        self.engine = Engine(seed)
        self.store = Store(self.engine)
        self.kwargs = kwargs
        self._scheduler: Scheduler | None = None
        self.events: list[tuple[str, str, str]] = []
        self.store.watch_events(
            lambda t, typ, obj, reason, msg, kind: self.events.append((obj.name, reason, msg))
        )

    @property
    def scheduler(self) -> Scheduler:
        if self._scheduler is None:
            self._scheduler = Scheduler(self.engine, self.store, defaults_for(), **self.kwargs)
        return self._scheduler

    def add(self, *objs: Any) -> None:
        for obj in objs:
            self.store.add(obj)

    def run(self, until: float = 1000.0) -> None:
        _ = self.scheduler
        self.engine.run(until=until)


@pytest.fixture
def cluster() -> Cluster:
    return Cluster()
