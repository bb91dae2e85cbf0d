"""Continuations of the predictor's context: the greedy one shown as ghost text, and sampled text.

Both step forward with `Predictor.extend`, a look-ahead that keeps the followed text;
`Predictor.greedy` and `Predictor.generate` put the context back afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lstm_tui.engine.data.tokenizers import EOS

if TYPE_CHECKING:
    from lstm_tui.engine.infer.predictor import Predictor


def greedy_continuation(predictor: Predictor, tokens: int, partial: str, max_chars: int) -> str:
    """The best completion of `partial`, then the most likely `tokens` tokens, rendered: up to a
    line end and at most `max_chars` characters."""
    pieces: list[str] = []
    if partial:
        best = predictor.completions(partial, 1)
        if not best:
            return ""
        pieces.append(best[0].insert)
        predictor.extend(predictor.vocab.id(best[0].token))
    for _ in range(tokens):
        probs = predictor.probabilities()
        probs[predictor.banned] = -1.0
        token_id = int(np.argmax(probs))
        token = predictor.vocab.tokens[token_id]
        pieces.append(predictor.tokenizer.render(token))
        if token == EOS or (predictor.level == "char" and token == "\n"):
            break
        predictor.extend(token_id)
        if sum(map(len, pieces)) >= max_chars:
            break
    return "".join(pieces)[:max_chars]


def sampled_continuation(predictor: Predictor, length: int, temperature: float, rng: np.random.Generator,
                         top_k: int | None = None) -> str:
    """`length` tokens drawn one by one from the model's distribution at `temperature` (only among
    the `top_k` most likely tokens, when given), rendered.

    The continuous cache stays out: it boosts recent tokens, which helps predict what a person
    types but, fed the model's own samples, makes them repeat ("and and and", "llll")."""
    pieces: list[str] = []
    for _ in range(length):
        probs = predictor.model_probabilities(temperature).astype(np.float64)
        probs[predictor.banned] = 0.0
        if top_k is not None and top_k < len(probs):
            probs[np.argpartition(probs, -top_k)[:-top_k]] = 0.0
        probs /= probs.sum()
        token_id = int(rng.choice(len(probs), p=probs))
        pieces.append(predictor.tokenizer.render(predictor.vocab.tokens[token_id]))
        predictor.extend(token_id)
    return "".join(pieces)
