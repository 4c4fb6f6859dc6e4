"""Open Graph Benchmark datasets (Hu et al., "Open Graph Benchmark", NeurIPS 2020).

:func:`load_ogb` reads a dataset already laid out in OGB's on-disk format
(``<root>/<name_with_underscores>/raw/*.csv.gz`` and ``split/<split>/...``) with our own
pickle-free reader, and otherwise goes through the ``ogb`` package's dataset class,
which downloads it (its real download path; this needs network access).

Supported homogeneous datasets: ogbl-collab, ogbl-ddi, ogbl-ppa, ogbl-citation2,
ogbn-arxiv, ogbn-products, and the knowledge graph ogbl-wikikg2 (triples with
relation types). ogbl-biokg is heterogeneous: ``raw/num-node-dict.csv.gz`` gives the
entity count per type, ``split/random/*.pt`` hold per-type entity ids with
``head_type``/``tail_type`` lists; :func:`load_ogb` maps them to global ids by laying
the types out in sorted order (the order OGB's own example code and
``read_csv_heterograph_raw`` use), and keeps the per-type offsets in ``extra``.

On-disk layout read here (the one the ``ogb`` package downloads)::

    <root>/<name_with_underscores>/
        RELEASE_v1.txt
        raw/edge.csv.gz, num-node-list.csv.gz, num-edge-list.csv.gz,
            node-feat.csv.gz (optional), node-label.csv.gz (node tasks),
            edge_reltype.csv.gz (wikikg2), num-node-dict.csv.gz + triplet-type-list.csv.gz
            + relations/<head___rel___tail>/... (biokg)
        split/<split>/train.pt, valid.pt, test.pt      (link and KG tasks)
        split/<split>/train.csv.gz, valid.csv.gz, test.csv.gz   (node tasks)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Union

import numpy as np

from ..errors import DatasetNotFoundError, missing_dependency
from ..graph import Graph, as_graph

# name -> (split folder, add_inverse_edge, kind)
OGB_META = {
    "ogbl-collab": ("time", True, "link"),
    "ogbl-ddi": ("target", True, "link"),
    "ogbl-ppa": ("throughput", True, "link"),
    "ogbl-citation2": ("time", False, "link"),
    "ogbl-wikikg2": ("time", False, "kg"),
    "ogbl-biokg": ("random", False, "kg"),
    "ogbn-arxiv": ("time", False, "node"),
    "ogbn-products": ("sales_ranking", True, "node"),
}


@dataclass(eq=False)
class OGBData:
    """An OGB dataset as numpy arrays.

    ``graph``: the training graph (homogeneous datasets); ``split``: for link tasks the
    edge split dict (``{'train': {'edge': (m, 2), ...}, 'valid': {...}, 'test': {...}}``);
    for node tasks the index split (``{'train': idx, 'valid': idx, 'test': idx}``);
    for KG tasks ``{'train': {'head','relation','tail'}, 'valid': {... 'head_neg','tail_neg'}}``.
    """

    name: str
    kind: str
    graph: Optional[Graph]
    split: Dict[str, object]
    node_features: Optional[np.ndarray] = None
    labels: Optional[np.ndarray] = None
    num_nodes: int = 0
    num_relations: int = 0
    extra: dict = field(default_factory=dict)


def _read_csv(path: Path, dtype=None) -> np.ndarray:
    import pandas as pd

    return pd.read_csv(path, compression="gzip", header=None, dtype=dtype).to_numpy()


def _load_pt(path: Path) -> dict:
    import torch

    obj = torch.load(path, map_location="cpu", weights_only=True)  # tensors/dicts only, no code
    return {k: (v.numpy() if hasattr(v, "numpy") else np.asarray(v)) for k, v in obj.items()}


def ogb_dir(name: str, root: Union[str, os.PathLike]) -> Path:
    """Folder of ``name`` under ``root`` in OGB's layout (``ogbl-collab`` -> ``ogbl_collab``)."""
    return Path(root) / name.replace("-", "_")


def load_ogb(name: str, root: Union[str, os.PathLike] = "dataset", *, download: bool = True) -> OGBData:
    """Load an OGB dataset from ``root``.

    Parameters
    ----------
    name : str
        OGB name such as ``'ogbl-collab'`` or ``'ogbn-arxiv'``.
    root : path
        Folder holding ``<name_with_underscores>/`` in OGB's layout.
    download : bool
        When the files are absent, let the ``ogb`` package download them (needs
        network access; raises otherwise).
    """
    if name not in OGB_META:
        raise DatasetNotFoundError(f"unsupported OGB dataset {name!r}; supported: {sorted(OGB_META)}")
    folder = ogb_dir(name, root)
    raw = folder / "raw"
    if not raw.is_dir():
        if not download:
            raise DatasetNotFoundError(f"{name}: {raw} not found and download=False")
        _download_with_ogb(name, root)
        if not raw.is_dir():
            raise DatasetNotFoundError(f"{name}: the ogb download did not create {raw}")
    split_name, add_inverse, kind = OGB_META[name]
    if kind == "node":
        return _read_node(name, folder, split_name, add_inverse)
    if kind == "kg":
        return _read_kg(name, folder, split_name)
    return _read_link(name, folder, split_name, add_inverse)


def _download_with_ogb(name: str, root: Union[str, os.PathLike]) -> None:
    try:
        if name.startswith("ogbn"):
            from ogb.nodeproppred import NodePropPredDataset as DS
        else:
            from ogb.linkproppred import LinkPropPredDataset as DS
    except ImportError:
        raise missing_dependency("ogb", "ogb") from None
    try:
        DS(name=name, root=str(root))  # downloads and extracts into root/<dir>/ (raw + split)
    except (OSError, EOFError) as exc:  # offline (URLError is an OSError) or no terminal to confirm
        raise DatasetNotFoundError(
            f"{name}: not found under {Path(root).resolve()} and the ogb download failed ({exc}); "
            f"place the dataset there in OGB's layout or run where the network is reachable") from exc


def _num_nodes(raw: Path) -> int:
    return int(_read_csv(raw / "num-node-list.csv.gz")[0, 0])


def _graph(raw: Path, add_inverse: bool, num_nodes: int, edges: Optional[np.ndarray] = None) -> Graph:
    edge = _read_csv(raw / "edge.csv.gz", dtype=np.int64) if edges is None else edges
    # OGB graphs may repeat an edge (collab: several years); merge, keeping the max weight
    return as_graph(edge.T, num_nodes=num_nodes, directed=not add_inverse, aggregate="max")


def _read_link(name: str, folder: Path, split_name: str, add_inverse: bool) -> OGBData:
    raw = folder / "raw"
    n = _num_nodes(raw)
    split = {s: _load_pt(folder / "split" / split_name / f"{s}.pt") for s in ("train", "valid", "test")}
    # the message-passing graph is the training edges (OGB's protocol)
    train_edges = split["train"].get("edge")
    graph = _graph(raw, add_inverse, n, None if train_edges is None else train_edges)
    feats = _read_csv(raw / "node-feat.csv.gz", dtype=np.float32) if (raw / "node-feat.csv.gz").exists() else None
    return OGBData(name, "link", graph, split, node_features=feats, num_nodes=n)


def _read_node(name: str, folder: Path, split_name: str, add_inverse: bool) -> OGBData:
    raw = folder / "raw"
    n = _num_nodes(raw)
    graph = _graph(raw, add_inverse, n)
    feats = _read_csv(raw / "node-feat.csv.gz", dtype=np.float32) if (raw / "node-feat.csv.gz").exists() else None
    labels = _read_csv(raw / "node-label.csv.gz").reshape(-1)
    split = {s: _read_csv(folder / "split" / split_name / f"{s}.csv.gz", dtype=np.int64).reshape(-1)
             for s in ("train", "valid", "test")}
    return OGBData(name, "node", graph, split, node_features=feats, labels=labels, num_nodes=n)


def _read_kg(name: str, folder: Path, split_name: str) -> OGBData:
    raw = folder / "raw"
    split = {s: _load_pt(folder / "split" / split_name / f"{s}.pt") for s in ("train", "valid", "test")}
    if (raw / "num-node-dict.csv.gz").exists():
        return _read_hetero_kg(name, raw, split)
    if (raw / "num-node-list.csv.gz").exists():
        n = _num_nodes(raw)
    else:
        tr = split["train"]
        n = int(max(tr["head"].max(), tr["tail"].max())) + 1
    rel = split["train"]["relation"]
    return OGBData(name, "kg", None, split, num_nodes=n, num_relations=int(rel.max()) + 1)


def _read_hetero_kg(name: str, raw: Path, split: Dict[str, dict]) -> OGBData:
    """ogbl-biokg: per-type ids -> global ids (types in sorted order)."""
    import pandas as pd

    counts = pd.read_csv(raw / "num-node-dict.csv.gz", compression="gzip")
    types = sorted(counts.columns)
    num_nodes_dict = {t: int(counts[t].iloc[0]) for t in types}
    offsets, total = {}, 0
    for t in types:
        offsets[t] = total
        total += num_nodes_dict[t]
    for part in split.values():
        for side in ("head", "tail"):
            kinds = np.asarray(part[f"{side}_type"]).astype(str)
            unknown = sorted(set(kinds.tolist()) - set(types))
            if unknown:
                raise DatasetNotFoundError(f"{name}: entity types {unknown} in the split are missing from "
                                           f"{raw / 'num-node-dict.csv.gz'}")
            shift = np.array([offsets[k] for k in kinds], dtype=np.int64) if kinds.size else np.zeros(0, np.int64)
            part[side] = np.asarray(part[side], dtype=np.int64) + shift
            if f"{side}_neg" in part:  # negatives share the type of the entity they replace
                part[f"{side}_neg"] = np.asarray(part[f"{side}_neg"], dtype=np.int64) + shift[:, None]
            part[f"{side}_type"] = kinds
    triplet_types = pd.read_csv(raw / "triplet-type-list.csv.gz", compression="gzip", header=None).to_numpy()
    rel = split["train"]["relation"]
    num_relations = max(int(rel.max()) + 1 if rel.size else 0, len(triplet_types))
    return OGBData(name, "kg", None, split, num_nodes=total, num_relations=num_relations,
                   extra={"num_nodes_dict": num_nodes_dict, "type_offsets": offsets,
                          "triplet_types": [tuple(map(str, t)) for t in triplet_types]})
