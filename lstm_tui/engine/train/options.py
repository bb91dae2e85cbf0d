"""How a training option is declared: once, on its config dataclass field.

A field made with `option(...)` carries its flag, help, `--help` group, form row and check as
metadata. The CLI's flags, the train form's rows, preset checking, `--config` files and the
errors that name an option are all derived from these declarations (`declared_options`), so an
option added to a config dataclass appears everywhere with no second table to keep.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lstm_tui.engine.errors import UserError

Check = Callable[[Any], "str | None"]
"""A value → what it must be ("must be a positive number"), or None when it is fine."""


@dataclass(frozen=True)
class FormRow:
    """How an option appears in the app's train form."""

    label: str
    placeholder: str = ""
    choices: tuple[str, ...] = ()  # a drop-down of these instead of a text field


@dataclass(frozen=True)
class Option:
    """Everything the views need to know about one option."""

    help: str
    group: str  # the --help section: data, model, training, limits, session, prediction
    flag: str | None = None  # default: --field-name; "" for an option with no flag
    choices: tuple[str, ...] = ()  # the CLI accepts only these
    check: Check | None = None
    form: FormRow | None = None
    parse: Callable[[str], Any] | None = None  # text → value, where the field's type is not enough


def option(default: Any, **metadata: Any) -> Any:
    """A dataclass field with its option declaration (see `Option` for the keywords)."""
    return dataclasses.field(default=default, metadata={"option": Option(**metadata)})


@dataclass(frozen=True)
class Declared:
    """One declared option, located: which part of the config holds it, its type and default."""

    part: str
    name: str
    option: Option
    kind: type  # int, float, str, bool or tuple (None allowed where `optional`)
    optional: bool
    default: Any

    @property
    def flag(self) -> str | None:
        """The command-line flag, or None for an option that has none."""
        if self.option.flag == "":
            return None
        return self.option.flag or "--" + self.name.replace("_", "-")

    @property
    def help(self) -> str:
        """The help text, with the default appended where the text does not say it."""
        text = self.option.help
        if "default" in text or self.default is None or self.kind is bool:
            return text
        shown = f"{self.default:g}" if isinstance(self.default, float) else str(self.default)
        return f"{text} (default {shown})"

    @property
    def label(self) -> str:
        """How an error names the option: its flag, else its field name."""
        return self.flag or self.name

    def problem(self, value: Any, name: str | None = None) -> str | None:
        """One line saying what is wrong with `value` (calling the option `name`), or None."""
        name = name or self.label
        if value is None:
            return None if self.optional else f"{name} needs a value"
        if self.option.choices and value not in self.option.choices:
            return f"unknown {self.name.replace('_', ' ')} {value!r}; use one of: {', '.join(self.option.choices)}"
        wrong = self.option.check(value) if self.option.check else None
        return f"{name} {wrong}, got {value!r}" if wrong else None

    def type_problem(self, value: Any) -> str | None:
        """What is wrong with the type of a value read from JSON (a `--config` file, a run's
        model.json), or None; its range is `problem`'s to judge."""
        if value is None:
            return None if self.optional else f"{self.label} needs a value"
        if self.kind is tuple:
            ok = isinstance(value, (list, tuple)) and len(value) == 3 and all(_number(v) and 0.0 <= v <= 1.0 for v in value)
            return None if ok else f"{self.label} must be three fractions (train, valid, test), got {value!r:.60}"
        if self.kind is float:
            ok = _number(value)
        elif self.kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, self.kind)
        return None if ok else f"{self.label} must be {_KIND_NAMES.get(self.kind, self.kind.__name__)}, got {value!r:.60}"

    def parse(self, text: str) -> Any:
        """A value from text typed on the command line or in the form (ValueError if unreadable)."""
        if self.option.parse is not None:
            return self.option.parse(text)
        if self.kind is bool:
            return text.strip().lower() in ("1", "true", "yes", "on")
        return self.kind(text)


def _kind(hint: Any) -> tuple[type, bool]:
    """(base type, None allowed) of a field's annotation such as `int | None`."""
    args = typing.get_args(hint)
    optional = type(None) in args
    base = next((a for a in args if a is not type(None)), hint) if args else hint
    return typing.get_origin(base) or base, optional


def part_options(part_type: type, part: str) -> list[Declared]:
    """The declared options of one config part, in declaration order."""
    hints = typing.get_type_hints(part_type)
    found = []
    for f in dataclasses.fields(part_type):
        if "option" in f.metadata:
            kind, optional = _kind(hints[f.name])
            found.append(Declared(part, f.name, f.metadata["option"], kind, optional, f.default))
    return found


_KIND_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


def check_values(declared: list[Declared], values: dict[str, Any]) -> None:
    """Raise a UserError naming the first option whose value is wrong."""
    for d in declared:
        wrong = d.problem(values[d.name])
        if wrong:
            raise UserError(wrong, field=d.name)


# checks shared by many options ---------------------------------------------------------------
def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def positive_int(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return None if ok else "must be a positive whole number"


def positive(value: Any) -> str | None:
    ok = _number(value) and 0 < value < math.inf
    return None if ok else "must be a positive number"


def fraction(value: Any) -> str | None:
    return None if _number(value) and 0.0 <= value < 1.0 else "must be in [0, 1)"


def share(value: Any) -> str | None:
    return None if _number(value) and 0.0 <= value <= 1.0 else "must be in [0, 1]"


def factor(value: Any) -> str | None:
    return None if _number(value) and 0.0 < value <= 1.0 else "must be in (0, 1]"


def at_least_two(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 2
    return None if ok else "must be at least 2"


def whole(value: Any) -> str | None:
    """A whole number of zero or more (NumPy seeds its generators from no negative number)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "must be a whole number of 0 or more"


def model_name(value: Any) -> str | None:
    """A model to start from, by name or folder; whether it holds a model is checked where it is
    read (`init_from`), since a recorded run must stay readable after its parent is gone."""
    ok = isinstance(value, str) and value.strip() != "" and len(value) <= 4096 and "\0" not in value
    return None if ok else "must name a run folder, default or default-ja"


def split_fractions(text: str) -> tuple[float, float, float]:
    """`0.9,0.05,0.05` (or `0.9,0.1`: no test part) → three fractions."""
    parts = tuple(float(p) for p in text.split(","))
    if len(parts) == 2:
        parts = (parts[0], parts[1], 0.0)
    if len(parts) != 3:
        raise ValueError("--split takes three fractions like 0.9,0.05,0.05")
    return parts  # type: ignore[return-value]
