"""``KubesimApp``: the Textual app that shows a simulation and lets a student steer it.

The app owns three things and glues them to the widgets:

* a ``Session`` (the simulation and the user's recorded actions),
* a ``ClusterModel`` (books fed by the store's watch stream, which the widgets read), and
* a ``Playback`` (play/pause, speed, and the slicing that advances the engine).

A Textual interval timer calls ``frame`` every ``TICK_SECONDS``: it runs a step of garbage collection
(``GcPacer``) and the queued actions, advances the engine by ``speed x wall time`` (until ``SIM_BUDGET_SECONDS``
of wall time from the frame's start are used, so a frame stays short even at maximum speed on a big cluster), then
lets each widget redraw what changed, which Textual paints right after. Watching changes nothing in the run: the
engine only ever sees ``run(until=...)`` and ``step()``, and actions run at recorded virtual times.

Why a frame sometimes only simulates and the next one draws first: an engine event cannot be split, and one
scheduling cycle can take tens of milliseconds on a big cluster. So each part of a frame starts only if the frame
has time left for it: the slice if collection and actions took less than ``SLICE_START_LIMIT_SECONDS``, the
redraw if everything before it took at most ``DRAW_CUTOFF_SECONDS``. A skipped redraw is owed to the next frame,
which draws first and then simulates only events expected to end within the budget. A frame thus costs at most
about the cutoff plus a redraw, or a single part that is long on its own (one slow event, one collection step).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Footer, Header

from tui.actions import ROLLOUT_KINDS, SCALABLE_KINDS, next_image
from tui.gc_pacer import GcPacer
from tui.model import ClusterModel, WorkloadKey, workload_text
from tui.playback import Playback, format_speed
from tui.screens import HelpScreen, ScaleScreen
from tui.session import ActionOutcome, Session
from tui.widgets import ClusterMap, EventStream, Inspector, LessonPanel, Timeline, WorkloadList

__all__ = ["DEFAULT_SAVE_NAME", "KubesimApp", "panels_due"]

TICK_SECONDS = 1 / 20
SIM_BUDGET_SECONDS = 0.02  # wall time from a frame's start until the engine slice stops
DRAW_CUTOFF_SECONDS = 0.026  # a frame whose parts before the redraw took longer leaves it to the next frame
SLICE_START_LIMIT_SECONDS = 0.008  # a frame whose collection and actions took longer does not simulate
ACTION_BUDGET_SECONDS = 0.2  # wall time a key press may spend finishing the current instant before its action
# How often (wall seconds) the slower-moving panels redraw while playing: text a person reads does not need
# 20 updates a second, and each of these repaints costs more than the map's changed lines. At most one of them
# redraws in a frame (the one waiting longest), so that their costs do not pile up in one frame.
PANEL_PERIODS_SECONDS = {"events": 0.1, "gauges": 0.1, "workloads": 0.25, "inspector": 0.25}
SAMPLE_INTERVAL = 10.0  # virtual seconds per timeline column
DEFAULT_SAVE_NAME = "kubesim-session.yaml"

_W = TypeVar("_W", bound=Widget)

# Keys that act on the simulation: refused while a dialog or the help is open (a key meant for the dialog must
# not crash a node behind it).
_SIM_ACTIONS = frozenset(
    (
        "toggle_play", "faster", "slower", "step", "crash", "recover", "cordon", "drain", "scale", "rollout",
        "save", "toggle_explain",
    )
)  # fmt: skip


def panels_due(last_update: dict[str, float], now: float, force: bool = False) -> tuple[str, ...]:
    """The slow panels to redraw at wall time ``now``: all of ``PANEL_PERIODS_SECONDS`` if ``force``, else the
    one overdue the longest, if any. Notes the redraw in ``last_update`` (panel -> wall time of its last one)."""
    if force:
        due: tuple[str, ...] = tuple(PANEL_PERIODS_SECONDS)
    else:
        overdue = [
            (now - last_update.get(panel, -math.inf) - period, panel)
            for panel, period in PANEL_PERIODS_SECONDS.items()
            if now - last_update.get(panel, -math.inf) >= period
        ]
        due = (max(overdue)[1],) if overdue else ()
    for panel in due:
        last_update[panel] = now
    return due


class KubesimApp(App[int]):
    """The kubesim terminal UI.

    Args:
        session: the simulation to show.
        autoplay: start playing at once (tests and screenshots start paused).
        save_path: where ``ctrl+s`` writes the session (default ``kubesim-session.yaml`` in the working
            directory).
        explain: record the scheduler's explanations (default: on for clusters up to 300 nodes).
    """

    CSS_PATH = "app.tcss"
    TITLE = "kubesim"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_play", "Play/Pause"),
        Binding("plus,equals_sign", "faster", "Faster", key_display="+"),
        Binding("minus,underscore", "slower", "Slower", key_display="-"),
        Binding("full_stop", "step", "Step", key_display="."),
        Binding("f", "crash", "Crash node"),
        Binding("r", "recover", "Recover"),
        Binding("c", "cordon", "Cordon"),
        Binding("d", "drain", "Drain"),
        Binding("s", "scale", "Scale"),
        Binding("u", "rollout", "Update"),
        Binding("ctrl+s", "save", "Save"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("e", "toggle_explain", "Explain", show=False),
        Binding("m", "cycle_map", "Map density", show=False),
        Binding("l", "toggle_lesson", "Lesson", show=False),
        Binding("slash", "focus_filter", "Filter events", show=False, key_display="/"),
        Binding("escape", "back_to_node", "Back to the node", show=False),
    ]

    def __init__(
        self,
        session: Session,
        *,
        autoplay: bool = True,
        save_path: str | Path | None = None,
        explain: bool | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.sim = session.sim
        self.model = ClusterModel(session.sim, explain=explain)
        self.playback = Playback(
            session.sim, session.duration, sample=self.model.sample, sample_interval=SAMPLE_INTERVAL
        )
        self.playback.playing = autoplay
        self.save_path = Path(save_path) if save_path is not None else Path.cwd() / DEFAULT_SAVE_NAME
        self.sub_title = session.source.title
        self._last_tick = time.perf_counter()
        self._inspector_nodes: set[str] = set()
        self._inspector_pods: set[str] = set()
        self._last_update: dict[str, float] = {}
        self._draw_owed = False  # the last frame ran out of time before its redraw: this one draws first
        self.gc_pacer = GcPacer()
        # the main screen's widgets, kept so that frames can update them while a dialog is on top
        self._widgets: dict[str, Widget] = {}

    # -- layout -------------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """Map (and a lesson's explanation) and timeline on the left; inspector, workloads and events on the
        right. A lesson's cluster is small, so its explanation takes the room under the map."""
        yield Header(show_clock=False, icon="⎈")
        with Horizontal(id="main"):
            lesson_class = "with-lesson" if self.session.source.lesson_markdown is not None else ""
            with Vertical(id="left", classes=lesson_class):
                cluster = ClusterMap(self.model, id="map")
                cluster.border_title = "Cluster"
                self._widgets["map"] = cluster
                yield cluster
                if self.session.source.lesson_markdown is not None:
                    lesson = LessonPanel(self.session.source.lesson_markdown, id="lesson")
                    lesson.border_title = f"Lesson: {self.session.source.lesson} (l: hide)"
                    yield lesson
                timeline = Timeline(self.model, self.playback, id="timeline")
                timeline.border_title = "Timeline"
                self._widgets["timeline"] = timeline
                yield timeline
            with Vertical(id="right"):
                inspector = Inspector(self.model, id="inspector")
                inspector.border_title = "Inspector"
                self._widgets["inspector"] = inspector
                yield inspector
                workloads = WorkloadList(self.model, id="workloads")
                workloads.border_title = "Workloads (s: scale, u: update)"
                self._widgets["workloads"] = workloads
                yield workloads
                events = EventStream(self.model.events, id="events")
                events.border_title = "Events (/: filter)"
                self._widgets["events"] = events
                yield events
        yield Footer()

    def _widget(self, key: str, kind: type[_W]) -> _W:
        widget = self._widgets[key]
        assert isinstance(widget, kind)
        return widget

    @property
    def cluster_map(self) -> ClusterMap:
        """The cluster map widget."""
        return self._widget("map", ClusterMap)

    @property
    def inspector(self) -> Inspector:
        """The inspector widget."""
        return self._widget("inspector", Inspector)

    @property
    def workload_list(self) -> WorkloadList:
        """The workload list widget."""
        return self._widget("workloads", WorkloadList)

    @property
    def event_stream(self) -> EventStream:
        """The event stream widget."""
        return self._widget("events", EventStream)

    @property
    def timeline(self) -> Timeline:
        """The timeline widget."""
        return self._widget("timeline", Timeline)

    def on_mount(self) -> None:
        """Start the frame timer, draw the first frame, and show the loader's warnings."""
        self.cluster_map.focus()
        self.workload_list.update_workloads(force=True)
        self.refresh_views(force=True)
        for warning in self.session.source.warnings:
            self.notify(warning, severity="warning", timeout=10)
        self._last_tick = time.perf_counter()
        self.set_interval(TICK_SECONDS, self.frame)

    def on_unmount(self) -> None:
        """Hand garbage collection back to CPython (see ``tui.gc_pacer``)."""
        self.gc_pacer.stop()

    # -- the frame ----------------------------------------------------------------------------------------------
    def frame(self) -> None:
        """One frame (the timer calls it every ``TICK_SECONDS``): a step of garbage collection, the queued
        actions, then an engine slice or a redraw or both (see the module docstring)."""
        if not self.is_running:  # shutting down: the widgets may be gone already
            return
        started = time.perf_counter()
        playing = self.playback.playing
        if not self.gc_pacer.running:
            # from the first frame on, after the first paint: what that made is frozen with the simulation
            self.gc_pacer.start(started)
        self.gc_pacer.frame(started, playing)
        deadline = started + SIM_BUDGET_SECONDS
        self._report(self.session.flush(deadline))
        perf = time.perf_counter
        owed = self._draw_owed
        if playing and not owed and perf() - started < SLICE_START_LIMIT_SECONDS:
            self._slice(started, deadline, at_least_one=True)
        if perf() - started <= DRAW_CUTOFF_SECONDS:
            self._draw_owed = False
            self.refresh_views()
            if playing and owed and perf() - started < SLICE_START_LIMIT_SECONDS:
                # the rest of the budget, but only for events expected to fit: a slow one waits for a fresh frame
                self._slice(started, deadline, at_least_one=False)
        else:
            self._draw_owed = True

    def _slice(self, started: float, deadline: float, at_least_one: bool) -> None:
        wall_dt, self._last_tick = started - self._last_tick, started
        self.playback.tick(wall_dt, deadline, at_least_one)
        if self.playback.finished:
            self.notify("the scenario has ended (ctrl+s saves the session)", timeout=5)

    def refresh_views(self, force: bool = False) -> None:
        """Let every widget redraw what changed since the last frame (``force``: every slow panel at once too)."""
        dirty = self.model.nodes.take_dirty()
        changed = self.model.pods.take_changed()
        self.cluster_map.update_nodes(dirty)
        self._inspector_nodes |= dirty
        self._inspector_pods |= changed
        due = panels_due(self._last_update, time.perf_counter(), force)
        self.timeline.update_if_changed(gauges="gauges" in due)
        if "events" in due:
            self.event_stream.update_events()
        if "workloads" in due:
            self.workload_list.update_workloads()
        if "inspector" in due:
            self.inspector.update_if_changed(self._inspector_nodes, self._inspector_pods)
            self._inspector_nodes = set()
            self._inspector_pods = set()

    def advance(self, seconds: float) -> None:
        """Run ``seconds`` of virtual time at once and redraw (for scripts and tests; the timer does the same
        in frames)."""
        self.session.flush()
        self.playback.advance_to(min(self.sim.now + seconds, self.playback.until))
        self.refresh_views(force=True)

    # -- messages from the widgets ------------------------------------------------------------------------------
    def on_cluster_map_node_selected(self, message: ClusterMap.NodeSelected) -> None:
        """Inspect the node selected on the map."""
        self.inspector.show_node(message.node)

    def on_inspector_pod_chosen(self, message: Inspector.PodChosen) -> None:
        """Inspect the pod chosen in the node's pod list; its workload becomes the target of ``s``/``u``."""
        self.inspect_pod(message.pod_namespace, message.pod_name)

    def inspect_pod(self, namespace: str, name: str) -> None:
        """Show pod ``namespace/name`` in the inspector and highlight its workload."""
        self.inspector.show_pod(namespace, name)
        pod = self.model.pod_by_key(namespace, name)
        if pod is not None:
            key = self.model.workloads.of(pod)
            if key is not None:
                self.workload_list.select_workload(key)

    # -- keys ---------------------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Simulation keys do nothing while a dialog or the help is open."""
        return not (
            len(self.screen_stack) > 1 and (action in _SIM_ACTIONS or action in ("scale", "rollout", "save"))
        )

    def action_toggle_play(self) -> None:
        """space: play / pause."""
        if self.playback.finished:
            self.notify("the scenario has ended")
            return
        self.playback.playing = not self.playback.playing
        self._last_tick = time.perf_counter()
        self.timeline.update_if_changed()

    def action_faster(self) -> None:
        """+: one speed step up."""
        self.playback.faster()
        self.timeline.update_if_changed()

    def action_slower(self) -> None:
        """-: one speed step down."""
        self.playback.slower()
        self.timeline.update_if_changed()

    def action_step(self) -> None:
        """.: pause and run to the next event."""
        self.playback.playing = False
        self.session.flush()
        self.playback.step_event()
        self.refresh_views(force=True)

    def action_crash(self) -> None:
        """f: crash the selected node."""
        self._node_action("crashNode")

    def action_recover(self) -> None:
        """r: recover the selected node."""
        self._node_action("recoverNode")

    def action_cordon(self) -> None:
        """c: cordon the selected node, or uncordon it if it is cordoned."""
        node = self._selected_node()
        if node is not None:
            obj = self.model.nodes.get(node)
            self._submit("uncordon" if obj is not None and obj.unschedulable else "cordon", node=node)

    def action_drain(self) -> None:
        """d: drain the selected node."""
        self._node_action("drain")

    def action_scale(self) -> None:
        """s: ask for a replica count and scale the selected workload."""
        key = self._selected_workload(SCALABLE_KINDS, "scale")
        if key is None:
            return
        kind, namespace, name = key
        obj = self.sim.store.get(kind, namespace, name)
        current = int(getattr(obj, "replicas", 0))

        def scale(replicas: int | None) -> None:
            if replicas is not None:
                self._submit("scale", target=f"{kind}/{name}", replicas=replicas, namespace=namespace)

        self.push_screen(ScaleScreen(workload_text(key), current), scale)

    def action_rollout(self) -> None:
        """u: roll the selected workload out to the next image tag."""
        key = self._selected_workload(ROLLOUT_KINDS, "update")
        if key is None:
            return
        kind, namespace, name = key
        obj = self.sim.store.get(kind, namespace, name)
        containers = obj.template.spec.containers if obj is not None else ()
        if not containers:
            self.notify(f"{workload_text(key)} has no container", severity="warning")
            return
        self._submit(
            "rollout", target=f"{kind}/{name}", image=next_image(containers[0].image), namespace=namespace
        )

    def action_save(self) -> None:
        """ctrl+s: write the session as a scenario file."""
        try:
            path = self.session.save(self.save_path)
        except OSError as err:
            self.notify(f"could not save: {err}", severity="error", timeout=10)
            return
        count = len(self.session.recorded)
        self.notify(f"saved {count} action{'s' if count != 1 else ''} to {path}", timeout=8)

    def action_help(self) -> None:
        """?: the help screen."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_explain(self) -> None:
        """e: explain recording on or off."""
        self.model.set_explain(not self.model.explaining)
        self.notify("explain recording " + ("on" if self.model.explaining else "off"))
        self.timeline.update_if_changed()

    def action_cycle_map(self) -> None:
        """m: map density auto / tiles / dense."""
        mode = self.cluster_map.cycle_mode()
        self.notify(f"map: {mode}")

    def action_toggle_lesson(self) -> None:
        """l: show or hide the lesson panel."""
        for panel in self.query("#lesson"):
            panel.display = not panel.display

    def action_back_to_node(self) -> None:
        """escape: from an inspected pod back to its node."""
        self.inspector.action_back()

    def action_focus_filter(self) -> None:
        """/: type an event filter."""
        self.query_one("#event-filter").focus()

    async def action_quit(self) -> None:
        """q: leave (the session is not saved unless ctrl+s was pressed)."""
        self.exit(0)

    # -- helpers ------------------------------------------------------------------------------------------------
    def _selected_node(self) -> str | None:
        node = self.cluster_map.selected
        if node is None:
            self.notify("select a node on the map first", severity="warning")
        return node

    def _selected_workload(self, kinds: tuple[str, ...], verb: str) -> WorkloadKey | None:
        key = self.workload_list.selected
        if key is None:
            self.notify("select a workload in the workload list first", severity="warning")
            return None
        if key[0] not in kinds:
            self.notify(f"cannot {verb} a {key[0]} (only {', '.join(kinds)})", severity="warning")
            return None
        return key

    def _node_action(self, action: str) -> None:
        node = self._selected_node()
        if node is not None:
            self._submit(action, node=node)

    def _submit(self, action: str, **params: Any) -> None:
        self.session.submit(action, **params)
        outcomes = self.session.flush(time.perf_counter() + ACTION_BUDGET_SECONDS)
        if not outcomes and self.session.pending:
            self.notify(f"{action}: waiting for the current instant to finish", timeout=3)
        self._report(outcomes)
        self.refresh_views(force=True)

    def _report(self, outcomes: list[ActionOutcome]) -> None:
        for outcome in outcomes:
            at = outcome.action.at
            if outcome.error:
                self.notify(f"{outcome.summary} (t={at:g}s)", severity="error", timeout=6)
            else:
                self.notify(f"{outcome.summary} at t={at:g}s", timeout=4)

    @property
    def status(self) -> str:
        """Playback state in words (``paused ×30 t=300.0``), for scripts and tests."""
        state = "finished" if self.playback.finished else ("playing" if self.playback.playing else "paused")
        return f"{state} {format_speed(self.playback.speed)} t={self.sim.now:.1f}"
