"""The training form: a row for every option declared with a form row, each checked as it is typed.

Rows, labels, defaults, drop-down choices and checks all come from the option declarations on
the config dataclasses (`engine/train/options`), the same ones the CLI's flags come from.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, Select, Static

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.options import Declared

OUT = "out"  # the output-folder row: not a training option


def shown(value: object) -> str:
    """A default as the form shows it."""
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


class OptionValidator(Validator):
    """Textual's validator for one option: it reads the text as the option's type and checks it."""

    def __init__(self, declared: Declared) -> None:
        super().__init__()
        self.declared = declared

    def validate(self, value: str) -> ValidationResult:
        label = self.declared.option.form.label  # type: ignore[union-attr]
        try:
            wrong = self.declared.problem(self.declared.parse(value.strip()), label)
        except ValueError:
            wrong = f"{label} must be a {'whole number' if self.declared.kind is int else 'number'}"
        return self.failure(wrong) if wrong else self.success()


class TrainForm(VerticalScroll):
    """The declared form rows (model size, limits, device, cache) and the output folder."""

    can_focus = False  # tab goes straight to the fields

    def __init__(self, *, spec: type[TrainConfig] = TrainConfig, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spec = spec
        """The config class whose declarations make the rows."""
        self.rows = [d for d in spec.declared() if d.option.form is not None]
        """The declared options shown, in declaration order."""

    def compose(self) -> ComposeResult:
        yield Label("Training", classes="section-title")
        for d in self.rows:
            form = d.option.form
            assert form is not None
            if form.choices:
                widget = Select([(v, v) for v in form.choices], value=d.default, allow_blank=False, compact=True, id=f"field-{d.name}")
            else:
                widget = Input(value=shown(d.default), placeholder=form.placeholder, validators=[OptionValidator(d)],
                               valid_empty=d.optional, compact=True, id=f"field-{d.name}")
            yield from self._row(form.label, widget, d.name)
        yield from self._row("output folder", Input(placeholder="<corpus>-<level>-<time>", compact=True, id=f"field-{OUT}"), OUT)

    def _row(self, label: str, widget, name: str) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Label(label, classes="form-label")
            yield widget
        yield Static("", id=f"error-{name}", classes="field-error")

    # values ----------------------------------------------------------------------------------
    def suggest(self, values: dict[str, str]) -> None:
        """Set rows to suggested values (a catalogue entry's level and tokenizer) where they fit."""
        for d in self.rows:
            if d.name not in values:
                continue
            widget = self.query_one(f"#field-{d.name}")
            if isinstance(widget, Select):
                if values[d.name] in d.option.form.choices:  # type: ignore[union-attr]
                    widget.value = values[d.name]
            else:
                widget.value = values[d.name]

    def set_value(self, name: str, value: str) -> None:
        """Set an Input row's text."""
        self.query_one(f"#field-{name}", Input).value = value

    @property
    def output_name(self) -> str:
        """The output folder the user typed (empty: make one up)."""
        return self.query_one(f"#field-{OUT}", Input).value.strip()

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
        """A validated config from the form, or a UserError whose `field` names the row to fix."""
        self.clear_errors()
        config = self.spec.from_values(self.values(corpus))
        config.validate()
        return config

    def values(self, corpus: str | None) -> dict:
        """The rows' values by option name (no message shown), or a UserError naming the row to fix."""
        values: dict = {"corpus": corpus or None}
        for d in self.rows:
            widget = self.query_one(f"#field-{d.name}")
            if isinstance(widget, Select):
                values[d.name] = str(widget.value)
                continue
            text = widget.value.strip()
            if not text:
                if not d.optional:
                    raise UserError(f"{d.option.form.label} is required", field=d.name)  # type: ignore[union-attr]
                values[d.name] = None
                continue
            result = widget.validate(text)
            if result is not None and not result.is_valid:
                raise UserError("; ".join(result.failure_descriptions), field=d.name)
            values[d.name] = d.parse(text)
        return values

    def flag(self, error: UserError) -> None:
        """Show an error next to its row (the first row when it names none) and focus that row."""
        names = {d.name for d in self.rows} | {OUT}
        name = error.field if error.field in names else self.rows[0].name
        self.show_error(name, str(error))
        for widget in self.query(f"#field-{name}"):
            widget.focus()
