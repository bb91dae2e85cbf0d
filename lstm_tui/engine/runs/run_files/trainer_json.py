"""trainer.npz's scalar state → `TrainerState`: where a run stands, checked before resume uses it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_tui.engine.errors import brief
from lstm_tui.engine.runs.run_files.checks import checked, from_json, items, json_object, maybe, number, one_of, record, text, whole
from lstm_tui.engine.runs.run_files.reading import DamagedFile

_count = maybe(whole(0))
_value = maybe(number())
_line = maybe(text())


@dataclass(frozen=True)
class PcgCounter:
    state: int = checked(whole(0, 2**128 - 1))
    inc: int = checked(whole(0, 2**128 - 1))


@dataclass(frozen=True)
class RngState:
    """A NumPy PCG64 generator's state, as `bit_generator.state` gives it."""

    bit_generator: str = checked(one_of("PCG64"))
    state: PcgCounter = checked(record(PcgCounter))
    has_uint32: int = checked(whole(0, 1))
    uinteger: int = checked(whole(0, 2**32 - 1))


@dataclass(frozen=True)
class TrainerState:
    """trainer.npz's scalar state: where the run stands, to continue it exactly."""

    step: int = checked(whole(0))
    position: int = checked(whole(0))
    epoch: int = checked(whole(0))
    elapsed: float = checked(number(0.0))
    tokens_seen: int = checked(whole(0))
    lr: float = checked(number(0.0))
    rng: RngState = checked(record(RngState))
    best_valid: float | None = checked(_value, None)
    last_valid: float | None = checked(_value, None)
    train_loss_ema: float | None = checked(_value, None)
    stale_validations: int = checked(whole(0), 0)
    plateau_start: int = checked(whole(0), 0)  # older snapshots: the plateau counts from the start
    history: list = checked(items(json_object), [])
    created: str | None = checked(_line, None)
    average_updates: int | None = checked(_count, None)
    rank_rngs: list | None = checked(maybe(items(record(RngState))), None)


def parse_trainer_state(encoded: np.ndarray | None, path: Path) -> TrainerState:
    """trainer.npz's `meta` array (JSON text) checked."""
    def unreadable(why: object) -> DamagedFile:
        return DamagedFile(path, f"has an unreadable trainer state ({why})", "it cannot be resumed")

    if encoded is None or encoded.dtype.kind != "U" or encoded.shape != ():
        raise unreadable("no state")
    try:
        return from_json(TrainerState, json.loads(str(encoded)))
    except (ValueError, RecursionError) as exc:
        raise unreadable(brief(exc, 200)) from None
