"""Random walks: shapes, edges followed, padding, determinism, and node2vec transition
probabilities against the analytic second-order distribution (chi-square)."""

import numpy as np
import pytest
import torch
from scipy.stats import chisquare

import graphemb.sampling.walks as walks_mod
from graphemb import as_graph
from graphemb.errors import DeviceError, InvalidParameterError
from graphemb.sampling import GraphTensors, iter_random_walks, random_walks, walk_mask

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")

# a small undirected graph with a triangle (0,1,2), a tail and a hub
EDGES = [[0, 0, 1, 1, 2, 2, 3, 3, 4], [1, 2, 2, 3, 3, 4, 4, 5, 5]]


def small_graph(weighted=False):
    w = np.array([1.0, 2.0, 3.0, 1.0, 0.5, 2.0, 1.5, 4.0, 1.0]) if weighted else None
    return as_graph(EDGES, weights=w, directed=False)


def test_shape_columns_and_edges_followed():
    G = small_graph()
    W = random_walks(G, 7, 3, random_state=0, device="cpu")
    assert W.shape == (3 * G.num_nodes, 7) and W.dtype == torch.int64
    assert torch.equal(W[:, 0], torch.arange(G.num_nodes).repeat(3))
    A = G.to_scipy().toarray() > 0
    a, b = W[:, :-1].numpy(), W[:, 1:].numpy()
    assert A[a, b].all()  # every step follows an edge


def test_dead_ends_are_padded_with_minus_one():
    G = as_graph([[0, 1], [1, 2]], directed=True, num_nodes=4)  # 2 and 3 have no out-edges
    W = random_walks(G, 5, 2, random_state=1, device="cpu")
    assert W[0].tolist() == [0, 1, 2, -1, -1]
    assert W[3].tolist() == [3, -1, -1, -1, -1]
    assert torch.equal(walk_mask(W), W >= 0)


def test_deterministic_and_batches_concatenate():
    G = small_graph()
    a = random_walks(G, 10, 4, p=0.5, q=2.0, random_state=7, device="cpu")
    b = random_walks(G, 10, 4, p=0.5, q=2.0, random_state=7, device="cpu")
    assert torch.equal(a, b)
    gen = torch.Generator().manual_seed(3)
    batches = list(iter_random_walks(G, 10, 4, batch_size=5, generator=gen, device="cpu"))
    assert len(batches) == 5 and all(x.shape[0] <= 5 for x in batches)
    assert torch.cat(batches).shape == (24, 10)
    assert not torch.equal(a, random_walks(G, 10, 4, p=0.5, q=2.0, random_state=8, device="cpu"))


def test_start_nodes_and_validation():
    G = small_graph()
    W = random_walks(G, 4, 2, start_nodes=[5, 2], random_state=0, device="cpu")
    assert W[:, 0].tolist() == [5, 2, 5, 2]
    with pytest.raises(InvalidParameterError, match="start_nodes"):
        random_walks(G, 4, start_nodes=[6], device="cpu")
    with pytest.raises(InvalidParameterError, match="walk_length"):
        random_walks(G, 0, device="cpu")
    with pytest.raises(InvalidParameterError, match="p must be"):
        random_walks(G, 3, p=0.0, device="cpu")
    with pytest.raises(InvalidParameterError, match="weighted"):
        random_walks(G, 3, weighted=True, device="cpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError):
            random_walks(G, 3, device="cuda")


def _second_order_counts(G, s, v, p, q, weighted, n_walks, seed):
    W = random_walks(G, 3, n_walks, start_nodes=[s], p=p, q=q, weighted=weighted, random_state=seed, device="cpu")
    sel = W[W[:, 1] == v]
    return np.bincount(sel[:, 2].numpy(), minlength=G.num_nodes)


def _analytic(G, s, v, p, q, weighted):
    A = G.to_scipy().toarray()
    probs = np.zeros(G.num_nodes)
    for x in np.flatnonzero(A[v]):
        alpha = 1 / p if x == s else (1.0 if A[s, x] > 0 else 1 / q)
        probs[x] = alpha * (A[v, x] if weighted else 1.0)
    return probs / probs.sum()


@pytest.mark.parametrize("p,q,weighted", [(0.25, 4.0, False), (4.0, 0.25, False), (0.5, 2.0, True),
                                          (1.0, 1.0, True)])
def test_node2vec_transitions_match_analytic_chi_square(p, q, weighted):
    G = small_graph(weighted)
    s, v = 1, 2  # from 2 (neighbours 0, 1, 3, 4): return to 1, common neighbours 0 and 3, far 4
    counts = _second_order_counts(G, s, v, p, q, weighted, 20000, seed=11)
    probs = _analytic(G, s, v, p, q, weighted)
    support = probs > 0
    assert counts[~support].sum() == 0
    stat = chisquare(counts[support], probs[support] * counts.sum())
    assert stat.pvalue > 1e-3, (counts, probs)


def test_hash_membership_matches_bitmap(monkeypatch):
    rng = np.random.default_rng(0)
    ei = rng.integers(0, 300, size=(2, 2000))
    G = as_graph(ei, directed=True, aggregate="first", num_nodes=300)
    src = torch.as_tensor(rng.integers(0, 300, 5000))
    dst = torch.as_tensor(rng.integers(0, 300, 5000))
    truth = torch.as_tensor(G.to_scipy().toarray()[src.numpy(), dst.numpy()] > 0)
    assert torch.equal(GraphTensors.from_graph(G, "cpu").has_edge(src, dst), truth)
    monkeypatch.setattr(walks_mod, "BITMAP_BYTES", 1)
    gt = GraphTensors.from_graph(G, "cpu")
    assert torch.equal(gt.has_edge(src, dst), truth)
    assert gt._membership.bitmap is None


def test_restart_returns_to_start():
    G = as_graph([[0, 1, 2, 3], [1, 2, 3, 4]], directed=False)  # path
    W = random_walks(G, 30, 200, start_nodes=[0], restart_prob=0.5, random_state=0, device="cpu")
    # with restarts the walk revisits the start far more often than a plain walk
    plain = random_walks(G, 30, 200, start_nodes=[0], random_state=0, device="cpu")
    assert (W == 0).float().mean() > (plain == 0).float().mean() + 0.1
    A = G.to_scipy().toarray() > 0
    a, b = W[:, :-1].numpy(), W[:, 1:].numpy()
    assert (A[a, b] | (b == 0)).all()  # each move is an edge or a restart


def test_uniform_first_order_frequencies():
    G = small_graph()
    W = random_walks(G, 2, 30000, start_nodes=[2], random_state=5, device="cpu")
    counts = np.bincount(W[:, 1].numpy(), minlength=6)[[0, 1, 3, 4]]
    assert chisquare(counts).pvalue > 1e-3


@CUDA
def test_cuda_walks_follow_edges():
    G = small_graph(True)
    W = random_walks(G, 10, 5, p=0.5, q=2.0, random_state=0, device="cuda")
    assert W.device.type == "cuda"
    A = G.to_scipy().toarray() > 0
    Wc = W.cpu().numpy()
    assert A[Wc[:, :-1], Wc[:, 1:]].all()
