"""Keystroke → updated suggestions in the app, through Textual's pilot: idle and while training.

For every key: the time from the key event reaching the app until the suggestions panel has been
rendered with the prediction for the new text (model step, ghost text, layout, render), and the
model's own share (the status line's latency). Then the same while a training runs in a child
process (the train screen's way: `python -m lstm_tui --headless-train`).

    .venv/bin/python benchmarks/tui_latency.py [--model DIR] [--keys 300] [--corpus FILE]

Without --model it uses the model the app would open (newest finished run, else the default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from textual import events

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_tui.engine.config import TrainConfig  # noqa: E402
from lstm_tui.engine.events import read_events  # noqa: E402
from lstm_tui.paths import checkpoints_dir  # noqa: E402
from lstm_tui.tui.app import LstmTuiApp, interactive_blas, startup_model  # noqa: E402
from lstm_tui.tui.screens.predict import PredictScreen  # noqa: E402
from lstm_tui.tui.training_process import TrainingProcess  # noqa: E402
from lstm_tui.tui.widgets.status_bar import ModelStatus  # noqa: E402
from lstm_tui.tui.widgets.suggestions import SuggestionsPanel  # noqa: E402

TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n"
)
KEYS = {" ": "space", "\n": "enter"}


async def wait_until(pilot, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.02)


async def measure(pilot, text: str, keys: int) -> tuple[list[float], list[float], list[float]]:
    """Type `keys` characters of `text`; per key: to the panel rendered, to the key handled, model ms.

    A key is posted to the app as the terminal driver posts it; the clock stops when the frame
    that paints the suggestions panel with the prediction for the new text is written out.
    """
    app = pilot.app
    screen = app.screen
    assert isinstance(screen, PredictScreen)
    status = screen.query_one(ModelStatus)
    panel = screen.query_one(SuggestionsPanel)
    rendered: dict = {"at": 0.0, "what": None, "pending": None}
    render_lines = panel.render_lines
    driver = app._driver  # the headless driver: a frame is done when it is written
    write = driver.write

    def panel_render_lines(crop):
        rendered["pending"] = panel.suggestions
        return render_lines(crop)

    def frame_written(data: str) -> None:
        if rendered["pending"] is not None:
            rendered["at"], rendered["what"], rendered["pending"] = time.perf_counter(), rendered["pending"], None
        write(data)

    panel.render_lines = panel_render_lines
    driver.write = frame_written
    screen.query_one("#editor").clear()
    await pilot.pause()
    total: list[float] = []
    handled: list[float] = []
    model: list[float] = []
    typed = ""
    for char in (text * (keys // len(text) + 1))[:keys]:
        typed += char
        start = time.perf_counter()
        app.post_message(events.Key(KEYS.get(char, char), char))
        deadline = start + 10.0
        shown = 0.0
        while not (shown and rendered["at"] > start and rendered["what"] is screen.prediction.suggestions):
            if not shown and screen.prediction is not None and screen.prediction.text == typed:
                shown = time.perf_counter()
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no update after typing {typed[-20:]!r}")
            await asyncio.sleep(0)
        total.append((rendered["at"] - start) * 1000.0)
        handled.append((shown - start) * 1000.0)
        model.append(status.latency_ms or 0.0)
    panel.render_lines = render_lines
    driver.write = write
    return total, handled, model


def start_training(corpus: Path, folder: Path) -> TrainingProcess:
    config = TrainConfig(corpus=str(corpus), units=128, bptt=32, batch_size=16, max_steps=1_000_000, device="cpu")
    return TrainingProcess.start(config, folder)


async def run(model: Path, keys: int, corpus: Path, idle_only: bool = False) -> list[tuple[str, list[float], list[float], list[float]]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="lstm-tui-bench-") as scratch:
        app = LstmTuiApp(model=model, checkpoints=Path(scratch) / "checkpoints", browse_root=Path(scratch))
        async with app.run_test(size=(120, 40)) as pilot:
            screen = pilot.app.screen
            await wait_until(pilot, lambda: isinstance(screen, PredictScreen) and screen.prediction is not None)
            await measure(pilot, TEXT, 30)  # warm up
            results.append(("idle", *await measure(pilot, TEXT, keys)))
            if idle_only:
                return results
            process = start_training(corpus, Path(scratch) / "checkpoints" / "bench-run")
            try:
                events = Path(scratch) / "checkpoints" / "bench-run" / "events.jsonl"
                await wait_until(pilot, lambda: any(e["event"] == "progress" for e in read_events(events)), timeout=180)
                results.append(("training (child process)", *await measure(pilot, TEXT, keys)))
            finally:
                process.stop()
                process.wait(60)
                process.cleanup()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="run folder to type against")
    parser.add_argument("--keys", type=int, default=300, help="keystrokes per phase")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "tinyshakespeare.txt",
                        help="text the background training uses")
    parser.add_argument("--idle-only", action="store_true", help="skip the phase with a training running")
    args = parser.parse_args()
    model = args.model or startup_model(None, checkpoints_dir())
    if model is None:
        sys.exit("no model: pass --model DIR (e.g. one made with lstm-tui --headless-train --max-steps 200 --out DIR)")
    interactive_blas()  # as run_app does
    results = asyncio.run(run(model.resolve(), args.keys, args.corpus.resolve(), args.idle_only))
    print(f"model: {model.name}; {args.keys} keys per phase; machine: {platform.machine()}, {os.cpu_count()} cores; "
          f"python {platform.python_version()}")
    print("| phase | key → frame with the new panel written p50 / p95 ms | key → suggestions updated p50 / p95 ms | model p50 / p95 ms |")
    print("|---|---|---|---|")
    for phase, *series in results:
        cells = [" / ".join(f"{v:.1f}" for v in np.percentile(values, [50, 95])) for values in series]
        print(f"| {phase} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
