"""Which model opens when none is named: one rule for the app, `predict`, `generate` and `eval`.

A run the user only tried (a 50-step smoke run from the train screen) must not replace the model
they work with at the next launch, so the newest run is never picked by itself. What the user
chose to load in the app (a run on the models screen, `--model`, ctrl+l) is remembered in a
small state file in the checkpoints folder; without one, the shipped default opens — the Japanese
one (`default-ja`) where the user's locale is Japanese and it is there; without that (a checkout
with no default model), the newest finished run.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lstm_tui.engine.runs.atomic import atomic_write_text
from lstm_tui.engine.runs.run_folder import MODEL_JSON, MODEL_NPZ
from lstm_tui.engine.runs.run_list import list_runs
from lstm_tui.paths import default_model_dir

RULE = ("the model last loaded in the app, else the shipped default model — default-ja in a Japanese locale, "
        "when it is there — else the newest finished run")
"""The rule in words, for `--help`."""
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
"""Where the user's language is read, in POSIX order: the first one set decides."""


@dataclass(frozen=True)
class ShippedModel:
    """A default model that comes with lstm-tui, and whether it is here."""

    name: str
    """Its folder name (`default`, `default-ja`): what the status line shows."""
    language: str
    """What it predicts, in a few words."""
    folder: Path

    @property
    def present(self) -> bool:
        """True when its folder holds a model (a checkout may not have `default-ja` yet)."""
        return holds_model(self.folder)


SHIPPED = (("default", "English, characters"), ("default-ja", "Japanese"))
"""The shipped defaults by folder name, the English one first."""
JAPANESE_DEFAULT = "default-ja"
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


def shipped_models() -> list[ShippedModel]:
    """The shipped default models, present or not (`default_model_dir` says where)."""
    return [ShippedModel(name, language, default_model_dir(name)) for name, language in SHIPPED]


def japanese_default() -> Path | None:
    """The shipped Japanese model's folder, when it is here."""
    folder = default_model_dir(JAPANESE_DEFAULT)
    return folder if holds_model(folder) else None


def locale_is_japanese(environ: Mapping[str, str]) -> bool:
    """True when the first of LC_ALL, LC_MESSAGES, LANG that is set names Japanese (`ja_JP.UTF-8`, `ja`)."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name)
        if value:
            return value.lower().startswith("ja")
    return False


def model_to_open(given: Path | str | None, checkpoints: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    """`given` (resolved), else the `RULE` (the locale read from `environ`, default the process's
    environment); None when there is no model anywhere."""
    if given:
        return Path(given).expanduser().resolve()
    remembered = remembered_model(checkpoints)
    if remembered is not None:
        return remembered
    japanese = japanese_default() if locale_is_japanese(os.environ if environ is None else environ) else None
    if japanese is not None:
        return japanese
    default = default_model_dir()
    if holds_model(default):
        return default
    finished = [run for run in list_runs(Path(checkpoints)) if run.state == "finished"]
    return finished[0].folder if finished else None
