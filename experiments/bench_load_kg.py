"""Benchmark: loading FB15k-237 (272,115 training triples) from TSV.

Target (issue 2): under 3 s on a 2-core machine. Compared in the same run with a plain
pandas ``read_csv`` + ``factorize`` baseline (what many scripts do) and, when installed,
PyKEEN's ``TriplesFactory.from_path``.

    python experiments/bench_load_kg.py
"""

from __future__ import annotations

import time
import warnings

from common import REPO, Timer, parse_args, write_results  # noqa: F401  (REPO puts graphemb on sys.path)


def main(argv=None) -> None:
    args = parse_args(__doc__.splitlines()[0], argv)
    from graphemb.datasets import find_path, load_kg

    folder = find_path("kg/fb15k-237", args.data_root, "fb15k-237")
    rows = []
    start = time.perf_counter()
    for label, fn in _contenders(folder, load_kg, args.data_root):
        times = []
        for _ in range(3):
            with warnings.catch_warnings(), Timer() as t:
                warnings.simplefilter("ignore")
                fn()
            times.append(t.seconds)
        rows.append({"method": label, "best_s": min(times), "mean_s": sum(times) / len(times)})
        print(f"{label:<45} best {min(times):6.2f} s   mean {sum(times) / len(times):6.2f} s")
    write_results("bench_load_kg", "Loading FB15k-237 (train+valid+test)", rows, out_dir=args.out_dir,
                  budget=args.budget, time_s=time.perf_counter() - start,
                  notes=["target: graphemb under 3 s on this machine"])


def _contenders(folder, load_kg, root):
    yield "graphemb load_kg (vocab + 3 splits, no text)", lambda: load_kg("fb15k-237", root, text=False)
    yield "graphemb load_kg (with entity text)", lambda: load_kg("fb15k-237", root)

    def pandas_baseline():
        import pandas as pd

        frames = [pd.read_csv(folder / f"{s}.txt", sep="\t", header=None, dtype=str) for s in ("train", "valid", "test")]
        allf = pd.concat(frames)
        pd.factorize(pd.concat([allf[0], allf[2]]), sort=True)
        pd.factorize(allf[1], sort=True)

    yield "pandas read_csv + factorize (baseline)", pandas_baseline
    try:
        from pykeen.triples import TriplesFactory
    except ImportError:
        return

    def pykeen_load():
        tf = TriplesFactory.from_path(folder / "train.txt")
        TriplesFactory.from_path(folder / "valid.txt", entity_to_id=tf.entity_to_id, relation_to_id=tf.relation_to_id)
        TriplesFactory.from_path(folder / "test.txt", entity_to_id=tf.entity_to_id, relation_to_id=tf.relation_to_id)

    yield "PyKEEN TriplesFactory.from_path (3 splits)", pykeen_load


if __name__ == "__main__":
    main()
