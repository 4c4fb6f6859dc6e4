"""Input conversion: :func:`as_graph`, the one place input types are inspected.

Each supported input (scipy sparse, networkx, edge_index arrays/tensors, PyG ``Data``,
DGL-like graphs, pandas DataFrames, edge-list files) is converted to the CSR
:class:`graphemb.graph.Graph` by :func:`_build_csr`, which validates ids and weights,
detects repeated edges and mirrors undirected edges.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import numpy as np
import scipy.sparse as sp

from .errors import InvalidGraphError, InvalidParameterError
from .graph import Graph

AGGREGATIONS = ("sum", "mean", "max", "min", "first")


def as_graph(obj: Any, *, directed: Optional[bool] = None, weights: Any = None,
             num_nodes: Optional[int] = None, weight: Optional[str] = "weight",
             aggregate: Optional[str] = None, source: str = "source", target: str = "target",
             node_ids: Any = None, allow_empty: bool = False) -> Graph:
    """Convert any supported graph input to a :class:`Graph`.

    Accepted inputs (the caller's object is never modified):

    * :class:`Graph` (returned as is);
    * scipy sparse matrices/arrays of any format (square; explicit zeros dropped);
    * networkx ``Graph``/``DiGraph`` (edge weights from attribute ``weight``; multigraphs
      need ``aggregate``);
    * numpy or torch ``edge_index`` of shape (2, E), with optional ``weights`` (E,) and
      ``num_nodes``; a (E, 2) array is rejected with a hint to transpose;
    * PyG ``Data``-like objects (duck-typed: ``edge_index``, ``num_nodes``, optional
      ``edge_weight``);
    * DGL-like graphs (duck-typed: ``.edges()`` and ``.num_nodes()``);
    * pandas ``DataFrame`` with ``source``/``target`` (and optional ``weight``) columns;
    * a path to an edge-list file (whitespace- or tab-separated ``u v [w]``, ``#`` comments).

    Parameters
    ----------
    directed : bool, optional
        ``None`` infers: networkx from the graph type; scipy, edge_index, PyG and DGL
        inputs are undirected when their weighted adjacency is symmetric; DataFrames and
        files are undirected unless ``directed=True``. An undirected result stores each
        edge in both directions.
    aggregate : {'sum', 'mean', 'max', 'min', 'first'}, optional
        How to merge repeated edges. Without it a repeated edge is an error (an
        undirected edge given once in each direction with equal weight is not a repeat).
        With it, every occurrence counts in either orientation: with ``'sum'`` an
        undirected edge listed in both directions gets twice its weight.
    node_ids : sequence, optional
        Labels of the rows for array inputs (default ``0..n-1``).
    allow_empty : bool
        Accept a graph without nodes (rejected by default).
    """
    if aggregate is not None and aggregate not in AGGREGATIONS:
        raise InvalidParameterError(f"aggregate must be one of {list(AGGREGATIONS)} or None, got {aggregate!r}")
    if isinstance(obj, Graph):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        from .io_edgelist import read_edgelist

        return read_edgelist(obj, directed=bool(directed), aggregate=aggregate, allow_empty=allow_empty)
    if sp.issparse(obj):
        return _from_scipy(obj, directed, aggregate, node_ids, allow_empty)
    mod = type(obj).__module__ or ""
    if mod.startswith("networkx"):
        return _from_networkx(obj, directed, weight, aggregate, allow_empty)
    if mod.startswith("pandas"):
        return _from_dataframe(obj, directed, source, target, weight, aggregate, num_nodes, node_ids, allow_empty)
    if hasattr(obj, "edge_index") and hasattr(obj, "num_nodes"):  # PyG Data
        w = getattr(obj, "edge_weight", None) if weights is None else weights
        n = obj.num_nodes if num_nodes is None else num_nodes
        return _from_edge_index(obj.edge_index, w, n, directed, aggregate, node_ids, allow_empty, symmetric_infer=True)
    if hasattr(obj, "edges") and hasattr(obj, "num_nodes") and callable(getattr(obj, "num_nodes")):  # DGL
        src, dst = obj.edges()
        w = weights
        if w is None and hasattr(obj, "edata") and weight is not None:
            try:
                w = obj.edata[weight] if weight in obj.edata else None
            except Exception:  # noqa: BLE001 - duck typing
                w = None
        ei = np.stack([_to_numpy(src), _to_numpy(dst)])
        return _from_edge_index(ei, w, int(obj.num_nodes()), directed, aggregate, node_ids, allow_empty,
                                symmetric_infer=True)
    if isinstance(obj, (np.ndarray, list, tuple)) or mod.startswith("torch"):
        return _from_edge_index(obj, weights, num_nodes, directed, aggregate, node_ids, allow_empty,
                                symmetric_infer=True)
    raise InvalidGraphError(
        f"cannot build a graph from an object of type {type(obj).__module__}.{type(obj).__name__}; expected a "
        "Graph, scipy sparse matrix, networkx graph, edge_index (2, E) array or tensor, PyG Data, DGL graph, "
        "pandas DataFrame or edge-list file path"
    )


def _to_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _check_nonempty(n: int, allow_empty: bool) -> None:
    if n == 0 and not allow_empty:
        raise InvalidGraphError("the graph is empty (0 nodes); pass allow_empty=True to accept it")


def _check_weights(w: Optional[np.ndarray], m: int, where: str = "weights") -> Optional[np.ndarray]:
    if w is None:
        return None
    w = _to_numpy(w)
    if w.ndim != 1 or len(w) != m:
        raise InvalidGraphError(f"{where} must have shape ({m},) to match the edges, got {w.shape}")
    if w.dtype.kind not in "biuf":
        raise InvalidGraphError(f"{where} must be numeric, got dtype {w.dtype}")
    w = w.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(w))
    if len(bad):
        raise InvalidGraphError(f"{where} contains NaN or infinite values (first at edge {bad[0]}: {w[bad[0]]})")
    neg = np.flatnonzero(w < 0)
    if len(neg):
        raise InvalidGraphError(f"{where} must be non-negative; edge {neg[0]} has weight {w[neg[0]]}")
    return w


def _from_edge_index(ei: Any, w: Any, num_nodes: Optional[int], directed: Optional[bool],
                     aggregate: Optional[str], node_ids: Any, allow_empty: bool,
                     symmetric_infer: bool) -> Graph:
    arr = _to_numpy(ei)
    if arr.dtype == object:
        raise InvalidGraphError("edge_index must be a numeric (2, E) array")
    if arr.ndim != 2 or (arr.shape[0] != 2 and not (arr.shape[0] == 0 and arr.size == 0)):
        hint = " (did you mean edge_index.T?)" if arr.ndim == 2 and arr.shape[1] == 2 else ""
        raise InvalidGraphError(f"edge_index must have shape (2, E), got {arr.shape}{hint}")
    if arr.size and arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise InvalidGraphError("edge_index must contain integer node ids")
    if arr.size and arr.dtype.kind not in "iuf":
        raise InvalidGraphError(f"edge_index must contain integers, got dtype {arr.dtype}")
    arr = arr.reshape(2, -1).astype(np.int64)
    m = arr.shape[1]
    if m and arr.min() < 0:
        j = int(np.flatnonzero(arr.min(axis=0) < 0)[0])
        raise InvalidGraphError(f"edge_index contains a negative node id at edge {j}: {arr[:, j].tolist()}")
    inferred_n = int(arr.max()) + 1 if m else 0
    if node_ids is not None:
        node_ids = np.asarray(node_ids)
    if num_nodes is None:
        n = len(node_ids) if node_ids is not None else inferred_n
    else:
        if isinstance(num_nodes, bool) or not isinstance(num_nodes, (int, np.integer)) or num_nodes < 0:
            raise InvalidGraphError(f"num_nodes must be a non-negative int, got {num_nodes!r}")
        n = int(num_nodes)
    if m and inferred_n > n:
        j = int(np.flatnonzero(arr.max(axis=0) >= n)[0])
        raise InvalidGraphError(
            f"edge_index contains node id {int(arr[:, j].max())} at edge {j}, but num_nodes={n} "
            f"(ids must be < num_nodes)"
        )
    if node_ids is not None and len(node_ids) != n:
        raise InvalidGraphError(f"node_ids has {len(node_ids)} labels but the graph has {n} nodes")
    _check_nonempty(n, allow_empty)
    wts = _check_weights(w, m)
    rows, cols = arr[0], arr[1]
    if directed is None:
        directed = not _is_symmetric(rows, cols, wts, n)
    return _build_csr(rows, cols, wts, n, directed, node_ids, aggregate=aggregate)


def _is_symmetric(rows: np.ndarray, cols: np.ndarray, w: Optional[np.ndarray], n: int) -> bool:
    if len(rows) == 0:
        return True
    data = np.ones(len(rows)) if w is None else w
    A = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    if w is None:
        A.data[:] = 1
    return (A != A.T).nnz == 0


def _build_csr(rows: np.ndarray, cols: np.ndarray, w: Optional[np.ndarray], n: int, directed: bool,
               node_ids: Any, aggregate: Optional[str] = None, symmetric_input: bool = False,
               positions: Optional[np.ndarray] = None, describe=None) -> Graph:
    """Sort, check repeats, merge by ``aggregate`` and (undirected) mirror the edges."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    weighted = w is not None
    if w is None:
        w = np.ones(len(rows), dtype=np.float64)
    if symmetric_input:  # already a valid CSR edge set (mirror included): just sort
        order = np.lexsort((cols, rows))
        rows, cols, w = rows[order], cols[order], w[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return Graph(indptr, cols, w.astype(np.float32) if weighted else None, directed, node_ids)

    # 1) repeats of the same oriented pair
    key = rows * n + cols
    order = np.argsort(key, kind="stable")
    skey = key[order]
    dup = np.flatnonzero(skey[1:] == skey[:-1])
    if len(dup):
        if aggregate is None:
            i = order[dup[0] + 1]
            where = describe(i) if describe else f"edge {int(i)}"
            count = int(np.count_nonzero(skey == skey[dup[0]]))
            raise InvalidGraphError(
                f"multigraph: edge ({int(rows[i])}, {int(cols[i])}) appears {count} times ({where}); pass "
                f"aggregate='sum'|'mean'|'max'|'min'|'first' to merge repeated edges"
            )
        rows, cols, w = _aggregate(rows[order], cols[order], w[order], skey, aggregate)
        if aggregate == "sum":
            weighted = weighted or bool(np.any(w != 1))
    if not directed:
        lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
        ckey = lo * n + hi
        order = np.argsort(ckey, kind="stable")
        sk = ckey[order]
        same = np.flatnonzero(sk[1:] == sk[:-1])
        if len(same):
            a, b = order[same], order[same + 1]
            if aggregate is None:
                diff = np.flatnonzero(w[a] != w[b])
                if len(diff):
                    i = b[diff[0]]
                    raise InvalidGraphError(
                        f"undirected edge ({int(lo[i])}, {int(hi[i])}) is given in both directions with "
                        f"different weights ({w[a[diff[0]]]} and {w[i]}); pass aggregate=... or directed=True"
                    )
                keep = np.ones(len(lo), dtype=bool)
                keep[b] = False
                lo, hi, w = lo[keep], hi[keep], w[keep]
            else:
                lo, hi, w = _aggregate(lo[order], hi[order], w[order], sk, aggregate)
                if aggregate == "sum":
                    weighted = weighted or bool(np.any(w != 1))
        loops = lo == hi
        rows = np.concatenate([lo, hi[~loops]])
        cols = np.concatenate([hi, lo[~loops]])
        w = np.concatenate([w, w[~loops]])
    order = np.lexsort((cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Graph(indptr, cols, w.astype(np.float32) if weighted else None, bool(directed), node_ids)


def _aggregate(rows, cols, w, sorted_key, how):
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    if how == "first":
        vals = w[starts]
    elif how == "sum":
        vals = np.add.reduceat(w, starts)
    elif how == "mean":
        vals = np.add.reduceat(w, starts) / np.diff(np.r_[starts, len(w)])
    elif how == "max":
        vals = np.maximum.reduceat(w, starts)
    else:
        vals = np.minimum.reduceat(w, starts)
    return rows[starts], cols[starts], vals


def _from_scipy(mat: Any, directed: Optional[bool], aggregate: Optional[str], node_ids: Any,
                allow_empty: bool) -> Graph:
    if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
        raise InvalidGraphError(f"an adjacency matrix must be square, got shape {mat.shape}")
    coo = sp.coo_matrix(mat)  # copies; the caller's matrix is untouched
    data = np.asarray(coo.data)
    if data.dtype == bool:
        data = data.astype(np.float64)
    nz = data != 0
    rows, cols, data = coo.row[nz].astype(np.int64), coo.col[nz].astype(np.int64), data[nz]
    n = mat.shape[0]
    _check_nonempty(n, allow_empty)
    wts = _check_weights(data, len(data), "matrix values")
    if len(wts) and np.all(wts == 1):
        wts = None
    if directed is None:
        directed = not _is_symmetric(rows, cols, wts, n)
    if not directed:  # a symmetric matrix: keep the upper triangle
        keep = rows <= cols
        if not _is_symmetric(rows, cols, wts, n):
            # asked to be undirected although not symmetric: take the union
            rows, cols = np.concatenate([rows, cols]), np.concatenate([cols, rows])
            wts = None if wts is None else np.concatenate([wts, wts])
            keep = rows <= cols
            agg = aggregate or "max"
            return _build_csr(rows[keep], cols[keep], None if wts is None else wts[keep], n, False, node_ids,
                              aggregate=agg)
        rows, cols = rows[keep], cols[keep]
        wts = None if wts is None else wts[keep]
    return _build_csr(rows, cols, wts, n, directed, node_ids, aggregate=aggregate)


def _from_networkx(G: Any, directed: Optional[bool], weight: Optional[str], aggregate: Optional[str],
                   allow_empty: bool) -> Graph:
    nodes = list(G.nodes())
    n = len(nodes)
    _check_nonempty(n, allow_empty)
    index = {v: i for i, v in enumerate(nodes)}
    if G.is_multigraph() and aggregate is None:
        if G.number_of_edges() != len({(u, v) if G.is_directed() else frozenset((u, v)) for u, v in G.edges()}):
            raise InvalidGraphError(
                "networkx multigraph with parallel edges: pass aggregate='sum'|'mean'|'max'|'min'|'first'"
            )
    edges = list(G.edges(data=True))
    rows = np.fromiter((index[u] for u, _, _ in edges), dtype=np.int64, count=len(edges))
    cols = np.fromiter((index[v] for _, v, _ in edges), dtype=np.int64, count=len(edges))
    has_w = weight is not None and any(weight in d for _, _, d in edges)
    wts = None
    if has_w:
        wts = _check_weights(np.array([d.get(weight, 1.0) for _, _, d in edges], dtype=np.float64),
                             len(edges), f"edge attribute {weight!r}")
    nx_directed = G.is_directed()
    if directed is None:
        directed = nx_directed
    if directed and not nx_directed:  # each undirected edge becomes two arcs
        loops = rows == cols
        rows, cols = np.concatenate([rows, cols[~loops]]), np.concatenate([cols, rows[~loops]])
        wts = None if wts is None else np.concatenate([wts, wts[~loops]])
    ids = np.array(nodes, dtype=object) if n else np.zeros(0, dtype=np.int64)
    if n and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in nodes):
        ids = np.array(nodes, dtype=np.int64)
    agg = aggregate
    if not directed and nx_directed and agg is None:
        agg = None  # reciprocal arcs with equal weight merge; differing weights raise
    return _build_csr(rows, cols, wts, n, directed, ids, aggregate=agg)


def _from_dataframe(df: Any, directed: Optional[bool], source: str, target: str, weight: Optional[str],
                    aggregate: Optional[str], num_nodes: Optional[int], node_ids: Any,
                    allow_empty: bool) -> Graph:
    for col in (source, target):
        if col not in df.columns:
            raise InvalidGraphError(
                f"DataFrame has no column {col!r} (columns: {list(df.columns)}); pass source=/target= to name them"
            )
    src = df[source].to_numpy()
    dst = df[target].to_numpy()
    if src.dtype.kind in "iu" and dst.dtype.kind in "iu" and node_ids is None and num_nodes is not None:
        ei = np.stack([src, dst]).astype(np.int64)
        w = df[weight].to_numpy() if weight is not None and weight in df.columns else None
        return _from_edge_index(ei, w, num_nodes, bool(directed), aggregate, None, allow_empty, False)
    labels, inverse = _labels_to_ids(np.concatenate([src, dst]), node_ids)
    m = len(src)
    w = df[weight].to_numpy() if weight is not None and weight in df.columns else None
    n = len(labels)
    _check_nonempty(n, allow_empty)
    wts = _check_weights(w, m, f"column {weight!r}")
    return _build_csr(inverse[:m], inverse[m:], wts, n, bool(directed), labels, aggregate=aggregate)


def _labels_to_ids(values: np.ndarray, node_ids: Any = None):
    """Map labels to row ids: sorted unique labels, or the order given by ``node_ids``."""
    vals = np.asarray(values)
    if vals.dtype.kind not in "iu":
        vals = vals.astype(object)
        if node_ids is None:
            try:
                labels, inverse = np.unique(vals.astype(str) if all(isinstance(v, str) for v in vals[:1000])
                                            else vals, return_inverse=True)
            except TypeError as exc:
                raise InvalidGraphError(f"node labels cannot be ordered: {exc}") from exc
            return labels.astype(object), inverse.astype(np.int64)
    if node_ids is None:
        labels, inverse = np.unique(vals, return_inverse=True)
        return labels, inverse.astype(np.int64)
    labels = np.asarray(node_ids)
    index = {v: i for i, v in enumerate(labels.tolist())}
    try:
        inverse = np.fromiter((index[v] for v in vals.tolist()), dtype=np.int64, count=len(vals))
    except KeyError as exc:
        raise InvalidGraphError(f"edge endpoint {exc.args[0]!r} is not in node_ids") from None
    return labels, inverse


def read_graph(path: Path, **kwargs: Any) -> Graph:
    """Read an edge-list file (see :func:`graphemb.io_edgelist.read_edgelist`)."""
    from .io_edgelist import read_edgelist

    return read_edgelist(path, **kwargs)
