"""A tail of formatted lines that never changes its size: the event stream's log.

Why not Textual's ``RichLog``: each line it appends grows its virtual size, which makes Textual lay out and
repaint the whole screen, dozens of times a second when the simulation plays fast. This view has the size its
container gives it and draws the newest lines that fit (or older ones after scrolling back with the mouse wheel,
up/down or page up/down; end returns to following), so an appended line repaints only this widget.
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["EventLogView"]


class EventLogView(Widget, can_focus=True):
    """The last ``max_lines`` lines, newest at the bottom."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_back(1)", "Older", show=False),
        Binding("down", "scroll_back(-1)", "Newer", show=False),
        Binding("pageup", "scroll_back(10)", "Older", show=False),
        Binding("pagedown", "scroll_back(-10)", "Newer", show=False),
        Binding("end", "follow", "Follow", show=False),
    ]

    def __init__(self, max_lines: int = 1000, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: deque[Text] = deque(maxlen=max_lines)
        self._strips: deque[Strip] = deque(maxlen=max_lines)  # each line rendered once, when written
        self.back = 0  # lines scrolled back from the newest (0: following)

    def write(self, line: Text) -> None:
        """Append a line (kept in view if following; else the view stays where it is)."""
        self.lines.append(line)
        self._strips.append(Strip(line.render(self.app.console)))
        if self.back:
            self.back = min(self.back + 1, max(0, len(self.lines) - 1))
        self.refresh()

    def clear(self) -> None:
        """Forget every line."""
        self.lines.clear()
        self._strips.clear()
        self.back = 0
        self.refresh()

    def visible_lines(self) -> list[Text]:
        """The lines on screen, oldest first."""
        height = self.size.height
        end = len(self.lines) - self.back
        start = max(0, end - height)
        return [self.lines[i] for i in range(start, end)]

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the view (bottom-aligned: the newest line is the last one)."""
        width, height = self.size
        end = len(self._strips) - self.back
        start = max(0, end - height)
        index = start + y - (height - (end - start))
        if not start <= index < end:
            return Strip.blank(width)
        strip = self._strips[index]
        if strip.cell_length != width:  # cut or padded once per width, then kept
            strip = self._strips[index] = strip.crop_extend(0, width, None)
        return strip

    def action_scroll_back(self, lines: int) -> None:
        """Scroll ``lines`` older (negative: newer)."""
        self.back = min(max(0, self.back + lines), max(0, len(self.lines) - self.size.height))
        self.refresh()

    def action_follow(self) -> None:
        """Follow the newest line again."""
        self.back = 0
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """The wheel scrolls back."""
        event.stop()
        self.action_scroll_back(3)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """The wheel scrolls forward."""
        event.stop()
        self.action_scroll_back(-3)
