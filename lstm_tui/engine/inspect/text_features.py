"""Simple features of a text, token by token, to find the LSTM cells that track them.

Karpathy, Johnson & Fei-Fei ("Visualizing and Understanding Recurrent Networks", 2015) found
single cells of character LSTMs that follow quotes, brackets and the position in a line. Each
feature here is the value *after reading* a token, as the cell is: after an opening quote the
text is inside quotes; after a line break the position in the line is 0. Quote and bracket
states restart at a blank line, so a stray quote in a sample does not invert the rest of it.
"""

from __future__ import annotations

import numpy as np

from lstm_tui.engine.data.tokenizers import EOS

FEATURE_LABELS = {
    "quote": "inside quotes",
    "bracket": "inside brackets",
    "line_position": "position in the line",
    "word_start": "start of a word",
    "line_break": "after a line break",
    "sentence_position": "position in the sentence",
}
CHAR_FEATURES = ("quote", "bracket", "line_position", "word_start", "line_break")
WORD_FEATURES = ("sentence_position", "quote")
_OPEN, _CLOSE = "([{", ")]}"
_SENTENCE_END = (".", "!", "?")
_CLOSING = "\"')]}”’"  # may follow a sentence's last mark: `home."`


def features_for(level: str) -> tuple[str, ...]:
    return CHAR_FEATURES if level == "char" else WORD_FEATURES


def text_features(tokens: list[str], level: str) -> dict[str, np.ndarray]:
    """Each feature of `level` after each of `tokens` (float64 arrays, one value a token)."""
    return char_features(tokens) if level == "char" else word_features(tokens)


def char_features(chars: list[str]) -> dict[str, np.ndarray]:
    count = len(chars)
    quote, bracket, column, start, newline = (np.zeros(count) for _ in range(5))
    inside, depth, col, prev_alnum, prev = False, 0, 0, False, ""
    for i, ch in enumerate(chars):
        if ch == "\n" and prev == "\n":  # a blank line: a new paragraph
            inside, depth = False, 0
        if ch == '"':
            inside = not inside
        elif ch in "“”":
            inside = ch == "“"
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        col = 0 if ch == "\n" else col + 1
        alnum = ch.isalnum()
        quote[i], bracket[i], column[i] = inside, depth > 0, col
        start[i] = alnum and not prev_alnum
        newline[i] = ch == "\n"
        prev_alnum, prev = alnum, ch
    return {"quote": quote, "bracket": bracket, "line_position": column, "word_start": start, "line_break": newline}


def word_features(words: list[str]) -> dict[str, np.ndarray]:
    count = len(words)
    position, quote = np.zeros(count), np.zeros(count)
    since, inside, blank = 0, False, False
    for i, word in enumerate(words):
        if word == EOS:
            if blank:  # a blank line: a new paragraph
                inside = False
            blank = True
        else:
            blank = False
        marks = word.count('"') + (word in ("``", "''"))
        if marks % 2:
            inside = not inside
        elif "“" in word or "”" in word:
            inside = word.rfind("“") > word.rfind("”")
        since = 0 if word == EOS or word.rstrip(_CLOSING).endswith(_SENTENCE_END) else since + 1
        position[i], quote[i] = since, inside
    return {"sentence_position": position, "quote": quote}
