"""Constants and types the TUI tests share (``conftest.py`` holds the fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import yaml

from models.loader import load_text
from tui.app import KubesimApp
from tui.source import ScenarioSource

SIZE = (140, 44)
"""Terminal size of the Pilot tests and snapshots."""

MakeApp = Callable[..., KubesimApp]


def quiet_default() -> ScenarioSource:
    """The built-in shop without its scripted timeline and random failures: only the test's actions happen."""
    text = resources.files("simulator.scenarios").joinpath("default.yaml").read_text(encoding="utf-8")
    documents = [d for d in yaml.safe_load_all(text) if d is not None]
    for doc in documents:
        if doc["kind"] == "Scenario":
            doc["spec"].pop("timeline")
            doc["spec"].pop("failures")
    quiet = yaml.safe_dump_all(documents, sort_keys=False)
    return ScenarioSource("quiet shop", documents, load_text(quiet, "quiet.yaml").objects)
