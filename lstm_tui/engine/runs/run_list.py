"""Run folders as a list: what the `models` command and the TUI's models screen show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_folder import EVAL_JSON, MODEL_JSON, MODEL_NPZ, read_json, run_state


@dataclass(frozen=True)
class RunInfo:
    """One run folder, summarised from its model.json without loading weights."""

    folder: Path
    name: str
    corpus: str
    level: str
    tokenizer: str
    vocab: int
    parameters: int
    valid_ppl: float | None
    updated: str
    size_bytes: int
    state: str
    evaluation: dict | None = field(default=None, compare=False)
    """The report `lstm-tui eval --record` kept in the folder (eval.json), if any."""


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def read_run(folder: Path) -> RunInfo | None:
    """A summary of a run folder, or None if it has no readable model.json."""
    try:
        meta = read_json(folder / MODEL_JSON)
        if not isinstance(meta, dict):
            return None
        metrics = meta.get("metrics") or {}
        ppl = metrics.get("valid_ppl")
        updated = meta.get("updated") or datetime.fromtimestamp((folder / MODEL_JSON).stat().st_mtime).isoformat(timespec="seconds")
        return RunInfo(
            folder=folder,
            name=str(meta.get("name", folder.name)),
            corpus=str((meta.get("corpus") or {}).get("name", "?")),
            level=str(meta.get("level", "?")),
            tokenizer=str(meta.get("tokenizer", "?")),
            vocab=len(meta.get("vocab") or []),
            parameters=int(meta.get("parameters") or 0),
            valid_ppl=float(ppl) if isinstance(ppl, (int, float)) else None,
            updated=str(updated),
            size_bytes=_size(folder),
            state=run_state(folder) if (folder / MODEL_NPZ).exists() else "incomplete",
            evaluation=_recorded_eval(folder, meta.get("updated")),
        )
    except (OSError, UserError, ValueError, TypeError):
        return None


def _recorded_eval(folder: Path, updated: object) -> dict | None:
    """The recorded eval report (eval.json) of the weights now in the folder, else None."""
    try:
        data = read_json(folder / EVAL_JSON)
    except (OSError, UserError):
        return None
    if not (isinstance(data, dict) and isinstance(data.get("lstm"), dict)):
        return None
    return data if data.get("model_updated") == updated else None


def list_runs(root: Path) -> list[RunInfo]:
    """Run folders directly under `root` (newest first)."""
    if not root.is_dir():
        return []
    runs = [info for child in root.iterdir() if child.is_dir() and (info := read_run(child)) is not None]
    return sorted(runs, key=lambda r: r.updated, reverse=True)


def scan_runs(roots: list[Path]) -> list[RunInfo]:
    """Runs under each root (or the root itself when it is a run folder), newest first, each once."""
    seen: dict[Path, RunInfo] = {}
    for root in roots:
        infos = [info] if (root / MODEL_JSON).exists() and (info := read_run(root)) else list_runs(root)
        for info in infos:
            seen.setdefault(info.folder.resolve(), info)
    return sorted(seen.values(), key=lambda r: r.updated, reverse=True)
