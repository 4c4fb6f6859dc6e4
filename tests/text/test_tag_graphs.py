"""Text-attributed graphs: CiteSeer and KG entity graphs, missing texts, encoding."""

import numpy as np
import pytest

from graphemb.datasets import load_kg, load_tag
from graphemb.errors import DatasetNotFoundError, InvalidGraphError, InvalidParameterError
from graphemb.text import (TextAttributedGraph, fill_missing_texts, kg_entity_graph, load_citeseer_tag,
                           load_text_graph)


def test_fill_missing_texts_counts_and_warns():
    with pytest.warns(UserWarning, match="2 of 4 nodes have no text.*'<none>'"):
        texts, missing = fill_missing_texts(["a", None, "  ", "b"], placeholder="<none>")
    assert texts == ["a", "<none>", "<none>", "b"]
    np.testing.assert_array_equal(missing, [False, True, True, False])
    with pytest.raises(InvalidParameterError, match=r"texts\[0\]"):
        fill_missing_texts([3])


def test_from_texts_and_encode(tmp_path):
    with pytest.warns(UserWarning, match="1 of 3"):
        tag = TextAttributedGraph.from_texts([[0, 1], [1, 2]], ["graph", None, "node"], labels=[0, -1, 1])
    assert tag.num_nodes == 3 and tag.missing_text.tolist() == [False, True, False]
    assert tag.labelled_nodes().tolist() == [0, 2] and tag.num_classes == 2
    X = tag.encode("hashing", dim=8)
    assert X.shape == (3, 8) and X.dtype == np.float32
    assert np.all(X[1] == 0)        # the empty placeholder hashes to the zero vector
    with pytest.raises(InvalidGraphError, match="texts has 2 entries"):
        TextAttributedGraph.from_texts([[0, 1], [1, 2]], ["a", "b"])


def test_citeseer_tag_counts(shared_root):
    with pytest.warns(UserWarning, match="141 of 3327 CiteSeer nodes have no text"):
        tag = load_citeseer_tag()
    assert tag.num_nodes == 3327 and int(tag.missing_text.sum()) == 141
    assert len(tag.labelled_nodes()) == 3186 and tag.num_classes == 6
    # exactly the papers with text are labelled
    np.testing.assert_array_equal(tag.labels >= 0, ~tag.missing_text)
    assert all(t == "" for t, m in zip(tag.texts, tag.missing_text) if m)
    # load_tag (the datasets loader) still works and agrees
    ds = load_tag("citeseer")
    np.testing.assert_array_equal(ds.labels, tag.labels)
    assert ds.graph == tag.graph


def test_kg_entity_graph_umls(shared_root):
    kg = load_kg("umls")
    tag = kg_entity_graph(kg)
    assert tag.num_nodes == kg.num_entities == 135 and tag.labels is None
    assert int(tag.missing_text.sum()) == 0 and all(tag.texts)
    # every training triple is an edge (undirected)
    adj = tag.graph.to_scipy()
    h, t = kg.train[:, 0], kg.train[:, 2]
    assert np.all(np.asarray(adj[h, t]).ravel() > 0) and np.all(np.asarray(adj[t, h]).ravel() > 0)
    assert load_text_graph("umls").num_nodes == 135
    with pytest.raises(DatasetNotFoundError, match="citeseer"):
        load_text_graph("nope")
    with pytest.raises(InvalidParameterError, match="splits"):
        kg_entity_graph(kg, splits=("training",))
