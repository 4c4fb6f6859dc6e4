import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch

import graphemb as ge
from graphemb.errors import InvalidGraphError, InvalidParameterError

# an undirected 5-node graph with a self-loop-free triangle and a tail, plus an isolated-free layout
EDGES = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4)]


def both_ways(edges):
    return np.array([[u for u, v in edges] + [v for u, v in edges], [v for u, v in edges] + [u for u, v in edges]])


class FakePyGData:
    def __init__(self, edge_index, num_nodes, edge_weight=None):
        self.edge_index, self.num_nodes, self.edge_weight = edge_index, num_nodes, edge_weight


class FakeDGLGraph:
    def __init__(self, src, dst, n):
        self._src, self._dst, self._n = src, dst, n
        self.edata = {}

    def edges(self):
        return self._src, self._dst

    def num_nodes(self):
        return self._n


def test_same_graph_from_every_input_type():
    ei = both_ways(EDGES)
    G_nx = nx.Graph()
    G_nx.add_nodes_from(range(5))
    G_nx.add_edges_from(EDGES)
    A = sp.csr_matrix((np.ones(ei.shape[1]), (ei[0], ei[1])), shape=(5, 5))
    df = pd.DataFrame({"source": [u for u, _ in EDGES], "target": [v for _, v in EDGES]})
    graphs = {
        "networkx": ge.as_graph(G_nx),
        "scipy_csr": ge.as_graph(A),
        "scipy_coo": ge.as_graph(A.tocoo()),
        "scipy_array": ge.as_graph(sp.csr_array(A)),
        "numpy": ge.as_graph(ei),
        "torch": ge.as_graph(torch.as_tensor(ei)),
        "pyg": ge.as_graph(FakePyGData(torch.as_tensor(ei), 5)),
        "dgl": ge.as_graph(FakeDGLGraph(torch.as_tensor(ei[0]), torch.as_tensor(ei[1]), 5)),
        "dataframe": ge.as_graph(df),
    }
    ref = graphs["networkx"]
    assert not ref.directed and ref.num_nodes == 5 and ref.num_edges == 5 and ref.num_entries == 10
    for name, g in graphs.items():
        assert g == ref, name
        assert g.indptr.dtype == np.int64 and g.indices.dtype in (np.int64, np.int32)


def test_directed_inputs_and_weights():
    ei = np.array([[0, 1, 2], [1, 2, 0]])
    g = ge.as_graph(ei, weights=np.array([1.0, 2.0, 3.0]))
    assert g.directed and g.num_edges == 3
    assert g.weights.dtype == np.float32
    np.testing.assert_array_equal(g.to_scipy().toarray(), [[0, 1, 0], [0, 0, 2], [3, 0, 0]])
    G = nx.DiGraph()
    G.add_weighted_edges_from([(0, 1, 1.0), (1, 2, 2.0), (2, 0, 3.0)])
    assert ge.as_graph(G) == g
    # forcing undirected mirrors every arc
    u = ge.as_graph(ei, directed=False)
    assert not u.directed and u.num_edges == 3 and u.num_entries == 6


def test_networkx_string_labels_round_trip():
    G = nx.Graph()
    G.add_edge("a", "b", weight=2.5)
    G.add_edge("b", "c", weight=1.0)
    G.add_node("lonely")
    g = ge.as_graph(G)
    assert list(g.node_ids) == ["a", "b", "c", "lonely"]
    assert g.degree().tolist() == [1, 2, 1, 0]
    back = g.to_networkx()
    assert set(back.nodes) == set(G.nodes)
    assert back["a"]["b"]["weight"] == 2.5
    assert g.index_of("c") == 2
    with pytest.raises(ge.UnknownLabelError):
        g.index_of("zzz")


def test_conversions_back():
    g = ge.as_graph(both_ways(EDGES))
    assert (g.to_scipy() != g.to_scipy().T).nnz == 0
    ei = g.edge_index(unique=True)
    assert ei.shape == (2, 5) and np.all(ei[0] <= ei[1])
    t = g.to_torch()
    assert t["indptr"].dtype == torch.int64 and t["weights"] is None
    assert nx.is_isomorphic(g.to_networkx(), nx.Graph(EDGES))


def test_caller_objects_not_modified():
    ei = both_ways(EDGES)
    ei_copy = ei.copy()
    w = np.arange(ei.shape[1], dtype=np.float64)
    w_copy = w.copy()
    ge.as_graph(ei, weights=w, directed=True)
    np.testing.assert_array_equal(ei, ei_copy)
    np.testing.assert_array_equal(w, w_copy)
    A = sp.coo_matrix((np.ones(3), ([0, 1, 0], [1, 0, 0])), shape=(2, 2))
    before = (A.row.copy(), A.col.copy(), A.data.copy())
    ge.as_graph(A)
    for a, b in zip(before, (A.row, A.col, A.data)):
        np.testing.assert_array_equal(a, b)
    G = nx.Graph(EDGES)
    ge.as_graph(G).symmetrize()
    assert sorted(G.edges) == sorted(nx.Graph(EDGES).edges)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((2, 0), dtype=np.int64), "empty"),
    (np.array([[0, 1], [1, 2], [2, 0]]), r"did you mean edge_index\.T"),
    (np.array([[0, -1], [1, 0]]), "negative node id"),
    (np.array([[0.5, 1.0], [1.0, 0.0]]), "integer node ids"),
])
def test_bad_edge_index(bad, match):
    with pytest.raises(InvalidGraphError, match=match):
        ge.as_graph(bad)


def test_node_id_out_of_range_names_the_edge():
    with pytest.raises(InvalidGraphError, match=r"node id 5 at edge 1.*num_nodes=3"):
        ge.as_graph(np.array([[0, 5], [1, 0]]), num_nodes=3)


@pytest.mark.parametrize("w, match", [
    ([1.0, -2.0], "non-negative"),
    ([1.0, np.nan], "NaN"),
    ([1.0, np.inf], "NaN or infinite"),
    ([1.0], r"shape \(2,\)"),
])
def test_bad_weights(w, match):
    with pytest.raises(InvalidGraphError, match=match):
        ge.as_graph(np.array([[0, 1], [1, 2]]), weights=np.array(w))


def test_non_square_adjacency():
    with pytest.raises(InvalidGraphError, match="square"):
        ge.as_graph(sp.csr_matrix(np.ones((2, 3))))


def test_multigraph_needs_aggregation():
    ei = np.array([[0, 0, 1], [1, 1, 2]])
    with pytest.raises(InvalidGraphError, match=r"multigraph: edge \(0, 1\) appears 2 times.*aggregate="):
        ge.as_graph(ei, directed=True)
    g = ge.as_graph(ei, directed=True, aggregate="sum")
    assert g.num_edges == 2 and g.to_scipy()[0, 1] == 2
    g = ge.as_graph(ei, directed=True, aggregate="max")
    assert g.weights is None and g.num_edges == 2
    M = nx.MultiGraph([(0, 1), (0, 1)])
    with pytest.raises(InvalidGraphError, match="multigraph"):
        ge.as_graph(M)
    with pytest.raises(InvalidParameterError, match="aggregate"):
        ge.as_graph(ei, aggregate="median")


def test_undirected_mirror_with_different_weights_is_an_error():
    ei = np.array([[0, 1], [1, 0]])
    with pytest.raises(InvalidGraphError, match="different weights"):
        ge.as_graph(ei, weights=np.array([1.0, 2.0]), directed=False)
    g = ge.as_graph(ei, weights=np.array([1.0, 2.0]), directed=False, aggregate="max")
    assert g.to_scipy()[0, 1] == 2 and g.to_scipy()[1, 0] == 2


def test_unsupported_type():
    with pytest.raises(InvalidGraphError, match="cannot build a graph from"):
        ge.as_graph({"a": 1})


def test_helpers_symmetrize_self_loops_degree():
    g = ge.as_graph(np.array([[0, 1, 2, 2], [1, 2, 2, 0]]), weights=np.array([1.0, 2.0, 5.0, 3.0]))
    assert g.directed and g.num_self_loops == 1
    np.testing.assert_array_equal(g.out_degree(), [1, 1, 2])
    np.testing.assert_array_equal(g.in_degree(), [1, 1, 2])
    np.testing.assert_allclose(g.out_degree(weighted=True), [1, 2, 8])
    s = g.symmetrize("max")
    assert not s.directed
    np.testing.assert_array_equal(s.to_scipy().toarray(), [[0, 1, 3], [1, 0, 2], [3, 2, 5]])
    mean = ge.as_graph(np.array([[0, 1], [1, 0]]), weights=np.array([1.0, 3.0]), directed=True).symmetrize("mean")
    assert mean.to_scipy()[0, 1] == 2
    r = g.remove_self_loops()
    assert r.num_self_loops == 0 and r.num_edges == 3
    assert g.num_self_loops == 1  # original untouched
    rev = g.reverse()
    np.testing.assert_array_equal(rev.to_scipy().toarray(), g.to_scipy().toarray().T)


def test_k_hop_reachability_on_a_path():
    g = ge.as_graph(both_ways([(0, 1), (1, 2), (2, 3), (3, 4)]))
    within2 = g.k_hop_reachability(2).toarray()
    assert within2[0].tolist() == [False, True, True, False, False]
    assert within2[2].tolist() == [True, True, False, True, True]
    exact2 = g.k_hop_reachability(2, exact=True).toarray()
    assert exact2[0].tolist() == [False, False, True, False, False]
    assert exact2[2].tolist() == [True, False, False, False, True]
    assert g.k_hop_reachability(1, nodes=[4], include_self=True).toarray().tolist() == [[False] * 3 + [True] * 2]
    with pytest.raises(InvalidParameterError):
        g.k_hop_reachability(0)


def test_subgraph_and_summary():
    g = ge.as_graph(both_ways(EDGES))
    s = g.subgraph([2, 3, 4])
    assert s.num_nodes == 3 and s.num_edges == 2 and list(s.node_ids) == [2, 3, 4]
    info = g.summary()
    assert info["nodes"] == 5 and info["edges"] == 5 and info["weakly_connected_components"] == 1


def test_edgelist_file(tmp_path):
    p = tmp_path / "g.txt"
    p.write_text("# comment\n1 2\n2\t3\n\n3 1  # trailing\n", encoding="utf-8")
    g = ge.as_graph(p)
    assert list(g.node_ids) == [1, 2, 3] and g.num_edges == 3 and not g.directed
    p.write_text("a b 1.5\nb c 2\n", encoding="utf-8")
    g = ge.read_edgelist(p, directed=True)
    assert list(g.node_ids) == ["a", "b", "c"] and g.weights.tolist() == [1.5, 2.0]
    p.write_text("a b\nb c d e\n", encoding="utf-8")
    with pytest.raises(InvalidGraphError, match=r"g\.txt:2: expected 'source target \[weight\]'"):
        ge.read_edgelist(p)
    p.write_text("a b 1\nb c -1\n", encoding="utf-8")
    with pytest.raises(InvalidGraphError, match=r"g\.txt:2: weight must be"):
        ge.read_edgelist(p)
    p.write_text("a b\na b\n", encoding="utf-8")
    with pytest.raises(InvalidGraphError, match=r"g\.txt:2"):
        ge.read_edgelist(p, directed=True)
    p.write_text("# only comments\n\n", encoding="utf-8")
    with pytest.raises(InvalidGraphError, match="contains no edges"):
        ge.read_edgelist(p)
