"""``examples/testing``: the state machine finds the planted bug in ``cpu_fit.CpuOnlyFit`` within Hypothesis'
default budget, shrinks it to a small cluster, and prints a scenario that ``kubesim check`` confirms."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from simulator.cli import main
from simulator.testing._cluster_spec import ClusterSpec
from simulator.testing.machine import ClusterFailure, ClusterMachine

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "testing"


@pytest.fixture(scope="module")
def example() -> Iterator[ModuleType]:
    """``examples/testing/test_cpu_fit.py``, with its directory on ``sys.path`` as the example's README says
    (``PYTHONPATH=examples/testing``): the module imports ``cpu_fit``, and the scheduler imports the plugin
    ``cpu_fit:CpuOnlyFit`` by that path."""
    sys.path.insert(0, str(EXAMPLE))
    try:
        spec = importlib.util.spec_from_file_location("kubesim_example_cpu_fit", EXAMPLE / "test_cpu_fit.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(EXAMPLE))


def test_the_example_finds_its_planted_bug_and_kubesim_check_confirms_it(
    example: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    machine: type[ClusterMachine] = example.CpuOnlyFitMachine
    # Hypothesis' default budget (100 examples), derandomized so that the search is the same on every run
    budget = settings(machine.TestCase.settings, max_examples=100, derandomize=True, database=None)
    with pytest.raises(ClusterFailure) as info:
        run_state_machine_as_test(machine, settings=budget)
    failure = info.value
    message = str(failure)

    first = message.splitlines()[0]
    assert re.match(
        r"VIOLATION no-overcommit at t=\S+ \(\S+\): node \S+ is overcommitted: memory requested ", first
    )
    assert "# save this as scenario.yaml:\n" in message
    yaml_text = message.split("# save this as scenario.yaml:\n", 1)[1].split("\n# replay with:", 1)[0]
    match = re.search(r"# check with:  kubesim check scenario\.yaml --seed (\d+)", message)
    assert match is not None
    seed = match.group(1)

    # the scenario the message prints is the failure's own, shrunk: a node or two, a workload or two, a few steps
    printed = ClusterSpec.from_yaml(yaml_text)
    assert printed.documents == failure.spec.documents
    assert printed.kinds("KubeSchedulerConfiguration") == [example.CONFIGURATION]
    assert 1 <= len(printed.node_names) <= 2
    rest = [
        d
        for d in printed.documents
        if d["kind"] not in ("Scenario", "KubeSchedulerConfiguration", "Node", "NodePool")
    ]
    assert len(rest) <= 2, [d["kind"] for d in rest]
    (scenario,) = printed.kinds("Scenario")
    assert len(scenario["spec"].get("timeline", [])) <= 3

    path = tmp_path / "scenario.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    capsys.readouterr()
    code = main(["check", str(path), "--seed", seed, "--invariants", "no-overcommit"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert out.splitlines()[0] == first
    assert "FAILED:" in out
