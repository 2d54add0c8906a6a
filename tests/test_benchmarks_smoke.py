"""Smoke test: the engine benchmark runs end to end (tiny size, no speed floor)."""

from __future__ import annotations

import pytest

from benchmarks import bench_engine


def test_bench_engine_quick_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_engine.main(["--quick", "--floor", "0"]) == 0
    out = capsys.readouterr().out
    assert "kubesim callbacks" in out
    assert "same trace in every variant" in out


def test_bench_engine_variants_do_the_same_work() -> None:
    p = bench_engine.Params(actors=20, wakeups=2_000, every=3, mean=1.0, timeout_factor=2.0, seed=7)
    outcomes = {name: fn(p) for name, fn in bench_engine.VARIANTS.items()}
    first = outcomes["kubesim callbacks"]
    assert first.wakeups == p.wakeups + p.actors - 1
    assert first.timeouts_fired > 0  # a short timeout: some fire, exercising the fired path in every variant
    assert all(outcome == first for outcome in outcomes.values()), outcomes


def test_bench_cluster_quick_schedules_and_finishes_every_pod(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_cluster

    assert bench_cluster.main(["--quick", "--floor", "0"]) == 0
    out = capsys.readouterr().out
    assert "2,000 pods" in out and "scheduled 2,000" in out and "pending at end 0" in out


def test_bench_scheduler_quick_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_scheduler

    assert bench_scheduler.main(["--quick", "--floor", "0"]) == 0
    out = capsys.readouterr().out
    for line in (
        "kubesim A",
        "kubesim B-soft",
        "kubesim B-hard",
        "SimPy model (A)",
        "ratio kubesim A / SimPy",
    ):
        assert line in out
    assert "error:" not in out  # every arrival was bound in every workload


def test_bench_machine_quick_counts_the_machines_steps(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_machine

    assert (
        bench_machine.main(
            ["--repeat", "1", "--examples", "3", "--steps", "5", "--max-nodes", "3", "--floor", "0"]
        )
        == 0
    )
    out = capsys.readouterr().out
    steps = int(out.split(" steps in ")[0].rsplit(" ", 1)[1].replace(",", ""))
    assert 0 < steps <= 15  # at most 5 steps in each of 3 examples
