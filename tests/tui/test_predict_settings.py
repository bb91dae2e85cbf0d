"""The settings bar alone: top-k and temperature follow the engine's rule, with its one message."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from lstm_tui.cli import main
from lstm_tui.tui.widgets.predict_settings import FollowCheckbox, PredictSettings

SIZE = (100, 10)


class SettingsApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.changes: list[PredictSettings.Changed] = []
        self.notes: list[str] = []

    def compose(self) -> ComposeResult:
        yield Input(id="elsewhere")
        yield PredictSettings(id="settings")

    def on_predict_settings_changed(self, event: PredictSettings.Changed) -> None:
        self.changes.append(event)

    def notify(self, message: str, **kwargs) -> None:  # what the user is told, captured
        self.notes.append(message)


def error_line(app: App) -> Static:
    return app.query_one("#setting-error", Static)


async def type_into(pilot, field_id: str, text: str) -> Input:
    field = pilot.app.query_one(f"#{field_id}", Input)
    field.focus()
    await pilot.press("ctrl+u", *text)
    await pilot.pause()
    return field


async def test_a_refused_top_k_says_why_and_is_put_back() -> None:
    """Issue 31: "abc0" used to keep 10 silently. Now the field turns red, the message says what to
    type, and leaving the field puts the value in use back and says so."""
    app = SettingsApp()
    async with app.run_test(size=SIZE) as pilot:
        settings = app.query_one(PredictSettings)
        field = await type_into(pilot, "setting-k", "abc0")
        assert field.has_class("-invalid")
        assert error_line(app).has_class("-shown")
        message = str(error_line(app).render())
        assert message == "top-k must be a whole number from 1 to 20, got 'abc0'"
        assert settings.k == 5 and all(change.k == 5 for change in app.changes)
        await pilot.press("escape")
        await pilot.pause()
        assert field.value == "5" and not field.has_class("-invalid")
        assert not error_line(app).has_class("-shown")
        assert app.notes == [f"{message}; kept 5"]


async def test_an_empty_temperature_is_not_kept_silently() -> None:
    app = SettingsApp()
    async with app.run_test(size=SIZE) as pilot:
        field = await type_into(pilot, "setting-temperature", "")
        await pilot.press("enter")  # refused: the field keeps the focus, the message stays
        await pilot.pause()
        assert app.focused is field
        assert str(error_line(app).render()) == "temperature must be a number from 0.05 to 5, got ''"
        app.query_one("#elsewhere", Input).focus()  # leaving by mouse or tab: the old value comes back
        await pilot.pause()
        assert field.value == "1"
        assert app.notes == ["temperature must be a number from 0.05 to 5, got ''; kept 1"]


async def test_temperature_zero_is_refused_by_the_app_and_the_cli_alike(trained_char_run, capsys) -> None:
    app = SettingsApp()
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "setting-temperature", "0")
        in_app = str(error_line(app).render())
        field = await type_into(pilot, "setting-temperature", "0.5")
        assert not field.has_class("-invalid")
        assert app.query_one(PredictSettings).temperature == 0.5
        assert app.changes[-1].temperature == 0.5
    for command in ("generate", "predict"):
        assert main([command, "--model", str(trained_char_run), "--temperature", "0"]) == 2
        assert capsys.readouterr().err.strip() == f"lstm-tui: error: --{in_app}"


@pytest.mark.parametrize("value", ["abc0", "0", "21", "2.5"])
def test_the_cli_refuses_a_bad_top_k_in_one_line(value: str, trained_char_run, capsys) -> None:
    assert main(["predict", "--model", str(trained_char_run), "--top-k", value, "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--top-k must be a whole number from 1 to 20" in err


async def test_follow_training_shows_an_x_only_while_on() -> None:
    """Issue 31: Textual's checkbox always shows an X (only its colour changes)."""
    app = SettingsApp()
    async with app.run_test(size=SIZE) as pilot:
        box = app.query_one(FollowCheckbox)
        assert "X" not in str(box.render())
        app.query_one(PredictSettings).toggle_follow()
        await pilot.pause()
        assert "X" in str(box.render()) and app.changes[-1].follow
