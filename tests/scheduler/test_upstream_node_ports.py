"""NodePorts cases ported from kube-scheduler's unit-test tables (facts only: inputs and expected results).

Upstream (Kubernetes 1.35): pkg/scheduler/framework/plugins/nodeports/node_ports_test.go (TestNodePorts, TestFits,
TestPreFilterDisabled) and staging/src/k8s.io/kube-scheduler/framework/types_test.go (TestHostPortInfo_Check, the
conflict rules NodePorts' Filter relies on). A port is written ``PROTOCOL/hostIP/hostPort`` as upstream's
``newPod`` helper reads it; an empty IP or protocol is defaulted to 0.0.0.0 / TCP.

Not ported: the queueing-hint test (Test_isSchedulableAfterAssignedPodDeleted; kubesim registers PodDelete without
hint functions, docs/fidelity.md) and TestHostPortInfo_AddRemove (kubesim keeps each pod's ports rather than one
HostPortInfo set, so there is no Add/Remove bookkeeping to check).
"""

from __future__ import annotations

import pytest

from models.pod import Container, ContainerPort, Pod, PodSpec
from simulator.scheduler import Code, CycleState
from simulator.scheduler.plugins.node_ports import REASON, NodePorts
from tests.scheduler._upstream import node, run_filter, table


def _ports(*specs: str) -> tuple[ContainerPort, ...]:
    out = []
    for s in specs:
        proto, ip, port = s.split("/")
        out.append(ContainerPort(container_port=int(port), protocol=proto, host_port=int(port), host_ip=ip))
    return tuple(out)


def hp_pod(
    *specs: str,
    name: str = "p",
    node_name: str = "",
    init: tuple[str, ...] = (),
    sidecar: tuple[str, ...] = (),
) -> Pod:
    """A pod with one container holding the given host ports (none when ``specs`` is empty)."""
    containers = (Container("c", ports=_ports(*specs)),) if specs else ()
    inits: tuple[Container, ...] = ()
    if sidecar:
        inits += (Container("s", ports=_ports(*sidecar), restart_policy="Always"),)
    if init:
        inits += (Container("i", ports=_ports(*init)),)
    p = Pod(name=name, namespace="default", spec=PodSpec(containers=containers, init_containers=inits))
    p.uid = f"default/{name}"
    if node_name:
        p.node_name = node_name
    return p


def _check(p: Pod, existing: tuple[str, ...]) -> Code | None:
    """None when PreFilter skips, else the Filter code on node ``m1`` running one pod with ``existing`` ports."""
    t = table([node("m1")], [hp_pod(*existing, name="p1", node_name="m1")] if existing else [])
    plugin = NodePorts()
    pre = plugin.pre_filter(CycleState(), p)
    if pre is not None and pre.code == Code.Skip:
        return None
    st = run_filter(plugin, p, t, "m1")
    if not st.is_success:
        assert tuple(st.reasons) == (REASON,), st.reasons
    return st.code


U = Code.Unschedulable
OK = Code.Success
SKIP = None

NODE_PORTS = [
    # (name, pod ports, existing pod's ports, want: None = PreFilter Skip, else the Filter code)
    ("skip filter", (), (), SKIP),
    ("other port", ("UDP/127.0.0.1/8080",), ("UDP/127.0.0.1/9090",), OK),
    ("same udp port", ("UDP/127.0.0.1/8080",), ("UDP/127.0.0.1/8080",), U),
    ("same tcp port", ("TCP/127.0.0.1/8080",), ("TCP/127.0.0.1/8080",), U),
    ("different host ip", ("TCP/127.0.0.1/8080",), ("TCP/127.0.0.2/8080",), OK),
    ("different protocol", ("UDP/127.0.0.1/8080",), ("TCP/127.0.0.1/8080",), OK),
    ("second udp port conflict", ("UDP/127.0.0.1/8000", "UDP/127.0.0.1/8080"), ("UDP/127.0.0.1/8080",), U),
    (
        "first tcp port conflict",
        ("TCP/127.0.0.1/8001", "UDP/127.0.0.1/8080"),
        ("TCP/127.0.0.1/8001", "UDP/127.0.0.1/8081"),
        U,
    ),
    ("first tcp port conflict due to 0.0.0.0 hostIP", ("TCP/0.0.0.0/8001",), ("TCP/127.0.0.1/8001",), U),
    (
        "TCP hostPort conflict due to 0.0.0.0 hostIP",
        ("TCP/10.0.10.10/8001", "TCP/0.0.0.0/8001"),
        ("TCP/127.0.0.1/8001",),
        U,
    ),
    ("second tcp port conflict to 0.0.0.0 hostIP", ("TCP/127.0.0.1/8001",), ("TCP/0.0.0.0/8001",), U),
    ("second different protocol", ("UDP/127.0.0.1/8001",), ("TCP/0.0.0.0/8001",), OK),
    (
        "UDP hostPort conflict due to 0.0.0.0 hostIP",
        ("UDP/127.0.0.1/8001",),
        ("TCP/0.0.0.0/8001", "UDP/0.0.0.0/8001"),
        U,
    ),
]


@pytest.mark.parametrize(
    ("ports", "existing", "want"), [pytest.param(*c[1:], id=f"TestNodePorts/{c[0]}") for c in NODE_PORTS]
)
def test_node_ports(ports: tuple[str, ...], existing: tuple[str, ...], want: Code | None) -> None:
    assert _check(hp_pod(*ports), existing) == want


def test_node_ports_non_sidecar_init_container() -> None:
    """TestNodePorts/non-sidecar initContainer using hostPort: a plain init container's host port is not counted
    (it has exited before the app containers start), so PreFilter skips."""
    p = hp_pod(init=("TCP//8001",))
    assert _check(p, ("TCP/0.0.0.0/8001",)) is SKIP


def test_node_ports_sidecar_init_container() -> None:
    """TestNodePorts/TCP hostPort conflict from sidecar initContainer: a restartable init container's host port
    (empty hostIP = 0.0.0.0) conflicts."""
    p = hp_pod(sidecar=("TCP//8001",))
    assert _check(p, ("TCP/0.0.0.0/8001",)) == U


def test_existing_sidecar_ports_are_used() -> None:
    """The node side of the same rule (``NodeInfo.updateUsedPorts`` uses ``GetHostPorts`` too): an existing pod's
    sidecar host port is in use, a plain init container's is not."""
    for init, sidecar, want in (((), ("TCP//8001",), U), (("TCP//8001",), (), OK)):
        existing = hp_pod("TCP/0.0.0.0/9999", name="p1", node_name="m1", init=init, sidecar=sidecar)
        t = table([node("m1")], [existing])
        st = run_filter(NodePorts(), hp_pod("TCP/0.0.0.0/8001"), t, "m1")
        assert st.code == want


def test_sctp_protocol() -> None:
    """Protocols are compared as strings: SCTP conflicts only with SCTP (HostPortInfo keys on protocol/port)."""
    assert _check(hp_pod("SCTP/0.0.0.0/9000"), ("SCTP/127.0.0.1/9000",)) == U
    assert _check(hp_pod("SCTP/0.0.0.0/9000"), ("TCP/0.0.0.0/9000", "UDP/0.0.0.0/9000")) == OK


FITS = [
    ("non-conflicting ports", ("TCP/127.0.0.1/80",), ("TCP/127.0.0.1/9090",), True),
    (
        "multiple non-conflicting ports",
        ("TCP/127.0.0.1/80", "TCP/127.0.1.1/80", "TCP/127.0.1.1/90", "TCP/127.0.1.1/100"),
        ("TCP/127.0.0.1/9090", "TCP/127.0.0.1/9191", "TCP/127.0.1.1/8080"),
        True,
    ),
    ("same ports on different protocols", ("TCP/127.0.0.1/80",), ("UDP/127.0.0.1/80",), True),
    ("conflicting ports", ("TCP/127.0.0.1/80",), ("TCP/127.0.0.1/80",), False),
    (
        "multiple ports, some conflicting",
        ("TCP/127.0.0.1/80", "TCP/127.0.1.1/80", "TCP/127.0.1.1/90", "TCP/127.0.1.1/100"),
        ("TCP/127.0.0.1/9090", "TCP/127.0.1.1/90", "TCP/127.0.1.1/8080"),
        False,
    ),
]


@pytest.mark.parametrize(
    ("ports", "existing", "fits"), [pytest.param(*c[1:], id=f"TestFits/{c[0]}") for c in FITS]
)
def test_fits(ports: tuple[str, ...], existing: tuple[str, ...], fits: bool) -> None:
    assert (_check(hp_pod(*ports), existing) == OK) is fits


# TestHostPortInfo_Check: ports already added (protocol, ip, port), the port checked, whether it conflicts.
# The checked port is the incoming pod's host port; existing ports are one pod's on the node.
HOST_PORT_CHECK = [
    ("empty check should check 0.0.0.0 and TCP", ("TCP/127.0.0.1/80",), "//81", False),
    ("empty check should check 0.0.0.0 and TCP (conflicted)", ("TCP/127.0.0.1/80",), "//80", True),
    ("empty port check should pass", ("TCP/127.0.0.1/80",), "//0", False),
    ("0.0.0.0 should check all registered IPs", ("TCP/127.0.0.1/80",), "TCP/0.0.0.0/80", True),
    ("0.0.0.0 with different protocol should be allowed", ("UDP/127.0.0.1/80",), "TCP/0.0.0.0/80", False),
    (
        "0.0.0.0 with different port should be allowed",
        ("TCP/127.0.0.1/79", "TCP/127.0.0.1/81", "TCP/127.0.0.1/82"),
        "TCP/0.0.0.0/80",
        False,
    ),
    ("normal ip should check all registered 0.0.0.0", ("TCP/0.0.0.0/80",), "TCP/127.0.0.1/80", True),
    (
        "normal ip with different port/protocol should be allowed (0.0.0.0)",
        ("TCP/0.0.0.0/79", "UDP/0.0.0.0/80", "TCP/0.0.0.0/81", "TCP/0.0.0.0/82"),
        "TCP/127.0.0.1/80",
        False,
    ),
    (
        "normal ip with different port/protocol should be allowed",
        ("TCP/127.0.0.1/79", "UDP/127.0.0.1/80", "TCP/127.0.0.1/81", "TCP/127.0.0.1/82"),
        "TCP/127.0.0.1/80",
        False,
    ),
]


@pytest.mark.parametrize(
    ("added", "check", "conflict"),
    [pytest.param(*c[1:], id=f"TestHostPortInfo_Check/{c[0]}") for c in HOST_PORT_CHECK],
)
def test_host_port_info_check(added: tuple[str, ...], check: str, conflict: bool) -> None:
    got = _check(hp_pod(check), added)
    if check.endswith("/0"):
        assert got is SKIP  # hostPort 0 is no host port: the pod has none, PreFilter skips (no conflict)
        assert not conflict
    else:
        assert (got == U) is conflict


def test_pre_filter_disabled() -> None:
    """TestPreFilterDisabled: upstream's Filter without its PreFilter state returns an Error status
    (``ErrNotFound``). kubesim always runs PreFilter in the same cycle, and its Filter recomputes the pod's ports
    when the state is missing (the result is that of a Filter after PreFilter): a pod without host ports passes.
    This is a deliberate difference that no scheduling decision can observe."""
    t = table([node("m1")])
    ni = t.info("m1")
    assert ni is not None
    assert NodePorts().filter(CycleState(), hp_pod(), ni).is_success


def test_reason_string() -> None:
    assert REASON == "node(s) didn't have free ports for the requested pod ports"
