"""What a user does with runs, for the CLI and every screen: list, state, start, stop, resume, delete.

The screens ask this service and show its answers; they never read lock files, signal
processes or remove folders themselves. A refusal is a `RunRefused` carrying how serious it is,
so the app can show it as a notice rather than an error dialog.
"""

from __future__ import annotations

import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_files.model_json import ModelMeta, read_model_meta
from lstm_tui.engine.runs.run_folder import MODEL_JSON, TRAINER_NPZ, default_run_folder
from lstm_tui.engine.runs.run_list import RunInfo, run_state, scan_runs
from lstm_tui.engine.runs.run_lock import local_trainer_pid
from lstm_tui.engine.runs.trainer_state import read_trainer_state
from lstm_tui.engine.runs.training_process import TrainingProcess
from lstm_tui.engine.train.config import Limits, TrainConfig
from lstm_tui.paths import checkpoints_dir, default_model_dir


class RunRefused(UserError):
    """An action the run's state does not allow now; `severity` is "warning" or "error"."""

    def __init__(self, message: str, severity: str = "warning") -> None:
        super().__init__(message)
        self.severity = severity


@dataclass(frozen=True)
class RunPosition:
    """How far a run got: what its limits must go beyond for it to train on."""

    step: int
    epochs: float
    minutes: float
    limits: Limits
    """The limits it was trained under."""

    @classmethod
    def of(cls, meta: ModelMeta) -> "RunPosition":
        """From a run's model.json."""
        recorded = (meta.train or TrainConfig()).limits
        return cls(meta.step or 0, meta.epoch or 0.0, (meta.elapsed_seconds or 0.0) / 60, recorded)

    def problem(self, limits: Limits) -> str | None:
        """Why `limits` would stop the run at once (it stops at the first limit reached), or None."""
        epochs = limits.effective_epochs
        if limits.max_steps is not None and limits.max_steps <= self.step:
            return f"it already made {self.step:,} steps; give more max steps"
        if epochs is not None and epochs <= self.epochs:
            return f"it already trained {self.epochs:g} epochs; give more epochs"
        if limits.time_budget is not None and limits.time_budget <= self.minutes:
            return f"it already trained {self.minutes:.1f} minutes; give more minutes"
        return None


class RunService:
    """The runs under one checkpoints folder, and the one training child this session may start."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root).expanduser().resolve() if root is not None else checkpoints_dir()
        """The folder of run folders: new runs go here, listing starts here."""
        self.training: TrainingProcess | None = None
        """The child trainer started through this service, until `reap` hands it back."""

    # listing and state ----------------------------------------------------------------------
    def list_runs(self, roots: list[Path] | None = None) -> list[RunInfo]:
        """Runs under each of `roots` (default: the checkpoints folder), newest first; a root
        that is itself a run folder is listed as one run."""
        return scan_runs(roots if roots is not None else [self.root])

    def state(self, folder: Path) -> str:
        """running / finished / interrupted / failed / unknown."""
        return run_state(folder)

    def is_running(self, folder: Path) -> bool:
        """True while a trainer (here or elsewhere) holds the folder's lock."""
        return run_state(folder) == "running"

    def is_training(self) -> bool:
        """True while this session's training child has not been reaped: one at a time."""
        return self.training is not None

    def holds_run(self, folder: Path) -> bool:
        """True when `folder` already holds a run that a new training would overwrite."""
        return (Path(folder) / TRAINER_NPZ).exists()

    def folder_for(self, config: TrainConfig, name: str = "") -> Path:
        """Where a new run goes: `name` under the checkpoints folder (a path as given), else a made-up name."""
        if not name:
            return default_run_folder(config, self.root)
        path = Path(name).expanduser()
        return path if path.is_absolute() or len(path.parts) > 1 else self.root / name

    # training -------------------------------------------------------------------------------
    def start(self, config: TrainConfig, folder: Path) -> TrainingProcess:
        """Start a new run of `config` into `folder` as a child process (the child creates the folder)."""
        self._refuse_if_training()
        if self.holds_run(folder):
            raise RunRefused(f"{Path(folder).name} already holds a run: choose another name, or resume it", "error")
        self.training = TrainingProcess.start(config, folder)
        return self.training

    def check_resumable(self, folder: Path) -> str:
        """Raise `RunRefused` unless the run in `folder` can train on now; its state."""
        state = run_state(folder)
        if state == "running":
            raise RunRefused("this run is already training; it is shown below")
        if not self.holds_run(folder):
            raise RunRefused("this run has no trainer snapshot (trainer.npz), so it cannot be resumed", "error")
        self._refuse_if_training()
        return state

    def position(self, folder: Path) -> RunPosition:
        """How far the run in `folder` got, and its limits (a UserError when model.json is unreadable)."""
        return RunPosition.of(read_model_meta(folder))

    def check_limits(self, folder: Path, limits: dict[str, Any]) -> None:
        """Raise a UserError (naming the option) or a RunRefused unless `limits` (limit options by
        name, None: no such limit) let the run in `folder` train on."""
        position = self.position(folder)
        names = {d.name for d in TrainConfig.declared() if d.part == "limits"}
        for name, value in limits.items():
            if name not in names:
                raise UserError(f"{name} is not a limit; only epochs, max steps and minutes change here", field=name)
            if value is None and getattr(position.limits, name) is not None:
                raise UserError("a limit the run was trained under stays; give a higher one instead", field=name)
        config = TrainConfig().replace(**{**vars(position.limits), **limits})
        config.validate()
        problem = position.problem(config.limits)
        if problem:
            raise RunRefused(f"these limits end the run at once: {problem}", "error")

    def resume(self, folder: Path, limits: dict[str, Any] | None = None) -> TrainingProcess:
        """Continue the run in `folder` as a child process: where it stopped, under its recorded
        limits with `limits` changed (a finished run needs higher ones)."""
        state = self.check_resumable(folder)
        changes = {name: value for name, value in (limits or {}).items() if value is not None}
        if state == "finished" and not changes:
            raise RunRefused("this run finished; continue it with higher limits (epochs, max steps or minutes)")
        if changes:
            self.check_limits(folder, changes)
        try:
            read_model_meta(folder)
            read_trainer_state(folder)
        except UserError as exc:
            raise RunRefused(f"this run cannot be resumed: {getattr(exc, 'reason', exc)}", "error") from None
        self.training = TrainingProcess.start(None, folder, resume=True, changes=changes)
        return self.training

    def _refuse_if_training(self) -> None:
        if self.training is not None:
            raise RunRefused("a training is already running; stop it first")

    def stop(self, folder: Path | None = None) -> None:
        """Ask a trainer to finish its step, save and exit (SIGINT): this session's child when
        `folder` is None or its folder, else the lock holder when it runs on this machine."""
        training = self.training
        if folder is None or (training is not None and training.folder == folder):
            if training is None:
                raise RunRefused("no training is running")
            training.stop()
            return
        pid = local_trainer_pid(folder)
        if pid is None:
            raise RunRefused("this run is not training on this machine; stop it where it runs (Ctrl-C)")
        try:
            os.kill(pid, signal.SIGINT)
        except OSError as exc:
            raise RunRefused(f"could not signal the trainer (pid {pid}): {exc.strerror or exc}", "error") from None

    def reap(self) -> TrainingProcess | None:
        """This session's child once it has exited (forgotten from then on; `cleanup` it), else None."""
        training = self.training
        if training is None or training.running:
            return None
        self.training = None
        return training

    # deleting -------------------------------------------------------------------------------
    def check_deletable(self, folder: Path) -> None:
        """Raise `RunRefused` unless `folder` is a run folder that may be deleted now."""
        if run_state(folder) == "running":
            raise RunRefused("this run is training right now; stop it before deleting it", "error")
        if not (Path(folder) / MODEL_JSON).exists():
            raise RunRefused("not a run folder (no model.json); nothing deleted", "error")
        if Path(folder).resolve() == default_model_dir().resolve():
            raise RunRefused("the shipped default model is not deleted from here")

    def delete(self, folder: Path) -> None:
        """Remove a run folder, checking again right before (a run may have started meanwhile)."""
        self.check_deletable(folder)
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            raise UserError(f"{folder}: {exc.strerror or exc}") from None
