"""Validation and test loss (batched, over every rank's streams) and the text samples of a run.

Both use the weights a run validates and saves: the moving average of the weights when the run
keeps one (`--weight-average`), the weights themselves otherwise.
"""

from __future__ import annotations

import contextlib

from lstm_tui.engine.data.streams import ParallelStreams
from lstm_tui.engine.data.tokenizers import make_tokenizer
from lstm_tui.engine.data.vocabulary import Vocabulary
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.model.language_model import LanguageModel
from lstm_tui.engine.runtime.chainer_compat import chainer
from lstm_tui.engine.train.processes import Processes
from lstm_tui.engine.train.weight_average import WeightAverage

SAMPLE_LENGTH = 120  # characters of a sample; a word-level sample has a quarter as many words
SAMPLE_TEMPERATURE = 0.8
VALIDATIONS_PER_EPOCH = 4  # the default interval: about this many validations per epoch...
MIN_VALIDATION_STEPS = 10  # ...but never closer than this many steps (a small corpus has few steps per epoch)
MAX_VALIDATION_STEPS = 500  # ...nor further apart than this (a large one has many)


def validation_interval(eval_every: int | None, steps_per_epoch: int) -> int:
    """Steps between interim validations: `--eval-every`, else the default spacing above."""
    if eval_every:
        return eval_every
    return max(MIN_VALIDATION_STEPS, min(MAX_VALIDATION_STEPS, steps_per_epoch // VALIDATIONS_PER_EPOCH))


class Evaluator:
    """Measures a model on held-out streams and samples from it, without touching its training state."""

    def __init__(self, model: LanguageModel, processes: Processes, average: WeightAverage | None,
                 vocab: Vocabulary, tokenizer: str, level: str) -> None:
        self.model = model
        self.processes = processes
        self.average = average
        self.vocab = vocab
        self.tokenizer = tokenizer
        self.level = level

    def weights_in_use(self):
        """A context in which the model holds the weights that are validated and saved."""
        return self.average.swapped_in() if self.average is not None else contextlib.nullcontext()

    def loss(self, streams: ParallelStreams | None, max_tokens: int | None = None) -> float | None:
        """Mean nats per token over a split (batched, no dropout, own LSTM state); None without the split."""
        if streams is None:
            return None
        model = self.model
        saved = [(layer.h, layer.c) for layer in model.layers]
        model.reset_state()
        xp = model.xp
        total = 0.0
        count = 0
        try:
            with chainer.using_config("train", False), chainer.no_backprop_mode(), self.weights_in_use():
                for x, t in streams.windows():
                    xs, ts = self.processes.own_streams(x, t)
                    if ts.size:
                        loss = model.loss(xp.asarray(xs), xp.asarray(ts))
                        total += float(loss.array) * ts.size
                    count += t.size
                    if max_tokens is not None and count >= max_tokens:
                        break
        finally:
            for layer, (h, c) in zip(model.layers, saved):
                layer.h, layer.c = h, c
        total = self.processes.sum(total)  # each rank evaluated its block of the streams
        return total / max(count, 1)

    def sample(self, seed: int, length: int = SAMPLE_LENGTH) -> str:
        """Generated text from an empty prompt (the same `seed` gives the same text)."""
        with self.weights_in_use():  # the predictor copies the weights it is given
            predictor = Predictor(self.model, self.vocab, make_tokenizer(self.tokenizer))
        tokens = length if self.level == "char" else length // 4
        return predictor.generate("", length=tokens, temperature=SAMPLE_TEMPERATURE, seed=seed)
