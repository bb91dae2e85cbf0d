"""Run folders on disk: `model.npz` + `model.json`, the trainer snapshot, and the run lock.

Weights are Chainer npz files read with `allow_pickle=False`; everything else is JSON validated
field by field. Nothing a user hands us is ever unpickled.
"""

from __future__ import annotations

import io
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_tui.engine.runs.atomic import atomic_write_bytes, atomic_write_text
from lstm_tui.engine.runtime.chainer_compat import chainer, serializers
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
from lstm_tui.engine.data.vocabulary import Vocabulary

FORMAT_VERSION = 1
MODEL_NPZ = "model.npz"
MODEL_JSON = "model.json"
EVAL_JSON = "eval.json"  # the last report `lstm-tui eval --record` kept in the folder
TRAINER_NPZ = "trainer.npz"
EVENTS = "events.jsonl"
LOCK = "train.lock"


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


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _inside(folder: Path, name: str) -> Path:
    """A file of the run folder; a symlink that leads outside it is refused."""
    path = folder / name
    if path.is_symlink():
        target = path.resolve()
        if folder.resolve() not in target.parents:
            raise UserError(f"{path} is a symlink to {target}, outside the model folder; refusing to follow it")
    return path


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise UserError(f"{path} is missing; the folder is not a complete run (train it again or pick another)") from None
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise UserError(f"{path} contains pickled objects; refusing to load it (pickles can run code)") from None
        raise UserError(f"{path} is corrupted or truncated ({exc}); use another checkpoint") from None
    except (OSError, EOFError, Exception) as exc:  # zipfile.BadZipFile and friends
        raise UserError(f"{path} is corrupted or truncated ({type(exc).__name__}); use another checkpoint") from None


def write_model(folder: Path, model: LanguageModel, meta: dict) -> None:
    """model.npz then model.json, each atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(folder / MODEL_NPZ, _npz_bytes(arrays_of(model)))
    write_meta(folder, meta)


def write_meta(folder: Path, meta: dict) -> None:
    atomic_write_text(folder / MODEL_JSON, json.dumps({"format_version": FORMAT_VERSION, **meta}, ensure_ascii=False, indent=1))


def read_meta(folder: Path) -> dict:
    """model.json, checked for the fields the engine relies on."""
    folder = Path(folder)
    path = _inside(folder, MODEL_JSON)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder; give a run folder that holds model.npz and model.json")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path} is missing; the folder is not a complete run (train it again or pick another)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} is not valid JSON ({exc}); the run folder is damaged") from None
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
    path = _inside(folder, MODEL_NPZ)
    load_into(model, _load_npz(path), path)
    return SavedModel(model=model, meta=meta, vocab=Vocabulary.from_json(meta["vocab"]), folder=folder)


def write_trainer_snapshot(folder: Path, model, optimizer, arrays: dict[str, np.ndarray], state: dict,
                           extra: dict[str, np.ndarray] | None = None) -> None:
    """One atomic file with everything resume needs: weights, optimizer, LSTM states, position
    (and `extra` arrays under their own keys, e.g. the weight average's)."""
    payload = {f"model/{k}": v for k, v in arrays_of(model).items()}
    payload.update({f"optimizer/{k}": v for k, v in arrays_of(optimizer).items()})
    payload.update({f"state/{k}": v for k, v in arrays.items()})
    payload.update(extra or {})
    payload["meta"] = np.array(json.dumps(state))
    atomic_write_bytes(folder / TRAINER_NPZ, _npz_bytes(payload))


def read_trainer_snapshot(folder: Path) -> tuple[dict[str, np.ndarray], dict]:
    path = _inside(Path(folder), TRAINER_NPZ)
    arrays = _load_npz(path)
    try:
        state = json.loads(str(arrays.pop("meta")))
    except (KeyError, ValueError):
        raise UserError(f"{path} has no readable trainer state; it cannot be resumed") from None
    return arrays, state


def load_optimizer_state(optimizer, arrays: dict[str, np.ndarray], path: Path) -> None:
    subset = {k[len("optimizer/"):]: v for k, v in arrays.items() if k.startswith("optimizer/")}
    try:
        serializers.NpzDeserializer(subset, strict=True).load(optimizer)
    except (KeyError, ValueError) as exc:
        raise UserError(f"{path}: optimizer state does not fit the model ({exc}); it cannot be resumed") from None


class RunLock:
    """`train.lock` holding host and pid: a second trainer on the same folder refuses to start."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK
        self.held = False

    def acquire(self) -> None:
        me = f"{socket.gethostname()} {os.getpid()}"
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self._stale():
                    self.path.unlink(missing_ok=True)
                    continue
                owner = self._owner() or "another process"
                raise UserError(
                    f"{self.path.parent} is already being trained by {owner}; stop that run or choose another --out"
                ) from None
            with os.fdopen(fd, "w") as handle:
                handle.write(me + "\n")
            self.held = True
            return
        raise UserError(f"could not take the lock {self.path}; remove it if no training runs there")

    def _owner(self) -> str | None:
        try:
            return self.path.read_text().strip()
        except OSError:
            return None

    def _stale(self) -> bool:
        owner = self._owner()
        if not owner:
            return True
        host, _, pid_text = owner.partition(" ")
        if host != socket.gethostname() or not pid_text.isdigit():
            return False  # another machine's lock: only its owner can tell
        return not pid_alive(int(pid_text))

    def release(self) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_state(folder: Path) -> str:
    """finished / running / interrupted / failed, from the lock and model.json."""
    lock = RunLock(folder)
    if lock.path.exists() and not lock._stale():
        return "running"
    try:
        meta = json.loads((Path(folder) / MODEL_JSON).read_text(encoding="utf-8"))
        return str(meta.get("state", "interrupted")) if meta.get("state") != "running" else "interrupted"
    except (OSError, ValueError):
        return "interrupted" if (Path(folder) / TRAINER_NPZ).exists() else "unknown"
