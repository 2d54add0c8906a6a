"""Deployments: maxSurge / maxUnavailable arithmetic and the rolling-update bounds, Recreate, scaling."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.controllers.deployment import resolve_fenceposts
from tests.simhelpers import Recorder, events, pool, scenario, sim_from


@pytest.mark.parametrize(
    ("surge", "unavailable", "replicas", "expected"),
    [
        ("25%", "25%", 4, (1, 1)),  # the documented example: at most 5 pods, at least 3 available
        ("25%", "25%", 10, (3, 2)),  # surge rounds up, unavailable rounds down
        ("25%", "25%", 1, (1, 0)),
        ("0%", "0%", 3, (0, 1)),  # never both zero
        (0, 0, 5, (0, 1)),
        (2, "50%", 5, (2, 2)),
        ("30%", 1, 10, (3, 1)),
    ],
)
def test_resolve_fenceposts(surge, unavailable, replicas, expected):  # type: ignore[no-untyped-def]
    assert resolve_fenceposts(surge, unavailable, replicas) == expected


def _rolling_sim(replicas: int, surge: str, unavailable: str, startup: str = "3s", ready: str = "2s"):  # type: ignore[no-untyped-def]
    rolling = f"{{maxSurge: {surge}, maxUnavailable: {unavailable}}}"
    strategy = f"strategy:\n  type: RollingUpdate\n  rollingUpdate: {rolling}"
    return sim_from(
        scenario(
            timeline="[{at: 60s, action: rollout, target: Deployment/web, image: 'web:v2'}]",
            defaults=f"{{startupSeconds: {startup}, readySeconds: {ready}}}",
        )
        + pool(count=4, cpu="64")
        + deployment_doc(replicas, strategy)
    )


def deployment_doc(replicas: int, extra: str) -> str:
    from tests.simhelpers import deployment

    return deployment(replicas=replicas, extra_spec=extra)


def _check_bounds(replicas: int, surge: int, unavailable: int):  # type: ignore[no-untyped-def]
    def check(sim):  # type: ignore[no-untyped-def]
        if sim.now < 60:  # the rollout starts at 60 s; its first instant is checked too
            return
        rss = sim.store.list("ReplicaSet")
        total = sum(rs.replicas for rs in rss)
        available = sum(rs.status.available_replicas for rs in rss)
        assert total <= replicas + surge, f"t={sim.now}: {total} replicas > {replicas} + {surge}"
        assert available >= replicas - unavailable, (
            f"t={sim.now}: {available} available < {replicas} - {unavailable}"
        )
        running = [p for p in sim.store.list("Pod") if p.is_active]
        assert len(running) <= replicas + surge

    return check


@given(
    replicas=st.integers(1, 12),
    surge=st.sampled_from(["0", "1", "2", "25%", "50%", "100%"]),
    unavailable=st.sampled_from(["0", "1", "25%", "50%"]),
)
def test_rolling_update_respects_max_surge_and_max_unavailable(replicas, surge, unavailable):  # type: ignore[no-untyped-def]
    assume(not (surge == "0" and unavailable == "0"))  # Kubernetes rejects maxSurge and maxUnavailable both 0
    s_val: int | str = surge if surge.endswith("%") else int(surge)
    u_val: int | str = unavailable if unavailable.endswith("%") else int(unavailable)
    max_surge, max_unavailable = resolve_fenceposts(s_val, u_val, replicas)
    sim = _rolling_sim(
        replicas,
        f'"{surge}"' if surge.endswith("%") else surge,
        f'"{unavailable}"' if unavailable.endswith("%") else unavailable,
    )
    Recorder(sim, ("Pod", "ReplicaSet"), _check_bounds(replicas, max_surge, max_unavailable))
    sim.run(until=900)
    pods = [p for p in sim.store.list("Pod") if p.is_active]
    assert len(pods) == replicas
    assert all(p.image == "web:v2" and p.ready for p in pods)
    d = sim.store.get("Deployment", "default", "web")
    assert d.status.updated_replicas == replicas and d.status.available_replicas == replicas


def test_rollout_emits_scaling_events_and_keeps_history():
    sim = _rolling_sim(4, '"25%"', '"25%"')
    sim.run(until=600)
    messages = [e["message"] for e in events(sim, "ScalingReplicaSet")]
    assert messages[0].startswith("Scaled up replica set web-") and messages[0].endswith("from 0 to 4")
    assert any("from 0 to 1" in m for m in messages[1:])  # the new ReplicaSet surges by one
    rss = sim.store.list("ReplicaSet")
    assert sorted(rs.replicas for rs in rss) == [0, 4]
    assert {rs.annotations["deployment.kubernetes.io/revision"] for rs in rss} == {"1", "2"}


def test_recreate_never_runs_old_and_new_pods_together():
    from tests.simhelpers import deployment

    sim = sim_from(
        scenario(timeline="[{at: 60s, action: rollout, target: Deployment/web, image: 'web:v2'}]")
        + pool(cpu="64")
        + deployment(replicas=3, extra_spec="strategy: {type: Recreate}")
    )

    def check(s):  # type: ignore[no-untyped-def]
        images = {p.image for p in s.store.list("Pod") if p.phase == "Running" or p.node_name}
        assert len(images) <= 1, f"t={s.now}: {images}"

    Recorder(sim, ("Pod",), check)
    sim.run(until=300)
    assert sorted(p.image for p in sim.store.list("Pod")) == ["web:v2"] * 3


def test_scaling_a_deployment_scales_its_replicaset():
    from tests.simhelpers import deployment

    sim = sim_from(
        scenario(timeline="[{at: 30s, action: scale, target: Deployment/web, replicas: 9}]")
        + pool(cpu="64")
        + deployment(replicas=3)
    )
    sim.run(until=120)
    assert len([p for p in sim.store.list("Pod") if p.ready]) == 9
    assert sim.store.get("Deployment", "default", "web").status.ready_replicas == 9
