"""A keystroke's LSTM step split across two cores by units, so each core's weights stay in its cache.

A keystroke of a 2×256 char model reads 3 MB of weights: more than one core's L2 (1–2 MB), so
one core streams them from L3 on every key. Split by units, part p owns units
[p·H/P, (p+1)·H/P) and the four gate columns of each: a core reads only its part's half — which
stays in its own L2 where that is 2 MB, and otherwise is still half the stream, read by two cores
at once — and computes its units' cells without waiting for the other part. The only join is
between the layers (layer 2 reads all of h1).

That pays only while Numba's OpenMP workers are awake: they spin a few ms after a launch, then
sleep, and waking a sleeping one can cost milliseconds on a busy virtual machine, far more than
the split saves. Keys typed by a person come 50–300 ms apart, so `SplitPacer` splits only steps
that come in a burst (following a paste, the ghost text, eval, back-to-back keys) and runs the
rest through `serial_step`, the same kernel on one core. Numba's fallback layer (workqueue, when
libgomp is missing) wakes its workers through the OS on every launch: then `split_parts` says 1.
Measurements: benchmarks/RESULTS.md ("the step split over both cores").

`split_rows` is the same step for several states at once, each with its own token (look-aheads
such as a character model's k continuations): the weights are read once for all of them, which is
what a step costs, and each row's sums are those of `split_step`, whatever rows share its batch.
"""

from __future__ import annotations

import os
import time

import numpy as np
from numba import njit, prange

from lstm_tui.engine.model.cpu_kernels import sigmoid32, tanh32
from lstm_tui.engine.runtime.blas_threads import BIG_STEP_BYTES

_OPTIONS = dict(fastmath=True, error_model="numpy", nogil=True, cache=True)
SPLIT_MIN_BYTES = 1 << 20  # weights a key reads below which one core's L2 holds them all: no split
PARTS = 2
AWAKE_S = 1e-3  # a launch this soon after the last one finds the workers still spinning (they spin longer)
BURST = 8  # steps this close together in a row: a burst (more than one key's own: the step and 4 of ghost text)


def split_parts(step_bytes: int, units: int) -> int:
    """How many cores a batch-1 step of this size should be split over (1: not split).

    Above `BIG_STEP_BYTES` the weights are far beyond any L2 and two BLAS threads stream them
    (`blas_threads.keystroke_blas_threads`), which the split does not beat."""
    if not SPLIT_MIN_BYTES <= step_bytes < BIG_STEP_BYTES or units % PARTS:
        return 1
    if len(os.sched_getaffinity(0)) < PARTS or not _spinning_threads():
        return 1
    return PARTS


def _spinning_threads() -> bool:
    """True when Numba can use OpenMP (or TBB) rather than its slow-to-wake workqueue."""
    from numba import config

    if config.NUMBA_NUM_THREADS < PARTS or config.THREADING_LAYER == "workqueue":
        return False
    for layer in ("omppool", "tbbpool"):
        try:
            __import__(f"numba.np.ufunc.{layer}")
            return True
        except ImportError:  # that runtime library is not installed
            continue
    return False


def gate_order(units: int, parts: int) -> np.ndarray:
    """Column order that puts each part's gates together: part 0's [a | i | f | o], then part 1's."""
    size = units // parts
    return np.concatenate([np.arange(gate * units + p * size, gate * units + (p + 1) * size)
                           for p in range(parts) for gate in range(4)])


def by_part(matrix: np.ndarray, parts: int) -> np.ndarray:
    """(K, 4H) with columns in `gate_order` → (parts, K, 4H/parts), each part contiguous."""
    rows, cols = matrix.shape
    return np.ascontiguousarray(matrix.reshape(rows, parts, cols // parts).transpose(1, 0, 2))


@njit(**_OPTIONS)
def _matvec(x, w, out):
    """out ← x·w for x (K,), w (K, N): eight rows of w per pass over out (fewer loads and stores
    of out than one; BLAS's sgemv is no faster at these sizes)."""
    n, rows = out.shape[0], x.shape[0]
    for j in range(n):
        out[j] = 0.0
    k = 0
    while k + 8 <= rows:
        x0, x1, x2, x3, x4, x5, x6, x7 = x[k], x[k + 1], x[k + 2], x[k + 3], x[k + 4], x[k + 5], x[k + 6], x[k + 7]
        r0, r1, r2, r3, r4, r5, r6, r7 = w[k], w[k + 1], w[k + 2], w[k + 3], w[k + 4], w[k + 5], w[k + 6], w[k + 7]
        for j in range(n):
            out[j] += (x0 * r0[j] + x1 * r1[j]) + (x2 * r2[j] + x3 * r3[j]) + (x4 * r4[j] + x5 * r5[j]) + (x6 * r6[j] + x7 * r7[j])
        k += 8
    while k < rows:
        xk, row = x[k], w[k]
        for j in range(n):
            out[j] += xk * row[j]
        k += 1


@njit(**_OPTIONS)
def _part_cells(g, bias, c_prev, c, h):
    """The cells of one part: g (4·size) holds its recurrent product [a | i | f | o] on entry."""
    size = c.shape[0]
    for j in range(size):
        a = tanh32(g[j] + bias[j])
        i = sigmoid32(g[size + j] + bias[size + j])
        f = sigmoid32(g[2 * size + j] + bias[2 * size + j])
        o = sigmoid32(g[3 * size + j] + bias[3 * size + j])
        cj = a * i + f * c_prev[j]
        c[j] = cj
        h[j] = o * tanh32(cj)


@njit(parallel=True, **_OPTIONS)
def split_step(x1, prev, w1, w2, b2, gates, partial, hh, out):
    """out (4, H) ← (h1, c1, h2, c2) after one token from state `prev` (4, H), in one launch.

    Part p computes layer 1's cells for its units (the columns of w1[p], (H, 4H/P)), then its
    share of layer 2's gate sums: its units' rows of [W_x2 | W_h2]ᵀ (w2[p], (2H/P, 4H)) times
    their new h1 and previous h2. Both parts' sums meet once, after the launch, for layer 2's cells.
    x1 (P, 4H/P): layer 1's input projection of the token (bias included), by part; b2 (4H,);
    gates (P, 4H/P), partial (P, 4H) and hh (P, 2H/P) are scratch."""
    parts, units = w1.shape[0], prev.shape[1]
    size = units // parts
    for p in prange(parts):
        s = p * size
        _matvec(prev[0], w1[p], gates[p])
        _part_cells(gates[p], x1[p], prev[1, s : s + size], out[1, s : s + size], out[0, s : s + size])
        for j in range(size):
            hh[p, j] = out[0, s + j]
            hh[p, size + j] = prev[2, s + j]
        _matvec(hh[p], w2[p], partial[p])
    total = partial[0]
    for p in range(1, parts):
        row = partial[p]
        for j in range(total.shape[0]):
            total[j] += row[j]
    _part_cells(total, b2, prev[3], out[3], out[2])


serial_step = njit(**_OPTIONS)(split_step.py_func)
"""`split_step` on the calling thread alone (prange runs as range): the same sums in the same order."""


@njit(**_OPTIONS)
def matvec_rows(x, w, out):
    """out[b] ← x[b]·w for each row b of x (n, K), w (K, N): `_matvec`'s sums in its order for
    every row, eight rows of w read once for all of x's rows (a batch costs about one row's
    reading of the weights)."""
    count, n, rows = x.shape[0], out.shape[1], x.shape[1]
    for b in range(count):
        row_out = out[b]
        for j in range(n):
            row_out[j] = 0.0
    k = 0
    while k + 8 <= rows:
        r0, r1, r2, r3, r4, r5, r6, r7 = w[k], w[k + 1], w[k + 2], w[k + 3], w[k + 4], w[k + 5], w[k + 6], w[k + 7]
        for b in range(count):
            x0, x1, x2, x3 = x[b, k], x[b, k + 1], x[b, k + 2], x[b, k + 3]
            x4, x5, x6, x7 = x[b, k + 4], x[b, k + 5], x[b, k + 6], x[b, k + 7]
            row_out = out[b]
            for j in range(n):
                row_out[j] += (x0 * r0[j] + x1 * r1[j]) + (x2 * r2[j] + x3 * r3[j]) + (x4 * r4[j] + x5 * r5[j]) + (x6 * r6[j] + x7 * r7[j])
        k += 8
    while k < rows:
        row = w[k]
        for b in range(count):
            xk, row_out = x[b, k], out[b]
            for j in range(n):
                row_out[j] += xk * row[j]
        k += 1


@njit(parallel=True, **_OPTIONS)
def split_rows(x1, prev, w1, w2, b2, h, gates, partial, hh, out):
    """out[b] (4, H) ← the state after token b from state prev[b], for each of n rows at once:
    `split_step` with a batch (the same sums for each row), reading the weights once for all.

    x1 (n, P, 4H/P): each row's layer-1 input projection, by part; w1 (P, H, 4H/P), w2
    (P, 2H/P, 4H) and b2 as `split_step` reads them (P = 1: w_h1t[None] and w2t[None]);
    h (n, H), gates (P, n, 4H/P), partial (P, n, 4H) and hh (P, n, 2H/P) are scratch."""
    count, units, parts = prev.shape[0], prev.shape[2], w1.shape[0]
    size = units // parts
    for b in range(count):
        for j in range(units):
            h[b, j] = prev[b, 0, j]
    for p in prange(parts):
        s = p * size
        matvec_rows(h, w1[p], gates[p])
        for b in range(count):
            _part_cells(gates[p, b], x1[b, p], prev[b, 1, s : s + size], out[b, 1, s : s + size], out[b, 0, s : s + size])
            for j in range(size):
                hh[p, b, j] = out[b, 0, s + j]
                hh[p, b, size + j] = prev[b, 2, s + j]
        matvec_rows(hh[p], w2[p], partial[p])
    for b in range(count):
        total = partial[0, b]
        for p in range(1, parts):
            row = partial[p, b]
            for j in range(total.shape[0]):
                total[j] += row[j]
        _part_cells(total, b2, prev[b, 3], out[b, 3], out[b, 2])


serial_rows = njit(**_OPTIONS)(split_rows.py_func)
"""`split_rows` on the calling thread alone."""


class SplitPacer:
    """Says, step by step, whether to split it: yes while the workers are awake (the last split
    ended under `AWAKE_S` ago) or once `BURST` steps in a row came that close together."""

    def __init__(self, awake_s: float = AWAKE_S, burst: int = BURST) -> None:
        self.awake_s, self.burst = awake_s, burst
        self._last_split = self._last_step = -float("inf")
        self._close = 0  # steps in a row that began under awake_s after the previous one ended

    def split_now(self) -> bool:
        now = time.perf_counter()
        self._close = self._close + 1 if now - self._last_step < self.awake_s else 0
        return now - self._last_split < self.awake_s or self._close >= self.burst

    def done(self, split: bool) -> None:
        """Call when the step has finished."""
        self._last_step = time.perf_counter()
        if split:
            self._last_split = self._last_step


def layer2_by_part(w2t: np.ndarray, parts: int) -> np.ndarray:
    """[W_x2 | W_h2]ᵀ (2H, 4H) → (parts, 2H/parts, 4H): part p's units' rows of both halves."""
    units = w2t.shape[0] // 2
    size = units // parts
    return np.ascontiguousarray(np.stack([
        np.concatenate([w2t[p * size : (p + 1) * size], w2t[units + p * size : units + (p + 1) * size]])
        for p in range(parts)]))
