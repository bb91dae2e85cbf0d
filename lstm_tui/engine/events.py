"""Training events: one JSON object per line in the run folder's `events.jsonl`.

The headless printer and the TUI render these same events; a UI following a run started
elsewhere (over SSH) tails the file with `EventFollower`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

EVENT_TYPES = (
    "started",
    "progress",
    "validation",
    "sample",
    "checkpoint",
    "finished",
    "interrupted",
    "failed",
    "notice",
)

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


class EventLog:
    """Appends events to events.jsonl (flushed per line) and hands them to listeners."""

    def __init__(self, path: Path | None, listeners: list[Listener] | None = None) -> None:
        self.path = path
        self.listeners: list[Listener] = list(listeners or [])
        self._handle = open(path, "a", encoding="utf-8") if path is not None else None  # noqa: SIM115

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


def read_events(path: Path) -> list[dict]:
    """Every complete event in a file (a half-written last line is ignored)."""
    return EventFollower(path).poll()


class EventFollower:
    """Reads the events appended to a file since the last poll."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._offset = 0
        self._partial = b""

    def poll(self) -> list[dict]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        self._offset += len(data)
        data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()
        events = []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("event") in EVENT_TYPES:
                events.append(event)
        return events
