"""Edge negatives and edge splits."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import torch

from graphemb import as_graph
from graphemb.errors import InvalidGraphError, InvalidParameterError
from graphemb.sampling.edges import negative_edges, split_edges


def test_negative_edges_are_non_edges_and_not_self_loops():
    G = as_graph(nx.gnp_random_graph(40, 0.2, seed=0))
    neg = negative_edges(G, 2000, random_state=0, device="cpu")
    assert neg.shape == (2, 2000) and neg.dtype == torch.int64
    A = G.to_scipy().toarray() > 0
    u, v = neg.numpy()
    assert not A[u, v].any() and not (u == v).any()
    # without exclusion, uniform pairs do hit edges (density 0.2): the check above can fail
    raw = negative_edges(G, 2000, exclude_edges=False, random_state=0, device="cpu").numpy()
    assert A[raw[0], raw[1]].mean() == pytest.approx(G.num_entries / (40 * 39), abs=0.05)


def test_negative_edges_exclude_extra_pairs_and_deterministic():
    G = as_graph([[0, 1], [1, 2]], directed=False, num_nodes=4)
    extra = np.array([[0, 2], [3, 3]])  # forbid (0, 3) and (2, 3) in both directions
    neg = negative_edges(G, 500, exclude=extra, random_state=1, device="cpu").numpy()
    pairs = set(zip(*neg.tolist()))
    assert pairs <= {(0, 2), (2, 0), (1, 3), (3, 1)}
    assert torch.equal(negative_edges(G, 50, random_state=3, device="cpu"),
                       negative_edges(G, 50, random_state=3, device="cpu"))


def test_complete_graph_has_no_negatives():
    G = as_graph(nx.complete_graph(5))
    with pytest.raises(InvalidGraphError, match="too dense"):
        negative_edges(G, 3, max_rounds=5, random_state=0, device="cpu")


def test_split_edges_partitions_and_keeps_connectivity():
    G = as_graph(nx.connected_watts_strogatz_graph(200, 6, 0.3, seed=2))
    s = split_edges(G, 0.1, 0.2, keep_connected=True, random_state=0)
    m = G.num_edges
    assert s.valid_edges.shape[1] == round(0.1 * m) and s.test_edges.shape[1] == round(0.2 * m)
    assert s.train_edges.shape[1] + s.valid_edges.shape[1] + s.test_edges.shape[1] == m
    keys = lambda e: set(map(tuple, np.sort(e, axis=0).T.tolist()))  # noqa: E731
    tr, va, te = keys(s.train_edges), keys(s.valid_edges), keys(s.test_edges)
    assert not (tr & va) and not (tr & te) and not (va & te)
    assert s.train_graph.num_edges == len(tr)
    assert sp.csgraph.connected_components(s.train_graph.to_scipy())[0] == 1
    A = G.to_scipy().toarray() > 0
    for neg in (s.valid_negatives, s.test_negatives):
        assert not A[neg[0], neg[1]].any()
    assert s.test_negatives.shape == s.test_edges.shape


def test_split_edges_without_connectivity_and_errors():
    G = as_graph(nx.path_graph(10))
    with pytest.raises(InvalidParameterError, match="removable"):
        split_edges(G, 0.2, 0.2, keep_connected=True, random_state=0)  # a tree: nothing removable
    s = split_edges(G, 0.2, 0.2, random_state=0)
    assert s.train_graph.num_edges == 9 - 4
    with pytest.raises(InvalidParameterError, match="valid_fraction"):
        split_edges(G, 0.6, 0.5)
