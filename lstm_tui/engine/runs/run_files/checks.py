"""Checks for values read from JSON, declared on the dataclass fields they fill.

A field made with `checked(check)` says what its JSON value must be; `from_json(cls, data)` checks
every declared field and builds the dataclass, or raises `Invalid` naming the first bad field by its
path (`model.units`). The run-folder files (`run_files`) are described this way, so a file that is
damaged, hand-edited or from another version is refused field by field before anything uses it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any, TypeVar

Check = Callable[[Any, str], Any]
"""(a JSON value, where it was) → the value to keep; raises `Invalid` when it does not fit."""

T = TypeVar("T")
SHORT_TEXT = 4_096  # characters: names, dates, messages


class Invalid(ValueError):
    """A JSON value that does not fit its field; the message names the field and what it must be."""

    def __init__(self, where: str, what: str, value: Any = dataclasses.MISSING) -> None:
        shown = "" if value is dataclasses.MISSING else f", got {_short(value)}"
        super().__init__(f"{where or 'the file'} {what}{shown}")


def _short(value: Any) -> str:
    """A value for a one-line message: its repr, cut short."""
    text = repr(value) if not isinstance(value, (dict, list)) else f"a JSON {'object' if isinstance(value, dict) else 'list'}"
    return text if len(text) <= 40 else text[:37] + "..."


def checked(check: Check, default: Any = dataclasses.MISSING, key: str | None = None) -> Any:
    """A dataclass field read from JSON through `check`; no default: the key must be present.
    `key`: the JSON key when it differs from the field's name."""
    metadata = {"check": check, "key": key}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def from_json(cls: type[T], data: Any, where: str = "") -> T:
    """`cls` built from a JSON object, each declared field checked; other keys are ignored (a newer
    version may add some)."""
    if not isinstance(data, dict):
        raise Invalid(where, "must be a JSON object", data)
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        check = f.metadata.get("check")
        if check is None:
            continue
        key = f.metadata.get("key") or f.name
        path = f"{where}.{key}" if where else key
        if key in data:
            values[f.name] = check(data[key], path)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise Invalid(path, "is missing")
    return cls(**values)


# checks -------------------------------------------------------------------------------------------
def whole(low: int | None = 0, high: int | None = None) -> Check:
    """An integer (not a bool) from `low` to `high` (None: unbounded)."""
    def check(value: Any, where: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid(where, "must be a whole number", value)
        if (low is not None and value < low) or (high is not None and value > high):
            upper = f" to {high:,}" if high is not None else " or more"
            raise Invalid(where, f"must be a whole number from {low:,}{upper}" if low is not None else f"must be at most {high:,}", value)
        return value
    return check


def number(low: float = -math.inf, high: float = math.inf, below: float | None = None) -> Check:
    """A finite number from `low` to `high` (or under `below`), kept as a float."""
    def check(value: Any, where: str) -> float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        ok = ok and low <= value <= high and (below is None or value < below)
        if not ok:
            top = f"under {below:g}" if below is not None else (f"at most {high:g}" if high < math.inf else "")
            bottom = f"at least {low:g}" if low > -math.inf else ""
            raise Invalid(where, "must be a finite number" + "".join(f", {b}" for b in (bottom, top) if b), value)
        return float(value)
    return check


def text(max_chars: int = SHORT_TEXT) -> Check:
    """A string of at most `max_chars` characters."""
    def check(value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise Invalid(where, "must be text", value)
        if len(value) > max_chars:
            raise Invalid(where, f"must be at most {max_chars:,} characters long")
        return value
    return check


def flag(value: Any, where: str) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise Invalid(where, "must be true or false", value)
    return value


def one_of(*choices: str) -> Check:
    """One of the given strings."""
    def check(value: Any, where: str) -> str:
        if not isinstance(value, str) or value not in choices:
            raise Invalid(where, f"must be one of {', '.join(choices)}", value)
        return value
    return check


def maybe(inner: Check) -> Check:
    """null, or what `inner` accepts."""
    def check(value: Any, where: str) -> Any:
        return None if value is None else inner(value, where)
    return check


def items(inner: Check, max_items: int | None = None) -> Check:
    """A list whose every item `inner` accepts (at most `max_items`), kept as a list."""
    def check(value: Any, where: str) -> list:
        if not isinstance(value, list):
            raise Invalid(where, "must be a list", value)
        if max_items is not None and len(value) > max_items:
            raise Invalid(where, f"must have at most {max_items:,} items, has {len(value):,}")
        return [inner(item, f"{where}[{i}]") for i, item in enumerate(value)]
    return check


def record(cls: type) -> Check:
    """A JSON object read as the dataclass `cls` (its own fields checked)."""
    def check(value: Any, where: str) -> Any:
        return from_json(cls, value, where)
    return check


def json_object(value: Any, where: str) -> dict:
    """Any JSON object (its contents are someone else's to check)."""
    if not isinstance(value, dict):
        raise Invalid(where, "must be a JSON object", value)
    return value
