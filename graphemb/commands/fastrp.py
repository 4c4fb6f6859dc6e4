"""``graphemb fastrp GRAPH --dim D --out emb.npy``: FastRP embeddings from the shell.

Writes the embeddings (``.npy``, float32, one row per node), the node label of each row
(``--ids``, default ``<out stem>.nodes.txt``, one label a line) and, on request, the
word2vec text format (``--word2vec PATH``: a ``n d`` header, then ``label v1 ... vd``).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path


from ..errors import InvalidParameterError

logger = logging.getLogger(__name__)


def _load(target: str, args: argparse.Namespace):
    from ..datasets import GRAPH_DATASETS, load_graph
    from ..io_edgelist import read_edgelist

    if target in GRAPH_DATASETS and not Path(target).exists():
        return load_graph(target, args.root).graph
    path = Path(target)
    if not path.exists():
        raise FileNotFoundError(f"{target}: no such edge-list file or graph dataset")
    return read_edgelist(path, directed=args.directed, aggregate=args.aggregate)


def _cmd_fastrp(args: argparse.Namespace) -> int:
    from ..node import FastRP
    from ..utils.io import atomic_save_npy, atomic_write_text

    graph = _load(args.graph, args)
    sparsity = args.sparsity
    if sparsity is not None and sparsity != "sqrt":
        try:
            sparsity = float(sparsity)
        except ValueError:
            raise InvalidParameterError(f"--sparsity must be a number >= 1 or 'sqrt', got {sparsity!r}") from None
    params = dict(dim=args.dim, iteration_weights=args.iteration_weights,
                  normalization_strength=args.normalization_strength,
                  node_self_influence=args.node_self_influence, formulation=args.formulation,
                  sparsity=sparsity, direction=args.direction, weighted=not args.unweighted,
                  random_state=args.random_state, dtype=args.dtype)
    if args.nproc > 1:
        from ..distributed import fastrp_distributed
        from ..graph import as_graph

        graph = as_graph(graph)
        emb, nodes = fastrp_distributed(graph, args.nproc, **params), graph.node_ids
    else:
        model = FastRP(**params, device=args.device, column_chunk_size=args.column_chunk_size,
                       verbose=args.verbose_progress)
        emb = model.fit(graph).embeddings_
        nodes = model.nodes_
    out = Path(args.out)
    atomic_save_npy(out, emb)
    ids_path = Path(args.ids) if args.ids else out.with_name(out.stem + ".nodes.txt")
    labels = [str(v) for v in nodes.tolist()]
    if any(any(c.isspace() for c in lab) or not lab for lab in labels):
        logger.warning("some node labels contain whitespace; the id and word2vec files keep them as is")
    atomic_write_text(ids_path, "".join(f"{lab}\n" for lab in labels))
    if args.word2vec:
        lines = [f"{emb.shape[0]} {emb.shape[1]}"]
        lines += [lab + " " + " ".join(f"{x:.6g}" for x in row) for lab, row in zip(labels, emb.tolist())]
        atomic_write_text(args.word2vec, "\n".join(lines) + "\n")
    logger.info("wrote %s (%d x %d) and %s", out, emb.shape[0], emb.shape[1], ids_path)
    return 0


def register(subparsers) -> None:
    """Add the ``fastrp`` command."""
    p = subparsers.add_parser("fastrp", help="FastRP node embeddings (Chen et al. 2019 / Neo4j GDS)")
    p.add_argument("graph", help="edge-list file (u v [w] per line) or a graph dataset name (e.g. blogcatalog)")
    p.add_argument("--out", required=True, help="output .npy file")
    p.add_argument("--ids", default=None, help="node-id file (default: <out stem>.nodes.txt)")
    p.add_argument("--word2vec", default=None, metavar="PATH", help="also write word2vec text format here")
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--formulation", choices=["paper", "gds"], default="paper")
    p.add_argument("--iteration-weights", type=float, nargs="+", default=None,
                   help="weights of powers 1..K (default: paper 0 0 1 6.67, gds 0 1 1)")
    p.add_argument("--normalization-strength", type=float, default=0.0, help="beta: degree**beta scaling")
    p.add_argument("--node-self-influence", type=float, default=0.0)
    p.add_argument("--sparsity", default=None, help="s >= 1 or 'sqrt' (default: paper sqrt(n), gds 3)")
    p.add_argument("--direction", choices=["out", "in", "both"], default="out")
    p.add_argument("--directed", action="store_true", help="read the edge list as directed")
    p.add_argument("--aggregate", default=None, help="merge repeated edges: sum|mean|max|min|first")
    p.add_argument("--unweighted", action="store_true", help="ignore edge weights")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--column-chunk-size", type=int, default=None)
    p.add_argument("--root", default=None, help="data root for dataset names")
    p.add_argument("--progress", dest="verbose_progress", action="store_true", help="show a progress bar")
    p.add_argument("--nproc", type=int, default=1,
                   help="compute with N local processes (torch.distributed, gloo on CPU); same result")
    p.set_defaults(func=_cmd_fastrp)
