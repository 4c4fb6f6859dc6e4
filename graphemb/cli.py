"""The ``graphemb`` command line.

Core commands live here (``datasets``, ``info``); feature modules add theirs through a
``register(subparsers)`` function in a module of :mod:`graphemb.commands`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from pathlib import Path
from typing import List, Optional

from .errors import GraphembError



def command_modules() -> List[str]:
    """Modules in :mod:`graphemb.commands` (each exposes ``register(subparsers)``)."""
    import pkgutil

    from . import commands

    return sorted(f"{commands.__name__}.{m.name}" for m in pkgutil.iter_modules(commands.__path__))


def _cmd_datasets(args: argparse.Namespace) -> int:
    from .datasets import list_datasets

    rows = list_datasets(args.root)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        where = r["path"] or "not found"
        size = f"{r['bytes'] / 1e6:8.1f} MB" if r["path"] else " " * 11
        print(f"{r['name']:<{width}}  {r['kind']:<5}  {size}  {where}")
    return 0


def _looks_like_kg(path: Path) -> bool:
    if path.is_dir():
        return (path / "train.txt").exists()
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                return line.count("\t") == 2 and len(line.split("\t")) == 3 and not _numeric_edge(line)
    return False


def _numeric_edge(line: str) -> bool:
    parts = line.split()
    try:
        float(parts[-1])
        int(parts[0])
        return True
    except (ValueError, IndexError):
        return False


def _cmd_info(args: argparse.Namespace) -> int:
    from .datasets import GRAPH_DATASETS, KG_DATASETS, load_graph, load_kg
    from .io_edgelist import read_edgelist
    from .kg import KnowledgeGraph

    target = args.target
    if target in KG_DATASETS:
        summary = load_kg(target, args.root).summary()
    elif target in GRAPH_DATASETS:
        summary = load_graph(target, args.root).graph.summary()
    else:
        path = Path(target)
        if not path.exists():
            raise GraphembError(f"{target}: not a file, folder or known dataset name")
        kind = args.kind or ("kg" if _looks_like_kg(path) else "graph")
        if kind == "kg":
            if path.is_dir():
                files = {s: path / f"{s}.txt" for s in ("train", "valid", "test")}
                kg = KnowledgeGraph.from_files(files["train"], *(files[s] if files[s].exists() else None
                                                                  for s in ("valid", "test")))
            else:
                kg = KnowledgeGraph.from_files(path, name=path.stem)
            summary = kg.summary()
        else:
            g = read_edgelist(path, directed=args.directed, aggregate=args.aggregate)
            summary = g.summary()
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for k, v in summary.items():
            print(f"{k:>32}: {v}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graphemb", description="Graph and knowledge-graph embeddings.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("datasets", help="list the datasets found and their sizes")
    p.add_argument("--root", default=None, help="data root (default: GRAPHEMB_DATA, datasets/, ../shared/datasets)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_datasets)

    p = sub.add_parser("info", help="summarise a graph or knowledge-graph file, folder or dataset name")
    p.add_argument("target", help="edge-list file, triple file, KG folder with train.txt, or a dataset name")
    p.add_argument("--kind", choices=["graph", "kg"], default=None, help="force the input kind")
    p.add_argument("--directed", action="store_true", help="read an edge list as directed")
    p.add_argument("--aggregate", default=None, help="merge repeated edges: sum|mean|max|min|first")
    p.add_argument("--root", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_info)

    for name in command_modules():
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except (GraphembError, FileNotFoundError) as exc:
        print(f"graphemb: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("graphemb: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
