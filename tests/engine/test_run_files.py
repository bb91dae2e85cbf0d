"""The run-folder boundary (`engine/runs/run_files`): typed objects from each file, bounds, and the
weights' headers checked before anything is allocated."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
from lstm_tui.engine.runs.events import EventFollower
from lstm_tui.engine.runs.model_file import load_model
from lstm_tui.engine.runs.run_files.checks import Invalid, checked, from_json, whole
from lstm_tui.engine.runs.run_files.lock_line import parse_lock
from lstm_tui.engine.runs.run_files.model_json import ModelMeta, read_model_meta
from lstm_tui.engine.runs.run_files.reading import npz_headers
from lstm_tui.engine.runs.run_list import DAMAGED, read_run, scan_runs
from lstm_tui.paths import SOURCE_ROOT

SHIPPED = SOURCE_ROOT / "checkpoints" / "default"


@pytest.fixture()
def shipped_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    shutil.copytree(SHIPPED, folder)
    return folder


def rewrite_meta(folder: Path, change) -> None:
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    change(meta)
    (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")


@pytest.mark.parametrize("tie", [False, True])
def test_parameter_shapes_are_the_models_own(tie: bool) -> None:
    config = ModelConfig(vocab_size=7, units=5, embed=5 if tie else 3, tie_weights=tie)
    built = {name.lstrip("/"): param.shape for name, param in LanguageModel(config).namedparams()}
    assert config.parameter_shapes() == built


def test_model_json_checks_every_field_of_the_model_config() -> None:
    import dataclasses

    from lstm_tui.engine.runs.run_files.model_json import ModelRecord

    assert [f.name for f in dataclasses.fields(ModelRecord)] == [f.name for f in dataclasses.fields(ModelConfig)]


def test_the_shipped_model_reads_as_typed_objects() -> None:
    meta = read_model_meta(SHIPPED)
    assert isinstance(meta, ModelMeta) and meta.level == "char" and meta.tokenizer == "char"
    assert meta.config.units == npz_headers(SHIPPED / "model.npz")["lstm1/W_h"].shape[1]
    assert len(meta.vocab) == meta.model.vocab_size
    assert meta.train is not None and meta.cache == meta.train.prediction.cache
    info = read_run(SHIPPED)
    assert info.state == "finished" and info.problem is None and info.evaluation is not None
    assert info.evaluation.lstm.perplexity > 1


def test_unknown_fields_are_ignored(shipped_copy: Path) -> None:
    """A newer version may add fields: they are not a reason to refuse a run."""
    rewrite_meta(shipped_copy, lambda m: m.update(added_later={"x": [1]}, model={**m["model"], "layers": 2}))
    assert load_model(shipped_copy).config.units == read_model_meta(SHIPPED).config.units


def test_from_json_names_the_field_and_what_it_must_be() -> None:
    from dataclasses import dataclass

    @dataclass
    class Inner:
        size: int = checked(whole(1, 10))

    @dataclass
    class Outer:
        inner: Inner = checked(lambda value, where: from_json(Inner, value, where))

    assert from_json(Outer, {"inner": {"size": 3}}).inner.size == 3
    with pytest.raises(Invalid, match=r"^inner.size must be a whole number from 1 to 10, got 11$"):
        from_json(Outer, {"inner": {"size": 11}})
    with pytest.raises(Invalid, match="inner.size is missing"):
        from_json(Outer, {"inner": {}})
    with pytest.raises(Invalid, match="must be a whole number"):
        from_json(Outer, {"inner": {"size": True}})  # a bool is not a number here


def test_weights_that_disagree_are_refused_before_the_model_is_built(shipped_copy: Path, monkeypatch) -> None:
    rewrite_meta(shipped_copy, lambda m: m["model"].update(units=16_384))

    def never(*args, **kwargs):
        raise AssertionError("the model was built before its weights were checked")

    monkeypatch.setattr("lstm_tui.engine.runs.model_file.LanguageModel", never)
    with pytest.raises(UserError, match=r"does not match model.json \(/embed/W has shape|/lstm1/W_x has shape"):
        load_model(shipped_copy)
    assert read_run(shipped_copy).state == DAMAGED


def test_an_npz_member_that_is_not_an_array_is_refused(shipped_copy: Path) -> None:
    with zipfile.ZipFile(shipped_copy / "model.npz", "a") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UserError, match="which is not an array"):
        load_model(shipped_copy)


def test_headers_are_read_without_the_data() -> None:
    headers = npz_headers(SHIPPED / "model.npz")
    units = read_model_meta(SHIPPED).config.units
    assert headers["lstm1/W_h"].shape == (4 * units, units) and headers["lstm1/W_h"].dtype == np.float32


def test_nan_weights_are_refused(shipped_copy: Path) -> None:
    with np.load(shipped_copy / "model.npz") as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["out/b"][3] = np.nan
    np.savez(shipped_copy / "model.npz", **arrays)
    with pytest.raises(UserError, match="NaN or infinite weights in /out/b"):
        load_model(shipped_copy)


@pytest.mark.parametrize("line, host, pid", [
    ("host 123\n", "host", 123),
    ("host ²³\n", "host", None),  # digits to str.isdigit, not to int()
    ("host 99999999999999999999\n", "host", None),  # beyond any pid: os.kill would overflow
    ("host -5", "host", None),
    ("host", "host", None),
    ("", None, None),
])
def test_lock_lines(line: str, host: str | None, pid: int | None) -> None:
    owner = parse_lock(line)
    assert (owner.host, owner.pid) == (host, pid) if host is not None else owner is None


def test_malformed_event_lines_are_counted_and_a_half_written_line_waits(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    good = json.dumps({"event": "progress", "time": 1.0, "step": 5})
    path.write_text("\n".join([good, '{"event": "progress", "step": "x"}', '{"event": "started", "ranks": "two"}', "[1, 2",
                               '{"event": "unknown-kind"}', "", good]) + "\n" + good[:10], encoding="utf-8")
    follower = EventFollower(path)
    assert [e.step for e in follower.poll()] == [5, 5]
    assert follower.skipped == 4
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(good[10:] + "\n")
    assert [e.step for e in follower.poll()] == [5] and follower.skipped == 4


def test_a_damaged_eval_json_is_ignored_with_its_reason(shipped_copy: Path) -> None:
    report = json.loads((shipped_copy / "eval.json").read_text(encoding="utf-8"))
    report["lstm"]["perplexity"] = "low"
    (shipped_copy / "eval.json").write_text(json.dumps(report), encoding="utf-8")
    info = read_run(shipped_copy)
    assert info.state == "finished" and info.evaluation is None
    assert info.eval_problem == "eval.json: lstm.perplexity must be a finite number, at least 1, got 'low'"


def test_a_damaged_folder_is_listed_beside_the_good_ones(shipped_copy: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(shipped_copy, damaged)
    rewrite_meta(damaged, lambda m: m.update(metrics="x"))
    runs = scan_runs([tmp_path])
    states = {info.folder.name: (info.state, info.problem) for info in runs}
    assert states["run"] == ("finished", None)
    assert states["damaged"] == (DAMAGED, "model.json: metrics must be a JSON object, got 'x'")


def test_a_damaged_snapshot_is_refused_before_a_resume_starts(shipped_copy: Path) -> None:
    from lstm_tui.engine.runs.run_service import RunRefused, RunService

    rewrite_meta(shipped_copy, lambda m: m.update(state="interrupted"))
    (shipped_copy / "trainer.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(RunRefused, match="cannot be resumed: trainer.npz is corrupted or truncated") as refused:
        RunService(shipped_copy.parent).resume(shipped_copy)
    assert refused.value.severity == "error"
