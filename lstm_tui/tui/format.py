"""Small text formatters shared by the screens (numbers, sizes, durations, dates)."""

from __future__ import annotations

from datetime import datetime

from lstm_tui.engine.data.textfile import neutralise


def seconds(value: float | None) -> str:
    """`1:02:03` or `2:03` for a duration in seconds; `?` when unknown."""
    if value is None:
        return "?"
    total = max(0, int(value))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def size(num_bytes: int | None) -> str:
    """A byte count to three significant digits: `512 B`, `30.0 kB`, `367 kB`, `1.23 MB`."""
    if num_bytes is None:
        return "?"
    value = float(num_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 999.5 or unit == "GB":
            break
        value /= 1000
    if unit == "B":
        return f"{value:.0f} B"
    digits = 2 if value < 9.995 else 1 if value < 99.95 else 0
    return f"{value:.{digits}f} {unit}"


def count(value: int | None) -> str:
    """A whole number with thousands separators, or `?`."""
    return "?" if value is None else f"{value:,}"


def number(value: float | None, digits: int = 2) -> str:
    """A float with `digits` decimals, or `-` when missing."""
    return "-" if value is None else f"{value:.{digits}f}"


def rate(value: float | None) -> str:
    """A learning rate to three significant digits (0.002, 3.91e-06), or `-` when missing."""
    return f"{value:.3g}" if isinstance(value, (int, float)) else "-"


def local_time(iso: str) -> str:
    """An ISO timestamp (as model.json stores it) as local `YYYY-MM-DD HH:MM`."""
    try:
        moment = datetime.fromisoformat(iso)
        if moment.tzinfo is not None:
            moment = moment.astimezone()
    except (ValueError, OverflowError):  # not a timestamp, or one the local time zone cannot show
        return neutralise(iso[:16]).replace("\n", "↵")
    return moment.strftime("%Y-%m-%d %H:%M")
