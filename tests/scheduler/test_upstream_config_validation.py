"""KubeSchedulerConfiguration validation against kube-scheduler's own test tables.

Ported as facts (a configuration, and whether upstream rejects it and at which field) from:

- pkg/scheduler/apis/config/validation/validation_test.go (TestValidateKubeSchedulerConfiguration)
- pkg/scheduler/apis/config/validation/validation_pluginargs_test.go (TestValidateDefaultPreemptionArgs,
  TestValidateInterPodAffinityArgs, TestValidatePodTopologySpreadArgs,
  TestValidateNodeResourcesBalancedAllocationArgs, TestValidateNodeAffinityArgs, TestValidateFitArgs,
  TestValidateLeastAllocatedScoringStrategy, TestValidateMostAllocatedScoringStrategy,
  TestValidateRequestedToCapacityRatioScoringStrategy)

Upstream validates the *internal* config after the v1 defaults (pkg/scheduler/apis/config/v1/defaults.go); a user
writes v1 YAML, so the cases go through the loader with the v1 defaults in between: a resource weight of 0 is
defaulted to 1 (valid), an unset ``defaultingType`` becomes ``System``. Where that changes upstream's outcome for
YAML input, the case id says so. Field paths are relative to ``profiles[0].pluginConfig[0].args`` for the
plugin-args cases.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from models.errors import InputError
from models.loader import load_text
from simulator.cli import main

HEAD = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration"}
ARGS = "profiles[0].pluginConfig[0].args"


def problems(config: dict[str, Any]) -> list[str]:
    """The error lines from loading ``config`` (JSON is YAML), or ``[]``."""
    try:
        load_text(json.dumps({**HEAD, **config}), "sched.yaml")
    except InputError as err:
        return list(err.errors)
    return []


def error_paths(config: dict[str, Any]) -> list[str]:
    """The field path of each error line."""
    prefix = "error: sched.yaml: document 1 (KubeSchedulerConfiguration/kube-scheduler-config): "
    out = []
    for line in problems(config):
        assert line.startswith(prefix), line
        out.append(line.removeprefix(prefix).split(": ", 1)[0])
    return out


def plugin_args(plugin: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"profiles": [{"pluginConfig": [{"name": plugin, "args": args}]}]}


def args_paths(plugin: str, args: dict[str, Any]) -> list[str]:
    return [p.removeprefix(ARGS + ".") for p in error_paths(plugin_args(plugin, args))]


# -- TestValidateDefaultPreemptionArgs ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pct", "absolute", "want"),
    [
        pytest.param(10, 100, [], id="TestValidateDefaultPreemptionArgs/valid args (default)"),
        pytest.param(
            -1,
            100,
            ["minCandidateNodesPercentage"],
            id="TestValidateDefaultPreemptionArgs/negative percentage",
        ),
        pytest.param(
            900, 100, ["minCandidateNodesPercentage"], id="TestValidateDefaultPreemptionArgs/over 100"
        ),
        pytest.param(
            20, -1, ["minCandidateNodesAbsolute"], id="TestValidateDefaultPreemptionArgs/negative absolute"
        ),
        pytest.param(
            0,
            0,
            ["minCandidateNodesPercentage", "minCandidateNodesAbsolute"],
            id="TestValidateDefaultPreemptionArgs/all zero",
        ),
        pytest.param(
            -1,
            -1,
            ["minCandidateNodesPercentage", "minCandidateNodesAbsolute"],
            id="TestValidateDefaultPreemptionArgs/both negative",
        ),
    ],
)
def test_default_preemption_args(pct: int, absolute: int, want: list[str]) -> None:
    args = {"minCandidateNodesPercentage": pct, "minCandidateNodesAbsolute": absolute}
    assert args_paths("DefaultPreemption", args) == want


# -- TestValidateInterPodAffinityArgs -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("weight", "want"),
    [
        pytest.param(10, [], id="TestValidateInterPodAffinityArgs/valid args"),
        pytest.param(-1, ["hardPodAffinityWeight"], id="TestValidateInterPodAffinityArgs/less than min"),
        pytest.param(101, ["hardPodAffinityWeight"], id="TestValidateInterPodAffinityArgs/more than max"),
    ],
)
def test_inter_pod_affinity_args(weight: int, want: list[str]) -> None:
    assert args_paths("InterPodAffinity", {"hardPodAffinityWeight": weight}) == want


# -- TestValidatePodTopologySpreadArgs ----------------------------------------------------------------------------
def _c(skew: int, key: str, when: str, **extra: Any) -> dict[str, Any]:
    return {"maxSkew": skew, "topologyKey": key, "whenUnsatisfiable": when, **extra}


_PTS = "TestValidatePodTopologySpreadArgs"


@pytest.mark.parametrize(
    ("args", "want"),
    [
        pytest.param(
            {
                "defaultingType": "List",
                "defaultConstraints": [_c(1, "node", "DoNotSchedule"), _c(2, "zone", "ScheduleAnyway")],
            },
            [],
            id=f"{_PTS}/valid config",
        ),
        pytest.param(
            {"defaultingType": "List", "defaultConstraints": [_c(-1, "node", "DoNotSchedule")]},
            ["defaultConstraints[0].maxSkew"],
            id=f"{_PTS}/maxSkew less than zero",
        ),
        pytest.param(
            {"defaultingType": "List", "defaultConstraints": [_c(1, "", "DoNotSchedule")]},
            ["defaultConstraints[0].topologyKey"],
            id=f"{_PTS}/empty topology key",
        ),
        pytest.param(
            {"defaultingType": "List", "defaultConstraints": [_c(1, "node", "")]},
            ["defaultConstraints[0].whenUnsatisfiable"],
            id=f"{_PTS}/whenUnsatisfiable is empty",
        ),
        pytest.param(
            {"defaultingType": "List", "defaultConstraints": [_c(1, "node", "unknown action")]},
            ["defaultConstraints[0].whenUnsatisfiable"],
            id=f"{_PTS}/whenUnsatisfiable contains unsupported action",
        ),
        pytest.param(
            {
                "defaultingType": "List",
                "defaultConstraints": [_c(1, "node", "DoNotSchedule"), _c(2, "node", "DoNotSchedule")],
            },
            ["defaultConstraints[1]"],
            id=f"{_PTS}/duplicated constraints",
        ),
        pytest.param(
            {
                "defaultingType": "List",
                "defaultConstraints": [
                    _c(1, "key", "DoNotSchedule", labelSelector={"matchLabels": {"a": "b"}})
                ],
            },
            ["defaultConstraints[0].labelSelector"],
            id=f"{_PTS}/label selector present",
        ),
        pytest.param({"defaultingType": "List"}, [], id=f"{_PTS}/list default constraints, no constraints"),
        pytest.param({"defaultingType": "System"}, [], id=f"{_PTS}/system default constraints"),
        pytest.param({"defaultingType": "unknown"}, ["defaultingType"], id=f"{_PTS}/wrong constraints"),
        pytest.param(
            {"defaultingType": "System", "defaultConstraints": [_c(1, "key", "DoNotSchedule")]},
            ["defaultingType"],
            id=f"{_PTS}/system default constraints, but has constraints",
        ),
        # v1 defaults an unset defaultingType to System (defaults_test.go "PodTopologySpreadArgs resources with
        # value"), so constraints without a defaultingType are rejected like the case above.
        pytest.param(
            {"defaultConstraints": [_c(2, "planet", "DoNotSchedule")]},
            ["defaultingType"],
            id="TestPluginArgsDefaults/PodTopologySpreadArgs resources with value -> System, rejected",
        ),
    ],
)
def test_pod_topology_spread_args(args: dict[str, Any], want: list[str]) -> None:
    assert args_paths("PodTopologySpread", args) == want


# -- TestValidateNodeResourcesBalancedAllocationArgs --------------------------------------------------------------
@pytest.mark.parametrize(
    ("resources", "want"),
    [
        pytest.param(
            [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}],
            [],
            id="TestValidateNodeResourcesBalancedAllocationArgs/valid config",
        ),
        pytest.param(
            [{"name": "cpu", "weight": 2}, {"name": "memory", "weight": 1}],
            ["resources[0].weight"],
            id="TestValidateNodeResourcesBalancedAllocationArgs/invalid config",
        ),
        pytest.param(
            [{"name": "cpu", "weight": 1}, {"name": "cpu", "weight": 1}],
            ["resources[1].name"],
            id="TestValidateNodeResourcesBalancedAllocationArgs/repeated resources",
        ),
        pytest.param(
            [{"name": "cpu"}, {"name": "scalar.io/scalar0"}, {"name": "scalar.io/scalar1", "weight": 1}],
            [],
            id="TestPluginArgsDefaults/NodeResourcesBalancedAllocationArgs have resource no weight",
        ),
    ],
)
def test_balanced_allocation_args(resources: list[dict[str, Any]], want: list[str]) -> None:
    assert args_paths("NodeResourcesBalancedAllocation", {"resources": resources}) == want


# -- TestValidateNodeAffinityArgs ---------------------------------------------------------------------------------
def _added(key: str, names: list[str]) -> dict[str, Any]:
    return {
        "addedAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": key, "operator": "In", "values": ["label-1-val"]}]}
                ]
            },
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 1,
                    "preference": {
                        "matchFields": [{"key": "metadata.name", "operator": "In", "values": names}]
                    },
                }
            ],
        }
    }


def test_node_affinity_args_empty() -> None:
    """TestValidateNodeAffinityArgs/empty."""
    assert args_paths("NodeAffinity", {}) == []


def test_node_affinity_args_valid() -> None:
    """TestValidateNodeAffinityArgs/valid added affinity."""
    assert args_paths("NodeAffinity", _added("label-1", ["node-1"])) == []


def test_node_affinity_args_invalid() -> None:
    """TestValidateNodeAffinityArgs/invalid added affinity: a bad label key in the required term, two values for a
    metadata.name field selector in the preferred term (upstream's path leaves out ``preference``)."""
    assert args_paths("NodeAffinity", _added("invalid/label/key", ["node-1", "node-2"])) == [
        "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key",
        "addedAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchFields[0].values",
    ]


# -- TestValidateFitArgs ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "want"),
    [
        pytest.param(
            {"ignoredResources": ["longvalue" + "a" * 64]},
            ["ignoredResources[0]"],
            id="TestValidateFitArgs/IgnoredResources: too long value",
        ),
        pytest.param(
            {"ignoredResources": ["example.com/"]},
            ["ignoredResources[0]"],
            id="TestValidateFitArgs/IgnoredResources: name is empty",
        ),
        pytest.param(
            {"ignoredResources": ["example.com/aaa/bbb"]},
            ["ignoredResources[0]"],
            id="TestValidateFitArgs/IgnoredResources: name has too many slash",
        ),
        pytest.param(
            {"ignoredResources": ["example.com"]}, [], id="TestValidateFitArgs/IgnoredResources: valid args"
        ),
        pytest.param(
            {"ignoredResourceGroups": ["example.com"]},
            [],
            id="TestValidateFitArgs/IgnoredResourceGroups: valid args",
        ),
        pytest.param(
            {"ignoredResourceGroups": ["example.com/"]},
            ["ignoredResourceGroups[0]", "ignoredResourceGroups[0]"],
            id="TestValidateFitArgs/IgnoredResourceGroups: illegal args",
        ),
        pytest.param(
            {"ignoredResourceGroups": ["a" * 64]},
            ["ignoredResourceGroups[0]"],
            id="TestValidateFitArgs/IgnoredResourceGroups: name is too long",
        ),
        pytest.param(
            {"ignoredResourceGroups": ["example.com/aa"]},
            ["ignoredResourceGroups[0]"],
            id="TestValidateFitArgs/IgnoredResourceGroups: name cannot be contain slash",
        ),
        # v1 defaults a missing scoringStrategy (LeastAllocated, cpu and memory), so upstream's "ScoringStrategy:
        # field is required" cannot happen from YAML.
        pytest.param({}, [], id="TestValidateFitArgs/ScoringStrategy: field is required -> v1 default"),
        # A scoringStrategy given without a type is not defaulted: the empty type is not supported.
        pytest.param(
            {"scoringStrategy": {"resources": [{"name": "cpu", "weight": 1}]}},
            ["scoringStrategy.type"],
            id="validation_pluginargs.go/scoringStrategy without type",
        ),
        pytest.param(
            {"scoringStrategy": {"type": "Foo"}},
            ["scoringStrategy.type"],
            id="validation_pluginargs.go/unsupported scoringStrategy type",
        ),
        pytest.param(
            {
                "scoringStrategy": {
                    "type": "LeastAllocated",
                    "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 0}]},
                }
            },
            ["scoringStrategy.requestedToCapacityRatio"],
            id="validation_pluginargs.go/requestedToCapacityRatio forbidden for other types",
        ),
    ],
)
def test_fit_args(args: dict[str, Any], want: list[str]) -> None:
    assert args_paths("NodeResourcesFit", args) == want


# -- TestValidate{Least,Most}AllocatedScoringStrategy -------------------------------------------------------------
_RESOURCE_CASES = [
    ("default config", None, []),
    ("multi valid resources", [("cpu", 1), ("memory", 10)], []),
    # upstream rejects weight 0 in the internal type; v1 defaulting turns 0 into 1 first (defaults.go)
    ("weight less than min -> v1 defaults 0 to 1", [("cpu", 0)], []),
    ("weight greater than max", [("cpu", 101)], ["scoringStrategy.resources[0].weight"]),
    (
        "multi invalid resources -> 0 defaulted",
        [("cpu", 0), ("memory", 101)],
        ["scoringStrategy.resources[1].weight"],
    ),
    ("negative weight", [("cpu", -1)], ["scoringStrategy.resources[0].weight"]),
]


@pytest.mark.parametrize("strategy", ["LeastAllocated", "MostAllocated"])
@pytest.mark.parametrize(
    ("resources", "want"),
    [pytest.param(r, w, id=name) for name, r, w in _RESOURCE_CASES],
)
def test_allocated_scoring_strategy(
    strategy: str, resources: list[tuple[str, int]] | None, want: list[str]
) -> None:
    """TestValidateLeastAllocatedScoringStrategy / TestValidateMostAllocatedScoringStrategy."""
    spec: dict[str, Any] = {"type": strategy}
    if resources is not None:
        spec["resources"] = [{"name": n, "weight": w} for n, w in resources]
    assert args_paths("NodeResourcesFit", {"scoringStrategy": spec}) == want


# -- TestValidateRequestedToCapacityRatioScoringStrategy ----------------------------------------------------------
_RTCR = "TestValidateRequestedToCapacityRatioScoringStrategy"
_SHAPE = "scoringStrategy.requestedToCapacityRatio.shape"
_DEFAULT_SHAPE = [(30, 3)]


@pytest.mark.parametrize(
    ("shape", "resources", "want"),
    [
        pytest.param([], None, [_SHAPE], id=f"{_RTCR}/no shapes"),
        pytest.param(
            _DEFAULT_SHAPE,
            [("cpu", 101)],
            ["scoringStrategy.resources[0].weight"],
            id=f"{_RTCR}/weight > max",
        ),
        pytest.param(
            _DEFAULT_SHAPE, [("cpu", 0)], [], id=f"{_RTCR}/weight less than min -> v1 defaults 0 to 1"
        ),
        pytest.param(_DEFAULT_SHAPE, None, [], id=f"{_RTCR}/valid shapes"),
        pytest.param([(-1, 3)], None, [f"{_SHAPE}[0].utilization"], id=f"{_RTCR}/utilization less than min"),
        pytest.param(
            [(101, 3)], None, [f"{_SHAPE}[0].utilization"], id=f"{_RTCR}/utilization greater than max"
        ),
        pytest.param(
            [(10, 3), (10, 3)],
            None,
            [f"{_SHAPE}[1].utilization"],
            id=f"{_RTCR}/duplicated utilization values",
        ),
        pytest.param([(10, 3), (20, 3), (30, 3)], None, [], id=f"{_RTCR}/increasing utilization values"),
        pytest.param(
            [(10, 3), (20, 3), (15, 3)],
            None,
            [f"{_SHAPE}[2].utilization"],
            id=f"{_RTCR}/non-increasing utilization values",
        ),
        pytest.param([(10, -1)], None, [f"{_SHAPE}[0].score"], id=f"{_RTCR}/score less than min"),
        pytest.param([(10, 11)], None, [f"{_SHAPE}[0].score"], id=f"{_RTCR}/score greater than max"),
    ],
)
def test_requested_to_capacity_ratio(
    shape: list[tuple[int, int]], resources: list[tuple[str, int]] | None, want: list[str]
) -> None:
    spec: dict[str, Any] = {
        "type": "RequestedToCapacityRatio",
        "requestedToCapacityRatio": {"shape": [{"utilization": u, "score": s} for u, s in shape]},
    }
    if resources is not None:
        spec["resources"] = [{"name": n, "weight": w} for n, w in resources]
    assert args_paths("NodeResourcesFit", {"scoringStrategy": spec}) == want


def test_requested_to_capacity_ratio_required() -> None:
    """validation_pluginargs.go: RequestedToCapacityRatio needs its ``requestedToCapacityRatio`` parameters."""
    args = {"scoringStrategy": {"type": "RequestedToCapacityRatio"}}
    assert args_paths("NodeResourcesFit", args) == ["scoringStrategy.requestedToCapacityRatio"]


# -- TestValidateKubeSchedulerConfiguration -----------------------------------------------------------------------
SORT = "pkg.sorts:CustomSort"
BIND = "pkg.binds:CustomBind"


def valid_config() -> dict[str, Any]:
    """upstream's ``validConfig``, less what kubesim ignores (parallelism, leader election, client connection)
    and the extenders it does not model."""
    return {
        "podInitialBackoffSeconds": 1,
        "podMaxBackoffSeconds": 1,
        "percentageOfNodesToScore": 35,
        "profiles": [
            {
                "schedulerName": "me",
                "plugins": {
                    "queueSort": {"enabled": [{"name": SORT}]},
                    "score": {"disabled": [{"name": "*"}]},
                },
                "pluginConfig": [
                    {
                        "name": "DefaultPreemption",
                        "args": {"minCandidateNodesPercentage": 10, "minCandidateNodesAbsolute": 100},
                    }
                ],
            },
            {
                "schedulerName": "other",
                "plugins": {
                    "queueSort": {"enabled": [{"name": SORT}]},
                    "bind": {"enabled": [{"name": BIND}]},
                },
            },
        ],
    }


def _set(path: str, value: Any) -> dict[str, Any]:
    cfg = valid_config()
    *parents, last = path.split(".")
    node: Any = cfg
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return cfg


def _without_plugins() -> dict[str, Any]:
    cfg = valid_config()
    del cfg["profiles"][0]["plugins"]
    return cfg


_KSC = "TestValidateKubeSchedulerConfiguration"


@pytest.mark.parametrize(
    ("config", "want"),
    [
        pytest.param(valid_config(), [], id=f"{_KSC}/good"),
        pytest.param(
            _set("percentageOfNodesToScore", 101), ["percentageOfNodesToScore"], id=f"{_KSC}/bad-percentage"
        ),
        pytest.param(
            _set("profiles.0.percentageOfNodesToScore", -1),
            ["profiles[0].percentageOfNodesToScore"],
            id="validation.go/profile percentageOfNodesToScore",
        ),
        pytest.param(
            _set("profiles.1.schedulerName", ""),
            ["profiles[1].schedulerName"],
            id=f"{_KSC}/scheduler-name-not-set",
        ),
        pytest.param(
            _set("profiles.0.schedulerName", "other"),
            ["profiles[1].schedulerName"],
            id=f"{_KSC}/repeated-scheduler-name",
        ),
        pytest.param(
            _set("profiles.1.plugins.queueSort.enabled.0.name", "pkg.sorts:AnotherSort"),
            ["profiles[1].plugins.queueSort"],
            id=f"{_KSC}/different-queue-sort",
        ),
        pytest.param(
            _without_plugins(), ["profiles[1].plugins.queueSort"], id=f"{_KSC}/one-empty-queue-sort"
        ),
        pytest.param(
            _set(
                "profiles.0.pluginConfig",
                [{"name": "DefaultPreemption", "args": {"minCandidateNodesPercentage": 200}}],
            ),
            ["profiles[0].pluginConfig[0].args.minCandidateNodesPercentage"],
            id=f"{_KSC}/invalid-node-percentage",
        ),
        pytest.param(
            _set(
                "profiles.0.pluginConfig",
                [{"name": "DefaultPreemption", "args": {"kind": "InterPodAffinityArgs"}}],
            ),
            ["profiles[0].pluginConfig[0].args.kind"],
            id=f"{_KSC}/invalid-plugin-args",
        ),
        pytest.param(
            _set("profiles.0.pluginConfig", [{"name": "NodeAffinity"}, {"name": "NodeAffinity"}]),
            ["profiles[0].pluginConfig[1].name"],
            id=f"{_KSC}/duplicated-plugin-config",
        ),
        pytest.param(
            {
                "profiles": [
                    {
                        "schedulerName": "me",
                        "plugins": {"queueSort": {"enabled": [{"name": "PrioritySort"}]}},
                        "pluginConfig": [{"name": "PrioritySort"}],
                    },
                    {
                        "schedulerName": "other",
                        "plugins": {"queueSort": {"enabled": [{"name": SORT}]}},
                        "pluginConfig": [{"name": SORT}],
                    },
                ]
            },
            ["profiles[1].plugins.queueSort"],
            id=f"{_KSC}/mismatch-queue-sort",
        ),
        pytest.param(
            _set("profiles.0.plugins.score", {"enabled": [{"name": "EBSLimits"}]}),
            ["profiles[0].plugins.score.enabled[0].name"],
            id=f"{_KSC}/bad-removed-plugins (v1: EBSLimits)",
        ),
        pytest.param(
            _set("profiles.0.pluginConfig", [{"name": "AzureDiskLimits"}]),
            ["profiles[0].pluginConfig[0].name"],
            id=f"{_KSC}/bad-plugins-config (v1: AzureDiskLimits)",
        ),
        pytest.param(
            _set("profiles.0.plugins.score", {"enabled": [{"name": "PodTopologySpread", "weight": 2}]}),
            [],
            id=f"{_KSC}/good-removed-plugins-2",
        ),
        pytest.param(
            _set("podInitialBackoffSeconds", 0),
            ["podInitialBackoffSeconds"],
            id="validation.go/initial backoff 0",
        ),
        pytest.param(
            {**valid_config(), "podInitialBackoffSeconds": 5, "podMaxBackoffSeconds": 4},
            ["podMaxBackoffSeconds"],
            id="validation.go/max backoff below initial",
        ),
        # kubesim does not model scheduler extenders: any extender is rejected as unsupported.
        pytest.param(
            {**valid_config(), "extenders": [{"prioritizeVerb": "prioritize", "weight": -1}]},
            ["extenders"],
            id=f"{_KSC}/extender-negative-weight (extenders unsupported)",
        ),
        pytest.param(
            {
                **valid_config(),
                "extenders": [{"bindVerb": "foo"}, {"bindVerb": "bar", "prioritizeVerb": "p"}],
            },
            ["extenders"],
            id=f"{_KSC}/extender-duplicate-bind (extenders unsupported)",
        ),
        # defaults.go names only a single profile; a second unnamed one fails validation (defaults_test.go "two
        # profiles" leaves the first profile's schedulerName unset).
        pytest.param(
            {"profiles": [{}, {"schedulerName": "custom-scheduler"}]},
            ["profiles[0].schedulerName"],
            id="TestSchedulerDefaults/two profiles -> unnamed profile rejected",
        ),
    ],
)
def test_kube_scheduler_configuration(config: dict[str, Any], want: list[str]) -> None:
    assert error_paths(config) == want


def test_validate_cli_reports_every_problem(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """``kubesim validate`` exits 2 with one ``error: FILE: document N (Kind/name): path: message`` line each."""
    cfg = {
        **HEAD,
        "profiles": [
            {
                "schedulerName": "a",
                "pluginConfig": [
                    {"name": "InterPodAffinity", "args": {"hardPodAffinityWeight": 101}},
                    {
                        "name": "NodeResourcesFit",
                        "args": {"scoringStrategy": {"resources": [{"name": "cpu", "weight": 101}]}},
                    },
                ],
            }
        ],
    }
    path = tmp_path / "sched.yaml"
    path.write_text(json.dumps(cfg))
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    where = f"error: {path}: document 1 (KubeSchedulerConfiguration/kube-scheduler-config): "
    assert lines == [
        where
        + "profiles[0].pluginConfig[0].args.hardPodAffinityWeight: invalid value 101: not in valid range [0, 100]",
        where
        + 'profiles[0].pluginConfig[1].args.scoringStrategy.type: unsupported value "": supported values: '
        '"LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"',
        where + "profiles[0].pluginConfig[1].args.scoringStrategy.resources[0].weight: invalid value 101: "
        "resource weight of cpu not in valid range (0, 100]",
    ]
