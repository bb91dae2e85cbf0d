"""Fine-tuning (`--init-from MODEL`): a new run that starts from a trained model.

The new run takes its parent's weights, vocabulary and tokenizer, so the options that size the
network or split the text (`Parent.sizes`) come from the parent: an option left at its default
(or at the corpus's catalogue suggestion) takes the parent's value, and one that asks for
something else is an error naming its flag. The prediction settings (the cache) left at their
defaults take the parent's too. The parent folder is only read: the run goes into a folder of its
own and records its parent in model.json ("parent"). A resumed fine-tuned run continues from its
own checkpoint; the parent is not read again.

Tokens of the new corpus that the parent never saw get new embedding and output rows
(`parent_vocabulary`); a corpus mostly outside the parent's vocabulary (Japanese text into the
English default) is refused, since nothing the parent learnt would carry over.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lstm_tui.engine.data.catalogue import load_catalogue
from lstm_tui.engine.data.dataset import Dataset, load_config_corpus, load_dataset
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.model.language_model import LanguageModel
from lstm_tui.engine.runs.model_file import load_into
from lstm_tui.engine.runs.run_files.model_json import ModelMeta, ParentRecord, read_model_meta
from lstm_tui.engine.runs.run_files.reading import check_weights, inside, npz_headers, read_npz
from lstm_tui.engine.runs.run_folder import MODEL_JSON, MODEL_NPZ
from lstm_tui.engine.train.config import RunConfig, TrainConfig
from lstm_tui.engine.train.parent_vocabulary import VocabularyGrowth, grow_vocabulary, grown_weights
from lstm_tui.paths import checkpoints_dir, default_model_dir

SHIPPED = ("default", "default-ja")
"""Words `--init-from` takes for the shipped models (found where `paths` finds them)."""
PREDICTION_OPTIONS = ("cache_size", "cache_theta", "cache_mix")
"""Taken from the parent where left at their defaults: the parent's cache suits its text."""
FROM_SCRATCH = "leave it out, or train from scratch without --init-from"


@dataclass(frozen=True)
class Parent:
    """A trained model a new run starts from, located and checked (its weights not yet read)."""

    source: str
    """What the run records as its init_from: a shipped model's word, or the folder's absolute path."""
    folder: Path
    meta: ModelMeta

    @property
    def name(self) -> str:
        """How the parent is named to the user ("fine-tuned from default")."""
        return self.meta.name or self.folder.name

    def sizes(self) -> dict[str, Any]:
        """The parent's value of each size option: a fine-tuned model has its parent's shape and vocabulary."""
        train = self.meta.train.run if self.meta.train is not None else RunConfig()
        model = self.meta.model
        tokenizer = self.meta.tokenizer if self.meta.level == "word" else "auto"  # a char run records `char`
        return dict(level=self.meta.level, tokenizer=tokenizer, units=model.units, embed=model.embed,
                    tie_weights=model.tie_weights, vocab_size=train.vocab_size)

    def prediction(self) -> dict[str, Any]:
        """The parent's prediction settings (its cache)."""
        recorded = self.meta.cache
        return {name: getattr(recorded, name.removeprefix("cache_")) for name in PREDICTION_OPTIONS}

    def configure(self, config: TrainConfig) -> TrainConfig:
        """`config` with the parent's sizes (and cache, where left at its default); a UserError
        naming the flag of a size option that asks for something else."""
        declared = {d.name: d for d in TrainConfig.declared()}
        given = config.values()
        suggested = catalogue_suggestions(config.run.corpus)
        changes: dict[str, Any] = {"init_from": self.source}
        for name, wanted in self.sizes().items():
            value = given[name]
            if name == "tokenizer" and self.meta.level == "char":
                continue  # characters: no tokenizer to keep or change
            if value == wanted or value == declared[name].default or value == suggested.get(name):
                changes[name] = wanted
                continue
            raise UserError(self._conflict(declared[name].label, name, value, wanted), field=name)
        for name, value in self.prediction().items():
            if given[name] == declared[name].default:
                changes[name] = value
        return config.replace(**changes)

    def _conflict(self, flag: str, name: str, value: Any, wanted: Any) -> str:
        """Why `flag value` cannot go with this parent, and what to do."""
        shown = flag if isinstance(value, bool) else f"{flag} {value}"
        if name == "level":
            return (f"{shown}: {self.name} is a {wanted}-level model, and a {value}-level model cannot start from it; "
                    f"{FROM_SCRATCH}")
        if name == "tokenizer":
            return f"{shown}: {self.name} splits words with {wanted}, and a model cannot change its tokenizer; {FROM_SCRATCH}"
        if name == "vocab_size":
            return (f"{shown}: a fine-tuned model keeps {self.name}'s vocabulary ({len(self.meta.vocab):,} tokens) and adds "
                    f"the corpus's new tokens; {FROM_SCRATCH}")
        has = {"units": f"{wanted} units", "embed": f"an embedding of {wanted}",
               "tie_weights": "tied weights" if wanted else "untied weights"}[name]
        return f"{shown}: {self.name} has {has}, and a fine-tuned model keeps its parent's size; {FROM_SCRATCH}"

    # the data and the model ------------------------------------------------------------------
    def dataset(self, run: RunConfig) -> tuple[Dataset, VocabularyGrowth]:
        """The corpus of `run` in the parent's tokens, its new tokens added to the vocabulary
        (a UserError when the corpus is mostly outside it)."""
        corpus = load_config_corpus(run)
        growth = grow_vocabulary(self.meta.vocab, self.meta.tokenizer, corpus, self.name)
        return load_dataset(run, vocab=growth.vocab, tokenizer=self.meta.tokenizer, corpus=corpus), growth

    def initialise(self, model: LanguageModel, growth: VocabularyGrowth, rng: np.random.Generator) -> None:
        """Set `model`'s weights to the parent's, with rows for the added tokens."""
        path = inside(self.folder, MODEL_NPZ)
        arrays = read_npz(path)
        load_into(model, grown_weights(arrays, self.meta.model.tie_weights, len(growth.added), rng), path)

    def record(self, growth: VocabularyGrowth) -> dict:
        """model.json's "parent" (`ParentRecord`)."""
        digest = hashlib.sha256(inside(self.folder, MODEL_NPZ).read_bytes()).hexdigest()
        record = ParentRecord(name=self.name, source=self.source, sha256=digest, corpus=self.meta.corpus.name,
                            added_tokens=len(growth.added))
        return dataclasses.asdict(record)

    def check_out_folder(self, folder: Path) -> None:
        """The run may not write into its parent's folder: the parent is only read."""
        if folder.resolve() == self.folder or self.folder in folder.resolve().parents:
            raise UserError(f"--out {folder} is inside {self.name}'s folder, which fine-tuning only reads; "
                            f"leave --out out or choose another folder")


def catalogue_suggestions(corpus: str | None) -> dict[str, str]:
    """The level and tokenizer the corpus's catalogue entry suggests (they yield to the parent's)."""
    if not corpus:
        return {}
    try:
        entry = load_catalogue().get(corpus)
    except UserError:
        return {}
    return entry.option_defaults() if entry is not None else {}


def model_folder(spec: str) -> tuple[str, Path]:
    """What `--init-from spec` names: (the source to record, the folder), or a UserError."""
    if spec in SHIPPED:
        folder = default_model_dir(spec)
        if not (folder / MODEL_JSON).is_file():
            raise UserError(f"--init-from {spec}: the shipped model {spec} is missing ({folder}); restore it "
                            f"(in a checkout: git checkout -- checkpoints/{spec}; installed: reinstall lstm-tui)", field="init_from")
        return spec, folder.resolve()
    path = Path(spec).expanduser()
    if not path.exists() and len(path.parts) == 1:  # a run's name: look in the checkpoints folder
        path = checkpoints_dir() / spec
    if not path.is_dir():
        raise UserError(f"--init-from {spec}: no such folder; give a run folder, default or default-ja", field="init_from")
    folder = path.resolve()
    if not (folder / MODEL_JSON).exists() and not (folder / MODEL_NPZ).exists():
        raise UserError(f"--init-from {spec}: {folder} is not a model (no model.json and model.npz in it); "
                        f"give a run folder, default or default-ja", field="init_from")
    return str(folder), folder


def find_parent(spec: str) -> Parent:
    """The checked parent model `spec` names (model.json read, model.npz's headers checked)."""
    source, folder = model_folder(spec)
    try:
        meta = read_model_meta(folder)
        weights = inside(folder, MODEL_NPZ)
        check_weights(meta.config, npz_headers(weights), weights)
    except UserError as exc:
        raise UserError(f"--init-from {spec}: {exc}", field="init_from") from None
    return Parent(source, folder, meta)
