"""The settings a prediction is asked with: how many suggestions (top-k) and the temperature.

Declared once, the way the training options are (`engine/train/options`), so the app's inputs
and the CLI's `predict` and `generate` flags accept the same values and refuse the others with
the same one-line message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.train.options import Declared, option, part_options

TOP_K_RANGE = (1, 20)
TEMPERATURE_RANGE = (0.05, 5.0)  # 0 would divide the logits by zero; above 5 the text is noise


def top_k_problem(value: Any) -> str | None:
    low, high = TOP_K_RANGE
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return None if ok else f"must be a whole number from {low} to {high}"


def temperature_problem(value: Any) -> str | None:
    low, high = TEMPERATURE_RANGE
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value) and low <= value <= high
    return None if ok else f"must be a number from {low:g} to {high:g}"


@dataclass(frozen=True)
class SamplingSettings:
    """How many next tokens to show and how sharp their distribution is."""

    top_k: int = option(5, group="prediction", check=top_k_problem, help="how many next tokens to list")
    temperature: float = option(1.0, group="prediction", check=temperature_problem,
                                help="divides the logits: below 1 sharper, above 1 flatter")

    @classmethod
    def declared(cls) -> list[Declared]:
        """The settings' declarations, in order."""
        return part_options(cls, "sampling")

    @classmethod
    def read(cls, name: str, text: str, label: str | None = None) -> Any:
        """The value of setting `name` typed as `text`; a UserError (its `field`: `name`) with the
        setting's one message, calling it `label` (default: its flag), when it is not valid."""
        declared = next(d for d in cls.declared() if d.name == name)
        try:
            value = declared.parse(text.strip())
        except ValueError:
            value = text
        wrong = declared.problem(value, label)
        if wrong:
            raise UserError(wrong, field=name)
        return value
