"""Node-id-free random-walk features for :class:`graphemb.node.IRWE`.

Three families of identity (structural role) features, neither of which looks at node ids:

* **exact walk statistics**: for every step :math:`k = 0..K` of a random walk started at
  :math:`v`, the expectation (and spread) of local statistics of the node :math:`X_k` the
  walk stands on,

  .. math::

      s_k^{(g)}(v) = \\mathbb{E}[g(X_k) \\mid X_0 = v] = (P^k g)(v),
      \\qquad P = D^{-1} A,

  for :math:`g \\in \\{\\log(1 + \\deg),\\ \\log^2(1 + \\deg),\\ \\text{clustering},\\
  \\log(1 + \\text{triangles})\\}` (counts are log-scaled, so that hubs do not dominate)
  and the survival mass :math:`(P^k \\mathbf 1)(v)` (below 1 only where walks hit dead
  ends). These are computed by sparse matrix-vector products, so they are exact and
  exactly permutation-equivariant (no sampling noise);
* **exact closed-walk statistics**: the return probabilities
  :math:`r_k(v) = P(X_k = v \\mid X_0 = v) = (P^k)_{vv}` for :math:`k = 2, 3`, the exact
  expectations of the anonymous-walk events "back at the start after 2 / 3 steps" (pattern
  ``0 1 0`` and, through a triangle, ``0 1 2 0``), taken as :math:`\\log r_2` (a degree-like
  scale, floored at 1e-9) and :math:`r_3 / r_2` (a clustering-like ratio). Computed with
  the same sparse product as the triangle counts;
* **anonymous-walk distribution**: the empirical distribution of the anonymous pattern
  (Ivanov & Burnaev, ICML 2018) of the first ``aw_length`` steps of the walks sampled
  from :math:`v` by :func:`graphemb.sampling.walks.random_walks`. The vocabulary is the
  set of restricted-growth strings of length ``aw_length + 1`` (Bell number
  :math:`B_{\\ell+1}`; 52 patterns for :math:`\\ell = 4`) plus one bucket for walks that
  hit a dead end, so it is fixed across graphs. This part is a Monte-Carlo estimate:
  it is equivariant in distribution and converges at rate :math:`1/\\sqrt{W}` in the
  number of walks per node.

and, optionally (``neighbor_max=True`` in :class:`graphemb.node.IRWE`), one neighbourhood
aggregation in the manner of struc2vec / GraphWave role features:

* **neighbour maxima**: :math:`\\max_{u \\in N(v)} h(u)` for
  :math:`h \\in \\{\\log(1+\\deg),\\ \\text{clustering},\\ \\log(1+\\text{triangles})\\}` on the
  undirected simple graph (0 for isolated nodes). The walk statistics above already hold
  the neighbourhood *means* (:math:`P g`); the maximum adds the extreme of the neighbour
  distribution ("is this node attached to a hub"), which a mean over a large neighbourhood
  dilutes. Exact and exactly permutation-equivariant.
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
STEP_STATISTICS = ("survival", "mean_log_degree", "std_log_degree", "mean_clustering", "mean_log_triangles")
#: exact closed-walk statistics of the start node (one column each)
CLOSED_WALK_STATISTICS = ("log_return_2", "return_3_over_2")
#: maxima over the neighbours of v (one column each), with ``neighbor_max=True``
NEIGHBOR_STATISTICS = ("max_neighbor_log_degree", "max_neighbor_clustering", "max_neighbor_log_triangles")


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


def _simple_undirected(graph: Graph) -> sp.csr_matrix:
    """0/1 adjacency of the undirected simple version of ``graph`` (no self-loops)."""
    A = graph.to_scipy().astype(np.float64)
    A = ((A + A.T) > 0).astype(np.float64).tolil()
    A.setdiag(0)
    A = A.tocsr()
    A.eliminate_zeros()
    return A


def triangle_counts(graph: Graph) -> tuple:
    """(degree, triangles through the node) on the undirected simple version of ``graph``."""
    A = _simple_undirected(graph)
    deg = np.asarray(A.sum(axis=1)).ravel()
    tri = np.asarray((A @ A).multiply(A).sum(axis=1)).ravel() / 2.0
    return deg, tri


def local_clustering(graph: Graph) -> np.ndarray:
    """Local clustering coefficient on the undirected simple version of ``graph``."""
    deg, tri = triangle_counts(graph)
    pairs = deg * (deg - 1) / 2.0
    return np.divide(tri, pairs, out=np.zeros_like(tri), where=pairs > 0)


def closed_walk_statistics(graph: Graph, weighted: bool) -> np.ndarray:
    """Exact return probabilities as float32 (n, 2): :math:`\\log \\max(r_2, 10^{-9})` and
    :math:`r_3 / r_2` (0 where :math:`r_2 = 0`), with :math:`r_k = (P^k)_{vv}`."""
    P = transition_matrix(graph, weighted).tocsr()
    PT = P.T.tocsr()
    r2 = np.asarray(P.multiply(PT).sum(axis=1)).ravel()
    r3 = np.asarray((P @ P).multiply(PT).sum(axis=1)).ravel()
    ratio = np.divide(r3, r2, out=np.zeros_like(r3), where=r2 > 0)
    return np.column_stack([np.log(np.maximum(r2, 1e-9)), ratio]).astype(np.float32)


def exact_step_statistics(graph: Graph, steps: int, weighted: bool) -> np.ndarray:
    """Exact expectations along walks, float32 (n, steps + 1, len(STEP_STATISTICS)).

    Column order follows :data:`STEP_STATISTICS`; step 0 is the node itself.
    """
    P = transition_matrix(graph, weighted)
    logdeg = np.log1p(graph.degree().astype(np.float64))
    deg, tri = triangle_counts(graph)
    pairs = deg * (deg - 1) / 2.0
    clustering = np.divide(tri, pairs, out=np.zeros_like(tri), where=pairs > 0)
    g = np.stack([np.ones(graph.num_nodes), logdeg, logdeg ** 2, clustering, np.log1p(tri)], axis=1)
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
        out[:, k, 4] = cur[:, 4] / safe * (mass > 0)
    return out.astype(np.float32)


def neighbor_max_statistics(graph: Graph) -> np.ndarray:
    """Maxima over the neighbours of each node of log(1 + degree), the clustering coefficient
    and log(1 + triangles), on the undirected simple version of ``graph``: float32 (n, 3),
    columns in the order of :data:`NEIGHBOR_STATISTICS`, zero rows for isolated nodes."""
    A = _simple_undirected(graph)
    deg, tri = triangle_counts(graph)
    pairs = deg * (deg - 1) / 2.0
    clustering = np.divide(tri, pairs, out=np.zeros_like(tri), where=pairs > 0)
    out = np.zeros((graph.num_nodes, len(NEIGHBOR_STATISTICS)), dtype=np.float64)
    for j, h in enumerate((np.log1p(deg), clustering, np.log1p(tri))):
        # every h is >= 0, so the row maximum of A_vu * h(u) is the maximum over neighbours
        out[:, j] = A.multiply(h[None, :]).tocsr().max(axis=1).toarray().ravel()
    return out.astype(np.float32)


def feature_scaling(raw: np.ndarray, n_exact: int) -> Tuple[np.ndarray, np.ndarray]:
    """(mean, scale) float32 that standardise the feature columns of one graph.

    The first ``n_exact`` columns (exact statistics) get their own scale; the remaining
    anonymous-walk block shares one scale (root mean square of its column scales), since
    per-pattern z-scores would blow up the sampling noise of rare patterns. Constant
    columns (scale below 1e-6) keep scale 1.
    """
    scale = raw.std(axis=0)
    if raw.shape[1] > n_exact:
        scale[n_exact:] = np.sqrt(np.mean(scale[n_exact:] ** 2))
    return raw.mean(axis=0).astype(np.float32), np.where(scale > 1e-6, scale, 1.0).astype(np.float32)


def walks_from_every_node(graph: Graph, length: int, count: int, seed: int, device) -> torch.Tensor:
    """(n, count, length) walks of ``length`` nodes from every node (-1 after a dead end),
    sampled by :func:`graphemb.sampling.walks.random_walks` from a generator seeded with ``seed``."""
    from ..sampling.walks import random_walks

    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    walks = random_walks(graph, length, count, start_nodes=np.arange(graph.num_nodes), device=device,
                         generator=gen)
    return walks.reshape(count, graph.num_nodes, length).transpose(0, 1).contiguous()


def identity_features(graph: Graph, steps: int, aw_length: int, aw_walks_per_node: int, seed: int,
                      device, neighbor_max: bool = False) -> np.ndarray:
    """Raw identity features of every node, float32 (n, F): the exact step statistics
    (``steps + 1`` blocks of :data:`STEP_STATISTICS`), the exact closed-walk statistics, the
    neighbour maxima (:data:`NEIGHBOR_STATISTICS`) if ``neighbor_max`` and,
    if ``aw_length > 0``, the square root (Hellinger map, variance-stabilising) of the
    anonymous-walk distribution of ``aw_walks_per_node`` walks sampled with ``seed``."""
    weighted = graph.is_weighted
    exact = np.concatenate([exact_step_statistics(graph, steps, weighted).reshape(graph.num_nodes, -1),
                            closed_walk_statistics(graph, weighted)], axis=1)
    if neighbor_max:
        exact = np.concatenate([exact, neighbor_max_statistics(graph)], axis=1)
    if aw_length == 0:
        return exact
    walks = walks_from_every_node(graph, aw_length + 1, aw_walks_per_node, seed, device)
    starts = torch.arange(graph.num_nodes, device=device).repeat_interleave(aw_walks_per_node)
    aw = anonymous_walk_distribution(walks.reshape(-1, aw_length + 1), starts, graph.num_nodes, aw_length)
    return np.concatenate([exact, np.sqrt(aw)], axis=1)
