"""A training run as a child process: the headless trainer (`python -m lstm_tui --headless-train`).

The app never trains in its own process: on two cores the UI would stutter, and a crash or a
stuck step would take the editor down with it. The child gets its configuration as a JSON file
(`TrainConfig.to_dict()`, the same dict model.json records), so no option is lost on the way,
and writes `events.jsonl` in its run folder, which the app follows exactly as it follows a run
started over SSH. The run folder is the child's to create, once its data loaded.
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
from typing import Any

from lstm_tui.engine.runs.events import read_events
from lstm_tui.engine.runs.run_folder import EVENTS
from lstm_tui.engine.train.config import TrainConfig

LOG_EVERY = "5"  # seconds between the child's plain progress lines (they go to its log only)


def child_argv(folder: Path, config_file: Path | None = None, changes: dict[str, Any] | None = None) -> list[str]:
    """The child's command line: a new run from `config_file` into `folder`, or (without one) a
    resume of `folder` with `changes` (new limits, by option name) as their flags."""
    if config_file is None:
        flags = {d.name: d.flag for d in TrainConfig.declared() if d.flag}
        run = ["--resume", str(folder)]
        for name, value in (changes or {}).items():
            run += [flags[name], str(value)]
    else:
        run = ["--config", str(config_file), "--out", str(folder)]
    return [sys.executable, "-m", "lstm_tui", "--headless-train", *run, "--log-every", LOG_EVERY]


def write_config_file(config: TrainConfig) -> Path:
    """`config` as a JSON file in the temporary folder (never in the run folder), for the child to read."""
    handle, name = tempfile.mkstemp(prefix="lstm-tui-config-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(json.dumps(config.to_dict()))
    return Path(name)


class TrainingProcess:
    """One child trainer: its run folder, its exit status, its last stderr line, and Stop."""

    def __init__(self, popen: subprocess.Popen, folder: Path, stderr_path: Path, resumed: bool,
                 config_path: Path | None = None) -> None:
        self.popen = popen
        """The child process."""
        self.folder = folder
        """The run folder it trains (where events.jsonl appears)."""
        self.stderr_path = stderr_path
        """A temporary file holding the child's stderr."""
        self.config_path = config_path
        """The temporary file the child read its configuration from (None for a resume)."""
        self.resumed = resumed
        """True when this continues an interrupted run."""
        self.started_at = time.time()
        """Wall-clock start, to tell this session's events from older ones in the same folder."""
        self.stop_requested = False
        """True once Stop (SIGINT) was sent."""

    @classmethod
    def start(cls, config: TrainConfig | None, folder: Path, resume: bool = False,
              changes: dict[str, Any] | None = None) -> "TrainingProcess":
        """Spawn the headless trainer in its own session (it survives the app); a resume takes
        `changes` to its recorded limits."""
        folder = Path(folder).expanduser().resolve()
        config_path = None
        if not resume:
            assert config is not None
            config_path = write_config_file(config)
        handle, name = tempfile.mkstemp(prefix="lstm-tui-train-", suffix=".stderr")
        try:
            popen = subprocess.Popen(
                child_argv(folder, config_path, changes),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=handle,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        except BaseException:
            for path in (Path(name), config_path):
                if path is not None:
                    with contextlib.suppress(OSError):
                        path.unlink()
            raise
        finally:
            os.close(handle)
        return cls(popen, folder, Path(name), resume, config_path)

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

    def failure(self) -> tuple[str, bool]:
        """Why the child failed (its `failed` event, else its last stderr line), and whether it
        got as far as writing events in this session (then its last checkpoint is kept)."""
        events = [e for e in read_events(self.folder / EVENTS) if e.time >= self.started_at - 1.0]
        failed = [e for e in events if e.kind == "failed"]
        return (str(failed[-1].reason) if failed else self.error_line()), bool(events)

    def cleanup(self) -> None:
        """Remove the stderr and config files (once the child has exited)."""
        if not self.running:
            for path in (self.stderr_path, self.config_path):
                if path is not None:
                    with contextlib.suppress(OSError):
                        path.unlink()
