"""The ``Graph`` container (CSR) and :func:`as_graph`, the one place input types are inspected.

A :class:`Graph` stores out-adjacency in compressed sparse row form:

* ``indptr``  int64, shape (n + 1,)
* ``indices`` int64 or int32, shape (nnz,), column ids sorted within each row
* ``weights`` float32, shape (nnz,), or ``None`` for an unweighted graph
* ``directed`` bool; an undirected graph stores every edge in both directions
  (a self-loop once)
* ``node_ids`` the original label of each row (int64 or object array)

Everything else in graphemb takes a ``Graph`` (or anything :func:`as_graph` accepts);
:func:`as_graph` and the per-type converters live in :mod:`graphemb.convert`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np
import scipy.sparse as sp

from .errors import InvalidGraphError, InvalidParameterError, UnknownLabelError

@dataclass(eq=False)
class Graph:
    """A graph in CSR form with original node ids kept in row order.

    Build one with :func:`as_graph` (which validates its input); the constructor only
    checks shapes and dtypes.

    Examples
    --------
    >>> import graphemb as ge
    >>> G = ge.as_graph([[0, 1, 2], [1, 2, 0]], directed=False)
    >>> G.num_nodes, G.num_edges
    (3, 3)
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: Optional[np.ndarray] = None
    directed: bool = False
    node_ids: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.indptr = np.ascontiguousarray(self.indptr, dtype=np.int64)
        if self.indptr.ndim != 1 or len(self.indptr) < 1 or self.indptr[0] != 0:
            raise InvalidGraphError("indptr must be a 1-d int array starting at 0")
        idx = np.asarray(self.indices)
        if idx.dtype not in (np.int32, np.int64):
            idx = idx.astype(np.int64)
        self.indices = np.ascontiguousarray(idx)
        if self.indptr[-1] != len(self.indices):
            raise InvalidGraphError(
                f"indptr[-1] ({self.indptr[-1]}) must equal len(indices) ({len(self.indices)})"
            )
        if self.weights is not None:
            self.weights = np.ascontiguousarray(self.weights, dtype=np.float32)
            if self.weights.shape != self.indices.shape:
                raise InvalidGraphError("weights must have the same length as indices")
        n = len(self.indptr) - 1
        if self.node_ids is None:
            self.node_ids = np.arange(n, dtype=np.int64)
        else:
            ids = np.asarray(self.node_ids)
            if ids.dtype.kind in "iu":
                ids = ids.astype(np.int64)
            elif ids.dtype.kind != "O":
                ids = ids.astype(object)
            if ids.shape != (n,):
                raise InvalidGraphError(f"node_ids must have shape ({n},), got {ids.shape}")
            self.node_ids = ids
        self.directed = bool(self.directed)
        self._index: Optional[dict] = None

    # ------------------------------------------------------------------ basics
    @property
    def num_nodes(self) -> int:
        """Number of nodes (rows)."""
        return len(self.indptr) - 1

    @property
    def num_entries(self) -> int:
        """Number of stored adjacency entries (both directions for undirected graphs)."""
        return len(self.indices)

    @property
    def num_self_loops(self) -> int:
        """Number of self-loops."""
        rows = self.row_indices()
        return int(np.count_nonzero(rows == self.indices))

    @property
    def num_edges(self) -> int:
        """Number of edges: entries for directed graphs, unordered pairs for undirected ones."""
        if self.directed:
            return self.num_entries
        loops = self.num_self_loops
        return (self.num_entries - loops) // 2 + loops

    @property
    def is_weighted(self) -> bool:
        """Whether the graph carries edge weights."""
        return self.weights is not None

    def row_indices(self) -> np.ndarray:
        """Source node of every stored entry (the COO row array)."""
        return np.repeat(np.arange(self.num_nodes, dtype=np.int64), np.diff(self.indptr))

    def edge_weights(self) -> np.ndarray:
        """Weights of every stored entry (ones for unweighted graphs)."""
        if self.weights is None:
            return np.ones(self.num_entries, dtype=np.float32)
        return self.weights

    def out_degree(self, weighted: bool = False) -> np.ndarray:
        """Out-degree of every node (sum of weights when ``weighted``)."""
        if not weighted or self.weights is None:
            return np.diff(self.indptr).astype(np.float32 if weighted else np.int64)
        return np.add.reduceat(np.append(self.weights, 0.0).astype(np.float64),
                               np.minimum(self.indptr[:-1], self.num_entries))[: self.num_nodes].astype(
            np.float32) * (np.diff(self.indptr) > 0)

    def in_degree(self, weighted: bool = False) -> np.ndarray:
        """In-degree of every node (sum of weights when ``weighted``)."""
        w = self.edge_weights().astype(np.float64) if weighted else None
        deg = np.bincount(self.indices, weights=w, minlength=self.num_nodes)
        return deg.astype(np.float32) if weighted else deg.astype(np.int64)

    def degree(self, weighted: bool = False) -> np.ndarray:
        """Degree: out-degree for undirected graphs (each edge counted once per endpoint,
        a self-loop once), out + in degree for directed graphs."""
        if self.directed:
            return self.out_degree(weighted) + self.in_degree(weighted)
        return self.out_degree(weighted)

    def neighbors(self, node: int) -> np.ndarray:
        """Out-neighbours (row indices) of row ``node``."""
        return self.indices[self.indptr[node]:self.indptr[node + 1]]

    def index_of(self, labels: Any) -> np.ndarray:
        """Row index of each original node label; unknown labels raise ``UnknownLabelError``."""
        if self._index is None:
            self._index = {lab: i for i, lab in enumerate(self.node_ids.tolist())}
        single = np.ndim(labels) == 0
        out = []
        for lab in ([labels] if single else list(labels)):
            key = lab.item() if isinstance(lab, np.generic) else lab
            try:
                out.append(self._index[key])
            except KeyError:
                raise UnknownLabelError(f"node {lab!r} is not in the graph") from None
        arr = np.asarray(out, dtype=np.int64)
        return arr[0] if single else arr

    # ------------------------------------------------------------ conversions
    def to_scipy(self, fmt: str = "csr") -> sp.csr_matrix:
        """Adjacency as a scipy sparse matrix (float32 weights, ones when unweighted)."""
        n = self.num_nodes
        mat = sp.csr_matrix((self.edge_weights(), self.indices, self.indptr), shape=(n, n))
        return mat.asformat(fmt)

    def edge_index(self, unique: bool = False) -> np.ndarray:
        """COO ``edge_index`` of shape (2, nnz), int64.

        With ``unique`` an undirected graph lists each edge once (source <= target).
        """
        rows, cols = self.row_indices(), self.indices.astype(np.int64)
        if unique and not self.directed:
            keep = rows <= cols
            rows, cols = rows[keep], cols[keep]
        return np.stack([rows, cols])

    def unique_edge_weights(self) -> Optional[np.ndarray]:
        """Weights aligned with ``edge_index(unique=True)``."""
        if self.weights is None:
            return None
        if self.directed:
            return self.weights
        return self.weights[self.row_indices() <= self.indices]

    def to_networkx(self, weight: str = "weight"):
        """Convert to a networkx ``Graph``/``DiGraph`` with the original node labels."""
        import networkx as nx

        G = nx.DiGraph() if self.directed else nx.Graph()
        labels = self.node_ids.tolist()
        G.add_nodes_from(labels)
        ei = self.edge_index(unique=True)
        w = self.unique_edge_weights()
        if w is None:
            G.add_edges_from((labels[u], labels[v]) for u, v in ei.T.tolist())
        else:
            G.add_weighted_edges_from(((labels[u], labels[v], float(x)) for (u, v), x in
                                       zip(ei.T.tolist(), w.tolist())), weight=weight)
        return G

    def to_torch(self, device: Any = "cpu") -> dict:
        """CSR arrays as torch tensors on ``device`` (``indptr``, ``indices``, ``weights``)."""
        import torch

        out = {
            "indptr": torch.as_tensor(self.indptr, device=device),
            "indices": torch.as_tensor(self.indices.astype(np.int64), device=device),
            "weights": None if self.weights is None else torch.as_tensor(self.weights, device=device),
        }
        return out

    # ------------------------------------------------------------- helpers
    def copy(self) -> "Graph":
        """Deep copy."""
        return Graph(self.indptr.copy(), self.indices.copy(),
                     None if self.weights is None else self.weights.copy(),
                     self.directed, self.node_ids.copy())

    def reverse(self) -> "Graph":
        """The graph with every edge reversed (the transpose); undirected graphs are returned as a copy."""
        if not self.directed:
            return self.copy()
        mat = self.to_scipy().T.tocsr()
        mat.sort_indices()
        return self._from_matrix(mat, directed=True)

    def symmetrize(self, aggregate: str = "max") -> "Graph":
        """Undirected version: the union of both directions, weights of opposite
        entries combined by ``aggregate`` ('max', 'min', 'sum' or 'mean')."""
        if aggregate not in ("max", "min", "sum", "mean"):
            raise InvalidParameterError(f"aggregate must be 'max', 'min', 'sum' or 'mean', got {aggregate!r}")
        if not self.directed:
            return self.copy()
        A = self.to_scipy()
        At = A.T.tocsr()
        if aggregate == "max":
            S = A.maximum(At)
        elif aggregate == "min":
            # min over the union: entries present one way only keep their weight
            both = A.multiply(At) != 0
            S = A.maximum(At) - (A.maximum(At) - A.minimum(At)).multiply(both)
        elif aggregate == "sum":
            S = A + At
        else:
            ones = (A != 0).astype(np.float32)
            counts = (ones + ones.T.tocsr()).tocsr()
            S = (A + At).tocsr()
            S.sort_indices()
            counts.sort_indices()
            S.data = S.data / counts.data
        S = sp.csr_matrix(S)
        S.sort_indices()
        keep_weights = self.weights is not None or aggregate == "sum"
        return self._from_matrix(S, directed=False, weighted=keep_weights)

    def remove_self_loops(self) -> "Graph":
        """Copy of the graph without self-loops."""
        rows = self.row_indices()
        keep = rows != self.indices
        return self._from_coo(rows[keep], self.indices[keep],
                              None if self.weights is None else self.weights[keep])

    def subgraph(self, nodes: Sequence[int]) -> "Graph":
        """Induced subgraph on the given row indices (in the given order)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        if nodes.size and (nodes.min() < 0 or nodes.max() >= self.num_nodes):
            raise InvalidParameterError("nodes contains a row index out of range")
        if len(np.unique(nodes)) != len(nodes):
            raise InvalidParameterError("nodes contains duplicates")
        A = self.to_scipy()[nodes][:, nodes].tocsr()
        A.sort_indices()
        g = Graph(A.indptr, A.indices.astype(np.int64),
                  A.data.astype(np.float32) if self.weights is not None else None,
                  self.directed, self.node_ids[nodes])
        return g

    def k_hop_reachability(self, k: int, nodes: Optional[Sequence[int]] = None,
                           exact: bool = False, include_self: bool = False) -> sp.csr_matrix:
        """Boolean sparse matrix (len(nodes), n): which nodes are reachable within ``k`` hops
        (following out-edges), or at exactly ``k`` hops (shortest-path distance == k) when
        ``exact``. The start node itself is excluded unless ``include_self``."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InvalidParameterError(f"k must be an int >= 1, got {k!r}")
        n = self.num_nodes
        nodes = np.arange(n) if nodes is None else np.asarray(nodes, dtype=np.int64)
        A = sp.csr_matrix((np.ones(self.num_entries, dtype=np.int8), self.indices, self.indptr), shape=(n, n))
        frontier = sp.csr_matrix((np.ones(len(nodes), dtype=np.int8), (np.arange(len(nodes)), nodes)),
                                 shape=(len(nodes), n))
        seen = frontier.copy()
        for _ in range(k):
            nxt = (frontier @ A)
            nxt.data[:] = 1
            nxt = (nxt - nxt.multiply(seen)).tocsr()
            nxt.eliminate_zeros()
            if exact:
                last = nxt
            seen = (seen + nxt).tocsr()
            seen.data[:] = 1
            frontier = nxt
        if exact:
            out = last
        else:
            out = seen
            if not include_self:
                start = sp.csr_matrix((np.ones(len(nodes), dtype=np.int8), (np.arange(len(nodes)), nodes)),
                                      shape=(len(nodes), n))
                out = (out - start).tocsr()
                out.eliminate_zeros()
        out = out.astype(bool).tocsr()
        out.sort_indices()
        return out

    def summary(self) -> dict:
        """Counts and degree statistics (used by ``graphemb info``)."""
        deg = self.degree()
        n_comp = sp.csgraph.connected_components(self.to_scipy(), directed=self.directed,
                                                 connection="weak")[0] if self.num_nodes else 0
        return {
            "nodes": self.num_nodes,
            "edges": self.num_edges,
            "directed": self.directed,
            "weighted": self.is_weighted,
            "self_loops": self.num_self_loops,
            "isolated_nodes": int(np.count_nonzero(deg == 0)),
            "degree_min": int(deg.min()) if len(deg) else 0,
            "degree_max": int(deg.max()) if len(deg) else 0,
            "degree_mean": float(deg.mean()) if len(deg) else 0.0,
            "degree_median": float(np.median(deg)) if len(deg) else 0.0,
            "weakly_connected_components": int(n_comp),
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Graph):
            return NotImplemented
        if (self.directed != other.directed or self.num_nodes != other.num_nodes
                or not np.array_equal(self.indptr, other.indptr)
                or not np.array_equal(self.indices.astype(np.int64), other.indices.astype(np.int64))):
            return False
        if (self.weights is None) != (other.weights is None):
            return False
        if self.weights is not None and not np.array_equal(self.weights, other.weights):
            return False
        return bool(np.array_equal(self.node_ids, other.node_ids))

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        w = ", weighted" if self.is_weighted else ""
        return f"Graph({kind}{w}, nodes={self.num_nodes}, edges={self.num_edges})"

    # ------------------------------------------------------------- internals
    def _from_matrix(self, mat: sp.csr_matrix, directed: bool, weighted: Optional[bool] = None) -> "Graph":
        weighted = self.weights is not None if weighted is None else weighted
        return Graph(mat.indptr.astype(np.int64), mat.indices.astype(np.int64),
                     mat.data.astype(np.float32) if weighted else None, directed, self.node_ids.copy())

    def _from_coo(self, rows, cols, weights) -> "Graph":
        from .convert import _build_csr

        return _build_csr(rows, cols, weights, self.num_nodes, self.directed, self.node_ids.copy(),
                          symmetric_input=True)


# the converters live in graphemb.convert; re-exported here so ``from graphemb.graph import as_graph`` works
from .convert import AGGREGATIONS, as_graph, read_graph  # noqa: E402,F401
