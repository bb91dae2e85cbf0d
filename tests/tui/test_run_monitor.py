"""The run monitor alone: what its header and log show for a run folder's events."""

from __future__ import annotations

import json
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Static

from lstm_tui.tui.widgets.run_monitor import RunMonitor

SIZE = (100, 30)


class MonitorApp(App):
    def compose(self) -> ComposeResult:
        yield RunMonitor()


def write_events(folder: Path, events: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "events.jsonl", "w", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps({"time": 1.0, **event}) + "\n")


STARTED = {"event": "started", "name": "tiny", "step": 0, "total_steps": 50, "vocab": 40, "parameters": 1000,
           "train_tokens": 3000, "device": "cpu"}
PROGRESS = {"event": "progress", "step": 15, "total_steps": 50, "epoch": 7.5, "loss": 3.0, "loss_avg": 3.1,
            "perplexity": 22.2, "tokens_per_second": 5000.0, "elapsed": 3.0, "eta": 7.0, "fraction": 0.3, "lr": 0.002}


def stats(app: App) -> str:
    return str(app.query_one("#run-stats", Static).render())


async def test_the_header_follows_the_latest_step_and_shows_the_rate(tmp_path: Path) -> None:
    """A validation at step 20 arrives before the next progress event: the header says step 20, not 15."""
    folder = tmp_path / "tiny"
    validation = {"event": "validation", "step": 20, "epoch": 10.0, "valid_loss": 3.2, "valid_ppl": 24.5,
                  "train_loss": 3.1, "elapsed": 4.0, "lr": 0.001}
    write_events(folder, [STARTED, PROGRESS, validation, {"event": "sample", "step": 20, "text": "abc"}])
    app = MonitorApp()
    async with app.run_test(size=SIZE) as pilot:
        monitor = app.query_one(RunMonitor)
        monitor.follow(folder)
        await pilot.pause()
        line = stats(app)
        assert "step 20/50" in line and "epoch 10.00" in line, line
        assert "lr 0.002" in line, line  # the rate of the last progress event (the one in use)
        assert monitor.last_progress.fraction == 0.4


async def test_an_older_step_never_moves_the_header_back(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    write_events(folder, [STARTED, PROGRESS, {"event": "checkpoint", "step": 10, "status": "running"}])
    app = MonitorApp()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(RunMonitor).follow(folder)
        await pilot.pause()
        assert "step 15/50" in stats(app)
