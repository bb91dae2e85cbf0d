"""Training: the one code path used by `--headless-train` and by the TUI's train screen.

`Trainer` owns a run folder. It trains with truncated BPTT over B parallel streams, validates
(batched) at intervals, writes checkpoints atomically, reports everything as events, and stops
on epochs / max steps / time budget / a stop request — finishing the current step and saving
first, so a stop (Ctrl-C, SIGTERM, SIGHUP, the TUI's Stop) never loses work. Resume restores
weights, optimizer, LSTM states, RNG and data position, so the loss curve continues exactly.

The loop composes its parts: the learning-rate schedule (`lr_schedule`), the counters and
progress events (`progress`), validation and samples (`validation`), checkpoints and resume
(`trainer_snapshot`), and the processes that train (`processes`: one, or N data-parallel ranks,
behind one interface). Building a new or resumed trainer is `trainer_setup`'s.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_tui.engine.data.dataset import Dataset
from lstm_tui.engine.data.streams import ParallelStreams, eval_streams
from lstm_tui.engine.model.language_model import LanguageModel
from lstm_tui.engine.runs.atomic import remove_stale_temps
from lstm_tui.engine.runs.run_folder import EVENTS
from lstm_tui.engine.runs.events import EventLog, Listener
from lstm_tui.engine.runtime.device import DeviceChoice
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.lr_schedule import LearningRateSchedule
from lstm_tui.engine.train.optimizer import make_optimizer, set_rate
from lstm_tui.engine.train.processes import Processes, run_lock
from lstm_tui.engine.train.progress import PROGRESS_SECONDS, Budget, RunProgress, Session, perplexity, progress_fields
from lstm_tui.engine.train.trainer_snapshot import (
    SaveError,
    lstm_states,
    mark_state,
    model_meta,
    snapshot_state,
    write_checkpoint,
)
from lstm_tui.engine.train.trainer_setup import new_trainer, resumed_trainer
from lstm_tui.engine.train.validation import Evaluator, validation_interval
from lstm_tui.engine.train.weight_average import WeightAverage


@dataclass
class RunResult:
    """How a run ended and where its model is."""

    status: str  # finished | interrupted | failed
    folder: Path
    step: int
    valid_loss: float | None
    test_loss: float | None
    elapsed: float
    tokens_per_second: float
    reason: str | None = None


class Trainer:
    """Trains one run folder; create with `Trainer.new(...)` or `Trainer.resume(...)`."""

    def __init__(self, config: TrainConfig, folder: Path, data: Dataset, model: LanguageModel, device: DeviceChoice,
                 listeners: list[Listener] | None, processes: Processes) -> None:
        processes.check_batch(config.run.batch_size)
        self.config = config
        self.folder = folder
        self.name = folder.name
        self.data = data
        self.model = model
        self.device = device
        self.processes = processes
        """The processes that train this run: one (`SingleProcess`) or the ranks of a `DataParallel` run."""
        self.is_main = processes.is_main
        """Rank 0 (or the only process): it writes the run folder and reports."""
        self.listeners = list(listeners or []) if processes.is_main else []
        self.notices: list[str] = []
        """Lines for `notice` events at the start (why `auto` did not pick the GPU, what fine-tuning added)."""
        self.parent: dict | None = None
        """model.json's "parent" of a fine-tuned run (`init_from`), else None."""
        self.streams = ParallelStreams(data.train, config.run.batch_size, config.run.bptt)
        self.valid_streams = eval_streams(data.valid, config.run.batch_size, config.run.bptt)
        self.test_streams = eval_streams(data.test, config.run.batch_size, config.run.bptt)
        # dropout masks; a rank other than 0 draws its own (its streams differ from rank 0's)
        self.rng = np.random.default_rng(config.run.seed if processes.is_main else [config.run.seed, processes.rank])
        self.schedule = LearningRateSchedule(config.run.effective_lr, config.run.lr_decay, config.run.anneal)
        self.optimizer = make_optimizer(model, config.run.optimizer, config.run.effective_lr, config.run.grad_clip)
        self.updater = self.optimizer  # what the loop updates with; all-reduces gradients when distributed (see run)
        self.progress = RunProgress()
        self.average = WeightAverage(model, config.run.weight_average) if config.run.weight_average > 0 else None
        """The moving average of the weights that is validated and saved (None: the weights themselves)."""
        self.evaluator = Evaluator(model, processes, self.average, data.vocab, data.tokenizer, config.run.level)

    # construction ---------------------------------------------------------------------------
    @classmethod
    def new(cls, config: TrainConfig, folder: Path | str | None = None, listeners: list[Listener] | None = None) -> "Trainer":
        """A fresh run: validate, load data, build and initialise the model from the seed."""
        return new_trainer(cls, config, folder, listeners)

    @classmethod
    def resume(cls, folder: Path | str, overrides: dict | None = None, listeners: list[Listener] | None = None) -> "Trainer":
        """Continue a run exactly where its last checkpoint left it (stop limits may change)."""
        return resumed_trainer(cls, folder, overrides, listeners)

    # checkpoints ----------------------------------------------------------------------------
    def meta(self, status: str) -> dict:
        """model.json: everything needed to rebuild, reproduce and describe the model."""
        return model_meta(self.name, self.config, self.data, self.model, self.progress, self.device.name, status, self.parent)

    def save(self, status: str, events: EventLog) -> None:
        """Trainer snapshot first (resume point), then the model for predictors (rank 0 writes)."""
        arrays = lstm_states(self.model, self.processes)  # gathered from every rank when distributed
        state = snapshot_state(self.progress, self.schedule, self.rng, self.average, self.processes)
        error = None
        if self.is_main:
            error = write_checkpoint(self.folder, self.model, self.optimizer, self.average, arrays, state,
                                     lambda: self.meta(status), self.evaluator.weights_in_use)
        reason = self.processes.first_error(error)  # every rank fails together, or none does
        if reason is not None:
            raise SaveError(reason)
        events.emit("checkpoint", step=self.progress.step, path=str(self.folder), status=status)

    # the loop -------------------------------------------------------------------------------
    def run(self, stop: threading.Event | None = None) -> RunResult:
        """Train until a limit or a stop request; always leaves a loadable checkpoint."""
        stop = stop or threading.Event()
        return self.processes.run_or_abort(lambda: self._run_locked(stop))

    def _run_locked(self, stop: threading.Event) -> RunResult:
        if self.is_main:
            self.folder.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(self.folder)
        with run_lock(self.folder, self.processes):
            self.updater = self.processes.multi_node_optimizer(self.optimizer, self.model)
            events = EventLog(self.folder / EVENTS if self.is_main else None, self.listeners)
            try:
                return self._run(stop, events)
            except SaveError as exc:
                events.emit("failed", step=self.progress.step, reason=str(exc))
                p = self.progress
                return RunResult("failed", self.folder, p.step, p.last_valid, p.test_loss, p.elapsed, 0.0, str(exc))
            finally:
                events.close()

    def _started(self, budget: Budget) -> dict:
        """The `started` event: what is trained, on what, for how long."""
        data = self.data
        return dict(
            name=self.name,
            folder=str(self.folder),
            resumed=self.progress.step > 0,
            step=self.progress.step,
            total_steps=budget.total_steps,
            time_budget=budget.deadline,
            config=self.config.to_dict(),
            vocab=len(data.vocab),
            parameters=self.model.parameter_count(),
            train_tokens=int(len(data.train)),
            valid_tokens=int(len(data.valid)),
            test_tokens=int(len(data.test)),
            tokens_per_epoch=self.streams.tokens_per_epoch,
            steps_per_epoch=self.streams.windows_per_epoch,
            device=self.device.name,
            **({"ranks": self.processes.size} if self.processes.distributed else {}),
        )

    def _run(self, stop: threading.Event, events: EventLog) -> RunResult:
        config, processes, model, streams = self.config, self.processes, self.model, self.streams
        schedule, p = self.schedule, self.progress
        budget = Budget.of(config, streams.windows_per_epoch)
        total_steps, deadline = budget.total_steps, budget.deadline
        events.emit("started", **self._started(budget))
        for notice in self.notices:
            events.emit("notice", message=notice)
        if p.step == 0:
            self.save("running", events)  # a loadable folder from the first second
        xp = model.xp
        session = Session(p)
        session_start, elapsed_at_start = session.started, session.elapsed_at_start
        last_progress = 0.0
        last_save = time.perf_counter()
        eval_every = validation_interval(config.run.eval_every, streams.windows_per_epoch)
        checkpoint_seconds = config.session.checkpoint_minutes * 60.0
        status, reason = "finished", None
        while True:
            if total_steps is not None and p.step >= total_steps:
                break
            # a clock or a signal on any rank stops every rank at this step
            late, stopping = processes.any(deadline is not None and p.elapsed >= deadline, stop.is_set())
            if late:
                break
            if stopping:
                status = "interrupted"
                break
            if p.position >= streams.length:
                p.position = 0
                p.epoch += 1
                model.reset_state()
                if total_steps is None and deadline is None:
                    break
            x, t = streams.window(p.position)
            xs, ts = processes.own_streams(x, t)
            loss = model.loss(xp.asarray(xs), xp.asarray(ts), self.rng)
            value = processes.mean(float(loss.array))  # the loss over all B streams; non-finite on one rank is on all
            if not math.isfinite(value):
                status = "failed"
                reason = (
                    f"the loss became {value} at step {p.step + 1}; the last good checkpoint is kept — "
                    f"lower the learning rate (--lr {schedule.lr / 4:g}) or clip harder (--grad-clip {config.run.grad_clip / 5:g})"
                )
                break
            model.cleargrads()
            loss.backward()
            loss.unchain_backward()
            if schedule.anneal > 0.0:  # clocks differ a little between ranks: they agree on the mean
                factor = processes.mean(schedule.anneal_factor(budget.used(p.step, p.elapsed) or 0.0))
                set_rate(self.optimizer, schedule.lr * factor)
            self.updater.update()
            if self.average is not None:
                self.average.update()
            p.step += 1
            p.position += x.shape[0]
            p.tokens_seen += int(t.size)
            p.elapsed = elapsed_at_start + (time.perf_counter() - session_start)
            p.train_loss_ema = value if p.train_loss_ema is None else 0.98 * p.train_loss_ema + 0.02 * value
            now = time.perf_counter()
            if now - last_progress >= PROGRESS_SECONDS or p.step == 1:
                last_progress = now
                rate = session.tokens_per_second(p, now)
                fields = progress_fields(p, value, budget, schedule, rate, config.run.batch_size * config.run.bptt, streams.length)
                events.emit("progress", **fields)
            if p.step % eval_every == 0 and p.step != total_steps:
                self._validate(events, final=False)
            (save_due,) = processes.any(now - last_save >= checkpoint_seconds)
            if save_due:
                self.save("running", events)
                last_save = time.perf_counter()
        return self._finish(status, reason, session, events)

    def _finish(self, status: str, reason: str | None, session: Session, events: EventLog) -> RunResult:
        """The end of a session: the final validation and test of a finished run, the last checkpoint."""
        p = self.progress
        if status == "failed":
            events.emit("failed", step=p.step, reason=reason)
            if self.is_main:
                mark_state(self.folder, status)
            return self._result(status, reason, session)
        if status == "finished":
            self._validate(events, final=True)
            if self.test_streams is not None:
                p.test_loss = self.evaluator.loss(self.test_streams)
        self.save(status, events)
        result = self._result(status, reason, session)
        events.emit(
            status,
            step=p.step,
            valid_loss=p.last_valid,
            valid_ppl=perplexity(p.last_valid),
            test_loss=p.test_loss,
            test_ppl=perplexity(p.test_loss),
            elapsed=p.elapsed,
            tokens_per_second=result.tokens_per_second,
            folder=str(self.folder),
        )
        return result

    def _result(self, status: str, reason: str | None, session: Session) -> RunResult:
        p = self.progress
        rate = session.tokens_per_second(p)
        return RunResult(status, self.folder, p.step, p.last_valid, p.test_loss, p.elapsed, rate, reason)

    def _validate(self, events: EventLog, final: bool) -> None:
        """Validate (all of the split at the end, `eval_tokens` of it before), decay on a plateau, sample."""
        valid = self.evaluator.loss(self.valid_streams, None if final else self.config.run.eval_tokens)
        if valid is None:
            return
        p = self.progress
        improved = p.best_valid is None or valid < p.best_valid
        if self.schedule.after_validation(improved, final, p.step):
            set_rate(self.optimizer, self.schedule.lr)
        if improved:
            p.best_valid = valid
        p.last_valid = valid
        record = {
            "step": p.step,
            "epoch": round(p.epochs(self.streams.length), 4),
            "valid_loss": valid,
            "valid_ppl": perplexity(valid),
            "train_loss": p.train_loss_ema,
            "elapsed": round(p.elapsed, 2),
            "lr": self.schedule.lr,
        }
        p.history.append(record)
        events.emit("validation", **record)
        if not self.is_main:
            return  # samples are only for rank 0's events
        try:
            events.emit("sample", step=p.step, text=self.evaluator.sample(seed=p.step))
        except Exception as exc:  # noqa: BLE001 - a sample is decoration, never a reason to stop
            events.emit("notice", message=f"could not generate a sample: {exc}")
