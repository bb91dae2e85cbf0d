"""The one place that imports Chainer.

Chainer 7.8.1 predates NumPy 2 and Python 3.12. Two shims make it import (see the project's
notes on Chainer on modern Python): `np.sctypes`, removed in NumPy 2, is read by
`chainer/functions/array/as_strided.py` at import time; and `chainer/_environment_check.py`
imports `numpy.distutils.system_info`, which is gone on Python ≥ 3.12 and broken beside recent
setuptools (it only uses it on macOS). Every other module does
`from lstm_tui.engine.runtime.chainer_compat import chainer, F, L`.
"""

from __future__ import annotations

import sys
import types
import warnings

import numpy as np


def _install_shims() -> None:
    if not hasattr(np, "sctypes") or "sctypes" not in np.__dict__:
        try:
            np.sctypes  # noqa: B018 - NumPy 1.x still has it
        except AttributeError:
            np.sctypes = {  # type: ignore[attr-defined]
                "int": [np.int8, np.int16, np.int32, np.int64],
                "uint": [np.uint8, np.uint16, np.uint32, np.uint64],
                "float": [np.float16, np.float32, np.float64],
                "complex": [np.complex64, np.complex128],
                "others": [bool, object, bytes, str, np.void],
            }
    if "numpy.distutils.system_info" not in sys.modules:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import numpy.distutils.system_info  # noqa: F401
        except Exception:  # noqa: BLE001 - any failure means "use the stub"
            stub = types.ModuleType("numpy.distutils.system_info")
            stub.get_info = lambda *args, **kwargs: {}  # type: ignore[attr-defined]
            sys.modules["numpy.distutils.system_info"] = stub


_install_shims()

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import chainer  # noqa: E402
    import chainer.functions as F  # noqa: E402
    import chainer.links as L  # noqa: E402
    from chainer import optimizer_hooks, optimizers, serializers  # noqa: E402
    from chainer.backends import cuda  # noqa: E402

__all__ = ["chainer", "F", "L", "cuda", "optimizers", "optimizer_hooks", "serializers"]
