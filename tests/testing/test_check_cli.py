"""``kubesim check``: runs a scenario under the invariants, prints violations, exits 0 / 1 / 2."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.testing.check import replay_hint, reproduction
from simulator.testing.invariants import INVARIANTS
from tests.simhelpers import deployment, pool, scenario

GOOD = (
    pool(count=2, cpu="2", zones="[a, b]") + scenario(duration="10m") + deployment("web", replicas=3, cpu="1")
)
NO_FIT = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
    plugins:
      multiPoint:
        disabled: [{name: NodeResourcesFit}]
---
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def test_a_good_scenario_exits_0_with_one_ok_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "good.yaml", GOOD)
    assert main(["check", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 8 invariant(s) held (no-overcommit, bind-filters,")
    assert "over 10m of virtual time (seed 7): 3 pods" in out
    assert "VIOLATION" not in out


def test_a_violating_scenario_exits_1_and_prints_the_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bad.yaml", NO_FIT + GOOD.replace("replicas: 3", "replicas: 6"))
    assert main(["check", path, "--seed", "3"]) == 1
    out = capsys.readouterr().out
    assert "VIOLATION no-overcommit at t=0s (0s): node pool-" in out
    assert "cpu requested 3 > allocatable 2" in out
    assert "objects: Node/pool-0, Pod/default/web-" in out or "objects: Node/pool-1, Pod/default/web-" in out
    assert '"type":"MODIFIED","kind":"Pod"' in out  # the bind line from the event log
    assert "FAILED: 2 violation(s) (2 no-overcommit)" in out
    assert f"replay with: kubesim run {path} --seed 3" in out
    assert f"check with:  kubesim check {path} --seed 3" in out


def test_only_the_named_invariants_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "bad.yaml", NO_FIT + GOOD.replace("replicas: 3", "replicas: 6"))
    assert main(["check", path, "--invariants", "taints,no-pod-lost"]) == 0
    assert capsys.readouterr().out.startswith("ok: 2 invariant(s) held (taints, no-pod-lost)")


def test_an_unknown_invariant_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--invariants", "no-overcommit,everything-fine"]) == 2
    captured = capsys.readouterr()
    assert "error: --invariants: unknown invariant(s) 'everything-fine'" in captured.err
    assert "known: no-overcommit, bind-filters" in captured.err
    assert captured.out == ""


def test_list_names_every_invariant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(INVARIANTS)
    assert any(line.startswith("no-overcommit") and "[run, log]" in line for line in lines)


def test_the_built_in_scenario_holds_every_invariant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--until", "6h"]) == 0
    assert capsys.readouterr().out.startswith("ok: 8 invariant(s) held")


def test_a_written_event_log_is_checked_against_the_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.yaml", NO_FIT + GOOD.replace("replicas: 3", "replicas: 6"))
    log = str(tmp_path / "bad.jsonl")
    assert main(["run", bad, "--events", log, "-q"]) == 0
    capsys.readouterr()
    assert main(["check", bad, log]) == 1
    out = capsys.readouterr().out
    assert "VIOLATION no-overcommit" in out and f"FAILED: 2 violation(s) (2 no-overcommit) in {log}" in out
    assert "not checked over a log (they need a live run): bind-filters" in out
    good = write(tmp_path, "good.yaml", GOOD)
    good_log = str(tmp_path / "good.jsonl")
    assert main(["run", good, "--events", good_log, "-q"]) == 0
    assert main(["check", good, good_log, "--invariants", "no-overcommit,no-pod-lost"]) == 0
    assert main(["check", good_log, "--invariants", "taints"]) == 2


def test_a_log_checked_without_its_scenario_warns_that_allocatable_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    log = str(tmp_path / "good.jsonl")
    assert main(["run", good, "--events", log, "-q"]) == 0
    capsys.readouterr()
    assert main(["check", log]) == 0
    captured = capsys.readouterr()
    assert "warning: no scenario files given with the event log" in captured.err
    assert "no Node or NodePool objects given" in captured.out
    assert "allocatable of node pool-0 unknown" not in captured.out  # said once, not per node


def test_a_violation_found_with_until_replays_with_the_same_until(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bad.yaml", NO_FIT + GOOD.replace("replicas: 3", "replicas: 6"))
    assert main(["check", path, "--seed", "3", "--until", "2m"]) == 1
    out = capsys.readouterr().out
    assert f"replay with: kubesim run {path} --seed 3 --until 120s" in out
    assert f"check with:  kubesim check {path} --seed 3 --until 120s" in out


def test_a_bad_event_log_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write(tmp_path, "broken.jsonl", '{"t": 0}\nnot json\n')
    assert main(["check", log]) == 2
    assert f"{log}:2: not JSON" in capsys.readouterr().err


def test_reproduction_prints_the_scenario_and_the_commands() -> None:
    text = reproduction("kind: Scenario\nmetadata: {name: x}\n", 12)
    assert text.splitlines() == [
        "# save this as scenario.yaml:",
        "kind: Scenario",
        "metadata: {name: x}",
        "# replay with: kubesim run scenario.yaml --seed 12",
        "# check with:  kubesim check scenario.yaml --seed 12",
    ]
    assert replay_hint([], 5) == "replay with: kubesim run --seed 5\ncheck with:  kubesim check --seed 5"
