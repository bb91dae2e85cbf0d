"""model.json → `ModelMeta`: what rebuilds the model and describes the run, checked field by field."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lstm_tui.engine.data.tokenizers import CONCRETE_TOKENIZERS, LEVELS
from lstm_tui.engine.data.vocabulary import Vocabulary
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.neural_cache import CacheSettings
from lstm_tui.engine.model.language_model import ModelConfig
from lstm_tui.engine.runs.run_files.checks import (
    Check, Invalid, checked, flag, from_json, items, json_object, maybe, number, one_of, record, text, whole,
)
from lstm_tui.engine.runs.run_files.reading import DamagedFile, inside, read_json
from lstm_tui.engine.runs.run_folder import MODEL_JSON
from lstm_tui.engine.train.config import TrainConfig

FORMAT_VERSION = 1  # of model.json: a newer one is refused with "upgrade lstm-tui"
MAX_UNITS = 16_384  # LSTM units, and embedding size: far beyond what this project trains
MAX_VOCAB = 2_000_000  # vocabulary entries
RUN_STATES = ("running", "finished", "interrupted", "failed")  # what model.json's "state" may say


def bad_meta(path: Path, why: object) -> DamagedFile:
    return DamagedFile(path, f"does not describe a model ({why})", "the run folder is damaged or not from lstm-tui",
                       reason=f"{path.name}: {why}")


def vocabulary(value: Any, where: str) -> Vocabulary:
    tokens = items(text(max_chars=1 << 20), MAX_VOCAB)(value, where)
    try:
        return Vocabulary(tokens)
    except ValueError as exc:
        raise Invalid(where, str(exc)) from None


def train_config(value: Any, where: str) -> TrainConfig:
    """model.json's "train": every option it records of its declared type, and valid as a whole."""
    data = json_object(value, where)
    try:
        config = TrainConfig.from_dict(data)
        config.validate()
    except UserError as exc:
        raise Invalid(f"{where}.{exc.field}" if exc.field else where, f"is refused ({exc})") from None
    return config


@dataclass(frozen=True)
class ModelRecord:
    """model.json's "model": the network's sizes (`ModelConfig`), bounded."""

    vocab_size: int = checked(whole(1, MAX_VOCAB))
    units: int = checked(whole(1, MAX_UNITS))
    embed: int = checked(whole(1, MAX_UNITS))
    dropout: float = checked(number(0.0, below=1.0))
    tie_weights: bool = checked(flag)
    embed_dropout: float | None = checked(maybe(number(0.0, below=1.0)), None)

    def config(self) -> ModelConfig:
        return ModelConfig(**dataclasses.asdict(self))


@dataclass(frozen=True)
class CorpusRecord:
    """model.json's "corpus": which text the run trained on."""

    name: str | None = checked(maybe(text()), None)
    sha256: str | None = checked(maybe(text(128)), None)


@dataclass(frozen=True)
class Metrics:
    """model.json's "metrics": the losses of the weights in the folder."""

    valid_loss: float | None = checked(maybe(number()), None)
    valid_ppl: float | None = checked(maybe(number(0.0)), None)
    best_valid_loss: float | None = checked(maybe(number()), None)
    test_loss: float | None = checked(maybe(number()), None)
    test_ppl: float | None = checked(maybe(number(0.0)), None)
    history: list = checked(items(json_object), [])


@dataclass(frozen=True)
class ParentRecord:
    """model.json's "parent": the model a fine-tuned run started from (`--init-from`)."""

    name: str = checked(text())
    """The parent's name (its model.json's, else its folder's): "fine-tuned from default"."""
    source: str = checked(text())
    """What `--init-from` named: default / default-ja, or the parent's folder."""
    sha256: str | None = checked(maybe(text(128)), None)
    """The digest of the parent's model.npz when the run started from it."""
    corpus: str | None = checked(maybe(text()), None)
    """The corpus the parent was trained on."""
    added_tokens: int = checked(whole(0, MAX_VOCAB), 0)
    """Tokens of the new corpus added to the parent's vocabulary."""

    @property
    def label(self) -> str:
        """How the run's parent is shown: `fine-tuned from default`."""
        return f"fine-tuned from {self.name}"


def _or_empty(cls: type) -> Check:
    """A JSON object read as `cls`, or null for an empty one (older runs wrote null)."""
    def check(value: Any, where: str) -> Any:
        return cls() if value is None else from_json(cls, value, where)
    return check


@dataclass(frozen=True)
class ModelMeta:
    """model.json: what rebuilds the model (sizes, vocabulary, tokenizer) and describes the run."""

    format_version: int = checked(whole(0))
    level: str = checked(one_of(*LEVELS))
    tokenizer: str = checked(one_of(*CONCRETE_TOKENIZERS))
    model: ModelRecord = checked(record(ModelRecord))
    vocab: Vocabulary = checked(vocabulary)
    name: str | None = checked(maybe(text()), None)
    train: TrainConfig | None = checked(maybe(train_config), None)
    """The training options recorded with the run (None for runs that recorded none)."""
    corpus: CorpusRecord = checked(_or_empty(CorpusRecord), CorpusRecord())
    parent: ParentRecord | None = checked(maybe(record(ParentRecord)), None)
    """The model this run was fine-tuned from (None: trained from scratch)."""
    metrics: Metrics = checked(_or_empty(Metrics), Metrics())
    parameters: int | None = checked(maybe(whole(0)), None)
    state: str | None = checked(maybe(one_of(*RUN_STATES)), None)
    step: int | None = checked(maybe(whole(0)), None)
    epoch: float | None = checked(maybe(number(0.0)), None)
    tokens_seen: int | None = checked(maybe(whole(0)), None)
    elapsed_seconds: float | None = checked(maybe(number(0.0)), None)
    device: str | None = checked(maybe(text()), None)
    seed: int | None = checked(maybe(whole(None)), None)
    created: str | None = checked(maybe(text()), None)
    updated: str | None = checked(maybe(text()), None)
    """When the weights in the folder were saved (an eval.json names the weights it describes by it)."""
    raw: dict = field(default_factory=dict, repr=False, compare=False)
    """The object as read, checked: for the trainer, which rewrites model.json keeping its fields."""

    @property
    def config(self) -> ModelConfig:
        return self.model.config()

    @property
    def cache(self) -> CacheSettings:
        """The continuous cache the run records (off for runs made before it)."""
        return (self.train or TrainConfig()).prediction.cache


def parse_model_meta(data: object, path: Path) -> ModelMeta:
    """model.json's contents checked (a `DamagedFile` naming the first bad field)."""
    version = data.get("format_version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise DamagedFile(path, f"has format version {version}, newer than this lstm-tui understands ({FORMAT_VERSION})",
                          "upgrade lstm-tui")
    try:
        meta = from_json(ModelMeta, data)
    except Invalid as exc:
        raise bad_meta(path, exc) from None
    model = meta.model
    if model.vocab_size != len(meta.vocab):
        raise bad_meta(path, f"vocab_size {model.vocab_size} but {len(meta.vocab)} vocabulary entries")
    if model.tie_weights and model.embed != model.units:
        raise bad_meta(path, f"tie_weights needs embed == units, got {model.embed} and {model.units}")
    if (meta.level == "char") != (meta.tokenizer == "char"):
        raise bad_meta(path, f"level {meta.level} with tokenizer {meta.tokenizer}")
    return dataclasses.replace(meta, raw=data)  # type: ignore[arg-type]


def read_model_meta(folder: Path) -> ModelMeta:
    """A run folder's model.json, checked."""
    folder = Path(folder)
    path = inside(folder, MODEL_JSON)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder; give a run folder that holds model.npz and model.json")
    return parse_model_meta(read_json(path), path)
