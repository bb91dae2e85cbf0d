"""BLAS thread control (threadpoolctl).

A keystroke is a few matrix-vector products at batch 1. For a small model (a few MB of weights,
which stay in the cores' caches) OpenBLAS's thread hand-off costs more than it saves, and in the
app it would also fight a training child process for the same two cores: interactive processes
start with one BLAS thread. A large word model reads tens of MB per keystroke (26 MB for the
output matrix alone at 650 units × 10,000 words): one core cannot stream that in 2 ms, two can,
so a predictor that big gets every core (`keystroke_blas_threads`).
"""

from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

BIG_STEP_BYTES = 16 * 2**20  # weights read per keystroke above which two streaming cores beat one


def single_threaded_blas():
    """Limit BLAS to one thread for this process; returns the controller (`.restore_original_limits()`)."""
    return threadpool_limits(limits=1, user_api="blas")


def keystroke_blas_threads(step_bytes: int) -> int:
    """How many BLAS threads a batch-1 step that reads `step_bytes` of weights should use."""
    return 1 if step_bytes < BIG_STEP_BYTES else max(1, min(2, os.cpu_count() or 1))


def use_blas_threads(count: int):
    """Set this process's BLAS threads; returns the controller (`.restore_original_limits()`).

    Process-wide: call it from the main thread, at a start or when a model is put in use, not
    from a worker while another thread may be in a BLAS call.
    """
    return threadpool_limits(limits=count, user_api="blas")
