"""keep_freed_memory: a window-sized array allocated again each step costs no fresh page faults."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

_PROBE = """
import resource, sys
import numpy as np
from lstm_tui.engine.runtime.malloc_tuning import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
np.ones(7_000_000, np.float32)  # the first window's arrays
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    np.ones(7_000_000, np.float32)  # 28 MB, freed at once: like a step's logits
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_freed_window_arrays_come_back_without_page_faults() -> None:
    _, plain = _faults("plain")
    kept, keeping = _faults("keep")
    assert kept == "True"
    assert plain > 100  # glibc returns a 28 MB block to the system when it is freed (~700 faults here)
    assert keeping < plain / 10
