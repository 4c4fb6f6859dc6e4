"""ogbl-collab: FastRP and node2vec embeddings with a dot-product or MLP link predictor, Hits@50.

Protocol of the OGB leaderboard (Hu et al., "Open Graph Benchmark", NeurIPS 2020): the
embeddings are learned on the training graph only; each validation/test collaboration
is ranked against OGB's fixed set of negative author pairs and Hits@50 comes from OGB's
own ``Evaluator``. The MLP predictor follows OGB's example (Hadamard product of the two
embeddings -> MLP -> logit, trained with binary cross-entropy against uniformly sampled
negative pairs). ``--budget full`` uses OGB's node2vec settings (dim 128, walk length 40,
window 20, 10 walks per node) and 10 seeds; ``small`` and ``test`` shrink everything.

Also the engine of ``ogbl_ddi.py`` (:func:`run_link_prediction`).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np

if __package__ in (None, ""):  # run as `python experiments/ogbl_collab.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.common import Timer, parse_args, write_results
from experiments.ogb_common import link_hits, mean_std, ogb_root

log = logging.getLogger(__name__)

LEADERBOARD = "OGB leaderboard / Hu et al. 2020, Table (ogb.stanford.edu/docs/leader_linkprop)"
PUBLISHED = [
    {"method": "node2vec", "predictor": "mlp", "test": 0.4888, "test_std": 0.0054,
     "source": LEADERBOARD},
    {"method": "matrix factorization", "predictor": "mlp", "test": 0.3886, "test_std": 0.0029,
     "source": LEADERBOARD},
    {"method": "GraphSAGE", "predictor": "mlp", "test": 0.4810, "test_std": 0.0081,
     "source": LEADERBOARD},
]

# budget -> settings; node2vec "full" = OGB's examples/linkproppred/*/node2vec.py
BUDGETS: Dict[str, dict] = {
    "test": dict(fastrp_dim=16, n2v=dict(dim=16, walk_length=8, walks_per_node=2, window=3, epochs=1),
                 mlp=dict(hidden=32, layers=2, epochs=20, batch=256, lr=0.01), seeds=[0]),
    "small": dict(fastrp_dim=128, n2v=dict(dim=64, walk_length=20, walks_per_node=4, window=5, epochs=1),
                  mlp=dict(hidden=128, layers=3, epochs=20, batch=4096, lr=0.01), seeds=[0]),
    "full": dict(fastrp_dim=256, n2v=dict(dim=128, walk_length=40, walks_per_node=10, window=20, epochs=1),
                 mlp=dict(hidden=256, layers=3, epochs=200, batch=65536, lr=0.01), seeds=list(range(10))),
}


def embed(method: str, graph, settings: dict, seed: int, device: str) -> np.ndarray:
    """Node embeddings of the training graph (rows in node-id order)."""
    if method == "fastrp":
        from graphemb.node import FastRP

        est = FastRP(dim=settings["fastrp_dim"], random_state=seed)
    elif method == "node2vec":
        from graphemb.node import Node2Vec

        est = Node2Vec(random_state=seed, **settings["n2v"])
    else:
        raise ValueError(f"method must be 'fastrp' or 'node2vec', got {method!r}")
    if "device" in est.get_params():
        est.set_params(device=device)
    return np.asarray(est.fit(graph).embeddings_, dtype=np.float32)


def dot_scores(X: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Dot product of the two endpoint embeddings of each pair."""
    return np.einsum("ij,ij->i", X[pairs[:, 0]], X[pairs[:, 1]])


def train_mlp(X: np.ndarray, train_pairs: np.ndarray, cfg: dict, seed: int, device: str):
    """OGB's LinkPredictor: MLP on the Hadamard product, BCE with random negatives."""
    import torch

    from graphemb.utils import resolve_device, torch_generator

    dev = resolve_device(device)
    gen = torch_generator(seed)  # drives initialisation, shuffling and negatives (no global seeding)
    dims = [X.shape[1]] + [cfg["hidden"]] * (cfg["layers"] - 1) + [1]
    layers: List[torch.nn.Module] = []
    for i in range(len(dims) - 1):
        lin = torch.nn.Linear(dims[i], dims[i + 1])
        with torch.no_grad():
            bound = 1.0 / np.sqrt(dims[i])
            lin.weight.uniform_(-bound, bound, generator=gen)
            lin.bias.uniform_(-bound, bound, generator=gen)
        layers.append(lin)
        if i < len(dims) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(dev)
    emb = torch.from_numpy(X).to(dev)
    pos = torch.from_numpy(train_pairs).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    n = emb.shape[0]
    for _ in range(cfg["epochs"]):
        perm = torch.randperm(len(pos), generator=gen).to(dev)
        for start in range(0, len(pos), cfg["batch"]):
            batch = pos[perm[start:start + cfg["batch"]]]
            neg = torch.randint(0, n, batch.shape, generator=gen).to(dev)
            logit_pos = model(emb[batch[:, 0]] * emb[batch[:, 1]]).squeeze(-1)
            logit_neg = model(emb[neg[:, 0]] * emb[neg[:, 1]]).squeeze(-1)
            loss = (torch.nn.functional.softplus(-logit_pos).mean()
                    + torch.nn.functional.softplus(logit_neg).mean())
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()

    def score(pairs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            p = torch.from_numpy(pairs).to(dev)
            out = [torch.sigmoid(model(emb[p[i:i + 65536, 0]] * emb[p[i:i + 65536, 1]])).squeeze(-1)
                   for i in range(0, len(p), 65536)]
            return torch.cat(out).cpu().numpy() if out else np.zeros(0, np.float32)

    return score


def run_link_prediction(args, name: str, title: str, published: List[dict], metric: str) -> List[dict]:
    """Embed, fit each predictor, and score valid/test with OGB's Hits@K; write results."""
    from graphemb.datasets import load_ogb

    settings = BUDGETS[args.budget]
    seeds = args.seeds if args.seeds else settings["seeds"]
    with Timer() as total:
        data = load_ogb(name, ogb_root(args.data_root))
        sp = data.split
        train_pairs = np.asarray(sp["train"]["edge"], dtype=np.int64)
        per = {}
        for method in args.methods:
            for seed in seeds:
                with Timer() as t_fit:
                    X = embed(method, data.graph, settings, seed, args.device)
                for predictor in args.predictors:
                    with Timer() as t_pred:
                        score = (lambda p, X=X: dot_scores(X, p)) if predictor == "dot" else \
                            train_mlp(X, train_pairs, settings["mlp"], seed, args.device)
                        res = {s: link_hits(name, score(np.asarray(sp[s]["edge"], np.int64)),
                                            score(np.asarray(sp[s]["edge_neg"], np.int64)))
                               for s in ("valid", "test")}
                    r = per.setdefault((method, predictor), {"valid": [], "test": [], "time": []})
                    r["valid"].append(res["valid"])
                    r["test"].append(res["test"])
                    r["time"].append(t_fit.seconds + t_pred.seconds)
                    log.info("%s %s/%s seed %d: valid %.4f test %.4f", name, method, predictor, seed,
                             res["valid"], res["test"])
    rows = []
    for (method, predictor), r in per.items():
        test, test_std = mean_std(r["test"])
        rows.append({"method": method, "predictor": predictor, "test": round(test, 4),
                     "test_std": round(test_std, 4), "valid": round(mean_std(r["valid"])[0], 4),
                     "time_s": round(float(np.mean(r["time"])), 2)})
    notes = [f"metric: {metric} from ogb.linkproppred.Evaluator('{name}') on OGB's fixed negatives",
             f"data: {data.num_nodes} nodes, {len(train_pairs)} training edges "
             f"(from {ogb_root(args.data_root) / name.replace('-', '_')})",
             "embeddings trained on the training graph only (valid edges not used as input)",
             "time_s: embedding + predictor + scoring per seed, CPU shared with other jobs when measured here"]
    path = write_results(name.replace("-", "_"), title, rows, out_dir=args.out_dir, budget=args.budget,
                         seeds=seeds, time_s=total.seconds,
                         columns=["method", "predictor", "test", "test_std", "valid", "time_s"],
                         published=published, notes=notes)
    log.info("wrote %s", path)
    return rows


def _extra(p) -> None:
    p.add_argument("--methods", nargs="+", choices=["fastrp", "node2vec"], default=["fastrp", "node2vec"])
    p.add_argument("--predictors", nargs="+", choices=["dot", "mlp"], default=["dot", "mlp"])


def run(args) -> List[dict]:
    return run_link_prediction(args, "ogbl-collab", "ogbl-collab link prediction (Hits@50)", PUBLISHED, "Hits@50")


def main(argv=None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv, extra=_extra)
    from experiments.common import print_table

    run(args)
    print_table(Path(args.out_dir) / "ogbl_collab.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
