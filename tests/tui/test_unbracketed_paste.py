"""A paste that the terminal types out as keys (no bracketed paste) keeps its tabs."""

from __future__ import annotations

from pathlib import Path

from textual import events

from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.widgets.ghost_editor import GhostEditor
from tests.tui.conftest import wait_for

PASTE = "def f(x):\n\treturn x"


def paste_as_keys(app: LstmTuiApp, text: str) -> None:
    """What a terminal without bracketed paste sends: every character as a key, all at once."""
    names = {"\n": ("enter", "\r"), "\t": ("tab", "\t"), " ": ("space", " ")}
    for char in text:
        key, character = names.get(char, (char, char))
        app.post_message(events.Key(key, character))


async def test_a_tab_inside_a_paste_is_text(trained_char_run: Path, tmp_path: Path) -> None:
    """Issue 31: the Tab of a pasted indent accepted a suggestion (or rang the bell) instead."""
    app = LstmTuiApp(model=trained_char_run, checkpoints=tmp_path / "checkpoints", browse_root=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, PredictScreen)
        await wait_for(pilot, lambda: screen.prediction is not None)
        paste_as_keys(app, PASTE)
        editor = screen.query_one(GhostEditor)
        await wait_for(pilot, lambda: editor.text.endswith("x"), timeout=10)
        assert editor.text == PASTE
        await pilot.pause(0.05)
        await pilot.press("tab")  # a Tab of its own still accepts the top suggestion
        await pilot.pause()
        assert editor.text.startswith(PASTE) and len(editor.text) > len(PASTE) and "\t" not in editor.text[len(PASTE):]
