"""Where the fused Numba kernels (`cpu_kernels`) apply: float32 NumPy arrays.

Every caller asks this module at call time (`kernel_dispatch.uses_cpu_kernels`), so the tests can
switch the kernels off in one place and compare them with the plain array code.
"""

from __future__ import annotations

import numpy as np


def uses_cpu_kernels(xp, dtype) -> bool:
    """True where the fused Numba kernels apply: float32 NumPy arrays."""
    return xp is np and dtype == np.float32
