"""The CLI commands a user runs after training: predict (text and JSON), generate, corpora, models."""

from __future__ import annotations

import json
from pathlib import Path

from lstm_tui.cli import main
from lstm_tui.engine.infer.predictor import Predictor


def test_predict_json_matches_predictor(capsys, trained_char_run: Path) -> None:
    assert main(["predict", "--model", str(trained_char_run), "--top-k", "3", "--json", "KING "]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = Predictor.load(trained_char_run).suggest("KING ", 3).items
    assert [p["token"] for p in printed] == [s.token for s in expected]
    assert all(abs(p["prob"] - s.prob) < 1e-5 for p, s in zip(printed, expected))


def test_generate_is_reproducible_with_seed(capsys, trained_char_run: Path) -> None:
    args = ["generate", "--model", str(trained_char_run), "--length", "40", "--seed", "7", "ROMEO:"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert first.startswith("ROMEO:") and len(first) > 30


def test_corpora_lists_builtin_and_catalogue(capsys) -> None:
    assert main(["corpora"]) == 0
    out = capsys.readouterr().out
    assert "builtin:pydoc" in out and "tinyshakespeare" in out and "ptb" in out


def test_models_lists_runs(capsys, trained_char_run: Path) -> None:
    assert main(["models", str(trained_char_run.parent)]) == 0
    out = capsys.readouterr().out
    assert trained_char_run.name in out and "finished" in out
