"""A tail of formatted lines that never changes its size: the event stream's log.

Why not Textual's ``RichLog``: each line it appends grows its virtual size, which makes Textual lay out and
repaint the whole screen, dozens of times a second when the simulation plays fast. This view has the size its
container gives it and draws the newest lines that fit (or older ones after scrolling back with the mouse wheel,
up/down or page up/down; end returns to following), so an appended line repaints only this widget.

Why lines are formatted and rendered only when drawn: at full speed hundreds of lines can arrive per second and
most scroll away unseen. Keeping the items (an Event's row) and making the ``Text`` and the ``Strip`` of the
lines on screen only costs what is shown; a rendered strip is also a dozen objects for the garbage collector
(its caches), which would otherwise pile up a thousand lines deep.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["EventLogView"]


def _as_text(item: object) -> Text:
    return item if isinstance(item, Text) else Text(str(item))


class EventLogView(Widget, can_focus=True):
    """The last ``max_lines`` lines, newest at the bottom.

    Args:
        max_lines: lines kept for scrolling back.
        formatter: turns a written item into its line (default: the item is a ``Text``, or its ``str``).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_back(1)", "Older", show=False),
        Binding("down", "scroll_back(-1)", "Newer", show=False),
        Binding("pageup", "scroll_back(10)", "Older", show=False),
        Binding("pagedown", "scroll_back(-10)", "Newer", show=False),
        Binding("end", "follow", "Follow", show=False),
    ]

    def __init__(
        self,
        max_lines: int = 1000,
        *,
        formatter: Callable[[object], Text] = _as_text,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.items: deque[object] = deque(maxlen=max_lines)
        self.formatter = formatter
        self.written = 0  # items written so far: item i (from 0) is items[i - (written - len(items))]
        self._strips: dict[int, Strip] = {}  # rendered lines on screen, by item number, at ``_strip_width``
        self._strip_width = -1
        self.back = 0  # lines scrolled back from the newest (0: following)

    def write(self, item: object) -> None:
        """Append a line (kept in view if following; else the view stays where it is)."""
        self.items.append(item)
        self.written += 1
        if self.back:
            self.back = min(self.back + 1, max(0, len(self.items) - 1))
        self.refresh()

    def clear(self) -> None:
        """Forget every line."""
        self.items.clear()
        self._strips.clear()
        self.back = 0
        self.refresh()

    @property
    def lines(self) -> list[Text]:
        """Every kept line, oldest first (formatted now)."""
        return [self.formatter(item) for item in self.items]

    def _window(self) -> tuple[int, int]:
        """Item indexes (into ``items``) of the lines on screen: ``[start, end)``."""
        end = len(self.items) - self.back
        return max(0, end - self.size.height), end

    def visible_lines(self) -> list[Text]:
        """The lines on screen, oldest first."""
        start, end = self._window()
        return [self.formatter(self.items[i]) for i in range(start, end)]

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the view (bottom-aligned: the newest line is the last one)."""
        width, height = self.size
        start, end = self._window()
        index = start + y - (height - (end - start))
        if not start <= index < end:
            return Strip.blank(width)
        first = self.written - len(self.items)  # the number of items[0]
        if width != self._strip_width:
            self._strips.clear()
            self._strip_width = width
        elif len(self._strips) > 2 * height:  # the window moved on: forget the lines above it
            low = first + start
            self._strips = {n: strip for n, strip in self._strips.items() if n >= low}
        number = first + index
        strip = self._strips.get(number)
        if strip is None:
            line = self.formatter(self.items[index])
            strip = Strip(line.render(self.app.console)).crop_extend(0, width, None)
            self._strips[number] = strip
        return strip

    def action_scroll_back(self, lines: int) -> None:
        """Scroll ``lines`` older (negative: newer)."""
        self.back = min(max(0, self.back + lines), max(0, len(self.items) - self.size.height))
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
