"""The trainer snapshot (`trainer.npz`): everything resume needs to continue a run exactly.

Weights, optimizer state, LSTM states and the data position go into one npz written atomically,
with the scalar state as JSON under the key `meta`, so a crash mid-save leaves the previous one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.atomic import atomic_write_bytes
from lstm_tui.engine.runs.model_file import arrays_of, npz_bytes
from lstm_tui.engine.runs.run_files.model_json import read_model_meta
from lstm_tui.engine.runs.run_files.reading import DamagedFile, check_weights, inside, npz_headers, read_npz
from lstm_tui.engine.runs.run_files.trainer_json import TrainerState, parse_trainer_state
from lstm_tui.engine.runs.run_folder import TRAINER_NPZ
from lstm_tui.engine.runtime.chainer_compat import serializers


def write_trainer_snapshot(folder: Path, model, optimizer, arrays: dict[str, np.ndarray], state: dict,
                           extra: dict[str, np.ndarray] | None = None) -> None:
    """One atomic file with everything resume needs: weights, optimizer, LSTM states, position
    (and `extra` arrays under their own keys, e.g. the weight average's)."""
    payload = {f"model/{k}": v for k, v in arrays_of(model).items()}
    payload.update({f"optimizer/{k}": v for k, v in arrays_of(optimizer).items()})
    payload.update({f"state/{k}": v for k, v in arrays.items()})
    payload.update(extra or {})
    payload["meta"] = np.array(json.dumps(state))
    atomic_write_bytes(folder / TRAINER_NPZ, npz_bytes(payload))


def read_trainer_snapshot(folder: Path) -> tuple[dict[str, np.ndarray], dict]:
    """The snapshot's arrays and its scalar state, checked: the state field by field
    (`TrainerState`), the model's arrays against model.json from their headers before any is read."""
    folder = Path(folder)
    path = inside(folder, TRAINER_NPZ)
    config = read_model_meta(folder).config
    headers = npz_headers(path)
    check_weights(config, headers, path, prefix="model/")
    for name, header in headers.items():
        if name.startswith("state/lstm") and (len(header.shape) != 2 or header.shape[1] != config.units or header.dtype.kind != "f"):
            raise DamagedFile(path, f"holds the LSTM state {name} as {header.shape} {header.dtype}, not (streams, {config.units}) floats",
                              "it cannot be resumed")
    arrays = read_npz(path)
    encoded = arrays.pop("meta", None)
    parse_trainer_state(encoded, path)
    return arrays, json.loads(str(encoded))


def read_trainer_state(folder: Path) -> TrainerState:
    """Only the snapshot's scalar state, checked (its arrays are not read)."""
    path = inside(Path(folder), TRAINER_NPZ)
    return parse_trainer_state(read_npz(path, only="meta").get("meta"), path)


def load_optimizer_state(optimizer, arrays: dict[str, np.ndarray], path: Path) -> None:
    """Restore the optimizer's state from a snapshot's `optimizer/...` arrays."""
    subset = {k[len("optimizer/"):]: v for k, v in arrays.items() if k.startswith("optimizer/")}
    try:
        serializers.NpzDeserializer(subset, strict=True).load(optimizer)
    except (KeyError, ValueError) as exc:
        raise UserError(f"{path}: optimizer state does not fit the model ({exc}); it cannot be resumed") from None
