"""The run monitor alone: what its header, log and loss chart show for a run folder's events (or model.json)."""

from __future__ import annotations

import json
import math
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from lstm_tui.engine.runs.loss_history import EVENTS_SOURCE, MODEL_JSON_SOURCE
from lstm_tui.paths import shipped_root
from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.widgets.loss_chart import LossChart, LossPlot
from lstm_tui.tui.widgets.run_monitor import RunMonitor
from tests.tui.conftest import wait_for

SIZE = (100, 30)


class MonitorApp(App):
    CSS_PATH = LstmTuiApp.CSS_PATH  # the app's layout: the chart's and log's heights, `-short`

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


# the loss chart ------------------------------------------------------------------------------
SHIPPED_DEFAULT = shipped_root() / "checkpoints" / "default"


def training_events(steps: int, every: int) -> list[dict]:
    """A started event, a progress event per step (the loss falling) and a validation every `every` steps."""
    events = [{**STARTED, "total_steps": steps, "tokens_per_epoch": 3200, "steps_per_epoch": 10}]
    for step in range(1, steps + 1):
        loss = 4.0 - 2.0 * step / steps
        events.append({**PROGRESS, "step": step, "total_steps": steps, "loss": loss, "loss_avg": loss})
        if step % every == 0:
            events.append({"event": "validation", "step": step, "valid_loss": loss + 0.2, "valid_ppl": 1.0})
    return events


def recorded_only(folder: Path, history: list) -> Path:
    """A run folder holding only a model.json (the shipped default's) with `history` as its metrics history."""
    folder.mkdir(parents=True)
    meta = json.loads((SHIPPED_DEFAULT / "model.json").read_text(encoding="utf-8"))
    meta["metrics"]["history"] = history
    meta.update(step=600, tokens_seen=600 * 640)
    (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def plot_text(app: App) -> str:
    return app.query_one(LossPlot).render().plain


@asynccontextmanager
async def following(folder: Path):
    """An 80×24 app whose monitor follows `folder` (its history read): the pilot, monitor and chart."""
    app = MonitorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        monitor = app.query_one(RunMonitor)
        monitor.follow(folder)
        await pilot.pause()
        yield pilot, monitor, app.query_one(LossChart)


def append_events(folder: Path, events: list[dict]) -> None:
    with open(folder / "events.jsonl", "a", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps({"time": 1.0, **event}) + "\n")


def legend(app: App) -> str:
    return str(app.query_one(".chart-legend", Static).render())


async def test_the_chart_draws_train_and_valid_loss_from_events_on_labelled_axes(tmp_path: Path) -> None:
    write_events(tmp_path / "tiny", training_events(40, 10))
    async with following(tmp_path / "tiny") as (pilot, monitor, chart):
        train, valid = chart.series()
        assert (train.name, len(train.xs), valid.name, len(valid.xs)) == ("train", 40, "valid", 4)
        assert train.xs[0] == 1 and train.xs[-1] == 40 and valid.xs == [10, 20, 30, 40]
        assert valid.ys[-1] == 2.2 and chart.curves.source == EVENTS_SOURCE
        assert (chart.x_label, chart.y_label) == ("step", "loss (nats)")
        drawn = plot_text(pilot.app)
        assert "step" in drawn and "loss (nats)" in drawn and "└" in drawn, drawn  # the labels and the axes
        assert "40" in drawn  # the last step is on the x axis
        assert "train 2.000" in legend(pilot.app) and "valid 2.200" in legend(pilot.app)


async def test_the_chart_toggles_log_scale_perplexity_and_tokens(tmp_path: Path) -> None:
    write_events(tmp_path / "tiny", training_events(40, 10))
    async with following(tmp_path / "tiny") as (pilot, monitor, chart):
        monitor.query_one("#run-log").focus()  # the keys act while the focus is inside the monitor
        await pilot.press("l")
        assert chart.log_scale and chart.y_label == "loss (nats), log scale"
        assert "loss (nats), log scale" in plot_text(pilot.app)
        await pilot.press("p")
        assert chart.y_label == "perplexity, log scale"
        assert chart.series()[1].ys[-1] == pytest.approx(math.exp(2.2))
        await pilot.press("x")
        assert chart.x_label == "tokens" and chart.series()[0].xs[-1] == 40 * 320  # 3,200 tokens an epoch of 10 steps
        assert "5k" in plot_text(pilot.app) and "10k" in plot_text(pilot.app)
        await pilot.press("x", "p", "l")
        assert (chart.x_label, chart.y_label) == ("step", "loss (nats)")


async def test_a_folder_without_events_charts_its_model_json_history(tmp_path: Path) -> None:
    history = [{"step": s, "train_loss": 3.0 - s / 400, "valid_loss": 3.1 - s / 400} for s in (200, 400, 600)]
    history.append({"step": "x", "train_loss": 1.0})  # not a step: left out
    history.append({"step": 800, "train_loss": None, "valid_loss": "low"})  # no loss: left out
    async with following(recorded_only(tmp_path / "copied", history)) as (pilot, monitor, chart):
        assert chart.curves.source == MODEL_JSON_SOURCE
        assert [(line.name, line.xs) for line in chart.series()] == [("train", [200, 400, 600]), ("valid", [200, 400, 600])]
        assert chart.curves.tokens_per_step == 640  # model.json's tokens_seen / step
        assert "recorded in model.json" in legend(pilot.app)
        assert "no training events yet" not in str(pilot.app.query_one("#run-title", Static).render())
        assert "finished at step 600" in stats(pilot.app)
        assert "step" in plot_text(pilot.app)


async def test_the_shipped_default_shows_its_recorded_history() -> None:
    recorded = json.loads((SHIPPED_DEFAULT / "model.json").read_text(encoding="utf-8"))["metrics"]["history"]
    assert recorded and not (SHIPPED_DEFAULT / "events.jsonl").exists()
    async with following(SHIPPED_DEFAULT) as (pilot, monitor, chart):
        train, valid = chart.series()
        assert len(train.xs) == len(valid.xs) == len(recorded)
        assert valid.ys == [record["valid_loss"] for record in recorded]


async def test_events_win_over_model_json_where_both_hold_losses(tmp_path: Path) -> None:
    folder = recorded_only(tmp_path / "both", [{"step": 5, "train_loss": 9.0, "valid_loss": 9.0}])
    write_events(folder, training_events(20, 10))
    async with following(folder) as (pilot, monitor, chart):
        assert chart.curves.source == EVENTS_SOURCE and [len(line.xs) for line in chart.series()] == [20, 2]


async def test_the_chart_grows_as_events_arrive(tmp_path: Path) -> None:
    events = training_events(30, 10)
    write_events(tmp_path / "live", events[:12])  # started, 10 progress events, a validation
    async with following(tmp_path / "live") as (pilot, monitor, chart):
        assert [len(line.xs) for line in chart.series()] == [10, 1]
        append_events(tmp_path / "live", events[12:])
        await wait_for(pilot, lambda: len(chart.series()[0].xs) == 30, timeout=5)
        assert len(chart.series()[1].xs) == 3 and monitor.train_losses[-1] == 2.0


async def test_a_hidden_chart_is_not_rebuilt_until_it_is_shown(tmp_path: Path, monkeypatch) -> None:
    """The plot is built when painted: new events under another screen cost no rebuild."""
    from textual.screen import Screen

    renders = []
    original = LossPlot.render
    monkeypatch.setattr(LossPlot, "render", lambda self: renders.append(1) or original(self))
    events = training_events(30, 10)
    write_events(tmp_path / "live", events[:12])
    async with following(tmp_path / "live") as (pilot, monitor, chart):
        assert renders
        await pilot.app.push_screen(Screen())
        await pilot.pause()
        before = len(renders)
        append_events(tmp_path / "live", events[12:])
        monitor.poll()
        await pilot.pause(0.3)
        assert len(renders) == before and len(monitor.train_losses) == 30
        pilot.app.pop_screen()
        await pilot.pause()
        assert len(renders) > before


async def test_a_short_monitor_leaves_out_the_progress_bar_and_log_so_the_chart_keeps_its_axes(tmp_path: Path) -> None:
    write_events(tmp_path / "tiny", training_events(40, 10))
    for rows, short in ((14, True), (30, False)):
        app = MonitorApp()
        async with app.run_test(size=(80, rows)) as pilot:
            monitor = app.query_one(RunMonitor)
            monitor.follow(tmp_path / "tiny")
            await pilot.pause()
            await pilot.pause()
            plot = app.query_one(LossPlot)
            assert monitor.has_class("-short") is short, rows
            assert app.query_one("#run-log").display is not short
            assert plot.region.bottom <= monitor.region.bottom and plot.size.height >= 6, (plot.region, monitor.region)
            assert "step" in plot_text(app)
