"""What the panels show: the inspector (node, pod, the scheduler's explanation), the event filter, the timeline,
the workload list, and the map at 1,000 nodes."""

from __future__ import annotations

import pytest
from tuihelpers import SIZE, MakeApp

from models.loader import load_text
from tui.source import ScenarioSource
from tui.widgets.cluster_map import DENSE_ABOVE

pytestmark = pytest.mark.anyio


async def test_the_inspector_shows_a_node_its_conditions_and_pods(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.advance(6 * 60)  # general-4 crashed at 5m and was marked NotReady at 5m50s
        app.cluster_map.select("general-4", chosen=True)
        await pilot.pause()
        text = app.inspector.body_text
        assert "general-4" in text and "zone-b" in text
        assert "NotReady" in text and "Unknown" in text  # the Ready condition of an unreachable node
        assert "node.kubernetes.io/unreachable:NoExecute" in text
        assert "silent" in text  # its lease does not renew
        pods = [str(o.prompt) for o in app.inspector.query_one("#inspector-pods").options]  # type: ignore[attr-defined]
        assert pods and len(pods) == len(list(app.sim.store.pods_on_node("general-4")))


async def test_the_inspector_explains_a_pods_placement_node_by_node(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.advance(11 * 60)  # general-4's pods were evicted at 10m50s and replaced
        replacements = [
            p
            for p in app.sim.store.list("Pod")
            if p.creation_timestamp > 640 and p.node_name and p.name.startswith("api-")
        ]
        assert replacements
        pod = replacements[0]
        app.inspect_pod(pod.namespace, pod.name)
        await pilot.pause()
        text = app.inspector.body_text
        assert "ReplicaSet/api-" in text and "Deployment/api" in text  # owner, then its owner
        assert "created, Pending" in text and "Scheduled" in text and "Ready" in text  # phase history
        assert f"placed on {pod.node_name}" in text
        assert "Fit " in text and "Balanced " in text and "Spread " in text  # per plugin weighted scores
        assert "general-4" in text and "✗ Taint" in text  # the dead node was filtered out, with the reason
        assert "untolerated taint" in " ".join(text.split())
        assert app.workload_list.selected == ("Deployment", "default", "api")  # s/u now act on api
        await pilot.press("escape")
        assert app.inspector.pod is None and app.inspector.node == pod.node_name


async def test_explain_recording_can_be_turned_off_and_the_inspector_says_so(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert not app.model.explaining and not app.sim.scheduler.explain
        app.advance(30)
        app.inspect_pod("default", "db-1")
        assert "explain recording is off" in app.inspector.body_text


async def test_the_event_filter_keeps_matching_events(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.advance(11 * 60)
        assert {r.reason for r in app.event_stream.shown} > {"Scheduled", "NodeNotReady"}
        await pilot.press("slash")
        await pilot.press(*"nodenotready")
        await pilot.pause()
        assert app.event_stream.shown and {r.reason for r in app.event_stream.shown} == {"NodeNotReady"}
        await pilot.press("escape")
        assert app.focused is app.cluster_map
        app.event_stream.set_filter("Killing web")  # every word, in any field, in any case
        assert all(r.reason == "Killing" and "web" in r.object for r in app.event_stream.shown)
        assert app.event_stream.shown
        app.event_stream.set_filter("")
        assert len(app.event_stream.shown) == min(
            app.model.events.total, 100
        )  # the newest, at most 100 a frame


async def test_the_timeline_shows_the_clock_gauges_and_fault_markers(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.advance(7 * 60)
        await pilot.pause()
        lines = app.timeline.lines_text()
        assert "paused" in lines[0] and "00:07:00.0" in lines[0]
        labels = [line[:15].strip() for line in lines[1:6]]
        assert labels == ["pending pods", "ready/desired", "cpu requested", "mem requested", "service avail."]
        markers = lines[6]
        assert "✖" in markers and "▲" in markers  # the crash at 5m, the NotReady at 5m50s
        assert markers.index("✖") < markers.index("▲")
        sample = app.model.series.samples[-1]
        assert sample.t == 420 and sample.desired > 0 and sample.service is not None


async def test_the_workload_list_counts_ready_and_desired(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        app.advance(120)
        app.workload_list.update_workloads(force=True)
        keys = app.workload_list.keys
        assert ("Deployment", "default", "web") in keys and ("StatefulSet", "default", "db") in keys
        prompts = [str(o.prompt) for o in app.workload_list.options]
        assert any("StatefulSet/db" in p and "3/3" in p for p in prompts)


def _big_cluster(nodes: int) -> ScenarioSource:
    text = (
        "apiVersion: kubesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: big}\nspec: {duration: 1h}\n---\n"
        "apiVersion: kubesim.dev/v1alpha1\nkind: NodePool\nmetadata: {name: big}\n"
        f"spec: {{count: {nodes}, zones: [z-a, z-b, z-c, z-d], allocatable: {{cpu: '16', memory: 64Gi}}}}\n"
    )
    return ScenarioSource("big", [], load_text(text, "big.yaml").objects)


async def test_a_thousand_nodes_fit_on_one_screen_as_cells(make_app: MakeApp) -> None:
    app = make_app(_big_cluster(1000))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        cluster = app.cluster_map
        assert cluster.dense and DENSE_ABOVE < 1000
        assert cluster.virtual_size.height <= cluster.scrollable_content_region.height  # no scrolling needed
        assert not app.model.explaining  # too costly at this size unless asked for (e)
        assert cluster.selected == "big-0"
        await pilot.press("right", "down")
        assert cluster.selected not in (None, "big-0")
        selected = cluster.selected
        assert selected is not None
        app.session.submit("crashNode", node=selected)
        app.session.flush()
        app.advance(60)
        assert cluster.tile_text(selected).startswith("▁")  # the cell: its height is the CPU requested
        assert app.model.nodes.get(selected).ready != "True"  # type: ignore[union-attr]
        await pilot.press("m")  # tiles: the map scrolls
        assert cluster.mode == "tiles" and not cluster.dense
        assert cluster.virtual_size.height > cluster.scrollable_content_region.height
        assert "NotReady" in cluster.tile_text(selected)
        await pilot.press("m", "m")
        assert cluster.mode == "auto" and cluster.dense
