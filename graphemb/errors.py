"""Exception types raised by graphemb.

Every error raised for bad user input is one of these (or a ``ValueError`` /
``TypeError`` subclass of them), and its message names the parameter, or the file and
line, and says what was expected.
"""

from __future__ import annotations


class GraphembError(Exception):
    """Base class of all graphemb errors."""


class InvalidGraphError(GraphembError, ValueError):
    """A graph input is malformed (shape, ids, weights, duplicates, ...)."""


class InvalidTriplesError(GraphembError, ValueError):
    """A triple file or triple array is malformed."""


class InvalidParameterError(GraphembError, ValueError):
    """An estimator or function parameter has an invalid value."""


class NotFittedError(GraphembError, AttributeError):
    """An estimator was used before ``fit``."""


class DatasetNotFoundError(GraphembError, FileNotFoundError):
    """A dataset name is unknown or its files cannot be found."""


class DeviceError(GraphembError, RuntimeError):
    """A requested device is unavailable (e.g. ``device="cuda"`` without CUDA)."""


class OutOfMemoryEstimateError(GraphembError, MemoryError):
    """A memory estimate exceeds the memory available for the computation."""


class UnknownLabelError(GraphembError, KeyError):
    """A node, entity or relation label is not in the vocabulary."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


class CheckpointError(GraphembError, RuntimeError):
    """A checkpoint is missing, incomplete or incompatible."""


class MissingDependencyError(GraphembError, ImportError):
    """An optional dependency is not installed; the message names the extra."""


def missing_dependency(module: str, extra: str) -> MissingDependencyError:
    """Build the error for a missing optional dependency ``module`` of ``extra``."""
    return MissingDependencyError(
        f"{module!r} is required for this feature but is not installed; "
        f"install it with: pip install 'graphemb[{extra}]'"
    )
