"""The predict screen's inspection of the text in the box: the engine's `Inspector`, followed at
every key within a small time budget and finished in slices between keys.

A key must stay under a frame (docs/design.md's latency target), so a keystroke only notes the
new text and scores what fits in `KEY_SECONDS` (typing at the end: the one new token); a long
paste or an edit far back is finished by `advance` slices the screen runs on a timer, and the
text shows uncoloured where it is not scored yet. Each call says which characters changed
colour, so the text box repaints only those rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.infer.sampling import TOP_K_RANGE
from lstm_tui.engine.inspect import CellProbe, Inspector, RankBuckets, TokenScore, Totals
from lstm_tui.engine.inspect.find_cells import CellSearch
from lstm_tui.engine.runs.model_file import SavedModel

KEY_SECONDS = 0.003
"""Model work inside a keystroke's handler: one model step, with room to spare on a busy machine."""
SLICE_SECONDS = 0.008
"""Model work per slice between keys: a key that arrives meanwhile waits at most this long."""
SLICE_INTERVAL = 1 / 60
"""Seconds between slices while tokens are pending."""
RUNS_KEPT = 4_000  # rows whose colour runs are remembered (a few screens of them)
TOP_K_KEPT = TOP_K_RANGE[1]
"""The model's choices kept at each position: the most the predict screen's top-k can ask to see,
so changing that setting shows more or fewer at once, with no rescoring (8 bytes a choice a
token: 160 a token, against 40 for the top 5)."""


@dataclass(frozen=True)
class CharRange:
    """Characters [start, end) of the text whose colouring changed."""

    start: int
    end: int


class InspectSession:
    """One model's inspector of the box's text, and what it has scored so far."""

    def __init__(self, inspector: Inspector, saved: SavedModel) -> None:
        self.inspector = inspector
        self.saved = saved
        """The model the inspector reads (find cells builds its own predictor from it)."""
        self.folder: Path = saved.folder
        self.edit_mark: object = None
        """The text box's edit count when the text was last followed (colours apply to that text only)."""
        self.found: CellSearch | None = None
        """The last find-cells result for this model (the cells dialog shows it again)."""
        self.found_sample = ""
        """What it was found on."""
        self._buckets = np.zeros(0, dtype=np.int8)  # each token's bucket (-1: no score), kept up to date
        self._counts = np.zeros(inspector.rank_buckets.count, dtype=np.int64)  # tokens in each bucket
        self._runs: dict[tuple[int, int], tuple[tuple[int, int, int], ...]] = {}  # bucket_runs of rows, until their colours change

    @classmethod
    def load(cls, folder: Path, partner: Predictor | None = None) -> "InspectSession":
        """Read the run folder and build an inspector (slow: a worker's job). `partner`: the
        suggestions' predictor of this model: the inspector's is its twin (the same weights and
        memo of steps, so a key at the end of the text costs one step for both, not two);
        otherwise a predictor of its own."""
        from lstm_tui.engine.runs.model_file import load_model

        saved = load_model(folder)
        predictor = partner.twin() if partner is not None else Predictor.from_saved(saved)
        return cls(Inspector(predictor, top_k=TOP_K_KEPT), saved)

    # following the text ---------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.inspector.text

    @property
    def level(self) -> str:
        return self.inspector.level

    @property
    def rank_buckets(self) -> RankBuckets:
        return self.inspector.rank_buckets

    @property
    def pending(self) -> int:
        """Tokens not scored yet."""
        return self.inspector.pending

    def follow(self, text: str, mark: object = None) -> CharRange | None:
        """Take `text` (the box's text after edit number `mark`); the characters whose scores were
        dropped (None: the text did not change). Cheap: no model work."""
        self.edit_mark = mark
        if text == self.inspector.text:
            return None
        first = self.inspector.set_text(text)
        dropped = self._buckets[first:]
        self._counts -= np.bincount(dropped[dropped >= 0], minlength=len(self._counts))
        self._buckets = np.concatenate([self._buckets[:first], np.full(len(self.inspector) - first, -1, dtype=np.int8)])
        start = min(int(self.inspector.starts[first]) if first < len(self.inspector) else len(text), len(text))
        self._forget_runs(start)
        return CharRange(start, len(text))

    def advance(self, seconds: float) -> CharRange | None:
        """Score pending tokens for about `seconds`; the characters newly coloured (None: none)."""
        inspector = self.inspector
        before = inspector.scored
        if not inspector.pending or not inspector.advance(seconds=seconds):
            return None
        ranks = inspector.ranks[before : inspector.scored]
        new = self.rank_buckets.of(ranks)
        new[ranks == 0] = -1  # the first token: the context, no score
        self._buckets[before : inspector.scored] = new
        self._counts += np.bincount(new[new >= 0], minlength=len(self._counts))
        start = int(inspector.starts[before])
        self._forget_runs(start)
        return CharRange(start, int(inspector.ends[inspector.scored - 1]))

    def _forget_runs(self, start: int) -> None:
        """Drop the remembered runs of rows that reach character `start` or beyond (their colours changed)."""
        if len(self._runs) > RUNS_KEPT:
            self._runs.clear()
        for key in [key for key in self._runs if key[1] > start]:
            del self._runs[key]

    # results -------------------------------------------------------------------------------
    @property
    def buckets(self) -> np.ndarray:
        """Each token's rank bucket (int8; -1: no score), updated with each change (what changed only)."""
        return self._buckets

    def bucket_runs(self, start: int, end: int) -> tuple[tuple[int, int, int], ...]:
        """(start, end, bucket) for the scored stretches of characters [start, end): neighbouring
        tokens of one bucket merged, so a line of a character model is a few spans, not one a
        character. Remembered until they change: a key that scrolls the box repaints every row."""
        runs = self._runs.get((start, end))
        if runs is None:
            runs = self._runs[(start, end)] = tuple(self._bucket_runs(start, end))
        return runs

    def _bucket_runs(self, start: int, end: int) -> Iterator[tuple[int, int, int]]:
        inspector = self.inspector
        starts, ends = inspector.starts, inspector.ends
        lo = int(np.searchsorted(ends, start, side="right"))
        hi = int(np.searchsorted(starts, end, side="left"))
        if hi <= lo:
            return
        buckets, first, last = self.buckets[lo:hi], starts[lo:hi], ends[lo:hi]
        breaks = np.flatnonzero((buckets[1:] != buckets[:-1]) | (first[1:] != last[:-1])) + 1
        for run_start, run_end in zip(np.r_[0, breaks].tolist(), np.r_[breaks, len(buckets)].tolist()):
            bucket = int(buckets[run_start])
            if bucket >= 0:
                yield max(int(first[run_start]), start), min(int(last[run_end - 1]), end), bucket

    def token_at(self, offset: int) -> TokenScore | None:
        """The token under character `offset` (at the end of the text: the last one)."""
        index = self.inspector.token_at(offset)
        return None if index is None else self.inspector.token(index)

    def totals(self) -> Totals:
        return self.inspector.totals()

    def bucket_shares(self) -> list[float]:
        """The share of the scored tokens in each bucket (all 0 before any is scored)."""
        total = int(self._counts.sum())
        return [float(c) / total if total else 0.0 for c in self._counts.tolist()]

    # cells -----------------------------------------------------------------------------------
    def probe(self, layer: object, kind: object, unit: object) -> CellProbe:
        """A checked probe of this model's units (a one-line UserError otherwise)."""
        return self.inspector.probe(layer, kind, unit)

    @property
    def units(self) -> int:
        return self.inspector.units

    def cells(self, probe: CellProbe) -> np.ndarray:
        """`probe`'s value under each character of the text (NaN where not scored yet)."""
        return self.inspector.cells(probe)
