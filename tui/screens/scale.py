"""The ``s`` dialog: how many replicas the selected workload should have."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

__all__ = ["ScaleScreen"]


class ScaleScreen(ModalScreen[int | None]):
    """Ask for a replica count; enter scales, escape cancels (the result is the count, or None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    ScaleScreen { align: center middle; }
    ScaleScreen > Vertical {
        width: 50; height: auto; padding: 1 2; border: thick $accent; background: $surface;
    }
    ScaleScreen Input { margin-top: 1; }
    """

    def __init__(self, target: str, current: int) -> None:
        super().__init__()
        self.target = target
        self.current = current

    def compose(self) -> ComposeResult:
        """A question and a number field (pre-filled with the current count, selected so typing replaces it)."""
        with Vertical():
            yield Label(f"Scale {self.target} (now {self.current} replicas) to:")
            yield Input(value=str(self.current), type="integer", id="replicas")
            yield Label("enter: scale   escape: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: scale to the number given (a blank or negative entry cancels)."""
        event.stop()
        try:
            replicas = int(event.value)
        except ValueError:
            self.dismiss(None)
            return
        self.dismiss(replicas if replicas >= 0 else None)

    def action_cancel(self) -> None:
        """Escape."""
        self.dismiss(None)
