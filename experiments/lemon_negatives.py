"""LEMON vs uniform vs Bernoulli negatives: filtered MRR / Hits@10 on UMLS, WN18RR, FB15k-237.

Rony et al., "LEMON: LanguagE ModeL for Negative Sampling of Knowledge Graph Embeddings"
(arXiv 2022). Every (dataset, model) trains with the same epochs, dimension, batch size,
learning rate, self-adversarial loss (Sun et al. 2019, as in the LEMON code) and seeds; only
the negative sampler changes. Figures are mean and standard deviation over seeds of the
filtered (train+valid+test) MRR and Hits@10 on the test split (``realistic`` ties).

Baselines: :class:`graphemb.sampling.negatives.UniformNegativeSampler` /
``BernoulliNegativeSampler`` when that module exists; otherwise (``--baseline-impl auto``
says which was used in the notes) the LEMON sampler with ``uniform_ratio=1``, which draws
every negative uniformly with the same filtering code, so only the candidate
distribution differs. ``lemon`` is the sampler's default configuration (an even mix of
cluster and uniform negatives, ``uniform_ratio=0.5``, cluster negatives only for the 1-1 and N-N
relations, ``relation_categories``, and only for the (relation, side) pairs with at most 20 known
answers per query, ``max_answers``; ``--lemon-relation-categories`` and ``--lemon-max-answers``
change them); ``lemon-ungated`` is ``lemon`` with neither gate (cluster negatives for every pair,
as the reference code); ``lemon-hard`` draws every negative
from the clusters as the reference code does (``uniform_ratio=0``); ``lemon-replaced``
anchors clusters on the replaced entity; ``lemon-bernoulli`` is the default LEMON with the
corrupted side chosen by the Bernoulli rule; ``lemon-lift`` is the default LEMON with
``min_pool_lift`` (``--lemon-min-pool-lift``, 2 by default): cluster negatives only for the
(relation, side) pairs whose pool holds the training answers at least that many times more often
than a uniform draw (its figures: ``LemonNegativeSampler``'s ``min_pool_lift``).

Budgets: ``test`` (UMLS, TransE, tiny: seconds), ``small`` (a shared 2-core CPU: UMLS 25
epochs; WN18RR 6 and FB15k-237 5 epochs over a fixed random 50% / 20% of the training
triples, tested on a fixed random 1,000 test triples: early-training figures only),
``full`` (longer training, full splits; hours on CPU, about 4-6 minutes per FB15k-237 run on an
H100).

Measured with ``--full-splits --epochs 10 --eval-split valid test`` (UMLS: the small budget's 25
epochs), seeds 0-2, filtered test MRR, uniform vs LEMON default (``relation_categories=('1-1', 'N-N')``,
``max_answers=20``): UMLS TransE 0.5833 vs 0.6245, RotatE 0.7456 vs 0.7684; WN18RR TransE 0.1733 vs
0.1726, RotatE 0.4315 vs 0.4306; FB15k-237 TransE 0.2668 vs 0.2676, RotatE 0.2695 vs 0.2707 (validation
and seeds 0-4: the README's tables). With ``max_answers=20`` alone (``--lemon-relation-categories all``):
UMLS 0.6285, 0.7672; WN18RR 0.1729, 0.4301; FB15k-237 0.2688, 0.2719.
Before both gates (``lemon-ungated``, entity names):
UMLS TransE 0.5833 vs 0.6457, RotatE 0.7456 vs 0.7615; WN18RR TransE 0.1733 vs 0.1730, RotatE
0.4315 vs 0.4285; FB15k-237 TransE 0.2668 vs 0.2648, RotatE 0.2695 vs 0.2659
(``--lemon-text-field auto``, name + description, the default before: 0.6286, 0.7672, 0.1722,
0.4274, 0.2582, 0.2596). ``--budget full`` on UMLS, one CPU thread, seeds 0-2, LEMON default
before the gate: TransE 0.6941 (uniform in the same session 0.6447), RotatE 0.9012.
Measured at the ``full`` budget with the name + description default (filtered test MRR, uniform
vs LEMON): FB15k-237 on an H100, seed 0: TransE 0.3068 vs 0.2954, RotatE 0.3196 vs 0.3044. UMLS on one CPU thread, seeds
0-2: TransE 0.6447 vs 0.6773 (Bernoulli 0.6593; about 4 minutes a run), RotatE 0.8481 vs 0.9080
(about 11 minutes a run). WN18RR not run at this budget.

``--full-splits`` keeps the small budget's model settings but trains on the whole training
split and tests on the whole test split (with ``--epochs``: the table in the LEMON issue's
closing note, about 1.5 hours on one CPU core for TransE and RotatE on all three datasets).

``--eval-split valid test`` ranks both splits after the same training (choose settings on ``valid``,
report ``test``). Every sampler's row also gives the seed-paired comparison with ``uniform`` of the same
run and split (list ``uniform`` first): ``vs_uniform`` is the mean over seeds of the MRR difference,
``vs_uniform_std`` its spread, ``seeds_above`` the seeds on which the sampler is higher.

Usage: ``python experiments/lemon_negatives.py --budget small [--datasets umls wn18rr] [--full-splits --epochs 10]
[--eval-split valid test]``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from experiments.common import Timer, parse_args, write_results  # noqa: E402

SAMPLERS = ("uniform", "bernoulli", "lemon", "lemon-ungated", "lemon-hard", "lemon-replaced", "lemon-bernoulli",
            "lemon-lift")
MODEL_GAMMA = {"transe": 6.0, "rotate": 6.0, "distmult": 0.0, "complex": 0.0}
#: TransE without graphemb's unit-norm entity constraint, as in the RotatE code that LEMON forks: with
#: unit-norm entities every distance stays near 2 + |r| < gamma, so the self-adversarial loss cannot push
#: negatives below the margin (WN18RR test MRR 0.008-0.011 after 10 epochs with the constraint)
MODEL_OPTIONS = {"transe": {"entity_constraint": "none"}}

#: per budget and dataset: training settings shared by every sampler
BUDGETS: Dict[str, Dict[str, dict]] = {
    "test": {"umls": dict(dim=16, epochs=2, batch_size=512, lr=0.01, num_negatives=8, test_subset=200)},
    "small": {
        "umls": dict(dim=64, epochs=25, batch_size=512, lr=0.01, num_negatives=32, test_subset=None),
        "wn18rr": dict(dim=64, epochs=6, batch_size=1024, lr=0.02, num_negatives=32, test_subset=1000,
                       train_subset=0.5),
        "fb15k-237": dict(dim=64, epochs=5, batch_size=1024, lr=0.02, num_negatives=32, test_subset=1000,
                          train_subset=0.2),
    },
    "full": {
        "umls": dict(dim=256, epochs=200, batch_size=256, lr=0.002, num_negatives=64, test_subset=None),
        "wn18rr": dict(dim=256, epochs=80, batch_size=512, lr=0.0005, num_negatives=128, test_subset=None),
        "fb15k-237": dict(dim=256, epochs=60, batch_size=1024, lr=0.0005, num_negatives=128, test_subset=None),
    },
}
DEFAULT_MODELS = {"test": ["transe"], "small": ["transe", "rotate"], "full": ["transe", "rotate", "distmult"]}
SMALL_MODELS = {"umls": ["transe", "rotate"], "wn18rr": ["transe", "rotate"], "fb15k-237": ["transe", "rotate"]}


def _extra(p) -> None:
    p.add_argument("--datasets", nargs="+", default=None)
    p.add_argument("--models", nargs="+", default=None)
    p.add_argument("--samplers", nargs="+", default=["uniform", "lemon", "bernoulli"], choices=SAMPLERS)
    p.add_argument("--encoder", default="minilm", help="LEMON text encoder (minilm, tfidf, hashing)")
    p.add_argument("--lemon-clusters", type=int, default=15)
    p.add_argument("--lemon-nearest", type=int, default=3)
    from graphemb.sampling.lemon import DEFAULT_MAX_ANSWERS, DEFAULT_TEXT_FIELD, RELATION_CATEGORIES, float_or_none

    p.add_argument("--lemon-text-field", default=DEFAULT_TEXT_FIELD,
                   help=f"LEMON entity text field (default {DEFAULT_TEXT_FIELD}; 'auto': name + description)")
    p.add_argument("--baseline-impl", choices=["auto", "peer", "lemon-uniform"], default="auto")
    p.add_argument("--name", default="lemon_negatives")
    p.add_argument("--epochs", type=int, default=None, help="override the budget's epochs")
    p.add_argument("--eval-split", nargs="+", choices=["test", "valid"], default=["test"],
                   help="splits to rank, each model once per split (choose sampler settings on 'valid', report "
                        "'test'; 'valid test' ranks both after the same training)")
    p.add_argument("--full-splits", action="store_true",
                   help="train on the whole training split and test on the whole test split (the small "
                        "budget otherwise uses fixed random subsets of WN18RR and FB15k-237)")
    p.add_argument("--lemon-min-pool-lift", type=float, default=2.0,
                   help="min_pool_lift of 'lemon-lift' (default 2): cluster negatives only for (relation, side) "
                        "pairs whose pool holds the training answers at least this many times more often than "
                        "uniform")
    p.add_argument("--lemon-max-answers", type=float_or_none, default=DEFAULT_MAX_ANSWERS,
                   help=f"max_answers of the LEMON samplers but 'lemon-ungated' (default {DEFAULT_MAX_ANSWERS:g}; "
                        "none: cluster negatives for every (relation, side) pair)")
    p.add_argument("--lemon-relation-categories", nargs="+", default=None, metavar="CATEGORY",
                   choices=RELATION_CATEGORIES + ("all",),
                   help="relation_categories of the LEMON samplers but 'lemon-ungated' (default: the sampler's; "
                        "all: every relation)")
    p.add_argument("--lemon-uniform-ratio", type=float, default=None,
                   help="share of uniform negatives for 'lemon' / 'lemon-replaced' (default: the sampler's default)")


def _baseline(kind: str, kg, k: int, impl: str, lemon_kwargs: dict):
    """Uniform / Bernoulli sampler: the negatives module's if present (impl 'auto'/'peer')."""
    if impl in ("auto", "peer"):
        try:
            from graphemb.sampling import negatives
        except ImportError:
            if impl == "peer":
                raise
        else:
            cls = negatives.UniformNegativeSampler if kind == "uniform" else negatives.BernoulliNegativeSampler
            # filtered against the training triples, exactly as the LEMON sampler
            fi = kg.filter_index(("train",), reciprocal=False)
            return cls.from_kg(kg, num_negatives=k, filter_index=fi), "graphemb.sampling.negatives (train-filtered)"
    from graphemb.sampling.lemon import LemonNegativeSampler

    # every negative is uniform (uniform_ratio=1), so the clusters are never used: random stand-in
    # embeddings skip the text encoding
    kw = dict(lemon_kwargs, encoder=None, n_components=None, n_clusters=1, n_nearest_clusters=1,
              embeddings=np.random.default_rng(0).normal(size=(kg.num_entities, 2)).astype(np.float32))
    s = LemonNegativeSampler(kg, k, uniform_ratio=1.0, corrupt="both" if kind == "uniform" else "bernoulli",
                             **kw).fit()
    return s, "LemonNegativeSampler(uniform_ratio=1)"


def paired_vs_uniform(mrr: List[float], uniform: Optional[List[float]], name: str) -> dict:
    """Seed-paired comparison with the ``uniform`` sampler of the same run (same seeds, same split).

    ``vs_uniform``: mean over seeds of (this sampler's MRR - uniform's), ``vs_uniform_std`` its standard
    deviation over seeds, ``seeds_above``: on how many seeds this sampler's MRR is higher, as ``"k/n"``.
    Empty when uniform was not run first or for uniform itself.
    """
    if uniform is None or name == "uniform" or len(uniform) != len(mrr):
        return {}
    diff = np.asarray(mrr) - np.asarray(uniform)
    return {"vs_uniform": float(diff.mean()), "vs_uniform_std": float(diff.std()),
            "seeds_above": f"{int((diff > 0).sum())}/{len(diff)}"}


def run(args) -> List[dict]:
    """Train every (dataset, model, sampler, seed); return aggregated rows."""
    from graphemb.datasets import load_kg
    from graphemb.kg import KnowledgeGraph
    from graphemb.kge import evaluate, train
    from graphemb.sampling.lemon import LemonNegativeSampler, relation_categories_from_args

    budget = BUDGETS[args.budget]
    datasets = args.datasets or list(budget)
    seeds = args.seeds or ([0] if args.budget == "test" else [0, 1, 2])
    rows: List[dict] = []
    args.notes = getattr(args, "notes", [])
    for ds in datasets:
        cfg = dict(budget[ds])
        if getattr(args, "epochs", None) is not None:
            cfg["epochs"] = args.epochs
        kg = load_kg(ds, args.data_root)
        if getattr(args, "full_splits", False):
            cfg.update(test_subset=None, train_subset=None)
        subset = cfg.pop("test_subset")
        ranked = {}                                   # split -> triples ranked (a fixed subset under the budget)
        for split in dict.fromkeys(getattr(args, "eval_split", ["test"])):   # each split once, in order
            triples = kg.split(split)
            if subset is not None and len(triples) > 0:
                n = min(len(triples), subset)
                triples = triples[np.sort(np.random.default_rng(12345).choice(len(triples), n, replace=False))]
            ranked[split] = triples
        frac = cfg.pop("train_subset", None)
        if frac is not None:  # a fixed random share of the training triples, the same for every sampler
            keep = np.sort(np.random.default_rng(54321).choice(len(kg.train), int(frac * len(kg.train)),
                                                               replace=False))
            kg = KnowledgeGraph(kg.entities, kg.relations, kg.train[keep], kg.valid, kg.test, name=kg.name,
                                entity_text=kg.entity_text, relation_text=kg.relation_text)
            args.notes.append(f"{ds}: trained on a fixed random {frac:.0%} of the training triples ({len(keep)})")
        k = cfg.pop("num_negatives")
        models = args.models or (SMALL_MODELS[ds] if args.budget == "small" else DEFAULT_MODELS[args.budget])
        lemon_kwargs = dict(encoder=args.encoder, n_clusters=min(args.lemon_clusters, kg.num_entities),
                            n_nearest_clusters=args.lemon_nearest, text_field=args.lemon_text_field,
                            random_state=0, device=args.device)
        samplers, fit_s = {}, {}
        for name in args.samplers:
            with Timer() as t:
                if name in ("uniform", "bernoulli"):
                    samplers[name], impl = _baseline(name, kg, k, args.baseline_impl, lemon_kwargs)
                    args.notes.append(f"{ds} {name}: {impl}")
                else:
                    anchor = "replaced" if name == "lemon-replaced" else "kept"
                    ratio = {} if args.lemon_uniform_ratio is None else {"uniform_ratio": args.lemon_uniform_ratio}
                    if name == "lemon-hard":
                        ratio = {"uniform_ratio": 0.0}
                    side = "bernoulli" if name == "lemon-bernoulli" else "both"
                    gates = {"min_pool_lift": args.lemon_min_pool_lift} if name == "lemon-lift" else {}
                    gates["max_answers"] = None if name == "lemon-ungated" else args.lemon_max_answers
                    if name == "lemon-ungated":
                        gates["relation_categories"] = None
                    else:
                        gates.update(relation_categories_from_args(args))
                    samplers[name] = LemonNegativeSampler(kg, k, anchor=anchor, corrupt=side, **ratio, **gates,
                                                          **lemon_kwargs).fit()
            fit_s[name] = t.seconds
        for model in models:
            per_seed: Dict[tuple, List[float]] = {}
            for name, sampler in samplers.items():
                mrr = {split: [] for split in ranked}
                h10 = {split: [] for split in ranked}
                ep_time = []
                for seed in seeds:
                    m = train(kg, model, training="negative", negative_sampler=sampler, loss="self-adversarial",
                              gamma=MODEL_GAMMA[model], adversarial_temperature=1.0, valid_every=0,
                              **MODEL_OPTIONS.get(model, {}),
                              device=args.device, random_state=seed, **cfg)
                    ep_time.append(float(np.mean([h["time_s"] for h in m.history_])))
                    for split, triples in ranked.items():
                        res = evaluate(m, triples, kg, filtered=True)
                        mrr[split].append(res.mrr)
                        h10[split].append(res.hits[10])
                        print(f"{ds:10s} {model:8s} {name:15s} seed {seed} {split:5s}: MRR {res.mrr:.4f} "
                              f"H@10 {res.hits[10]:.4f} epoch {ep_time[-1]:.1f}s", flush=True)
                for split, triples in ranked.items():
                    per_seed[(name, split)] = mrr[split]
                    row = {"dataset": ds, "model": model, "sampler": name, "eval_split": split,
                           "mrr_mean": float(np.mean(mrr[split])), "mrr_std": float(np.std(mrr[split])),
                           **paired_vs_uniform(mrr[split], per_seed.get(("uniform", split)), name),
                           "hits10_mean": float(np.mean(h10[split])), "hits10_std": float(np.std(h10[split])),
                           "epoch_s": float(np.mean(ep_time)), "sampler_fit_s": round(fit_s[name], 2),
                           "mrr_per_seed": " ".join(f"{v:.4f}" for v in mrr[split]), "test_triples": len(triples),
                           "train_triples": len(kg.train), **{k2: cfg[k2] for k2 in ("dim", "epochs")},
                           "negatives": k}
                    if isinstance(sampler, LemonNegativeSampler) and sampler.uniform_ratio < 1:
                        tot = max(sum(sampler.stats_.values()), 1)
                        row["lemon_share"] = round(sampler.stats_["lemon"] / tot, 4)
                    rows.append(row)
                if getattr(args, "on_row", None) is not None:
                    args.on_row(rows)
    return rows


def _categories_note(args) -> str:
    """The ``relation_categories`` the LEMON samplers used, for the results notes."""
    from graphemb.sampling.lemon import DEFAULT_RELATION_CATEGORIES, relation_categories_from_args

    cats = relation_categories_from_args(args).get("relation_categories", DEFAULT_RELATION_CATEGORIES)
    return "all" if cats is None else "/".join(cats)


def main(argv=None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv, extra=_extra)
    args.notes = []
    start = time.time()
    args.on_row = lambda rows: _write(args, rows, start, partial=True)
    rows = run(args)
    _write(args, rows, start, partial=False)
    return 0


def _write(args, rows, start, partial: bool) -> None:
    """Write the results table; after every finished row while running (``partial``)."""
    cols = ["dataset", "model", "sampler", "eval_split", "mrr_mean", "mrr_std", "vs_uniform", "vs_uniform_std",
            "seeds_above", "hits10_mean", "hits10_std", "epoch_s",
            "sampler_fit_s", "lemon_share", "mrr_per_seed", "dim", "epochs", "negatives", "train_triples",
            "test_triples"]
    notes = sorted(set(args.notes)) + [
        "Same epochs/dim/lr/batch/negatives/seeds for every sampler of a (dataset, model); self-adversarial loss "
        "(temperature 1), gamma 6 for TransE/RotatE, TransE entities unconstrained (as in the RotatE code); "
        "filtered (train+valid+test) ranking, realistic ties.",
        f"LEMON defaults: encoder {args.encoder}, text field {args.lemon_text_field!r}, PCA 2, "
        f"{args.lemon_clusters} clusters, {args.lemon_nearest} nearest, no similarity threshold, "
        "train triples filtered, anchor on the kept entity; cluster negatives only for relations of the mapping "
        f"categories {_categories_note(args)} and (relation, side) pairs with at most {args.lemon_max_answers} "
        "known answers per query ('lemon-ungated': every pair); "
        "'lemon' mixes uniform negatives at uniform_ratio "
        f"{'0.5 (default)' if args.lemon_uniform_ratio is None else args.lemon_uniform_ratio}, 'lemon-hard' "
        "draws every negative from the clusters (uniform_ratio 0, the reference code), 'lemon-lift' is 'lemon' "
        f"with min_pool_lift={args.lemon_min_pool_lift} (uniform negatives for the other (relation, side) pairs).",
    ] + (["PARTIAL: written while the run was still going; later rows missing."] if partial else [])
    seeds = args.seeds or ([0] if args.budget == "test" else [0, 1, 2])
    path = write_results(args.name, "LEMON vs uniform vs Bernoulli negative sampling", rows, out_dir=args.out_dir,
                         budget=args.budget, seeds=seeds, time_s=time.time() - start, columns=cols, notes=notes)
    if not partial:
        sys.stdout.write(Path(path).with_suffix(".md").read_text())


if __name__ == "__main__":
    sys.exit(main())
