"""Where a TUI session's scenario comes from: files, the built-in default, or a lesson.

Why the raw documents are kept beside the loaded objects: ``ctrl+s`` saves the session as a scenario that replays
identically, and that file is the original documents plus a Scenario whose timeline holds the user's actions. The
loader turns documents into objects and forgets the YAML; this module keeps both, in the order the loader read
them (the order of same-rank objects decides the order they enter the store, so it must survive the round trip).

A session always has a Scenario: when the input has none, a minimal one (``metadata.name: tui-session``) is
added before the simulation is built. Without it, actions would not be recorded as ``Timeline`` Events (those
are stamped on the Scenario), and a saved session, which needs a Scenario for its timeline, would replay with an
event log the interactive run never had.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from models.errors import InputError
from models.kubesim import KUBESIM_API_VERSION
from models.meta import KObject

__all__ = ["SESSION_SCENARIO_NAME", "ScenarioSource", "load_source"]

SESSION_SCENARIO_NAME = "tui-session"
_SUFFIXES = (".yaml", ".yml", ".json")  # as models.loader reads directories


@dataclass
class ScenarioSource:
    """A loaded scenario and what the TUI needs to show and save it.

    Attributes:
        title: shown in the title bar (the Scenario's name, or the lesson's title).
        documents: the raw YAML/JSON documents in load order (dicts, lists for ``kind: List``, or None).
        objects: the loaded objects, as ``Simulation`` takes them.
        warnings: the loader's warnings (``--lenient`` downgrades), one line each.
        lesson: the lesson's name when opened with ``--lesson``.
        lesson_markdown: the lesson's explanation (markdown).
        lenient: whether the files were loaded with ``--lenient`` (a saved session needs it again).
    """

    title: str
    documents: list[Any]
    objects: list[KObject]
    warnings: list[str] = field(default_factory=list)
    lesson: str | None = None
    lesson_markdown: str | None = None
    lenient: bool = False


def load_source(files: Sequence[str], lesson: str | None = None, *, lenient: bool = False) -> ScenarioSource:
    """Load the scenario for ``kubesim tui``: ``files``, else the lesson ``lesson``, else the built-in default.

    Raises:
        InputError: bad files, an unknown lesson (the message lists the known ones), or files and a lesson at
            once.
    """
    from models.loader import load_paths, load_text

    if lesson is not None:
        if files:
            raise InputError(
                ["error: --lesson opens its own scenario; give either FILES or --lesson, not both"]
            )
        yaml_text, markdown, title = _lesson_texts(lesson)
        result = load_text(yaml_text, f"{lesson}.yaml", lenient=lenient)
        documents = _parse(yaml_text, f"{lesson}.yaml")
        return _complete(
            ScenarioSource(
                title=title,
                documents=documents,
                objects=result.objects,
                warnings=result.warnings,
                lesson=lesson,
                lesson_markdown=markdown,
                lenient=lenient,
            )
        )
    if files:
        result = load_paths(list(files), lenient=lenient)
        documents = []
        for path in _expand(files):
            documents += _parse(Path(path).read_text(encoding="utf-8"), path)
        return _complete(
            ScenarioSource(
                title=", ".join(files),
                documents=documents,
                objects=result.objects,
                warnings=result.warnings,
                lenient=lenient,
            )
        )
    text = resources.files("simulator.scenarios").joinpath("default.yaml").read_text(encoding="utf-8")
    result = load_text(text, "default.yaml", lenient=lenient)
    return _complete(
        ScenarioSource(
            title="default.yaml",
            documents=_parse(text, "default.yaml"),
            objects=result.objects,
            warnings=result.warnings,
            lenient=lenient,
        )
    )


def _lesson_texts(name: str) -> tuple[str, str, str]:
    """(scenario YAML, markdown, title) of the lesson ``name``."""
    from tui import lessons

    known: dict[str, str] = dict(lessons.LESSONS)
    if name not in known:
        listing = ", ".join(known) or "(none)"
        raise InputError([f"error: --lesson {name}: unknown lesson; the lessons are: {listing}"])
    scenario, explanation = lessons.lesson_paths(name)
    return (
        scenario.read_text(encoding="utf-8"),
        explanation.read_text(encoding="utf-8"),
        f"lesson {name}: {known[name]}",
    )


def _expand(paths: Sequence[str]) -> list[str]:
    """Files in the order ``models.loader.load_paths`` reads them (directories: sorted, recursive)."""
    out: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            out += sorted(str(p) for p in Path(path).rglob("*") if p.is_file() and p.suffix in _SUFFIXES)
        else:
            out.append(path)
    return out


def _parse(text: str, filename: str) -> list[Any]:
    """The documents of one file (the loader has already validated it, so plain safe loading suffices)."""
    if filename.endswith(".json"):
        return [json.loads(text)]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 10x faster
    return [doc for doc in yaml.load_all(text, Loader=loader) if doc is not None]


def _complete(source: ScenarioSource) -> ScenarioSource:
    """Add the session Scenario when the input has none (see the module docstring)."""
    scenario = next((obj for obj in source.objects if obj.KIND == "Scenario"), None)
    if scenario is not None:
        if source.lesson is None:
            source.title = f"{scenario.name} ({source.title})"
        return source
    from models.loader import load_text

    document = {
        "apiVersion": KUBESIM_API_VERSION,
        "kind": "Scenario",
        "metadata": {"name": SESSION_SCENARIO_NAME},
        "spec": {},
    }
    source.objects = [*load_text(yaml.safe_dump(document), "<tui session>").objects, *source.objects]
    source.documents = [document, *source.documents]
    return source
