"""eval.json → `RecordedEval`: the report `lstm-tui eval --record` kept in the run folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lstm_tui.engine.data.tokenizers import CONCRETE_TOKENIZERS, LEVELS
from lstm_tui.engine.runs.run_files.checks import Invalid, checked, from_json, items, maybe, number, one_of, record, text, whole
from lstm_tui.engine.runs.run_files.reading import DamagedFile, inside, read_json
from lstm_tui.engine.runs.run_folder import EVAL_JSON


@dataclass(frozen=True)
class TypingRecord:
    """Keystroke savings of a simulated typist."""

    chars: int = checked(whole(0))
    keystrokes: int = checked(whole(0))
    accepted: int = checked(whole(0))
    ksr: float = checked(number(high=1.0))


@dataclass(frozen=True)
class ScoresRecord:
    """How well one model predicted the held-out tokens."""

    name: str = checked(text())
    tokens: int = checked(whole(0))
    nll: float = checked(number(0.0))
    perplexity: float = checked(number(1.0))
    top1: float = checked(number(0.0, 1.0))
    top3: float = checked(number(0.0, 1.0))
    top5: float = checked(number(0.0, 1.0))
    seconds: float = checked(number(0.0))
    bits_per_char: float | None = checked(maybe(number(0.0)), None)
    typing: TypingRecord | None = checked(maybe(record(TypingRecord)), None)


@dataclass(frozen=True)
class LatencyRecord:
    tokens: int = checked(whole(0))
    p50_us: float = checked(number(0.0))
    p99_us: float = checked(number(0.0))
    mean_us: float = checked(number(0.0))


@dataclass(frozen=True)
class CacheRecord:
    size: int = checked(whole(0))
    theta: float = checked(number(0.0))
    mix: float = checked(number(0.0, 1.0))


@dataclass(frozen=True)
class RecordedEval:
    """eval.json: the report `lstm-tui eval --record` kept in the folder."""

    model: str = checked(text())
    file: str = checked(text())
    level: str = checked(one_of(*LEVELS))
    tokenizer: str = checked(one_of(*CONCRETE_TOKENIZERS))
    tokens: int = checked(whole(0))
    unk_share: float = checked(number(0.0, 1.0))
    lstm: ScoresRecord = checked(record(ScoresRecord))
    latency: LatencyRecord = checked(record(LatencyRecord))
    typing: TypingRecord | None = checked(maybe(record(TypingRecord)))
    baselines: list = checked(items(record(ScoresRecord), 100), [])
    notes: list = checked(items(text(), 100), [])
    split: str | None = checked(maybe(one_of("valid", "test")), None)
    model_updated: str | None = checked(maybe(text()), None)
    """model.json's `updated` of the weights it describes."""
    cache: CacheRecord | None = checked(maybe(record(CacheRecord)), None)
    lstm_alone: ScoresRecord | None = checked(maybe(record(ScoresRecord)), None)
    recorded: str | None = checked(maybe(text()), None)


def read_recorded_eval(folder: Path) -> RecordedEval | None:
    """The folder's eval.json, checked; None when there is none (a damaged one is a `DamagedFile`)."""
    path = inside(Path(folder), EVAL_JSON)
    if not path.exists() and not path.is_symlink():
        return None
    try:
        return from_json(RecordedEval, read_json(path, max_bytes=16 << 20))
    except Invalid as exc:
        raise DamagedFile(path, f"does not describe an evaluation ({exc})", "run `lstm-tui eval --record` again",
                          reason=f"{path.name}: {exc}") from None
