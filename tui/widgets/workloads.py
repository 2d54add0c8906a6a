"""The workload list: each workload's ready/desired count and a sparkline of it, in its map colour.

It is also where ``s`` (scale) and ``u`` (rolling update) find their target: the highlighted workload (moving in
the list highlights; inspecting a pod highlights the pod's workload).
"""

from __future__ import annotations

from rich.text import Span, Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.glyphs import sparkline, workload_colour
from tui.model import ClusterModel, WorkloadKey, workload_text

__all__ = ["WorkloadList"]

_SPARK = 12


class WorkloadList(OptionList):
    """Workloads with ready/desired; the highlighted one is the target of ``s`` and ``u``."""

    class WorkloadHighlighted(Message):
        """The highlighted workload changed."""

        def __init__(self, key: WorkloadKey) -> None:
            super().__init__()
            self.key = key

    def __init__(self, model: ClusterModel, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.model = model
        self.keys: list[WorkloadKey] = []
        self._version = -1
        self._signatures: list[tuple[str, tuple[Span, ...]]] = []

    @property
    def selected(self) -> WorkloadKey | None:
        """The highlighted workload."""
        index = self.highlighted
        return self.keys[index] if index is not None and index < len(self.keys) else None

    def select_workload(self, key: WorkloadKey) -> None:
        """Highlight ``key`` (e.g. the workload of the pod being inspected)."""
        if key not in self.keys:
            self.update_workloads(force=True)
        if key in self.keys:
            self.highlighted = self.keys.index(key)

    def update_workloads(self, force: bool = False) -> None:
        """Redraw after a new timeline sample (counts and sparklines come from the samples)."""
        series = self.model.series
        if series.version == self._version and not force:
            return
        self._version = series.version
        samples = list(series.samples)[-_SPARK:]
        counts = samples[-1].workloads if samples else {}
        keys = sorted(counts, key=lambda k: (k[1], k[2], k[0])) if counts else self._current_keys()
        prompts = []
        workloads = self.model.workloads
        for key in keys:
            ready, desired = counts.get(key, (0, 0))
            history = [
                (min(s.workloads[key][0], s.workloads[key][1]) / s.workloads[key][1])
                if key in s.workloads and s.workloads[key][1]
                else None
                for s in samples
            ]
            colour = workload_colour(workloads.colour(key))
            style = "bold #5fd75f" if ready >= desired else "bold #ffaf5f"
            prompts.append(
                Text.assemble(
                    ("● ", colour),
                    (f"{workload_text(key):<26}", "bold"),
                    (f"{ready:>3}/{desired:<3}", style),
                    " ",
                    (sparkline(history, 0.0, 1.0), colour),
                )
            )
        signatures = [(p.plain, tuple(p.spans)) for p in prompts]
        if keys == self.keys:
            for index, prompt in enumerate(prompts):
                if signatures[index] != self._signatures[index]:
                    self.replace_option_prompt_at_index(index, prompt)
            self._signatures = signatures
            return
        self._signatures = signatures
        selected = self.selected
        self.keys = keys
        self.set_options([Option(prompt) for prompt in prompts])
        if selected in keys:
            self.highlighted = keys.index(selected)
        elif keys:
            self.highlighted = 0

    def _current_keys(self) -> list[WorkloadKey]:
        return sorted(
            (key for key, _r, _d in self.model.sim.metrics.workload_counts()),
            key=lambda k: (k[1], k[2], k[0]),
        )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Tell the app which workload ``s`` and ``u`` now act on."""
        event.stop()
        key = self.selected
        if key is not None:
            self.post_message(self.WorkloadHighlighted(key))
