"""Fixtures for the app's tests: small corpora, a fixed checkpoints folder (the word model: tests/conftest.py)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import shakespeare_head, small_config

FIXED_TIME = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
FIXED_ISO = "2023-11-14T22:13:20+00:00"


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 30.0, step: float = 0.05,
                   state: Callable[[], object] | None = None) -> None:
    """Pause the pilot until `condition()` holds (fails the test after `timeout` seconds, with
    `state()` in the message: what the app was doing)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            seen = f"; state: {state()}" if state is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {condition}{seen}")
        await pilot.pause(step)


async def type_text(pilot, text: str) -> None:
    """Type `text` key by key, as a user would (a line break is Enter)."""
    for char in text:
        await pilot.press("enter" if char == "\n" else "space" if char == " " else char)
    await pilot.pause()


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread():
    """BLAS on one thread, as the app runs it (`run_app`), for the app tests and the models they train.

    On a busy two-core machine OpenBLAS's spinning worker threads make small trainings several
    times slower; one thread is also what the predictor is tuned for. Restored afterwards.
    """
    from threadpoolctl import threadpool_limits

    limits = threadpool_limits(limits=1, user_api="blas")
    yield
    limits.restore_original_limits()


@pytest.fixture(scope="session")
def shakespeare_30k(tmp_path_factory) -> Path:
    """About 30 kB of Tiny Shakespeare: small enough to train on in seconds."""
    return shakespeare_head(tmp_path_factory, 30_000, "shakespeare30k.txt")


def _normalised_copy(source: Path, target: Path, name: str, valid_ppl: float) -> Path:
    """Copy a run's weights and a model.json whose clock- and machine-dependent fields are fixed."""
    target.mkdir(parents=True)
    shutil.copy2(source / "model.npz", target / "model.npz")
    meta = json.loads((source / "model.json").read_text(encoding="utf-8"))
    meta.update(name=name, created=FIXED_ISO, updated=FIXED_ISO, elapsed_seconds=12.5, state="finished")
    meta["metrics"].update(valid_loss=2.0, valid_ppl=valid_ppl, history=[])
    meta["corpus"].update(name="shakespeare100k.txt", files=["shakespeare100k.txt"])
    meta["train"]["corpus"] = "shakespeare100k.txt"
    meta["versions"] = {"lstm_tui": "0", "chainer": "7.8.1", "numpy": "0", "python": "3"}
    (target / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def _fixed_events(folder: Path, name: str) -> None:
    """A short, fixed events.jsonl so the run monitor has something deterministic to show."""
    events = [{"event": "started", "name": name, "folder": f"checkpoints/{name}", "resumed": False, "step": 0,
               "total_steps": 300, "vocab": 61, "parameters": 123_456, "train_tokens": 90_000, "device": "cpu"}]
    for step in range(10, 301, 10):
        loss = 4.2 - 2.2 * step / 300
        events.append({"event": "progress", "step": step, "total_steps": 300, "epoch": step / 150, "loss": loss,
                       "loss_avg": loss, "perplexity": 2.718 ** loss, "tokens_per_second": 5000.0,
                       "elapsed": step / 10, "eta": (300 - step) / 10, "fraction": step / 300})
        if step % 100 == 0:
            events.append({"event": "validation", "step": step, "valid_loss": loss + 0.1, "valid_ppl": 2.718 ** (loss + 0.1),
                           "train_loss": loss})
            events.append({"event": "sample", "step": step, "text": "ROMEO:\nWhat say you, sir?\x1b[31m red"})
    events.append({"event": "checkpoint", "step": 300, "path": f"checkpoints/{name}", "status": "finished"})
    events.append({"event": "finished", "step": 300, "valid_loss": 2.1, "valid_ppl": 8.17, "test_ppl": 8.5,
                   "tokens_per_second": 5000.0, "elapsed": 30.0, "folder": f"checkpoints/{name}"})
    with open(folder / "events.jsonl", "w", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps({"time": FIXED_TIME, **event}) + "\n")


@pytest.fixture(scope="session")
def snapshot_run(shakespeare_100k: Path, tmp_path_factory) -> Path:
    """A small char model trained from a fixed seed on one BLAS thread (thread count changes the sums)."""
    from threadpoolctl import threadpool_limits

    from lstm_tui.engine.train.trainer import Trainer

    folder = tmp_path_factory.mktemp("snapshot-run") / "run"
    config = small_config(shakespeare_100k, max_steps=200, eval_every=200, lr=5e-3, units=64, split=(0.9, 0.1, 0.0), seed=11)
    with threadpool_limits(limits=1, user_api="blas"):
        Trainer.new(config, folder).run()
    return folder


@pytest.fixture(scope="session")
def fixed_checkpoints(snapshot_run: Path, tmp_path_factory) -> Path:
    """A checkpoints folder whose rendered facts never change: fixed names, dates, metrics, events."""
    root = tmp_path_factory.mktemp("fixed") / "checkpoints"
    run = _normalised_copy(snapshot_run, root / "shakespeare-char", "shakespeare-char", 9.87)
    _fixed_events(run, "shakespeare-char")
    return root


@pytest.fixture
def browse_folder(tmp_path: Path, shakespeare_30k: Path) -> Path:
    """A folder for the train screen's file browser, with text files, a hidden one and an image."""
    folder = tmp_path / "corpora"
    (folder / "more").mkdir(parents=True)
    shutil.copy(shakespeare_30k, folder / "plays.txt")
    (folder / "NOTES").write_text("an extension-less text file\n", encoding="utf-8")
    (folder / ".hidden.txt").write_text("hidden\n", encoding="utf-8")
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    (folder / "more" / "poems.txt").write_text("Shall I compare thee to a summer's day?\n", encoding="utf-8")
    return folder


@pytest.fixture
def no_catalogue(tmp_path: Path, monkeypatch) -> None:
    """Only the built-in corpora in the catalogue (a fixed list whatever the machine has)."""
    empty = tmp_path / "no-catalogue"
    empty.mkdir()
    monkeypatch.setenv("LSTM_TUI_CORPORA", str(empty))
