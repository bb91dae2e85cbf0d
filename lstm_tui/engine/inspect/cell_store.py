"""The LSTM's cell values after each token, kept for the cells view.

A probe names one unit: layer 1 or 2, its cell `c` or its output `h`, and the unit's index. The
store keeps, after every token, either every unit of both layers (the app: any unit can be shown
at once, at 8 bytes a unit per token in float16) or a few probed units (`lstm-tui inspect` on a
large file), within a memory budget: tokens past it have no cell values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lstm_tui.engine.errors import UserError

LAYERS = (1, 2)
KINDS = ("c", "h")
# Rows of the predictor's state (4, H): (h1, c1, h2, c2).
_STATE_ROW = {(1, "h"): 0, (1, "c"): 1, (2, "h"): 2, (2, "c"): 3}
CHUNK = 256  # tokens per block of the store
DEFAULT_BUDGET = 64 * 2**20  # bytes


@dataclass(frozen=True)
class CellProbe:
    """One unit of the LSTM: `layer` 1 or 2, `kind` "c" (cell) or "h" (output), `unit` from 0."""

    layer: int
    kind: str
    unit: int

    def column(self, units: int) -> int:
        """Where the unit stands in the flattened (4, H) state."""
        return _STATE_ROW[(self.layer, self.kind)] * units + self.unit

    @property
    def label(self) -> str:
        """Short name: "L2 c 117"."""
        return f"L{self.layer} {self.kind} {self.unit}"

    @classmethod
    def checked(cls, layer: object, kind: object, unit: object, units: int) -> "CellProbe":
        """A probe of a model with `units` units per layer, or a one-line UserError."""
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or layer not in LAYERS:
            raise UserError(f"layer {layer!r} does not exist; the model has layers 1 and 2", field="layer")
        if kind not in KINDS:
            raise UserError(f"cell kind {kind!r} is not one of c (the cell) or h (its output)", field="kind")
        if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < units:
            raise UserError(f"unit {unit!r} is out of range; this model's layers have {units} units (0 to {units - 1})", field="unit")
        return cls(int(layer), str(kind), int(unit))


class CellStore:
    """Cell values after each token, in float16 blocks of `CHUNK` tokens."""

    def __init__(self, units: int, probes: Sequence[CellProbe] | None = None, budget: int = DEFAULT_BUDGET) -> None:
        """`probes` None: every unit of both layers; a list: only those units. `budget`: bytes."""
        self.units = units
        self.probes = None if probes is None else list(probes)
        self._columns = None if probes is None else np.array([p.column(units) for p in probes], dtype=np.intp)
        self.width = 4 * units if probes is None else len(probes)
        self.limit = max(0, budget // (2 * self.width)) if self.width else 0
        """Tokens the budget holds; cell values stop there."""
        self.length = 0
        self._blocks: list[np.ndarray] = []

    def truncate(self, length: int) -> None:
        self.length = min(self.length, length)
        del self._blocks[-(-self.length // CHUNK):]

    def record(self, position: int, state: np.ndarray) -> None:
        """The state (4, H) after token `position` (= the store's length: tokens come in order)."""
        if position >= self.limit or position != self.length:
            return
        index, row = divmod(position, CHUNK)
        if index == len(self._blocks):
            self._blocks.append(np.empty((CHUNK, self.width), dtype=np.float16))
        flat = state.reshape(-1)
        self._blocks[index][row] = flat if self._columns is None else flat[self._columns]
        self.length += 1

    def column_of(self, probe: CellProbe) -> int:
        """Where the store keeps `probe` (a UserError when it was not probed)."""
        if self.probes is None:
            return probe.column(self.units)
        try:
            return self.probes.index(probe)
        except ValueError:
            raise UserError(f"{probe.label} was not recorded; record it by listing it in the probes") from None

    def values(self, probe: CellProbe, count: int) -> np.ndarray:
        """`probe` after each of the first `count` tokens (float32; NaN where none is kept)."""
        column = self.column_of(probe)
        out = np.full(count, np.nan, dtype=np.float32)
        kept = min(count, self.length)
        for index in range(-(-kept // CHUNK)):
            lo = index * CHUNK
            hi = min(lo + CHUNK, kept)
            out[lo:hi] = self._blocks[index][: hi - lo, column]
        return out
