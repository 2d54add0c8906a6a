"""The built-in lessons: each loads, and a headless run shows what its explanation claims."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from importlib.resources import as_file
from pathlib import Path
from typing import Any

import pytest

from simulator import Simulation
from simulator.cli import main
from simulator.controllers.deployment import resolve_fenceposts
from simulator.defaults import defaults_for
from tests.simhelpers import Recorder, events
from tui.lessons import LESSONS, lesson_paths

LessonFile = Callable[[str], Path]


@pytest.fixture
def lesson_file() -> Iterator[LessonFile]:
    """``lesson_file(name)``: the lesson's scenario as a filesystem path, valid until the test ends."""
    with ExitStack() as stack:

        def path(name: str) -> Path:
            return stack.enter_context(as_file(lesson_paths(name)[0]))

        yield path


def lesson_sim(lesson_file: LessonFile, name: str) -> Simulation:
    return Simulation.from_files([lesson_file(name)])


def active_pods(sim: Simulation, app: str) -> list[Any]:
    """Pods of Deployment ``app`` that are not terminal and not being deleted."""
    return [p for p in sim.store.list("Pod") if p.labels.get("app") == app and p.is_active]


# -- the catalogue ------------------------------------------------------------------------------------------------


def test_lessons_are_listed_in_teaching_order_with_both_files() -> None:
    assert list(LESSONS) == ["spreading-vs-binpacking", "node-failure", "rolling-update"]
    for name, title in LESSONS.items():
        assert title and "\n" not in title
        scenario, explanation = lesson_paths(name)
        assert scenario.name == f"{name}.yaml" and scenario.is_file()
        assert explanation.name == f"{name}.md" and explanation.is_file()
        text = explanation.read_text(encoding="utf-8")
        assert text.startswith("# "), f"{name}.md should open with a title"
        assert "## Questions" in text and "?" in text
        assert "**space**" in text  # the keys to press


def test_unknown_lesson_is_a_key_error_naming_the_lessons() -> None:
    with pytest.raises(KeyError) as err:
        lesson_paths("no-such-lesson")
    message = str(err.value)
    assert "no-such-lesson" in message
    assert all(name in message for name in LESSONS)


@pytest.mark.parametrize("name", list(LESSONS))
def test_lesson_validates(name: str, lesson_file: LessonFile, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(lesson_file(name))]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("ok:") and "Scenario" in out.out
    assert "warning" not in out.err


# -- 1. spreading vs bin-packing ----------------------------------------------------------------------------------


def nodes_used(sim: Simulation, app: str) -> dict[str, int]:
    """Node -> number of running, Ready pods of ``app`` there."""
    used: dict[str, int] = {}
    for p in active_pods(sim, app):
        assert p.ready, f"t={sim.now}: {p.name} is not Ready"
        used[p.node_name] = used.get(p.node_name, 0) + 1
    return used


def test_binpacking_profile_uses_fewer_nodes_than_spreading(lesson_file: LessonFile) -> None:
    sim = lesson_sim(lesson_file, "spreading-vs-binpacking")
    # (time, replicas): settled after the start, the scale-up to 10 at 3m and the scale-down to 4 at 6m.
    for t, replicas in ((170, 6), (350, 10), (sim.duration, 4)):
        sim.run(until=t)
        spread, packed = nodes_used(sim, "spread"), nodes_used(sim, "packed")
        assert sum(spread.values()) == sum(packed.values()) == replicas
        assert all(n.startswith("spread-") for n in spread) and all(n.startswith("packed-") for n in packed)
        # 4 pods of 1 CPU fill a 4-CPU node: bin-packing needs ceil(replicas / 4) nodes (and the scale-down,
        # which deletes pods from the nodes with the most replicas first, may leave one more); spreading
        # uses min(replicas, 5).
        assert len(packed) < len(spread), f"t={t}: packed on {packed}, spread on {spread}"
        assert len(spread) == min(replicas, 5)
        assert len(packed) <= -(-replicas // 4) + (1 if t == sim.duration else 0)
    for p in active_pods(sim, "packed"):
        assert p.spec.scheduler_name == "bin-packer"


# -- 2. node failure ----------------------------------------------------------------------------------------------


def test_node_failure_evicts_after_grace_period_and_toleration_then_replaces(lesson_file: LessonFile) -> None:
    sim = lesson_sim(lesson_file, "node-failure")
    crash_at, node = 60.0, "worker-1"
    grace = defaults_for("1.35").node_monitor_grace_period  # 50 s
    default_toleration = defaults_for("1.35").default_unreachable_toleration_seconds  # 300 s
    sim.run(until=crash_at - 1)
    victims = {p.name: p.labels["app"] for p in sim.store.pods_on_node(node)}
    assert set(victims.values()) == {"web", "checkout"}, "the lesson needs both kinds of pod on the node"

    sim.run()
    [not_ready] = events(sim, "NodeNotReady", kind="Node")
    assert not_ready["name"] == node
    assert crash_at + grace <= not_ready["t"] < crash_at + grace + 5  # the first 5 s monitor tick
    evicted = {e["name"]: e["t"] for e in events(sim, "TaintManagerEviction")}
    assert set(evicted) == set(victims)
    for pod, app in victims.items():
        toleration = default_toleration if app == "web" else 30
        assert evicted[pod] == not_ready["t"] + toleration, (pod, evicted[pod])

    for app, replicas in (("web", 8), ("checkout", 4)):
        deployment = sim.store.get("Deployment", "default", app)
        assert deployment.status.ready_replicas == replicas
        pods = active_pods(sim, app)
        assert len(pods) == replicas and all(p.ready and p.node_name != node for p in pods)
    # The node is back, Ready and untainted, and empty: nothing moves pods back to it.
    recovered = sim.store.get("Node", "", node)
    assert recovered.ready == "True" and not recovered.taints
    assert list(sim.store.pods_on_node(node)) == []
    [fault] = sim.summary()["faults"]
    assert fault["detected_at"] == not_ready["t"]
    assert fault["replacements_ready_at"] == not_ready["t"] + default_toleration + 10  # start 5 s + ready 5 s


# -- 3. rolling update --------------------------------------------------------------------------------------------


def test_rolling_update_stays_within_max_surge_and_max_unavailable(lesson_file: LessonFile) -> None:
    sim = lesson_sim(lesson_file, "rolling-update")
    rollout_at = 60.0
    plans = {"web": (10, *resolve_fenceposts("25%", "25%", 10)), "api": (4, *resolve_fenceposts(1, 0, 4))}
    assert plans == {"web": (10, 3, 2), "api": (4, 1, 0)}
    seen: dict[str, tuple[int, int]] = {app: (0, 1_000) for app in plans}  # max pods, min available

    def check(s: Simulation) -> None:
        # At every store change, the rollout's own first instant included.
        if s.now < rollout_at:
            return
        for app, (replicas, surge, unavailable) in plans.items():
            rss = [rs for rs in s.store.list("ReplicaSet") if rs.name.startswith(f"{app}-")]
            assert sum(rs.replicas for rs in rss) <= replicas + surge, f"t={s.now}: {app} ReplicaSets"
            pods = active_pods(s, app)
            assert len(pods) <= replicas + surge, f"t={s.now}: {len(pods)} {app} pods"
            available = sum(1 for p in pods if p.ready)
            assert available >= replicas - unavailable, f"t={s.now}: {available} {app} pods available"
            most, least = seen[app]
            seen[app] = (max(most, len(pods)), min(least, available))

    Recorder(sim, ("Pod", "ReplicaSet"), check)
    sim.run()
    # The bounds are reached, not just respected: 13 pods and 8 available for web, 5 and 4 for api.
    assert seen == {"web": (13, 8), "api": (5, 4)}
    for app, (replicas, _, _) in plans.items():
        pods = active_pods(sim, app)
        assert len(pods) == replicas and all(p.ready and p.image == f"demo/{app}:v2" for p in pods)
        status = sim.store.get("Deployment", "default", app).status
        assert status.updated_replicas == status.available_replicas == replicas
    # web finishes in a few big steps, api one pod at a time (each step: 10 s start + 15 s to Ready).
    scaled = [e for e in events(sim, "ScalingReplicaSet") if e["t"] >= rollout_at]
    done = {app: max(e["t"] for e in scaled if e["name"] == app) for app in plans}
    assert done == {"web": rollout_at + 50, "api": rollout_at + 100}
