"""Tests of IRWE (graphemb.node.irwe) and its id-free walk features."""

import networkx as nx
import numpy as np
import pytest
import torch

from graphemb.errors import CheckpointError, DeviceError, InvalidParameterError, NotFittedError
from graphemb.graph import as_graph
from graphemb.node._irwe_features import (anonymize_walks, anonymous_patterns, anonymous_walk_distribution,
                                          closed_walk_statistics, exact_step_statistics, feature_scaling,
                                          identity_features, local_clustering, neighbor_max_statistics,
                                          triangle_counts)
from graphemb.node.irwe import IRWE

SMALL = dict(identity_dim=8, position_dim=8, walk_length=6, walks_per_node=4, identity_steps=3, aw_length=3,
             aw_walks_per_node=50, epochs=2, batch_size=64, d_model=16, num_heads=2, num_negatives=8,
             device="cpu")


@pytest.fixture(scope="module")
def karate():
    return as_graph(nx.karate_club_graph(), weight=None)


@pytest.fixture(scope="module")
def fitted(karate):
    return IRWE(random_state=0, **SMALL).fit(karate)


def permuted(graph, seed=1):
    """The same graph with rows in a random order and fresh labels; returns (graph, perm)
    where new row i is old row perm[i]."""
    perm = np.random.default_rng(seed).permutation(graph.num_nodes)
    inverse = np.argsort(perm)
    ei = graph.edge_index(unique=True)
    return as_graph(inverse[ei], num_nodes=graph.num_nodes, directed=False,
                    node_ids=np.arange(100, 100 + graph.num_nodes)), perm


# ----------------------------------------------------------------------- features
def test_anonymous_pattern_vocabulary_is_bell_numbers():
    assert [len(anonymous_patterns(k)) for k in (1, 2, 3, 4)] == [2, 5, 15, 52]
    assert anonymous_patterns(2) == ((0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1), (0, 1, 2))


def test_anonymize_walks_first_visit_ranks_and_padding():
    walks = torch.tensor([[7, 3, 7, 9], [4, 4, 5, -1]])
    assert anonymize_walks(walks).tolist() == [[0, 1, 0, 2], [0, 0, 1, -1]]


def test_anonymous_walk_distribution_counts_patterns_and_dead_ends():
    walks = torch.tensor([[0, 1, 0], [0, 1, 2], [0, 1, 2], [1, 2, -1]])
    dist = anonymous_walk_distribution(walks, torch.tensor([0, 0, 0, 1]), 3, 2)
    # patterns of length 2: 000, 001, 010, 011, 012 and the dead-end bucket
    np.testing.assert_allclose(dist[0], [0, 0, 1 / 3, 0, 2 / 3, 0])
    np.testing.assert_allclose(dist[1], [0, 0, 0, 0, 0, 1])
    np.testing.assert_allclose(dist[2], 0)


def test_exact_step_statistics_on_a_star_by_hand():
    star = as_graph(nx.star_graph(3))  # centre 0 (degree 3), leaves 1..3 (degree 1)
    s = exact_step_statistics(star, 2, weighted=False)
    log4, log2 = np.log(4.0), np.log(2.0)
    # columns: survival, mean log(1+deg), std log(1+deg), mean clustering
    np.testing.assert_allclose(s[0, :, 1], [log4, log2, log4], rtol=1e-6)
    np.testing.assert_allclose(s[1, :, 1], [log2, log4, log2], rtol=1e-6)
    np.testing.assert_allclose(s[:, :, 0], 1.0)
    np.testing.assert_allclose(s[:, :, 2], 0.0, atol=1e-3)
    np.testing.assert_allclose(s[:, :, 3], 0.0)


def test_exact_step_statistics_spread_and_dead_ends():
    # path 0-1-2 plus leaf: from node 1 (neighbours 0 and 2 of degrees 1 and 2) the spread is non-zero
    g = as_graph(nx.Graph([(0, 1), (1, 2), (2, 3)]))
    s = exact_step_statistics(g, 1, weighted=False)
    vals = np.log1p(np.array([1.0, 2.0]))
    assert s[1, 1, 2] == pytest.approx(vals.std(), rel=1e-5)
    directed = as_graph(np.array([[0, 1], [1, 2]]), directed=True, num_nodes=3)
    d = exact_step_statistics(directed, 3, weighted=False)
    assert d[0, :, 0].tolist() == [1.0, 1.0, 1.0, 0.0]  # node 2 has no out-edges: no step 3 from 0


def test_log_triangle_statistic_by_hand():
    # triangle 0-1-2 with a pendant 3 on node 2: triangles (1, 1, 1, 0)
    g = as_graph(nx.Graph([(0, 1), (1, 2), (0, 2), (2, 3)]))
    np.testing.assert_allclose(triangle_counts(g)[1], [1, 1, 1, 0])
    s = exact_step_statistics(g, 1, weighted=False)
    log2 = np.log(2.0)
    np.testing.assert_allclose(s[:, 0, 4], [log2, log2, log2, 0.0], rtol=1e-6)
    # one step from node 2 lands on 0, 1 or 3 with probability 1/3 each
    np.testing.assert_allclose(s[:, 1, 4], [log2, log2, 2 * log2 / 3, log2], rtol=1e-6)


def test_closed_walk_statistics_by_hand():
    # star: centre returns after 2 steps surely, a leaf with probability 1/3; no 3-step returns
    star = closed_walk_statistics(as_graph(nx.star_graph(3)), weighted=False)
    np.testing.assert_allclose(star[:, 0], np.log([1.0, 1 / 3, 1 / 3, 1 / 3]), rtol=1e-6)
    np.testing.assert_allclose(star[:, 1], 0.0)
    # triangle: r2 = 2 * (1/2)^2 = 1/2, r3 = 2 * (1/2)^3 = 1/4, ratio 1/2
    tri = closed_walk_statistics(as_graph(nx.complete_graph(3)), weighted=False)
    np.testing.assert_allclose(tri, [[np.log(0.5), 0.5]] * 3, rtol=1e-6)


def test_feature_scaling_shares_one_scale_for_the_sampled_block():
    raw = np.array([[0.0, 5.0, 0.1, 0.0], [2.0, 5.0, 0.3, 0.4], [4.0, 5.0, 0.2, 0.2]])
    mean, scale = feature_scaling(raw, n_exact=2)
    np.testing.assert_allclose(mean, raw.mean(axis=0), rtol=1e-6)
    assert scale[0] == pytest.approx(raw[:, 0].std()) and scale[1] == 1.0  # constant column keeps 1
    shared = np.sqrt((raw[:, 2].std() ** 2 + raw[:, 3].std() ** 2) / 2)
    np.testing.assert_allclose(scale[2:], [shared, shared], rtol=1e-6)


def test_local_clustering_matches_networkx(karate):
    expected = nx.clustering(nx.karate_club_graph())
    np.testing.assert_allclose(local_clustering(karate), [expected[i] for i in range(34)], rtol=1e-6)


def test_neighbor_max_statistics_by_hand():
    # triangle 0-1-2, pendant 3 on node 0, isolated node 4
    g = nx.Graph([(0, 1), (1, 2), (0, 2), (0, 3)])
    g.add_node(4)
    got = neighbor_max_statistics(as_graph(g))
    # (max log(1+deg), max clustering, max log(1+triangles)) over the neighbours
    expected = [[np.log(3), 1.0, np.log(2)],        # neighbours 1, 2 (deg 2, C 1), 3 (deg 1)
                [np.log(4), 1.0, np.log(2)],        # neighbours 0 (deg 3, C 1/3), 2 (C 1)
                [np.log(4), 1.0, np.log(2)],
                [np.log(4), 1 / 3, np.log(2)],      # neighbour 0 only
                [0.0, 0.0, 0.0]]                    # isolated
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_identity_features_append_neighbor_maxima_before_the_sampled_block(karate):
    cpu = torch.device("cpu")
    plain = identity_features(karate, 2, 3, 20, 5, cpu)
    with_max = identity_features(karate, 2, 3, 20, 5, cpu, neighbor_max=True)
    n_exact = plain.shape[1] - (len(anonymous_patterns(3)) + 1)
    assert with_max.shape[1] == plain.shape[1] + 3
    np.testing.assert_array_equal(with_max[:, :n_exact], plain[:, :n_exact])
    np.testing.assert_array_equal(with_max[:, n_exact:n_exact + 3], neighbor_max_statistics(karate))
    np.testing.assert_array_equal(with_max[:, n_exact + 3:], plain[:, n_exact:])  # same walks, same seed


# ----------------------------------------------------------------------- estimator
def test_default_identity_steps_is_the_one_the_airports_experiment_uses():
    from experiments.airports_irwe import IRWE_PARAMS

    assert IRWE().get_params()["identity_steps"] == IRWE_PARAMS["identity_steps"]


def test_neighbor_max_model_is_equivariant_reproducible_and_saved(karate, tmp_path):
    params = {**SMALL, "aw_length": 0, "neighbor_max": True}
    model = IRWE(random_state=0, **params).fit(karate)
    plain = IRWE(random_state=0, **{**params, "neighbor_max": False}).fit(karate)
    assert model.feature_mean_.shape[0] == plain.feature_mean_.shape[0] + 3
    assert not np.allclose(model.identity_embeddings_, plain.identity_embeddings_)
    np.testing.assert_array_equal(IRWE(random_state=0, **params).fit(karate).embeddings_, model.embeddings_)
    np.testing.assert_array_equal(model.transform(karate), model.embeddings_)
    g2, perm = permuted(karate)
    np.testing.assert_allclose(model.transform(g2, part="identity"), model.identity_embeddings_[perm], atol=1e-4)
    model.save(tmp_path / "m")
    loaded = IRWE.load(tmp_path / "m")
    assert loaded.neighbor_max is True
    np.testing.assert_array_equal(loaded.transform(karate), model.embeddings_)


def test_fit_sets_attributes_and_shapes(fitted, karate):
    assert fitted.identity_embeddings_.shape == (34, 8)
    assert fitted.position_embeddings_.shape == (34, 8)
    assert fitted.embeddings_.shape == (34, 16)
    assert fitted.embeddings_.dtype == np.float32
    np.testing.assert_array_equal(fitted.nodes_, karate.node_ids)
    np.testing.assert_array_equal(fitted.embeddings_[:, :8], fitted.identity_embeddings_)
    assert np.isfinite(fitted.embeddings_).all()
    assert len(fitted.loss_history_) == 2


def test_deterministic_for_a_seed(fitted, karate):
    again = IRWE(random_state=0, **SMALL).fit(karate)
    np.testing.assert_array_equal(again.embeddings_, fitted.embeddings_)
    other = IRWE(random_state=1, **SMALL).fit(karate)
    assert not np.allclose(other.embeddings_, fitted.embeddings_)


def test_transform_on_training_graph_reproduces_fit(fitted, karate):
    np.testing.assert_array_equal(fitted.transform(karate), fitted.embeddings_)
    np.testing.assert_array_equal(fitted.transform(karate, part="identity"), fitted.identity_embeddings_)
    np.testing.assert_array_equal(fitted.transform(karate, part="position"), fitted.position_embeddings_)


def test_isomorphic_graph_gives_permuted_identity_exactly_without_sampled_features(karate):
    model = IRWE(random_state=0, **{**SMALL, "aw_length": 0}).fit(karate)
    g2, perm = permuted(karate)
    ident = model.transform(g2, part="identity")
    np.testing.assert_allclose(ident, model.identity_embeddings_[perm], atol=1e-4)


def test_isomorphic_graph_gives_permuted_identity_up_to_walk_noise(karate):
    model = IRWE(random_state=0, **{**SMALL, "aw_walks_per_node": 60000}).fit(karate)
    g2, perm = permuted(karate)
    ident = model.transform(g2, part="identity")
    ref = model.identity_embeddings_[perm]
    spread = np.linalg.norm(ref - ref.mean(axis=0), axis=1).mean()
    err = np.linalg.norm(ident - ref, axis=1)
    assert err.mean() < 0.05 * spread and err.max() < 0.1 * spread


def test_graph_scaling_makes_roles_independent_of_graph_size(karate):
    # two disjoint copies of karate have the same per-graph feature statistics as one copy, so
    # with feature_scaling="graph" every node keeps its identity embedding
    model = IRWE(random_state=0, **{**SMALL, "aw_length": 0}).fit(karate)
    double = as_graph(nx.disjoint_union(nx.karate_club_graph(), nx.karate_club_graph()), weight=None)
    np.testing.assert_allclose(model.transform(double, part="identity"),
                               np.tile(model.identity_embeddings_, (2, 1)), atol=1e-5)
    # on another graph, "graph" standardises with that graph's statistics and "train" with karate's
    star = as_graph(nx.star_graph(20))
    by_graph = model.transform(star, part="identity")
    by_train = model.set_params(feature_scaling="train").transform(star, part="identity")
    assert not np.allclose(by_graph, by_train, atol=1e-3)
    np.testing.assert_array_equal(model.transform(karate, part="identity"), model.identity_embeddings_)


def test_structurally_equivalent_nodes_share_identity():
    # two stars of 4 leaves joined centre to centre: all leaves are automorphic
    g = as_graph(nx.Graph([(0, 1)] + [(0, i) for i in range(2, 6)] + [(1, i) for i in range(6, 10)]))
    model = IRWE(random_state=0, **{**SMALL, "aw_length": 0, "epochs": 1}).fit(g)
    z = model.identity_embeddings_
    np.testing.assert_allclose(z[2:], np.broadcast_to(z[2], (8, 8)), atol=1e-5)
    assert np.linalg.norm(z[0] - z[2]) > 1e-3


def test_training_lowers_the_loss_and_positions_separate_communities():
    # cliques of sizes 6 and 9 joined by one edge: position similarity is higher inside a clique
    g = nx.disjoint_union(nx.complete_graph(6), nx.complete_graph(9))
    g.add_edge(0, 6)
    model = IRWE(random_state=0, **{**SMALL, "epochs": 12}).fit(g)
    assert np.mean(model.loss_history_[-3:]) < model.loss_history_[0]
    p = model.position_embeddings_
    p = p / np.linalg.norm(p, axis=1, keepdims=True)
    sim = p @ p.T
    a, b = np.arange(1, 6), np.arange(7, 15)  # exclude the bridge ends
    within = (sim[np.ix_(a, a)].mean() + sim[np.ix_(b, b)].mean()) / 2
    assert within > sim[np.ix_(a, b)].mean() + 0.1


def test_transform_new_graph_and_save_load_roundtrip(fitted, tmp_path):
    new = as_graph(nx.les_miserables_graph(), weight=None)
    out = fitted.transform(new)
    assert out.shape == (new.num_nodes, 16) and np.isfinite(out).all()
    fitted.save(tmp_path / "irwe")
    loaded = IRWE.load(tmp_path / "irwe", device="cpu")
    np.testing.assert_array_equal(loaded.embeddings_, fitted.embeddings_)
    np.testing.assert_array_equal(loaded.nodes_, fitted.nodes_)
    np.testing.assert_array_equal(loaded.transform(new), out)
    assert loaded.get_params() == {**fitted.get_params(), "device": "cpu"}


def test_load_rejects_missing_or_foreign_files(tmp_path, fitted):
    with pytest.raises(CheckpointError, match="missing"):
        IRWE.load(tmp_path / "nothing")
    fitted.save(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text('{"format": "other"}')
    with pytest.raises(CheckpointError, match="format"):
        IRWE.load(tmp_path / "m")


@pytest.mark.parametrize("param, value", [("identity_dim", 0), ("walk_length", 1), ("aw_length", 7),
                                          ("feature_scaling", "z"), ("learning_rate", -1.0), ("temperature", 0.0),
                                          ("epochs", 1.5), ("neighbor_max", "yes")])
def test_invalid_parameters_are_named(param, value, karate):
    with pytest.raises(InvalidParameterError, match=param):
        IRWE(**{**SMALL, param: value}).fit(karate)


def test_heads_must_divide_width(karate):
    with pytest.raises(InvalidParameterError, match="num_heads"):
        IRWE(**{**SMALL, "d_model": 10, "num_heads": 4}).fit(karate)


def test_errors_before_fit_and_for_bad_part(fitted, karate):
    with pytest.raises(NotFittedError):
        IRWE().transform(karate)
    with pytest.raises(InvalidParameterError, match="part"):
        fitted.transform(karate, part="both")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without CUDA")
def test_cuda_without_cuda_is_an_error(karate):
    with pytest.raises(DeviceError):
        IRWE(**{**SMALL, "device": "cuda"}).fit(karate)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_runs_on_cuda(karate):
    model = IRWE(random_state=0, **{**SMALL, "device": "cuda"}).fit(karate)
    assert np.isfinite(model.embeddings_).all()
    np.testing.assert_array_equal(model.transform(karate), model.embeddings_)
