"""Pilot tests: each control of the footer, driven by key presses, changes the model as it says."""

from __future__ import annotations

import pytest
from textual.binding import Binding
from tuihelpers import SIZE, MakeApp, quiet_default

from models.node import Node
from tui.app import KubesimApp
from tui.playback import SPEEDS
from tui.screens import HelpScreen, ScaleScreen

pytestmark = pytest.mark.anyio


def _node(app: KubesimApp, name: str) -> Node:
    node = app.sim.store.get("Node", "", name)
    assert isinstance(node, Node)
    return node


def _workload_pods_on(app: KubesimApp, node: str) -> list[str]:
    """Names of the pods on ``node`` that belong to a Deployment, StatefulSet or ReplicationController."""
    names = []
    for pod in app.sim.store.pods_on_node(node):
        key = app.model.workloads.of(pod)
        if key is not None and key[0] != "DaemonSet":
            names.append(pod.name)
    return names


async def test_space_plays_and_pauses_and_plus_minus_change_the_speed(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert not app.playback.playing and app.sim.now == 0
        start = app.playback.speed_index
        await pilot.press("plus", "plus")
        assert app.playback.speed == SPEEDS[start + 2]
        await pilot.press("minus")
        assert app.playback.speed == SPEEDS[start + 1]
        for _ in range(len(SPEEDS)):
            await pilot.press("plus")
        assert app.playback.speed == float("inf")  # the top speed is "as fast as possible"
        # Play one step below it: as fast as possible, the built-in day can end within the key press's own frames
        # on a loaded machine (it did, under CI), and an ended scenario no longer toggles.
        await pilot.press("minus")
        assert app.playback.speed == SPEEDS[-2]
        await pilot.press("space")
        assert app.playback.playing
        for _ in range(50):  # a few frames of the interval timer (more on a busy machine)
            await pilot.pause(0.1)
            if app.sim.now > 0:
                break
        await pilot.press("space")
        assert not app.playback.playing
        assert app.sim.now > 0
        stopped = app.sim.now
        await pilot.pause(0.2)
        assert app.sim.now == stopped  # paused means paused
        for _ in range(len(SPEEDS)):
            await pilot.press("minus")
        assert app.playback.speed == 1  # the bottom speed is real time
        assert "paused" in app.timeline.status_text() and "×1" in app.timeline.status_text()


async def test_full_stop_steps_to_the_next_event(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("full_stop")  # everything at t=0
        assert app.sim.now == 0
        next_time = app.sim.engine.peek()
        assert next_time is not None and next_time > 0
        await pilot.press("full_stop")
        assert app.sim.now == next_time
        assert app.sim.engine.peek() is None or app.sim.engine.peek() > next_time  # type: ignore[operator]


async def test_f_crashes_the_node_which_goes_notready_and_its_pods_come_back_elsewhere(
    make_app: MakeApp,
) -> None:
    app = make_app(quiet_default())
    async with app.run_test(size=SIZE) as pilot:
        app.advance(60)
        app.cluster_map.select("general-7")
        victims = _workload_pods_on(app, "general-7")
        assert victims, "the default scenario puts workload pods on general-7"
        await pilot.press("f")
        assert app.session.recorded[-1].action == "crashNode"
        assert (
            "general-7" in app.model.nodes.silent
        )  # the machine is down, the control plane does not know yet
        assert "Ready ✖" in app.cluster_map.tile_text("general-7")
        app.advance(60)  # node-monitor-grace-period is 50 s
        assert _node(app, "general-7").ready != "True"
        assert "NotReady" in app.cluster_map.tile_text("general-7")
        assert any(r.reason == "NodeNotReady" and r.name == "general-7" for r in app.model.events.rows)
        app.advance(330)  # the default tolerations: evicted 300 s after NotReady, then replaced
        assert any(r.reason == "TaintManagerEviction" for r in app.model.events.rows)
        running_elsewhere = [
            pod
            for pod in app.sim.store.list("Pod")
            if pod.node_name not in ("", "general-7") and pod.phase == "Running" and pod.ready
        ]
        owners = {app.model.workloads.of(p) for p in running_elsewhere}
        for name in victims:  # the evicted pods linger as Terminating: nobody can confirm they stopped
            pod = app.model.pod_by_key("default", name)
            assert pod is None or pod.deletion_timestamp is not None
        for key, ready, desired in app.sim.metrics.workload_counts():
            if key[0] != "DaemonSet":  # every workload is back at full strength on the other nodes
                assert key in owners and ready == desired, key


async def test_r_recovers_the_crashed_node(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.advance(30)
        app.cluster_map.select("general-1")
        await pilot.press("f")
        app.advance(70)
        assert _node(app, "general-1").ready != "True"
        await pilot.press("r")
        assert app.session.recorded[-1].action == "recoverNode"
        app.advance(30)
        assert _node(app, "general-1").ready == "True"
        assert "general-1" not in app.model.nodes.silent
        assert app.cluster_map.tile_text("general-1").splitlines()[0].strip().endswith("Ready")


async def test_c_cordons_and_uncordons_the_selected_node(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.advance(30)
        app.cluster_map.select("general-2")
        await pilot.press("c")
        assert _node(app, "general-2").unschedulable
        assert "Cordoned" in app.cluster_map.tile_text("general-2")
        await pilot.press("c")
        assert not _node(app, "general-2").unschedulable
        assert [a.action for a in app.session.recorded] == ["cordon", "uncordon"]


async def test_d_drains_the_selected_node(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.advance(60)
        app.cluster_map.select("general-3")
        assert _workload_pods_on(app, "general-3")
        await pilot.press("d")
        node = _node(app, "general-3")
        assert node.unschedulable
        assert "Draining" in app.cluster_map.tile_text("general-3")
        app.advance(120)
        assert not [
            p
            for p in _workload_pods_on(app, "general-3")
            if app.model.pod_by_key("default", p).deletion_timestamp is None
        ]
        assert any(r.reason == "Drained" and r.name == "general-3" for r in app.model.events.rows)
        assert "Cordoned" in app.cluster_map.tile_text("general-3")  # a drained node stays cordoned


async def test_s_scales_the_selected_workload(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.advance(30)
        app.workload_list.select_workload(("Deployment", "default", "cart"))
        await pilot.press("s")
        assert isinstance(app.screen, ScaleScreen)
        await pilot.press("7", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, ScaleScreen)
        cart = app.sim.store.get("Deployment", "default", "cart")
        assert cart.replicas == 7
        app.advance(30)
        assert cart.status.ready_replicas == 7
        recorded = app.session.recorded[-1]
        assert recorded.action == "scale" and recorded.params["replicas"] == 7
        await pilot.press("s")
        await pilot.press("escape")  # cancelled: nothing recorded
        await pilot.pause()
        assert len(app.session.recorded) == 1


async def test_u_rolls_the_selected_workload_out_to_a_new_image(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.advance(60)
        app.workload_list.select_workload(("Deployment", "default", "cart"))
        await pilot.press("u")
        cart = app.sim.store.get("Deployment", "default", "cart")
        assert cart.template.spec.containers[0].image == "shop/cart:v2"
        app.advance(120)
        images = {p.image for p in app.sim.store.list("Pod") if p.name.startswith("cart-") and p.ready}
        assert images == {"shop/cart:v2"}
        assert any(r.reason == "ScalingReplicaSet" and r.name == "cart" for r in app.model.events.rows)


async def test_scale_and_update_refuse_kinds_they_cannot_act_on(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.workload_list.select_workload(("DaemonSet", "default", "node-agent"))
        await pilot.press("s")
        assert not isinstance(app.screen, ScaleScreen)
        app.workload_list.select_workload(("ReplicationController", "default", "cache"))
        await pilot.press("u")
        assert app.session.recorded == []


async def test_question_mark_shows_the_help_and_keys_do_not_act_behind_it(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f", "space", "plus")
        assert app.session.recorded == [] and not app.playback.playing
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        bindings = {b.key for b in app.BINDINGS if isinstance(b, Binding)}
        for key in ("space", "full_stop", "f", "r", "c", "d", "s", "u", "q", "ctrl+s", "question_mark"):
            assert any(key in k.split(",") for k in bindings), key


async def test_q_quits(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_arrows_move_the_selection_and_a_click_selects(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.cluster_map.selected == "general-0"
        await pilot.press("down")  # zones are columns: general-0, -3, -6, -9 are zone-a
        assert app.cluster_map.selected == "general-3"
        await pilot.press("right")
        assert app.cluster_map.selected == "general-4"
        assert app.inspector.node == "general-4"
        x, y = app.cluster_map._cells["general-8"]
        await pilot.click("#map", offset=(x + 3 + 1, y + 1 + 1))  # +1: the border
        assert app.cluster_map.selected == "general-8"
        assert app.inspector.node == "general-8"
