"""The event stream: Kubernetes Events as they happen, newest at the bottom, with a filter.

The filter is a few words; an Event is shown when every word occurs (case-insensitive) in its type, reason,
object or message: ``warning`` shows only Warnings, ``NodeNotReady`` one reason, ``web`` everything about web,
``killing web`` both. Changing the filter redraws from the last few thousand Events (``EventBook``).

At full speed thousands of Events can happen in one frame; only the newest ``MAX_PER_FRAME`` matching ones are
written, after a line saying how many were skipped, so the stream never holds up a frame.
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input

from tui.glyphs import format_clock
from tui.model import EventBook, EventRow
from tui.widgets.event_log import EventLogView

__all__ = ["EventStream", "format_event"]

MAX_PER_FRAME = 100
_REASON_WIDTH = 20


def _line(item: object) -> Text:
    """A line of the log: an Event's row formatted, or a note (``Text``) as it is."""
    if isinstance(item, EventRow):
        return format_event(item)
    return item if isinstance(item, Text) else Text(str(item))


def format_event(row: EventRow) -> Text:
    """``00:05:50 NodeNotReady         Node/general-4  Node general-4 status is now: NodeNotReady``."""
    warning = row.type == "Warning"
    return Text.assemble(
        (format_clock(row.t), "#8a8a8a"),
        " ",
        (f"{row.reason:<{_REASON_WIDTH}}", "bold #ffaf5f" if warning else "bold #87d7ff"),
        " ",
        (row.object, "#d0d0d0"),
        "  ",
        (row.message, "#ffd7af" if warning else "#bcbcbc"),
    )


class EventStream(Vertical):
    """A filter box over a log of Events."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave_filter", "Back to the map", show=False)]

    DEFAULT_CSS = """
    EventStream { height: 1fr; }
    EventStream > Input { height: 1; border: none; padding: 0 1; background: $boost; }
    EventStream > EventLogView { height: 1fr; }
    """

    def __init__(self, book: EventBook, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.book = book
        self.words: list[str] = []
        self._seen = 0  # Events up to this number have been considered
        self.shown: deque[EventRow] = deque(maxlen=1000)  # what the log shows, for tests and the help

    def compose(self) -> ComposeResult:
        """The filter on top of the log."""
        yield Input(placeholder="filter events: words, e.g. warning, NodeNotReady, web", id="event-filter")
        yield EventLogView(max_lines=1000, formatter=_line, id="event-log")

    @property
    def log_widget(self) -> EventLogView:
        """The log the Events are written to."""
        return self.query_one("#event-log", EventLogView)

    def set_filter(self, text: str) -> None:
        """Show only Events with every word of ``text``; redraws from the kept Events."""
        self.words = text.lower().split()
        self.log_widget.clear()
        self.shown.clear()
        self._seen = 0
        self.update_events()

    def update_events(self) -> None:
        """Write the Events that happened since the last call (called once a frame)."""
        new = self.book.since(self._seen)
        self._seen = self.book.total
        if not new:
            return
        words = self.words
        matching = [row for row in new if row.matches(words)] if words else new
        log = self.log_widget
        if len(matching) > MAX_PER_FRAME:
            log.write(Text(f"… {len(matching) - MAX_PER_FRAME:,} more events", style="italic #8a8a8a"))
            matching = matching[-MAX_PER_FRAME:]
        for row in matching:
            log.write(row)  # formatted when drawn (see EventLogView)
            self.shown.append(row)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Typing in the filter re-filters at once."""
        event.stop()
        self.set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter goes back to the map."""
        event.stop()
        self.action_leave_filter()

    def action_leave_filter(self) -> None:
        """Escape: focus the cluster map again."""
        self.screen.query_one("#map").focus()
