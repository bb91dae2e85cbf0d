"""The language model: embedding → LSTM → LSTM → linear output over the vocabulary.

Exactly two LSTM layers. Each layer runs over the whole BPTT window at once (see
`lstm_sequence`), the output projection and the loss run once over all T×B positions, and the
recurrent state is kept as plain arrays between windows (truncated BPTT: nothing to unchain).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from lstm_tui.engine.runtime.chainer_compat import F, L, chainer
from lstm_tui.engine.model.embed_projection import embed_projection, table_is_cheaper
from lstm_tui.engine.model.embed_rows import embed_lookup
from lstm_tui.engine.model.lstm_sequence import lstm_sequence
from lstm_tui.engine.model.softmax_xent import softmax_cross_entropy

INIT_SCALE = 0.1  # uniform ±0.1, as Chainer's examples/ptb


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the same network; stored in model.json."""

    vocab_size: int
    units: int = 256
    embed: int = 256
    dropout: float = 0.0
    tie_weights: bool = False
    embed_dropout: float | None = None  # dropout on the embedding; None: the same as `dropout`

    @property
    def effective_embed_dropout(self) -> float:
        return self.dropout if self.embed_dropout is None else self.embed_dropout

    def to_dict(self) -> dict:
        return asdict(self)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """Each parameter's name (as in the npz files) and shape, without building the model: a
        run folder's weights are checked against these before anything is allocated."""
        vocab, embed, units = self.vocab_size, self.embed, self.units
        shapes = {"embed/W": (vocab, embed)}
        for layer, inputs in (("lstm1", embed), ("lstm2", units)):
            shapes.update({f"{layer}/W_x": (4 * units, inputs), f"{layer}/W_h": (4 * units, units), f"{layer}/b": (4 * units,)})
        if self.tie_weights:
            shapes["out_b"] = (vocab,)
        else:
            shapes.update({"out/W": (vocab, units), "out/b": (vocab,)})
        return shapes

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        return cls(
            vocab_size=int(data["vocab_size"]),
            units=int(data["units"]),
            embed=int(data["embed"]),
            dropout=float(data["dropout"]),
            tie_weights=bool(data["tie_weights"]),
            embed_dropout=None if data.get("embed_dropout") is None else float(data["embed_dropout"]),
        )


class LSTMLayer(chainer.Link):
    """One LSTM layer; gates in blocks [a | i | f | o]; state carried between windows."""

    def __init__(self, in_size: int, units: int) -> None:
        super().__init__()
        self.in_size = in_size
        self.units = units
        with self.init_scope():
            self.W_x = chainer.Parameter(np.zeros((4 * units, in_size), dtype=np.float32))
            self.W_h = chainer.Parameter(np.zeros((4 * units, units), dtype=np.float32))
            self.b = chainer.Parameter(np.zeros((4 * units,), dtype=np.float32))
        self.h = None
        self.c = None

    def reset_state(self) -> None:
        self.h = None
        self.c = None

    def forward(self, x):
        """x: (T, B, in) → hs: (T, B, units)."""
        steps, batch, _ = x.shape
        xw = F.linear(F.reshape(x, (steps * batch, self.in_size)), self.W_x, self.b)
        return self.recur(F.reshape(xw, (steps, batch, 4 * self.units)))

    def recur(self, xw):
        """The recurrence over an input projection xw: (T, B, 4·units) → hs: (T, B, units)."""
        batch = xw.shape[1]
        xp = self.xp
        if self.h is None:
            self.h = xp.zeros((batch, self.units), dtype=np.float32)
            self.c = xp.zeros((batch, self.units), dtype=np.float32)
        hs, c_last = lstm_sequence(xw, self.W_h, self.h, self.c)
        self.h = hs.array[-1].copy()
        self.c = c_last.array
        return hs


class LanguageModel(chainer.Chain):
    """A stateful two-layer LSTM language model (a Chainer Chain; weights are its parameters)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.tie_weights and config.embed != config.units:
            raise ValueError("weight tying needs embed == units")
        self.config = config
        with self.init_scope():
            self.embed = L.EmbedID(config.vocab_size, config.embed)
            self.lstm1 = LSTMLayer(config.embed, config.units)
            self.lstm2 = LSTMLayer(config.units, config.units)
            if config.tie_weights:
                self.out_b = chainer.Parameter(np.zeros((config.vocab_size,), dtype=np.float32))
            else:
                self.out = L.Linear(config.units, config.vocab_size)

    def init_weights(self, rng: np.random.Generator) -> None:
        """Uniform ±0.1 for every parameter, drawn from `rng` in a fixed order."""
        for _, param in sorted(self.namedparams()):
            values = rng.uniform(-INIT_SCALE, INIT_SCALE, param.shape).astype(np.float32)
            param.array[...] = self.xp.asarray(values)

    def reset_state(self) -> None:
        self.lstm1.reset_state()
        self.lstm2.reset_state()

    @property
    def layers(self) -> tuple[LSTMLayer, LSTMLayer]:
        return (self.lstm1, self.lstm2)

    def output_weights(self):
        """(W, b) of the output projection (the embedding matrix when tied)."""
        if self.config.tie_weights:
            return self.embed.W, self.out_b
        return self.out.W, self.out.b

    @staticmethod
    def _dropout_active(ratio: float, rng: np.random.Generator | None) -> bool:
        return ratio > 0.0 and chainer.config.train and rng is not None

    def _dropout(self, x, rng: np.random.Generator | None, ratio: float | None = None):
        ratio = self.config.dropout if ratio is None else ratio
        if not self._dropout_active(ratio, rng):
            return x
        keep = (rng.random(x.shape, dtype=np.float32) >= ratio).astype(np.float32)
        keep *= np.float32(1.0 / (1.0 - ratio))
        return F.dropout(x, ratio, mask=self.xp.asarray(keep))

    def hidden(self, tokens, rng: np.random.Generator | None = None):
        """tokens: int32 (T, B) → the top layer's output (T·B, units), after its dropout."""
        steps, batch = tokens.shape
        embed_ratio = self.config.effective_embed_dropout
        if self._dropout_active(embed_ratio, rng) or not table_is_cheaper(self.config.vocab_size, steps * batch):
            h = self.lstm1(self._dropout(embed_lookup(tokens, self.embed.W), rng, embed_ratio))
        else:  # the same numbers from a V-row table (see embed_projection)
            h = self.lstm1.recur(embed_projection(tokens, self.embed.W, self.lstm1.W_x, self.lstm1.b))
        h = self._dropout(h, rng)
        h = self._dropout(self.lstm2(h), rng)
        return F.reshape(h, (steps * batch, self.config.units))

    def forward(self, tokens, rng: np.random.Generator | None = None):
        """tokens: int32 (T, B) → logits (T·B, V); dropout masks drawn from `rng`."""
        w, b = self.output_weights()
        return F.linear(self.hidden(tokens, rng), w, b)

    def loss(self, tokens, targets, rng: np.random.Generator | None = None):
        """Mean cross-entropy per token (nats) over the window; the output bias is added inside
        the loss (one pass over the logits fewer than `F.linear` with its bias)."""
        w, b = self.output_weights()
        return softmax_cross_entropy(F.linear(self.hidden(tokens, rng), w), targets.reshape(-1), b)

    def parameter_count(self) -> int:
        return int(sum(p.size for p in self.params()))
