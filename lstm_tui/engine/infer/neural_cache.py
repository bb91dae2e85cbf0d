"""A continuous cache over the recent text (Grave, Joulin & Usunier 2017, "Improving Neural
Language Models with a Continuous Cache").

Words recur within a text: a name, a topic, a figure typed a minute ago is likely again. The
cache keeps the LSTM's last-layer output h_i at each of the last `size` positions together with
the token that followed it, and predicts the next token by how close the current output h_t is to
each stored h_i:

    p_cache(w) ∝ Σ_{i: x_{i+1} = w} exp(θ · h_t·h_i),    p(w) = (1 − λ)·p_model(w) + λ·p_cache(w).

Nothing is trained: θ (`theta`) and λ (`mix`) are chosen on a validation split
(`grid_scores`, `benchmarks/cache_sweep.py`; results in benchmarks/RESULTS.md). The predictor
keeps the states it needs anyway (for backspace), so the cache costs one (size × H)
matrix-vector product and a scatter-add per keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_tui.engine.errors import UserError

MAX_SIZE = 3_000  # positions; the predictor keeps at least this many recent states in full


def size_problem(size: object) -> str | None:
    """What is wrong with a cache size (None: fine)."""
    ok = isinstance(size, int) and not isinstance(size, bool) and 0 <= size <= MAX_SIZE
    return None if ok else f"must be a whole number from 0 (off) to {MAX_SIZE:,}"


def theta_problem(theta: object) -> str | None:
    ok = isinstance(theta, (int, float)) and not isinstance(theta, bool) and 0 < theta < float("inf")
    return None if ok else "must be positive"


def mix_problem(mix: object) -> str | None:
    ok = isinstance(mix, (int, float)) and not isinstance(mix, bool) and 0.0 <= mix < 1.0
    return None if ok else "must be in [0, 1)"


@dataclass(frozen=True)
class CacheSettings:
    """How the cache is mixed in; `size` 0 turns it off."""

    size: int = 0
    theta: float = 0.3
    mix: float = 0.15

    @property
    def active(self) -> bool:
        return self.size > 0 and self.mix > 0.0

    def validate(self) -> None:
        for flag, value, check in (("--cache-size", self.size, size_problem), ("--cache-theta", self.theta, theta_problem),
                                   ("--cache-mix", self.mix, mix_problem)):
            wrong = check(value)
            if wrong:
                raise UserError(f"{flag} {wrong}, got {value!r}", field="cache_" + flag.removeprefix("--cache-"))


def mix_cache(probs: np.ndarray, query: np.ndarray, keys: list[np.ndarray], next_ids: np.ndarray,
              settings: CacheSettings) -> None:
    """probs ← (1 − λ)·probs + λ·p_cache, in place.

    query: h_t (H,); keys: the stored outputs h_i as row blocks (n_k, H), oldest first, n in all;
    next_ids: (n,) the token that followed each. With no stored position probs is left alone.
    """
    count = len(next_ids)
    if count == 0:
        return
    scores = np.empty(count, dtype=np.float64)
    offset = 0
    for block in keys:
        rows = len(block)
        scores[offset : offset + rows] = block @ query
        offset += rows
    scores *= settings.theta
    scores -= scores.max()
    weights = np.exp(scores)
    weights *= settings.mix / weights.sum()
    probs *= probs.dtype.type(1.0 - settings.mix)
    np.add.at(probs, next_ids, weights.astype(probs.dtype))


def grid_scores(outputs: np.ndarray, ids: np.ndarray, w_out_t: np.ndarray, b_out: np.ndarray,
                grid: list[CacheSettings], chunk: int = 256) -> list[tuple[np.ndarray, np.ndarray]]:
    """Score many cache settings at once from one pass of the model, to choose them on a
    validation split (`benchmarks/cache_sweep.py`).

    outputs[t]: the last layer's output after ids[t] (`Predictor.outputs`), t = 0..N−2;
    w_out_t (H, V) and b_out (V,): the output layer. For each setting, the NLL and the rank (tokens
    strictly more likely) of every target ids[t + 1] under the mixture `Predictor.probabilities`
    gives, in float64 and for a chunk of positions at a time (the same numbers as feeding the
    predictor token by token, tested, in a fraction of the time).
    """
    count = len(ids) - 1
    vocab = len(b_out)
    widest = max((s.size for s in grid if s.active), default=0)
    w_out_t = w_out_t.astype(np.float64)
    nll = [np.empty(count) for _ in grid]
    rank = [np.empty(count, dtype=np.int64) for _ in grid]
    for start in range(0, count, chunk):
        stop = min(start + chunk, count)
        rows = np.arange(start, stop)
        targets = ids[start + 1 : stop + 1]
        logits = outputs[start:stop].astype(np.float64) @ w_out_t + b_out
        logits -= logits.max(axis=1, keepdims=True)
        model = np.exp(logits)
        model /= model.sum(axis=1, keepdims=True)
        first = max(0, start - widest)
        keys = np.arange(first, stop - 1)  # stored positions any row of the chunk may read
        dots = outputs[start:stop].astype(np.float64) @ outputs[first : stop - 1].astype(np.float64).T
        flat = (np.arange(stop - start)[:, None] * vocab + ids[keys + 1][None, :]).ravel()
        for n, settings in enumerate(grid):
            probs = model
            if settings.active and len(keys):
                # row t reads positions max(0, t − size) .. t − 1
                visible = (keys[None, :] < rows[:, None]) & (keys[None, :] >= rows[:, None] - settings.size)
                scores = np.where(visible, settings.theta * dots, -np.inf)
                top = scores.max(axis=1, keepdims=True)
                weights = np.exp(scores - np.where(np.isfinite(top), top, 0.0))
                total = weights.sum(axis=1, keepdims=True)
                weights /= np.where(total > 0, total, 1.0)
                cache = np.bincount(flat, weights=weights.ravel(), minlength=(stop - start) * vocab)
                cache = cache.reshape(stop - start, vocab)
                # rows with nothing stored yet (t = 0) keep the model alone, as `mix_cache` does
                share = np.where(total > 0, settings.mix, 0.0)
                probs = (1.0 - share) * model + share * cache
            target_probs = probs[np.arange(stop - start), targets]
            nll[n][start:stop] = -np.log(np.maximum(target_probs, 1e-300))
            rank[n][start:stop] = np.count_nonzero(probs > target_probs[:, None], axis=1)
    return list(zip(nll, rank))
