"""Layer 1's input projection for a small vocabulary: one table row per token.

Layer 1 computes `E[ids] · W_xᵀ + b` for every one of the T×B positions of a window. When the
vocabulary is smaller than the window (65 characters against 4,096–6,400 positions), the same
numbers come from the table `P = E · W_xᵀ + b` of V rows and a row lookup: 2·V·in·4H operations
instead of 2·T·B·in·4H, and the same saving again in backward, where the gradient rows are first
summed per id (`gP`) and then `gE = gP · W_x`, `gW_x = gPᵀ · E`, `gb = Σ gP`. For a char model
whose embedding is as wide as its layers this is a quarter of a training step's arithmetic.

It only applies where every position sees the embedding row unchanged: with dropout on the
embedding the rows differ per position and the model takes `embed_lookup` + `F.linear` instead.
"""

from __future__ import annotations

from lstm_tui.engine.runtime.chainer_compat import chainer
from lstm_tui.engine.model.embed_rows import add_rows_by_id


class EmbedProjection(chainer.FunctionNode):
    """xw = (E · W_xᵀ + b)[ids]: ids int (…), E (V, in), W_x (4H, in), b (4H,) → (…, 4H)."""

    def forward(self, inputs):
        ids, embed, w_x, b = inputs
        table = embed @ w_x.T
        table += b
        self.retain_inputs((0, 1, 2))
        return table[ids],

    def backward(self, indexes, grad_outputs):
        ids, embed, w_x = (v.array for v in self.get_retained_inputs())
        (gy,) = grad_outputs
        gy = gy.array
        xp = chainer.backend.get_array_module(gy)
        g_table = xp.zeros((embed.shape[0], gy.shape[-1]), dtype=gy.dtype)
        add_rows_by_id(g_table, ids, gy)
        grads = {1: g_table @ w_x, 2: g_table.T @ embed, 3: g_table.sum(axis=0)}
        return tuple(None if i == 0 else chainer.Variable(grads[i]) for i in indexes)


def embed_projection(ids, embed, w_x, b):
    """Layer 1's input projection of every position, through a V-row table."""
    return EmbedProjection().apply((ids, embed, w_x, b))[0]


def table_is_cheaper(vocab_size: int, positions: int) -> bool:
    """The table costs V rows of arithmetic where the plain projection costs one per position."""
    return vocab_size < positions
