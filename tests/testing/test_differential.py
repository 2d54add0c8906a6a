"""``simulator.testing.differential``: one scenario under two scheduler configurations, compared outcome by outcome."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings, target

from simulator.testing import strategies
from simulator.testing.differential import compare, run_outcome, with_scheduler_configuration
from simulator.testing.strategies import ClusterSpec
from tests.simhelpers import deployment, pool, scenario

CHEAP = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: bin packing: MostAllocated, and no spreading scores pulling the other way
BIN_PACKING: dict[str, Any] = {
    "apiVersion": "kubescheduler.config.k8s.io/v1",
    "kind": "KubeSchedulerConfiguration",
    "profiles": [
        {
            "schedulerName": "default-scheduler",
            "plugins": {
                "score": {
                    "disabled": [{"name": "PodTopologySpread"}, {"name": "NodeResourcesBalancedAllocation"}]
                }
            },
            "pluginConfig": [
                {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}
            ],
        }
    ],
}
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


def spec_of(text: str) -> ClusterSpec:
    return ClusterSpec.from_yaml(text)


#: two 4-CPU nodes and four 1-CPU pods: room for all of them, spread or packed
ROOMY = spec_of(
    pool(count=2, cpu="4", zones="[a]") + scenario(duration="5m") + deployment("web", replicas=4, cpu="1")
)
#: two 2-CPU nodes and six 1-CPU pods: two stay pending when requests are respected
CROWDED = spec_of(
    pool(count=2, cpu="2", zones="[a]") + scenario(duration="5m") + deployment("web", replicas=6, cpu="1")
)


def test_a_configuration_compared_with_itself_differs_in_nothing() -> None:
    result = compare(CROWDED, None, None)
    assert result.pending_delta == 0
    assert result.placement_differences() == {}
    assert result.a.placements == result.b.placements
    assert result.a.failed_scheduling == result.b.failed_scheduling
    assert result.a.pending == 2
    assert "0 pod(s) placed differently" in result.report()


@given(spec=strategies.clusters(max_nodes=4, scheduler_config=False, faults=False, duration=300.0))
@CHEAP
def test_any_generated_cluster_compared_with_itself_differs_in_nothing(spec: ClusterSpec) -> None:
    result = compare(spec, BIN_PACKING, BIN_PACKING)
    assert result.pending_delta == 0, result.report()
    assert result.placement_differences() == {}, result.report()


def test_bin_packing_packs_the_pods_that_the_default_profile_spreads() -> None:
    result = compare(ROOMY, None, BIN_PACKING, labels=("default", "bin-packing"))
    assert result.pending_delta == 0
    spread = sorted(result.a.placements.values())
    packed = sorted(result.b.placements.values())
    assert spread == ["pool-0", "pool-0", "pool-1", "pool-1"]
    assert len(set(packed)) == 1, packed
    assert result.placement_differences()
    report = result.report()
    assert report.startswith("default: 0 pending, 0 FailedScheduling\nbin-packing: 0 pending")
    assert "2 pod(s) placed differently" in report


def test_a_profile_without_the_fit_filter_is_caught_by_a_pending_property() -> None:
    # "b never leaves more pods pending than a" holds here in the wrong direction: the broken profile binds
    # every pod, overcommitting the nodes; the reverse property ("b never places pods that a cannot") fails.
    result = compare(CROWDED, None, NO_FIT, labels=("default", "no-fit"))
    assert (result.a.pending, result.b.pending) == (2, 0)
    assert result.pending_delta == -2
    assert result.a.failed_scheduling > 0
    assert result.b.failed_scheduling == 0
    assert len(result.placement_differences()) >= 2
    assert "(pending) vs pool-" in result.report()


def test_run_outcome_uses_the_configuration_given_not_the_specs_own() -> None:
    own = with_scheduler_configuration(CROWDED, NO_FIT)
    assert run_outcome(own, None).pending == 2  # None removes the spec's configuration
    assert run_outcome(CROWDED, NO_FIT).pending == 0
    assert run_outcome(CROWDED, None, until=0.0).summary["duration"] == 0.0


#: the default profile's NodeResourcesFit scoring, spelled out
EXPLICIT_DEFAULT: dict[str, Any] = {
    "apiVersion": "kubescheduler.config.k8s.io/v1",
    "kind": "KubeSchedulerConfiguration",
    "profiles": [
        {
            "schedulerName": "default-scheduler",
            "pluginConfig": [
                {
                    "name": "NodeResourcesFit",
                    "args": {
                        "scoringStrategy": {
                            "type": "LeastAllocated",
                            "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}],
                        }
                    },
                }
            ],
        }
    ],
}


@given(spec=strategies.clusters(max_nodes=3, scheduler_config=False, faults=False, duration=300.0))
@CHEAP
def test_target_steers_towards_placements_where_spelled_out_defaults_differ(spec: ClusterSpec) -> None:
    result = compare(spec, None, EXPLICIT_DEFAULT, labels=("default", "explicit"))
    target(float(len(result.placement_differences())), label="pods placed differently")
    target(float(abs(result.pending_delta)), label="pending difference")
    assert result.placement_differences() == {}, result.report()
    assert result.pending_delta == 0, result.report()
