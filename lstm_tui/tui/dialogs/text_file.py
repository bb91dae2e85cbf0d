"""Opening a text file into the text box and saving the box to a file, with the path asked here.

Reading goes through the engine's safe reader (encodings, binary files and every problem as one
line), and what is read is neutralised before it reaches the editor. Saving is atomic, and an
existing file is replaced only after the user confirms it in the dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from lstm_tui.engine.data.textfile import neutralise, read_text_file
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.atomic import atomic_write_text

MAX_OPEN_BYTES = 4_000_000  # refused before reading
MAX_OPEN_CHARS = 200_000  # a character model follows each one: more takes minutes


def open_text(path: Path) -> str:
    """The text of `path` for the editor (neutralised), or a one-line UserError."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UserError(f"cannot open {neutralise(str(path))} ({exc.strerror or exc}); give the path of a text file") from None
    if size > MAX_OPEN_BYTES:
        raise UserError(f"{neutralise(path.name)} is {size:,} bytes, too big for the text box; open a part of it (at most {MAX_OPEN_BYTES:,})")
    text = read_text_file(path).text
    if len(text) > MAX_OPEN_CHARS:
        raise UserError(f"{neutralise(path.name)} holds {len(text):,} characters; the text box takes at most {MAX_OPEN_CHARS:,}")
    return neutralise(text)


def save_text(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (the old file stays whole if writing fails)."""
    if path.is_dir():
        raise UserError(f"{neutralise(str(path))} is a folder; give a file name")
    if not path.parent.is_dir():
        raise UserError(f"there is no folder {neutralise(str(path.parent))}; save into an existing folder")
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise UserError(f"cannot write {neutralise(str(path))} ({exc.strerror or exc}); choose another place") from None


class TextFileDialog(ModalScreen[Path | None]):
    """Asks for a path and calls `act` on it; a UserError from `act` is shown and the dialog stays.
    With `confirm_existing`, an existing file needs a second confirmation. Dismisses with the path."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, action: str, act: Callable[[Path], None], initial: str = "",
                 confirm_existing: bool = False) -> None:
        super().__init__()
        self.title_text = title
        """The dialog's heading."""
        self.action_label = action
        """The label of the button that acts (Open, Save)."""
        self.act = act
        """What to do with the path (raises UserError when it cannot)."""
        self.initial = initial
        """The path the field starts with."""
        self.confirm_existing = confirm_existing
        """True when an existing file must be confirmed before `act` (saving over it)."""
        self._confirmed: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(self.initial, placeholder="a file path ⏎ (relative to the folder lstm-tui started in)", id="file-path")
            yield Static("", id="file-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.action_label, variant="primary", id="act")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#file-path", Input).focus()

    def show_message(self, message: str) -> None:
        """A line under the path field (empty: none)."""
        error = self.query_one("#file-error", Static)
        error.update(Text(neutralise(message)))
        error.set_class(bool(message), "-shown")

    def submit(self) -> None:
        """Act on the path in the field, after a confirmation where it would replace a file."""
        value = self.query_one("#file-path", Input).value.strip()
        if not value:
            self.show_message("type a file path first")
            return
        path = Path(value).expanduser().absolute()
        if self.confirm_existing and path.is_file() and path != self._confirmed:
            self._confirmed = path
            self.query_one("#act", Button).label = "Replace"
            self.show_message(f"{path.name} exists: Replace (or enter again) writes over it")
            return
        try:
            self.act(path)
        except UserError as exc:
            self.show_message(str(exc))
            return
        self.dismiss(path)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._confirmed is not None:  # a new path needs its own confirmation
            self._confirmed = None
            self.query_one("#act", Button).label = self.action_label
            self.show_message("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "act":
            self.submit()
        else:
            self.dismiss(None)
