"""Node-id-free random-walk features for :class:`graphemb.node.IRWE`.

Two families of identity (structural role) features, neither of which looks at node ids:

* **exact walk statistics**: for every step :math:`k = 0..K` of a random walk started at
  :math:`v`, the expectation (and spread) of local statistics of the node :math:`X_k` the
  walk stands on,

  .. math::

      s_k^{(g)}(v) = \\mathbb{E}[g(X_k) \\mid X_0 = v] = (P^k g)(v),
      \\qquad P = D^{-1} A,

  for :math:`g \\in \\{\\log(1 + \\deg),\\ \\log^2(1 + \\deg),\\ \\text{clustering}\\}`
  and the survival mass :math:`(P^k \\mathbf 1)(v)` (below 1 only where walks hit dead
  ends). These are computed by sparse matrix-vector products, so they are exact and
  exactly permutation-equivariant (no sampling noise);
* **anonymous-walk distribution**: the empirical distribution of the anonymous pattern
  (Ivanov & Burnaev, ICML 2018) of the first ``aw_length`` steps of the walks sampled
  from :math:`v` by :func:`graphemb.sampling.walks.random_walks`. The vocabulary is the
  set of restricted-growth strings of length ``aw_length + 1`` (Bell number
  :math:`B_{\\ell+1}`; 52 patterns for :math:`\\ell = 4`) plus one bucket for walks that
  hit a dead end, so it is fixed across graphs. This part is a Monte-Carlo estimate:
  it is equivariant in distribution and converges at rate :math:`1/\\sqrt{W}` in the
  number of walks per node.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Tuple

import numpy as np
import scipy.sparse as sp
import torch

from ..graph import Graph

#: statistics g(X_k) averaged along walks (one column each per step)
STEP_STATISTICS = ("survival", "mean_log_degree", "std_log_degree", "mean_clustering")


@lru_cache(maxsize=8)
def anonymous_patterns(length: int) -> Tuple[Tuple[int, ...], ...]:
    """All anonymous-walk patterns with ``length`` steps (restricted-growth strings of
    ``length + 1`` symbols starting with 0), in lexicographic order."""
    out = []
    for tail in itertools.product(range(length + 1), repeat=length):
        seq, top, ok = (0,), 0, True
        for s in tail:
            if s > top + 1:
                ok = False
                break
            top = max(top, s)
            seq += (s,)
        if ok:
            out.append(seq)
    return tuple(out)


@lru_cache(maxsize=8)
def _pattern_lookup(length: int) -> np.ndarray:
    """Table from the base-(length+1) code of a pattern to its index (-1 = impossible)."""
    base = length + 1
    table = np.full(base ** base, -1, dtype=np.int64)
    for i, pat in enumerate(anonymous_patterns(length)):
        code = 0
        for s in pat:
            code = code * base + s
        table[code] = i
    return table


def anonymize_walks(walks: torch.Tensor) -> torch.Tensor:
    """Anonymous form of each walk: position ``j`` gets the first-visit rank of its node.

    ``walks`` is (N, L) with -1 padding; padded positions get -1 in the output.
    Example: ``[7, 3, 7, 9] -> [0, 1, 0, 2]``.
    """
    eq = walks.unsqueeze(2) == walks.unsqueeze(1)                      # (N, L, L)
    first = eq.int().argmax(dim=2)                                      # first index with same node
    pos = torch.arange(walks.shape[1], device=walks.device)
    is_new = first == pos
    rank = torch.cumsum(is_new.long(), dim=1) - 1
    anon = torch.gather(rank, 1, first)
    return torch.where(walks < 0, torch.full_like(anon, -1), anon)


def anonymous_walk_distribution(walks: torch.Tensor, starts: torch.Tensor, num_nodes: int,
                                length: int) -> np.ndarray:
    """Empirical distribution of anonymous patterns of the first ``length`` steps.

    Returns float32 (num_nodes, B_{length+1} + 1); the last column counts walks that hit a
    dead end within ``length`` steps. Rows of nodes without walks are all zero.
    """
    n_pat = len(anonymous_patterns(length))
    prefix = walks[:, : length + 1]
    anon = anonymize_walks(prefix).cpu().numpy()
    truncated = (anon < 0).any(axis=1)
    base = length + 1
    codes = np.zeros(len(anon), dtype=np.int64)
    for j in range(length + 1):
        codes = codes * base + np.maximum(anon[:, j], 0)
    idx = _pattern_lookup(length)[codes]
    idx[truncated] = n_pat
    start_np = starts.cpu().numpy()
    counts = np.zeros((num_nodes, n_pat + 1), dtype=np.float64)
    np.add.at(counts, (start_np, idx), 1.0)
    total = counts.sum(axis=1, keepdims=True)
    return (counts / np.maximum(total, 1.0)).astype(np.float32)


def transition_matrix(graph: Graph, weighted: bool) -> sp.csr_matrix:
    """Row-stochastic :math:`P = D^{-1} A` (rows of dead-end nodes are zero)."""
    A = graph.to_scipy().astype(np.float64)
    if not weighted:
        A.data[:] = 1.0
    out = np.asarray(A.sum(axis=1)).ravel()
    inv = np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)
    return sp.diags(inv) @ A


def local_clustering(graph: Graph) -> np.ndarray:
    """Local clustering coefficient on the undirected simple version of ``graph``."""
    A = graph.to_scipy().astype(np.float64)
    A = ((A + A.T) > 0).astype(np.float64).tolil()
    A.setdiag(0)
    A = A.tocsr()
    A.eliminate_zeros()
    deg = np.asarray(A.sum(axis=1)).ravel()
    tri = np.asarray((A @ A).multiply(A).sum(axis=1)).ravel() / 2.0
    pairs = deg * (deg - 1) / 2.0
    return np.divide(tri, pairs, out=np.zeros_like(tri), where=pairs > 0)


def exact_step_statistics(graph: Graph, steps: int, weighted: bool) -> np.ndarray:
    """Exact expectations along walks, float32 (n, steps + 1, len(STEP_STATISTICS)).

    Column order follows :data:`STEP_STATISTICS`; step 0 is the node itself.
    """
    P = transition_matrix(graph, weighted)
    logdeg = np.log1p(graph.degree().astype(np.float64))
    g = np.stack([np.ones(graph.num_nodes), logdeg, logdeg ** 2, local_clustering(graph)], axis=1)
    out = np.empty((graph.num_nodes, steps + 1, len(STEP_STATISTICS)), dtype=np.float64)
    cur = g
    for k in range(steps + 1):
        if k > 0:
            cur = P @ cur
        mass = cur[:, 0]
        safe = np.maximum(mass, 1e-12)
        mean = cur[:, 1] / safe
        var = np.maximum(cur[:, 2] / safe - mean ** 2, 0.0)
        out[:, k, 0] = mass
        out[:, k, 1] = mean * (mass > 0)
        out[:, k, 2] = np.sqrt(var) * (mass > 0)
        out[:, k, 3] = cur[:, 3] / safe * (mass > 0)
    return out.astype(np.float32)
