"""An events.jsonl line → `TrainingEvent`: what a trainer reported, checked field by field."""

from __future__ import annotations

import json
from dataclasses import dataclass

from lstm_tui.engine.runs.run_files.checks import Invalid, checked, flag, from_json, maybe, number, one_of, text, whole

CHECKPOINT_STATUSES = ("running", "finished", "interrupted", "failed")  # a checkpoint event's "status"
EVENT_TYPES = ("started", "progress", "validation", "sample", "checkpoint", "finished", "interrupted", "failed", "notice")
MAX_EVENT_LINE = 1 << 20  # bytes: a longer line is not one the trainer wrote

_count = maybe(whole(0))
_value = maybe(number())
_positive = maybe(number(0.0))
_line = maybe(text())
_long_text = maybe(text(MAX_EVENT_LINE))


@dataclass(frozen=True)
class TrainingEvent:
    """One line of events.jsonl: what a trainer reported (fields a kind does not use are None)."""

    kind: str = checked(one_of(*EVENT_TYPES), key="event")
    time: float = checked(number(0.0), 0.0)
    step: int | None = checked(_count, None)
    total_steps: int | None = checked(_count, None)
    epoch: float | None = checked(_positive, None)
    fraction: float | None = checked(maybe(number(0.0, 1.0)), None)
    eta: float | None = checked(_positive, None)
    elapsed: float | None = checked(_positive, None)
    time_budget: float | None = checked(_positive, None)
    tokens_per_second: float | None = checked(_positive, None)
    loss: float | None = checked(_value, None)
    loss_avg: float | None = checked(_value, None)
    perplexity: float | None = checked(_value, None)
    lr: float | None = checked(_value, None)
    valid_loss: float | None = checked(_value, None)
    valid_ppl: float | None = checked(_value, None)
    train_loss: float | None = checked(_value, None)
    test_loss: float | None = checked(_value, None)
    test_ppl: float | None = checked(_value, None)
    name: str | None = checked(_line, None)
    folder: str | None = checked(_line, None)
    path: str | None = checked(_line, None)
    device: str | None = checked(_line, None)
    message: str | None = checked(_line, None)
    reason: str | None = checked(_line, None)
    status: str | None = checked(maybe(one_of(*CHECKPOINT_STATUSES)), None)
    text: str | None = checked(_long_text, None)
    resumed: bool | None = checked(maybe(flag), None)
    ranks: int | None = checked(maybe(whole(1)), None)
    vocab: int | None = checked(_count, None)
    parameters: int | None = checked(_count, None)
    train_tokens: int | None = checked(_count, None)
    valid_tokens: int | None = checked(_count, None)
    test_tokens: int | None = checked(_count, None)
    tokens_per_epoch: int | None = checked(_count, None)
    steps_per_epoch: int | None = checked(_count, None)


def parse_event(line: bytes) -> TrainingEvent:
    """One events.jsonl line; `Invalid` (a ValueError) when it is not an event this version knows."""
    if len(line) > MAX_EVENT_LINE:
        raise Invalid("the line", f"is longer than {MAX_EVENT_LINE:,} bytes")
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        raise Invalid("the line", "is not JSON") from None
    return from_json(TrainingEvent, data)
