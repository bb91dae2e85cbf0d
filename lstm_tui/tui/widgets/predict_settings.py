"""The predict screen's settings bar: how many suggestions, the temperature, and follow-training."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.validation import Integer, Number
from textual.widgets import Checkbox, Input, Label

K_RANGE = (1, 20)
TEMPERATURE_RANGE = (0.05, 5.0)


class StepInput(Input):
    """A number field that up/down step by `step` within [low, high]; Enter/Escape go back to the editor."""

    BINDINGS = [
        Binding("up", "step(1)", "Increase", show=False),
        Binding("down", "step(-1)", "Decrease", show=False),
        Binding("escape", "done", "Back to text", show=False),
    ]

    def __init__(self, value: float, step: float, low: float, high: float, integer: bool, **kwargs) -> None:
        validator = Integer(minimum=int(low), maximum=int(high)) if integer else Number(minimum=low, maximum=high)
        super().__init__(self._text(value, integer), validators=[validator], compact=True, **kwargs)
        self.step = step
        """The amount up/down change the value by."""
        self.low = low
        """The smallest value."""
        self.high = high
        """The largest value."""
        self.integer = integer
        """Whole numbers only."""

    @staticmethod
    def _text(value: float, integer: bool) -> str:
        return str(int(value)) if integer else f"{value:.2f}".rstrip("0").rstrip(".")

    def action_step(self, direction: int) -> None:
        """Raise (1) or lower (-1) the value by one step."""
        try:
            current = float(self.value)
        except ValueError:
            current = self.low
        value = min(self.high, max(self.low, round(current + direction * self.step, 4)))
        self.value = self._text(value, self.integer)

    def action_done(self) -> None:
        """Give the focus back to the editor."""
        self.screen.set_focus(None)
        self.post_message(PredictSettings.Done())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_done()


class PredictSettings(Horizontal):
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

    def __init__(self, k: int = 5, temperature: float = 1.0, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._k = k
        self._temperature = temperature

    def compose(self) -> ComposeResult:
        yield Label("top-k ^n", classes="setting-label")
        yield StepInput(self._k, 1, *K_RANGE, integer=True, id="setting-k")
        yield Label("temperature ^t", classes="setting-label")
        yield StepInput(self._temperature, 0.1, *TEMPERATURE_RANGE, integer=False, id="setting-temperature")
        yield Checkbox("follow training ^o", value=False, compact=True, id="setting-follow")

    @property
    def k(self) -> int:
        """The current top-k."""
        return self._k

    @property
    def temperature(self) -> float:
        """The current temperature."""
        return self._temperature

    @property
    def follow(self) -> bool:
        """Whether new checkpoints load automatically."""
        return self.query_one("#setting-follow", Checkbox).value

    def toggle_follow(self) -> bool:
        """Flip follow-training; returns the new value."""
        box = self.query_one("#setting-follow", Checkbox)
        box.value = not box.value
        return box.value

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.validation_result is not None and not event.validation_result.is_valid:
            return
        try:
            if event.input.id == "setting-k":
                self._k = int(event.value)
            else:
                self._temperature = float(event.value)
        except ValueError:
            return
        self.post_message(self.Changed(self._k, self._temperature, self.follow))

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self._k, self._temperature, event.value))
