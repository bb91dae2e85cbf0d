"""How long training will take, before it starts: the corpus's tokens at a measured throughput.

The throughput is what an earlier run under the same checkpoints folder reached on this machine
(its tokens seen over its training time, validation included), scaled by how much work a token
costs in each model: the LSTM's multiply-adds grow with units × (embed + units) and the output
layer's with units × vocabulary. It is a rough guide (a small model is slower than the scaling
says), named as such where it is shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_files.model_json import read_model_meta
from lstm_tui.engine.runs.run_folder import MODEL_JSON
from lstm_tui.engine.train.config import TrainConfig

MIN_MEASURED_SECONDS = 30.0  # shorter runs are mostly start-up and validation


def token_cost(units: int, embed: int, vocab: int) -> float:
    """Multiply-adds a token costs the model (training costs a fixed multiple of it)."""
    return 4.0 * units * (embed + units) + 4.0 * units * (2 * units) + units * vocab


@dataclass(frozen=True)
class Throughput:
    """A run's measured speed, and the model size it was measured on."""

    run: str
    """The run's name."""
    tokens_per_second: float
    cost: float
    """`token_cost` of its model."""
    device: str
    """cpu, or the GPU it ran on."""

    def for_cost(self, cost: float) -> float:
        """Tokens a second for a model whose tokens cost `cost`."""
        return self.tokens_per_second * self.cost / cost


def measured(folder: Path) -> Throughput | None:
    """The throughput a run folder records, or None (no usable record)."""
    try:
        meta = read_model_meta(folder)
    except UserError:
        return None
    seconds, tokens = meta.elapsed_seconds or 0.0, meta.tokens_seen or 0
    cost = token_cost(meta.model.units, meta.model.embed, meta.model.vocab_size)
    if seconds < MIN_MEASURED_SECONDS or tokens <= 0 or cost <= 0:
        return None
    return Throughput(meta.name or folder.name, tokens / seconds, cost, meta.device or "cpu")


def measured_runs(root: Path) -> list[Throughput]:
    """The throughputs recorded by the runs under `root`, the most recently updated first."""
    try:
        folders = sorted((p for p in Path(root).iterdir() if p.is_dir()), key=_updated, reverse=True)
    except OSError:
        return []
    return [found for folder in folders if (found := measured(folder)) is not None]


def for_device(throughputs: list[Throughput], device: str) -> Throughput | None:
    """The first throughput measured on the kind of device `device` asks for (auto: any)."""
    kind = device.split(":")[0]
    return next((t for t in throughputs if kind == "auto" or t.device.startswith(kind)), None)


def _updated(folder: Path) -> float:
    try:
        return (folder / MODEL_JSON).stat().st_mtime
    except OSError:
        return 0.0


@dataclass(frozen=True)
class TrainingTime:
    """How long an epoch, and the whole run under its limits, should take."""

    train_tokens: int
    tokens_per_second: float
    epoch_seconds: float
    total_seconds: float | None
    """Until the first limit (None: the limits could not be read)."""
    measured_on: str
    """The run whose throughput this is scaled from."""


def training_time(config: TrainConfig, train_tokens: int, vocab: int, throughput: Throughput) -> TrainingTime:
    """The time per epoch of `train_tokens` tokens, and until the first of the config's limits."""
    run = config.run
    speed = throughput.for_cost(token_cost(run.units, run.effective_embed, vocab))
    epoch = train_tokens / speed
    limits = config.limits
    ends = []
    if limits.effective_epochs is not None:
        ends.append(limits.effective_epochs * epoch)
    if limits.max_steps is not None:
        ends.append(limits.max_steps * run.batch_size * run.bptt / speed)
    if limits.time_budget is not None:
        ends.append(limits.time_budget * 60.0)
    total = min(ends) if ends else None
    return TrainingTime(train_tokens, speed, epoch, total if total is None or math.isfinite(total) else None, throughput.run)
