"""Who trains a run: one process (`SingleProcess`) or N data-parallel ranks (`DataParallel`).

Both have the same methods, so the trainer is written once: every collective operation of
`DataParallel` is here what it means for a world of one rank (a sum of one value is that value,
rank 0's block is every stream, an error is raised as it is). Nothing here imports `chainermn`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_lock import RunLock
from lstm_tui.engine.runtime.device import DeviceChoice, choose_device
from lstm_tui.engine.train.distributed import DataParallel

T = TypeVar("T")


class SingleProcess:
    """The only process of a run: rank 0 of 1, which writes the run folder and reports."""

    distributed = False
    """Not started as a data-parallel run (`--distributed`): no ranks to report or to resume with."""
    rank = 0
    size = 1
    intra_rank = 0
    is_main = True
    """The process that writes the run folder and reports."""

    # data -----------------------------------------------------------------------------------
    def check_batch(self, batch: int) -> None:
        """Any batch splits over one process."""

    def block(self, batch: int) -> slice:
        """This process's streams: all of them."""
        return slice(0, batch)

    def own_streams(self, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A window's streams that this process trains on: all of them, as they are."""
        return x, t

    def choose_device(self, spec: str, communicator: str | None) -> DeviceChoice:
        """The device `spec` names (no gradient communicator is needed)."""
        return choose_device(spec)

    def multi_node_optimizer(self, optimizer, model):
        """The optimizer itself: there are no gradients to average."""
        return optimizer

    # collectives ----------------------------------------------------------------------------
    def sum(self, value: float) -> float:
        """The sum over one rank: `value`."""
        return value

    def mean(self, value: float) -> float:
        """The mean over one rank: `value`."""
        return value

    def any(self, *flags: bool) -> tuple[bool, ...]:
        """The flags as they are (no other rank to agree with)."""
        return flags

    def gather(self, obj: T) -> list[T]:
        """Every rank's `obj`: this one's."""
        return [obj]

    def gather_rows(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The rows of every rank: these arrays."""
        return arrays

    def first_error(self, error: BaseException | None) -> str | None:
        """The error's message (None when there is no error)."""
        return None if error is None else str(error) or type(error).__name__

    def agree(self, error: BaseException | None) -> None:
        """Raise the error, if any, as it is."""
        if error is not None:
            raise error

    def collectively(self, build: Callable[[], T]) -> T:
        """`build()`; its exceptions propagate."""
        return build()

    def run_or_abort(self, work: Callable[[], T], program: str = "lstm-tui") -> T:
        """Run `work`; its exceptions propagate (no other rank is left waiting)."""
        return work()


Processes = SingleProcess | DataParallel
"""The processes that train one run, behind one interface."""


def start_processes(distributed: bool) -> Processes:
    """Join the MPI world for a data-parallel run (`--distributed`), else train in this process alone."""
    return DataParallel.start() if distributed else SingleProcess()


@contextlib.contextmanager
def run_lock(folder: Path, processes: Processes) -> Iterator[RunLock]:
    """train.lock, taken by rank 0 alone; every rank learns whether it could be taken."""
    lock = RunLock(folder)
    error = None
    if processes.is_main:
        try:
            lock.acquire()
        except UserError as exc:
            error = exc
    processes.agree(error)
    try:
        yield lock
    finally:
        lock.release()
