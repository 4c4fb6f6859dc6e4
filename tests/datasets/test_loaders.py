import warnings

import numpy as np
import pytest

from graphemb import datasets
from graphemb.errors import DatasetNotFoundError


@pytest.fixture(scope="module")
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_fb15k237_counts(shared_root, quiet):
    kg = datasets.load_kg("fb15k-237", root=shared_root)
    assert (kg.num_entities, kg.num_relations) == (14541, 237)
    assert (len(kg.train), len(kg.valid), len(kg.test)) == (272115, 17535, 20466)
    names = kg.entity_text["name"]
    assert names[kg.entities.id("/m/016ywr")] == "Jeremy Irons"
    assert sum(x is None for x in names) == 0


def test_wn18rr_counts_and_unseen(shared_root):
    with pytest.warns(UserWarning, match="occur only in valid/test"):
        kg = datasets.load_kg("wn18rr", root=shared_root)
    assert (kg.num_entities, kg.num_relations) == (40943, 11)
    assert (len(kg.train), len(kg.valid), len(kg.test)) == (86835, 3034, 3134)
    assert kg.unseen_counts["test_triples_with_unseen"] == 210
    dropped = datasets.load_kg("wn18rr", root=shared_root, unseen="drop", text=False)
    assert len(dropped.test) == 3134 - 210


def test_small_kgs(shared_root, quiet):
    umls = datasets.load_kg("umls", root=shared_root)
    assert (umls.num_entities, umls.num_relations, len(umls.train)) == (135, 46, 5216)
    assert sum(t is None for t in umls.entity_text["name"]) <= 1
    codex = datasets.load_kg("codex-s", root=shared_root)
    assert (codex.num_entities, codex.num_relations) == (2034, 42)
    assert len(datasets.load_codex_negatives("test", root=shared_root)) == 1828
    cn = datasets.load_kg("cn-100k", root=shared_root)
    assert len(cn.train) == 100000 and cn.entity_text["name"][0] == cn.entities.labels[0]


def test_bundled_default_data_is_found_without_root():
    kg = datasets.load_kg("umls")  # bundled datasets/ (or ../shared)
    assert kg.num_entities == 135
    ds = datasets.load_graph("airports-brazil")
    assert ds.graph.num_nodes == 131 and set(np.unique(ds.labels)) == {0, 1, 2, 3}


def test_graph_datasets(shared_root):
    bc = datasets.load_graph("blogcatalog", root=shared_root)
    assert bc.graph.num_nodes == 10312 and bc.graph.num_edges == 333983 and bc.multilabel
    assert bc.labels.shape == (10312, 39)
    cora = datasets.load_graph("cora", root=shared_root)
    assert cora.graph.num_nodes == 2708 and cora.features.shape[0] == 2708 and len(cora.test_index) == 1000
    cs = datasets.load_graph("citeseer", root=shared_root)
    assert int((cs.labels == -1).sum()) == 15
    usa = datasets.load_graph("airports-usa", root=shared_root)
    assert usa.graph.num_nodes == 1190 and (usa.labels >= 0).all()


def test_tag_and_semantics(shared_root):
    tag = datasets.load_tag("citeseer", root=shared_root)
    assert tag.graph.num_nodes == 3327
    assert sum(t is not None for t in tag.texts) == 3186
    assert tag.label_names == sorted(["Agents", "AI", "DB", "IR", "ML", "HCI"])
    ws = datasets.load_word_similarity("wordsim353", root=shared_root)
    assert len(ws) == 353 and ws[0] == ("love", "sex", 6.77)
    assert len(datasets.load_word_similarity("simlex999", root=shared_root)) == 999
    an = datasets.load_analogies(root=shared_root)
    assert "capital-common-countries" in an and sum(len(v) for v in an.values()) == 19544


def test_unknown_names_list_known_ones():
    with pytest.raises(DatasetNotFoundError, match=r"unknown knowledge graph 'fb15k'.*fb15k-237"):
        datasets.load_kg("fb15k")
    with pytest.raises(DatasetNotFoundError, match=r"known: \['airports-brazil'"):
        datasets.load_graph("karate")


def test_root_resolution(tmp_path, monkeypatch):
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        datasets.load_kg("umls", root=tmp_path / "nope")
    with pytest.raises(DatasetNotFoundError, match=r"'kg/umls' not found under"):
        datasets.load_kg("umls", root=tmp_path)
    (tmp_path / "kg" / "umls").mkdir(parents=True)
    for s in ("train", "valid", "test"):
        (tmp_path / "kg" / "umls" / f"{s}.txt").write_text("a\tr\tb\n")
    monkeypatch.setenv("GRAPHEMB_DATA", str(tmp_path))
    kg = datasets.load_kg("umls", text=False)
    assert kg.num_entities == 2
    monkeypatch.setenv("GRAPHEMB_DATA", str(tmp_path / "missing"))
    with pytest.raises(DatasetNotFoundError, match="GRAPHEMB_DATA"):
        datasets.load_kg("umls")


def test_list_datasets():
    rows = {r["name"]: r for r in datasets.list_datasets()}
    assert rows["umls"]["path"] is not None and rows["umls"]["bytes"] > 0
    assert {"fb15k-237", "blogcatalog", "citeseer-text", "wordsim353"} <= set(rows)
