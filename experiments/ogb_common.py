"""Shared helpers of the OGB experiment scripts (Hu et al., "Open Graph Benchmark:
Datasets for Machine Learning on Graphs", NeurIPS 2020).

* thin wrappers around OGB's own evaluators (``ogb.linkproppred.Evaluator`` and
  ``ogb.nodeproppred.Evaluator``; they need no network), so every figure is computed by
  the official metric code;
* :func:`ogb_root`: where a script looks for datasets (``--data-root``, else
  ``$OGB_ROOT``, else ``<repo>/dataset``, the ``ogb`` package's default folder);
* :func:`write_tiny_ogb`: lays out a small synthetic dataset in OGB's exact on-disk
  format (checked against ``ogb``'s own ``LinkPropPredDataset`` /
  ``NodePropPredDataset`` readers in the tests), so every OGB script can run end to end
  without the real data, which cannot be downloaded on machines without network.

The tiny datasets are a planted-partition graph: nodes belong to communities and most
edges stay inside one, so link prediction and node classification on them are
learnable and a broken pipeline shows up as chance-level scores.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np

from experiments.common import REPO

#: OGB dataset name -> (metric key, split folder)
OGB_TASKS = {
    "ogbl-collab": ("hits@50", "time"),
    "ogbl-ddi": ("hits@20", "target"),
    "ogbl-wikikg2": ("mrr", "time"),
    "ogbl-biokg": ("mrr", "random"),
    "ogbn-arxiv": ("acc", "time"),
}

BIOKG_TYPES = ("disease", "drug", "function", "protein", "sideeffect")


def ogb_root(data_root: Optional[str]) -> Path:
    """The folder holding ``<name_with_underscores>/`` datasets in OGB's layout."""
    if data_root:
        return Path(data_root)
    return Path(os.environ.get("OGB_ROOT", str(REPO / "dataset")))


# --------------------------------------------------------------------- evaluators
def link_hits(name: str, pos_scores, neg_scores) -> float:
    """Hits@K of OGB's evaluator for ``name`` (K from OGB's master table)."""
    from ogb.linkproppred import Evaluator

    ev = Evaluator(name)
    out = ev.eval({"y_pred_pos": _as_np(pos_scores), "y_pred_neg": _as_np(neg_scores)})
    return float(out[ev.eval_metric])


def kg_ranking(name: str, pos_scores, neg_scores) -> Dict[str, float]:
    """MRR and Hits@1/3/10 from OGB's evaluator: ``pos`` (n,), ``neg`` (n, k)."""
    import torch
    from ogb.linkproppred import Evaluator

    # always torch: ogb's numpy MRR branch calls .sum(dim=1) on arrays and fails
    pos = torch.as_tensor(_as_np(pos_scores), dtype=torch.float64)
    neg = torch.as_tensor(_as_np(neg_scores), dtype=torch.float64)
    out = Evaluator(name).eval({"y_pred_pos": pos, "y_pred_neg": neg})
    return {k.replace("_list", ""): float(v.float().mean()) for k, v in out.items()}


def node_accuracy(name: str, y_true, y_pred) -> float:
    """Accuracy from OGB's node-property evaluator (labels as (n,) or (n, 1))."""
    from ogb.nodeproppred import Evaluator

    y_true = _as_np(y_true).reshape(-1, 1)
    y_pred = _as_np(y_pred).reshape(-1, 1)
    return float(Evaluator(name).eval({"y_true": y_true, "y_pred": y_pred})["acc"])


def _as_np(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def mean_std(values: Sequence[float]) -> tuple:
    """Mean and unbiased standard deviation (OGB reports torch.std over runs)."""
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


# ------------------------------------------------------------- tiny dataset writer
def _write_csv_gz(path: Path, rows: np.ndarray, header: Optional[Sequence[str]] = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = np.asarray(rows)
    if rows.ndim == 1:
        rows = rows.reshape(-1, 1)
    with gzip.open(path, "wt") as fh:
        if header is not None:
            fh.write(",".join(header) + "\n")
        for r in rows:
            fh.write(",".join(_fmt_cell(v) for v in r) + "\n")


def _fmt_cell(v) -> str:
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)


def _save_pt(path: Path, obj: dict) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(obj, path)


def _planted_edges(rng: np.random.Generator, n: int, communities: np.ndarray, m: int, p_in: float = 0.9) -> np.ndarray:
    """``m`` distinct undirected edges (u < v), a fraction ``p_in`` inside a community."""
    groups = [np.flatnonzero(communities == c) for c in np.unique(communities)]
    seen, out = set(), []
    while len(out) < m:
        if rng.random() < p_in:
            g = groups[rng.integers(len(groups))]
            u, v = rng.choice(g, 2, replace=False)
        else:
            u, v = rng.choice(n, 2, replace=False)
        key = (min(u, v), max(u, v))
        if key not in seen:
            seen.add(key)
            out.append(key)
    return np.array(out, dtype=np.int64)


def _release(folder: Path) -> None:
    # ogb's dataset classes ask on stdin to re-download a folder without this marker
    (folder / "processed").mkdir(parents=True, exist_ok=True)  # the zips ship it; ogb saves into it
    (folder / "RELEASE_v1.txt").write_text("tiny synthetic dataset written by experiments/ogb_common.py\n")


def write_tiny_ogb(name: str, root, *, num_nodes: int = 120, seed: int = 0) -> Path:
    """Write a small synthetic ``name`` dataset under ``root`` in OGB's layout; return its folder."""
    writers = {"ogbl-collab": _tiny_link, "ogbl-ddi": _tiny_link, "ogbl-wikikg2": _tiny_wikikg2,
               "ogbl-biokg": _tiny_biokg, "ogbn-arxiv": _tiny_arxiv}
    if name not in writers:
        raise ValueError(f"name must be one of {sorted(writers)}, got {name!r}")
    folder = Path(root) / name.replace("-", "_")
    _release(folder)
    writers[name](name, folder, num_nodes, np.random.default_rng(seed))
    return folder


def _tiny_link(name: str, folder: Path, n: int, rng: np.random.Generator) -> None:
    comm = rng.integers(0, 4, size=n)
    edges = _planted_edges(rng, n, comm, 5 * n)
    rng.shuffle(edges)
    n_eval = max(len(edges) // 10, 4)
    parts = {"valid": edges[:n_eval], "test": edges[n_eval:2 * n_eval], "train": edges[2 * n_eval:]}
    raw = folder / "raw"
    train = parts["train"]
    _write_csv_gz(raw / "edge.csv.gz", train)
    _write_csv_gz(raw / "num-node-list.csv.gz", np.array([n]))
    _write_csv_gz(raw / "num-edge-list.csv.gz", np.array([len(train)]))
    import torch

    is_collab = name == "ogbl-collab"
    split_dir = folder / "split" / OGB_TASKS[name][1]
    if is_collab:
        feats = rng.normal(size=(n, 8)).astype(np.float32) + np.eye(4, 8, dtype=np.float32)[comm]
        _write_csv_gz(raw / "node-feat.csv.gz", feats)
        years = rng.integers(1990, 2018, size=len(train))
        weights = rng.integers(1, 4, size=len(train))
        _write_csv_gz(raw / "edge_weight.csv.gz", weights)
        _write_csv_gz(raw / "edge_year.csv.gz", years)
    for s, e in parts.items():
        d = {"edge": torch.from_numpy(e)}
        if is_collab:  # collab's split carries the weight and year of every edge
            d["weight"] = torch.from_numpy(rng.integers(1, 4, size=len(e)))
            d["year"] = torch.from_numpy(rng.integers(2018, 2020, size=len(e)) if s != "train"
                                         else rng.integers(1990, 2018, size=len(e)))
        if s != "train":  # one shared set of negative pairs per split (OGB's protocol)
            d["edge_neg"] = torch.from_numpy(rng.integers(0, n, size=(3 * n, 2)))
        _save_pt(split_dir / f"{s}.pt", d)


def _kg_triples(rng: np.random.Generator, n: int, n_rel: int, m: int) -> np.ndarray:
    """Triples where relation ``r`` maps community ``c`` to community ``(c + r) % 4``."""
    comm = np.arange(n) % 4
    by_comm = [np.flatnonzero(comm == c) for c in range(4)]
    h = rng.integers(0, n, size=m)
    r = rng.integers(0, n_rel, size=m)
    t = np.array([rng.choice(by_comm[(comm[a] + b) % 4]) for a, b in zip(h, r)], dtype=np.int64)
    trip = np.unique(np.stack([h, r, t], 1), axis=0)
    rng.shuffle(trip)
    return trip


def _kg_split_dicts(rng: np.random.Generator, trip: np.ndarray, n_neg: int, neg_pool) -> Dict[str, dict]:
    import torch

    n_eval = max(len(trip) // 10, 4)
    parts = {"valid": trip[:n_eval], "test": trip[n_eval:2 * n_eval], "train": trip[2 * n_eval:]}
    out = {}
    for s, t in parts.items():
        d = {"head": torch.from_numpy(t[:, 0].copy()), "relation": torch.from_numpy(t[:, 1].copy()),
             "tail": torch.from_numpy(t[:, 2].copy())}
        if s != "train":
            d["head_neg"] = torch.from_numpy(neg_pool(t[:, 0], n_neg))
            d["tail_neg"] = torch.from_numpy(neg_pool(t[:, 2], n_neg))
        out[s] = d
    return out


def _tiny_wikikg2(name: str, folder: Path, n: int, rng: np.random.Generator) -> None:
    trip = _kg_triples(rng, n, 6, 8 * n)
    splits = _kg_split_dicts(rng, trip, 20, lambda ent, k: rng.integers(0, n, size=(len(ent), k)))
    raw = folder / "raw"
    tr = splits["train"]
    train = np.stack([tr["head"].numpy(), tr["tail"].numpy()], 1)
    _write_csv_gz(raw / "edge.csv.gz", train)
    _write_csv_gz(raw / "edge_reltype.csv.gz", tr["relation"].numpy())
    _write_csv_gz(raw / "num-node-list.csv.gz", np.array([n]))
    _write_csv_gz(raw / "num-edge-list.csv.gz", np.array([len(train)]))
    for s, d in splits.items():
        _save_pt(folder / "split" / "time" / f"{s}.pt", d)


def _tiny_biokg(name: str, folder: Path, n: int, rng: np.random.Generator) -> None:
    # global ids are laid out by type in sorted order; the files hold per-type ids
    types = np.array(BIOKG_TYPES)[np.arange(n) % len(BIOKG_TYPES)]
    counts = {t: int((types == t).sum()) for t in BIOKG_TYPES}
    order = np.argsort(types, kind="stable")          # global id -> node
    global_of = np.empty(n, np.int64)
    global_of[order] = np.arange(n)
    offsets = np.cumsum([0] + [counts[t] for t in BIOKG_TYPES])[:-1]
    offset = dict(zip(BIOKG_TYPES, offsets))
    local = np.array([global_of[i] - offset[types[i]] for i in range(n)], dtype=np.int64)
    # relation id r joins one (head type, tail type) pair, as in biokg; within the pair it maps
    # community c to community (c + r) % 4, so the tiny task is learnable
    rel_types = [(BIOKG_TYPES[r % 5], f"rel-{r}", BIOKG_TYPES[(r + 2) % 5]) for r in range(6)]
    comm = np.arange(n) % 4
    rows = set()
    for _ in range(8 * n):
        r = int(rng.integers(6))
        ht, _, tt = rel_types[r]
        h = int(rng.choice(np.flatnonzero(types == ht)))
        cand = np.flatnonzero((types == tt) & (comm == (comm[h] + r) % 4))
        if cand.size:
            rows.add((h, r, int(rng.choice(cand))))
    trip = np.array(sorted(rows), dtype=np.int64)
    rng.shuffle(trip)

    def neg_pool(ent_type_of_row, k):
        return np.stack([rng.integers(0, counts[tt], size=k) for tt in ent_type_of_row])

    raw = folder / "raw"
    _write_csv_gz(raw / "num-node-dict.csv.gz", np.array([[counts[t] for t in BIOKG_TYPES]]), header=BIOKG_TYPES)
    _write_csv_gz(raw / "triplet-type-list.csv.gz", np.array(rel_types, dtype=object))
    n_eval = max(len(trip) // 10, 4)
    parts = {"valid": trip[:n_eval], "test": trip[n_eval:2 * n_eval], "train": trip[2 * n_eval:]}
    import torch

    for s, t in parts.items():
        h, r, tt = t[:, 0], t[:, 1], t[:, 2]
        d = {"head": torch.from_numpy(local[h]), "relation": torch.from_numpy(r.copy()),
             "tail": torch.from_numpy(local[tt]), "head_type": [str(x) for x in types[h]],
             "tail_type": [str(x) for x in types[tt]]}
        if s != "train":
            d["head_neg"] = torch.from_numpy(neg_pool(types[h], 20))
            d["tail_neg"] = torch.from_numpy(neg_pool(types[tt], 20))
        _save_pt(folder / "split" / "random" / f"{s}.pt", d)
    train = parts["train"]
    for r, (ht, rn, tt) in enumerate(rel_types):
        sel = train[train[:, 1] == r]
        sub = raw / "relations" / "___".join((ht, rn, tt))
        _write_csv_gz(sub / "edge.csv.gz", np.stack([local[sel[:, 0]], local[sel[:, 2]]], 1).reshape(-1, 2))
        _write_csv_gz(sub / "num-edge-list.csv.gz", np.array([len(sel)]))
        _write_csv_gz(sub / "edge_reltype.csv.gz", np.full(len(sel), r))


def _tiny_arxiv(name: str, folder: Path, n: int, rng: np.random.Generator) -> None:
    n_classes = 4
    labels = rng.integers(0, n_classes, size=n)
    edges = _planted_edges(rng, n, labels, 4 * n)
    raw = folder / "raw"
    _write_csv_gz(raw / "edge.csv.gz", edges)          # directed citing -> cited
    _write_csv_gz(raw / "num-node-list.csv.gz", np.array([n]))
    _write_csv_gz(raw / "num-edge-list.csv.gz", np.array([len(edges)]))
    feats = rng.normal(size=(n, 8)).astype(np.float32) + 0.5 * np.eye(n_classes, 8, dtype=np.float32)[labels]
    _write_csv_gz(raw / "node-feat.csv.gz", feats)
    _write_csv_gz(raw / "node-label.csv.gz", labels)
    years = np.where(np.arange(n) < 0.6 * n, 2015, np.where(np.arange(n) < 0.8 * n, 2018, 2019))
    _write_csv_gz(raw / "node_year.csv.gz", years)
    idx = np.arange(n)
    split = folder / "split" / "time"
    _write_csv_gz(split / "train.csv.gz", idx[years <= 2017])
    _write_csv_gz(split / "valid.csv.gz", idx[years == 2018])
    _write_csv_gz(split / "test.csv.gz", idx[years == 2019])
    paper_ids = 1000 + 7 * idx
    _write_csv_gz(folder / "mapping" / "nodeidx2paperid.csv.gz", np.stack([idx, paper_ids], 1),
                  header=("node idx", "paper id"))
    # the optional text file OGB distributes separately (titleabs.tsv.gz: id, title, abstract)
    words = [["graph", "network", "node"], ["language", "text", "word"], ["image", "pixel", "vision"],
             ["theorem", "proof", "lemma"]]
    with gzip.open(folder / "titleabs.tsv.gz", "wt") as fh:
        for i in idx:
            w = words[labels[i]]
            fh.write(f"{paper_ids[i]}\tOn {w[0]} {w[1]}\tWe study {w[2]} and {w[rng.integers(3)]} methods.\n")
