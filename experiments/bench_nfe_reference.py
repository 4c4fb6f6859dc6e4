"""Benchmark: 1-vs-all NFE-1 (D=256) training time on WN18RR, graphemb vs the NFE reference code.

The reference implementation (github.com/changyi7231/NFE, Xiao, He and Cao, AAAI 2023) is
*not* part of this repository. Fetch it yourself and pass its folder with ``--reference``
(it needs ``model.py`` and ``datasets/WN18RR/*2id.txt``). Both sides train on the same CPU
in the same run for the same number of batches of the reciprocal WN18RR training set
(``--batches``, default 20 for ``small``; ``--budget full`` runs one whole epoch), with the
reference's own ``Model`` class and its per-batch loss (BCE with logits summed over entities,
Adam). The epoch time is extrapolated from the per-batch time when fewer batches are run.

    PYTHONPATH=. /work/venv/bin/python experiments/bench_nfe_reference.py --reference /tmp/NFE --threads 1
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import common  # noqa: F401
import numpy as np
import torch
import torch.nn.functional as F
from common import parse_args, write_results


def _extra(p):
    p.add_argument("--reference", required=True, help="folder of the fetched changyi7231/NFE code")
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--batches", type=int, default=None)
    p.add_argument("--threads", type=int, default=None)


def _load_reference_model(folder: Path):
    spec = importlib.util.spec_from_file_location("nfe_reference_model", folder / "model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.Model


def _reference_rows(folder: Path) -> np.ndarray:
    lines = (folder / "datasets" / "WN18RR" / "train2id.txt").read_text().split("\n")
    trip = np.array([[int(x) for x in ln.split("\t")] for ln in lines if ln.strip()], dtype=np.int64)
    n_rel = len([x for x in (folder / "datasets" / "WN18RR" / "relation2id.txt").read_text().split("\n") if x.strip()])
    inv = np.stack([trip[:, 2], trip[:, 1] + n_rel, trip[:, 0]], 1)
    return np.concatenate([trip, inv]), n_rel


def run(args):
    from graphemb.datasets import load_kg
    from graphemb.kg import KnowledgeGraph
    from graphemb.kge import train

    if args.threads:
        torch.set_num_threads(args.threads)
    folder = Path(args.reference)
    if not (folder / "model.py").exists():
        raise SystemExit(f"{folder}: model.py of the NFE reference code not found (fetch changyi7231/NFE)")
    rows_ref, n_rel = _reference_rows(folder)
    n_ent = len([x for x in (folder / "datasets" / "WN18RR" / "entity2id.txt").read_text().split("\n") if x.strip()])
    bs = args.batch_size
    full_batches = (len(rows_ref) + bs - 1) // bs
    n_batches = {"test": 2, "small": 20, "full": full_batches}[args.budget] if args.batches is None else args.batches
    n_batches = min(n_batches, full_batches)
    gamma, lr = 1.0, 0.005

    # -- reference: its Model class, its loss, its optimiser, on CPU
    Model = _load_reference_model(folder)
    torch.manual_seed(0)  # the reference seeds globally; done here in the script, never in graphemb
    ref = Model("NFE-1", n_ent, 2 * n_rel, args.dim, gamma)
    opt = torch.optim.Adam(ref.parameters(), lr=lr)
    perm = np.random.default_rng(0).permutation(len(rows_ref))
    t0 = time.perf_counter()
    ref_loss = 0.0
    for i in range(n_batches):
        b = torch.as_tensor(rows_ref[perm[i * bs:(i + 1) * bs]])
        scores = ref(b[:, 0], b[:, 1])
        mask = torch.zeros_like(scores).scatter(1, b[:, 2].unsqueeze(-1), 1)
        loss = torch.mean(F.softplus((1 - 2 * mask) * scores).sum(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        ref_loss += float(loss)
    ref_s = time.perf_counter() - t0

    # -- graphemb: the same number of rows (reciprocal triples) through train()
    kg = load_kg("wn18rr", args.data_root)
    rng = np.random.default_rng(0)
    n_triples = min(len(kg.train), n_batches * bs // 2)
    sub = kg.train[rng.choice(len(kg.train), n_triples, replace=False)]
    kg_sub = KnowledgeGraph(kg.entities, kg.relations, sub, name="wn18rr-sub")
    ours_batches = (2 * n_triples + bs - 1) // bs
    ref_epoch = ref_s / n_batches * full_batches
    rows = [
        {"system": "NFE reference (changyi7231/NFE Model, its loss)", "batches": n_batches, "batch_size": bs,
         "seconds": ref_s, "s_per_batch": ref_s / n_batches, "epoch_s_est": ref_epoch, "speedup": 1.0,
         "mean_loss": ref_loss / n_batches},
    ]
    for mixed in (False, True):  # float32, then bfloat16 autocast (AMX / AVX512-BF16 products where the CPU has them)
        model = train(kg_sub, "nfe-1", dim=args.dim, epochs=1, batch_size=bs, lr=lr, gamma=gamma, valid_every=0,
                      device="cpu", random_state=0, mixed_precision=mixed)
        ours_s = model.history_[0]["time_s"]
        ours_epoch = ours_s / ours_batches * full_batches
        rows.append({"system": "graphemb kge.train nfe-1 1vsall" + (", mixed_precision=True (bf16)" if mixed else ""),
                     "batches": ours_batches, "batch_size": bs, "seconds": ours_s, "s_per_batch": ours_s / ours_batches,
                     "epoch_s_est": ours_epoch, "speedup": ref_epoch / ours_epoch,
                     "mean_loss": model.history_[0]["loss"]})
    notes = [f"WN18RR with reciprocal relations: {len(rows_ref)} rows, {full_batches} batches of {bs} per epoch; "
             f"D={args.dim} (mean and scale parts), gamma {gamma}, Adam lr {lr}, CPU",
             "epoch_s_est = per-batch time x batches per epoch" if n_batches < full_batches else "one full epoch",
             f"torch threads {torch.get_num_threads()}; the CPU was shared with other jobs, so timings are noisy",
             "the reference code is fetched for this benchmark only and is not part of graphemb"]
    return rows, notes


def main(argv=None):
    args = parse_args("NFE-1 epoch time: graphemb vs the reference code", argv, extra=_extra)
    t0 = time.perf_counter()
    rows, notes = run(args)
    for r in rows:
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()})
    print(write_results("bench_nfe_reference", "NFE-1 1-vs-all training time on WN18RR vs the reference code",
                        rows, out_dir=args.out_dir, budget=args.budget, seeds=[0], time_s=time.perf_counter() - t0,
                        notes=notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
