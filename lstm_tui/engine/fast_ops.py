"""Faster CPU versions of two Chainer pieces that dominate small-model steps.

- `embed_lookup`: Chainer's `EmbedID` backward on the CPU adds gradient rows in a Python loop,
  one iteration per token (4,096 per step for batch 64 × BPTT 64). Here the rows are summed
  per id in one pass (`add_rows_by_id`, shared with `embed_projection`).
- `FastAdam`: Chainer's Adam allocates several parameter-sized temporaries per update; for a
  10,000-word model that is hundreds of MB of fresh pages per step. This rule does the same
  arithmetic in place, in one pass over each parameter (`cpu_kernels.adam_update`). State names (`m`, `v`) and the
  serialised form are Chainer's, so snapshots stay compatible.
On a GPU both defer to Chainer's own implementations.
"""

from __future__ import annotations

import numpy as np

from lstm_tui.engine.chainer_compat import chainer, optimizers


def uses_cpu_kernels(xp, dtype) -> bool:
    """True where the fused Numba kernels (`cpu_kernels`) apply: float32 NumPy arrays."""
    return xp is np and dtype == np.float32


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
    if uses_cpu_kernels(xp, out.dtype):
        from lstm_tui.engine.cpu_kernels import scatter_add_rows

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


class _InPlaceAdamRule(optimizers.adam.AdamRule):
    """Adam's CPU update with no parameter-sized temporaries."""

    def update_core_cpu(self, param):
        grad = param.grad
        hp = self.hyperparam
        if grad is None or hp.amsgrad or hp.adabound or not uses_cpu_kernels(np, param.dtype):
            return super().update_core_cpu(param)
        from lstm_tui.engine.cpu_kernels import adam_update

        f32 = np.float32
        adam_update(
            param.data, grad, self.state["m"], self.state["v"], f32(hp.beta1), f32(hp.beta2), f32(hp.eps),
            f32(hp.eta * self.alpha_t), f32(1 - hp.eta * hp.weight_decay_rate),
        )


class FastAdam(optimizers.Adam):
    """`chainer.optimizers.Adam` with the in-place CPU update rule."""

    def create_update_rule(self):
        return _InPlaceAdamRule(self.hyperparam)
