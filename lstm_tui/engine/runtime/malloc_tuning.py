"""Keep the memory a training step frees for the next step (glibc's malloc only).

Every CPU training step allocates the same window-sized arrays again (logits, softmax, the
gradients of the output layer: tens of MB for a 10,000-word model). glibc hands blocks that large
out with `mmap` and returns them to the system when freed, so each step touches fresh pages and
pays a page fault for each of them. Raising the mmap and trim thresholds keeps the freed blocks in
the heap for the next step. The process keeps its peak memory for its lifetime, which a training
process reaches every step anyway. Process-wide:
headless training applies it at its start (cli.main); on a GPU run it only keeps host blocks.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLDS = (1 << 30, 32 << 20)  # older glibc refuses more than 32 MB


def keep_freed_memory() -> bool:
    """Ask malloc to keep freed blocks; False where the C library is not glibc or says no."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    if not any(mallopt(_M_MMAP_THRESHOLD, value) for value in _MMAP_THRESHOLDS):
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, (1 << 31) - 1))
