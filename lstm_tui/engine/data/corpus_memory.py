"""Memory checks before loading a corpus, so a huge file fails with a number instead of the OOM killer."""

from __future__ import annotations

from lstm_tui.engine.errors import UserError

# bytes of memory per byte of corpus file, measured for the whole path: raw bytes, decoded str,
# UTF-32 code points (chars) or token strings (words), and the int32 id array.
BYTES_PER_FILE_BYTE = 12


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo in bytes, or None where that is unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def human_size(n: float) -> str:
    """Bytes as MB or GB, for messages."""
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def require_memory(file_bytes: int, what: str) -> int:
    """Raise a UserError stating the memory a corpus needs when the machine has less; returns the need."""
    need = file_bytes * BYTES_PER_FILE_BYTE
    have = available_memory()
    if have is not None and need > have:
        raise UserError(
            f"{what} is {human_size(file_bytes)}; preparing it needs about {human_size(need)} of memory but {human_size(have)} is available — "
            f"train on a part of it (e.g. head -c 200M FILE > part.txt) or on a machine with more memory"
        )
    return need
