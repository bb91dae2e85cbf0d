"""Crash-safe file writes: temp file in the same folder, flush, fsync, rename, fsync the folder.

A reader sees either the old file or the new one, never half of one, even after kill -9 or a
full disk (the temp file fails, the previous file stays).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "wb") -> Iterator[IO]:
    """Yield a temp file next to `path`; on success it replaces `path` atomically."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_with(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    with atomic_open(path, "wb") as handle:
        write(handle)


def _umask() -> int:
    """The process umask, read without changing it where Linux shows it in /proc.

    `os.umask` reads the mask only by setting it: a thread creating a file in between would get
    a wrong mode, so that is only the fallback.
    """
    try:
        with open("/proc/self/status", encoding="utf-8", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temps(folder: Path) -> None:
    """Temp files left by a process killed mid-save."""
    for tmp in Path(folder).glob(".*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()
