"""Run folders as a list: what the `models` command and the TUI's models screen show.

A folder with a model.json is a run; one whose files do not check out (`run_files`) is listed
as `damaged` with the reason, so that one bad folder never hides the others or stops the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.runs.run_files.eval_json import RecordedEval, read_recorded_eval
from lstm_tui.engine.runs.run_files.model_json import ModelMeta, ParentRecord, read_model_meta
from lstm_tui.engine.runs.run_files.reading import check_weights, inside, npz_headers
from lstm_tui.engine.runs.run_folder import MODEL_JSON, MODEL_NPZ, TRAINER_NPZ
from lstm_tui.engine.runs.run_lock import live_owner

DAMAGED = "damaged"


@dataclass(frozen=True)
class RunInfo:
    """One run folder, summarised from its model.json and model.npz's headers without loading weights."""

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
    """running / finished / interrupted / failed / incomplete (no weights yet) / damaged."""
    evaluation: RecordedEval | None = field(default=None, compare=False)
    """The report `lstm-tui eval --record` kept in the folder (eval.json), if any."""
    problem: str | None = None
    """Why the folder is damaged (one line), for the state `damaged`."""
    eval_problem: str | None = None
    """Why the folder's eval.json was ignored (one line), if it was."""
    parent: ParentRecord | None = None
    """The model a fine-tuned run started from (`--init-from`); None: trained from scratch."""


def run_state(folder: Path) -> str:
    """running / finished / interrupted / failed / unknown, from the lock and model.json."""
    folder = Path(folder)
    if live_owner(folder) is not None:
        return "running"
    try:
        return _recorded_state(read_model_meta(folder))
    except UserError:
        return "interrupted" if (folder / TRAINER_NPZ).exists() else "unknown"


def _recorded_state(meta: ModelMeta) -> str:
    """What model.json says, where "running" means the trainer stopped without saying so."""
    return "interrupted" if meta.state in (None, "running") else meta.state


def _size(folder: Path) -> int:
    total = 0
    try:
        for path in folder.iterdir():
            try:
                total += path.stat().st_size if path.is_file() else 0
            except OSError:
                pass
    except OSError:
        pass
    return total


def _modified(path: Path) -> str:
    try:
        return datetime.fromtimestamp(path.lstat().st_mtime).isoformat(timespec="seconds")
    except OSError:
        return ""


def read_run(folder: Path) -> RunInfo | None:
    """A summary of a run folder (state `damaged` with the reason when its files do not check
    out), or None when it holds no model.json at all."""
    folder = Path(folder)
    json_path = folder / MODEL_JSON
    if not (json_path.exists() or json_path.is_symlink()):
        return None
    try:
        meta = read_model_meta(folder)
        weights = inside(folder, MODEL_NPZ)
        if weights.exists():
            check_weights(meta.config, npz_headers(weights), weights)
    except UserError as exc:
        return damaged_run(folder, getattr(exc, "reason", str(exc)))
    evaluation, eval_problem = _recorded_eval(folder, meta.updated)
    if not weights.exists():
        state = "incomplete"
    else:
        state = "running" if live_owner(folder) is not None else _recorded_state(meta)
    return RunInfo(
        folder=folder,
        name=meta.name if meta.name is not None else folder.name,
        corpus=meta.corpus.name or "?",
        level=meta.level,
        tokenizer=meta.tokenizer,
        vocab=len(meta.vocab),
        parameters=meta.parameters or 0,
        valid_ppl=meta.metrics.valid_ppl,
        updated=meta.updated or _modified(json_path),
        size_bytes=_size(folder),
        state=state,
        evaluation=evaluation,
        eval_problem=eval_problem,
        parent=meta.parent,
    )


def damaged_run(folder: Path, reason: str) -> RunInfo:
    """A run folder whose files do not check out, listed with the reason."""
    return RunInfo(folder=folder, name=folder.name, corpus="?", level="?", tokenizer="?", vocab=0, parameters=0,
                   valid_ppl=None, updated=_modified(folder / MODEL_JSON), size_bytes=_size(folder), state=DAMAGED,
                   problem=reason)


def _recorded_eval(folder: Path, updated: str | None) -> tuple[RecordedEval | None, str | None]:
    """The recorded eval report (eval.json) of the weights now in the folder, else None; and why
    it was ignored when it does not check out."""
    try:
        report = read_recorded_eval(folder)
    except UserError as exc:
        return None, getattr(exc, "reason", str(exc))
    if report is None or report.model_updated != updated:
        return None, None
    return report, None


def list_runs(root: Path) -> list[RunInfo]:
    """Run folders directly under `root` (newest first)."""
    try:
        children = [child for child in root.iterdir() if child.is_dir()] if root.is_dir() else []
    except OSError:
        return []
    runs = [info for child in children if (info := read_run(child)) is not None]
    return sorted(runs, key=lambda r: r.updated, reverse=True)


def scan_runs(roots: list[Path]) -> list[RunInfo]:
    """Runs under each root (or the root itself when it is a run folder), newest first, each once."""
    seen: dict[Path, RunInfo] = {}
    for root in roots:
        infos = [info] if (root / MODEL_JSON).exists() and (info := read_run(root)) else list_runs(root)
        for info in infos:
            seen.setdefault(info.folder.resolve(), info)
    return sorted(seen.values(), key=lambda r: r.updated, reverse=True)
