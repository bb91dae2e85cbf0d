"""The model's weights copied once into float32 NumPy arrays, in the layout a batch-1 step reads.

A keystroke reads every weight of the step, so the layout decides its speed: layer 1's input
projection is precomputed per token where that table is small (one row read instead of a
matrix-vector product), the matrices are transposed for a row-vector product, and for a step
split over cores (`split_step`) each part's gate columns are stored together.
"""

from __future__ import annotations

import numpy as np

from lstm_tui.engine.infer.split_step import by_part, gate_order, layer2_by_part
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig

TABLE_LIMIT = 128 << 20  # bytes: precompute embedding × W_x + b for layer 1 up to this size


def uses_table(cfg: ModelConfig) -> bool:
    """True when layer 1's input projection is precomputed per token (a V × 4H table)."""
    return cfg.vocab_size * 4 * cfg.units * 4 <= TABLE_LIMIT


def step_bytes(cfg: ModelConfig) -> int:
    """Bytes of weights one keystroke reads: layer 1 (a table row, or W_x) and W_h, layer 2, the output."""
    gates = 4 * cfg.units
    layer1 = cfg.units * gates + (gates if uses_table(cfg) else cfg.embed * gates)
    return 4 * (layer1 + 2 * cfg.units * gates + cfg.units * cfg.vocab_size)


class StepWeights:
    """Float32 NumPy copies of the model's weights, arranged for one step at batch 1.

    With `parts` > 1 the gate columns are grouped by part and each part's weights stored
    contiguously, for `split_step`."""

    def __init__(self, model: LanguageModel, parts: int = 1) -> None:
        def cpu(param) -> np.ndarray:
            return np.ascontiguousarray(_to_cpu(param.array), dtype=np.float32)

        cfg = model.config
        self.units = cfg.units
        self.parts = parts
        order = gate_order(cfg.units, parts) if parts > 1 else slice(None)
        self.embed = cpu(model.embed.W)
        l1, l2 = model.layers
        w_x1, w_h1, b1 = cpu(l1.W_x), cpu(l1.W_h), cpu(l1.b)
        if uses_table(cfg):
            self.table1 = np.ascontiguousarray((self.embed @ w_x1.T + b1)[:, order])  # (V, 4H)
            self.w_x1t = None
        else:
            self.table1 = None
            self.w_x1t = np.ascontiguousarray(w_x1.T[:, order])
        self.b1 = np.ascontiguousarray(b1[order])
        w_h1t = w_h1.T[:, order]  # (H, 4H)
        w2t = np.concatenate([cpu(l2.W_x), cpu(l2.W_h)], axis=1).T  # (2H, 4H)
        if parts > 1:
            self.w_h1t, self.w2t = by_part(w_h1t, parts), layer2_by_part(w2t, parts)
        else:
            self.w_h1t, self.w2t = np.ascontiguousarray(w_h1t), np.ascontiguousarray(w2t)
        self.b2 = cpu(l2.b)
        w_out, b_out = model.output_weights()
        self.w_outt = np.ascontiguousarray(cpu(w_out).T)  # (H, V)
        self.b_out = cpu(b_out)


def _to_cpu(array) -> np.ndarray:
    get = getattr(array, "get", None)
    return get() if callable(get) else np.asarray(array)
