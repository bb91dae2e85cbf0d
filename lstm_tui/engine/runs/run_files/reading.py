"""Reading a run folder's files: JSON, npz (headers checked before data), symlinks refused; and
the check that model.npz's arrays fit a model before its weights are allocated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lstm_tui.engine.errors import UserError, brief
from lstm_tui.engine.model.language_model import ModelConfig
from lstm_tui.engine.runs.run_files.npz_headers import ArrayHeader, NpzProblem, read_headers

MAX_JSON_BYTES = 256 << 20  # a model.json with the largest vocabulary stays far below


class DamagedFile(UserError):
    """A run-folder file that cannot be used; `reason` is the short form a run list shows."""

    def __init__(self, path: Path, why: str, advice: str, reason: str | None = None) -> None:
        super().__init__(f"{path} {why}; {advice}")
        self.reason = reason or f"{path.name} {why}"
        """What is wrong, naming the file but not its folder (one line)."""


def inside(folder: Path, name: str) -> Path:
    """A file of the run folder; a symlink that leads outside it is refused."""
    path = Path(folder) / name
    if path.is_symlink():
        target = path.resolve()
        if Path(folder).resolve() not in target.parents:
            raise DamagedFile(path, f"is a symlink to {target}, outside the model folder", "refusing to follow it")
    return path


def read_json(path: Path, max_bytes: int = MAX_JSON_BYTES) -> object:
    """A JSON file of a run folder; missing, unreadable, too large or not JSON is a `DamagedFile`."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise DamagedFile(path, "is missing", "the folder is not a complete run (train it again or pick another)") from None
    except OSError as exc:
        raise DamagedFile(path, f"cannot be read ({exc.strerror or exc})", "check the file and its permissions") from None
    if len(data) > max_bytes:
        raise DamagedFile(path, f"is larger than {max_bytes >> 20} MiB", "it is not a file lstm-tui wrote")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise DamagedFile(path, f"is not valid JSON ({brief(exc)})", "the run folder is damaged") from None


def npz_headers(path: Path) -> dict[str, ArrayHeader]:
    """The arrays an npz file holds (name → shape and dtype), from their headers alone."""
    try:
        return read_headers(path)
    except FileNotFoundError:
        raise DamagedFile(path, "is missing", "the folder is not a complete run (train it again or pick another)") from None
    except NpzProblem as exc:
        if exc.pickled:
            raise DamagedFile(path, "contains pickled objects", "refusing to load it (pickles can run code)") from None
        raise DamagedFile(path, f"is corrupted or truncated ({exc})", "use another checkpoint") from None
    except OSError as exc:
        raise DamagedFile(path, f"cannot be read ({exc.strerror or exc})", "check the file and its permissions") from None


def read_npz(path: Path, only: str | None = None) -> dict[str, np.ndarray]:
    """Every array of an npz file (or the one named `only`, when it is there), after the headers
    are checked: no array larger than the file can hold is allocated, nothing is unpickled."""
    names = npz_headers(path)
    wanted = list(names) if only is None else [only] if only in names else []
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in wanted}
    except Exception as exc:  # noqa: BLE001 - zipfile, zlib and NumPy raise many kinds for a damaged file
        raise DamagedFile(path, f"is corrupted or truncated ({type(exc).__name__})", "use another checkpoint") from None


def check_weights(config: ModelConfig, headers: dict[str, ArrayHeader], path: Path, prefix: str = "") -> None:
    """The arrays a model of `config` needs are there, with its shapes, as floats: checked from the
    headers before anything is allocated, so a config asking for more memory than the weights
    hold is refused."""
    for name, shape in config.parameter_shapes().items():
        header = headers.get(prefix + name)
        if header is None:
            raise DamagedFile(path, f"does not match model.json (no weights for /{name})", "the run folder is damaged")
        if header.shape != shape:
            raise DamagedFile(path, f"does not match model.json (/{name} has shape {header.shape}, expected {shape})",
                              "the run folder is damaged")
        if header.dtype.kind != "f":
            raise DamagedFile(path, f"holds /{name} as {header.dtype}, not floating point", "it is not an lstm-tui model")
