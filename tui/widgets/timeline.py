"""The timeline: the virtual clock, play/pause and speed, and sparklines of the run so far with fault markers.

One column is one sample (``Playback.sample_interval`` of virtual time); the newest sample is on the right and
the window is as wide as the panel. Rows: pending pods, ready/desired summed over the workloads, CPU and memory
requested as a fraction of allocatable, Service availability, and a marker row: ``✖`` a fault injected, ``▲`` the
control plane noticed (NodeNotReady), ``✚`` a repair, ``◆`` another action (scale, rollout, cordon...).

Why the line API: the status line changes every frame (the clock) and the sparklines with every sample; drawing
them as Rich text made Textual re-wrap the whole panel each time. Here each line is a strip built from a few
segments, and only the lines that differ from the last frame are repainted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tui.glyphs import format_clock, sparkline
from tui.model import ClusterModel, Sample
from tui.playback import Playback, format_speed

__all__ = ["MARKER_GLYPHS", "Timeline"]

MARKER_GLYPHS = {
    "fault": ("✖", "bold #ff5f5f"),
    "detected": ("▲", "bold #ffd75f"),
    "repair": ("✚", "bold #5fd75f"),
    "action": ("◆", "bold #5fd7ff"),
}
_PRIORITY = ("fault", "detected", "repair", "action")
_LABEL = 15
_VALUE = 9
HEIGHT = 8  # lines: status, five gauges, markers, axis


@dataclass(frozen=True)
class _Row:
    label: str
    value: Callable[[Sample], float | None]
    text: Callable[[Sample], str]
    style: str
    fixed_high: float | None = 1.0


_ROWS = (
    _Row("pending pods", lambda s: float(s.pending), lambda s: str(s.pending), "#ffd75f", None),
    _Row(
        "ready/desired",
        lambda s: s.ready / s.desired if s.desired else None,
        lambda s: f"{s.ready}/{s.desired}",
        "#5fd75f",
    ),
    _Row("cpu requested", lambda s: s.cpu, lambda s: f"{s.cpu * 100:.0f}%", "#5fafff"),
    _Row("mem requested", lambda s: s.memory, lambda s: f"{s.memory * 100:.0f}%", "#af87ff"),
    _Row(
        "service avail.",
        lambda s: s.service,
        lambda s: "-" if s.service is None else f"{s.service * 100:.1f}%",
        "#5fd7af",
    ),
)

_STYLES: dict[str, Style] = {}


def _style(text: str) -> Style:
    style = _STYLES.get(text)
    if style is None:
        style = _STYLES[text] = Style.parse(text) if text else Style()
    return style


class Timeline(Widget):
    """Clock, playback state and sparklines (see the module docstring)."""

    DEFAULT_CSS = f"""
    Timeline {{ height: {HEIGHT}; }}
    """

    def __init__(self, model: ClusterModel, playback: Playback, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self.playback = playback
        self._strips: list[Strip] = []
        self._width = -1
        self._series_version = -1

    # -- updating -------------------------------------------------------------------------------------------------
    def update_if_changed(self, gauges: bool = True) -> None:
        """Redraw the lines that changed: the status line always, the gauges when ``gauges`` and a sample or a
        marker is new (the app passes ``gauges=False`` between its sparkline refreshes)."""
        width = self.size.width
        if width <= 0:
            return
        relaid = width != self._width or len(self._strips) != HEIGHT
        new = list(self._strips) if not relaid else [Strip.blank(width)] * HEIGHT
        new[0] = self._status_strip(width)
        version = self.model.series.version
        if relaid or (gauges and version != self._series_version):
            self._series_version = version
            new[1:] = self._gauge_strips(width)
        changed = [y for y in range(HEIGHT) if relaid or not _same(new[y], self._strips[y])]
        self._strips = new
        self._width = width
        if relaid:
            self.refresh()
        else:
            for y in changed:
                self.refresh(Region(0, y, width, 1))

    def status_text(self) -> str:
        """The status line as plain text (``‖ paused ×30  t 00:05:30.0 / 1d 00:00:00 ...``)."""
        return "".join(seg.text for seg in self._status_segments())

    def lines_text(self) -> list[str]:
        """Every line as plain text, as shown (for tests)."""
        return ["".join(seg.text for seg in strip) for strip in self._strips]

    def _status_segments(self) -> list[Segment]:
        pb = self.playback
        sim = self.model.sim
        if pb.finished:
            state, style = "■ finished", "bold #d0d0d0"
        elif pb.playing:
            state, style = "▶ playing", "bold #5fd75f"
        else:
            state, style = "‖ paused", "bold #ffd75f"
        segments = [
            Segment(state + " ", _style(style)),
            Segment(format_speed(pb.speed), _style("bold")),
            Segment("  t "),
            Segment(format_clock(sim.now, tenths=True), _style("bold #ffffff")),
            Segment(f" / {format_clock(pb.until)}"),
            Segment(f"  · {self.model.events.total:,} events"),
            Segment("  · explain " + ("on" if self.model.explaining else "off")),
        ]
        if pb.playing and pb.speed == float("inf") and pb.achieved > 0:
            segments.append(Segment(f"  · ≈×{pb.achieved:,.0f}", _style("#8a8a8a")))
        return segments

    def _status_strip(self, width: int) -> Strip:
        return Strip(self._status_segments()).crop_extend(0, width, None)

    def _gauge_strips(self, width: int) -> list[Strip]:
        columns = max(1, width - _LABEL - _VALUE)
        samples = list(self.model.series.samples)[-columns:]
        label_style = _style("#8a8a8a")
        strips = []
        for row in _ROWS:
            values = [row.value(s) for s in samples]
            present = [v for v in values if v is not None]
            high = row.fixed_high if row.fixed_high is not None else max([1.0, *present])
            line = sparkline(values, 0.0, high) if samples else ""
            value = row.text(samples[-1]) if samples else ""
            segments = [
                Segment(f"{row.label:<{_LABEL}}", label_style),
                Segment(f"{line:<{columns}}", _style(row.style)),
                Segment(f"{value:>{_VALUE}}", _style("bold")),
            ]
            strips.append(Strip(segments).crop_extend(0, width, None))
        markers = [
            Segment(f"{'faults/actions':<{_LABEL}}", label_style),
            *self._marker_segments(samples, columns),
        ]
        strips.append(Strip(markers).crop_extend(0, width, None))
        axis = [Segment(" " * _LABEL), Segment(self._axis(samples, columns), _style("#6c6c6c"))]
        strips.append(Strip(axis).crop_extend(0, width, None))
        return strips

    def _marker_segments(self, samples: list[Sample], columns: int) -> list[Segment]:
        if not samples:
            return [Segment(" " * columns)]
        interval = self.playback.sample_interval
        start = samples[0].t - interval
        kinds: list[str | None] = [None] * len(samples)
        for marker in reversed(self.model.series.markers):
            if marker.t <= start:
                break
            i = min(len(samples) - 1, max(0, int((marker.t - start - 1e-9) // interval)))
            while i > 0 and samples[i - 1].t >= marker.t:  # the column whose interval holds t
                i -= 1
            current = kinds[i]
            if current is None or _PRIORITY.index(marker.kind) < _PRIORITY.index(current):
                kinds[i] = marker.kind
        segments: list[Segment] = []
        text, style = "", ""
        for kind in kinds:
            glyph, glyph_style = MARKER_GLYPHS[kind] if kind is not None else ("·", "#3a3a3a")
            if glyph_style != style and text:
                segments.append(Segment(text, _style(style)))
                text = ""
            text += glyph
            style = glyph_style
        if text:
            segments.append(Segment(text, _style(style)))
        segments.append(Segment(" " * (columns - len(kinds))))
        return segments

    @staticmethod
    def _axis(samples: list[Sample], columns: int) -> str:
        if not samples:
            return ""
        left = format_clock(samples[0].t)
        right = format_clock(samples[-1].t)
        gap = max(1, len(samples) - len(left) - len(right))
        return (left + " " * gap + right)[: max(columns, len(left))]

    # -- drawing --------------------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        """Line ``y`` as last computed."""
        if self._width != self.size.width:
            self.update_if_changed()
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width)

    def on_resize(self) -> None:
        """A new width shows more or fewer samples."""
        self.update_if_changed()


def _same(a: Strip, b: Strip) -> bool:
    return a is b or list(a) == list(b)
