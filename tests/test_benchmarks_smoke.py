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
