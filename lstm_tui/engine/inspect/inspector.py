"""What the model thought of a text, token by token, following the text as it is edited.

For every token: its probability under the model at its position (with the continuous cache
where the run has one, as the app ranks and `eval` scores), its rank, its surprisal in bits and
the model's top-k there; and the LSTM's cell values after it. The first token is the context the
analysis starts from and has no score, as in `eval`, so the totals equal `eval`'s.

An edit recomputes from the first changed token only, through the predictor's own state stack
(`Predictor.pop` / `Predictor.feed`). `set_text` only notes the change; `advance` does the work
within a token or time budget, so an app can keep each keystroke short and finish a long paste
in steps (`pending` says what is left).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.neural_cache import CacheSettings
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.inspect.buckets import RankBuckets, buckets_for
from lstm_tui.engine.inspect.cell_store import DEFAULT_BUDGET, CellProbe, CellStore
from lstm_tui.engine.inspect.text_spans import TextSpans
from lstm_tui.engine.inspect.token_table import TokenTable
from lstm_tui.engine.model.cpu_kernels import top_k_select
from lstm_tui.engine.runs.model_file import SavedModel

LN2 = math.log(2)
MAX_TOP_K = 20


@dataclass(frozen=True)
class Choice:
    """One of the model's likeliest tokens at a position."""

    token: str
    prob: float


@dataclass(frozen=True)
class TokenScore:
    """One token of the text and what the model thought of it (None: not scored — the first
    token, or one `advance` has not reached yet)."""

    index: int
    text: str
    """The token as it stands in the text (a word model's line end: "\\n")."""
    start: int
    end: int
    prob: float | None
    rank: int | None
    """1-based: 1 is the model's first choice; ties count in the token's favour."""
    bits: float | None
    bucket: int | None
    top: tuple[Choice, ...]
    """The model's top-k at this position, likeliest first."""


@dataclass(frozen=True)
class Totals:
    """The text's surprisal so far."""

    tokens: int
    scored: int
    """Tokens with a score: all but the first once `pending` is 0 (`eval`'s "tokens")."""
    bits: float
    bits_per_token: float | None
    bits_per_char: float | None
    """Character models only: the same as bits_per_token."""
    pending: int


class Inspector:
    """Per-token analysis of a text under a model, recomputed from the first change."""

    def __init__(self, predictor: Predictor, top_k: int = 5, cells: Sequence[CellProbe] | None | bool = None,
                 cell_budget: int = DEFAULT_BUDGET) -> None:
        """The inspector owns `predictor` (it moves its context). `cells`: None keeps every unit
        after every token (within `cell_budget` bytes), a list keeps those units, False none."""
        if not 0 <= top_k <= MAX_TOP_K:
            raise UserError(f"--top-k must be from 0 to {MAX_TOP_K}, got {top_k}", field="top_k")
        self.predictor = predictor
        self.vocab = predictor.vocab
        self.level = predictor.level
        self.units = predictor.units
        self.top_k = top_k
        self.rank_buckets: RankBuckets = buckets_for(self.level)
        self.text = ""
        self._spans = TextSpans(self.vocab, predictor.tokenizer)
        self._table = TokenTable(max(top_k, 1))
        self._cells = CellStore(self.units, [] if cells is False else cells, cell_budget)
        self._scored = 0  # tokens [0, _scored) have their results
        self._fed = 0  # the predictor's context is ids[:_fed]
        self._no_ban = np.zeros(len(self.vocab), dtype=bool)
        self._top = np.empty(max(top_k, 1), dtype=np.int64)
        predictor.reset()

    @classmethod
    def from_saved(cls, saved: SavedModel, cache: CacheSettings | None = None, **options) -> "Inspector":
        """An inspector with a predictor of its own (`cache`: override the run's cache settings)."""
        return cls(Predictor.from_saved(saved, cache), **options)

    # following the text ---------------------------------------------------------------------
    def set_text(self, text: str) -> int:
        """Take `text` as the text to inspect; returns the first token whose results are redone.
        Cheap: the model work is `advance`'s."""
        tail = self._spans.follow(text)
        table = self._table
        old = table.ids[tail.kept : table.length]
        same = min(len(old), len(tail.ids))
        differ = np.flatnonzero(old[:same] != tail.ids[:same])
        if len(differ):
            same = int(differ[0])
        first = tail.kept + same
        table.relocate(tail.kept, tail.starts[:same], tail.ends[:same])
        table.truncate(first)
        table.append(tail.ids[same:], tail.starts[same:], tail.ends[same:])
        self.text = text
        self._scored = min(self._scored, first)
        self._cells.truncate(first)
        if self._fed > first:
            self.predictor.pop(self._fed - first)
            self._fed = first
        return first

    @property
    def pending(self) -> int:
        """Tokens `advance` has still to analyse."""
        return self._table.length - self._scored

    def advance(self, max_tokens: int | None = None, seconds: float | None = None,
                progress: Callable[[int, int], None] | None = None) -> int:
        """Analyse pending tokens in order: at most `max_tokens`, for about `seconds` at most
        (None: no limit); returns how many. `progress(done, total)` is told every 1,000 tokens
        and at the end."""
        table, predictor, cells = self._table, self.predictor, self._cells
        stop = table.length if max_tokens is None else min(table.length, self._scored + max_tokens)
        deadline = None if seconds is None else time.perf_counter() + seconds
        start = self._scored
        for position in range(start, stop):
            if position > 0:
                self._score(position, predictor.probabilities())
            predictor.feed(int(table.ids[position]))
            self._fed = self._scored = position + 1
            cells.record(position, predictor.branch_root())
            done = position + 1 - start
            if progress is not None and (self._scored % 1000 == 0 or self._scored == table.length):
                progress(self._scored, table.length)
            if deadline is not None and time.perf_counter() >= deadline:
                break
        return self._scored - start

    def update(self, text: str) -> int:
        """`set_text` and `advance` to the end; returns the first token redone."""
        first = self.set_text(text)
        self.advance()
        return first

    def _score(self, position: int, probs: np.ndarray) -> None:
        table = self._table
        target = int(table.ids[position])
        prob = probs[target]
        table.prob[position] = prob
        table.nll[position] = -math.log(max(float(prob), 1e-45))
        table.rank[position] = 1 + np.count_nonzero(probs > prob)
        if self.top_k:
            count = top_k_select(probs, self._no_ban, self.top_k, self._top)
            table.top_ids[position, :count] = self._top[:count]
            table.top_probs[position, :count] = probs[self._top[:count]]
            table.top_count[position] = count

    # results -------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Tokens in the text."""
        return self._table.length

    @property
    def scored(self) -> int:
        """Tokens analysed, from the start: [0, scored) (the first of them has no score)."""
        return self._scored

    def token(self, index: int) -> TokenScore:
        """Token `index` and its results."""
        table = self._table
        if not 0 <= index < table.length:
            raise IndexError(f"token {index} of {table.length}")
        start, end = int(table.starts[index]), int(table.ends[index])
        rank = int(table.rank[index])
        if rank == 0:
            return TokenScore(index, self.text[start:end], start, end, None, None, None, None, ())
        top = tuple(Choice(self.vocab.tokens[int(i)], float(p))
                    for i, p in zip(table.top_ids[index, : table.top_count[index]], table.top_probs[index]))
        nll = float(table.nll[index])
        return TokenScore(index, self.text[start:end], start, end, float(table.prob[index]), rank, nll / LN2,
                          self.rank_buckets.bucket(rank), top)

    def token_at(self, offset: int) -> int | None:
        """The token covering character `offset` of the text, else the last one before it (None:
        no token starts at or before it)."""
        index = int(np.searchsorted(self.starts, offset, side="right")) - 1  # starts are sorted
        return index if index >= 0 else None

    @property
    def starts(self) -> np.ndarray:
        """Where each token starts in the text (a view: valid until the next `set_text`)."""
        return self._table.starts[: self._table.length]

    @property
    def ends(self) -> np.ndarray:
        return self._table.ends[: self._table.length]

    @property
    def ranks(self) -> np.ndarray:
        """1-based rank of each token (0: no score)."""
        return self._table.rank[: self._table.length]

    @property
    def bits(self) -> np.ndarray:
        """Surprisal of each token in bits (NaN: no score)."""
        return self._table.nll[: self._table.length] / LN2

    @property
    def buckets(self) -> np.ndarray:
        """Rank bucket of each token (int8; -1: no score)."""
        ranks = self.ranks
        out = self.rank_buckets.of(ranks)
        out[ranks == 0] = -1
        return out

    def totals(self) -> Totals:
        nll = self._table.nll[1 : self._scored]
        bits = float(nll.sum()) / LN2 if len(nll) else 0.0
        per_token = bits / len(nll) if len(nll) else None
        return Totals(tokens=len(self), scored=len(nll), bits=bits, bits_per_token=per_token,
                      bits_per_char=per_token if self.level == "char" else None, pending=self.pending)

    # cells -----------------------------------------------------------------------------------
    def probe(self, layer: object, kind: object, unit: object) -> CellProbe:
        """A checked probe of this model's units (a one-line UserError otherwise)."""
        return CellProbe.checked(layer, kind, unit, self.units)

    @property
    def cell_limit(self) -> int:
        """Tokens whose cell values the memory budget holds."""
        return self._cells.limit

    def token_cells(self, probe: CellProbe) -> np.ndarray:
        """`probe`'s value after each token (float32; NaN where not analysed or past the budget)."""
        return self._cells.values(probe, len(self))

    def cells(self, probe: CellProbe) -> np.ndarray:
        """`probe`'s value under each character of the text: the value after the token that
        covers it (a word model's spaces: after the word before them; NaN before the first)."""
        values = self.token_cells(probe)
        if self.level == "char":
            return values
        owner = np.searchsorted(self.starts, np.arange(len(self.text)), side="right") - 1
        out = np.full(len(self.text), np.nan, dtype=np.float32)
        inside = owner >= 0
        out[inside] = values[owner[inside]]
        return out
