"""ogbl-wikikg2: TransE / DistMult / ComplEx / RotatE / NFE trained by graphemb.kge, MRR with OGB's sampled negatives.

Protocol of the Open Graph Benchmark (Hu et al., NeurIPS 2020): each validation/test
triple ``(h, r, t)`` is ranked against OGB's fixed 500 corrupted heads (``head_neg``) and
500 corrupted tails (``tail_neg``); MRR comes from ``ogb.linkproppred.Evaluator``
(via :func:`graphemb.kge.evaluate_ogb`). The entities are OGB's integer ids.

Budgets: ``test`` trains a few epochs at dim 16 on whatever dataset ``--data-root``
holds (the test suite uses a tiny synthetic one); ``small`` trains on a random sample of
the training triples (``--max-train``) at dim 64 for a few epochs: a smoke run on
2 CPU cores, not comparable with the leaderboard; ``full`` follows the OGB baselines'
widths (TransE/DistMult 500, ComplEx/RotatE 250 per real/imaginary part) and needs a
GPU machine with ~ 40 GiB (2.5 M entities).

Also the engine of ``ogbl_biokg.py`` (:func:`run_kg_prediction`).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

if __package__ in (None, ""):  # run as `python experiments/ogbl_wikikg2.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.common import Timer, parse_args, print_table, write_results
from experiments.ogb_common import mean_std, ogb_root

log = logging.getLogger(__name__)

LEADERBOARD = "OGB leaderboard (ogb.stanford.edu/docs/leader_linkprop), OGB team KGE baselines"
PUBLISHED = [
    {"model": "transe", "dim": 500, "test_mrr": 0.4256, "test_std": 0.0030, "source": LEADERBOARD},
    {"model": "distmult", "dim": 500, "test_mrr": 0.3729, "test_std": 0.0045,
     "source": LEADERBOARD},
    {"model": "complex", "dim": 250, "test_mrr": 0.4027, "test_std": 0.0027,
     "source": LEADERBOARD},
    {"model": "rotate", "dim": 250, "test_mrr": 0.4332, "test_std": 0.0025,
     "source": LEADERBOARD},
]

#: budget -> training settings (negative sampling: 1-vs-all over millions of entities does not fit)
BUDGETS: Dict[str, dict] = {
    "test": dict(dims={}, dim=16, epochs=3, batch_size=128, lr=0.01, num_negatives=8, max_train=None,
                 max_eval=None, seeds=[0]),
    "small": dict(dims={}, dim=64, epochs=2, batch_size=1024, lr=0.005, num_negatives=32, max_train=200_000,
                  max_eval=2000, seeds=[0]),
    "full": dict(dims={"transe": 500, "distmult": 500, "complex": 250, "rotate": 250}, dim=250, epochs=20,
                 batch_size=512, lr=0.001, num_negatives=128, max_train=None, max_eval=None, seeds=list(range(10))),
}


def kg_from_ogb(data, max_train=None, seed: int = 0):
    """A :class:`graphemb.kg.KnowledgeGraph` whose entity/relation ids are OGB's ids."""
    from graphemb.kg import KnowledgeGraph, Vocabulary

    def trip(part):
        return np.stack([np.asarray(part["head"]), np.asarray(part["relation"]), np.asarray(part["tail"])],
                        1).astype(np.int64)

    train = trip(data.split["train"])
    if max_train is not None and len(train) > max_train:
        rng = np.random.default_rng(seed)
        train = train[np.sort(rng.choice(len(train), max_train, replace=False))]
    return KnowledgeGraph(entities=Vocabulary([str(i) for i in range(data.num_nodes)], kind="entity"),
                          relations=Vocabulary([str(i) for i in range(data.num_relations)], kind="relation"),
                          train=train, valid=trip(data.split["valid"]), test=trip(data.split["test"]),
                          name=data.name)


def _training_kwargs(training: str, cfg: dict) -> dict:
    """OGB's baselines: uniform negatives + self-adversarial loss; or 1-vs-all BCE (reciprocal)."""
    if training == "negative":
        return dict(training="negative", negative_sampler="uniform", num_negatives=cfg["num_negatives"],
                    loss="self-adversarial")
    return dict(training="1vsall", loss="bce")


def _subset(part: dict, max_eval, seed: int) -> dict:
    n = len(np.asarray(part["head"]))
    if max_eval is None or n <= max_eval:
        return part
    idx = np.sort(np.random.default_rng(seed).choice(n, max_eval, replace=False))
    return {k: np.asarray(v)[idx] for k, v in part.items()}


def evaluate_split(model, part: dict, name: str) -> Dict[str, float]:
    """MRR/Hits of one OGB split with its sampled negatives (OGB's Evaluator)."""
    from graphemb.kge import evaluate_ogb

    trip = np.stack([np.asarray(part["head"]), np.asarray(part["relation"]), np.asarray(part["tail"])], 1)
    return evaluate_ogb(model, trip.astype(np.int64), np.asarray(part["head_neg"]), np.asarray(part["tail_neg"]),
                        name=name)


def run_kg_prediction(args, name: str, title: str, published: List[dict],
                      full_dims: Optional[Dict[str, int]] = None) -> List[dict]:
    """Train each model, evaluate valid/test with OGB's negatives, write results.

    ``full_dims`` overrides the per-model widths of the ``full`` budget (biokg's baselines
    are wider than wikikg2's).
    """
    from graphemb import kge
    from graphemb.datasets import load_ogb

    cfg = dict(BUDGETS[args.budget])
    if args.budget == "full" and full_dims:
        cfg["dims"] = dict(full_dims)
    seeds = args.seeds if args.seeds else cfg["seeds"]
    max_train = args.max_train if args.max_train is not None else cfg["max_train"]
    with Timer() as total:
        data = load_ogb(name, ogb_root(args.data_root))
        per: Dict[str, dict] = {}
        for seed in seeds:
            kg = kg_from_ogb(data, max_train, seed)
            for model_name in args.models:
                dim = cfg["dims"].get(model_name, cfg["dim"])
                with Timer() as t:
                    model = kge.train(kg, model=model_name, dim=dim, epochs=cfg["epochs"], batch_size=cfg["batch_size"],
                                      lr=cfg["lr"], valid_every=0, device=args.device, random_state=seed,
                                      **_training_kwargs(args.training, cfg))
                    res = {s: evaluate_split(model, _subset(data.split[s], cfg["max_eval"], seed), name)
                           for s in ("valid", "test")}
                r = per.setdefault(model_name, {"dim": dim, "valid": [], "test": [], "hits@10": [], "time": []})
                r["valid"].append(res["valid"]["mrr"])
                r["test"].append(res["test"]["mrr"])
                r["hits@10"].append(res["test"]["hits@10"])
                r["time"].append(t.seconds)
                log.info("%s %s seed %d: valid %.4f test %.4f", name, model_name, seed, res["valid"]["mrr"],
                         res["test"]["mrr"])
    rows = []
    for model_name, r in per.items():
        test, std = mean_std(r["test"])
        rows.append({"model": model_name, "dim": r["dim"], "test_mrr": round(test, 4), "test_std": round(std, 4),
                     "valid_mrr": round(mean_std(r["valid"])[0], 4),
                     "test_hits@10": round(mean_std(r["hits@10"])[0], 4),
                     "time_s": round(float(np.mean(r["time"])), 2)})
    n_train = len(np.asarray(data.split["train"]["head"]))
    notes = [f"MRR from ogb.linkproppred.Evaluator('{name}') against OGB's sampled head_neg/tail_neg",
             f"data: {data.num_nodes} entities, {data.num_relations} relations, {n_train} training triples "
             f"(from {ogb_root(args.data_root) / name.replace('-', '_')})",
             ("training: uniform negative sampling, self-adversarial loss, "
              f"{cfg['num_negatives']} negatives" if args.training == "negative" else
              "training: 1-vs-all BCE with reciprocal relations")
             + f", {cfg['epochs']} epochs, batch {cfg['batch_size']}, lr {cfg['lr']}"
             + (f"; trained on a sample of {max_train} triples" if max_train and max_train < n_train else ""),
             "time_s: training + evaluation per seed; CPU shared with other jobs when measured here"]
    if cfg["max_eval"] is not None:
        notes.append(f"valid/test: a random sample of at most {cfg['max_eval']} triples each")
    path = write_results(name.replace("-", "_"), title, rows, out_dir=args.out_dir, budget=args.budget, seeds=seeds,
                         time_s=total.seconds,
                         columns=["model", "dim", "test_mrr", "test_std", "valid_mrr", "test_hits@10", "time_s"],
                         published=published, notes=notes)
    log.info("wrote %s", path)
    return rows


def _extra(p) -> None:
    p.add_argument("--models", nargs="+", default=["transe", "distmult", "complex", "rotate"],
                   help="graphemb.kge model names (e.g. transe distmult complex rotate nfe-1)")
    p.add_argument("--training", choices=["negative", "1vsall"], default="negative",
                   help="negative sampling (OGB's baselines; default) or 1-vs-all over all entities")
    p.add_argument("--max-train", type=int, default=None, help="train on a random sample of this many triples")


def run(args) -> List[dict]:
    return run_kg_prediction(args, "ogbl-wikikg2", "ogbl-wikikg2 KG completion (MRR, OGB negatives)", PUBLISHED)


def main(argv=None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv, extra=_extra)
    run(args)
    print_table(Path(args.out_dir) / "ogbl_wikikg2.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
