"""Feature-hashing text encoder: no model, no fit, no state.

Weinberger et al., "Feature Hashing for Large Scale Multitask Learning", ICML 2009.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np

from ..utils.validation import check_bool, check_choice, check_int
from .base import CacheSpec, FixedDimMixin, TextEncoder


class HashingEncoder(FixedDimMixin, TextEncoder):
    """Hash word (or character) n-grams of each text into ``dim`` signed buckets.

    Feature hashing after Weinberger et al., "Feature Hashing for Large Scale Multitask
    Learning" (ICML 2009), through scikit-learn's ``HashingVectorizer``. Token ``t``
    adds its (sublinear) count to bucket :math:`h(t) \\bmod d` with sign :math:`\\xi(t)`:

    .. math::

        x_j = \\sum_{t:\\, h(t) \\bmod d = j} \\xi(t)\\, \\phi(c_t), \\qquad
        \\phi(c) = 1 + \\log c \\text{ (sublinear) or } c,

    and each row is scaled to unit L2 norm. The hash (MurmurHash3) is fixed, so the same
    text always gives the same vector, in any process, with no fitting: this is the
    fastest fallback when no sentence encoder is available. It captures shared words,
    not meaning (synonyms land in unrelated buckets).

    Parameters
    ----------
    dim : int
        Number of buckets (output columns).
    analyzer : {'word', 'char_wb'}
        Word n-grams or character n-grams inside word boundaries.
    ngram_range : (int, int)
        Smallest and largest n-gram length.
    lowercase, sublinear_tf : bool
    cache : None, bool or path
        See :class:`~graphemb.text.base.TextEncoder`; off by default (hashing is cheap).

    Examples
    --------
    >>> enc = HashingEncoder(dim=64)
    >>> enc.encode(["graph embedding", "graph embedding"]).shape
    (2, 64)
    """

    kind = "hashing"

    def __init__(self, dim: int = 512, analyzer: str = "word", ngram_range: Tuple[int, int] = (1, 2),
                 lowercase: bool = True, sublinear_tf: bool = True, cache: CacheSpec = None) -> None:
        self._dim = dim
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.lowercase = lowercase
        self.sublinear_tf = sublinear_tf
        self.cache = cache

    def _validated(self) -> Tuple[int, Tuple[int, int]]:
        dim = self.dim
        check_choice(self.analyzer, "analyzer", ("word", "char_wb"))
        check_bool(self.lowercase, "lowercase")
        check_bool(self.sublinear_tf, "sublinear_tf")
        ng = tuple(self.ngram_range) if isinstance(self.ngram_range, (tuple, list)) else ()
        if len(ng) != 2:
            from ..errors import InvalidParameterError

            raise InvalidParameterError(f"ngram_range must be a pair (min_n, max_n), got {self.ngram_range!r}")
        lo = check_int(ng[0], "ngram_range[0]", min_value=1)
        hi = check_int(ng[1], "ngram_range[1]", min_value=lo)
        return dim, (lo, hi)

    def _settings(self) -> List[str]:
        dim, (lo, hi) = self._validated()
        return [f"dim={dim}", f"analyzer={self.analyzer}", f"ngrams={lo}-{hi}", f"lower={int(self.lowercase)}",
                f"sublinear={int(self.sublinear_tf)}"]

    def _encode(self, texts: List[str], batch_size: Optional[int], verbose: bool) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer
        from sklearn.preprocessing import normalize

        dim, ngrams = self._validated()
        vec = HashingVectorizer(n_features=dim, analyzer=self.analyzer, ngram_range=ngrams,
                                lowercase=self.lowercase, alternate_sign=True, norm=None,
                                dtype=np.float64)
        X = vec.transform(texts).tocsr()
        if self.sublinear_tf:
            mag = np.abs(X.data)  # colliding tokens of opposite sign can cancel to an explicit 0
            X.data = np.sign(X.data) * np.where(mag > 0, 1.0 + np.log(np.maximum(mag, 1.0)), 0.0)
        X = normalize(X, norm="l2", axis=1)
        return X.toarray().astype(np.float32)
