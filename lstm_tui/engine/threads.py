"""BLAS thread control (threadpoolctl).

A keystroke is a few matrix-vector products at batch 1: OpenBLAS's thread hand-off costs more
than it saves there, and in the app it would also fight a training child process for the same
two cores. Interactive processes therefore run BLAS single-threaded.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def single_threaded_blas():
    """Limit BLAS to one thread for this process; returns the controller (`.restore_original_limits()`)."""
    return threadpool_limits(limits=1, user_api="blas")
