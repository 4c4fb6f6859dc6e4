"""Edge negatives and edge splits for link prediction.

Non-edges are drawn uniformly from node pairs (Grover & Leskovec, "node2vec: Scalable
Feature Learning for Networks", KDD 2016, Section 4.4 protocol): a pair :math:`(u, v)`,
:math:`u \\ne v`, drawn uniformly, is kept when it is not a known edge

.. math::

    (u, v) \\sim U\\{(u, v) : u \\ne v,\\ (u, v) \\notin E_{\\mathrm{known}}\\},

by bounded rejection. Edge splits hold out a random fraction of the edges as
validation and test positives; with ``keep_connected`` the held-out edges are drawn only
among edges outside a random spanning forest, so the training graph keeps the
(weakly) connected components of the full graph, as in the node2vec protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp
import torch

from ..errors import InvalidGraphError, InvalidParameterError
from ..graph import Graph, as_graph
from ..utils.random import check_random_state, torch_generator
from ..utils.validation import check_bool, check_float, check_int
from .walks import GraphTensors

__all__ = ["negative_edges", "split_edges", "EdgeSplit"]


def negative_edges(graph, num_samples: int, *, exclude_edges: bool = True, exclude: Optional[np.ndarray] = None,
                   allow_self_loops: bool = False, max_rounds: int = 100, device=None, random_state=None,
                   generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Sample ``num_samples`` node pairs that are not edges.

    Parameters
    ----------
    graph : Graph, GraphTensors or anything ``as_graph`` accepts
    num_samples : int
    exclude_edges : bool
        Reject pairs that are edges of ``graph`` (both directions for an undirected
        graph). ``False`` gives uniform random pairs (which may be edges).
    exclude : array (2, m), optional
        Further pairs to reject in both directions (e.g. validation and test
        positives), row indices.
    allow_self_loops : bool
        Whether ``(u, u)`` may be returned.
    max_rounds : int
        Rejection rounds before giving up with ``InvalidGraphError`` (a graph too dense
        to have that many non-edges in reach).
    device, random_state, generator
        As in :func:`~graphemb.sampling.random_walks`.

    Returns
    -------
    LongTensor (2, num_samples)
        Source and target row indices (may repeat).
    """
    check_int(num_samples, "num_samples", min_value=0)
    check_bool(exclude_edges, "exclude_edges")
    check_int(max_rounds, "max_rounds", min_value=1)
    gt = graph if isinstance(graph, GraphTensors) and device is None else GraphTensors.from_graph(graph, device)
    dev = gt.device
    gen = generator if generator is not None else torch_generator(random_state, dev)
    n = gt.num_nodes
    if n < 2 and not allow_self_loops:
        raise InvalidGraphError("negative_edges needs at least 2 nodes")
    extra = None
    if exclude is not None:
        ex = torch.as_tensor(np.asarray(exclude), dtype=torch.int64, device=dev)
        if ex.ndim != 2 or ex.shape[0] != 2:
            raise InvalidParameterError(f"exclude must have shape (2, m), got {tuple(ex.shape)}")
        extra = torch.unique(torch.cat([ex[0] * n + ex[1], ex[1] * n + ex[0]]))
    out = torch.empty((2, num_samples), dtype=torch.int64, device=dev)
    pending = torch.arange(num_samples, device=dev)
    for _ in range(max_rounds):
        if pending.numel() == 0:
            return out
        m = pending.numel()
        u = torch.randint(0, n, (m,), generator=gen, device=dev)
        if allow_self_loops:
            v = torch.randint(0, n, (m,), generator=gen, device=dev)
        else:  # shift trick: v uniform over the other nodes
            v = torch.randint(0, n - 1, (m,), generator=gen, device=dev)
            v = v + (v >= u).long()
        bad = torch.zeros(m, dtype=torch.bool, device=dev)
        if exclude_edges:
            bad |= gt.has_edge(u, v)
        if extra is not None and extra.numel():
            key = u * n + v
            pos = torch.searchsorted(extra, key).clamp_(max=extra.numel() - 1)
            bad |= extra[pos] == key
        ok = ~bad
        out[:, pending[ok]] = torch.stack([u[ok], v[ok]])
        pending = pending[bad]
    if pending.numel():
        raise InvalidGraphError(f"could not find {num_samples} non-edges in {max_rounds} rejection rounds "
                                f"({pending.numel()} missing): the graph is too dense")
    return out


@dataclass
class EdgeSplit:
    """Result of :func:`split_edges`.

    ``train_graph`` is the graph without the held-out edges; ``*_edges`` are (2, m)
    int64 row-index arrays (each undirected edge once); ``*_negatives`` are as many
    non-edges of the *full* graph (never a known edge, never a held-out positive).
    """

    train_graph: Graph
    train_edges: np.ndarray
    valid_edges: np.ndarray
    test_edges: np.ndarray
    valid_negatives: np.ndarray
    test_negatives: np.ndarray


def _spanning_forest_mask(rows: np.ndarray, cols: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Mask of the edges in a random spanning forest (of the undirected version)."""
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    w = rng.random(len(rows)) + 1.0  # strictly positive random weights: a random spanning forest
    A = sp.coo_matrix((w, (lo, hi)), shape=(n, n)).tocsr()  # upper triangle: one entry per pair
    T = sp.csgraph.minimum_spanning_tree(A).tocoo()
    tree_keys = np.minimum(T.row, T.col).astype(np.int64) * n + np.maximum(T.row, T.col)
    return np.isin(lo * n + hi, tree_keys)


def split_edges(graph, valid_fraction: float = 0.05, test_fraction: float = 0.1, *, keep_connected: bool = False,
                negatives_ratio: float = 1.0, random_state=None) -> EdgeSplit:
    """Hold out edges for link prediction (node2vec protocol, Grover & Leskovec 2016).

    Parameters
    ----------
    graph : Graph or anything ``as_graph`` accepts
    valid_fraction, test_fraction : float
        Fractions of the (unique, non-loop) edges held out.
    keep_connected : bool
        Hold out only edges outside a random spanning forest, so every connected
        component of the graph stays connected in ``train_graph``; raises
        ``InvalidParameterError`` when not enough such edges exist.
    negatives_ratio : float
        Non-edges per held-out positive in ``valid_negatives``/``test_negatives``.
    random_state : None, int or numpy Generator

    Returns
    -------
    EdgeSplit
    """
    g = graph if isinstance(graph, Graph) else as_graph(graph)
    check_float(valid_fraction, "valid_fraction", min_value=0.0, max_value=1.0)
    check_float(test_fraction, "test_fraction", min_value=0.0, max_value=1.0)
    if valid_fraction + test_fraction >= 1.0:
        raise InvalidParameterError(f"valid_fraction + test_fraction must be < 1, got "
                                    f"{valid_fraction + test_fraction}")
    check_bool(keep_connected, "keep_connected")
    check_float(negatives_ratio, "negatives_ratio", min_value=0.0)
    rng = check_random_state(random_state)
    ei = g.edge_index(unique=True)
    w = g.unique_edge_weights()
    loops = ei[0] == ei[1]
    candidates = np.flatnonzero(~loops)
    if keep_connected:
        in_forest = _spanning_forest_mask(ei[0], ei[1], g.num_nodes, rng)
        candidates = np.flatnonzero(~loops & ~in_forest)
    m = int(np.count_nonzero(~loops))
    n_valid, n_test = int(round(valid_fraction * m)), int(round(test_fraction * m))
    if n_valid + n_test > len(candidates):
        raise InvalidParameterError(
            f"cannot hold out {n_valid + n_test} edges: only {len(candidates)} edges are removable"
            f"{' without disconnecting the graph' if keep_connected else ''}")
    chosen = rng.permutation(candidates)[: n_valid + n_test]
    valid_idx, test_idx = chosen[:n_valid], chosen[n_valid:]
    keep = np.ones(ei.shape[1], dtype=bool)
    keep[chosen] = False
    train_graph = as_graph(ei[:, keep], weights=None if w is None else w[keep], num_nodes=g.num_nodes,
                           directed=g.directed, node_ids=g.node_ids)
    held = ei[:, chosen]
    gen = torch_generator(int(rng.integers(0, 2**62)), "cpu")
    n_neg_valid, n_neg_test = int(round(negatives_ratio * n_valid)), int(round(negatives_ratio * n_test))
    neg = negative_edges(GraphTensors.from_graph(g, "cpu"), n_neg_valid + n_neg_test, exclude=held,
                         generator=gen).numpy()
    return EdgeSplit(train_graph, ei[:, keep], ei[:, valid_idx], ei[:, test_idx], neg[:, :n_neg_valid],
                     neg[:, n_neg_valid:])

