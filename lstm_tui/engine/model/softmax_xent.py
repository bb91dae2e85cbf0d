"""Mean softmax cross-entropy over all T×B positions, with the output bias, in one function.

Chainer's `F.linear` adds the bias in a pass over the N×V logits and sums the gradient over
them for the bias in another; `F.softmax_cross_entropy` builds the log-softmax with several
temporaries and recomputes the exponentials in backward. Here the caller does only the matrix
product; forward adds the bias and computes the softmax into one buffer, which it keeps; backward
turns that buffer into (softmax − onehot) · scale and sums it for the bias gradient — the same
mathematics. For float32 NumPy arrays each direction is one fused kernel pass per row
(`cpu_kernels`).
"""

from __future__ import annotations

import numpy as np

from lstm_tui.engine.model import kernel_dispatch
from lstm_tui.engine.runtime.chainer_compat import chainer


class SoftmaxCrossEntropy(chainer.FunctionNode):
    """loss = mean_n( logsumexp(z_n) − z_n[t_n] ), z = x + b, for x (N, V), b (V,), int t (N,)."""

    def forward(self, inputs):
        logits, bias, targets = inputs
        xp = chainer.backend.get_array_module(logits)
        self._targets = targets
        if kernel_dispatch.uses_cpu_kernels(xp, logits.dtype) and bias.dtype == logits.dtype:
            from lstm_tui.engine.model.cpu_kernels import softmax_cross_entropy_rows

            self._probs = np.empty_like(logits)
            total = softmax_cross_entropy_rows(np.ascontiguousarray(logits), np.ascontiguousarray(bias), targets, self._probs)
            return np.asarray(total / len(targets), dtype=logits.dtype),
        rows = xp.arange(len(targets))
        probs = logits + bias
        probs -= probs.max(axis=1, keepdims=True)
        shifted_target = probs[rows, targets]
        xp.exp(probs, out=probs)
        sums = probs.sum(axis=1, keepdims=True)
        probs /= sums
        loss = (xp.log(sums[:, 0]) - shifted_target).mean(dtype=logits.dtype)
        self._probs = probs
        return xp.asarray(loss, dtype=logits.dtype),

    def backward(self, indexes, grad_outputs):
        (gloss,) = grad_outputs
        probs, targets = self._probs, self._targets
        xp = chainer.backend.get_array_module(probs)
        grad = probs  # reuse the buffer: this function is backpropagated once
        scale = (gloss.array / len(targets)).astype(grad.dtype)
        if kernel_dispatch.uses_cpu_kernels(xp, grad.dtype):
            from lstm_tui.engine.model.cpu_kernels import softmax_cross_entropy_grad

            bias_grad = np.zeros(grad.shape[1], dtype=grad.dtype)
            softmax_cross_entropy_grad(grad, targets, scale[()], bias_grad)
        else:
            grad[xp.arange(len(targets)), targets] -= 1
            grad *= scale
            bias_grad = grad.sum(axis=0)
        self._probs = None
        return chainer.Variable(grad), chainer.Variable(bias_grad), None


def softmax_cross_entropy(logits, targets, bias=None):
    """Mean cross-entropy (nats per position) of `logits` (N, V) + `bias` (V,) against `targets` (N,)."""
    if bias is None:
        xp = chainer.backend.get_array_module(logits)
        bias = xp.zeros(logits.shape[1], dtype=logits.dtype)
    return SoftmaxCrossEntropy().apply((logits, bias, targets))[0]
