"""The suggestions panel: the top-k next tokens with their probability as a percentage and a bar;
for a character model first the word bar (the likeliest words, each with its joint probability)."""

from __future__ import annotations

import textwrap

from rich.cells import cell_len
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from lstm_tui.engine.infer.suggestion_ranker import Suggestions
from lstm_tui.engine.data.textfile import visible_token
from lstm_tui.tui.widgets.piece_rows import Piece, piece_strips, piece_styles

BAR_CELLS = 12
TOKEN_CELLS = 14
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(fraction: float, cells: int = BAR_CELLS) -> str:
    """A horizontal bar of `cells` cells filled to `fraction` (eighth-cell resolution)."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * cells * 8)
    full, rest = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[rest] if rest else "")
    return text.ljust(cells)


def clip(text: str, cells: int) -> str:
    """`text` cut to at most `cells` terminal cells (with … when cut), padded to exactly `cells`."""
    if cell_len(text) <= cells:
        return text + " " * (cells - cell_len(text))
    out = ""
    for char in text:
        if cell_len(out + char) > cells - 1:
            break
        out += char
    out += "…"
    return out + " " * (cells - cell_len(out))


def percent(prob: float) -> str:
    """A probability as a percentage, six cells wide: one decimal, two below 0.1% (a model early
    in training spreads its probability thin), and "<0.01%" below that — never a bare 0.0%."""
    value = prob * 100
    if value >= 0.095 or value == 0:
        return f"{value:5.1f}%"
    if value >= 0.01:
        return f"{value:5.2f}%"
    return "<0.01%"


def key_hint(rank: int) -> str:
    """The key that accepts suggestion `rank` (1-based)."""
    return "tab" if rank == 1 else f"alt+{rank}" if rank <= 9 else ""


class SuggestionsPanel(Widget):
    """Shows `suggestions` (set from above); every token goes through `visible_token`.

    It uses Textual's line API: the rows are turned into strips once per new prediction and
    every repaint after that only hands them out; its height is its rows (the box around it
    paints the rest), so a keystroke repaints a handful of lines, within a frame.
    """

    DEFAULT_CSS = """
    SuggestionsPanel { height: auto; }
    SuggestionsPanel > .suggestions--key { color: $text-muted; }
    SuggestionsPanel > .suggestions--bar { color: $accent; }
    SuggestionsPanel > .suggestions--partial { color: $warning; }
    """
    COMPONENT_CLASSES = {"suggestions--key", "suggestions--bar", "suggestions--partial"}

    suggestions: reactive[Suggestions | None] = reactive(None)
    """The top-k to show (None: nothing yet)."""
    message: reactive[str] = reactive("")
    """Shown instead of the list when set (no model, computing…)."""
    hint: reactive[str] = reactive("")
    """A line shown above the list when set (text the model cannot read)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._strips: list[Strip] | None = None
        self._strips_width = 0
        self._blank = Strip.blank(0)
        self._styles: dict[str | None, Style] | None = None  # looked up once per style change
        self._rows_content: list[list[Piece]] | None = None  # the rows shown; the height follows them
        self._wrapped: tuple[int, list[list[Piece]]] | None = None  # (width, rows wrapped to it)

    def watch_suggestions(self) -> None:
        self._changed()

    def watch_message(self) -> None:
        self._changed()

    def watch_hint(self) -> None:
        self._changed()

    def _changed(self) -> None:
        """New content: rebuild the strips; a new number of rows needs a new layout (auto height)."""
        previous = self._wrapped[1] if self._wrapped else None
        self._rows_content, self._wrapped = self._content(), None
        self._strips = None
        if previous is None or len(previous) != len(self._current()):
            self.refresh(layout=True)

    def _current(self, width: int | None = None) -> list[list[Piece]]:
        """The rows on display at `width` (default: the widget's): the content built once per
        change; a sentence (a row of one piece) wraps rather than being cut."""
        if self._rows_content is None:
            self._rows_content = self._content()
        width = width or self.size.width
        if self._wrapped is None or self._wrapped[0] != width:
            rows: list[list[Piece]] = []
            for row in self._rows_content:
                if len(row) == 1 and width > 0 and cell_len(row[0][0]) > width:
                    text, style = row[0]
                    rows += [[(line, style)] for line in textwrap.wrap(text, width) or [""]]
                else:
                    rows.append(row)
            self._wrapped = width, rows
        return self._wrapped[1]

    def notify_style_update(self) -> None:
        self._strips = None
        self._styles = None
        super().notify_style_update()

    def _content(self) -> list[list[Piece]]:
        """The rows as (text, style) pieces; a style is a component class or "italic"."""
        if self.message:
            return [[(line, None)] for line in self.message.split("\n")]
        if self.suggestions is None:
            return [[("type to see what the model expects next", "italic")]]
        rows: list[list[Piece]] = []
        if self.hint:
            rows.append([(self.hint, "suggestions--partial")])
        suggestions = self.suggestions
        if suggestions.partial:
            rows.append([("completing ", None), (visible_token(suggestions.partial), "suggestions--partial"), ("…", None)])
        if not suggestions.items:
            rows.append([("no word in the vocabulary starts like this", "italic")])
        for rank, item in enumerate(suggestions.ranked, start=1):
            if rank == len(suggestions.words) + 1 and suggestions.words:
                rows.append([("next character", "suggestions--key")])
            rows.append([
                (f"{key_hint(rank):>5} ", "suggestions--key"),
                (clip(visible_token(item.token), TOKEN_CELLS) + " ", None),
                (bar(item.prob), "suggestions--bar"),
                (f" {percent(item.prob)}", None),
            ])
        return rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Auto height: one line per row (the line API has no render() to measure)."""
        return len(self._current(width))

    def rows(self) -> list[str]:
        """The panel's lines as plain text (what the user reads; used by tests)."""
        return ["".join(text for text, _ in row) for row in self._current()]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._strips is None or self._strips_width != width:
            if self._styles is None:
                self._styles = piece_styles(self)
            self._strips, self._blank = piece_strips(self._current(width), self._styles, width)
            self._strips_width = width
        return self._strips[y] if y < len(self._strips) else self._blank
