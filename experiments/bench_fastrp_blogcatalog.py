"""Benchmark: FastRP on BlogCatalog, graphemb vs the reference formulation written the
plain way (scipy sparse float64 + scikit-learn ``SparseRandomProjection``, as the
reference code GTmac/FastRP does), timed in the same run at d=512 and d=128, with the
node-classification quality of both (LR C=0.1, 50% training, DeepWalk protocol).
``--solver liblinear`` evaluates with scikit-learn's liblinear logistic regression, which is
what the reference's scoring script (DeepWalk's, on scikit-learn < 0.22) ran; the default
``joint`` solver optimises scikit-learn's lbfgs objective (unpenalised intercept).

Setting (Chen et al., CIKM 2019, BlogCatalog): alpha = (0, 0, 1, 6.67), beta = -0.64,
per-power L2 normalisation, final standardisation, s = sqrt(n).

    python experiments/bench_fastrp_blogcatalog.py --budget small|full|test [--solver joint|liblinear] [--dims 512]
"""

from __future__ import annotations

import time
from typing import List

import numpy as np

from common import REPO, Timer, parse_args, write_results  # noqa: F401  (REPO puts graphemb on sys.path)

WEIGHTS = (0.0, 0.0, 1.0, 6.67)
BETA = -0.64
BUDGETS = {"test": {"dims": (32,), "shuffles": 1, "repeats": 1},
           "small": {"dims": (512, 128), "shuffles": 5, "repeats": 1},
           "full": {"dims": (512, 128), "shuffles": 5, "repeats": 3}}


def reference_fastrp(A, dim: int, weights=WEIGHTS, beta: float = BETA, random_state: int = 42) -> np.ndarray:
    """The reference formulation, plainly: M = D^-1 A in float64, sklearn's very sparse
    projection (density 1/sqrt(n)) with its components scaled by D^beta, sparse powers,
    dense row-L2 normalisation, weighted sum and ``sklearn.preprocessing.scale``."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize, scale
    from sklearn.random_projection import SparseRandomProjection

    n = A.shape[0]
    deg = np.asarray(A.sum(axis=1)).ravel()
    M = sp.spdiags(1.0 / deg, 0, n, n) @ A
    transformer = SparseRandomProjection(n_components=dim, random_state=random_state)
    transformer.fit(M)
    transformer.components_ = transformer.components_ @ sp.spdiags(np.power(deg, beta), 0, n, n)
    cur = transformer.transform(M)
    powers = [cur]
    for _ in range(2, len(weights) + 1):
        cur = M @ cur
        powers.append(cur)
    out = np.zeros((n, dim))
    for U, w in zip(powers, weights):
        U = U.toarray() if sp.issparse(U) else np.asarray(U)
        out += w * normalize(U, norm="l2", axis=1)
    return scale(out)


def quality(X, labels, shuffles: int, seed: int, solver: str = "joint") -> tuple:
    from graphemb.evaluation import evaluate_node_classification

    r = evaluate_node_classification(X, labels, train_ratios=(0.5,), shuffles=shuffles, C=0.1, random_state=seed,
                                     solver=solver)
    return r.micro_f1[0.5], r.macro_f1[0.5]


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--shuffles", type=int, default=None, help="override the budget's number of shuffles")
        p.add_argument("--dims", type=int, nargs="+", default=None, help="override the budget's dimensions")
        p.add_argument("--solver", choices=["joint", "liblinear"], default="joint",
                       help="logistic-regression solver of the classification protocol (liblinear = the reference's)")

    args = parse_args(__doc__.splitlines()[0], argv, extra=extra)
    import torch

    from graphemb.datasets import load_graph
    from graphemb.node import FastRP

    cfg = dict(BUDGETS[args.budget])
    if args.shuffles is not None:
        cfg["shuffles"] = args.shuffles
    if args.dims is not None:
        cfg["dims"] = tuple(args.dims)
    seed = (args.seeds or [0])[0]
    ds = load_graph("blogcatalog", args.data_root)
    A64 = ds.graph.to_scipy().astype(np.float64)
    rows: List[dict] = []
    start = time.perf_counter()
    print(f"BlogCatalog n={ds.graph.num_nodes} entries={ds.graph.num_entries}; torch threads "
          f"{torch.get_num_threads()}", flush=True)
    for dim in cfg["dims"]:
        contenders = [
            ("reference (scipy float64 + sklearn SparseRandomProjection)", lambda: reference_fastrp(A64, dim)),
            ("graphemb FastRP (torch CSR, float32)", lambda: FastRP(
                dim=dim, iteration_weights=WEIGHTS, normalization_strength=BETA, random_state=seed,
                device="cpu").fit(ds.graph).embeddings_),
            ("graphemb FastRP (backend='scipy', float32)", lambda: FastRP(
                dim=dim, iteration_weights=WEIGHTS, normalization_strength=BETA, random_state=seed,
                device="cpu", backend="scipy").fit(ds.graph).embeddings_),
        ]
        ref_time = ref_cpu = None
        for name, fn in contenders:
            times, cpu = [], []
            for _ in range(cfg["repeats"]):
                c0 = time.process_time()
                with Timer() as t:
                    X = fn()
                times.append(t.seconds)
                cpu.append(time.process_time() - c0)
            best = min(times)
            ref_time = best if ref_time is None else ref_time
            ref_cpu = min(cpu) if ref_cpu is None else ref_cpu
            micro, macro = quality(X, ds.labels, cfg["shuffles"], seed, args.solver)
            row = {"method": name, "dim": dim, "best_s": round(best, 3), "mean_s": round(float(np.mean(times)), 3),
                   "cpu_s": round(min(cpu), 3), "speedup_vs_reference": round(ref_time / best, 2),
                   "cpu_speedup_vs_reference": round(ref_cpu / min(cpu), 2), "micro_f1_50": round(micro, 4),
                   "macro_f1_50": round(macro, 4), "shuffles": cfg["shuffles"], "solver": args.solver}
            rows.append(row)
            print(f"d={dim:<4} {name:<58} best {best:7.3f} s (CPU {min(cpu):.2f} s)  x{row['speedup_vs_reference']:<6} "
                  f"micro {micro:.4f} macro {macro:.4f}", flush=True)
    write_results("bench_fastrp_blogcatalog", "FastRP on BlogCatalog: graphemb vs the reference formulation", rows,
                  out_dir=args.out_dir, budget=args.budget, seeds=[seed], time_s=time.perf_counter() - start,
                  notes=["targets (issue 3): d=512 micro >= 0.405, macro >= 0.268 at 50% training; graphemb >= 5x "
                         "faster than the reference formulation at equal quality",
                         "embedding time only (graph already loaded); best of repeats; the CPU (2 cores) was shared "
                         "with other jobs while measured, so timings are noisy; cpu_s is user+sys CPU time (all "
                         "threads): graphemb uses 2 threads, so its wall-time speedup on an idle machine is larger",
                         "GPU timing not measured: no GPU on this machine"])


if __name__ == "__main__":
    main()
