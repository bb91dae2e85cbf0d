"""SingleProcess: the stand-in for DataParallel in a run of one process, with the same interface."""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.train.distributed import DataParallel, SharedError
from lstm_tui.engine.train.processes import SingleProcess, run_lock, start_processes

ONLY_DATA_PARALLEL = {"start", "abort", "comm", "kind"}  # how the MPI world is joined and left


def _public(cls) -> dict[str, object]:
    return {name: value for name, value in vars(cls).items() if not name.startswith("_")}


def test_it_has_the_interface_of_data_parallel() -> None:
    single, parallel = _public(SingleProcess), _public(DataParallel)
    assert set(parallel) - ONLY_DATA_PARALLEL <= set(single)
    for name, method in single.items():
        if callable(method) and name in parallel:
            assert list(inspect.signature(method).parameters) == list(inspect.signature(parallel[name]).parameters), name


def test_it_is_rank_0_of_1_and_holds_every_stream() -> None:
    one = start_processes(False)
    assert isinstance(one, SingleProcess)
    assert (one.rank, one.size, one.intra_rank, one.is_main, one.distributed) == (0, 1, 0, True, False)
    one.check_batch(7)  # any batch splits over one process
    assert one.block(9) == slice(0, 9)
    x, t = np.zeros((4, 9), np.int32), np.ones((4, 9), np.int32)
    xs, ts = one.own_streams(x, t)
    assert xs is x and ts is t  # no copy in the hot loop


def test_collectives_are_those_of_a_world_of_one() -> None:
    one = SingleProcess()
    assert one.sum(2.5) == 2.5 and one.mean(2.5) == 2.5
    assert one.mean(float("nan")) != one.mean(float("nan"))  # a broken loss stays broken
    late, stopping = one.any(True, False)
    assert (late, stopping) == (True, False)
    assert one.gather({"a": 1}) == [{"a": 1}]
    arrays = {"h": np.arange(6).reshape(3, 2)}
    assert one.gather_rows(arrays) is arrays
    assert one.collectively(lambda: 42) == 42
    assert one.run_or_abort(lambda: "done") == "done"
    optimizer = object()
    assert one.multi_node_optimizer(optimizer, model=None) is optimizer


def test_errors_are_raised_as_they_are() -> None:
    one = SingleProcess()
    assert one.first_error(None) is None
    assert one.first_error(OSError("disk full")) == "disk full"
    assert one.first_error(KeyError()) == "KeyError"
    one.agree(None)
    error = UserError("no such corpus")
    with pytest.raises(UserError) as info:
        one.agree(error)
    assert info.value is error and not isinstance(info.value, SharedError)
    with pytest.raises(ZeroDivisionError):
        one.collectively(lambda: 1 / 0)
    with pytest.raises(KeyboardInterrupt):
        one.run_or_abort(lambda: (_ for _ in ()).throw(KeyboardInterrupt()))


def test_it_picks_the_device_it_is_asked_for() -> None:
    assert SingleProcess().choose_device("cpu", communicator=None).name == "cpu"


def test_the_run_lock_is_taken_and_a_second_one_refused(tmp_path) -> None:
    one = SingleProcess()
    with run_lock(tmp_path, one):
        assert (tmp_path / "train.lock").exists()
        with pytest.raises(UserError, match="already being trained"):
            with run_lock(tmp_path, one):
                pass
    assert not (tmp_path / "train.lock").exists()


def test_a_single_process_run_never_imports_chainermn() -> None:
    code = (
        "import sys\n"
        "from lstm_tui.engine.train.processes import start_processes\n"
        "from lstm_tui.engine.train.trainer import Trainer\n"
        "start_processes(False)\n"
        "assert 'chainermn' not in sys.modules and 'mpi4py' not in sys.modules, 'imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
