"""StatefulSet controller against upstream unit tests, ported as facts (inputs and expected results).

Upstream (Kubernetes 1.35):

* ``pkg/controller/statefulset/stateful_set_utils_test.go``: ``TestGetStatefulSetMaxUnavailable`` (a percentage of
  ``spec.replicas`` rounded down, at least 1).
* ``pkg/controller/statefulset/stateful_set_control_test.go``: ``TestStatefulSetControlRollingUpdateWithMaxUnavailable``
  (``updateStatefulSetAfterInvariantEstablished``: up to maxUnavailable minus the unavailable pods deleted at once,
  highest ordinal first, down to the partition), ``TestStatefulSetControlRollingUpdate`` (one at a time before the
  MaxUnavailableStatefulSet gate; the next deletion waits for ``isHealthy`` = Running, Ready and not Terminating,
  not for minReadySeconds), ``TestStatefulSetAvailability``/minReadySeconds (OrderedReady creates the next ordinal
  once the previous one is available; ``availableReplicas`` lags ``readyReplicas`` by minReadySeconds).

Not modelled: PersistentVolumeClaims and ``persistentVolumeClaimRetentionPolicy`` (the loader rejects
``volumeClaimTemplates``), ControllerRevision objects and ``revisionHistoryLimit``, ``status.currentReplicas``.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.controllers.statefulset import max_unavailable
from tests.controllers.test_statefulset import set_pods, statefulset
from tests.simhelpers import events, pool, scenario, sim_from

# (maxUnavailable, spec.replicas, expected)
MAX_UNAVAILABLE: list[tuple[int | str, int, int]] = [
    (1, 10, 1),  # unset: the default 1
    (3, 10, 3),
    (3, 0, 3),
    (0, 0, 1),
    ("10%", 25, 2),
    ("100%", 5, 5),
    ("50%", 5, 2),
    ("10%", 5, 1),
    ("1%", 0, 1),
    ("0%", 0, 1),
]


@pytest.mark.parametrize(
    ("value", "replicas", "expected"),
    MAX_UNAVAILABLE,
    ids=[f"TestGetStatefulSetMaxUnavailable/case {i}" for i in range(len(MAX_UNAVAILABLE))],
)
def test_get_statefulset_max_unavailable(value: int | str, replicas: int, expected: int) -> None:
    assert max_unavailable(value, replicas) == expected


def rollout(
    replicas: int, spec: str, policy: str = "Parallel", version: str = "1.35", ready_seconds: int = 5
) -> Any:
    text = "{at: 100s, action: rollout, target: StatefulSet/web, image: 'web:2'}"
    sim = sim_from(
        scenario(timeline=f"[{text}]", version=version)
        + pool()
        + statefulset(replicas=replicas, policy=policy, extra_spec=spec, ready_seconds=ready_seconds)
    )
    return sim


def deletions(sim: Any) -> list[tuple[float, str]]:
    return [(e["t"], e["message"].split()[2]) for e in events(sim, "SuccessfulDelete", kind="StatefulSet")]


@pytest.mark.parametrize(
    ("spec", "first_batch"),
    [
        ("updateStrategy: {rollingUpdate: {maxUnavailable: '50%'}}", ["web-4", "web-3"]),  # 2.5 -> 2
        ("updateStrategy: {rollingUpdate: {maxUnavailable: '10%'}}", ["web-4"]),  # 0.5 -> at least 1
        ("updateStrategy: {rollingUpdate: {maxUnavailable: 3, partition: 3}}", ["web-4", "web-3"]),
        (
            "updateStrategy: {rollingUpdate: {maxUnavailable: '100%'}}",
            ["web-4", "web-3", "web-2", "web-1", "web-0"],
        ),
    ],
    ids=[
        "TestStatefulSetControlRollingUpdateWithMaxUnavailable/50% of 5 rounds down",
        "TestStatefulSetControlRollingUpdateWithMaxUnavailable/10% of 5 is at least 1",
        "TestStatefulSetControlRollingUpdateWithMaxUnavailable/partition bounds the batch",
        "TestStatefulSetControlRollingUpdateWithMaxUnavailable/100% deletes all",
    ],
)
def test_rolling_update_with_max_unavailable_first_batch(spec: str, first_batch: list[str]) -> None:
    sim = rollout(5, spec)
    sim.run(until=400)
    assert [name for t, name in deletions(sim) if t == 100.0] == first_batch


def test_rolling_update_with_max_unavailable_counts_unavailable_pods() -> None:
    """Unavailable pods use up maxUnavailable: with maxUnavailable 2 and one pod not Ready, one deletion."""
    sim = rollout(4, "updateStrategy: {rollingUpdate: {maxUnavailable: 2}}")
    sim.run(until=99)
    pod = sim.store.get("Pod", "default", "web-0")
    pod.ready = False
    sim.store.update(pod)
    sim.run(until=100.5)
    assert [name for t, name in deletions(sim) if t == 100.0] == ["web-3"]


def test_rolling_update_before_1_35_waits_for_running_and_ready_not_min_ready_seconds() -> None:
    """TestStatefulSetControlRollingUpdate (gate off, v1.34): one pod at a time, the next once the recreated pod
    is Running and Ready (``isHealthy``); minReadySeconds does not hold a Parallel set's rollout back."""
    sim = rollout(3, "minReadySeconds: 30", version="1.34")
    sim.run(until=400)
    # 1 s shutdown + 2 s startup + 5 s to Ready: 8 s per pod
    assert deletions(sim) == [(100.0, "web-2"), (108.0, "web-1"), (116.0, "web-0")]
    assert {p.image for p in set_pods(sim).values()} == {"web:2"}


def test_rolling_update_1_35_waits_for_availability_with_min_ready_seconds() -> None:
    """With the gate on, a pod Ready for less than minReadySeconds is unavailable and uses maxUnavailable 1."""
    sim = rollout(3, "minReadySeconds: 30")
    sim.run(until=400)
    assert deletions(sim) == [(100.0, "web-2"), (138.0, "web-1"), (176.0, "web-0")]


def test_ordered_ready_scale_up_with_min_ready_seconds_waits_for_availability() -> None:
    """OrderedReady with minReadySeconds: ordinal N+1 is created once N has been Ready for minReadySeconds;
    availableReplicas lags readyReplicas."""
    sim = sim_from(scenario() + pool() + statefulset(replicas=3, extra_spec="minReadySeconds: 10"))
    sim.run(until=200)
    created = [(e["t"], e["message"].split()[2]) for e in events(sim, "SuccessfulCreate", kind="StatefulSet")]
    # each pod: 2 s startup + 5 s to Ready + 10 s minReadySeconds
    assert created == [(0.0, "web-0"), (17.0, "web-1"), (34.0, "web-2")]
    sim2 = sim_from(scenario() + pool() + statefulset(replicas=1, extra_spec="minReadySeconds: 10"))
    sim2.run(until=8)
    status = sim2.store.get("StatefulSet", "default", "web").status
    assert (status.ready_replicas, status.available_replicas) == (1, 0)
    sim2.run(until=17)
    assert (status.ready_replicas, status.available_replicas) == (1, 1)
