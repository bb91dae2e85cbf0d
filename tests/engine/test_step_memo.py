"""The memo of steps shared by a predictor and its twin (the suggestions and the inspector): what
one stepped the other copies, and every number is the same as computing it afresh."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.step_memo import StepMemo
from lstm_tui.engine.inspect import Inspector
from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.paths import default_model_dir
from tests.conftest import SHAKESPEARE_FIRST_100K

PREFILL = 2_000  # characters in the box before typing
TYPED = 60


@pytest.fixture(scope="module")
def default():
    """The shipped default (a char model with a continuous cache: distributions are memoised too)."""
    return load_model(default_model_dir())


@pytest.fixture(scope="module")
def text() -> str:
    return SHAKESPEARE_FIRST_100K.read_text(encoding="utf-8")[: PREFILL + TYPED]


def counting_steps(predictor: Predictor) -> list[int]:
    """Count the model steps `predictor` computes itself (not those it copies from the memo)."""
    count = [0]
    original = predictor._step

    def step(*args) -> None:
        count[0] += 1
        original(*args)

    predictor._step = step  # type: ignore[method-assign]
    return count


def test_the_inspector_of_a_twin_copies_the_suggestions_steps_and_scores_the_same(default, text: str) -> None:
    """Typing at the end: per key the suggestions step the key and compute the next distribution;
    the inspector (over a twin) then scores the key and steps it, computing nothing itself, and
    its probabilities, ranks, bits and top-k equal a fresh inspector's (`lstm-tui inspect`'s)."""
    suggestions = Predictor.from_saved(default)
    inspector = Inspector(suggestions.twin(), top_k=20)
    assert inspector.predictor.memo is suggestions.memo and inspector.predictor.weights is suggestions.weights
    prefill = text[:PREFILL]
    suggestions.suggest(prefill)
    inspector.update(prefill)
    own_steps = counting_steps(inspector.predictor)
    hits = dict(suggestions.memo.hits)
    for end in range(PREFILL + 1, len(text) + 1):
        suggestions.suggest(text[:end])
        inspector.update(text[:end])
    assert own_steps[0] == 0
    assert suggestions.memo.hits["steps"] - hits["steps"] >= TYPED  # the inspector's steps at least
    # each key's but the first (the inspector's own analysis of the prefill pushed that one out)
    assert suggestions.memo.hits["distributions"] - hits["distributions"] == TYPED - 1

    fresh = Inspector.from_saved(default, top_k=20)
    assert fresh.predictor.memo is not suggestions.memo  # a memo never crosses predictors loaded apart
    fresh.update(text)
    n = len(text)
    mine, theirs = inspector._table, fresh._table
    for name in ("prob", "nll", "rank", "top_ids", "top_probs", "top_count"):
        np.testing.assert_array_equal(getattr(mine, name)[:n], getattr(theirs, name)[:n], err_msg=name)
    assert inspector.totals() == fresh.totals()


def test_suggestions_with_the_memo_equal_fresh_ones(default, text: str) -> None:
    """The word bar's look-aheads of one key are copied on the next when the typist goes on as it
    guessed; the suggestions (items, word bar, probabilities) are exactly a fresh predictor's."""
    typing = Predictor.from_saved(default)
    start = 300  # each key builds a fresh predictor: a short text keeps the test fast
    typing.suggest(text[:start])
    for end in range(start + 1, start + 21):
        fresh = Predictor(default.model, default.vocab, typing.tokenizer, default.meta, token_step=typing.token_step)
        assert fresh.memo is not typing.memo
        assert typing.suggest(text[:end]) == fresh.suggest(text[:end])
    assert typing.memo.hits["steps"] > 0


def test_the_word_bar_stepped_in_batches_equals_one_step_at_a_time(default, text: str) -> None:
    """`branch_ahead` steps the next queued prefixes together (a step split over cores); the
    suggestions are exactly those of a predictor that steps one look-ahead at a time."""
    batched, single = Predictor.from_saved(default), Predictor.from_saved(default)
    single.branch_ahead = lambda points, token_ids: None  # type: ignore[method-assign]
    rows = [0]
    forward_rows = batched.token_step.forward_rows

    def counting(token_ids, prev, out) -> None:
        rows[0] += len(token_ids)
        forward_rows(token_ids, prev, out)

    batched.token_step.forward_rows = counting  # type: ignore[method-assign]
    start = 300
    for end in range(start, start + 25):
        assert batched.suggest(text[:end]) == single.suggest(text[:end])
    assert (rows[0] > 0) == (batched.parts > 1)  # one core's step sums through BLAS: no batches there


def test_backspace_and_edits_still_follow_like_fresh_typing(default, text: str) -> None:
    """A memo hit is taken only for the same state and token: after a backspace, an edit and a
    different key the distributions are still a fresh predictor's."""
    predictor = Predictor.from_saved(default)
    base = text[:300]
    for edited in (base, base[:-1], base[:-1] + "Q", base[:150] + "x" + base[150:], base):
        predictor.set_text(edited)
        fresh = Predictor(default.model, default.vocab, predictor.tokenizer, default.meta, token_step=predictor.token_step)
        fresh.set_text(edited)
        np.testing.assert_array_equal(predictor.probabilities(), fresh.probabilities())


def test_the_memo_keeps_the_most_recent() -> None:
    memo = StepMemo(steps=3)
    states = [np.full((4, 2), i, dtype=np.float32) for i in range(5)]
    for i, state in enumerate(states):
        memo.keep_step(7, state, state + 1)
    out = np.empty((4, 2), dtype=np.float32)
    assert not memo.step(7, states[0], out) and not memo.step(7, states[1], out)
    assert not memo.step(8, states[4], out)  # another token from the same state
    assert memo.step(7, states[4], out) and (out == 5).all()
    assert memo.hits == {"steps": 1, "distributions": 0}
