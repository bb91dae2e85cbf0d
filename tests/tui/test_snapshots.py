"""Snapshots of the three screens (pytest-textual-snapshot): fixed size, model, dates and text.

Everything that varies between runs is fixed or avoided: the model folder is a normalised copy
(fixed name, dates and metrics, fixed events), the clock is never shown, the latency is pinned,
paths are relative, the catalogue holds only the built-ins, the timezone is UTC and no cursor
blinks. Each screen is kept at 80×24 and at 120×36. Regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import Input

from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.screens.models import ModelsScreen
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.screens.train import TrainScreen
from lstm_tui.tui.widgets.status_bar import ModelStatus
from tests.tui.conftest import type_text, wait_for

# Every screen is laid out for 80×24 first; 120×36 shows the wide layout (issue 31).
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


@pytest.fixture
def fixed_world(monkeypatch, tmp_path: Path, no_catalogue) -> None:
    """UTC dates, and a default-model location that does not exist."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path / "no-default"))
    yield
    monkeypatch.undo()
    time.tzset()


def still(app) -> None:
    """No blinking cursors."""
    for widget in app.screen.query("TextArea, Input"):
        widget.cursor_blink = False


async def predict_screen(pilot) -> PredictScreen:
    """The predict screen once its first prediction is shown, cursors still."""
    screen = pilot.app.screen
    assert isinstance(screen, PredictScreen)
    await wait_for(pilot, lambda: screen.prediction is not None)
    still(pilot.app)
    return screen


@SIZES
def test_predict_screen(size: tuple[int, int], snap_compare, fixed_checkpoints: Path, fixed_world, tmp_path: Path) -> None:
    app = LstmTuiApp(model=fixed_checkpoints / "shakespeare-char", checkpoints=fixed_checkpoints, browse_root=tmp_path)

    async def run_before(pilot) -> None:
        screen = await predict_screen(pilot)
        await type_text(pilot, "ROMEO:\nWhat say")
        screen.query_one(ModelStatus).latency_ms = 0.42

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_train_screen(size: tuple[int, int], snap_compare, fixed_checkpoints: Path, fixed_world, browse_folder: Path, monkeypatch) -> None:
    monkeypatch.chdir(browse_folder)
    app = LstmTuiApp(model=fixed_checkpoints / "shakespeare-char", checkpoints=fixed_checkpoints, browse_root=browse_folder)

    async def run_before(pilot) -> None:
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TrainScreen))
        screen = pilot.app.screen
        still(pilot.app)
        field = screen.query_one("#corpus-path", Input)
        field.value = "plays.txt"
        field.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.facts is not None)
        tree = screen.query_one("#corpus-tree")
        await wait_for(pilot, lambda: len(tree.root.children) == 3)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@SIZES
def test_models_screen(size: tuple[int, int], snap_compare, fixed_checkpoints: Path, fixed_world, tmp_path: Path) -> None:
    app = LstmTuiApp(model=fixed_checkpoints / "shakespeare-char", checkpoints=fixed_checkpoints, browse_root=tmp_path)

    async def run_before(pilot) -> None:
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelsScreen))
        screen = pilot.app.screen
        await wait_for(pilot, lambda: bool(screen.runs))
        await wait_for(pilot, lambda: screen.query_one("RunMonitor").state == "finished")
        still(pilot.app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
