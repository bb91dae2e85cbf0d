"""Run the real `lstm-tui` in a pseudo-terminal: send keys, keep every byte, read the screen.

Textual's pilot never writes frames (it runs headless), so what reaches a terminal can only be
checked like this: the app runs as a user starts it, its output goes through a pty, and pyte
(a VT100 emulator) turns the bytes into the screen a person would see.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pyte

KEYS = {
    "tab": "\t", "enter": "\r", "backspace": "\x7f", "up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C",
    "left": "\x1b[D", "home": "\x1b[H", "end": "\x1b[F", "delete": "\x1b[3~",
    "f2": "\x1bOQ", "f3": "\x1bOR", "escape": "\x1b", "ctrl+q": "\x11",
}


class TerminalApp:
    """`python -m lstm_tui ARGS` on a pty of `size` (columns, rows)."""

    def __init__(self, args: list[str], size: tuple[int, int] = (120, 40), env: dict | None = None) -> None:
        self.columns, self.rows = size
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.columns, 0, 0))
        # No COLUMNS/LINES: they would win over the pty's size, and the app would never see a resize.
        environment = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
        environment.update({"TERM": "xterm-256color", **(env or {})})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lstm_tui", *args], stdin=slave, stdout=slave, stderr=slave,
            env=environment, start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.raw = bytearray()
        self.screen = pyte.Screen(self.columns, self.rows)
        self.stream = pyte.ByteStream(self.screen)

    def pump(self, seconds: float = 0.05) -> None:
        """Read whatever the app wrote within `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.master], [], [], max(left, 0))
            if not ready:
                return
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.raw += data
            self.stream.feed(data)

    def text(self) -> str:
        """The screen as a person reads it."""
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, condition: Callable[[str], bool], timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            if condition(self.text()):
                return self.text()
        raise AssertionError(f"the screen never showed what was expected; it shows:\n{self.text()}")

    def send(self, *keys: str) -> None:
        for key in keys:
            os.write(self.master, KEYS.get(key, key).encode("utf-8"))
            self.pump(0.05)

    def resize(self, columns: int, rows: int) -> None:
        """Change the terminal's size, as a terminal window does (the app gets SIGWINCH)."""
        self.columns, self.rows = columns, rows
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.screen.resize(rows, columns)
        os.killpg(self.process.pid, signal.SIGWINCH)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.pump(0.1)
        os.close(self.master)


def run_folder_arg(folder: Path) -> list[str]:
    return ["--model", str(folder)]
