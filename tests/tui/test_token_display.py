"""How the suggestions panel shows tokens: whitespace and a word model's line end as glyphs."""

from __future__ import annotations

from textual.app import App, ComposeResult

from lstm_tui.engine.infer.suggestion_ranker import Suggestion, Suggestions
from lstm_tui.tui.widgets.suggestions import SuggestionsPanel


class PanelApp(App):
    def compose(self) -> ComposeResult:
        yield SuggestionsPanel()


async def test_a_line_end_shows_as_the_glyph_the_ghost_text_uses() -> None:
    """Issue 31: a word model's `<eos>` was listed raw; it inserts a line end, shown ↵ everywhere."""
    items = [Suggestion("<eos>", 0.4, "\n"), Suggestion("the", 0.3, "the "), Suggestion(" ", 0.1, " ")]
    app = PanelApp()
    async with app.run_test(size=(60, 10)) as pilot:
        panel = app.query_one(SuggestionsPanel)
        panel.suggestions = Suggestions(items, "")
        await pilot.pause()
        rows = panel.rows()
        assert not any("<eos>" in row for row in rows), rows
        assert "↵" in rows[0] and "the" in rows[1] and "␣" in rows[2]
