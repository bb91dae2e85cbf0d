"""80×24 first (issue 31): every screen gives its parts room at 80 columns and widens from 110."""

from __future__ import annotations

import shutil
from pathlib import Path

from rich.segment import Segment
from textual.widgets import Input

from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.screens.models import ModelsScreen, RunTable, columns_that_fit
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.screens.train import TrainScreen
from lstm_tui.tui.widgets.status_bar import KEEP, ModelStatus, StatusPart, fit
from tests.tui.conftest import wait_for


def make_app(model: Path, tmp_path: Path) -> LstmTuiApp:
    return LstmTuiApp(model=model, checkpoints=tmp_path / "checkpoints", browse_root=tmp_path)


async def test_predict_at_80_columns_puts_the_suggestions_under_the_text(trained_char_run: Path, tmp_path: Path) -> None:
    """The panel kept 44 columns, leaving the text 34; and the status line was cut ("params 165,")."""
    async with make_app(trained_char_run, tmp_path).run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, PredictScreen) and screen.has_class("-narrow")
        await wait_for(pilot, lambda: screen.prediction is not None)
        await pilot.press("a")
        await pilot.pause()
        editor, box = screen.query_one("#editor"), screen.query_one("#suggestions-box")
        assert editor.size.width >= 70 and box.region.y > editor.region.y
        status = screen.query_one(ModelStatus).text()
        assert status.endswith(" ms") and len(status) <= 78, status  # whole, with the latency at its end
        await pilot.resize_terminal(120, 36)
        await pilot.pause()
        assert screen.has_class("-wide") and box.region.x > editor.region.x  # beside it when there is room
        assert screen.query_one(ModelStatus).text().startswith("model ")


async def test_train_at_80_columns_shows_the_corpus_summary_and_preview(trained_char_run: Path, shakespeare_100k: Path,
                                                                        tmp_path: Path) -> None:
    """The picker (36) and the form (44) took all 80 columns: the summary and preview had none."""
    async with make_app(trained_char_run, tmp_path).run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TrainScreen))
        screen = pilot.app.screen
        field = screen.query_one("#corpus-path", Input)
        field.value = str(shakespeare_100k)
        field.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.facts is not None)
        await pilot.pause()
        for part in ("#corpus-facts", "#corpus-preview-box", "#corpus-tree", "#train-form"):
            size = screen.query_one(part).size
            assert size.width >= 30 and size.height >= 3, (part, size)


async def test_models_table_keeps_state_and_evaluation_at_120_columns(trained_char_run: Path, tmp_path: Path) -> None:
    root = tmp_path / "checkpoints"
    run = root / "tinyshakespeare-char-20261206-013703"
    shutil.copytree(trained_char_run, run)
    async with LstmTuiApp(model=run, checkpoints=root).run_test(size=(120, 36)) as pilot:
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelsScreen) and bool(pilot.app.screen.runs))
        table = pilot.app.screen.query_one(RunTable)
        assert {"name", "state", "valid ppl", "held-out eval"} <= set(table.shown_columns)
        width = sum(column.get_render_width(table) for column in table.columns.values())
        assert width <= table.size.width
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert {"name", "state", "valid ppl"} <= set(table.shown_columns)
        assert sum(column.get_render_width(table) for column in table.columns.values()) <= table.size.width


def test_columns_are_kept_by_need_and_shown_in_order() -> None:
    row = ("a-long-run-name-1234", "corpus.txt", "char", "61", "74,046", "9.87", "2023-11-14 22:13", "1.2 MB",
           "finished", "ppl 9.87 · top-1 50.0% · KSR 30.0%")
    assert columns_that_fit([row], 10) == ["name"]  # the name stays, whatever the width
    # name 22 + state 10 + valid ppl 11, not the evaluation (36); then what still fits, shown in table order
    assert columns_that_fit([row], 60) == ["name", "level", "params", "valid ppl", "state"]
    assert len(columns_that_fit([row], 500)) == 10


def test_the_status_line_shortens_then_drops_its_least_needed_parts() -> None:
    def part(full: str, short: str, priority: int = KEEP) -> StatusPart:
        return StatusPart.of([Segment(full)], [Segment(short)], priority)

    sep = Segment(" · ")
    parts = [part("model long-name", "long-name"), part("params 887,400", "887k params", 2),
             part("device cpu", "cpu", 0), part("latency 0.42 ms", "0.42 ms")]
    text = lambda width: "".join(s.text for s in fit(parts, width, sep))  # noqa: E731
    assert text(80) == "model long-name · params 887,400 · device cpu · latency 0.42 ms"
    assert text(40) == "long-name · 887k params · cpu · 0.42 ms"
    assert text(34) == "long-name · 887k params · 0.42 ms"
    assert text(10) == "long-name · 0.42 ms"  # never the name or the latency (the line crops what is left)
