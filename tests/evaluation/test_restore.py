"""RESTORE reconstruction metrics: hand-computed AP, perfect and random embeddings, the
undirected double-counting and self-pair mistakes, hop distances, KG reconstruction."""

import networkx as nx
import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

import graphemb as ge
from graphemb.errors import InvalidParameterError
from graphemb.evaluation.restore import (HopDistances, global_precision_at_k, kg_reconstruction, kg_to_graph,
                                         node_reconstruction, rank_codes)
from graphemb.kg import KnowledgeGraph

PATH5 = ge.as_graph([[0, 1, 2, 3], [1, 2, 3, 4]], directed=False)
# a hand-made score matrix for the path 0-1-2-3-4 (diagonal never used)
S5 = np.array([
    [9.0, 0.2, 0.9, 0.5, 0.1],
    [0.7, 9.0, 0.1, 0.9, 0.3],
    [0.9, 0.8, 9.0, 0.3, 0.1],
    [0.1, 0.2, 0.8, 9.0, 0.7],
    [0.5, 0.4, 0.3, 0.2, 9.0],
])


def decoder5(rows):
    return torch.as_tensor(S5[rows.cpu().numpy()], dtype=torch.float32)


def test_hand_computed_ap_on_five_node_path():
    res = node_reconstruction(PATH5, decoder5, hops=2, ks=(1, 2), global_ks=(), return_per_node=True)
    # 1 hop: u0 ranks 2,3,1 -> 1/3; u1: 3,0,4,2 -> (1/2 + 2/4)/2; u2: 0,1,3 -> (1/2 + 2/3)/2; u3: 2,4 -> 1;
    # u4: 0,1,2,3 -> 1/4
    expected = [1 / 3, 1 / 2, 7 / 12, 1.0, 1 / 4]
    np.testing.assert_allclose(res.per_node_ap["within_1"], expected, atol=1e-6)
    assert res.map_within[1] == pytest.approx(8 / 15, abs=1e-6)
    # exactly 2 hops: u0 {2} rank 1; u1 {3} rank 1; u2 {0,4} ranks 1,4 -> 3/4; u3 {1} rank 3; u4 {2} rank 3
    np.testing.assert_allclose(res.per_node_ap["exact_2"], [1, 1, 0.75, 1 / 3, 1 / 3], atol=1e-6)
    assert res.map_exact[2] == pytest.approx(41 / 60, abs=1e-6)
    # precision@1 at 1 hop: only u3's top node (2) is a neighbour; @2: u1 1/2, u2 1/2, u3 1
    assert res.precision_at_k[1][1] == pytest.approx(0.2)
    assert res.precision_at_k[1][2] == pytest.approx(0.4)
    # within 2 hops agrees with scikit-learn row by row
    D = np.array(nx.floyd_warshall_numpy(nx.path_graph(5)))
    for u in range(5):
        m = np.arange(5) != u
        ref = average_precision_score((D[u, m] <= 2), S5[u, m])
        assert res.per_node_ap["within_2"][u] == pytest.approx(ref, abs=1e-6)
    assert res.queries_exact[2] == 5 and res.num_queries == 5 and not res.sampled


def test_ap_matches_sklearn_with_ties():
    rng = np.random.default_rng(3)
    for _ in range(50):
        m = int(rng.integers(4, 40))
        scores = rng.integers(0, 4, size=(3, m)).astype(np.float32)  # many ties
        codes = rng.integers(1, 4, size=(3, m)).astype(np.int32)
        codes[:, 0] = 0  # excluded item
        stats = rank_codes(scores, codes, 2, ks=(1, 3))
        for b in range(3):
            y = (codes[b, 1:] >= 1) & (codes[b, 1:] <= 2)
            if y.any():
                assert stats.ap([1, 2])[b] == pytest.approx(average_precision_score(y, scores[b, 1:]), abs=1e-6)
            s = scores[b, 1:]
            for k in (1, 3):
                if k > m - 1:
                    continue
                t = np.sort(s)[::-1][k - 1]
                gt, eq = s > t, s == t
                expected = (y[gt].sum() + (k - gt.sum()) * y[eq].sum() / eq.sum()) / k
                assert stats.precision_at(k, [1, 2])[b] == pytest.approx(expected, abs=1e-6)


def test_perfect_embedding_adjacency_rows_and_powers():
    G = ge.as_graph(nx.gnp_random_graph(60, 0.08, seed=2))
    A = G.to_scipy().toarray()
    eye = np.eye(G.num_nodes)
    res = node_reconstruction(G, (A, eye), hops=2, global_ks=(10, G.num_edges))
    assert res.map_within[1] == pytest.approx(1.0)
    assert res.precision_at_k[1][1] == pytest.approx(1.0)
    assert res.global_precision_at_k[G.num_edges] == pytest.approx(1.0)
    res2 = node_reconstruction(G, (A + A @ A, eye), hops=2, global_ks=())
    assert res2.map_within[2] == pytest.approx(1.0)
    assert res2.map_within[1] < 1.0


def test_random_embedding_near_analytic_expectation():
    G = ge.as_graph(nx.gnp_random_graph(500, 0.04, seed=5))
    X = np.random.default_rng(0).normal(size=(500, 64))
    res = node_reconstruction(G, X, hops=1, global_ks=(), return_per_node=True)
    N = G.num_nodes - 1
    H = np.sum(1.0 / np.arange(1, N + 1))
    R = G.degree()
    ok = R > 0
    expected = (H + (R[ok] - 1) / (N - 1) * (N - H)) / N  # E[AP] of a uniformly random ranking
    assert res.map_within[1] == pytest.approx(expected.mean(), rel=0.1)
    assert res.map_within[1] < 0.1


def test_no_undirected_double_counting_and_no_self_pairs():
    # two disjoint triangles; rows of A + I: neighbours have cosine 1 (= self), others 0
    G = ge.as_graph([[0, 1, 0, 3, 4, 3], [1, 2, 2, 4, 5, 5]], directed=False)
    X = G.to_scipy().toarray() + np.eye(6)
    res = node_reconstruction(G, X, hops=1, similarity="cosine", ks=(1, 2), global_ks=(6, 12))
    assert res.map_within[1] == pytest.approx(1.0)
    assert res.precision_at_k[1][1] == pytest.approx(1.0)  # self would tie for the top otherwise
    assert res.precision_at_k[1][2] == pytest.approx(1.0)
    assert res.global_precision_at_k[6] == pytest.approx(1.0)
    # 6 edges among the 15 unordered pairs: top 12 holds 6 edges (a double-counting version says 1.0)
    assert res.global_precision_at_k[12] == pytest.approx(0.5)
    directed = ge.as_graph([[0, 1, 0, 3, 4, 3], [1, 2, 2, 4, 5, 5]], directed=True)
    gp = global_precision_at_k(directed, (directed.to_scipy().toarray(), np.eye(6)), ks=(6, 7))
    assert gp[6] == pytest.approx(1.0) and gp[7] == pytest.approx(6 / 7)


def test_hop_distances_bitset_and_bfs_agree_with_networkx():
    nxg = nx.gnp_random_graph(150, 0.02, seed=7, directed=True)
    G = ge.as_graph(nxg)
    rows = np.arange(0, 150, 7)
    d_bits = HopDistances(G, 3, method="bitset")(rows)
    d_bfs = HopDistances(G, 3, method="bfs")(rows)
    np.testing.assert_array_equal(d_bits, d_bfs)
    for i, u in enumerate(rows):
        sp_len = nx.single_source_shortest_path_length(nxg, int(u), cutoff=3)
        expect = np.full(150, 4)
        for v, d in sp_len.items():
            expect[v] = d
        np.testing.assert_array_equal(d_bits[i], expect)


def test_sampled_queries_report_confidence_interval():
    G = ge.as_graph(nx.gnp_random_graph(200, 0.05, seed=1))
    X = np.random.default_rng(1).normal(size=(200, 8))
    a = node_reconstruction(G, X, hops=2, n_queries=50, random_state=3, global_ks=())
    b = node_reconstruction(G, X, hops=2, n_queries=50, random_state=3, global_ks=())
    assert a.sampled and a.num_queries == 50 and a.ci_within[1] > 0
    assert a.map_within == b.map_within
    full = node_reconstruction(G, X, hops=2, global_ks=())
    assert abs(a.map_within[2] - full.map_within[2]) < 4 * a.ci_within[2] + 1e-9
    assert full.ci_within[2] == 0.0


def test_similarities_and_sklearn_agreement_on_real_graph(shared_root):
    G = ge.datasets.load_graph("airports-brazil").graph
    X = np.random.default_rng(0).normal(size=(G.num_nodes, 16))
    res = node_reconstruction(G, X, hops=1, similarity="euclidean", global_ks=(), return_per_node=True)
    A = G.to_scipy().toarray() > 0
    np.fill_diagonal(A, False)
    D = -np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    for u in range(0, G.num_nodes, 13):
        m = np.arange(G.num_nodes) != u
        if A[u, m].any():
            ref = average_precision_score(A[u, m], D[u, m])
            assert res.per_node_ap["within_1"][u] == pytest.approx(ref, abs=1e-5)


def test_bad_input_errors_name_the_parameter():
    with pytest.raises(InvalidParameterError, match="embeddings"):
        node_reconstruction(PATH5, np.zeros((4, 2)))
    with pytest.raises(InvalidParameterError, match="hops"):
        node_reconstruction(PATH5, np.zeros((5, 2)), hops=0)
    with pytest.raises(InvalidParameterError, match="similarity"):
        node_reconstruction(PATH5, np.zeros((5, 2)), similarity="manhattan")
    with pytest.raises(InvalidParameterError, match="NaN"):
        node_reconstruction(PATH5, np.full((5, 2), np.nan))
    with pytest.raises(InvalidParameterError, match="decoder"):
        node_reconstruction(PATH5, lambda rows: torch.zeros(len(rows), 3))


def _toy_kg():
    train = [("a", "likes", "b"), ("a", "likes", "c"), ("b", "likes", "c"), ("c", "is", "d"), ("d", "is", "d")]
    return KnowledgeGraph.from_labeled_triples(train)


def test_kg_to_graph_and_typed_reconstruction():
    kg = _toy_kg()
    G = kg_to_graph(kg)
    assert G.num_nodes == 4 and G.num_edges == 4 and not G.directed  # (d, is, d) self-loop dropped
    truth = np.zeros((kg.num_entities, kg.num_relations, kg.num_entities))
    for h, r, t in kg.train:
        truth[h, r, t] = 1.0

    def perfect(h, r, t):
        return torch.as_tensor(truth[h.cpu().numpy(), r.cpu().numpy()][:, t.cpu().numpy()])

    res = kg_reconstruction(kg, perfect, ks=(1,))
    assert res.map == pytest.approx(1.0)
    # queries: (a, likes), (b, likes), (c, is); (d, is) only has d itself -> no relevant tail
    assert res.num_queries == 3
    assert set(res.map_per_relation) == {"likes", "is"}
    worst = kg_reconstruction(kg, lambda h, r, t: -perfect(h, r, t), ks=(1,))
    # (a, likes): b, c tie at ranks 2-3 behind d -> both get precision 2/3; the others: last of 3 -> 1/3
    assert worst.map == pytest.approx((2 / 3 + 1 / 3 + 1 / 3) / 3)
    with pytest.raises(InvalidParameterError, match="score_fn"):
        kg_reconstruction(kg, lambda h, r, t: torch.zeros(len(h), 2))


def test_typed_reconstruction_with_a_trained_kge_model(shared_root):
    from graphemb import kge

    kg = ge.datasets.load_kg("umls")
    model = kge.train(kg, model="distmult", dim=32, epochs=10, lr=0.05, batch_size=512, device="cpu", random_state=0)
    trained = kg_reconstruction(kg, model, n_queries=200, random_state=0)
    rng = np.random.default_rng(0)
    noise = kg_reconstruction(kg, lambda h, r, t: torch.as_tensor(rng.normal(size=(len(h), len(t)))),
                              n_queries=200, random_state=0)
    assert trained.sampled and trained.num_queries <= 200 and trained.ci > 0
    assert trained.map > noise.map + 0.3
