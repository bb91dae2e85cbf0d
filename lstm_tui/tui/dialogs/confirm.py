"""A yes/no question (used before deleting a run folder)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from lstm_tui.engine.data.textfile import neutralise


class ConfirmDialog(ModalScreen[bool]):
    """Asks `question`; dismisses with True for yes, False for no or Escape."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel")]

    def __init__(self, title: str, question: str, yes: str = "Yes", no: str = "Cancel", danger: bool = True) -> None:
        super().__init__()
        self.title_text = title
        """The dialog's heading."""
        self.question = question
        """What is being asked (plain text, never markup)."""
        self.yes = yes
        """Label of the confirming button."""
        self.no = no
        """Label of the cancelling button."""
        self.danger = danger
        """True when yes destroys something (red button, focus starts on cancel)."""
        self.AUTO_FOCUS = "#no" if danger else "#yes"  # focused by Textual when the dialog opens

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(Text(neutralise(self.question)), classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="error" if self.danger else "primary", id="yes")
                yield Button(self.no, id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
