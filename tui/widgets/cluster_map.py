"""The cluster map: every node as a tile (or, on big clusters, a cell), grouped by zone.

Why a line-API ``ScrollView`` and not a widget per node: a thousand tile widgets cost Textual a thousand DOM
nodes to style and lay out on every change. Here the map lays its nodes out once (when nodes come or go, or the
width changes) into a table of virtual lines, and Textual asks only for the lines on screen; a tile's segments
are cached until its node changes (``NodeBook.dirty``). So the cost of a frame follows what is visible and what
changed, not the size of the cluster.

Two densities:

* tiles (the default up to ``DENSE_ABOVE`` nodes): name and state on a coloured title bar, CPU and memory
  requested vs allocatable as bars, and the pods as glyphs in their workload's colour (``tui.glyphs``).
  When the zones fit side by side they are columns, otherwise sections one under the other; the map scrolls.
* dense (above it, or ``m``): one two-character cell per node, its colour the node's state and its height the
  CPU requested. A 1,000-node cluster fits on one screen; the inspector shows the selected node in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from models.node import Node
from tui.glyphs import DENSE_STYLES, STATE_STYLES, bar, pod_glyph, workload_colour
from tui.model import ClusterModel, node_state

__all__ = ["DENSE_ABOVE", "ClusterMap"]

DENSE_ABOVE = 150
"""In ``auto`` mode, clusters with more nodes than this are drawn dense."""

TILE_WIDTH = 22
TILE_HEIGHT = 4
GAP = 1
_SPARK_LEVELS = "▁▂▃▄▅▆▇█"
_SILENT_STYLE = "bold #000000 on #ff8700"
_SELECTED_STYLE = "bold #ffffff on #005fd7"


@dataclass(frozen=True, slots=True)
class _Item:
    """Something drawn on a virtual line: a node's tile row (or dense cell) or a zone header."""

    x: int
    width: int
    node: str = ""  # a node's tile or cell
    row: int = 0  # which row of the tile
    zone: str = ""  # a zone header (node == "")


class ClusterMap(ScrollView, can_focus=True):
    """The nodes of the cluster, grouped by zone. Arrow keys move the selection; enter or a click selects."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(0, -1)", "Up", show=False),
        Binding("down", "move(0, 1)", "Down", show=False),
        Binding("left", "move(-1, 0)", "Left", show=False),
        Binding("right", "move(1, 0)", "Right", show=False),
        Binding("enter", "choose", "Inspect", show=False),
    ]

    class NodeSelected(Message):
        """The selected node changed (``chosen``: by enter or a click, rather than just moving)."""

        def __init__(self, node: str, chosen: bool) -> None:
            super().__init__()
            self.node = node
            self.chosen = chosen

    def __init__(self, model: ClusterModel, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self.mode = "auto"  # auto, tiles or dense
        self.selected: str | None = None
        self._lines: list[list[_Item]] = []
        self._cells: dict[str, tuple[int, int]] = {}  # node -> (x, y) of its tile or cell
        self._order: list[str] = []  # nodes in map order (zone by zone)
        self._layout_key: tuple[int, int, bool] | None = None
        self._tiles: dict[str, list[list[Segment]]] = {}
        self._line_cache: dict[int, Strip] = {}  # virtual line -> its strip, until something on it changes
        self._zone_line: dict[str, int] = {}  # zone -> the virtual line of its header
        self._zone_text: dict[str, str] = {}
        # the zone headers' counts, kept up to date from the changed nodes: zone -> [nodes, not ready, cordoned]
        self._zone_counts: dict[str, list[int]] = {}
        self._node_counts: dict[str, tuple[str, int, int]] = {}  # node -> (zone, not ready, cordoned)
        self._styles: dict[str, Style] = {}

    # -- public ---------------------------------------------------------------------------------------------------
    @property
    def dense(self) -> bool:
        """Whether nodes are drawn as cells rather than tiles."""
        if self.mode == "auto":
            return len(self.model.nodes.usage) > DENSE_ABOVE
        return self.mode == "dense"

    def cycle_mode(self) -> str:
        """``m``: auto -> tiles -> dense -> auto. Returns the new mode."""
        self.mode = {"auto": "tiles", "tiles": "dense", "dense": "auto"}[self.mode]
        self._tiles.clear()
        self._layout_key = None
        self.update_nodes(set())
        if self.selected is not None:
            self.select(self.selected, scroll=True)
        return self.mode

    def select(self, node: str | None, *, chosen: bool = False, scroll: bool = True) -> None:
        """Select ``node`` (redraws the old and new selection and scrolls it into view)."""
        if node is not None and node not in self._cells:
            self._relayout()
            if node not in self._cells:
                return
        old, self.selected = self.selected, node
        for name in (old, node):
            if name is not None:
                self._tiles.pop(name, None)
                self._invalidate_lines(self._node_lines(name))
        if node is not None:
            if scroll:
                x, y = self._cells[node]
                w, h = (2, 1) if self.dense else (TILE_WIDTH, TILE_HEIGHT)
                self.scroll_to_region(Region(x, y, w, h), animate=False, immediate=True)
            self.post_message(self.NodeSelected(node, chosen))

    def update_nodes(self, dirty: set[str]) -> None:
        """Called once a frame with the nodes changed since the last: redraw the lines whose look changed.

        A changed node is redrawn only if it is on screen, and its lines are repainted only if the drawing
        differs (a pod that became Ready changes a glyph; a pod's readiness alone changes nothing in a dense
        cell), so a frame repaints what a person would see change.
        """
        if self._relayout():
            self._line_cache.clear()
            if self.selected is None and self._order:
                self.select(self._order[0], scroll=False)
            self.refresh()
            return
        if not dirty:
            return
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height
        changed: set[int] = set()
        book = self.model.nodes
        for name in dirty:
            self._count_node(name, book.get(name))
            old = self._tiles.pop(name, None)
            lines = self._node_lines(name)
            if not lines:
                continue
            if lines[-1] < top or lines[0] >= bottom:
                for y in lines:
                    self._line_cache.pop(y, None)
                continue
            if old is None or self._tile(name) != old:
                changed.update(lines)
        headers = self._zone_headers()
        for zone, text in headers.items():
            if self._zone_text.get(zone) != text and zone in self._zone_line:
                changed.add(self._zone_line[zone])
        self._zone_text = headers
        self._invalidate_lines(changed)

    def _node_lines(self, name: str) -> list[int]:
        """The virtual lines node ``name`` is drawn on."""
        cell = self._cells.get(name)
        if cell is None:
            return []
        return [cell[1]] if self.dense else list(range(cell[1], cell[1] + TILE_HEIGHT))

    def _invalidate_lines(self, lines: set[int] | list[int]) -> None:
        """Forget the cached strips of these virtual lines and repaint those on screen."""
        if not lines:
            return
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        width = self.scrollable_content_region.width
        regions = []
        for y in lines:
            self._line_cache.pop(y, None)
            if top <= y < top + height:
                regions.append(Region(0, y - top, width, 1))
        if regions:
            self.refresh(*regions)

    @property
    def zone_headers(self) -> dict[str, str]:
        """Each zone's header in full, before it is shortened to fit: ``▌zone-a · 249/250 Ready · 1 cordoned``."""
        return dict(self._zone_text)

    def tile_text(self, node: str) -> str:
        """The plain text of a node's tile (its cell, when dense), one line per row: what the screen shows."""
        rows = self._tile(node)
        return "\n".join("".join(seg.text for seg in row) for row in rows)

    def node_at(self, x: int, y: int) -> str | None:
        """The node drawn at virtual position (x, y), if any."""
        if not 0 <= y < len(self._lines):
            return None
        for item in self._lines[y]:
            if item.node and item.x <= x < item.x + item.width:
                return item.node
        return None

    # -- layout ---------------------------------------------------------------------------------------------------
    def _relayout(self) -> bool:
        """Lay the nodes out if the node set, the width or the density changed. Returns whether it did."""
        width = max(self.scrollable_content_region.width, 1)
        key = (self.model.nodes.layout_version, width, self.dense)
        if key == self._layout_key:
            return False
        self._layout_key = key
        zones: dict[str, list[str]] = {}
        for node in self.model.nodes.nodes():
            zones.setdefault(node.zone or "(no zone)", []).append(node.name)
        dense = self.dense
        cell_w, cell_h = (2, 1) if dense else (TILE_WIDTH + GAP, TILE_HEIGHT)
        zone_gap = 2 if dense else 0  # tiles carry their own gap; cells need one between zone columns
        columns = max(1, (width + (0 if dense else GAP)) // cell_w)
        side = self._side_by_side(zones, width, columns, cell_w, cell_h, zone_gap, 0 if dense else 1)
        self._cells.clear()
        self._order = []
        placed: list[tuple[int, int, _Item]] = []  # (y, x, item)

        def place_zone(zone: str, names: list[str], x0: int, y0: int, cols: int) -> int:
            header_w = max(1, cols * cell_w - (0 if dense else GAP))
            placed.append((y0, x0, _Item(x0, header_w, zone=zone)))
            for i, name in enumerate(names):
                row, col = divmod(i, cols)
                x, y = x0 + col * cell_w, y0 + 1 + row * cell_h
                self._cells[name] = (x, y)
                self._order.append(name)
                for r in range(cell_h):
                    placed.append((y + r, x, _Item(x, cell_w - (0 if dense else GAP), node=name, row=r)))
            rows = -(-len(names) // cols)
            return 1 + rows * cell_h

        height = 0
        if side is not None:
            for i, (zone, names) in enumerate(zones.items()):
                height = max(height, place_zone(zone, names, i * (side * cell_w + zone_gap), 0, side))
        else:
            for zone, names in zones.items():
                height += place_zone(zone, names, 0, height, columns) + (0 if dense else 1)
        lines: list[list[_Item]] = [[] for _ in range(height)]
        for y, _x, item in sorted(placed, key=lambda p: (p[0], p[1])):
            lines[y].append(item)
        self._lines = lines
        self._tiles.clear()
        self._line_cache.clear()
        self._zone_line = {item.zone: y for y, items in enumerate(lines) for item in items if not item.node}
        self._zone_counts = {}
        self._node_counts = {}
        for node in self.model.nodes.nodes():
            self._count_node(node.name, node)
        self._zone_text = self._zone_headers()
        self.virtual_size = Size(width, height)
        if self.selected is not None and self.selected not in self._cells:
            self.selected = None
        return True

    @staticmethod
    def _side_by_side(
        zones: dict[str, list[str]],
        width: int,
        columns: int,
        cell_w: int,
        cell_h: int,
        zone_gap: int,
        section_gap: int,
    ) -> int | None:
        """Columns per zone when zones side by side take fewer lines than zones one under the other."""
        if not zones:
            return None
        per_zone = ((width + zone_gap) // len(zones) - zone_gap) // cell_w
        if per_zone < 1:
            return None
        side_height = 1 + max(-(-len(n) // per_zone) for n in zones.values()) * cell_h
        stacked_height = sum(1 + section_gap + -(-len(n) // columns) * cell_h for n in zones.values())
        return per_zone if side_height <= stacked_height else None

    def _count_node(self, name: str, node: Node | None) -> None:
        """Move node ``name`` to its current place in the zone headers' counts (``node`` None: it is gone)."""
        old = self._node_counts.pop(name, None)
        if old is not None:
            counts = self._zone_counts[old[0]]
            counts[0] -= 1
            counts[1] -= old[1]
            counts[2] -= old[2]
        if node is None:
            return
        not_ready = node.ready != "True"
        new = (node.zone or "(no zone)", int(not_ready), int(not not_ready and node.unschedulable))
        self._node_counts[name] = new
        counts = self._zone_counts.setdefault(new[0], [0, 0, 0])
        counts[0] += 1
        counts[1] += new[1]
        counts[2] += new[2]

    def _zone_headers(self) -> dict[str, str]:
        out = {}
        for zone, (total, not_ready, cordoned) in self._zone_counts.items():
            if not total:
                continue
            text = f"▌{zone} · {total - not_ready}/{total} Ready"
            out[zone] = text + (f" · {cordoned} cordoned" if cordoned else "")
        return out

    @staticmethod
    def _fit_header(text: str, width: int) -> str:
        """The zone header shortened to ``width``: drop "cordoned", then "Ready", then the counts."""
        if len(text) <= width:
            return text
        short = text.split(" · ")
        for candidate in (" · ".join(short[:2]), " ".join(short[:2]).removesuffix(" Ready"), short[0]):
            if len(candidate) <= width:
                return candidate
        return short[0][:width]

    # -- drawing --------------------------------------------------------------------------------------------------
    def _style(self, text: str) -> Style:
        style = self._styles.get(text)
        if style is None:
            style = self._styles[text] = Style.parse(text)
        return style

    def _tile(self, name: str) -> list[list[Segment]]:
        rows = self._tiles.get(name)
        if rows is None:
            node = self.model.nodes.get(name)
            rows = self._tiles[name] = (
                [[Segment("  ")]]
                if node is None
                else (self._cell(node) if self.dense else self._draw_tile(node))
            )
        return rows

    def _cell(self, node: Node) -> list[list[Segment]]:
        book = self.model.nodes
        state = node_state(node, node.name in book.draining)
        usage = book.usage.get(node.name)
        cpu_alloc = node.allocatable.get("cpu", 0)
        fraction = usage.cpu / cpu_alloc if usage and cpu_alloc else 0.0
        glyph = _SPARK_LEVELS[min(len(_SPARK_LEVELS) - 1, int(fraction * (len(_SPARK_LEVELS) - 1) + 0.5))]
        colour = "#ff8700" if node.name in book.silent and state == "Ready" else DENSE_STYLES[state]
        style = f"bold {colour} on #3a3a3a" if node.name == self.selected else colour
        return [[Segment(glyph + ("◂" if node.name == self.selected else " "), self._style(style))]]

    def _draw_tile(self, node: Node) -> list[list[Segment]]:
        book = self.model.nodes
        name = node.name
        state = node_state(node, name in book.draining)
        silent = name in book.silent
        label = state + (" ✖" if silent and state == "Ready" else "")
        if node.unschedulable and state == "NotReady":
            label += " ⊘"
        room = TILE_WIDTH - len(label) - 3
        shown = name if len(name) <= room else name[: room - 1] + "…"
        marker = "▶" if name == self.selected else " "
        if name == self.selected:
            title_style = _SELECTED_STYLE
        elif silent and state == "Ready":
            title_style = _SILENT_STYLE
        else:
            title_style = STATE_STYLES[state]
        title = f"{marker}{shown:<{room}} {label} "
        usage = book.usage.get(name)
        rows = [[Segment(title, self._style(title_style))]]
        for resource, used in (("cpu", usage.cpu if usage else 0), ("mem", usage.memory if usage else 0)):
            alloc = node.allocatable.get("cpu" if resource == "cpu" else "memory", 0)
            fraction = used / alloc if alloc else 0.0
            filled, empty = bar(fraction, 13)
            colour = "#5faf5f" if fraction < 0.7 else ("#d7af00" if fraction < 0.9 else "#ff5f5f")
            rows.append(
                [
                    Segment(f"{resource} ", self._style("#8a8a8a")),
                    Segment(filled, self._style(colour)),
                    Segment(empty, self._style("#4e4e4e")),
                    Segment(f" {min(fraction, 9.99) * 100:3.0f}%", self._style("#d0d0d0")),
                ]
            )
        rows.append(self._pod_row(name))
        return rows

    def _pod_row(self, name: str) -> list[Segment]:
        workloads = self.model.workloads
        glyphs = []
        for pod in self.model.sim.store.pods_on_node(name):
            colour = workloads.colour(workloads.of(pod))
            glyphs.append((colour, pod.name, pod_glyph(pod)))
        glyphs.sort(key=lambda g: (g[0] if g[0] >= 0 else 1 << 20, g[1]))
        if len(glyphs) > TILE_WIDTH:
            more = f"+{len(glyphs) - (TILE_WIDTH - 4)}"
            glyphs = glyphs[: TILE_WIDTH - len(more) - 1]
        else:
            more = ""
        segments = [Segment(glyph, self._style(workload_colour(colour))) for colour, _n, glyph in glyphs]
        used = len(glyphs)
        if more:
            segments.append(Segment(" " + more, self._style("#8a8a8a")))
            used += len(more) + 1
        if not glyphs:
            segments.append(Segment("no pods", self._style("#6c6c6c")))
            used = 7
        segments.append(Segment(" " * (TILE_WIDTH - used)))
        return segments

    def render_line(self, y: int) -> Strip:
        """One screen line: the tile rows, cells and zone headers that cross it."""
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        line = scroll_y + y
        if not 0 <= line < len(self._lines):
            return Strip.blank(width)
        cached = self._line_cache.get(line)
        if cached is not None:
            return cached
        segments: list[Segment] = []
        cursor = 0
        for item in self._lines[line]:
            if item.x > cursor:
                segments.append(Segment(" " * (item.x - cursor)))
            if item.node:
                segments.extend(
                    self._tile(item.node)[item.row] if not self.dense else self._tile(item.node)[0]
                )
            else:
                text = self._fit_header(self._zone_text.get(item.zone, "▌" + item.zone), item.width)
                segments.append(Segment(f"{text:<{item.width}}", self._style("bold #d0d0d0")))
            cursor = item.x + item.width
        strip = Strip(segments).crop_extend(scroll_x, scroll_x + width, None)
        self._line_cache[line] = strip
        return strip

    # -- events ---------------------------------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        """A new width may fit a different number of tiles per row."""
        if self._relayout():
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        """Select the node under the mouse."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        node = self.node_at(offset.x + self.scroll_offset.x, offset.y + self.scroll_offset.y)
        if node is not None:
            self.select(node, chosen=True, scroll=False)

    def action_choose(self) -> None:
        """Enter: inspect the selected node."""
        if self.selected is not None:
            self.select(self.selected, chosen=True, scroll=False)

    def action_move(self, dx: int, dy: int) -> None:
        """Move the selection to the neighbouring node on screen."""
        if not self._cells:
            return
        if self.selected is None or self.selected not in self._cells:
            self.select(self._order[0])
            return
        x0, y0 = self._cells[self.selected]
        if dx:
            beside = [
                (abs(x - x0), name) for name, (x, y) in self._cells.items() if y == y0 and (x - x0) * dx > 0
            ]
            if beside:
                self.select(min(beside)[1])
                return
            i = self._order.index(self.selected) + dx  # the end of a row: on to the next node in map order
            if 0 <= i < len(self._order):
                self.select(self._order[i])
            return
        candidates = [
            (abs(y - y0), abs(x - x0), name)
            for name, (x, y) in self._cells.items()
            if (y < y0 if dy < 0 else y > y0)
        ]
        if candidates:
            self.select(min(candidates)[2])
