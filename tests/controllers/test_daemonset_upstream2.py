"""DaemonSet controller against upstream unit tests, ported as facts (inputs and expected results).

Upstream (Kubernetes 1.35):

* ``pkg/controller/daemon/daemon_controller_test.go``: ``TestNodeShouldRunDaemonPod`` (nodeName, nodeSelector,
  required node affinity, taints; resources and ports are not checked any more), the unschedulable-node tests
  (``TestUnschedulableNodeDaemonDoesLaunchPod``), ``TestDaemonKillFailedPods``/``TestDaemonKillFailedPodsBackoff``
  (a Failed pod is deleted with a ``FailedDaemonPod`` Warning; further deletions on that node wait for the
  1 s-doubling back-off, the DaemonSet being requeued the whole current delay later).
* ``pkg/controller/daemon/util/daemonset_util_test.go``: ``TestAddOrUpdateDaemonPodTolerations``-style facts.
* ``pkg/controller/daemon/update_test.go``: ``TestGetUnavailableNumbers`` / ``TestDaemonSetUpdatesPods*``
  (maxUnavailable and maxSurge, percentages of the desired nodes rounded up; both 0 means maxUnavailable 1).

Not modelled: ``hostNetwork`` (so no network-unavailable toleration), host ports, ControllerRevisions and the
``deprecated.daemonset.template.generation`` match, ``numberMisscheduled``/``currentNumberScheduled``.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.node import Node
from models.pod import (
    Affinity,
    Container,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PodSpec,
    Taint,
    Toleration,
)
from simulator.controllers.daemonset import DAEMON_TOLERATIONS, add_daemon_tolerations, node_should_run
from tests.controllers.test_daemonset import daemonset, ds_pods
from tests.simhelpers import events, pool, scenario, sim_from


def spec(**kwargs: Any) -> PodSpec:
    tolerations = kwargs.pop("tolerations", ())
    return PodSpec(
        containers=(Container(name="c"),), tolerations=add_daemon_tolerations(tolerations), **kwargs
    )


def affinity(key: str, operator: str, *values: str) -> Affinity:
    term = NodeSelectorTerm(
        match_expressions=(NodeSelectorRequirement(key=key, operator=operator, values=values),)
    )
    return Affinity(node_affinity=NodeAffinity(required=NodeSelector(terms=(term,))))


NODE_LABELS = {"kubernetes.io/hostname": "node1", "type": "production"}

# name: (pod spec, node taints, node unschedulable, (shouldRun, shouldContinueRunning))
SHOULD_RUN: dict[str, tuple[PodSpec, tuple[Taint, ...], bool, tuple[bool, bool]]] = {
    "Simple DaemonSet with no specific settings": (spec(), (), False, (True, True)),
    # resources are not checked (the scheduler places the pod; kubelet admission may reject it)
    "Simple DaemonSet with insufficient resources": (
        PodSpec(containers=(Container(name="c", requests={"cpu": 10**9}),), tolerations=DAEMON_TOLERATIONS),
        (),
        False,
        (True, True),
    ),
    "DaemonSet with a node selector matching the node": (
        spec(node_selector={"type": "production"}),
        (),
        False,
        (True, True),
    ),
    "DaemonSet with a node selector not matching the node": (
        spec(node_selector={"type": "test"}),
        (),
        False,
        (False, False),
    ),
    "DaemonSet with node affinity matching the node": (
        spec(affinity=affinity("type", "In", "production")),
        (),
        False,
        (True, True),
    ),
    "DaemonSet with node affinity not matching the node": (
        spec(affinity=affinity("type", "In", "test")),
        (),
        False,
        (False, False),
    ),
    "DaemonSet with nodeName matching": (spec(node_name="node1"), (), False, (True, True)),
    "DaemonSet with nodeName not matching": (spec(node_name="other"), (), False, (False, False)),
    "untolerated NoSchedule taint: may not start, may keep running": (
        spec(),
        (Taint(key="k", value="v", effect="NoSchedule"),),
        False,
        (False, True),
    ),
    "untolerated NoExecute taint: may neither start nor keep running": (
        spec(),
        (Taint(key="k", value="v", effect="NoExecute"),),
        False,
        (False, False),
    ),
    "tolerated NoSchedule taint": (
        spec(tolerations=(Toleration(key="k", operator="Equal", value="v", effect="NoSchedule"),)),
        (Taint(key="k", value="v", effect="NoSchedule"),),
        False,
        (True, True),
    ),
    "PreferNoSchedule taint is ignored": (
        spec(),
        (Taint(key="k", effect="PreferNoSchedule"),),
        False,
        (True, True),
    ),
    "unschedulable node (spec.unschedulable and its taint)": (
        spec(),
        (Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule"),),
        True,
        (True, True),
    ),
    "not-ready and unreachable NoExecute nodes keep their daemon pods": (
        spec(),
        (
            Taint(key="node.kubernetes.io/not-ready", effect="NoExecute"),
            Taint(key="node.kubernetes.io/unreachable", effect="NoExecute"),
        ),
        False,
        (True, True),
    ),
    "memory, disk and pid pressure are tolerated": (
        spec(),
        tuple(
            Taint(key=f"node.kubernetes.io/{k}-pressure", effect="NoSchedule")
            for k in ("memory", "disk", "pid")
        ),
        False,
        (True, True),
    ),
    "network-unavailable without hostNetwork is not tolerated": (
        spec(),
        (Taint(key="node.kubernetes.io/network-unavailable", effect="NoSchedule"),),
        False,
        (False, True),
    ),
}


@pytest.mark.parametrize(
    "name", list(SHOULD_RUN), ids=[f"TestNodeShouldRunDaemonPod/{n}" for n in SHOULD_RUN]
)
def test_node_should_run_daemon_pod(name: str) -> None:
    pod_spec, taints, unschedulable, expected = SHOULD_RUN[name]
    node = Node(name="node1", labels=NODE_LABELS, taints=taints, unschedulable=unschedulable)
    assert node_should_run(pod_spec, node) == expected


def test_add_or_update_daemon_pod_tolerations_replaces_every_matching_toleration() -> None:
    """AddOrUpdateTolerationInPodSpec: a toleration that matches (key, operator, value, effect) is replaced by
    the DaemonSet's (no tolerationSeconds), every such one; others are kept; the rest are appended once."""
    limited = Toleration(key="node.kubernetes.io/not-ready", operator="Exists", effect="NoExecute",
                         toleration_seconds=300)  # fmt: skip
    other = Toleration(key="node.kubernetes.io/not-ready", operator="Equal", value="x", effect="NoExecute")
    result = add_daemon_tolerations((limited, other, limited))
    assert result[:3] == (DAEMON_TOLERATIONS[0], other, DAEMON_TOLERATIONS[0])
    assert result[3:] == DAEMON_TOLERATIONS[1:]
    assert add_daemon_tolerations(DAEMON_TOLERATIONS) == DAEMON_TOLERATIONS


def rollout(nodes: int, strategy: str) -> Any:
    return sim_from(
        scenario(timeline="[{at: 100s, action: rollout, target: DaemonSet/agent, image: 'agent:2'}]")
        + pool(count=nodes)
        + daemonset(extra_spec=f"updateStrategy: {{rollingUpdate: {strategy}}}")
    )


@pytest.mark.parametrize(
    ("strategy", "deleted_at_once"),
    [
        ("{maxUnavailable: 1}", 1),
        ("{maxUnavailable: 2}", 2),
        ("{maxUnavailable: '40%'}", 2),  # 2.0 of 5 nodes
        ("{maxUnavailable: '50%'}", 3),  # 2.5 rounds up
        ("{maxUnavailable: '10%'}", 1),  # 0.5 rounds up
        ("{maxUnavailable: '100%'}", 5),
    ],
    ids=[
        "TestGetUnavailableNumbers/maxUnavailable 1",
        "TestGetUnavailableNumbers/maxUnavailable 2",
        "TestGetUnavailableNumbers/maxUnavailable 40% of 5",
        "TestGetUnavailableNumbers/maxUnavailable 50% of 5 rounds up",
        "TestGetUnavailableNumbers/maxUnavailable 10% of 5 rounds up",
        "TestGetUnavailableNumbers/maxUnavailable 100%",
    ],
)
def test_rolling_update_max_unavailable(strategy: str, deleted_at_once: int) -> None:
    sim = rollout(5, strategy)
    sim.run(until=100.5)
    assert (
        len([e for e in events(sim, "SuccessfulDelete", "DaemonSet") if e["t"] == 100.0]) == deleted_at_once
    )
    assert not [e for e in events(sim, "SuccessfulCreate", "DaemonSet") if e["t"] == 100.0]


@pytest.mark.parametrize(
    ("strategy", "surged_at_once"),
    [
        ("{maxSurge: 1, maxUnavailable: 0}", 1),
        ("{maxSurge: 2, maxUnavailable: 0}", 2),
        ("{maxSurge: '20%', maxUnavailable: 0}", 1),
        ("{maxSurge: '30%', maxUnavailable: 0}", 2),  # 1.5 rounds up
        ("{maxSurge: '100%', maxUnavailable: 0}", 5),
    ],
    ids=[
        "TestDaemonSetUpdatesPodsWithMaxSurge/maxSurge 1",
        "TestDaemonSetUpdatesPodsWithMaxSurge/maxSurge 2",
        "TestDaemonSetUpdatesPodsWithMaxSurge/maxSurge 20% of 5",
        "TestDaemonSetUpdatesPodsWithMaxSurge/maxSurge 30% of 5 rounds up",
        "TestDaemonSetUpdatesPodsWithMaxSurge/maxSurge 100%",
    ],
)
def test_rolling_update_max_surge(strategy: str, surged_at_once: int) -> None:
    sim = rollout(5, strategy)
    sim.run(until=104.5)  # the new pods are Ready 5 s later: nothing deleted yet
    assert len([e for e in events(sim, "SuccessfulCreate", "DaemonSet") if e["t"] == 100.0]) == surged_at_once
    assert not [e for e in events(sim, "SuccessfulDelete", "DaemonSet") if e["t"] >= 100.0]
    sim.run(until=105.5)
    # an old pod goes as soon as the new one on its node is available
    assert len([e for e in events(sim, "SuccessfulDelete", "DaemonSet") if e["t"] == 105.0]) == surged_at_once
    sim.run(until=400)
    assert {p.image for p in ds_pods(sim)} == {"agent:2"} and len(ds_pods(sim)) == 5


def fail(sim: Any) -> Any:
    (pod,) = ds_pods(sim)
    pod.phase = "Failed"
    pod.ready = False
    sim.store.update(pod)
    return pod


def test_daemon_kill_failed_pods_with_backoff() -> None:
    """TestDaemonKillFailedPods / TestDaemonKillFailedPodsBackoff: a Failed daemon pod is deleted (Warning
    FailedDaemonPod) and replaced; the next Failed pod on the same node waits out the back-off (1 s, then 2 s,
    ...), the DaemonSet being requeued the whole current delay after the sync that found it in back-off."""
    # 10 s startup: a replacement is still starting when it is failed here, so the kubelet does not race us
    sim = sim_from(scenario(defaults="{startupSeconds: 10s}") + pool(count=1) + daemonset())
    sim.run(until=50)
    first = fail(sim)
    sim.run(until=50.25)
    (warned,) = events(sim, "FailedDaemonPod", "DaemonSet")
    assert warned["eventType"] == "Warning" and warned["t"] == 50.0
    assert (
        warned["message"]
        == f"Found failed daemon pod default/{first.name} on node pool-0, will try to kill it"
    )
    fail(sim)  # the replacement fails at 50.25: in the 1 s back-off since 50.0
    sim.run(until=51.2)
    assert len(events(sim, "FailedDaemonPod", "DaemonSet")) == 1
    sim.run(until=51.3)
    deletions = [e["t"] for e in events(sim, "FailedDaemonPod", "DaemonSet")]
    assert deletions == [50.0, 51.25]  # requeued 1 s after 50.25
    fail(sim)  # fails at 51.3: back-off now 2 s from 51.25
    sim.run(until=60)
    deletions = [e["t"] for e in events(sim, "FailedDaemonPod", "DaemonSet")]
    assert deletions == [50.0, 51.25, 53.3]


def test_unschedulable_node_daemon_does_launch_pod() -> None:
    """TestUnschedulableNodeDaemonDoesLaunchPod: a node cordoned before the DaemonSet exists gets its pod, bound
    by the scheduler (the pod tolerates node.kubernetes.io/unschedulable)."""
    text = scenario(timeline="[{at: 0s, action: cordon, node: pool-1}]") + pool(count=2)
    sim = sim_from(text + daemonset())
    sim.run(until=60)
    nodes = sorted(p.node_name for p in ds_pods(sim) if p.ready)
    assert nodes == ["pool-0", "pool-1"]
    assert sim.store.get("Node", "", "pool-1").unschedulable
