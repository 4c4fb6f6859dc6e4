"""FastRP node embeddings (Chen, Sultan, Tian, Chen and Skiena, "Fast and Accurate Network
Embeddings via Very Sparse Random Projection", CIKM 2019), in the paper's formulation and
in Neo4j GDS's (``gds.fastRP``), deterministic per node and inductive."""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any, Optional, Sequence

import numpy as np
import scipy.sparse as sp
import torch

from .._base import BaseEstimator
from ..errors import InvalidParameterError, OutOfMemoryEstimateError
from ..graph import Graph, as_graph
from ..utils import check_bool, check_choice, check_float, check_int, progress, resolve_device, seed_from
from ._projection import feature_projection, node_hashes, sign_projection
from ._propagation import (PowerCombiner, available_memory, dense_bytes, make_spmm, operator_bytes,
                           plan_columns, propagation_operator)

logger = logging.getLogger(__name__)

#: settings each formulation implies for the parameters left at ``None``
FORMULATIONS = {
    "paper": {"iteration_weights": (0.0, 0.0, 1.0, 6.67), "sparsity": "sqrt", "normalize_iterations": True,
              "standardize": True, "isolated_nodes": "self", "degree": "weighted"},
    "gds": {"iteration_weights": (0.0, 1.0, 1.0), "sparsity": 3.0, "normalize_iterations": True,
            "standardize": False, "isolated_nodes": "zero", "degree": "count"},
}
_ROW_BLOCK = 1 << 15  # rows per block for statistics over the n x d output
_DTYPES = {"float32": (np.float32, torch.float32), "float64": (np.float64, torch.float64)}


class FastRP(BaseEstimator):
    """FastRP: very sparse random projection of powers of the transition matrix
    (Chen et al., CIKM 2019), with the Neo4j GDS ``gds.fastRP`` variant.

    With :math:`A` the (weighted) adjacency, :math:`D` its degree matrix,
    :math:`M = D^{-1} A`, :math:`L = D^{\\beta}` and :math:`R` an ``n x d`` very sparse
    random projection (entries :math:`\\pm\\sqrt{s/d}` with probability :math:`1/(2s)`
    each, 0 otherwise):

    .. math::

        X_0 = L R, \\qquad U_k = M^k X_0, \\qquad
        N = c_0\\,\\nu(X_0) + \\sum_{k=1}^{K} \\alpha_k\\, \\nu(U_k),

    where :math:`\\nu` is row-wise L2 normalisation (``normalize_iterations``) or the
    identity, :math:`c_0` is ``node_self_influence``, and in the paper's formulation
    :math:`N` is finally standardised column by column. The similarity matrix is never
    formed: each power is one sparse-dense product.

    ``formulation='paper'`` (reference code GTmac/FastRP): :math:`s = \\sqrt{n}`, weighted
    degrees, per-power L2 normalisation, final standardisation. ``formulation='gds'``
    (Neo4j GDS defaults): :math:`s = 3`, weighted neighbour sums averaged by the neighbour
    count, each contribution normalised, ``iterationWeights=[0, 1, 1]``,
    ``normalizationStrength=0``, ``nodeSelfInfluence=0``, ``propertyRatio=0``, no
    standardisation. Parameters left at ``None`` take the formulation's value.

    Row ``v`` of :math:`R` is generated from ``random_state`` and a stable hash of ``v``'s
    label only, so shuffling or re-loading the graph gives every node the same embedding
    and :meth:`transform` embeds new nodes with the same projection.

    Parameters
    ----------
    dim : int
        Embedding dimension ``d`` (GDS ``embeddingDimension``).
    iteration_weights : sequence of float, optional
        :math:`\\alpha_1..\\alpha_K` (GDS ``iterationWeights``); ``K`` is its length.
        Default: paper ``(0, 0, 1, 6.67)`` (BlogCatalog), gds ``(0, 1, 1)``.
    normalization_strength : float
        :math:`\\beta` (GDS ``normalizationStrength``): initial vectors are scaled by
        ``degree ** beta``; nodes without neighbours get scale 1.
    node_self_influence : float
        :math:`c_0` (GDS ``nodeSelfInfluence``), the weight of the node's own initial vector.
    formulation : {'paper', 'gds'}
    sparsity : float >= 1 or 'sqrt', optional
        :math:`s`; ``'sqrt'`` means :math:`\\sqrt{n}` of the fitted graph (kept for transform).
    normalize_iterations : bool, optional
        Row-L2-normalise the initial vector and every power before weighting.
    standardize : bool, optional
        Column-standardise the result (mean 0, std 1; the fitted statistics are reused by
        :meth:`transform`).
    direction : {'out', 'in', 'both'}
        For directed graphs, each node averages over its out-neighbours (default, the
        paper's ``D^-1 A`` and GDS's natural orientation), in-neighbours, or both.
    weighted : bool
        Use edge weights (GDS ``relationshipWeightProperty``); ones otherwise.
    property_ratio : float in [0, 1]
        GDS ``propertyRatio``: the last ``round(d * ratio)`` coordinates of each initial
        vector are a random linear combination (sparse, ``s = 3``) of the node's feature
        vector passed to :meth:`fit`; with 1 the embedding is fully inductive.
    isolated_nodes : {'self', 'zero'}, optional
        Nodes without neighbours in the propagation direction: ``'self'`` gives them their
        own (normalised) initial vector, ``'zero'`` leaves them at zero as GDS does (a
        warning says how many rows are all zero). Default: paper ``'self'``, gds ``'zero'``.
    random_state : None, int or numpy Generator
        Seeds the projection (GDS ``randomSeed``).
    device : None, 'auto', 'cpu', 'cuda', 'cuda:N'
        Where the products run (``None``/``'auto'``: CUDA when present).
    dtype : {'float32', 'float64'}
    backend : {'auto', 'torch', 'scipy'}
        Sparse-dense product kernel: torch sparse CSR (multi-threaded; ``'auto'``) or
        scipy's single-threaded CSR kernel (CPU only).
    column_chunk_size : int, optional
        Compute this many columns at a time (default: all, unless memory is short).
    max_memory : int, optional
        Bytes the computation may use (default: the device's free memory). The estimate
        (:meth:`estimate_memory`) is checked before any allocation.
    verbose : bool
        Progress bar over column chunks.

    Attributes
    ----------
    embeddings_ : ndarray (n, dim)
    nodes_ : ndarray (n,) node label of each row
    sparsity_ : float
    random_seed_ : int
    mean_, scale_ : ndarray (dim,) or None, the standardisation statistics

    Examples
    --------
    >>> import networkx as nx
    >>> from graphemb.node import FastRP
    >>> model = FastRP(dim=32, iteration_weights=(0, 1, 1, 6.67), normalization_strength=-0.64,
    ...                random_state=0, device="cpu").fit(nx.karate_club_graph())
    >>> model.embeddings_.shape
    (34, 32)
    """

    def __init__(self, dim: int = 128, iteration_weights: Optional[Sequence[float]] = None,
                 normalization_strength: float = 0.0, node_self_influence: float = 0.0,
                 formulation: str = "paper", sparsity: Any = None, normalize_iterations: Optional[bool] = None,
                 standardize: Optional[bool] = None, direction: str = "out", weighted: bool = True,
                 property_ratio: float = 0.0, isolated_nodes: Optional[str] = None, random_state: Any = 0,
                 device: Any = "auto", dtype: str = "float32", backend: str = "auto",
                 column_chunk_size: Optional[int] = None, max_memory: Optional[int] = None,
                 verbose: bool = False) -> None:
        self.dim = dim
        self.iteration_weights = iteration_weights
        self.normalization_strength = normalization_strength
        self.node_self_influence = node_self_influence
        self.formulation = formulation
        self.sparsity = sparsity
        self.normalize_iterations = normalize_iterations
        self.standardize = standardize
        self.direction = direction
        self.weighted = weighted
        self.property_ratio = property_ratio
        self.isolated_nodes = isolated_nodes
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.backend = backend
        self.column_chunk_size = column_chunk_size
        self.max_memory = max_memory
        self.verbose = verbose

    # ------------------------------------------------------------ validation
    def _settings(self) -> dict:
        """Validate every parameter and resolve the formulation's defaults."""
        form = check_choice(self.formulation, "formulation", list(FORMULATIONS))
        preset = FORMULATIONS[form]
        pick = lambda name: preset[name] if getattr(self, name) is None else getattr(self, name)  # noqa: E731
        dim = check_int(self.dim, "dim", min_value=1)
        weights = pick("iteration_weights")
        if isinstance(weights, (str, bytes)) or not hasattr(weights, "__len__") or len(weights) == 0:
            raise InvalidParameterError(f"iteration_weights must be a non-empty sequence of numbers, got {weights!r}")
        weights = tuple(check_float(w, f"iteration_weights[{i}]") for i, w in enumerate(weights))
        self_infl = check_float(self.node_self_influence, "node_self_influence")
        if self_infl == 0.0 and all(w == 0.0 for w in weights):
            raise InvalidParameterError("iteration_weights are all zero and node_self_influence is 0: "
                                        "every embedding would be zero; give at least one non-zero weight")
        sparsity = pick("sparsity")
        if sparsity != "sqrt":
            sparsity = check_float(sparsity, "sparsity", min_value=1.0)
        ratio = check_float(self.property_ratio, "property_ratio", min_value=0.0, max_value=1.0)
        if ratio > 0 and round(dim * ratio) == 0:
            raise InvalidParameterError(f"property_ratio={ratio} gives 0 of dim={dim} coordinates; raise it")
        if ratio < 1 and round(dim * ratio) == dim:
            raise InvalidParameterError(f"property_ratio={ratio} leaves no random coordinates; use 1.0 or lower it")
        try:
            dtype_name = self.dtype if isinstance(self.dtype, str) else str(np.dtype(self.dtype))
        except TypeError:
            dtype_name = str(self.dtype).replace("torch.", "")
        dtype = check_choice(dtype_name, "dtype", list(_DTYPES))
        backend = check_choice(self.backend, "backend", ["auto", "torch", "scipy"])
        device = resolve_device(self.device)
        if backend == "scipy" and device.type != "cpu":
            raise InvalidParameterError(f"backend='scipy' runs on the CPU only, but device={self.device!r}")
        chunk = self.column_chunk_size
        if chunk is not None:
            chunk = check_int(chunk, "column_chunk_size", min_value=1, max_value=dim)
        if self.max_memory is not None:
            check_int(self.max_memory, "max_memory", min_value=1)
        return {
            "dim": dim, "weights": weights, "self_influence": self_infl, "sparsity": sparsity,
            "beta": check_float(self.normalization_strength, "normalization_strength"),
            "normalize": check_bool(pick("normalize_iterations"), "normalize_iterations"),
            "standardize": check_bool(pick("standardize"), "standardize"),
            "direction": check_choice(self.direction, "direction", ["out", "in", "both"]),
            "weighted": check_bool(self.weighted, "weighted"), "ratio": ratio,
            "isolated": check_choice(pick("isolated_nodes"), "isolated_nodes", ["self", "zero"]),
            "degree": preset["degree"], "dtype": dtype, "device": device,
            "backend": "torch" if backend == "auto" else backend, "chunk": chunk,
            "verbose": check_bool(self.verbose, "verbose"),
        }

    # ------------------------------------------------------------ public API
    def estimate_memory(self, num_nodes: int, num_edges: int) -> int:
        """Bytes FastRP needs for ``num_nodes`` nodes and ``num_edges`` adjacency entries.

        ``num_edges`` counts stored entries after ``direction`` is applied (an undirected
        edge counts twice; ``direction='both'`` doubles a directed graph's edges). The
        figure covers the operator (its float64 build copy included), the ``n x dim``
        output and the working buffers for ``column_chunk_size`` columns.
        """
        cfg = self._settings()
        n = check_int(num_nodes, "num_nodes", min_value=1)
        m = check_int(num_edges, "num_edges", min_value=0)
        item = np.dtype(_DTYPES[cfg["dtype"]][0]).itemsize
        return operator_bytes(n, m, item) + dense_bytes(n, cfg["dim"], cfg["chunk"] or cfg["dim"], item)

    def fit(self, graph: Any, features: Any = None) -> "FastRP":
        """Embed every node of ``graph`` (anything :func:`graphemb.as_graph` accepts).

        ``features`` (n, f) dense or scipy sparse, rows aligned with the graph's nodes, feed
        the last ``round(dim * property_ratio)`` coordinates (GDS ``featureProperties``);
        a text encoder's output matrix can be passed the same way.
        """
        cfg = self._settings()
        G = as_graph(graph)
        n = G.num_nodes
        self.sparsity_ = math.sqrt(n) if cfg["sparsity"] == "sqrt" else cfg["sparsity"]
        self.sparsity_ = max(1.0, self.sparsity_)
        self.random_seed_ = seed_from(self.random_state)
        self.n_features_in_ = self._check_features(features, cfg, n)
        self.mean_, self.scale_ = None, None
        emb, chunk = self._embed(G, features, cfg, chunk=cfg["chunk"])
        self.column_chunk_size_ = chunk
        if cfg["standardize"]:
            self.mean_, std = _column_moments(emb)
            self.scale_ = np.where(std > 0, std, 1.0)
            self._apply_standardization(emb)
        self.embeddings_ = emb
        self.nodes_ = G.node_ids.copy()
        return self

    def fit_transform(self, graph: Any, features: Any = None) -> np.ndarray:
        """``fit(graph, features).embeddings_``."""
        return self.fit(graph, features).embeddings_

    def transform(self, graph: Any, features: Any = None, statistics: str = "fitted") -> np.ndarray:
        """Embed the nodes of ``graph`` with the fitted projection, sparsity and statistics.

        ``graph`` may be the fitted graph (the result equals ``embeddings_``), the fitted
        graph plus new nodes and edges, or a different graph; nodes are matched by label.
        ``statistics`` (when ``standardize``): ``'fitted'`` reuses ``mean_``/``scale_``;
        ``'recompute'`` standardises with this graph's own column statistics. High powers
        of ``M`` share a graph-wide component that standardisation removes, and it shifts
        when nodes are added, so ``'recompute'`` tracks a refit more closely.
        """
        check_choice(statistics, "statistics", ["fitted", "recompute"])
        self._check_fitted("embeddings_")
        cfg = self._settings()
        G = as_graph(graph)
        f = self._check_features(features, cfg, G.num_nodes)
        if f != self.n_features_in_:
            raise InvalidParameterError(f"features must have {self.n_features_in_} columns as in fit, got {f}")
        try:
            emb, _ = self._embed(G, features, cfg, chunk=self.column_chunk_size_)
        except OutOfMemoryEstimateError:
            logger.info("the fitted column chunk does not fit this graph; planning chunks again")
            emb, _ = self._embed(G, features, cfg, chunk=cfg["chunk"])
        if cfg["standardize"] and statistics == "recompute":
            mean, std = _column_moments(emb)
            emb -= mean.astype(emb.dtype)
            emb /= np.where(std > 0, std, 1.0).astype(emb.dtype)
        elif cfg["standardize"]:
            self._apply_standardization(emb)
        return emb

    # ------------------------------------------------------------ internals
    def _apply_standardization(self, emb: np.ndarray) -> None:
        emb -= self.mean_.astype(emb.dtype)
        emb /= self.scale_.astype(emb.dtype)

    @staticmethod
    def _check_features(features: Any, cfg: dict, n: int) -> int:
        if features is None:
            if cfg["ratio"] > 0:
                raise InvalidParameterError("property_ratio > 0 needs features: pass fit(graph, features=X)")
            return 0
        if cfg["ratio"] == 0:
            raise InvalidParameterError("features were given but property_ratio is 0, so they would be "
                                        "ignored; set property_ratio in (0, 1]")
        shape = features.shape if (sp.issparse(features) or hasattr(features, "shape")) else np.shape(features)
        if len(shape) != 2 or shape[0] != n:
            raise InvalidParameterError(f"features must have shape ({n}, f) to match the graph's nodes, got {shape}")
        return int(shape[1])

    def _embed(self, G: Graph, features: Any, cfg: dict, chunk: Optional[int]) -> tuple:
        n, dim, device = G.num_nodes, cfg["dim"], cfg["device"]
        np_dtype, t_dtype = _DTYPES[cfg["dtype"]]
        entries = G.num_entries * (2 if G.directed and cfg["direction"] == "both" else 1)
        budget = self.max_memory if self.max_memory is not None else available_memory(device)
        chunk = plan_columns(n, entries, dim, np.dtype(np_dtype).itemsize, budget, chunk)
        M, deg = propagation_operator(G, cfg["direction"], cfg["weighted"], cfg["degree"], np_dtype)
        spmm = make_spmm(M, cfg["backend"], device)
        has_neighbors = np.diff(M.indptr) > 0
        with np.errstate(divide="ignore"):
            row_scale = np.where(deg > 0, np.power(np.where(deg > 0, deg, 1.0), cfg["beta"]), 1.0)
        n_prop = int(round(dim * cfg["ratio"]))
        n_rand = dim - n_prop
        hashes = node_hashes(G.node_ids, self.random_seed_)
        entry_scale = row_scale * math.sqrt(self.sparsity_ / n_rand) if n_rand else row_scale
        feats = proj = None
        if n_prop:
            proj = feature_projection(self.n_features_in_, n_prop, self.random_seed_, device, t_dtype)
            feats = _features_tensor(features, device, t_dtype)
            sparse_feats = sp.csr_matrix(features) if sp.issparse(features) else None

        def initial(lo: int, hi: int, rows: Optional[np.ndarray] = None) -> torch.Tensor:
            h = hashes if rows is None else hashes[rows]
            x0 = torch.empty((len(h), hi - lo), dtype=t_dtype, device=device)
            if lo < n_rand:
                rs = entry_scale if rows is None else entry_scale[rows]
                sign_projection(h, lo, min(hi, n_rand), self.sparsity_, self.random_seed_, device, t_dtype,
                                row_scale=rs, out=x0[:, : min(hi, n_rand) - lo])
            if hi > n_rand:
                a, b = max(lo, n_rand) - n_rand, hi - n_rand
                if rows is None:
                    f = feats
                elif sparse_feats is not None:
                    f = _features_tensor(sparse_feats[rows], device, t_dtype)
                else:
                    f = feats[torch.as_tensor(rows, device=device)]
                x0[:, max(lo, n_rand) - lo:] = f @ proj[:, a:b].contiguous()
            return x0

        combiner = PowerCombiner(spmm, (cfg["self_influence"],) + cfg["weights"], cfg["normalize"])
        out = np.empty((n, dim), dtype=np_dtype)
        bounds = [(lo, min(dim, lo + chunk)) for lo in range(0, dim, chunk)]
        if len(bounds) == 1 and device.type == "cpu":
            combiner.combine(initial(0, dim), torch.from_numpy(out))
        else:
            norms = None
            if cfg["normalize"] and len(bounds) > 1:
                sq = None
                for lo, hi in progress(bounds, verbose=cfg["verbose"], desc="FastRP norms", unit="chunk"):
                    part = combiner.squared_norms(initial(lo, hi))
                    sq = part if sq is None else [s + p for s, p in zip(sq, part)]
                norms = [s.sqrt() for s in sq]
            for lo, hi in progress(bounds, verbose=cfg["verbose"], desc="FastRP", unit="chunk"):
                acc = torch.empty((n, hi - lo), dtype=t_dtype, device=device)
                out[:, lo:hi] = combiner.combine(initial(lo, hi), acc, norms).cpu().numpy()
        isolated = np.flatnonzero(~has_neighbors)
        if cfg["isolated"] == "self" and cfg["self_influence"] == 0.0 and len(isolated):
            x_iso = initial(0, dim, rows=isolated)
            if cfg["normalize"]:
                nrm = torch.linalg.vector_norm(x_iso, dim=1, keepdim=True)
                x_iso = x_iso / torch.where(nrm > 0, nrm, torch.ones_like(nrm))
            out[isolated] = x_iso.cpu().numpy()
        zero_rows = sum(int(np.count_nonzero(~out[a:a + _ROW_BLOCK].any(axis=1))) for a in range(0, n, _ROW_BLOCK))
        if zero_rows:
            warnings.warn(f"FastRP: {zero_rows} of {n} nodes have an all-zero embedding (no neighbours in "
                          f"direction {cfg['direction']!r} and no self-influence, or an all-zero initial vector); "
                          "set node_self_influence > 0, isolated_nodes='self', or give features", UserWarning,
                          stacklevel=3)
        return out, chunk


def _column_moments(X: np.ndarray) -> tuple:
    """Column mean and standard deviation (ddof 0) in float64, over blocks of rows so that
    no float64 copy of ``X`` is made."""
    n = X.shape[0]
    total = np.zeros(X.shape[1])
    for a in range(0, n, _ROW_BLOCK):
        total += X[a:a + _ROW_BLOCK].sum(axis=0, dtype=np.float64)
    mean = total / n
    sq = np.zeros(X.shape[1])
    for a in range(0, n, _ROW_BLOCK):
        dev = X[a:a + _ROW_BLOCK] - mean
        sq += np.einsum("ij,ij->j", dev, dev)
    return mean, np.sqrt(sq / n)


def _features_tensor(features: Any, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """Dense or scipy-sparse (n, f) features as a torch tensor (sparse CSR stays sparse)."""
    if sp.issparse(features):
        from ._propagation import to_torch_csr

        X = sp.csr_matrix(features, dtype=np.float64)
        if not np.all(np.isfinite(X.data)):
            raise InvalidParameterError("features contain NaN or infinite values")
        X.sort_indices()
        return to_torch_csr(X.astype(np.float32 if dtype == torch.float32 else np.float64), device)
    X = np.asarray(features.detach().cpu() if hasattr(features, "detach") else features, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise InvalidParameterError("features contain NaN or infinite values")
    return torch.as_tensor(X, dtype=dtype, device=device)
