"""The model file format: `model.npz` (weights) and `model.json` (config, vocabulary, metadata).

Weights are Chainer npz files read with `allow_pickle=False`; model.json is validated field by
field before a model is built from it. Nothing a user hands us is ever unpickled.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_tui.engine.data.vocabulary import Vocabulary
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
from lstm_tui.engine.runs.atomic import atomic_write_bytes, atomic_write_text
from lstm_tui.engine.runs.run_folder import MODEL_JSON, MODEL_NPZ, inside, read_json, read_npz
from lstm_tui.engine.runtime.chainer_compat import chainer, serializers

FORMAT_VERSION = 1


@dataclass
class SavedModel:
    """A model read back from a run folder, with its metadata."""

    model: LanguageModel
    meta: dict
    vocab: Vocabulary
    folder: Path

    @property
    def config(self) -> ModelConfig:
        return self.model.config


def arrays_of(obj) -> dict[str, np.ndarray]:
    """A Link's or Optimizer's state as NumPy arrays (device-neutral)."""
    serializer = serializers.DictionarySerializer()
    serializer.save(obj)
    return {k: chainer.backend.CpuDevice().send(v) if v is not None else np.zeros(0) for k, v in serializer.target.items()}


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An npz file's bytes, built in memory so that it can be written atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write_model(folder: Path, model: LanguageModel, meta: dict) -> None:
    """model.npz then model.json, each atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(folder / MODEL_NPZ, npz_bytes(arrays_of(model)))
    write_meta(folder, meta)


def write_meta(folder: Path, meta: dict) -> None:
    atomic_write_text(folder / MODEL_JSON, json.dumps({"format_version": FORMAT_VERSION, **meta}, ensure_ascii=False, indent=1))


def read_meta(folder: Path) -> dict:
    """model.json, checked for the fields the engine relies on."""
    folder = Path(folder)
    path = inside(folder, MODEL_JSON)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder; give a run folder that holds model.npz and model.json")
    meta = read_json(path)
    _validate_meta(meta, path)
    return meta


def _validate_meta(meta: object, path: Path) -> None:
    def bad(why: str) -> UserError:
        return UserError(f"{path} does not describe a model ({why}); the run folder is damaged or not from lstm-tui")

    if not isinstance(meta, dict):
        raise bad("not an object")
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise bad("no format_version")
    if version > FORMAT_VERSION:
        raise UserError(f"{path} has format version {version}, newer than this lstm-tui understands ({FORMAT_VERSION}); upgrade lstm-tui")
    for key, kind in (("model", dict), ("vocab", list), ("tokenizer", str), ("level", str)):
        if not isinstance(meta.get(key), kind):
            raise bad(f"field {key!r} missing or not a {kind.__name__}")
    try:
        config = ModelConfig.from_dict(meta["model"])
        Vocabulary.from_json(meta["vocab"])
    except (KeyError, TypeError, ValueError) as exc:
        raise bad(str(exc)) from None
    if config.vocab_size != len(meta["vocab"]):
        raise bad(f"vocab_size {config.vocab_size} but {len(meta['vocab'])} vocabulary entries")
    if min(config.units, config.embed, config.vocab_size) < 1 or not 0 <= config.dropout < 1 or not 0 <= config.effective_embed_dropout < 1:
        raise bad("impossible model sizes")


def load_into(model: chainer.Link, arrays: dict[str, np.ndarray], path: Path, prefix: str = "") -> None:
    """Copy arrays into a Link, checking every name and shape first."""
    expected = dict(model.namedparams())
    for name, param in expected.items():
        key = prefix + name.lstrip("/")
        if key not in arrays:
            raise UserError(f"{path} does not match model.json (no weights for {name}); the run folder is damaged")
        if arrays[key].shape != param.shape:
            raise UserError(
                f"{path} does not match model.json ({name} has shape {arrays[key].shape}, expected {param.shape})"
            )
        if arrays[key].dtype.kind != "f":
            raise UserError(f"{path}: {name} is not floating point; the file is not an lstm-tui model")
    for name, param in expected.items():
        param.array[...] = model.xp.asarray(arrays[prefix + name.lstrip("/")].astype(np.float32))


def load_model(folder: Path | str) -> SavedModel:
    """Read and validate a run folder's model (CPU arrays; move it with `to_device`)."""
    folder = Path(folder).expanduser().resolve()
    meta = read_meta(folder)
    config = ModelConfig.from_dict(meta["model"])
    model = LanguageModel(config)
    path = inside(folder, MODEL_NPZ)
    load_into(model, read_npz(path), path)
    return SavedModel(model=model, meta=meta, vocab=Vocabulary.from_json(meta["vocab"]), folder=folder)
