"""FastRP: hand-computed examples for both formulations, determinism per node, transform,
chunking, backends, memory estimates, features, isolated nodes, bad parameters, CLI."""

import math
import warnings

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import torch

from graphemb.errors import InvalidParameterError, NotFittedError, OutOfMemoryEstimateError
from graphemb.graph import as_graph
from graphemb.node import FastRP
from graphemb.node._projection import (column_keys, hash_entries, node_hashes, reference_hash_entries,
                                       sign_projection)

# 4-node weighted graph: 0-1 (w=2), 1-2 (w=1), 2-3 (w=1), 0-2 (w=3)
EDGES = np.array([[0, 1, 2, 0], [1, 2, 3, 2]])
WEIGHTS = np.array([2.0, 1.0, 1.0, 3.0])


def small_graph():
    return as_graph(EDGES, weights=WEIGHTS, num_nodes=4, directed=False)


def initial_signs(graph, model, dim, sparsity):
    """Entries in {-1, 0, 1} of the model's random projection for this graph's nodes."""
    h = node_hashes(graph.node_ids, model.random_seed_)
    return sign_projection(h, 0, dim, sparsity, model.random_seed_, dtype=torch.float64).numpy()


def dense_fastrp(A, R, weights, self_infl, normalize, standardize):
    """The algorithm written densely, as on paper."""
    deg = A.sum(1)
    M = A / np.where(deg > 0, deg, 1)[:, None]
    nu = (lambda X: X / np.where(np.linalg.norm(X, axis=1) > 0, np.linalg.norm(X, axis=1), 1)[:, None]) \
        if normalize else (lambda X: X)
    N = self_infl * nu(R)
    U = R
    for w in weights:
        U = M @ U
        N = N + w * nu(U)
    if standardize:
        std = N.std(0)
        N = (N - N.mean(0)) / np.where(std > 0, std, 1)
    return N


def test_torch_hash_matches_numpy_reference():
    h = node_hashes(np.arange(50), seed=7)
    keys = column_keys(3, 40, seed=7)
    got = hash_entries(torch.as_tensor(h.view(np.int64)), torch.as_tensor(keys)).numpy()
    want = reference_hash_entries(h, keys)
    assert np.array_equal(got, want) and want.min() >= 0
    # uniform on [0, 2^63): the mean of the top bits is about 1/2 and no column repeats another
    assert abs((want / 2.0**63).mean() - 0.5) < 0.02
    assert len(np.unique(want)) == want.size


def test_projection_density_signs_and_column_chunks():
    h = node_hashes(np.arange(3000), seed=1)
    R = sign_projection(h, 0, 200, 3.0, seed=1).numpy()
    assert set(np.unique(R)) <= {-1.0, 0.0, 1.0}
    assert abs(np.mean(R != 0) - 1 / 3) < 0.01
    assert abs(np.mean(R[R != 0] > 0) - 0.5) < 0.01
    # columns generated in pieces are the same columns
    assert np.array_equal(R[:, 50:120], sign_projection(h, 50, 120, 3.0, seed=1).numpy())
    # s = 1: every entry non-zero
    assert np.all(sign_projection(h[:10], 0, 16, 1.0, seed=1).numpy() != 0)


def test_hand_computed_path_dim1():
    # path 0-1-2-3, one dimension, s = 1 (entries +-1), no normalisation, no standardisation
    G = as_graph(np.array([[0, 1, 2], [1, 2, 3]]), num_nodes=4, directed=False)
    model = FastRP(dim=1, iteration_weights=(1.0, 2.0), sparsity=1.0, normalize_iterations=False,
                   standardize=False, device="cpu", random_state=3).fit(G)
    r = initial_signs(G, model, 1, 1.0)[:, 0]
    # U1 = M r: neighbour averages; U2 = M U1
    u1 = np.array([r[1], (r[0] + r[2]) / 2, (r[1] + r[3]) / 2, r[2]])
    u2 = np.array([u1[1], (u1[0] + u1[2]) / 2, (u1[1] + u1[3]) / 2, u1[2]])
    assert np.allclose(model.embeddings_[:, 0], u1 + 2 * u2, atol=1e-6)
    # with beta = 1 the initial values are scaled by the degrees (1, 2, 2, 1)
    model_b = FastRP(dim=1, iteration_weights=(1.0,), sparsity=1.0, normalize_iterations=False, standardize=False,
                     normalization_strength=1.0, device="cpu", random_state=3).fit(G)
    x = r * np.array([1, 2, 2, 1])
    assert np.allclose(model_b.embeddings_[:, 0], [x[1], (x[0] + x[2]) / 2, (x[1] + x[3]) / 2, x[2]], atol=1e-6)


def test_paper_formulation_matches_dense_formula():
    G = small_graph()
    model = FastRP(dim=8, iteration_weights=(0.0, 0.5, 1.0, 6.67), normalization_strength=-0.64,
                   device="cpu", random_state=11).fit(G)
    s = math.sqrt(4)
    assert model.sparsity_ == pytest.approx(s)
    A = G.to_scipy().toarray().astype(np.float64)  # weighted degrees: 5, 3, 5, 1
    R = initial_signs(G, model, 8, s) * math.sqrt(s / 8) * (A.sum(1) ** -0.64)[:, None]
    want = dense_fastrp(A, R, (0.0, 0.5, 1.0, 6.67), 0.0, normalize=True, standardize=True)
    assert np.allclose(model.embeddings_, want, atol=1e-5)
    assert np.allclose(model.embeddings_.mean(0), 0, atol=1e-5)


def test_gds_formulation_matches_dense_formula():
    G = small_graph()
    model = FastRP(dim=8, formulation="gds", node_self_influence=0.5, normalization_strength=0.5,
                   device="cpu", random_state=5).fit(G)
    assert model.sparsity_ == 3.0 and model.mean_ is None
    A = G.to_scipy().toarray().astype(np.float64)
    counts = (A > 0).sum(1)  # GDS averages weighted sums by the neighbour count
    R = initial_signs(G, model, 8, 3.0) * math.sqrt(3 / 8) * (counts ** 0.5)[:, None]
    M = A / counts[:, None]  # weighted neighbour sums averaged by the count
    nu = lambda X: X / np.maximum(np.linalg.norm(X, axis=1), 1e-300)[:, None]  # noqa: E731
    want = 0.5 * nu(R) + 0.0 * nu(M @ R) + nu(M @ M @ R) + nu(M @ M @ M @ R)
    assert np.allclose(model.embeddings_, want, atol=1e-5)


def test_gds_defaults():
    cfg = FastRP(formulation="gds")._settings()
    assert cfg["weights"] == (0.0, 1.0, 1.0) and cfg["sparsity"] == 3.0
    assert cfg["self_influence"] == 0.0 and cfg["ratio"] == 0.0 and cfg["beta"] == 0.0
    assert cfg["normalize"] and not cfg["standardize"] and cfg["degree"] == "count"


def test_order_independence_and_relabelled_reload():
    G = nx.barabasi_albert_graph(60, 3, seed=1)
    order = np.random.default_rng(0).permutation(60)
    H = nx.Graph()
    H.add_nodes_from(order.tolist())
    H.add_edges_from(G.edges())
    for form in ("paper", "gds"):
        a = FastRP(dim=16, formulation=form, device="cpu", random_state=2).fit(G)
        b = FastRP(dim=16, formulation=form, device="cpu", random_state=2).fit(H)
        pos = {v: i for i, v in enumerate(b.nodes_.tolist())}
        rows = [pos[v] for v in a.nodes_.tolist()]
        assert np.allclose(a.embeddings_, b.embeddings_[rows], atol=1e-5)
    c = FastRP(dim=16, device="cpu", random_state=3).fit(G)
    assert not np.allclose(a.embeddings_, c.embeddings_)  # the seed matters


def test_transform_reproduces_fit_exactly_and_embeds_new_nodes():
    G = nx.barabasi_albert_graph(80, 3, seed=4)
    for chunk in (None, 5):
        m = FastRP(dim=16, device="cpu", random_state=0, column_chunk_size=chunk).fit(G)
        assert np.array_equal(m.transform(G), m.embeddings_)
    # GDS formulation has no fitted statistics: transform(enlarged graph) == refit on it
    small = G.subgraph(range(70)).copy()
    m = FastRP(dim=16, formulation="gds", device="cpu", random_state=0).fit(small)
    refit = FastRP(dim=16, formulation="gds", device="cpu", random_state=0).fit(G)
    assert np.allclose(m.transform(G), refit.embeddings_, atol=1e-6)
    # recomputed statistics on the fitted graph are the fitted statistics
    paper = FastRP(dim=16, device="cpu", random_state=0).fit(small)
    assert np.allclose(paper.transform(small, statistics="recompute"), paper.embeddings_, atol=1e-5)
    with pytest.raises(InvalidParameterError, match="statistics"):
        paper.transform(small, statistics="mean")
    with pytest.raises(NotFittedError):
        FastRP().transform(G)


def test_chunked_backends_and_dtypes_agree():
    G = nx.barabasi_albert_graph(120, 4, seed=0)
    base = FastRP(dim=24, device="cpu", random_state=1).fit(G).embeddings_
    for kw in ({"column_chunk_size": 7}, {"backend": "scipy"}, {"dtype": "float64"}):
        other = FastRP(dim=24, device="cpu", random_state=1, **kw).fit(G).embeddings_
        assert np.allclose(base, other, atol=1e-4), kw
    # unnormalised with chunks: a single pass per chunk
    a = FastRP(dim=24, normalize_iterations=False, device="cpu", random_state=1).fit(G).embeddings_
    b = FastRP(dim=24, normalize_iterations=False, device="cpu", random_state=1, column_chunk_size=10).fit(G)
    assert np.allclose(a, b.embeddings_, atol=1e-4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_cuda_matches_cpu():
    G = nx.barabasi_albert_graph(200, 3, seed=0)
    a = FastRP(dim=32, device="cpu", random_state=1).fit(G).embeddings_
    b = FastRP(dim=32, device="cuda", random_state=1).fit(G).embeddings_
    assert np.allclose(a, b, atol=1e-4)


def test_memory_estimate_and_budget_errors():
    model = FastRP(dim=128)
    small, big = model.estimate_memory(1000, 10_000), model.estimate_memory(1_000_000, 10_000_000)
    assert 0 < small < big
    # the n x d output alone: 1e6 * 128 * 4 bytes
    assert big > 1_000_000 * 128 * 4
    assert FastRP(dim=128, column_chunk_size=16).estimate_memory(10**6, 10**7) < big
    G = nx.path_graph(50)
    with pytest.raises(OutOfMemoryEstimateError, match="GiB"):
        FastRP(dim=16, device="cpu", max_memory=1000).fit(G)
    # a budget between the chunked and unchunked estimates makes it chunk, same result
    full = FastRP(dim=64, device="cpu", random_state=0).fit(G)
    need = FastRP(dim=64).estimate_memory(50, 98)
    chunked = FastRP(dim=64, device="cpu", random_state=0, max_memory=need - 1).fit(G)
    assert chunked.column_chunk_size_ < 64
    assert np.allclose(full.embeddings_, chunked.embeddings_, atol=1e-4)


def test_isolated_nodes_and_warning():
    G = nx.path_graph(5)
    G.add_node(99)
    m = FastRP(dim=32, device="cpu", random_state=0, sparsity=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        emb = m.fit(G).embeddings_
    assert np.linalg.norm(emb[list(m.nodes_).index(99)]) > 0
    with pytest.warns(UserWarning, match="all-zero"):
        g = FastRP(dim=32, formulation="gds", device="cpu", random_state=0).fit(G)
    assert np.all(g.embeddings_[list(g.nodes_).index(99)] == 0)
    g2 = FastRP(dim=32, formulation="gds", node_self_influence=1.0, device="cpu", random_state=0).fit(G)
    assert np.linalg.norm(g2.embeddings_[list(g2.nodes_).index(99)]) == pytest.approx(1.0, abs=1e-5)


def test_directed_directions():
    G = as_graph(np.array([[0, 1], [1, 2]]), num_nodes=3, directed=True)  # 0 -> 1 -> 2
    kw = dict(dim=4, iteration_weights=(1.0,), sparsity=1.0, normalize_iterations=False, standardize=False,
              device="cpu", random_state=0, isolated_nodes="zero")
    with pytest.warns(UserWarning):
        out = FastRP(direction="out", **kw).fit(G)
    r = initial_signs(G, out, 4, 1.0) * 0.5
    assert np.allclose(out.embeddings_, [r[1], r[2], np.zeros(4)], atol=1e-6)
    with pytest.warns(UserWarning):
        inn = FastRP(direction="in", **kw).fit(G)
    assert np.allclose(inn.embeddings_, [np.zeros(4), r[0], r[1]], atol=1e-6)
    both = FastRP(direction="both", **kw).fit(G)
    assert np.allclose(both.embeddings_, [r[1], (r[0] + r[2]) / 2, r[1]], atol=1e-6)


def test_features_property_ratio():
    G = nx.cycle_graph(12)
    X = np.random.default_rng(0).standard_normal((12, 5))
    kw = dict(dim=8, formulation="gds", iteration_weights=(1.0,), device="cpu", random_state=0)
    dense = FastRP(property_ratio=0.25, **kw).fit(G, X)
    sparse = FastRP(property_ratio=0.25, **kw).fit(G, sp.csr_matrix(X))
    assert np.allclose(dense.embeddings_, sparse.embeddings_, atol=1e-5)
    # property_ratio = 1: only features matter, so node labels do not (fully inductive)
    a = FastRP(property_ratio=1.0, **kw).fit(G, X).embeddings_
    relabelled = nx.relabel_nodes(G, {v: f"n{v}" for v in G})
    b = FastRP(property_ratio=1.0, **kw).fit(relabelled, X).embeddings_
    assert np.allclose(a, b, atol=1e-6)
    with pytest.raises(InvalidParameterError, match="features"):
        FastRP(property_ratio=0.5, **kw).fit(G)
    with pytest.raises(InvalidParameterError, match="property_ratio"):
        FastRP(**kw).fit(G, X)
    with pytest.raises(InvalidParameterError, match="features"):
        FastRP(property_ratio=0.5, **kw).fit(G, X[:5])


@pytest.mark.parametrize("name, value", [
    ("dim", 0), ("dim", 2.5), ("iteration_weights", ()), ("iteration_weights", (1.0, float("nan"))),
    ("iteration_weights", "abc"), ("normalization_strength", "x"), ("node_self_influence", float("inf")),
    ("formulation", "neo4j"), ("sparsity", 0.5), ("sparsity", "cube"), ("normalize_iterations", 1),
    ("standardize", "yes"), ("direction", "up"), ("weighted", None), ("property_ratio", 1.5),
    ("isolated_nodes", "drop"), ("random_state", -1), ("device", "tpu"), ("dtype", "float16"),
    ("backend", "numba"), ("column_chunk_size", 0), ("max_memory", -5), ("verbose", "no"),
])
def test_bad_parameters_name_themselves(name, value):
    with pytest.raises(InvalidParameterError, match=name):
        FastRP(**{name: value}).fit(nx.path_graph(4))


def test_all_zero_weights_rejected():
    with pytest.raises(InvalidParameterError, match="iteration_weights"):
        FastRP(iteration_weights=(0.0, 0.0)).fit(nx.path_graph(4))


def test_joint_logistic_solver_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    from graphemb.evaluation.node_classification import fit_one_vs_rest_logistic

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6))
    Y = np.stack([X[:, 0] + rng.standard_normal(300) > 0, X[:, 1] - X[:, 2] > 0.3], axis=1)
    W = fit_one_vs_rest_logistic(X, Y, C=0.1, tol=1e-9)
    for j in range(2):
        ref = LogisticRegression(C=0.1, tol=1e-8, max_iter=1000).fit(X, Y[:, j])
        assert np.allclose(W[:-1, j], ref.coef_[0], atol=1e-4)
        assert W[-1, j] == pytest.approx(ref.intercept_[0], abs=1e-4)


def test_liblinear_protocol_matches_direct_sklearn_and_bad_solver_named():
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.multiclass import OneVsRestClassifier

    from graphemb.evaluation import evaluate_node_classification
    from graphemb.evaluation.node_classification import top_k_predictions
    from graphemb.utils.random import check_random_state

    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 5))
    Y = np.stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0.5, X[:, 3] < -0.4], axis=1)
    Y[~Y.any(axis=1), 0] = True
    res = evaluate_node_classification(X, Y, train_ratios=(0.5,), shuffles=1, C=0.1, random_state=3,
                                       solver="liblinear")
    perm = check_random_state(3).permutation(np.arange(200))
    tr, te = perm[:100], perm[100:]
    clf = OneVsRestClassifier(LogisticRegression(C=0.1, solver="liblinear")).fit(X[tr], Y[tr])
    pred = top_k_predictions(clf.predict_proba(X[te]), Y[te].sum(axis=1).astype(np.int64))
    assert res.micro_f1[0.5] == pytest.approx(f1_score(sp.csr_matrix(Y[te]), pred, average="micro"))
    with pytest.raises(InvalidParameterError, match="solver"):
        evaluate_node_classification(X, Y, solver="newton")


def test_cli_writes_embeddings_ids_and_word2vec(tmp_path):
    from graphemb.cli import main

    edges = tmp_path / "g.txt"
    edges.write_text("a b\nb c\nc d\nd a\na c\n")
    out = tmp_path / "emb.npy"
    rc = main(["fastrp", str(edges), "--dim", "8", "--out", str(out), "--word2vec", str(tmp_path / "emb.txt"),
               "--random-state", "1", "--device", "cpu"])
    assert rc == 0
    emb = np.load(out)
    ids = (tmp_path / "emb.nodes.txt").read_text().split()
    assert emb.shape == (4, 8) and ids == ["a", "b", "c", "d"]
    lines = (tmp_path / "emb.txt").read_text().splitlines()
    assert lines[0] == "4 8" and lines[1].split()[0] == "a"
    assert np.allclose([float(v) for v in lines[1].split()[1:]], emb[0], atol=1e-5)
