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


def test_predict_without_model_opens_what_the_app_opens(capsys, trained_char_run: Path, tmp_path: Path, monkeypatch) -> None:
    """One rule (`model_choice`): the shipped default, until the user chose another in the app."""
    import shutil

    from lstm_tui.cli import main_parser
    from lstm_tui.commands.common import resolve_model as _resolve_model
    from lstm_tui.engine.runs.model_choice import remember_model

    root = tmp_path / "checkpoints"
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(root))
    with_default = shutil.copytree(trained_char_run, root / "default")
    smoke = shutil.copytree(trained_char_run, root / "newer-smoke-run")
    assert _resolve_model(None) == with_default
    assert main(["predict", "--json", "KING "]) == 0
    assert json.loads(capsys.readouterr().out)
    remember_model(smoke, root)
    assert _resolve_model(None) == smoke
    assert "last loaded in the app" in " ".join(main_parser().format_help().split())
    shutil.rmtree(with_default)
    shutil.rmtree(smoke)
    assert main(["generate", "--length", "5"]) == 2
    assert "no model found" in capsys.readouterr().err


def test_generate_samples_from_the_top_k_only(capsys, trained_char_run: Path) -> None:
    """--top-k 1 leaves one token to draw: the sample is the greedy continuation, whatever the seed."""
    runs = []
    for seed in ("1", "2"):
        assert main(["generate", "--model", str(trained_char_run), "--length", "30", "--top-k", "1", "--seed", seed, "KING "]) == 0
        runs.append(capsys.readouterr().out)
    assert runs[0] == runs[1]
    import numpy as np

    predictor = Predictor.load(trained_char_run)
    predictor.set_text("KING ")
    greedy = []
    for _ in range(30):
        probs = predictor.probabilities()
        probs[predictor.banned] = -1.0
        token_id = int(np.argmax(probs))
        greedy.append(predictor.vocab.tokens[token_id])
        predictor.extend(token_id)
    assert runs[0] == "KING " + "".join(greedy) + "\n"
