"""The lesson panel: a lesson's explanation (markdown) beside the cluster, for ``kubesim tui --lesson NAME``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

__all__ = ["LessonPanel"]


class LessonPanel(VerticalScroll):
    """A scrollable Markdown document (``l`` shows or hides it)."""

    DEFAULT_CSS = """
    LessonPanel { height: 1fr; scrollbar-size-vertical: 1; }
    LessonPanel > Markdown { margin: 0 1; padding: 0; }
    """

    def __init__(self, markdown: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        """The explanation."""
        yield Markdown(self.markdown)
