"""``Simulation.act``: actions taken live replay identically from a Scenario timeline at the returned times."""

from __future__ import annotations

import json
import textwrap

import yaml
from hypothesis import given
from hypothesis import strategies as st

from simulator import Simulation
from tests.simhelpers import deployment, pool

BASE = pool(count=3) + deployment(replicas=4) + deployment(name="api", replicas=2)

ACTIONS = st.one_of(
    st.tuples(st.just("crashNode"), st.fixed_dictionaries({"node": st.sampled_from(["pool-0", "pool-1"])})),
    st.tuples(st.just("recoverNode"), st.fixed_dictionaries({"node": st.sampled_from(["pool-0", "pool-1"])})),
    st.tuples(st.just("cordon"), st.fixed_dictionaries({"node": st.sampled_from(["pool-1", "pool-2"])})),
    st.tuples(
        st.just("scale"),
        st.fixed_dictionaries({"target": st.just("Deployment/web"), "replicas": st.integers(0, 6)}),
    ),
    st.tuples(st.just("drain"), st.fixed_dictionaries({"node": st.just("pool-2")})),
)
# (virtual seconds to advance before the action, action): 0 gives several actions in one instant, and
# multiples of the 3 s / 2 s startup and readiness delays land exactly on instants where pods changed.
STEPS = st.lists(st.tuples(st.sampled_from([0.0, 1.0, 2.0, 3.0, 5.0, 60.0, 301.0]), ACTIONS), max_size=8)


def scenario_doc(timeline: list[dict[str, object]]) -> str:
    doc = {
        "apiVersion": "kubesim.dev/v1alpha1",
        "kind": "Scenario",
        "metadata": {"name": "t"},
        "spec": {
            "duration": "2h",  # longer than any drawn session
            "seed": 5,
            "defaults": {"startupSeconds": "3s", "readySeconds": "2s"},
            "timeline": timeline,
        },
    }
    return yaml.safe_dump(doc, sort_keys=False) + "---\n"


def log_lines(sim: Simulation) -> list[str]:
    return [json.dumps(record, sort_keys=True) for record in sim.log]


@given(steps=STEPS)
def test_a_live_session_replays_event_for_event_from_its_timeline(steps) -> None:  # type: ignore[no-untyped-def]
    live = Simulation.from_text(textwrap.dedent(scenario_doc([]) + BASE))
    timeline: list[dict[str, object]] = []
    for advance, (action, params) in steps:
        live.run(until=live.now + advance)
        try:
            at = live.act(action, **params)
        except Exception as err:  # a failing action is recorded and replayed as a failing timeline entry
            assert type(err).__name__ == "ActionError"
            at = live.now
        timeline.append({"at": at, "action": action, **params})
    live.run()
    replay = Simulation.from_text(textwrap.dedent(scenario_doc(timeline) + BASE))
    replay.run()
    assert log_lines(replay) == log_lines(live)


def test_act_after_events_at_now_moves_just_past_now() -> None:
    sim = Simulation.from_text(textwrap.dedent(scenario_doc([]) + BASE))
    sim.run(until=3.0)  # pods start at exactly 3 s
    assert sim.engine.last_event_time == 3.0
    at = sim.act("cordon", node="pool-0")
    assert 3.0 < at < 3.0 + 1e-9
    assert sim.store.get("Node", "", "pool-0").unschedulable
    sim.run(until=10.0)
    assert sim.act("uncordon", node="pool-0") == 10.0  # nothing ran at 10 s yet: the action opens the instant
