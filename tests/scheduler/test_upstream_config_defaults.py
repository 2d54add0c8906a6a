"""KubeSchedulerConfiguration defaults and multiPoint expansion against kube-scheduler's own test tables.

Ported as facts (a v1 configuration, what the scheduler ends up running) from:

- pkg/scheduler/apis/config/v1/defaults_test.go (TestSchedulerDefaults, TestPluginArgsDefaults) and the default
  plugin set of pkg/scheduler/apis/config/v1/default_plugins.go
- pkg/scheduler/framework/runtime/framework_test.go (TestNewFrameworkMultiPointExpansion,
  TestNewFrameworkErrors)

Everything goes through the loader (YAML text) and ``build_profiles``. kubesim does not model the volume plugins
(VolumeRestrictions, NodeVolumeLimits, VolumeBinding, VolumeZone), DynamicResources or NodeDeclaredFeatures: they
are left out of the expected default lists. Only the extension points kubesim runs are compared (queueSort,
preFilter, filter, postFilter, preScore, score, bind); reserve, permit, preBind and postBind are not modelled.
The framework_test plugins are stand-ins defined here and named by import path.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from models.loader import load_text
from models.pod import Pod
from models.schedconfig import KubeSchedulerConfiguration
from simulator.scheduler import ConfigError, build_profiles
from simulator.scheduler.cache import NodeInfo
from simulator.scheduler.framework import (
    CycleState,
    Handle,
    Plugin,
    PostFilterResult,
    Profile,
    QueuedPodInfo,
    Status,
)

HEAD = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration"}
POINTS = ("queueSort", "preFilter", "filter", "postFilter", "preScore", "score", "bind")


def load(config: dict[str, Any]) -> KubeSchedulerConfiguration:
    objs = load_text(json.dumps({**HEAD, **config}), "sched.yaml").objects
    assert len(objs) == 1 and isinstance(objs[0], KubeSchedulerConfiguration)
    return objs[0]


def profiles(config: dict[str, Any]) -> dict[str, Profile]:
    return build_profiles(load(config), Handle())


def only(config: dict[str, Any]) -> Profile:
    (prof,) = profiles(config).values()
    return prof


# -- TestSchedulerDefaults ----------------------------------------------------------------------------------------
# getDefaultPlugins (default_plugins.go): the multiPoint list in order, with weights; restricted to the plugins kubesim
# models, and SchedulingGates, which kubesim builds into the queue.
DEFAULT_FILTER = [
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "PodTopologySpread",
    "InterPodAffinity",
]
DEFAULT_SCORE = [
    "TaintToleration",
    "NodeAffinity",
    "NodeResourcesFit",
    "PodTopologySpread",
    "InterPodAffinity",
    "NodeResourcesBalancedAllocation",
    "ImageLocality",
]
DEFAULT_WEIGHTS = {
    "TaintToleration": 3,
    "NodeAffinity": 2,
    "NodeResourcesFit": 1,
    "PodTopologySpread": 2,
    "InterPodAffinity": 2,
    "NodeResourcesBalancedAllocation": 1,
    "ImageLocality": 1,
}


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({}, id="TestSchedulerDefaults/empty config"),
        pytest.param({"profiles": [{}]}, id="TestSchedulerDefaults/no scheduler name"),
        pytest.param({"parallelism": 16}, id="TestSchedulerDefaults/Prallelism with no port"),
        pytest.param({"parallelism": 8}, id="TestSchedulerDefaults/set non default parallelism"),
    ],
)
def test_scheduler_defaults(config: dict[str, Any]) -> None:
    cfg = load(config)
    assert (cfg.pod_initial_backoff_seconds, cfg.pod_max_backoff_seconds) == (1.0, 10.0)
    assert cfg.percentage_of_nodes_to_score is None  # DefaultPercentageOfNodesToScore 0: adaptive
    prof = only(config)
    assert prof.scheduler_name == "default-scheduler"
    assert prof.percentage_of_nodes_to_score is None
    assert prof.points["queueSort"] == ["PrioritySort"]
    assert prof.points["filter"] == DEFAULT_FILTER
    assert prof.points["score"] == DEFAULT_SCORE
    assert prof.weights == DEFAULT_WEIGHTS
    assert prof.points["postFilter"] == ["DefaultPreemption"]
    assert prof.points["bind"] == ["DefaultBinder"]


def test_scheduler_defaults_two_profiles() -> None:
    """TestSchedulerDefaults/two profiles (the second one; the first, unnamed, is rejected: see the validation
    tests): a bind plugin replacing DefaultBinder keeps every other default."""
    cfg = {
        "profiles": [
            {"schedulerName": "default-scheduler"},
            {
                "schedulerName": "custom-scheduler",
                "plugins": {
                    "bind": {
                        "enabled": [{"name": f"{__name__}:BindPlugin"}],
                        "disabled": [{"name": "DefaultBinder"}],
                    }
                },
            },
        ]
    }
    both = profiles(cfg)
    custom = both["custom-scheduler"]
    assert custom.points["bind"] == [f"{__name__}:BindPlugin"]
    assert custom.points["filter"] == DEFAULT_FILTER and custom.weights == DEFAULT_WEIGHTS
    assert both["default-scheduler"].points["bind"] == ["DefaultBinder"]


def test_scheduler_defaults_percentage_of_nodes_to_score() -> None:
    """TestSchedulerDefaults/set non default global percentageOfNodesToScore and .../profile ...: the profile's
    value wins over the global one."""
    cfg = {"percentageOfNodesToScore": 10, "profiles": [{"percentageOfNodesToScore": 50}]}
    assert load(cfg).percentage_of_nodes_to_score == 10
    assert only(cfg).percentage_of_nodes_to_score == 50
    assert only({"percentageOfNodesToScore": 10}).percentage_of_nodes_to_score == 10


# -- TestPluginArgsDefaults ---------------------------------------------------------------------------------------
def with_args(plugin: str, args: dict[str, Any]) -> Plugin:
    return only({"profiles": [{"pluginConfig": [{"name": plugin, "args": args}]}]}).plugins[plugin]


@pytest.mark.parametrize(
    ("args", "want"),
    [
        pytest.param({}, (10, 100), id="TestPluginArgsDefaults/DefaultPreemptionArgs empty"),
        pytest.param(
            {"minCandidateNodesPercentage": 50},
            (50, 100),
            id="TestPluginArgsDefaults/DefaultPreemptionArgs with value",
        ),
    ],
)
def test_default_preemption_args_defaults(args: dict[str, Any], want: tuple[int, int]) -> None:
    pl: Any = with_args("DefaultPreemption", args)
    assert (pl.min_pct, pl.min_abs) == want


@pytest.mark.parametrize(
    ("args", "want"),
    [
        pytest.param({}, 1, id="TestPluginArgsDefaults/InterPodAffinityArgs empty"),
        pytest.param(
            {"hardPodAffinityWeight": 0}, 0, id="TestPluginArgsDefaults/InterPodAffinityArgs explicit 0"
        ),
        pytest.param(
            {"hardPodAffinityWeight": 5}, 5, id="TestPluginArgsDefaults/InterPodAffinityArgs with value"
        ),
    ],
)
def test_inter_pod_affinity_args_defaults(args: dict[str, Any], want: int) -> None:
    pl: Any = with_args("InterPodAffinity", args)
    assert pl.hard_weight == want


@pytest.mark.parametrize(
    ("resources", "want"),
    [
        pytest.param(
            None, (("cpu", 1), ("memory", 1)), id="NodeResourcesBalancedAllocationArgs resources empty"
        ),
        pytest.param(
            [{"name": "scalar.io/scalar1", "weight": 1}],
            (("scalar.io/scalar1", 1),),
            id="NodeResourcesBalancedAllocationArgs with scalar resource",
        ),
        pytest.param(
            [{"name": "cpu", "weight": 1}, {"name": "scalar.io/scalar1", "weight": 1}],
            (("cpu", 1), ("scalar.io/scalar1", 1)),
            id="NodeResourcesBalancedAllocationArgs with mixed resources",
        ),
        pytest.param(
            [{"name": "cpu"}, {"name": "scalar.io/scalar0"}, {"name": "scalar.io/scalar1", "weight": 1}],
            (("cpu", 1), ("scalar.io/scalar0", 1), ("scalar.io/scalar1", 1)),
            id="NodeResourcesBalancedAllocationArgs have resource no weight",
        ),
    ],
)
def test_balanced_allocation_args_defaults(
    resources: list[dict[str, Any]] | None, want: tuple[tuple[str, int], ...]
) -> None:
    """TestPluginArgsDefaults/NodeResourcesBalancedAllocationArgs ..."""
    pl: Any = with_args(
        "NodeResourcesBalancedAllocation", {} if resources is None else {"resources": resources}
    )
    assert pl.resources == want


def test_pod_topology_spread_args_defaults() -> None:
    """TestPluginArgsDefaults/PodTopologySpreadArgs resources empty: System defaulting, whose constraints are
    hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway."""
    pl: Any = with_args("PodTopologySpread", {})
    assert pl.system_defaulted
    got = sorted((c.topology_key, c.max_skew, c.when_unsatisfiable) for c in pl.default_constraints)
    assert got == [
        ("kubernetes.io/hostname", 3, "ScheduleAnyway"),
        ("topology.kubernetes.io/zone", 5, "ScheduleAnyway"),
    ]


@pytest.mark.parametrize(
    ("args", "want"),
    [
        pytest.param({}, "LeastAllocated", id="TestPluginArgsDefaults/NodeResourcesFitArgs not set"),
        pytest.param(
            {"scoringStrategy": {"type": "MostAllocated"}},
            "MostAllocated",
            id="TestPluginArgsDefaults/NodeResourcesFitArgs Resources empty",
        ),
    ],
)
def test_fit_args_defaults(args: dict[str, Any], want: str) -> None:
    pl: Any = with_args("NodeResourcesFit", args)
    assert pl.strategy == want
    assert pl.resources == (("cpu", 1), ("memory", 1))


def test_fit_args_zero_weight_defaults_to_one() -> None:
    """defaults.go SetDefaults_NodeResourcesFitArgs: a resource weight of 0 becomes 1."""
    pl: Any = with_args(
        "NodeResourcesFit",
        {"scoringStrategy": {"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 0}]}},
    )
    assert pl.resources == (("cpu", 1),)


# -- TestNewFrameworkMultiPointExpansion --------------------------------------------------------------------------
class MultiPlugin(Plugin):
    """framework_test's testPlugin: every extension point."""

    def less(self, a: QueuedPodInfo, b: QueuedPodInfo) -> bool:
        return a.seq < b.seq

    def pre_filter(self, state: CycleState, pod: Pod) -> Status | None:
        return None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        return Status()

    def post_filter(self, state: CycleState, pod: Pod, statuses: Any, *args: Any) -> PostFilterResult | None:
        return None

    def pre_score(self, state: CycleState, pod: Pod, nodes: Any) -> Status | None:
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        return 0

    def bind(self, state: CycleState, pod: Pod, node_name: str) -> Status | None:
        return None


class ScorePlugin(Plugin):
    """framework_test's scorePlugin1/2: PreScore and Score."""

    def pre_score(self, state: CycleState, pod: Pod, nodes: Any) -> Status | None:
        return None

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        return 0


class ScorePlugin2(ScorePlugin):
    pass


class ScoreWithNormalizePlugin(Plugin):
    """framework_test's scoreWithNormalizePlugin1: Score and NormalizeScore, no PreScore."""

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> int:
        return 0

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[int]) -> None:
        return None


class QueueSortPlugin(Plugin):
    def less(self, a: QueuedPodInfo, b: QueuedPodInfo) -> bool:
        return a.seq < b.seq


class BindPlugin(Plugin):
    def bind(self, state: CycleState, pod: Pod, node_name: str) -> Status | None:
        return None


T = f"{__name__}:MultiPlugin"
S1 = f"{__name__}:ScorePlugin"
S2 = f"{__name__}:ScorePlugin2"
SN = f"{__name__}:ScoreWithNormalizePlugin"
QS = f"{__name__}:QueueSortPlugin"
B = f"{__name__}:BindPlugin"


def refs(*names: str | tuple[str, int]) -> list[dict[str, Any]]:
    return [{"name": n} if isinstance(n, str) else {"name": n[0], "weight": n[1]} for n in names]


def expand(plugins: dict[str, Any]) -> Profile:
    """A profile of only the given plugins: upstream's NewFramework takes the profile as written, without the v1
    default plugins, so the defaults are switched off with ``multiPoint: disabled: '*'``."""
    multi = plugins.setdefault("multiPoint", {})
    multi.setdefault("disabled", refs("*"))
    return only({"profiles": [{"plugins": plugins}]})


def all_points(name: str) -> dict[str, list[str]]:
    return {p: [name] for p in POINTS}


_MP = "TestNewFrameworkMultiPointExpansion"


@pytest.mark.parametrize(
    ("plugins", "want_points", "want_weights"),
    [
        pytest.param(
            {"multiPoint": {"enabled": refs((T, 5))}},
            all_points(T),
            {T: 5},
            id=f"{_MP}/plugin expansion",
        ),
        pytest.param(
            {
                "multiPoint": {"enabled": refs(T)},
                "preScore": {"disabled": refs(T)},
                "score": {"disabled": refs(T)},
            },
            {**all_points(T), "preScore": [], "score": []},
            {},
            id=f"{_MP}/disable MultiPoint plugin at some extension points",
        ),
        pytest.param(
            {"multiPoint": {"enabled": refs(T, S1)}},
            {**all_points(T), "preScore": [T, S1], "score": [T, S1]},
            {T: 1, S1: 1},
            id=f"{_MP}/Multiple MultiPoint plugins",
        ),
        pytest.param(
            {"multiPoint": {"enabled": refs(T, S1)}, "preScore": {"disabled": refs("*")}},
            {**all_points(T), "preScore": [], "score": [T, S1]},
            {T: 1, S1: 1},
            id=f"{_MP}/disable MultiPoint extension",
        ),
        pytest.param(
            {"multiPoint": {"enabled": refs(SN, T, S1)}, "score": {"enabled": refs(S1, T)}},
            {**all_points(T), "preScore": [T, S1], "score": [S1, T, SN]},
            {S1: 1, T: 1, SN: 1},
            id=f"{_MP}/Reorder MultiPoint plugins (specified extension takes precedence)",
        ),
        pytest.param(
            {"multiPoint": {"enabled": refs(T, S1)}, "score": {"enabled": refs(SN, S1, T)}},
            {**all_points(T), "preScore": [T, S1], "score": [S1, T, SN]},
            {S1: 1, T: 1, SN: 1},
            id=f"{_MP}/Reorder MultiPoint plugins"
            " (specified extension only takes precedence when it exists in MultiPoint)",
        ),
        pytest.param(
            {"multiPoint": {"enabled": refs(T, S1)}, "score": {"enabled": refs((S1, 5), (T, 3))}},
            {**all_points(T), "preScore": [T, S1], "score": [S1, T]},
            {S1: 5, T: 3},
            id=f"{_MP}/Override MultiPoint plugins weights",
        ),
        pytest.param(
            {"multiPoint": {"enabled": refs(QS, B, S1), "disabled": refs("*")}},
            {
                "queueSort": [QS],
                "preFilter": [],
                "filter": [],
                "postFilter": [],
                "preScore": [S1],
                "score": [S1],
                "bind": [B],
            },
            {S1: 1},
            id=f"{_MP}/disable and enable MultiPoint plugins with '*'",
        ),
        pytest.param(
            {"multiPoint": {"enabled": refs(B, QS, S1), "disabled": refs("*", S1)}},
            {
                "queueSort": [QS],
                "preFilter": [],
                "filter": [],
                "postFilter": [],
                "preScore": [S1],
                "score": [S1],
                "bind": [B],
            },
            {S1: 1},
            id=f"{_MP}/disable and enable MultiPoint plugin by name",
        ),
        pytest.param(
            {"multiPoint": {"enabled": refs(T, S1)}, "score": {"enabled": refs((S1, 5), (S2, 5), (T, 3))}},
            {**all_points(T), "preScore": [T, S1], "score": [S1, T, S2]},
            {S1: 5, T: 3, S2: 5},
            id=f"{_MP}/Override MultiPoint plugins weights and avoid a plugin being loaded multiple times",
        ),
    ],
)
def test_multi_point_expansion(
    plugins: dict[str, Any], want_points: dict[str, list[str]], want_weights: dict[str, int]
) -> None:
    prof = expand(plugins)
    assert {p: prof.points.get(p, []) for p in POINTS} == want_points
    assert prof.weights == want_weights


def test_multi_point_already_registered() -> None:
    """TestNewFrameworkMultiPointExpansion/Expect 'already registered' error."""
    with pytest.raises(ConfigError, match="already registered"):
        expand({"multiPoint": {"enabled": refs(T, T)}})


def test_duplicate_plugin_name() -> None:
    """TestNewFrameworkErrors/duplicate plugin name: the same plugin twice at one extension point."""
    with pytest.raises(ConfigError, match="enabled twice"):
        expand({"multiPoint": {"enabled": refs(QS, B)}, "preFilter": {"enabled": refs(T, T)}})
