"""HOPE with Katz proximity: exact truncated SVD of S = (I - bA)^-1 bA, dense and operator paths."""

import networkx as nx
import numpy as np
import pytest

import graphemb as ge
from graphemb.errors import InvalidParameterError, NotFittedError
from graphemb.node.hope import HOPE, KatzOperator, spectral_radius


def _katz(A, beta):
    n = A.shape[0]
    return np.linalg.solve(np.eye(n) - beta * A, beta * A)


def test_matches_truncated_svd_of_katz_matrix():
    nxg = nx.gnp_random_graph(40, 0.1, seed=4, directed=True)
    G = ge.as_graph(nxg)
    A = G.to_scipy().toarray().astype(float)
    rho = np.max(np.abs(np.linalg.eigvals(A)))
    hope = HOPE(dim=10, beta_ratio=0.5).fit(G)
    assert hope.spectral_radius_ == pytest.approx(rho, rel=1e-8)
    S = _katz(A, 0.5 / rho)
    U, sig, Vt = np.linalg.svd(S)
    np.testing.assert_allclose(hope.singular_values_, sig[:5], rtol=1e-8)
    best = (U[:, :5] * sig[:5]) @ Vt[:5]
    np.testing.assert_allclose(hope.proximity(), best, atol=1e-5)
    assert hope.embeddings_.shape == (40, 10) and hope.embeddings_.dtype == np.float32
    # asymmetric: source and target vectors differ on a directed graph
    assert not np.allclose(hope.source_embeddings_, hope.target_embeddings_)


def test_operator_path_equals_dense_path():
    G = ge.as_graph(nx.gnp_random_graph(120, 0.05, seed=1))
    dense = HOPE(dim=8, dense_threshold=10_000).fit(G)
    sparse = HOPE(dim=8, dense_threshold=0, tol=1e-10).fit(G)
    np.testing.assert_allclose(sparse.singular_values_, dense.singular_values_, rtol=1e-6)
    np.testing.assert_allclose(sparse.proximity(), dense.proximity(), atol=1e-5)
    A = G.to_scipy().astype(float)
    op = KatzOperator(A, 0.1 / spectral_radius(A))
    x = np.random.default_rng(0).normal(size=120)
    np.testing.assert_allclose(op @ x, _katz(A.toarray(), 0.1 / spectral_radius(A)) @ x, atol=1e-9)


def test_katz_embedding_reconstructs_graph_well():
    G = ge.as_graph(nx.connected_caveman_graph(6, 6))
    hope = HOPE(dim=24, beta=0.02).fit(G)
    from graphemb.evaluation.restore import node_reconstruction

    res = node_reconstruction(G, (hope.source_embeddings_, hope.target_embeddings_), hops=1, global_ks=())
    rand = node_reconstruction(G, np.random.default_rng(0).normal(size=(36, 24)), hops=1, global_ks=())
    assert res.map_within[1] > 0.9 > rand.map_within[1]


def test_parameter_validation():
    G = ge.as_graph(nx.cycle_graph(6))
    with pytest.raises(InvalidParameterError, match="beta"):
        HOPE(dim=4, beta=0.6).fit(G)  # rho = 2: needs beta < 0.5
    with pytest.raises(InvalidParameterError, match="dim"):
        HOPE(dim=3).fit(G)
    with pytest.raises(InvalidParameterError, match="dim"):
        HOPE(dim=20).fit(G)
    with pytest.raises(NotFittedError):
        HOPE().proximity()
    assert HOPE(dim=4).get_params()["beta_ratio"] == 0.5
