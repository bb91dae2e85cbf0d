"""Quitting while a training runs: stop it (and wait for its checkpoint) or leave it running."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from lstm_tui.engine.data.textfile import neutralise


class QuitDialog(ModalScreen[str]):
    """Dismisses with "stop", "keep" or "cancel"."""

    AUTO_FOCUS = "#cancel"  # Textual focuses it when the dialog opens (no query before mount)

    BINDINGS = [Binding("escape", "dismiss('cancel')", "Cancel")]

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder
        """The run folder of the training that is still running."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("A training is still running", classes="dialog-title")
            yield Static(
                Text(
                    f"It trains {neutralise(self.folder)}.\n\n"
                    "Stop it: it finishes the current step, saves a checkpoint you can resume, then the app quits.\n"
                    "Keep it: the app quits and the training goes on in the background; watch it later "
                    "from the Models screen (F4)."
                ),
                classes="dialog-body",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Stop and quit", variant="warning", id="stop")
                yield Button("Keep running", variant="primary", id="keep")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")
