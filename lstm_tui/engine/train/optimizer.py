"""The optimizer of a run (Adam or SGD, with gradient clipping) and how its rate is set."""

from __future__ import annotations

from lstm_tui.engine.runtime.chainer_compat import optimizer_hooks, optimizers
from lstm_tui.engine.train.in_place_adam import FastAdam


def make_optimizer(model, name: str, lr: float, grad_clip: float):
    """`adam` (the in-place FastAdam) or `sgd`, set up on `model`, clipping the gradient norm at `grad_clip`."""
    optimizer = FastAdam(alpha=lr) if name == "adam" else optimizers.SGD(lr=lr)
    optimizer.setup(model)
    optimizer.add_hook(optimizer_hooks.GradientClipping(grad_clip))
    return optimizer


def set_rate(optimizer, rate: float) -> None:
    """The learning rate the next update uses (Adam calls it alpha)."""
    if isinstance(optimizer, optimizers.Adam):
        optimizer.alpha = rate
    else:
        optimizer.lr = rate
