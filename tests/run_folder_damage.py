"""Ways to damage a run folder's files, for the fuzz tests (engine) and the app tests (tui).

JSON files are damaged field by field: any key (nested ones too) replaced by a hostile value,
deleted, or joined by an extra key, then possibly cut short; binary files by truncation, flipped
bytes, overwritten ranges and garbage.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import strategies as st

HOSTILE_VALUES: list[Any] = [
    "x", "", "\x1b[2J\x1b]0;PWNED\x07", -1, 0, 1, 10**9, 10**30, -(10**30), 2**64, 1e308, 0.5, -0.5,
    math.nan, math.inf, -math.inf, True, False, None, [], {}, [1, "a"], {"a": 1}, ["<unk>", "<unk>"],
]
"""Values of the wrong type, out of range, not finite, or hostile to a terminal."""

hostile_values = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.integers(), st.floats(), st.text(max_size=3)), max_size=2),
)

def key_paths(document: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path into the objects of `document` (long lists: their first, second and last item)."""
    found: list[tuple] = []
    if isinstance(document, dict):
        for key, value in document.items():
            found.append(prefix + (key,))
            found.extend(key_paths(value, prefix + (key,)))
    elif isinstance(document, list) and document:
        indexes = sorted({0, min(1, len(document) - 1), len(document) - 1})
        for index in indexes:
            found.append(prefix + (index,))
            found.extend(key_paths(document[index], prefix + (index,)))
    return found


def object_paths(document: Any) -> list[tuple]:
    """The paths of the objects in `document` (the root first): where an extra key can go."""
    return [()] + [p for p in key_paths(document) if isinstance(_get(document, p), dict)]


def _get(document: Any, path: tuple) -> Any:
    for key in path:
        document = document[key]
    return document


def replaced(document: Any, path: tuple, value: Any) -> Any:
    """A deep copy of `document` with the item at `path` set to `value`."""
    copy = json.loads(json.dumps(document))
    if not path:
        return value
    _get(copy, path[:-1])[path[-1]] = value
    return copy


def deleted(document: Any, path: tuple) -> Any:
    """A deep copy of `document` without the item at `path`."""
    copy = json.loads(json.dumps(document))
    del _get(copy, path[:-1])[path[-1]]
    return copy


@st.composite
def damaged_json(draw, document: Any) -> bytes:
    """`document` with one to three fields damaged, serialised, and sometimes cut short."""
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(("replace", "replace", "delete", "extra")))
        if how == "extra":
            where = draw(st.sampled_from(object_paths(document)))
            document = replaced(document, where + (draw(st.text(max_size=8)),), draw(hostile_values))
        else:
            paths = key_paths(document)
            if not paths:
                break
            path = draw(st.sampled_from(paths))
            document = deleted(document, path) if how == "delete" else replaced(document, path, draw(hostile_values))
    data = json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8")
    if draw(st.sampled_from(range(10))) == 9:  # one in ten (an integer draw would favour 0)
        data = data[: draw(st.integers(0, len(data)))]
    return data


@st.composite
def damaged_bytes(draw, data: bytes) -> bytes:
    """`data` truncated, with bytes flipped or a range overwritten, or replaced by garbage."""
    how = draw(st.sampled_from(("truncate", "flip", "overwrite", "garbage", "flip-head")))
    if how == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "garbage":
        return draw(st.binary(max_size=2000))
    damaged = bytearray(data)
    if how == "overwrite":
        start = draw(st.integers(0, len(data) - 1))
        chunk = draw(st.binary(min_size=1, max_size=64))
        damaged[start: start + len(chunk)] = chunk
        return bytes(damaged)
    # flips anywhere, or in the first and last kilobytes where the zip headers and directory are
    span = 1024 if how == "flip-head" else len(data)
    for _ in range(draw(st.integers(1, 8))):
        offset = draw(st.integers(0, span - 1))
        if how == "flip-head" and draw(st.booleans()):
            offset = len(data) - 1 - offset
        damaged[offset] ^= draw(st.integers(1, 255))
    return bytes(damaged)


def every_field_damaged(document: dict) -> list[dict]:
    """`document` with each of its fields in turn replaced by each hostile value or deleted
    (a deterministic sweep, for tests that cannot run hypothesis)."""
    out = []
    for path in key_paths(document):
        out.append(deleted(document, path))
        out.extend(replaced(document, path, value) for value in HOSTILE_VALUES)
    return out
