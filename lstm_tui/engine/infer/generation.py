"""Continuations of the predictor's context: the ghost text shown after the cursor, and sampled text.

Both step forward with `Predictor.extend`, a look-ahead that keeps the followed text;
`Predictor.ghost` and `Predictor.generate` put the context back afterwards.

The ghost ends where a person would stop to check it: a character model's ghost is the word bar's
first word (the rest of the word being typed and the space after it); a word model's is one word,
and a short phrase only while the model stays sure of each next word. A word the model would
repeat right after itself ("the the", "のの") ends the ghost: a small model's loop, never text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lstm_tui.engine.data.tokenizers import EOS

if TYPE_CHECKING:
    from lstm_tui.engine.infer.predictor import Predictor
    from lstm_tui.engine.infer.suggestion_ranker import Suggestions

PHRASE_WORDS = 4  # word models: the longest ghost phrase
PHRASE_PROB = 0.5  # a word joins the phrase only when the model gives it at least this
GHOST_CHARS = 40  # the longest ghost text


def ghost_text(predictor: Predictor, suggestions: Suggestions) -> str:
    """The ghost for `suggestions` (just made for the predictor's context)."""
    if predictor.level == "char":
        return suggestions.words[0].insert if suggestions.words else ""
    return word_phrase(predictor, suggestions.partial)


def word_phrase(predictor: Predictor, partial: str) -> str:
    """The best completion of `partial` (or the likeliest next word), then more words while each
    is likely enough (`PHRASE_PROB`) and new; up to a line end and `GHOST_CHARS` characters."""
    vocab = predictor.vocab
    previous = predictor.last_id
    if partial:
        best = predictor.completions(partial, 1)
        if not best:
            return ""
        token_id, insert = vocab.id(best[0].token), best[0].insert
    else:
        token_id, _ = _likeliest(predictor)
        insert = predictor.tokenizer.render(vocab.tokens[token_id])
    pieces: list[str] = []
    used: set[int] = set()
    while token_id != previous and token_id not in used:
        pieces.append(insert)
        if vocab.tokens[token_id] == EOS or len(pieces) == PHRASE_WORDS or sum(map(len, pieces)) >= GHOST_CHARS:
            break
        predictor.extend(token_id)
        previous = token_id
        used.add(token_id)
        token_id, prob = _likeliest(predictor)
        if prob < PHRASE_PROB:
            break
        insert = predictor.tokenizer.render(vocab.tokens[token_id])
    return "".join(pieces)[:GHOST_CHARS]


def _likeliest(predictor: Predictor) -> tuple[int, float]:
    """The likeliest next token (never a banned one) and its probability."""
    probs = predictor.probabilities()
    probs[predictor.banned] = -1.0
    token_id = int(np.argmax(probs))
    return token_id, float(probs[token_id])


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
