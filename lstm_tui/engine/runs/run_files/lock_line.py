"""train.lock → `LockOwner`: the `HOST PID` line a trainer writes into the lock it holds."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from lstm_tui.engine.runs.run_folder import LOCK

MAX_PID = 2**31 - 1


@dataclass(frozen=True)
class LockOwner:
    """Who the lock file names: a host, and a pid when the file holds a usable one."""

    host: str
    pid: int | None

    @property
    def local(self) -> bool:
        """True when the owner runs on this machine (only then can its pid be checked or signalled)."""
        return self.host == socket.gethostname()


def parse_lock(line: str) -> LockOwner | None:
    """`HOST PID` → its owner; None for an empty file. A pid that is not a plain decimal number
    in range is unreadable (None): such a lock is only its owner's to judge."""
    line = line.strip()
    if not line:
        return None
    host, _, pid_text = line.partition(" ")
    pid_text = pid_text.strip()
    readable = pid_text.isascii() and pid_text.isdigit() and len(pid_text) <= 10
    pid = int(pid_text) if readable else None
    return LockOwner(host[:255], pid if pid is not None and 0 < pid <= MAX_PID else None)


def read_owner(folder: Path) -> LockOwner | None:
    """The owner a folder's lock file names, or None without a lock (or with an empty one)."""
    try:
        with open(Path(folder) / LOCK, "rb") as handle:
            return parse_lock(handle.read(1024).decode("utf-8", errors="replace"))
    except OSError:
        return None
