"""The learning rate of a run: plateau decay after validations, a linear anneal at the budget's end.

Pure arithmetic with its own state (the decayed base rate, the count of validations without
improvement and the step the current plateau began at), so it is tested without a model and the
trainer snapshot saves and restores it.

A plateau needs both `PLATEAU_PATIENCE` validations without a new best and `PLATEAU_MIN_STEPS`
updates since the last best or decay: on a small corpus a run validates every few steps, and
counting validations alone halved the rate every other step until it could no longer learn.
"""

from __future__ import annotations

PLATEAU_PATIENCE = 2  # validations without improvement before the learning rate decays
PLATEAU_MIN_STEPS = 100  # ...spanning at least this many updates since the last best or decay
MIN_LR_FRACTION = 0.02  # the learning rate never decays below this share of its start
ANNEAL_FLOOR = 0.05  # the end-of-budget anneal ends at this share of the current rate


class LearningRateSchedule:
    """The base rate, lowered on a plateau, and the anneal factor the optimizer's rate carries on top."""

    def __init__(self, start: float, decay: float, anneal: float) -> None:
        self.start = start
        """The rate the run began with; the decays stop at `MIN_LR_FRACTION` of it."""
        self.decay = decay
        """What a plateau multiplies the base rate by (1: never decay)."""
        self.anneal = anneal
        """The share of the budget, at its end, over which the rate falls linearly (0: no anneal)."""
        self.lr = start
        """The base rate now: the start times the decays so far (saved in the snapshot as `lr`)."""
        self.stale_validations = 0
        """Validations in a row without a new best since the last decay (saved in the snapshot)."""
        self.plateau_start = 0
        """The step of the last new best or decay: a plateau is measured from it (saved in the snapshot)."""

    @property
    def floor(self) -> float:
        """The lowest base rate the decays reach."""
        return self.start * MIN_LR_FRACTION

    def after_validation(self, improved: bool, final: bool, step: int) -> bool:
        """Count the validation at `step`; True when it lowered the base rate (the final one never does)."""
        if improved:
            self.stale_validations = 0
            self.plateau_start = step
            return False
        self.stale_validations += 1
        plateau = self.stale_validations >= PLATEAU_PATIENCE and step - self.plateau_start >= PLATEAU_MIN_STEPS
        if not plateau or final or self.decay >= 1.0 or self.lr <= self.floor:
            return False
        self.lr = max(self.lr * self.decay, self.floor)
        self.stale_validations = 0
        self.plateau_start = step
        return True

    def anneal_factor(self, used: float) -> float:
        """1 until the last `anneal` share of the budget, then linearly down to ANNEAL_FLOOR.

        `used` is the share of the budget spent (0 when the run has no limit). A fixed budget is
        best spent ending at a small rate: the last stretch averages out the noise of the large
        steps (the same reason cosine and linear schedules win over a constant rate).
        """
        span = self.anneal
        if span <= 0.0 or used <= 1.0 - span:
            return 1.0
        left = max(0.0, 1.0 - used) / span
        return ANNEAL_FLOOR + (1.0 - ANNEAL_FLOOR) * left

    def rate(self, used: float) -> float:
        """The rate the optimizer uses at this point of the budget."""
        return self.lr * self.anneal_factor(used)
