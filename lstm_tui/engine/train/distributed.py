"""Data-parallel training over MPI ranks with ChainerMN: the one place that imports `chainermn`.

`mpiexec -n N lstm-tui --headless-train --distributed ...` starts N copies of the trainer. Each
rank feeds its own contiguous block of the B parallel streams (B/N streams), ChainerMN's
multi-node optimizer averages the gradients over the ranks before every update, so N ranks take
exactly the steps one process with B streams would take (dropout aside: each rank draws its own
masks). Rank 0 alone writes the run folder. Every decision that depends on a clock, a signal or
a failure (stop, time budget, checkpoint, a broken loss) is agreed by all ranks at the same step,
so no rank is ever left waiting in a collective operation; an unexpected exception on one rank
aborts them all with a one-line message.

The CPU communicator is `naive` (plain MPI); on GPUs it is `pure_nccl` (NCCL through CuPy), one
GPU per rank chosen from the rank's index on its machine (`intra_rank`).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from lstm_tui.engine.runtime.chainer_compat import chainer, cuda  # noqa: F401 - Chainer's shims before chainermn
from lstm_tui.engine.runtime.device import DeviceChoice, choose_device, gpu_unavailable_reason
from lstm_tui.engine.errors import UserError

COMMUNICATORS = ("naive", "pure_nccl")
INSTALL_HINT = (
    "pip install 'lstm-tui[mpi]' and install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev), "
    "then start the ranks with mpiexec -n N"
)
T = TypeVar("T")


class SharedError(UserError):
    """An error every rank raised together (so none is left waiting); only rank 0 reports it."""

    def __init__(self, message: str, report: bool = True) -> None:
        super().__init__(message)
        self.report = report


def _import_chainermn():
    try:
        import mpi4py.MPI  # noqa: F401 - fails here when mpi4py or the MPI library is missing
        import chainermn
    except (ImportError, RuntimeError, OSError) as exc:
        raise UserError(f"distributed training needs mpi4py and an MPI library ({exc}); {INSTALL_HINT}") from None
    return chainermn


def create_communicator(kind: str = "naive"):
    """A ChainerMN communicator over all ranks: `naive` (CPU, plain MPI) or `pure_nccl` (GPUs, NCCL)."""
    if kind not in COMMUNICATORS:
        raise UserError(f"unknown communicator {kind!r}; use one of: {', '.join(COMMUNICATORS)}")
    chainermn = _import_chainermn()
    if kind == "pure_nccl":
        _check_nccl()
    return chainermn.create_communicator(kind)


def _check_nccl() -> None:
    reason = gpu_unavailable_reason()
    if reason is None:
        try:
            from chainermn.communicators.pure_nccl_communicator import PureNcclCommunicator  # noqa: F401
        except Exception as exc:  # noqa: BLE001 - CuPy without NCCL fails in several ways
            reason = f"CuPy has no usable NCCL ({type(exc).__name__}: {exc})"
    if reason is not None:
        raise UserError(f"--communicator pure_nccl needs GPUs with NCCL but {reason}; pip install 'lstm-tui[gpu]', or train on the CPU with --communicator naive")


class DataParallel:
    """The ranks of one data-parallel run: who this process is, its share of the streams, and the
    few collective operations the trainer needs (each one called by every rank at the same point).
    `processes.SingleProcess` has the same interface for a run in one process."""

    distributed = True
    """Started as a data-parallel run: the events and the resume hint name its ranks."""

    def __init__(self, comm) -> None:
        self.comm = comm
        """The `naive` ChainerMN communicator (MPI) used for agreement and gathering."""
        self.kind = "naive"
        """The communicator that all-reduces gradients: `naive` or `pure_nccl` (set by `choose_device`)."""
        from mpi4py import MPI

        self._mpi = MPI

    @classmethod
    def start(cls) -> "DataParallel":
        """Join the MPI world (a single rank when not started by mpiexec)."""
        return cls(create_communicator("naive"))

    # who am I -------------------------------------------------------------------------------
    @property
    def rank(self) -> int:
        return self.comm.rank

    @property
    def size(self) -> int:
        return self.comm.size

    @property
    def intra_rank(self) -> int:
        """The rank's index among the ranks on its machine (picks its GPU)."""
        return self.comm.intra_rank

    @property
    def is_main(self) -> bool:
        """Rank 0: the one that writes the run folder and reports."""
        return self.comm.rank == 0

    # data -----------------------------------------------------------------------------------
    def check_batch(self, batch: int) -> None:
        """The global batch must split into equal blocks, or the gradient would not be the single-process one."""
        if batch % self.size:
            lower, upper = (batch // self.size) * self.size, -(-batch // self.size) * self.size
            suggestion = f"{lower} or {upper}" if lower else str(upper)
            raise UserError(
                f"--batch-size {batch} does not split evenly over {self.size} ranks; "
                f"use a multiple of {self.size} (e.g. {suggestion}): it is the global batch, each rank takes batch/ranks streams"
            )

    def block(self, batch: int) -> slice:
        """This rank's contiguous block of `batch` streams (nearly equal blocks when not divisible)."""
        return slice(self.rank * batch // self.size, (self.rank + 1) * batch // self.size)

    def own_streams(self, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """This rank's contiguous block of a window's streams (inputs and targets)."""
        block = self.block(x.shape[1])
        return np.ascontiguousarray(x[:, block]), np.ascontiguousarray(t[:, block])

    def choose_device(self, spec: str, communicator: str | None) -> DeviceChoice:
        """This rank's device (`gpu`/`auto`: the GPU numbered by `intra_rank`) and the gradient communicator."""
        spec = (spec or "auto").strip().lower()
        if spec in ("gpu", "auto") and gpu_unavailable_reason() is None:
            count = cuda.cupy.cuda.runtime.getDeviceCount()
            device = choose_device(f"gpu:{self.intra_rank % count}")
        else:
            device = choose_device(spec)
        kind = communicator or ("pure_nccl" if device.is_gpu else "naive")
        if kind not in COMMUNICATORS:
            raise UserError(f"unknown communicator {kind!r}; use one of: {', '.join(COMMUNICATORS)}")
        if kind == "naive" and device.is_gpu:
            raise UserError("--communicator naive averages CPU arrays; on GPUs use --communicator pure_nccl")
        if kind == "pure_nccl":
            if not device.is_gpu:
                raise UserError("--communicator pure_nccl needs GPUs (--device gpu); on the CPU use --communicator naive")
            _check_nccl()
        if device.is_gpu:
            device.device.use()
        self.kind = kind
        return device

    def multi_node_optimizer(self, optimizer, model):
        """`optimizer` wrapped so that `update()` first averages the gradients over the ranks.

        ChainerMN's wrapper spends its first `update()` broadcasting rank 0's weights instead of
        updating; the broadcast is done here, so every `update()` of the loop is a real step.
        """
        import chainermn

        comm = self.comm if self.kind == "naive" else create_communicator(self.kind)
        multi = chainermn.create_multi_node_optimizer(optimizer, comm)
        multi.is_changed(model)  # records the parameters, as the first update() would
        comm.bcast_data(model)
        return multi

    # collectives ----------------------------------------------------------------------------
    def sum(self, value: float) -> float:
        """The sum of `value` over all ranks (every rank gets it)."""
        buffer = np.array([value], dtype=np.float64)
        self.comm.mpi_comm.Allreduce(self._mpi.IN_PLACE, buffer, op=self._mpi.SUM)
        return float(buffer[0])

    def mean(self, value: float) -> float:
        """The mean of `value` over all ranks (NaN or inf on any rank gives a non-finite mean everywhere)."""
        return self.sum(value) / self.size

    def any(self, *flags: bool) -> tuple[bool, ...]:
        """Each flag, true on every rank when it is true on any rank."""
        buffer = np.array(flags, dtype=np.int32)
        self.comm.mpi_comm.Allreduce(self._mpi.IN_PLACE, buffer, op=self._mpi.MAX)
        return tuple(bool(flag) for flag in buffer)

    def gather(self, obj: T) -> list[T] | None:
        """Every rank's `obj` in rank order on rank 0; None on the others."""
        return self.comm.mpi_comm.gather(obj, root=0)

    def gather_rows(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Rank 0: each array's rows from all ranks, stacked in rank order; the others: {}."""
        parts = self.gather(arrays)
        if parts is None:
            return {}
        return {key: np.concatenate([part[key] for part in parts]) for key in arrays}

    def first_error(self, error: BaseException | None) -> str | None:
        """Every rank learns the first failing rank's message (None when no rank failed)."""
        message = None if error is None else str(error) or type(error).__name__
        messages = self.comm.mpi_comm.allgather(message)
        for rank, text in enumerate(messages):
            if text is not None:
                return text if rank == 0 else f"rank {rank}: {text}"
        return None

    def agree(self, error: BaseException | None) -> None:
        """Raise a `SharedError` on every rank when any rank failed (its own error, if not a UserError, on that rank)."""
        message = self.first_error(error)
        if message is None:
            return
        if error is not None and not isinstance(error, UserError):
            raise error
        raise SharedError(message, report=self.is_main)

    def collectively(self, build: Callable[[], T]) -> T:
        """Run `build` (which must not communicate) on every rank; if it fails on any, it fails on all."""
        try:
            result = build()
        except Exception as exc:  # noqa: BLE001 - re-raised on every rank by agree()
            self.agree(exc)
            raise
        self.agree(None)
        return result

    def run_or_abort(self, work: Callable[[], T], program: str = "lstm-tui") -> T:
        """Run `work`; an exception on one rank (the others would wait forever) aborts every rank."""
        try:
            return work()
        except (SharedError, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - anything else leaves the other ranks waiting
            if not isinstance(exc, (UserError, KeyboardInterrupt)):
                traceback.print_exc()
            detail = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
            self.abort(f"{program}: error: rank {self.rank} of {self.size} failed ({detail}); stopping all ranks")
            raise

    def abort(self, message: str, code: int = 1) -> None:
        """Print one line and end every rank of the run (MPI_Abort)."""
        try:
            sys.stderr.write(message + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        self.comm.mpi_comm.Abort(code)
