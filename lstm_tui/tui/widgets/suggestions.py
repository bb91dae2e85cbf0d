"""The suggestions panel: the top-k next tokens with their probability as a percentage and a bar."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
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
    """Shows `suggestions` (set from above); every token goes through `visible_token`."""

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

    def rows(self) -> list[str]:
        """The panel's lines as plain text (what the user reads; used by tests)."""
        return self.render().plain.splitlines()

    def render(self) -> Text:
        if self.message:
            return Text(self.message)
        if self.suggestions is None:
            return Text("type to see what the model expects next", style="italic")
        key_style = self.get_component_rich_style("suggestions--key")
        bar_style = self.get_component_rich_style("suggestions--bar")
        partial_style = self.get_component_rich_style("suggestions--partial")
        lines: list[Text] = []
        if self.suggestions.partial:
            lines.append(Text.assemble("completing ", (visible_token(self.suggestions.partial), partial_style), "…"))
        if not self.suggestions.items:
            lines.append(Text("no word in the vocabulary starts like this", style="italic"))
        for rank, item in enumerate(self.suggestions.items, start=1):
            lines.append(
                Text.assemble(
                    (f"{key_hint(rank):>5} ", key_style),
                    clip(visible_token(item.token), TOKEN_CELLS),
                    " ",
                    (bar(item.prob), bar_style),
                    f" {item.prob * 100:5.1f}%",
                )
            )
        return Text("\n").join(lines)
