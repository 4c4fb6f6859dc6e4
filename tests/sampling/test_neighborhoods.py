"""k-hop neighbourhoods: exact ones against scipy reachability, sampled ones are subsets."""

import networkx as nx
import numpy as np
import pytest
import torch

from graphemb import as_graph
from graphemb.errors import InvalidParameterError
from graphemb.sampling.neighborhoods import khop_neighborhoods, sample_neighborhoods


@pytest.mark.parametrize("directed", [False, True])
def test_exact_matches_reachability_and_distances(directed):
    G = as_graph(nx.gnp_random_graph(60, 0.05, seed=1, directed=directed))
    nb = khop_neighborhoods(G, None, 3, device="cpu")
    for h in (1, 2, 3):
        assert (nb.within(h).to_scipy(60) != G.k_hop_reachability(h)).nnz == 0
        assert (nb.exactly(h).to_scipy(60) != G.k_hop_reachability(h, exact=True)).nnz == 0
    # distances equal networkx shortest-path lengths
    nxg = G.to_networkx()
    for i in (0, 7, 33):
        lengths = nx.single_source_shortest_path_length(nxg, i, cutoff=3)
        row = dict(zip(nb.row(i).tolist(), nb.distances[nb.indptr[i]:nb.indptr[i + 1]].tolist()))
        assert row == {k: v for k, v in lengths.items() if k != i}


def test_path_graph_hand_values_and_include_self():
    G = as_graph([[0, 1, 2, 3], [1, 2, 3, 4]], directed=False)
    nb = khop_neighborhoods(G, [0, 2], 2, include_self=True, device="cpu")
    assert nb.row(0).tolist() == [0, 1, 2] and nb.row(1).tolist() == [0, 1, 2, 3, 4]
    assert nb.distances[nb.indptr[1]:nb.indptr[2]].tolist() == [2, 1, 0, 1, 2]
    with pytest.raises(InvalidParameterError, match="nodes"):
        khop_neighborhoods(G, [9], 1, device="cpu")
    with pytest.raises(InvalidParameterError, match="hops"):
        khop_neighborhoods(G, [0], 0, device="cpu")


def test_sampled_is_subset_and_deterministic():
    G = as_graph(nx.barabasi_albert_graph(300, 3, seed=0))
    nodes = np.arange(0, 300, 7)
    s = sample_neighborhoods(G, nodes, (4, 3), random_state=0, device="cpu")
    exact = khop_neighborhoods(G, nodes, 2, device="cpu")
    S, E = s.to_scipy(300), exact.to_scipy(300)
    assert (S > E).nnz == 0                     # every sampled node is a true 2-hop neighbour
    assert S.nnz < E.nnz                        # and sampling did drop some
    assert (s.row(0).numel() <= 4 + 4 * 3)
    ex_d = {(i, j): d for i in range(len(nodes)) for j, d in
            zip(exact.row(i).tolist(), exact.distances[exact.indptr[i]:exact.indptr[i + 1]].tolist())}
    for i in range(len(nodes)):
        for j, d in zip(s.row(i).tolist(), s.distances[s.indptr[i]:s.indptr[i + 1]].tolist()):
            assert d >= ex_d[(i, j)]            # first-discovery hop bounds the true distance
    s2 = sample_neighborhoods(G, nodes, (4, 3), random_state=0, device="cpu")
    assert torch.equal(s.indices, s2.indices) and torch.equal(s.indptr, s2.indptr)
