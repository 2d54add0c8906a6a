"""docs/tui.md stays in step with the app: every key is documented, and the help screen lists them too."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from tui.app import KubesimApp
from tui.screens.help import HELP_KEYS, help_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "tui.md"
KEY_NAMES = {"full_stop": ".", "question_mark": "?", "slash": "/", "plus": "+", "minus": "-"}


def test_every_key_of_the_app_is_in_the_docs_and_the_help() -> None:
    doc = DOC.read_text(encoding="utf-8")
    help_text = help_markdown()
    for binding in KubesimApp.BINDINGS:
        assert isinstance(binding, Binding)
        key = binding.key.split(",")[0]
        shown = KEY_NAMES.get(key, key)
        assert f"`{shown}`" in doc, shown
        assert shown in help_text, shown
    assert len(HELP_KEYS) >= 15


def test_the_docs_picture_exists() -> None:
    assert "images/tui.svg" in DOC.read_text(encoding="utf-8")
    assert (DOC.parent / "images" / "tui.svg").read_text(encoding="utf-8").startswith("<svg")
