"""``kubesim tui``: what it loads (files, the default, a lesson), and the exit code 2 for bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tuihelpers import SIZE, MakeApp

import tui.lessons
from simulator.cli import main
from tui.app import KubesimApp
from tui.source import load_source
from tui.widgets import LessonPanel


@pytest.fixture
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> list[KubesimApp]:
    """Replace ``KubesimApp.run`` so that the command can be tested without a terminal; collects the apps."""
    started: list[KubesimApp] = []

    def run(self: KubesimApp, *args: Any, **kwargs: Any) -> int:
        started.append(self)
        return 0

    monkeypatch.setattr(KubesimApp, "run", run)
    return started


@pytest.fixture
def tmp_lesson(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A lesson ``tiny`` made of two files in ``tmp_path``, registered in ``tui.lessons``."""
    (tmp_path / "tiny.yaml").write_text(
        "apiVersion: kubesim.dev/v1alpha1\nkind: NodePool\nmetadata: {name: n}\n"
        "spec: {count: 3, zones: [a], allocatable: {cpu: '2', memory: 4Gi}}\n"
    )
    (tmp_path / "tiny.md").write_text("# A tiny lesson\n\nWatch **three** nodes do nothing.\n")
    monkeypatch.setattr(tui.lessons, "LESSONS", {**tui.lessons.LESSONS, "tiny": "Three idle nodes"})
    real = tui.lessons.lesson_paths

    def lesson_paths(name: str) -> tuple[Path, Path]:
        if name == "tiny":
            return tmp_path / "tiny.yaml", tmp_path / "tiny.md"
        return real(name)  # type: ignore[return-value]

    monkeypatch.setattr(tui.lessons, "lesson_paths", lesson_paths)
    return "tiny"


def test_without_files_it_opens_the_built_in_scenario(no_terminal: list[KubesimApp]) -> None:
    assert main(["tui"]) == 0
    (app,) = no_terminal
    assert app.session.source.title == "shop (default.yaml)"
    assert app.sim.store.count("Node") == 12
    assert app.playback.playing  # a person launching it sees it move


def test_files_and_seed_are_passed_on(no_terminal: list[KubesimApp], tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "apiVersion: kubesim.dev/v1alpha1\nkind: NodePool\nmetadata: {name: p}\n"
        "spec: {count: 5, allocatable: {cpu: '2', memory: 4Gi}}\n"
    )
    assert main(["tui", str(path), "--seed", "9"]) == 0
    (app,) = no_terminal
    assert app.sim.store.count("Node") == 5 and app.sim.seed == 9


def test_an_unknown_lesson_exits_2_and_lists_the_lessons(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tui", "--lesson", "no-such-lesson"]) == 2
    err = capsys.readouterr().err
    assert "no-such-lesson" in err and "Traceback" not in err
    for name in tui.lessons.LESSONS:
        assert name in err


def test_bad_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tui", str(tmp_path / "missing.yaml")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
        "spec: {containers: [{name: c, resources: {requests: {cpu: five}}}]}\n"
    )
    assert main(["tui", str(bad)]) == 2
    assert "five" in capsys.readouterr().err


def test_a_lesson_and_files_together_exit_2(
    tmp_lesson: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tui", str(tmp_path / "tiny.yaml"), "--lesson", tmp_lesson]) == 2
    assert "--lesson" in capsys.readouterr().err


def test_a_lesson_opens_its_scenario_with_its_explanation(
    no_terminal: list[KubesimApp], tmp_lesson: str
) -> None:
    assert main(["tui", "--lesson", tmp_lesson]) == 0
    (app,) = no_terminal
    source = app.session.source
    assert source.lesson == "tiny" and source.lesson_markdown is not None
    assert "A tiny lesson" in source.lesson_markdown
    assert "Three idle nodes" in source.title
    assert app.sim.store.count("Node") == 3
    assert not app.playback.playing  # a lesson starts paused, so that the student reads it first


@pytest.mark.anyio
async def test_the_lesson_panel_shows_the_explanation_and_l_toggles_it(
    make_app: MakeApp, tmp_lesson: str
) -> None:
    app = make_app(load_source([], tmp_lesson))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one("#lesson", LessonPanel)
        assert panel.display and "three" in panel.markdown
        await pilot.press("l")
        assert not panel.display
        await pilot.press("l")
        assert panel.display


@pytest.mark.parametrize("name", list(tui.lessons.LESSONS))
def test_every_built_in_lesson_loads(name: str) -> None:
    source = load_source([], name)
    assert source.lesson_markdown and source.lesson == name
    assert any(o.KIND == "Scenario" for o in source.objects)
