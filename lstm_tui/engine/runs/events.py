"""Training events: one JSON object per line in the run folder's `events.jsonl`.

The headless printer and the TUI render these same events; a UI following a run started
elsewhere (over SSH) tails the file with `EventFollower`.
"""

from __future__ import annotations

import errno
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_files.event_lines import EVENT_TYPES, MAX_EVENT_LINE, TrainingEvent, parse_event

Listener = Callable[[dict], None]


def _clean(value):
    """JSON has no NaN/inf: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _open_for_append(path: Path):
    """Append to `path`, refusing a symlink: a run folder from elsewhere must not redirect writes."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserError(f"{path} is a symlink; refusing to write through it — remove it, or train into another --out") from None
        raise UserError(f"cannot write {path} ({exc.strerror}); choose a writable --out") from None
    return os.fdopen(fd, "a", encoding="utf-8")


class EventLog:
    """Appends events to events.jsonl (flushed per line) and hands them to listeners."""

    def __init__(self, path: Path | None, listeners: list[Listener] | None = None) -> None:
        self.path = path
        self.listeners: list[Listener] = list(listeners or [])
        self._handle = _open_for_append(path) if path is not None else None

    def emit(self, kind: str, **fields) -> dict:
        assert kind in EVENT_TYPES, kind
        event = _clean({"event": kind, "time": round(time.time(), 3), **fields})
        if self._handle is not None:
            self._handle.write(json.dumps(event, ensure_ascii=False) + "\n")
            self._handle.flush()
        for listener in self.listeners:
            listener(event)
        return event

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def read_events(path: Path) -> list[TrainingEvent]:
    """Every complete, well-formed event in a file (a half-written last line is ignored)."""
    return EventFollower(path).poll()


class EventFollower:
    """Reads the events appended to a file since the last poll; lines that are not well-formed
    events (damaged, hand-edited, from another version) are skipped and counted."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.skipped = 0
        """Lines skipped so far because they were not events this version reads."""
        self._offset = 0
        self._partial = b""

    def poll(self) -> list[TrainingEvent]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except OSError:  # not there yet, or not a readable file: nothing to show
            return []
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        if len(self._partial) > MAX_EVENT_LINE:  # no trainer writes such a line: drop it as it grows
            self._partial = b""
            self.skipped += 1
        events = []
        for line in lines:
            if not line.strip():
                continue
            try:
                events.append(parse_event(line))
            except ValueError:
                self.skipped += 1
        return events
