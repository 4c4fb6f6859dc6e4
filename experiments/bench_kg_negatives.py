"""Knowledge-graph negative-sampling throughput on FB15k-237 (CPU unless --device says otherwise).

Corrupted triples per second for uniform (k=32), Bernoulli, filtered uniform and
chunk-shared sampling, over batches of training positives; PyKEEN's
``BasicNegativeSampler`` (uniform head/tail corruption) is measured in the same run when
PyKEEN is importable (run in /work/bench_venv). Target: >= 5M triples/s uniform, k=32.

Run: ``PYTHONPATH=. /work/bench_venv/bin/python experiments/bench_kg_negatives.py``
"""

from __future__ import annotations

import time

from common import parse_args, write_results


def _extra(p):
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=4096)
    p.add_argument("--num-negatives", type=int, default=32)
    p.add_argument("--repeats", type=int, default=30)


def _rate(fn, batches, k, repeats):
    fn(batches[0])  # warm-up (builds device caches)
    t = time.perf_counter()
    n = 0
    for i in range(repeats):
        fn(batches[i % len(batches)])
        n += batches[i % len(batches)].shape[0] * k
    return n / (time.perf_counter() - t)


def main(argv=None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv, _extra)
    import torch

    from graphemb.datasets import load_kg
    from graphemb.sampling import (BernoulliNegativeSampler, ChunkSharedNegativeSampler,
                                   UniformNegativeSampler)
    from graphemb.utils import resolve_device

    if args.threads:
        torch.set_num_threads(args.threads)
    dev = resolve_device(args.device)
    kg = load_kg("fb15k-237", root=args.data_root)
    k = args.num_negatives
    repeats = 3 if args.budget == "test" else args.repeats
    train = torch.as_tensor(kg.train, device=dev)
    bs = args.batch_size
    batches = [train[i:i + bs] for i in range(0, min(len(train), 20 * bs), bs) if len(train[i:i + bs]) == bs]
    gen = torch.Generator(device=dev).manual_seed(0)
    samplers = {
        "uniform": UniformNegativeSampler.from_kg(kg, k),
        "bernoulli": BernoulliNegativeSampler.from_kg(kg, k),
        "uniform_filtered": UniformNegativeSampler.from_kg(kg, k, filtered=True),
        "chunk_shared_expanded": ChunkSharedNegativeSampler.from_kg(kg, k, chunk_size=256),
    }
    rows = []
    started = time.perf_counter()
    for name, s in samplers.items():
        rate = _rate(lambda b: s.corrupt(b, gen), batches, k, repeats)
        rows.append({"sampler": name, "impl": "graphemb", "batch": bs, "k": k, "device": str(dev),
                     "threads": torch.get_num_threads(), "Mtriples_s": round(rate / 1e6, 3)})
        print(rows[-1], flush=True)
    shared = ChunkSharedNegativeSampler.from_kg(kg, k, chunk_size=256)
    rate = _rate(lambda b: shared.sample(b, gen), batches, k, repeats)
    rows.append({"sampler": "chunk_shared_compact", "impl": "graphemb", "batch": bs, "k": k, "device": str(dev),
                 "threads": torch.get_num_threads(), "Mtriples_s": round(rate / 1e6, 3)})
    print(rows[-1], flush=True)
    try:
        from pykeen.sampling import BasicNegativeSampler
        from pykeen.triples import TriplesFactory
    except ImportError:
        BasicNegativeSampler = None
    if BasicNegativeSampler is not None and dev.type == "cpu":
        tf = TriplesFactory(mapped_triples=torch.as_tensor(kg.train), entity_to_id={e: i for i, e in
                                                                                    enumerate(kg.entities.labels)},
                            relation_to_id={r: i for i, r in enumerate(kg.relations.labels)})
        peer = BasicNegativeSampler(mapped_triples=tf.mapped_triples, num_entities=kg.num_entities,
                                    num_relations=kg.num_relations, num_negs_per_pos=k)
        rate = _rate(lambda b: peer.corrupt_batch(b), batches, k, repeats)
        rows.append({"sampler": "uniform", "impl": "pykeen BasicNegativeSampler", "batch": bs, "k": k,
                     "device": str(dev), "threads": torch.get_num_threads(), "Mtriples_s": round(rate / 1e6, 3)})
        print(rows[-1], flush=True)
    notes = ["Measured on a CPU shared with other jobs: timings are noisy.",
             "chunk_shared_compact returns (num_chunks, k) entity ids; its rate counts b*k implied triples."]
    path = write_results("bench_kg_negatives", "KG negative sampling throughput on FB15k-237", rows,
                         out_dir=args.out_dir, budget=args.budget, time_s=time.perf_counter() - started, notes=notes)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
