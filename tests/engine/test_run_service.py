"""The run service without any UI: listing, state, stop, delete and "is one running", with a
sleeping child process standing in for a trainer that holds a run's lock."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.model.language_model import ModelConfig
from lstm_tui.engine.runs.run_folder import MODEL_JSON, MODEL_NPZ, TRAINER_NPZ, default_run_folder
from lstm_tui.engine.runs.run_files.lock_line import read_owner
from lstm_tui.engine.runs.run_lock import LOCK, RunLock, local_trainer_pid
from lstm_tui.engine.runs.run_service import RunRefused, RunService
from lstm_tui.engine.runs.training_process import TrainingProcess, child_argv, write_config_file
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.train.config import TrainConfig

# A stand-in trainer: says "ready" once its SIGINT handler is in place, then sleeps; on SIGINT it
# writes "stopped" into the file named by its argument and exits 0, as the real trainer saves and exits.
HOLDER = """
import signal, sys, time
def stop(*_):
    open(sys.argv[1], "w").write("stopped")
    sys.exit(0)
signal.signal(signal.SIGINT, stop)
print("ready", flush=True)
time.sleep(60)
"""


def fake_run(root: Path, name: str, state: str = "finished", updated: str = "2024-01-01T00:00:00+00:00") -> Path:
    """A run folder with a model.json and tiny zero weights (no trainer state: it is never resumed)."""
    folder = root / name
    folder.mkdir(parents=True)
    model = ModelConfig(vocab_size=2, units=2, embed=2)
    meta = {"format_version": 1, "name": name, "state": state, "updated": updated, "level": "char", "tokenizer": "char",
            "model": model.to_dict(), "vocab": ["<unk>", "b"], "parameters": 10, "corpus": {"name": "tiny.txt"},
            "metrics": {"valid_ppl": 3.5}}
    (folder / MODEL_JSON).write_text(json.dumps(meta), encoding="utf-8")
    np.savez(folder / MODEL_NPZ, **{name: np.zeros(shape, np.float32) for name, shape in model.parameter_shapes().items()})
    (folder / TRAINER_NPZ).write_bytes(b"")
    return folder


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, Path]]:
    """A live child process, and the file it writes when it receives SIGINT."""
    marker = tmp_path / "signalled"
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(marker)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    yield process, marker
    if process.poll() is None:
        process.kill()
    process.wait(10)


def hold_lock(folder: Path, pid: int, host: str | None = None) -> None:
    """Write the lock file as the trainer with `pid` would (the format RunLock writes)."""
    (folder / LOCK).write_text(f"{host or socket.gethostname()} {pid}\n")


def test_runs_are_listed_newest_first_with_their_state(tmp_path: Path) -> None:
    root = tmp_path / "checkpoints"
    old = fake_run(root, "old", updated="2024-01-01T00:00:00+00:00")
    new = fake_run(root, "new", state="interrupted", updated="2024-02-01T00:00:00+00:00")
    (root / "not-a-run").mkdir()
    service = RunService(root)
    runs = service.list_runs()
    assert [run.folder for run in runs] == [new, old]
    assert [run.state for run in runs] == ["interrupted", "finished"]
    assert runs[1].valid_ppl == 3.5
    # a root that is itself a run folder lists that run; a run reached twice is listed once
    assert [run.folder for run in service.list_runs([old, root])] == [new, old]


def test_state_follows_the_lock_holder(tmp_path: Path, holder) -> None:
    process, _ = holder
    folder = fake_run(tmp_path, "run", state="interrupted")
    service = RunService(tmp_path)
    assert service.state(folder) == "interrupted" and not service.is_running(folder)
    hold_lock(folder, process.pid)
    assert service.state(folder) == "running" and service.is_running(folder)
    assert read_owner(folder).pid == process.pid and local_trainer_pid(folder) == process.pid
    process.kill()
    process.wait(10)
    assert service.state(folder) == "interrupted"  # a dead holder's lock is stale
    assert local_trainer_pid(folder) is None
    hold_lock(folder, 1, host="another-host-not-this-one")
    assert service.is_running(folder)  # only its own host can tell another host's lock is stale
    assert local_trainer_pid(folder) is None


def test_the_lock_file_format_is_host_and_pid(tmp_path: Path) -> None:
    with RunLock(tmp_path):
        assert (tmp_path / LOCK).read_text() == f"{socket.gethostname()} {os.getpid()}\n"
        assert read_owner(tmp_path).pid == os.getpid()
    assert not (tmp_path / LOCK).exists()


def test_stop_signals_the_lock_holder(tmp_path: Path, holder) -> None:
    process, marker = holder
    folder = fake_run(tmp_path, "run")
    service = RunService(tmp_path)
    with pytest.raises(RunRefused, match="not training on this machine"):
        service.stop(folder)
    hold_lock(folder, process.pid)
    service.stop(folder)
    assert process.wait(10) == 0
    assert marker.read_text() == "stopped"
    hold_lock(folder, 1, host="another-host-not-this-one")
    with pytest.raises(RunRefused, match="not training on this machine"):
        service.stop(folder)
    with pytest.raises(RunRefused, match="no training is running"):
        service.stop()


def test_a_running_run_is_not_deleted_and_a_stopped_one_is(tmp_path: Path, holder) -> None:
    process, _ = holder
    folder = fake_run(tmp_path, "run")
    service = RunService(tmp_path)
    hold_lock(folder, process.pid)
    with pytest.raises(RunRefused, match="stop it before deleting") as refused:
        service.delete(folder)
    assert refused.value.severity == "error" and folder.exists()
    process.kill()
    process.wait(10)
    service.delete(folder)
    assert not folder.exists()


def test_delete_refuses_what_is_not_a_run_and_the_shipped_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path / "checkpoints"))
    service = RunService()
    plain = tmp_path / "checkpoints" / "plain"
    (plain / "keep.txt").parent.mkdir(parents=True)
    (plain / "keep.txt").write_text("x")
    with pytest.raises(RunRefused, match="no model.json"):
        service.delete(plain)
    default = fake_run(tmp_path / "checkpoints", "default")
    with pytest.raises(RunRefused, match="shipped default"):
        service.delete(default)
    assert plain.exists() and default.exists()


def test_one_training_at_a_time(tmp_path: Path) -> None:
    """A child the service started counts as "one running" until it exits and is reaped."""
    folder = fake_run(tmp_path, "run", state="interrupted")
    service = RunService(tmp_path)
    assert not service.is_training()
    stderr = tmp_path / "stderr"
    stderr.write_text("")
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "child-signalled")], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    service.training = TrainingProcess(child, folder, stderr, resumed=False)
    try:
        assert service.is_training()
        with pytest.raises(RunRefused, match="already running"):
            service.start(TrainConfig(), tmp_path / "other")
        with pytest.raises(RunRefused, match="already running"):
            service.resume(folder)
        assert service.reap() is None
        service.stop(folder)  # its own folder: the service's child is stopped
        assert child.wait(10) == 0
        reaped = service.reap()
        assert reaped is not None and not reaped.failed and not service.is_training()
        reaped.cleanup()
        assert not stderr.exists()
    finally:
        if child.poll() is None:
            child.kill()


def test_resume_refusals_come_in_order(tmp_path: Path, holder) -> None:
    process, _ = holder
    service = RunService(tmp_path)
    finished = fake_run(tmp_path, "finished")
    with pytest.raises(RunRefused, match="this run finished"):
        service.resume(finished)
    (finished / TRAINER_NPZ).unlink()
    with pytest.raises(RunRefused, match="no trainer snapshot") as refused:
        service.resume(finished)
    assert refused.value.severity == "error"
    hold_lock(finished, process.pid)
    with pytest.raises(RunRefused, match="already training"):
        service.resume(finished)
    with pytest.raises(RunRefused, match="already holds a run"):
        service.start(TrainConfig(), fake_run(tmp_path, "taken"))
    assert not service.is_training()


def test_new_runs_go_under_the_checkpoints_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path / "env"))
    config = TrainConfig.from_values(corpus="some/where/plays.txt", level="word")
    assert default_run_folder(config).parent == tmp_path / "env"
    assert default_run_folder(config).name.startswith("plays-word-")
    service = RunService(tmp_path / "root")
    assert service.folder_for(config).parent == tmp_path / "root"
    assert service.folder_for(config, "mine") == tmp_path / "root" / "mine"
    assert service.folder_for(config, str(tmp_path / "abs")) == tmp_path / "abs"
    assert service.folder_for(config, "sub/mine") == Path("sub/mine")


def test_a_headless_run_without_out_goes_to_the_same_folder(tmp_path: Path, monkeypatch) -> None:
    from lstm_tui.engine.train.trainer import Trainer

    corpus = tmp_path / "tiny.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog.\n" * 200, encoding="utf-8")
    monkeypatch.setenv("LSTM_TUI_CHECKPOINTS", str(tmp_path / "env"))
    monkeypatch.chdir(tmp_path)
    trainer = Trainer.new(TrainConfig.from_values(corpus=str(corpus), units=8, bptt=8, batch_size=2, max_steps=1, device="cpu"))
    assert trainer.folder.parent == (tmp_path / "env").resolve()
    assert not (tmp_path / "checkpoints").exists()


def test_the_child_gets_the_whole_config_as_a_file(tmp_path: Path) -> None:
    """The child's configuration is `TrainConfig.to_dict()` in a file outside the run folder,
    read back through the CLI's `--config` (so no option can be dropped on the way)."""
    from lstm_tui.cli import config_from_args, main_parser

    config = TrainConfig.from_values(corpus="x.txt", level="word", tokenizer="space", units=32, embed=16, dropout=0.0, embed_dropout=0.05,
                         bptt=16, batch_size=8, lr=0.005, epochs=0.5, time_budget=1.5, max_steps=7, device="cpu", seed=4,
                         weight_average=0.99, anneal=0.2, split=(0.8, 0.1, 0.1), cache_size=500, cache_theta=0.2, cache_mix=0.1)
    path = write_config_file(config)
    try:
        assert json.loads(path.read_text(encoding="utf-8")) == config.to_dict()
        folder = tmp_path / "run"
        assert folder not in path.parents
        argv = child_argv(folder, path)
        assert argv[:4] == [sys.executable, "-m", "lstm_tui", "--headless-train"]
        assert argv[4:] == ["--config", str(path), "--out", str(folder), "--log-every", "5"]
        assert child_argv(folder)[4:] == ["--resume", str(folder), "--log-every", "5"]
        args = main_parser().parse_args(argv[3:])
        assert config_from_args(args)[0] == config
    finally:
        path.unlink()


def test_a_failed_start_leaves_no_run_folder(tmp_path: Path) -> None:
    blank = tmp_path / ".blank"
    blank.write_text("   \n\n  \n", encoding="utf-8")
    service = RunService(tmp_path / "checkpoints")
    config = TrainConfig.from_values(corpus=str(blank), units=8, max_steps=1, device="cpu")
    process = service.start(config, service.folder_for(config))
    config_file = process.config_path
    assert process.wait(120) is not None
    assert service.reap() is process and process.failed
    message, ran = process.failure()
    assert "whitespace" in message and not ran
    process.cleanup()
    assert not config_file.exists() and not process.stderr_path.exists()
    assert not (tmp_path / "checkpoints").exists() or not any((tmp_path / "checkpoints").iterdir())



def test_new_limits_must_let_a_run_train_on(tmp_path: Path) -> None:
    """A finished run continues only with a limit past where it stopped; the child gets the new
    limits as the CLI's own --resume flags."""
    folder = fake_run(tmp_path, "done")
    meta = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
    meta.update(vocab=["<unk>", "a"], model={"vocab_size": 2, "units": 4, "embed": 4, "dropout": 0.0, "tie_weights": False},
                step=300, epoch=2, elapsed_seconds=120.0, train=TrainConfig.from_values(max_steps=300, time_budget=5.0).to_dict())
    (folder / MODEL_JSON).write_text(json.dumps(meta), encoding="utf-8")
    service = RunService(tmp_path)
    position = service.position(folder)
    assert (position.step, position.epochs, position.minutes, position.limits.max_steps) == (300, 2.0, 2.0, 300)
    service.check_limits(folder, {"max_steps": 400})
    with pytest.raises(RunRefused, match="already made 300 steps"):
        service.check_limits(folder, {"time_budget": 10.0})
    with pytest.raises(RunRefused, match="already trained 2 epochs"):
        service.check_limits(folder, {"max_steps": 400, "epochs": 1.5})
    with pytest.raises(UserError, match="stays") as kept:
        service.check_limits(folder, {"max_steps": 400, "time_budget": None})
    assert kept.value.field == "time_budget"
    with pytest.raises(UserError, match="positive") as bad:
        service.check_limits(folder, {"max_steps": -4})
    assert bad.value.field == "max_steps"
    with pytest.raises(UserError, match="not a limit"):
        service.check_limits(folder, {"units": 8})
    assert child_argv(folder, changes={"max_steps": 400, "time_budget": 7.5})[4:] == [
        "--resume", str(folder), "--max-steps", "400", "--time-budget", "7.5", "--log-every", "5"]
    from lstm_tui.cli import main_parser

    args = main_parser().parse_args(child_argv(folder, changes={"max_steps": 400})[3:])
    assert (args.resume, args.max_steps) == (str(folder), 400)
