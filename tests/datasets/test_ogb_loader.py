"""load_ogb on tiny datasets written in OGB's on-disk layout, checked against ogb's own readers."""

import numpy as np
import pytest

from experiments.ogb_common import BIOKG_TYPES, write_tiny_ogb
from graphemb.datasets import load_ogb
from graphemb.errors import DatasetNotFoundError

LINK = ["ogbl-collab", "ogbl-ddi"]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    r = tmp_path_factory.mktemp("ogb")
    for name in ["ogbl-collab", "ogbl-ddi", "ogbl-wikikg2", "ogbl-biokg", "ogbn-arxiv"]:
        write_tiny_ogb(name, r, num_nodes=60, seed=1)
    return r


@pytest.mark.parametrize("name", LINK)
def test_link_dataset_matches_ogb_reader(root, name):
    pytest.importorskip("ogb")
    from ogb.linkproppred import LinkPropPredDataset

    d = load_ogb(name, root, download=False)
    ref = LinkPropPredDataset(name, root=str(root))
    split = ref.get_edge_split()
    assert d.kind == "link" and d.num_nodes == ref[0]["num_nodes"] == 60
    for s in ("train", "valid", "test"):
        np.testing.assert_array_equal(d.split[s]["edge"], split[s]["edge"].numpy())
    for s in ("valid", "test"):
        np.testing.assert_array_equal(d.split[s]["edge_neg"], split[s]["edge_neg"].numpy())
    # our graph = the training edges, undirected, as OGB builds it (add_inverse_edge)
    ei = ref[0]["edge_index"]
    ours = {(int(u), int(v)) for u, v in zip(d.graph.row_indices(), d.graph.indices)}
    assert ours == {(int(u), int(v)) for u, v in ei.T}
    assert not d.graph.directed
    if name == "ogbl-collab":
        np.testing.assert_allclose(d.node_features, ref[0]["node_feat"], rtol=1e-6)
        assert set(split["train"]) == {"edge", "weight", "year"}


def test_wikikg2_matches_ogb_reader(root):
    pytest.importorskip("ogb")
    from ogb.linkproppred import LinkPropPredDataset

    d = load_ogb("ogbl-wikikg2", root, download=False)
    ref = LinkPropPredDataset("ogbl-wikikg2", root=str(root))
    split = ref.get_edge_split()
    assert d.kind == "kg" and d.num_nodes == 60
    assert d.num_relations == int(split["train"]["relation"].max()) + 1
    for key in ("head", "relation", "tail", "head_neg", "tail_neg"):
        np.testing.assert_array_equal(d.split["test"][key], split["test"][key].numpy())
    np.testing.assert_array_equal(ref[0]["edge_reltype"].reshape(-1), d.split["train"]["relation"])


def test_biokg_global_ids_follow_sorted_types(root):
    pytest.importorskip("ogb")
    from ogb.linkproppred import LinkPropPredDataset

    d = load_ogb("ogbl-biokg", root, download=False)
    ref = LinkPropPredDataset("ogbl-biokg", root=str(root))
    counts = ref[0]["num_nodes_dict"]
    assert d.extra["num_nodes_dict"] == counts and d.num_nodes == sum(counts.values())
    offs = d.extra["type_offsets"]
    assert list(offs) == sorted(BIOKG_TYPES) and offs[sorted(BIOKG_TYPES)[0]] == 0
    split = ref.get_edge_split()
    for s in ("train", "test"):
        for side in ("head", "tail"):
            shift = np.array([offs[t] for t in split[s][f"{side}_type"]])
            np.testing.assert_array_equal(d.split[s][side], split[s][side].numpy() + shift)
            g = d.split[s][side]
            # each global id falls in its type's block
            lo = np.array([offs[t] for t in d.split[s][f"{side}_type"]])
            hi = lo + np.array([counts[t] for t in d.split[s][f"{side}_type"]])
            assert np.all((g >= lo) & (g < hi))
    # negatives stay inside the type block of the entity they replace
    neg, types = d.split["test"]["tail_neg"], d.split["test"]["tail_type"]
    lo = np.array([offs[t] for t in types])[:, None]
    hi = lo + np.array([counts[t] for t in types])[:, None]
    assert np.all((neg >= lo) & (neg < hi))
    # every relation joins a single (head type, tail type) pair, as in biokg
    tr = d.split["train"]
    for r in np.unique(tr["relation"]):
        sel = tr["relation"] == r
        assert len(set(tr["head_type"][sel])) == 1 and len(set(tr["tail_type"][sel])) == 1


def test_node_dataset_matches_ogb_reader(root):
    pytest.importorskip("ogb")
    from ogb.nodeproppred import NodePropPredDataset

    d = load_ogb("ogbn-arxiv", root, download=False)
    ref = NodePropPredDataset("ogbn-arxiv", root=str(root))
    g, y = ref[0]
    np.testing.assert_array_equal(d.labels, y.reshape(-1))
    np.testing.assert_allclose(d.node_features, g["node_feat"], rtol=1e-6)
    assert d.graph.directed and d.graph.num_edges == g["edge_index"].shape[1]
    for s, idx in ref.get_idx_split().items():
        np.testing.assert_array_equal(d.split[s], idx)
    assert sum(len(v) for v in d.split.values()) == 60


def test_unknown_name_and_missing_folder(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="unsupported OGB dataset"):
        load_ogb("ogbl-nope", tmp_path)
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        load_ogb("ogbl-ddi", tmp_path, download=False)


def test_tiny_writer_rejects_unknown_name(tmp_path):
    with pytest.raises(ValueError, match="name must be one of"):
        write_tiny_ogb("ogbl-ppa", tmp_path)


def test_missing_dataset_goes_through_ogb_download(monkeypatch, tmp_path):
    """A missing folder is fetched by ogb's own dataset class (its download path); offline the
    failure is reported with the root, and a successful download is then read."""
    pytest.importorskip("ogb")
    import urllib.error

    import ogb.linkproppred

    calls = []

    class Offline:
        def __init__(self, name, root):
            calls.append((name, root))
            raise urllib.error.URLError("no network")

    monkeypatch.setattr(ogb.linkproppred, "LinkPropPredDataset", Offline)
    with pytest.raises(DatasetNotFoundError, match="ogb download failed"):
        load_ogb("ogbl-ddi", tmp_path)
    assert calls == [("ogbl-ddi", str(tmp_path))]

    class Downloads:
        def __init__(self, name, root):
            write_tiny_ogb(name, root, num_nodes=30)

    monkeypatch.setattr(ogb.linkproppred, "LinkPropPredDataset", Downloads)
    assert load_ogb("ogbl-ddi", tmp_path).num_nodes == 30
