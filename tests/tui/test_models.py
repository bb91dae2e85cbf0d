"""The models screen: the run table, load, delete (with confirmation), and watching a run."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from lstm_tui.engine.runs.run_lock import LOCK
from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.dialogs.confirm import ConfirmDialog
from lstm_tui.tui.screens.models import ModelsScreen, RunTable
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.widgets.run_monitor import RunMonitor
from tests.tui.conftest import wait_for

SIZE = (120, 40)


def copy_run(source: Path, root: Path, name: str) -> Path:
    target = root / name
    shutil.copytree(source, target)
    return target


async def open_models(pilot) -> ModelsScreen:
    await pilot.press("f4")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelsScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: bool(screen.runs))
    return screen


async def test_runs_are_listed_and_one_loads_into_predict(trained_char_run: Path, trained_word_run: Path, tmp_path: Path) -> None:
    root = tmp_path / "checkpoints"
    char = copy_run(trained_char_run, root, "char-run")
    word = copy_run(trained_word_run, root, "word-run")
    async with LstmTuiApp(model=char, checkpoints=root).run_test(size=SIZE) as pilot:
        screen = await open_models(pilot)
        assert {info.folder for info in screen.runs} == {char, word}
        table = screen.query_one(RunTable)
        assert table.row_count == 2
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[-2] == "finished"
        index = next(i for i, info in enumerate(screen.runs) if info.folder == word)
        table.move_cursor(row=index)
        await pilot.pause()
        assert screen.query_one(RunMonitor).folder == word
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PredictScreen))
        predict = pilot.app.screen
        await wait_for(pilot, lambda: predict.live is not None and predict.live.folder == word)
        assert predict.live.level == "word"


async def test_a_recorded_eval_is_shown_in_the_table(trained_char_run: Path, held_out: Path, tmp_path: Path) -> None:
    from lstm_tui.engine.eval.evaluate import evaluate_file, record_report

    root = tmp_path / "checkpoints"
    run = copy_run(trained_char_run, root, "evaluated")
    report = evaluate_file(run, held_out, max_tokens=500, ksr_chars=120, baselines=False)
    record_report(report, run)
    async with LstmTuiApp(model=run, checkpoints=root).run_test(size=(160, 30)) as pilot:
        screen = await open_models(pilot)
        row = [str(cell) for cell in screen.query_one(RunTable).get_row_at(0)]
        cell = row[-1]
        assert cell == f"ppl {report.lstm.perplexity:.2f} · top-1 {report.lstm.top1:.1%} · KSR {report.typing.ksr:.1%}"


async def test_delete_asks_first_and_removes_the_folder(trained_char_run: Path, tmp_path: Path) -> None:
    root = tmp_path / "checkpoints"
    keep = copy_run(trained_char_run, root, "keep")
    doomed = copy_run(trained_char_run, root, "doomed")
    async with LstmTuiApp(model=keep, checkpoints=root).run_test(size=SIZE) as pilot:
        screen = await open_models(pilot)
        table = screen.query_one(RunTable)
        table.move_cursor(row=next(i for i, info in enumerate(screen.runs) if info.folder == doomed))
        table.focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
        await pilot.press("escape")  # cancel keeps it
        await pilot.pause()
        assert doomed.exists()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
        await pilot.click("#yes")
        await wait_for(pilot, lambda: not doomed.exists())
        await wait_for(pilot, lambda: [info.folder for info in screen.runs] == [keep])
        assert keep.exists()


async def test_a_running_run_is_never_deleted(trained_char_run: Path, tmp_path: Path) -> None:
    root = tmp_path / "checkpoints"
    running = copy_run(trained_char_run, root, "running")
    (running / LOCK).write_text(f"{socket.gethostname()} {os.getpid()}\n")  # this process holds the lock
    async with LstmTuiApp(model=running, checkpoints=root).run_test(size=SIZE) as pilot:
        screen = await open_models(pilot)
        assert screen.runs[0].state == "running"
        screen.query_one(RunTable).focus()
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ConfirmDialog)
        assert running.exists()


async def test_opening_another_folder_adds_its_runs(trained_char_run: Path, tmp_path: Path) -> None:
    elsewhere = copy_run(trained_char_run, tmp_path / "elsewhere", "other-run")
    home = copy_run(trained_char_run, tmp_path / "checkpoints", "home-run")
    async with LstmTuiApp(model=home, checkpoints=tmp_path / "checkpoints").run_test(size=SIZE) as pilot:
        screen = await open_models(pilot)
        field = screen.query_one("#models-path")
        field.focus()
        field.value = str(elsewhere)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(screen.runs) == 2)
        assert {info.folder for info in screen.runs} == {home, elsewhere}


async def test_a_finished_run_continues_with_new_limits(trained_char_run: Path, tmp_path: Path, trainings: list) -> None:
    """r on a finished run asks for new limits (a limit it already reached is refused in the
    dialog), then trains on in a child process up to them."""
    import json

    from textual.widgets import Input

    from lstm_tui.engine.runs.run_folder import MODEL_JSON
    from lstm_tui.engine.runs.run_list import run_state
    from lstm_tui.tui.dialogs.limits import LimitsDialog
    from lstm_tui.tui.screens.train import TrainScreen

    root = tmp_path / "checkpoints"
    run = copy_run(trained_char_run, root, "finished-run")
    async with LstmTuiApp(model=run, checkpoints=root).run_test(size=SIZE) as pilot:
        app = pilot.app
        screen = await open_models(pilot)
        screen.query_one(RunTable).focus()
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, LimitsDialog))
        dialog = app.screen
        steps = dialog.query_one("#limit-max_steps", Input)
        assert steps.value == "300"
        steps.value = "200"
        steps.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LimitsDialog) and app.training is None
        assert "already made 300 steps" in str(dialog.query_one("#limits-error").render())
        notices: list[str] = []
        notify = app.notify
        app.notify = lambda message, *args, **kwargs: (notices.append(str(message)), notify(message, *args, **kwargs))[1]

        def state() -> str:
            process = app.training
            child = "none" if process is None else f"pid {process.pid}, exit {process.returncode}, stderr {process.stderr_path.read_text(errors='replace')[-300:]!r}"
            return f"screen {type(app.screen).__name__}, focus {app.focused!r}, notices {notices}, child {child}"

        steps.value = "310"
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(trainings), timeout=30, state=state)
        assert trainings[0].resumed and trainings[0].folder.resolve() == run.resolve()
        assert isinstance(app.screen, TrainScreen)
        # the child process starts Chainer (and on a fresh clone compiles kernels): slow on a busy machine
        await wait_for(pilot, lambda: app.training is None, timeout=240, state=state)
    meta = json.loads((run / MODEL_JSON).read_text(encoding="utf-8"))
    assert (meta["step"], meta["train"]["max_steps"], run_state(run)) == (310, 310, "finished")


async def test_the_shipped_default_shows_its_recorded_curves(tmp_path: Path) -> None:
    """A run folder copied without events.jsonl (the shipped default) charts model.json's history,
    and the chart's keys act while the run table has the focus."""
    import json

    from lstm_tui.engine.runs.loss_history import MODEL_JSON_SOURCE
    from lstm_tui.paths import shipped_root
    from lstm_tui.tui.widgets.loss_chart import LossChart, LossPlot

    shipped = shipped_root() / "checkpoints" / "default"
    root = tmp_path / "checkpoints"
    run = root / "default"
    run.mkdir(parents=True)
    for name in ("model.json", "model.npz"):
        shutil.copy(shipped / name, run / name)
    meta = json.loads((run / "model.json").read_text(encoding="utf-8"))
    recorded = meta["metrics"]["history"]
    async with LstmTuiApp(model=run, checkpoints=root).run_test(size=(80, 24)) as pilot:
        screen = await open_models(pilot)
        chart = screen.query_one(LossChart)
        await wait_for(pilot, lambda: bool(chart.series()))
        assert chart.curves.source == MODEL_JSON_SOURCE
        train, valid = chart.series()
        assert len(train.xs) == len(valid.xs) == len(recorded) and valid.xs[-1] == recorded[-1]["step"]
        title = str(screen.query_one("#run-title").render())
        assert "no training events yet" not in title and f"{meta['parameters']:,} parameters" in title, title
        drawn = screen.query_one(LossPlot).render().plain
        assert "step" in drawn and "loss (nats)" in drawn, drawn
        screen.query_one(RunTable).focus()
        await pilot.press("l")
        assert chart.log_scale and "loss (nats), log scale" in screen.query_one(LossPlot).render().plain
