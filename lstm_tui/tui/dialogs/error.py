"""An error the user can act on: what went wrong and what to do about it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from lstm_tui.engine.data.textfile import neutralise


class ErrorDialog(ModalScreen[None]):
    """Shows `message` (neutralised) and an optional `hint`; Enter or Escape closes it."""

    AUTO_FOCUS = "#ok"  # Textual focuses it when the dialog opens (no query before mount)

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, title: str, message: str, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        """The dialog's heading."""
        self.message = message
        """What went wrong (often the engine's one-line UserError)."""
        self.hint = hint
        """What to do next."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-error"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(Text(neutralise(self.message)), classes="dialog-body")
            if self.hint:
                yield Static(Text(neutralise(self.hint)), classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)
