"""Where the project keeps things: the bundled corpora, the shipped default models, the run folders.

In a checkout they are its top-level folders `corpora/` and `checkpoints/`. A wheel carries copies
of `corpora/` and of the shipped models (`checkpoints/default*`) inside the package, in
`lstm_tui/bundled/` (setup.py puts them there), and keeps new runs in the user's data folder: an
installed package's folder may be read-only and is replaced by every upgrade.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent
BUNDLED_DIR = PACKAGE_DIR / "bundled"
"""Only in an installed wheel: its copies of `corpora/` and `checkpoints/default*`."""


def is_installed() -> bool:
    """True when running from an installed wheel, False in a checkout (editable installs included)."""
    return BUNDLED_DIR.is_dir()


def shipped_root() -> Path:
    """The folder holding `corpora/` and the shipped `checkpoints/default*`: the checkout, or the wheel's copy."""
    return BUNDLED_DIR if is_installed() else SOURCE_ROOT


def corpora_dir() -> Path:
    """The bundled corpora and their catalogue (`corpora/catalogue.json`)."""
    return shipped_root() / "corpora"


def user_data_dir() -> Path:
    """`$XDG_DATA_HOME/lstm-tui`, else `~/.local/share/lstm-tui`: where an installed copy writes."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser().resolve() / "lstm-tui"


def checkpoints_dir() -> Path:
    """Where runs go and are listed: `$LSTM_TUI_CHECKPOINTS`, else the checkout's `checkpoints/`,
    else (installed) `checkpoints/` in the user's data folder."""
    env = os.environ.get("LSTM_TUI_CHECKPOINTS")
    if env:
        return Path(env).expanduser().resolve()
    return user_data_dir() / "checkpoints" if is_installed() else SOURCE_ROOT / "checkpoints"


def default_model_dir(name: str = "default") -> Path:
    """A shipped model (`default`): in `$LSTM_TUI_CHECKPOINTS` when that is set (so a test or a user
    can replace or hide it), else in the checkout's `checkpoints/` or the wheel's copy of it."""
    env = os.environ.get("LSTM_TUI_CHECKPOINTS")
    if env:
        return Path(env).expanduser().resolve() / name
    return shipped_root() / "checkpoints" / name
