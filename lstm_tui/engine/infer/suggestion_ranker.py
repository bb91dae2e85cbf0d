"""Ranking a next-token distribution into suggestions: the top-k tokens, completions of a word,
and (character models) the word bar.

The LSTM `Predictor` and the count-based baselines of `lstm-tui eval` both rank through
`SuggestionRanker`, so their keystroke savings compare like with like.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np

from lstm_tui.engine.data.tokenizers import EOS, Tokenizer, kana_tail
from lstm_tui.engine.data.vocabulary import UNK, Vocabulary
from lstm_tui.engine.infer.word_bar import MAX_CHARS, WORDS, greedy_words, likeliest_words, shown_word
from lstm_tui.engine.model.cpu_kernels import softmax_cross_entropy_rows, top_k_select

KANA_SPAN = 3  # trailing kana tokens that may be the start of one word being typed


def _log(prob: float) -> float:
    return math.log(max(prob, 1e-45))


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
    words: list[Suggestion] = field(default_factory=list)
    """Character models: the word bar (the likeliest completions of the word being typed)."""

    @property
    def ranked(self) -> list[Suggestion]:
        """Every suggestion in the order the keys pick them: the word bar's words, then the items."""
        return [*self.words, *self.items]


class SuggestionRanker:
    """Top-k next tokens and word completions from a next-token distribution.

    A subclass gives `logits()` for its current context, the model's own distribution a few
    tokens back (`model_probabilities_before`), and a look-ahead that leaves the context alone
    (`branch_root`, `branch_step`, `branch_probabilities`: the word bar's search; `branch_rows`
    where it can step several look-aheads at once).
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
        self._banned_or_blank = self.banned | np.array([not t.strip() for t in self._rendered], dtype=bool)
        """`banned` and the tokens that insert only whitespace (`rank`'s `words_only`)."""
        words = sorted((t, i) for i, t in enumerate(vocab.tokens) if t not in (UNK, EOS))
        self._sorted_words = [t for t, _ in words]
        self._sorted_ids = np.array([i for _, i in words], dtype=np.int64)
        # Space-separated words also complete without regard to case ("World" finds "world"):
        # the lower-cased words that keep their length (so the typed part is cut off exactly).
        folded = sorted((t.lower(), i) for t, i in words if len(t.lower()) == len(t) and t.lower() != t) if tokenizer.name == "space" else []
        self._folded_words = [t for t, _ in folded]
        self._folded_ids = np.array([i for _, i in folded], dtype=np.int64)

    def logits(self) -> np.ndarray:
        """Next-token logits after the current context."""
        raise NotImplementedError

    def model_probabilities_before(self, count: int) -> np.ndarray:
        """The model's own next-token distribution before the last `count` tokens of the context."""
        raise NotImplementedError

    def branch_root(self) -> object:
        """The current context as a point to look ahead from (never changed by `branch_step`)."""
        raise NotImplementedError

    def branch_step(self, point: object, token_id: int) -> object:
        """The point after `token_id` follows `point` (a new one; the context is unchanged)."""
        raise NotImplementedError

    def branch_probabilities(self, point: object) -> np.ndarray:
        """The model's own next-token distribution at a look-ahead point."""
        raise NotImplementedError

    def branch_ahead(self, points: list, token_ids: list[int]) -> None:
        """A hint: `branch_step` will soon be asked for these (point, token) pairs, so a ranker
        that steps several at once for about the price of one may do so now (here: nothing)."""

    def branch_rows(self, points: list, token_ids: list[int]) -> tuple[list, np.ndarray]:
        """Each of `points` after its token (new points), and the model's own next-token
        distribution at each (rows of a new array): here one look-ahead after the other."""
        stepped = [self.branch_step(point, token_id) for point, token_id in zip(points, token_ids)]
        return stepped, np.stack([self.branch_probabilities(point) for point in stepped])

    def probabilities(self, temperature: float = 1.0) -> np.ndarray:
        """The next-token distribution at `temperature` (a new array; the caller may change it)."""
        return self.softmax(self.logits(), temperature)

    def softmax(self, logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
        """The distribution of `logits` at `temperature` (a new array)."""
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

    def softmax_rows(self, logits: np.ndarray) -> np.ndarray:
        """The distribution of each row of `logits` (n, V) at temperature 1 (a new array)."""
        if logits.dtype != np.float32:
            return np.stack([self.softmax(row) for row in logits])
        probs = np.empty_like(logits)
        softmax_cross_entropy_rows(logits, self._no_bias, np.zeros(len(logits), dtype=np.int32), probs)
        return probs

    def top_k(self, k: int = 5, temperature: float = 1.0) -> list[Suggestion]:
        """The k most likely next tokens (`<unk>` excluded), most likely first."""
        return self.rank(self.probabilities(temperature), k)

    def rank(self, probs: np.ndarray, k: int, words_only: bool = False) -> list[Suggestion]:
        """The k most likely tokens of the distribution `probs` (`<unk>` excluded; `words_only`:
        also every token that inserts only whitespace, as an editor's completion is a word)."""
        top = np.empty(max(1, min(k, len(probs))), dtype=np.int64)
        count = top_k_select(probs, self._banned_or_blank if words_only else self.banned, len(top), top)
        return [self._suggestion(int(i), float(probs[i]), "") for i in top[:count]]

    def continuations(self, k: int = 5, temperature: float = 1.0, words_only: bool = False, max_chars: int = MAX_CHARS,
                      known: dict[str, str] | None = None) -> list[Suggestion]:
        """Character models: the k likeliest next characters (as `rank` ranks them), each
        continued greedily to the end of its word (`word_bar.greedy_words`: all k together), as
        `eval`'s keystroke simulation and the language server offer them. Each suggestion's
        `insert` is its continuation, with the whitespace that ends it; its probability is the
        next character's. `known`: continuations already known by their first character (say
        from the key before), not stepped again."""
        firsts = self.rank(self.probabilities(temperature), k, words_only)
        known = known or {}
        missing = [s.token for s in firsts if s.token not in known]
        found = dict(zip(missing, greedy_words(self, [self.vocab.id(t) for t in missing], max_chars)))
        return [Suggestion(s.token, s.prob, known[s.token] if s.token in known else found[s.token]) for s in firsts]

    def completions(self, partial: str, k: int = 5, temperature: float = 1.0) -> list[Suggestion]:
        """In-vocabulary words starting with `partial`, probabilities renormalised over them.

        Space-separated words match regardless of case too; words that would insert the same text
        ("World" and "world" after "Wor") are one suggestion with their probabilities summed.
        """
        ids = self._prefix_ids(partial)
        if not len(ids):
            return []
        probs = self.probabilities(temperature)[ids]
        total = float(probs.sum())
        if total <= 0:
            return []
        if len(self._folded_ids):
            return self._merged_completions(partial, ids, probs / total, k)
        order = np.argsort(-probs, kind="stable")[:k]
        return [self._suggestion(int(ids[j]), float(probs[j] / total), partial) for j in order]

    def _prefix_ids(self, partial: str) -> np.ndarray:
        """Ids of the words that start with `partial` (and, for space-separated words, whose
        lower-cased form starts with it lower-cased)."""
        ids = self._sorted_ids[self._prefix_range(self._sorted_words, partial)]
        if len(self._folded_ids):
            lowered = partial.lower()
            more = self._folded_ids[self._prefix_range(self._folded_words, lowered)]
            if lowered != partial:
                more = np.concatenate([more, self._sorted_ids[self._prefix_range(self._sorted_words, lowered)]])
            if len(more):
                ids = np.unique(np.concatenate([ids, more]))
        return ids

    @staticmethod
    def _prefix_range(words: list[str], prefix: str) -> slice:
        return slice(bisect.bisect_left(words, prefix), bisect.bisect_left(words, prefix + "\U0010ffff"))

    def _merged_completions(self, partial: str, ids: np.ndarray, probs: np.ndarray, k: int) -> list[Suggestion]:
        """Completions of `partial` summed by the text they insert (case-insensitive matches); each
        shown as its likeliest word that starts with `partial` exactly, else its likeliest."""
        groups: dict[str, tuple[float, tuple[bool, float], int]] = {}  # insert → (total, shown word's rank, its id)
        for token_id, prob in zip(ids.tolist(), probs.tolist()):
            insert = self._rendered[token_id][len(partial):]
            rank = (self.vocab.tokens[token_id].startswith(partial), prob)
            total, best, best_id = groups.get(insert, (0.0, (False, -1.0), token_id))
            groups[insert] = (total + prob, rank, token_id) if rank > best else (total + prob, best, best_id)
        ranked = sorted(groups.items(), key=lambda item: -item[1][0])[:k]
        return [Suggestion(self.vocab.tokens[token_id], total, insert) for insert, (total, _, token_id) in ranked]

    def word_bar(self, first: np.ndarray, typed: str = "", count: int = WORDS) -> list[Suggestion]:
        """Character models: the `count` likeliest completions of the word being typed, each with
        its joint probability; `first` is the next character's distribution (at temperature 1),
        `typed` the text before the cursor (for how each word reads)."""
        return [Suggestion(shown_word(typed, insert), prob, insert) for insert, prob in likeliest_words(self, first, count)]

    def typed_span(self, tokens: list[str]) -> int:
        """How many of the context's last tokens (`tokens`, their text) are the start of a word
        still being typed, not words of their own (0: none).

        A tokenizer without spaces splits a word's first kana into known words: "名前はま" ends
        in "ま", "おはよ" is "お は よ". The model decides: the trailing kana tokens are taken as
        the start of a longer word when that is likelier than the text as split (each split
        token's probability in turn). Only spans that some longer vocabulary word starts with
        are weighed, so most keys cost nothing here.
        """
        tail = kana_tail(tokens, KANA_SPAN)
        spans = [n for n in range(1, tail + 1) if self._extends("".join(tokens[-n:]))]
        if not spans:
            return 0
        deepest = max(spans)
        ids = [self.vocab.id(t) for t in tokens[-deepest:]]
        before = [self.model_probabilities_before(n) for n in range(deepest, 0, -1)]  # before[j]: before ids[j]
        split = [_log(float(p[i])) for p, i in zip(before, ids)]  # each token as the tokenizer split it
        best, best_score = 0, sum(split)
        for n in spans:
            start = deepest - n  # the span's first token in `ids`
            typed = "".join(tokens[-n:])
            longer = [i for i in self._prefix_ids(typed).tolist() if self.vocab.tokens[i] != typed]
            score = sum(split[:start]) + _log(float(before[start][longer].sum()))
            if score > best_score:
                best, best_score = n, score
        return best

    def _extends(self, text: str) -> bool:
        """True when some vocabulary word other than `text` itself starts with `text`."""
        found = self._sorted_words[self._prefix_range(self._sorted_words, text)]
        return len(found) > (1 if found and found[0] == text else 0)

    def _suggestion(self, token_id: int, prob: float, partial: str) -> Suggestion:
        rendered = self._rendered[token_id]
        return Suggestion(self.vocab.tokens[token_id], prob, rendered[len(partial):] if partial else rendered)
