"""What a checkpoint holds and how a resumed run takes it back.

`trainer.npz` is the resume point: weights, optimizer, LSTM states of all B streams, the weight
average, and a JSON state (counters, learning-rate schedule, dropout RNGs). `model.json` describes
the model for predictors and people. The keys and their order are the on-disk format that existing
run folders use; resume restores every one of them, so the loss curve continues exactly.
"""

from __future__ import annotations

import dataclasses
import platform
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np

from lstm_tui import __version__
from lstm_tui.engine.data.dataset import Dataset
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.model.language_model import LanguageModel
from lstm_tui.engine.runs.model_file import read_meta, write_meta, write_model
from lstm_tui.engine.runs.run_files.model_json import ModelMeta
from lstm_tui.engine.runs.run_files.trainer_json import TrainerState
from lstm_tui.engine.runs.trainer_state import write_trainer_snapshot
from lstm_tui.engine.runtime.chainer_compat import chainer
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.lr_schedule import LearningRateSchedule
from lstm_tui.engine.train.processes import Processes
from lstm_tui.engine.train.progress import RunProgress, now_utc, perplexity
from lstm_tui.engine.train.weight_average import WeightAverage


class SaveError(UserError):
    """A checkpoint could not be written (disk full, folder made read-only); the old one stays."""


def _layers(model: LanguageModel):
    return (("lstm1", model.lstm1), ("lstm2", model.lstm2))


# trainer.npz ------------------------------------------------------------------------------
def lstm_states(model: LanguageModel, processes: Processes) -> dict[str, np.ndarray]:
    """The LSTM states of all B streams in stream order, on rank 0 ({} on the other ranks)."""
    arrays = {}
    cpu = chainer.backend.CpuDevice()
    for name, layer in _layers(model):
        if layer.h is not None:
            arrays[f"{name}_h"] = cpu.send(layer.h)
            arrays[f"{name}_c"] = cpu.send(layer.c)
    return processes.gather_rows(arrays)


def restore_lstm_states(model: LanguageModel, arrays: dict[str, np.ndarray], processes: Processes) -> None:
    """Each rank takes its block of the saved streams' states."""
    xp = model.xp
    for name, layer in _layers(model):
        if f"state/{name}_h" in arrays:
            rows = processes.block(len(arrays[f"state/{name}_h"]))
            layer.h = xp.asarray(arrays[f"state/{name}_h"][rows])
            layer.c = xp.asarray(arrays[f"state/{name}_c"][rows])


def snapshot_state(progress: RunProgress, schedule: LearningRateSchedule, rng: np.random.Generator,
                   average: WeightAverage | None, processes: Processes) -> dict:
    """The JSON state of trainer.npz (every rank calls it: the ranks' RNGs are gathered)."""
    state = {
        "step": progress.step,
        "position": progress.position,
        "epoch": progress.epoch,
        "elapsed": progress.elapsed,
        "tokens_seen": progress.tokens_seen,
        "lr": schedule.lr,
        "rng": rng.bit_generator.state,
        "best_valid": progress.best_valid,
        "last_valid": progress.last_valid,
        "train_loss_ema": progress.train_loss_ema,
        "stale_validations": schedule.stale_validations,
        "plateau_start": schedule.plateau_start,
        "history": progress.history,
        "created": progress.created,
    }
    if average is not None:
        state["average_updates"] = average.updates
    if processes.distributed:
        state["rank_rngs"] = processes.gather(rng.bit_generator.state)  # rank 0: every rank's dropout RNG
    return state


def restore_state(state: TrainerState, meta: ModelMeta, path: Path, schedule: LearningRateSchedule,
                  rng: np.random.Generator, processes: Processes) -> RunProgress:
    """The counters of a (checked) snapshot; the schedule and this rank's dropout RNG are set from it."""
    progress = RunProgress(
        step=state.step,
        position=state.position,
        epoch=state.epoch,
        elapsed=state.elapsed,
        tokens_seen=state.tokens_seen,
        best_valid=state.best_valid,
        last_valid=state.last_valid,
        train_loss_ema=state.train_loss_ema,
        history=list(state.history),
        created=state.created or meta.created or now_utc(),
    )
    schedule.lr = state.lr
    schedule.stale_validations = state.stale_validations
    schedule.plateau_start = state.plateau_start
    try:
        rng.bit_generator.state = _saved_rng(state, rng, processes)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{path} has an unreadable trainer state ({exc}); it cannot be resumed") from None
    return progress


def _saved_rng(state: TrainerState, rng: np.random.Generator, processes: Processes) -> dict:
    """This rank's dropout RNG state from a snapshot."""
    if state.rank_rngs is not None and len(state.rank_rngs) == processes.size:
        return dataclasses.asdict(state.rank_rngs[processes.rank])
    if processes.is_main:
        return dataclasses.asdict(state.rng)
    return rng.bit_generator.state  # saved with another number of ranks: keep this rank's own seed


# model.json -------------------------------------------------------------------------------
def model_meta(name: str, config: TrainConfig, data: Dataset, model: LanguageModel, progress: RunProgress,
               device: str, status: str, parent: dict | None = None) -> dict:
    """model.json: everything needed to rebuild, reproduce and describe the model (and, for a
    fine-tuned run, the model it started from)."""
    valid = progress.last_valid
    return {
        "name": name,
        "level": config.run.level,
        "tokenizer": data.tokenizer,
        "model": model.config.to_dict(),
        "vocab": data.vocab.to_json(),
        "train": config.to_dict(),
        "corpus": data.corpus.info(),
        **({"parent": parent} if parent is not None else {}),
        "metrics": {
            "valid_loss": valid,
            "valid_ppl": perplexity(valid),
            "best_valid_loss": progress.best_valid,
            "test_loss": progress.test_loss,
            "test_ppl": perplexity(progress.test_loss),
            "history": progress.history,
        },
        "parameters": model.parameter_count(),
        "state": status,
        "step": progress.step,
        "epoch": progress.epoch,
        "tokens_seen": progress.tokens_seen,
        "elapsed_seconds": round(progress.elapsed, 2),
        "device": device,
        "seed": config.run.seed,
        "versions": _versions(),
        "created": progress.created,
        "updated": now_utc(),
    }


def _versions() -> dict:
    return {
        "lstm_tui": __version__,
        "chainer": chainer.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def write_checkpoint(folder: Path, model: LanguageModel, optimizer, average: WeightAverage | None,
                     arrays: dict[str, np.ndarray], state: dict, meta: Callable[[], dict],
                     weights_in_use: Callable[[], AbstractContextManager]) -> SaveError | None:
    """Trainer snapshot first (the resume point), then the model for predictors; the error, if any."""
    try:
        averages = average.to_arrays() if average is not None else {}
        write_trainer_snapshot(folder, model, optimizer, arrays, state, averages)
        with weights_in_use():
            write_model(folder, model, meta())
    except OSError as exc:
        return SaveError(
            f"could not save a checkpoint in {folder} ({exc.strerror or exc}); the previous checkpoint is intact — "
            f"free some space or make the folder writable, then resume"
        )
    return None


def mark_state(folder: Path, status: str) -> None:
    """Set model.json's state (the weights stay those of the last good checkpoint)."""
    try:
        meta = read_meta(folder)
        meta.pop("format_version", None)
        meta["state"] = status
        write_meta(folder, meta)
    except UserError:
        pass
