"""The app's process-wide settings are applied at its start (not on import), before Textual loads."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def test_the_app_start_sets_frame_rate_keys_and_blas_before_textual_loads() -> None:
    script = textwrap.dedent(
        """
        import os, sys
        import lstm_tui.cli, lstm_tui.tui, lstm_tui.tui.entry as entry
        assert "textual" not in sys.modules, "Textual was imported before the app's start"
        assert "TEXTUAL_FPS" not in os.environ, "set on import"
        entry.configure_app_process()
        from textual import constants
        from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
        from threadpoolctl import threadpool_info
        assert constants.MAX_FPS == entry.APP_FPS, constants.MAX_FPS
        assert not any(s in ANSI_SEQUENCES_KEYS for s in ("\\x1b1", "\\x1b9"))
        assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
        """
    )
    env = {key: value for key, value in os.environ.items() if key != "TEXTUAL_FPS"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr


def test_the_users_frame_rate_wins() -> None:
    script = "import lstm_tui.tui.entry as e; e.configure_app_process(); from textual import constants; print(constants.MAX_FPS)"
    env = {**os.environ, "TEXTUAL_FPS": "30"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0 and result.stdout.strip() == "30", result.stderr


def test_the_app_start_freezes_what_start_up_made() -> None:
    """The objects alive once the app is imported are out of the collector's walks (a full pass
    over them would stall a keystroke); the app's own later objects are not."""
    script = textwrap.dedent(
        """
        import gc
        import lstm_tui.tui.entry as entry
        entry.configure_app_process()
        from lstm_tui.tui.app import LstmTuiApp
        LstmTuiApp.run = lambda self: 0  # the start, without the terminal
        assert gc.get_freeze_count() == 0
        assert entry.run_app() == 0
        print(gc.get_freeze_count())
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 50_000  # Textual's, NumPy's and Chainer's modules, classes and functions
