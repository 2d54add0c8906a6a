"""Helpers shared by simulation-level tests: build a Simulation from YAML and observe it as it runs."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from simulator import Simulation


def sim_from(yaml_text: str, **kwargs: Any) -> Simulation:
    """A Simulation from (dedented) YAML."""
    return Simulation.from_text(textwrap.dedent(yaml_text), "test.yaml", **kwargs)


def pool(
    name: str = "pool", count: int = 3, cpu: str = "4", memory: str = "8Gi", zones: str = "[a, b, c]"
) -> str:
    """A NodePool document."""
    return f"""
apiVersion: kubesim.dev/v1alpha1
kind: NodePool
metadata: {{name: {name}}}
spec:
  count: {count}
  zones: {zones}
  allocatable: {{cpu: "{cpu}", memory: {memory}, pods: "110"}}
---
"""


def scenario(timeline: str = "[]", duration: str = "1h", version: str = "1.35", defaults: str = "{}") -> str:
    """A Scenario document; ``timeline`` is YAML flow text."""
    return f"""
apiVersion: kubesim.dev/v1alpha1
kind: Scenario
metadata: {{name: test}}
spec:
  duration: {duration}
  seed: 7
  kubernetesVersion: "{version}"
  defaults: {defaults}
  timeline: {timeline}
---
"""


def deployment(
    name: str = "web",
    replicas: int = 4,
    cpu: str = "100m",
    extra_spec: str = "",
    annotations: str = "{}",
) -> str:
    """A Deployment document with an ``app: <name>`` selector."""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
{textwrap.indent(textwrap.dedent(extra_spec).strip(), "  ") if extra_spec.strip() else ""}
  template:
    metadata:
      labels: {{app: {name}}}
      annotations: {annotations}
    spec:
      containers:
        - name: main
          image: {name}:v1
          resources: {{requests: {{cpu: {cpu}, memory: 64Mi}}}}
---
"""


class Recorder:
    """Calls ``check(sim)`` after every store change, recording the time of each call."""

    def __init__(self, sim: Simulation, kinds: tuple[str, ...], check: Callable[[Simulation], None]) -> None:
        self.sim = sim
        self.calls = 0
        for kind in kinds:
            sim.store.watch(kind, self._on_change)
        self._check = check

    def _on_change(self, change: str, obj: Any) -> None:
        self.calls += 1
        self._check(self.sim)


def events(sim: Simulation, reason: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """EVENT records of the run so far, optionally filtered by reason and involved kind."""
    return [
        r
        for r in sim.log
        if r["type"] == "EVENT"
        and (reason is None or r["reason"] == reason)
        and (kind is None or r["kind"] == kind)
    ]


def pods(sim: Simulation, owner_prefix: str = "") -> list[Any]:
    """Pods currently in the store whose name starts with ``owner_prefix``."""
    return [p for p in sim.store.list("Pod") if p.name.startswith(owner_prefix)]


def run_guarded(sim: Simulation, until: float, max_same_instant: int = 10_000) -> None:
    """Step ``sim`` to ``until``, failing (instead of hanging) if more than ``max_same_instant`` events run at one
    virtual instant: a feedback loop between components that never lets virtual time advance."""
    same_instant, last = 0, -1.0
    while sim.now < until and sim.step():
        same_instant = same_instant + 1 if sim.now == last else 0
        last = sim.now
        assert same_instant < max_same_instant, f"virtual time stuck at {sim.now!r}"
