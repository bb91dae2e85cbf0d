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
            raise UserError(f"--vocab-size {max_size} is too small; use at least 2", field="vocab_size")
        counts = Counter(tokens)
        counts.pop(UNK, None)
        ordered = [t for t, _ in counts.most_common()]  # stable: ties keep first appearance
        if max_size is not None:
            ordered = ordered[: max_size - 1]
        return cls([UNK, *ordered])

    @classmethod
    def build_chars(cls, codepoints: np.ndarray, max_size: int | None = None) -> "Vocabulary":
        """`build` for characters given as a UTF-32 code point array (no per-char Python objects)."""
        if max_size is not None and max_size < 2:
            raise UserError(f"--vocab-size {max_size} is too small; use at least 2", field="vocab_size")
        unique, first, counts = np.unique(codepoints, return_index=True, return_counts=True)
        order = np.lexsort((first, -counts))  # by count, ties by first appearance (as `build`)
        chars = [chr(int(c)) for c in unique[order]]
        chars = [c for c in chars if c != UNK]
        if max_size is not None:
            chars = chars[: max_size - 1]
        return cls([UNK, *chars])

    def encode_chars(self, codepoints: np.ndarray) -> np.ndarray:
        """`encode` for a UTF-32 code point array: one vectorised lookup."""
        known = np.array(sorted(ord(t) for t in self.tokens if len(t) == 1), dtype=np.uint32)
        ids = np.array([self.index[chr(int(c))] for c in known], dtype=np.int32)
        if len(known) == 0:
            return np.zeros(len(codepoints), dtype=np.int32)
        where = np.searchsorted(known, codepoints)
        where = np.minimum(where, len(known) - 1)
        hit = known[where] == codepoints
        return np.where(hit, ids[where], np.int32(0)).astype(np.int32)

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
