"""Building a trainer: a new run from a configuration, or a run resumed from its folder.

Every rank builds its own trainer; when building fails on one rank it fails on all of them
(`collectively`), so none is left waiting for the others.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lstm_tui.engine.data.dataset import load_dataset
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
from lstm_tui.engine.runs.model_file import load_into
from lstm_tui.engine.runs.run_files.model_json import read_model_meta
from lstm_tui.engine.runs.run_folder import TRAINER_NPZ, default_run_folder
from lstm_tui.engine.runs.trainer_state import load_optimizer_state, read_trainer_snapshot
from lstm_tui.engine.runs.events import Listener
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.init_from import find_parent
from lstm_tui.engine.train.optimizer import set_rate
from lstm_tui.engine.train.processes import Processes, start_processes
from lstm_tui.engine.train.trainer_snapshot import restore_lstm_states, restore_state

if TYPE_CHECKING:
    from lstm_tui.engine.train.trainer import Trainer

def new_trainer(cls: type[Trainer], config: TrainConfig, folder: Path | str | None, listeners: list[Listener] | None) -> Trainer:
    """A fresh run: validate, load data, build and initialise the model from the seed.

    A start that fails leaves no trace: the run folder it made to check that it can write there
    is removed again while still empty (no screen lists an empty folder, so none could delete it).
    """
    processes = start_processes(config.session.distributed)
    created: list[Path] = []
    try:
        return processes.collectively(lambda: _new(cls, config, folder, listeners, processes, created))
    except BaseException:
        for made in created:
            with contextlib.suppress(OSError):  # rmdir removes only an empty folder
                made.rmdir()
        raise


def _new(cls: type[Trainer], config: TrainConfig, folder: Path | str | None, listeners: list[Listener] | None,
         processes: Processes, created: list[Path]) -> Trainer:
    config.validate()
    parent = find_parent(config.run.init_from) if config.run.init_from else None
    if parent is not None:
        config = parent.configure(config)
    device = processes.choose_device(config.session.device, config.session.communicator)
    if parent is not None:
        data, growth = parent.dataset(config.run)
    else:
        data = load_dataset(config.run)
    folder = Path(folder) if folder else default_run_folder(config)
    folder = folder.expanduser().resolve()
    if parent is not None:
        parent.check_out_folder(folder)
    if processes.is_main:
        if not folder.exists():
            created.append(folder)
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
    rng = np.random.default_rng([config.run.seed, 1])
    model.init_weights(rng)
    if parent is not None:
        parent.initialise(model, growth, rng)
    model.to_device(device.device)
    trainer = cls(config, folder, data, model, device, listeners, processes)
    trainer.notices = [device.notice] if device.notice else []
    if parent is not None:
        trainer.parent = parent.record(growth)
        trainer.notices.append(growth.notice(parent.name))
    return trainer


def resumed_trainer(cls: type[Trainer], folder: Path | str, overrides: dict | None, listeners: list[Listener] | None) -> Trainer:
    """Continue a run exactly where its last checkpoint left it; `overrides` are this session's
    settings, new limits or prediction settings (`TrainConfig.resumed` says what may change)."""
    overrides = dict(overrides or {})
    processes = start_processes(bool(overrides.get("distributed")))
    return processes.collectively(lambda: _resume(cls, folder, overrides, listeners, processes))


def _resume(cls: type[Trainer], folder: Path | str, overrides: dict, listeners: list[Listener] | None,
            processes: Processes) -> Trainer:
    folder = Path(folder).expanduser().resolve()
    meta = read_model_meta(folder)
    arrays, state = read_trainer_snapshot(folder)
    config = TrainConfig.resumed(meta.train.to_dict() if meta.train else {}, overrides)
    config.validate()
    device = processes.choose_device(config.session.device, config.session.communicator)
    data = load_dataset(config.run, vocab=meta.vocab, tokenizer=meta.tokenizer)
    if data.corpus.sha256 != meta.corpus.sha256:
        raise UserError(f"the corpus of {folder} has changed since the run started; resume needs the same text (or start a new run)")
    model = LanguageModel(meta.config)
    path = folder / TRAINER_NPZ
    load_into(model, arrays, path, prefix="model/")
    model.to_device(device.device)
    trainer = cls(config, folder, data, model, device, listeners, processes)
    trainer.parent = dataclasses.asdict(meta.parent) if meta.parent is not None else None  # kept; not read again
    if state.step > 0:  # before the first update the optimizer has no state yet
        load_optimizer_state(trainer.optimizer, arrays, path)
    trainer.progress = restore_state(state, meta, path, trainer.schedule, trainer.rng, processes)
    set_rate(trainer.optimizer, trainer.schedule.lr)
    if trainer.average is not None and state.average_updates is not None:  # else it starts from these weights
        trainer.average.restore(arrays, state.average_updates, path)
    restore_lstm_states(model, arrays, processes)
    return trainer


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
