"""Loaders for node-labelled graphs: BlogCatalog, Planetoid (Cora, CiteSeer, PubMed),
airports (structural roles), and the CiteSeer text-attributed graph."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Union

import numpy as np
import scipy.sparse as sp

from ..errors import DatasetNotFoundError, InvalidGraphError
from ..graph import Graph, as_graph
from ..io_edgelist import read_edgelist
from .paths import find_path

GRAPH_DATASETS = {
    "blogcatalog": "graphs/blogcatalog.mat",
    "cora": "graphs/planetoid/cora.npz",
    "citeseer": "graphs/planetoid/citeseer.npz",
    "pubmed": "graphs/planetoid/pubmed.npz",
    "airports-usa": "graphs/airports/usa-airports.edgelist",
    "airports-brazil": "graphs/airports/brazil-airports.edgelist",
}


@dataclass(eq=False)
class NodeDataset:
    """A graph with node labels (and optionally features and a standard test split).

    ``labels`` is an int64 array (n,) for single-label data (-1 = unlabelled) or a
    boolean scipy CSR matrix (n, L) for multi-label data (``multilabel`` is True).
    """

    name: str
    graph: Graph
    labels: object
    multilabel: bool = False
    features: Optional[sp.csr_matrix] = None
    test_index: Optional[np.ndarray] = None
    label_names: Optional[List[str]] = None
    texts: Optional[List[Optional[str]]] = None
    extra: dict = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        if self.multilabel:
            return int(self.labels.shape[1])
        return int(self.labels.max()) + 1

    def __repr__(self) -> str:
        return f"NodeDataset({self.name!r}, {self.graph!r}, classes={self.num_classes}, multilabel={self.multilabel})"


def load_graph(name: str, root: Optional[Union[str, os.PathLike]] = None) -> NodeDataset:
    """Load a labelled benchmark graph by name.

    Parameters
    ----------
    name : {'blogcatalog', 'cora', 'citeseer', 'pubmed', 'airports-usa', 'airports-brazil'}

    Notes
    -----
    Planetoid edge lists contain both directions and a few repeated entries; repeats are
    merged (``aggregate='max'``, unweighted). The airports edge lists contain self-loops
    and repeated lines: repeats are merged, self-loops are kept as given.
    """
    key = name.lower()
    if key not in GRAPH_DATASETS:
        raise DatasetNotFoundError(f"unknown graph dataset {name!r}; known: {sorted(GRAPH_DATASETS)}")
    path = find_path(GRAPH_DATASETS[key], root, key)
    if key == "blogcatalog":
        return _load_blogcatalog(path)
    if key in ("cora", "citeseer", "pubmed"):
        return _load_planetoid(key, path)
    return _load_airports(key, path)


def _load_blogcatalog(path: Path) -> NodeDataset:
    from scipy.io import loadmat

    mat = loadmat(path)
    network = sp.csr_matrix(mat["network"])
    group = sp.csr_matrix(mat["group"]).astype(bool)
    graph = as_graph(network, directed=False)
    return NodeDataset("blogcatalog", graph, group, multilabel=True)


def _load_planetoid(key: str, path: Path) -> NodeDataset:
    z = np.load(path, allow_pickle=False)
    n = int(z["num_nodes"])
    graph = as_graph(z["edge_index"], num_nodes=n, directed=False, aggregate="max")
    feats = None
    if "x_data" in z.files:
        feats = sp.csr_matrix((z["x_data"], z["x_indices"], z["x_indptr"]), shape=tuple(z["x_shape"]))
    return NodeDataset(key, graph, z["labels"].astype(np.int64), features=feats, test_index=z["test_index"])


def _load_airports(key: str, path: Path) -> NodeDataset:
    graph = read_edgelist(path, directed=False, aggregate="max", node_type="int")
    country = key.split("-")[1]
    label_path = path.parent / f"labels-{country}-airports.txt"
    if not label_path.exists():
        raise DatasetNotFoundError(f"{label_path}: role labels for {key} not found")
    labels = np.full(graph.num_nodes, -1, dtype=np.int64)
    index = {v: i for i, v in enumerate(graph.node_ids.tolist())}
    extra_nodes = 0
    for i, line in enumerate(label_path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0] == "node":
            continue
        if len(parts) != 2:
            raise InvalidGraphError(f"{label_path}:{i}: expected 'node label', found {line!r}")
        node, lab = int(parts[0]), int(parts[1])
        if node in index:
            labels[index[node]] = lab
        else:
            extra_nodes += 1
    return NodeDataset(key, graph, labels, extra={"labelled_nodes_without_edges": extra_nodes})


def load_tag(name: str = "citeseer", root: Optional[Union[str, os.PathLike]] = None) -> NodeDataset:
    """Load a text-attributed graph (``'citeseer'``: LINQS citation graph with paper text).

    Nodes are all ids in ``citeseer.cites`` plus papers with text, sorted by id; the
    graph is undirected (citations symmetrised, self-citations kept, repeats merged).
    ``texts[i]`` is ``None`` for papers without text and ``labels[i]`` is -1 there.
    """
    if name.lower() != "citeseer":
        raise DatasetNotFoundError(f"unknown text-attributed graph {name!r}; known: ['citeseer']")
    folder = find_path("tag/citeseer", root, "citeseer-text")
    text_path = folder / "citeseer_texts.txt"
    lines = text_path.read_bytes().decode("utf-8-sig").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    if len(lines) % 3:
        raise InvalidGraphError(f"{text_path}: expected records of 3 lines (id, text, label); "
                                f"found {len(lines)} lines")
    records = {}
    for k in range(0, len(lines), 3):
        pid, text, label = lines[k].strip(), lines[k + 1].strip(), lines[k + 2].strip()
        if not pid or not label:
            raise InvalidGraphError(f"{text_path}:{k + 1}: record without id or label")
        records[pid] = (text, label)
    cites = []
    cites_path = folder / "citeseer.cites"
    for i, line in enumerate(cites_path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise InvalidGraphError(f"{cites_path}:{i}: expected 'cited citing', found {line!r}")
        cites.append(parts)
    ids = sorted(set(records) | {x for pair in cites for x in pair})
    index = {v: i for i, v in enumerate(ids)}
    ei = np.array([[index[a] for a, _ in cites], [index[b] for _, b in cites]], dtype=np.int64)
    graph = as_graph(ei, num_nodes=len(ids), directed=False, aggregate="max", node_ids=np.array(ids, dtype=object))
    names = sorted({lab for _, lab in records.values()})
    lab_index = {v: i for i, v in enumerate(names)}
    labels = np.array([lab_index[records[v][1]] if v in records else -1 for v in ids], dtype=np.int64)
    texts = [records[v][0] if v in records else None for v in ids]
    return NodeDataset("citeseer-text", graph, labels, label_names=names, texts=texts)
