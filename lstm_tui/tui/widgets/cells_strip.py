"""The cells view: one LSTM unit's value under every character of the text, as a strip.

Karpathy, Johnson & Fei-Fei (2015) colour each character by a cell's value after reading it.
Here each row of text has a row of blocks under it: the block's height is the value (▁ −1 …
█ +1), its colour the sign (blue below 0, red above), so it reads without colour too. `h` is in
[−1, 1]; `c` is unbounded and shown as tanh(c), the squashing the LSTM applies to it. Only the
rows around the cursor are laid out, so a key costs the same on a long text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.inspect import CellProbe

LEVELS = "▁▂▃▄▅▆▇█"
MISSING = "·"  # under a character not scored yet (or past the memory budget)


def shown_char(char: str) -> str:
    """How one character of the text is drawn: controls neutralised, a tab as ⇥."""
    return "⇥" if char == "\t" else neutralise(char)


def scaled(value: float, kind: str) -> float:
    """The value on the strip's −1…1 scale (a cell `c`: tanh(c))."""
    return math.tanh(value) if kind == "c" else max(-1.0, min(1.0, value))


def level(value: float) -> str:
    """The block for a value in −1…1 (NaN: the missing mark)."""
    if math.isnan(value):
        return MISSING
    return LEVELS[min(len(LEVELS) - 1, max(0, round((value + 1) / 2 * (len(LEVELS) - 1))))]


@dataclass(frozen=True)
class StripCell:
    """One character of a row: what is drawn, its value on the −1…1 scale, whether the cursor is on it."""

    shown: str
    value: float
    cursor: bool


def layout(text: str, values: np.ndarray, kind: str, cursor: int, width: int, rows: int) -> list[list[StripCell]]:
    """The `rows` rows of text (at most `width` cells each) ending with the cursor's row; only
    the characters near the cursor are looked at."""
    width = max(width, 4)
    start = max(0, cursor - rows * width)
    end = min(len(text), cursor + width)
    laid: list[list[StripCell]] = [[]]
    used = 0
    cursor_row = 0
    for offset in range(start, end + 1):
        if offset == cursor:
            cursor_row = len(laid) - 1
        if offset == end:
            if offset == cursor:  # the cursor after the last character: an empty cell to show it
                laid[-1].append(StripCell(" ", math.nan, True))
            break
        char = text[offset]
        if char == "\n":
            laid[-1].append(StripCell(" ", scaled(float(values[offset]), kind), offset == cursor))
            laid.append([])
            used = 0
            continue
        shown = shown_char(char)
        cells = cell_len(shown)
        if used + cells > width and laid[-1]:
            laid.append([])
            used = 0
            if offset == cursor:
                cursor_row = len(laid) - 1
        laid[-1].append(StripCell(shown, scaled(float(values[offset]), kind), offset == cursor))
        used += cells
    first = max(0, cursor_row - rows + 1)
    return laid[first : first + rows]


class CellsStrip(Widget):
    """Text rows with the chosen unit's strip under each (set from above with `show`)."""

    DEFAULT_CSS = """
    CellsStrip { height: 9; }
    """
    COMPONENT_CLASSES = {"cells--negative", "cells--positive", "cells--missing", "cells--cursor", "cells--label"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.probe: CellProbe | None = None
        """The unit shown (None: nothing chosen yet)."""
        self._text = ""
        self._values = np.zeros(0, dtype=np.float32)
        self._cursor = 0
        self._note = ""
        self._styles: dict[str, Style] | None = None
        self._lines: list[list[Segment]] | None = None

    def show(self, probe: CellProbe | None, text: str, values: np.ndarray, cursor: int, note: str = "") -> None:
        """Draw `probe`'s `values` (one a character of `text`) around character `cursor`."""
        self.probe, self._text, self._values, self._cursor, self._note = probe, text, values, cursor, note
        self._lines = None
        self.refresh()

    def value_at_cursor(self) -> float | None:
        """The unit's raw value after the character under the cursor (the last one at the end)."""
        if not len(self._values):
            return None
        value = float(self._values[min(self._cursor, len(self._values) - 1)])
        return None if math.isnan(value) else value

    def notify_style_update(self) -> None:
        self._styles = None
        self._lines = None
        super().notify_style_update()

    def on_resize(self) -> None:
        self._lines = None

    def header(self) -> str:
        """The first row: the unit, the scale, the value at the cursor."""
        if self.probe is None:
            return self._note or "no unit chosen: F9 chooses one, or finds the cells that follow quotes, brackets, lines"
        scale = "tanh(c)" if self.probe.kind == "c" else "h"
        value = self.value_at_cursor()
        at = "" if value is None else f" · cursor {value:+.3f}"
        note = f" · {self._note}" if self._note else ""
        return f"{self.probe.label}{note} · {scale} ▁ −1 … █ +1{at}"

    def lines(self) -> list[list[Segment]]:
        """Every row as segments: the header, then text and strip rows in pairs."""
        if self._lines is not None:
            return self._lines
        if self._styles is None:
            base = self.rich_style
            self._styles = {"": base, **{name: base + self.get_component_rich_style(name) for name in self.COMPONENT_CLASSES}}
        styles = self._styles
        out: list[list[Segment]] = [[Segment(self.header(), styles["cells--label"])]]
        if self.probe is not None:
            pairs = max(1, (self.size.height - 1) // 2)
            for row in layout(self._text, self._values, self.probe.kind, self._cursor, self.size.width, pairs):
                text_row, strip_row = [], []
                for cell in row:
                    text_row.append(Segment(cell.shown, styles["cells--cursor"] if cell.cursor else styles[""]))
                    sign = "cells--missing" if math.isnan(cell.value) else "cells--negative" if cell.value < 0 else "cells--positive"
                    strip_row.append(Segment(level(cell.value) * cell_len(cell.shown), styles[sign]))
                out += [text_row, strip_row]
        self._lines = out
        return out

    def rows(self) -> list[str]:
        """The rows as plain text (what the user reads; used by tests)."""
        return ["".join(segment.text for segment in line) for line in self.lines()]

    def render_line(self, y: int) -> Strip:
        lines = self.lines()
        base = self._styles[""] if self._styles else self.rich_style
        if y >= len(lines):
            return Strip.blank(self.size.width, base)
        return Strip(lines[y]).crop_extend(0, self.size.width, base)
