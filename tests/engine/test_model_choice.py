"""Which model opens without --model: the one the user last chose, else the shipped default (the
Japanese one in a Japanese locale, when it is there), else the newest finished run; a newer run (a
smoke run) never takes over by itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_tui.engine.runs.model_choice import (
    RULE,
    STATE_FILE,
    japanese_default,
    locale_is_japanese,
    model_to_open,
    remember_model,
    remembered_model,
    shipped_models,
)
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


def test_a_japanese_locale_opens_the_japanese_default_when_it_is_there(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path))
    default = fake_run(tmp_path, "default")
    japanese = {"LANG": "ja_JP.UTF-8"}
    assert model_to_open(None, tmp_path, japanese) == default  # no default-ja yet: the English default
    default_ja = fake_run(tmp_path, "default-ja")
    assert japanese_default() == default_ja
    assert model_to_open(None, tmp_path, japanese) == default_ja
    assert model_to_open(None, tmp_path, {"LANG": "en_GB.UTF-8"}) == default
    assert model_to_open(None, tmp_path, {}) == default
    # --model and the model last chosen in the app still win over the locale
    chosen = fake_run(tmp_path, "chosen")
    assert model_to_open(tmp_path / "given", tmp_path, japanese) == (tmp_path / "given").resolve()
    remember_model(chosen, tmp_path)
    assert model_to_open(None, tmp_path, japanese) == chosen.resolve()
    # the rule in --help says so
    assert "default-ja" in RULE and "Japanese" in RULE


@pytest.mark.parametrize(
    ("environ", "japanese"),
    [
        ({"LANG": "ja_JP.UTF-8"}, True),
        ({"LANG": "ja"}, True),
        ({"LC_MESSAGES": "ja_JP.eucJP", "LANG": "C"}, True),
        ({"LC_ALL": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, True),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "ja_JP.UTF-8"}, False),  # LC_ALL decides first (POSIX)
        ({"LC_ALL": "", "LANG": "ja_JP.UTF-8"}, True),  # an empty variable counts as unset
        ({"LANG": "C.UTF-8"}, False),
        ({"LANGUAGE": "ja"}, False),  # only LC_ALL, LC_MESSAGES and LANG are read
        ({}, False),
    ],
)
def test_which_locales_are_japanese(environ: dict[str, str], japanese: bool) -> None:
    assert locale_is_japanese(environ) is japanese


def test_the_shipped_models_are_listed_present_or_not(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path))
    fake_run(tmp_path, "default")
    shipped = {model.name: model for model in shipped_models()}
    assert list(shipped) == ["default", "default-ja"]
    assert shipped["default"].present and shipped["default"].folder == tmp_path / "default"
    assert not shipped["default-ja"].present and japanese_default() is None
