"""Benchmark: graphemb KGE vs PyKEEN on FB15k-237 (same machine, same run).

1. Throughput: TransE, dim 200, 32 negatives per positive, batch 1024, margin ranking loss,
   Adam, CPU; PyKEEN's ``SLCWATrainingLoop`` against graphemb's negative-sampling loop (per-row
   negatives through the shared ``NegativeSampler`` when ``graphemb.sampling.negatives`` exists,
   and batch-shared negatives with ``sparse_adam``). Positive triples per second of the training
   epochs, then the filtered test MRR of every model after the same number of epochs.
2. Evaluation equality: graphemb's filtered realistic MRR of a fixed model vs PyKEEN's
   ``RankBasedEvaluator`` on the same weights copied into a PyKEEN TransE.
3. Evaluation time of the FB15k-237 test split (filtered, both directions), ours and PyKEEN's.

Run in the benchmark environment (PyKEEN installed)::

    PYTHONPATH=. /work/bench_venv/bin/python experiments/bench_kge_pykeen.py --budget small --threads 1
"""

from __future__ import annotations

import time

import common  # noqa: F401  (puts the repository on sys.path)
import torch
from common import Timer, parse_args, write_results


def _extra(p):
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    p.add_argument("--eval-subset", type=int, default=None,
                   help="test triples for the PyKEEN evaluator (default: all for full, 2000 otherwise)")
    p.add_argument("--train-triples", type=int, default=None,
                   help="train every system on the first N training triples (default: all)")
    p.add_argument("--mrr-triples", type=int, default=None,
                   help="test triples for the MRR of the trained models (default: all)")
    p.add_argument("--profile-steps", type=int, default=32,
                   help="profile this many row-gathered steps and report the time split (0: skip)")
    p.add_argument("--row-adagrad-lr", type=float, default=0.02,
                   help="lr of the row-wise AdaGrad run (0.02: best validation MRR after 1 epoch on the 65,536-"
                        "triple subset among 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.4; 0 skips that run)")
    p.add_argument("--with-dense-shared", action="store_true",
                   help="also train batch-shared negatives with dense Adam (the generic path)")


def _pykeen_factory(kg, triples):
    from pykeen.triples import TriplesFactory

    return TriplesFactory(mapped_triples=torch.as_tensor(triples, dtype=torch.long),
                          entity_to_id={lab: i for i, lab in enumerate(kg.entities.labels)},
                          relation_to_id={lab: i for i, lab in enumerate(kg.relations.labels)})


def _pykeen_transe(tf, dim, seed):
    from pykeen.models import TransE

    return TransE(triples_factory=tf, embedding_dim=dim, scoring_fct_norm=2, random_seed=seed)


def _pykeen_weights(pmodel):
    ent = pmodel.entity_representations[0]._embeddings.weight
    rel = pmodel.relation_representations[0]._embeddings.weight
    return ent, rel


def _pykeen_eval(pmodel, kg, triples, batch_size=256):
    from pykeen.evaluation import RankBasedEvaluator

    ev = RankBasedEvaluator(filtered=True)
    t0 = time.perf_counter()
    res = ev.evaluate(pmodel, torch.as_tensor(triples), batch_size=batch_size, use_tqdm=False,
                      additional_filter_triples=[torch.as_tensor(kg.train), torch.as_tensor(kg.valid),
                                                 torch.as_tensor(kg.test)])
    return res.get_metric("both.realistic.inverse_harmonic_mean_rank"), time.perf_counter() - t0


#: torch op -> bucket for the per-step time split of the row-gathered TransE step
_BUCKETS = {
    "row gathers/scatters (unique, index_select, index_add_, index_copy_)":
        ("aten::index_select", "aten::index_add_", "aten::index_copy_", "aten::scatter_add_", "aten::_unique2",
         "aten::sort", "aten::unique_dim", "aten::cat", "aten::split_with_sizes"),
    "L2 distances and their gradient (addmm, norms, sqrt)": ("aten::addmm", "aten::mm", "aten::linalg_vector_norm",
                                                            "aten::sqrt_", "aten::sqrt", "aten::pow", "aten::sum"),
    "fused Adam on the touched rows": ("aten::_fused_adam_",),
}


def profile_step(kg, dim, k, bs, lr, steps=32):
    """Self-time split of the row-gathered TransE step (closed-form gradient + lazy Adam), one thread."""
    from torch.profiler import ProfilerActivity, profile

    from graphemb.kge.models import KGEModule
    from graphemb.kge.shared_negatives import row_sparse_adam_step
    from graphemb.kge.transe_margin_kernel import transe_margin_shared_gradients

    module = KGEModule("transe", kg.num_entities, kg.num_relations, dim, 0.0, reciprocal=False,
                       init="xavier_uniform_norm", generator=torch.Generator().manual_seed(0))
    opt = torch.optim.SparseAdam(list(module.parameters()), lr=lr)
    gen = torch.Generator().manual_seed(1)
    data = torch.as_tensor(kg.train)
    batches = [data[i * bs:(i + 1) * bs] for i in range(min(steps, len(data) // bs))]

    def step(batch):
        _, (eg, eids, erows), (rg, rids) = transe_margin_shared_gradients(module, batch, k, gen, 1.0)
        row_sparse_adam_step(opt, [(module.entity, eids, eg, erows), (module.relation, rids, rg)],
                             unit_norm=(True, False))

    for batch in batches[:4]:  # warm-up
        step(batch)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        for batch in batches:
            step(batch)
        wall = time.perf_counter() - t0
    split = {name: 0.0 for name in _BUCKETS}
    split["other elementwise ops and overhead"] = 0.0
    for ev in prof.key_averages():
        bucket = next((name for name, ops in _BUCKETS.items() if ev.key in ops), None)
        split[bucket or "other elementwise ops and overhead"] += ev.self_cpu_time_total / 1e6
    total = sum(split.values())
    return [{"system": "step split: " + name, "ms_per_step": 1e3 * sec / len(batches), "share": sec / total}
            for name, sec in split.items()] + [{"system": "step split: wall (profiled)",
                                                "ms_per_step": 1e3 * wall / len(batches),
                                                "pos_triples_per_s": bs * len(batches) / wall}]


def run(args):
    from graphemb.datasets import load_kg
    from graphemb.kge import evaluate, train
    from graphemb.kge.models import KGEModule
    from graphemb.kge.predict import KGE

    if args.threads:
        torch.set_num_threads(args.threads)
    kg = load_kg("fb15k-237", args.data_root)
    if args.budget == "test":
        from graphemb.kg import KnowledgeGraph

        kg = KnowledgeGraph(kg.entities, kg.relations, kg.train[:8192], kg.valid[:200], kg.test[:200], name="fb-sub")
    if args.train_triples:
        from graphemb.kg import KnowledgeGraph

        kg = KnowledgeGraph(kg.entities, kg.relations, kg.train[:args.train_triples], kg.valid, kg.test,
                            name=kg.name)
    mrr_test = kg.test[:args.mrr_triples] if args.mrr_triples else kg.test
    dim, k, bs, epochs, lr = 200, 32, 1024, args.epochs, args.lr
    n = len(kg.train)
    rows, notes = [], []

    # -- PyKEEN SLCWA
    from pykeen.training import SLCWATrainingLoop

    tf = _pykeen_factory(kg, kg.train)
    pmodel = _pykeen_transe(tf, dim, 0)
    loop = SLCWATrainingLoop(model=pmodel, triples_factory=tf, optimizer=torch.optim.Adam(pmodel.parameters(), lr=lr),
                             negative_sampler="basic", negative_sampler_kwargs={"num_negs_per_pos": k})
    with Timer() as t_py:
        loop.train(triples_factory=tf, num_epochs=epochs, batch_size=bs, use_tqdm=False)
    py_tps = n * epochs / t_py.seconds
    ent, rel = _pykeen_weights(pmodel)
    module = KGEModule("transe", kg.num_entities, kg.num_relations, dim, 0.0, reciprocal=False)
    with torch.no_grad():
        module.entity.copy_(ent)
        module.relation.copy_(rel)
    py_as_ours = KGE(module, kg.entities, kg.relations, known_triples=kg.all_triples())
    py_res = evaluate(py_as_ours, mrr_test, kg, batch_size=512)
    rows.append({"system": "PyKEEN SLCWATrainingLoop", "negatives": "per-row (basic)", "epochs": epochs,
                 "train_s": t_py.seconds, "pos_triples_per_s": py_tps, "speedup": 1.0, "test_mrr": py_res.mrr,
                 "hits@10": py_res.hits[10]})

    # -- graphemb, per-row negatives through the shared NegativeSampler interface
    configs = [("graphemb per-row (uniform sampler, Adam)", dict(negative_sampler="uniform", optimizer="adam"),
                "per-row (uniform)")]
    configs.append(("graphemb batch-shared (row-gathered step, lazy Adam)",
                    dict(shared_negatives=True, optimizer="sparse_adam"), "batch-shared uniform"))
    if args.row_adagrad_lr:
        configs.append(("graphemb batch-shared (row-gathered step, row-wise AdaGrad)",
                        dict(shared_negatives=True, optimizer="row_adagrad", lr=args.row_adagrad_lr),
                        "batch-shared uniform"))
    if args.with_dense_shared:
        configs.append(("graphemb batch-shared (dense Adam, whole-table constraint)",
                        dict(shared_negatives=True, optimizer="adam"), "batch-shared uniform"))
    trained = None
    for label, extra, neg_kind in configs:
        extra = {"lr": lr, **extra}
        with Timer():
            model = train(kg, "transe", dim=dim, epochs=epochs, batch_size=bs, training="negative",
                          num_negatives=k, loss="margin", margin=1.0, valid_every=0, device="cpu",
                          random_state=0, init="xavier_uniform_norm", entity_constraint="unit_norm", **extra)
        train_s = sum(h["time_s"] for h in model.history_)
        res = evaluate(model, mrr_test, kg, batch_size=512)
        rows.append({"system": label, "negatives": neg_kind, "epochs": epochs, "train_s": train_s,
                     "pos_triples_per_s": n * epochs / train_s, "speedup": t_py.seconds / train_s,
                     "test_mrr": res.mrr, "hits@10": res.hits[10]})
        trained = model

    if args.profile_steps:
        rows += profile_step(kg, dim, k, bs, lr, args.profile_steps)
        notes.append(f"step split: torch.profiler self CPU time of {args.profile_steps} row-gathered TransE steps "
                     "(closed-form gradient + lazy Adam + unit-norm rows), grouped by op")

    # -- evaluation equality and timing on a fixed model (the last graphemb model)
    ev = evaluate(trained, kg.test, kg, batch_size=512)
    sub = args.eval_subset or (len(kg.test) if args.budget == "full" else min(2000, len(kg.test)))
    sub_triples = kg.test[:sub]
    ours_sub = evaluate(trained, sub_triples, kg, batch_size=512)
    pmodel2 = _pykeen_transe(tf, dim, 0)
    pe, pr = _pykeen_weights(pmodel2)
    with torch.no_grad():
        pe.copy_(trained.module.entity)
        pr.copy_(trained.module.relation)
    py_mrr, py_eval_s = _pykeen_eval(pmodel2, kg, sub_triples)
    rows.append({"system": "evaluation: graphemb", "test_triples": len(kg.test), "eval_s": ev.time_s,
                 "test_mrr": ev.mrr, "subset": sub, "subset_mrr": ours_sub.mrr})
    rows.append({"system": "evaluation: PyKEEN RankBasedEvaluator", "test_triples": sub, "eval_s": py_eval_s,
                 "subset": sub, "subset_mrr": py_mrr, "abs_diff_mrr": abs(py_mrr - ours_sub.mrr),
                 "eval_s_scaled_to_full_test": py_eval_s * len(kg.test) / sub})
    notes += [
        "same TransE definition in both: L2 distance (PyKEEN scoring_fct_norm=2, power_norm=False; graphemb p=2), "
        "entities and relations initialised as PyKEEN 1.11 does (xavier_uniform rows rescaled to unit norm; graphemb "
        "init='xavier_uniform_norm'), entity rows kept at unit L2 norm after every step (PyKEEN's default "
        "entity_constrainer=normalize on the whole table; graphemb entity_constraint='unit_norm' on the rows a "
        "step touched, the only rows the lazy Adam moves), margin ranking loss margin 1 with mean reduction, "
        f"dim {dim}, {k} negatives per positive, batch {bs}, Adam lr {lr} (PyKEEN and every graphemb Adam run)",
        f"row-wise AdaGrad (graphemb.kge.row_adagrad; PyTorch-BigGraph's RowAdagrad, DGL-KE's default optimizer): "
        f"one accumulator per row instead of Adam's two moment tables, so the step gathers and writes one table; "
        f"lr {args.row_adagrad_lr}, chosen on validation MRR (--row-adagrad-lr help)",
        "pos_triples_per_s = training triples x epochs / training wall time (epoch loops only for graphemb; "
        "PyKEEN's train() call)",
        "batch-shared: the 32 corrupting entities of a batch (16 heads, 16 tails) are shared by its 1024 "
        "positives (DGL-KE/PBG batched negatives) and scored by matrix products; per-row draws 32 per positive",
        "row-gathered step (graphemb.kge.shared_negatives): one gather of the batch's unique entity and relation "
        "rows, gradient on those rows only (for TransE-L2 + margin in closed form, "
        "graphemb.kge.transe_margin_kernel; autograd otherwise), SparseAdam's lazy update applied to them by "
        "torch's fused Adam kernel, then the touched entity rows rescaled to unit norm",
        "MRR: filtered (train+valid+test), both directions, realistic ties, graphemb evaluator for every model, "
        f"on {len(mrr_test)} test triples; training on {n} training triples",
        f"evaluation equality: the same weights scored by graphemb and by PyKEEN's RankBasedEvaluator on the first "
        f"{sub} test triples (realistic MRR)",
        f"torch threads: {torch.get_num_threads()}; other jobs on the machine slow both systems (measured in the "
        "same run); figures to quote come from an idle machine",
    ]
    return rows, notes


def main(argv=None):
    args = parse_args("graphemb KGE vs PyKEEN: throughput, MRR, evaluation", argv, extra=_extra)
    t0 = time.perf_counter()
    rows, notes = run(args)
    for r in rows:
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()})
    path = write_results("bench_kge_pykeen", "graphemb vs PyKEEN on FB15k-237 (TransE, CPU)", rows,
                         out_dir=args.out_dir, budget=args.budget, seeds=[0], time_s=time.perf_counter() - t0,
                         notes=notes)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
