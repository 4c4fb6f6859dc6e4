"""DeepWalk and node2vec on BlogCatalog with the DeepWalk protocol, next to gensim and FastRP.

Setting (issue 4; Perozzi et al. 2014; Grover & Leskovec 2016): d=128, 10 walks of length
80 per node, window 10, 5 negatives, 5 epochs (DeepWalk's reference code trains gensim's
Word2Vec with gensim's default of 5 epochs; the walk budget is fixed by the issue, the number
of passes is not); one-vs-rest logistic regression (C=1) on 50% of the labelled nodes, top-k
predictions, Micro/Macro-F1 averaged over shuffles. Targets: Macro-F1 >= 0.25 and Micro-F1
>= 0.39 (published: about 0.27 / 0.41). node2vec uses p=0.25, q=0.25, the paper's best
BlogCatalog setting.

Peer: ``gensim`` (method ``gensim``): gensim's Word2Vec (sg=1, hs=0, negative=5, no
subsampling, one worker, same epochs) trained on walks from our own sampler
(:func:`graphemb.sampling.random_walks`), i.e. the standard DeepWalk implementation on the
same kind of walks. It is optional: install gensim into the benchmark venv, e.g.
``PYTHONPATH=. /work/bench_venv/bin/python experiments/bench_skipgram_blogcatalog.py
--methods deepwalk node2vec fastrp128 fastrp512 gensim --threads 1``.
FastRP is run at d=128 and d=512 (its paper's setting, LR C=0.1) for the time comparison.
Results are rewritten after every method, so a long run that is stopped keeps its rows.

Run: ``PYTHONPATH=. python experiments/bench_skipgram_blogcatalog.py [--methods ...] [--epochs 5]``
(``--budget test`` runs a tiny version in seconds).
"""

from __future__ import annotations

import time

from common import Timer, parse_args, write_results


def _extra(p):
    p.add_argument("--methods", nargs="+", default=["deepwalk", "node2vec", "fastrp128", "fastrp512"])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--p", type=float, default=0.25)
    p.add_argument("--q", type=float, default=0.25)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--shuffles", type=int, default=None)
    p.add_argument("--name", default="bench_skipgram_blogcatalog")
    p.add_argument("--walks-per-node", type=int, default=10)
    p.add_argument("--window", type=int, default=10)
    p.add_argument("--learning-rate", type=float, default=0.025)


def fit_gensim(graph, walk: dict, seed: int, workers: int):
    """The peer: gensim Word2Vec on our walks; returns (embeddings, walk seconds, train seconds)."""
    import numpy as np
    from gensim.models import Word2Vec

    from graphemb.sampling import random_walks

    with Timer() as tw:
        walks = random_walks(graph, walk["walk_length"], walk["walks_per_node"], random_state=seed,
                             device="cpu").numpy()
        sentences = [[str(x) for x in w if x >= 0] for w in walks]
    with Timer() as tt:
        model = Word2Vec(sentences, vector_size=128, window=walk["window"], min_count=0, sg=1, hs=0, negative=5,
                         sample=0, alpha=walk["learning_rate"], workers=workers, epochs=walk["epochs"], seed=seed)
    X = np.stack([model.wv[str(i)] for i in range(graph.num_nodes)])
    return X, tw.seconds, tt.seconds


def _write(args, rows, seeds, seconds):
    """Write (or rewrite) results/NAME.json + .md with the rows so far."""
    notes = ["DeepWalk protocol, 50% training labels, one-vs-rest logistic regression (C=1 for the skip-gram "
             "models, C=0.1 for FastRP as in its paper), top-k prediction.",
             "Timings taken on a CPU shared with other jobs (noisy); fit_s includes walk sampling.",
             "gensim: Word2Vec(sg=1, hs=0, negative=5, sample=0, same epochs, workers=--threads or 1) on walks "
             "from graphemb.sampling.random_walks; its walk_s includes converting walks to token lists.",
             "Skip-gram uses shared negatives (32 per batch of 2048 pairs, weighted 5/32): see DeepWalk docs.",
             "Rows are written as each method finishes."]
    published = [{"method": "deepwalk", "micro_f1": 0.41, "macro_f1": 0.27,
                  "source": "Perozzi et al. 2014 (about; 80 walks of length 40 per node, hierarchical softmax)"},
                 {"method": "deepwalk", "macro_f1": 0.211,
                  "source": "Grover & Leskovec 2016, DeepWalk baseline (10 walks of length 80, window 10)"},
                 {"method": "node2vec", "macro_f1": 0.258,
                  "source": "Grover & Leskovec 2016, node2vec (p, q tuned; BlogCatalog best p=0.25, q=0.25)"}]
    return write_results(args.name, "DeepWalk / node2vec on BlogCatalog (DeepWalk protocol)", rows,
                         out_dir=args.out_dir, budget=args.budget, seeds=seeds, time_s=seconds,
                         published=published, notes=notes)


def main(argv=None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv, _extra)
    import torch

    from graphemb.datasets import load_graph
    from graphemb.evaluation.node_classification import evaluate_node_classification
    from graphemb.node.skipgram import DeepWalk, Node2Vec

    if args.threads:
        torch.set_num_threads(args.threads)
    seeds = args.seeds or [0]
    ds = load_graph("blogcatalog", root=args.data_root)
    test = args.budget == "test"
    walk = dict(walk_length=10, walks_per_node=1, window=3, learning_rate=args.learning_rate, epochs=1) if test else \
        dict(walk_length=80, walks_per_node=args.walks_per_node, window=args.window,
             learning_rate=args.learning_rate, epochs=args.epochs)
    shuffles = args.shuffles or (1 if test else 5)
    rows = []
    started = time.perf_counter()
    for seed in seeds:
        for method in args.methods:
            if method == "deepwalk":
                model = DeepWalk(128, **walk, device=args.device, random_state=seed)
            elif method == "node2vec":
                model = Node2Vec(128, p=args.p, q=args.q, **walk, device=args.device, random_state=seed)
            elif method in ("fastrp128", "fastrp512"):
                from graphemb.node import FastRP
                model = FastRP(dim=int(method[6:]), iteration_weights=(0, 0, 1, 6.67), normalization_strength=-0.64,
                               random_state=seed, device=args.device)
            elif method == "gensim":
                model = None
            else:
                raise SystemExit(f"unknown method {method!r}")
            if model is None:
                embeddings, walk_s, train_s = fit_gensim(ds.graph, walk, seed, args.threads or 1)
                fit_s = walk_s + train_s
            else:
                with Timer() as t:
                    model.fit(ds.graph)
                embeddings, fit_s = model.embeddings_, t.seconds
                walk_s, train_s = getattr(model, "walk_time_", 0.0), getattr(model, "train_time_", 0.0)
            res = evaluate_node_classification(embeddings, ds.labels, train_ratios=(0.5,),
                                               shuffles=shuffles, C=0.1 if method.startswith("fastrp") else 1.0,
                                               random_state=seed)
            row = {"method": method, "seed": seed, **({} if method.startswith("fastrp") else walk),
                   **({"p": args.p, "q": args.q} if method == "node2vec" else {}), "fit_s": round(fit_s, 2),
                   "walk_s": round(walk_s, 2), "train_s": round(train_s, 2),
                   "micro_f1": round(res.micro_f1[0.5], 4), "macro_f1": round(res.macro_f1[0.5], 4),
                   "micro_f1_std": round(res.micro_f1_std[0.5], 4), "macro_f1_std": round(res.macro_f1_std[0.5], 4)}
            rows.append(row)
            print(row, flush=True)
            path = _write(args, rows, seeds, time.perf_counter() - started)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
