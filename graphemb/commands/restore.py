"""``graphemb restore``: RESTORE reconstruction report (HTML + JSON + Markdown) for embeddings.

    graphemb restore --graph blogcatalog --embeddings fastrp=fastrp.npy hope=hope.npy --out report.html
    graphemb restore --graph cn-100k --embeddings hope=hope.npy --semantic --n-queries 2000 --out cskg.html

``--graph`` is a dataset name (a knowledge graph becomes its undirected entity graph) or an
edge-list file; each embedding file is ``.npy`` or ``.safetensors`` (tensor ``embeddings`` or the
only tensor) with one row per graph node, in the graph's row order.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError


def load_embedding_file(path: str) -> np.ndarray:
    """Load an embedding matrix from ``.npy`` (no pickle) or ``.safetensors``."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"embedding file {path} does not exist")
    if p.suffix == ".npy":
        from ..utils.io import load_npy

        return load_npy(p)
    if p.suffix == ".safetensors":
        from safetensors.numpy import load_file

        tensors = load_file(str(p))
        if "embeddings" in tensors:
            return tensors["embeddings"]
        if len(tensors) == 1:
            return next(iter(tensors.values()))
        raise InvalidParameterError(f"{path}: several tensors {sorted(tensors)} and none named 'embeddings'")
    raise InvalidParameterError(f"{path}: expected a .npy or .safetensors file")


def load_graph_arg(spec: str, directed: bool = False):
    """A dataset name or an edge-list path -> Graph."""
    from ..datasets import GRAPH_DATASETS, KG_DATASETS, load_graph, load_kg
    from ..evaluation.restore import kg_to_graph
    from ..io_edgelist import read_edgelist

    if spec in GRAPH_DATASETS:
        return load_graph(spec).graph
    if spec in KG_DATASETS:
        return kg_to_graph(load_kg(spec), splits=("train",))
    if not Path(spec).exists():
        raise FileNotFoundError(f"--graph {spec}: neither a dataset name nor an existing edge-list file")
    return read_edgelist(spec, directed=directed)


def _handler(args: argparse.Namespace) -> int:
    from ..evaluation.report import evaluate_restore

    graph = load_graph_arg(args.graph, args.directed)
    embeddings = {}
    for item in args.embeddings:
        if "=" not in item:
            raise InvalidParameterError(f"--embeddings {item!r}: expected name=path")
        name, path = item.split("=", 1)
        embeddings[name] = load_embedding_file(path)
    report = evaluate_restore(
        graph, embeddings, hops=args.hops, similarity=args.similarity,
        labels=list(graph.node_ids) if args.semantic else None, n_queries=args.n_queries,
        random_state=args.seed, device=args.device, title=args.title or f"RESTORE report: {args.graph}",
        verbose=bool(getattr(args, "verbose", False)))
    paths = report.save(args.out)
    sys.stdout.write(report.to_markdown())
    sys.stdout.write("wrote " + ", ".join(str(p) for p in paths.values()) + "\n")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("restore", help="RESTORE reconstruction report (k-hop mAP, precision@k, semantics)")
    p.add_argument("--graph", required=True, help="dataset name or edge-list file")
    p.add_argument("--embeddings", nargs="+", required=True, metavar="NAME=PATH",
                   help=".npy or .safetensors files, one row per node in graph row order")
    p.add_argument("--out", default="restore.html", help="HTML path; .json and .md are written beside it")
    p.add_argument("--hops", type=int, default=3, help="evaluate 1..HOPS hops (default 3)")
    p.add_argument("--similarity", choices=["dot", "cosine", "euclidean"], default="dot")
    p.add_argument("--n-queries", type=int, default=None, help="sample this many query nodes (default: all)")
    p.add_argument("--semantic", action="store_true", help="word similarity/analogy tests on the node labels")
    p.add_argument("--directed", action="store_true", help="read an edge-list file as directed")
    p.add_argument("--device", default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--title", default=None)
    p.set_defaults(func=_handler)
