"""Parameter validation helpers whose messages name the parameter and the expectation."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, Iterable, Optional

from ..errors import InvalidParameterError


def check_int(value: Any, name: str, *, min_value: Optional[int] = None,
              max_value: Optional[int] = None) -> int:
    """Validate an integer parameter (bools are rejected)."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidParameterError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
    value = int(value)
    if min_value is not None and value < min_value:
        raise InvalidParameterError(f"{name} must be >= {min_value}, got {value}")
    if max_value is not None and value > max_value:
        raise InvalidParameterError(f"{name} must be <= {max_value}, got {value}")
    return value


def check_float(value: Any, name: str, *, min_value: Optional[float] = None,
                max_value: Optional[float] = None, min_inclusive: bool = True,
                max_inclusive: bool = True, allow_none: bool = False) -> Optional[float]:
    """Validate a finite real parameter within optional bounds."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidParameterError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise InvalidParameterError(f"{name} must be finite, got {value}")
    if min_value is not None and (value < min_value or (not min_inclusive and value == min_value)):
        op = ">=" if min_inclusive else ">"
        raise InvalidParameterError(f"{name} must be {op} {min_value}, got {value}")
    if max_value is not None and (value > max_value or (not max_inclusive and value == max_value)):
        op = "<=" if max_inclusive else "<"
        raise InvalidParameterError(f"{name} must be {op} {max_value}, got {value}")
    return value


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Validate that ``value`` is one of ``choices``."""
    choices = list(choices)
    if value not in choices:
        raise InvalidParameterError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """Validate a boolean parameter."""
    if not isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be True or False, got {value!r}")
    return value
