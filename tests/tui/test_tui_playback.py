"""Playback: speeds, slices bounded by the wall clock, samples at fixed virtual times."""

from __future__ import annotations

import math

from simulator import Simulation
from tui.playback import SPEEDS, Playback, format_speed
from tui.source import load_source


def _playback(samples: list[float]) -> Playback:
    sim = Simulation(load_source([]).objects)
    return Playback(sim, sim.duration, sample=lambda: samples.append(sim.now), sample_interval=10.0)


def test_speeds_go_from_real_time_to_as_fast_as_possible() -> None:
    assert SPEEDS[0] == 1 and math.isinf(SPEEDS[-1])
    assert list(SPEEDS) == sorted(SPEEDS)
    assert format_speed(60) == "×60" and format_speed(1800) == "×1,800" and format_speed(math.inf) == "max"
    pb = _playback([])
    for _ in range(50):
        pb.faster()
    assert math.isinf(pb.speed)
    for _ in range(50):
        pb.slower()
    assert pb.speed == 1


def test_samples_fall_on_the_same_virtual_times_however_the_run_is_sliced() -> None:
    one_go: list[float] = []
    _playback(one_go).advance_to(300)
    sliced: list[float] = []
    pb = _playback(sliced)
    t = 0.0
    while t < 300:
        t = min(300, t + 7.3)
        pb.advance_to(t)
    assert one_go == sliced == [10.0 * k for k in range(31)]


def test_a_frame_stops_at_its_wall_clock_deadline_and_the_next_one_continues() -> None:
    samples: list[float] = []
    pb = _playback(samples)
    result = pb.advance_to(60, deadline=0.0)  # a deadline long past: one event, then stop
    assert not result.reached and result.events == 1
    assert pb.sim.now == 0
    while not pb.advance_to(60, deadline=0.0).reached:
        pass
    assert pb.sim.now == 60 and samples[-1] == 60


def test_tick_advances_speed_times_wall_time_only_while_playing() -> None:
    pb = _playback([])
    assert pb.tick(0.1, math.inf).virtual == 0  # paused
    pb.playing = True
    pb.speed_index = SPEEDS.index(60)
    pb.tick(0.1, math.inf)
    assert math.isclose(pb.sim.now, 6.0)
    pb.tick(5.0, math.inf)  # a stalled frame does not turn into a jump
    assert math.isclose(pb.sim.now, 6.0 + 60 * 0.25)


def test_playing_stops_at_the_end_of_the_scenario() -> None:
    pb = _playback([])
    pb.until = 120.0
    pb.playing = True
    pb.speed_index = len(SPEEDS) - 1
    while pb.playing:
        pb.tick(0.05, math.inf)
    assert pb.sim.now == 120.0 and pb.finished


def test_step_runs_every_event_of_the_next_instant() -> None:
    pb = _playback([])
    pb.step_event()
    assert pb.sim.now == 0
    nxt = pb.sim.engine.peek()
    assert nxt is not None
    pb.step_event()
    assert pb.sim.now == nxt
    later = pb.sim.engine.peek()
    assert later is None or later > nxt
