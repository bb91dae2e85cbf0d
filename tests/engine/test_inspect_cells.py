"""Find cells: the text features, the running correlation against a direct one, the sample."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.inspect.find_cells import BLOCK, find_cells, run_sample
from lstm_tui.engine.inspect.text_features import char_features, word_features
from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.paths import default_model_dir


@pytest.fixture(scope="module")
def default():
    return load_model(default_model_dir())


def test_char_features_after_each_character() -> None:
    text = 'a "b (c)" d\n\n"e\n\nf(g'
    f = char_features(list(text))
    inside_quotes = "".join(ch for ch, q in zip(text, f["quote"]) if q)
    assert inside_quotes == '"b (c)' + '"e\n'  # the closing quote is read outside; a blank line ends "e
    inside_brackets = "".join(ch for ch, b in zip(text, f["bracket"]) if b)
    assert inside_brackets == "(c(g"
    assert f["line_position"].tolist()[:12] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0]
    assert "".join(ch for ch, s in zip(text, f["word_start"]) if s) == "abcdefg"
    assert [i for i, n in enumerate(f["line_break"]) if n] == [i for i, ch in enumerate(text) if ch == "\n"]
    curly = char_features(list("x “y” z"))["quote"].tolist()
    assert curly == [0, 0, 1, 1, 0, 0, 0]


def test_word_features() -> None:
    words = ["He", "said", '"go', 'home."', "Then", "left", "<eos>", "A", "b"]
    f = word_features(words)
    assert f["sentence_position"].tolist() == [1, 2, 3, 0, 1, 2, 0, 1, 2]
    assert f["quote"].tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0]


def test_correlations_equal_a_direct_computation(default) -> None:
    """The running sums over blocks give Pearson's r as numpy computes it from all states at once."""
    text = ('print("x", (1, 2))\n' * 60)[: BLOCK + 190]  # more than a block, not a multiple of it
    search = find_cells(Predictor.from_saved(default), text, top=4)
    assert search.tokens == len(text) and search.absent == ()
    predictor = Predictor.from_saved(default)
    states = []
    for token_id in default.vocab.encode(list(text)):
        predictor.feed(int(token_id))
        states.append(predictor.branch_root().reshape(-1).astype(np.float64))
    states = np.array(states)
    features = char_features(list(text))
    units = default.config.units
    for name, cells in search.by_feature.items():
        assert len(cells) == 4
        assert [abs(c.correlation) for c in cells] == sorted((abs(c.correlation) for c in cells), reverse=True)
        for cell in cells:
            row = {(1, "h"): 0, (1, "c"): 1, (2, "h"): 2, (2, "c"): 3}[(cell.probe.layer, cell.probe.kind)]
            direct = np.corrcoef(states[:, row * units + cell.probe.unit], features[name])[0, 1]
            assert cell.correlation == pytest.approx(direct, abs=1e-6)
        # and no other unit beats the top one
        everything = [abs(np.corrcoef(states[:, c], features[name])[0, 1]) for c in range(states.shape[1]) if states[:, c].std() > 0]
        assert abs(cells[0].correlation) == pytest.approx(max(everything), abs=1e-6)
    best = search.best(6)
    assert len({c.probe for c in best}) == len(best) == 6
    assert [abs(c.correlation) for c in best] == sorted((abs(c.correlation) for c in best), reverse=True)


def test_a_feature_absent_from_the_sample_is_reported(default) -> None:
    search = find_cells(Predictor.from_saved(default), "no quotes or brackets here\n" * 10, top=2)
    assert set(search.absent) == {"quote", "bracket"}
    assert set(search.by_feature) == {"line_position", "word_start", "line_break"}
    with pytest.raises(UserError, match="fewer than two tokens"):
        find_cells(Predictor.from_saved(default), "x")


def test_run_sample_is_the_held_out_split(default, tmp_path: Path) -> None:
    text, name = run_sample(default, chars=5000)
    assert name.startswith("the valid split of ") and len(text) == 5000
    moved = tmp_path / "run"
    shutil.copytree(default_model_dir(), moved)
    meta = json.loads((moved / "model.json").read_text(encoding="utf-8"))
    meta["train"]["corpus"] = "no-such-corpus.txt"
    (moved / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(UserError, match="finding cells on the run's held-out text needs the training corpus, which is not available here"):
        run_sample(load_model(moved))
