"""The app shell: which model opens first, help and the command palette (alt+digit keys: test_textual_hooks)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from textual.command import CommandPalette

from lstm_tui.engine.runs.model_choice import model_to_open
from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.commands import LstmCommands
from lstm_tui.tui.dialogs.confirm import ConfirmDialog
from lstm_tui.tui.screens.help import HelpScreen
from lstm_tui.tui.screens.train import TrainScreen
from tests.tui.conftest import wait_for

SIZE = (120, 40)


def copy_run(source: Path, target: Path, state: str, updated: str) -> Path:
    shutil.copytree(source, target)
    meta = json.loads((target / "model.json").read_text(encoding="utf-8"))
    meta.update(state=state, updated=updated)
    (target / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    return target


def test_startup_prefers_model_then_the_last_chosen_then_default_then_newest_finished(
    trained_char_run: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path / "env-checkpoints"))
    root = tmp_path / "checkpoints"
    assert model_to_open(None, root) is None  # no runs, no default model
    copy_run(trained_char_run, root / "old", "finished", "2024-01-01T00:00:00+00:00")
    new = copy_run(trained_char_run, root / "new", "finished", "2024-06-01T00:00:00+00:00")
    copy_run(trained_char_run, root / "newest-but-interrupted", "interrupted", "2025-01-01T00:00:00+00:00")
    assert model_to_open(None, root) == new  # no default model: the newest finished run
    default = copy_run(trained_char_run, tmp_path / "env-checkpoints" / "default", "finished", "2020-01-01T00:00:00+00:00")
    assert model_to_open(None, root) == default  # a newer run never replaces the default by itself
    assert model_to_open(tmp_path / "given", root) == (tmp_path / "given").resolve()


async def test_a_model_loaded_from_the_models_screen_opens_at_the_next_launch(
    trained_char_run: Path, tmp_path: Path, monkeypatch
) -> None:
    from lstm_tui.tui.screens.models import ModelsScreen, RunTable
    from lstm_tui.tui.screens.predict import PredictScreen

    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path / "env-checkpoints"))
    default = copy_run(trained_char_run, tmp_path / "env-checkpoints" / "default", "finished", "2020-01-01T00:00:00+00:00")
    root = tmp_path / "checkpoints"
    smoke = copy_run(trained_char_run, root / "smoke", "finished", "2025-01-01T00:00:00+00:00")
    async with LstmTuiApp(checkpoints=root).run_test(size=SIZE) as pilot:
        assert pilot.app.initial_model == default
        predict = pilot.app.screen
        await wait_for(pilot, lambda: predict.live is not None)
        assert model_to_open(None, root) == default  # opening the default at startup chose nothing
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelsScreen) and bool(pilot.app.screen.runs))
        pilot.app.screen.query_one(RunTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PredictScreen) and predict.live.folder == smoke)
    assert LstmTuiApp(checkpoints=root).initial_model == smoke


async def test_no_model_anywhere_offers_the_train_screen(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path / "nothing"))
    async with LstmTuiApp(checkpoints=tmp_path / "nothing").run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
        await pilot.click("#yes")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TrainScreen))


async def test_help_opens_with_f1_and_closes_with_escape(trained_char_run: Path, tmp_path: Path) -> None:
    async with LstmTuiApp(model=trained_char_run, checkpoints=tmp_path).run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, HelpScreen))


async def test_command_palette_lists_the_app_commands(trained_char_run: Path, tmp_path: Path) -> None:
    app = LstmTuiApp(model=trained_char_run, checkpoints=tmp_path)
    assert LstmCommands in app.COMMANDS
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
        await pilot.press(*"train screen")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TrainScreen))
        titles = [title for title, _, _ in LstmCommands(pilot.app.screen)._commands()]
        for wanted in ("Predict screen", "Train screen", "Models screen", "Load model…", "Help"):
            assert wanted in titles
        system = [command.title for command in pilot.app.get_system_commands(pilot.app.screen)]
        assert (titles + system).count("Quit") == 1  # issue 31: it was listed twice
