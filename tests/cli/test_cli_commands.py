"""The CLI commands a user runs after training: predict (text and JSON), generate, corpora, models."""

from __future__ import annotations

import json
from pathlib import Path

from lstm_tui.cli import main
from lstm_tui.engine.data.catalogue import load_catalogue
from lstm_tui.engine.infer.predictor import Predictor
from tests.conftest import SHARED_CORPORA


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


def test_corpora_lists_what_exists(capsys) -> None:
    """Built-in and bundled corpora always; ../shared ones (ptb) only where that folder is."""
    assert main(["corpora"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "LEVEL", "DESCRIPTION"]
    rows = {line.split()[0]: line for line in lines[1:] if line and not line.startswith("catalogue:")}
    bundled = ["builtin:pydoc", "en-books", "en-heldout", "en-doyle", "en-doyle-heldout", "tinyshakespeare", "ja-books", "ja-heldout"]
    shared = [e.name for e in load_catalogue().values() if e.shared and e.available]
    assert list(rows) == bundled + shared
    assert ("ptb" in rows) == (SHARED_CORPORA / "ptb").is_dir()
    assert rows["builtin:pydoc"].split()[1:3] == ["char", "The"]  # no "char char"
    assert rows["ja-books"].split()[1] == "word/mecab"
    assert all("damaged" not in row for row in rows.values())


def test_models_lists_runs(capsys, trained_char_run: Path) -> None:
    assert main(["models", str(trained_char_run.parent)]) == 0
    out = capsys.readouterr().out
    assert trained_char_run.name in out and "finished" in out
