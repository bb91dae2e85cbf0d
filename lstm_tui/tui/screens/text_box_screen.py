"""A screen whose text box (`GhostEditor`) has the text commands: a new text, copy, open and save.

The predict screen is one; these commands touch only the text box and the files, never the model.
"""

from __future__ import annotations

from pathlib import Path

from textual.screen import Screen

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.tui.dialogs.text_file import TextFileDialog, open_text, save_text
from lstm_tui.tui.widgets.ghost_editor import GhostEditor


class TextBoxScreen(Screen):
    """The text box's commands (a subclass composes the `GhostEditor` and binds the keys)."""

    def __init__(self) -> None:
        super().__init__()
        self.text_path = ""
        """The file last opened or saved (the next save starts from it)."""

    def action_clear_text(self) -> None:
        """Start a new text (ctrl+z brings the old one back)."""
        editor = self.query_one(GhostEditor)
        if editor.text:
            editor.clear()
            self.notify("ctrl+z brings the old text back", title="New text", timeout=3, markup=False)
        editor.focus()

    def action_copy_text(self) -> None:
        """Copy the selection, or the whole text when nothing is selected, to the clipboard."""
        editor = self.query_one(GhostEditor)
        text = editor.selected_text or editor.text
        if not text:
            self.notify("the text box is empty: nothing to copy", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"{len(text):,} characters (through the terminal: in tmux, set-clipboard on)",
                    title="Copied", timeout=4, markup=False)

    def action_open_file(self) -> None:
        """Ask for a text file and put its text in the box (ctrl+z brings the old text back)."""
        editor = self.query_one(GhostEditor)

        def read(path: Path) -> None:
            text = open_text(path)
            editor.replace(text, (0, 0), editor.document.end)
            self.text_path = str(path)

        self.app.push_screen(TextFileDialog("Open a text file into the text box", "Open", read, self.text_path),
                             lambda path: editor.focus())

    def action_save_file(self) -> None:
        """Ask for a file name and save the text there (asking before replacing a file)."""
        editor = self.query_one(GhostEditor)

        def write(path: Path) -> None:
            save_text(path, editor.text)
            self.text_path = str(path)

        def saved(path: Path | None) -> None:
            if path is not None:
                self.notify(neutralise(str(path)), title="Saved", timeout=3, markup=False)
            editor.focus()

        self.app.push_screen(TextFileDialog("Save the text to a file", "Save", write, self.text_path, confirm_existing=True), saved)
