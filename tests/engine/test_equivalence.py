"""Same mathematics as Chainer's examples/ptb: equal loss and gradients for the same weights,
and the custom FunctionNodes pass Chainer's gradient check."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lstm_tui.engine.runtime.chainer_compat import F, chainer
from lstm_tui.engine.model.lstm_sequence import lstm_sequence
from lstm_tui.engine.model.language_model import LanguageModel, ModelConfig
from lstm_tui.engine.model.softmax_xent import softmax_cross_entropy

import chainer.gradient_check  # noqa: E402  (after chainer_compat applied its shims)

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.reference_ptb import RNNForLM, bptt_loss, copy_weights_into, to_blocked  # noqa: E402


def test_lstm_sequence_passes_check_backward() -> None:
    rng = np.random.default_rng(0)
    steps, batch, units = 4, 3, 5
    inputs = (
        rng.normal(size=(steps, batch, 4 * units)),
        rng.normal(size=(4 * units, units)) * 0.5,
        rng.normal(size=(batch, units)),
        rng.normal(size=(batch, units)),
    )
    grads = (rng.normal(size=(steps, batch, units)), rng.normal(size=(batch, units)))
    chainer.gradient_check.check_backward(lstm_sequence, inputs, grads, dtype=np.float64, atol=1e-5, rtol=1e-4)


def test_softmax_cross_entropy_passes_check_backward() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(9, 7))
    bias = rng.normal(size=(7,))
    targets = rng.integers(0, 7, 9).astype(np.int32)
    chainer.gradient_check.check_backward(
        lambda x, b: softmax_cross_entropy(x, targets, b), (logits, bias), (np.array(0.7),), dtype=np.float64,
        atol=1e-5, rtol=1e-4,
    )


# (20, 16, 4, 8): fewer ids than positions, so layer 1 runs through the V-row table (embed_projection)
@pytest.mark.parametrize("vocab, units, batch, steps", [(65, 32, 4, 6), (300, 24, 3, 5), (20, 16, 4, 8)])
def test_loss_and_gradients_equal_the_reference(vocab: int, units: int, batch: int, steps: int) -> None:
    np.random.seed(5)
    reference = RNNForLM(vocab, units)
    mine = LanguageModel(ModelConfig(vocab_size=vocab, units=units, embed=units, dropout=0.0))
    copy_weights_into(mine, reference)
    rng = np.random.default_rng(2)
    xs = rng.integers(0, vocab, (steps, batch)).astype(np.int32)
    ts = rng.integers(0, vocab, (steps, batch)).astype(np.int32)
    for _ in range(2):  # the second window starts from the carried state
        ref_loss = bptt_loss(reference, xs, ts)
        my_loss = mine.loss(xs, ts)
        reference.cleargrads()
        mine.cleargrads()
        ref_loss.backward()
        my_loss.backward()
        ref_loss.unchain_backward()
        # the reference sums per-step means; the project averages over all T×B tokens
        np.testing.assert_allclose(float(my_loss.array), float(ref_loss.array) / steps, rtol=1e-4)
        pairs = [
            (mine.embed.W, reference.embed.W.grad, None),
            (mine.out.W, reference.l3.W.grad, None),
            (mine.out.b, reference.l3.b.grad, None),
        ]
        for layer, ref in ((mine.lstm1, reference.l1), (mine.lstm2, reference.l2)):
            pairs += [(layer.W_x, ref.upward.W.grad, units), (layer.b, ref.upward.b.grad, units), (layer.W_h, ref.lateral.W.grad, units)]
        for param, ref_grad, blocked_units in pairs:
            expected = ref_grad / steps
            if blocked_units:
                expected = to_blocked(expected, blocked_units)
            scale = np.abs(expected).max()
            np.testing.assert_allclose(param.grad, expected, rtol=1e-4, atol=1e-4 * scale)


def test_embed_lookup_passes_check_backward() -> None:
    from lstm_tui.engine.model.embed_rows import embed_lookup

    rng = np.random.default_rng(3)
    weights = rng.normal(size=(7, 3))
    ids = rng.integers(0, 7, (4, 5)).astype(np.int32)
    chainer.gradient_check.check_backward(lambda w: embed_lookup(ids, w), (weights,), (rng.normal(size=(4, 5, 3)),), dtype=np.float64)


def test_embed_projection_passes_check_backward() -> None:
    from lstm_tui.engine.model.embed_projection import embed_projection

    rng = np.random.default_rng(4)
    embed, w_x, b = rng.normal(size=(6, 3)), rng.normal(size=(8, 3)), rng.normal(size=(8,))
    ids = rng.integers(0, 6, (5, 4)).astype(np.int32)
    chainer.gradient_check.check_backward(
        lambda e, w, bias: embed_projection(ids, e, w, bias), (embed, w_x, b), (rng.normal(size=(5, 4, 8)),), dtype=np.float64
    )


def test_table_path_trains_like_the_lookup_path(monkeypatch) -> None:
    """Dropout between the layers and before the output, none on the embedding: the V-row table
    and the per-position projection give the same loss and gradients for the same masks."""
    from lstm_tui.engine.model import language_model as model_module

    config = ModelConfig(vocab_size=12, units=10, embed=6, dropout=0.5, embed_dropout=0.0)
    ids = np.random.default_rng(3).integers(0, 12, (7, 4)).astype(np.int32)
    results = {}
    for table in (True, False):
        monkeypatch.setattr(model_module, "table_is_cheaper", lambda vocab, positions, table=table: table)
        model = LanguageModel(config)
        model.init_weights(np.random.default_rng(0))
        loss = model.loss(ids, ids, np.random.default_rng(1))
        loss.backward()
        results[table] = (float(loss.array), {name: p.grad.copy() for name, p in model.namedparams()})
    assert results[True][0] == pytest.approx(results[False][0], rel=1e-6)
    for name, grad in results[False][1].items():
        np.testing.assert_allclose(results[True][1][name], grad, rtol=1e-4, atol=1e-6, err_msg=name)


def test_embed_projection_kernel_equals_the_array_code(monkeypatch) -> None:
    """float32: the Numba scatter of gradient rows gives what np.add.at gives (repeated ids)."""
    from lstm_tui.engine.model import kernel_dispatch
    from lstm_tui.engine.model.embed_projection import embed_projection

    rng = np.random.default_rng(9)
    arrays = (rng.normal(size=(11, 7)).astype(np.float32), rng.normal(size=(12, 7)).astype(np.float32), rng.normal(size=(12,)).astype(np.float32))
    ids = rng.integers(0, 11, (9, 5)).astype(np.int32)
    gy = rng.normal(size=(9, 5, 12)).astype(np.float32)
    results = {}
    for fused in (True, False):
        monkeypatch.setattr(kernel_dispatch, "uses_cpu_kernels", lambda xp, dtype, fused=fused: fused)
        variables = [chainer.Variable(a.copy()) for a in arrays]
        y = embed_projection(ids, *variables)
        chainer.functions.sum(y * gy).backward()
        results[fused] = [y.array] + [v.grad for v in variables]
    for mine, expected in zip(results[True], results[False]):
        np.testing.assert_allclose(mine, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_fast_adam_equals_chainer_adam() -> None:
    from lstm_tui.engine.runtime.chainer_compat import optimizers
    from lstm_tui.engine.train.in_place_adam import FastAdam

    def train(optimizer_class) -> dict[str, np.ndarray]:
        model = LanguageModel(ModelConfig(vocab_size=30, units=8, embed=8))
        model.init_weights(np.random.default_rng(0))
        optimizer = optimizer_class(alpha=0.01)
        optimizer.setup(model)
        rng = np.random.default_rng(1)
        for _ in range(5):
            x = rng.integers(0, 30, (6, 3)).astype(np.int32)
            loss = model.loss(x, x)
            model.cleargrads()
            loss.backward()
            optimizer.update()
        return {name: p.array.copy() for name, p in model.namedparams()}

    a, b = train(optimizers.Adam), train(FastAdam)
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-5, atol=1e-6, err_msg=name)


def _lstm_sequence_run(fused: bool, monkeypatch, arrays, grads):
    """Forward and backward of one LSTMSequence on copies, through the kernels or the array code."""
    from lstm_tui.engine.model import kernel_dispatch

    monkeypatch.setattr(kernel_dispatch, "uses_cpu_kernels", lambda xp, dtype: fused)
    variables = [chainer.Variable(a.copy()) for a in arrays]
    hs, c_last = lstm_sequence(*variables)
    outputs = (hs.array.copy(), c_last.array.copy())
    F = chainer.functions
    loss = F.sum(hs * grads[0]) + F.sum(c_last * grads[1])  # d loss / d outputs = grads
    loss.backward()
    return outputs, [v.grad for v in variables]


def test_fused_lstm_kernels_equal_the_array_code(monkeypatch) -> None:
    """float32: the Numba cell kernels give the array code's outputs and gradients (a width that
    is not a multiple of the vector length, and pre-activations large enough to saturate)."""
    rng = np.random.default_rng(7)
    steps, batch, units = 5, 3, 37
    arrays = (
        rng.normal(scale=4.0, size=(steps, batch, 4 * units)).astype(np.float32),
        rng.normal(scale=0.3, size=(4 * units, units)).astype(np.float32),
        rng.normal(size=(batch, units)).astype(np.float32),
        rng.normal(size=(batch, units)).astype(np.float32),
    )
    grads = (rng.normal(size=(steps, batch, units)).astype(np.float32), rng.normal(size=(batch, units)).astype(np.float32))
    out_kernel, grad_kernel = _lstm_sequence_run(True, monkeypatch, arrays, grads)
    out_array, grad_array = _lstm_sequence_run(False, monkeypatch, arrays, grads)
    for mine, expected in zip(out_kernel + tuple(grad_kernel), out_array + tuple(grad_array)):
        np.testing.assert_allclose(mine, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_fused_softmax_cross_entropy_equals_the_array_code(monkeypatch) -> None:
    from lstm_tui.engine.model import kernel_dispatch

    rng = np.random.default_rng(8)
    logits = rng.normal(scale=5.0, size=(6, 1003)).astype(np.float32)
    logits[0, 3] = 120.0  # a row whose other entries underflow e^z
    bias = rng.normal(size=1003).astype(np.float32)
    targets = rng.integers(0, 1003, 6).astype(np.int32)
    results = {}
    for fused in (True, False):
        monkeypatch.setattr(kernel_dispatch, "uses_cpu_kernels", lambda xp, dtype, fused=fused: fused)
        x, b = chainer.Variable(logits.copy()), chainer.Variable(bias.copy())
        loss = softmax_cross_entropy(x, targets, b)
        loss.backward()
        results[fused] = (float(loss.array), x.grad.copy(), b.grad.copy())
    assert results[True][0] == pytest.approx(results[False][0], rel=1e-6)
    np.testing.assert_allclose(results[True][1], results[False][1], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(results[True][2], results[False][2], rtol=1e-5, atol=1e-7)


def test_the_loss_with_its_bias_equals_chainers_linear_and_softmax_cross_entropy() -> None:
    rng = np.random.default_rng(9)
    h = rng.normal(size=(12, 5)).astype(np.float32)
    w = rng.normal(size=(40, 5)).astype(np.float32)
    bias = rng.normal(size=40).astype(np.float32)
    targets = rng.integers(0, 40, 12).astype(np.int32)
    grads = []
    for ours in (True, False):
        hv, wv, bv = (chainer.Variable(a.copy()) for a in (h, w, bias))
        if ours:
            loss = softmax_cross_entropy(F.linear(hv, wv), targets, bv)
        else:
            loss = F.softmax_cross_entropy(F.linear(hv, wv, bv), targets)
        loss.backward()
        grads.append((float(loss.array), hv.grad, wv.grad, bv.grad))
    assert grads[0][0] == pytest.approx(grads[1][0], rel=1e-6)
    for mine, expected in zip(grads[0][1:], grads[1][1:]):
        np.testing.assert_allclose(mine, expected, rtol=1e-5, atol=1e-7)


def test_kernel_tanh_is_accurate_to_float32() -> None:
    from lstm_tui.engine.model.cpu_kernels import tanh_inplace

    x = np.linspace(-20, 20, 400_001, dtype=np.float32)
    y = x.copy()
    tanh_inplace(y)
    assert np.abs(y - np.tanh(x.astype(np.float64))).max() < 5e-7
