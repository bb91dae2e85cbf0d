"""Fuzzing the run-folder boundary: damaged model.json, eval.json, model.npz, trainer.npz and
events.jsonl lines end in a one-line UserError (or a skipped event), never another exception.

Each test damages a copy of a real run folder (the shipped default; a tiny trained run for
trainer.npz) with the strategies of `tests/run_folder_damage.py` and reads it as the app and the
CLI do. The budget is a few hundred examples in all; `LSTM_TUI_FUZZ_SCALE=N` multiplies it for a
longer campaign (counts in tests/README.md and benchmarks/RESULTS.md).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.infer.predictor import Predictor
from lstm_tui.engine.runs.events import EventFollower
from lstm_tui.engine.runs.run_files.event_lines import TrainingEvent
from lstm_tui.engine.runs.run_list import DAMAGED, read_run
from lstm_tui.engine.runs.trainer_state import read_trainer_snapshot
from lstm_tui.paths import SOURCE_ROOT
from lstm_tui.tui.screens.models import eval_summary, row_of
from tests.conftest import small_config
from tests.run_folder_damage import damaged_bytes, damaged_json, hostile_values

SHIPPED = SOURCE_ROOT / "checkpoints" / "default"
SCALE = int(os.environ.get("LSTM_TUI_FUZZ_SCALE", "1"))


MODEL_JSON = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))
EVAL_JSON = json.loads((SHIPPED / "eval.json").read_text(encoding="utf-8"))
MODEL_NPZ = (SHIPPED / "model.npz").read_bytes()


def budget(examples: int):
    """Hypothesis settings for `examples` (times LSTM_TUI_FUZZ_SCALE), with no deadline and no database."""
    return settings(max_examples=examples * SCALE, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def one_line_error(error: UserError) -> str:
    message = str(error)
    assert message and "\n" not in message, message
    return message


def outcome(error: UserError | None) -> str:
    """What an example ended in, for `--hypothesis-show-statistics` (the kinds of refusal reached)."""
    return "loads" if error is None else getattr(error, "reason", str(error)).split("(")[0].strip()[:60]


@pytest.fixture(scope="module")
def shipped_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "run"
    shutil.copytree(SHIPPED, folder)
    return folder


def damage(folder: Path, name: str, data: bytes) -> None:
    """The shipped default's files in `folder`, with `name` replaced by `data`."""
    originals = {"model.json": json.dumps(MODEL_JSON).encode(), "eval.json": json.dumps(EVAL_JSON).encode(), "model.npz": MODEL_NPZ}
    for file, original in originals.items():
        if file != name and (folder / file).read_bytes() != original:
            (folder / file).write_bytes(original)
    (folder / name).write_bytes(data)


def load_and_list(folder: Path) -> UserError | None:
    """Load the folder as the predict screen does and list it as the models screen does; the two
    agree on whether it is usable."""
    info = read_run(folder)
    assert info is not None
    row_of(info)  # the models screen's cells render
    try:
        Predictor.load(folder)
    except UserError as error:
        one_line_error(error)
        assert info.state == DAMAGED, (info.state, str(error))
        assert info.problem and "\n" not in info.problem
        return error
    assert info.state != DAMAGED, info.problem
    return None


# model.json ---------------------------------------------------------------------------------------


@budget(100)
@given(data=damaged_json(MODEL_JSON))
def test_damaged_model_json(shipped_copy: Path, data: bytes) -> None:
    damage(shipped_copy, "model.json", data)
    event(outcome(load_and_list(shipped_copy)))


@pytest.mark.parametrize("field, value, needle", [
    ("metrics", "x", "metrics must be a JSON object"),
    ("model.units", 10**9, "model.units must be a whole number from 1 to 16,384"),
    ("model.units", 1e309, "model.units must be a whole number"),
    ("model.vocab_size", 10**9, "model.vocab_size must be a whole number"),
    ("model.embed", -1, "model.embed must be a whole number"),
    ("model.tie_weights", "yes", "model.tie_weights must be true or false"),
    ("model.dropout", float("nan"), "model.dropout must be a finite number"),
    ("train", [], "train must be a JSON object"),
    ("train.cache_size", "many", "train.cache_size"),
    ("train.cache_theta", None, "train.cache_theta"),
    ("train.cache_mix", 2, "train.cache_mix"),
    ("train.seed", -1, "train.seed"),
    ("corpus", 3, "corpus must be a JSON object"),
    ("vocab", {"a": 1}, "vocab must be a list"),
    ("level", "byte", "level must be one of char, word"),
])
def test_the_issue_examples_are_one_line_errors(shipped_copy: Path, field: str, value, needle: str) -> None:
    """The fields that gave tracebacks (or tried to allocate 387–954 GiB) in issue 32."""
    meta = json.loads(json.dumps(MODEL_JSON))
    *parents, last = field.split(".")
    target = meta
    for key in parents:
        target = target[key]
    target[last] = value
    damage(shipped_copy, "model.json", json.dumps(meta).encode())
    error = load_and_list(shipped_copy)
    assert error is not None and needle in str(error), str(error)


# eval.json ----------------------------------------------------------------------------------------


@budget(80)
@given(data=damaged_json(EVAL_JSON))
def test_damaged_eval_json_is_ignored_with_a_reason(shipped_copy: Path, data: bytes) -> None:
    damage(shipped_copy, "eval.json", data)
    info = read_run(shipped_copy)
    assert info is not None and info.state == "finished"
    if info.evaluation is not None:
        assert info.eval_problem is None
        eval_summary(info.evaluation)
        event("shown")
    elif info.eval_problem is not None:
        assert "\n" not in info.eval_problem and info.eval_problem.startswith("eval.json")
        event(info.eval_problem.split("(")[0].strip())
    else:
        event("valid, of other weights: not shown")
    row_of(info)


# model.npz ----------------------------------------------------------------------------------------


@budget(60)
@given(data=damaged_bytes(MODEL_NPZ))
def test_damaged_model_npz(shipped_copy: Path, data: bytes) -> None:
    damage(shipped_copy, "model.npz", data)
    info = read_run(shipped_copy)
    assert info is not None
    try:
        Predictor.load(shipped_copy)
    except UserError as error:
        one_line_error(error)
        event(outcome(error))
    else:
        event(outcome(None))


def test_a_header_claiming_more_than_the_file_holds_is_refused_before_allocating(shipped_copy: Path) -> None:
    """A model.json and an npz header that agree on a 16,384-unit model, in a file of a few MB."""
    import io
    import zipfile

    meta = json.loads(json.dumps(MODEL_JSON))
    meta["model"]["units"] = 16_384
    damage(shipped_copy, "model.json", json.dumps(meta).encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(SHIPPED / "model.npz") as source, zipfile.ZipFile(buffer, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "lstm1/W_h.npy":  # the header says (65536, 16384): 4 GiB
                header = np.lib.format.header_data_from_array_1_0(np.zeros((1, 1), np.float32))
                header["shape"] = (4 * 16_384, 16_384)
                out = io.BytesIO()
                np.lib.format.write_array_header_1_0(out, header)
                data = out.getvalue() + data[128:]
            target.writestr(member.filename, data)
    (shipped_copy / "model.npz").write_bytes(buffer.getvalue())
    with pytest.raises(UserError, match=r"declares \(65536, 16384\) but holds fewer bytes"):
        Predictor.load(shipped_copy)
    assert read_run(shipped_copy).state == DAMAGED


def test_numpy_multi_line_refusal_becomes_one_line(shipped_copy: Path) -> None:
    """NumPy refuses a header over 10,000 bytes with a message of several lines: the user still sees
    one line (the fuzzer found this one)."""
    import io
    import struct
    import zipfile

    header = b"{" + b" " * 20_000 + b"}\n"
    member = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
    buffer = io.BytesIO()
    with zipfile.ZipFile(SHIPPED / "model.npz") as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, member if info.filename == "lstm1/W_h.npy" else source.read(info))
    (shipped_copy / "model.npz").write_bytes(buffer.getvalue())
    with pytest.raises(UserError) as raised:
        Predictor.load(shipped_copy)
    assert "is large and may not be safe" in one_line_error(raised.value)


# trainer.npz --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """A run trained for a few steps, with its trainer.npz."""
    from lstm_tui.engine.train.trainer import Trainer
    from tests.conftest import SHAKESPEARE_FIRST_100K

    corpus = tmp_path_factory.mktemp("fuzz-corpus") / "text.txt"
    corpus.write_text(SHAKESPEARE_FIRST_100K.read_text(encoding="utf-8")[:20_000], encoding="utf-8")
    folder = tmp_path_factory.mktemp("fuzz-run") / "run"
    Trainer.new(small_config(corpus, units=16, bptt=16, batch_size=4, max_steps=3, eval_every=3), folder).run()
    return folder


@pytest.fixture(scope="module")
def trainer_copy(tiny_run: Path, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz-trainer") / "run"
    shutil.copytree(tiny_run, folder)
    return folder


def resume_or_error(folder: Path) -> None:
    """Resume as the trainer does: the snapshot read and checked, then `Trainer.resume`."""
    from lstm_tui.engine.train.trainer import Trainer

    try:
        read_trainer_snapshot(folder)
        Trainer.resume(folder)
    except UserError as error:
        one_line_error(error)
        event(outcome(error))
    else:
        event(outcome(None))


@budget(40)
@given(data=st.data())
def test_damaged_trainer_npz(tiny_run: Path, trainer_copy: Path, data) -> None:
    original = (tiny_run / "trainer.npz").read_bytes()
    (trainer_copy / "trainer.npz").write_bytes(data.draw(damaged_bytes(original)))
    resume_or_error(trainer_copy)


@budget(30)
@given(data=st.data())
def test_damaged_trainer_state(tiny_run: Path, trainer_copy: Path, data) -> None:
    """trainer.npz intact as a file, its scalar state (the JSON under `meta`) damaged."""
    with np.load(tiny_run / "trainer.npz") as npz:
        arrays = {key: npz[key] for key in npz.files}
    state = json.loads(str(arrays["meta"]))
    arrays["meta"] = np.array(data.draw(damaged_json(state)).decode("utf-8", errors="replace"))
    np.savez(trainer_copy / "trainer.npz", **arrays)
    resume_or_error(trainer_copy)


@budget(30)
@given(data=st.data())
def test_damaged_model_json_on_resume(tiny_run: Path, trainer_copy: Path, data) -> None:
    """Resume reads model.json too: its recorded options above all."""
    shutil.copyfile(tiny_run / "trainer.npz", trainer_copy / "trainer.npz")
    meta = json.loads((tiny_run / "model.json").read_text(encoding="utf-8"))
    train = data.draw(damaged_json(meta["train"]))
    (trainer_copy / "model.json").write_bytes(json.dumps(meta).encode()[:-1] + b', "train": ' + train + b"}"
                                              if data.draw(st.booleans()) else data.draw(damaged_json(meta)))
    resume_or_error(trainer_copy)


# events.jsonl -------------------------------------------------------------------------------------
SAMPLE_EVENTS = [
    {"event": "started", "time": 1.0, "name": "run", "folder": "runs/run", "resumed": False, "step": 0, "total_steps": 10,
     "time_budget": None, "config": {"units": 8}, "vocab": 60, "parameters": 1000, "train_tokens": 900, "valid_tokens": 50,
     "test_tokens": 50, "tokens_per_epoch": 900, "steps_per_epoch": 3, "device": "cpu", "ranks": 2},
    {"event": "progress", "time": 2.0, "step": 1, "total_steps": 10, "epoch": 0.3, "loss": 4.0, "loss_avg": 4.0,
     "perplexity": 54.6, "tokens_per_second": 100.0, "elapsed": 1.0, "eta": 9.0, "fraction": 0.1, "lr": 0.002},
    {"event": "validation", "time": 3.0, "step": 3, "epoch": 1.0, "valid_loss": 3.0, "valid_ppl": 20.1, "train_loss": 3.5,
     "elapsed": 2.0, "lr": 0.002},
    {"event": "sample", "time": 3.0, "step": 3, "text": "ROMEO:"},
    {"event": "checkpoint", "time": 4.0, "step": 3, "path": "runs/run", "status": "running"},
    {"event": "notice", "time": 4.0, "message": "no GPU"},
    {"event": "finished", "time": 5.0, "step": 10, "valid_loss": 2.0, "valid_ppl": 7.4, "test_loss": None, "test_ppl": None,
     "elapsed": 5.0, "tokens_per_second": 100.0, "folder": "runs/run"},
    {"event": "failed", "time": 5.0, "step": 4, "reason": "the loss became nan"},
]

event_lines = st.one_of(
    st.sampled_from(SAMPLE_EVENTS).flatmap(damaged_json),
    st.sampled_from(SAMPLE_EVENTS).map(lambda e: json.dumps(e).encode()),
    hostile_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=80),
).map(lambda line: line.replace(b"\n", b" "))


@budget(100)
@given(lines=st.lists(event_lines, min_size=1, max_size=12))
def test_malformed_event_lines_are_skipped_and_counted(tmp_path: Path, lines: list[bytes]) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    follower = EventFollower(path)
    events = follower.poll()
    assert all(isinstance(event, TrainingEvent) for event in events)
    assert len(events) + follower.skipped == sum(1 for line in lines if line.strip())
    event(f"{'some' if follower.skipped else 'no'} lines skipped, {'some' if events else 'no'} events read")
    assert follower.poll() == []
