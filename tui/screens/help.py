"""The ``?`` screen: every key, what the panels show, and the symbols on the map and the timeline."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui.glyphs import POD_GLYPHS

__all__ = ["HELP_KEYS", "HelpScreen", "help_markdown"]

HELP_KEYS: tuple[tuple[str, str], ...] = (
    ("space", "play / pause"),
    ("+ / -", "faster / slower: ×1 (real time), ×2, ×5, ... ×3,600, max (as fast as possible)"),
    (".", "step: run to the next event"),
    ("arrows, enter, click", "move on the map; enter/click inspects the node"),
    ("f", "crash the selected node (its kubelet and containers stop)"),
    ("r", "recover the selected node"),
    ("c", "cordon / uncordon the selected node"),
    ("d", "drain the selected node (evictions through the Eviction API; PodDisruptionBudgets apply)"),
    ("s", "scale the selected workload (highlighted in the workload list)"),
    ("u", "rolling update of the selected workload (a new image tag)"),
    ("e", "explain recording on/off (the inspector's 'why this node')"),
    ("m", "map density: auto / tiles / dense"),
    ("l", "show / hide the lesson"),
    ("/", "filter the events (escape: back to the map)"),
    ("tab", "next panel (map, pods of the node, workloads, event filter)"),
    ("ctrl+s", "save the session as a scenario that replays identically"),
    ("?", "this help"),
    ("q", "quit"),
)


def help_markdown() -> str:
    """The help text (also the source of ``docs/tui.md``'s key table)."""
    keys = "\n".join(f"| `{key}` | {what} |" for key, what in HELP_KEYS)
    glyphs = ", ".join(f"`{g}` {name}" for name, g in POD_GLYPHS.items())
    return f"""# kubesim tui

| key | does |
| --- | --- |
{keys}

**Map**: a tile per node, grouped by zone. Title bar: the node's state (green Ready, red NotReady, yellow
Cordoned, violet Draining; orange with `✖`: its kubelet is silent but the control plane has not noticed yet).
Bars: CPU and memory requested vs allocatable. Pods: {glyphs}; the colour is the workload's (see the
workload list). Above 150 nodes each node is one cell (its height: CPU requested).

**Timeline**: pending pods, ready/desired over all workloads, CPU and memory requested, Service availability;
one column per 10 s of virtual time. Markers: `✖` fault, `▲` NotReady noticed, `✚` repair, `◆` other action.

Actions go into the event log as timeline actions (`Timeline` Events); `ctrl+s` writes them into a copy of the
scenario, so `kubesim tui FILE` (or `kubesim run FILE`) replays the session exactly.

*escape, q or ? closes this help.*
"""


class HelpScreen(ModalScreen[None]):
    """The keys and the legend."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close"),
        Binding("question_mark", "close", "Close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        """The help as markdown."""
        with VerticalScroll():
            yield Markdown(help_markdown())

    def action_close(self) -> None:
        """Back to the app."""
        self.dismiss(None)
