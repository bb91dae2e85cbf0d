"""Several look-aheads stepped at once (`TokenStep.forward_rows`, `greedy_words`) compute what one
at a time computes: the language server's and the keystroke simulation's continuations."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.infer import step_weights
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.suggestion_ranker import SuggestionRanker
from lstm_tui.engine.infer.word_bar import greedy_word, greedy_words
from tests.engine.test_split_step import ALWAYS, NEVER, build

CONTEXTS = ["", "ROMEO:\nWhat say", "First Citizen:\nWe are accounted poor citizens, the pat", "KING HENRY VI:\n"]


@pytest.mark.parametrize("parts, pacing", [(1, NEVER), (2, ALWAYS), (2, NEVER)], ids=["one-core", "split", "split-serial"])
@pytest.mark.parametrize("table", [True, False], ids=["table", "no-table"])
def test_rows_step_like_one_step_each(parts, pacing, table, monkeypatch) -> None:
    if not table:
        monkeypatch.setattr(step_weights, "TABLE_LIMIT", 0)
    predictor = build(40, 16, 8, parts, scale=4, pacing=pacing)  # ×4: some gates saturate
    assert (predictor.weights.table1 is not None) == table
    rng = np.random.default_rng(5)
    prev = rng.normal(0, 1, (5, 4, 16)).astype(np.float32)
    ids = rng.integers(1, 40, 5)
    rows = np.empty_like(prev)
    predictor.token_step.forward_rows(ids, prev, rows)
    for b in range(5):
        one = np.empty((4, 16), dtype=np.float32)
        predictor.token_step.forward(int(ids[b]), prev[b], one)
        np.testing.assert_allclose(rows[b], one, rtol=1e-5, atol=1e-6)
        # a row's result does not depend on which rows share its batch
        alone = np.empty((1, 4, 16), dtype=np.float32)
        predictor.token_step.forward_rows(ids[b : b + 1], prev[b : b + 1], alone)
        np.testing.assert_array_equal(alone[0], rows[b])
    probs = predictor.token_step.output_rows(rows[:, 2])
    expected = np.stack([predictor.branch_probabilities(row) for row in rows])
    np.testing.assert_allclose(predictor.softmax_rows(probs), expected, rtol=1e-5, atol=1e-7)


def one_at_a_time(predictor: Predictor) -> Predictor:
    """The same predictor stepping its look-aheads one after the other (the base class's rows)."""
    predictor.branch_rows = functools.partial(SuggestionRanker.branch_rows, predictor)  # type: ignore[method-assign]
    return predictor


def test_batched_continuations_equal_one_at_a_time(trained_char_run: Path) -> None:
    batched, single = Predictor.load(trained_char_run), one_at_a_time(Predictor.load(trained_char_run))
    for context in CONTEXTS:
        batched.set_text(context)
        single.set_text(context)
        firsts = [batched.vocab.id(s.token) for s in batched.top_k(5)]
        words = greedy_words(batched, firsts)
        assert words == greedy_words(single, firsts)
        assert words == [greedy_word(batched, first) for first in firsts]
        assert all(len(w) <= 24 for w in words) and any(len(w) > 2 for w in words)
        assert greedy_words(batched, firsts, max_chars=3) == [w[:3] for w in words]
        # `ahead`: each stops at the first character that differs from the text ahead
        ahead = words[0][:2] + "\x00"
        cut = greedy_words(batched, firsts, ahead=ahead)
        assert cut == greedy_words(single, firsts, ahead=ahead)
        assert cut[0] == words[0][:3] or cut[0] == words[0]


def test_continuations_rank_words_and_reuse_what_is_known(trained_char_run: Path) -> None:
    predictor = Predictor.load(trained_char_run)
    predictor.set_text("ROMEO:\nWhat say you")  # after a word: a space or a line break is likeliest
    plain = predictor.continuations(5)
    words = predictor.continuations(5, words_only=True)
    assert any(not s.token.strip() for s in plain)
    assert all(s.token.strip() for s in words) and len(words) == 5
    ranked = predictor.rank(predictor.probabilities(), 20)
    assert [(s.token, s.prob) for s in words] == [(s.token, s.prob) for s in ranked if s.token.strip()][:5]
    assert [s.insert for s in words] == greedy_words(predictor, [predictor.vocab.id(s.token) for s in words])
    steps = []
    forward_rows = predictor.token_step.forward_rows
    predictor.token_step.forward_rows = lambda ids, *args: (steps.append(len(ids)), forward_rows(ids, *args))  # type: ignore[method-assign]
    known = {s.token: f"{s.token}known " for s in words[:4]}
    again = predictor.continuations(5, words_only=True, known=known)
    assert [s.insert for s in again] == [*known.values(), words[4].insert]
    assert steps and set(steps) == {1}  # only the one not known was stepped
