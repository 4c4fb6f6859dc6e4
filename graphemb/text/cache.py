"""On-disk cache of text encodings, keyed by encoder name and a hash of the texts.

Each entry is a pair of files in the cache folder::

    <slug>-<key>.npy    float32 (n, dim), written atomically, loaded with allow_pickle=False
    <slug>-<key>.json   {"encoder": name, "n": n, "dim": dim, "texts_sha256": ...}

where ``key`` is the SHA-256 of the encoder name and every text (each length-prefixed, so
``["ab", "c"]`` and ``["a", "bc"]`` differ). No pickle is ever written or read.

The folder is, in order: the ``folder`` argument, ``$GRAPHEMB_CACHE/text`` when the
environment variable ``GRAPHEMB_CACHE`` is set, else ``~/.cache/graphemb/text``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from pathlib import Path
from typing import List, Optional, Sequence, Union

import numpy as np

from ..utils.io import atomic_save_npy, atomic_write_json
from ..utils.progress import get_logger

logger = get_logger("graphemb.text.cache")

ENV_VAR = "GRAPHEMB_CACHE"


def default_cache_dir() -> Path:
    """``$GRAPHEMB_CACHE/text`` if the variable is set, else ``~/.cache/graphemb/text``."""
    root = os.environ.get(ENV_VAR)
    if root:
        return Path(root).expanduser() / "text"
    return Path("~/.cache/graphemb/text").expanduser()


def texts_key(name: str, texts: Sequence[str]) -> str:
    """SHA-256 hex digest of an encoder name and a list of texts (order matters)."""
    h = hashlib.sha256()
    for part in (name, *texts):
        data = part.encode("utf-8", errors="surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class TextEmbeddingCache:
    """A folder of cached encodings (see the module docstring for the layout).

    Parameters
    ----------
    folder : path, optional
        Defaults to :func:`default_cache_dir` (resolved when the cache is used, so a
        later change of ``GRAPHEMB_CACHE`` is honoured).

    Examples
    --------
    >>> cache = TextEmbeddingCache("/tmp/emb-cache")
    >>> cache.save("hashing:dim=8", ["a b"], np.ones((1, 8), np.float32))
    >>> cache.load("hashing:dim=8", ["a b"]).shape
    (1, 8)
    """

    def __init__(self, folder: Optional[Union[str, os.PathLike]] = None) -> None:
        self._folder = None if folder is None else Path(folder).expanduser()

    @property
    def folder(self) -> Path:
        return self._folder if self._folder is not None else default_cache_dir()

    def paths(self, name: str, texts: Sequence[str]) -> tuple:
        """(``.npy`` path, ``.json`` path) of the entry for ``name`` and ``texts``."""
        slug = re.sub(r"[^A-Za-z0-9._=-]+", "_", name)[:80]
        stem = f"{slug}-{texts_key(name, texts)[:40]}"
        return self.folder / f"{stem}.npy", self.folder / f"{stem}.json"

    def load(self, name: str, texts: Sequence[str]) -> Optional[np.ndarray]:
        """The cached array for ``name`` and ``texts``, or ``None`` when absent.

        An entry that cannot be read or does not match (wrong shape, dtype or encoder
        name) is reported with a ``RuntimeWarning`` and treated as absent; it will be
        overwritten by the next :meth:`save`.
        """
        npy, meta_path = self.paths(name, texts)
        if not npy.exists() or not meta_path.exists():
            return None
        try:
            with open(meta_path, encoding="utf-8") as fh:
                meta = json.load(fh)
            arr = np.load(npy, allow_pickle=False)
        except (OSError, ValueError) as exc:
            warnings.warn(f"text cache entry {npy} is unreadable ({exc}); recomputing", RuntimeWarning, stacklevel=3)
            return None
        if (meta.get("encoder") != name or arr.dtype != np.float32 or arr.ndim != 2
                or arr.shape[0] != len(texts) or meta.get("n") != len(texts)):
            warnings.warn(f"text cache entry {npy} does not match encoder {name!r} and {len(texts)} texts; "
                          f"recomputing", RuntimeWarning, stacklevel=3)
            return None
        return arr

    def save(self, name: str, texts: Sequence[str], array: np.ndarray) -> Path:
        """Store ``array`` (float32, one row per text) atomically; return the ``.npy`` path."""
        array = np.ascontiguousarray(array, dtype=np.float32)
        npy, meta_path = self.paths(name, texts)
        atomic_save_npy(npy, array)
        atomic_write_json(meta_path, {"encoder": name, "n": int(array.shape[0]), "dim": int(array.shape[1]),
                                      "key": texts_key(name, texts)})
        logger.info("cached %s encodings of %d texts in %s", name, len(texts), npy)
        return npy

    def entries(self) -> List[Path]:
        """``.npy`` files currently in the cache folder."""
        return sorted(self.folder.glob("*.npy")) if self.folder.is_dir() else []

    def clear(self) -> int:
        """Remove every cache entry; return how many were removed."""
        removed = 0
        for npy in self.entries():
            npy.unlink(missing_ok=True)
            npy.with_suffix(".json").unlink(missing_ok=True)
            removed += 1
        return removed

    def __repr__(self) -> str:
        return f"TextEmbeddingCache({str(self.folder)!r})"
