"""HOPE: High-Order Proximity preserved Embedding (Ou, Cui, Pei, Zhang and Zhu, "Asymmetric
Transitivity Preserving Graph Embedding", KDD 2016), with Katz proximity.

HOPE factorises a high-order proximity matrix :math:`S` with a truncated SVD and keeps source and
target vectors separately, so that :math:`U^s {U^t}^\\top \\approx S` preserves asymmetric
transitivity on directed graphs. With Katz proximity

.. math::

    S = (I - \\beta A)^{-1} \\beta A = \\sum_{k \\ge 1} \\beta^k A^k, \\qquad
    S \\approx U \\Sigma V^\\top, \\quad U^s = U \\Sigma^{1/2},\\ U^t = V \\Sigma^{1/2}

which converges for :math:`\\beta < 1 / \\rho(A)` (spectral radius :math:`\\rho`).

How :math:`S` is handled (the paper uses a generalised SVD, JDGSVD, which scipy does not have):
for small graphs (``n <= dense_threshold``) :math:`S` is formed densely by one linear solve and
decomposed exactly with LAPACK; otherwise :math:`S` is never formed: ``scipy.sparse.linalg.svds``
(ARPACK) runs on a ``LinearOperator`` whose products :math:`S x` and :math:`S^\\top x` solve
:math:`(I - \\beta A) y = \\beta A x` by the fixed-point iteration
:math:`y \\leftarrow \\beta A (x + y)` (a sparse product per step, error shrinking by
:math:`\\beta\\rho` each step, stopped at relative change ``tol``). Both give the same rank-``dim/2``
factorisation up to the solver tolerance.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .._base import BaseEstimator
from ..errors import InvalidParameterError
from ..graph import as_graph
from ..utils.random import check_random_state
from ..utils.validation import check_float, check_int

logger = logging.getLogger(__name__)


def spectral_radius(A: sp.spmatrix, random_state: Any = 0) -> float:
    """Largest absolute eigenvalue of a square sparse matrix (ARPACK; dense for tiny ones)."""
    n = A.shape[0]
    if A.nnz == 0:
        return 0.0
    if n <= 64:
        return float(np.max(np.abs(np.linalg.eigvals(A.toarray().astype(np.float64)))))
    rng = check_random_state(random_state)
    v0 = rng.uniform(0.5, 1.5, size=n)
    A = A.astype(np.float64)
    if abs(A - A.T).max() == 0:
        return float(abs(spla.eigsh(A, k=1, which="LM", v0=v0, return_eigenvectors=False)[0]))
    return float(np.max(np.abs(spla.eigs(A, k=1, which="LM", v0=v0, return_eigenvectors=False))))


class KatzOperator(spla.LinearOperator):
    """:math:`S = (I - \\beta A)^{-1} \\beta A` as a ``LinearOperator`` (products by fixed-point solves)."""

    def __init__(self, A: sp.spmatrix, beta: float, tol: float = 1e-10, max_iter: int = 10000) -> None:
        self.A = sp.csr_matrix(A, dtype=np.float64)
        self.AT = self.A.T.tocsr()
        self.beta, self.tol, self.max_iter = beta, tol, max_iter
        super().__init__(dtype=np.float64, shape=self.A.shape)

    def _solve(self, M: sp.csr_matrix, x: np.ndarray) -> np.ndarray:
        b = self.beta * (M @ x)
        y = b.copy()
        for _ in range(self.max_iter):
            y_next = b + self.beta * (M @ y)
            change = np.linalg.norm(y_next - y)
            y = y_next
            if change <= self.tol * max(np.linalg.norm(y), 1e-300):
                return y
        raise InvalidParameterError(f"Katz series did not converge in {self.max_iter} steps; lower beta")

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        return self._solve(self.A, x)

    def _matmat(self, X: np.ndarray) -> np.ndarray:
        return self._solve(self.A, X)

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:
        return self._solve(self.AT, x)

    def _rmatmat(self, X: np.ndarray) -> np.ndarray:
        return self._solve(self.AT, X)


class HOPE(BaseEstimator):
    """HOPE node embeddings with Katz proximity (Ou et al., KDD 2016).

    Parameters
    ----------
    dim : int
        Embedding width; even: ``dim/2`` source and ``dim/2`` target columns.
    beta : float, optional
        Katz decay. ``None`` uses ``beta_ratio / rho(A)``. Must satisfy ``beta * rho(A) < 1``.
    beta_ratio : float
        ``beta * rho(A)`` when ``beta`` is None (default 0.5).
    weighted : bool
        Use edge weights in :math:`A` (default True); unweighted graphs have ones.
    tol : float
        Relative tolerance of the Katz solves and of ARPACK.
    dense_threshold : int
        Graphs with at most this many nodes form :math:`S` densely and use an exact SVD.
    random_state : None, int or numpy Generator
        Seeds ARPACK's start vectors.

    Attributes
    ----------
    embeddings_ : float32 (n, dim), ``[source | target]``
    source_embeddings_, target_embeddings_ : float32 (n, dim/2)
    singular_values_ : float64 (dim/2,), descending
    beta_, spectral_radius_ : float
    nodes_ : node label of each row

    Examples
    --------
    >>> import graphemb as ge
    >>> G = ge.as_graph([[0, 1, 2, 3], [1, 2, 3, 0]], directed=True)
    >>> hope = HOPE(dim=4).fit(G)
    >>> hope.embeddings_.shape
    (4, 4)
    """

    def __init__(self, dim: int = 128, beta: Optional[float] = None, beta_ratio: float = 0.5,
                 weighted: bool = True, tol: float = 1e-8, dense_threshold: int = 2000,
                 random_state: Any = 0) -> None:
        self.dim = dim
        self.beta = beta
        self.beta_ratio = beta_ratio
        self.weighted = weighted
        self.tol = tol
        self.dense_threshold = dense_threshold
        self.random_state = random_state

    def fit(self, graph: Any, y: Any = None) -> "HOPE":
        """Compute the embeddings of ``graph`` (anything :func:`graphemb.as_graph` accepts)."""
        G = as_graph(graph)
        n = G.num_nodes
        dim = check_int(self.dim, "dim", min_value=2)
        if dim % 2:
            raise InvalidParameterError(f"dim must be even (dim/2 source + dim/2 target columns), got {dim}")
        k = dim // 2
        if k > n - 1:
            raise InvalidParameterError(f"dim must be <= 2 * (n_nodes - 1) = {2 * (n - 1)}, got {dim}")
        ratio = check_float(self.beta_ratio, "beta_ratio", min_value=0.0, max_value=1.0, min_inclusive=False,
                            max_inclusive=False)
        tol = check_float(self.tol, "tol", min_value=0.0, min_inclusive=False)
        dense_threshold = check_int(self.dense_threshold, "dense_threshold", min_value=0)
        rng = check_random_state(self.random_state)
        A = G.to_scipy().astype(np.float64)
        if not self.weighted:
            A.data[:] = 1.0
        rho = spectral_radius(A, rng)
        if rho == 0.0:
            raise InvalidParameterError("the graph has no edges (or a nilpotent adjacency); Katz proximity is zero")
        if self.beta is None:
            beta = ratio / rho
        else:
            beta = check_float(self.beta, "beta", min_value=0.0, min_inclusive=False)
            if beta * rho >= 1.0:
                raise InvalidParameterError(
                    f"beta must be < 1 / spectral_radius(A) = {1.0 / rho:.6g} for the Katz series to converge, "
                    f"got {beta}")
        if n <= dense_threshold:
            Ad = A.toarray()
            S = scipy.linalg.solve(np.eye(n) - beta * Ad, beta * Ad)
            U, sigma, Vt = scipy.linalg.svd(S, full_matrices=False)
            U, sigma, V = U[:, :k], sigma[:k], Vt[:k].T
        else:
            op = KatzOperator(A, beta, tol=min(tol, 1e-6) * 1e-2)
            U, sigma, Vt = spla.svds(op, k=k, tol=tol, v0=rng.uniform(-1.0, 1.0, size=n), solver="arpack")
            order = np.argsort(-sigma)
            U, sigma, V = U[:, order], sigma[order], Vt[order].T
        # deterministic signs: the largest-magnitude entry of each left vector is positive
        flip = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(k)])
        flip[flip == 0] = 1.0
        U, V = U * flip, V * flip
        root = np.sqrt(np.maximum(sigma, 0.0))
        self.source_embeddings_ = (U * root).astype(np.float32)
        self.target_embeddings_ = (V * root).astype(np.float32)
        self.embeddings_ = np.hstack([self.source_embeddings_, self.target_embeddings_])
        self.singular_values_ = sigma
        self.beta_ = float(beta)
        self.spectral_radius_ = float(rho)
        self.nodes_ = G.node_ids
        logger.info("HOPE: n=%d, beta=%.4g (rho=%.4g), top singular value %.4g", n, beta, rho, sigma[0])
        return self

    def proximity(self, rows: Optional[np.ndarray] = None) -> np.ndarray:
        """Approximated Katz proximity :math:`U^s[rows] {U^t}^\\top` (rows default: all)."""
        self._check_fitted("embeddings_")
        src = self.source_embeddings_ if rows is None else self.source_embeddings_[np.asarray(rows)]
        return src @ self.target_embeddings_.T

    def fit_transform(self, graph: Any, y: Any = None) -> np.ndarray:
        """``fit(graph).embeddings_``."""
        return self.fit(graph).embeddings_
