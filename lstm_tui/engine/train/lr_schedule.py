"""The learning rate of a run: plateau decay after validations, a linear anneal at the budget's end.

Pure arithmetic with its own state (the decayed base rate and the count of validations without
improvement), so it is tested without a model and the trainer snapshot saves and restores it.
"""

from __future__ import annotations

PLATEAU_PATIENCE = 2  # validations without improvement before the learning rate decays
MIN_LR_FRACTION = 1e-3  # the learning rate never decays below this share of its start
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

    def after_validation(self, improved: bool, final: bool) -> bool:
        """Count one validation; True when it lowered the base rate (the final one never does)."""
        self.stale_validations = 0 if improved else self.stale_validations + 1
        if self.stale_validations >= PLATEAU_PATIENCE and self.decay < 1.0 and not final:
            self.lr = max(self.lr * self.decay, self.start * MIN_LR_FRACTION)
            self.stale_validations = 0
            return True
        return False

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
