"""The TUI's visual vocabulary: colours, pod glyphs, bars, sparklines and time formats.

Kept in one place so that the map, the inspector and the help screen's legend agree on what a symbol means.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from models.pod import Pod

__all__ = [
    "POD_GLYPHS",
    "STATE_STYLES",
    "WORKLOAD_COLOURS",
    "bar",
    "format_clock",
    "format_cpu",
    "format_memory",
    "pod_glyph",
    "sparkline",
    "workload_colour",
]

WORKLOAD_COLOURS = (
    "#5fafff",  # blue
    "#ffaf5f",  # orange
    "#af87ff",  # violet
    "#5fd7af",  # teal
    "#ff87af",  # pink
    "#d7d75f",  # olive
    "#87d7ff",  # sky
    "#d787d7",  # orchid
    "#afd787",  # lime
    "#ffd787",  # sand
    "#87afaf",  # slate
    "#d7af87",  # tan
)
BARE_POD_COLOUR = "#bcbcbc"

STATE_STYLES = {
    "Ready": "bold #000000 on #5faf5f",
    "NotReady": "bold #ffffff on #d70000",
    "Cordoned": "bold #000000 on #d7af00",
    "Draining": "bold #ffffff on #af5fd7",
}
"""Title-bar style of a node tile, by ``tui.model.node_state``."""

DENSE_STYLES = {"Ready": "#5faf5f", "NotReady": "#ff3030", "Cordoned": "#d7af00", "Draining": "#d787ff"}
"""Foreground of a node's cell in the dense map, by state."""

POD_GLYPHS = {
    "ready": "●",
    "running": "◐",
    "pending": "○",
    "terminating": "◌",
    "failed": "✖",
    "succeeded": "✔",
}
"""A pod's glyph by what it is doing (``pod_glyph``); its colour is its workload's."""

_EIGHTHS = " ▏▎▍▌▋▊▉"
_SPARKS = "▁▂▃▄▅▆▇█"


def workload_colour(index: int) -> str:
    """The colour of workload number ``index`` (``-1``: a bare pod)."""
    return BARE_POD_COLOUR if index < 0 else WORKLOAD_COLOURS[index % len(WORKLOAD_COLOURS)]


def pod_glyph(pod: Pod) -> str:
    """``●`` ready, ``◐`` running but not ready, ``○`` pending or starting, ``◌`` terminating, ``✖`` failed or
    crash-looping, ``✔`` succeeded."""
    if pod.deletion_timestamp is not None:
        return POD_GLYPHS["terminating"]
    phase = pod.phase
    if phase == "Succeeded":
        return POD_GLYPHS["succeeded"]
    if phase == "Failed" or (pod.waiting_reason == "CrashLoopBackOff" and pod.container_state == "Waiting"):
        return POD_GLYPHS["failed"]
    if phase == "Running":
        return POD_GLYPHS["ready"] if pod.ready else POD_GLYPHS["running"]
    return POD_GLYPHS["pending"]


def bar(fraction: float, width: int) -> tuple[str, str]:
    """A horizontal bar in eighths of a cell: (filled part, empty part) that together are ``width`` wide."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    filled = "█" * full + (_EIGHTHS[part] if part and full < width else "")
    return filled, "·" * (width - len(filled))


def sparkline(values: Sequence[float | None], low: float, high: float) -> str:
    """One block character per value, scaled between ``low`` and ``high`` (a missing value is a space)."""
    span = high - low
    out = []
    for value in values:
        if value is None or math.isnan(value):
            out.append(" ")
            continue
        level = 0 if span <= 0 else int((min(max(value, low), high) - low) / span * (len(_SPARKS) - 1) + 0.5)
        out.append(_SPARKS[level])
    return "".join(out)


def format_clock(t: float, *, tenths: bool = False) -> str:
    """Virtual time as ``HH:MM:SS`` (``1d 02:03:04`` past a day; ``.s`` with ``tenths``)."""
    days, rest = divmod(t, 86400.0)
    hours, rest = divmod(rest, 3600.0)
    minutes, seconds = divmod(rest, 60.0)
    text = f"{int(hours):02d}:{int(minutes):02d}:" + (
        f"{math.floor(seconds * 10) / 10:04.1f}" if tenths else f"{int(seconds):02d}"
    )
    return f"{int(days)}d {text}" if days else text


def format_cpu(millicores: int) -> str:
    """``500m`` or ``2`` / ``2.5`` cores."""
    if millicores % 1000 == 0:
        return str(millicores // 1000)
    if millicores < 1000:
        return f"{millicores}m"
    return f"{millicores / 1000:g}"


def format_memory(n: int) -> str:
    """Bytes in the largest binary unit that keeps a short number: ``512Mi``, ``16Gi``, ``1.5Gi``."""
    for unit, size in (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if n >= size:
            value = n / size
            return f"{value:.0f}{unit}" if value >= 100 or value == int(value) else f"{value:.1f}{unit}"
    return str(n)
