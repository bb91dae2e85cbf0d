"""atomic writes give a new file the mode a plain open() would (0o666 less the umask), and read
the umask without setting it (setting it races with threads creating files meanwhile)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lstm_tui.engine.runs import atomic


def test_an_atomic_write_has_the_mode_the_umask_gives(tmp_path: Path, monkeypatch) -> None:
    previous = os.umask(0o022)
    try:
        for mask in (0o022, 0o027, 0o077):
            os.umask(mask)
            set_umask = []
            monkeypatch.setattr(atomic.os, "umask", lambda value: set_umask.append(value) or mask)
            target = tmp_path / f"file-{mask:o}.txt"
            atomic.atomic_write_text(target, "text")
            monkeypatch.undo()
            assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
            assert set_umask == [] or not Path("/proc/self/status").exists()  # read from /proc, never set
    finally:
        os.umask(previous)
