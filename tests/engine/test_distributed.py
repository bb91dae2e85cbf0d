"""Data-parallel training over MPI ranks (ChainerMN): 2 ranks on the CPU take the same steps as one
process with the same global batch, resume exactly, stop together, and fail together."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.events import read_events
from lstm_tui.engine.train.trainer import Trainer
from tests.conftest import small_config

MPIEXEC = shutil.which("mpiexec")
MPI_MISSING = (
    "mpiexec is not installed (Debian: apt-get install openmpi-bin libopenmpi-dev)"
    if MPIEXEC is None
    else "mpi4py is not installed (pip install 'lstm-tui[mpi]')"
    if importlib.util.find_spec("mpi4py") is None
    else None
)
needs_mpi = pytest.mark.skipif(MPI_MISSING is not None, reason=f"distributed tests skipped: {MPI_MISSING}")
RUN_TIMEOUT = 120  # seconds; a hung rank fails the test instead of hanging CI
# units 32, global batch 8, BPTT 16, no dropout (each rank draws its own dropout masks)
TRAIN = dict(units=32, batch_size=8, bptt=16, dropout=0.0, eval_every=10, seed=3)


def _open_mpi() -> bool:
    version = subprocess.run([MPIEXEC, "--version"], capture_output=True, text=True).stdout
    return "Open MPI" in version or "OpenRTE" in version


def mpiexec(ranks: int, args: list[str], timeout: float = RUN_TIMEOUT, script: Path | None = None) -> subprocess.CompletedProcess:
    """`mpiexec -n RANKS python -m lstm_tui ARGS` (or a script), as root too, on 2 shared cores."""
    env = {
        **os.environ,
        "OMPI_ALLOW_RUN_AS_ROOT": "1",
        "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMPI_MCA_rmaps_base_oversubscribe": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    launcher = [MPIEXEC, "-n", str(ranks)]
    if _open_mpi():
        launcher += ["--allow-run-as-root", "--oversubscribe"]
    program = [str(script)] if script else ["-m", "lstm_tui"]
    return subprocess.run([*launcher, sys.executable, *program, *args], capture_output=True, text=True, env=env, timeout=timeout)


def train_args(corpus: Path, out: Path, max_steps: int, batch_size: int = 8) -> list[str]:
    args = ["--headless-train", "--distributed", "--corpus", str(corpus), "--out", str(out), "--level", "char",
            "--device", "cpu", "--max-steps", str(max_steps), "--log-every", "0"]
    for name, value in {**TRAIN, "batch_size": batch_size}.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    return args


def params(folder: Path) -> dict[str, np.ndarray]:
    return {name: p.array.copy() for name, p in load_model(folder).model.namedparams()}


def history(folder: Path) -> list[tuple[int, float]]:
    meta = json.loads((folder / "model.json").read_text())
    return [(h["step"], h["valid_loss"]) for h in meta["metrics"]["history"]]


@pytest.fixture(scope="module")
def two_rank_run(shakespeare_100k: Path, tmp_path_factory) -> Path:
    """20 steps with 2 ranks of 4 streams each."""
    folder = tmp_path_factory.mktemp("dist") / "two-ranks"
    done = mpiexec(2, train_args(shakespeare_100k, folder, max_steps=20))
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


@needs_mpi
def test_two_ranks_match_one_process_with_the_same_global_batch(two_rank_run: Path, shakespeare_100k: Path, tmp_path: Path) -> None:
    single = tmp_path / "single"
    Trainer.new(small_config(shakespeare_100k, max_steps=20, **TRAIN), single).run()
    a, b = params(single), params(two_rank_run)
    for name in a:
        np.testing.assert_allclose(b[name], a[name], atol=1e-5, rtol=1e-5, err_msg=name)
    # validation is aggregated over the ranks: the same losses, so the same learning-rate decisions
    for (step_a, loss_a), (step_b, loss_b) in zip(history(single), history(two_rank_run), strict=True):
        assert step_a == step_b and loss_a == pytest.approx(loss_b, abs=1e-5)
    meta = json.loads((two_rank_run / "model.json").read_text())
    assert meta["state"] == "finished" and meta["step"] == 20 and meta["train"]["distributed"] is True
    events = read_events(two_rank_run / "events.jsonl")  # rank 0 alone writes: one started, one finished
    assert [e.kind for e in events].count("started") == 1 and events[-1].kind == "finished"
    assert events[0].ranks == 2
    assert not (two_rank_run / "train.lock").exists()


@needs_mpi
def test_distributed_run_resumes_exactly(two_rank_run: Path, shakespeare_100k: Path, tmp_path: Path) -> None:
    folder = tmp_path / "halves"
    first = mpiexec(2, train_args(shakespeare_100k, folder, max_steps=10))
    assert first.returncode == 0, first.stderr[-3000:]
    again = mpiexec(2, ["--resume", str(folder), "--distributed", "--max-steps", "20", "--log-every", "0"])
    assert again.returncode == 0, again.stderr[-3000:]
    assert "finished: 20 steps" in again.stdout
    a, b = params(two_rank_run), params(folder)
    for name in a:
        np.testing.assert_allclose(b[name], a[name], atol=1e-6, rtol=0, err_msg=name)
    assert history(folder) == pytest.approx(history(two_rank_run))


@needs_mpi
def test_batch_not_divisible_by_ranks_is_one_line_and_every_rank_exits(shakespeare_100k: Path, tmp_path: Path) -> None:
    done = mpiexec(2, train_args(shakespeare_100k, tmp_path / "run", max_steps=5, batch_size=9), timeout=60)
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("lstm-tui: error:")]
    assert len(errors) == 1, done.stderr  # rank 0 reports what every rank found
    assert "--batch-size 9 does not split evenly over 2 ranks" in errors[0] and "8 or 10" in errors[0]
    assert "Traceback" not in done.stderr


@needs_mpi
def test_a_failing_rank_stops_all_ranks(shakespeare_100k: Path, tmp_path: Path) -> None:
    script = tmp_path / "fail_on_rank_1.py"
    script.write_text(
        "import sys\n"
        "from lstm_tui.engine.train.config import TrainConfig\n"
        "from lstm_tui.engine.train.trainer import Trainer\n"
        "config = TrainConfig.from_values(corpus=sys.argv[1], level='char', units=32, batch_size=8, bptt=16, dropout=0.0,\n"
        "                     max_steps=1000, device='cpu', distributed=True)\n"
        "trainer = Trainer.new(config, sys.argv[2])\n"
        "if trainer.processes.rank == 1:\n"
        "    loss = trainer.model.loss\n"
        "    def broken(*args, **kwargs):\n"
        "        if trainer.progress.step == 3:\n"
        "            raise MemoryError('simulated failure')\n"
        "        return loss(*args, **kwargs)\n"
        "    trainer.model.loss = broken\n"
        "trainer.run()\n"
    )
    started = time.monotonic()
    done = mpiexec(2, [str(shakespeare_100k), str(tmp_path / "run")], timeout=60, script=script)
    assert done.returncode != 0
    assert "lstm-tui: error: rank 1 of 2 failed (MemoryError: simulated failure); stopping all ranks" in done.stderr
    assert time.monotonic() - started < 60


@needs_mpi
def test_sigusr1_to_mpiexec_stops_every_rank_at_the_same_step(shakespeare_100k: Path, tmp_path: Path) -> None:
    folder = tmp_path / "stopped"
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "OPENBLAS_NUM_THREADS": "1"}
    launcher = [MPIEXEC, "-n", "2", *(["--allow-run-as-root", "--oversubscribe"] if _open_mpi() else [])]
    proc = subprocess.Popen([*launcher, sys.executable, "-m", "lstm_tui", *train_args(shakespeare_100k, folder, max_steps=100_000)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            e.kind == "progress" for e in read_events(folder / "events.jsonl")
        ):
            time.sleep(0.2)
        proc.send_signal(signal.SIGUSR1)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    meta = json.loads((folder / "model.json").read_text())
    assert meta["state"] == "interrupted" and 0 < meta["step"] < 100_000, stderr[-2000:]
    assert read_events(folder / "events.jsonl")[-1].kind == "interrupted"


def test_missing_mpi4py_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from lstm_tui.engine.train import distributed

    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.setitem(sys.modules, "mpi4py.MPI", None)
    with pytest.raises(UserError, match=r"pip install 'lstm-tui\[mpi\]'.*Open MPI"):
        distributed.create_communicator("naive")


def test_distributed_flags_reach_the_config() -> None:
    from lstm_tui.cli import config_from_args, main_parser

    args = main_parser().parse_args(["--headless-train", "--distributed", "--communicator", "naive"])
    config, _ = config_from_args(args)
    assert config.session.distributed is True and config.session.communicator == "naive"
    config, _ = config_from_args(main_parser().parse_args(["--headless-train"]))
    assert config.session.distributed is False and config.session.communicator is None


@pytest.mark.gpu
@needs_mpi
def test_pure_nccl_on_one_gpu(shakespeare_100k: Path, tmp_path: Path) -> None:
    pytest.importorskip("cupy", reason="needs CuPy (pip install 'lstm-tui[gpu]')")
    from lstm_tui.engine.runtime.device import gpu_unavailable_reason

    if gpu_unavailable_reason() is not None:
        pytest.skip(gpu_unavailable_reason())
    folder = tmp_path / "gpu"
    args = train_args(shakespeare_100k, folder, max_steps=20)
    args[args.index("cpu")] = "gpu"
    done = mpiexec(1, [*args, "--communicator", "pure_nccl"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((folder / "model.json").read_text())["device"] == "gpu:0"
