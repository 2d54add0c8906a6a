"""``ClusterMachine``: a Hypothesis state machine that builds a cluster, then crashes, drains, scales and waits.

Hypothesis picks a generated cluster (``strategies.clusters``) and then a sequence of steps: add a node, crash or
recover one, cordon or uncordon, drain, scale a workload, roll it out, create a pod, advance the virtual clock.
After the cluster's first instant (t=0: the first pods created and scheduled) and after every step the machine
checks the invariants (``simulator.testing.invariants``); when one breaks, Hypothesis shrinks the cluster and the
steps to a small case, and the failure message carries a scenario YAML that replays the run (``kubesim run`` /
``kubesim check`` on it, with its seed).

Why the steps go through ``Simulation.act``: an action taken live at virtual time *t* then replays identically
from a Scenario timeline entry ``at: t`` (``act`` returns the exact *t*), so the reproduction is the run itself,
not an approximation of it.

Use it as a test::

    from simulator.testing.machine import ClusterMachine

    TestMyScheduler = ClusterMachine.TestCase          # every step checks every invariant

or subclass it to plug in your own scheduler configuration (a custom plugin by import path, see
docs/scheduler-plugins.md), select invariants, or size the clusters::

    class MyMachine(ClusterMachine):
        scheduler_configuration = {"apiVersion": "kubescheduler.config.k8s.io/v1",
                                   "kind": "KubeSchedulerConfiguration", "profiles": [...]}
        checked_invariants = ("no-overcommit", "bind-filters")
        max_nodes = 8

    TestMyMachine = MyMachine.TestCase

``TestCase`` runs Hypothesis' settings without the ``explain`` phase (see ``PHASES``); settings you give it
yourself should say ``phases=PHASES`` too.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from simulator.simulation import Simulation
from simulator.testing import strategies
from simulator.testing._cluster_spec import ClusterSpec, load
from simulator.testing.check import reproduction
from simulator.testing.differential import with_scheduler_configuration
from simulator.testing.invariants import Monitor, Violation
from simulator.timeline import ActionError

__all__ = ["PHASES", "ClusterFailure", "ClusterMachine", "replay_spec"]

Manifest = dict[str, Any]

_SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")
_ROLLABLE = ("Deployment", "StatefulSet", "DaemonSet")
# Advances are a few typical waits: a pod start, a readiness delay, the node grace period, the 300 s tolerations.
_ADVANCES = (1.0, 5.0, 30.0, 60.0, 120.0, 330.0, 600.0)

#: The Hypothesis phases a ``ClusterMachine`` test runs by default: all but ``explain``. Why: once a test has
#: failed, the explain phase makes Hypothesis trace every line that each later run executes (``sys.settrace``
#: before Python 3.12), shrinking included. A simulated run then costs about five times as much, and shrinking a
#: failure took minutes instead of seconds. What explain adds (which arguments did not matter) says little about
#: a sequence of cluster operations. Settings you give the machine yourself (``@settings(...)`` on the class,
#: ``run_state_machine_as_test(..., settings=...)``) replace the default ones: pass ``phases=PHASES`` there too.
PHASES: tuple[Phase, ...] = tuple(phase for phase in Phase if phase is not Phase.explain)


def replay_spec(spec: ClusterSpec, timeline: Sequence[Mapping[str, Any]], *, until: float) -> ClusterSpec:
    """``spec`` with ``timeline`` appended to its Scenario's timeline and the duration stretched to ``until``.

    With the spec's seed, ``kubesim run`` on the result replays a ``ClusterMachine`` run event for event.
    """
    documents = [copy.deepcopy(d) for d in spec.documents]
    scenario = next((d for d in documents if d.get("kind") == "Scenario"), None)
    if scenario is None:
        scenario = {
            "apiVersion": "kubesim.dev/v1alpha1",
            "kind": "Scenario",
            "metadata": {"name": "machine"},
            "spec": {"seed": 0},
        }
        documents.append(scenario)
    scenario_spec = scenario.setdefault("spec", {})
    scenario_spec["timeline"] = [*scenario_spec.get("timeline", []), *(dict(e) for e in timeline)]
    scenario_spec["duration"] = max(until, spec.duration)
    return ClusterSpec(documents)


def _start(machine: ClusterMachine, spec: ClusterSpec) -> None:
    """Load the generated cluster, attach the invariants before anything runs, then run the first instant."""
    machine.spec = spec
    machine.sim = spec.simulation()
    machine.monitor = Monitor(machine.sim, machine.checked_invariants)
    machine.node_names = list(spec.node_names)
    # Why run t=0 now: a cluster that breaks an invariant on its own (in its first scheduling round) then fails
    # right after ``start``, and shrinks to the cluster alone. Otherwise the shrunk case keeps one step to get
    # time going, whichever the shrinker finds simplest (an ``addNodes`` that has nothing to do with the bug).
    machine.sim.run(until=0.0)


class ClusterFailure(AssertionError):
    """An invariant broke during a ``ClusterMachine`` run. The message (built only when shown: shrinking
    raises thousands of these) lists the violations and the scenario YAML that replays the run."""

    def __init__(self, violations: Sequence[Violation], spec: ClusterSpec) -> None:
        super().__init__()
        self.violations = list(violations)
        self.spec = spec

    def __str__(self) -> str:
        report = "\n".join(str(v) for v in self.violations)
        names = ",".join(sorted({v.invariant for v in self.violations}))
        return (
            f"{report}\n\n{reproduction(self.spec.to_yaml(), self.spec.seed)}\n"
            f"(invariants violated: {names}; add --invariants {names} to check only them)"
        )


class ClusterMachine(RuleBasedStateMachine):
    """Random cluster lives, checked by kubesim's invariants after every step (see the module docstring).

    Class attributes a subclass may change:

    * ``scheduler_configuration``: a KubeSchedulerConfiguration manifest used instead of generated ones (its
      ``default-scheduler`` profile schedules every pod);
    * ``checked_invariants``: invariant names to check (``None``: all of ``INVARIANTS``);
    * ``min_nodes``, ``max_nodes``: the size of the generated clusters;
    * ``cluster_options``: more keyword arguments for ``strategies.clusters``;
    * ``pod_features``: ``PodFeatures`` switches for every generated pod, in the cluster and in ``create_pod``
      (e.g. ``{"extended_resources": False}``);
    * ``settle``: virtual seconds run at the end before the end-of-run checks (of the invariants whose
      ``checks_at_end`` is true: ``convergence``, ``no-pod-lost``); not run when no checked invariant has any;
    * ``check_at_end``: whether to run those end-of-run checks at all.
    """

    scheduler_configuration: ClassVar[Manifest | None] = None
    checked_invariants: ClassVar[Sequence[str] | None] = None
    min_nodes: ClassVar[int] = 1
    max_nodes: ClassVar[int] = 6
    cluster_options: ClassVar[Mapping[str, Any]] = {}
    pod_features: ClassVar[Mapping[str, Any]] = {}
    settle: ClassVar[float] = 900.0
    check_at_end: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__()
        self.spec: ClusterSpec | None = None
        self.sim: Simulation | None = None
        self.monitor: Monitor | None = None
        self.timeline: list[dict[str, Any]] = []
        self.node_names: list[str] = []
        self.crashed: set[str] = set()
        self.cordoned: set[str] = set()
        self._pods_created = 0
        self._rollouts = 0

    # -- the cluster -------------------------------------------------------------------------------------------
    @classmethod
    def clusters(cls) -> st.SearchStrategy[ClusterSpec]:
        """The clusters this machine starts from: no scripted faults or actions (the rules are the script).

        Override it for full control; it is read when the class is defined.
        """
        options: dict[str, Any] = {
            "min_nodes": cls.min_nodes,
            "max_nodes": cls.max_nodes,
            "faults": False,
            "actions": False,
            "failures": False,
            "scheduler_config": cls.scheduler_configuration is None,
        }
        options.update(cls.pod_features)
        options.update(cls.cluster_options)
        clusters = strategies.clusters(**options)
        if cls.scheduler_configuration is not None:
            config = cls.scheduler_configuration
            clusters = clusters.map(lambda spec: with_scheduler_configuration(spec, config))
        return clusters

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Each class gets the initialize rule of its own cluster strategy (its sizes, options, configuration).
        # Drawing the spec directly, not through st.runner().flatmap(...), keeps it simple to shrink.
        super().__init_subclass__(**kwargs)
        cls.start = _start_rule(cls)  # type: ignore[method-assign]
        cls.create_pod = _create_pod_rule(cls)  # type: ignore[method-assign]
        _use_phases(cls)

    def start(self, spec: ClusterSpec) -> None:
        """Load the generated cluster and attach the invariants (replaced below and in every subclass by the
        same function as an ``@initialize`` rule drawing from the class's ``clusters()``)."""
        _start(self, spec)

    # -- helpers -----------------------------------------------------------------------------------------------
    @property
    def _sim(self) -> Simulation:
        assert self.sim is not None, "the machine has not started"
        return self.sim

    def act(self, action: str, *, recorded: Mapping[str, Any] | None = None, **params: Any) -> None:
        """Run ``action`` through ``Simulation.act`` and record it (``recorded``: the parameters as YAML shows
        them, when they differ from the objects passed) for the reproduction."""
        try:
            at = self._sim.act(action, **params)
        except ActionError:
            at = self._sim.now  # a failing action is replayed as the same failing timeline entry
        self.timeline.append({"at": at, "action": action, **(params if recorded is None else recorded)})

    def _workloads(self, kinds: Sequence[str]) -> list[Any]:
        found = [obj for kind in kinds for obj in self._sim.store.list(kind)]
        return sorted(found, key=lambda o: (o.KIND, o.namespace, o.name))

    def _pick(self, items: Sequence[Any], index: int) -> Any:
        return items[index % len(items)]

    # -- rules -------------------------------------------------------------------------------------------------
    @rule(seconds=st.sampled_from(_ADVANCES))
    def advance(self, seconds: float) -> None:
        """Let the cluster run: pods start, grace periods and tolerations expire, controllers catch up."""
        self._sim.run(until=self._sim.now + seconds)

    @precondition(lambda self: self.sim is not None and bool(self._sim.store.list("NodePool")))
    @rule(index=st.integers(0, 15))
    def add_node(self, index: int) -> None:
        """Grow a NodePool by one node (the cloud provider adds a machine)."""
        pools = sorted(p.name for p in self._sim.store.list("NodePool"))
        before = {n.name for n in self._sim.store.list("Node")}
        self.act("addNodes", pool=self._pick(pools, index), count=1)
        self.node_names.extend(sorted({n.name for n in self._sim.store.list("Node")} - before))

    @precondition(lambda self: bool(self.node_names))
    @rule(index=st.integers(0, 31))
    def crash(self, index: int) -> None:
        """A node's machine dies: kubelet and containers stop, the node goes NotReady after the grace period."""
        node = self._pick(self.node_names, index)
        self.act("crashNode", node=node)
        self.crashed.add(node)

    @precondition(lambda self: bool(self.crashed))
    @rule(index=st.integers(0, 31))
    def recover(self, index: int) -> None:
        """A crashed node comes back."""
        node = self._pick(sorted(self.crashed), index)
        self.act("recoverNode", node=node)
        self.crashed.discard(node)

    # Why cordon and uncordon are two rules rather than one toggle: a step should mean the same whatever the
    # steps before it. With a toggle, deleting one step while shrinking turns every later cordon of that node into
    # its opposite, so runs of cordon/uncordon pairs could not be shrunk away.
    @precondition(lambda self: bool(self.node_names))
    @rule(index=st.integers(0, 31))
    def cordon(self, index: int) -> None:
        """``kubectl cordon`` (a cordoned node stays cordoned)."""
        node = self._pick(self.node_names, index)
        self.act("cordon", node=node)
        self.cordoned.add(node)

    @precondition(lambda self: bool(self.cordoned))
    @rule(index=st.integers(0, 31))
    def uncordon(self, index: int) -> None:
        """``kubectl uncordon`` of a cordoned (or drained) node."""
        node = self._pick(sorted(self.cordoned), index)
        self.act("uncordon", node=node)
        self.cordoned.discard(node)

    @precondition(lambda self: bool(self.node_names))
    @rule(index=st.integers(0, 31))
    def drain(self, index: int) -> None:
        """``kubectl drain``: cordon, then evict through the Eviction API (PodDisruptionBudgets apply)."""
        node = self._pick(self.node_names, index)
        self.act("drain", node=node)
        self.cordoned.add(node)

    @precondition(lambda self: self.sim is not None and bool(self._workloads(_SCALABLE)))
    @rule(index=st.integers(0, 15), replicas=st.integers(0, 8))
    def scale(self, index: int, replicas: int) -> None:
        """``kubectl scale``."""
        target = self._pick(self._workloads(_SCALABLE), index)
        self.act(
            "scale", target=f"{target.KIND}/{target.name}", namespace=target.namespace, replicas=replicas
        )

    @precondition(lambda self: self.sim is not None and bool(self._workloads(_ROLLABLE)))
    @rule(index=st.integers(0, 15))
    def rollout(self, index: int) -> None:
        """``kubectl set image``: a new template, so a rolling update (or Recreate) starts."""
        target = self._pick(self._workloads(_ROLLABLE), index)
        self._rollouts += 1
        image = f"registry.example/app:v{self._rollouts + 1}"
        self.act("rollout", target=f"{target.KIND}/{target.name}", namespace=target.namespace, image=image)

    def create_pod(self, pod: Manifest) -> None:
        """``kubectl create -f pod.yaml``: a bare pod (unique name per run). An ``@rule`` drawing from
        ``strategies.pods(**pod_features)``, set per class like ``start``."""
        self._pods_created += 1
        manifest = copy.deepcopy(pod)
        manifest["metadata"]["name"] = f"machine-pod-{self._pods_created}"
        (loaded,) = load([manifest])
        self.act("createPod", manifest=loaded, recorded={"manifest": manifest})

    # -- checks ------------------------------------------------------------------------------------------------
    @invariant()
    def invariants_hold(self) -> None:
        """No invariant has been violated so far."""
        if self.monitor is not None and self.monitor.violations:
            self._fail(self.monitor.violations)

    def teardown(self) -> None:
        """Let the cluster settle, then run the end-of-run checks (convergence, orphaned pods)."""
        if self.sim is None or self.monitor is None or not self.check_at_end:
            return
        if not any(inv.checks_at_end for inv in self.monitor.invariants):
            return  # nothing to check at the end: skip the settling time
        self.sim.run(until=self.sim.now + self.settle)
        violations = self.monitor.finish()
        if violations:
            self._fail(violations)

    def reproduction_spec(self) -> ClusterSpec:
        """The generated cluster plus the steps taken so far, as one replayable scenario."""
        assert self.spec is not None
        return replay_spec(self.spec, self.timeline, until=self._sim.now)

    def _fail(self, violations: Sequence[Violation]) -> None:
        raise ClusterFailure(violations, self.reproduction_spec())


def _start_rule(cls: type[ClusterMachine]) -> Any:
    """``start`` as an ``@initialize`` rule drawing from ``cls.clusters()`` (named ``start``, so the steps
    Hypothesis prints for a failure run as they read)."""

    def start(self: ClusterMachine, spec: ClusterSpec) -> None:
        _start(self, spec)

    start.__doc__ = _start.__doc__
    return initialize(spec=cls.clusters())(start)


def _create_pod_rule(cls: type[ClusterMachine]) -> Any:
    """``create_pod`` as a ``@rule`` drawing pods with the class's ``pod_features``."""
    body = ClusterMachine.__dict__["create_pod"]

    def create_pod(self: ClusterMachine, pod: Manifest) -> None:
        body(self, pod)

    create_pod.__doc__ = body.__doc__
    pods = strategies.pods(name="machine-pod", **cls.pod_features)
    return precondition(lambda self: self.sim is not None)(rule(pod=pods)(create_pod))


def _use_phases(cls: type[ClusterMachine]) -> None:
    """Drop ``explain`` from the phases of ``cls.TestCase``'s settings (see ``PHASES``)."""
    test_case = cls.TestCase
    phases = [phase for phase in test_case.settings.phases if phase in PHASES]
    test_case.settings = settings(test_case.settings, phases=phases)


ClusterMachine.start = _start_rule(ClusterMachine)  # type: ignore[method-assign]
ClusterMachine.create_pod = _create_pod_rule(ClusterMachine)  # type: ignore[method-assign]
_use_phases(ClusterMachine)
