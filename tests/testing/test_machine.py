"""``simulator.testing.machine``: ``ClusterMachine`` keeps the invariants with the default profile, obeys its
class attributes, and turns a violation into a scenario that ``kubesim check`` replays event for event."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from simulator.cli import main
from simulator.testing._cluster_spec import ClusterSpec
from simulator.testing.invariants import INVARIANTS
from simulator.testing.machine import PHASES, ClusterFailure, ClusterMachine, replay_spec
from tests.simhelpers import deployment, pool, scenario

#: NodeResourcesFit off altogether: pods land on nodes without room (``no-overcommit`` catches it)
NO_FIT: dict[str, Any] = {
    "apiVersion": "kubescheduler.config.k8s.io/v1",
    "kind": "KubeSchedulerConfiguration",
    "profiles": [
        {
            "schedulerName": "default-scheduler",
            "plugins": {"multiPoint": {"disabled": [{"name": "NodeResourcesFit"}]}},
        }
    ],
}
#: a harmless change to the default profile, to see it in the generated clusters
PACKING: dict[str, Any] = {
    "apiVersion": "kubescheduler.config.k8s.io/v1",
    "kind": "KubeSchedulerConfiguration",
    "profiles": [
        {
            "schedulerName": "default-scheduler",
            "pluginConfig": [
                {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}
            ],
        }
    ],
}


def budget(machine: type[ClusterMachine], examples: int, steps: int = 20) -> settings:
    """The machine's own settings (its phases) with a fixed, small and reproducible budget."""
    return settings(
        machine.TestCase.settings,
        max_examples=examples,
        stateful_step_count=steps,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        print_blob=False,
    )


def first_failure(machine: type[ClusterMachine], examples: int = 100) -> ClusterFailure:
    """The first failure Hypothesis finds for ``machine``, as reported (not shrunk: the example's test,
    ``test_example_cpu_fit.py``, times a search with shrinking)."""
    with pytest.raises(ClusterFailure) as info:
        run_state_machine_as_test(
            machine, settings=settings(budget(machine, examples), phases=[Phase.generate])
        )
    return info.value


def saved_reproduction(message: str, path: Path) -> int:
    """Save the scenario YAML a failure message carries as ``path``; returns the seed it says to replay with."""
    body = message.split("# save this as scenario.yaml:\n", 1)[1]
    yaml_text, _, hints = body.partition("\n# replay with:")
    path.write_text(yaml_text + "\n", encoding="utf-8")
    match = re.search(r"kubesim check scenario\.yaml --seed (\d+)", hints)
    assert match is not None, hints
    return int(match.group(1))


# -- the default profile ------------------------------------------------------------------------------------------
class DefaultProfile(ClusterMachine):
    """The machine as a user gets it, recording what each run checked."""

    runs: ClassVar[list[tuple[list[str], int, float]]] = []

    def teardown(self) -> None:
        before = self._sim.now if self.sim is not None else 0.0
        super().teardown()
        if self.monitor is not None:
            self.runs.append((self.monitor.names, len(self.node_names), self._sim.now - before))


def test_the_default_profile_keeps_every_invariant() -> None:
    DefaultProfile.runs.clear()
    run_state_machine_as_test(DefaultProfile, settings=budget(DefaultProfile, 30))
    assert len(DefaultProfile.runs) >= 30
    assert all(names == list(INVARIANTS) for names, _, _ in DefaultProfile.runs)
    # every run ended with the settling time the end-of-run invariants (convergence, no-pod-lost) need
    assert all(settled == pytest.approx(DefaultProfile.settle) for _, _, settled in DefaultProfile.runs)


def test_the_machine_drops_only_the_explain_phase() -> None:
    assert Phase.explain not in PHASES
    assert set(PHASES) == set(Phase) - {Phase.explain}
    assert Phase.explain not in ClusterMachine.TestCase.settings.phases
    assert Phase.explain not in DefaultProfile.TestCase.settings.phases
    assert Phase.shrink in DefaultProfile.TestCase.settings.phases


# -- a subclass's class attributes --------------------------------------------------------------------------------
class Configured(ClusterMachine):
    """Two invariants without end-of-run checks, at most two nodes, a scheduler configuration of its own."""

    checked_invariants = ("no-overcommit", "bind-filters")
    max_nodes = 2
    scheduler_configuration = PACKING
    runs: ClassVar[list[tuple[list[str], int, list[dict[str, Any]], float]]] = []

    def teardown(self) -> None:
        before = self._sim.now if self.sim is not None else 0.0
        super().teardown()
        if self.spec is not None and self.monitor is not None:
            configs = self.spec.kinds("KubeSchedulerConfiguration")
            self.runs.append((self.monitor.names, len(self.spec.node_names), configs, self._sim.now - before))


def test_a_subclass_sets_the_invariants_the_cluster_size_and_the_scheduler_configuration() -> None:
    Configured.runs.clear()
    run_state_machine_as_test(Configured, settings=budget(Configured, 15))
    assert Configured.runs
    for names, nodes, configs, settled in Configured.runs:
        assert names == ["no-overcommit", "bind-filters"]
        assert 1 <= nodes <= 2
        assert configs == [PACKING]
        assert settled == 0.0  # neither invariant checks at the end: no settling time
    assert Phase.explain not in Configured.TestCase.settings.phases


def test_only_invariants_that_check_at_the_end_make_the_run_settle() -> None:
    assert {name for name, cls in INVARIANTS.items() if cls.checks_at_end} == {"convergence", "no-pod-lost"}

    class Settling(ClusterMachine):
        checked_invariants = ("no-pod-lost",)
        settle = 60.0

    machine = Settling()
    machine.start(ClusterSpec.from_yaml(pool(count=1) + scenario(duration="5m") + deployment("web", 2)))
    machine.advance(5.0)
    machine.teardown()
    assert machine._sim.now == 65.0


# -- failures and their reproduction ------------------------------------------------------------------------------
class BrokenFit(ClusterMachine):
    """A profile without NodeResourcesFit: overcommits as soon as the pods outgrow a node."""

    scheduler_configuration = NO_FIT
    checked_invariants = ("no-overcommit",)
    max_nodes = 3
    pod_features: ClassVar[dict[str, bool]] = {"extended_resources": False}


def test_a_failure_prints_a_scenario_that_kubesim_check_replays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failure = first_failure(BrokenFit)
    message = str(failure)
    first = message.splitlines()[0]
    assert first.startswith("VIOLATION no-overcommit at t=")
    assert "(invariants violated: no-overcommit; add --invariants no-overcommit" in message

    path = tmp_path / "scenario.yaml"
    seed = saved_reproduction(message, path)
    assert seed == failure.spec.seed
    capsys.readouterr()
    assert main(["check", str(path), "--seed", str(seed), "--invariants", "no-overcommit"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == first  # the same violation: same time, node, pod and numbers
    assert "FAILED:" in out


POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "extra", "labels": {"app": "extra"}},
    "spec": {"containers": [{"name": "main", "image": "busybox", "resources": {"requests": {"cpu": "1"}}}]},
}


def test_a_reproduction_replays_a_live_machine_run_event_for_event() -> None:
    spec = ClusterSpec.from_yaml(
        pool(count=2, cpu="2") + scenario(duration="10m") + deployment("web", replicas=3, cpu="500m")
    )
    machine = BrokenFit()
    machine.start(spec)
    machine.advance(5.0)
    machine.crash(0)
    machine.scale(0, 6)
    machine.create_pod(POD)
    machine.drain(1)
    machine.advance(60.0)
    machine.recover(0)
    machine.uncordon(0)  # the drained node
    machine.cordon(1)
    machine.add_node(0)
    machine.advance(330.0)
    live = list(machine._sim.log)

    reproduction = ClusterSpec.from_yaml(machine.reproduction_spec().to_yaml())
    replay = reproduction.simulation(seed=reproduction.seed)
    replay.run(until=machine._sim.now)
    assert list(replay.log) == live
    assert [e["action"] for e in machine.timeline] == [
        "crashNode", "scale", "createPod", "drain", "recoverNode", "uncordon", "cordon", "addNodes"
    ]  # fmt: skip


def test_replay_spec_appends_the_steps_and_stretches_the_duration() -> None:
    spec = ClusterSpec.from_yaml(pool(count=2) + scenario(duration="5m") + deployment("web", 2))
    steps = [{"at": 30.0, "action": "crashNode", "node": "pool-1"}]
    replayed = replay_spec(spec, steps, until=900.0)
    assert replayed.duration == 900.0
    assert replayed.seed == spec.seed == 7
    (scenario_doc,) = replayed.kinds("Scenario")
    assert scenario_doc["spec"]["timeline"] == steps
    assert spec.kinds("Scenario")[0]["spec"]["timeline"] == []  # the original is left alone
    assert replay_spec(spec, [], until=60.0).duration == 300.0  # never shortened

    sim = ClusterSpec.from_yaml(replayed.to_yaml()).simulation()
    sim.run(until=31.0)
    timeline = [(r["t"], r["message"]) for r in sim.log if r.get("reason") == "Timeline"]
    assert timeline == [(30.0, "crashNode pool-1")]


def test_replay_spec_adds_a_scenario_to_a_spec_without_one() -> None:
    spec = ClusterSpec.from_yaml(pool(count=1) + deployment("web", 1))
    replayed = replay_spec(spec, [{"at": 1.0, "action": "cordon", "node": "pool-0"}], until=120.0)
    (scenario_doc,) = replayed.kinds("Scenario")
    assert scenario_doc["spec"]["seed"] == 0
    assert replayed.duration == 3600.0  # the loader's default, longer than until
    sim = replayed.simulation()
    sim.run(until=2.0)
    assert sim.store.get("Node", "", "pool-0").unschedulable
