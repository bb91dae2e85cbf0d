"""Follow any run folder's `events.jsonl` and render it: progress with ETA, loss charts, log, sample.

The same widget watches a training started from the train screen, one resumed from the models
screen, and one started headless over SSH: all of them only write events to their run folder.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ProgressBar, RichLog, Static

from lstm_tui.engine.runs.events import EventFollower
from lstm_tui.engine.runs.loss_history import LossCurves, RunHistory
from lstm_tui.engine.runs.run_files.event_lines import TrainingEvent
from lstm_tui.engine.runs.run_files.model_json import ModelMeta
from lstm_tui.engine.runs.run_folder import EVENTS
from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.tui import format as fmt
from lstm_tui.tui.widgets.loss_chart import LossChart, chart_bindings

POLL_SECONDS = 0.25  # the chart is handed new curves at most this often, and only when they changed
LIVE_SLACK = 2.0  # seconds: events this much older than the attach time count as history
ROOM_ROWS = 7 + 4  # the least readable chart (a legend, three rows of plot, its axis) and the least log
ENDINGS = ("finished", "interrupted", "failed")
STEP_EVENTS = ("validation", "sample", "checkpoint")  # events between progress events that carry a later step


def one_line(text: str) -> str:
    """Untrusted text for a single line: neutralised, newlines and tabs shown as ↵ and ⇥."""
    return neutralise(text).replace("\n", "↵").replace("\t", "⇥")


class RunMonitor(Widget):
    """Follows one run folder (set with `follow`) and shows what its trainer reports.

    A folder with no events (a copied or shipped model) shows what its model.json recorded instead.
    """

    BINDINGS = chart_bindings("toggle_chart")

    class CheckpointSaved(Message):
        """A checkpoint landed in the followed folder."""

        def __init__(self, folder: Path, step: int | None, status: str, live: bool) -> None:
            super().__init__()
            self.folder = folder
            """The run folder (it holds the new model.npz/model.json)."""
            self.step = step
            """The training step of the checkpoint."""
            self.status = status
            """running / finished / interrupted."""
            self.live = live
            """False for checkpoints replayed from the history of the file."""

    class RunEnded(Message):
        """The followed run finished, was interrupted, or failed."""

        def __init__(self, folder: Path, event: TrainingEvent, live: bool) -> None:
            super().__init__()
            self.folder = folder
            """The run folder."""
            self.event = event
            """The engine's finished / interrupted / failed event."""
            self.live = live
            """False when the ending was replayed from the history of the file."""

        @property
        def kind(self) -> str:
            """finished, interrupted or failed."""
            return self.event.kind

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.folder: Path | None = None
        """The run folder being followed (None: nothing)."""
        self.state = "idle"
        """idle, waiting, running, finished, interrupted or failed."""
        self.history: RunHistory | None = None
        """The followed folder's loss curves (its events', or model.json's history without them)."""
        self.last_progress: TrainingEvent | None = None
        """The latest progress event."""
        self.started: TrainingEvent | None = None
        """The latest started event."""
        self.ending: TrainingEvent | None = None
        """The finished / interrupted / failed event, once the run ended."""
        self.skipped = 0
        """Lines of the followed events.jsonl skipped as malformed (told once per new count)."""
        self._follower: EventFollower | None = None
        self._since: float | None = None
        self._attached = 0.0
        self._dirty = False

    def compose(self) -> ComposeResult:
        yield Static("no run followed", id="run-title")
        with Horizontal(id="run-progress-row"):
            yield ProgressBar(total=1000, show_eta=False, id="run-progress")  # never indeterminate: it animates
            yield Static("", id="run-eta")
        yield Static("", id="run-stats")
        yield LossChart(id="loss-chart")
        yield Static("", id="run-sample")
        yield RichLog(id="run-log", wrap=True, max_lines=2000, markup=False)

    def on_mount(self) -> None:
        self._timer = self.set_interval(POLL_SECONDS, self.poll, pause=True)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Where the chart would be squeezed (a short terminal, a long run table above), leave out
        the progress bar and the log (class `-short`): the chart keeps its axes."""
        shown = sum(self.query_one(name).outer_size.height for name in ("#run-title", "#run-stats", "#run-sample"))
        progress = self.query_one("#run-progress-row").styles  # shown or not: its rows with their margin
        progress_rows = 1 + progress.margin.top + progress.margin.bottom
        self.set_class(self.size.height - shown < progress_rows + ROOM_ROWS, "-short")

    def follow(self, folder: Path | None, since: float | None = None) -> None:
        """Start following `folder` (replaying its history); events before `since` are skipped."""
        self.folder = Path(folder) if folder is not None else None
        self._since = since
        self._attached = time.time()
        self.state = "waiting" if folder is not None else "idle"
        self.history = RunHistory(self.folder) if self.folder is not None else None
        self.last_progress = self.started = self.ending = None
        self.skipped = 0
        self._follower = EventFollower(self.folder / EVENTS) if self.folder is not None else None
        self.query_one("#run-log", RichLog).clear()
        self.query_one("#run-progress", ProgressBar).update(total=1000, progress=0)
        self.query_one("#run-eta", Static).update("")
        self.query_one("#run-stats", Static).update("")
        self.query_one("#run-sample", Static).update("")
        self.remove_class("-has-sample")  # no empty row before the first sample (app.tcss)
        self._show_losses()
        if self.folder is None:
            self.query_one("#run-title", Static).update("no run followed")
            self._timer.pause()
            return
        self.query_one("#run-title", Static).update(Text(f"{one_line(self.folder.name)}: no training events yet"))
        self.poll()
        if not (self.folder / EVENTS).exists():
            self._show_recorded()
        self.call_after_refresh(self._fit)
        self._timer.resume()

    @property
    def train_losses(self) -> list[float]:
        """The training losses on the chart."""
        return list(self.history.curves.train.losses) if self.history is not None else []

    @property
    def valid_losses(self) -> list[float]:
        """The validation losses on the chart."""
        return list(self.history.curves.valid.losses) if self.history is not None else []

    def action_toggle_chart(self, setting: str) -> None:
        """Flip a chart setting: log scale, perplexity, or tokens on the x axis."""
        self.query_one(LossChart).toggle(setting)

    def poll(self) -> None:
        """Read and render the events appended since the last poll."""
        if self._follower is None:
            return
        for event in self._follower.poll():
            if self._since is not None and event.time < self._since:
                continue
            self._handle(event, live=event.time >= self._attached - LIVE_SLACK)
            if self.history is not None and self.history.add(event):
                self._dirty = True
        if self._follower.skipped != self.skipped:
            self.skipped = self._follower.skipped
            self._log(f"{self.skipped:,} malformed line{'s' if self.skipped != 1 else ''} of {EVENTS} skipped", "yellow")
        if self._dirty:
            self._dirty = False
            self._show_progress()
            self._show_losses()
            self.call_after_refresh(self._fit)  # the header may have grown or shrunk a line

    # rendering -----------------------------------------------------------------------------
    def _log(self, text: str, style: str = "") -> None:
        self.query_one("#run-log", RichLog).write(Text(neutralise(text), style=style))

    def _handle(self, event: TrainingEvent, live: bool) -> None:
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is not None:
            handler(event, live)
            if event.kind in STEP_EVENTS:
                self._advance_to(event)

    def _advance_to(self, event: TrainingEvent) -> None:
        """Move the header to the step of an event between progress events (at most one a second),
        so it never shows an older step than the log below it."""
        shown, step = self.last_progress, event.step
        if shown is None or step is None or step <= (shown.step or 0):
            return
        moved = {"step": step}
        for name in ("epoch", "elapsed"):
            if getattr(event, name) is not None:
                moved[name] = getattr(event, name)
        if shown.total_steps:  # the share of the budget is at least the share of the steps
            moved["fraction"] = min(1.0, max(shown.fraction or 0.0, step / shown.total_steps))
        self.last_progress = dataclasses.replace(shown, **moved)
        self._dirty = True

    def _on_started(self, event: TrainingEvent, live: bool) -> None:
        self.started = event
        self.ending = None
        self.state = "running"
        title = Text.assemble(
            (one_line(event.name or "run"), "bold"),
            f" on {one_line(event.device or '?')} · {fmt.count(event.parameters)} parameters"
            f" · vocabulary {fmt.count(event.vocab)} · {fmt.count(event.train_tokens)} training tokens",
        )
        self.query_one("#run-title", Static).update(title)
        what = "resumed" if event.resumed else "started"
        self._log(f"{what} at step {event.step or 0} → {event.folder or self.folder}", "bold")

    def _on_progress(self, event: TrainingEvent, live: bool) -> None:
        self.last_progress = event
        if self.state == "waiting":
            self.state = "running"
        self._dirty = True

    def _show_progress(self) -> None:
        event = self.last_progress
        if self.ending is not None:
            self._show_ending(self.ending)
        if event is None or self.ending is not None:
            return
        if event.fraction is not None:
            self.query_one("#run-progress", ProgressBar).update(total=1000, progress=round(event.fraction * 1000))
        total = event.total_steps
        self.query_one("#run-eta", Static).update(f"ETA {fmt.seconds(event.eta)}" if event.eta is not None else "")
        stats = (
            f"step {fmt.count(event.step)}{'/' + format(total, ',') if total else ''} · epoch {fmt.number(event.epoch)}"
            f" · loss {fmt.number(event.loss_avg, 3)} · ppl {fmt.number(event.perplexity)}"
            f" · lr {fmt.rate(event.lr)} · {fmt.count(round(event.tokens_per_second or 0))} tokens/s"
            f" · elapsed {fmt.seconds(event.elapsed)}"
        )
        self.query_one("#run-stats", Static).update(stats)

    def _show_ending(self, event: TrainingEvent) -> None:
        bar = self.query_one("#run-progress", ProgressBar)
        if self.state == "finished":
            bar.update(total=1000, progress=1000)
        elif self.last_progress is not None and self.last_progress.fraction is not None:
            bar.update(total=1000, progress=round(self.last_progress.fraction * 1000))
        self.query_one("#run-eta", Static).update({"finished": "done", "interrupted": "stopped"}.get(self.state, "failed"))
        if self.state == "failed":
            stats = f"failed at step {fmt.count(event.step)}"
        else:
            stats = (
                f"{self.state} at step {event.step or 0:,} · valid ppl {fmt.number(event.valid_ppl)}"
                f" · test ppl {fmt.number(event.test_ppl)} · {fmt.count(round(event.tokens_per_second or 0))} tokens/s"
                f" · elapsed {fmt.seconds(event.elapsed)}"
            )
        self.query_one("#run-stats", Static).update(stats)

    def _on_validation(self, event: TrainingEvent, live: bool) -> None:
        self._dirty = True
        rate = f", lr {fmt.rate(event.lr)}" if event.lr is not None else ""  # where the event carries it
        self._log(
            f"validation at step {fmt.count(event.step)}: loss {fmt.number(event.valid_loss, 4)}, perplexity {fmt.number(event.valid_ppl)}"
            f" (train loss {fmt.number(event.train_loss, 4)}{rate})"
        )

    def _on_sample(self, event: TrainingEvent, live: bool) -> None:
        text = neutralise(event.text or "")
        self.add_class("-has-sample")
        self.query_one("#run-sample", Static).update(
            Text.assemble((f"sample at step {fmt.count(event.step)}:\n", "bold"), text)
        )

    def _on_checkpoint(self, event: TrainingEvent, live: bool) -> None:
        status = event.status or "running"
        self._log(f"checkpoint ({status}) at step {fmt.count(event.step)}", "dim")
        if self.folder is not None:
            self.post_message(self.CheckpointSaved(self.folder, event.step, status, live))

    def _on_notice(self, event: TrainingEvent, live: bool) -> None:
        self._log(event.message or "", "yellow")

    def _on_finished(self, event: TrainingEvent, live: bool) -> None:
        summary = f"finished: valid ppl {fmt.number(event.valid_ppl)}, test ppl {fmt.number(event.test_ppl)}"
        self._end(event, live, summary, "green")

    def _on_interrupted(self, event: TrainingEvent, live: bool) -> None:
        summary = f"stopped at step {fmt.count(event.step)}: checkpoint saved, resume from the Models screen (F4)"
        self._end(event, live, summary, "yellow")

    def _on_failed(self, event: TrainingEvent, live: bool) -> None:
        self._end(event, live, f"failed: {event.reason or '?'}", "red")

    def _end(self, event: TrainingEvent, live: bool, summary: str, style: str) -> None:
        self.state = event.kind
        self.ending = event
        self._dirty = True
        folder = event.folder or (str(self.folder) if self.folder else "?")
        self._log(f"{summary} — {folder}", f"bold {style}")
        if self.folder is not None:
            self.post_message(self.RunEnded(self.folder, event, live))

    def _show_losses(self) -> None:
        self.query_one(LossChart).show(self.history.curves if self.history is not None else LossCurves())

    def _show_recorded(self) -> None:
        """A folder without events: the run as its model.json describes it (the chart shows its history)."""
        assert self.history is not None
        curves, meta = self.history.recorded
        if meta is None:
            return
        title = Text.assemble(
            (one_line(meta.name or self.history.folder.name), "bold"),
            f" on {one_line(meta.device or '?')} · {fmt.count(meta.parameters)} parameters · vocabulary {fmt.count(len(meta.vocab))}",
        )
        self._log(f"no {EVENTS} in this folder: " + ("the chart shows the history model.json recorded" if curves
                                                     else "model.json records no history either"), "dim")
        self.query_one("#run-title", Static).update(title)
        self.query_one("#run-stats", Static).update(recorded_stats(meta))
        if meta.state == "finished":
            self.query_one("#run-progress", ProgressBar).update(total=1000, progress=1000)
            self.query_one("#run-eta", Static).update("done")


def recorded_stats(meta: ModelMeta) -> str:
    """`finished at step 1,023 · valid ppl 3.69 · test ppl 3.13 · elapsed 12:00`, from model.json."""
    metrics = meta.metrics
    return (
        f"{meta.state or 'saved'} at step {fmt.count(meta.step)} · valid ppl {fmt.number(metrics.valid_ppl)}"
        f" · test ppl {fmt.number(metrics.test_ppl)} · elapsed {fmt.seconds(meta.elapsed_seconds)}"
    )
