"""Endpoints controller: facts ported from Kubernetes' tests and sources (inputs and expected results).

Sources: pkg/controller/endpoint/endpoints_controller.go (``syncService``: a Service without a selector gets no
managed Endpoints; ``addEndpointSubset``: Ready pods to addresses, others to notReadyAddresses) and
pkg/controller/util/endpointslice/utils.go with its utils_test.go (``ShouldPodBeInEndpoints`` /
TestShouldPodBeInEndpoints: terminal pods, pods without an IP and, unless publishNotReadyAddresses, terminating
pods are left out). kubesim has no pod IPs: a pod bound to a node stands for a pod with an IP, an unbound one for a
pod without. publishNotReadyAddresses is not modelled. Each case id names its upstream test and case.
"""

from __future__ import annotations

import pytest

from models.networking import Endpoints, Service
from models.pod import Pod
from simulator.controllers.base import ControllerContext
from simulator.controllers.endpoints import EndpointsController
from simulator.defaults import defaults_for
from simulator.engine import Engine
from simulator.podutil import delete_pod
from simulator.store import Store
from tests.simhelpers import deployment, pool, scenario, sim_from


def endpoints_for(pod: Pod) -> Endpoints | None:
    engine = Engine()
    store = Store(engine)
    EndpointsController(ControllerContext(engine=engine, store=store, defaults=defaults_for("1.35")))
    store.add(Service(name="svc", namespace="default", selector={"app": "web"}))
    pod.labels = {"app": "web"}
    store.add(pod)
    engine.run(until=1)
    ep = store.get("Endpoints", "default", "svc")
    assert ep is None or isinstance(ep, Endpoints)
    return ep


def web_pod(phase: str, node: str = "node", ready: bool = False, terminating: bool = False) -> Pod:
    pod = Pod(name="pod", namespace="default", node_name=node, phase=phase, ready=ready)
    if terminating:
        pod.deletion_timestamp = 0.0
    return pod


@pytest.mark.parametrize(
    ("pod", "ready", "not_ready"),
    [
        (web_pod("Failed"), (), ()),  # "Failed pod with Never RestartPolicy"
        (web_pod("Succeeded"), (), ()),  # "Succeeded pod with Never RestartPolicy"
        (web_pod("Running", ready=True), ("pod",), ()),  # "Running pod"
        (web_pod("Running"), (), ("pod",)),  # a Running pod that is not Ready: notReadyAddresses
        (web_pod("Pending"), (), ("pod",)),  # "Pending pod with Never RestartPolicy" (with an IP)
        (web_pod("Unknown"), (), ("pod",)),  # "Unknown pod with OnFailure RestartPolicy"
        (web_pod("Pending", node=""), (), ()),  # "Pod without IP"
        (
            web_pod("Running", ready=True, terminating=True),
            (),
            (),
        ),  # "Terminating pod with includeTerminating=false"
        (web_pod("Running", terminating=True), (), ()),
    ],
    ids=[
        "TestShouldPodBeInEndpoints-Failed_pod",
        "TestShouldPodBeInEndpoints-Succeeded_pod",
        "TestShouldPodBeInEndpoints-Running_pod",
        "addEndpointSubset-not_ready_pod",
        "TestShouldPodBeInEndpoints-Pending_pod",
        "TestShouldPodBeInEndpoints-Unknown_pod",
        "TestShouldPodBeInEndpoints-Pod_without_IP",
        "TestShouldPodBeInEndpoints-Terminating_pod_includeTerminating_false",
        "TestShouldPodBeInEndpoints-Terminating_not_ready_pod_includeTerminating_false",
    ],
)
def test_should_pod_be_in_endpoints(pod: Pod, ready: tuple[str, ...], not_ready: tuple[str, ...]) -> None:
    ep = endpoints_for(pod)
    assert ep is not None
    assert (ep.ready, ep.not_ready) == (ready, not_ready)


def test_service_without_selector_gets_no_managed_endpoints() -> None:
    """syncService: "services without a selector receive no endpoints from this controller"."""
    engine = Engine()
    store = Store(engine)
    EndpointsController(ControllerContext(engine=engine, store=store, defaults=defaults_for("1.35")))
    store.add(Service(name="svc", namespace="default", selector=None))
    store.add(Pod(name="pod", namespace="default", node_name="node", phase="Running", ready=True))
    engine.run(until=1)
    assert store.get("Endpoints", "default", "svc") is None


SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
"""


def test_pod_marked_for_deletion_leaves_the_endpoints_at_once() -> None:
    """ShouldPodBeInEndpoints(pod, includeTerminating=false): a pod being deleted gracefully (still running its
    shutdown) is in neither the ready nor the not-ready addresses from its deletionTimestamp on."""
    sim = sim_from(scenario() + pool() + SERVICE + deployment(replicas=2))
    sim.run(until=60)
    victim = min(sim.store.list("Pod"), key=lambda p: p.name)
    ep = sim.store.get("Endpoints", "default", "web")
    assert victim.name in ep.ready
    delete_pod(sim.store, victim)
    sim.run(until=60.5)
    assert sim.store.get_key("Pod", victim.key) is victim and victim.deletion_timestamp == 60.0
    assert victim.name not in ep.ready and victim.name not in ep.not_ready
