"""A training run as a child process: the headless trainer (`python -m lstm_tui --headless-train`).

The app never trains in its own process: on two cores the UI would stutter, and a crash or a
stuck step would take the editor down with it. The child writes `events.jsonl` in its run folder,
which `RunMonitor` follows exactly as it follows a run started over SSH.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lstm_tui.engine.train.config import TrainConfig

# TrainConfig field → command-line flag (the CLI's names; eval_tokens has no flag).
_FLAGS = {
    "corpus": "--corpus",
    "level": "--level",
    "tokenizer": "--tokenizer",
    "encoding": "--encoding",
    "format": "--format",
    "valid_file": "--valid",
    "test_file": "--test",
    "split": "--split",
    "vocab_size": "--vocab-size",
    "units": "--units",
    "embed": "--embed",
    "dropout": "--dropout",
    "embed_dropout": "--embed-dropout",
    "tie_weights": "--tie-weights",
    "bptt": "--bptt",
    "batch_size": "--batch-size",
    "lr": "--lr",
    "optimizer": "--optimizer",
    "grad_clip": "--grad-clip",
    "lr_decay": "--lr-decay",
    "anneal": "--anneal",
    "epochs": "--epochs",
    "max_steps": "--max-steps",
    "time_budget": "--time-budget",
    "eval_every": "--eval-every",
    "checkpoint_minutes": "--checkpoint-minutes",
    "seed": "--seed",
    "device": "--device",
    "cache_size": "--cache-size",
    "cache_theta": "--cache-theta",
    "cache_mix": "--cache-mix",
}
LOG_EVERY = "5"  # seconds between the child's plain progress lines (they go to its log only)


def headless_args(config: TrainConfig) -> list[str]:
    """The `--headless-train` flags that reproduce `config` (level and tokenizer always explicit)."""
    defaults = TrainConfig()
    args: list[str] = []
    for name, flag in _FLAGS.items():
        value = getattr(config, name)
        if value is None or (value == getattr(defaults, name) and name not in ("level", "tokenizer")):
            continue
        if name == "tie_weights":
            if value:
                args.append(flag)
            continue
        if name == "tokenizer" and value not in ("auto", "space", "mecab"):
            continue
        if name == "split":
            value = ",".join(f"{part:g}" for part in value)
        args += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    return args


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
            argv = ["--headless-train", *headless_args(config), "--out", str(folder)]
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
