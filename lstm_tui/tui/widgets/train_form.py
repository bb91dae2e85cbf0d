"""The training form: the CLI's options with `TrainConfig()` defaults, each checked as it is typed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.validation import Function, Integer, Number, Validator
from textual.widgets import Input, Label, Select, Static

from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.neural_cache import MAX_SIZE
from lstm_tui.engine.data.tokenizers import LEVELS, TOKENIZERS
from lstm_tui.engine.data.textfile import neutralise

DEVICES = ("auto", "cpu", "gpu")
CHOICES = {"level": LEVELS, "tokenizer": TOKENIZERS, "device": DEVICES}


@dataclass(frozen=True)
class Field:
    """One form row: the TrainConfig attribute, its label, and how its text is read."""

    name: str
    label: str
    kind: str  # int, float or text
    placeholder: str = ""
    optional: bool = False
    validators: tuple[Validator, ...] = ()


def _fraction(value: str) -> bool:
    try:
        return 0.0 <= float(value) < 1.0
    except ValueError:
        return False


def _fields() -> tuple[Field, ...]:
    positive_int = (Integer(minimum=1, failure_description="a positive whole number"),)
    positive = (Number(minimum=1e-12, failure_description="a positive number"),)
    return (
        Field("units", "units", "int", validators=positive_int),
        Field("embed", "embed", "int", "= units", True, positive_int),
        Field("dropout", "dropout", "float", validators=(Function(_fraction, "a number in [0, 1)"),)),
        Field("bptt", "BPTT", "int", validators=positive_int),
        Field("batch_size", "batch size", "int", validators=positive_int),
        Field("epochs", "epochs", "float", "10 if no limit", True, positive),
        Field("time_budget", "minutes", "float", "no time limit", True, positive),
        Field("max_steps", "max steps", "int", "no step limit", True, positive_int),
        Field("lr", "learning rate", "float", "2e-3 (adam)", True, positive),
        # predicting with the continuous cache (`neural_cache`): recorded with the run, no training cost
        Field("cache_size", "cache size", "int", validators=(
            Integer(minimum=0, maximum=MAX_SIZE, failure_description=f"0 (off) to {MAX_SIZE:,} recent tokens"),)),
    )


FIELDS = _fields()
_FLAG = re.compile(r"--([a-z][a-z-]*)")


class FormError(UserError):
    """A form value that cannot be used; `field` names the row to flag."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class TrainForm(VerticalScroll):
    """Level, tokenizer, model size, training limits, device and output folder."""

    can_focus = False  # tab goes straight to the fields

    def compose(self) -> ComposeResult:
        defaults = TrainConfig()
        yield Label("Training", classes="section-title")
        yield from self._row("level", self._select("level", defaults.level))
        yield from self._row("tokenizer", self._select("tokenizer", defaults.tokenizer))
        for field in FIELDS:
            default = getattr(defaults, field.name)
            widget = Input(
                value="" if default is None else f"{default:g}" if isinstance(default, float) else str(default),
                placeholder=field.placeholder,
                validators=list(field.validators),
                valid_empty=field.optional,
                compact=True,
                id=f"field-{field.name}",
            )
            yield from self._row(field.label, widget, field.name)
        yield from self._row("device", self._select("device", defaults.device))
        yield from self._row("output folder", Input(placeholder="<corpus>-<level>-<time>", compact=True, id="field-out"), "out")

    @staticmethod
    def _select(name: str, value: str) -> Select:
        return Select([(v, v) for v in CHOICES[name]], value=value, allow_blank=False, compact=True, id=f"field-{name}")

    def _row(self, label: str, widget, name: str | None = None) -> ComposeResult:
        name = name or label
        with Horizontal(classes="form-row"):
            yield Label(label, classes="form-label")
            yield widget
        yield Static("", id=f"error-{name}", classes="field-error")

    # values ----------------------------------------------------------------------------------
    def set_choice(self, name: str, value: str) -> None:
        """Set a Select (level, tokenizer, device) when `value` is one of its options."""
        if value in CHOICES.get(name, ()):
            self.query_one(f"#field-{name}", Select).value = value

    def set_value(self, name: str, value: str) -> None:
        """Set an Input row's text."""
        self.query_one(f"#field-{name}", Input).value = value

    @property
    def output_name(self) -> str:
        """The output folder the user typed (empty: make one up)."""
        return self.query_one("#field-out", Input).value.strip()

    def show_error(self, name: str, message: str) -> None:
        """Show (or clear) a message under the row `name`."""
        for static in self.query(f"#error-{name}").results(Static):
            static.update(Text(neutralise(message)))
            static.set_class(bool(message), "-shown")

    def clear_errors(self) -> None:
        """Remove every row's message."""
        for static in self.query(".field-error").results(Static):
            static.update("")
            static.set_class(False, "-shown")

    def on_input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        result = event.validation_result
        if result is None or result.is_valid:
            self.show_error(name, "")
        else:
            self.show_error(name, "; ".join(result.failure_descriptions))

    def read_config(self, corpus: str | None) -> TrainConfig:
        """A validated TrainConfig from the form, or a FormError naming the row to fix."""
        self.clear_errors()
        values: dict = {"corpus": corpus or None}
        for name in ("level", "tokenizer", "device"):
            values[name] = str(self.query_one(f"#field-{name}", Select).value)
        for field in FIELDS:
            widget = self.query_one(f"#field-{field.name}", Input)
            text = widget.value.strip()
            if not text:
                if not field.optional:
                    raise FormError(field.name, f"{field.label} is required")
                values[field.name] = None
                continue
            result = widget.validate(text)
            if result is not None and not result.is_valid:
                raise FormError(field.name, f"{field.label}: " + "; ".join(result.failure_descriptions))
            try:
                values[field.name] = int(text) if field.kind == "int" else float(text)
            except ValueError:
                raise FormError(field.name, f"{field.label} must be a number, got {text!r}") from None
        config = TrainConfig(**values)
        try:
            config.validate()
        except UserError as exc:
            match = _FLAG.search(str(exc))
            name = match.group(1).replace("-", "_") if match else "level"
            raise FormError(name, str(exc)) from None
        return config

    def flag(self, error: FormError) -> None:
        """Show a FormError next to its row and move the focus there."""
        self.show_error(error.field, str(error))
        for widget in self.query(f"#field-{error.field}"):
            widget.focus()
