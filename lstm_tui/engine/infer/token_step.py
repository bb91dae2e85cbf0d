"""One token through both LSTM layers at batch 1, and which cores run it.

No Variables and no graph: each token costs one table lookup (or one matrix-vector product) for
layer 1's input and one product each for layer 1's recurrence and layer 2, into scratch buffers
allocated once. A model whose step reads more than one core's cache is split over two cores by
units (`split_step`), but only for steps that come in a burst (`SplitPacer`): waking a sleeping
worker thread for a lone key costs more than the split saves. Several look-aheads go through at
once (`forward_rows`): k rows cost about one step, not k.
"""

from __future__ import annotations

import numpy as np
from numba import config as numba_config, set_num_threads

from lstm_tui.engine.infer.split_step import SplitPacer, matvec_rows, serial_rows, serial_step, split_parts, split_rows, split_step
from lstm_tui.engine.infer.step_weights import StepWeights, step_bytes
from lstm_tui.engine.model.cpu_kernels import lstm_cell_forward
from lstm_tui.engine.model.language_model import LanguageModel


class TokenStep:
    """The weights in step layout, the step's scratch buffers and its thread policy."""

    def __init__(self, model: LanguageModel, parts: int | None = None, weights: StepWeights | None = None) -> None:
        """`parts`: cores to split each step over (None: `split_parts` decides from the model's size);
        `weights`: another step's weights of this model in this many parts, shared (read only)
        instead of copied again."""
        units = model.config.units
        if parts is None:
            parts = split_parts(step_bytes(model.config), units)
        elif parts < 1 or units % parts:
            raise ValueError(f"cannot split {units} units into {parts} parts")
        if weights is not None and weights.parts != parts:
            raise ValueError(f"weights in {weights.parts} parts, not {parts}")
        self.weights = weights if weights is not None else StepWeights(model, parts)
        """The model's weights as the step reads them."""
        self.units = units
        self.parts = parts
        """Cores a step is split over (`split_step`; 1: one core)."""
        self.pacer = SplitPacer()
        """When a step of a split predictor runs on both cores (a burst) or on one (a lone key)."""
        self._gates = np.empty(4 * units, dtype=np.float32)
        self._hh = np.empty(2 * units, dtype=np.float32)
        self._x = np.empty(4 * units, dtype=np.float32)  # layer 1's input projection when there is no table
        self._tanh_c = np.empty((1, units), dtype=np.float32)
        # On a machine with more cores than parts, each launch would wake every Numba thread.
        self._narrow_launches = parts > 1 and numba_config.NUMBA_NUM_THREADS != parts
        self._part_gates = np.empty((parts, 4 * units // parts), dtype=np.float32)
        self._partial = np.empty((parts, 4 * units), dtype=np.float32)
        self._part_hh = np.empty((parts, 2 * units // parts), dtype=np.float32)
        self._warm_up()

    def forward(self, token_id: int, prev: np.ndarray, out: np.ndarray) -> None:
        """out[0..3] = (h1, c1, h2, c2) after `token_id` from state `prev`."""
        w, units, g = self.weights, self.units, self._gates
        if w.table1 is not None:
            x = w.table1[token_id]
        else:
            x = self._x
            np.matmul(w.embed[token_id], w.w_x1t, out=x)
            x += w.b1
        if w.parts > 1:
            split = self.pacer.split_now()
            if split and self._narrow_launches:
                set_num_threads(w.parts)  # per thread in Numba: a keystroke may come from a worker thread
            (split_step if split else serial_step)(x.reshape(w.parts, -1), prev, w.w_h1t, w.w2t, w.b2,
                                                   self._part_gates, self._partial, self._part_hh, out)
            self.pacer.done(split)
            return
        np.matmul(prev[0], w.w_h1t, out=g)
        lstm_cell_forward(x[None], g[None], prev[1:2], out[1:2], self._tanh_c, out[0:1])
        self._hh[:units] = out[0]
        self._hh[units:] = prev[2]
        np.matmul(self._hh, w.w2t, out=g)
        lstm_cell_forward(w.b2[None], g[None], prev[3:4], out[3:4], self._tanh_c, out[2:3])

    def forward_rows(self, token_ids: np.ndarray, prev: np.ndarray, out: np.ndarray) -> None:
        """out[b] = (h1, c1, h2, c2) after token_ids[b] from state prev[b], for n rows (n, 4, H)
        at once: several look-aheads cost about one step's reading of the weights (`split_rows`)."""
        w, units, parts, count = self.weights, self.units, self.parts, len(token_ids)
        if w.table1 is not None:
            x = w.table1[token_ids]
        else:
            x = w.embed[token_ids] @ w.w_x1t
            x += w.b1
        x = x.reshape(count, parts, -1)
        w1, w2 = (w.w_h1t, w.w2t) if parts > 1 else (w.w_h1t[None], w.w2t[None])
        scratch = (np.empty((count, units), dtype=np.float32), np.empty((parts, count, 4 * units // parts), dtype=np.float32),
                   np.empty((parts, count, 4 * units), dtype=np.float32), np.empty((parts, count, 2 * units // parts), dtype=np.float32))
        split = parts > 1 and self.pacer.split_now()
        if split and self._narrow_launches:
            set_num_threads(parts)
        (split_rows if split else serial_rows)(x, prev, w1, w2, w.b2, *scratch, out)
        if parts > 1:
            self.pacer.done(split)

    def output_rows(self, h2: np.ndarray) -> np.ndarray:
        """The next-token logits (n, V) after each row of layer 2's output h2 (n, H)."""
        logits = np.empty((len(h2), len(self.weights.b_out)), dtype=np.float32)
        matvec_rows(h2, self.weights.w_outt, logits)
        logits += self.weights.b_out
        return logits

    def _warm_up(self) -> None:
        """Compile or load the step's kernels now, not on the first key: a split step has two."""
        zero = np.zeros((4, self.units), dtype=np.float32)
        out = np.empty((4, self.units), dtype=np.float32)
        if self.parts == 1:
            self.forward(0, zero, out)
            return
        w = self.weights
        x = (w.table1[0] if w.table1 is not None else w.b1).reshape(w.parts, -1)
        if self._narrow_launches:
            set_num_threads(w.parts)
        for kernel in (serial_step, split_step):
            kernel(x, zero, w.w_h1t, w.w2t, w.b2, self._part_gates, self._partial, self._part_hh, out)
