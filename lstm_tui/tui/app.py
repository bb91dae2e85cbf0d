"""The lstm-tui app: three modes (predict, train, models) and the training child process.

The app owns what outlives a screen: which model the predict screen should load
(`model_request`), the newest checkpoint a followed training wrote (`latest_checkpoint`) and the
training child process (`training`). Screens watch these attributes and post messages up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.engine.runs.model_choice import model_to_open
from lstm_tui.engine.runs.run_service import RunRefused, RunService
from lstm_tui.engine.runs.training_process import TrainingProcess
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.paths import checkpoints_dir
from lstm_tui.tui.commands import LstmCommands
from lstm_tui.tui.dialogs.confirm import ConfirmDialog
from lstm_tui.tui.dialogs.error import ErrorDialog
from lstm_tui.tui.dialogs.quit import QuitDialog
from lstm_tui.tui.screens.help import HelpScreen
from lstm_tui.tui.screens.models import ModelsScreen
from lstm_tui.tui.screens.predict import PredictScreen
from lstm_tui.tui.screens.train import TrainScreen
from lstm_tui.tui.widgets.run_monitor import RunMonitor

TRAINING_POLL_SECONDS = 0.5
QUIT_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class ModelRequest:
    """A run folder the predict screen should load (serial makes each request a new value);
    `chosen`: the user picked it, so it opens at the next launch (`model_choice`)."""

    folder: Path
    serial: int
    announce: bool = True
    chosen: bool = True


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint a followed training just wrote."""

    folder: Path
    step: int | None


class LstmTuiApp(App[int]):
    """Train a two-layer LSTM language model and watch its next-token predictions live."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "lstm-tui"
    MODES = {"predict": PredictScreen, "train": TrainScreen, "models": ModelsScreen}
    DEFAULT_MODE = "predict"
    COMMANDS = App.COMMANDS | {LstmCommands}
    # every screen is laid out for 80 columns; from 110 the screens get the "-wide" class (app.tcss)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("f2", "switch_mode('predict')", "Predict"),
        Binding("f3", "switch_mode('train')", "Train"),
        Binding("f4", "switch_mode('models')", "Models"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    model_request: reactive[ModelRequest | None] = reactive(None)
    """The model the predict screen should show (set by startup and by the models screen)."""
    latest_checkpoint: reactive[Checkpoint | None] = reactive(None)
    """The newest checkpoint written by a training the app is watching."""
    training: reactive[TrainingProcess | None] = reactive(None)
    """The training child process started from this app, while it runs."""

    def __init__(self, model: Path | None = None, checkpoints: Path | None = None, browse_root: Path | None = None) -> None:
        super().__init__()
        self.checkpoints = Path(checkpoints).expanduser().resolve() if checkpoints else checkpoints_dir()
        """The folder of run folders (new runs go here; the models screen lists it)."""
        self.runs = RunService(self.checkpoints)
        """Every run action (list, start, stop, resume, delete) goes through this service."""
        self.browse_root = Path(browse_root).expanduser().resolve() if browse_root else Path.cwd()
        """Where the train screen's file browser starts."""
        self.initial_model = model_to_open(model, self.checkpoints)
        """The model loaded at startup (None: no model anywhere)."""
        self._serial = 0
        self._announced: set[tuple] = set()
        self._quitting = False
        if self.initial_model is not None:  # before the predict screen mounts, so it never shows "no model"
            self._serial = 1
            self.set_reactive(LstmTuiApp.model_request, ModelRequest(self.initial_model, 1, announce=False, chosen=model is not None))

    def on_mount(self) -> None:
        self.set_interval(TRAINING_POLL_SECONDS, self._check_training)
        if self.initial_model is not None:
            return

        def answer(train: bool | None) -> None:
            if train:
                self.switch_mode("train")

        self.push_screen(
            ConfirmDialog(
                "No model found",
                f"There is no trained model in {self.checkpoints} and the shipped default model is missing.\n"
                "Train one now? (A small text trains in a few minutes; you can type while it trains.)",
                yes="Open the train screen",
                no="Not now",
                danger=False,
            ),
            answer,
        )

    # models ---------------------------------------------------------------------------------
    def request_model(self, folder: Path, announce: bool = True) -> None:
        """Ask the predict screen to load `folder`."""
        self._serial += 1
        self.model_request = ModelRequest(Path(folder), self._serial, announce)

    def open_model(self, folder: Path) -> None:
        """Load `folder` and show the predict screen."""
        self.request_model(folder)
        self.switch_mode("predict")

    def on_run_monitor_checkpoint_saved(self, message: RunMonitor.CheckpointSaved) -> None:
        if message.live:
            self.latest_checkpoint = Checkpoint(message.folder, message.step)

    def on_run_monitor_run_ended(self, message: RunMonitor.RunEnded) -> None:
        key = (message.folder, message.kind, message.event.time)
        if not message.live or key in self._announced:
            return
        self._announced.add(key)
        folder = neutralise(message.event.folder or str(message.folder))
        if message.kind == "finished":
            self.notify(
                f"saved to {folder}\nctrl+l on the predict screen (F2) loads it", title="Training finished", timeout=10, markup=False
            )
        elif message.kind == "interrupted":
            self.notify(
                f"checkpoint saved in {folder}\nresume it from the models screen (F4)", title="Training stopped", timeout=10, markup=False
            )
        else:
            reason = neutralise(message.event.reason or "")
            self.notify(reason, title="Training failed", severity="error", timeout=15, markup=False)

    # training -------------------------------------------------------------------------------
    def start_training(self, config: TrainConfig, folder: Path) -> TrainingProcess | None:
        """Start the headless trainer on `config` into `folder` as a child process."""
        return self._spawn(lambda: self.runs.start(config, folder))

    def resume_training(self, folder: Path, limits: dict | None = None) -> TrainingProcess | None:
        """Continue the run in `folder` (with `limits` changed) and show it on the train screen."""
        process = self._spawn(lambda: self.runs.resume(folder, limits))
        if process is not None:
            self.switch_mode("train")
        return process

    def _spawn(self, start) -> TrainingProcess | None:
        try:
            process = start()
        except RunRefused as exc:
            self.notify(str(exc), severity=exc.severity, markup=False)
            return None
        except OSError as exc:
            self.show_error("Could not start the trainer", str(exc), "Check that Python can run `-m lstm_tui` here.")
            return None
        self.training = process
        title = "Training resumed" if process.resumed else "Training started"
        self.notify(neutralise(str(process.folder)), title=title, timeout=4, markup=False)
        return process

    def action_stop_training(self) -> None:
        """Ask the running training to finish its step, save a checkpoint and exit."""
        self.stop_training()

    def stop_training(self, folder: Path | None = None) -> None:
        """Stop this app's training, or the run training in `folder` on this machine."""
        try:
            self.runs.stop(folder)
        except RunRefused as exc:
            self.notify(str(exc), severity=exc.severity, markup=False)
            return
        self.notify("the trainer finishes its step and saves a checkpoint…", title="Stopping", timeout=5, markup=False)

    def _check_training(self) -> None:
        process = self.runs.reap()
        if process is None:
            return
        self.training = None
        if process.failed:
            message, ran = process.failure()
            self.show_error(
                "Training failed",
                message,
                f"The last good checkpoint is kept in {process.folder}." if ran else "Fix the form (F3) and start again.",
            )
        process.cleanup()

    async def action_start_training_from_form(self) -> None:
        """Start training with what the train screen's form says."""
        await self.switch_mode("train")
        self.screen.action_start()

    # help, errors, quit ---------------------------------------------------------------------
    def action_help(self) -> None:
        """Show the keys."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def show_error(self, title: str, message: str, hint: str = "") -> None:
        """An error dialog: what went wrong and what to do."""
        self.push_screen(ErrorDialog(title, message, hint))

    async def action_quit(self) -> None:
        """Quit; while a training runs, ask whether to stop it or leave it running."""
        process = self.training
        if process is None or not process.running or self._quitting:
            self.exit(0)  # a second ctrl+q while the trainer saves: leave now, it finishes on its own
            return
        if isinstance(self.screen, QuitDialog):
            return

        def answer(choice: str | None) -> None:
            if choice == "keep":
                self.exit(0)
            elif choice == "stop":
                self._quitting = True
                process.stop()
                self.notify(
                    "saving a checkpoint, then quitting (at most 30 s; ctrl+q again quits at once)…",
                    title="Stopping the training",
                    timeout=QUIT_WAIT_SECONDS,
                    markup=False,
                )
                self._wait_and_exit(process)

        self.push_screen(QuitDialog(str(process.folder)), answer)

    @work(thread=True, group="quit", exit_on_error=False)
    def _wait_and_exit(self, process: TrainingProcess) -> None:
        process.wait(QUIT_WAIT_SECONDS)
        self.call_from_thread(self.exit, 0)
