"""Estimator base class in the scikit-learn manner.

``__init__`` only stores its keyword arguments; ``fit`` validates, computes, sets
attributes ending in ``_`` and returns ``self``. ``get_params`` / ``set_params`` /
``clone`` are derived from the ``__init__`` signature.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from .errors import InvalidParameterError, NotFittedError


class BaseEstimator:
    """Base class for graphemb estimators (embedders, models)."""

    @classmethod
    def _param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        sig = inspect.signature(init)
        names = []
        for name, p in sig.parameters.items():
            if name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must not take *args/**kwargs")
            names.append(name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters of this estimator."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> "BaseEstimator":
        """Set constructor parameters; unknown names raise ``InvalidParameterError``."""
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise InvalidParameterError(
                    f"{type(self).__name__} has no parameter {key!r}; "
                    f"valid parameters are {sorted(valid)}"
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        parts = []
        for name in self._param_names():
            value = getattr(self, name)
            default = sig.parameters[name].default
            try:
                same = value == default
                same = bool(same) if not hasattr(same, "__len__") else False
            except Exception:  # noqa: BLE001 - arrays and friends
                same = False
            if not same:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def _check_fitted(self, attribute: str) -> None:
        if not hasattr(self, attribute):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit() before using it"
            )


def clone(estimator: BaseEstimator) -> BaseEstimator:
    """Return an unfitted copy of ``estimator`` with the same parameters."""
    params = {k: copy.deepcopy(v) for k, v in estimator.get_params().items()}
    return type(estimator)(**params)
