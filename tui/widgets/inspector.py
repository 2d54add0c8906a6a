"""The inspector: the selected node (conditions, usage, its pods) or the selected pod (owner, phase history and
the scheduler's explanation of its placement).

A node shows its Ready condition as the API has it (``True``, ``False``, or ``Unknown`` for a node the control
plane cannot hear), whether it is cordoned, its taints, whether its kubelet is silent, and its pods in a list:
enter (or a click) on a pod inspects it; escape goes back to the node.

A pod's explanation is the scheduler's explain record of its latest scheduling attempt (``tui.model.ExplainBook``):
for each node, either the first Filter plugin that rejected it with its reasons, or its Score plugins' weighted
scores and their total; the selected node first. Explain recording may be off (``e``; off by default above 300
nodes), in which case the panel says so.
"""

from __future__ import annotations

import io
from typing import Any, ClassVar

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from models.node import Node
from models.pod import Pod
from simulator.explain import PLUGIN_ABBREVIATIONS
from simulator.scheduler.resources import pod_request
from tui.glyphs import format_clock, format_cpu, format_memory, pod_glyph, workload_colour
from tui.model import ClusterModel, node_state, workload_text

__all__ = ["Inspector", "explain_table", "pod_status"]

_EXPLAIN_ROWS = 30  # nodes listed in an explanation (the rest are summarised)


def pod_status(pod: Pod) -> str:
    """``Running, Ready``, ``Pending (ContainerCreating)``, ``Terminating``..."""
    if pod.deletion_timestamp is not None:
        return "Terminating"
    text = pod.phase
    if pod.container_state == "Waiting" and pod.waiting_reason and pod.phase in ("Pending", "Running"):
        text += f" ({pod.waiting_reason})"
    if pod.phase == "Running":
        text += ", Ready" if pod.ready else ", not Ready"
    return text


def _first_failure(info: dict[str, Any]) -> str:
    for f in info.get("filters", ()):
        if f["code"] not in ("Success", "Skip"):
            reasons = "; ".join(f["reasons"]) or f["code"]
            return f"{PLUGIN_ABBREVIATIONS.get(f['plugin'], f['plugin'])}: {reasons}"
    return "rejected"


def explain_table(record: dict[str, Any]) -> RenderableType:
    """An explain record as a table: per node the filter verdict or the weighted scores and total."""
    nodes: dict[str, Any] = record.get("nodes", {})
    selected = record.get("selected")
    feasible = sum(1 for info in nodes.values() if info.get("feasible"))
    if selected:
        head = Text.assemble(
            "placed on ", (str(selected), "bold #5fd75f"), f": {feasible} of {len(nodes)} nodes evaluated fit"
        )
    else:
        head = Text(str(record.get("message") or "no node fits"), style="bold #ffaf5f")
    table = Table(box=None, padding=(0, 1), show_edge=False, expand=True)
    table.add_column("node", no_wrap=True)
    table.add_column("total", justify="right", no_wrap=True)
    table.add_column("weighted scores, or why it was filtered out", ratio=1)
    order = sorted(
        nodes.items(),
        key=lambda kv: (kv[0] != selected, not kv[1].get("feasible"), -kv[1].get("total", 0), kv[0]),
    )
    for name, info in order[:_EXPLAIN_ROWS]:
        mark = "★ " if name == selected else "  "
        if info.get("feasible"):
            scores = " · ".join(
                f"{PLUGIN_ABBREVIATIONS.get(s['plugin'], s['plugin'])} {s['weighted']}"
                for s in info.get("scores", ())
            )
            style = "bold #5fd75f" if name == selected else ""
            table.add_row(mark + name, str(info.get("total", 0)), scores or "fits", style=style)
        else:
            table.add_row(
                mark + name, "-", Text("✗ " + _first_failure(info), style="#ff875f"), style="#8a8a8a"
            )
    if selected and selected in nodes:
        best = nodes[selected].get("total", 0)
        tied = sum(1 for info in nodes.values() if info.get("feasible") and info.get("total", 0) == best)
        if tied > 1:
            head.append(
                f"\n{tied} nodes tie at {best}: the scheduler picked one at random (from the run's seed)"
            )
    parts: list[RenderableType] = [head, table]
    if len(order) > _EXPLAIN_ROWS:
        parts.append(Text(f"… {len(order) - _EXPLAIN_ROWS} more nodes", style="italic #8a8a8a"))
    if record.get("victims"):
        parts.append(Text("preemption victims: " + ", ".join(record["victims"]), style="#ffaf5f"))
    return Group(*parts)


class Inspector(Vertical):
    """Details of the selected node or pod."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to the node", show=False),
        Binding("backspace", "back", "Back to the node", show=False),
    ]

    DEFAULT_CSS = """
    Inspector { height: 1fr; }
    Inspector > #inspector-scroll { height: auto; max-height: 60%; scrollbar-size-vertical: 1; }
    Inspector.pod-mode > #inspector-scroll { height: 1fr; max-height: 100%; }
    Inspector > #inspector-pods { height: 1fr; border: none; scrollbar-size-vertical: 1; }
    Inspector.pod-mode > #inspector-pods { display: none; }
    """

    class PodChosen(Message):
        """A pod was chosen in the node's pod list (or otherwise) for inspection."""

        def __init__(self, namespace: str, name: str) -> None:
            super().__init__()
            self.pod_namespace = namespace
            self.pod_name = name

    def __init__(self, model: ClusterModel, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self.node: str | None = None
        self.pod: tuple[str, str] | None = None  # (namespace, name) when a pod is shown
        self._pod_uid = ""
        self._pod_ids: list[str] = []
        self._shown: RenderableType = ""

    def compose(self) -> ComposeResult:
        """The details, and (for a node) the list of its pods."""
        scroll = VerticalScroll(id="inspector-scroll")
        scroll.can_focus = False  # focusable only while a pod is shown (tab then reaches its explanation)
        with scroll:
            yield Static("select a node on the map (arrows, enter or a click)", id="inspector-body")
        yield OptionList(id="inspector-pods", markup=False)

    @property
    def body_text(self) -> str:
        """The details as plain text (what the panel shows, for tests)."""
        console = Console(width=max(self.size.width, 60), record=True, file=io.StringIO(), color_system=None)
        console.print(self._shown)
        return console.export_text()

    # -- what to show ---------------------------------------------------------------------------------------------
    def show_node(self, name: str) -> None:
        """Inspect node ``name``."""
        self.node = name
        self.pod = None
        self.remove_class("pod-mode")
        self.query_one("#inspector-scroll", VerticalScroll).can_focus = False
        self._draw()

    def show_pod(self, namespace: str, name: str) -> None:
        """Inspect pod ``namespace/name``."""
        pod = self.model.pod_by_key(namespace, name)
        self.pod = (namespace, name)
        self._pod_uid = pod.uid if pod is not None else ""
        if pod is not None and pod.node_name:
            self.node = pod.node_name
        self.add_class("pod-mode")
        self._draw()
        scroll = self.query_one("#inspector-scroll", VerticalScroll)
        scroll.can_focus = True
        scroll.scroll_home(animate=False)
        if self.query_one("#inspector-pods", OptionList).has_focus:
            scroll.focus()

    def action_back(self) -> None:
        """Escape: from a pod back to its node."""
        if self.pod is not None and self.node is not None:
            had_focus = self.has_focus_within
            self.show_node(self.node)
            if had_focus:
                self.query_one("#inspector-pods", OptionList).focus()

    def update_if_changed(self, dirty_nodes: set[str], changed_pods: set[str]) -> None:
        """Redraw when the shown node or pod changed."""
        if self.pod is not None:
            if self._pod_uid in changed_pods or (self.node is not None and self.node in dirty_nodes):
                self._draw()
        elif self.node is not None and self.node in dirty_nodes:
            self._draw()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on a pod in the list."""
        event.stop()
        if event.option.id:
            namespace, _, name = event.option.id.partition("/")
            self.post_message(self.PodChosen(namespace, name))

    # -- drawing --------------------------------------------------------------------------------------------------
    def _update_body(self, renderable: RenderableType) -> None:
        self._shown = renderable
        self.query_one("#inspector-body", Static).update(renderable)

    def _draw(self) -> None:
        if self.pod is not None:
            self._update_body(self._pod_view(*self.pod))
            self.border_title = f"Pod {self.pod[1]}"
            return
        if self.node is None:
            return
        node = self.model.nodes.get(self.node)
        if node is None:
            self._update_body(Text(f"node {self.node} no longer exists", style="italic"))
            self._set_pods([])
            return
        self._update_body(self._node_view(node))
        self.border_title = f"Node {node.name}"
        self._set_pods(list(self.model.sim.store.pods_on_node(node.name)))

    def _node_view(self, node: Node) -> RenderableType:
        book = self.model.nodes
        state = node_state(node, node.name in book.draining)
        usage = book.usage.get(node.name)
        table = Table.grid(padding=(0, 1))
        table.add_column(style="#8a8a8a", no_wrap=True)
        table.add_column()
        zone = node.zone or "(no zone)"
        table.add_row(
            "node",
            Text.assemble(
                (node.name, "bold"), f"  zone {zone}" + (f", pool {node.pool}" if node.pool else "")
            ),
        )
        ready_style = "bold #5fd75f" if node.ready == "True" else "bold #ff5f5f"
        table.add_row("state", Text(state, style=ready_style))
        table.add_row("Ready", Text(node.ready, style=ready_style))
        if node.name in book.silent:
            table.add_row("kubelet", Text("silent: lease not renewing (crashed or cut off)", style="#ff8700"))
        table.add_row("schedulable", "no (cordoned)" if node.unschedulable else "yes")
        if node.name in book.draining:
            table.add_row("drain", Text("in progress", style="#d787ff"))
        taints = ", ".join(f"{t.key}{'=' + t.value if t.value else ''}:{t.effect}" for t in node.taints)
        table.add_row("taints", taints or "none")
        cpu, memory = node.allocatable.get("cpu", 0), node.allocatable.get("memory", 0)
        used_cpu, used_mem, pods = (usage.cpu, usage.memory, usage.pods) if usage else (0, 0, 0)
        table.add_row("cpu", f"{format_cpu(used_cpu)} of {format_cpu(cpu)} requested ({_pct(used_cpu, cpu)})")
        table.add_row(
            "memory",
            f"{format_memory(used_mem)} of {format_memory(memory)} requested ({_pct(used_mem, memory)})",
        )
        table.add_row("pods", f"{pods} of {node.allocatable.get('pods', 0)}")
        return table

    def _set_pods(self, pods: list[Pod]) -> None:
        option_list = self.query_one("#inspector-pods", OptionList)
        workloads = self.model.workloads
        pods = sorted(pods, key=lambda p: (p.namespace, p.name))
        ids = [f"{p.namespace}/{p.name}" for p in pods]
        highlighted = option_list.highlighted
        keep = (
            self._pod_ids[highlighted]
            if highlighted is not None and highlighted < len(self._pod_ids)
            else None
        )
        options = []
        for pod, pod_id in zip(pods, ids, strict=True):
            colour = workload_colour(workloads.colour(workloads.of(pod)))
            prompt = Text.assemble((pod_glyph(pod) + " ", colour), (pod.name, "bold"), f"  {pod_status(pod)}")
            options.append(Option(prompt, id=pod_id))
        option_list.set_options(options)
        self._pod_ids = ids
        if keep in ids:
            option_list.highlighted = ids.index(keep)
        elif ids:
            option_list.highlighted = 0
        option_list.border_title = f"{len(pods)} pods (enter: inspect)"

    def _pod_view(self, namespace: str, name: str) -> RenderableType:
        pod = self.model.pod_by_key(namespace, name)
        parts: list[RenderableType] = []
        if pod is None or (self._pod_uid and pod.uid != self._pod_uid):
            parts.append(Text(f"pod {namespace}/{name} was deleted", style="italic #ffaf5f"))
            parts += self._history(self._pod_uid)
            return Group(*parts)
        table = Table.grid(padding=(0, 1))
        table.add_column(style="#8a8a8a", no_wrap=True)
        table.add_column()
        table.add_row("pod", Text(f"{namespace}/{name}", style="bold"))
        table.add_row("owner", self._owner_text(pod))
        node = self.model.nodes.get(pod.node_name) if pod.node_name else None
        table.add_row("node", f"{pod.node_name} (zone {node.zone or '-'})" if node else "(not scheduled)")
        table.add_row(
            "status", pod_status(pod) + (f", {pod.restart_count} restarts" if pod.restart_count else "")
        )
        table.add_row("image", pod.image)
        request = pod_request(pod.spec)
        table.add_row("requests", f"cpu {format_cpu(request.cpu)}, memory {format_memory(request.memory)}")
        if pod.priority:
            table.add_row("priority", str(pod.priority))
        parts.append(table)
        parts.append(Text("\n(escape: back to the node)", style="italic #6c6c6c"))
        parts += self._history(pod.uid)
        parts.append(Text("\nWhy this node: the scheduler's explanation", style="bold underline"))
        latest = self.model.explains.latest(namespace, name)
        if latest is not None and latest[0] >= pod.creation_timestamp:
            t, record = latest
            parts.append(Text(f"attempt at {format_clock(t, tenths=True)}", style="#8a8a8a"))
            parts.append(explain_table(record))
        elif not self.model.explaining:
            parts.append(
                Text(
                    "explain recording is off (press e to record the scheduler's next decisions)",
                    style="italic",
                )
            )
        else:
            parts.append(Text("no scheduling attempt recorded for this pod", style="italic"))
        return Group(*parts)

    def _owner_text(self, pod: Pod) -> Text:
        ref = pod.controller_ref
        if ref is None:
            return Text("none (a bare pod)")
        text = Text(f"{ref.kind}/{ref.name}")
        if ref.kind == "ReplicaSet":
            rs = self.model.sim.store.get("ReplicaSet", pod.namespace, ref.name)
            if rs is not None and rs.controller_ref is not None:
                text.append(f" → {rs.controller_ref.kind}/{rs.controller_ref.name}")
        key = self.model.workloads.of(pod)
        if key is not None:
            text.stylize(workload_colour(self.model.workloads.colour(key)))
            if workload_text(key) not in text.plain:
                text.append(f" ({workload_text(key)})")
        return text

    def _history(self, uid: str) -> list[RenderableType]:
        moments = self.model.pods.history.get(uid, [])
        out: list[RenderableType] = [Text("\nHistory", style="bold underline")]
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="#8a8a8a", no_wrap=True)
        grid.add_column()
        for t, text in moments:
            grid.add_row(format_clock(t, tenths=True), text)
        out.append(grid)
        return out


def _pct(used: int, total: int) -> str:
    return f"{used / total * 100:.0f}%" if total else "-"
