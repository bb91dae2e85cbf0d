"""Device selection: `auto`, `cpu`, `gpu`, `gpu:N`, and why a GPU is not used."""

from __future__ import annotations

from dataclasses import dataclass

from lstm_tui.engine.runtime.chainer_compat import chainer, cuda
from lstm_tui.engine.errors import UserError


@dataclass(frozen=True)
class DeviceChoice:
    """The Chainer device to use, its name for people, and a notice when auto fell back."""

    device: object
    name: str
    notice: str | None = None

    @property
    def is_gpu(self) -> bool:
        return self.name.startswith("gpu")


def gpu_unavailable_reason() -> str | None:
    """None when CuPy and a CUDA GPU are usable, else why not (the import error, if any)."""
    if not cuda.available:
        error = getattr(cuda, "_resolution_error", None)
        if error is None or (isinstance(error, ModuleNotFoundError) and error.name == "cupy"):
            return "CuPy is not installed (pip install 'lstm-tui[gpu]')"
        return f"CuPy failed to import ({type(error).__name__}: {error})"
    try:
        count = cuda.cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001 - any CUDA runtime failure is a reason
        return f"CUDA runtime error ({exc})"
    if count == 0:
        return "no CUDA GPU was found"
    return None


def choose_device(spec: str = "auto") -> DeviceChoice:
    """Resolve a --device value; explicit GPU requests without a GPU are an error."""
    spec = (spec or "auto").strip().lower()
    if spec == "cpu":
        return DeviceChoice(chainer.get_device("@numpy"), "cpu")
    if spec == "auto":
        reason = gpu_unavailable_reason()
        if reason is None:
            return DeviceChoice(chainer.get_device("@cupy:0"), "gpu:0")
        return DeviceChoice(chainer.get_device("@numpy"), "cpu", notice=f"using the CPU: {reason}")
    if spec == "gpu" or spec.startswith("gpu:"):
        index_text = spec.partition(":")[2] or "0"
        if not index_text.isdigit():
            raise UserError(f"unknown device {spec!r}; use auto, cpu, gpu or gpu:N", field="device")
        reason = gpu_unavailable_reason()
        if reason is not None:
            raise UserError(f"--device {spec} asked for a GPU but {reason}; use --device cpu (or auto) to train on the CPU", field="device")
        index = int(index_text)
        count = cuda.cupy.cuda.runtime.getDeviceCount()
        if index >= count:
            raise UserError(f"--device {spec}: there are only {count} GPU(s); use gpu:0 … gpu:{count - 1}", field="device")
        return DeviceChoice(chainer.get_device(f"@cupy:{index}"), f"gpu:{index}")
    raise UserError(f"unknown device {spec!r}; use auto, cpu, gpu or gpu:N", field="device")
