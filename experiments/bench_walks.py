"""Walk throughput: graphemb's vectorised torch walks vs PecanPy (numba), same run.

BlogCatalog, 10 walks per node of length 80, for p=q=1 and p=0.25, q=4. PecanPy's
numba kernel is timed on its own (after a warm-up call that compiles it), without the
conversion of its walks to lists of strings, and with the mode PecanPy recommends for
each setting (``FirstOrderUnweighted`` for p=q=1, ``SparseOTF`` for node2vec on a sparse
graph) plus ``SparseOTF`` for p=q=1. Steps = walks x walk_length (nodes written).

Run in the benchmark venv (it has pecanpy):
``PYTHONPATH=. /work/bench_venv/bin/python experiments/bench_walks.py [--threads 2]``.
PecanPy imports ``nptyping``, which references NumPy aliases removed in NumPy 2; this
script restores those aliases before importing it (benchmark-only shim).
"""

from __future__ import annotations

import time

import numpy as np

from common import parse_args, write_results

_NUMPY_ALIASES = {"bool8": "bool_", "bytes0": "bytes_", "cfloat": "complex128", "clongfloat": "clongdouble",
                  "complex_": "complex128", "float_": "float64", "int0": "intp", "longcomplex": "clongdouble",
                  "longfloat": "longdouble", "object0": "object_", "singlecomplex": "complex64", "str0": "str_",
                  "string_": "bytes_", "uint0": "uintp", "unicode_": "str_", "void0": "void"}


def _extra(p):
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--walks-per-node", type=int, default=10)
    p.add_argument("--walk-length", type=int, default=80)
    p.add_argument("--no-peer", action="store_true")


def pecanpy_seconds(A, mode: str, p: float, q: float, walks_per_node: int, walk_length: int, workers: int):
    """Seconds of PecanPy's walk kernel (compiled beforehand) for all nodes x walks_per_node."""
    for a, b in _NUMPY_ALIASES.items():
        if not hasattr(np, a):
            setattr(np, a, getattr(np, b))
    from numba_progress import ProgressBar
    from pecanpy import pecanpy as pp

    g = getattr(pp, mode)(p=p, q=q, workers=workers, verbose=False, extend=False, random_state=0)
    g.set_node_ids([str(i) for i in range(A.shape[0])])
    g.indptr, g.indices, g.data = A.indptr.astype(np.uint32), A.indices.astype(np.uint32), A.data.astype(np.float32)
    g.preprocess_transition_probs()
    starts = np.concatenate([np.arange(g.num_nodes, dtype=np.uint32)] * walks_per_node)
    with ProgressBar(total=len(starts), disable=True) as bar:
        g._random_walks(64, 5, 0, starts[:64], g.get_has_nbrs(), g.get_move_forward(), bar)  # compile
        t = time.perf_counter()
        W = g._random_walks(len(starts), walk_length - 1, 0, starts, g.get_has_nbrs(), g.get_move_forward(), bar)
        dt = time.perf_counter() - t
    assert W.shape[0] == len(starts)
    return dt


def main(argv=None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv, _extra)
    import torch

    from graphemb.datasets import load_graph
    from graphemb.sampling import GraphTensors, random_walks
    from graphemb.utils import resolve_device

    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    G = load_graph("blogcatalog", root=args.data_root).graph
    wpn, L = (1, 10) if args.budget == "test" else (args.walks_per_node, args.walk_length)
    dev = resolve_device(args.device)
    gt = GraphTensors.from_graph(G, dev)
    steps = G.num_nodes * wpn * L
    rows = []
    started = time.perf_counter()
    for p, q, peer_modes in [(1.0, 1.0, ["FirstOrderUnweighted", "SparseOTF"]), (0.25, 4.0, ["SparseOTF"])]:
        random_walks(gt, 5, 1, p=p, q=q, random_state=0)  # build the membership index, warm caches
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        W = random_walks(gt, L, wpn, p=p, q=q, random_state=0)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        ours = time.perf_counter() - t
        assert W.shape == (G.num_nodes * wpn, L)
        row = {"p": p, "q": q, "walks": W.shape[0], "walk_length": L, "device": str(dev), "threads": threads,
               "graphemb_s": round(ours, 3), "graphemb_Msteps_s": round(steps / ours / 1e6, 3)}
        if not args.no_peer:
            for mode in peer_modes:
                peer = pecanpy_seconds(G.to_scipy(), mode, p, q, wpn, L, threads)
                row[f"pecanpy_{mode}_s"] = round(peer, 3)
                row[f"pecanpy_{mode}_Msteps_s"] = round(steps / peer / 1e6, 3)
            best = min(row[f"pecanpy_{m}_s"] for m in peer_modes)
            row["speedup_vs_best_pecanpy"] = round(best / ours, 2)
        rows.append(row)
        print(row, flush=True)
    notes = ["Steps = walks x walk_length. PecanPy kernel timed after numba compilation, without string mapping.",
             "Measured on a CPU shared with other jobs: timings are noisy."]
    path = write_results("bench_walks", "Random-walk throughput on BlogCatalog: graphemb vs PecanPy", rows,
                         out_dir=args.out_dir, budget=args.budget, time_s=time.perf_counter() - started, notes=notes)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
