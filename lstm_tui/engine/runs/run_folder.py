"""A run folder's layout: the names of its files, and where new runs go.

What the files hold is read and checked in `run_files`, the one place where what comes from disk
meets the rest of the program.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lstm_tui.paths import checkpoints_dir

if TYPE_CHECKING:
    from lstm_tui.engine.train.config import TrainConfig

MODEL_NPZ = "model.npz"
MODEL_JSON = "model.json"
EVAL_JSON = "eval.json"  # the last report `lstm-tui eval --record` kept in the folder
TRAINER_NPZ = "trainer.npz"
EVENTS = "events.jsonl"
LOCK = "train.lock"  # `HOST PID` of the trainer training the folder


def default_run_name(config: TrainConfig) -> str:
    """`<corpus>-<level>-<time>`: a new run's folder name when none is given."""
    corpus = (config.run.corpus or "builtin:pydoc").rstrip("/").replace("builtin:", "")
    stem = Path(corpus).stem or "corpus"
    return f"{stem}-{config.run.level}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def default_run_folder(config: TrainConfig, root: Path | None = None) -> Path:
    """Where a run goes when no folder is given, for the app and headless runs alike: under `root`,
    by default the checkpoints folder (`paths.checkpoints_dir`), which the app lists."""
    return (root if root is not None else checkpoints_dir()) / default_run_name(config)
