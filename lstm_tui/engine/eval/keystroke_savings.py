"""Keystroke savings: a simulated user types a text and accepts a model's suggestions.

Keystroke savings rate (KSR): a simulated user types the text character by character. Before
each keystroke the model offers its top-3 suggestions; if the text one of them would insert is
exactly what comes next, the user accepts it (one keystroke) instead of typing. KSR =
1 − keystrokes ÷ characters. Word models offer the top-3 completions of the word being typed, or
the top-3 next words at a word boundary, each inserting what `Suggestion.insert` inserts (the rest
of the word and its separator). Character models offer, for each of the three most likely next
characters, that character followed by the greedy continuation up to and including the first
whitespace after a non-whitespace character (at most `CONTINUATION_CHARS` characters;
`word_bar.greedy_word`, which the language server offers too).

With the word bar (`word_bar=True`, character models) the suggestions are what the app's bar
offers instead: the three likeliest completions of the word by joint probability
(`SuggestionRanker.word_bar`), found by a best-first search rather than one greedy path per first
character.

The count-based baselines type the same text the same way: `NgramPredictor` offers their
suggestions through the LSTM predictor's own ranking code (`SuggestionRanker`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from lstm_tui.engine.eval.ngram import KneserNeyModel, UnigramModel
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.suggestion_ranker import KANA_SPAN, SuggestionRanker
from lstm_tui.engine.infer.word_bar import greedy_word
from lstm_tui.engine.data.tokenizers import Tokenizer
from lstm_tui.engine.data.vocabulary import Vocabulary

KSR_SUGGESTIONS = 3  # suggestions the simulated user may accept from
CONTINUATION_CHARS = 24  # character models: the longest suggested continuation


@dataclass
class TypingResult:
    """The outcome of simulated typing with suggestions (see the module docstring)."""

    chars: int
    keystrokes: int
    accepted: int  # suggestions accepted (each one keystroke)
    ksr: float  # 1 − keystrokes ÷ chars


class Suggester(Protocol):
    """What a model offers while a fixed text is typed from its start."""

    def inserts(self, pos: int) -> Sequence[str]:
        """The text each suggestion would insert after text[:pos] has been typed (best first)."""


def simulate_typing(text: str, suggester: Suggester, k: int = KSR_SUGGESTIONS) -> TypingResult:
    """Type `text`, accepting a top-k suggestion whenever it inserts exactly what comes next."""
    pos = keystrokes = accepted = 0
    while pos < len(text):
        keystrokes += 1
        for insert in list(suggester.inserts(pos))[:k]:
            if insert and text.startswith(insert, pos):
                pos += len(insert)
                accepted += 1
                break
        else:
            pos += 1
    chars = len(text)
    return TypingResult(chars=chars, keystrokes=keystrokes, accepted=accepted, ksr=1.0 - keystrokes / chars if chars else 0.0)


class NgramPredictor(SuggestionRanker):
    """A fitted count model (unigram or Kneser–Ney) behind the calls the typing simulation makes."""

    def __init__(self, model: UnigramModel | KneserNeyModel, vocab: Vocabulary, tokenizer: Tokenizer) -> None:
        super().__init__(vocab, tokenizer)
        self.model = model
        self._context = max(getattr(model, "order", 1) - 1, 0)  # tokens the model conditions on
        self._ids: list[int] = []
        self._cache: tuple[tuple[int, ...], np.ndarray] | None = None

    def reset(self) -> None:
        self._ids.clear()

    def feed(self, token_id: int) -> None:
        self._ids.append(int(token_id))

    def pop(self, count: int = 1) -> None:
        del self._ids[max(0, len(self._ids) - count) :]

    def logits(self) -> np.ndarray:
        """log P(· | context): softmax gives the model's own distribution back (kept for the
        context; like `Predictor.logits`, callers read it and do not change it)."""
        context = self.branch_root()
        if self._cache is None or self._cache[0] != context:
            with np.errstate(divide="ignore"):
                self._cache = context, np.log(self.model.distribution(context)).astype(np.float32)
        return self._cache[1]

    def model_probabilities_before(self, count: int) -> np.ndarray:
        return self.branch_probabilities(self._window(self._ids[: max(0, len(self._ids) - count)]))

    def branch_root(self) -> tuple[int, ...]:
        return self._window(self._ids)

    def branch_step(self, point: tuple[int, ...], token_id: int) -> tuple[int, ...]:
        return self._window([*point, int(token_id)])

    def branch_probabilities(self, point: tuple[int, ...]) -> np.ndarray:
        return self.model.distribution(point)

    def _window(self, ids: Sequence[int]) -> tuple[int, ...]:
        """The tokens the model conditions on: the last `order − 1`."""
        return tuple(ids[len(ids) - self._context :]) if self._context else ()


class PredictorSuggester:
    """A `Predictor`'s top-k suggestions while `text` is typed from the start, followed incrementally.

    `Predictor.suggest` re-reads the whole prefix; here only the current line is re-tokenized and
    only the tokens that changed are fed, so typing a long text stays linear. With `cut` (the
    default) a character model stops extending a continuation at the first character that differs
    from the text ahead: such a suggestion can never be accepted, so the KSR is unchanged.
    """

    def __init__(self, predictor: Predictor | NgramPredictor, text: str, k: int = KSR_SUGGESTIONS, max_chars: int = CONTINUATION_CHARS,
                 cut: bool = True, word_bar: bool = False) -> None:
        self.predictor = predictor
        self.text = text
        self.k = k
        self.max_chars = max_chars
        self.cut = cut
        self.word_bar = word_bar
        """Character models: offer the word bar's completions (as the app does)."""
        self.vocab = predictor.vocab
        self.tokenizer = predictor.tokenizer
        self._anchor = 0  # a line start: everything before it is fed for good
        self._tail: list[int] = []  # ids fed for the text between the anchor and the cursor
        self._pos = 0
        predictor.reset()

    def inserts(self, pos: int) -> list[str]:
        partial = self._follow(pos)
        if self.predictor.level == "char" and self.word_bar:
            return [s.insert for s in self.predictor.word_bar(self.predictor.probabilities(), count=self.k)]
        if self.predictor.level == "char":
            ahead = self.text[pos : pos + self.max_chars]
            return [self._continuation(s.token, ahead) for s in self.predictor.top_k(self.k)]
        if partial:
            return [s.insert for s in self.predictor.completions(partial, self.k)]
        return [s.insert for s in self.predictor.top_k(self.k)]

    def _follow(self, pos: int) -> str:
        """Make the predictor's context text[:pos]; returns the partial word being typed."""
        if pos < self._pos:
            raise ValueError("typing only moves forward")
        self._pos = pos
        segment = self.text[self._anchor : pos]
        newline = segment.rfind("\n")
        if newline >= 0:  # whole lines are final: feed them and move the anchor past them
            lines, _ = self.tokenizer.split_prefix(segment[: newline + 1])
            self._set_tail(self.vocab.encode(lines).tolist())
            self._tail = []
            self._anchor += newline + 1
            segment = segment[newline + 1 :]
        complete, partial = self.tokenizer.split_prefix(segment)
        if partial and self.tokenizer.name == "mecab" and partial in self.vocab.index:
            complete, partial = [*complete, partial], ""  # as Predictor.set_text
        self._set_tail(self.vocab.encode(complete).tolist())
        if not partial and self.tokenizer.name == "mecab":  # as Predictor.set_text
            tail = [self.vocab.tokens[i] for i in self._tail[-KANA_SPAN:]]
            span = self.predictor.typed_span(tail)
            if span:
                partial = "".join(tail[-span:])
                self._set_tail(self._tail[:-span])
        return partial

    def _set_tail(self, ids: list[int]) -> None:
        common = 0
        limit = min(len(ids), len(self._tail))
        while common < limit and ids[common] == self._tail[common]:
            common += 1
        if len(self._tail) > common:
            self.predictor.pop(len(self._tail) - common)
        for token_id in ids[common:]:
            self.predictor.feed(token_id)
        self._tail = ids

    def _continuation(self, first: str, ahead: str) -> str:
        """`first` then the greedy characters up to and including the end of the next word."""
        return greedy_word(self.predictor, self.vocab.id(first), self.max_chars, ahead if self.cut else None)
