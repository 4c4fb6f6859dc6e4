"""DeepWalk / node2vec: estimator contract, the fused SGNS update against autograd,
word2vec's pairs and unigram table, and embeddings that separate planted communities."""

import networkx as nx
import numpy as np
import pytest
import torch

from graphemb._base import clone
from graphemb.errors import InvalidParameterError
from graphemb.node.skipgram import DeepWalk, Node2Vec, skipgram_pairs, unigram_table


def test_unigram_table_hand_values():
    table = unigram_table(np.array([1, 16, 81]), 0.75, size=36)  # weights 1, 8, 27
    assert np.bincount(table, minlength=3).tolist() == [1, 8, 27]


def test_skipgram_pairs_window_one_and_padding():
    walks = torch.tensor([[0, 1, 2, -1]])
    pairs = skipgram_pairs(walks, 1, torch.Generator().manual_seed(0))
    got = sorted(map(tuple, pairs.T.tolist()))
    assert got == [(0, 1), (1, 0), (1, 2), (2, 1)]


def test_skipgram_pairs_reduced_window_counts():
    walks = torch.arange(50).reshape(1, 50)
    pairs = skipgram_pairs(walks.repeat(200, 1), 4, torch.Generator().manual_seed(1))
    dist = (pairs[0] - pairs[1]).abs()
    assert dist.min() == 1 and dist.max() == 4
    # word2vec's reduced window: P(offset o used) = (w - o + 1) / w, and a walk of length
    # L has 2 (L - o) center positions with a partner at offset o
    c = torch.bincount(dist, minlength=5)[1:].double()
    expected = torch.tensor([200 * 2 * (50 - o) * (4 - o + 1) / 4 for o in range(1, 5)], dtype=torch.float64)
    assert torch.allclose(c, expected, rtol=0.05)


@pytest.mark.parametrize("shared", [None, 3])
def test_fused_update_equals_autograd_gradient(shared):
    torch.manual_seed(0)  # test-only data, not library seeding
    n, d, lr = 12, 5, 0.1
    w_in, w_out = torch.randn(n, d), torch.randn(n, d) * 0.5
    center, context = torch.tensor([0, 3, 3, 7]), torch.tensor([1, 2, 9, 3])
    table = torch.arange(n)
    model = DeepWalk(dim=d, negative=2, shared_negatives=shared)
    a_in, a_out = w_in.clone(), w_out.clone()
    model._sgd_step(a_in, a_out, center, context, table, lr, torch.Generator().manual_seed(5))
    # the same negatives, drawn again from the same generator state
    g = torch.Generator().manual_seed(5)
    k = shared if shared else 2
    neg = table[torch.randint(0, n, (k,) if shared else (4, 2), generator=g)]
    v_in, v_out = w_in.clone().requires_grad_(), w_out.clone().requires_grad_()
    v, u = v_in[center], v_out[context]
    ll = torch.nn.functional.logsigmoid((v * u).sum(1)).sum()
    if shared:
        s = -(v @ v_out[neg].T)
        mask = (neg[None, :] != context[:, None]).float()
        ll = ll + (torch.nn.functional.logsigmoid(s) * mask).sum() * 2 / k
    else:
        s = -torch.einsum("bd,bkd->bk", v, v_out[neg])
        mask = (neg != context[:, None]).float()
        ll = ll + (torch.nn.functional.logsigmoid(s) * mask).sum()
    ll.backward()
    assert torch.allclose(a_in - w_in, lr * v_in.grad, atol=1e-5)
    assert torch.allclose(a_out - w_out, lr * v_out.grad, atol=1e-5)


def planted_partition():
    return nx.planted_partition_graph(2, 30, 0.3, 0.01, seed=3)


def _community_margin(X):
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = Xn @ Xn.T
    same = np.zeros_like(S, dtype=bool)
    same[:30, :30] = same[30:, 30:] = True
    np.fill_diagonal(same, False)
    diff = ~same
    np.fill_diagonal(diff, False)
    return S[same].mean() - S[diff].mean()


SMALL = dict(dim=16, walk_length=10, walks_per_node=4, window=3, epochs=3, batch_size=128, learning_rate=0.05,
             random_state=0, device="cpu")


@pytest.mark.parametrize("model", [
    DeepWalk(**SMALL),
    DeepWalk(shared_negatives=None, **SMALL),
    Node2Vec(p=0.5, q=2.0, **SMALL),
])
def test_embeddings_separate_planted_communities(model):
    G = planted_partition()
    fitted = model.fit(G)
    assert fitted is model
    X = model.embeddings_
    assert X.shape == (60, 16) and X.dtype == np.float32 and np.isfinite(X).all()
    assert list(model.nodes_) == list(G.nodes())
    assert _community_margin(X) > 0.4
    # an untrained (random) embedding has no margin: the assertion above can fail
    assert abs(_community_margin(np.random.default_rng(0).normal(size=(60, 16)))) < 0.1


def test_deterministic_clone_and_params():
    G = nx.karate_club_graph()
    m = Node2Vec(dim=8, p=2.0, walk_length=10, walks_per_node=2, window=3, random_state=4, device="cpu")
    a = m.fit(G).embeddings_
    b = clone(m).fit(G).embeddings_
    assert np.array_equal(a, b)
    assert m.get_params()["p"] == 2.0 and "shared_negatives" in m.get_params()
    c = clone(m).set_params(random_state=5).fit(G).embeddings_
    assert not np.array_equal(a, c)
    assert m.num_pairs_ > 0 and m.walk_time_ >= 0 and m.train_time_ >= 0


def test_validation_errors():
    G = nx.karate_club_graph()
    with pytest.raises(InvalidParameterError, match="window"):
        DeepWalk(window=0).fit(G)
    with pytest.raises(InvalidParameterError, match="q must be"):
        Node2Vec(q=-1.0, device="cpu").fit(G)
    with pytest.raises(InvalidParameterError, match="min_learning_rate"):
        DeepWalk(learning_rate=0.01, min_learning_rate=0.1).fit(G)
    with pytest.raises(InvalidParameterError, match="shared_negatives"):
        DeepWalk(shared_negatives=0).fit(G)


def test_learning_rate_decays_linearly_over_all_epochs(monkeypatch):
    lrs = []
    original = DeepWalk._sgd_step

    def recording(self, w_in, w_out, center, context, table, lr, gen):
        lrs.append(lr)
        return original(self, w_in, w_out, center, context, table, lr, gen)

    monkeypatch.setattr(DeepWalk, "_sgd_step", recording)
    G = nx.karate_club_graph()
    DeepWalk(dim=4, walk_length=10, walks_per_node=2, window=2, epochs=2, batch_size=8, learning_rate=0.1,
             min_learning_rate=0.0001, random_state=0, device="cpu").fit(G)
    lrs = np.array(lrs)
    assert lrs[0] == pytest.approx(0.1)
    assert np.all(np.diff(lrs) <= 1e-12)              # one decay, never reset at an epoch boundary
    half = len(lrs) // 2                               # both epochs see the same number of steps (+-1)
    assert lrs[half] == pytest.approx(0.05, abs=0.004)
    assert lrs[-1] < 0.004


def test_default_epochs_follow_deepwalk_reference():
    # DeepWalk's reference code trains gensim's Word2Vec with its default of 5 epochs
    assert DeepWalk().get_params()["epochs"] == 5 and Node2Vec().get_params()["epochs"] == 5


def test_batch_larger_than_graph_is_capped_and_training_stays_finite():
    # 131 nodes, 2048-pair batches: without the cap every row gets ~15 summed updates per
    # step and the embeddings blow up (norm ~1e11, then NaN).
    from graphemb.datasets import load_graph

    g = load_graph("airports-brazil").graph
    model = Node2Vec(dim=32, p=1.0, q=2.0, window=5, walks_per_node=10, walk_length=40, epochs=1,
                     batch_size=2048, random_state=0, device="cpu").fit(g)
    assert model.batch_size_ == g.num_nodes
    assert np.isfinite(model.embeddings_).all()
    assert np.abs(model.embeddings_).max() < 5.0
