"""``graphemb experiment``: run the scripts of ``experiments/`` and summarise their results.

::

    graphemb experiment list
    graphemb experiment NAME [--budget test|small|full] [--device auto] [--seeds 0 1 2] [...]
    graphemb experiment summary [--results results/] [--out results/SUMMARY.md]

``NAME`` is the file name of a script in ``experiments/`` without ``.py``; every option
after it is passed to the script unchanged (``graphemb experiment NAME --help`` shows the
script's own options). The scripts live beside the package, in the repository's
``experiments/`` folder (``graphemb/../experiments``), so this command needs a source
checkout (``git clone`` + ``pip install -e .``); an installed wheel has no scripts. Set
``GRAPHEMB_EXPERIMENTS`` to point at another checkout's ``experiments/`` folder.
"""

from __future__ import annotations

import argparse
import ast
import os
import runpy
import sys
from pathlib import Path
from typing import Dict, List

from ..errors import GraphembError

#: modules of experiments/ that are helpers, not experiments
HELPER_MODULES = {"__init__", "common", "summary", "ogb_common"}


def experiments_dir() -> Path:
    """The ``experiments/`` folder of the source checkout this package runs from."""
    env = os.environ.get("GRAPHEMB_EXPERIMENTS")
    folder = Path(env) if env else Path(__file__).resolve().parents[2] / "experiments"
    if not (folder / "common.py").is_file():
        raise GraphembError(
            f"no experiments folder at {folder}: `graphemb experiment` needs a source checkout of graphemb "
            f"(its experiments/ sits beside the package) or GRAPHEMB_EXPERIMENTS pointing at one")
    return folder


def available_experiments() -> Dict[str, str]:
    """Experiment name -> first line of its docstring."""
    out = {}
    for path in sorted(experiments_dir().glob("*.py")):
        name = path.stem
        if name in HELPER_MODULES or name.startswith("_"):
            continue
        try:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        except SyntaxError as exc:
            doc = f"(does not parse: line {exc.lineno})"
        out[name] = doc.strip().splitlines()[0] if doc.strip() else ""
    return out


def run_experiment(name: str, argv: List[str]) -> int:
    """Run ``experiments/NAME.py`` as ``__main__`` with ``argv``; return its exit status."""
    names = available_experiments()
    if name not in names:
        raise GraphembError(f"unknown experiment {name!r}; available: {', '.join(names) or 'none'} "
                            f"(see `graphemb experiment list`)")
    folder = experiments_dir()
    path = folder / f"{name}.py"
    root = str(folder.parent)
    old_argv, old_path = sys.argv[:], sys.path[:]
    sys.argv = [str(path)] + list(argv)
    # as `python experiments/NAME.py` would: the script's folder first (`import common`), and the
    # checkout root so that `import experiments.common` resolves to this checkout
    sys.path[:0] = [str(folder)] + ([root] if root not in sys.path else [])
    try:
        runpy.run_path(str(path), run_name="__main__")
    except SystemExit as exc:  # argparse errors and sys.exit(main()) land here
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    finally:
        sys.argv, sys.path[:] = old_argv, old_path
    return 0


def _summary(argv: List[str]) -> int:
    folder = experiments_dir()
    p = argparse.ArgumentParser(prog="graphemb experiment summary",
                                description="gather results/*.json into one Markdown and one HTML page")
    p.add_argument("--results", default=str(folder.parent / "results"), help="folder of results/*.json")
    p.add_argument("--out", default=None, help="Markdown output (default RESULTS/SUMMARY.md; HTML beside it)")
    p.add_argument("--html", default=None, help="HTML output (default: --out with .html)")
    args = p.parse_args(argv)
    if str(folder.parent) not in sys.path:
        sys.path.insert(0, str(folder.parent))
    from experiments.summary import ResultsSchemaError, build_summary

    try:
        md, page, n = build_summary(args.results, args.out, args.html)
    except ResultsSchemaError as exc:
        raise GraphembError(str(exc)) from None
    print(f"{n} experiments -> {md} and {page}")
    return 0


def _handler(args: argparse.Namespace) -> int:
    if args.name == "list":
        exps = available_experiments()
        width = max((len(n) for n in exps), default=0)
        for name, doc in exps.items():
            print(f"{name:<{width}}  {doc}")
        return 0
    if args.name == "summary":
        return _summary(args.args)
    return run_experiment(args.name, args.args)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "experiment", help="run an experiment script (needs a source checkout), list them, or summarise results",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", help="experiment NAME (see `graphemb experiment list`), 'list' or 'summary'")
    p.add_argument("args", nargs=argparse.REMAINDER,
                   help="options for the script, e.g. --budget small --device auto --seeds 0 1")
    p.set_defaults(func=_handler)
