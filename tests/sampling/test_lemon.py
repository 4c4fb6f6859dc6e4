"""LEMON negative sampler: cluster membership, validity, filtering, fallback, seeding."""

import argparse

import numpy as np
import pytest
import torch

from graphemb.errors import InvalidParameterError, InvalidTriplesError, NotFittedError
from graphemb.kg import KnowledgeGraph
from graphemb.sampling.clustering import kmeans, nearest_clusters, torch_kmeans
from graphemb.sampling.lemon import (DEFAULT_MAX_ANSWERS, DEFAULT_RELATION_CATEGORIES, DEFAULT_UNIFORM_RATIO,
                                     LemonNegativeSampler, add_lemon_arguments, lemon_sampler_from_args,
                                     mapping_categories)

GROUPS = {
    "fruit": ["apple", "banana", "cherry", "grape", "mango", "pear"],
    "vehicle": ["car", "truck", "bus", "bicycle", "tram", "van"],
    "animal": ["dog", "cat", "horse", "cow", "sheep", "goat"],
}
TEXT = {"fruit": "sweet fruit grows on a tree", "vehicle": "vehicle with wheels drives on a road",
        "animal": "animal mammal lives on a farm"}


class WordCountEncoder:
    """Bag of words over a fixed vocabulary: texts of one group share their words."""

    name = "test-bow"

    def encode(self, texts):
        vocab = sorted({w for t in texts for w in t.split()})
        col = {w: i for i, w in enumerate(vocab)}
        x = np.zeros((len(texts), len(vocab)), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.split():
                x[i, col[w]] += 1.0
        return x


def crafted_kg(missing=()):
    """18 entities in 3 text groups; a chain of 'next' triples inside and across groups."""
    names = [e for g in GROUPS.values() for e in g]
    triples = [(names[i], "next", names[(i + 1) % len(names)]) for i in range(len(names))]
    triples += [(names[i], "other", names[(i + 5) % len(names)]) for i in range(len(names))]
    kg = KnowledgeGraph.from_labeled_triples(triples, name="crafted")
    group_of = {e: g for g, es in GROUPS.items() for e in es}
    kg.entity_text = {"name": [None if lab in missing else f"{lab} {TEXT[group_of[lab]]}"
                               for lab in kg.entities.labels]}
    group_id = np.array([list(GROUPS).index(group_of[lab]) for lab in kg.entities.labels])
    return kg, group_id


def make(kg, **kw):
    """Cluster negatives only (``uniform_ratio=0``) unless told: the tests check the pools exactly."""
    params = dict(num_negatives=16, encoder=WordCountEncoder(), n_clusters=3, n_nearest_clusters=1,
                  n_components=2, uniform_ratio=0.0, random_state=0, device="cpu")
    params.update(kw)
    return LemonNegativeSampler(kg, **params).fit()


def sides(pos, neg):
    """Which column changed per negative (0 head, 2 tail) and the new and old entities."""
    changed = neg != pos.unsqueeze(1)
    assert (changed.sum(-1) == 1).all()
    assert not changed[..., 1].any()
    head = changed[..., 0]
    new = torch.where(head, neg[..., 0], neg[..., 2])
    kept = torch.where(head, pos[:, 2:3].expand_as(new), pos[:, 0:1].expand_as(new))
    old = torch.where(head, pos[:, 0:1].expand_as(new), pos[:, 2:3].expand_as(new))
    return head, new, kept, old


def test_clusters_recover_text_groups():
    kg, group = crafted_kg()
    s = make(kg)
    # each k-means cluster is exactly one text group
    for c in range(3):
        assert len(set(group[s.labels_ == c])) == 1
    assert sorted(s.cluster_sizes_.tolist()) == [6, 6, 6]
    assert s.n_without_text_ == 0
    assert (s.nearest_clusters_[:, 0] == s.labels_).all()


@pytest.mark.parametrize("anchor", ["kept", "replaced"])
def test_negatives_come_from_anchor_cluster(anchor):
    kg, group = crafted_kg()
    s = make(kg, anchor=anchor, filtered=False)
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos, torch.Generator().manual_seed(1))
    assert neg.shape == (len(pos), 16, 3) and neg.dtype == torch.int64
    _, new, kept, old = sides(pos, neg)
    ref = kept if anchor == "kept" else old
    assert (torch.as_tensor(group)[new] == torch.as_tensor(group)[ref]).all()
    assert (new != old).all()
    assert s.stats_["lemon"] == neg.shape[0] * neg.shape[1]


def test_candidates_uniform_within_pool():
    kg, group = crafted_kg()
    s = make(kg, num_negatives=600, filtered=False, corrupt="tail", anchor="kept")
    apple = kg.entities.id("apple")
    pos = torch.as_tensor(kg.train[kg.train[:, 0] == apple][:1])  # (apple, r, t): tails from apple's cluster
    neg = s.corrupt(pos, torch.Generator().manual_seed(0))
    counts = torch.bincount(neg[0, :, 2], minlength=kg.num_entities)
    old = int(pos[0, 2])
    pool = [i for i in np.flatnonzero(group == group[apple]) if i != old]
    assert counts[pool].sum() == 600 and counts[old] == 0
    # 600 draws over the pool's members: each near 600 / |pool|
    expected = 600 / len(pool)
    assert counts[pool].min() > 0.5 * expected and counts[pool].max() < 1.5 * expected


def test_two_nearest_clusters_widen_pool():
    kg, group = crafted_kg()
    s = make(kg, n_nearest_clusters=2, filtered=False, corrupt="tail")
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos, torch.Generator().manual_seed(0))
    new_groups = torch.as_tensor(group)[neg[..., 2]]
    head_groups = torch.as_tensor(group)[pos[:, 0]]
    allowed = torch.as_tensor(group)[torch.as_tensor(s.nearest_clusters_)]  # group of each nearest cluster's members
    # cluster ids map 1:1 to groups here, so translate nearest clusters to groups through labels_
    cluster_group = {int(s.labels_[i]): int(group[i]) for i in range(kg.num_entities)}
    near_groups = torch.as_tensor([[cluster_group[int(c)] for c in row] for row in s.nearest_clusters_])
    ok = (new_groups.unsqueeze(-1) == near_groups[pos[:, 0]].unsqueeze(1)).any(-1)
    assert ok.all() and allowed.shape == (kg.num_entities, 2)
    assert (new_groups != head_groups.unsqueeze(1)).any()  # the second cluster is used


def test_filtering_never_returns_known_triples():
    kg, _ = crafted_kg()
    s = make(kg, filtered=True, num_negatives=32)
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos, torch.Generator().manual_seed(3)).reshape(-1, 3).numpy()
    assert not kg.filter_index(("train",), reciprocal=False).contains(neg).any()
    assert s.stats_["unresolved"] == 0


def test_filtering_dense_graph_uses_fallback():
    # a complete bipartite relation: most in-cluster candidates complete a true triple
    ents = [f"e{i}" for i in range(12)]
    triples = [(a, "r", b) for a in ents[:6] for b in ents[:6] if a != b] + [(ents[6], "r", ents[7])]
    triples += [(ents[i], "s", ents[i + 1]) for i in range(11)]
    kg = KnowledgeGraph.from_labeled_triples(triples, name="dense")
    kg.entity_text = {"name": [f"{lab} alpha beta" if int(lab[1:]) < 6 else f"{lab} gamma delta"
                               for lab in kg.entities.labels]}
    s = LemonNegativeSampler(kg, 8, encoder=WordCountEncoder(), n_clusters=2, n_nearest_clusters=1,
                             anchor="replaced", uniform_ratio=0.0, random_state=0, max_rounds=3).fit()
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos, torch.Generator().manual_seed(0))
    sides(pos, neg)
    assert not kg.filter_index(("train",), reciprocal=False).contains(neg.reshape(-1, 3).numpy()).any()
    assert s.stats_["fallback"] > 0


def test_entities_without_text_fall_back_to_uniform():
    kg, group = crafted_kg(missing=("apple", "car"))
    s = make(kg, filtered=False, num_negatives=64, corrupt="tail")
    assert s.n_without_text_ == 2
    apple, car = kg.entities.id("apple"), kg.entities.id("car")
    assert s.labels_[apple] == -1 and s.labels_[car] == -1
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos, torch.Generator().manual_seed(0))
    _, new, kept, old = sides(pos, neg)
    from_apple = new[pos[:, 0] == apple]
    assert len(set(group[from_apple.flatten().numpy()].tolist())) == 3  # uniform: every group
    n_anchor_no_text = int((pos[:, 0] == apple).sum() + (pos[:, 0] == car).sum()) * 64
    assert s.stats_["uniform_no_text"] == n_anchor_no_text
    # entities without text are never in a cluster pool: reachable from texted anchors only never
    texted = ~torch.isin(pos[:, 0], torch.tensor([apple, car]))
    assert not torch.isin(new[texted], torch.tensor([apple, car])).any()


def test_similarity_threshold():
    kg, _ = crafted_kg()
    s = make(kg, filtered=False, n_nearest_clusters=3, similarity_threshold=0.95, num_negatives=32)
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos, torch.Generator().manual_seed(0))
    head, new, kept, old = sides(pos, neg)
    z = torch.as_tensor(s.reduced_embeddings_)
    z = z / z.norm(dim=1, keepdim=True)
    sim = (z[kept] * z[new]).sum(-1)
    lemon_share = s.stats_["lemon"] / new.numel()
    assert lemon_share > 0.5
    # every negative below the threshold is one of the counted uniform fallbacks
    assert int((sim < 0.95).sum()) <= s.stats_["fallback"]


def test_uniform_ratio_and_bernoulli():
    kg, _ = crafted_kg()
    s = make(kg, filtered=False, uniform_ratio=1.0)
    s.corrupt(torch.as_tensor(kg.train), torch.Generator().manual_seed(0))
    assert s.stats_["lemon"] == 0 and s.stats_["uniform_mixed"] == len(kg.train) * 16
    s = make(kg, filtered=False, uniform_ratio=0.5, num_negatives=200)
    s.corrupt(torch.as_tensor(kg.train), torch.Generator().manual_seed(0))
    share = s.stats_["uniform_mixed"] / (len(kg.train) * 200)
    assert 0.45 < share < 0.55
    s = make(kg, filtered=False, corrupt="head")
    pos = torch.as_tensor(kg.train)
    head, *_ = sides(pos, s.corrupt(pos, torch.Generator().manual_seed(0)))
    assert head.all()


def test_default_mixes_cluster_and_uniform_negatives_evenly():
    kg, group = crafted_kg()
    s = LemonNegativeSampler(kg, 400, encoder=WordCountEncoder(), n_clusters=3, n_nearest_clusters=1,
                             filtered=False, corrupt="tail", random_state=0, device="cpu").fit()
    assert s.uniform_ratio == DEFAULT_UNIFORM_RATIO == 0.5
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos, torch.Generator().manual_seed(0))
    total = neg.shape[0] * neg.shape[1]
    assert s.stats_["lemon"] + s.stats_["fallback"] + s.stats_["uniform_mixed"] == total
    assert 0.47 < s.stats_["uniform_mixed"] / total < 0.53
    # cluster negatives stay in the head's group (6 members); a uniform one is any of the 17 entities
    # but the replaced tail, so it lands in the head's group with probability (6 - [tail in it]) / 17
    _, new, kept, old = sides(pos, neg)
    g = torch.as_tensor(group)
    same = (g[new] == g[kept]).float().mean().item()
    tail_in = (g[pos[:, 2]] == g[pos[:, 0]]).float()
    expected = (0.5 + 0.5 * (6 - tail_in) / 17).mean().item()
    assert abs(same - expected) < 0.02
    assert (new != old).all()


def test_bernoulli_follows_relation_statistics():
    # relation 'r' is 1-to-N (one head, many tails): Bernoulli corrupts its head with p = tph/(tph+hpt) = 5/6
    triples = [("h", "r", f"t{i}") for i in range(5)] + [(f"t{i}", "s", f"t{i + 1}") for i in range(4)]
    kg = KnowledgeGraph.from_labeled_triples(triples, name="b")
    kg.entity_text = {"name": [f"{lab} word" for lab in kg.entities.labels]}
    s = LemonNegativeSampler(kg, 2000, encoder=WordCountEncoder(), n_clusters=2, n_nearest_clusters=2,
                             corrupt="bernoulli", filtered=False, random_state=0).fit()
    pos = torch.as_tensor(kg.train[kg.train[:, 1] == kg.relations.id("r")][:1])
    head, *_ = sides(pos, s.corrupt(pos, torch.Generator().manual_seed(0)))
    assert abs(head.float().mean().item() - 5 / 6) < 0.04


def test_reproducible_with_seed():
    kg, _ = crafted_kg()
    a, b = make(kg, random_state=7), make(kg, random_state=7)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    pos = torch.as_tensor(kg.train)
    na = a.corrupt(pos, torch.Generator().manual_seed(5))
    nb = b.corrupt(pos, torch.Generator().manual_seed(5))
    assert torch.equal(na, nb)
    assert not torch.equal(na, a.corrupt(pos, torch.Generator().manual_seed(6)))


def test_errors():
    kg, _ = crafted_kg()
    with pytest.raises(NotFittedError):
        LemonNegativeSampler(kg, 2).corrupt(torch.zeros((1, 3), dtype=torch.long))
    with pytest.raises(InvalidParameterError, match="n_clusters"):
        make(kg, n_clusters=50)
    with pytest.raises(InvalidParameterError, match="anchor"):
        make(kg, anchor="head")
    with pytest.raises(InvalidParameterError, match="uniform_ratio"):
        make(kg, uniform_ratio=1.5)
    with pytest.raises(InvalidParameterError, match="n_nearest_clusters"):
        make(kg, n_nearest_clusters=4)
    with pytest.raises(InvalidParameterError, match="embeddings"):
        make(kg, embeddings=np.zeros((3, 2)))
    s = make(kg)
    with pytest.raises(InvalidTriplesError, match="outside"):
        s.corrupt(torch.tensor([[0, 0, kg.num_entities]]))
    with pytest.raises(InvalidTriplesError, match=r"\(b, 3\)"):
        s.corrupt(torch.tensor([0, 1, 2]))
    kg.entity_text = {"name": [None] * kg.num_entities}
    with pytest.raises(InvalidParameterError, match="no entity"):
        make(kg)


def test_default_text_field_is_the_name_and_description_needs_auto():
    kg, group = crafted_kg()
    # names carry the groups; descriptions split the entities another way (even vs odd entity id)
    names = kg.entity_text["name"]
    other = ["red ink pen" if i % 2 else "blue glass jar" for i in range(kg.num_entities)]
    kg.entity_text = {"name": names, "description": other}
    s = make(kg)
    assert s.text_field == "name" and s.text_field_ == "name"
    assert all(len(set(group[s.labels_ == c])) == 1 for c in range(3))
    both = make(kg, text_field="auto")
    assert both.text_field_ == "auto"
    assert not all(len(set(group[both.labels_ == c])) == 1 for c in range(3))
    only = make(kg, text_field="description", n_clusters=2)
    assert set(only.labels_[::2].tolist()) != set(only.labels_[1::2].tolist())


def test_default_text_field_falls_back_to_auto_without_names(caplog):
    kg, group = crafted_kg()
    kg.entity_text = {"description": kg.entity_text["name"]}
    with caplog.at_level("INFO", logger="graphemb.sampling.lemon"):
        s = make(kg)
    assert s.text_field_ == "auto" and "no 'name' text field" in caplog.text
    assert all(len(set(group[s.labels_ == c])) == 1 for c in range(3))
    with pytest.raises(InvalidParameterError, match="not available"):
        make(kg, text_field="gloss")


def test_precomputed_embeddings_with_missing_rows():
    kg, group = crafted_kg()
    emb = np.eye(3, dtype=np.float32)[group] + 0.01 * np.arange(len(group))[:, None]
    emb[0] = np.nan
    s = make(kg, embeddings=emb, n_components=None, encoder=None)
    assert s.n_without_text_ == 1 and s.labels_[0] == -1
    assert all(len(set(group[s.labels_ == c])) == 1 for c in range(3))


def test_torch_kmeans_recovers_blobs_and_is_seeded():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [10, 0], [0, 10]], dtype=np.float32)
    x = np.concatenate([c + rng.normal(scale=0.5, size=(50, 2)) for c in centers]).astype(np.float32)
    truth = np.repeat(np.arange(3), 50)
    for method in ("torch", "kmeans", "minibatch"):
        labels, cent = kmeans(x, 3, method=method, random_state=0)
        assert all(len(set(labels[truth == g])) == 1 for g in range(3))
        assert len(set(labels)) == 3
        assert np.sort(np.round(cent).astype(int), axis=0).tolist() == np.sort(centers, axis=0).astype(int).tolist()
    a = torch_kmeans(torch.as_tensor(x), 3, generator=torch.Generator().manual_seed(1))
    b = torch_kmeans(torch.as_tensor(x), 3, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a[0], b[0])
    near = nearest_clusters(np.array([[9.0, 1.0]]), centers, 2)
    assert near.tolist() == [[1, 0]]  # distances 1.41, 9.06, 12.7


def test_kmeans_labels_do_not_depend_on_the_thread_count():
    """With 2 threads instead of 1, scikit-learn's parallel sums moved a few of 40,000 points to
    another cluster; the clustering now runs on one thread whatever the caller's setting."""
    from threadpoolctl import threadpool_limits

    x = np.random.default_rng(0).normal(size=(40_000, 2)).astype(np.float32)
    before = torch.get_num_threads()
    runs = []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            with threadpool_limits(limits=threads):
                runs.append(kmeans(x, 15, method="kmeans", random_state=0))
                torch_run = kmeans(x[:5000], 4, method="torch", random_state=0)
            assert torch.get_num_threads() == threads       # the torch path restores the caller's setting
            assert len(set(torch_run[0].tolist())) == 4
    finally:
        torch.set_num_threads(before)
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_cli_arguments_build_sampler():
    kg, group = crafted_kg()
    p = argparse.ArgumentParser()
    add_lemon_arguments(p)
    args = p.parse_args(["--lemon-clusters", "3", "--lemon-nearest", "1", "--lemon-anchor", "replaced",
                         "--lemon-encoder", "hashing", "--lemon-components", "0"])
    s = lemon_sampler_from_args(args, kg, num_negatives=4, device="cpu")
    assert (s.n_clusters, s.n_nearest_clusters, s.anchor, s.n_components) == (3, 1, "replaced", None)
    assert s.uniform_ratio == DEFAULT_UNIFORM_RATIO  # the CLI default is the sampler's default
    assert s.corrupt(torch.as_tensor(kg.train[:5]), torch.Generator().manual_seed(0)).shape == (5, 4, 3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_cuda_pools_follow_input_device():
    kg, group = crafted_kg()
    s = make(kg, device="cuda", filtered=True)
    pos = torch.as_tensor(kg.train, device="cuda")
    neg = s.corrupt(pos, torch.Generator(device="cuda").manual_seed(0))
    assert neg.device.type == "cuda"
    assert not kg.filter_index(("train",), reciprocal=False).contains(neg.reshape(-1, 3).cpu().numpy()).any()


def test_trains_a_kge_model_end_to_end():
    from graphemb.kge import evaluate, train

    kg, _ = crafted_kg()
    s = make(kg, num_negatives=4)
    m = train(kg, "transe", training="negative", negative_sampler=s, dim=8, epochs=2, batch_size=16,
              valid_every=0, device="cpu", random_state=0)
    assert len(m.history_) == 2 and np.isfinite(m.history_[-1]["loss"])
    assert s.stats_["lemon"] > 0
    res = evaluate(m, kg.train[:5], kg, filtered=True)
    assert 0.0 < res.mrr <= 1.0


def lift_kg():
    """The 3 text groups with a relation inside each group ('same') and one across groups ('cross')."""
    names = [e for g in GROUPS.values() for e in g]
    triples = [(g[i], "same", g[(i + 1) % len(g)]) for g in GROUPS.values() for i in range(len(g))]
    groups = list(GROUPS.values())
    triples += [(groups[j][i], "cross", groups[(j + 1) % 3][i]) for j in range(3) for i in range(6)]
    kg = KnowledgeGraph.from_labeled_triples(triples, name="lift")
    group_of = {e: g for g, es in GROUPS.items() for e in es}
    kg.entity_text = {"name": [f"{lab} {TEXT[group_of[lab]]}" for lab in kg.entities.labels]}
    assert sorted(kg.entities.labels) == sorted(names)
    return kg, np.array([list(GROUPS).index(group_of[lab]) for lab in kg.entities.labels])


def test_pool_lift_measures_how_often_the_pool_holds_the_answer():
    kg, _ = lift_kg()
    s = make(kg)
    same, cross = kg.relations.id("same"), kg.relations.id("cross")
    # one cluster of three is the pool: 'same' answers are always in it (lift 3), 'cross' answers never (0)
    np.testing.assert_allclose(s.pool_lift_[same], [3.0, 3.0])
    np.testing.assert_allclose(s.pool_lift_[cross], [0.0, 0.0])


def test_min_pool_lift_keeps_cluster_negatives_only_where_the_pool_holds_answers():
    kg, group = lift_kg()
    s = make(kg, min_pool_lift=1.0, filtered=False, num_negatives=64)
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos, torch.Generator().manual_seed(0))
    _, new, kept, old = sides(pos, neg)
    g = torch.as_tensor(group)
    same = pos[:, 1] == kg.relations.id("same")
    assert (g[new[same]] == g[kept[same]]).all()                 # cluster negatives
    # 'cross' rows are uniform: every group shows up, and never the replaced entity
    assert set(g[new[~same]].flatten().tolist()) == {0, 1, 2} and (new != old).all()
    n_cross = int((~same).sum()) * 64
    assert s.stats_["uniform_gated"] == n_cross and s.stats_["lemon"] == neg.numel() // 3 - n_cross
    # without the gate every row draws from the clusters
    plain = make(kg, filtered=False, num_negatives=64)
    _, new, kept, _ = sides(pos, plain.corrupt(pos, torch.Generator().manual_seed(0)))
    assert (g[new] == g[kept]).all() and plain.stats_["uniform_gated"] == 0


def test_min_pool_lift_errors():
    kg, _ = lift_kg()
    with pytest.raises(InvalidParameterError, match="min_pool_lift"):
        make(kg, min_pool_lift=-1.0)
    with pytest.raises(InvalidParameterError, match="anchor='kept'"):
        make(kg, min_pool_lift=1.0, anchor="replaced")


def test_cli_min_pool_lift():
    kg, _ = lift_kg()
    p = argparse.ArgumentParser()
    add_lemon_arguments(p)
    s = lemon_sampler_from_args(p.parse_args(["--lemon-clusters", "3", "--lemon-min-pool-lift", "1.5"]), kg,
                                num_negatives=4, device="cpu")
    assert s.min_pool_lift == 1.5
    assert lemon_sampler_from_args(p.parse_args([]), kg, num_negatives=4, device="cpu").min_pool_lift is None


def hub_kg():
    """lift_kg plus 'likes': every fruit likes the dog, so (?, likes, dog) has 6 answers and
    (fruit, likes, ?) has 1."""
    kg, group = lift_kg()
    labeled = [(kg.entities.labels[h], kg.relations.labels[r], kg.entities.labels[t]) for h, r, t in kg.train]
    labeled += [(f, "likes", "dog") for f in GROUPS["fruit"]]
    hub = KnowledgeGraph.from_labeled_triples(labeled, name="hub")
    group_of = {e: g for g, es in GROUPS.items() for e in es}
    hub.entity_text = {"name": [f"{lab} {TEXT[group_of[lab]]}" for lab in hub.entities.labels]}
    return hub, np.array([list(GROUPS).index(group_of[lab]) for lab in hub.entities.labels])


def test_answers_per_query_counts_the_known_answers_of_each_side():
    kg, _ = hub_kg()
    s = make(kg, max_answers=None, relation_categories=None)
    likes, same = kg.relations.id("likes"), kg.relations.id("same")
    np.testing.assert_allclose(s.answers_per_query_[likes], [1.0, 6.0])   # tail side, head side
    np.testing.assert_allclose(s.answers_per_query_[same], [1.0, 1.0])
    assert "gate" not in s._host


def test_max_answers_draws_uniform_negatives_for_many_answer_sides():
    kg, group = hub_kg()
    s = make(kg, max_answers=3, relation_categories=None, filtered=False, num_negatives=64, corrupt="head")
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos, torch.Generator().manual_seed(0))
    _, new, kept, old = sides(pos, neg)
    g = torch.as_tensor(group)
    likes = pos[:, 1] == kg.relations.id("likes")
    assert (g[new[~likes]] == g[kept[~likes]]).all()             # 1 answer per query: cluster negatives
    assert set(g[new[likes]].flatten().tolist()) == {0, 1, 2} and (new != old).all()   # 6 answers: uniform
    assert s.stats_["uniform_gated"] == int(likes.sum()) * 64
    # the tail side of 'likes' has one answer per query, so it keeps its cluster negatives
    tail = make(kg, max_answers=3, relation_categories=None, filtered=False, num_negatives=64, corrupt="tail")
    _, new, kept, _ = sides(pos, tail.corrupt(pos, torch.Generator().manual_seed(0)))
    assert (g[new] == g[kept]).all() and tail.stats_["uniform_gated"] == 0


def test_max_answers_default_and_errors():
    kg, _ = hub_kg()
    assert LemonNegativeSampler(kg).max_answers == DEFAULT_MAX_ANSWERS == 20.0
    with pytest.raises(InvalidParameterError, match="max_answers"):
        make(kg, max_answers=-1.0)


def test_cli_max_answers():
    kg, _ = hub_kg()
    p = argparse.ArgumentParser()
    add_lemon_arguments(p)
    args = ["--lemon-clusters", "3"]
    assert lemon_sampler_from_args(p.parse_args(args), kg, 4, device="cpu").max_answers == DEFAULT_MAX_ANSWERS
    assert lemon_sampler_from_args(p.parse_args(args + ["--lemon-max-answers", "5"]), kg, 4,
                                   device="cpu").max_answers == 5.0
    assert lemon_sampler_from_args(p.parse_args(args + ["--lemon-max-answers", "none"]), kg, 4,
                                   device="cpu").max_answers is None
    with pytest.raises(SystemExit):
        p.parse_args(["--lemon-max-answers", "many"])


def test_mapping_categories_follow_bordes_threshold():
    apq = np.array([[1.0, 1.0], [3.0, 1.2], [1.0, 40.0], [2.7, 2.7], [1.5, 1.49], [np.inf, np.inf]])
    assert mapping_categories(apq).tolist() == ["1-1", "1-N", "N-1", "N-N", "1-N", "N-N"]
    assert mapping_categories(apq, many=3.0).tolist() == ["1-1", "1-N", "N-1", "1-1",
                                                          "1-1", "N-N"]
    with pytest.raises(InvalidParameterError, match="shape"):
        mapping_categories(np.ones(3))


def test_relation_categories_draw_uniform_negatives_for_other_relations():
    kg, group = hub_kg()
    # 'likes' is N-1 (6 heads per tail, 1 tail per head): both of its sides become uniform, unlike
    # max_answers, which closes only the 6-answer head side
    s = make(kg, max_answers=None, relation_categories=("1-1", "N-N"), filtered=False, num_negatives=64)
    assert s.relation_category_[kg.relations.id("likes")] == "N-1"
    assert s.relation_category_[kg.relations.id("same")] == "1-1"
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos, torch.Generator().manual_seed(0))
    head, new, kept, old = sides(pos, neg)
    g = torch.as_tensor(group)
    likes = (pos[:, 1] == kg.relations.id("likes")).unsqueeze(1).expand_as(new)
    assert (g[new[~likes]] == g[kept[~likes]]).all()
    assert set(g[new[likes & head]].tolist()) == {0, 1, 2} and set(g[new[likes & ~head]].tolist()) == {0, 1, 2}
    assert (new != old).all()
    assert s.stats_["uniform_gated"] == int(likes.sum())
    # the default is the same gate; listing every category, or None, gates nothing
    assert LemonNegativeSampler(kg).relation_categories == DEFAULT_RELATION_CATEGORIES == ("1-1", "N-N")
    default = make(kg, max_answers=None, filtered=False, num_negatives=64)
    default.corrupt(pos, torch.Generator().manual_seed(0))
    assert default.stats_["uniform_gated"] == int(likes.sum())
    for cats in (None, ("1-1", "1-N", "N-1", "N-N")):
        open_all = make(kg, max_answers=None, relation_categories=cats, filtered=False, num_negatives=8)
        open_all.corrupt(pos, torch.Generator().manual_seed(0))
        assert open_all.stats_["uniform_gated"] == 0


def test_relation_categories_errors_and_cli():
    kg, _ = hub_kg()
    for bad in ("1-1", ("1-1", "M-N"), (1,)):
        with pytest.raises(InvalidParameterError, match="relation_categories"):
            make(kg, relation_categories=bad)
    p = argparse.ArgumentParser()
    add_lemon_arguments(p)
    base = ["--lemon-clusters", "3"]
    build = lambda extra: lemon_sampler_from_args(p.parse_args(base + extra), kg, 4, device="cpu")  # noqa: E731
    assert build([]).relation_categories == LemonNegativeSampler(kg).relation_categories
    assert build(["--lemon-relation-categories", "1-1", "N-N"]).relation_categories == ("1-1", "N-N")
    assert build(["--lemon-relation-categories", "all"]).relation_categories is None
    with pytest.raises(SystemExit):
        p.parse_args(["--lemon-relation-categories", "M-N"])
