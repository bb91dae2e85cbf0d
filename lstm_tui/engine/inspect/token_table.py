"""Per-token results of an inspection in flat arrays: O(1) truncation at an edit, amortised O(1)
appends, and about 60 bytes a token (a 1 MB text stays well under 100 MB)."""

from __future__ import annotations

import numpy as np


class TokenTable:
    """Where each token is in the text, its id, and (once scored) its probability, rank, surprisal
    and the model's top-k at its position."""

    def __init__(self, top_k: int, capacity: int = 1024) -> None:
        self.top_k = top_k
        self.length = 0
        """Tokens in the table (scored or not)."""
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        self.ids = np.zeros(capacity, dtype=np.int32)
        self.starts = np.zeros(capacity, dtype=np.int64)
        self.ends = np.zeros(capacity, dtype=np.int64)
        self.prob = np.full(capacity, np.nan, dtype=np.float32)
        self.nll = np.full(capacity, np.nan, dtype=np.float64)  # nats, as `eval` sums them
        self.rank = np.zeros(capacity, dtype=np.int32)  # 1-based; 0: not scored
        self.top_ids = np.zeros((capacity, self.top_k), dtype=np.int32)
        self.top_probs = np.zeros((capacity, self.top_k), dtype=np.float32)
        self.top_count = np.zeros(capacity, dtype=np.int8)

    @property
    def _arrays(self) -> tuple[str, ...]:
        return ("ids", "starts", "ends", "prob", "nll", "rank", "top_ids", "top_probs", "top_count")

    def _grow(self, needed: int) -> None:
        capacity = len(self.ids)
        if needed <= capacity:
            return
        new = max(needed, 2 * capacity)
        for name in self._arrays:
            old = getattr(self, name)
            grown = np.zeros((new, *old.shape[1:]), dtype=old.dtype)
            grown[: self.length] = old[: self.length]
            setattr(self, name, grown)

    def truncate(self, length: int) -> None:
        """Keep the first `length` tokens (the rows after them are cleared when refilled)."""
        self.length = min(self.length, length)

    def append(self, ids: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        """Add tokens, not yet scored."""
        first, count = self.length, len(ids)
        self._grow(first + count)
        stop = first + count
        self.ids[first:stop] = ids
        self.starts[first:stop] = starts
        self.ends[first:stop] = ends
        self.prob[first:stop] = np.nan
        self.nll[first:stop] = np.nan
        self.rank[first:stop] = 0
        self.top_count[first:stop] = 0
        self.length = stop

    def relocate(self, first: int, starts: np.ndarray, ends: np.ndarray) -> None:
        """New places in the text for tokens from `first` on (their ids unchanged)."""
        stop = first + len(starts)
        self.starts[first:stop] = starts
        self.ends[first:stop] = ends
