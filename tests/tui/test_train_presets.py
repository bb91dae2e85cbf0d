"""The train form's preset choice and its `start from` row: rows filled from a preset or the model
being fine-tuned, the user's edits kept, conflicts flagged on their row, and a fine-tune started
from the form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static
from textual.widgets.select import InvalidSelectValueError

from lstm_tui.engine.runs.run_folder import MODEL_JSON
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.presets import PRESETS
from lstm_tui.tui.widgets.corpus_picker import CorpusPicker
from lstm_tui.tui.widgets.train_form import PRESET, TrainForm
from tests.tui.conftest import wait_for
from tests.tui.test_train import SIZE, TRAINING_TIMEOUT, choose_corpus, fill, make_app, open_train_screen


def row(screen, name: str):
    return screen.query_one(f"#field-{name}")


async def test_a_preset_fills_the_rows_the_user_did_not_edit(trained_char_run: Path, tmp_path: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        form = screen.query_one(TrainForm)
        choice = row(screen, PRESET)
        for name in PRESETS:  # the choices are PRESETS' names (an unknown value is refused)
            choice.value = name
        with pytest.raises(InvalidSelectValueError):
            choice.value = "not-a-preset"
        choice.clear()
        await pilot.pause()
        fill(screen, dropout="0.35")  # the user's own value
        choice.value = "shakespeare-char"
        await pilot.pause()
        assert row(screen, "units").value == "512" and row(screen, "bptt").value == "100" and row(screen, "time_budget").value == "30"
        assert row(screen, "dropout").value == "0.35"  # the edit wins over the preset's 0.2
        assert screen.query_one(CorpusPicker).value == "tinyshakespeare"  # no corpus chosen yet: the preset's
        config = form.read_config("my.txt")
        assert (config.run.anneal, config.run.split, config.prediction.cache_size) == (0.3, (0.9, 0.1, 0.0), 3000)  # not rows: carried
        assert config.run.corpus == "my.txt"  # the chosen corpus, not the preset's
        choice.value = "tiny"
        await pilot.pause()
        assert row(screen, "units").value == "64" and row(screen, "time_budget").value == "1" and row(screen, "cache_size").value == "0"
        choice.clear()
        await pilot.pause()
        defaults = TrainConfig()
        assert row(screen, "units").value == str(defaults.run.units) and row(screen, "time_budget").value == ""
        assert form.read_config("my.txt").run.anneal == defaults.run.anneal and row(screen, "dropout").value == "0.35"


async def test_adapt_default_fills_start_from_and_the_defaults_size(trained_char_run: Path, tmp_path: Path, monkeypatch) -> None:
    import shutil

    checkpoints = tmp_path / "checkpoints"
    shutil.copytree(trained_char_run, checkpoints / "default")
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(checkpoints))
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        row(screen, PRESET).value = "adapt-default"
        await wait_for(pilot, lambda: row(screen, "units").value == "96")  # the default's size, read from it
        assert row(screen, "init_from").value == "default" and row(screen, "lr").value == "0.0005"
        assert row(screen, "time_budget").value == "5"


async def test_start_from_shows_the_parent_and_flags_what_conflicts(trained_char_run: Path, tmp_path: Path,
                                                                   shakespeare_30k: Path) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_train_screen(pilot)
        await choose_corpus(pilot, screen, str(shakespeare_30k))
        fill(screen, init_from=str(tmp_path))  # a folder that holds no model
        error = screen.query_one("#error-init_from", Static)
        await wait_for(pilot, lambda: "is not a model" in str(error.render()))
        fill(screen, init_from=str(trained_char_run))
        await wait_for(pilot, lambda: row(screen, "units").value == "96")
        assert not error.has_class("-shown")
        fill(screen, units="512")
        await pilot.press("f5")
        await pilot.pause()
        assert pilot.app.training is None
        message = str(screen.query_one("#error-units", Static).render())
        assert "--units 512: shakespeare-char has 96 units" in message


async def test_a_fine_tune_starts_from_the_form(trained_char_run: Path, tmp_path: Path, shakespeare_30k: Path, trainings: list) -> None:
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        app = pilot.app
        screen = await open_train_screen(pilot)
        await choose_corpus(pilot, screen, str(shakespeare_30k))
        fill(screen, init_from=str(trained_char_run))
        await wait_for(pilot, lambda: row(screen, "units").value == "96")
        fill(screen, bptt="16", batch_size="8", max_steps="4", out="tuned")
        await pilot.press("f5")
        await wait_for(pilot, lambda: bool(trainings))
        folder = trainings[0].folder
        await wait_for(pilot, lambda: app.training is None, timeout=TRAINING_TIMEOUT)
        meta = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
        assert meta["state"] == "finished" and meta["model"]["units"] == 96
        assert meta["parent"]["name"] == "shakespeare-char" and meta["parent"]["source"] == str(trained_char_run.resolve())


async def test_the_models_screen_names_the_parent(trained_char_run: Path, tmp_path: Path, shakespeare_30k: Path) -> None:
    from lstm_tui.engine.train.trainer import Trainer
    from lstm_tui.tui.screens.models import ModelsScreen, row_of
    from tests.conftest import small_config

    config = small_config(shakespeare_30k, init_from=str(trained_char_run), units=96, max_steps=2, eval_every=2, bptt=16, batch_size=8)
    Trainer.new(config, tmp_path / "checkpoints" / "tuned").run()
    async with make_app(trained_char_run, tmp_path).run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelsScreen) and bool(pilot.app.screen.runs))
        screen = pilot.app.screen
        (info,) = screen.runs
        assert row_of(info)[1] == "shakespeare30k.txt (from shakespeare-char)"
        await wait_for(pilot, lambda: screen.query_one("#models-monitor").border_title == "run · fine-tuned from shakespeare-char")
