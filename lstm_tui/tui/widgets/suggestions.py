"""The suggestions panel: the top-k next tokens with their probability as a percentage and a bar."""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from lstm_tui.engine.predictor import Suggestions
from lstm_tui.engine.textfile import visible_token

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
    every repaint after that only hands them out, which keeps a keystroke within a frame.
    """

    DEFAULT_CSS = """
    SuggestionsPanel { height: 1fr; }
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

    def watch_suggestions(self) -> None:
        self._strips = None

    def watch_message(self) -> None:
        self._strips = None

    def notify_style_update(self) -> None:
        self._strips = None
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

    def rows(self) -> list[str]:
        """The panel's lines as plain text (what the user reads; used by tests)."""
        return ["".join(text for text, _ in row) for row in self._content()]

    def _build_strips(self) -> list[Strip]:
        base = self.rich_style
        styles = {None: base, "italic": base + Style(italic=True)}
        for name in self.COMPONENT_CLASSES:
            styles[name] = base + self.get_component_rich_style(name)
        return [Strip([Segment(text, styles[style]) for text, style in row]) for row in self._content()]

    def render_line(self, y: int) -> Strip:
        if self._strips is None:
            self._strips = self._build_strips()
        width = self.size.width
        strip = self._strips[y] if y < len(self._strips) else Strip.blank(width, self.rich_style)
        return strip.crop_extend(0, width, self.rich_style)
