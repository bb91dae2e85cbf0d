"""Copy a run folder with its raw weights as model.npz: a run trained with --weight-average saves
the moving average in model.npz, while its trainer.npz keeps the raw weights the optimizer steps.
Used to ship checkpoints/default, whose short run's average trailed the raw weights (see its
TRAINING.md). Usage: python benchmarks/raw_weights.py RUN_FOLDER NEW_FOLDER
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np


def copy_raw(src: Path, dst: Path) -> float:
    """Write dst/model.npz (raw weights) and dst/model.json; the largest |raw - average| difference."""
    trainer = np.load(src / "trainer.npz", allow_pickle=False)
    averaged = np.load(src / "model.npz", allow_pickle=False)
    raw = {key[len("model/"):]: trainer[key] for key in trainer.files if key.startswith("model/")}
    if set(raw) != set(averaged.files):
        raise SystemExit(f"{src}: trainer.npz and model.npz hold different arrays")
    for key, array in raw.items():
        if array.shape != averaged[key].shape or array.dtype != averaged[key].dtype:
            raise SystemExit(f"{src}: {key} differs in shape or type")
    dst.mkdir(parents=True, exist_ok=False)
    shutil.copy(src / "model.json", dst / "model.json")
    np.savez(dst / "model.npz", **raw)
    return max(float(np.abs(raw[key] - averaged[key]).max()) for key in raw)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    print(f"largest |raw - average|: {copy_raw(Path(sys.argv[1]), Path(sys.argv[2])):.4f}")
