"""Where the project keeps things: the checkpoints folder and the shipped default model."""

from __future__ import annotations

import os
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[1]


def checkpoints_dir() -> Path:
    """`$LSTM_TUI_CHECKPOINTS`, else `checkpoints/` of the source checkout."""
    env = os.environ.get("LSTM_TUI_CHECKPOINTS")
    return Path(env).expanduser().resolve() if env else SOURCE_ROOT / "checkpoints"


def default_model_dir() -> Path:
    """The small model shipped with the project, trained on the built-in corpus."""
    return checkpoints_dir() / "default"
