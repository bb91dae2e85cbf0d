"""Named training presets: a corpus-sized recipe from one flag (`--preset NAME`).

They follow what the literature found for two-layer LSTM language models — dropout on the
embedding, between the layers and before the output; tied embedding/output weights for words
(Inan et al. 2017; Press & Wolf 2017); learning-rate decay on plateau; gradient clipping — sized
for what two CPU cores train within the time budget. Explicit flags override a preset's values.
A fine-tuning preset (`init_from`) takes the model's size and cache from the model it starts from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lstm_tui.engine.errors import UserError


@dataclass(frozen=True)
class Preset:
    """A recipe: TrainConfig field values and what it is for."""

    name: str
    description: str
    values: dict = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    "shakespeare-char": Preset(
        "shakespeare-char",
        "char level for Tiny-Shakespeare-sized English (~1 MB): 2×512, dropout 0.2, batch 32, BPTT 100, 30 min, annealed; "
        "predicts with a continuous cache over the last 3,000 characters",
        dict(corpus="tinyshakespeare", level="char", units=512, embed=128, dropout=0.2, bptt=100, batch_size=32,
             optimizer="adam", lr=2e-3, grad_clip=5.0, time_budget=30.0, anneal=0.3, split=(0.9, 0.1, 0.0), eval_every=400,
             cache_size=3000, cache_theta=0.3, cache_mix=0.2),
    ),
    "small-char": Preset(
        "small-char",
        "the shakespeare-char recipe at a few MB (2×256, embed 64, batch 64) for the built-in corpus, 12 min (it made the previous default model); "
        "cache over the last 3,000 characters",
        dict(corpus="builtin:pydoc", level="char", units=256, embed=64, dropout=0.2, bptt=100, batch_size=64,
             optimizer="adam", lr=2e-3, grad_clip=5.0, time_budget=12.0, anneal=0.3, eval_every=200,
             cache_size=3000, cache_theta=0.7, cache_mix=0.4),
    ),
    "ptb-word": Preset(
        "ptb-word",
        "word level for Penn-Treebank-sized English (~1M words): 2×400 tied, dropout 0.3, Adam, annealed, "
        "weights averaged (0.9995), 60 min; predicts with a continuous cache over the last 1,000 words",
        dict(corpus="ptb", level="word", tokenizer="space", units=400, embed=400, tie_weights=True, dropout=0.3,
             bptt=35, batch_size=20, optimizer="adam", lr=2e-3, lr_decay=0.5, grad_clip=5.0, time_budget=60.0,
             anneal=0.3, weight_average=0.9995, eval_every=600, cache_size=1000, cache_theta=0.3, cache_mix=0.15),
    ),
    "ja-word": Preset(
        "ja-word",
        "word level for Japanese with MeCab (~800k characters): 2×256 tied, dropout 0.3, annealed, 40 min",
        dict(corpus="ja-books", level="word", tokenizer="mecab", units=256, embed=256, tie_weights=True, dropout=0.3,
             bptt=35, batch_size=32, optimizer="adam", lr=2e-3, grad_clip=5.0, time_budget=40.0, anneal=0.3, eval_every=300),
    ),
    "tiny": Preset(
        "tiny",
        "a one-minute smoke run on any corpus: 2×64 units",
        dict(units=64, embed=64, dropout=0.0, bptt=32, batch_size=16, time_budget=1.0),
    ),
    "adapt-default": Preset(
        "adapt-default",
        "adapt the default model to this corpus: fine-tune the shipped English default (--init-from default) for 5 min "
        "at a quarter of its learning rate (5e-4), dropout 0.2, annealed; its size, vocabulary and cache come from the default",
        dict(init_from="default", lr=5e-4, dropout=0.2, time_budget=5.0, anneal=0.3),
    ),
}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise UserError(f"unknown preset {name!r}; use one of: {', '.join(PRESETS)}")
    return PRESETS[name]
