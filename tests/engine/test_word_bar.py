"""The word bar of character models and the ghost text: suggestions that end where words end."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.data.tokenizers import CharTokenizer
from lstm_tui.engine.data.vocabulary import UNK, Vocabulary
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.suggestion_ranker import SuggestionRanker
from lstm_tui.engine.infer.word_bar import ends_word, likeliest_words, shown_word
from tests.conftest import count_steps


class MarkovRanker(SuggestionRanker):
    """A character ranker whose next-character distribution depends on the last character only."""

    CHARS = ["a", "b", " "]

    def __init__(self, table: dict[str, list[float]]) -> None:
        super().__init__(Vocabulary([UNK, *self.CHARS]), CharTokenizer())
        self.table = table

    def branch_root(self) -> str:
        return ""

    def branch_step(self, point: str, token_id: int) -> str:
        return point + self.vocab.tokens[token_id]

    def branch_probabilities(self, point: str) -> np.ndarray:
        return np.array([0.0, *self.table[point[-1:]]])


def every_completion(ranker: MarkovRanker, first: np.ndarray, max_chars: int) -> list[tuple[str, float]]:
    """Every completion the bar could offer, with its joint probability (brute force)."""
    found = []
    for length in range(1, max_chars + 1):
        for chars in itertools.product(MarkovRanker.CHARS, repeat=length):
            text = "".join(chars)
            if any(ends_word(text[:i]) for i in range(1, length)):
                continue  # ended earlier
            if length < max_chars and not ends_word(text):
                continue  # not ended yet
            prob = float(first[ranker.vocab.id(text[0])])
            for i in range(1, length):
                prob *= float(ranker.branch_probabilities(text[:i])[ranker.vocab.id(text[i])])
            found.append((text, prob))
    return sorted(found, key=lambda item: -item[1])


def test_the_bar_holds_the_likeliest_completions_by_joint_probability() -> None:
    ranker = MarkovRanker({"a": [0.2, 0.5, 0.3], "b": [0.6, 0.1, 0.3], " ": [0.5, 0.4, 0.1]})
    first = np.array([0.0, 0.3, 0.45, 0.25])
    expected = every_completion(ranker, first, max_chars=6)[:3]
    found = likeliest_words(ranker, first, count=3, budget=10_000, max_chars=6)
    assert [text for text, _ in found] == [text for text, _ in expected]
    np.testing.assert_allclose([p for _, p in found], [p for _, p in expected], rtol=1e-9)


def test_a_completion_ends_with_its_word() -> None:
    assert ends_word("ject ") and ends_word(" the ") and ends_word("word\n") and ends_word("\n    def ")
    assert ends_word("です。") and not ends_word("です")
    assert not ends_word(" ") and not ends_word("\n  ") and not ends_word("pro") and not ends_word("a")
    assert shown_word("the pro", "gram ") == "program" and shown_word("the pro", "gr") == "progr…"
    assert shown_word("the", " end ") == " end"
    assert shown_word("x", "\n    def ") == "\n    def"


def test_a_letter_loop_is_no_word() -> None:
    """A model that only ever says "e" offers no "eeeeeeee…" (rules of dashes stay: code has them)."""
    ranker = MarkovRanker({"a": [0.97, 0.02, 0.01], "b": [0.97, 0.02, 0.01], " ": [0.97, 0.02, 0.01]})
    first = np.array([0.0, 0.97, 0.02, 0.01])
    for text, _ in likeliest_words(ranker, first, count=3, budget=10_000, max_chars=12):
        assert "aaaa" not in text


def test_the_word_bar_of_a_trained_model(trained_char_run: Path) -> None:
    predictor = Predictor.load(trained_char_run)
    for text in ("ROMEO:\nWhat say", "First Citizen:\nBefore we pro", "KING RICHARD:\nAnd "):
        suggestions = predictor.suggest(text, 5)
        context = predictor.context_ids
        words = suggestions.words
        assert len(words) == 3 and len({w.insert for w in words}) == 3
        assert [w.prob for w in words] == sorted((w.prob for w in words), reverse=True)
        for word in words:  # the joint probability, one character at a time from the context
            check = Predictor.load(trained_char_run)
            check.set_text(text)
            prob = float(check.probabilities()[check.vocab.id(word.insert[0])])
            for before, char in zip(word.insert, word.insert[1:]):
                check.feed(check.vocab.id(before))
                prob *= float(check.model_probabilities()[check.vocab.id(char)])
            assert word.prob == pytest.approx(prob, rel=1e-4)
        assert predictor.context_ids == context  # looking ahead left the context alone
        ghost = predictor.ghost(suggestions)
        assert ghost == words[0].insert
        assert not any(a.isspace() and not b.isspace() for a, b in zip(ghost.lstrip(), ghost.lstrip()[1:])), ghost


def test_searches_warmed_between_keys_leave_the_next_key_no_step_and_the_same_bar(trained_char_run: Path) -> None:
    """`warm_word_bars` on a twin, for the likeliest next characters: typing one of them then
    finds its step and its word bar's every step in the memo, and the bar is a fresh predictor's."""
    typed = "ROMEO:\nI will "
    unwarmed = Predictor.load(trained_char_run)
    unwarmed.suggest(typed)
    unwarmed_steps = count_steps(unwarmed)
    predictor = Predictor.load(trained_char_run)
    predictor.suggest(typed)
    root, token_ids = predictor.likeliest_next(3)
    assert len(token_ids) == 3
    predictor.twin().warm_word_bars(root, token_ids, stop=lambda: False)
    steps = count_steps(predictor)
    unwarmed.suggest(typed + predictor.vocab.tokens[token_ids[-1]])
    assert unwarmed_steps[0] > 0  # without the warm searches the key steps the model
    for token_id in token_ids:
        following = typed + predictor.vocab.tokens[token_id]
        warmed = predictor.suggest(following)
        assert steps[0] == 0, f"{following!r} still stepped the model"
        assert warmed.words and warmed == Predictor.load(trained_char_run).suggest(following)
        predictor.suggest(typed)  # back, as a backspace would


def test_a_stop_ends_the_warm_searches_before_their_first_step(trained_char_run: Path) -> None:
    predictor = Predictor.load(trained_char_run)
    predictor.suggest("ROMEO:\nI will ")
    root, token_ids = predictor.likeliest_next(3)
    warmer = Predictor.load(trained_char_run)  # a memo of its own: the suggestions above stepped some already
    steps = count_steps(warmer)
    warmer.warm_word_bars(root, token_ids, stop=lambda: True)
    assert steps[0] == 0
    asked: list[int] = []
    warmer.warm_word_bars(root, token_ids, stop=lambda: len(asked) > 2 or bool(asked.append(1)))  # True at the 4th question
    assert 0 < steps[0] <= 1 + 2 * (1 + 3)  # the first token's step, then two of its search's (each with look-aheads)
