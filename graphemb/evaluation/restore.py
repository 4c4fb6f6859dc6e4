"""RESTORE reconstruction metrics (Yip et al., "RESTORE: Graph Embedding Assessment Through
Reconstruction", 2023): how much of a graph can be read back from its node embeddings.

The authors' code is not available offline; this module implements the evaluation from the
paper's description with the following exact definitions.

**Scores.** For a query node ``u`` every other node ``v != u`` gets a score ``s(u, v)``:
``'dot'`` :math:`x_u^\\top x_v`, ``'cosine'``, ``'euclidean'`` (:math:`-\\lVert x_u - x_v\\rVert_2`),
for a ``(source, target)`` pair of matrices (HOPE) :math:`s(u,v) = x^s_u{}^\\top x^t_v`, or any
callable ``decoder(rows: LongTensor (B,)) -> Tensor (B, n)`` (a model's own decoder; ``rows`` is on
the evaluation ``device``, a CUDA tensor when the device is CUDA, so call ``rows.cpu()`` before
NumPy indexing). The
self-pair ``(u, u)`` is never ranked and never relevant; self-loops of the graph are ignored.

**Relevant sets.** With :math:`d(u, v)` the shortest-path distance along out-edges,
:math:`W_h(u) = \\{v \\ne u : d(u,v) \\le h\\}` ("within h hops") and
:math:`E_h(u) = \\{v : d(u,v) = h\\}` ("exactly h hops"). For ``exact`` every other node,
including nodes closer than ``h``, counts as non-relevant.

**Average precision** (tie-aware, equal to ``sklearn.metrics.average_precision_score`` of the
query's row): with :math:`R` the relevant set,

.. math::

    \\mathrm{AP}(u) = \\frac{1}{|R|} \\sum_{v \\in R}
        \\frac{|\\{w \\in R : s(u,w) \\ge s(u,v)\\}|}{|\\{w \\ne u : s(u,w) \\ge s(u,v)\\}|}

mAP is the mean of AP over the query nodes whose relevant set is non-empty (the count used is
reported). Queries are all nodes, or a seeded uniform sample of ``n_queries`` nodes, in which
case a 95% normal confidence half-width :math:`1.96\\,\\sigma/\\sqrt{q}\\,\\sqrt{1-q/N}` is
reported (0 when every eligible node is a query).

**Precision@k per node** (within h hops) is the expected fraction of relevant nodes among the
``k`` best-scored nodes, ties at the k-th score broken uniformly at random (so the value does not
depend on node order); averaged like AP. **Global precision@k** ranks all node pairs at once,
each unordered pair ``{u, v}`` once for undirected graphs (ordered pairs ``u != v`` for directed
ones), self-pairs excluded, and counts the fraction of the ``k`` best pairs that are edges (same
tie rule). Both errors of common implementations, counting ``(u, v)`` and ``(v, u)`` twice and
ranking ``(u, u)``, are therefore absent.

**Computation.** Scores are computed batch by batch on the torch device (never an ``n x n``
matrix for large ``n``; the batch is sized to ~2**25 scores). Each batch of rows is then sorted on
the CPU with NumPy, with the relevance code of every candidate packed into the 4 lowest mantissa
bits of its float32 score, so scores that differ by less than a relative 2**-19 count as tied (the
tie-aware definitions above then apply; this is the only approximation). Global precision@k keeps
a running top-k of pairs. Distances come from per-level neighbourhood bitsets
(:math:`W_h(u) = \\bigcup_{w \\in N[u]} W_{h-1}(w)`, ``n^2/8`` bytes per level, 64 nodes per
machine word) or, for large sparse graphs, from a sparse breadth-first search per batch.

**Knowledge graphs.** :func:`kg_to_graph` makes the entity graph (undirected, relation types
dropped). :func:`kg_reconstruction` is the edge-type-aware version: each ``(h, r)`` of the chosen
splits is a query, all entities ``t != h`` are ranked by ``score_fn(h, r, candidates)`` and AP is
taken against the true tails :math:`\\{t : (h, r, t)\\}`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp
import torch

from ..errors import InvalidParameterError
from ..graph import Graph, as_graph
from ..utils.device import resolve_device
from ..utils.progress import get_logger, progress
from ..utils.random import check_random_state
from ..utils.validation import check_choice, check_int

logger = get_logger(__name__)

SIMILARITIES = ("dot", "cosine", "euclidean")
DEFAULT_KS = (1, 5, 10, 50, 100)
DEFAULT_GLOBAL_KS = (10, 100, 1000, 10000, 100000)


@dataclass
class ReconstructionResult:
    """Node-level reconstruction figures of one embedding (see the module docstring)."""

    name: str
    hops: Tuple[int, ...]
    map_within: Dict[int, float]
    map_exact: Dict[int, float]
    ci_within: Dict[int, float]
    ci_exact: Dict[int, float]
    queries_within: Dict[int, int]
    queries_exact: Dict[int, int]
    precision_at_k: Dict[int, Dict[int, float]]
    global_precision_at_k: Dict[int, float]
    num_queries: int
    num_nodes: int
    sampled: bool
    similarity: str
    time_s: float = 0.0
    per_node_ap: Optional[Dict[str, np.ndarray]] = field(default=None, repr=False)

    def to_dict(self) -> dict:
        """JSON-friendly dict (per-node arrays left out)."""
        return {
            "name": self.name, "hops": list(self.hops), "similarity": self.similarity,
            "map_within": {str(h): v for h, v in self.map_within.items()},
            "map_exact": {str(h): v for h, v in self.map_exact.items()},
            "ci_within": {str(h): v for h, v in self.ci_within.items()},
            "ci_exact": {str(h): v for h, v in self.ci_exact.items()},
            "queries_within": {str(h): v for h, v in self.queries_within.items()},
            "queries_exact": {str(h): v for h, v in self.queries_exact.items()},
            "precision_at_k": {str(h): {str(k): v for k, v in d.items()} for h, d in self.precision_at_k.items()},
            "global_precision_at_k": {str(k): v for k, v in self.global_precision_at_k.items()},
            "num_queries": self.num_queries, "num_nodes": self.num_nodes, "sampled": self.sampled,
            "time_s": self.time_s,
        }


# ---------------------------------------------------------------- hop distances
class HopDistances:
    """Shortest-path distances (capped at ``max_hops + 1``) from batches of query rows.

    ``method='bitset'`` keeps :math:`W_h` for ``h < max_hops`` as packed bit rows of all nodes
    (``(max_hops - 1) * n^2 / 8`` bytes); ``'bfs'`` runs a sparse breadth-first search per batch;
    ``'auto'`` picks by an estimate of the work and memory.
    """

    def __init__(self, graph: Graph, max_hops: int, method: str = "auto",
                 memory_limit: float = 2.0 * 2**30, n_queries: Optional[int] = None) -> None:
        self.n = graph.num_nodes
        self.max_hops = max_hops
        A = graph.to_scipy().astype(bool).tocsr()
        A.setdiag(False)
        A.eliminate_zeros()
        self.adj = A
        check_choice(method, "hop_method", ("auto", "bitset", "bfs"))
        if method == "auto":
            method = self._choose(memory_limit, self.n if n_queries is None else n_queries)
        self.method = method
        if method == "bitset":
            closed = (A + sp.identity(self.n, dtype=bool, format="csr")).tocsr()
            closed.sort_indices()
            self._closed = closed
            self.words = (self.n + 63) // 64
            self._levels = [self._pack(closed)]
            for _ in range(2, max_hops):
                self._levels.append(self._expand(self._levels[-1], np.arange(self.n)))

    def _choose(self, memory_limit: float, n_queries: int) -> str:
        n, H = self.n, self.max_hops
        if H == 1:
            return "bfs"
        if (H - 1) * n * n / 8 > memory_limit:
            return "bfs"
        deg = np.diff(self.adj.indptr).astype(np.float64)
        two_hop_work = float(np.mean(self.adj @ deg)) if n else 0.0  # entries touched reaching hop 2
        mean_deg = max(float(deg.mean()) if n else 0.0, 1.0)
        words = (n + 63) // 64
        bfs_work = n_queries * min(two_hop_work * mean_deg ** (H - 2), float(self.adj.nnz) * (H - 1)) * 20.0
        bitset_work = (n * (H - 2) + n_queries) * (mean_deg + 1) * words + n_queries * words * 8 * H
        return "bitset" if bitset_work < bfs_work else "bfs"

    def _pack(self, mat: sp.csr_matrix, chunk: int = 2048) -> np.ndarray:
        out = np.zeros((mat.shape[0], self.words), dtype=np.uint64)
        for s in range(0, mat.shape[0], chunk):
            dense = np.zeros((min(chunk, mat.shape[0] - s), self.words * 64), dtype=bool)
            dense[:, :self.n] = mat[s:s + chunk].toarray()
            out[s:s + len(dense)] = np.packbits(dense, axis=1, bitorder="little").view(np.uint64)
        return out

    def _expand(self, prev: np.ndarray, rows: np.ndarray, chunk_entries: int = 1 << 17) -> np.ndarray:
        """Rows of :math:`W_h` from :math:`W_{h-1}` (all nodes): OR over closed neighbourhoods."""
        ip, ix = self._closed.indptr, self._closed.indices
        out = np.empty((len(rows), self.words), dtype=np.uint64)
        starts, ends = ip[rows], ip[rows + 1]
        i = 0
        while i < len(rows):
            j, total = i, 0
            while j < len(rows) and (j == i or total + ends[j] - starts[j] <= chunk_entries):
                total += ends[j] - starts[j]
                j += 1
            idx = np.concatenate([ix[starts[r]:ends[r]] for r in range(i, j)])
            offsets = np.concatenate([[0], np.cumsum(ends[i:j - 1] - starts[i:j - 1])])
            out[i:j] = np.bitwise_or.reduceat(prev[idx], offsets, axis=0)
            i = j
        return out

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        """int8 array (len(rows), n): distance in ``1..max_hops``, ``max_hops + 1`` beyond, 0 for self."""
        rows = np.asarray(rows, dtype=np.int64)
        H, n = self.max_hops, self.n
        if self.method == "bitset":
            within = [lvl[rows] for lvl in self._levels]
            within.append(self._expand(self._levels[-1], rows) if H > 1 else within[0])
            count = np.zeros((len(rows), n), dtype=np.int8)
            for bits in within[:H]:
                count += np.unpackbits(bits.view(np.uint8), axis=1, count=n, bitorder="little").view(np.int8)
            dist = (H + 1) - count
        else:
            dist = np.full((len(rows), n), H + 1, dtype=np.int8)
            frontier = sp.csr_matrix((np.ones(len(rows), dtype=bool), (np.arange(len(rows)), rows)),
                                     shape=(len(rows), n))
            seen = frontier.copy()
            for h in range(1, H + 1):
                nxt = (frontier @ self.adj).astype(bool)
                nxt = (nxt > seen).tocsr()  # drop nodes already reached
                nxt.eliminate_zeros()
                r, c = nxt.nonzero()
                dist[r, c] = h
                seen = (seen + nxt).astype(bool)
                frontier = nxt
        dist[np.arange(len(rows)), rows] = 0
        return dist


# ----------------------------------------------------------------- ranking core
CODE_BITS = 4  # low mantissa bits of the float32 score that carry the relevance code
MAX_HOPS = (1 << CODE_BITS) - 2
_FLOOR = np.float32(-3.0e38)


@dataclass
class _RankStats:
    """Per-row ranking statistics for codes ``1..H`` (code 0: excluded, ``H + 1``: other)."""

    cross: np.ndarray   # (B, H, H): sum over items of code c of the tie-aware precision of code c'
    counts: np.ndarray  # (B, H): number of items of each code
    # k -> (counts before the tie group (B, H), counts up to its end (B, H), group start, group end)
    at_k: Dict[int, Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]

    def ap(self, codes: Sequence[int]) -> np.ndarray:
        """AP of each row with the items of ``codes`` as the relevant set (NaN if none)."""
        idx = np.asarray(codes) - 1
        num = self.cross[:, idx][:, :, idx].sum(axis=(1, 2))
        den = self.counts[:, idx].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.maximum(den, 1), np.nan)

    def precision_at(self, k: int, codes: Sequence[int]) -> np.ndarray:
        """Expected precision@k (uniform tie-breaking) with ``codes`` as relevant."""
        idx = np.asarray(codes) - 1
        before, at_end, s, e = self.at_k[k]
        above = before[:, idx].sum(axis=1)
        group = at_end[:, idx].sum(axis=1) - above
        return (above + (k - s) * group / (e - s + 1)) / k


def _tie_runs(last: np.ndarray):
    """Flat indices of positions that are not the last of their tie group, with run bounds."""
    fnl = np.flatnonzero(~last)
    if len(fnl) == 0:
        return fnl, fnl, fnl
    brk = np.flatnonzero(np.diff(fnl) != 1)
    first_idx = np.concatenate([[0], brk + 1])
    last_idx = np.concatenate([brk, [len(fnl) - 1]])
    run_of = np.repeat(np.arange(len(first_idx)), last_idx - first_idx + 1)
    return fnl, fnl[first_idx][run_of], fnl[last_idx][run_of] + 1  # each item: run start, group end


def _group_bounds(flat: np.ndarray, runs) -> Tuple[np.ndarray, np.ndarray]:
    """Flat start and end of the tie group of each flat position."""
    fnl, rstart, rend = runs
    start, end = flat.copy(), flat.copy()
    if len(fnl) == 0:
        return start, end
    i = np.minimum(np.searchsorted(fnl, flat), len(fnl) - 1)
    hit = fnl[i] == flat
    end[hit] = rend[i[hit]]
    j = np.minimum(np.searchsorted(fnl, flat - 1), len(fnl) - 1)
    hit = fnl[j] == flat - 1
    start[hit] = rstart[j[hit]]
    return start, end


def rank_codes(scores: np.ndarray, codes: np.ndarray, n_codes: int, ks: Sequence[int] = (),
               overwrite: bool = False) -> _RankStats:
    """Sort each row of ``scores`` (descending) and compute tie-aware ranking statistics.

    ``codes`` (B, m) ints in ``0..n_codes + 1``: 0 marks an excluded item (ranked last, never
    relevant), ``1..n_codes`` are the relevance classes. Only the codes travel with the sort: they
    are written into the 4 lowest mantissa bits of the float32 scores, so scores closer than a
    relative 2**-19 count as tied (the tie-aware formulas then average over them). With
    ``overwrite`` a float32 ``scores`` array is used as scratch space.
    """
    B, m = scores.shape
    s = np.asarray(scores, dtype=np.float32) if overwrite else np.array(scores, dtype=np.float32)
    np.clip(s, -1.0e38, 1.0e38, out=s)
    s += np.float32(0.0)  # -0.0 -> +0.0
    s[codes == 0] = _FLOOR
    bits = s.view(np.int32)
    bits &= np.int32(~((1 << CODE_BITS) - 1))
    bits |= codes
    bits.view(np.float32).sort(axis=1)
    keys = bits[:, ::-1]
    labels = (keys & np.int32((1 << CODE_BITS) - 1)).astype(np.int8)
    keys >>= CODE_BITS
    last = np.ones((B, m), dtype=bool)
    np.not_equal(keys[:, 1:], keys[:, :-1], out=last[:, :-1])
    runs = _tie_runs(last)
    del last
    inv = (1.0 / np.arange(1, m + 1, dtype=np.float64)).astype(np.float32)
    weighted = np.empty((B, n_codes, m), dtype=np.float32)  # [code a] mask_a / position
    cum = np.empty((B, n_codes, m), dtype=np.float32)       # [code b] running count (exact below 2**24)
    for c in range(n_codes):
        mask = labels == c + 1
        np.multiply(mask, inv, out=weighted[:, c, :])
        np.cumsum(mask, axis=1, dtype=np.float32, out=cum[:, c, :])
    cross = np.matmul(weighted, cum.transpose(0, 2, 1)).astype(np.float64)    # (B, a, b)
    if len(runs[0]):  # ties: an item's precision is taken at the end of its tie group
        r, col = np.divmod(runs[0], m)
        end = runs[2] - r * m
        code = labels[r, col].astype(np.int64) - 1
        ok = (code >= 0) & (code < n_codes)
        r, col, end, code = r[ok], col[ok], end[ok], code[ok]
        delta = cum[r, :, end] / (end[:, None] + 1.0) - cum[r, :, col] / (col[:, None] + 1.0)
        np.add.at(cross, (r, code), delta)
    counts = cum[:, :, -1].astype(np.float64)
    at_k = {}
    rows = np.arange(B)
    for k in ks:
        st, en = _group_bounds(rows * m + (k - 1), runs)
        st, en = st - rows * m, en - rows * m
        before = np.where((st > 0)[:, None], cum[rows, :, np.maximum(st - 1, 0)], 0.0)
        upto = cum[rows, :, en]
        at_k[k] = (before.astype(np.float64), upto.astype(np.float64), st.astype(np.float64), en.astype(np.float64))
    return _RankStats(cross, counts, at_k)


# -------------------------------------------------------------------- scoring
def _make_scorer(embeddings: Any, n: int, similarity: str, device: torch.device) -> Callable:
    """Return ``score(rows LongTensor) -> (B, n) float32`` on ``device``."""
    fn = _build_scorer(embeddings, n, similarity, device)
    fn._is_scorer = True
    return fn


def _build_scorer(embeddings: Any, n: int, similarity: str, device: torch.device) -> Callable:
    if callable(embeddings) and not isinstance(embeddings, (np.ndarray, torch.Tensor)):
        def decode(rows: torch.Tensor) -> torch.Tensor:
            out = torch.as_tensor(embeddings(rows), device=device, dtype=torch.float32).clone()  # never alias
            if out.shape != (len(rows), n):
                raise InvalidParameterError(f"decoder must return scores of shape ({len(rows)}, {n}), got "
                                            f"{tuple(out.shape)}")
            if not bool(torch.isfinite(out).all()):
                raise InvalidParameterError("decoder returned non-finite scores")
            return out
        return decode
    if isinstance(embeddings, tuple):
        if len(embeddings) != 2:
            raise InvalidParameterError("embeddings given as a tuple must be (source, target) matrices")
        src, tgt = (_as_matrix(e, n, f"embeddings[{i}]", device) for i, e in enumerate(embeddings))
        if src.shape[1] != tgt.shape[1]:
            raise InvalidParameterError(f"source and target embeddings must have the same width, got "
                                        f"{src.shape[1]} and {tgt.shape[1]}")
    else:
        src = tgt = _as_matrix(embeddings, n, "embeddings", device)
    check_choice(similarity, "similarity", SIMILARITIES)
    if similarity == "cosine":
        src = torch.nn.functional.normalize(src, dim=1)
        tgt = src if tgt is src else torch.nn.functional.normalize(tgt, dim=1)
    if similarity == "euclidean":
        sq = (tgt * tgt).sum(dim=1)

        def neg_euclidean(rows: torch.Tensor) -> torch.Tensor:
            q = src[rows]
            return -((q * q).sum(1, keepdim=True) - 2 * q @ tgt.T + sq).clamp_(min=0).sqrt_()
        return neg_euclidean
    return lambda rows: src[rows] @ tgt.T


def _as_matrix(x: Any, n: int, name: str, device: torch.device) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
    if t.ndim != 2 or t.shape[0] != n:
        raise InvalidParameterError(f"{name} must have shape ({n}, dim) (one row per graph node), "
                                    f"got {tuple(t.shape)}")
    if not t.is_floating_point():
        t = t.float()
    t = t.to(device=device, dtype=torch.float32)
    if not bool(torch.isfinite(t).all()):
        raise InvalidParameterError(f"{name} contains NaN or infinite values")
    return t


def _check_hops(hops: Any) -> Tuple[int, ...]:
    if isinstance(hops, (int, np.integer)) and not isinstance(hops, bool):
        hops = tuple(range(1, check_int(hops, "hops", min_value=1) + 1))
    hops = tuple(sorted({check_int(h, "hops", min_value=1, max_value=MAX_HOPS) for h in hops}))
    if not hops:
        raise InvalidParameterError("hops must name at least one hop count >= 1")
    return hops


# ------------------------------------------------------------ node reconstruction
def node_reconstruction(graph: Any, embeddings: Any, *, hops: Any = (1, 2, 3), similarity: str = "dot",
                        ks: Sequence[int] = DEFAULT_KS, global_ks: Sequence[int] = DEFAULT_GLOBAL_KS,
                        n_queries: Optional[int] = None, random_state: Any = 0,
                        batch_size: Optional[int] = None, device: Any = None, hop_method: str = "auto",
                        name: str = "embedding", return_per_node: bool = False,
                        verbose: bool = False) -> ReconstructionResult:
    """Node-level graph reconstruction (RESTORE; definitions in the module docstring).

    Parameters
    ----------
    graph : Graph or anything :func:`graphemb.as_graph` accepts
    embeddings : ndarray/tensor (n, d) in graph row order, a ``(source, target)`` pair, or a
        callable ``decoder(rows) -> (B, n)`` scores
    hops : int H (meaning 1..H) or sequence of hop counts
    similarity : 'dot', 'cosine' or 'euclidean' (ignored for a callable)
    ks : per-node precision@k cut-offs; global_ks : cut-offs of the global pair ranking
        (``()`` skips it; it needs a pass over all nodes)
    n_queries : evaluate a seeded sample of query nodes (None: all nodes)
    hop_method : 'auto', 'bitset' or 'bfs' (see :class:`HopDistances`)

    Examples
    --------
    >>> import numpy as np, graphemb as ge
    >>> G = ge.as_graph([[0, 1, 2], [1, 2, 3]], directed=False)
    >>> res = node_reconstruction(G, (G.to_scipy().toarray(), np.eye(4)), hops=1, ks=(1,), global_ks=())
    >>> res.map_within[1]
    1.0
    """
    t0 = time.perf_counter()
    G = as_graph(graph)
    n = G.num_nodes
    if n < 2:
        raise InvalidParameterError("graph must have at least 2 nodes for reconstruction")
    hops = _check_hops(hops)
    ks = tuple(sorted({min(check_int(k, "ks", min_value=1), n - 1) for k in ks}))  # k clipped to n - 1
    dev = resolve_device(device)
    scorer = _make_scorer(embeddings, n, similarity, dev)
    rng = check_random_state(random_state)
    if n_queries is None or check_int(n_queries, "n_queries", min_value=1) >= n:
        queries, sampled = np.arange(n), False
    else:
        queries, sampled = np.sort(rng.choice(n, size=n_queries, replace=False)), True
    if batch_size is None:
        batch_size = int(max(16, min(2048, (1 << 25) // n)))
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    H = max(hops)
    dist_fn = HopDistances(G, H, method=hop_method, n_queries=len(queries))
    logger.info("reconstruction of %r: %d queries, hop distances by %s", name, len(queries), dist_fn.method)
    ap_within = {h: [] for h in hops}
    ap_exact = {h: [] for h in hops}
    pk_acc = {h: {k: [] for k in ks} for h in hops}
    ks_global = _clip_global_ks(global_ks, n, G.directed)
    collector = _GlobalTopK(G, max(ks_global) + 1) if ks_global and not sampled else None
    for s in progress(range(0, len(queries), batch_size), verbose=verbose, desc=f"restore {name}", unit="batch"):
        rows = queries[s:s + batch_size]
        scores = scorer(torch.as_tensor(rows, device=dev)).cpu().numpy()
        if collector is not None:
            collector.update(rows, scores)
        stats = rank_codes(scores, dist_fn(rows).astype(np.int32), H, ks, overwrite=True)
        for h in hops:
            ap_within[h].append(stats.ap(range(1, h + 1)))
            ap_exact[h].append(stats.ap([h]))
            for k in ks:
                pk_acc[h][k].append(stats.precision_at(k, range(1, h + 1)))
    per_node = {}
    res = dict(map_within={}, map_exact={}, ci_within={}, ci_exact={}, queries_within={}, queries_exact={},
               precision_at_k={})
    for h in hops:
        for kind, acc in (("within", ap_within), ("exact", ap_exact)):
            arr = np.concatenate(acc[h])
            per_node[f"{kind}_{h}"] = arr
            ok = ~np.isnan(arr)
            m, q = _mean_ci(arr[ok], sampled, n)
            res[f"map_{kind}"][h], res[f"ci_{kind}"][h] = m, q
            res[f"queries_{kind}"][h] = int(ok.sum())
        ok = ~np.isnan(per_node[f"within_{h}"])
        res["precision_at_k"][h] = {k: float(np.concatenate(pk_acc[h][k])[ok].mean()) if ok.any() else float("nan")
                                    for k in ks}
    global_pk = {}
    if collector is not None:
        global_pk = collector.result(ks_global, scorer, batch_size, dev)
    elif ks_global:
        global_pk = global_precision_at_k(G, scorer, ks_global, batch_size=batch_size, device=dev)
    return ReconstructionResult(
        name=name, hops=hops, num_queries=len(queries), num_nodes=n, sampled=sampled,
        similarity=similarity if not callable(embeddings) or isinstance(embeddings, (np.ndarray, torch.Tensor))
        else "decoder", global_precision_at_k=global_pk, time_s=time.perf_counter() - t0,
        per_node_ap={"queries": queries, **per_node} if return_per_node else None, **res)


def _mean_ci(values: np.ndarray, sampled: bool, population: int) -> Tuple[float, float]:
    if len(values) == 0:
        return float("nan"), float("nan")
    mean = float(values.mean())
    if not sampled or len(values) < 2:
        return mean, 0.0
    fpc = math.sqrt(max(0.0, 1.0 - len(values) / population))
    return mean, float(1.96 * values.std(ddof=1) / math.sqrt(len(values)) * fpc)


# ------------------------------------------------------------- global precision
def _clip_global_ks(ks: Sequence[int], n: int, directed: bool) -> Tuple[int, ...]:
    total = n * (n - 1) // (1 if directed else 2)
    return tuple(sorted({min(check_int(k, "global_ks", min_value=1), total) for k in ks}))


class _GlobalTopK:
    """Running top-``K`` node pairs over row batches of a score matrix (see the module docstring)."""

    def __init__(self, graph: Graph, K: int) -> None:
        n = self.n = graph.num_nodes
        self.directed = graph.directed
        self.total = n * (n - 1) // (1 if graph.directed else 2)
        self.K = min(K, self.total)
        A = graph.to_scipy().astype(bool).tocsr()
        A.setdiag(False)
        A.eliminate_zeros()
        self.adj = A
        coo = A.tocoo()
        keep = np.ones(coo.nnz, dtype=bool) if graph.directed else coo.row < coo.col
        self.edge_keys = np.sort(coo.row[keep].astype(np.int64) * n + coo.col[keep])
        self.vals = np.empty(0, dtype=np.float32)
        self.keys = np.empty(0, dtype=np.int64)

    def _valid(self, rows: np.ndarray) -> np.ndarray:
        cols = np.arange(self.n)
        return cols[None, :] != rows[:, None] if self.directed else cols[None, :] > rows[:, None]

    def update(self, rows: np.ndarray, scores: np.ndarray) -> None:
        valid = self._valid(rows)
        if len(self.vals) >= self.K:  # only pairs that can enter the kept set
            valid &= scores >= self.vals.min()
        r, c = np.nonzero(valid)
        v = scores[r, c]
        keys = rows[r].astype(np.int64) * self.n + c
        vals, keys = np.concatenate([self.vals, v]), np.concatenate([self.keys, keys])
        if len(vals) > self.K:
            top = np.argpartition(-vals, self.K - 1)[:self.K]
            vals, keys = vals[top], keys[top]
        self.vals, self.keys = vals, keys

    def result(self, ks: Sequence[int], scorer: Callable, batch_size: int, dev: torch.device) -> Dict[int, float]:
        order = np.argsort(-self.vals, kind="stable")
        vals, keys = self.vals[order], self.keys[order]
        pos = np.searchsorted(self.edge_keys, keys)
        rel = (pos < len(self.edge_keys)) & (self.edge_keys[np.minimum(pos, len(self.edge_keys) - 1)] == keys)
        out = {}
        for k in ks:
            t = vals[k - 1]
            gt = int(np.sum(vals > t))
            rel_gt = int(np.sum(rel[vals > t]))
            if len(vals) < self.total and vals[-1] == t:  # the tie group may continue past the kept pairs
                eq, rel_eq = self._count_ties(scorer, batch_size, t, dev)
            else:
                eq, rel_eq = int(np.sum(vals == t)), int(np.sum(rel[vals == t]))
            out[k] = float((rel_gt + (k - gt) * rel_eq / eq) / k)
        return out

    def _count_ties(self, scorer: Callable, batch_size: int, t: float, dev: torch.device) -> Tuple[int, int]:
        eq = rel_eq = 0
        for s in range(0, self.n, batch_size):
            rows = np.arange(s, min(self.n, s + batch_size))
            hit = (scorer(torch.as_tensor(rows, device=dev)).cpu().numpy() == t) & self._valid(rows)
            eq += int(hit.sum())
            rel_eq += int((hit & self.adj[rows].toarray()).sum())
        return eq, rel_eq


def global_precision_at_k(graph: Any, embeddings: Any, ks: Sequence[int] = DEFAULT_GLOBAL_KS, *,
                          similarity: str = "dot", batch_size: Optional[int] = None,
                          device: Any = None) -> Dict[int, float]:
    """Precision@k over the global ranking of node pairs (edges as the relevant pairs).

    Unordered pairs ``{u, v}``, ``u != v``, for undirected graphs (each counted once), ordered
    pairs for directed ones; self-pairs and self-loops are excluded. Ties at the k-th score are
    broken uniformly at random in expectation. ``embeddings`` may be anything
    :func:`node_reconstruction` accepts. ``k`` larger than the number of pairs is clipped.
    """
    G = as_graph(graph)
    n = G.num_nodes
    dev = resolve_device(device)
    scorer = embeddings if getattr(embeddings, "_is_scorer", False) else _make_scorer(embeddings, n, similarity, dev)
    ks = _clip_global_ks(ks, n, G.directed)
    if not ks:
        return {}
    if batch_size is None:
        batch_size = int(max(16, min(2048, (1 << 25) // n)))
    collector = _GlobalTopK(G, max(ks) + 1)
    for s in range(0, n, batch_size):
        rows = np.arange(s, min(n, s + batch_size))
        collector.update(rows, scorer(torch.as_tensor(rows, device=dev)).cpu().numpy())
    return collector.result(ks, scorer, batch_size, dev)


# ---------------------------------------------------------------- knowledge graphs
def kg_to_graph(kg: Any, splits: Sequence[str] = ("train",)) -> Graph:
    """Entity graph of a :class:`~graphemb.kg.KnowledgeGraph`: entities are nodes (row = entity id,
    ``node_ids`` = entity labels), an undirected edge joins ``h`` and ``t`` of every triple of
    ``splits``; relation types, repeated pairs and self-loops are dropped."""
    triples = np.concatenate([kg.split(s) for s in splits])
    keep = triples[:, 0] != triples[:, 2]
    ei = triples[keep][:, [0, 2]].T
    return as_graph(ei, num_nodes=kg.num_entities, directed=False, aggregate="max",
                    node_ids=np.array(list(kg.entities), dtype=object))


@dataclass
class KGReconstructionResult:
    """Edge-type-aware reconstruction: mAP over ``(h, r)`` queries, per relation, precision@k."""

    name: str
    map: float
    ci: float
    num_queries: int
    precision_at_k: Dict[int, float]
    map_per_relation: Dict[str, float]
    sampled: bool
    time_s: float = 0.0

    def to_dict(self) -> dict:
        return {"name": self.name, "map": self.map, "ci": self.ci, "num_queries": self.num_queries,
                "precision_at_k": {str(k): v for k, v in self.precision_at_k.items()},
                "map_per_relation": dict(self.map_per_relation), "sampled": self.sampled, "time_s": self.time_s}


def kg_reconstruction(kg: Any, score_fn: Callable, *, splits: Sequence[str] = ("train",),
                      ks: Sequence[int] = (1, 10), n_queries: Optional[int] = None, random_state: Any = 0,
                      batch_size: int = 256, device: Any = None, name: str = "model",
                      verbose: bool = False) -> KGReconstructionResult:
    """Edge-type-aware reconstruction of a knowledge graph from a model's scores.

    Every distinct ``(h, r)`` of ``splits`` is a query; all entities ``t != h`` are ranked by
    ``score_fn(h, r, candidates)`` (LongTensors of shape (B,), (B,), (m,) -> scores (B, m), higher
    is more plausible; the index tensors are on the evaluation ``device``) and AP is taken against :math:`\\{t \\ne h : (h, r, t)\\}` (tie-aware, as in
    the module docstring). A ``graphemb.kge`` model plugs in as
    ``lambda h, r, t: model.module.score_t(h, r, t)``; a trained ``graphemb.kge.KGE`` (or its
    ``KGEModule``) may be passed directly as ``score_fn``.
    """
    t0 = time.perf_counter()
    score_fn = _kg_scorer(score_fn)
    triples = np.concatenate([kg.split(s) for s in splits])
    if len(triples) == 0:
        raise InvalidParameterError(f"splits {list(splits)} contain no triples")
    ne = kg.num_entities
    dev = resolve_device(device)
    pair_key = triples[:, 0] * kg.num_relations + triples[:, 1]
    uniq, inverse = np.unique(pair_key, return_inverse=True)
    tails = sp.csr_matrix((np.ones(len(triples), dtype=bool), (inverse, triples[:, 2])), shape=(len(uniq), ne))
    q_h, q_r = uniq // kg.num_relations, uniq % kg.num_relations
    rng = check_random_state(random_state)
    sampled = n_queries is not None and check_int(n_queries, "n_queries", min_value=1) < len(uniq)
    qids = np.sort(rng.choice(len(uniq), size=n_queries, replace=False)) if sampled else np.arange(len(uniq))
    ks = tuple(sorted({min(check_int(k, "ks", min_value=1), ne - 1) for k in ks}))
    cand = torch.arange(ne, device=dev)
    aps, pks = [], {k: [] for k in ks}
    for s in progress(range(0, len(qids), batch_size), verbose=verbose, desc=f"kg restore {name}", unit="batch"):
        q = qids[s:s + batch_size]
        h = torch.as_tensor(q_h[q], device=dev)
        r = torch.as_tensor(q_r[q], device=dev)
        with torch.no_grad():
            sc = torch.as_tensor(score_fn(h, r, cand), device=dev, dtype=torch.float32).clone()
        if sc.shape != (len(q), ne):
            raise InvalidParameterError(f"score_fn must return shape ({len(q)}, {ne}), got {tuple(sc.shape)}")
        if not bool(torch.isfinite(sc).all()):
            raise InvalidParameterError("score_fn returned non-finite scores")
        codes = np.where(tails[q].toarray(), 1, 2).astype(np.int32)
        codes[np.arange(len(q)), q_h[q]] = 0  # the head itself is never a candidate
        stats = rank_codes(sc.cpu().numpy(), codes, 1, ks, overwrite=True)
        aps.append(stats.ap([1]))
        for k in ks:
            pks[k].append(stats.precision_at(k, [1]))
    ap = np.concatenate(aps)
    ok = ~np.isnan(ap)
    m, ci = _mean_ci(ap[ok], sampled, len(uniq))
    rel_of_query = q_r[qids]
    per_rel = {kg.relations.label(int(r)): float(ap[ok & (rel_of_query == r)].mean())
               for r in np.unique(rel_of_query[ok])}
    return KGReconstructionResult(name=name, map=m, ci=ci, num_queries=int(ok.sum()),
                                  precision_at_k={k: float(np.concatenate(pks[k])[ok].mean()) for k in ks},
                                  map_per_relation=per_rel, sampled=sampled, time_s=time.perf_counter() - t0)


def _kg_scorer(model: Any) -> Callable:
    """A callable ``(h, r, t) -> scores`` from a callable, a ``KGEModule`` or a ``KGE`` (``.module``)."""
    module = getattr(model, "module", model)
    if hasattr(module, "score_t") and isinstance(module, torch.nn.Module):
        dev = next(module.parameters()).device

        def score(h: torch.Tensor, r: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            was_training = module.training
            module.eval()
            try:
                return module.score_t(h.to(dev), r.to(dev), t.to(dev))
            finally:
                module.train(was_training)
        return score
    if not callable(model):
        raise InvalidParameterError("score_fn must be a callable (h, r, candidate_tails) -> scores or a "
                                    "graphemb.kge model")
    return model
