"""The loss chart's cost in the app: one rebuild of the plot, and how often it is rebuilt.

1. Render time of the chart's plot (plotext builds the whole figure on each paint) at the run
   monitor's sizes at 80×24 and 120×36, with short and long curves (a curve keeps at most
   `MAX_POINTS` points; the plot draws at most a few per column).
2. Rebuilds while a run is followed and events arrive 10 times a second: with the monitor's screen
   shown (at most the monitor's poll rate), and with another screen on top (none: a hidden chart
   costs no paint, so typing on another screen is not slowed by it).

    .venv/bin/python benchmarks/chart_render.py [--seconds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.screen import Screen  # noqa: E402
from textual.widgets import Static  # noqa: E402

from lstm_tui.engine.runs.loss_history import MAX_POINTS, Curve, LossCurves  # noqa: E402
from lstm_tui.tui.widgets.loss_chart import LossChart, LossPlot  # noqa: E402
from lstm_tui.tui.widgets.run_monitor import RunMonitor  # noqa: E402

CSS = (ROOT / "lstm_tui" / "tui" / "app.tcss").read_text(encoding="utf-8")


class ChartApp(App):
    CSS = CSS

    def compose(self) -> ComposeResult:
        yield RunMonitor()


class Other(Screen):
    def compose(self) -> ComposeResult:
        yield Static("another screen")


def curves(points: int) -> LossCurves:
    train, valid = Curve(), Curve()
    for step in range(1, points + 1):
        train.add(step, 4.0 * 0.999**step + 1.0)
        if step % 20 == 0:
            valid.add(step, 4.0 * 0.999**step + 1.1)
    return LossCurves(train=train, valid=valid, tokens_per_step=2048.0)


async def render_times(size: tuple[int, int], points: int, repeats: int = 30) -> tuple[float, float, tuple[int, int]]:
    """Median CPU ms and median wall ms of one plot render (CPU time: on a shared machine the wall
    clock mostly measures the other processes)."""
    app = ChartApp()
    async with app.run_test(size=size) as pilot:
        chart = app.query_one(LossChart)
        chart.show(curves(points))
        await pilot.pause()
        plot = app.query_one(LossPlot)
        cpu, wall = [], []
        for _ in range(repeats):
            start, start_cpu = time.perf_counter(), time.thread_time()
            plot.render()
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
        return statistics.median(cpu), statistics.median(wall), (plot.size.width, plot.size.height)


def writer(path: Path, stop: threading.Event, per_second: float) -> None:
    """Append progress events (and a validation every tenth) to events.jsonl until stopped."""
    step = 0
    with open(path, "a", encoding="utf-8") as handle:
        while not stop.is_set():
            step += 1
            loss = 4.0 * 0.99**step + 1.0
            handle.write(json.dumps({"event": "progress", "time": time.time(), "step": step, "loss_avg": loss}) + "\n")
            if step % 10 == 0:
                handle.write(json.dumps({"event": "validation", "time": time.time(), "step": step, "valid_loss": loss + 0.1}) + "\n")
            handle.flush()
            time.sleep(1 / per_second)


async def rebuilds(seconds: float, hidden: bool) -> tuple[int, int]:
    """Plot rebuilds while events arrive for `seconds`, and the points drawn at the end."""
    count = {"renders": 0}
    original = LossPlot.render

    def counted(self):
        count["renders"] += 1
        return original(self)

    LossPlot.render = counted
    try:
        with tempfile.TemporaryDirectory(prefix="lstm-tui-chart-") as scratch:
            folder = Path(scratch) / "run"
            folder.mkdir()
            app = ChartApp()
            async with app.run_test(size=(120, 36)) as pilot:
                monitor = app.query_one(RunMonitor)
                monitor.follow(folder)
                if hidden:
                    await app.push_screen(Other())
                await pilot.pause()
                count["renders"] = 0
                stop = threading.Event()
                thread = threading.Thread(target=writer, args=(folder / "events.jsonl", stop, 10.0))
                thread.start()
                await pilot.pause(seconds)
                stop.set()
                thread.join()
                renders = count["renders"]
                return renders, len(monitor.train_losses)
    finally:
        LossPlot.render = original


async def main(seconds: float) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; python {platform.python_version()}; curve limit {MAX_POINTS} points")
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| monitor at | plot cells | points per curve | one render: CPU / wall ms (medians) |")
    print("|---|---|---|---|")
    for size in ((80, 24), (120, 36)):
        for points in (100, MAX_POINTS):
            cpu, wall, cells = await render_times(size, points)
            print(f"| {size[0]}×{size[1]} | {cells[0]}×{cells[1]} | {points:,} | {cpu:.1f} / {wall:.1f} |")
    for hidden in (False, True):
        renders, points = await rebuilds(seconds, hidden)
        where = "under another screen" if hidden else "shown"
        print(f"chart {where}: {renders} rebuilds in {seconds:.0f} s while 10 events/s arrived ({points} train points followed)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4.0, help="how long events arrive in the rebuild phases")
    asyncio.run(main(parser.parse_args().seconds))
