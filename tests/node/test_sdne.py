"""SDNE autoencoder: shapes, seeded reproducibility, the loss going down, structure in the codes."""

import networkx as nx
import numpy as np
import pytest

import graphemb as ge
from graphemb.errors import InvalidParameterError
from graphemb.evaluation.restore import node_reconstruction
from graphemb.node.sdne import SDNE


def test_reproducible_and_loss_decreases():
    G = nx.karate_club_graph()
    kw = dict(dim=8, hidden=(32,), epochs=30, batch_size=64, lr=0.01, random_state=3, device="cpu")
    a = SDNE(**kw).fit(G)
    b = SDNE(**kw).fit(G)
    np.testing.assert_array_equal(a.embeddings_, b.embeddings_)
    assert a.embeddings_.shape == (34, 8) and a.embeddings_.dtype == np.float32
    assert a.loss_history_[-1] < 0.8 * a.loss_history_[0]
    c = SDNE(**{**kw, "random_state": 4}).fit(G)
    assert not np.allclose(a.embeddings_, c.embeddings_)
    rec = a.reconstruct([0, 1])
    assert rec.shape == (2, 34) and np.all((rec >= 0) & (rec <= 1))


def test_codes_reconstruct_communities_better_than_chance():
    G = ge.as_graph(nx.connected_caveman_graph(4, 6))
    model = SDNE(dim=8, hidden=(32,), epochs=60, batch_size=32, lr=0.02, alpha=0.5, activation="relu",
                 random_state=0, device="cpu").fit(G)
    res = node_reconstruction(G, model.embeddings_, hops=1, similarity="cosine", global_ks=())
    rand = node_reconstruction(G, np.random.default_rng(0).normal(size=(24, 8)), hops=1, global_ks=())
    assert res.map_within[1] > rand.map_within[1] + 0.2


def test_parameter_validation():
    G = nx.path_graph(4)
    with pytest.raises(InvalidParameterError, match="hidden"):
        SDNE(hidden=5).fit(G)
    with pytest.raises(InvalidParameterError, match="activation"):
        SDNE(activation="gelu").fit(G)
    with pytest.raises(InvalidParameterError, match="epochs"):
        SDNE(epochs=0).fit(G)
