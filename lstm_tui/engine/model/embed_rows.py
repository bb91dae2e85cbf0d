"""Embedding rows for the CPU: Chainer's `EmbedID` with a fast backward.

Chainer's `EmbedID` backward on the CPU adds gradient rows in a Python loop, one iteration per
token (4,096 per step for batch 64 × BPTT 64). Here the rows are summed per id in one pass
(`add_rows_by_id`, shared with `embed_projection`). On a GPU it defers to CuPy's `add.at`.
"""

from __future__ import annotations

import numpy as np

from lstm_tui.engine.model import kernel_dispatch
from lstm_tui.engine.runtime.chainer_compat import chainer


class EmbedLookup(chainer.FunctionNode):
    """y = W[ids]; gW = rows of gy summed per id."""

    def forward(self, inputs):
        ids, weights = inputs
        self.retain_inputs((0,))
        self._shape = weights.shape
        return weights[ids],

    def backward(self, indexes, grad_outputs):
        (ids,) = self.get_retained_inputs()
        ids = ids.array
        (gy,) = grad_outputs
        gy = gy.array
        xp = chainer.backend.get_array_module(gy)
        grad = xp.zeros(self._shape, dtype=gy.dtype)
        add_rows_by_id(grad, ids, gy)
        return None, chainer.Variable(grad)


def add_rows_by_id(out, ids, rows) -> None:
    """out[ids[n]] += rows[n] for every position n (ids of any shape, rows of shape ids.shape + (D,)).

    Float32 NumPy: one Numba pass. Other NumPy dtypes: one sort and `np.add.reduceat` (NumPy's
    `add.at` is a slow per-row loop). CuPy: its `add.at`.
    """
    xp = chainer.backend.get_array_module(out)
    flat_ids = ids.reshape(-1)
    rows = rows.reshape(flat_ids.size, -1)
    if kernel_dispatch.uses_cpu_kernels(xp, out.dtype):
        from lstm_tui.engine.model.cpu_kernels import scatter_add_rows

        scatter_add_rows(np.ascontiguousarray(flat_ids), np.ascontiguousarray(rows), out)
    elif xp is np:
        order = np.argsort(flat_ids, kind="stable")
        sorted_ids = flat_ids[order]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
        out[sorted_ids[starts]] += np.add.reduceat(rows[order], starts, axis=0)
    else:
        xp.add.at(out, flat_ids, rows)


def embed_lookup(ids, weights):
    """Embedding rows for integer ids of any shape."""
    return EmbedLookup().apply((ids, weights))[0]
