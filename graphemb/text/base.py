"""The :class:`TextEncoder` interface shared by every text encoder in graphemb.

An encoder turns a list of strings into a ``float32`` matrix of shape ``(n, dim)``, one
row per text, in input order. Its :attr:`~TextEncoder.name` identifies the model and
every setting that changes the output, so that two encoders with the same name give the
same vectors; the on-disk cache (:mod:`graphemb.text.cache`) is keyed by that name and
a hash of the texts.
"""

from __future__ import annotations

import abc
import os
from pathlib import Path
from typing import List, Optional, Sequence, Union

import numpy as np

from .._base import BaseEstimator
from ..errors import InvalidParameterError
from ..utils.progress import get_logger
from ..utils.validation import check_int

logger = get_logger("graphemb.text")

CacheSpec = Union[None, bool, str, os.PathLike]


def check_texts(texts: Sequence[str], name: str = "texts") -> List[str]:
    """Validate a sequence of texts and return it as a list of ``str``.

    A single string is refused (it would otherwise be read as a list of characters);
    ``None`` entries are refused with their position: decide on a placeholder first
    (:class:`~graphemb.text.tag.TextAttributedGraph` does this and counts them).
    Empty strings are allowed.
    """
    if isinstance(texts, (str, bytes)):
        raise InvalidParameterError(f"{name} must be a sequence of strings, got a single {type(texts).__name__}; "
                                    f"wrap it in a list")
    try:
        items = list(texts)
    except TypeError as exc:
        raise InvalidParameterError(f"{name} must be a sequence of strings, got {type(texts).__name__}") from exc
    for i, t in enumerate(items):
        if not isinstance(t, str):
            what = "None (a missing text)" if t is None else f"{type(t).__name__} {t!r:.40}"
            raise InvalidParameterError(f"{name}[{i}] must be a str, got {what}; replace missing texts "
                                        f"with a placeholder first")
    return items


class TextEncoder(BaseEstimator, metaclass=abc.ABCMeta):
    """Base class of text encoders: ``encode(texts) -> float32 (n, dim)``.

    Subclasses implement :meth:`_encode` (on validated, non-empty lists of ``str``),
    :attr:`dim` and :meth:`_settings` (the parts of :attr:`name`). They store a
    ``cache`` parameter: ``False`` (no cache), ``True`` (the default folder, see
    :func:`graphemb.text.cache.default_cache_dir`), a folder path, or ``None`` for the
    encoder's own default (on for model-based encoders, off for the cheap ones).

    After :meth:`encode`, ``cache_hits_`` and ``cache_misses_`` count how often the
    cache answered.
    """

    #: short registry name ('minilm', 'tfidf', 'hashing')
    kind: str = "text"
    #: whether ``cache=None`` means "use the default cache folder"
    cache_by_default: bool = False

    # ----------------------------------------------------------- to implement
    @abc.abstractmethod
    def _encode(self, texts: List[str], batch_size: Optional[int], verbose: bool) -> np.ndarray:
        """Encode a non-empty validated list of texts."""

    @property
    @abc.abstractmethod
    def dim(self) -> int:
        """Number of columns of the encodings."""

    @abc.abstractmethod
    def _settings(self) -> List[str]:
        """``key=value`` parts that, with :attr:`kind`, identify the output."""

    # ------------------------------------------------------------- interface
    @property
    def name(self) -> str:
        """Identifier of the model and every setting that changes the vectors."""
        return ":".join([self.kind, *self._settings()])

    def encode(self, texts: Sequence[str], batch_size: Optional[int] = None, verbose: bool = False) -> np.ndarray:
        """Encode ``texts`` into a ``float32`` array of shape ``(len(texts), dim)``.

        Parameters
        ----------
        texts : sequence of str
            ``None`` entries are refused (see :func:`check_texts`).
        batch_size : int, optional
            Texts per forward pass for model-based encoders (their own default if None).
        verbose : bool
            Show a progress bar.
        """
        items = check_texts(texts)
        if batch_size is not None:
            batch_size = check_int(batch_size, "batch_size", min_value=1)
        if not hasattr(self, "cache_hits_"):
            self.cache_hits_, self.cache_misses_ = 0, 0
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        cache = self._cache()
        if cache is not None:
            name = self.name
            found = cache.load(name, items)
            if found is not None:
                self.cache_hits_ += 1
                logger.info("text cache hit for %s (%d texts)", name, len(items))
                return found
            self.cache_misses_ += 1
        out = self._finish(self._encode(items, batch_size, verbose), len(items))
        if cache is not None:
            cache.save(name, items, out)
        return out

    # -------------------------------------------------------------- helpers
    def _cache(self):
        from .cache import TextEmbeddingCache

        spec = getattr(self, "cache", None)
        if spec is None:
            spec = self.cache_by_default
        if spec is False:
            return None
        if spec is True:
            return TextEmbeddingCache()
        if isinstance(spec, TextEmbeddingCache):
            return spec
        if isinstance(spec, (str, os.PathLike)):
            return TextEmbeddingCache(Path(spec))
        raise InvalidParameterError(f"cache must be None, True, False, a folder path or a TextEmbeddingCache, "
                                    f"got {spec!r}")

    def _finish(self, X: np.ndarray, n: int) -> np.ndarray:
        X = np.ascontiguousarray(np.asarray(X, dtype=np.float32))
        if X.shape != (n, self.dim):
            raise RuntimeError(f"{type(self).__name__} produced shape {X.shape}, expected {(n, self.dim)}")
        return X


def l2_normalize_rows(X: np.ndarray) -> np.ndarray:
    """Scale each row to unit Euclidean norm (all-zero rows stay zero)."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


class FixedDimMixin:
    """For encoders whose ``dim`` is a constructor parameter: ``dim`` is both the
    stored parameter (``get_params``) and the validated interface property."""

    @property
    def dim(self) -> int:
        return check_int(self._dim, "dim", min_value=1)

    @dim.setter
    def dim(self, value: int) -> None:
        self._dim = value
