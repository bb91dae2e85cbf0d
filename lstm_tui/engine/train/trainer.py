"""Training: the one code path used by `--headless-train` and by the TUI's train screen.

`Trainer` owns a run folder. It trains with truncated BPTT over B parallel streams, validates
(batched) at intervals, writes checkpoints atomically, reports everything as events, and stops
on epochs / max steps / time budget / a stop request — finishing the current step and saving
first, so a stop (Ctrl-C, SIGTERM, SIGHUP, the TUI's Stop) never loses work. Resume restores
weights, optimizer, LSTM states, RNG and data position, so the loss curve continues exactly.
"""

from __future__ import annotations

import contextlib
import math
import platform
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from lstm_tui import __version__
from lstm_tui.engine.runtime.malloc_tuning import keep_freed_memory
from lstm_tui.engine.runs.atomic import remove_stale_temps
from lstm_tui.engine.runtime.chainer_compat import chainer, optimizer_hooks, optimizers
from lstm_tui.engine.runs.model_file import load_into, read_meta, write_meta, write_model
from lstm_tui.engine.runs.run_folder import EVENTS, TRAINER_NPZ, default_run_folder
from lstm_tui.engine.runs.run_lock import RunLock
from lstm_tui.engine.runs.trainer_state import load_optimizer_state, read_trainer_snapshot, write_trainer_snapshot
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.data.dataset import Dataset, load_dataset
from lstm_tui.engine.runtime.device import DeviceChoice, choose_device
from lstm_tui.engine.train.distributed import DataParallel
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.events import EventLog, Listener
from lstm_tui.engine.train.in_place_adam import FastAdam
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.train.weight_average import WeightAverage
from lstm_tui.engine.data.streams import ParallelStreams, eval_streams
from lstm_tui.engine.data.tokenizers import make_tokenizer
from lstm_tui.engine.data.vocabulary import Vocabulary

PROGRESS_SECONDS = 1.0
PLATEAU_PATIENCE = 2  # validations without improvement before the learning rate decays
MIN_LR_FRACTION = 1e-3  # the learning rate never decays below this share of its start
ANNEAL_FLOOR = 0.05  # the end-of-budget anneal ends at this share of the current rate


class SaveError(UserError):
    """A checkpoint could not be written (disk full, folder made read-only); the old one stays."""


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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _versions() -> dict:
    return {
        "lstm_tui": __version__,
        "chainer": chainer.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def perplexity(loss: float | None) -> float | None:
    if loss is None or not math.isfinite(loss):
        return None
    return float(math.exp(min(loss, 700.0)))


class Trainer:
    """Trains one run folder; create with `Trainer.new(...)` or `Trainer.resume(...)`."""

    def __init__(
        self,
        config: TrainConfig,
        folder: Path,
        data: Dataset,
        model: LanguageModel,
        device: DeviceChoice,
        listeners: list[Listener] | None = None,
        dist: DataParallel | None = None,
    ) -> None:
        if dist is not None:
            dist.check_batch(config.run.batch_size)
        self.config = config
        self.folder = folder
        self.data = data
        self.model = model
        self.device = device
        self.dist = dist
        if not device.is_gpu:
            keep_freed_memory()  # the step's window-sized arrays come back without page faults
        self.is_main = dist is None or dist.is_main  # rank 0 (or the only process) writes and reports
        self.listeners = list(listeners or []) if self.is_main else []
        self.streams = ParallelStreams(data.train, config.run.batch_size, config.run.bptt)
        self.valid_streams = eval_streams(data.valid, config.run.batch_size, config.run.bptt)
        self.test_streams = eval_streams(data.test, config.run.batch_size, config.run.bptt)
        # dropout masks; a rank other than 0 draws its own (its streams differ from rank 0's)
        self.rng = np.random.default_rng(config.run.seed if dist is None or dist.is_main else [config.run.seed, dist.rank])
        self.optimizer = self._make_optimizer()
        self.updater = self.optimizer  # what the loop updates with; all-reduces gradients when distributed (see run)
        self.step = 0
        self.position = 0  # index into the streams of the next window
        self.epoch = 0
        self.elapsed = 0.0  # training seconds over all sessions of this run
        self.tokens_seen = 0
        self.lr = config.run.effective_lr
        self.history: list[dict] = []
        self.best_valid: float | None = None
        self.last_valid: float | None = None
        self.test_loss: float | None = None
        self.train_loss_ema: float | None = None
        self.stale_validations = 0
        self.created = _now()
        self.name = folder.name
        self.average = WeightAverage(model, config.run.weight_average) if config.run.weight_average > 0 else None
        """The moving average of the weights that is validated and saved (None: the weights themselves)."""

    # construction ---------------------------------------------------------------------------
    @classmethod
    def new(cls, config: TrainConfig, folder: Path | str | None = None, listeners: list[Listener] | None = None) -> "Trainer":
        """A fresh run: validate, load data, build and initialise the model from the seed."""
        if config.session.distributed:
            dist = DataParallel.start()
            return dist.collectively(lambda: cls._new(config, folder, listeners, dist))
        return cls._new(config, folder, listeners, None)

    @classmethod
    def _new(cls, config: TrainConfig, folder: Path | str | None, listeners: list[Listener] | None, dist: DataParallel | None) -> "Trainer":
        config.validate()
        device = choose_device(config.session.device) if dist is None else dist.choose_device(config.session.device, config.session.communicator)
        data = load_dataset(config.run)
        folder = Path(folder) if folder else default_run_folder(config)
        folder = folder.expanduser().resolve()
        if dist is None or dist.is_main:
            _check_writable(folder)
        if (folder / TRAINER_NPZ).exists():
            raise UserError(f"{folder} already holds a run; resume it with --resume {folder} or choose another --out")
        model_config = ModelConfig(
            vocab_size=len(data.vocab),
            units=config.run.units,
            embed=config.run.effective_embed,
            dropout=config.run.dropout,
            tie_weights=config.run.tie_weights,
            embed_dropout=config.run.embed_dropout,
        )
        model = LanguageModel(model_config)
        model.init_weights(np.random.default_rng([config.run.seed, 1]))
        model.to_device(device.device)
        trainer = cls(config, folder, data, model, device, listeners, dist)
        if device.notice:
            trainer._notice = device.notice
        return trainer

    @classmethod
    def resume(cls, folder: Path | str, overrides: dict | None = None, listeners: list[Listener] | None = None) -> "Trainer":
        """Continue a run exactly where its last checkpoint left it; `overrides` are options of this
        session, new limits or prediction settings (see `TrainConfig.resumed`)."""
        overrides = dict(overrides or {})
        if overrides.get("distributed"):
            dist = DataParallel.start()
            return dist.collectively(lambda: cls._resume(folder, overrides, listeners, dist))
        return cls._resume(folder, overrides, listeners, None)

    @classmethod
    def _resume(cls, folder: Path | str, overrides: dict, listeners: list[Listener] | None, dist: DataParallel | None) -> "Trainer":
        folder = Path(folder).expanduser().resolve()
        meta = read_meta(folder)
        arrays, state = read_trainer_snapshot(folder)
        config = TrainConfig.resumed(meta.get("train", {}), overrides)
        config.validate()
        device = choose_device(config.session.device) if dist is None else dist.choose_device(config.session.device, config.session.communicator)
        vocab = Vocabulary.from_json(meta["vocab"])
        data = load_dataset(config.run, vocab=vocab, tokenizer=meta["tokenizer"])
        if data.corpus.sha256 != meta.get("corpus", {}).get("sha256"):
            raise UserError(f"the corpus of {folder} has changed since the run started; resume needs the same text (or start a new run)")
        model = LanguageModel(ModelConfig.from_dict(meta["model"]))
        path = folder / TRAINER_NPZ
        load_into(model, arrays, path, prefix="model/")
        model.to_device(device.device)
        trainer = cls(config, folder, data, model, device, listeners, dist)
        if int(state.get("step", 0)) > 0:  # before the first update the optimizer has no state yet
            load_optimizer_state(trainer.optimizer, arrays, path)
        trainer._restore(arrays, state, meta)
        return trainer

    def _make_optimizer(self):
        config = self.config
        if config.run.optimizer == "adam":
            opt = FastAdam(alpha=config.run.effective_lr)
        else:
            opt = optimizers.SGD(lr=config.run.effective_lr)
        opt.setup(self.model)
        opt.add_hook(optimizer_hooks.GradientClipping(config.run.grad_clip))
        return opt

    def _set_lr(self, lr: float) -> None:
        self.lr = lr
        self._apply_lr(lr)

    def _apply_lr(self, lr: float) -> None:
        """The rate the optimizer uses now (self.lr times the anneal factor)."""
        if isinstance(self.optimizer, optimizers.Adam):
            self.optimizer.alpha = lr
        else:
            self.optimizer.lr = lr

    def _anneal_factor(self, total_steps: int | None, deadline: float | None) -> float:
        """1 until the last `anneal` share of the budget, then linearly down to ANNEAL_FLOOR.

        A fixed budget is best spent ending at a small rate: the last stretch averages out the
        noise of the large steps (the same reason cosine and linear schedules win over constant).
        """
        span = self.config.run.anneal
        if span <= 0.0:
            return 1.0
        done = 0.0
        if total_steps:
            done = self.step / total_steps
        if deadline:
            done = max(done, self.elapsed / deadline)
        if done <= 1.0 - span:
            return 1.0
        left = max(0.0, 1.0 - done) / span
        return ANNEAL_FLOOR + (1.0 - ANNEAL_FLOOR) * left

    # snapshots ------------------------------------------------------------------------------
    def _state_arrays(self) -> dict[str, np.ndarray]:
        arrays = {}
        for name, layer in (("lstm1", self.model.lstm1), ("lstm2", self.model.lstm2)):
            if layer.h is not None:
                arrays[f"{name}_h"] = chainer.backend.CpuDevice().send(layer.h)
                arrays[f"{name}_c"] = chainer.backend.CpuDevice().send(layer.c)
        if self.dist is not None:
            arrays = self.dist.gather_rows(arrays)  # rank 0: the states of all B streams, in stream order
        return arrays

    def _state_json(self) -> dict:
        state = {
            "step": self.step,
            "position": self.position,
            "epoch": self.epoch,
            "elapsed": self.elapsed,
            "tokens_seen": self.tokens_seen,
            "lr": self.lr,
            "rng": self.rng.bit_generator.state,
            "best_valid": self.best_valid,
            "last_valid": self.last_valid,
            "train_loss_ema": self.train_loss_ema,
            "stale_validations": self.stale_validations,
            "history": self.history,
            "created": self.created,
        }
        if self.average is not None:
            state["average_updates"] = self.average.updates
        if self.dist is not None:
            state["rank_rngs"] = self.dist.gather(self.rng.bit_generator.state)  # rank 0: every rank's dropout RNG
        return state

    def _saved_rng(self, state: dict) -> dict:
        """This rank's dropout RNG state from a snapshot."""
        saved = state.get("rank_rngs")
        if self.dist is not None and isinstance(saved, list) and len(saved) == self.dist.size:
            return saved[self.dist.rank]
        if self.is_main:
            return state["rng"]
        return self.rng.bit_generator.state  # saved with another number of ranks: keep this rank's own seed

    def _restore(self, arrays: dict[str, np.ndarray], state: dict, meta: dict) -> None:
        try:
            self.step = int(state["step"])
            self.position = int(state["position"])
            self.epoch = int(state["epoch"])
            self.elapsed = float(state["elapsed"])
            self.tokens_seen = int(state["tokens_seen"])
            self._set_lr(float(state["lr"]))
            self.rng.bit_generator.state = self._saved_rng(state)
            self.best_valid = state.get("best_valid")
            self.last_valid = state.get("last_valid")
            self.train_loss_ema = state.get("train_loss_ema")
            self.stale_validations = int(state.get("stale_validations", 0))
            self.history = list(state.get("history", []))
            self.created = str(state.get("created", meta.get("created", _now())))
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"{self.folder / TRAINER_NPZ} has an unreadable trainer state ({exc}); it cannot be resumed") from None
        if self.average is not None and "average_updates" in state:  # else it starts from these weights
            self.average.restore(arrays, state["average_updates"], self.folder / TRAINER_NPZ)
        xp = self.model.xp
        for name, layer in (("lstm1", self.model.lstm1), ("lstm2", self.model.lstm2)):
            if f"state/{name}_h" in arrays:
                rows = slice(None) if self.dist is None else self.dist.block(len(arrays[f"state/{name}_h"]))
                layer.h = xp.asarray(arrays[f"state/{name}_h"][rows])
                layer.c = xp.asarray(arrays[f"state/{name}_c"][rows])

    def meta(self, status: str) -> dict:
        """model.json: everything needed to rebuild, reproduce and describe the model."""
        valid = self.last_valid
        return {
            "name": self.name,
            "level": self.config.run.level,
            "tokenizer": self.data.tokenizer,
            "model": self.model.config.to_dict(),
            "vocab": self.data.vocab.to_json(),
            "train": self.config.to_dict(),
            "corpus": self.data.corpus.info(),
            "metrics": {
                "valid_loss": valid,
                "valid_ppl": perplexity(valid),
                "best_valid_loss": self.best_valid,
                "test_loss": self.test_loss,
                "test_ppl": perplexity(self.test_loss),
                "history": self.history,
            },
            "parameters": self.model.parameter_count(),
            "state": status,
            "step": self.step,
            "epoch": self.epoch,
            "tokens_seen": self.tokens_seen,
            "elapsed_seconds": round(self.elapsed, 2),
            "device": self.device.name,
            "seed": self.config.run.seed,
            "versions": _versions(),
            "created": self.created,
            "updated": _now(),
        }

    def save(self, status: str, events: EventLog) -> None:
        """Trainer snapshot first (resume point), then the model for predictors (rank 0 writes)."""
        arrays, state = self._state_arrays(), self._state_json()  # gathered from every rank when distributed
        error = None
        if self.is_main:
            try:
                averages = self.average.to_arrays() if self.average is not None else {}
                write_trainer_snapshot(self.folder, self.model, self.optimizer, arrays, state, averages)
                with self.weights_in_use():
                    write_model(self.folder, self.model, self.meta(status))
            except OSError as exc:
                error = SaveError(
                    f"could not save a checkpoint in {self.folder} ({exc.strerror or exc}); the previous checkpoint is intact — "
                    f"free some space or make the folder writable, then resume"
                )
        if self.dist is not None:  # every rank fails together, or none does
            reason = self.dist.first_error(error)
            error = SaveError(reason) if reason else None
        if error is not None:
            raise error
        events.emit("checkpoint", step=self.step, path=str(self.folder), status=status)

    # evaluation -----------------------------------------------------------------------------
    def evaluate(self, streams: ParallelStreams | None, max_tokens: int | None = None) -> float | None:
        """Mean nats per token over a split (batched, no dropout, own state)."""
        if streams is None:
            return None
        saved = [(layer.h, layer.c) for layer in self.model.layers]
        self.model.reset_state()
        xp = self.model.xp
        total = 0.0
        count = 0
        try:
            with chainer.using_config("train", False), chainer.no_backprop_mode(), self.weights_in_use():
                for x, t in streams.windows():
                    xs, ts = self._my_streams(x, t)
                    if ts.size:
                        loss = self.model.loss(xp.asarray(xs), xp.asarray(ts))
                        total += float(loss.array) * ts.size
                    count += t.size
                    if max_tokens is not None and count >= max_tokens:
                        break
        finally:
            for layer, (h, c) in zip(self.model.layers, saved):
                layer.h, layer.c = h, c
        if self.dist is not None:
            total = self.dist.sum(total)  # each rank evaluated its block of the streams
        return total / max(count, 1)

    def _my_streams(self, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """This rank's contiguous block of a window's streams (all of them in a single process)."""
        if self.dist is None:
            return x, t
        block = self.dist.block(x.shape[1])
        return np.ascontiguousarray(x[:, block]), np.ascontiguousarray(t[:, block])

    def weights_in_use(self):
        """A context in which the model holds the weights that are validated and saved."""
        return self.average.swapped_in() if self.average is not None else contextlib.nullcontext()

    def sample(self, length: int = 120) -> str:
        with self.weights_in_use():  # the predictor copies the weights it is given
            predictor = Predictor(self.model, self.data.vocab, make_tokenizer(self.data.tokenizer))
        return predictor.generate("", length=length if self.config.run.level == "char" else length // 4, temperature=0.8, seed=self.step)

    # the loop -------------------------------------------------------------------------------
    def _limits(self) -> tuple[int | None, float | None]:
        """(total steps planned, deadline in training seconds)."""
        per_epoch = self.streams.windows_per_epoch
        totals = []
        epochs = self.config.limits.effective_epochs
        if epochs is not None:
            totals.append(int(math.ceil(epochs * per_epoch)))
        if self.config.limits.max_steps is not None:
            totals.append(self.config.limits.max_steps)
        total = min(totals) if totals else None
        deadline = self.config.limits.time_budget * 60.0 if self.config.limits.time_budget is not None else None
        return total, deadline

    def run(self, stop: threading.Event | None = None) -> RunResult:
        """Train until a limit or a stop request; always leaves a loadable checkpoint."""
        stop = stop or threading.Event()
        if self.dist is not None:
            return self.dist.run_or_abort(lambda: self._run_locked(stop))
        return self._run_locked(stop)

    def _run_locked(self, stop: threading.Event) -> RunResult:
        if self.is_main:
            self.folder.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(self.folder)
        with self._lock():
            if self.dist is not None:
                self.updater = self.dist.multi_node_optimizer(self.optimizer, self.model)
            events = EventLog(self.folder / EVENTS if self.is_main else None, self.listeners)
            try:
                return self._run(stop, events)
            except SaveError as exc:
                events.emit("failed", step=self.step, reason=str(exc))
                return RunResult("failed", self.folder, self.step, self.last_valid, self.test_loss, self.elapsed, 0.0, str(exc))
            finally:
                events.close()

    @contextlib.contextmanager
    def _lock(self):
        """train.lock, taken by rank 0 alone; every rank learns whether it could be taken."""
        lock = RunLock(self.folder)
        error = None
        if self.is_main:
            try:
                lock.acquire()
            except UserError as exc:
                error = exc
        if self.dist is not None:
            self.dist.agree(error)
        elif error is not None:
            raise error
        try:
            yield lock
        finally:
            lock.release()

    def _run(self, stop: threading.Event, events: EventLog) -> RunResult:
        config = self.config
        total_steps, deadline = self._limits()
        events.emit(
            "started",
            name=self.name,
            folder=str(self.folder),
            resumed=self.step > 0,
            step=self.step,
            total_steps=total_steps,
            time_budget=deadline,
            config=config.to_dict(),
            vocab=len(self.data.vocab),
            parameters=self.model.parameter_count(),
            train_tokens=int(len(self.data.train)),
            valid_tokens=int(len(self.data.valid)),
            test_tokens=int(len(self.data.test)),
            tokens_per_epoch=self.streams.tokens_per_epoch,
            steps_per_epoch=self.streams.windows_per_epoch,
            device=self.device.name,
            **({"ranks": self.dist.size} if self.dist is not None else {}),
        )
        notice = getattr(self, "_notice", None)
        if notice:
            events.emit("notice", message=notice)
        if self.step == 0:
            self.save("running", events)  # a loadable folder from the first second
        xp = self.model.xp
        session_start = time.perf_counter()
        elapsed_at_start = self.elapsed
        tokens_at_start = self.tokens_seen
        last_progress = 0.0
        last_save = time.perf_counter()
        eval_every = self.config.run.eval_every or max(1, min(500, self.streams.windows_per_epoch // 4))
        status, reason = "finished", None
        while True:
            if total_steps is not None and self.step >= total_steps:
                break
            late = deadline is not None and self.elapsed >= deadline
            stopping = stop.is_set()
            if self.dist is not None:  # a clock or a signal on any rank stops every rank at this step
                late, stopping = self.dist.any(late, stopping)
            if late:
                break
            if stopping:
                status = "interrupted"
                break
            if self.position >= self.streams.length:
                self.position = 0
                self.epoch += 1
                self.model.reset_state()
                if total_steps is None and deadline is None:
                    break
            x, t = self.streams.window(self.position)
            xs, ts = self._my_streams(x, t)
            loss = self.model.loss(xp.asarray(xs), xp.asarray(ts), self.rng)
            value = float(loss.array)
            if self.dist is not None:
                value = self.dist.mean(value)  # the loss over all B streams; non-finite on one rank is on all
            if not math.isfinite(value):
                status = "failed"
                reason = (
                    f"the loss became {value} at step {self.step + 1}; the last good checkpoint is kept — "
                    f"lower the learning rate (--lr {self.lr / 4:g}) or clip harder (--grad-clip {config.run.grad_clip / 5:g})"
                )
                break
            self.model.cleargrads()
            loss.backward()
            loss.unchain_backward()
            if self.config.run.anneal > 0.0:
                factor = self._anneal_factor(total_steps, deadline)
                if self.dist is not None:
                    factor = self.dist.mean(factor)  # clocks differ a little between ranks
                self._apply_lr(self.lr * factor)
            self.updater.update()
            if self.average is not None:
                self.average.update()
            self.step += 1
            self.position += x.shape[0]
            self.tokens_seen += int(t.size)
            self.elapsed = elapsed_at_start + (time.perf_counter() - session_start)
            self.train_loss_ema = value if self.train_loss_ema is None else 0.98 * self.train_loss_ema + 0.02 * value
            now = time.perf_counter()
            if now - last_progress >= PROGRESS_SECONDS or self.step == 1:
                last_progress = now
                events.emit("progress", **self._progress(value, total_steps, deadline, tokens_at_start, now - session_start))
            if self.step % eval_every == 0 and self.step != total_steps:
                self._validate(events, final=False)
            save_due = now - last_save >= config.session.checkpoint_minutes * 60.0
            if self.dist is not None:
                (save_due,) = self.dist.any(save_due)
            if save_due:
                self.save("running", events)
                last_save = time.perf_counter()
        if status == "failed":
            events.emit("failed", step=self.step, reason=reason)
            self._finish_meta(status)
            return self._result(status, reason, tokens_at_start, session_start)
        if status == "finished":
            self._validate(events, final=True)
        if status == "finished" and self.test_streams is not None:
            self.test_loss = self.evaluate(self.test_streams)
        self.save(status, events)
        result = self._result(status, reason, tokens_at_start, session_start)
        events.emit(
            status,
            step=self.step,
            valid_loss=self.last_valid,
            valid_ppl=perplexity(self.last_valid),
            test_loss=self.test_loss,
            test_ppl=perplexity(self.test_loss),
            elapsed=self.elapsed,
            tokens_per_second=result.tokens_per_second,
            folder=str(self.folder),
        )
        return result

    def _finish_meta(self, status: str) -> None:
        """Mark model.json (the weights stay those of the last good checkpoint)."""
        if not self.is_main:
            return
        try:
            meta = read_meta(self.folder)
            meta.pop("format_version", None)
            meta["state"] = status
            write_meta(self.folder, meta)
        except UserError:
            pass

    def _result(self, status: str, reason: str | None, tokens_at_start: int, session_start: float) -> RunResult:
        seconds = max(time.perf_counter() - session_start, 1e-9)
        return RunResult(
            status=status,
            folder=self.folder,
            step=self.step,
            valid_loss=self.last_valid,
            test_loss=self.test_loss,
            elapsed=self.elapsed,
            tokens_per_second=(self.tokens_seen - tokens_at_start) / seconds,
            reason=reason,
        )

    def _progress(self, loss: float, total_steps: int | None, deadline: float | None, tokens_at_start: int, session_seconds: float) -> dict:
        rate = (self.tokens_seen - tokens_at_start) / max(session_seconds, 1e-9)
        steps_per_second = rate / max(self.config.run.batch_size * self.config.run.bptt, 1)
        etas = []
        if total_steps is not None and steps_per_second > 0:
            etas.append((total_steps - self.step) / steps_per_second)
        if deadline is not None:
            etas.append(max(deadline - self.elapsed, 0.0))
        fraction = None
        if total_steps:
            fraction = self.step / total_steps
        if deadline:
            fraction = max(fraction or 0.0, self.elapsed / deadline)
        return {
            "step": self.step,
            "total_steps": total_steps,
            "epoch": self.epoch + self.position / self.streams.length,
            "loss": loss,
            "loss_avg": self.train_loss_ema,
            "perplexity": perplexity(self.train_loss_ema),
            "tokens_per_second": rate,
            "elapsed": self.elapsed,
            "eta": min(etas) if etas else None,
            "fraction": min(fraction, 1.0) if fraction is not None else None,
            "lr": self.lr * self._anneal_factor(total_steps, deadline),
        }

    def _validate(self, events: EventLog, final: bool) -> None:
        if self.valid_streams is None:
            return
        valid = self.evaluate(self.valid_streams, None if final else self.config.run.eval_tokens)
        if valid is None:
            return
        improved = self.best_valid is None or valid < self.best_valid
        self.stale_validations = 0 if improved else self.stale_validations + 1
        if self.stale_validations >= PLATEAU_PATIENCE and self.config.run.lr_decay < 1.0 and not final:
            self._set_lr(max(self.lr * self.config.run.lr_decay, self.config.run.effective_lr * MIN_LR_FRACTION))
            self.stale_validations = 0
        if improved:
            self.best_valid = valid
        self.last_valid = valid
        record = {
            "step": self.step,
            "epoch": round(self.epoch + self.position / self.streams.length, 4),
            "valid_loss": valid,
            "valid_ppl": perplexity(valid),
            "train_loss": self.train_loss_ema,
            "elapsed": round(self.elapsed, 2),
            "lr": self.lr,
        }
        self.history.append(record)
        events.emit("validation", **record)
        if not self.is_main:
            return  # samples are only for rank 0's events
        try:
            events.emit("sample", step=self.step, text=self.sample())
        except Exception as exc:  # noqa: BLE001 - a sample is decoration, never a reason to stop
            events.emit("notice", message=f"could not generate a sample: {exc}")


def _check_writable(folder: Path) -> None:
    """Fail before training, not at the first save, when the output folder is not writable."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        with open(probe, "wb") as handle:
            handle.write(b"\0" * 4096)
            handle.flush()
        probe.unlink()
    except OSError as exc:
        raise UserError(f"cannot write to {folder} ({exc.strerror or exc}); choose a writable --out") from None
