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
from lstm_tui.engine.runs.run_folder import TRAINER_NPZ, inside, read_npz
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
    """The snapshot's arrays and its scalar state."""
    path = inside(Path(folder), TRAINER_NPZ)
    arrays = read_npz(path)
    try:
        state = json.loads(str(arrays.pop("meta")))
    except (KeyError, ValueError):
        raise UserError(f"{path} has no readable trainer state; it cannot be resumed") from None
    return arrays, state


def load_optimizer_state(optimizer, arrays: dict[str, np.ndarray], path: Path) -> None:
    """Restore the optimizer's state from a snapshot's `optimizer/...` arrays."""
    subset = {k[len("optimizer/"):]: v for k, v in arrays.items() if k.startswith("optimizer/")}
    try:
        serializers.NpzDeserializer(subset, strict=True).load(optimizer)
    except (KeyError, ValueError) as exc:
        raise UserError(f"{path}: optimizer state does not fit the model ({exc}); it cannot be resumed") from None
