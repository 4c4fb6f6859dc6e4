"""Device resolution: ``None``/``"auto"`` picks CUDA when present; never a silent fallback."""

from __future__ import annotations

from typing import Union

import torch

from ..errors import DeviceError, InvalidParameterError

DeviceLike = Union[None, str, torch.device]


def resolve_device(device: DeviceLike = None, name: str = "device") -> torch.device:
    """Resolve a user ``device`` argument to a ``torch.device``.

    ``None`` or ``"auto"`` gives ``cuda`` when available, else ``cpu``. An explicit CUDA
    device without CUDA raises :class:`~graphemb.errors.DeviceError`.
    """
    if device is None or (isinstance(device, str) and device.lower() == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InvalidParameterError(
            f"{name} must be None, 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}"
        ) from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"{name}={device!r} was requested but CUDA is not available on this machine")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceError(
                f"{name}={device!r}: only {torch.cuda.device_count()} CUDA device(s) are present"
            )
    elif dev.type not in ("cpu", "mps", "meta"):
        raise InvalidParameterError(f"{name}={device!r}: unsupported device type {dev.type!r}")
    return dev
