"""kubesim's built-in teaching lessons: a scenario YAML and a short markdown explanation each.

A lesson ``NAME`` is two files in this package, ``NAME.yaml`` (a complete scenario: node pools, workloads and a
``Scenario`` with its timeline) and ``NAME.md`` (what to watch, which keys to press, the Kubernetes behaviour it
shows and a few questions). ``kubesim tui --lesson NAME`` loads the first and shows the second beside the cluster.

>>> from tui.lessons import LESSONS, lesson_paths
>>> list(LESSONS)[0]
'spreading-vs-binpacking'
>>> scenario, explanation = lesson_paths("node-failure")
>>> scenario.name, explanation.name
('node-failure.yaml', 'node-failure.md')
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

__all__ = ["LESSONS", "lesson_paths"]

LESSONS: dict[str, str] = {
    "spreading-vs-binpacking": "Spreading vs bin-packing: LeastAllocated and MostAllocated scoring side by side",
    "node-failure": "A node fails: NotReady after 50 s, taint-based eviction after 300 s, replacements",
    "rolling-update": "Rolling updates step by step: maxSurge and maxUnavailable at work",
}
"""Lesson name -> one-line title, in teaching order."""


def lesson_paths(name: str) -> tuple[Traversable, Traversable]:
    """The lesson's scenario YAML and markdown explanation, as package resources.

    The resources are real files when kubesim is installed from a wheel or a checkout; use
    ``importlib.resources.as_file`` where a filesystem path is required and that may not hold.

    Raises:
        KeyError: ``name`` is not a lesson; the message lists the lessons there are.
    """
    if name not in LESSONS:
        known = ", ".join(LESSONS)
        raise KeyError(f"unknown lesson {name!r}; the lessons are: {known}")
    package = files(__name__)
    return package / f"{name}.yaml", package / f"{name}.md"
