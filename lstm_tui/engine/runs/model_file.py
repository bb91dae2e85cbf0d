"""The model file format: `model.npz` (weights) and `model.json` (config, vocabulary, metadata).

Weights are Chainer npz files read with `allow_pickle=False`, after their headers are checked
against model.json (`run_files`); nothing a user hands us is ever unpickled, and no model is
built before its weights are known to fit it.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_tui.engine.data.vocabulary import Vocabulary
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
from lstm_tui.engine.runs.atomic import atomic_write_bytes, atomic_write_text
from lstm_tui.engine.runs.run_files.model_json import FORMAT_VERSION, ModelMeta, read_model_meta
from lstm_tui.engine.runs.run_files.reading import DamagedFile, check_weights, inside, npz_headers, read_npz
from lstm_tui.engine.runs.run_folder import MODEL_JSON, MODEL_NPZ
from lstm_tui.engine.runtime.chainer_compat import chainer, serializers


@dataclass
class SavedModel:
    """A model read back from a run folder, with its metadata."""

    model: LanguageModel
    meta: ModelMeta
    folder: Path

    @property
    def config(self) -> ModelConfig:
        return self.model.config

    @property
    def vocab(self) -> Vocabulary:
        return self.meta.vocab


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
    """model.json as a plain object, after every field is checked (`read_model_meta`): for the
    trainer, which rewrites it keeping its fields. Everything else reads `ModelMeta`."""
    return read_model_meta(folder).raw


def load_into(model: chainer.Link, arrays: dict[str, np.ndarray], path: Path, prefix: str = "") -> None:
    """Copy arrays into a Link, checking every name, shape and value first."""
    expected = dict(model.namedparams())
    for name, param in expected.items():
        key = prefix + name.lstrip("/")
        if key not in arrays:
            raise DamagedFile(path, f"does not match model.json (no weights for {name})", "the run folder is damaged")
        if arrays[key].shape != param.shape:
            raise DamagedFile(path, f"does not match model.json ({name} has shape {arrays[key].shape}, expected {param.shape})",
                              "the run folder is damaged")
        if arrays[key].dtype.kind != "f":
            raise DamagedFile(path, f"holds {name} as {arrays[key].dtype}, not floating point", "it is not an lstm-tui model")
        if not np.isfinite(arrays[key]).all():
            raise DamagedFile(path, f"holds NaN or infinite weights in {name}", "use another checkpoint")
    for name, param in expected.items():
        param.array[...] = model.xp.asarray(arrays[prefix + name.lstrip("/")].astype(np.float32))


def load_model(folder: Path | str) -> SavedModel:
    """Read and check a run folder's model (CPU arrays; move it with `to_device`): model.json,
    then model.npz's headers against it, and only then the model and its weights."""
    folder = Path(folder).expanduser().resolve()
    meta = read_model_meta(folder)
    path = inside(folder, MODEL_NPZ)
    check_weights(meta.config, npz_headers(path), path)
    model = LanguageModel(meta.config)
    load_into(model, read_npz(path), path)
    return SavedModel(model=model, meta=meta, folder=folder)
