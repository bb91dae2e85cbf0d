"""The training form: a row for every option declared with a form row, each checked as it is typed.

Rows, labels, defaults, drop-down choices and checks all come from the option declarations on
the config dataclasses (`engine/train/options`), the same ones the CLI's flags come from.

A row the user has not edited shows what the form would choose itself, from the first source that
has a value: the model it fine-tunes (its size and cache), the chosen preset, the corpus's
catalogue entry, the declared default — the CLI's order (explicit options win over a preset, a
preset over the catalogue). A row the user edited keeps the edit whatever is chosen later.
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
from lstm_tui.engine.train.presets import PRESETS, Preset

OUT = "out"  # the output-folder row: not a training option
PRESET = "preset"  # the preset choice: fills rows, not an option itself


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
        self.preset: Preset | None = None
        """The preset chosen at the top of the form."""
        self.suggested: dict[str, object] = {}
        """What the corpus's catalogue entry suggests (level, tokenizer)."""
        self.inherited: dict[str, object] = {}
        """What the model being fine-tuned decides (`init_from.Parent.sizes` and `.prediction`)."""
        self._placed: dict[str, object] = {d.name: shown(d.default) if not d.option.form.choices else d.default  # type: ignore[union-attr]
                                           for d in self.rows}

    def compose(self) -> ComposeResult:
        yield Label("Training", classes="section-title")
        presets = Select([(name, name) for name in PRESETS], prompt="none", allow_blank=True, compact=True, id=f"field-{PRESET}")
        yield from self._row("preset", presets, PRESET)
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

    # what the form chooses itself -------------------------------------------------------------
    def suggest(self, values: dict[str, object]) -> None:
        """The corpus's suggestions (a catalogue entry's level and tokenizer), for rows not edited."""
        self.suggested = dict(values)
        self._refill()

    def inherit(self, values: dict[str, object]) -> None:
        """The fine-tuned model's sizes and cache ({}: none), for rows not edited."""
        self.inherited = dict(values)
        self._refill()

    def choose_preset(self, name: str | None) -> None:
        """Fill the rows not edited from the preset `name` (None: no preset)."""
        self.preset = PRESETS.get(name) if name else None
        self._refill()

    def automatic(self, d: Declared) -> object:
        """What row `d` shows until the user edits it (see the module)."""
        for source in (self.inherited, self.preset.values if self.preset else {}, self.suggested):
            if d.name in source:
                return source[d.name]
        return d.default

    def edited(self, name: str) -> bool:
        """True when the user changed row `name` from what the form last put there."""
        return self._current(name) != self._placed[name]

    def _current(self, name: str) -> object:
        return self.query_one(f"#field-{name}").value  # type: ignore[attr-defined]

    def _refill(self) -> None:
        for d in self.rows:
            if self.edited(d.name):
                continue
            value = self.automatic(d)
            widget = self.query_one(f"#field-{d.name}")
            if isinstance(widget, Select):
                if value not in d.option.form.choices:  # type: ignore[union-attr]
                    continue
                widget.value = value
            else:
                widget.value = value = shown(value)
            self._placed[d.name] = value

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == f"field-{PRESET}":
            self.choose_preset(None if event.select.is_blank() else str(event.value))

    # values ----------------------------------------------------------------------------------
    def set_value(self, name: str, value: str) -> None:
        """Set an Input row's text, as the user would."""
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
        shown_rows = {d.name for d in self.rows}
        values: dict = {k: v for k, v in (self.preset.values if self.preset else {}).items() if k not in shown_rows}
        values["corpus"] = corpus or None
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
        names = {d.name for d in self.rows} | {OUT, PRESET}
        name = error.field if error.field in names else self.rows[0].name
        self.show_error(name, str(error))
        for widget in self.query(f"#field-{name}"):
            widget.focus()
