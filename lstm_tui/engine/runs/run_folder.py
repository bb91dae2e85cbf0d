"""A run folder's layout: the names of its files, where new runs go, and the run's state.

Every file of a run folder is read through `inside` (a symlink may not lead out of the folder),
`read_json` or `read_npz` (weights never unpickled): one place where what comes from disk is
checked before the rest of the engine sees it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_lock import live_owner
from lstm_tui.paths import checkpoints_dir

if TYPE_CHECKING:
    from lstm_tui.engine.train.config import TrainConfig

MODEL_NPZ = "model.npz"
MODEL_JSON = "model.json"
EVAL_JSON = "eval.json"  # the last report `lstm-tui eval --record` kept in the folder
TRAINER_NPZ = "trainer.npz"
EVENTS = "events.jsonl"


def default_run_name(config: TrainConfig) -> str:
    """`<corpus>-<level>-<time>`: a new run's folder name when none is given."""
    corpus = (config.run.corpus or "builtin:pydoc").rstrip("/").replace("builtin:", "")
    stem = Path(corpus).stem or "corpus"
    return f"{stem}-{config.run.level}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def default_run_folder(config: TrainConfig, root: Path | None = None) -> Path:
    """Where a run goes when no folder is given, for the app and headless runs alike: under `root`,
    by default the checkpoints folder (`paths.checkpoints_dir`), which the app lists."""
    return (root if root is not None else checkpoints_dir()) / default_run_name(config)


def inside(folder: Path, name: str) -> Path:
    """A file of the run folder; a symlink that leads outside it is refused."""
    path = folder / name
    if path.is_symlink():
        target = path.resolve()
        if folder.resolve() not in target.parents:
            raise UserError(f"{path} is a symlink to {target}, outside the model folder; refusing to follow it")
    return path


def read_json(path: Path) -> object:
    """A JSON file of a run folder; missing or not JSON is a UserError (other OSErrors pass)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path} is missing; the folder is not a complete run (train it again or pick another)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} is not valid JSON ({exc}); the run folder is damaged") from None


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an npz file, refusing pickled objects."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise UserError(f"{path} is missing; the folder is not a complete run (train it again or pick another)") from None
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise UserError(f"{path} contains pickled objects; refusing to load it (pickles can run code)") from None
        raise UserError(f"{path} is corrupted or truncated ({exc}); use another checkpoint") from None
    except (OSError, EOFError, Exception) as exc:  # zipfile.BadZipFile and friends
        raise UserError(f"{path} is corrupted or truncated ({type(exc).__name__}); use another checkpoint") from None


def run_state(folder: Path) -> str:
    """running / finished / interrupted / failed / unknown, from the lock and model.json."""
    folder = Path(folder)
    if live_owner(folder) is not None:
        return "running"
    try:
        meta = read_json(folder / MODEL_JSON)
        return str(meta.get("state", "interrupted")) if meta.get("state") != "running" else "interrupted"
    except (OSError, UserError):
        return "interrupted" if (folder / TRAINER_NPZ).exists() else "unknown"
