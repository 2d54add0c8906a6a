"""Shared setup for the TUI tests: anyio on asyncio, and apps on the built-in scenario, paused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tui.app import KubesimApp
from tui.session import Session
from tui.source import ScenarioSource, load_source


@pytest.fixture
def anyio_backend() -> str:
    """Textual runs on asyncio."""
    return "asyncio"


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., KubesimApp]:
    """``make_app(source=None, **app_kwargs)``: a paused app on ``source`` (default: the built-in scenario) that
    keeps its event log and saves sessions under ``tmp_path``."""

    def make(
        source: ScenarioSource | None = None, *, seed: int | None = None, **kwargs: object
    ) -> KubesimApp:
        session = Session(source or load_source([]), seed=seed, keep_log=True)
        kwargs.setdefault("autoplay", False)
        kwargs.setdefault("save_path", tmp_path / "kubesim-session.yaml")
        return KubesimApp(session, **kwargs)  # type: ignore[arg-type]

    return make
