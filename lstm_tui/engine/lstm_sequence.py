"""An LSTM layer run over a whole BPTT window in one Chainer function.

Chainer's `L.LSTM` called once per time step builds several graph nodes per step and runs the
input projection as T small matrix products. Here the input projection of all T steps is one
large product done by the caller (`F.linear`), and this `FunctionNode` runs only the recurrent
product and the gate arithmetic in its time loop, with a hand-written backward (BPTT in array
code). The mathematics is that of `F.lstm`; the gates are stored in blocks `[a | i | f | o]`
(cell input, input gate, forget gate, output gate) instead of Chainer's interleaved layout.
"""

from __future__ import annotations

from lstm_tui.engine.activations import sigmoid_, tanh_
from lstm_tui.engine.chainer_compat import chainer


class LSTMSequence(chainer.FunctionNode):
    """hs, c_T = LSTM(xw, W_h, h0, c0) for xw of shape (T, B, 4H), W_h of shape (4H, H)."""

    def forward(self, inputs):
        xw, w_h, h0, c0 = inputs
        xp = chainer.backend.get_array_module(xw)
        steps, batch, four_h = xw.shape
        units = four_h // 4
        dtype = xw.dtype
        gates = xp.empty((steps, batch, four_h), dtype=dtype)
        hs = xp.empty((steps + 1, batch, units), dtype=dtype)
        cs = xp.empty((steps + 1, batch, units), dtype=dtype)
        tanh_c = xp.empty((steps, batch, units), dtype=dtype)
        scratch = xp.empty((batch, units), dtype=dtype)
        hs[0] = h0
        cs[0] = c0
        w_h_t = w_h.T
        for t in range(steps):
            g = gates[t]
            xp.matmul(hs[t], w_h_t, out=g)
            g += xw[t]
            tanh_(g[:, :units])
            sigmoid_(g[:, units:])
            a = g[:, :units]
            i = g[:, units : 2 * units]
            f = g[:, 2 * units : 3 * units]
            o = g[:, 3 * units :]
            c = cs[t + 1]
            xp.multiply(a, i, out=c)
            xp.multiply(f, cs[t], out=scratch)
            c += scratch
            tanh_(c, out=tanh_c[t])
            xp.multiply(o, tanh_c[t], out=hs[t + 1])
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
        one = dtype.type(1)
        dgates = xp.empty_like(gates)
        dh_next = xp.zeros((batch, units), dtype=dtype)
        dc = xp.zeros((batch, units), dtype=dtype) if gc_last is None else gc_last.copy()
        dh = xp.empty((batch, units), dtype=dtype)
        tmp = xp.empty((batch, units), dtype=dtype)
        for t in range(steps - 1, -1, -1):
            g = gates[t]
            a = g[:, :units]
            i = g[:, units : 2 * units]
            f = g[:, 2 * units : 3 * units]
            o = g[:, 3 * units :]
            tc = tanh_c[t]
            if gy is not None:
                xp.add(gy[t], dh_next, out=dh)
            else:
                dh[...] = dh_next
            dg = dgates[t]
            d_a = dg[:, :units]
            d_i = dg[:, units : 2 * units]
            d_f = dg[:, 2 * units : 3 * units]
            d_o = dg[:, 3 * units :]
            # output gate: dO = dh * tanh(c) * o * (1 - o)
            xp.multiply(dh, tc, out=d_o)
            xp.subtract(one, o, out=tmp)
            tmp *= o
            d_o *= tmp
            # cell: dc += dh * o * (1 - tanh(c)^2)
            xp.multiply(tc, tc, out=tmp)
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
            tmp *= cs[t]
            xp.multiply(dc, tmp, out=d_f)
            dc *= f
            xp.matmul(dg, w_h, out=dh_next)
        flat_dg = dgates.reshape(steps * batch, four_h)
        g_w_h = flat_dg.T @ hs[:steps].reshape(steps * batch, units)
        return (
            chainer.Variable(dgates),
            chainer.Variable(g_w_h),
            chainer.Variable(dh_next),
            chainer.Variable(dc),
        )


def lstm_sequence(xw, w_h, h0, c0):
    """Run the recurrence over all steps; returns (hs of shape (T, B, H), c_T)."""
    return LSTMSequence().apply((xw, w_h, h0, c0))
