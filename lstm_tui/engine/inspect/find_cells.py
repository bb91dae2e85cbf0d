"""Find cells: which LSTM units follow simple features of text, ranked by correlation.

The model reads a sample of text (`run_sample`: the run's own held-out split); after each token
the values of every unit of both layers (cell `c` and output `h`) are set beside each feature of
`text_features`, and Pearson's r is computed for every (unit, feature) pair from running sums in
float64, a block of tokens at a time: memory does not grow with the sample.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.inspect.cell_store import CellProbe
from lstm_tui.engine.inspect.text_features import FEATURE_LABELS, features_for, text_features
from lstm_tui.engine.runs.model_file import SavedModel

BLOCK = 512  # tokens per update of the running sums
SAMPLE_TOKENS = 50_000
# Column r of the flattened state (4, H) is row r // H of (h1, c1, h2, c2).
_ROWS = ((1, "h"), (1, "c"), (2, "h"), (2, "c"))


@dataclass(frozen=True)
class FoundCell:
    """A unit and how strongly it follows a feature over the sample (Pearson's r, −1 to 1)."""

    feature: str
    probe: CellProbe
    correlation: float

    @property
    def feature_label(self) -> str:
        return FEATURE_LABELS[self.feature]


@dataclass(frozen=True)
class CellSearch:
    """The units that follow each feature best, strongest first."""

    tokens: int
    """Tokens of the sample read."""
    by_feature: dict[str, tuple[FoundCell, ...]]
    absent: tuple[str, ...]
    """Features that never change over the sample (e.g. no quotes in it): nothing to follow."""

    def best(self, count: int) -> list[FoundCell]:
        """The `count` strongest cells over all features, each unit once."""
        ranked = sorted((cell for cells in self.by_feature.values() for cell in cells), key=lambda c: -abs(c.correlation))
        seen: set[CellProbe] = set()
        out = []
        for cell in ranked:
            if cell.probe not in seen and len(out) < count:
                seen.add(cell.probe)
                out.append(cell)
        return out


class _CorrelationSums:
    """Running sums for Pearson's r between every column of X and every column of F."""

    def __init__(self, columns: int, features: int) -> None:
        self.n = 0
        self.sx, self.sxx = np.zeros(columns), np.zeros(columns)
        self.sf, self.sff = np.zeros(features), np.zeros(features)
        self.sxf = np.zeros((columns, features))

    def add(self, x: np.ndarray, f: np.ndarray) -> None:
        self.n += len(x)
        self.sx += x.sum(axis=0)
        self.sxx += np.einsum("ij,ij->j", x, x)
        self.sf += f.sum(axis=0)
        self.sff += np.einsum("ij,ij->j", f, f)
        self.sxf += x.T @ f

    def correlations(self) -> np.ndarray:
        """(columns, features) r; 0 where a column or a feature does not vary."""
        n = self.n
        cov = n * self.sxf - np.outer(self.sx, self.sf)
        var_x = np.maximum(n * self.sxx - self.sx**2, 0.0)
        var_f = np.maximum(n * self.sff - self.sf**2, 0.0)
        scale = np.sqrt(np.outer(var_x, var_f))
        return np.divide(cov, scale, out=np.zeros_like(cov), where=scale > 1e-12 * max(n, 1) ** 2)


def find_cells(predictor: Predictor, text: str, *, top: int = 3, max_tokens: int = SAMPLE_TOKENS,
               progress: Callable[[int, int], None] | None = None) -> CellSearch:
    """The `top` units that follow each feature of the model's level best over (the first
    `max_tokens` tokens of) `text`. Moves the predictor's context: give it one of its own."""
    tokens = predictor.tokenizer.tokenize(text)[:max_tokens]
    if len(tokens) < 2:
        raise UserError("the sample for finding cells has fewer than two tokens; give a longer text")
    values = text_features(tokens, predictor.level)
    names = [name for name in features_for(predictor.level) if np.ptp(values[name]) > 0]
    absent = tuple(name for name in features_for(predictor.level) if name not in names)
    ids = predictor.vocab.encode(tokens)
    units = predictor.units
    sums = _CorrelationSums(4 * units, len(names))
    features = np.stack([values[name] for name in names], axis=1) if names else np.zeros((len(ids), 0))
    block = np.empty((BLOCK, 4 * units))
    predictor.reset()
    for i, token_id in enumerate(ids.tolist()):
        predictor.feed(token_id)
        block[i % BLOCK] = predictor.branch_root().reshape(-1)
        if (i + 1) % BLOCK == 0:
            sums.add(block, features[i + 1 - BLOCK : i + 1])
            if progress is not None:
                progress(i + 1, len(ids))
    rest = len(ids) % BLOCK
    if rest:
        sums.add(block[:rest], features[len(ids) - rest :])
        if progress is not None:
            progress(len(ids), len(ids))
    predictor.reset()
    r = sums.correlations()
    by_feature = {}
    for j, name in enumerate(names):
        order = np.argsort(-np.abs(r[:, j]), kind="stable")[:top]
        by_feature[name] = tuple(FoundCell(name, _probe(int(c), units), float(r[c, j])) for c in order)
    return CellSearch(tokens=len(ids), by_feature=by_feature, absent=absent)


def _probe(column: int, units: int) -> CellProbe:
    layer, kind = _ROWS[column // units]
    return CellProbe(layer, kind, column % units)


def run_sample(saved: SavedModel, chars: int = 200_000) -> tuple[str, str]:
    """The first `chars` characters of the run's own held-out text (its valid split, else its
    test split) and a name for it; a UserError when the run's corpus is not at hand."""
    from lstm_tui.engine.eval.evaluate import run_corpus, split_text

    config, corpus = run_corpus(saved.meta, saved.folder, "finding cells on the run's held-out text needs",
                                "give a sample text instead")
    problem = None
    for split in ("valid", "test"):
        try:
            text, name = split_text(saved.meta, config, corpus, split)
        except UserError as exc:
            problem = exc
            continue
        return text[:chars], name
    raise problem  # type: ignore[misc]
