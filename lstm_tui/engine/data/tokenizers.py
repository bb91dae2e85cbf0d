"""Tokenizers: how text becomes tokens, and how a typed prefix splits into context and a partial word.

`char` treats every Unicode character as a token. `space` splits on whitespace and turns each
line end into `<eos>` (the Penn Treebank convention). `mecab` splits Japanese with MeCab
(`-Owakati`, unidic-lite) and also marks line ends with `<eos>`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Protocol

from lstm_tui.engine.errors import UserError

EOS = "<eos>"
LEVELS = ("char", "word")
TOKENIZERS = ("auto", "space", "mecab")
CONCRETE_TOKENIZERS = ("char", "space", "mecab")  # what model.json records: `auto` resolved


class Tokenizer(Protocol):
    """What the rest of the engine needs from a tokenizer."""

    name: str
    level: str

    def tokenize(self, text: str) -> list[str]:
        """All tokens of a training text."""

    def split_prefix(self, text: str) -> tuple[list[str], str]:
        """(complete tokens, partial word being typed) for the text before the cursor."""

    def render(self, token: str) -> str:
        """The text a token stands for when it follows complete tokens."""


@dataclass
class CharTokenizer:
    """Every Unicode character is a token."""

    name: str = "char"
    level: str = "char"

    def tokenize(self, text: str) -> list[str]:
        return list(text)

    def split_prefix(self, text: str) -> tuple[list[str], str]:
        return list(text), ""

    def render(self, token: str) -> str:
        return token


class _WordsPerLine:
    """Word tokenizers: the words of each line, with `<eos>` between lines."""

    def _words(self, line: str) -> list[str]:
        raise NotImplementedError

    def _lines(self, lines: list[str]) -> list[str]:
        """The tokens of complete lines, each followed by `<eos>`."""
        tokens: list[str] = []
        for line in lines:
            tokens.extend(self._words(line))
            tokens.append(EOS)
        return tokens

    def tokenize(self, text: str) -> list[str]:
        tokens = self._lines(text.split("\n"))
        tokens.pop()  # a line end follows every line but the last
        return tokens


@dataclass
class SpaceTokenizer(_WordsPerLine):
    """Whitespace-separated words; a line end is the token `<eos>`."""

    name: str = "space"
    level: str = "word"

    def _words(self, line: str) -> list[str]:
        return line.split()

    def split_prefix(self, text: str) -> tuple[list[str], str]:
        *complete, last = text.split("\n")
        tokens = self._lines(complete)
        words = last.split()
        if words and not last[-1].isspace():
            return tokens + words[:-1], words[-1]
        return tokens + words, ""

    def render(self, token: str) -> str:
        return "\n" if token == EOS else token + " "


class MecabTokenizer(_WordsPerLine):
    """Japanese words from MeCab with the unidic-lite dictionary; line ends become `<eos>`."""

    name = "mecab"
    level = "word"

    def __init__(self) -> None:
        self._tagger = _make_tagger()

    def _words(self, line: str) -> list[str]:
        if not line.strip():
            return []
        return self._tagger.parse(line).split()

    def split_prefix(self, text: str) -> tuple[list[str], str]:
        *complete, last = text.split("\n")
        tokens = self._lines(complete)
        words = self._words(last)
        # Japanese has no spaces: the last word is still being typed unless the text ends in
        # whitespace or punctuation.
        if words and last and not last[-1].isspace() and not _is_punctuation(last[-1]):
            return tokens + words[:-1], words[-1]
        return tokens + words, ""

    def render(self, token: str) -> str:
        return "\n" if token == EOS else token


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def is_kana(text: str) -> bool:
    """True when `text` is all hiragana or katakana (what is typed before an IME converts it)."""
    return bool(text) and all("\u3041" <= c <= "\u30ff" for c in text)


def kana_tail(tokens: list[str], limit: int) -> int:
    """How many of the last tokens (at most `limit`) are kana: the part of a text split into
    context and a partial word that may still be one word being typed."""
    count = 0
    while count < min(limit, len(tokens)) and is_kana(tokens[-1 - count]):
        count += 1
    return count


def _make_tagger():
    """A MeCab tagger, or a UserError that names the package to install."""
    try:
        import MeCab
    except ImportError as exc:
        raise UserError(
            f"MeCab is not installed ({exc}); install it with: pip install mecab-python3 unidic-lite"
        ) from None
    try:
        return MeCab.Tagger("-Owakati")
    except RuntimeError as exc:
        reason = " ".join(str(exc).split())[:200]
        hint = "pip install unidic-lite"
        if "unidic/dicdir" in reason:
            hint = "pip uninstall unidic (its dictionary was never downloaded) and keep unidic-lite"
        raise UserError(f"MeCab could not load its dictionary ({reason}); fix: {hint}") from None


def japanese_share(text: str, sample: int = 200_000) -> float:
    """Share of kana/kanji among the non-space characters of (a sample of) the text."""
    chunk = text[:sample]
    letters = [c for c in chunk if not c.isspace()]
    if not letters:
        return 0.0
    ja = sum(
        1
        for c in letters
        if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"
    )
    return ja / len(letters)


def resolve_tokenizer_name(level: str, tokenizer: str, text: str) -> str:
    """The concrete tokenizer for a level: `auto` picks mecab for mostly Japanese text."""
    if level not in LEVELS:
        raise UserError(f"unknown level {level!r}; use one of: {', '.join(LEVELS)}")
    if level == "char":
        return "char"
    if tokenizer not in TOKENIZERS:
        raise UserError(f"unknown tokenizer {tokenizer!r}; use one of: {', '.join(TOKENIZERS)}")
    if tokenizer == "auto":
        return "mecab" if japanese_share(text) > 0.3 else "space"
    return tokenizer


def make_tokenizer(name: str) -> Tokenizer:
    """Build a tokenizer by its concrete name (as stored in model.json)."""
    if name == "char":
        return CharTokenizer()
    if name == "space":
        return SpaceTokenizer()
    if name == "mecab":
        return MecabTokenizer()
    raise UserError(f"unknown tokenizer {name!r}; use one of: {', '.join(CONCRETE_TOKENIZERS)}")
