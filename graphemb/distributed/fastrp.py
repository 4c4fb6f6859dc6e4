"""Distributed FastRP on torch.distributed (Chen et al., "Fast and Accurate Network
Embeddings via Very Sparse Random Projection", CIKM 2019).

Rows of the propagation operator :math:`M = D^{-1} A` are split into ``P`` contiguous
blocks, one per rank. Each propagation step computes the rank's rows of
:math:`U_k = M U_{k-1}` from the whole previous iterate, which the ranks exchange by an
all-gather; row normalisation and the weighted sum of powers are row-local, so they need
no communication. The initial vectors come from FastRP's per-node hashed projection
(seeded by ``random_state`` and each node's label), so every rank generates exactly the
rows a single process would: the result does not depend on the number of ranks or on
the partition, and equals :class:`graphemb.node.FastRP` to float tolerance. The final
column standardisation (paper formulation) is done on rank 0 after the gather.

Memory and communication per rank are modelled in
:mod:`graphemb.distributed.scale_model` (the all-gather keeps one ``n x d`` buffer per
rank; see there for when a halo exchange would be needed).

With ``direction='out'`` (the default) or an undirected graph a rank needs only its own
rows of the adjacency. For ``direction='in'`` / ``'both'`` on a directed graph every rank
builds the transposed operator from the whole edge list, then keeps its rows.

Examples
--------
>>> from graphemb.distributed import fastrp_distributed
>>> X = fastrp_distributed(graph, nproc=2, dim=128, random_state=0)   # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
import scipy.sparse as sp
import torch
import torch.distributed as dist

from ..graph import Graph, as_graph
from ..utils.random import seed_from
from .launch import spawn


def partition_bounds(n: int, world: int, rank: int) -> tuple:
    """Contiguous row block ``[lo, hi)`` of ``rank`` among ``world`` ranks."""
    size = -(-n // world)
    lo = min(n, rank * size)
    return lo, min(n, lo + size)


def local_operator(G: Graph, lo: int, hi: int, cfg: dict, np_dtype) -> tuple:
    """Rows ``lo:hi`` of ``M = D^-1 A`` and their degrees, exactly as FastRP builds them."""
    from ..node._propagation import propagation_operator

    n = G.num_nodes
    if G.directed and cfg["direction"] in ("in", "both"):
        M, deg = propagation_operator(G, cfg["direction"], cfg["weighted"], cfg["degree"], np_dtype)
        return M[lo:hi].tocsr(), deg[lo:hi]
    a, b = G.indptr[lo], G.indptr[hi]
    data = (G.edge_weights() if cfg["weighted"] else np.ones(G.num_entries, dtype=np.float32))[a:b]
    A = sp.csr_matrix((data.astype(np.float64), G.indices[a:b], G.indptr[lo:hi + 1] - a), shape=(hi - lo, n))
    A.sum_duplicates()
    counts = np.diff(A.indptr)
    deg = np.asarray(A.sum(axis=1)).ravel() if cfg["degree"] == "weighted" else counts.astype(np.float64)
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    A.data *= np.repeat(inv, counts)
    return sp.csr_matrix((A.data.astype(np_dtype), A.indices, A.indptr), shape=(hi - lo, n)), deg


def _all_gather_rows(x_local: torch.Tensor, n: int, world: int) -> torch.Tensor:
    """Concatenate every rank's row block (blocks padded to equal size for the collective)."""
    size = -(-n // world)
    if x_local.shape[0] < size:
        pad = torch.zeros((size - x_local.shape[0],) + tuple(x_local.shape[1:]), dtype=x_local.dtype)
        x_local = torch.cat([x_local, pad])
    parts = [torch.empty_like(x_local) for _ in range(world)]
    dist.all_gather(parts, x_local.contiguous())
    return torch.cat(parts)[:n]


def _worker(rank: int, world: int, graph: Graph, params: dict, features: Any) -> Optional[dict]:
    from ..node._projection import feature_projection, node_hashes, sign_projection
    from ..node._propagation import PowerCombiner, to_torch_csr
    from ..node.fastrp import _DTYPES, FastRP, _features_tensor

    est = FastRP(**{**params, "device": "cpu"})
    cfg = est._settings()
    G = as_graph(graph)
    n, dim = G.num_nodes, cfg["dim"]
    np_dtype, t_dtype = _DTYPES[cfg["dtype"]]
    lo, hi = partition_bounds(n, world, rank)
    sparsity = max(1.0, math.sqrt(n) if cfg["sparsity"] == "sqrt" else cfg["sparsity"])
    seed = seed_from(est.random_state)
    M_local, deg = local_operator(G, lo, hi, cfg, np_dtype)
    T = to_torch_csr(M_local, torch.device("cpu"))

    def spmm(x_local: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        return torch.mm(T, _all_gather_rows(x_local, n, world), out=out)

    with np.errstate(divide="ignore"):
        row_scale = np.where(deg > 0, np.power(np.where(deg > 0, deg, 1.0), cfg["beta"]), 1.0)
    n_prop = int(round(dim * cfg["ratio"]))
    n_rand = dim - n_prop
    hashes = node_hashes(G.node_ids[lo:hi], seed)

    def initial(rows: np.ndarray) -> torch.Tensor:
        x0 = torch.empty((len(rows), dim), dtype=t_dtype)
        if n_rand:
            sign_projection(hashes[rows], 0, n_rand, sparsity, seed, "cpu", t_dtype, row_scale=row_scale[rows],
                            out=x0[:, :n_rand]).mul_(math.sqrt(sparsity / n_rand))
        if n_prop:
            proj = feature_projection(features.shape[1], n_prop, seed, "cpu", t_dtype)
            f = features[lo:hi][rows] if sp.issparse(features) else np.asarray(features)[lo:hi][rows]
            x0[:, n_rand:] = _features_tensor(f, torch.device("cpu"), t_dtype) @ proj
        return x0

    local_rows = np.arange(hi - lo)
    combiner = PowerCombiner(spmm, (cfg["self_influence"],) + cfg["weights"], cfg["normalize"])
    out = torch.zeros((hi - lo, dim), dtype=t_dtype)
    combiner.combine(initial(local_rows), out)
    isolated = np.flatnonzero(np.diff(M_local.indptr) == 0)
    if cfg["isolated"] == "self" and cfg["self_influence"] == 0.0 and len(isolated):
        x_iso = initial(isolated)
        if cfg["normalize"]:
            nrm = torch.linalg.vector_norm(x_iso, dim=1, keepdim=True)
            x_iso = x_iso / torch.where(nrm > 0, nrm, torch.ones_like(nrm))
        out[torch.as_tensor(isolated)] = x_iso
    full = _all_gather_rows(out, n, world)
    if rank != 0:
        return None
    emb = full.numpy().copy()
    if cfg["standardize"]:
        mean = emb.mean(axis=0, dtype=np.float64)
        std = emb.std(axis=0, dtype=np.float64)
        emb -= mean.astype(emb.dtype)
        emb /= np.where(std > 0, std, 1.0).astype(emb.dtype)
    return {"embeddings": emb}


def fastrp_distributed(graph: Any, nproc: int = 2, features: Any = None, *, backend: Optional[str] = None,
                       timeout_s: float = 600, **fastrp_params: Any) -> np.ndarray:
    """FastRP embeddings computed by ``nproc`` local processes (gloo on CPU).

    ``fastrp_params`` are :class:`graphemb.node.FastRP` parameters (``dim``,
    ``iteration_weights``, ``formulation``, ``random_state``, ...). Returns the
    ``(n, dim)`` embeddings in the graph's row order, equal to
    ``FastRP(**fastrp_params).fit(graph, features).embeddings_`` to float tolerance.
    """
    from ..node.fastrp import FastRP

    FastRP(**{**fastrp_params, "device": "cpu"})._settings()  # validate before spawning
    G = as_graph(graph)
    result = spawn(_worker, nproc, (G, fastrp_params, features), backend=backend or "gloo", timeout_s=timeout_s)
    return result["embeddings"]


def run_fastrp_distributed(graph: Any, nproc: int, **fastrp_params: Any) -> np.ndarray:
    """Alias of :func:`fastrp_distributed` (used by ``graphemb fastrp --nproc``)."""
    return fastrp_distributed(graph, nproc, **fastrp_params)
