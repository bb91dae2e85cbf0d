"""The app with damaged run folders beside the shipped default: it starts, opens the default, and
the models screen lists each damaged folder as `damaged` with its reason and follows its events."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lstm_tui.paths import SOURCE_ROOT
from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.screens.models import ModelsScreen, RunTable
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.widgets.run_monitor import RunMonitor
from tests.tui.conftest import wait_for

SHIPPED = SOURCE_ROOT / "checkpoints" / "default"
NEWEST = "2099-01-01T00:00:00+00:00"  # newer than the default: a damaged run is the newest
OLDEST = "2000-01-01T00:00:00+00:00"  # older than the default: intact copies do not win at startup


def damaged_copy(root: Path, name: str, meta_change=None, events: list | None = None, eval_text: str | None = None,
                 updated: str = NEWEST) -> Path:
    """A copy of the shipped default with one thing broken (its model.json dated `updated`)."""
    folder = root / name
    shutil.copytree(SHIPPED, folder)
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    meta["updated"] = updated
    if meta_change is not None:
        meta_change(meta)
    (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    if events is not None:
        (folder / "events.jsonl").write_text("".join(e if isinstance(e, str) else json.dumps(e) + "\n" for e in events), encoding="utf-8")
    if eval_text is not None:
        (folder / "eval.json").write_text(eval_text, encoding="utf-8")
    return folder


GOOD_PROGRESS = {"event": "progress", "time": 1.0, "step": 7, "total_steps": 10, "epoch": 0.5, "loss_avg": 2.0,
                 "perplexity": 7.4, "tokens_per_second": 100.0, "elapsed": 1.0, "eta": 1.0, "fraction": 0.7}


@pytest.fixture
def damaged_checkpoints(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    root = tmp_path / "checkpoints"
    root.mkdir()
    shutil.copytree(SHIPPED, root / "default")
    folders = {
        "metrics-x": damaged_copy(root, "metrics-x", lambda m: m.update(metrics="x")),
        "units-huge": damaged_copy(root, "units-huge", lambda m: m["model"].update(units=10**9)),
        "units-inf": damaged_copy(root, "units-inf", lambda m: m["model"].update(units=1e309)),
        "cache-text": damaged_copy(root, "cache-text", lambda m: m["train"].update(cache_size="many")),
        "events-bad": damaged_copy(root, "events-bad", events=[
            {"event": "progress", "time": 1.0, "step": "x"}, {"event": "started", "time": 1.0, "ranks": "two"},
            "{not json\n", GOOD_PROGRESS], updated=OLDEST),
        "events-one-bad": damaged_copy(root, "events-one-bad", events=[{"event": "progress", "time": 1.0, "step": "x"}],
                                       updated=OLDEST),
        "eval-bad": damaged_copy(root, "eval-bad", eval_text='{"lstm": {"perplexity": "low"}}', updated=OLDEST),
        "npz-truncated": damaged_copy(root, "npz-truncated"),
    }
    npz = folders["npz-truncated"] / "model.npz"
    npz.write_bytes(npz.read_bytes()[:5000])
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(root))
    return folders


async def test_the_app_starts_on_the_default_and_lists_damaged_runs(damaged_checkpoints: dict[str, Path]) -> None:
    app = LstmTuiApp()
    assert app.initial_model == app.checkpoints / "default"
    async with app.run_test(size=(160, 44)) as pilot:
        predict = pilot.app.screen
        assert isinstance(predict, PredictScreen)
        await wait_for(pilot, lambda: predict.live is not None)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelsScreen))
        screen = pilot.app.screen
        await wait_for(pilot, lambda: len(screen.runs) == len(damaged_checkpoints) + 1)
        table = screen.query_one(RunTable)
        monitor = screen.query_one(RunMonitor)
        by_folder = {info.folder: info for info in screen.runs}
        for name, folder in damaged_checkpoints.items():
            info = by_folder[folder.resolve()]
            index = screen.runs.index(info)
            table.move_cursor(row=index)
            await wait_for(pilot, lambda: monitor.folder == info.folder)
            await pilot.pause(0.3)  # a poll of its events
            row = [str(cell) for cell in table.get_row_at(index)]
            if name.startswith(("events", "eval")):
                assert info.state == "finished", (name, row)
            else:
                assert info.state == "damaged" and row[-2] == "damaged", (name, row)
                assert info.problem and "\n" not in info.problem and row[-1], (name, info.problem)
        # the monitor skipped the three malformed lines and showed the good progress
        events = by_folder[damaged_checkpoints["events-bad"].resolve()]
        table.move_cursor(row=screen.runs.index(events))
        await wait_for(pilot, lambda: monitor.folder == events.folder)
        await wait_for(pilot, lambda: monitor.last_progress is not None and monitor.last_progress.step == 7)
        assert monitor.skipped == 3
        # the ignored eval.json was told in a notice
        assert any("eval.json ignored" == (n.title or "") and "eval-bad" in n.message for n in pilot.app._notifications)
        # opening a damaged run says why instead of loading it
        table.focus()
        for name, folder in damaged_checkpoints.items():
            info = by_folder[folder.resolve()]
            if info.state != "damaged":
                continue
            table.move_cursor(row=screen.runs.index(info))
            await pilot.press("enter")
            await pilot.pause(0.05)
            assert isinstance(pilot.app.screen, ModelsScreen), name
        told = [n.message for n in pilot.app._notifications if n.title == "Damaged run"]
        assert any("model.units must be a whole number" in message for message in told), told
        assert pilot.app.is_running


async def test_the_monitor_follows_a_file_of_damaged_events(tmp_path: Path, monkeypatch) -> None:
    """Every field of every kind of event replaced by each hostile value or deleted, then one
    good progress event: the monitor shows that one and counts the lines it skipped."""
    from tests.engine.test_run_files_fuzz import SAMPLE_EVENTS
    from tests.run_folder_damage import every_field_damaged

    root = tmp_path / "checkpoints"
    root.mkdir()
    shutil.copytree(SHIPPED, root / "default")
    lines = [json.dumps(damaged) + "\n" for event in SAMPLE_EVENTS for damaged in every_field_damaged(event)]
    folder = damaged_copy(root, "events", events=[*lines, GOOD_PROGRESS], updated=OLDEST)
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(root))
    async with LstmTuiApp().run_test(size=(160, 44)) as pilot:
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelsScreen))
        screen = pilot.app.screen
        await wait_for(pilot, lambda: len(screen.runs) == 2)
        screen.query_one(RunTable).move_cursor(row=[info.folder for info in screen.runs].index(folder.resolve()))
        monitor = screen.query_one(RunMonitor)
        await wait_for(pilot, lambda: monitor.last_progress is not None and monitor.last_progress.step == 7)
        assert 0 < monitor.skipped < len(lines)  # many damaged lines are still valid events (a field deleted, say)
        await pilot.pause(0.3)
        assert pilot.app.is_running and isinstance(pilot.app.screen, ModelsScreen)
