"""The text box of the predict screen, able to colour each token by its rank under the model.

Inspect mode (F8) hands the box a colouring: for each row it asks which stretches of characters
fall in which rank bucket and styles them through TextArea's public `get_line` hook, with the
colours of `app.tcss` (`.inspect--b0` … `.inspect--b3`; the last also underlined, so the
surprises read without colour). A colouring belongs to one version of the text: after an edit
the rows stay plain until the screen has followed the new text, never misplaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.widgets.text_area import Edit, EditResult, Location, TextAreaTheme

from lstm_tui.tui.widgets.ghost_editor import GhostEditor

BUCKET_CLASSES = ("inspect--b0", "inspect--b1", "inspect--b2", "inspect--b3")
"""One component class per rank bucket, from the model's first choice to beyond its top-k edges."""


class TokenColouring(Protocol):
    """What the box needs from inspect mode to colour it."""

    edit_mark: object
    """The box's `edit_count` the colouring was made for."""

    def bucket_runs(self, start: int, end: int) -> Iterable[tuple[int, int, int]]:
        """(start, end, bucket) stretches of the text's characters [start, end)."""
        ...


class InspectEditor(GhostEditor):
    """The ghost-text editor, plus rank colouring and offset ↔ location helpers for inspect mode."""

    COMPONENT_CLASSES = GhostEditor.COMPONENT_CLASSES | set(BUCKET_CLASSES)

    edit_count = 0
    """Changes to the document so far (edits, undo, redo, loads): names a version of the text."""

    def __init__(self, text: str = "", **kwargs) -> None:
        self.colouring: TokenColouring | None = None
        """The colouring shown (None: plain text)."""
        self._bucket_styles: list[Style] | None = None
        self._line_starts: tuple[int, np.ndarray] | None = None
        super().__init__(text, **kwargs)

    # the text's versions -------------------------------------------------------------------
    def _changed(self) -> None:
        self.edit_count += 1

    def edit(self, edit: Edit) -> EditResult:
        result = super().edit(edit)
        self._changed()
        return result

    def load_text(self, text: str) -> None:
        self._changed()
        super().load_text(text)

    def undo(self) -> None:
        self._changed()
        super().undo()

    def redo(self) -> None:
        self._changed()
        super().redo()

    # offsets --------------------------------------------------------------------------------
    def line_starts(self) -> np.ndarray:
        """Where each document line starts in `text` (computed once per version of the text)."""
        if self._line_starts is None or self._line_starts[0] != self.edit_count:
            document = self.document
            lengths = np.fromiter(map(len, document.lines), dtype=np.int64, count=document.line_count)
            starts = np.zeros(len(lengths), dtype=np.int64)
            np.cumsum(lengths[:-1] + len(document.newline), out=starts[1:])
            self._line_starts = (self.edit_count, starts)
        return self._line_starts[1]

    def offset_of(self, location: Location) -> int:
        """The character offset in `text` of a (row, column) location."""
        row, column = location
        return int(self.line_starts()[row]) + column

    def location_of(self, offset: int) -> Location:
        """The (row, column) location of a character offset in `text` (clamped to the text)."""
        starts = self.line_starts()
        row = max(0, int(np.searchsorted(starts, offset, side="right")) - 1)
        return row, max(0, min(offset - int(starts[row]), len(self.document[row])))

    # colouring ------------------------------------------------------------------------------
    def show_colouring(self, colouring: TokenColouring | None) -> None:
        """Colour the text with `colouring` (None: plain again) and repaint."""
        self.colouring = colouring
        self.forget_rendered_lines()
        self.refresh()

    def repaint_chars(self, start: int, end: int) -> None:
        """Repaint the rows of the lines holding characters [start, end] (their colours changed)."""
        first = self.wrapped_line_rows(self.location_of(start)[0]).start
        last = self.wrapped_line_rows(self.location_of(end)[0]).stop
        self.forget_rendered_lines()
        self.refresh_lines(first, last - first)

    def notify_style_update(self) -> None:
        self._bucket_styles = None
        super().notify_style_update()

    def adjust_text_theme(self, theme: TextAreaTheme) -> None:
        """The cursor's row keeps only its background: TextArea paints it over the row's own
        styles, and its text colour (the same as every other row's) would hide the rank colours
        on the row being typed."""
        line_style = theme.cursor_line_style
        if line_style is not None and line_style.color is not None:
            theme.cursor_line_style = line_style.without_color + Style(bgcolor=line_style.bgcolor)

    def bucket_styles(self) -> list[Style]:
        """The style of each rank bucket (from app.tcss; looked up once per style change)."""
        if self._bucket_styles is None:
            self._bucket_styles = [self.get_component_rich_style(name, partial=True) for name in BUCKET_CLASSES]
        return self._bucket_styles

    def row_style_key(self, line_index: int) -> tuple | None:
        """Where the line starts and its colour runs (None: shown plain): the box keeps rendered
        rows by these, so the rows an Enter scrolls are not coloured again."""
        colouring = self.colouring
        if colouring is None or colouring.edit_mark != self.edit_count:
            return None
        start = int(self.line_starts()[line_index])
        return start, tuple(colouring.bucket_runs(start, start + len(self.document[line_index])))

    def get_line(self, line_index: int) -> Text:
        """TextArea's row text, with each scored token in its bucket's style."""
        line = super().get_line(line_index)
        colouring = self.colouring
        if colouring is None or colouring.edit_mark != self.edit_count:
            return line
        start = int(self.line_starts()[line_index])
        styles = self.bucket_styles()
        for run_start, run_end, bucket in colouring.bucket_runs(start, start + len(line.plain)):
            line.stylize(styles[bucket], run_start - start, run_end - start)
        return line
