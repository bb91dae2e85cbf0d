"""The inspector: per-token probability, rank, surprisal and top-k, equal to `eval`'s scoring,
followed incrementally through edits; the cells it keeps; its errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.eval.evaluate import score_predictor
from lstm_tui.engine.infer.neural_cache import CacheSettings
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.inspect import CHAR_BUCKETS, WORD_BUCKETS, CellProbe, Inspector
from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.paths import default_model_dir
from tests.conftest import SHAKESPEARE_HELD_OUT, small_config

CODE = 'def greet(name):\n    """Say hello."""\n    print("hello, " + name)  # (a comment)\n\n\nclass A:\n    pass\n'


@pytest.fixture(scope="module")
def default():
    """The shipped default (a char model with a continuous cache)."""
    return load_model(default_model_dir())


@pytest.fixture(scope="module")
def word_run(shakespeare_100k: Path, tmp_path_factory) -> Path:
    """A tiny space-tokenised word model (a few seconds of training)."""
    from lstm_tui.engine.train.trainer import Trainer

    folder = tmp_path_factory.mktemp("word-run") / "run"
    config = small_config(shakespeare_100k, level="word", tokenizer="space", units=32, bptt=16, batch_size=16,
                          max_steps=30, eval_every=30, vocab_size=2000, split=(0.9, 0.1, 0.0))
    Trainer.new(config, folder).run()
    return folder


def results(inspector: Inspector) -> dict[str, np.ndarray]:
    """Everything the inspector computed, as arrays to compare."""
    table = inspector._table
    n = len(inspector)
    return {"ids": table.ids[:n].copy(), "starts": inspector.starts.copy(), "ends": inspector.ends.copy(),
            "nll": table.nll[:n].copy(), "rank": inspector.ranks.copy(), "top": table.top_ids[:n].copy()}


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_scores_equal_evals_with_the_cache_and_without(default) -> None:
    """Per token: eval's NLL and rank exactly, with the run's cache (the default has one) and without."""
    text = CODE * 6
    for cache in (None, CacheSettings(size=0)):
        inspector = Inspector.from_saved(default, cache)
        assert inspector.predictor.cache.active == (cache is None)
        inspector.update(text)
        predictor = Predictor.from_saved(default, cache)
        scores, _, _ = score_predictor(predictor, default.vocab.encode(list(text)))
        np.testing.assert_array_equal(inspector._table.nll[1 : len(text)], scores.nll)
        np.testing.assert_array_equal(inspector.ranks[1:] - 1, scores.rank)  # eval's rank is 0-based
        totals = inspector.totals()
        assert (totals.tokens, totals.scored, totals.pending) == (len(text), len(text) - 1, 0)
        assert totals.bits == pytest.approx(scores.nll.sum() / math.log(2), rel=1e-12)
        assert totals.bits_per_char == totals.bits_per_token == pytest.approx(totals.bits / (len(text) - 1))


def test_each_token_reads_consistently(default) -> None:
    inspector = Inspector.from_saved(default, top_k=7)
    inspector.update(CODE)
    first = inspector.token(0)
    assert (first.text, first.prob, first.rank, first.bits, first.bucket, first.top) == ("d", None, None, None, None, ())
    for i in range(1, len(CODE)):
        token = inspector.token(i)
        assert token.text == CODE[i] == CODE[token.start : token.end]
        assert token.bits == pytest.approx(-math.log2(token.prob), rel=1e-9)
        assert token.bucket == CHAR_BUCKETS.bucket(token.rank)
        assert len(token.top) == 7
        probs = [c.prob for c in token.top]
        assert probs == sorted(probs, reverse=True)
        if token.rank <= 7:
            assert token.top[token.rank - 1].token == token.text
            assert token.top[token.rank - 1].prob == token.prob
        else:
            assert token.prob <= probs[-1] and token.text not in [c.token for c in token.top]
    assert inspector.buckets[0] == -1 and math.isnan(inspector.bits[0])
    assert inspector.token_at(5) == 5 and inspector.token_at(-1) is None


def test_edits_recompute_from_the_first_change_and_match_a_fresh_analysis(default) -> None:
    inspector = Inspector.from_saved(default)
    text = CODE * 3
    for stop in range(0, len(text) + 1, 23):  # typing, a few characters at a time
        inspector.update(text[:stop])
    inspector.update(text)
    # a key at the end costs one model step, and nothing else is redone
    assert inspector.set_text(text + "x") == len(text) and inspector.pending == 1
    assert inspector.advance() == 1
    # an edit in the middle redoes only what follows it
    middle = text[:100] + "XYZ" + text[100:]
    assert inspector.set_text(middle) == 100 and inspector.pending == len(middle) - 100
    inspector.advance()
    inspector.update(middle[:50])  # a deletion back to before the edit
    inspector.update(text)
    fresh = Inspector.from_saved(default)
    fresh.update(text)
    assert_same(results(inspector), results(fresh))
    assert inspector.totals() == fresh.totals()


def test_advance_within_a_budget_leaves_the_rest_pending(default) -> None:
    inspector = Inspector.from_saved(default)
    assert inspector.set_text(CODE) == 0
    assert inspector.advance(max_tokens=10) == 10 and inspector.pending == len(CODE) - 10
    assert inspector.token(9).rank is not None and inspector.token(10).rank is None
    assert inspector.totals().scored == 9 and inspector.totals().pending == len(CODE) - 10
    assert inspector.advance(seconds=0.0) == 1  # at least one token, then the clock stops it
    seen: list[tuple[int, int]] = []
    inspector.set_text(CODE * 11)
    inspector.advance(progress=lambda done, total: seen.append((done, total)))
    assert inspector.pending == 0 and seen == [(1000, len(CODE) * 11), (len(CODE) * 11, len(CODE) * 11)]


def test_word_tokens_keep_their_place_in_the_text(word_run: Path) -> None:
    saved = load_model(word_run)
    text = SHAKESPEARE_HELD_OUT.read_text(encoding="utf-8")[:1500]
    inspector = Inspector.from_saved(saved)
    inspector.update(text + " unfinishe")  # the word being typed is scored as it stands
    tokens = inspector.predictor.tokenizer.tokenize(text + " unfinishe")
    assert len(inspector) == len(tokens)
    for i, token in enumerate(tokens):
        shown = inspector.token(i).text
        assert shown == ("\n" if token == "<eos>" else token)
    assert inspector.token(len(tokens) - 1).text == "unfinishe"
    assert inspector.token(1).bucket == WORD_BUCKETS.bucket(inspector.token(1).rank)
    # equal to eval's scoring of the same tokens
    scores, _, _ = score_predictor(Predictor.from_saved(saved), saved.vocab.encode(tokens))
    np.testing.assert_array_equal(inspector._table.nll[1 : len(tokens)], scores.nll)
    # edits: spaces that move words without changing them, a new line, a changed word
    edited = text.replace(" the ", "  the ", 3)
    edited = edited[:400] + "\nA new line here.\n" + edited[400:].replace("and", "und", 2)
    for version in (edited, edited[:700], text, edited):
        inspector.update(version)
    fresh = Inspector.from_saved(saved)
    fresh.update(edited)
    assert_same(results(inspector), results(fresh))


def test_cells_are_the_states_after_each_token(default) -> None:
    inspector = Inspector.from_saved(default)
    inspector.update(CODE)
    predictor = Predictor.from_saved(default)
    states = []
    for token_id in default.vocab.encode(list(CODE)):
        predictor.feed(int(token_id))
        states.append(predictor.branch_root().copy())
    states = np.array(states)  # (T, 4, H): h1, c1, h2, c2
    for layer, kind, row in ((1, "h", 0), (1, "c", 1), (2, "h", 2), (2, "c", 3)):
        probe = inspector.probe(layer, kind, 17)
        np.testing.assert_allclose(inspector.cells(probe), states[:, row, 17], rtol=2e-3, atol=2e-3)  # float16
    # only some units, within a budget: the rest is NaN
    units = default.config.units
    probes = [CellProbe(2, "c", 3), CellProbe(1, "h", units - 1)]
    few = Inspector.from_saved(default, cells=probes, cell_budget=2 * 2 * 40)  # 40 tokens of two float16 values
    few.update(CODE)
    assert few.cell_limit == 40
    values = few.cells(probes[1])
    np.testing.assert_allclose(values[:40], states[:40, 0, units - 1], rtol=2e-3, atol=2e-3)
    assert np.isnan(values[40:]).all()
    with pytest.raises(UserError, match="L1 c 0 was not recorded"):
        few.cells(CellProbe(1, "c", 0))


def test_word_cells_cover_every_character(word_run: Path) -> None:
    inspector = Inspector.from_saved(load_model(word_run))
    text = "  the king is   dead\nlong live"
    inspector.update(text)
    probe = inspector.probe(1, "h", 0)
    per_token, per_char = inspector.token_cells(probe), inspector.cells(probe)
    assert len(per_char) == len(text) and np.isnan(per_char[:2]).all()  # before the first word
    the, king = inspector.token(0), inspector.token(1)
    assert (per_char[the.start : king.start] == per_token[0]).all()  # "the " takes the value after "the"
    assert per_char[text.index("dead") + 4] == per_token[4]  # the line break after "dead" is token 4 (<eos>)
    assert per_char[-1] == per_token[-1]


@pytest.mark.parametrize(("layer", "kind", "unit", "message"), [
    (3, "c", 0, "layer 3 does not exist; the model has layers 1 and 2"),
    (0, "h", 0, "layer 0 does not exist"),
    (True, "h", 0, "layer True does not exist"),
    (1, "x", 0, "cell kind 'x' is not one of c"),
    (1, "c", 256, "unit 256 is out of range; this model's layers have 256 units (0 to 255)"),
    (2, "h", -1, "unit -1 is out of range"),
    (2, "h", "7", "unit '7' is out of range"),
])
def test_probe_errors_are_one_line(layer, kind, unit, message) -> None:
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        CellProbe.checked(layer, kind, unit, 256)
    assert "\n" not in str(caught.value)


def test_top_k_out_of_range(default) -> None:
    with pytest.raises(UserError, match="--top-k must be from 0 to 20, got 21"):
        Inspector.from_saved(default, top_k=21)
    inspector = Inspector.from_saved(default, top_k=0)
    inspector.update("abc")
    assert inspector.token(2).top == () and inspector.token(2).rank >= 1


def test_rank_buckets() -> None:
    assert [CHAR_BUCKETS.bucket(r) for r in (1, 2, 3, 4, 10, 11, 99)] == [0, 1, 1, 2, 2, 3, 3]
    assert [WORD_BUCKETS.bucket(r) for r in (1, 10, 11, 100, 101, 1000, 1001)] == [0, 0, 1, 1, 2, 2, 3]
    assert CHAR_BUCKETS.labels == ("top-1", "top-3", "top-10", "beyond 10")
    assert WORD_BUCKETS.labels == ("top-10", "top-100", "top-1000", "beyond 1000")
    assert WORD_BUCKETS.of(np.array([1, 500, 5000])).tolist() == [0, 2, 3]
