"""Sessions: actions recorded at their virtual times, saved with ctrl+s, replayed identically; watching a run
changes nothing in it."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from tuihelpers import SIZE, MakeApp

from simulator import Simulation
from tui.playback import SPEEDS
from tui.session import Session
from tui.source import SESSION_SCENARIO_NAME, load_source

pytestmark = pytest.mark.anyio


def _log(sim: Simulation) -> list[dict[str, Any]]:
    return list(sim.log)


async def test_a_saved_session_replays_to_the_same_event_log(make_app: MakeApp, tmp_path: Path) -> None:
    """Every control, then ctrl+s; the saved file run headless gives the interactive run's log, record for record.

    The interactive run records explanations (the scheduler's reference path) and the replay does not: the
    decisions are the same either way.
    """
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.model.explaining
        await pilot.press("full_stop", "full_stop")  # act in the middle of the start-up
        app.cluster_map.select("general-2")
        await pilot.press("c")
        app.advance(100)
        await pilot.press("f")
        app.advance(37.5)
        await pilot.press("c")  # uncordon
        app.cluster_map.select("general-5")
        await pilot.press("d")
        app.advance(200)
        app.workload_list.select_workload(("Deployment", "default", "api"))
        await pilot.press("s")
        await pilot.press("9", "enter")
        await pilot.pause()
        app.advance(100)
        app.workload_list.select_workload(("Deployment", "default", "web"))
        await pilot.press("u")
        app.advance(300)  # past the scenario's own crash of general-4 at 5m
        app.cluster_map.select("general-2")
        await pilot.press("r")
        await pilot.press("space")
        await pilot.pause(0.3)  # some frames of real playing, sliced by the timer
        await pilot.press("space")
        app.advance(60)
        await pilot.press("ctrl+s")
        await pilot.pause()
        end = app.sim.now
        interactive = _log(app.sim)
    saved = tmp_path / "kubesim-session.yaml"
    assert saved.exists()
    actions = [a.action for a in app.session.recorded]
    assert actions == ["cordon", "crashNode", "uncordon", "drain", "scale", "rollout", "recoverNode"]
    replay = Simulation.from_files([saved])
    replay.run(until=end)
    assert _log(replay) == interactive
    assert not replay.timeline_errors


async def test_actions_run_strictly_between_events_and_are_logged_as_timeline_events(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.advance(300)  # exactly at the scenario's crash of general-4 (which has run)
        app.cluster_map.select("general-1")
        await pilot.press("c")
        recorded = app.session.recorded[0]
        assert 300 < recorded.at <= 300.001
        # nothing else happened at that instant before the action: it opens its instant, as in a replay
        first_at = next(r for r in app.sim.log if r["t"] == recorded.at)
        assert first_at["reason"] == "Timeline" and first_at["message"] == "cordon general-1"
        timeline = [r for r in app.model.events.rows if r.reason == "Timeline"]
        assert timeline[-1].message == "cordon general-1" and timeline[-1].t == recorded.at


async def test_a_failing_action_is_recorded_and_fails_the_same_way_in_the_replay(
    make_app: MakeApp, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        app.advance(10)
        app.session.submit("cordon", node="no-such-node")
        outcomes = app.session.flush()
        assert outcomes[0].error and "does not exist" in outcomes[0].error
        app.advance(10)
        interactive = _log(app.sim)
        path = app.session.save(tmp_path / "failing.yaml")
    replay = Simulation.from_files([path])
    replay.run(until=20)
    assert _log(replay) == interactive
    assert replay.timeline_errors == app.sim.timeline_errors


def test_the_saved_file_keeps_the_documents_the_seed_and_the_original_timeline(tmp_path: Path) -> None:
    session = Session(load_source([]), seed=7)
    session.submit("cordon", node="general-3")
    session.flush()
    documents = list(yaml.safe_load_all(session.save(tmp_path / "s.yaml").read_text()))
    default = resources.files("simulator.scenarios").joinpath("default.yaml").read_text(encoding="utf-8")
    original = list(yaml.safe_load_all(default))
    assert [d["kind"] for d in documents] == [d["kind"] for d in original]
    spec = documents[0]["spec"]
    assert spec["seed"] == 7
    assert spec["timeline"][:4] == original[0]["spec"]["timeline"]
    assert spec["timeline"][4] == {"at": 0.001, "action": "cordon", "node": "general-3"}


def test_files_without_a_scenario_get_one_so_that_actions_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(
        "apiVersion: kubesim.dev/v1alpha1\nkind: NodePool\nmetadata: {name: p}\n"
        "spec: {count: 2, allocatable: {cpu: '2', memory: 4Gi}}\n"
    )
    source = load_source([str(path)])
    assert [o.KIND for o in source.objects if o.KIND == "Scenario"] == ["Scenario"]
    session = Session(source, keep_log=True)
    session.submit("cordon", node="p-1")
    session.flush()
    session.sim.run(until=5)
    saved = session.save(tmp_path / "saved.yaml")
    replay = Simulation.from_files([saved])
    replay.run(until=5)
    assert list(replay.log) == list(session.sim.log)
    assert any(r.get("reason") == "Timeline" for r in replay.log)
    assert replay.scenario is not None and replay.scenario.name == SESSION_SCENARIO_NAME


async def test_watching_a_run_changes_nothing_in_it(make_app: MakeApp) -> None:
    """Playing at several speeds in wall-clock-bounded frames (with explain recording, samples and every
    reader attached) gives the log a plain headless run gives."""
    app = make_app()
    async with app.run_test(size=SIZE):
        app.playback.playing = True
        for speed in (3, len(SPEEDS) - 1):
            app.playback.speed_index = speed
            for _ in range(40):
                app.playback.tick(0.05, time.perf_counter() + 0.002)  # tiny budgets: frames end mid-instant
                app.refresh_views()
        app.playback.playing = False
        app.session.settle()
        end = app.sim.now
        watched = _log(app.sim)
    headless = Simulation(load_source([]).objects)
    headless.run(until=end)
    assert _log(headless) == watched


def test_explain_records_are_kept_per_pod(tmp_path: Path) -> None:
    from tui.model import ClusterModel

    session = Session(load_source([]))
    model = ClusterModel(session.sim, explain=True)
    session.sim.run(until=60)
    latest = model.explains.latest("default", "db-0")
    assert latest is not None
    _t, record = latest
    assert record["pod"] == "default/db-0" and record["selected"] and len(record["nodes"]) == 12
    assert len(model.explains.records) <= model.explains.capacity
