"""The documents an editor has open, kept in step with its edits, and positions in them.

An LSP position is a line and a column counted in code units of the negotiated encoding (UTF-16
unless client and server agree on UTF-8 or UTF-32); Python strings count code points. A document
keeps its text as one string and where each line starts, so an edit or a position costs a look-up
in that index and one line's conversion, not a pass over the whole text: a 1 MB document is
edited about as cheaply as a short one, apart from copying the string.

Positions that name no character are handled the way the protocol's reference implementation
(vscode-languageserver's TextDocument) does, with a note the server logs: a column past a line's
end is that line's end (the protocol says so), a line past the last one the document's end, a
column inside one character's code units (half of a surrogate pair) that character's start, a
range whose end comes before its start the other way round. A request may ask for them to be
refused instead (`strict`): a completion at a place that does not exist is the client's error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from lstm_tui.engine.infer.text_follower import common_prefix_length

LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the protocol's line ends (not \v, \f or U+2028)
UNIT_BYTES = {"utf-8": 1, "utf-16": 2, "utf-32": 4}
"""Code unit sizes of the position encodings the protocol defines."""


class PositionError(ValueError):
    """A position that names no place in the document (the message says which and why)."""


@dataclass(frozen=True)
class Position:
    """An LSP position: a line, and a column in code units of the negotiated encoding."""

    line: int
    character: int


@dataclass(frozen=True)
class Edit:
    """A change applied to a document, in code points: [start, end) became `inserted` characters."""

    start: int
    end: int
    inserted: int

    @property
    def delta(self) -> int:
        """How much longer the text became."""
        return self.inserted - (self.end - self.start)


def line_starts(text: str, start: int = 0, stop: int | None = None) -> list[int]:
    """Where the lines after the line ends in text[start:stop] begin."""
    return [m.end() for m in LINE_BREAK.finditer(text, start, len(text) if stop is None else stop)]


def common_suffix_length(a: str, b: str, limit: int) -> int:
    """Length of the common suffix of two strings, at most `limit` (a binary search over C-level
    comparisons, as `common_prefix_length`)."""
    if limit <= 0:
        return 0
    if a[len(a) - limit :] == b[len(b) - limit :]:
        return limit
    lo, hi = 0, limit  # the last lo characters agree, the last hi do not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[len(a) - mid : len(a) - lo] == b[len(b) - mid : len(b) - lo]:
            lo = mid
        else:
            hi = mid
    return lo


def _unit_ends(segment: str, encoding: str) -> np.ndarray:
    """The code unit count after each character of `segment` (not all ASCII) in `encoding`."""
    points = np.frombuffer(segment.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if encoding == "utf-16":
        widths = 1 + (points > 0xFFFF).astype(np.int64)
    else:  # utf-8
        widths = 1 + (points >= 0x80).astype(np.int64) + (points >= 0x800) + (points >= 0x10000)
    return np.cumsum(widths)


def column_index(segment: str, units: int, encoding: str) -> tuple[int, str | None]:
    """The code point index in `segment` (one line, without its line end) of column `units`, and
    what was wrong with it (None: nothing): past the line's end (the end is taken), or inside one
    character's code units (that character's start is taken)."""
    if encoding == "utf-32" or segment.isascii():
        if units <= len(segment):
            return units, None
        return len(segment), f"column {units} is past the end of the line ({len(segment)} {encoding} code units)"
    ends = _unit_ends(segment, encoding)
    if units == 0:
        return 0, None
    if units > ends[-1]:
        return len(segment), f"column {units} is past the end of the line ({int(ends[-1])} {encoding} code units)"
    index = int(np.searchsorted(ends, units))
    if ends[index] == units:
        return index + 1, None
    char = segment[index]
    width = int(ends[index] - (ends[index - 1] if index else 0))
    return index, f"column {units} falls inside U+{ord(char):04X}, one character of {width} {encoding} code units"


def column_units(segment: str, index: int, encoding: str) -> int:
    """The column in code units of code point `index` of `segment` (one line)."""
    if encoding == "utf-32" or segment.isascii() or index == 0:
        return index
    return int(_unit_ends(segment[:index], encoding)[-1])


class TextDocument:
    """One open document: its text, where its lines start, and its language and version."""

    def __init__(self, uri: str, text: str, language_id: str = "plaintext", version: int = 0, encoding: str = "utf-16") -> None:
        if encoding not in UNIT_BYTES:
            raise ValueError(f"unknown position encoding {encoding!r}")
        self.uri = uri
        self.language_id = language_id
        self.version = version
        self.encoding = encoding
        """How columns are counted: "utf-16" (the protocol's default), "utf-8" or "utf-32"."""
        self.text = text
        self._starts = np.array([0, *line_starts(text)], dtype=np.int64)

    @property
    def line_count(self) -> int:
        """Lines in the document (a text that ends in a line break has an empty last line)."""
        return len(self._starts)

    def _line(self, line: int) -> tuple[int, str]:
        """(offset, text without its line end) of line `line`."""
        start = int(self._starts[line])
        if line + 1 < len(self._starts):
            end = int(self._starts[line + 1])
            end -= 2 if self.text.startswith("\r\n", end - 2) else 1
        else:
            end = len(self.text)
        return start, self.text[start:end]

    def offset(self, position: Position, strict: bool = False) -> tuple[int, str | None]:
        """The code point offset of `position`, and what was wrong with it (None: nothing).

        A column past its line's end is the line's end (as the protocol says); a line past the
        last one is the document's end (one past the last line, column 0, is the end as some
        clients send it) and a column inside a character is its start, both raising
        `PositionError` instead when `strict`."""
        if position.line < 0 or position.character < 0:
            raise PositionError(f"position {position.line}:{position.character} is negative")
        if position.line >= len(self._starts):
            if position.line == len(self._starts) and position.character == 0:
                return len(self.text), None
            problem = f"line {position.line} is past the end of the document ({len(self._starts)} lines)"
            if strict:
                raise PositionError(problem)
            return len(self.text), problem
        start, segment = self._line(position.line)
        index, problem = column_index(segment, position.character, self.encoding)
        if problem is not None and strict and index < len(segment):  # inside a character, not past the end
            raise PositionError(f"line {position.line}: {problem}")
        return start + index, (f"line {position.line}: {problem}" if problem else None)

    def position(self, offset: int) -> Position:
        """The LSP position of code point `offset`."""
        line = int(np.searchsorted(self._starts, offset, side="right")) - 1
        start, segment = self._line(line)
        return Position(line, column_units(segment, min(offset - start, len(segment)), self.encoding))

    def apply(self, start: Position | None, end: Position | None, text: str) -> tuple[Edit, list[str]]:
        """Replace the range start..end with `text` (no range: the whole text); returns the edit
        in code points and notes on positions that named no character (the edit is applied as
        the module docstring says)."""
        if start is None or end is None:
            return self.replace_all(text), []
        a, note_a = self.offset(start)
        b, note_b = self.offset(end)
        notes = [n for n in (note_a, note_b) if n]
        if b < a:
            notes.append(f"the range ends ({end.line}:{end.character}) before it starts ({start.line}:{start.character}); taken the other way round")
            a, b = b, a
        self.text = self.text[:a] + text + self.text[b:]
        edit = Edit(a, b, len(text))
        self._reindex(edit)
        return edit, notes

    def replace_all(self, text: str) -> Edit:
        """Make the document `text`, as the edit that changes only what differs (a client that
        sends the whole text, or a script: the predictor then redoes only what changed)."""
        same = common_prefix_length(self.text, text)
        tail = common_suffix_length(self.text, text, min(len(self.text), len(text)) - same)
        return self.replace(same, len(self.text) - tail, text[same : len(text) - tail])

    def replace(self, start: int, end: int, text: str) -> Edit:
        """Replace code points [start, end) with `text` (offsets already checked by the caller)."""
        self.text = self.text[:start] + text + self.text[end:]
        edit = Edit(start, end, len(text))
        self._reindex(edit)
        return edit

    def _reindex(self, edit: Edit) -> None:
        """Update the line index after `edit` (already applied to the text).

        A line start before the edit stays (its line end is untouched); so does one after the
        character that follows the edit, shifted. Between them, line ends are found again in
        the new text: an edit can join a CR before it and an LF it inserts into one line end."""
        starts = self._starts
        first = max(int(np.searchsorted(starts, edit.start, side="left")), 1)  # starts[:first] < edit.start (and 0)
        region_start = int(starts[first - 1])
        after = int(np.searchsorted(starts, edit.end + 1, side="left"))  # the first start past the edit's next character
        if after < len(starts):
            region_end = int(starts[after]) + edit.delta
            tail = starts[after + 1 :] + edit.delta
        else:
            region_end, tail = len(self.text), starts[:0]
        found = np.array(line_starts(self.text, region_start, region_end), dtype=np.int64)
        self._starts = np.concatenate([starts[:first], found, tail])

    def index_matches_text(self) -> bool:
        """True when the line index matches the text (for tests and debugging)."""
        return self._starts.tolist() == [0, *line_starts(self.text)]
