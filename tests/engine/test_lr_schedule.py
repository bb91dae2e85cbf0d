"""The learning-rate schedule alone (no model): plateau decay with its patience, span and floor, the
linear anneal over the last share of the budget, and the budget share it is driven by."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.lr_schedule import (
    ANNEAL_FLOOR, MIN_LR_FRACTION, PLATEAU_MIN_STEPS, PLATEAU_PATIENCE, LearningRateSchedule,
)
from lstm_tui.engine.train.progress import Budget


def test_anneal_is_flat_then_falls_linearly_to_a_twentieth() -> None:
    """--anneal 0.3: the full rate for 70 % of the budget, then a straight line down to 1/20."""

    def factor(step: int, elapsed: float, total: int | None, deadline: float | None, anneal: float = 0.3) -> float:
        schedule = LearningRateSchedule(start=1.0, decay=0.5, anneal=anneal)
        return schedule.anneal_factor(Budget(total, deadline).used(step, elapsed) or 0.0)

    assert factor(50, 0.0, 100, None) == 1.0
    assert factor(70, 0.0, 100, None) == 1.0
    assert abs(factor(85, 0.0, 100, None) - (ANNEAL_FLOOR + (1 - ANNEAL_FLOOR) * 0.5)) < 1e-9
    assert abs(factor(100, 0.0, 100, None) - ANNEAL_FLOOR) < 1e-9
    assert abs(factor(0, 85.0, None, 100.0) - factor(85, 0.0, 100, None)) < 1e-9  # a time budget the same way
    assert factor(0, 90.0, 1000, 100.0) == factor(0, 90.0, None, 100.0)  # whichever limit is nearer
    assert factor(99, 99.0, 100, 100.0, anneal=0.0) == 1.0  # off by default
    with pytest.raises(UserError, match="--anneal"):
        TrainConfig.from_values(anneal=1.5).validate()


def test_a_run_without_limits_never_anneals() -> None:
    assert Budget(None, None).used(10**6, 10**6) is None
    assert LearningRateSchedule(1.0, 0.5, anneal=0.5).anneal_factor(0.0) == 1.0


def test_the_anneal_scales_the_decayed_rate() -> None:
    schedule = LearningRateSchedule(start=0.01, decay=0.5, anneal=0.5)
    schedule.lr = 0.004
    assert schedule.rate(0.25) == 0.004
    assert schedule.rate(1.0) == pytest.approx(0.004 * ANNEAL_FLOOR)
    assert schedule.rate(2.0) == pytest.approx(0.004 * ANNEAL_FLOOR)  # past the budget it stays at the floor


def validate(schedule: LearningRateSchedule, steps: list[int], improved: bool = False, final: bool = False) -> list[bool]:
    """Validations at `steps`, each without (or with) a new best; whether each decayed the rate."""
    return [schedule.after_validation(improved=improved, final=final, step=step) for step in steps]


def test_the_rate_decays_after_patience_validations_spanning_enough_steps() -> None:
    schedule = LearningRateSchedule(start=1.0, decay=0.5, anneal=0.0)
    assert PLATEAU_PATIENCE == 2 and PLATEAU_MIN_STEPS == 100
    assert validate(schedule, [100], improved=True) == [False]
    assert validate(schedule, [150]) == [False]
    assert schedule.lr == 1.0 and schedule.stale_validations == 1
    assert validate(schedule, [200]) == [True]  # two validations without a new best, 100 steps after it
    assert schedule.lr == 0.5 and schedule.stale_validations == 0  # the count starts again after a decay
    assert schedule.plateau_start == 200  # and so does the span
    assert validate(schedule, [250]) == [False]
    assert validate(schedule, [300], improved=True) == [False]  # an improvement resets the count
    assert validate(schedule, [350]) == [False]
    assert schedule.lr == 0.5 and schedule.stale_validations == 1


def test_frequent_validations_do_not_collapse_the_rate() -> None:
    """A tiny corpus validates every step: the rate decays at most once per PLATEAU_MIN_STEPS steps."""
    schedule = LearningRateSchedule(start=2e-3, decay=0.5, anneal=0.0)
    validate(schedule, [1], improved=True)
    decays = validate(schedule, list(range(2, 301)))
    assert [step for step, decayed in zip(range(2, 301), decays) if decayed] == [101, 201]
    assert schedule.lr == pytest.approx(2e-3 / 4)


def test_the_final_validation_never_decays() -> None:
    schedule = LearningRateSchedule(start=1.0, decay=0.5, anneal=0.0)
    validate(schedule, [100])
    assert validate(schedule, [200], final=True) == [False]
    assert schedule.lr == 1.0 and schedule.stale_validations == 2


def test_a_decay_of_one_never_decays() -> None:
    schedule = LearningRateSchedule(start=1.0, decay=1.0, anneal=0.0)
    assert not any(validate(schedule, [100 * i for i in range(1, 11)]))
    assert schedule.lr == 1.0


def test_decays_stop_at_the_floor() -> None:
    schedule = LearningRateSchedule(start=2e-3, decay=0.1, anneal=0.0)
    decays = validate(schedule, [100 * i for i in range(1, 21)])
    assert schedule.lr == pytest.approx(2e-3 * MIN_LR_FRACTION)
    assert schedule.lr == 2e-3 * MIN_LR_FRACTION  # exactly the floor, not a step below it
    assert sum(decays) == 2  # 2e-4, then the floor 4e-5; at the floor nothing more is reported
    assert MIN_LR_FRACTION >= 0.01  # a floor at which Adam still learns


def test_the_schedule_survives_a_snapshot() -> None:
    """The plateau's start travels in trainer.npz's state, so a resumed run decays at the same step."""
    import numpy as np

    import json
    from types import SimpleNamespace

    from lstm_tui.engine.runs.run_files.trainer_json import parse_trainer_state
    from lstm_tui.engine.train.processes import SingleProcess
    from lstm_tui.engine.train.progress import RunProgress
    from lstm_tui.engine.train.trainer_snapshot import restore_state, snapshot_state

    schedule = LearningRateSchedule(start=1.0, decay=0.5, anneal=0.0)
    validate(schedule, [100], improved=True)
    validate(schedule, [140, 180])
    state = snapshot_state(RunProgress(step=180), schedule, np.random.default_rng(0), None, SingleProcess())
    restored = LearningRateSchedule(start=1.0, decay=0.5, anneal=0.0)
    checked = parse_trainer_state(np.array(json.dumps(state)), Path("trainer.npz"))  # as resume reads it back
    restore_state(checked, SimpleNamespace(created=None), Path("trainer.npz"), restored, np.random.default_rng(0), SingleProcess())
    assert (restored.lr, restored.stale_validations, restored.plateau_start) == (1.0, 2, 100)
    assert validate(restored, [200]) == validate(schedule, [200]) == [True]


def test_budget_of_a_config_takes_the_nearer_limit() -> None:
    assert Budget.of(TrainConfig.from_values(max_steps=50), steps_per_epoch=100) == Budget(50, None)
    assert Budget.of(TrainConfig.from_values(epochs=0.25, max_steps=50), steps_per_epoch=100) == Budget(25, None)
    assert Budget.of(TrainConfig.from_values(time_budget=2.0), steps_per_epoch=100) == Budget(None, 120.0)
    assert Budget.of(TrainConfig(), steps_per_epoch=100) == Budget(1000, None)  # 10 epochs by default
