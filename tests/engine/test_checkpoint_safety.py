"""Checkpoints from elsewhere stay data: every damaged or hostile run folder gives a one-line
UserError, never a traceback and never an unpickle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.predictor import Predictor


@pytest.fixture()
def run_copy(trained_char_run: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(trained_char_run, folder)
    return folder


def expect_error(folder: Path, *needles: str) -> str:
    with pytest.raises(UserError) as info:
        Predictor.load(folder)
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    return message


def test_missing_weights(run_copy: Path) -> None:
    (run_copy / "model.npz").unlink()
    expect_error(run_copy, "model.npz", "missing")


def test_missing_json(run_copy: Path) -> None:
    (run_copy / "model.json").unlink()
    expect_error(run_copy, "model.json", "missing")


def test_truncated_npz(run_copy: Path) -> None:
    data = (run_copy / "model.npz").read_bytes()
    (run_copy / "model.npz").write_bytes(data[: len(data) // 2])
    expect_error(run_copy, "corrupted or truncated")


def test_garbage_npz(run_copy: Path) -> None:
    (run_copy / "model.npz").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    expect_error(run_copy, "model.npz")


def test_json_not_matching_weights(run_copy: Path) -> None:
    meta = json.loads((run_copy / "model.json").read_text())
    meta["model"]["units"] += 1
    (run_copy / "model.json").write_text(json.dumps(meta))
    expect_error(run_copy, "does not match model.json")


def test_json_vocabulary_length_mismatch(run_copy: Path) -> None:
    meta = json.loads((run_copy / "model.json").read_text())
    meta["vocab"] = meta["vocab"][:-1]
    (run_copy / "model.json").write_text(json.dumps(meta))
    expect_error(run_copy, "vocab")


def test_json_not_json(run_copy: Path) -> None:
    (run_copy / "model.json").write_text("{not json")
    expect_error(run_copy, "not valid JSON")


@pytest.mark.parametrize("field, value", [("vocab", "abc"), ("model", []), ("tokenizer", 3)])
def test_json_wrong_types(run_copy: Path, field: str, value) -> None:
    meta = json.loads((run_copy / "model.json").read_text())
    meta[field] = value
    (run_copy / "model.json").write_text(json.dumps(meta))
    expect_error(run_copy, field)


def test_newer_format_version(run_copy: Path) -> None:
    meta = json.loads((run_copy / "model.json").read_text())
    meta["format_version"] = 99
    (run_copy / "model.json").write_text(json.dumps(meta))
    expect_error(run_copy, "newer", "upgrade")


def test_pickled_npz_is_refused(run_copy: Path) -> None:
    class Boom:
        def __reduce__(self):
            return (print, ("this must never run",))

    with np.load(run_copy / "model.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    first = next(iter(arrays))
    arrays[first] = np.array([Boom()], dtype=object)
    np.savez(run_copy / "model.npz", **arrays)
    expect_error(run_copy, "pickled objects", "refusing")


def test_symlink_outside_the_folder_is_refused(run_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.npz"
    shutil.move(run_copy / "model.npz", outside)
    (run_copy / "model.npz").symlink_to(outside)
    expect_error(run_copy, "symlink", "outside")


def test_intact_copy_loads(run_copy: Path) -> None:
    assert load_model(run_copy).config.units == 96


def test_a_run_folder_cannot_redirect_writes_outside_itself(run_copy: Path, tmp_path: Path) -> None:
    """events.jsonl as a symlink to a file elsewhere: resuming refuses instead of appending there."""
    from lstm_tui.engine.train.trainer import Trainer

    outside = tmp_path / "victim.txt"
    outside.write_text("precious\n")
    (run_copy / "events.jsonl").unlink()
    (run_copy / "events.jsonl").symlink_to(outside)
    steps = Trainer.resume(run_copy).progress.step + 2
    with pytest.raises(UserError, match="symlink; refusing to write through it") as info:
        Trainer.resume(run_copy, {"max_steps": steps}).run()
    assert "\n" not in str(info.value)
    assert outside.read_text() == "precious\n"


def test_checkpoint_files_replace_a_planted_symlink_instead_of_writing_through_it(run_copy: Path, tmp_path: Path) -> None:
    """model.npz written atomically (temp file + rename) replaces a symlink; the target is untouched."""
    from lstm_tui.engine.train.trainer import Trainer

    outside = tmp_path / "victim.npz"
    outside.write_bytes(b"precious")
    (run_copy / "events.jsonl").unlink()
    trainer = Trainer.resume(run_copy, {"max_steps": Trainer.resume(run_copy).progress.step + 2})
    (run_copy / "model.npz").unlink()
    (run_copy / "model.npz").symlink_to(outside)
    trainer.run()
    assert outside.read_bytes() == b"precious"
    assert not (run_copy / "model.npz").is_symlink()
    load_model(run_copy)
