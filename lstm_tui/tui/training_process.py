"""A training run as a child process: the headless trainer (`python -m lstm_tui --headless-train`).

The app never trains in its own process: on two cores the UI would stutter, and a crash or a
stuck step would take the editor down with it. The child writes `events.jsonl` in its run folder,
which `RunMonitor` follows exactly as it follows a run started over SSH.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lstm_tui.engine.train.config import TrainConfig

LOG_EVERY = "5"  # seconds between the child's plain progress lines (they go to its log only)


def _config_file(config: TrainConfig) -> Path:
    """The config as a `--config` file for the child (the options it declares, all of them)."""
    handle, name = tempfile.mkstemp(prefix="lstm-tui-config-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(config.to_dict(), out)
    return Path(name)


class TrainingProcess:
    """One child trainer: its run folder, its exit status, its last stderr line, and Stop."""

    def __init__(self, popen: subprocess.Popen, folder: Path, stderr_path: Path, resumed: bool) -> None:
        self.popen = popen
        """The child process."""
        self.folder = folder
        """The run folder it trains (where events.jsonl appears)."""
        self.stderr_path = stderr_path
        """A temporary file holding the child's stderr."""
        self.resumed = resumed
        """True when this continues an interrupted run."""
        self.started_at = time.time()
        """Wall-clock start, to tell this session's events from older ones in the same folder."""
        self.stop_requested = False
        """True once Stop (SIGINT) was sent."""

    @classmethod
    def start(cls, config: TrainConfig | None, folder: Path, resume: bool = False) -> "TrainingProcess":
        """Spawn `python -m lstm_tui --headless-train ...` in its own session (it survives the app)."""
        folder = Path(folder).expanduser().resolve()
        if resume:
            argv = ["--headless-train", "--resume", str(folder)]
        else:
            assert config is not None
            argv = ["--headless-train", "--config", str(_config_file(config)), "--out", str(folder)]
        handle, name = tempfile.mkstemp(prefix="lstm-tui-train-", suffix=".stderr")
        try:
            popen = subprocess.Popen(
                [sys.executable, "-m", "lstm_tui", *argv, "--log-every", LOG_EVERY],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=handle,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        finally:
            os.close(handle)
        return cls(popen, folder, Path(name), resume)

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.popen.pid

    @property
    def running(self) -> bool:
        """True while the child has not exited."""
        return self.popen.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status, or None while running."""
        return self.popen.poll()

    def stop(self) -> None:
        """Ask the trainer to finish its step, save a checkpoint and exit (SIGINT, like Ctrl-C)."""
        self.stop_requested = True
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.popen.pid, signal.SIGINT)

    def wait(self, timeout: float) -> int | None:
        """Wait up to `timeout` seconds for the child to exit; its status, or None if still running."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    @property
    def failed(self) -> bool:
        """True when the child exited with an error (a stop by SIGINT is not one)."""
        code = self.returncode
        return code is not None and code not in (0, 128 + signal.SIGINT, -signal.SIGINT)

    def error_line(self) -> str:
        """The last non-empty stderr line (the engine's one-line error), or a generic message."""
        try:
            text = self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[-1] if lines else f"the trainer exited with status {self.returncode}"

    def cleanup(self) -> None:
        """Remove the stderr file (once the child has exited)."""
        if not self.running:
            with contextlib.suppress(OSError):
                self.stderr_path.unlink()
