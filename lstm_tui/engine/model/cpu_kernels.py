"""Fused float32 CPU kernels (Numba) for the LSTM cell, softmax, top-k, Adam and the weight average.

Written as NumPy ufunc calls, one LSTM time step is ~25 passes over small arrays and Adam is ~12
passes over every parameter; on a few cores those passes, not the matrix products, are a large
share of a small model's training step. Each kernel here does its arithmetic in one pass per row.

NumPy's own float32 `exp`/`tanh` are slow on AVX2 machines; the kernels use the rational tanh
approximation of Eigen (`generic_fast_tanh_float`: a 13/6-degree odd/even rational function,
input clamped to ±7.9053), which LLVM vectorises: absolute error < 3e-7 against float64 tanh.
σ(x) = ½·tanh(x/2) + ½.

Loops run from 0 over one-dimensional row slices and touch few arrays each: that is what lets
LLVM vectorise them (a loop starting elsewhere, or too many possibly-aliasing arrays, stays
scalar). `error_model="numpy"` drops Python's division-by-zero checks, which also block it.
Only float32 NumPy arrays come here; CuPy and float64 arrays take the portable array code.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_OPTIONS = dict(fastmath=True, error_model="numpy", nogil=True, cache=True)

# Eigen's generic_fast_tanh_float coefficients.
_CLAMP = np.float32(7.90531110763549805)
_A1, _A3, _A5, _A7 = (np.float32(4.89352455891786e-03), np.float32(6.37261928875436e-04),
                      np.float32(1.48572235717979e-05), np.float32(5.12229709037114e-08))
_A9, _A11, _A13 = np.float32(-8.60467152213735e-11), np.float32(2.00018790482477e-13), np.float32(-2.76076847742355e-16)
_B0, _B2, _B4, _B6 = (np.float32(4.89352518554385e-03), np.float32(2.26843463243900e-03),
                      np.float32(1.18534705686654e-04), np.float32(1.19825839466702e-06))
_HALF = np.float32(0.5)
_ONE = np.float32(1.0)

# exp(z) for z ≤ 0 (softmax after the row maximum is subtracted): z = k·ln2 + r with Cody–Waite's
# two-part ln2, |r| ≤ ln2/2, e^r by its degree-6 Taylor polynomial (error < 2e-7), 2^k built in
# the float's exponent bits. z is clamped at −87 (e^−87 ≈ 1.6e-38, the float32 normal range).
_LOG2E = np.float32(1.4426950408889634)
_LN2_HI, _LN2_LO = np.float32(0.693359375), np.float32(-2.12194440e-4)
_C2, _C3, _C4, _C5, _C6 = (np.float32(1 / 2), np.float32(1 / 6), np.float32(1 / 24), np.float32(1 / 120),
                           np.float32(1 / 720))
_EXP_LO = np.float32(-87.0)


@njit(inline="always", **_OPTIONS)
def tanh32(x):
    """tanh of a float32 scalar (Eigen's rational approximation; inlined into the kernels)."""
    x = min(max(x, -_CLAMP), _CLAMP)
    x2 = x * x
    p = ((((((_A13 * x2 + _A11) * x2 + _A9) * x2 + _A7) * x2 + _A5) * x2 + _A3) * x2 + _A1) * x
    q = ((_B6 * x2 + _B4) * x2 + _B2) * x2 + _B0
    return p / q


@njit(inline="always", **_OPTIONS)
def sigmoid32(x):
    """σ of a float32 scalar, from `tanh32`."""
    return _HALF * tanh32(_HALF * x) + _HALF


@njit(**_OPTIONS)
def tanh_inplace(x):
    """x ← tanh(x) for a float32 array of any shape (C-contiguous)."""
    flat = x.reshape(-1)
    for j in range(flat.shape[0]):
        flat[j] = tanh32(flat[j])


@njit(**_OPTIONS)
def lstm_cell_forward(hw, g, c_prev, c_out, tanh_c_out, h_out):
    """One step for a batch. g (B, 4H) holds the input projection on entry and the activated
    gates [a | i | f | o] on exit; hw is the recurrent product h_prev·W_hᵀ; writes c, tanh(c), h."""
    batch, four_h = g.shape
    units = four_h // 4
    for b in range(batch):
        row, h_row = g[b], hw[b]
        a, h_a = row[:units], h_row[:units]
        for j in range(units):
            a[j] = tanh32(a[j] + h_a[j])
        ifo, h_ifo = row[units:], h_row[units:]
        for j in range(3 * units):
            ifo[j] = sigmoid32(ifo[j] + h_ifo[j])
        i, f, o = row[units : 2 * units], row[2 * units : 3 * units], row[3 * units :]
        c, cp = c_out[b], c_prev[b]
        for j in range(units):
            c[j] = a[j] * i[j] + f[j] * cp[j]
        tc, h = tanh_c_out[b], h_out[b]
        for j in range(units):
            t = tanh32(c[j])
            tc[j] = t
            h[j] = o[j] * t


@njit(**_OPTIONS)
def lstm_cell_backward(g, tanh_c, c_prev, dh, dc):
    """One step of BPTT for a batch, in place: g holds the activated gates on entry and their
    pre-activation gradients [dA | dI | dF | dO] on exit. dh is the gradient reaching h (the
    output's plus the next step's); dc enters as the next step's cell gradient and leaves as
    the gradient for c_prev. Each gate slot is read before it is overwritten and not read
    after, and a loop reads and writes the same view, which keeps it vectorisable."""
    batch, four_h = g.shape
    units = four_h // 4
    for b in range(batch):
        row = g[b]
        o, tc, d_h, d_c = row[3 * units :], tanh_c[b], dh[b], dc[b]
        for j in range(units):
            t = tc[j]
            oj = o[j]
            o[j] = d_h[j] * t * oj * (_ONE - oj)
            d_c[j] += d_h[j] * oj * (_ONE - t * t)
        a, i = row[:units], row[units : 2 * units]
        for j in range(units):
            aj, ij = a[j], i[j]
            a[j] = d_c[j] * ij * (_ONE - aj * aj)
            i[j] = d_c[j] * aj * ij * (_ONE - ij)
        f, cp = row[2 * units : 3 * units], c_prev[b]
        for j in range(units):
            fj = f[j]
            f[j] = d_c[j] * cp[j] * fj * (_ONE - fj)
            d_c[j] *= fj


@njit(inline="always", **_OPTIONS)
def _softmax_row(x, bias, p, bits, target):
    """p ← softmax(x + bias) for one row; returns logsumexp(x + bias) − (x + bias)[target].
    bits: int32 scratch (V,). Adding the bias here saves the output layer a pass over N×V."""
    vocab = x.shape[0]
    scale = bits.view(np.float32)
    for j in range(vocab):
        p[j] = x[j] + bias[j]
    top = p[0]
    for j in range(vocab):
        top = max(top, p[j])
    picked = p[target] - top
    for j in range(vocab):  # range reduction; p holds r for now
        z = max(p[j] - top, _EXP_LO)
        k = np.float32(np.floor(z * _LOG2E + _HALF))
        p[j] = (z - k * _LN2_HI) - k * _LN2_LO
        bits[j] = (np.int32(k) + np.int32(127)) << np.int32(23)
    total_row = np.float32(0.0)
    for j in range(vocab):
        r = p[j]
        e = (((((_C6 * r + _C5) * r + _C4) * r + _C3) * r + _C2) * r * r + r + _ONE) * scale[j]
        p[j] = e
        total_row += e
    inverse = _ONE / total_row
    for j in range(vocab):
        p[j] *= inverse
    return np.log(total_row) - picked


@njit(**_OPTIONS)
def softmax_cross_entropy_rows(logits, bias, targets, probs):
    """probs ← softmax of each row of logits (N, V) plus bias (V,); returns
    Σ_n (logsumexp(z_n) − z_n[t_n]) for z_n = logits_n + bias."""
    bits = np.empty(logits.shape[1], dtype=np.int32)
    total = 0.0
    for n in range(logits.shape[0]):
        total += _softmax_row(logits[n], bias, probs[n], bits, targets[n])
    return total


@njit(**_OPTIONS)
def softmax_cross_entropy_grad(probs, targets, scale, bias_grad):
    """probs ← (probs − onehot(targets)) · scale, in place, and bias_grad ← the column sums of
    the result, in the same pass (bias_grad (V,) enters zeroed)."""
    for n in range(probs.shape[0]):
        row = probs[n]
        row[targets[n]] -= _ONE
        for j in range(row.shape[0]):
            g = row[j] * scale
            row[j] = g
            bias_grad[j] += g


@njit(**_OPTIONS)
def top_k_select(probs, banned, k, out):
    """out[:n] ← the n ≤ k most probable ids not banned, most probable first (ties: lower id
    first); returns n. One pass keeping a sorted list of k, instead of a partition and a sort."""
    n = 0
    for j in range(probs.shape[0]):
        if banned[j]:
            continue
        p = probs[j]
        if n == k and not p > probs[out[k - 1]]:
            continue
        pos = n if n < k else k - 1
        while pos > 0 and probs[out[pos - 1]] < p:
            out[pos] = out[pos - 1]
            pos -= 1
        out[pos] = j
        if n < k:
            n += 1
    return n


@njit(**_OPTIONS)
def adam_update(param, grad, m, v, beta1, beta2, eps, step, decay):
    """Adam in one pass: m, v ← moving averages; param ← decay·param − step·m / (√v + eps)."""
    p, g, mm, vv = param.reshape(-1), grad.reshape(-1), m.reshape(-1), v.reshape(-1)
    one_b1 = np.float32(1.0) - beta1
    one_b2 = np.float32(1.0) - beta2
    for j in range(p.shape[0]):
        gj = g[j]
        mj = mm[j] + one_b1 * (gj - mm[j])
        vj = vv[j] + one_b2 * (gj * gj - vv[j])
        mm[j] = mj
        vv[j] = vj
        p[j] = decay * p[j] - step * mj / (np.sqrt(vj) + eps)


@njit(**_OPTIONS)
def scatter_add_rows(ids, rows, out):
    """out[ids[n]] += rows[n] for every n (ids (N,), rows (N, D), out (V, D), all C-contiguous)."""
    for n in range(ids.shape[0]):
        dst = out[ids[n]]
        src = rows[n]
        for j in range(src.shape[0]):
            dst[j] += src[j]


@njit(**_OPTIONS)
def lerp_inplace(average, current, weight):
    """average ← average + weight · (current − average), in one pass (1-D float32 arrays)."""
    for j in range(average.shape[0]):
        average[j] += weight * (current[j] - average[j])
