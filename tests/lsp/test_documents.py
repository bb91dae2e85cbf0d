"""Open documents: edits keep the text and its line index right, positions convert between code
points and UTF-16 / UTF-8 / UTF-32 columns, and positions that name no character are reported."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from lstm_tui.lsp.documents import Position, PositionError, TextDocument

CODECS = {"utf-16": ("utf-16-le", 2), "utf-8": ("utf-8", 1), "utf-32": ("utf-32-le", 4)}
PIECES = st.lists(st.sampled_from(["a", "é", "日本", "😀", " ", "\n", "\r", "\r\n", "x\ny"]), max_size=12).map("".join)


def reference_position(text: str, offset: int, encoding: str) -> Position:
    """The LSP position of `offset`, from the protocol's definition (line ends: CR LF, CR, LF)."""
    lines = re.split(r"\r\n|\r|\n", text[:offset])
    codec, width = CODECS[encoding]
    return Position(len(lines) - 1, len(lines[-1].encode(codec, "surrogatepass")) // width)


def _nameable(text: str, offset: int) -> int:
    """`offset`, or the next one where it falls between a CR and its LF (no position names that)."""
    return offset + 1 if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n" else offset


@settings(max_examples=300, deadline=None)
@given(text=PIECES, edits=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), PIECES), max_size=8),
       encoding=st.sampled_from(sorted(CODECS)))
def test_edits_keep_the_text_and_its_positions(text: str, edits: list, encoding: str) -> None:
    document = TextDocument("file:///t.txt", text, encoding=encoding)
    for a, b, new in edits:
        a, b = sorted(_nameable(text, min(x, len(text))) for x in (a, b))
        # the edit as a client sends it: a range in positions of the current text
        _, notes = document.apply(reference_position(text, a, encoding), reference_position(text, b, encoding), new)
        text = text[:a] + new + text[b:]
        assert document.text == text and notes == []
        assert document.index_matches_text()
    for offset in range(len(text) + 1):
        if _nameable(text, offset) != offset:
            continue
        position = reference_position(text, offset, encoding)
        assert document.position(offset) == position
        assert document.offset(position, strict=True) == (offset, None)


def test_whole_text_changes_become_the_smallest_edit() -> None:
    document = TextDocument("file:///t.txt", "one\ntwo three\nfour")
    edit, _ = document.apply(None, None, "one\ntwo 3\nfour")
    assert (edit.start, edit.end, edit.inserted) == (8, 13, 1) and document.index_matches_text()


def test_a_cr_joined_by_an_inserted_lf_is_one_line_end() -> None:
    document = TextDocument("file:///t.txt", "a\rb")
    assert document.line_count == 2
    document.apply(Position(1, 0), Position(1, 0), "\n")  # "a\r" + "\n" + "b": CR LF now
    assert document.text == "a\r\nb" and document.line_count == 2 and document.index_matches_text()


def test_positions_that_name_no_character() -> None:
    document = TextDocument("file:///t.txt", "ab😀c\nxy")
    # a column past the line's end is the line's end (the protocol says so), with a note
    assert document.offset(Position(0, 99)) == (4, "line 0: column 99 is past the end of the line (5 utf-16 code units)")
    assert document.offset(Position(2, 0)) == (len(document.text), None)  # one past the last line: the end
    offset, note = document.offset(Position(5, 1))
    assert offset == len(document.text) and note == "line 5 is past the end of the document (2 lines)"
    with pytest.raises(PositionError, match="line 5 is past the end of the document"):
        document.offset(Position(5, 1), strict=True)
    offset, note = document.offset(Position(0, 3))  # between the two halves of 😀: its start
    assert offset == 2 and "falls inside U+1F600, one character of 2 utf-16 code units" in note
    with pytest.raises(PositionError, match="inside U"):
        document.offset(Position(0, 3), strict=True)
    with pytest.raises(PositionError, match="negative"):
        document.offset(Position(-1, 0))
    # a range the wrong way round is taken the other way round
    _, notes = document.apply(Position(0, 1), Position(0, 0), "Z")
    assert document.text.startswith("Zb😀") and "taken the other way round" in notes[0]


def test_lone_surrogates_from_a_client_do_not_break_positions() -> None:
    document = TextDocument("file:///t.txt", "a\ud800b")  # JSON can carry an unpaired surrogate
    assert document.position(3) == Position(0, 3) and document.offset(Position(0, 2)) == (2, None)
