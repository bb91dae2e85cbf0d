"""engine/runs/loss_history: which record a run's loss curves come from, and how a curve stays bounded."""

from __future__ import annotations

import json
from pathlib import Path

from lstm_tui.engine.runs.loss_history import EVENTS_SOURCE, MODEL_JSON_SOURCE, Curve, RunHistory, read_loss_curves
from lstm_tui.engine.runs.run_files.event_lines import TrainingEvent
from lstm_tui.paths import shipped_root

SHIPPED_DEFAULT = shipped_root() / "checkpoints" / "default"


def model_json_with(folder: Path, history: object) -> Path:
    folder.mkdir(parents=True)
    meta = json.loads((SHIPPED_DEFAULT / "model.json").read_text(encoding="utf-8"))
    meta["metrics"]["history"] = history
    (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def test_a_long_curve_keeps_its_whole_shape_within_its_limit() -> None:
    curve = Curve(limit=100)
    for step in range(1, 10_001):
        curve.add(step, 10_000.0 / step)
        assert len(curve) <= 100
        assert curve.steps[-1] == step  # the latest point is always there
    assert curve.steps[0] == 1 and len(curve) > 50
    assert curve.steps == sorted(curve.steps)
    gaps = {b - a for a, b in zip(curve.steps[:-2], curve.steps[1:-1])}
    assert len(gaps) == 1  # evenly thinned (the last gap may be shorter)


def test_a_step_going_back_drops_the_points_after_it_and_non_finite_losses_are_left_out() -> None:
    curve = Curve()
    for step in range(1, 11):
        curve.add(step, float(step))
    assert not curve.add(11, float("nan")) and not curve.add(11, float("inf"))
    curve.add(6, 0.5)  # resumed from the checkpoint at step 5 after a crash
    assert curve.steps == [1, 2, 3, 4, 5, 6] and curve.losses[-1] == 0.5


def test_events_give_the_curves_and_the_tokens_a_step_trains_on(tmp_path: Path) -> None:
    events = [
        TrainingEvent(kind="started", step=0, tokens_per_epoch=6400, steps_per_epoch=10, ranks=2),
        TrainingEvent(kind="progress", step=1, loss_avg=4.0),
        TrainingEvent(kind="progress", step=2, loss_avg=None),
        TrainingEvent(kind="validation", step=2, valid_loss=3.5),
        TrainingEvent(kind="sample", step=2, text="abc"),
    ]
    curves = read_loss_curves(tmp_path, events)
    assert curves.source == EVENTS_SOURCE and curves.tokens_per_step == 1280
    assert (curves.train.steps, curves.valid.steps, curves.valid.losses) == ([1], [2], [3.5])


def test_without_loss_events_model_json_history_is_used_and_bad_records_are_left_out(tmp_path: Path) -> None:
    history = [{"step": 100, "train_loss": 2.0, "valid_loss": 2.1}, {"step": True, "train_loss": 1.0},
               {"step": -5, "valid_loss": 1.0}, {"step": 200, "train_loss": "x", "valid_loss": 1.9}, {}]
    folder = model_json_with(tmp_path / "run", history)
    run = RunHistory(folder)
    assert not run.add(TrainingEvent(kind="started", step=0))  # no loss yet: still model.json's
    curves = run.curves
    assert curves.source == MODEL_JSON_SOURCE
    assert (curves.train.steps, curves.valid.steps, curves.valid.losses) == ([100], [100, 200], [2.1, 1.9])
    assert run.add(TrainingEvent(kind="progress", step=1, loss_avg=4.0))  # the first loss event takes over
    assert run.curves.source == EVENTS_SOURCE and run.curves.train.steps == [1] and not run.curves.valid


def test_a_folder_with_neither_has_empty_curves(tmp_path: Path) -> None:
    assert not read_loss_curves(tmp_path, []) and read_loss_curves(tmp_path, []).source == ""
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "model.json").write_text("{not json", encoding="utf-8")
    assert not read_loss_curves(damaged, [])
    assert not read_loss_curves(model_json_with(tmp_path / "empty", []), [])


def test_the_shipped_default_records_its_history() -> None:
    curves = read_loss_curves(SHIPPED_DEFAULT, [])
    recorded = json.loads((SHIPPED_DEFAULT / "model.json").read_text(encoding="utf-8"))["metrics"]["history"]
    assert curves.source == MODEL_JSON_SOURCE and len(curves.valid) == len(recorded) > 1
    assert curves.tokens_per_step and curves.tokens_per_step > 0
