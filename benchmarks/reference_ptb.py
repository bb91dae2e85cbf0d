"""The reference: Chainer's official examples/ptb way of writing the model and the update.

One `L.LSTM` call per layer per time step, the output `Linear` and softmax cross-entropy per
step, the loss accumulated over the BPTT window, then backward, unchain and update (as
`BPTTUpdater`). This is what the project's trainer is measured against.
"""

from __future__ import annotations

import numpy as np

from lstm_tui.engine.runtime.chainer_compat import F, L, chainer


class RNNForLM(chainer.Chain):
    """examples/ptb's RNNForLM with separate embedding size and optional dropout."""

    def __init__(self, n_vocab: int, n_units: int, n_embed: int | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        n_embed = n_embed or n_units
        with self.init_scope():
            self.embed = L.EmbedID(n_vocab, n_embed)
            self.l1 = L.LSTM(n_embed, n_units)
            self.l2 = L.LSTM(n_units, n_units)
            self.l3 = L.Linear(n_units, n_vocab)
        for param in self.params():
            param.array[...] = np.random.uniform(-0.1, 0.1, param.shape)
        self.dropout = dropout

    def reset_state(self) -> None:
        self.l1.reset_state()
        self.l2.reset_state()

    def forward(self, x):
        h0 = self.embed(x)
        h1 = self.l1(F.dropout(h0, self.dropout))
        h2 = self.l2(F.dropout(h1, self.dropout))
        return self.l3(F.dropout(h2, self.dropout))


def bptt_loss(model: RNNForLM, xs: np.ndarray, ts: np.ndarray):
    """Sum over the window of the per-step mean cross-entropy (as examples/ptb's BPTTUpdater)."""
    loss = 0
    for x, t in zip(xs, ts):
        loss += F.softmax_cross_entropy(model(x), t)
    return loss


def to_blocked(interleaved: np.ndarray, units: int) -> np.ndarray:
    """Chainer's interleaved LSTM gate rows (4·j + gate) → the project's blocks (gate·H + j)."""
    shape = interleaved.shape
    return interleaved.reshape((units, 4) + shape[1:]).swapaxes(0, 1).reshape(shape)


def copy_weights_into(project_model, reference: RNNForLM) -> None:
    """Give the project's model exactly the reference's weights."""
    units = reference.l1.state_size
    project_model.embed.W.array[...] = reference.embed.W.array
    for mine, ref in ((project_model.lstm1, reference.l1), (project_model.lstm2, reference.l2)):
        mine.W_x.array[...] = to_blocked(ref.upward.W.array, units)
        mine.b.array[...] = to_blocked(ref.upward.b.array, units)
        mine.W_h.array[...] = to_blocked(ref.lateral.W.array, units)
    project_model.out.W.array[...] = reference.l3.W.array
    project_model.out.b.array[...] = reference.l3.b.array
