"""Frames stay short: garbage collection in small steps, slices that do not start a slow event late, a redraw left
to the next frame after a long slice, one slow panel per frame, the event log formatting only what it shows."""

from __future__ import annotations

import gc
import math
import time
import weakref
from collections.abc import Iterator

import pytest
from rich.text import Text
from tuihelpers import SIZE, MakeApp, quiet_default

from benchmarks import bench_tui
from simulator import Simulation
from tui.app import PANEL_PERIODS_SECONDS, panels_due
from tui.gc_pacer import GcPacer
from tui.model import EventRow
from tui.playback import Playback
from tui.source import load_source

pytestmark = pytest.mark.anyio


class _Cycle:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def pacer() -> Iterator[GcPacer]:
    pacer = GcPacer(young_period=1.0, freeze_period=2.0, idle_sweep=2.0, playing_sweep=60.0)
    pacer.start(0.0)
    try:
        yield pacer
    finally:
        pacer.stop()


def test_the_pacer_takes_over_collection_and_gives_it_back() -> None:
    was_enabled = gc.isenabled()
    pacer = GcPacer()
    pacer.start(0.0)
    try:
        assert not gc.isenabled() and gc.get_freeze_count() > 0  # what existed is frozen
    finally:
        pacer.stop()
    assert gc.isenabled() == was_enabled and gc.get_freeze_count() == 0


def test_a_cycle_dropped_between_frames_is_collected_without_a_sweep(pacer: GcPacer) -> None:
    ref = weakref.ref(_Cycle())
    assert ref() is not None  # automatic collection is off
    pacer.frame(0.1, playing=True)
    assert ref() is None and pacer.sweeps == 1  # the start's sweep only


def test_while_playing_survivors_are_frozen_every_freeze_period(pacer: GcPacer) -> None:
    kept = _Cycle()
    pacer.frame(1.0, playing=True)
    frozen = gc.get_freeze_count()
    pacer.frame(2.5, playing=True)  # past freeze_period: collect what is not frozen, then freeze it
    assert gc.get_freeze_count() > frozen and kept.me is kept


def test_a_frozen_cycle_is_reclaimed_by_the_sweep_after_a_pause(pacer: GcPacer) -> None:
    alive = _Cycle()
    ref = weakref.ref(alive)
    pacer.frame(2.5, playing=True)  # frozen while alive...
    del alive
    gc.collect()  # ...so no ordinary collection frees it once dropped
    pacer.frame(2.6, playing=True)
    assert ref() is not None
    pacer.frame(3.0, playing=False)
    assert ref() is not None and pacer.sweeps == 1  # paused, but not yet for idle_sweep seconds
    pacer.frame(5.0, playing=False)
    assert ref() is None and pacer.sweeps == 2


def test_a_long_play_is_swept_every_playing_sweep_seconds(pacer: GcPacer) -> None:
    alive = _Cycle()
    ref = weakref.ref(alive)
    pacer.frame(2.5, playing=True)
    del alive
    t = 2.5
    while t < 59.0:
        t += 0.5
        pacer.frame(t, playing=True)
    assert ref() is not None and pacer.sweeps == 1
    pacer.frame(60.0, playing=True)
    assert ref() is None and pacer.sweeps == 2


def test_at_most_one_slow_panel_redraws_in_a_frame_the_one_waiting_longest() -> None:
    assert PANEL_PERIODS_SECONDS == {"events": 0.1, "gauges": 0.1, "workloads": 0.25, "inspector": 0.25}
    last = {"events": 10.0, "gauges": 10.02, "workloads": 9.9, "inspector": 10.2}
    assert panels_due(last, 10.05) == ()
    assert panels_due(last, 10.4) == ("events",)  # the most overdue (0.3 s), though all three are due
    assert last["events"] == 10.4
    assert panels_due(last, 10.41) == ("gauges",)
    assert panels_due(last, 10.42) == ("workloads",)
    assert panels_due(last, 10.43) == ()
    assert set(panels_due(last, 10.44, force=True)) == set(PANEL_PERIODS_SECONDS)
    assert panels_due(last, 10.45) == ()


def _playback() -> Playback:
    sim = Simulation(load_source([]).objects)
    return Playback(sim, sim.duration)


def test_a_slice_does_not_start_a_scheduling_cycle_it_expects_to_overrun() -> None:
    pb = _playback()
    pb.cycle_cost = 3600.0  # a scheduling cycle is known to be slow
    result = pb.advance_to(60, deadline=time.perf_counter() + 10.0)
    assert not result.reached and result.events > 1
    assert pb.sim.scheduler.queue.active_count  # it stopped with pods waiting for a cycle
    for _ in range(100):  # each slice still runs an event: the cycles run, one slice at a time
        result = pb.advance_to(60, deadline=time.perf_counter() + 10.0)
        assert result.events >= 1
        if result.reached:
            break
    assert result.reached and pb.sim.scheduler.scheduled > 0


def test_the_cost_of_a_cycle_is_learnt_from_the_scheduler_attempts() -> None:
    pb = _playback()
    pb.advance_to(60)
    assert pb.sim.scheduler.attempts > 0 and pb.cycle_cost > 0 and pb.event_cost > 0


async def test_a_frame_whose_slice_runs_long_leaves_the_redraw_to_the_next_frame(make_app: MakeApp) -> None:
    app = make_app(quiet_default())
    async with app.run_test(size=SIZE):
        app.frame()  # the first frame hands collection to the pacer (a full collection, maybe a long frame)
        app.frame()  # paused: draws (any redraw the first one owed)
        parts: list[str] = []
        slow = [True]

        def tick(wall_dt: float, deadline: float, at_least_one: bool = True) -> object:
            parts.append("slice" if at_least_one else "slice of what fits")
            if slow[0]:
                time.sleep(0.04)  # one event longer than the whole frame budget
            return None

        def refresh_views(force: bool = False) -> None:
            parts.append("draw")

        app.playback.tick = tick  # type: ignore[method-assign,assignment]
        app.refresh_views = refresh_views  # type: ignore[method-assign]
        app.gc_pacer.freeze_period = math.inf  # no periodic collection in these frames
        app.playback.playing = True
        app.frame()
        assert parts == ["slice"]  # too late to draw
        slow[0] = False
        parts.clear()
        app.frame()
        assert parts == ["draw", "slice of what fits"]  # the owed redraw first
        parts.clear()
        app.frame()
        assert parts == ["slice", "draw"]
        app.playback.playing = False


def test_a_slice_of_what_fits_may_run_no_event() -> None:
    pb = _playback()
    pb.event_cost = 3600.0
    result = pb.advance_to(60, deadline=time.perf_counter() + 10.0, at_least_one=False)
    assert result.events == 0 and pb.sim.now == 0
    assert pb.advance_to(60, deadline=time.perf_counter() + 10.0).events == 1


async def test_the_event_log_formats_only_the_lines_it_shows(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        log = app.event_stream.log_widget
        formatted: list[object] = []
        formatter = log.formatter

        def counting(item: object) -> Text:
            formatted.append(item)
            return formatter(item)

        log.formatter = counting
        app.advance(300)
        app.event_stream.update_events()
        await pilot.pause()
        assert len(log.items) > 2 * log.size.height  # far more lines written than shown...
        assert 0 < len(formatted) <= log.size.height  # ...and only those shown were formatted
        shown = log.visible_lines()
        newest = app.event_stream.shown[-1]
        assert isinstance(newest, EventRow) and shown[-1].plain.endswith(newest.message)
        assert newest.reason in log.render_line(log.size.height - 1).text


async def test_zone_headers_follow_the_nodes_without_a_recount(make_app: MakeApp) -> None:
    app = make_app(quiet_default())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        nodes = app.model.nodes.nodes()
        app.session.submit("crashNode", node=nodes[0].name)
        app.session.submit("cordon", node=nodes[1].name)
        app.session.flush()
        app.advance(120)  # past the grace period: the crashed node is NotReady
        headers = app.cluster_map.zone_headers
        counts = {zone: [0, 0, 0] for zone in {n.zone for n in nodes}}  # nodes, Ready, Ready and cordoned
        for node in app.model.nodes.nodes():
            c = counts[node.zone]
            c[0] += 1
            c[1] += node.ready == "True"
            c[2] += node.ready == "True" and node.unschedulable
        assert any(ready < total for total, ready, _ in counts.values())  # the crashed node
        assert any(cordoned for _, _, cordoned in counts.values())
        for zone, (total, ready, cordoned) in counts.items():
            expected = f"▌{zone} · {ready}/{total} Ready" + (f" · {cordoned} cordoned" if cordoned else "")
            assert headers[zone] == expected


def test_the_tui_benchmark_runs_and_reports_frames(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--nodes", "12", "--deployments", "2", "--replicas", "5", "--warmup", "30", "--seconds", "0.6"]
    assert bench_tui.main([*args, "--floor", "0"]) == 0
    out = capsys.readouterr().out
    for line in ("frame ", "frame (CPU)", "engine slice", "panel updates", "layout+paint", "longest event"):
        assert line in out
    assert bench_tui.main([*args, "--floor", "0.000001"]) == 1  # an impossible floor is missed
