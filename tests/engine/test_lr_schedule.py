"""The learning-rate schedule alone (no model): plateau decay with its patience and floor, the
linear anneal over the last share of the budget, and the budget share it is driven by."""

from __future__ import annotations

import pytest

from lstm_tui.engine.errors import UserError
from lstm_tui.engine.train.config import TrainConfig
from lstm_tui.engine.train.lr_schedule import ANNEAL_FLOOR, MIN_LR_FRACTION, PLATEAU_PATIENCE, LearningRateSchedule
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


def test_the_rate_decays_after_patience_validations_without_improvement() -> None:
    schedule = LearningRateSchedule(start=1.0, decay=0.5, anneal=0.0)
    assert PLATEAU_PATIENCE == 2
    assert not schedule.after_validation(improved=True, final=False)
    assert not schedule.after_validation(improved=False, final=False)
    assert schedule.lr == 1.0 and schedule.stale_validations == 1
    assert schedule.after_validation(improved=False, final=False)
    assert schedule.lr == 0.5 and schedule.stale_validations == 0  # the count starts again after a decay
    assert not schedule.after_validation(improved=False, final=False)
    assert not schedule.after_validation(improved=True, final=False)  # an improvement resets the count
    assert not schedule.after_validation(improved=False, final=False)
    assert schedule.lr == 0.5 and schedule.stale_validations == 1


def test_the_final_validation_never_decays() -> None:
    schedule = LearningRateSchedule(start=1.0, decay=0.5, anneal=0.0)
    schedule.after_validation(improved=False, final=False)
    assert not schedule.after_validation(improved=False, final=True)
    assert schedule.lr == 1.0 and schedule.stale_validations == 2


def test_a_decay_of_one_never_decays() -> None:
    schedule = LearningRateSchedule(start=1.0, decay=1.0, anneal=0.0)
    for _ in range(10):
        assert not schedule.after_validation(improved=False, final=False)
    assert schedule.lr == 1.0


def test_decays_stop_at_the_floor() -> None:
    schedule = LearningRateSchedule(start=2e-3, decay=0.1, anneal=0.0)
    for _ in range(20):
        schedule.after_validation(improved=False, final=False)
    assert schedule.lr == pytest.approx(2e-3 * MIN_LR_FRACTION)
    assert schedule.lr == 2e-3 * MIN_LR_FRACTION  # exactly the floor, not a step below it


def test_budget_of_a_config_takes_the_nearer_limit() -> None:
    assert Budget.of(TrainConfig.from_values(max_steps=50), steps_per_epoch=100) == Budget(50, None)
    assert Budget.of(TrainConfig.from_values(epochs=0.25, max_steps=50), steps_per_epoch=100) == Budget(25, None)
    assert Budget.of(TrainConfig.from_values(time_budget=2.0), steps_per_epoch=100) == Budget(None, 120.0)
    assert Budget.of(TrainConfig(), steps_per_epoch=100) == Budget(1000, None)  # 10 epochs by default
