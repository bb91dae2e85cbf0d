"""Training never loses work: signals save and resume exactly, kill -9 leaves loadable folders,
NaN stops with the last good checkpoint, a failed save keeps the previous one."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.engine.runs.trainer_state import read_trainer_snapshot
from lstm_tui.engine.runs.events import read_events
from lstm_tui.engine.train.trainer import Trainer
from tests.conftest import small_config


def cli_args(corpus: Path, out: Path, max_steps: int, checkpoint_minutes: float = 2.0) -> list[str]:
    return [
        sys.executable, "-m", "lstm_tui", "--headless-train", "--corpus", str(corpus), "--out", str(out),
        "--device", "cpu", "--units", "48", "--bptt", "16", "--batch-size", "8", "--dropout", "0.1", "--seed", "11",
        "--eval-every", "25", "--max-steps", str(max_steps), "--checkpoint-minutes", str(checkpoint_minutes),
        "--log-every", "0.2",
    ]


def params(folder: Path) -> dict[str, np.ndarray]:
    return {name: p.array.copy() for name, p in load_model(folder).model.namedparams()}


def wait_for_step(folder: Path, step: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = read_events(folder / "events.jsonl") if (folder / "events.jsonl").exists() else []
        if any(e.kind == "progress" and e.step >= step for e in events):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("training did not reach the step in time")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_saves_and_resume_matches_uninterrupted(signum: int, shakespeare_100k: Path, tmp_path: Path) -> None:
    steps = 600  # long enough that the signal lands mid-run even with the fused kernels (~1 ms a step)
    straight = tmp_path / "straight"
    subprocess.run(cli_args(shakespeare_100k, straight, steps), check=True, capture_output=True, timeout=300)

    halves = tmp_path / "halves"
    proc = subprocess.Popen(cli_args(shakespeare_100k, halves, steps), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_step(halves, 5, proc)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, (out, err)
    assert "Traceback" not in err
    assert "resume with:" in out
    kinds = [e.kind for e in read_events(halves / "events.jsonl")]
    assert kinds[-1] == "interrupted"
    meta = json.loads((halves / "model.json").read_text())
    assert meta["state"] == "interrupted" and 0 < meta["step"] < steps

    resumed = subprocess.run([sys.executable, "-m", "lstm_tui", "--headless-train", "--resume", str(halves)],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    a, b = params(straight), params(halves)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_kill_9_at_random_moments_leaves_loadable_resumable_folders(shakespeare_100k: Path, tmp_path: Path) -> None:
    """50 kills, many of them while a checkpoint is being written (checkpoints every ~0.1 s)."""
    rng = random.Random(4)
    folder = tmp_path / "killed"
    kills = 0
    for attempt in range(50):
        if (folder / "trainer.npz").exists():
            args = [sys.executable, "-m", "lstm_tui", "--headless-train", "--resume", str(folder), "--max-steps", "100000",
                    "--checkpoint-minutes", "0.002"]
        else:
            args = cli_args(shakespeare_100k, folder, 100000, checkpoint_minutes=0.002)
        events = folder / "events.jsonl"
        size = events.stat().st_size if events.exists() else 0
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # wait until this process trains (it appends "started"), then kill at a random moment
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not events.exists() or events.stat().st_size == size):
            assert proc.poll() is None, proc.communicate()[1]
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.4))
        proc.kill()
        proc.wait()
        kills += 1
        load_model(folder)  # every file present is complete
        arrays, state = read_trainer_snapshot(folder)
        assert state["step"] >= 0
    assert kills == 50
    # after all that, resume runs to completion from the last complete checkpoint
    _, state = read_trainer_snapshot(folder)
    done = subprocess.run([sys.executable, "-m", "lstm_tui", "--headless-train", "--resume", str(folder),
                           "--max-steps", str(state["step"] + 5)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads((folder / "model.json").read_text())["step"] == state["step"] + 5


def test_nan_loss_stops_and_keeps_last_good_checkpoint(shakespeare_100k: Path, tmp_path: Path) -> None:
    folder = tmp_path / "nan"
    config = small_config(shakespeare_100k, optimizer="sgd", lr=1e30, grad_clip=1e30, max_steps=50)
    result = Trainer.new(config, folder).run()
    assert result.status == "failed"
    assert "lower the learning rate" in (result.reason or "")
    events = read_events(folder / "events.jsonl")
    assert events[-1].kind == "failed" and "step" in events[-1].reason
    load_model(folder)  # the last good (step 0) checkpoint loads
    assert json.loads((folder / "model.json").read_text())["state"] == "failed"


def test_failed_save_keeps_previous_checkpoint(shakespeare_100k: Path, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "full"
    Trainer.new(small_config(shakespeare_100k, max_steps=10), folder).run()
    before = (folder / "model.npz").read_bytes(), (folder / "trainer.npz").read_bytes()

    import lstm_tui.engine.runs.atomic as atomic

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", disk_full)
    result = Trainer.resume(folder, {"max_steps": 20}).run()
    assert result.status == "failed" and "No space left on device" in (result.reason or "")
    assert ((folder / "model.npz").read_bytes(), (folder / "trainer.npz").read_bytes()) == before
    load_model(folder)
