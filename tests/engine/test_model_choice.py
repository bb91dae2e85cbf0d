"""Which model opens without --model: the one the user last chose, else the shipped default,
else the newest finished run; a newer run (a smoke run) never takes over by itself."""

from __future__ import annotations

from pathlib import Path

from lstm_tui.engine.runs.model_choice import STATE_FILE, model_to_open, remember_model, remembered_model
from tests.engine.test_run_service import fake_run


def test_a_new_run_does_not_replace_the_default_until_it_is_chosen(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path / "checkpoints"))
    root = tmp_path / "checkpoints"
    root.mkdir()
    assert model_to_open(None, root) is None  # nothing anywhere
    only = fake_run(root, "only-run", updated="2024-01-01T00:00:00+00:00")
    assert model_to_open(None, root) == only  # no default model: the newest finished run
    default = fake_run(root, "default", updated="2020-01-01T00:00:00+00:00")
    smoke = fake_run(root, "smoke-50-steps", updated="2025-01-01T00:00:00+00:00")
    assert model_to_open(None, root) == default  # the newer smoke run does not take over
    remember_model(smoke, root)
    assert (root / STATE_FILE).is_file()
    assert remembered_model(root) == smoke.resolve()
    assert model_to_open(None, root) == smoke.resolve()
    assert model_to_open(tmp_path / "given", root) == (tmp_path / "given").resolve()


def test_a_remembered_model_that_is_gone_falls_back(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path))
    default = fake_run(tmp_path, "default")
    chosen = fake_run(tmp_path, "chosen")
    remember_model(chosen, tmp_path)
    (chosen / "model.npz").unlink()
    assert model_to_open(None, tmp_path) == default
    (tmp_path / STATE_FILE).write_text("not json", encoding="utf-8")
    assert model_to_open(None, tmp_path) == default


def test_remembering_in_a_read_only_place_is_not_an_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    remember_model(tmp_path, blocked)  # cannot create a folder under a file: silently skipped
    assert remembered_model(blocked) is None
