"""The predict screen's text commands: generate (ctrl+g), new text, open, save, copy, and the
palette entries that reach them and the settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from textual.command import CommandPalette
from textual.widgets import Input

from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.tui.commands import LstmCommands
from lstm_tui.tui.dialogs.text_file import TextFileDialog
from lstm_tui.tui.screens.models import ModelsScreen
from lstm_tui.tui.screens.predict import GENERATE_TOKENS, PredictScreen
from lstm_tui.tui.widgets.ghost_editor import GhostEditor
from tests.tui.conftest import wait_for
from tests.tui.test_predict import make_app, ready

def greedy(model: Path, prime: str, tokens: int) -> str:
    """What sampling among the top 1 gives: the likeliest token at every step."""
    predictor = Predictor.load(model)
    predictor.set_text(prime)
    out = []
    for _ in range(tokens):
        probs = predictor.probabilities()
        probs[predictor.banned] = -1.0
        token_id = int(np.argmax(probs))
        out.append(predictor.tokenizer.render(predictor.vocab.tokens[token_id]))
        predictor.extend(token_id)
    return "".join(out)


async def test_generate_samples_at_the_chosen_top_k_into_the_text(trained_char_run: Path, tmp_path: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        editor = screen.query_one(GhostEditor)
        editor.insert("KING ")
        screen.query_one("#setting-k", Input).value = "1"  # top-1 sampling is the greedy text
        await pilot.pause()
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: editor.text != "KING ")
        assert editor.text == "KING " + greedy(trained_char_run, "KING ", GENERATE_TOKENS["char"])
        # the predictor follows the new text as if it had been typed
        await wait_for(pilot, lambda: screen.prediction is not None and screen.prediction.text == editor.text)
        assert screen.prediction.suggestions == Predictor.load(trained_char_run).suggest(editor.text, 1)
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: editor.text == "KING ")


async def test_new_text_open_save_and_copy(trained_char_run: Path, tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("First line\nan \x1b[31mescape\n", encoding="utf-8")
    async with make_app(trained_char_run, tmp_path).run_test(size=(120, 40)) as pilot:
        app = pilot.app
        screen = await ready(pilot)
        editor = screen.query_one(GhostEditor)
        editor.insert("old text")
        await pilot.press("ctrl+b")
        assert editor.text == ""
        await pilot.press("ctrl+z")
        assert editor.text == "old text"
        # open: a missing file is one line in the dialog, which stays; a real one replaces the text, neutralised
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, TextFileDialog))
        field = app.screen.query_one("#file-path", Input)
        field.value = str(tmp_path / "missing.txt")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TextFileDialog)
        assert "missing.txt" in str(app.screen.query_one("#file-error").render())
        field.value = str(source)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PredictScreen))
        assert editor.text == "First line\nan ␛[31mescape\n"
        # save: a new file at once, an existing one only after a second confirmation
        target = tmp_path / "saved.txt"
        target.write_text("keep me", encoding="utf-8")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TextFileDialog))
        field = app.screen.query_one("#file-path", Input)
        assert field.value == str(source)  # starts from the file last opened
        field.value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TextFileDialog) and target.read_text(encoding="utf-8") == "keep me"
        assert "exists" in str(app.screen.query_one("#file-error").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PredictScreen))
        assert target.read_text(encoding="utf-8") == editor.text
        screen.action_copy_text()
        assert app.clipboard == editor.text


async def test_the_palette_reaches_the_text_commands_and_settings(trained_char_run: Path, tmp_path: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=(120, 40)) as pilot:
        app = pilot.app
        screen = await ready(pilot)
        titles = [title for title, _, _ in LstmCommands(app.screen)._commands()]
        for wanted in ("Generate text", "Set temperature", "Set top-k", "New text", "Open a file into the text box…",
                       "Save the text to a file…", "Copy the text"):
            assert wanted in titles
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen))
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"set temperature")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and app.focused is screen.query_one("#setting-temperature"))
        screen.query_one(GhostEditor).focus()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"generate text")
        await pilot.pause(0.5)
        await pilot.press("enter")
        editor = screen.query_one(GhostEditor)
        await wait_for(pilot, lambda: len(editor.text) > 0)
