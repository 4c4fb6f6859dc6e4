"""ogbl-ddi: FastRP and node2vec embeddings with a dot-product or MLP link predictor, Hits@20.

Drug-drug interaction graph of the Open Graph Benchmark (Hu et al., NeurIPS 2020); the
split is by protein target, so test interactions involve drugs binding other proteins
than the training ones. Same pipeline as ``ogbl_collab.py`` (embeddings on the training
graph, OGB's fixed negatives, Hits@20 from OGB's ``Evaluator``); ``--budget full`` uses
OGB's node2vec example settings and 10 seeds.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List

if __package__ in (None, ""):  # run as `python experiments/ogbl_ddi.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.common import parse_args, print_table
from experiments.ogbl_collab import _extra, run_link_prediction

LEADERBOARD = "OGB leaderboard / Hu et al. 2020 (ogb.stanford.edu/docs/leader_linkprop)"
PUBLISHED = [
    {"method": "node2vec", "predictor": "mlp", "test": 0.2326, "test_std": 0.0209,
     "source": LEADERBOARD},
    {"method": "matrix factorization", "predictor": "mlp", "test": 0.1368, "test_std": 0.0475,
     "source": LEADERBOARD},
    {"method": "DeepWalk", "predictor": "mlp", "test": 0.2246, "test_std": 0.0290, "source": LEADERBOARD},
    {"method": "GCN", "predictor": "mlp", "test": 0.3707, "test_std": 0.0507,
     "source": LEADERBOARD},
]


def run(args) -> List[dict]:
    return run_link_prediction(args, "ogbl-ddi", "ogbl-ddi link prediction (Hits@20)", PUBLISHED, "Hits@20")


def main(argv=None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv, extra=_extra)
    run(args)
    print_table(Path(args.out_dir) / "ogbl_ddi.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
