"""Rank buckets: how a token's rank under the model is grouped for colouring.

GLTR (Gehrmann, Strobelt & Rush, 2019) colours each word by whether it was among the model's top
10, top 100, top 1000 or beyond. Those edges suit a vocabulary of tens of thousands of words; a
character model has about a hundred tokens, so its top 10 holds nearly every character typed and
"top 1000" never happens. Characters get edges of their own: the model's first choice, its top 3
(what the suggestion panel shows at a glance), its top 10, and beyond. Why these and how a text
spreads over them: docs/inspect.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RankBuckets:
    """Rank edges: bucket b holds ranks in (edges[b-1], edges[b]]; the last bucket is beyond them."""

    edges: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.edges) + 1

    @property
    def labels(self) -> tuple[str, ...]:
        """One short label per bucket: "top-1", "top-3", …, "beyond 10"."""
        return (*(f"top-{edge}" for edge in self.edges), f"beyond {self.edges[-1]}")

    def bucket(self, rank: int) -> int:
        """The bucket of a 1-based rank (1: the model's first choice)."""
        return int(np.searchsorted(self.edges, rank, side="left"))

    def of(self, ranks: np.ndarray) -> np.ndarray:
        """Buckets of many ranks at once (int8)."""
        return np.searchsorted(np.asarray(self.edges), ranks, side="left").astype(np.int8)


CHAR_BUCKETS = RankBuckets((1, 3, 10))
WORD_BUCKETS = RankBuckets((10, 100, 1000))  # GLTR's


def buckets_for(level: str) -> RankBuckets:
    """The buckets of a model's level ("char" or "word")."""
    return CHAR_BUCKETS if level == "char" else WORD_BUCKETS
