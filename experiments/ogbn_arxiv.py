"""ogbn-arxiv: FastRP + node features (+ title/abstract text features) with a linear model or an MLP, accuracy.

Protocol of the Open Graph Benchmark (Hu et al., NeurIPS 2020): papers published until
2017 train, 2018 validate, 2019 test; accuracy from ``ogb.nodeproppred.Evaluator``.
FastRP (Chen et al., "Fast and Accurate Network Embeddings via Very Sparse Random
Projection", CIKM 2019) embeds the citation graph made undirected (as OGB's baselines
do); its rows are standardised and concatenated with OGB's 128-dimensional word2vec
node features. When the titles and abstracts OGB distributes separately
(``titleabs.tsv.gz``, joined through ``mapping/nodeidx2paperid.csv.gz``) sit in the
dataset folder, TF-IDF + truncated SVD text features are added too. Feature sets:
``feat`` (OGB features only, OGB's MLP baseline), ``fastrp``, ``feat+fastrp`` and, with
text, ``feat+fastrp+text``. Classifiers: logistic regression (``linear``, scikit-learn)
and a torch MLP (``mlp``; OGB's 3-layer, 256-wide baseline shape in ``small`` and ``full``).
"""

from __future__ import annotations

import gzip
import logging
import sys
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

if __package__ in (None, ""):  # run as `python experiments/ogbn_arxiv.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.common import Timer, parse_args, print_table, write_results
from experiments.ogb_common import mean_std, node_accuracy, ogb_root

log = logging.getLogger(__name__)

LEADERBOARD = "OGB leaderboard (ogb.stanford.edu/docs/leader_nodeprop) / Hu et al. 2020"
PUBLISHED = [
    {"features": "feat", "classifier": "mlp", "test_acc": 0.5550, "test_std": 0.0023, "source": LEADERBOARD},
    {"features": "node2vec+feat", "classifier": "mlp", "test_acc": 0.7007, "test_std": 0.0013, "source": LEADERBOARD},
    {"features": "feat (GCN)", "classifier": "gcn", "test_acc": 0.7174, "test_std": 0.0029, "source": LEADERBOARD},
    {"features": "feat (GraphSAGE)", "classifier": "sage", "test_acc": 0.7149, "test_std": 0.0027,
     "source": LEADERBOARD},
]

BUDGETS: Dict[str, dict] = {
    "test": dict(fastrp_dim=16, text_dim=8, mlp=dict(hidden=32, layers=2, epochs=10, lr=0.01, dropout=0.0),
                 seeds=[0]),
    "small": dict(fastrp_dim=128, text_dim=64, mlp=dict(hidden=256, layers=3, epochs=100, lr=0.01, dropout=0.5),
                  seeds=[0]),
    "full": dict(fastrp_dim=256, text_dim=128, mlp=dict(hidden=256, layers=3, epochs=500, lr=0.01, dropout=0.5),
                 seeds=list(range(10))),
}


def text_features(folder: Path, num_nodes: int, dim: int, seed: int) -> Optional[np.ndarray]:
    """TF-IDF + SVD of title + abstract, or ``None`` when ``titleabs.tsv(.gz)`` is absent."""
    import pandas as pd
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    cands = [folder / n for n in ("titleabs.tsv.gz", "titleabs.tsv")] + \
        [folder / "mapping" / n for n in ("titleabs.tsv.gz", "titleabs.tsv")]
    path = next((c for c in cands if c.exists()), None)
    mapping = folder / "mapping" / "nodeidx2paperid.csv.gz"
    if path is None or not mapping.exists():
        return None
    opener = gzip.open if path.suffix == ".gz" else open
    ids, texts = [], []
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2 or not parts[0].strip().isdigit():
                continue  # header or malformed line
            ids.append(int(parts[0]))
            texts.append(" ".join(parts[1:]))
    node_paper = pd.read_csv(mapping, compression="gzip")
    by_id = dict(zip(ids, texts))
    docs = [by_id.get(int(p), "") for p in node_paper.iloc[:, 1].to_numpy()]
    if len(docs) != num_nodes:
        raise ValueError(f"{mapping}: {len(docs)} rows, expected {num_nodes} (one per node)")
    tfidf = TfidfVectorizer(min_df=1 if num_nodes < 1000 else 3, max_features=200_000, sublinear_tf=True)
    M = tfidf.fit_transform(docs)
    k = max(1, min(dim, M.shape[1] - 1, num_nodes - 1))
    return TruncatedSVD(k, random_state=seed).fit_transform(M).astype(np.float32)


def _standardise(X: np.ndarray, train_idx: np.ndarray) -> np.ndarray:
    mu, sd = X[train_idx].mean(0), X[train_idx].std(0)
    return ((X - mu) / np.where(sd > 0, sd, 1.0)).astype(np.float32)


def fit_linear(X, y, sp, seed):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(max_iter=1000, C=1.0, random_state=seed).fit(X[sp["train"]], y[sp["train"]])
    return {s: clf.predict(X[sp[s]]) for s in ("valid", "test")}


def fit_mlp(X, y, sp, cfg, seed, device):
    """Full-batch MLP (Linear-BN-ReLU blocks as in OGB's baseline, dropout on the input, Adam); best valid epoch."""
    import torch

    from graphemb.utils import resolve_device, torch_generator

    dev = resolve_device(device)
    gen = torch_generator(seed)
    n_cls = int(y.max()) + 1
    dims = [X.shape[1]] + [cfg["hidden"]] * (cfg["layers"] - 1) + [n_cls]
    layers: List[torch.nn.Module] = []
    for i in range(len(dims) - 1):
        lin = torch.nn.Linear(dims[i], dims[i + 1])
        with torch.no_grad():
            b = 1.0 / np.sqrt(dims[i])
            lin.weight.uniform_(-b, b, generator=gen)
            lin.bias.uniform_(-b, b, generator=gen)
        layers.append(lin)
        if i < len(dims) - 2:
            layers += [torch.nn.BatchNorm1d(dims[i + 1]), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers).to(dev)
    Xt, yt = torch.from_numpy(X).to(dev), torch.from_numpy(y.astype(np.int64)).to(dev)
    idx = {s: torch.from_numpy(sp[s]).to(dev) for s in sp}
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    best, best_pred = -1.0, None
    for _ in range(cfg["epochs"]):
        model.train()
        h = Xt[idx["train"]]
        if cfg["dropout"] > 0:  # dropout on the input with our generator (no global RNG)
            keep = torch.rand(h.shape, generator=gen).to(dev) >= cfg["dropout"]
            h = h * keep / (1 - cfg["dropout"])
        loss = torch.nn.functional.cross_entropy(model(h), yt[idx["train"]])
        opt.zero_grad()
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            pred = model(Xt).argmax(1)
        acc = float((pred[idx["valid"]] == yt[idx["valid"]]).float().mean())
        if acc > best:
            best, best_pred = acc, pred.cpu().numpy()
    return {s: best_pred[sp[s]] for s in ("valid", "test")}


def run(args) -> List[dict]:
    from graphemb.datasets import load_ogb
    from graphemb.node import FastRP

    cfg = BUDGETS[args.budget]
    seeds = args.seeds if args.seeds else cfg["seeds"]
    name = "ogbn-arxiv"
    folder = ogb_root(args.data_root) / "ogbn_arxiv"
    with Timer() as total:
        data = load_ogb(name, ogb_root(args.data_root))
        y = np.asarray(data.labels).reshape(-1).astype(np.int64)
        sp = {s: np.asarray(v, dtype=np.int64) for s, v in data.split.items()}
        undirected = data.graph.symmetrize("max")  # OGB's baselines use the undirected citation graph
        per: Dict[tuple, dict] = {}
        for seed in seeds:
            with Timer() as t_emb:
                emb = np.asarray(FastRP(dim=cfg["fastrp_dim"], random_state=seed).fit(undirected).embeddings_,
                                 dtype=np.float32)
            blocks = {"fastrp": _standardise(emb, sp["train"])}
            if data.node_features is not None:
                blocks["feat"] = _standardise(np.asarray(data.node_features, np.float32), sp["train"])
            text = None if args.no_text else text_features(folder, data.num_nodes, cfg["text_dim"], seed)
            if text is not None:
                blocks["text"] = _standardise(text, sp["train"])
            sets = [s for s in ("feat", "fastrp", "feat+fastrp", "feat+fastrp+text")
                    if all(b in blocks for b in s.split("+"))]
            for fs in sets:
                X = np.concatenate([blocks[b] for b in fs.split("+")], axis=1)
                for clf in args.classifiers:
                    with Timer() as t:
                        pred = fit_linear(X, y, sp, seed) if clf == "linear" else \
                            fit_mlp(X, y, sp, cfg["mlp"], seed, args.device)
                    r = per.setdefault((fs, clf), {"valid": [], "test": [], "time": []})
                    for s in ("valid", "test"):
                        r[s].append(node_accuracy(name, y[sp[s]], pred[s]))
                    r["time"].append(t.seconds + (t_emb.seconds if "fastrp" in fs else 0.0))
                    log.info("%s %s/%s seed %d: valid %.4f test %.4f", name, fs, clf, seed, r["valid"][-1],
                             r["test"][-1])
    rows = []
    for (fs, clf), r in per.items():
        acc, std = mean_std(r["test"])
        rows.append({"features": fs, "classifier": clf, "test_acc": round(acc, 4), "test_std": round(std, 4),
                     "valid_acc": round(mean_std(r["valid"])[0], 4), "time_s": round(float(np.mean(r["time"])), 2)})
    notes = ["accuracy from ogb.nodeproppred.Evaluator('ogbn-arxiv') on OGB's time split",
             f"data: {data.num_nodes} nodes, {data.graph.num_edges} directed citations (from {folder}); "
             f"FastRP dim {cfg['fastrp_dim']} on the undirected graph",
             "text features: " + ("TF-IDF + SVD of titleabs.tsv" if "feat+fastrp+text" in {k[0] for k in per}
                                  else "absent (no titleabs.tsv(.gz) in the dataset folder, or --no-text)"),
             "MLP: model selected at the best validation epoch; time_s includes FastRP when used; "
             "CPU shared with other jobs when measured here"]
    write_results("ogbn_arxiv", "ogbn-arxiv node classification (accuracy)", rows, out_dir=args.out_dir,
                  budget=args.budget, seeds=seeds, time_s=total.seconds,
                  columns=["features", "classifier", "test_acc", "test_std", "valid_acc", "time_s"],
                  published=PUBLISHED, notes=notes)
    return rows


def _extra(p) -> None:
    p.add_argument("--classifiers", nargs="+", choices=["linear", "mlp"], default=["linear", "mlp"])
    p.add_argument("--no-text", action="store_true", help="skip the title/abstract features even when present")


def main(argv=None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv, extra=_extra)
    run(args)
    print_table(Path(args.out_dir) / "ogbn_arxiv.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
