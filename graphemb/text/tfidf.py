"""TF-IDF + truncated SVD text encoder (latent semantic analysis).

Deerwester et al., "Indexing by Latent Semantic Analysis", JASIS 1990.
"""

from __future__ import annotations

import hashlib
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..errors import InvalidParameterError
from ..utils.random import seed_from
from ..utils.validation import check_bool, check_int
from .base import CacheSpec, FixedDimMixin, TextEncoder, check_texts, l2_normalize_rows


class TfidfEncoder(FixedDimMixin, TextEncoder):
    """TF-IDF weighted bag of words reduced to ``dim`` columns by truncated SVD.

    Latent semantic analysis after Deerwester et al., "Indexing by Latent Semantic
    Analysis" (JASIS 1990), with scikit-learn's ``TfidfVectorizer`` and
    ``TruncatedSVD``. With term frequency :math:`\\mathrm{tf}(t, d)` (sublinear:
    :math:`1 + \\log \\mathrm{tf}`) and smoothed inverse document frequency

    .. math::

        \\mathrm{idf}(t) = 1 + \\log \\frac{1 + N}{1 + \\mathrm{df}(t)}, \\qquad
        X \\approx U_k \\Sigma_k V_k^\\top, \\qquad \\text{encoding} = X V_k,

    rows are then scaled to unit L2 norm (``normalize=True``).

    Two ways to use it:

    * ``encode(texts)`` on an unfitted encoder fits the vocabulary and SVD on ``texts``
      themselves and returns their encodings (transductive; the encoder keeps no
      state, so the result depends only on ``texts`` and the parameters);
    * ``fit(corpus)`` first, then ``encode(texts)`` projects any texts with the fitted
      model (the name then carries a hash of the corpus).

    When fewer than ``dim`` SVD components exist (few texts or few distinct words), the
    remaining columns are zero, so the output always has ``dim`` columns.

    Parameters
    ----------
    dim : int
        Output columns (SVD components).
    max_features : int or None
        Vocabulary size cap (most frequent terms).
    min_df : int
        Ignore terms in fewer documents.
    ngram_range : (int, int)
    stop_words : 'english' or None
    sublinear_tf, normalize : bool
    random_state : int
        Seed of the randomized SVD.
    cache : None, bool or path
        See :class:`~graphemb.text.base.TextEncoder`; off by default.

    Examples
    --------
    >>> enc = TfidfEncoder(dim=2)
    >>> enc.encode(["graphs and nodes", "nodes and edges", "words"]).shape
    (3, 2)
    """

    kind = "tfidf"

    def __init__(self, dim: int = 256, max_features: Optional[int] = 50000, min_df: int = 1,
                 ngram_range: Tuple[int, int] = (1, 1), stop_words: Optional[str] = "english",
                 sublinear_tf: bool = True, normalize: bool = True, random_state: int = 0,
                 cache: CacheSpec = None) -> None:
        self._dim = dim
        self.max_features = max_features
        self.min_df = min_df
        self.ngram_range = ngram_range
        self.stop_words = stop_words
        self.sublinear_tf = sublinear_tf
        self.normalize = normalize
        self.random_state = random_state
        self.cache = cache

    # --------------------------------------------------------------- fitting
    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        if self.max_features is not None:
            check_int(self.max_features, "max_features", min_value=1)
        check_int(self.min_df, "min_df", min_value=1)
        check_bool(self.sublinear_tf, "sublinear_tf")
        check_bool(self.normalize, "normalize")
        if self.stop_words not in (None, "english"):
            raise InvalidParameterError(f"stop_words must be None or 'english', got {self.stop_words!r}")
        ng = tuple(self.ngram_range) if isinstance(self.ngram_range, (tuple, list)) else ()
        if len(ng) != 2 or check_int(ng[0], "ngram_range[0]", min_value=1) > check_int(ng[1], "ngram_range[1]"):
            raise InvalidParameterError(f"ngram_range must be a pair (min_n, max_n) with min_n <= max_n, "
                                        f"got {self.ngram_range!r}")
        return TfidfVectorizer(max_features=self.max_features, min_df=self.min_df, ngram_range=ng,
                               stop_words=self.stop_words, sublinear_tf=self.sublinear_tf, dtype=np.float64)

    def _fit_models(self, texts: List[str]):
        from sklearn.decomposition import TruncatedSVD

        vec = self._vectorizer()
        try:
            X = vec.fit_transform(texts)
        except ValueError as exc:  # empty vocabulary (only stop words / empty texts)
            raise InvalidParameterError(f"texts: TF-IDF found no terms to index ({exc})") from exc
        k = min(self.dim, X.shape[0] - 1, X.shape[1] - 1)
        svd = None
        if k >= 1:
            svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=7,
                               random_state=seed_from(self.random_state, "random_state") % (2**32))
            svd.fit(X)
        return vec, svd

    def fit(self, corpus: Sequence[str]) -> "TfidfEncoder":
        """Fit vocabulary, IDF weights and SVD on ``corpus``; return ``self``."""
        items = check_texts(corpus, "corpus")
        if not items:
            raise InvalidParameterError("corpus must contain at least one text")
        self.vectorizer_, self.svd_ = self._fit_models(items)
        h = hashlib.sha256()
        for t in items:
            h.update(t.encode("utf-8", errors="surrogatepass") + b"\0")
        self.corpus_hash_ = h.hexdigest()[:16]
        return self

    # ------------------------------------------------------------- encoding
    def _settings(self) -> List[str]:
        parts = [f"dim={self.dim}", f"max_features={self.max_features}", f"min_df={self.min_df}",
                 f"ngrams={tuple(self.ngram_range)[0]}-{tuple(self.ngram_range)[1]}", f"stop={self.stop_words}",
                 f"sublinear={int(self.sublinear_tf)}", f"norm={int(self.normalize)}", f"seed={self.random_state}"]
        parts.append(f"fit={self.corpus_hash_}" if hasattr(self, "corpus_hash_") else "fit=self")
        return parts

    def _encode(self, texts: List[str], batch_size: Optional[int], verbose: bool) -> np.ndarray:
        if hasattr(self, "vectorizer_"):
            vec, svd = self.vectorizer_, self.svd_
        else:
            vec, svd = self._fit_models(texts)
        X = vec.transform(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float64)
        if svd is not None:
            Z = svd.transform(X)
            out[:, :Z.shape[1]] = Z
        if self.normalize:
            out = l2_normalize_rows(out)
        return out.astype(np.float32)

    def transform_sparse(self, texts: Sequence[str]):
        """The raw TF-IDF matrix (scipy CSR) of ``texts`` under the fitted vocabulary."""
        self._check_fitted("vectorizer_")
        return self.vectorizer_.transform(check_texts(texts))
