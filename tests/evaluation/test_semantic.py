"""Word-semantic tests: Spearman over covered pairs, 3CosAdd analogies, average distance, coverage."""

import numpy as np
import pytest

import graphemb as ge
from graphemb.datasets import load_word_similarity
from graphemb.errors import InvalidParameterError
from graphemb.evaluation.semantic import (analogy_accuracy, average_distance, label_index, semantic_scores,
                                          word_similarity)


def _angle_embedding(angles):
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def test_spearman_over_covered_pairs_and_coverage():
    labels = ["cat", "dog", "car", "Truck", "sun"]
    X = _angle_embedding(np.array([0.0, 0.3, 1.2, 1.4, 3.0]))
    # cosines: cat-dog 0.955, car-truck 0.980, cat-sun -0.99, dog-car 0.454; "moon" is not a node
    pairs = [("cat", "dog", 8.0), ("car", "truck", 9.0), ("cat", "sun", 0.5), ("dog", "car", 3.0),
             ("sun", "moon", 7.0)]
    res = word_similarity(X, labels, pairs)
    assert res.n_pairs == 5 and res.n_covered == 4 and res.coverage == pytest.approx(0.8)
    assert res.spearman == pytest.approx(1.0)
    flipped = word_similarity(X, labels, [(a, b, -s) for a, b, s in pairs])
    assert flipped.spearman == pytest.approx(-1.0)


def test_analogy_3cosadd_excludes_question_words():
    labels = ["man", "woman", "king", "queen", "apple"]
    man, woman, king = np.array([1.0, 0, 0]), np.array([1.0, 1, 0]), np.array([1.0, 0, 1])
    queen = king - man + woman
    X = np.stack([man, woman, king, queen, [-1.0, -1, -1]])
    questions = {"royal": [("man", "woman", "king", "queen"), ("man", "king", "woman", "queen")],
                 "other": [("man", "woman", "king", "pear"), ("woman", "man", "queen", "apple")]}
    res = analogy_accuracy(X, labels, questions)
    assert res.n_questions == 4 and res.n_covered == 3
    # third question: woman - man + queen ~ king direction; the excluded words leave king or apple
    assert res.per_section["royal"] == pytest.approx(1.0)
    assert res.accuracy == pytest.approx(2 / 3)


def test_average_distance_hand_computed_and_by_hop():
    labels = ["a", "b", "c"]
    X = _angle_embedding(np.array([0.0, np.pi / 2, np.pi]))  # cos(a,b)=0, cos(a,c)=-1, cos(b,c)=0
    pairs = [("a", "b", 10.0), ("a", "c", 0.0), ("b", "c", 5.0)]
    # human scaled: 1, 0, 0.5; embedding (1+cos)/2: 0.5, 0, 0.5 -> |diff| 0.5, 0, 0
    G = ge.as_graph([[0, 1], [1, 2]], directed=False)  # a-b 1 hop, b-c 1 hop, a-c 2 hops
    out = average_distance(X, labels, pairs, graph=G, max_hops=3)
    assert out["all"] == pytest.approx(0.5 / 3)
    assert out["1"] == pytest.approx(0.25) and out["2"] == pytest.approx(0.0)
    assert ">3" not in out


def test_real_sets_coverage_counts(shared_root):
    ws = load_word_similarity("wordsim353")
    vocab = sorted({w for a, b, _ in ws for w in (a, b)})
    X = np.random.default_rng(0).normal(size=(len(vocab), 16))
    res = semantic_scores(X, vocab, name="rand", analogies=True)
    assert res.similarity["wordsim353"].n_covered == len(ws)
    assert abs(res.similarity["wordsim353"].spearman) < 0.2  # random vectors carry no semantics
    sl = res.similarity["simlex999"]
    assert 0 < sl.n_covered < sl.n_pairs == 999
    assert res.analogy.n_questions == 19544 and res.analogy.n_covered < res.analogy.n_questions
    assert set(res.to_dict()) == {"name", "similarity", "analogy", "average_distance"}


def test_label_matching_and_errors():
    assert label_index(["Ice_Hockey", "ice hockey", "x"]) == {"ice hockey": 0, "x": 2}
    with pytest.raises(InvalidParameterError, match="embeddings"):
        word_similarity(np.zeros((2, 3)), ["a", "b", "c"], [("a", "b", 1.0)])
