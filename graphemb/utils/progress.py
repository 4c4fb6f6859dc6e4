"""Progress bars (tqdm) behind a ``verbose`` flag, and the package logger."""

from __future__ import annotations

import logging
from typing import Iterable, Optional, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

logger = logging.getLogger("graphemb")


def progress(iterable: Optional[Iterable[T]] = None, *, verbose: bool = False, total: Optional[int] = None,
             desc: Optional[str] = None, unit: str = "it", leave: bool = False):
    """Wrap ``iterable`` in a tqdm bar when ``verbose`` is true (a disabled bar otherwise)."""
    return tqdm(iterable, total=total, desc=desc, unit=unit, leave=leave, disable=not verbose,
                dynamic_ncols=True)


def get_logger(name: str) -> logging.Logger:
    """Return a child of the ``graphemb`` logger."""
    return logging.getLogger(name if name.startswith("graphemb") else f"graphemb.{name}")
