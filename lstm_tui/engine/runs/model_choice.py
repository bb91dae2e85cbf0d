"""Which model opens when none is named: one rule for the app, `predict`, `generate` and `eval`.

A run the user only tried (a 50-step smoke run from the train screen) must not replace the model
they work with at the next launch, so the newest run is never picked by itself. What the user
chose to load in the app (a run on the models screen, `--model`, ctrl+l) is remembered in a
small state file in the checkpoints folder; without one, the shipped default opens; without that
(a checkout with no default model), the newest finished run.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from lstm_tui.engine.runs.atomic import atomic_write_text
from lstm_tui.engine.runs.run_folder import MODEL_JSON, MODEL_NPZ
from lstm_tui.engine.runs.run_list import list_runs
from lstm_tui.paths import default_model_dir

RULE = "the model last loaded in the app, else the shipped default model, else the newest finished run"
"""The rule in words, for `--help`."""
STATE_FILE = ".last-model.json"
"""Where the checkpoints folder remembers the model last chosen in the app."""


def holds_model(folder: Path) -> bool:
    """True when `folder` has the files a model loads from."""
    return (folder / MODEL_JSON).is_file() and (folder / MODEL_NPZ).is_file()


def remembered_model(checkpoints: Path) -> Path | None:
    """The model last chosen in the app, while it still holds a model; else None."""
    try:
        data = json.loads((Path(checkpoints) / STATE_FILE).read_text(encoding="utf-8"))
        folder = Path(data["folder"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return folder if folder.is_absolute() and holds_model(folder) else None


def remember_model(folder: Path, checkpoints: Path) -> None:
    """Remember `folder` as the model to open next time (quietly skipped where the checkpoints
    folder cannot be written: the choice is a convenience, never an error)."""
    state = json.dumps({"folder": str(Path(folder).expanduser().resolve())}, ensure_ascii=False)
    with contextlib.suppress(OSError):
        Path(checkpoints).mkdir(parents=True, exist_ok=True)
        atomic_write_text(Path(checkpoints) / STATE_FILE, state + "\n")


def model_to_open(given: Path | str | None, checkpoints: Path) -> Path | None:
    """`given` (resolved), else the `RULE`; None when there is no model anywhere."""
    if given:
        return Path(given).expanduser().resolve()
    remembered = remembered_model(checkpoints)
    if remembered is not None:
        return remembered
    default = default_model_dir()
    if holds_model(default):
        return default
    finished = [run for run in list_runs(Path(checkpoints)) if run.state == "finished"]
    return finished[0].folder if finished else None
