"""Ranking a next-token distribution into suggestions: the top-k tokens, or completions of a word.

The LSTM `Predictor` and the count-based baselines of `lstm-tui eval` both rank through
`SuggestionRanker`, so their keystroke savings compare like with like.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from lstm_tui.engine.data.tokenizers import EOS, Tokenizer
from lstm_tui.engine.data.vocabulary import UNK, Vocabulary
from lstm_tui.engine.model.cpu_kernels import softmax_cross_entropy_rows, top_k_select


@dataclass(frozen=True)
class Suggestion:
    """One suggested token: what it is, its probability, and the text accepting it inserts."""

    token: str
    prob: float
    insert: str


@dataclass(frozen=True)
class Suggestions:
    """The top-k for the text before the cursor; `partial` is the word being completed."""

    items: list[Suggestion]
    partial: str


class SuggestionRanker:
    """Top-k next tokens and word completions from a next-token distribution.

    A subclass gives `logits()` for its current context.
    """

    def __init__(self, vocab: Vocabulary, tokenizer: Tokenizer) -> None:
        self.vocab = vocab
        self.tokenizer = tokenizer
        self.level = tokenizer.level
        self.banned = np.zeros(len(vocab), dtype=bool)
        """Token ids never suggested nor generated (`<unk>`)."""
        self.banned[vocab.id(UNK)] = True
        self._no_target = np.zeros(1, dtype=np.int32)  # the fused softmax's (unused) target
        self._no_bias = np.zeros(len(vocab), dtype=np.float32)  # logits() already holds the bias
        self._rendered = [tokenizer.render(t) for t in vocab.tokens]  # once, not per suggestion per key
        words = sorted((t, i) for i, t in enumerate(vocab.tokens) if t not in (UNK, EOS))
        self._sorted_words = [t for t, _ in words]
        self._sorted_ids = np.array([i for _, i in words], dtype=np.int64)

    def logits(self) -> np.ndarray:
        """Next-token logits after the current context."""
        raise NotImplementedError

    def probabilities(self, temperature: float = 1.0) -> np.ndarray:
        """The next-token distribution at `temperature` (a new array; the caller may change it)."""
        logits = self.logits()
        if temperature != 1.0:
            logits = logits / np.float32(max(temperature, 1e-3))
        if logits.dtype == np.float32:  # one fused pass instead of five array calls (a keystroke's budget)
            probs = np.empty((1, len(logits)), dtype=np.float32)
            softmax_cross_entropy_rows(logits[None], self._no_bias, self._no_target, probs)
            return probs[0]
        scaled = logits - logits.max()
        np.exp(scaled, out=scaled)
        scaled /= scaled.sum()
        return scaled

    def top_k(self, k: int = 5, temperature: float = 1.0) -> list[Suggestion]:
        """The k most likely next tokens (`<unk>` excluded), most likely first."""
        probs = self.probabilities(temperature)
        top = np.empty(max(1, min(k, len(probs))), dtype=np.int64)
        count = top_k_select(probs, self.banned, len(top), top)
        return [self._suggestion(int(i), float(probs[i]), "") for i in top[:count]]

    def completions(self, partial: str, k: int = 5, temperature: float = 1.0) -> list[Suggestion]:
        """In-vocabulary words starting with `partial`, probabilities renormalised over them."""
        lo = bisect.bisect_left(self._sorted_words, partial)
        hi = bisect.bisect_left(self._sorted_words, partial + "\U0010ffff")
        if lo == hi:
            return []
        ids = self._sorted_ids[lo:hi]
        probs = self.probabilities(temperature)[ids]
        total = float(probs.sum())
        if total <= 0:
            return []
        order = np.argsort(-probs, kind="stable")[:k]
        return [self._suggestion(int(ids[j]), float(probs[j] / total), partial) for j in order]

    def _suggestion(self, token_id: int, prob: float, partial: str) -> Suggestion:
        rendered = self._rendered[token_id]
        return Suggestion(self.vocab.tokens[token_id], prob, rendered[len(partial):] if partial else rendered)
