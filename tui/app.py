"""``KubesimApp``: the Textual app that shows a simulation and lets a student steer it.

The app owns three things and glues them to the widgets:

* a ``Session`` (the simulation and the user's recorded actions),
* a ``ClusterModel`` (books fed by the store's watch stream, which the widgets read), and
* a ``Playback`` (play/pause, speed, and the slicing that advances the engine).

A Textual interval timer calls ``_tick`` every ``TICK_SECONDS``: it runs queued actions, advances the engine by
``speed x wall time`` (never longer than ``SIM_BUDGET_SECONDS`` of wall time, so a frame stays short even at
maximum speed on a big cluster), then lets each widget redraw what changed. Watching changes nothing in the run:
the engine only ever sees ``run(until=...)`` and ``step()``, and actions run at recorded virtual times.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Footer, Header

from tui.actions import ROLLOUT_KINDS, SCALABLE_KINDS, next_image
from tui.model import ClusterModel, WorkloadKey, workload_text
from tui.playback import Playback, format_speed
from tui.screens import HelpScreen, ScaleScreen
from tui.session import ActionOutcome, Session
from tui.widgets import ClusterMap, EventStream, Inspector, LessonPanel, Timeline, WorkloadList

__all__ = ["DEFAULT_SAVE_NAME", "KubesimApp"]

TICK_SECONDS = 1 / 20
SIM_BUDGET_SECONDS = 0.02  # wall time a frame may spend running the engine
ACTION_BUDGET_SECONDS = 0.2  # wall time a key press may spend finishing the current instant before its action
# How often (wall seconds) the slower-moving panels redraw while playing: text a person reads does not need
# 20 updates a second, and each of these repaints costs more than the map's changed lines.
INSPECTOR_PERIOD_SECONDS = 0.25
WORKLOADS_PERIOD_SECONDS = 0.25
EVENTS_PERIOD_SECONDS = 0.1
GAUGES_PERIOD_SECONDS = 0.1
GC_FREEZE_PERIOD_SECONDS = 5.0  # see _collect_garbage
GC_SWEEP_IDLE_SECONDS = 2.0
GC_SWEEP_PLAYING_SECONDS = 120.0
SAMPLE_INTERVAL = 10.0  # virtual seconds per timeline column
DEFAULT_SAVE_NAME = "kubesim-session.yaml"

# Keys that act on the simulation: refused while a dialog or the help is open (a key meant for the dialog must
# not crash a node behind it).
_SIM_ACTIONS = frozenset(
    (
        "toggle_play", "faster", "slower", "step", "crash", "recover", "cordon", "drain", "scale", "rollout",
        "save", "toggle_explain",
    )
)  # fmt: skip


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
        self.frame_times: list[float] = []  # wall seconds of each tick (benchmarks read them)
        self._last_tick = time.perf_counter()
        self._inspector_nodes: set[str] = set()
        self._inspector_pods: set[str] = set()
        self._last_update: dict[str, float] = {}
        self._last_freeze = self._last_sweep = 0.0
        self._frozen = False  # frozen since the last sweep
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

    @property
    def cluster_map(self) -> ClusterMap:
        """The cluster map widget."""
        return self._widgets["map"]  # type: ignore[return-value]

    @property
    def inspector(self) -> Inspector:
        """The inspector widget."""
        return self._widgets["inspector"]  # type: ignore[return-value]

    @property
    def workload_list(self) -> WorkloadList:
        """The workload list widget."""
        return self._widgets["workloads"]  # type: ignore[return-value]

    @property
    def event_stream(self) -> EventStream:
        """The event stream widget."""
        return self._widgets["events"]  # type: ignore[return-value]

    @property
    def timeline(self) -> Timeline:
        """The timeline widget."""
        return self._widgets["timeline"]  # type: ignore[return-value]

    def on_mount(self) -> None:
        """Start the frame timer, draw the first frame, and show the loader's warnings."""
        self.cluster_map.focus()
        self.workload_list.update_workloads(force=True)
        self.refresh_views(force=True)
        for warning in self.session.source.warnings:
            self.notify(warning, severity="warning", timeout=10)
        self._last_tick = time.perf_counter()
        self._last_freeze = self._last_sweep = self._last_tick
        gc.freeze()  # the simulation as loaded
        self.set_interval(TICK_SECONDS, self._tick)

    def on_unmount(self) -> None:
        """Give the frozen objects back to the collector (see ``_collect_garbage``)."""
        gc.unfreeze()

    # -- the frame ----------------------------------------------------------------------------------------------
    def _tick(self) -> None:
        started = time.perf_counter()
        wall_dt, self._last_tick = started - self._last_tick, started
        deadline = started + SIM_BUDGET_SECONDS
        self._report(self.session.flush(deadline))
        if self.playback.playing:
            self.playback.tick(wall_dt, deadline)
            if self.playback.finished:
                self.notify("the scenario has ended (ctrl+s saves the session)", timeout=5)
        self.refresh_views()
        self._collect_garbage(started)
        self.frame_times.append(time.perf_counter() - started)
        if len(self.frame_times) > 10_000:
            del self.frame_times[:5_000]

    def _collect_garbage(self, now: float) -> None:
        """Keep CPython's cyclic collector from stalling frames, without leaking.

        Why: a simulation holds millions of long-lived objects, and the collector's full collections walk them
        all: 100 to 200 ms at 1,000 nodes, a visible stall (the engine pauses the collector while it runs for
        the same reason). So while playing, what exists is moved into the permanent generation every few
        seconds (``gc.freeze``, which scans nothing) and the automatic collections only see what is newer.
        Frozen objects are never collected, though, and Textual's strips form reference cycles, so a strip
        alive at a freeze and dropped later would leak; a full sweep (unfreeze, collect, freeze) reclaims them
        when playback is paused (nobody is watching the clock then) and, while playing, every couple of
        minutes.
        """
        playing = self.playback.playing
        since_sweep = now - self._last_sweep
        if self._frozen and since_sweep >= (GC_SWEEP_PLAYING_SECONDS if playing else GC_SWEEP_IDLE_SECONDS):
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._last_sweep = self._last_freeze = now
            self._frozen = False
        elif playing and now - self._last_freeze >= GC_FREEZE_PERIOD_SECONDS:
            gc.freeze()
            self._last_freeze = now
            self._frozen = True

    def refresh_views(self, force: bool = False) -> None:
        """Let every widget redraw what changed since the last frame (``force``: the inspector at once too)."""
        dirty = self.model.nodes.take_dirty()
        changed = self.model.pods.take_changed()
        now = time.perf_counter()
        self.cluster_map.update_nodes(dirty)
        self.timeline.update_if_changed(gauges=self._due("gauges", GAUGES_PERIOD_SECONDS, now, force))
        if self._due("events", EVENTS_PERIOD_SECONDS, now, force):
            self.event_stream.update_events()
        if self._due("workloads", WORKLOADS_PERIOD_SECONDS, now, force):
            self.workload_list.update_workloads()
        self._inspector_nodes |= dirty
        self._inspector_pods |= changed
        if self._due("inspector", INSPECTOR_PERIOD_SECONDS, now, force):
            self.inspector.update_if_changed(self._inspector_nodes, self._inspector_pods)
            self._inspector_nodes = set()
            self._inspector_pods = set()

    def _due(self, panel: str, period: float, now: float, force: bool) -> bool:
        """Whether ``panel`` should redraw now (and if so, note that it did)."""
        if force or now - self._last_update.get(panel, 0.0) >= period:
            self._last_update[panel] = now
            return True
        return False

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

    def action_quit(self) -> None:  # type: ignore[override]
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
