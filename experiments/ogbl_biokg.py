"""ogbl-biokg: TransE / DistMult / ComplEx / RotatE / NFE trained by graphemb.kge, MRR with OGB's sampled negatives.

Heterogeneous biomedical knowledge graph of the Open Graph Benchmark (Hu et al., NeurIPS
2020): five entity types (disease, drug, function, protein, side effect), 51 relation
types. OGB stores per-type entity ids; :func:`graphemb.datasets.load_ogb` maps them to
global ids (types in sorted order), and the 500 head / tail negatives of every
validation/test triple, drawn by OGB from the entities of the right type, are mapped the
same way. MRR comes from ``ogb.linkproppred.Evaluator``. Same training engine as
``ogbl_wikikg2.py``; ``--budget full`` uses the OGB baselines' widths (TransE/DistMult
2000, ComplEx/RotatE 1000 per part) and needs a GPU.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List

if __package__ in (None, ""):  # run as `python experiments/ogbl_biokg.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.common import parse_args, print_table
from experiments.ogbl_wikikg2 import _extra, run_kg_prediction

LEADERBOARD = "OGB leaderboard (ogb.stanford.edu/docs/leader_linkprop), OGB team KGE baselines"
PUBLISHED = [
    {"model": "transe", "dim": 2000, "test_mrr": 0.7452, "test_std": 0.0004, "source": LEADERBOARD},
    {"model": "distmult", "dim": 2000, "test_mrr": 0.8043, "test_std": 0.0003, "source": LEADERBOARD},
    {"model": "complex", "dim": 1000, "test_mrr": 0.8095, "test_std": 0.0007, "source": LEADERBOARD},
    {"model": "rotate", "dim": 1000, "test_mrr": 0.7989, "test_std": 0.0004, "source": LEADERBOARD},
]
FULL_DIMS = {"transe": 2000, "distmult": 2000, "complex": 1000, "rotate": 1000}


def run(args) -> List[dict]:
    return run_kg_prediction(args, "ogbl-biokg", "ogbl-biokg KG completion (MRR, OGB negatives)", PUBLISHED,
                             full_dims=FULL_DIMS)


def main(argv=None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv, extra=_extra)
    run(args)
    print_table(Path(args.out_dir) / "ogbl_biokg.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
