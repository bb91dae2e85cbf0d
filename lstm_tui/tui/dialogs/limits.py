"""Continuing a run with new limits: the epochs, max steps and minutes it trains on to.

The rows are the limit options' own declarations (labels, checks), prefilled with the limits the
run was trained under; the run service says whether the new ones let it go further.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_service import RunPosition
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.tui.widgets.train_form import OptionValidator, shown


class LimitsDialog(ModalScreen[dict | None]):
    """Dismisses with the changed limits by option name (what `RunService.resume` takes), or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, name: str, position: RunPosition, check: Callable[[dict[str, Any]], None]) -> None:
        super().__init__()
        self.run_name = name
        """The run's name, for the heading."""
        self.position = position
        """Where the run stopped, and the limits it was trained under."""
        self.check = check
        """Raises a UserError when the limits would not let the run train on."""
        self.rows = [d for d in TrainConfig.declared() if d.part == "limits" and d.option.form is not None]
        """The limit options, as the train form shows them."""

    def compose(self) -> ComposeResult:
        p = self.position
        with Vertical(classes="dialog", id="limits-dialog"):
            yield Label(f"Continue {neutralise(self.run_name)}", classes="dialog-title")
            yield Static(
                Text(
                    f"It stopped at step {p.step:,} ({p.epochs:g} full epochs) after {p.minutes:.1f} minutes of training. "
                    "It trains on until the first of these limits; raise at least one past where it stopped."
                ),
                classes="dialog-body",
            )
            for d in self.rows:
                form = d.option.form
                assert form is not None
                with Horizontal(classes="form-row"):
                    yield Label(form.label, classes="form-label")
                    yield Input(shown(getattr(p.limits, d.name)), placeholder="no limit", validators=[OptionValidator(d)],
                                valid_empty=True, compact=True, id=f"limit-{d.name}")
            yield Static("", id="limits-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Continue", variant="primary", id="continue")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(f"#limit-{self.rows[0].name}", Input).focus()

    def changes(self) -> dict[str, Any]:
        """The limits that differ from the recorded ones (a UserError naming a bad field)."""
        changed: dict[str, Any] = {}
        for d in self.rows:
            field = self.query_one(f"#limit-{d.name}", Input)
            text = field.value.strip()
            result = field.validate(text) if text else None
            if result is not None and not result.is_valid:
                raise UserError("; ".join(result.failure_descriptions), field=d.name)
            value = d.parse(text) if text else None
            if value != getattr(self.position.limits, d.name):
                changed[d.name] = value
        if not changed:
            raise UserError("change a limit first: the run already reached the ones it had")
        return changed

    def submit(self) -> None:
        """Check the limits (the dialog stays open on a problem) and answer with them."""
        error = self.query_one("#limits-error", Static)
        try:
            changes = self.changes()
            self.check(changes)
        except UserError as exc:
            error.update(Text(neutralise(str(exc))))
            error.add_class("-shown")
            field = getattr(exc, "field", None)
            if field in {d.name for d in self.rows}:
                self.query_one(f"#limit-{field}", Input).focus()
            return
        self.dismiss(changes)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            self.submit()
        else:
            self.dismiss(None)
