"""The app's start: the settings its whole process shares, applied once, then the app.

Nothing here imports Textual at module level: Textual reads TEXTUAL_FPS once, when it is first
imported, so `configure_app_process` must run before anything else of the app is imported.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

APP_FPS = 240
"""Frames a second the app may paint (Textual's default is 60)."""


def configure_app_process() -> None:
    """Process-wide settings for an interactive app: call before Textual is imported.

    - Frame rate: Textual paints at most TEXTUAL_FPS frames a second, on a clock of its own, so a
      keystroke waits for its frame slot on top of the model and the render: up to 16.7 ms at
      60, at most 4.2 ms at 240, which keeps key → screen within one 60 Hz frame even when keys
      come faster than frames (benchmarks/tui_latency.py). It costs nothing while nothing
      changes. The user's own setting wins.
    - alt+1 … alt+9 arrive as alt+digit keys (`textual_hooks.enable_alt_digits`).
    - One BLAS thread: a keystroke is a batch-1 step, and a training child needs the other
      cores (the predict screen gives a big model more when it loads it).
    """
    os.environ.setdefault("TEXTUAL_FPS", str(APP_FPS))
    from lstm_tui.engine.runtime.blas_threads import single_threaded_blas
    from lstm_tui.tui.textual_hooks import enable_alt_digits

    enable_alt_digits()
    single_threaded_blas()


def freeze_start_up_objects() -> None:
    """Take every object alive now out of the garbage collector's walks: call once the app's
    modules are imported. A full collection walks every tracked object, and Textual, NumPy,
    Chainer and Numba bring hundreds of thousands (their modules, classes, functions): about one
    keystroke in 400 paid a 60–100 ms pass over them. They live as long as the process anyway;
    what the app makes later is collected as usual."""
    gc.freeze()


def run_app(model: Path | None = None) -> int:
    """Run the app (the `lstm-tui` command without --headless-train or a subcommand)."""
    configure_app_process()
    from lstm_tui.tui.app import LstmTuiApp

    freeze_start_up_objects()
    result = LstmTuiApp(model=model).run()
    return result if isinstance(result, int) else 0
