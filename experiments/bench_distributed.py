"""Benchmark: 1 vs 2 local processes for distributed FastRP and KGE training.

FastRP on a random graph (default 1,000,000 nodes, 10,000,000 directed edges, d=128,
3 propagation steps) and TransE on FB15k-237 (dim 200, 32 uniform negatives, global
batch 1024, one epoch). Each rank times its own work after a barrier (process start-up
excluded) and reports its peak RSS; the scale model's per-rank memory projection is
printed beside the measurement.

    python experiments/bench_distributed.py [--budget test|small|full]
"""

from __future__ import annotations

import resource
import time

import numpy as np

from common import Timer, parse_args, write_results

SIZES = {"test": (20_000, 200_000, 1), "small": (1_000_000, 10_000_000, 1), "full": (1_000_000, 10_000_000, 1)}


def random_graph(n: int, m: int, seed: int = 0):
    import graphemb as ge

    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    return ge.as_graph(np.stack([src, dst]), num_nodes=n, directed=True, aggregate="max")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _gather_stats(rank: int, world: int, seconds: float) -> dict:
    import torch
    import torch.distributed as dist

    t = torch.tensor([seconds, _peak_mb()], dtype=torch.float64)
    parts = [torch.empty_like(t) for _ in range(world)]
    dist.all_gather(parts, t)
    return {"seconds": [float(p[0]) for p in parts], "peak_mb": [float(p[1]) for p in parts]}


def fastrp_job(rank: int, world: int, graph, params: dict):
    import torch.distributed as dist

    from graphemb.distributed.fastrp import _worker

    dist.barrier()
    start = time.perf_counter()
    _worker(rank, world, graph, params, None)
    return _gather_stats(rank, world, time.perf_counter() - start)


def kge_job(rank: int, world: int, kg, params: dict):
    import torch.distributed as dist

    from graphemb.distributed.kge import _worker

    dist.barrier()
    start = time.perf_counter()
    _worker(rank, world, kg, "transe", dict(params), None, False, None)
    return _gather_stats(rank, world, time.perf_counter() - start)


def main(argv=None) -> None:
    import warnings

    from graphemb.datasets import load_kg
    from graphemb.distributed import fastrp_per_rank, kge_per_rank, spawn

    args = parse_args(__doc__.splitlines()[0], argv)
    n, m, epochs = SIZES[args.budget]
    rows = []
    with Timer() as total:
        graph = random_graph(n, m)
        params = {"dim": 128, "iteration_weights": (0.0, 1.0, 1.0, 1.0), "formulation": "paper", "random_state": 0}
        for nproc in (1, 2):
            stats = spawn(fastrp_job, nproc, (graph, params), backend="gloo", timeout_s=3600)
            model = fastrp_per_rank(n, graph.num_entries, 128, nproc, steps=3)
            row = {"job": f"FastRP n={n:,} m={m:,} d=128", "nproc": nproc, "seconds": max(stats["seconds"]),
                   "peak_mb_per_rank": max(stats["peak_mb"]), "model_mb_per_rank": model.memory_bytes / 2**20,
                   "model_comm_mb_per_rank": model.communication_bytes / 2**20}
            rows.append(row)
            print(row)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kg = load_kg("fb15k-237", args.data_root, text=False)
        kparams = {"dim": 200, "epochs": epochs, "batch_size": 1024, "lr": 0.001, "training": "negative",
                   "negative_sampler": "uniform", "num_negatives": 32, "random_state": 0}
        if args.budget == "test":
            kg.train = kg.train[:20_000]
        for nproc in (1, 2):
            stats = spawn(kge_job, nproc, (kg, kparams), backend="gloo", timeout_s=3600)
            model = kge_per_rank(kg.num_entities, kg.num_relations, 200, 200, len(kg.train), 1024 // nproc, nproc,
                                 score_columns=33)
            row = {"job": f"TransE FB15k-237 {len(kg.train):,} triples, {epochs} epoch", "nproc": nproc,
                   "seconds": max(stats["seconds"]), "peak_mb_per_rank": max(stats["peak_mb"]),
                   "model_mb_per_rank": model.memory_bytes / 2**20,
                   "model_comm_mb_per_rank": model.communication_bytes / 2**20}
            rows.append(row)
            print(row)
    write_results("bench_distributed", "Distributed FastRP and KGE: 1 vs 2 local processes", rows,
                  out_dir=args.out_dir, budget=args.budget, time_s=total.seconds,
                  notes=["peak_mb_per_rank includes the Python/torch runtime and the input graph every rank "
                         "receives; model_mb_per_rank is the scale model's algorithmic memory",
                         "both processes share the same 2 cores here, so 2 processes cannot be faster than 1; "
                         "the figures show the communication overhead"])


if __name__ == "__main__":
    main()
