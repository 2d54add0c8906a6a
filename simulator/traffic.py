"""The traffic model: request rates per Service, served by its ready endpoints, integrated on the virtual clock.

There are no per-request events. Each Service has a rate (requests/s) and a count of ready endpoints, both
piecewise constant: between two changes the Service is sent ``rate * dt`` requests and serves
``min(rate, ready * capacityPerPod) * dt`` of them; the rest are dropped. The integral is closed whenever the
rate changes (a step, a CSV row, a diurnal re-evaluation every ``evaluationStep``, a ``setTraffic`` action) or the
Service's Endpoints change, so the totals are exact for step-shaped load and need O(1) work per change.

An Ingress entry sends its rate to its backend Services (the rules' backends and the default backend), split
equally between the distinct Services. Rates from several entries to one Service add up; the Service takes
``capacityPerPod``, ``minReadyEndpoints`` and the CPU figures from the first entry that names it.

The model also stands in for metrics-server: ``pod_cpu_usage(pod)`` is what the HorizontalPodAutoscaler reads,
``cpuBaseline + (served rate / ready endpoints) * cpuPerRequest`` for a ready endpoint of a traffic Service.
Memory works the same way (``memoryBaseline``, ``memoryPerRequest``): ``pod_memory_usage(pod)``, and whenever the
rate or the ready endpoints of a Service with memory figures change, ``on_memory_change`` (the kubelet's OOM
check) is called for its ready endpoints, in a later event at the same instant (never inside a watch callback).
Services without memory figures schedule nothing, so runs without them are unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from models.kubesim import Scenario, TrafficSpec
from models.networking import Endpoints, Ingress, Service
from models.pod import Pod
from simulator.engine import URGENT, Engine
from simulator.store import DELETED, Store

__all__ = ["ServiceTraffic", "TrafficModel"]


class ServiceTraffic:
    """One Service's load and its running totals (requests, served, dropped, seconds below threshold)."""

    __slots__ = (
        "below",
        "capacity",
        "cpu_baseline",
        "cpu_per_request",
        "dropped",
        "memory_baseline",
        "memory_check_pending",
        "memory_per_request",
        "name",
        "namespace",
        "override",
        "ready",
        "requests",
        "served",
        "since",
        "sources",
        "threshold",
    )

    def __init__(self, namespace: str, name: str, spec: TrafficSpec, now: float) -> None:
        self.namespace = namespace
        self.name = name
        self.capacity = spec.capacity_per_pod
        self.threshold = spec.min_ready_endpoints
        self.cpu_per_request = spec.cpu_per_request
        self.cpu_baseline = spec.cpu_baseline
        self.memory_per_request = spec.memory_per_request
        self.memory_baseline = spec.memory_baseline
        self.memory_check_pending = False
        self.sources: dict[int, float] = {}  # traffic entry index -> its rate to this Service
        self.override: float | None = None
        self.ready = 0
        self.since = now
        self.requests = 0.0
        self.served = 0.0
        self.dropped = 0.0
        self.below = 0.0

    @property
    def rate(self) -> float:
        """Requests/s sent to the Service now."""
        return self.override if self.override is not None else sum(self.sources.values())

    @property
    def served_rate(self) -> float:
        """Requests/s served now: the rate, capped by the ready endpoints' capacity."""
        return min(self.rate, self.ready * self.capacity)

    def advance(self, now: float) -> None:
        """Close the interval since the last change (the rate and endpoints were constant over it)."""
        dt = now - self.since
        if dt <= 0:
            return
        rate = self.rate
        served = min(rate, self.ready * self.capacity)
        self.requests += rate * dt
        self.served += served * dt
        self.dropped += (rate - served) * dt
        if self.ready < self.threshold:
            self.below += dt
        self.since = now

    def totals(self, now: float) -> tuple[float, float, float, float]:
        """(requests, served, dropped, seconds below threshold) up to ``now``, without closing the interval."""
        dt = max(0.0, now - self.since)
        rate = self.rate
        served = min(rate, self.ready * self.capacity)
        below = self.below + (dt if self.ready < self.threshold else 0.0)
        return (
            self.requests + rate * dt,
            self.served + served * dt,
            self.dropped + (rate - served) * dt,
            below,
        )


class TrafficModel:
    """Drives the rates of a Scenario's ``traffic`` entries and integrates what each Service serves.

    Args:
        engine: the clock and queue.
        store: read for Services, Ingresses and Endpoints (the model writes nothing but Events).
        scenario: the Scenario (its ``traffic`` entries; Events about missing targets are recorded on it).
    """

    def __init__(self, engine: Engine, store: Store, scenario: Scenario | None) -> None:
        self._engine = engine
        self._store = store
        self._scenario = scenario
        self._specs: tuple[TrafficSpec, ...] = scenario.traffic if scenario is not None else ()
        self.services: dict[tuple[str, str], ServiceTraffic] = {}
        self._targets: dict[int, list[ServiceTraffic]] = {}
        self.on_memory_change: Callable[[Pod], None] | None = None  # the kubelet's OOM check
        store.watch("Endpoints", self._on_endpoints)
        if self._specs:
            # URGENT: the rates are in place before anything else happens at t=0.
            engine.call_at(0.0, self._start, priority=URGENT)

    # -- set-up -------------------------------------------------------------------------------------------------
    def _start(self) -> None:
        for index, spec in enumerate(self._specs):
            names = self._backends(spec)
            targets = []
            for name in names:
                key = (spec.namespace, name)
                svc = self.services.get(key)
                if svc is None:
                    svc = self.services[key] = ServiceTraffic(spec.namespace, name, spec, self._engine.now)
                    endpoints = self._store.get("Endpoints", spec.namespace, name)
                    if isinstance(endpoints, Endpoints):
                        svc.ready = len(endpoints.ready)
                targets.append(svc)
            self._targets[index] = targets
            if spec.pattern == "diurnal":
                self._tick_diurnal(index)
            else:
                for at, rps in spec.steps:
                    self._engine.call_at(at, self._set_rate, index, rps, priority=URGENT)

    def _backends(self, spec: TrafficSpec) -> list[str]:
        if spec.target_kind == "Service":
            if self._store.get("Service", spec.namespace, spec.name) is None:
                self._warn(
                    f"traffic: Service {spec.namespace}/{spec.name} does not exist; its requests are dropped"
                )
            return [spec.name]
        ingress = self._store.get("Ingress", spec.namespace, spec.name)
        if not isinstance(ingress, Ingress):
            self._warn(f"traffic: Ingress {spec.namespace}/{spec.name} does not exist; no traffic is sent")
            return []
        names = [route.service for route in ingress.routes]
        if ingress.default_backend:
            names.append(ingress.default_backend)
        return list(dict.fromkeys(n for n in names if n))

    def _warn(self, message: str) -> None:
        if self._scenario is not None:
            self._store.event(self._scenario, "TrafficTargetMissing", message, "Warning")

    # -- rates --------------------------------------------------------------------------------------------------
    def _set_rate(self, index: int, rps: float) -> None:
        targets = self._targets.get(index, ())
        if not targets:
            return
        share = rps / len(targets)
        now = self._engine.now
        for svc in targets:
            svc.advance(now)
            if svc.sources.get(index) != share:
                svc.sources[index] = share
                self._memory_changed(svc)

    def _tick_diurnal(self, index: int) -> None:
        spec = self._specs[index]
        curve = spec.diurnal
        assert curve is not None
        now = self._engine.now
        rate = curve.mean + curve.amplitude * math.cos(2 * math.pi * (now - curve.peak) / curve.period)
        self._set_rate(index, max(0.0, rate))
        self._engine.call_later(spec.evaluation_step, self._tick_diurnal, index, priority=URGENT)

    def set_traffic(self, namespace: str, name: str, rps: float) -> None:
        """``setTraffic``: from now on the Service gets ``rps`` requests/s, whatever its entries say.

        Raises:
            KeyError: no traffic entry sends requests to the Service.
        """
        svc = self.services.get((namespace, name))
        if svc is None:
            raise KeyError(f"Service {namespace}/{name} has no traffic entry")
        svc.advance(self._engine.now)
        svc.override = float(rps)
        self._memory_changed(svc)

    # -- endpoints ----------------------------------------------------------------------------------------------
    def _on_endpoints(self, change: str, endpoints: Endpoints) -> None:
        svc = self.services.get((endpoints.namespace, endpoints.name))
        if svc is None:
            return
        ready = 0 if change == DELETED else len(endpoints.ready)
        if ready != svc.ready:
            svc.advance(self._engine.now)
            svc.ready = ready
            self._memory_changed(svc)
        elif ready:
            self._memory_changed(svc)  # the same count, possibly other pods

    # -- memory (OOM kills) -------------------------------------------------------------------------------------
    def _memory_changed(self, svc: ServiceTraffic) -> None:
        if svc.memory_per_request <= 0 and svc.memory_baseline <= 0:
            return
        if self.on_memory_change is None or svc.memory_check_pending:
            return
        svc.memory_check_pending = True
        self._engine.call_soon(self._check_memory, svc)

    def _check_memory(self, svc: ServiceTraffic) -> None:
        svc.memory_check_pending = False
        check = self.on_memory_change
        endpoints = self._store.get("Endpoints", svc.namespace, svc.name)
        if check is None or not isinstance(endpoints, Endpoints):
            return
        for name in endpoints.ready:
            pod = self._store.get("Pod", svc.namespace, name)
            if isinstance(pod, Pod):
                check(pod)

    def _pod_share(
        self, pod: Pod, wanted: Callable[[ServiceTraffic], bool]
    ) -> tuple[ServiceTraffic, float] | None:
        """The first traffic Service (in declaration order) that ``wanted`` accepts and whose selector matches the
        running pod, with the pod's share of its served requests/s (0 for a pod that is not a ready endpoint)."""
        if pod.phase != "Running" or not pod.node_name:
            return None
        for (namespace, name), svc in self.services.items():
            if namespace != pod.namespace or not wanted(svc):
                continue
            service = self._store.get("Service", namespace, name)
            if not isinstance(service, Service) or not service.selector:
                continue
            if not all(pod.labels.get(k) == v for k, v in service.selector.items()):
                continue
            ready = pod.ready and pod.deletion_timestamp is None and svc.ready > 0
            return svc, (svc.served_rate / svc.ready if ready else 0.0)
        return None

    def pod_memory_usage(self, pod: Pod) -> int | None:
        """Memory in bytes the traffic model gives the pod (None: it is behind no Service with memory figures).

        A ready endpoint uses ``memoryBaseline + (served rate / ready endpoints) * memoryPerRequest``; a pod that
        is not ready the baseline only.
        """
        found = self._pod_share(pod, lambda svc: svc.memory_per_request > 0 or svc.memory_baseline > 0)
        if found is None:
            return None
        svc, share = found
        return math.ceil(float(svc.memory_baseline) + share * svc.memory_per_request - 1e-9)

    # -- metrics-server -----------------------------------------------------------------------------------------
    def pod_cpu_usage(self, pod: Pod) -> int | None:
        """The pod's CPU usage in millicores as metrics-server would report it, or None (no metrics).

        Only running pods behind a Service with traffic have metrics. A ready pod gets its share of the
        Service's served requests; a pod that is not ready gets the baseline only.
        """
        found = self._pod_share(pod, lambda svc: True)
        if found is None:
            return None
        svc, share = found
        return math.ceil(float(svc.cpu_baseline) + share * svc.cpu_per_request - 1e-9)  # MilliValue rounds up

    # -- summary ------------------------------------------------------------------------------------------------
    def summary(self) -> list[dict[str, Any]]:
        """The summary's ``services`` list: totals per Service up to now."""
        now = self._engine.now
        out = []
        for (namespace, name), svc in sorted(self.services.items()):
            requests, served, dropped, below = svc.totals(now)
            out.append(
                {
                    "namespace": namespace,
                    "name": name,
                    "requests": round(requests, 6),
                    "served": round(served, 6),
                    "dropped": round(dropped, 6),
                    "availability": round(served / requests, 6) if requests > 0 else None,
                    "seconds_below_threshold": round(below, 6),
                }
            )
        return out
