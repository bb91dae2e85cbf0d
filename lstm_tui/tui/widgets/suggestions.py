"""The suggestions panel: the top-k next tokens with their probability as a percentage and a bar."""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from lstm_tui.engine.infer.suggestion_ranker import Suggestions
from lstm_tui.engine.data.textfile import visible_token

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

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._strips: list[Strip] | None = None
        self._strips_width = 0
        self._blank = Strip.blank(0)
        self._styles: dict[str | None, Style] | None = None  # looked up once per style change
        self._rows_content: list[list[tuple[str, str | None]]] | None = None  # the rows shown; the height follows them

    def watch_suggestions(self) -> None:
        self._changed()

    def watch_message(self) -> None:
        self._changed()

    def _changed(self) -> None:
        """New content: rebuild the strips; a new number of rows needs a new layout (auto height)."""
        previous, self._rows_content = self._rows_content, self._content()
        self._strips = None
        if previous is None or len(previous) != len(self._rows_content):
            self.refresh(layout=True)

    def _current(self) -> list[list[tuple[str, str | None]]]:
        """The rows of the content on display (built once per change)."""
        if self._rows_content is None:
            self._rows_content = self._content()
        return self._rows_content

    def notify_style_update(self) -> None:
        self._strips = None
        self._styles = None
        super().notify_style_update()

    def _content(self) -> list[list[tuple[str, str | None]]]:
        """The rows as (text, style) pieces; a style is a component class or "italic"."""
        if self.message:
            return [[(line, None)] for line in self.message.split("\n")]
        if self.suggestions is None:
            return [[("type to see what the model expects next", "italic")]]
        rows: list[list[tuple[str, str | None]]] = []
        if self.suggestions.partial:
            rows.append([("completing ", None), (visible_token(self.suggestions.partial), "suggestions--partial"), ("…", None)])
        if not self.suggestions.items:
            rows.append([("no word in the vocabulary starts like this", "italic")])
        for rank, item in enumerate(self.suggestions.items, start=1):
            rows.append([
                (f"{key_hint(rank):>5} ", "suggestions--key"),
                (clip(visible_token(item.token), TOKEN_CELLS) + " ", None),
                (bar(item.prob), "suggestions--bar"),
                (f" {item.prob * 100:5.1f}%", None),
            ])
        return rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Auto height: one line per row (the line API has no render() to measure)."""
        return len(self._current())

    def rows(self) -> list[str]:
        """The panel's lines as plain text (what the user reads; used by tests)."""
        return ["".join(text for text, _ in row) for row in self._current()]

    def _build_strips(self, width: int) -> tuple[list[Strip], Strip]:
        """The rows as strips of exactly `width` cells, and the blank strip below them."""
        styles = self._styles
        if styles is None:  # costly (each walks the ancestors): once per style change, not per key
            base = self.rich_style
            styles = {None: base, "italic": base + Style(italic=True)}
            for name in self.COMPONENT_CLASSES:
                styles[name] = base + self.get_component_rich_style(name)
            self._styles = styles
        base = styles[None]
        rows = [
            Strip([Segment(text, styles[style]) for text, style in row]).crop_extend(0, width, base)
            for row in self._current()
        ]
        return rows, Strip.blank(width, base)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._strips is None or self._strips_width != width:
            self._strips, self._blank = self._build_strips(width)
            self._strips_width = width
        return self._strips[y] if y < len(self._strips) else self._blank
