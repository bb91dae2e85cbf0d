"""A run's loss curves, and which record of the run they come from.

Two files record a run's losses: `events.jsonl` (a training loss about once a second, and every
validation) and model.json's `metrics.history` (one record per validation, with the training loss
at that step). A folder copied without its events (the shipped defaults) has only the second. The
rule, in one place for every view: the events when they hold any loss, else model.json's history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_files.event_lines import TrainingEvent
from lstm_tui.engine.runs.run_files.model_json import ModelMeta, read_model_meta

MAX_POINTS = 2000
"""Points a curve keeps: past it every other one is dropped, so a long run keeps its whole shape."""
EVENTS_SOURCE = "events.jsonl"
MODEL_JSON_SOURCE = "model.json"


@dataclass
class Curve:
    """One series of (step, loss): steps rise; thinned to at most `limit` points, the latest always kept."""

    limit: int = MAX_POINTS
    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    _stride: int = 1
    _seen: int = 0
    _latest_is_extra: bool = False

    def add(self, step: int, loss: float) -> bool:
        """Add a point (a non-finite loss is left out); a step at or before the last one means the run
        went back to an earlier checkpoint, so the points from that step on are dropped first."""
        if not math.isfinite(loss):
            return False
        self._drop_extra()
        while self.steps and self.steps[-1] >= step:
            self.steps.pop()
            self.losses.pop()
        self.steps.append(step)
        self.losses.append(loss)
        self._latest_is_extra = self._seen % self._stride != 0
        self._seen += 1
        if len(self.steps) > self.limit:
            self._thin()
        return True

    def __len__(self) -> int:
        return len(self.steps)

    def _drop_extra(self) -> None:
        """Drop the latest point if it is kept only because it is the latest."""
        if self._latest_is_extra:
            self.steps.pop()
            self.losses.pop()
            self._latest_is_extra = False

    def _thin(self) -> None:
        """Keep every other point (and the latest): the stride doubles."""
        latest = (self.steps[-1], self.losses[-1])
        self._drop_extra()
        self.steps, self.losses = self.steps[::2], self.losses[::2]
        self._stride *= 2
        if self.steps[-1] != latest[0]:
            self.steps.append(latest[0])
            self.losses.append(latest[1])
            self._latest_is_extra = True


@dataclass
class LossCurves:
    """A run's training and validation loss by step, and how many tokens one step trains on."""

    train: Curve = field(default_factory=Curve)
    """The smoothed training loss."""
    valid: Curve = field(default_factory=Curve)
    """The validation loss."""
    tokens_per_step: float | None = None
    """Tokens seen per training step (for a token axis); None when the run does not say."""
    source: str = ""
    """Which record the curves come from: `EVENTS_SOURCE`, `MODEL_JSON_SOURCE`, or "" (none)."""

    def __bool__(self) -> bool:
        return bool(self.train or self.valid)

    def add_event(self, event: TrainingEvent) -> bool:
        """Take what a training event says about the losses; True when a curve changed."""
        if event.kind == "started" and event.tokens_per_epoch and event.steps_per_epoch:
            self.tokens_per_step = event.tokens_per_epoch / event.steps_per_epoch * (event.ranks or 1)
        if event.step is None:
            return False
        if event.kind == "progress" and event.loss_avg is not None:
            return self.train.add(event.step, event.loss_avg)
        if event.kind == "validation" and event.valid_loss is not None:
            return self.valid.add(event.step, event.valid_loss)
        return False


def _finite(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def curves_from_meta(meta: ModelMeta) -> LossCurves:
    """model.json's `metrics.history`: the training loss and the validation loss at each validation.
    Records whose step or losses are not numbers are left out (the file is not trusted)."""
    curves = LossCurves(source=MODEL_JSON_SOURCE)
    for record in meta.metrics.history:
        step = record.get("step")
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            continue
        train, valid = _finite(record.get("train_loss")), _finite(record.get("valid_loss"))
        if train is not None:
            curves.train.add(step, train)
        if valid is not None:
            curves.valid.add(step, valid)
    if meta.tokens_seen and meta.step:
        curves.tokens_per_step = meta.tokens_seen / meta.step
    elif meta.train is not None:
        curves.tokens_per_step = float(meta.train.run.batch_size * meta.train.run.bptt)
    if not curves:
        curves.source = ""
    return curves


def recorded_curves(folder: Path) -> tuple[LossCurves, ModelMeta | None]:
    """The curves in a folder's model.json (empty, and no meta, when it is missing or damaged)."""
    try:
        meta = read_model_meta(folder)
    except UserError:
        return LossCurves(), None
    return curves_from_meta(meta), meta


class RunHistory:
    """The loss curves to draw for one run folder, fed with its events as they are read.

    `curves` are the events' while they hold any loss, else model.json's recorded history (read once,
    when first needed): a folder with only model.json still shows how its training went.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.from_events = LossCurves(source=EVENTS_SOURCE)
        """What the events read so far say."""
        self._recorded: tuple[LossCurves, ModelMeta | None] | None = None

    def add(self, event: TrainingEvent) -> bool:
        """Feed one event; True when the curves to draw changed."""
        had = bool(self.from_events)
        changed = self.from_events.add_event(event)
        return changed or had != bool(self.from_events)

    @property
    def curves(self) -> LossCurves:
        """The events' curves if they hold any loss, else model.json's history (possibly empty)."""
        if self.from_events:
            return self.from_events
        return self.recorded[0]

    @property
    def recorded(self) -> tuple[LossCurves, ModelMeta | None]:
        """model.json's curves and the meta they came from (read on first use)."""
        if self._recorded is None:
            self._recorded = recorded_curves(self.folder)
        return self._recorded


def read_loss_curves(folder: Path, events: list[TrainingEvent]) -> LossCurves:
    """The curves to draw for `folder` given its events (see `RunHistory`)."""
    history = RunHistory(folder)
    for event in events:
        history.add(event)
    return history.curves
