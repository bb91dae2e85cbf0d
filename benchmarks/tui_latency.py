"""Keystroke → updated suggestions in the app, through Textual's pilot: idle and while training.

For every key: the time from the key event reaching the app until the suggestions panel has been
rendered with the prediction for the new text (model step, ghost text, layout, render), and the
model's own share (the status line's latency). Then the same while a training runs in a child
process (the train screen's way: `python -m lstm_tui --headless-train`).

With --inspect every idle phase runs twice, inspect mode (F8) off and then on, and the key is
done only when the frame also holds the inspect panel for the new text (its colours are painted
in the same handler). --prefill N types at the end of N characters of Tiny Shakespeare already in
the box (the 10 kB case of the latency target).

--cpu reports, instead of the key → suggestions column, the CPU time the app's thread spent from
the key to that frame: on a machine busy with other work the wall clock counts the waits for a
core too, the CPU time much less so, so two versions of the code compare fairly (run this script
from each checkout). The benchmark then waits for each frame instead of polling for it.

    .venv/bin/python benchmarks/tui_latency.py [--model DIR] [--keys 300] [--corpus FILE]
    .venv/bin/python benchmarks/tui_latency.py --idle-only --inspect --prefill 10000
    .venv/bin/python benchmarks/tui_latency.py --idle-only --inspect --prefill 10000 --cpu --intervals 0

Without --model it uses the model the app would open (newest finished run, else the default).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import platform
import pstats
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_tui.tui import entry  # noqa: E402

entry.configure_app_process()  # as run_app does; first: it sets the app's frame rate before Textual is imported

from textual import events  # noqa: E402

from lstm_tui.engine.train.config import TrainConfig  # noqa: E402
from lstm_tui.engine.runs.events import read_events  # noqa: E402
from lstm_tui.paths import checkpoints_dir  # noqa: E402
from lstm_tui.engine.runs.model_choice import model_to_open  # noqa: E402
from lstm_tui.tui.app import LstmTuiApp  # noqa: E402
from lstm_tui.tui.screens.predict import PredictScreen  # noqa: E402
from lstm_tui.engine.runs.training_process import TrainingProcess  # noqa: E402
from lstm_tui.tui.widgets.inspect_editor import InspectEditor  # noqa: E402
from lstm_tui.tui.widgets.inspect_panel import InspectPanel  # noqa: E402
from lstm_tui.tui.widgets.status_bar import ModelStatus  # noqa: E402
from lstm_tui.tui.widgets.suggestions import SuggestionsPanel  # noqa: E402

entry.freeze_start_up_objects()  # as run_app does once the app is imported

TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n"
)
KEYS = {" ": "space", "\n": "enter"}
PREFILL_SOURCE = ROOT / "tests" / "fixtures" / "tinyshakespeare_first_100k.txt"


async def wait_until(pilot, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.02)


async def measure(pilot, text: str, keys: int, interval: float = 0.0, prefill: str = "",
                  cpu: bool = False, profile: cProfile.Profile | None = None) -> tuple[list[float], list[float], list[float]]:
    """Type `keys` characters of `text` after `prefill`; per key: to the panel rendered, to the
    key handled (`cpu`: the app thread's CPU ms to the panel rendered), model ms.

    A key is posted to the app as the terminal driver posts it; the clock stops when the frame
    that paints the suggestions panel with the prediction for the new text is composed (in
    inspect mode: and the inspect panel for the new text).
    """
    app = pilot.app
    screen = app.screen
    assert isinstance(screen, PredictScreen)
    status = screen.query_one(ModelStatus)
    panel = screen.query_one(SuggestionsPanel)
    editor = screen.query_one(InspectEditor)
    inspect_panel = screen.query_one(InspectPanel)
    inspecting = screen.inspect.on
    rendered: dict = {"at": 0.0, "what": None, "pending": None, "inspected_at": 0.0, "inspected": None, "inspect_pending": None,
                      "cpu_at": 0.0, "inspected_cpu_at": 0.0}
    frame = asyncio.Event()
    render_lines = panel.render_lines
    inspect_render_lines = inspect_panel.render_lines

    def inspect_panel_render_lines(crop):
        session = screen.inspect.session
        rendered["inspect_pending"] = session.edit_mark if session is not None else None
        return inspect_render_lines(crop)
    # A frame is done when the compositor hands it to App._display (private; under the pilot the
    # headless driver then discards it, in a terminal it is written out).
    display = app._display

    def panel_render_lines(crop):
        rendered["pending"] = panel.suggestions
        return render_lines(crop)

    def frame_done(screen, renderable) -> None:
        now, cpu_now = time.perf_counter(), time.thread_time()
        if rendered["pending"] is not None:
            rendered["at"], rendered["what"], rendered["pending"], rendered["cpu_at"] = now, rendered["pending"], None, cpu_now
        if rendered["inspect_pending"] is not None:
            rendered["inspected_at"], rendered["inspected"], rendered["inspect_pending"] = now, rendered["inspect_pending"], None
            rendered["inspected_cpu_at"] = cpu_now
        display(screen, renderable)
        frame.set()

    def inspected(start: float) -> bool:
        return not inspecting or (rendered["inspected"] == editor.edit_count and rendered["inspected_at"] > start)

    panel.render_lines = panel_render_lines
    inspect_panel.render_lines = inspect_panel_render_lines
    app._display = frame_done
    editor.load_text(prefill)
    editor.move_cursor(editor.document.end)
    await wait_until(pilot, lambda: screen.prediction is not None and screen.prediction.text == prefill, timeout=300)
    if inspecting:
        await wait_until(pilot, lambda: screen.inspect.session is not None and screen.inspect.session.pending == 0
                         and screen.inspect.session.edit_mark == editor.edit_count, timeout=600)
    await pilot.pause()
    total: list[float] = []
    handled: list[float] = []
    model: list[float] = []
    typed = prefill
    next_key = time.perf_counter()
    for char in (text * (keys // len(text) + 1))[:keys]:
        typed += char
        while time.perf_counter() < next_key:  # a typist's pace; 0: each key right after the last frame
            await asyncio.sleep(0.001)
        start, cpu_start = time.perf_counter(), time.thread_time()
        next_key = start + interval
        frame.clear()
        if profile is not None:
            profile.enable()
        app.post_message(events.Key(KEYS.get(char, char), char))
        deadline = start + 10.0
        shown = 0.0
        while not ((shown or cpu) and rendered["at"] > start and rendered["what"] is screen.prediction.suggestions and inspected(start)):
            if cpu:  # no polling: it would count as the app's CPU time
                await asyncio.wait_for(frame.wait(), max(0.001, deadline - time.perf_counter()))
                frame.clear()
                continue
            if not shown and screen.prediction is not None and screen.prediction.text == typed:
                shown = time.perf_counter()
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no update after typing {typed[-20:]!r}")
            await asyncio.sleep(0)
        if profile is not None:
            profile.disable()
        total.append((max(rendered["at"], rendered["inspected_at"] if inspecting else 0.0) - start) * 1000.0)
        if cpu:
            handled.append((max(rendered["cpu_at"], rendered["inspected_cpu_at"] if inspecting else 0.0) - cpu_start) * 1000.0)
        else:
            handled.append((shown - start) * 1000.0)
        model.append(status.latency_ms or 0.0)
    panel.render_lines = render_lines
    inspect_panel.render_lines = inspect_render_lines
    app._display = display
    return total, handled, model


def start_training(corpus: Path, folder: Path) -> TrainingProcess:
    config = TrainConfig.from_values(corpus=str(corpus), units=128, bptt=32, batch_size=16, max_steps=1_000_000, device="cpu")
    return TrainingProcess.start(config, folder)


def pace(interval: float) -> str:
    return "keys back to back" if interval == 0 else f"a key every {interval * 1000:.0f} ms"


async def set_inspect(pilot, on: bool) -> None:
    """Turn inspect mode on or off (F8) and wait for its inspector."""
    screen = pilot.app.screen
    if screen.inspect.on != on:
        await pilot.press("f8")
    if on:
        await wait_until(pilot, lambda: screen.inspect.session is not None, timeout=300)


async def run(model: Path, keys: int, corpus: Path, idle_only: bool = False, intervals: tuple[float, ...] = (0.0,),
              inspect: bool = False, prefill: str = "", size: tuple[int, int] = (120, 40),
              cpu: bool = False, profiles: dict[str, cProfile.Profile] | None = None) -> list[tuple[str, list[float], list[float], list[float]]]:
    """The phases' timings; `profiles`: filled with a profile of each idle phase, by its name."""
    results = []
    with tempfile.TemporaryDirectory(prefix="lstm-tui-bench-") as scratch:
        app = LstmTuiApp(model=model, checkpoints=Path(scratch) / "checkpoints", browse_root=Path(scratch))
        async with app.run_test(size=size) as pilot:
            screen = pilot.app.screen
            await wait_until(pilot, lambda: isinstance(screen, PredictScreen) and screen.prediction is not None)
            await measure(pilot, TEXT, 30)  # warm up
            text_note = f", typing after {len(prefill):,} chars" if prefill else ""
            for interval in intervals:
                for on in ((False, True) if inspect else (False,)):
                    await set_inspect(pilot, on)
                    mode = ", inspect on" if on else (", inspect off" if inspect else "")
                    phase = f"idle, {pace(interval)}{text_note}{mode}"
                    profile = None
                    if profiles is not None:
                        profile = profiles[phase] = cProfile.Profile(time.thread_time)
                    results.append((phase, *await measure(pilot, TEXT, keys, interval, prefill, cpu, profile)))
            await set_inspect(pilot, False)
            if idle_only:
                return results
            process = start_training(corpus, Path(scratch) / "checkpoints" / "bench-run")
            try:
                events = Path(scratch) / "checkpoints" / "bench-run" / "events.jsonl"
                await wait_until(pilot, lambda: any(e.kind == "progress" for e in read_events(events)), timeout=180)
                for interval in intervals:
                    results.append((f"training (child process), {pace(interval)}", *await measure(pilot, TEXT, keys, interval, cpu=cpu)))
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
    parser.add_argument("--intervals", type=float, nargs="+", default=[0.0, 0.08],
                        help="seconds between keys: 0 = each key right after the previous frame (worst case); "
                             "0.08 = 12.5 keys/s, a fast typist (default: both)")
    parser.add_argument("--idle-only", action="store_true", help="skip the phase with a training running")
    parser.add_argument("--size", default="120x40", help="terminal size, COLUMNSxROWS (80x24: the narrow layout)")
    parser.add_argument("--inspect", action="store_true", help="run each idle phase with inspect mode off, then on")
    parser.add_argument("--prefill", type=int, default=0, metavar="CHARS",
                        help="characters of Tiny Shakespeare in the box before typing at its end (10000: the 10 kB case)")
    parser.add_argument("--cpu", action="store_true",
                        help="report the app thread's CPU time from key to frame (compares code fairly on a busy machine)")
    parser.add_argument("--worst", type=int, default=0, metavar="N",
                        help="list each phase's N slowest keys: the character typed, key → frame ms and model ms")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile the app thread from each key to its frame (cProfile, thread CPU time) in each idle "
                             "phase and print its N costliest functions (the profiler slows the app: its timings are not figures)")
    args = parser.parse_args()
    model = args.model or model_to_open(None, checkpoints_dir())
    if model is None:
        sys.exit("no model: pass --model DIR (e.g. one made with lstm-tui --headless-train --max-steps 200 --out DIR)")
    prefill = PREFILL_SOURCE.read_text(encoding="utf-8")[: args.prefill]
    columns, rows = (int(n) for n in args.size.lower().split("x"))
    profiles: dict[str, cProfile.Profile] | None = {} if args.profile else None
    results = asyncio.run(run(model.resolve(), args.keys, args.corpus.resolve(), args.idle_only, tuple(args.intervals), args.inspect, prefill,
                              (columns, rows), args.cpu, profiles))
    print(f"model: {model.name}; {args.keys} keys per phase; {columns}×{rows}; machine: {platform.machine()}, {os.cpu_count()} cores; "
          f"python {platform.python_version()}")
    second = "key → frame, app thread CPU" if args.cpu else "key → suggestions updated"
    print(f"| phase | key → frame with the new panel p50 / p95 ms | {second} p50 / p95 ms | model p50 / p95 ms |")
    print("|---|---|---|---|")
    for phase, *series in results:
        cells = [" / ".join(f"{v:.1f}" for v in np.percentile(values, [50, 95])) for values in series]
        print(f"| {phase} | " + " | ".join(cells) + " |")
    if args.inspect:
        pairs = [(a, b) for a, b in zip(results, results[1:]) if a[0].endswith("inspect off") and b[0].endswith("inspect on")]
        for off, on in pairs:
            ratio = np.percentile(on[1], 95) / np.percentile(off[1], 95)
            print(f"inspect on / off, key → frame p95 ({off[0].removesuffix(', inspect off')}): {ratio:.2f}×")
    typed = (TEXT * (args.keys // len(TEXT) + 1))[: args.keys]
    for phase, total, _, model_ms in results if args.worst else ():
        slowest = np.argsort(total)[::-1][: args.worst]
        print(f"\nslowest keys, {phase}: " + ", ".join(f"{typed[i]!r} {total[i]:.1f} ({model_ms[i]:.1f})" for i in slowest))
    for phase, profile in (profiles or {}).items():
        print(f"\n## profile: {phase}")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
