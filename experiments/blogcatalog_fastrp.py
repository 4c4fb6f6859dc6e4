"""BlogCatalog node classification (DeepWalk protocol) with FastRP embeddings, plus the
inductive hold-out check of ``FastRP.transform``.

Table: micro/macro F1 of one-vs-rest logistic regression (C=0.1, top-k labels) at 10%..90%
training, averaged over shuffles (Chen et al., CIKM 2019, Table 3 protocol; FastRP with
d=512, alpha=(0, 0, 1, 6.67), beta=-0.64, per-power L2 normalisation, standardisation).

Other methods add rows through :data:`ROW_FUNCTIONS`: a function ``f(dataset, settings)``
returning ``[(method_name, embeddings, embed_seconds)]``; :func:`run` evaluates each
embedding with the same splits.

    python experiments/blogcatalog_fastrp.py --budget small|full|test
"""

from __future__ import annotations

import time
from typing import Callable, Dict, List, Tuple

import numpy as np

from common import REPO, parse_args, write_results  # noqa: F401  (REPO puts graphemb on sys.path)

BUDGETS: Dict[str, dict] = {
    "test": {"dim": 32, "shuffles": 1, "train_ratios": (0.5,), "max_iter": 100, "inductive": False,
             "baselines": ()},
    "small": {"dim": 512, "shuffles": 2, "train_ratios": (0.1, 0.5, 0.9), "max_iter": 1000, "inductive": True,
              "baselines": ("hope", "deepwalk", "node2vec")},
    "full": {"dim": 512, "shuffles": 5, "train_ratios": tuple(i / 10 for i in range(1, 10)), "max_iter": 1000,
             "inductive": True, "baselines": ("hope", "deepwalk", "node2vec")},
}
#: the baselines' setting (DeepWalk paper / issue 4): d=128, 10 walks of length 80, window 10
BASELINE_DIM = 128
FASTRP_PAPER = {"iteration_weights": (0.0, 0.0, 1.0, 6.67), "normalization_strength": -0.64,
                "formulation": "paper"}
C = 0.1
COLUMNS = ["method", "dim", "train_ratio", "micro_f1", "micro_f1_std", "macro_f1", "macro_f1_std", "embed_s",
           "shuffles"]
PUBLISHED = [
    {"method": "FastRP (reference code GTmac/FastRP)", "dim": 512, "train_ratio": 0.5, "micro_f1": 0.409,
     "macro_f1": 0.272, "source": "issue 3: reference code run on this protocol"},
    {"method": "FastRP (reference notebook)", "dim": 512, "train_ratio": 0.5, "micro_f1": 0.412,
     "macro_f1": 0.275, "source": "GTmac/FastRP notebook, as quoted in issue 3"},
]


def settings_for(args) -> dict:
    """Budget settings plus the seed and device from the command line."""
    cfg = dict(BUDGETS[args.budget])
    cfg["seed"] = (args.seeds or [0])[0]
    cfg["device"] = args.device
    return cfg


def fastrp_rows(ds, cfg: dict) -> List[Tuple[str, np.ndarray, float]]:
    """FastRP in the paper's BlogCatalog setting."""
    from graphemb.node import FastRP

    start = time.perf_counter()
    model = FastRP(dim=cfg["dim"], random_state=cfg["seed"], device=cfg["device"], **FASTRP_PAPER).fit(ds.graph)
    return [("FastRP (graphemb)", model.embeddings_, time.perf_counter() - start)]


def baseline_rows(ds, cfg: dict) -> List[Tuple[str, np.ndarray, float]]:
    """HOPE, DeepWalk and node2vec (p=q=0.25) at d=128 (skip-gram: 5 epochs, the default), as listed in the budget."""
    from graphemb.node import HOPE, DeepWalk, Node2Vec

    makers = {
        "hope": ("HOPE (graphemb)", lambda: HOPE(dim=BASELINE_DIM, random_state=cfg["seed"])),
        "deepwalk": ("DeepWalk (graphemb)", lambda: DeepWalk(dim=BASELINE_DIM, walk_length=80, walks_per_node=10,
                                                             window=10, random_state=cfg["seed"])),
        "node2vec": ("node2vec p=0.25 q=0.25 (graphemb)", lambda: Node2Vec(  # the paper's best BlogCatalog p, q
            dim=BASELINE_DIM, walk_length=80, walks_per_node=10, window=10, p=0.25, q=0.25, random_state=cfg["seed"])),
    }
    out = []
    for key in cfg["baselines"]:
        label, make = makers[key]
        start = time.perf_counter()
        X = make().fit(ds.graph).embeddings_
        out.append((label, X, time.perf_counter() - start))
    return out


#: functions producing (method, embeddings, seconds)
ROW_FUNCTIONS: List[Callable] = [fastrp_rows, baseline_rows]


def evaluate_rows(method: str, X: np.ndarray, ds, cfg: dict, seconds: float) -> List[dict]:
    """One table row per training ratio for embeddings ``X``."""
    from graphemb.evaluation import evaluate_node_classification

    res = evaluate_node_classification(X, ds.labels, train_ratios=cfg["train_ratios"], shuffles=cfg["shuffles"],
                                       C=C, random_state=cfg["seed"], max_iter=cfg["max_iter"])
    return [{"method": method, "dim": int(X.shape[1]), "shuffles": cfg["shuffles"], "embed_s": round(seconds, 3),
             **{k: r[k] for k in ("train_ratio", "micro_f1", "micro_f1_std", "macro_f1", "macro_f1_std")}}
            for r in res.as_rows()]


def run(args) -> List[dict]:
    """Evaluate every method of :data:`ROW_FUNCTIONS` on BlogCatalog; return the rows."""
    from graphemb.datasets import load_graph

    cfg = settings_for(args)
    ds = load_graph("blogcatalog", args.data_root)
    rows = []
    for fn in ROW_FUNCTIONS:
        for method, X, seconds in fn(ds, cfg):
            for row in evaluate_rows(method, X, ds, cfg, seconds):
                rows.append(row)
                print(f"{method:<28} d={row['dim']:<4} train {row['train_ratio']:.1f}  micro {row['micro_f1']:.4f}  "
                      f"macro {row['macro_f1']:.4f}  ({seconds:.1f} s to embed)", flush=True)
    return rows


def _train_test_f1(Xtr, Ytr, Xte, Yte, max_iter: int) -> Tuple[float, float]:
    """Micro/macro F1 of one-vs-rest LR trained on (Xtr, Ytr), top-k predictions on Xte."""
    from sklearn.metrics import f1_score

    from graphemb.evaluation.node_classification import fit_one_vs_rest_logistic, top_k_predictions

    Ytr, Yte = Ytr.toarray().astype(bool), Yte
    keep = Ytr.sum(axis=0) > 0
    W = fit_one_vs_rest_logistic(Xtr.astype(np.float64), Ytr[:, keep], C, max_iter=max_iter)
    scores = np.full((Xte.shape[0], Ytr.shape[1]), -np.inf)
    scores[:, keep] = Xte.astype(np.float64) @ W[:-1] + W[-1]
    pred = top_k_predictions(scores, np.asarray(Yte.sum(axis=1)).ravel().astype(np.int64))
    return (float(f1_score(Yte, pred, average="micro", zero_division=0)),
            float(f1_score(Yte, pred, average="macro", zero_division=0)))


def run_inductive(args, held_fraction: float = 0.1) -> List[dict]:
    """Hold out 10% of the nodes, fit on the rest, embed the held-out nodes with
    ``transform(full graph)``; compare with refitting on the full graph."""
    from graphemb.datasets import load_graph
    from graphemb.node import FastRP

    cfg = settings_for(args)
    ds = load_graph("blogcatalog", args.data_root)
    G, Y = ds.graph, ds.labels.tocsr()
    n = G.num_nodes
    perm = np.random.default_rng(cfg["seed"]).permutation(n)
    held, kept = np.sort(perm[: int(round(held_fraction * n))]), np.sort(perm[int(round(held_fraction * n)):])
    kw = dict(dim=cfg["dim"], random_state=cfg["seed"], device=cfg["device"], **FASTRP_PAPER)
    model = FastRP(**kw).fit(G.subgraph(kept))
    refit = FastRP(**kw).fit(G).embeddings_
    rows = []
    for stats in ("fitted", "recompute"):
        induct = model.transform(G, statistics=stats)
        a, b = induct[held].astype(np.float64), refit[held].astype(np.float64)
        cos = np.sum(a * b, axis=1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)
        mi_t, ma_t = _train_test_f1(model.embeddings_, Y[kept], induct[held], Y[held], cfg["max_iter"])
        rows.append({"setting": f"transform, statistics={stats!r} (fit on 90%, embed held-out 10%)",
                     "held_out_micro_f1": mi_t, "held_out_macro_f1": ma_t, "mean_cosine_to_refit": float(cos.mean()),
                     "relative_l2_gap": float(np.linalg.norm(a - b) / np.linalg.norm(b))})
    mi_r, ma_r = _train_test_f1(refit[kept], Y[kept], refit[held], Y[held], cfg["max_iter"])
    rows.append({"setting": "refit on the full graph", "held_out_micro_f1": mi_r, "held_out_macro_f1": ma_r,
                 "mean_cosine_to_refit": 1.0, "relative_l2_gap": 0.0})
    for r in rows:
        print(f"{r['setting']:<70} micro {r['held_out_micro_f1']:.4f} macro {r['held_out_macro_f1']:.4f} "
              f"cos {r['mean_cosine_to_refit']:.4f} rel-L2 {r['relative_l2_gap']:.4f}", flush=True)
    return rows


def main(argv=None) -> None:
    args = parse_args(__doc__.splitlines()[0], argv)
    start = time.perf_counter()
    rows = run(args)
    cfg = settings_for(args)
    write_results("blogcatalog_fastrp", "BlogCatalog node classification (DeepWalk protocol, LR C=0.1)", rows,
                  out_dir=args.out_dir, budget=args.budget, seeds=[cfg["seed"]], time_s=time.perf_counter() - start,
                  columns=COLUMNS, published=PUBLISHED,
                  notes=["acceptance (issue 3): FastRP d=512 at 50% training: micro >= 0.405, macro >= 0.268",
                         "CPU shared with other jobs while measured: embed_s is noisy"])
    if cfg["inductive"]:
        start = time.perf_counter()
        ind = run_inductive(args)
        write_results("blogcatalog_fastrp_inductive", "FastRP transform on held-out BlogCatalog nodes (10%)", ind,
                      out_dir=args.out_dir, budget=args.budget, seeds=[cfg["seed"]],
                      time_s=time.perf_counter() - start,
                      notes=["held-out F1: LR (C=0.1) trained on the 90% kept nodes' embeddings, tested on the "
                             "held-out nodes; cosine: transform vs refit embeddings of held-out nodes"])


if __name__ == "__main__":
    main()
