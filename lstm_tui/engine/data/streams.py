"""B parallel streams over one token array, cut into truncated-BPTT windows.

The token array is split into B equal contiguous streams (as Chainer's
`ParallelSequentialIterator`); window p feeds tokens [p, p+T) of every stream and predicts
[p+1, p+T+1). The position is a plain int, so a snapshot can resume exactly where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from lstm_tui.engine.errors import UserError


class ParallelStreams:
    """(B, L+1) view of the tokens; `window(p)` gives (x, t) of shape (T', B)."""

    def __init__(self, ids: np.ndarray, batch: int, bptt: int, what: str = "training") -> None:
        if batch < 1 or bptt < 1:
            raise UserError("--batch-size and --bptt must be at least 1", field="bptt" if bptt < 1 else "batch_size")
        length = (len(ids) - 1) // batch
        if length < bptt:
            raise UserError(
                f"the {what} split is too short: {len(ids):,} tokens give {batch} streams of "
                f"{max(length, 0):,} tokens, fewer than --bptt {bptt}; use a smaller --batch-size "
                f"or --bptt, or a larger corpus",
                field="bptt",
            )
        self.batch = batch
        self.bptt = bptt
        self.length = length  # predictions per stream per epoch
        self.data = np.ascontiguousarray(
            np.stack([ids[b * length : b * length + length + 1] for b in range(batch)]).astype(np.int32)
        )

    @property
    def windows_per_epoch(self) -> int:
        return -(-self.length // self.bptt)

    @property
    def tokens_per_epoch(self) -> int:
        return self.length * self.batch

    def window(self, position: int) -> tuple[np.ndarray, np.ndarray]:
        end = min(position + self.bptt, self.length)
        x = np.ascontiguousarray(self.data[:, position:end].T)
        t = np.ascontiguousarray(self.data[:, position + 1 : end + 1].T)
        return x, t

    def windows(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for position in range(0, self.length, self.bptt):
            yield self.window(position)


def eval_streams(ids: np.ndarray, batch: int, bptt: int) -> ParallelStreams | None:
    """Streams for evaluation: fewer streams when the split is short; None when it is empty."""
    if len(ids) < 2:
        return None
    batch = max(1, min(batch, (len(ids) - 1) // max(bptt, 1)))
    bptt = max(1, min(bptt, len(ids) - 1))
    return ParallelStreams(ids, batch, bptt, what="evaluation")
