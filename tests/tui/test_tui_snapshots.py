"""Snapshots of the main screens (pytest-textual-snapshot): paused apps at fixed virtual times, so each SVG is
the same on every run. After an intended change of the look: ``pytest tests/tui --snapshot-update`` and review
the new SVGs under ``tests/tui/__snapshots__``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from tuihelpers import SIZE, MakeApp

import tui.lessons
from models.loader import load_text
from tui.app import KubesimApp
from tui.source import ScenarioSource, load_source

SnapCompare = Callable[..., bool]


def test_main_screen_after_a_node_crash(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """The built-in shop at 6 min: general-4 crashed at 5 min and is NotReady since 5m50s; it is inspected."""

    async def setup(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, KubesimApp)
        app.advance(6 * 60)
        app.cluster_map.select("general-4", chosen=True)
        app.refresh_views(force=True)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=setup)


def test_pod_inspector_with_the_schedulers_explanation(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """11 min: a replacement api pod, its history and why the scheduler put it where it is."""

    async def setup(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, KubesimApp)
        app.advance(11 * 60)
        pod = min(
            (
                p
                for p in app.sim.store.list("Pod")
                if p.name.startswith("api-") and p.creation_timestamp > 640
            ),
            key=lambda p: p.name,
        )
        app.cluster_map.select(pod.node_name)
        app.inspect_pod(pod.namespace, pod.name)
        app.refresh_views(force=True)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=setup)


def test_help_screen(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, press=["question_mark"])


def test_lesson_panel(
    snap_compare: SnapCompare, make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lesson's explanation beside the cluster (a fixed lesson, so that edits of the real ones do not matter)."""
    (tmp_path / "demo.yaml").write_text(
        "apiVersion: kubesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: demo}\nspec: {duration: 10m}\n---\n"
        "apiVersion: kubesim.dev/v1alpha1\nkind: NodePool\nmetadata: {name: w}\n"
        "spec: {count: 4, zones: [zone-a, zone-b], allocatable: {cpu: '4', memory: 16Gi}}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 6\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: demo/web:v1, resources: {requests: {cpu: 500m, memory: 1Gi}}}]}\n"
    )
    (tmp_path / "demo.md").write_text(
        "# A demo lesson\n\nSix `web` pods on four nodes. Press **space** to play, select a node and press "
        "**f** to crash it.\n\n## Questions\n\n1. How long until the pods come back?\n"
    )
    monkeypatch.setattr(tui.lessons, "LESSONS", {"demo": "A demo lesson"})
    monkeypatch.setattr(
        tui.lessons, "lesson_paths", lambda name: (tmp_path / "demo.yaml", tmp_path / "demo.md")
    )
    app = make_app(load_source([], "demo"))

    async def setup(pilot: Pilot[Any]) -> None:
        assert isinstance(pilot.app, KubesimApp)
        pilot.app.advance(60)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=setup)


def test_a_thousand_node_cluster(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """1,000 nodes in four zones, one cell each; a few crashed ones NotReady."""
    text = (
        "apiVersion: kubesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: big}\nspec: {duration: 1h}\n---\n"
        "apiVersion: kubesim.dev/v1alpha1\nkind: NodePool\nmetadata: {name: big}\n"
        "spec: {count: 1000, zones: [z-a, z-b, z-c, z-d], allocatable: {cpu: '16', memory: 64Gi}}\n---\n"
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n"
        "  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n"
        "    spec: {containers: [{name: a, image: agent:v1, resources: {requests: {cpu: '4', memory: 1Gi}}}]}\n"
    )
    app = make_app(ScenarioSource("big", [], load_text(text, "big.yaml").objects))

    async def setup(pilot: Pilot[Any]) -> None:
        assert isinstance(pilot.app, KubesimApp)
        for name in ("big-7", "big-250", "big-501", "big-999"):
            pilot.app.session.submit("crashNode", node=name)
        pilot.app.advance(120)
        pilot.app.cluster_map.select("big-501")
        pilot.app.refresh_views(force=True)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=setup)
