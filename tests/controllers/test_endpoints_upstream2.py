"""Endpoints controller, second port: facts from Kubernetes' pkg/controller/endpoint/endpoints_controller_test.go.

Facts only (inputs and expected results), checked against kubesim's EndpointsController driven through the Store
(and, for the headless case, through the loader and a Simulation). kubesim's Endpoints hold pod names in two
sorted tuples, ``ready`` (upstream ``addresses``) and ``not_ready`` (``notReadyAddresses``); IPs, ports,
protocols, labels and annotations of the Endpoints are not modelled. A pod bound to a node stands for a pod with
an IP. Upstream's "no request to the API server" is checked as "the Endpoints' resourceVersion did not change".
Each case id names its upstream test (or, for the pod-to-Service mapping, the upstream function whose behaviour
it checks: ``GetServicesToUpdateOnPodChange`` in pkg/controller/util/endpointslice and the controller's
``onEndpointsDelete`` / ``checkLeftoverEndpoints``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from models.networking import Endpoints, Service
from models.pod import Pod, PodSpec
from simulator.controllers.base import ControllerContext
from simulator.controllers.endpoints import EndpointsController
from simulator.defaults import defaults_for
from simulator.engine import Engine
from simulator.store import Store
from tests.simhelpers import pool, scenario, sim_from

FOO_BAR = {"foo": "bar"}


class Harness:
    """A Store with an EndpointsController; ``run()`` lets the controller's queue drain."""

    def __init__(self, endpoints: tuple[Endpoints, ...] = ()) -> None:
        self.engine = Engine()
        self.store = Store(self.engine)
        for ep in endpoints:  # present before the controller starts (upstream: already in the informer cache)
            self.store.add(ep)
        EndpointsController(
            ControllerContext(engine=self.engine, store=self.store, defaults=defaults_for("1.35"))
        )
        self.t = 0.0

    def run(self) -> None:
        self.t += 1
        self.engine.run(until=self.t)

    def pod(
        self,
        name: str,
        ns: str = "other",
        ready: bool = True,
        labels: Mapping[str, str] = FOO_BAR,
        phase: str = "Running",
        restart_policy: str = "Always",
    ) -> Pod:
        pod = Pod(
            name=name,
            namespace=ns,
            labels=dict(labels),
            node_name="node",
            phase=phase,
            ready=ready,
            spec=PodSpec(containers=(), restart_policy=restart_policy),
        )
        self.store.add(pod)
        return pod

    def service(
        self,
        name: str = "foo",
        ns: str = "other",
        selector: Mapping[str, str] | None = FOO_BAR,
        type: str = "ClusterIP",
    ) -> Service:
        svc = Service(
            name=name, namespace=ns, selector=None if selector is None else dict(selector), type=type
        )
        self.store.add(svc)
        return svc

    def endpoints(self, name: str = "foo", ns: str = "other") -> Endpoints | None:
        ep = self.store.get("Endpoints", ns, name)
        assert ep is None or isinstance(ep, Endpoints)
        return ep

    def addresses(self, name: str = "foo", ns: str = "other") -> tuple[tuple[str, ...], tuple[str, ...]]:
        ep = self.endpoints(name, ns)
        assert ep is not None
        return ep.ready, ep.not_ready


def preexisting(ready: tuple[str, ...] = ("stale",), ns: str = "other") -> Endpoints:
    """An Endpoints object written before the sync (upstream: ``6.7.8.9`` with port 1000)."""
    return Endpoints(name="foo", namespace=ns, ready=ready)


# -- Services the controller leaves alone ------------------------------------------------------------------------


def test_sync_endpoints_items_preserve_no_selector() -> None:
    """TestSyncEndpointsItemsPreserveNoSelector: a Service without a selector; its out-of-band Endpoints are not
    touched (no request)."""
    h = Harness((preexisting(("external",), ns="default"),))
    rv = h.endpoints("foo", "default").resource_version  # type: ignore[union-attr]
    h.pod("pod0", ns="default")
    h.service(ns="default", selector=None)
    h.run()
    ep = h.endpoints("foo", "default")
    assert ep is not None and ep.ready == ("external",) and ep.resource_version == rv


@pytest.mark.parametrize(
    "selector",
    [FOO_BAR, None],
    ids=[
        "TestSyncServiceExternalNameType-External_name_with_selector_and_ports",
        "TestSyncServiceExternalNameType-External_name_with_ports",
    ],
)
def test_external_name_service_receives_no_endpoints(selector: Mapping[str, str] | None) -> None:
    """TestSyncServiceExternalNameType: an ExternalName Service gets no Endpoints, with or without a selector
    (kubesim's Service has no separate port-less variant: ports do not change the result)."""
    h = Harness()
    h.pod("pod0", ns="default")
    h.service("testing-1", ns="default", selector=selector, type="ExternalName")
    h.run()
    assert h.endpoints("testing-1", "default") is None


def test_sync_service_external_name_type_with_selector_from_yaml() -> None:
    """TestSyncServiceExternalNameType "External name with selector should not receive endpoints", through the
    loader: an ExternalName Service whose selector matches a Deployment's ready pods."""
    sim = sim_from(
        scenario()
        + pool()
        + """
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: db.example.com
  selector: {app: web}
---
"""
        + deployment_doc()
    )
    sim.run(until=60)
    assert [p for p in sim.store.list("Pod") if p.ready]
    assert sim.store.get("Endpoints", "default", "ext") is None


# -- no write when nothing changed --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "upstream", ["TestSyncEndpointsExistingNilSubsets", "TestSyncEndpointsExistingEmptySubsets"]
)
def test_sync_endpoints_existing_nil_or_empty_subsets(upstream: str) -> None:
    """Empty (nil or [] subsets; the same in kubesim) Endpoints and a selector matching no pod: no request."""
    del upstream
    h = Harness((preexisting((), ns="default"),))
    rv = h.endpoints("foo", "default").resource_version  # type: ignore[union-attr]
    h.service(ns="default")
    h.run()
    ep = h.endpoints("foo", "default")
    assert ep is not None and (ep.ready, ep.not_ready) == ((), ()) and ep.resource_version == rv


def test_sync_endpoints_items_preexisting_identical() -> None:
    """TestSyncEndpointsItemsPreexistingIdentical: the Endpoints already list the one ready pod: no request."""
    h = Harness((preexisting(("pod0",), ns="default"),))
    rv = h.endpoints("foo", "default").resource_version  # type: ignore[union-attr]
    h.pod("pod0", ns="default")
    h.service(ns="default")
    h.run()
    ep = h.endpoints("foo", "default")
    assert ep is not None and ep.ready == ("pod0",) and ep.resource_version == rv


def test_sync_endpoints_with_pod_resource_version_update_only() -> None:
    """TestSyncEndpointsWithPodResourceVersionUpdateOnly: a ready pod0 and a not-ready pod1 already in the
    Endpoints; the pods change (new resourceVersions) without changing membership or readiness: no request."""
    h = Harness()
    pod0 = h.pod("pod0", ns="default")
    pod1 = h.pod("pod1", ns="default", ready=False)
    h.service(ns="default")
    h.run()
    assert h.addresses("foo", "default") == (("pod0",), ("pod1",))
    rv = h.endpoints("foo", "default").resource_version  # type: ignore[union-attr]
    pod0.annotations["touched"] = "1"
    h.store.update(pod0)
    h.store.update(pod1)
    h.run()
    assert h.endpoints("foo", "default").resource_version == rv  # type: ignore[union-attr]


def test_sync_endpoints_new_no_subsets() -> None:
    """TestSyncEndpointsNewNoSubsets: a selector Service with no pods gets (one write creating) empty Endpoints."""
    h = Harness()
    h.service(ns="default")
    h.run()
    assert h.addresses("foo", "default") == ((), ())


# -- what the Endpoints list ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ready_pods", "not_ready_pods", "want"),
    [
        (1, 0, (("pod0",), ())),
        (0, 1, ((), ("pod0",))),
        (1, 1, (("pod0",), ("pod1",))),
    ],
    ids=[
        "TestSyncEndpointsItemsEmptySelectorSelectsAll",
        "TestSyncEndpointsItemsEmptySelectorSelectsAllNotReady",
        "TestSyncEndpointsItemsEmptySelectorSelectsAllMixed",
    ],
)
def test_sync_endpoints_items_empty_selector_selects_all(
    ready_pods: int, not_ready_pods: int, want: tuple[tuple[str, ...], tuple[str, ...]]
) -> None:
    """An empty (non-nil) selector selects every pod of the Service's namespace, whatever its labels."""
    h = Harness((preexisting(()),))
    for i in range(ready_pods + not_ready_pods):
        h.pod(f"pod{i}", ready=i < ready_pods, labels={"any": str(i)})
    h.pod("elsewhere", ns="blah")
    h.service(selector={})
    h.run()
    assert h.addresses() == want


@pytest.mark.parametrize(
    "protocol",
    ["TCP", "UDP", "SCTP"],
    ids=["TestSyncEndpointsProtocolTCP", "TestSyncEndpointsProtocolUDP", "TestSyncEndpointsProtocolSCTP"],
)
def test_sync_endpoints_protocol(protocol: str) -> None:
    """Addresses only (ports and protocols are not modelled): stale Endpoints of an empty-selector Service are
    replaced by its one ready pod."""
    del protocol
    h = Harness((preexisting(),))
    h.pod("pod0")
    h.service(selector={})
    h.run()
    assert h.addresses() == (("pod0",), ())


def test_sync_endpoints_items_preexisting() -> None:
    """TestSyncEndpointsItemsPreexisting: stale Endpoints are replaced by the selected ready pod."""
    h = Harness((preexisting(ns="bar"),))
    h.pod("pod0", ns="bar")
    h.service(ns="bar")
    h.run()
    assert h.addresses("foo", "bar") == (("pod0",), ())


def test_sync_endpoints_items() -> None:
    """TestSyncEndpointsItems: three ready pods in the Service's namespace are listed; five matching pods in
    namespace "blah" are not ("make sure these aren't found")."""
    h = Harness()
    for i in range(3):
        h.pod(f"pod{i}")
    for i in range(5):
        h.pod(f"pod{i}", ns="blah")
    h.service()
    h.run()
    assert h.addresses() == (("pod0", "pod1", "pod2"), ())
    assert h.endpoints("foo", "blah") is None


@pytest.mark.parametrize(
    ("restart_policy", "phase"),
    [("Never", "Failed"), ("Never", "Succeeded"), ("OnFailure", "Succeeded")],
    ids=[
        "TestSyncEndpointsItemsExcludeNotReadyPodsWithRestartPolicyNeverAndPhaseFailed",
        "TestSyncEndpointsItemsExcludeNotReadyPodsWithRestartPolicyNeverAndPhaseSucceeded",
        "TestSyncEndpointsItemsExcludeNotReadyPodsWithRestartPolicyOnFailureAndPhaseSucceeded",
    ],
)
def test_sync_endpoints_items_exclude_not_ready_pods_with_restart_policy_and_terminal_phase(
    restart_policy: str, phase: str
) -> None:
    """A not-ready pod with an IP in a terminal phase is in neither list."""
    h = Harness((preexisting(()),))
    h.pod("pod0", ready=False, phase=phase, restart_policy=restart_policy)
    h.service()
    h.run()
    assert h.addresses() == ((), ())


def deployment_doc() -> str:
    return """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: main, image: "web:v1", resources: {requests: {cpu: 100m, memory: 64Mi}}}]
---
"""


@pytest.mark.parametrize(
    "ports",
    ["ports: []", ""],
    ids=["TestSyncEndpointsHeadlessService", "TestSyncEndpointsHeadlessWithoutPort"],
)
def test_sync_endpoints_headless_service(ports: str) -> None:
    """A headless Service (clusterIP: None) with no ports still lists its ready pods (loaded from YAML)."""
    sim = sim_from(
        scenario()
        + pool()
        + f"""
apiVersion: v1
kind: Service
metadata: {{name: foo}}
spec:
  clusterIP: None
  selector: {{app: web}}
  {ports}
---
"""
        + deployment_doc()
    )
    sim.run(until=60)
    ep = sim.store.get("Endpoints", "default", "foo")
    assert ep is not None
    assert ep.ready == tuple(sorted(p.name for p in sim.store.list("Pod") if p.ready)) and len(ep.ready) == 2


# -- Service and Endpoints lifecycle ------------------------------------------------------------------------------


def test_sync_endpoints_service_not_found() -> None:
    """TestSyncEndpointsServiceNotFound: Endpoints whose Service is gone are deleted (here: the Service is deleted
    after its Endpoints were written)."""
    h = Harness()
    h.pod("pod0")
    svc = h.service()
    h.run()
    assert h.addresses() == (("pod0",), ())
    h.store.delete(svc)
    h.run()
    assert h.endpoints() is None


def test_check_leftover_endpoints() -> None:
    """TestCheckLeftoverEndpoints: Endpoints present at start-up are queued; with no Service they are deleted.
    checkLeftoverEndpoints skips leader-election records (control-plane.alpha.kubernetes.io/leader)."""
    leader = Endpoints(
        name="kube-controller-manager",
        namespace="default",
        annotations={"control-plane.alpha.kubernetes.io/leader": "{}"},
    )
    h = Harness((preexisting(ns="default"), leader))
    h.run()
    assert h.endpoints("foo", "default") is None
    assert h.endpoints("kube-controller-manager", "default") is leader


def test_on_endpoints_delete_writes_them_again() -> None:
    """onEndpointsDelete: deleting a selector Service's Endpoints queues the Service, whose sync recreates them."""
    h = Harness()
    h.pod("pod0")
    h.service()
    h.run()
    ep = h.endpoints()
    assert ep is not None
    h.store.delete(ep)
    h.run()
    assert h.addresses() == (("pod0",), ())


# -- which Services a pod change reaches ---------------------------------------------------------------------------


def test_get_services_to_update_on_pod_change_several_services() -> None:
    """GetServicesToUpdateOnPodChange: a pod change reaches every Service that selects the pod."""
    h = Harness()
    pod = h.pod("pod0", ready=False, labels={"app": "web", "tier": "front"})
    h.service("by-app", selector={"app": "web"})
    h.service("by-tier", selector={"tier": "front"})
    h.service("unrelated", selector={"app": "db"})
    h.run()
    pod.ready = True
    h.store.update(pod)
    h.run()
    assert h.addresses("by-app") == (("pod0",), ())
    assert h.addresses("by-tier") == (("pod0",), ())
    assert h.addresses("unrelated") == ((), ())


def test_get_services_to_update_on_pod_change_labels_changed() -> None:
    """GetServicesToUpdateOnPodChange (labels changed): the Services of the old and of the new labels are both
    synced, so the pod leaves the first Service's Endpoints and joins the second's."""
    h = Harness()
    pod = h.pod("pod0", labels={"app": "blue"})
    h.service("blue", selector={"app": "blue"})
    h.service("green", selector={"app": "green"})
    h.run()
    assert (h.addresses("blue"), h.addresses("green")) == ((("pod0",), ()), ((), ()))
    pod.labels = {"app": "green"}
    h.store.update(pod)
    h.run()
    assert (h.addresses("blue"), h.addresses("green")) == (((), ()), (("pod0",), ()))


def test_get_services_to_update_on_pod_change_labels_removed() -> None:
    """GetServicesToUpdateOnPodChange (labels changed to match no Service): the old Service is synced."""
    h = Harness()
    pod = h.pod("pod0")
    h.service()
    h.run()
    pod.labels = {}
    h.store.update(pod)
    h.run()
    assert h.addresses() == ((), ())


def test_delete_pod_updates_the_services_it_was_in() -> None:
    """deletePod: the Services the pod was a member of are synced."""
    h = Harness()
    pod = h.pod("pod0")
    h.pod("pod1")
    h.service()
    h.run()
    h.store.delete(pod)
    h.run()
    assert h.addresses() == (("pod1",), ())


def test_sync_endpoints_items_preserve_no_selector_after_the_selector_is_removed() -> None:
    """syncService returns before touching the Endpoints when the selector is nil: a Service whose selector is
    removed keeps the Endpoints last written for it (they are not deleted)."""
    h = Harness()
    h.pod("pod0")
    svc = h.service()
    h.run()
    svc.selector = None
    h.store.update(svc)
    h.run()
    assert h.addresses() == (("pod0",), ())


def test_on_service_update_selector_changed() -> None:
    """onServiceUpdate queues the Service: a new selector re-lists the Endpoints from the pods it matches."""
    h = Harness()
    h.pod("pod0", labels={"app": "blue"})
    h.pod("pod1", labels={"app": "green"})
    svc = h.service(selector={"app": "blue"})
    h.run()
    assert h.addresses() == (("pod0",), ())
    svc.selector = {"app": "green"}
    h.store.update(svc)
    h.run()
    assert h.addresses() == (("pod1",), ())


def endpoints_writes(h: Harness) -> list[str]:
    """Records every later write of Endpoints other/foo (upstream: requests to the API server)."""
    writes: list[str] = []

    def on_endpoints(change: str, ep: Endpoints) -> None:
        if ep.key == "other/foo":
            writes.append(change)

    h.store.watch("Endpoints", on_endpoints)
    return writes


def test_pod_adds_batching_three_adds_with_no_batching() -> None:
    """TestPodAddsBatching "three adds with no batching" (batch period 0, the default): three pods added 200 ms,
    300 ms and 400 ms after the start make three Endpoints writes."""
    h = Harness()
    h.service()
    h.engine.run(until=0.1)
    writes = endpoints_writes(h)
    for i, t in enumerate((0.2, 0.3, 0.4)):
        h.engine.run(until=t)
        h.pod(f"pod{i}")
    h.engine.run(until=3.4)
    assert writes == ["MODIFIED"] * 3
    assert h.addresses() == (("pod0", "pod1", "pod2"), ())


def test_pod_delete_batching_three_deletes_with_no_batching() -> None:
    """TestPodDeleteBatching "three deletes with no batching": ten pods; pod0, pod1 and pod2 deleted 200 ms,
    300 ms and 400 ms after the start make three Endpoints writes."""
    h = Harness()
    pods = [h.pod(f"pod{i}") for i in range(10)]
    h.service()
    h.engine.run(until=0.1)
    writes = endpoints_writes(h)
    for pod, t in zip(pods, (0.2, 0.3, 0.4), strict=False):
        h.engine.run(until=t)
        h.store.delete(pod)
    h.engine.run(until=3.4)
    assert writes == ["MODIFIED"] * 3
    assert h.addresses() == (tuple(f"pod{i}" for i in range(3, 10)), ())
