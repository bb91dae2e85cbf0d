"""Where a run is: its counters, its budget (steps and training time), throughput, ETA and the
fields of its `progress` events."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.lr_schedule import LearningRateSchedule

PROGRESS_SECONDS = 1.0  # at most one progress event per this many seconds (and one after step 1)


def now_utc() -> str:
    """A timestamp for model.json and the snapshot (UTC, whole seconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def perplexity(loss: float | None) -> float | None:
    """exp(loss) for people; None for no loss or a non-finite one."""
    if loss is None or not math.isfinite(loss):
        return None
    return float(math.exp(min(loss, 700.0)))


@dataclass
class RunProgress:
    """The counters of a run over all its sessions (what the snapshot saves, with the rate schedule)."""

    step: int = 0
    position: int = 0  # index into the training streams of the next window
    epoch: int = 0
    elapsed: float = 0.0  # training seconds over all sessions of this run
    tokens_seen: int = 0
    best_valid: float | None = None
    last_valid: float | None = None
    train_loss_ema: float | None = None
    history: list[dict] = field(default_factory=list)  # one record per validation
    created: str = field(default_factory=now_utc)
    test_loss: float | None = None  # measured at the end of a finished session; not in the snapshot

    def epochs(self, stream_length: int) -> float:
        """Epochs done, with the share of the current one."""
        return self.epoch + self.position / stream_length


@dataclass(frozen=True)
class Budget:
    """When a run ends on its own: after `total_steps` steps and/or `deadline` training seconds."""

    total_steps: int | None
    deadline: float | None

    @classmethod
    def of(cls, config: TrainConfig, steps_per_epoch: int) -> "Budget":
        """The nearer of the epoch and step limits, and the time budget in seconds."""
        totals = []
        epochs = config.limits.effective_epochs
        if epochs is not None:
            totals.append(int(math.ceil(epochs * steps_per_epoch)))
        if config.limits.max_steps is not None:
            totals.append(config.limits.max_steps)
        deadline = config.limits.time_budget * 60.0 if config.limits.time_budget is not None else None
        return cls(min(totals) if totals else None, deadline)

    def used(self, step: int, elapsed: float) -> float | None:
        """The share of the budget spent, by the nearer limit (None when the run has no limit)."""
        used = None
        if self.total_steps:
            used = step / self.total_steps
        if self.deadline:
            used = max(used or 0.0, elapsed / self.deadline)
        return used


class Session:
    """One call of `Trainer.run`: where it started, for throughput and the run's training time."""

    def __init__(self, progress: RunProgress) -> None:
        self.started = time.perf_counter()
        self.elapsed_at_start = progress.elapsed
        self.tokens_at_start = progress.tokens_seen

    def tokens_per_second(self, progress: RunProgress, now: float | None = None) -> float:
        """Tokens trained per second in this session (up to `now`, a `perf_counter` time)."""
        seconds = (time.perf_counter() if now is None else now) - self.started
        return (progress.tokens_seen - self.tokens_at_start) / max(seconds, 1e-9)


def progress_fields(
    progress: RunProgress,
    loss: float,
    budget: Budget,
    schedule: LearningRateSchedule,
    rate: float,
    tokens_per_step: int,
    stream_length: int,
) -> dict:
    """A `progress` event: the step, losses, throughput (`rate` tokens/s), ETA and the rate in use."""
    steps_per_second = rate / max(tokens_per_step, 1)
    etas = []
    if budget.total_steps is not None and steps_per_second > 0:
        etas.append((budget.total_steps - progress.step) / steps_per_second)
    if budget.deadline is not None:
        etas.append(max(budget.deadline - progress.elapsed, 0.0))
    used = budget.used(progress.step, progress.elapsed)
    return {
        "step": progress.step,
        "total_steps": budget.total_steps,
        "epoch": progress.epochs(stream_length),
        "loss": loss,
        "loss_avg": progress.train_loss_ema,
        "perplexity": perplexity(progress.train_loss_ema),
        "tokens_per_second": rate,
        "elapsed": progress.elapsed,
        "eta": min(etas) if etas else None,
        "fraction": min(used, 1.0) if used is not None else None,
        "lr": schedule.rate(used or 0.0),
    }
