"""The predict screen's settings bar: how many suggestions, the temperature, and follow-training.

The values follow the engine's rule (`SamplingSettings`), the one `predict` and `generate` use:
a value it refuses turns the field red and shows its message under the bar; leaving the field
then puts the last valid value back and says so.
"""

from __future__ import annotations

from dataclasses import replace

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Input, Label, Static

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.sampling import TEMPERATURE_RANGE, TOP_K_RANGE, SamplingSettings


class SettingRule(Validator):
    """The engine's check of one setting, as a Textual validator (its failure is the one message)."""

    def __init__(self, name: str, label: str) -> None:
        super().__init__()
        self.setting = name
        self.label = label

    def validate(self, value: str) -> ValidationResult:
        try:
            SamplingSettings.read(self.setting, value, self.label)
        except UserError as exc:
            return self.failure(str(exc), value)
        return self.success()


class StepInput(Input):
    """A setting's field: up/down step by `step` within [low, high]; Enter/Escape go back to the editor."""

    BINDINGS = [
        Binding("up", "step(1)", "Increase", show=False),
        Binding("down", "step(-1)", "Decrease", show=False),
        Binding("escape", "done", "Back to text", show=False),
    ]

    def __init__(self, setting: str, value: float, step: float, low: float, high: float, **kwargs) -> None:
        self.setting = setting
        """The `SamplingSettings` field it edits."""
        self.label = setting.replace("_", "-")
        """How its messages name it."""
        self.integer = isinstance(value, int)
        """Whole numbers only."""
        super().__init__(self.as_text(value), validators=[SettingRule(setting, self.label)], compact=True, **kwargs)
        self.step = step
        """The amount up/down change the value by."""
        self.low = low
        """The smallest value."""
        self.high = high
        """The largest value."""

    def as_text(self, value: float) -> str:
        """The value as the field shows it."""
        return str(int(value)) if self.integer else f"{value:.2f}".rstrip("0").rstrip(".")

    def problem(self) -> str | None:
        """The message for the text in the field, or None when the value is valid."""
        result = self.validate(self.value)
        return None if result is None or result.is_valid else result.failure_descriptions[0]

    def action_step(self, direction: int) -> None:
        """Raise (1) or lower (-1) the value by one step."""
        try:
            current = float(self.value)
        except ValueError:
            current = self.low
        value = min(self.high, max(self.low, round(current + direction * self.step, 4)))
        self.value = self.as_text(value)

    def action_done(self) -> None:
        """Give the focus back to the editor (a refused value is replaced by the last valid one)."""
        self.screen.set_focus(None)
        self.post_message(PredictSettings.Done())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.problem() is not None:
            self.app.bell()  # stay: the message under the bar says what to type
            return
        self.action_done()

    def on_blur(self, event: events.Blur) -> None:
        self.post_message(PredictSettings.Left(self))


class PredictSettings(Vertical):
    """Top-k, temperature and the follow-training switch; posts `Changed` when a valid value is set."""

    class Changed(Message):
        """New settings."""

        def __init__(self, k: int, temperature: float, follow: bool) -> None:
            super().__init__()
            self.k = k
            """How many suggestions to show."""
            self.temperature = temperature
            """Softmax temperature for the probabilities."""
            self.follow = follow
            """Load each new checkpoint of the running training automatically."""

    class Done(Message):
        """The user is done editing a setting (the editor should take the focus back)."""

    class Left(Message):
        """A setting's field lost the focus (internal: its value is settled)."""

        def __init__(self, field: StepInput) -> None:
            super().__init__()
            self.field = field

    def __init__(self, k: int = 5, temperature: float = 1.0, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.settings = SamplingSettings(top_k=k, temperature=temperature)
        """The values in use (always valid)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="settings-row"):
            yield Label("top-k ^n", classes="setting-label")
            yield StepInput("top_k", self.settings.top_k, 1, *TOP_K_RANGE, id="setting-k")
            yield Label("temperature ^t", classes="setting-label")
            yield StepInput("temperature", self.settings.temperature, 0.1, *TEMPERATURE_RANGE, id="setting-temperature")
            yield FollowCheckbox("follow training ^o", value=False, compact=True, id="setting-follow")
        yield Static("", id="setting-error", classes="field-error", markup=False)

    @property
    def k(self) -> int:
        """The current top-k."""
        return self.settings.top_k

    @property
    def temperature(self) -> float:
        """The current temperature."""
        return self.settings.temperature

    @property
    def follow(self) -> bool:
        """Whether new checkpoints load automatically."""
        return self.query_one("#setting-follow", Checkbox).value

    def toggle_follow(self) -> bool:
        """Flip follow-training; returns the new value."""
        box = self.query_one("#setting-follow", Checkbox)
        box.value = not box.value
        return box.value

    def _show_problem(self, message: str | None) -> None:
        error = self.query_one("#setting-error", Static)
        error.update(message or "")
        error.set_class(message is not None, "-shown")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        field = event.input
        assert isinstance(field, StepInput)
        problem = field.problem()
        self._show_problem(problem)
        if problem is not None:
            return
        self.settings = replace(self.settings, **{field.setting: SamplingSettings.read(field.setting, event.value)})
        self.post_message(self.Changed(self.k, self.temperature, self.follow))

    def on_predict_settings_left(self, event: Left) -> None:
        """A refused value left behind: say so, and put the value in use back in the field."""
        event.stop()
        field = event.field
        problem = field.problem()
        if problem is None:
            return
        kept = field.as_text(getattr(self.settings, field.setting))
        field.value = kept
        self.app.notify(f"{problem}; kept {kept}", severity="warning", markup=False)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self.k, self.temperature, event.value))


class FollowCheckbox(Checkbox):
    """The follow-training switch: an X only while it is on (Textual's checkbox always shows one)."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - the name Textual's ToggleButton reads
        return "X" if self.value else " "
