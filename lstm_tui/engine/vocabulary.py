"""The vocabulary: token ↔ id, built from the training split, stored as JSON (never pickle)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from lstm_tui.engine.errors import UserError

UNK = "<unk>"


class Vocabulary:
    """Ids are assigned by frequency (ties by first appearance); id 0 is `<unk>`."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if not tokens or tokens[0] != UNK:
            raise ValueError("a vocabulary starts with <unk>")
        if len(set(tokens)) != len(tokens):
            raise ValueError("vocabulary tokens must be unique")
        self.tokens: list[str] = list(tokens)
        self.index: dict[str, int] = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def build(cls, tokens: Iterable[str], max_size: int | None = None) -> "Vocabulary":
        """The most frequent tokens (at most `max_size` including `<unk>`)."""
        if max_size is not None and max_size < 2:
            raise UserError(f"--vocab-size {max_size} is too small; use at least 2")
        counts = Counter(tokens)
        counts.pop(UNK, None)
        ordered = [t for t, _ in counts.most_common()]  # stable: ties keep first appearance
        if max_size is not None:
            ordered = ordered[: max_size - 1]
        return cls([UNK, *ordered])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        get = self.index.get
        return np.fromiter((get(t, 0) for t in tokens), dtype=np.int32)

    def id(self, token: str) -> int:
        return self.index.get(token, 0)

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[int(i)] for i in ids]

    def to_json(self) -> list[str]:
        return list(self.tokens)

    @classmethod
    def from_json(cls, data: object) -> "Vocabulary":
        if not isinstance(data, list) or not all(isinstance(t, str) for t in data):
            raise ValueError("vocabulary must be a list of strings")
        return cls(data)
