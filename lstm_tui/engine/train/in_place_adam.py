"""Adam with an in-place CPU update: Chainer's Adam without parameter-sized temporaries.

Chainer's Adam allocates several parameter-sized temporaries per update; for a 10,000-word model
that is hundreds of MB of fresh pages per step. This rule does the same arithmetic in place, in
one pass over each parameter (`cpu_kernels.adam_update`). State names (`m`, `v`) and the
serialised form are Chainer's, so snapshots stay compatible. On a GPU it is Chainer's Adam.
"""

from __future__ import annotations

import numpy as np

from lstm_tui.engine.model import kernel_dispatch
from lstm_tui.engine.runtime.chainer_compat import optimizers


class _InPlaceAdamRule(optimizers.adam.AdamRule):
    """Adam's CPU update with no parameter-sized temporaries."""

    def update_core_cpu(self, param):
        grad = param.grad
        hp = self.hyperparam
        if grad is None or hp.amsgrad or hp.adabound or not kernel_dispatch.uses_cpu_kernels(np, param.dtype):
            return super().update_core_cpu(param)
        from lstm_tui.engine.model.cpu_kernels import adam_update

        f32 = np.float32
        adam_update(
            param.data, grad, self.state["m"], self.state["v"], f32(hp.beta1), f32(hp.beta2), f32(hp.eps),
            f32(hp.eta * self.alpha_t), f32(1 - hp.eta * hp.weight_decay_rate),
        )


class FastAdam(optimizers.Adam):
    """`chainer.optimizers.Adam` with the in-place CPU update rule."""

    def create_update_rule(self):
        return _InPlaceAdamRule(self.hyperparam)
