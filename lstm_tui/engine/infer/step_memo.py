"""A model's recent steps and next-token distributions, kept by exactly what they were computed
from, so the readers of one text compute each of them once.

Typing at the end of a text, the predict screen's readers meet the same work: the suggestions
step the key's token from the state before it, the inspector (inspect mode, a predictor of its
own over the whole text) steps that same token from that same state, and needs the distribution
the suggestions computed one key before; the word bar looks a few characters ahead, so the next
key is often a token it stepped already. A step's result depends only on the state before it and
the token: it is kept under those (the state's bytes), and whoever meets them again copies it
instead of stepping. A distribution with the continuous cache depends on the states and tokens of
the cache's window: it is kept under the state at the window's start and the window's tokens,
which determine the rest. Equal inputs, equal results: nothing is ever approximated.

The memo belongs to one model's weights (`Predictor.twin` shares it with a predictor over the
same weights, never across models). Its readers may run in different threads (a long paste is
followed in a worker): a lock guards it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

STEPS = 512
"""Steps kept: a key's own, the word bar's look-aheads (30 at most, a few more stepped ahead) and
the inspector's, for a few keys, and the searches stepped between keys for the likeliest next
characters (`Predictor.warm_word_bars`): a few MB."""
DISTRIBUTIONS = 8
"""Distributions with the cache kept: the last few keys' (the inspector reads the one before)."""


class StepMemo:
    """(state before, token) → state after, and (window key) → next-token distribution; the most
    recently used kept."""

    def __init__(self, steps: int = STEPS, distributions: int = DISTRIBUTIONS) -> None:
        self._steps: OrderedDict[tuple[bytes, int], np.ndarray] = OrderedDict()
        self._distributions: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._limits = steps, distributions
        self._lock = threading.Lock()
        self.hits = {"steps": 0, "distributions": 0}
        """How many steps and distributions were found here instead of computed."""

    def step(self, token_id: int, prev: np.ndarray, out: np.ndarray) -> bool:
        """out ← the state after `token_id` from `prev` if it is kept; returns whether it was."""
        return self._take(self._steps, (prev.tobytes(), token_id), out, "steps")

    def holds_step(self, token_id: int, prev: np.ndarray) -> bool:
        """True when the state after `token_id` from `prev` is kept (a hit is not counted)."""
        with self._lock:
            return (prev.tobytes(), token_id) in self._steps

    def keep_step(self, token_id: int, prev: np.ndarray, out: np.ndarray) -> None:
        """Keep `out`, the state after `token_id` from `prev` (a copy)."""
        self._keep(self._steps, (prev.tobytes(), token_id), out, self._limits[0])

    def distribution(self, key: Hashable, out: np.ndarray) -> bool:
        """out ← the distribution kept under `key`, if any; returns whether it was."""
        return self._take(self._distributions, key, out, "distributions")

    def keep_distribution(self, key: Hashable, probs: np.ndarray) -> None:
        self._keep(self._distributions, key, probs, self._limits[1])

    def _take(self, table: OrderedDict, key: Hashable, out: np.ndarray, kind: str) -> bool:
        with self._lock:
            found = table.get(key)
            if found is None:
                return False
            table.move_to_end(key)
            self.hits[kind] += 1
            out[...] = found
            return True

    def _keep(self, table: OrderedDict, key: Hashable, value: np.ndarray, limit: int) -> None:
        with self._lock:
            table[key] = value.copy()
            table.move_to_end(key)
            while len(table) > limit:
                table.popitem(last=False)
