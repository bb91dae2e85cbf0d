"""The LSTM state after every token of the context, so backspace costs nothing and an edit
recomputes only from the edit point.

States far behind the cursor are thinned to one per chunk (an edit there recomputes at most one
chunk) so a long paste does not hold gigabytes. The recent states stay in full: the continuous
cache (`neural_cache`) reads layer 2's outputs from them.
"""

from __future__ import annotations

import numpy as np

from lstm_tui.engine.infer.neural_cache import MAX_SIZE

CHUNK = 256  # states per chunk of the stack
FULL_WINDOW = 16  # chunks behind the cursor kept in full; older chunks keep their first state
assert (FULL_WINDOW - 1) * CHUNK >= MAX_SIZE, "the cache reads states the stack keeps in full"


class StateStack:
    """State after each token, in chunks; old chunks thinned to their first row."""

    def __init__(self, units: int) -> None:
        self.units = units
        self.chunks: list[np.ndarray] = []  # each (CHUNK, 4, H) or (1, 4, H) when thinned
        self.length = 0

    def push(self) -> np.ndarray:
        """A row for the state after the next token (its content is written by the caller)."""
        index, row = divmod(self.length, CHUNK)
        if index == len(self.chunks):
            self.chunks.append(np.empty((CHUNK, 4, self.units), dtype=np.float32))
            self._thin()
        self.length += 1
        return self.chunks[index][row]

    def _thin(self) -> None:
        old = len(self.chunks) - 1 - FULL_WINDOW
        if old >= 0 and self.chunks[old].shape[0] == CHUNK:
            self.chunks[old] = self.chunks[old][:1].copy()

    def get(self, position: int) -> np.ndarray | None:
        """The state after token `position`, or None if it was thinned away."""
        index, row = divmod(position, CHUNK)
        chunk = self.chunks[index]
        return chunk[row] if row < chunk.shape[0] else None

    def h2_blocks(self, start: int, stop: int) -> tuple[list[np.ndarray], int]:
        """Layer 2's outputs after tokens start..stop-1 that are still held, as row views, and the
        first position they cover (a stretch thinned away before an edit far back is skipped)."""
        blocks: list[np.ndarray] = []
        first = stop
        for index in range(start // CHUNK, -(-stop // CHUNK)):
            chunk = self.chunks[index]
            lo, hi = max(start - index * CHUNK, 0), min(stop - index * CHUNK, CHUNK)
            if chunk.shape[0] < CHUNK:  # thinned: its states are gone
                blocks, first = [], stop
                continue
            if not blocks:
                first = index * CHUNK + lo
            blocks.append(chunk[lo:hi, 2])
        return blocks, first

    def truncate(self, length: int) -> int:
        """Keep states for the first `length` tokens; returns how many are directly usable."""
        self.length = min(self.length, length)
        keep = -(-self.length // CHUNK)
        del self.chunks[keep:]
        if self.length == 0:
            return 0
        index = (self.length - 1) // CHUNK
        chunk = self.chunks[index]
        if chunk.shape[0] == CHUNK:
            return self.length
        # Thinned: it holds only its first state, and the states after it go into this chunk again.
        full = np.empty((CHUNK, 4, self.units), dtype=np.float32)
        full[0] = chunk[0]
        self.chunks[index] = full
        self.length = index * CHUNK + 1
        return self.length
