"""An LSTM layer run over a whole BPTT window in one Chainer function.

Chainer's `L.LSTM` called once per time step builds several graph nodes per step and runs the
input projection as T small matrix products. Here the input projection of all T steps is one
large product done by the caller (`F.linear`), and this `FunctionNode` runs only the recurrent
product and the gate arithmetic in its time loop, with a hand-written backward (BPTT in array
code). The mathematics is that of `F.lstm`; the gates are stored in blocks `[a | i | f | o]`
(cell input, input gate, forget gate, output gate) instead of Chainer's interleaved layout.

The gate arithmetic of a step is one fused kernel call for float32 NumPy arrays
(`cpu_kernels`); CuPy and float64 arrays (the gradient check) take the portable array code below,
which computes the same thing with one array call per operation.
"""

from __future__ import annotations

import numpy as np

from lstm_tui.engine.model import kernel_dispatch
from lstm_tui.engine.model.activations import sigmoid_, tanh_
from lstm_tui.engine.runtime.chainer_compat import chainer


def _cell_forward(g, xw, c_prev, c, tanh_c, h, scratch) -> None:
    """Portable form of `cpu_kernels.lstm_cell_forward`."""
    xp = chainer.backend.get_array_module(g)
    units = c.shape[1]
    g += xw
    tanh_(g[:, :units])
    sigmoid_(g[:, units:])
    a, i, f, o = g[:, :units], g[:, units : 2 * units], g[:, 2 * units : 3 * units], g[:, 3 * units :]
    xp.multiply(a, i, out=c)
    xp.multiply(f, c_prev, out=scratch)
    c += scratch
    tanh_(c, out=tanh_c)
    xp.multiply(o, tanh_c, out=h)


def _cell_backward(g, tanh_c, c_prev, dh, dc, dg, tmp) -> None:
    """Portable form of `cpu_kernels.lstm_cell_backward`."""
    xp = chainer.backend.get_array_module(g)
    units = dc.shape[1]
    one = g.dtype.type(1)
    a, i, f, o = g[:, :units], g[:, units : 2 * units], g[:, 2 * units : 3 * units], g[:, 3 * units :]
    d_a, d_i, d_f, d_o = dg[:, :units], dg[:, units : 2 * units], dg[:, 2 * units : 3 * units], dg[:, 3 * units :]
    # output gate: dO = dh * tanh(c) * o * (1 - o)
    xp.multiply(dh, tanh_c, out=d_o)
    xp.subtract(one, o, out=tmp)
    tmp *= o
    d_o *= tmp
    # cell: dc += dh * o * (1 - tanh(c)^2)
    xp.multiply(tanh_c, tanh_c, out=tmp)
    xp.subtract(one, tmp, out=tmp)
    tmp *= o
    tmp *= dh
    dc += tmp
    # cell input: dA = dc * i * (1 - a^2)
    xp.multiply(a, a, out=tmp)
    xp.subtract(one, tmp, out=tmp)
    tmp *= i
    xp.multiply(dc, tmp, out=d_a)
    # input gate: dI = dc * a * i * (1 - i)
    xp.subtract(one, i, out=tmp)
    tmp *= i
    tmp *= a
    xp.multiply(dc, tmp, out=d_i)
    # forget gate: dF = dc * c_prev * f * (1 - f)
    xp.subtract(one, f, out=tmp)
    tmp *= f
    tmp *= c_prev
    xp.multiply(dc, tmp, out=d_f)
    dc *= f


class LSTMSequence(chainer.FunctionNode):
    """hs, c_T = LSTM(xw, W_h, h0, c0) for xw of shape (T, B, 4H), W_h of shape (4H, H)."""

    def forward(self, inputs):
        xw, w_h, h0, c0 = inputs
        xp = chainer.backend.get_array_module(xw)
        steps, batch, four_h = xw.shape
        units = four_h // 4
        dtype = xw.dtype
        fused = kernel_dispatch.uses_cpu_kernels(xp, dtype)
        hs = xp.empty((steps + 1, batch, units), dtype=dtype)
        cs = xp.empty((steps + 1, batch, units), dtype=dtype)
        tanh_c = xp.empty((steps, batch, units), dtype=dtype)
        hs[0] = h0
        cs[0] = c0
        w_h_t = w_h.T
        if fused:
            from lstm_tui.engine.model.cpu_kernels import lstm_cell_forward

            # The gates overwrite the input projection, whose only consumer is this function
            # (the model's F.linear keeps its inputs, not its output): one window-sized buffer less.
            gates = np.ascontiguousarray(xw)
            hw = np.empty((batch, four_h), dtype=dtype)
            for t in range(steps):
                np.matmul(hs[t], w_h_t, out=hw)
                lstm_cell_forward(hw, gates[t], cs[t], cs[t + 1], tanh_c[t], hs[t + 1])
        else:
            gates = xp.empty((steps, batch, four_h), dtype=dtype)
            scratch = xp.empty((batch, units), dtype=dtype)
            for t in range(steps):
                g = gates[t]
                xp.matmul(hs[t], w_h_t, out=g)
                _cell_forward(g, xw[t], cs[t], cs[t + 1], tanh_c[t], hs[t + 1], scratch)
        self._gates, self._hs, self._cs, self._tanh_c = gates, hs, cs, tanh_c
        self.retain_inputs((1,))
        return hs[1:], cs[steps].copy()

    def backward(self, indexes, grad_outputs):
        (w_h,) = self.get_retained_inputs()
        w_h = w_h.array
        gy, gc_last = (g.array if g is not None else None for g in grad_outputs)
        gates, hs, cs, tanh_c = self._gates, self._hs, self._cs, self._tanh_c
        xp = chainer.backend.get_array_module(gates)
        steps, batch, four_h = gates.shape
        units = four_h // 4
        dtype = gates.dtype
        fused = kernel_dispatch.uses_cpu_kernels(xp, dtype)
        if fused:
            from lstm_tui.engine.model.cpu_kernels import lstm_cell_backward
        # The fused kernel turns the gates into their gradients in place (backward runs once).
        dgates = gates if fused else xp.empty_like(gates)
        dh_next = xp.zeros((batch, units), dtype=dtype)
        dc = xp.zeros((batch, units), dtype=dtype) if gc_last is None else gc_last.copy()
        dh = xp.empty((batch, units), dtype=dtype)
        tmp = xp.empty((batch, units), dtype=dtype)
        for t in range(steps - 1, -1, -1):
            if gy is not None:
                xp.add(gy[t], dh_next, out=dh)
            else:
                dh[...] = dh_next
            if fused:
                lstm_cell_backward(dgates[t], tanh_c[t], cs[t], dh, dc)
            else:
                _cell_backward(gates[t], tanh_c[t], cs[t], dh, dc, dgates[t], tmp)
            xp.matmul(dgates[t], w_h, out=dh_next)
        flat_dg = dgates.reshape(steps * batch, four_h)
        g_w_h = flat_dg.T @ hs[:steps].reshape(steps * batch, units)
        self._gates = self._hs = self._cs = self._tanh_c = None  # free them before the layer below runs
        return (
            chainer.Variable(dgates),
            chainer.Variable(g_w_h),
            chainer.Variable(dh_next),
            chainer.Variable(dc),
        )


def lstm_sequence(xw, w_h, h0, c0):
    """Run the recurrence over all steps; returns (hs of shape (T, B, H), c_T)."""
    return LSTMSequence().apply((xw, w_h, h0, c0))
