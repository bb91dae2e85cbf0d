"""`train.lock`: one trainer per run folder, and who holds it.

The file holds one line, `HOST PID`. It is created with O_EXCL, so two trainers starting on the
same folder cannot both take it; a lock whose process died on this host is stale and taken over.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_files.lock_line import LockOwner, read_owner
from lstm_tui.engine.runs.run_folder import LOCK


def owner_alive(owner: LockOwner) -> bool:
    """False only when the owner runs here and its process is gone: another host's lock, or one
    whose pid is unreadable, only its owner can judge."""
    if not owner.local or owner.pid is None:
        return True
    return pid_alive(owner.pid)


def lock_line() -> str:
    """What this process writes into a lock it takes."""
    return f"{socket.gethostname()} {os.getpid()}\n"


def live_owner(folder: Path) -> LockOwner | None:
    """The lock's owner while it still trains (as far as this machine can tell), else None."""
    owner = read_owner(folder)
    return owner if owner is not None and owner_alive(owner) else None


def local_trainer_pid(folder: Path) -> int | None:
    """The pid of the live trainer holding the lock when it runs on this machine, else None."""
    owner = live_owner(folder)
    return owner.pid if owner is not None and owner.local else None


class RunLock:
    """The lock a trainer holds on its run folder: a second trainer on the same folder refuses to start."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK
        self.held = False

    def acquire(self) -> None:
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = live_owner(self.path.parent)
                if owner is None:
                    self.path.unlink(missing_ok=True)
                    continue
                raise UserError(
                    f"{self.path.parent} is already being trained by {owner.host} {owner.pid or '(pid unreadable)'}; stop that run or choose another --out"
                ) from None
            with os.fdopen(fd, "w") as handle:
                handle.write(lock_line())
            self.held = True
            return
        raise UserError(f"could not take the lock {self.path}; remove it if no training runs there")

    def release(self) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def pid_alive(pid: int) -> bool:
    """True while a process with this pid exists (one we may not signal counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
