"""Entry point for multi-machine jobs started by ``torchrun`` (one process per rank).

::

    torchrun --nnodes=2 --nproc_per_node=2 --node_rank=$NODE_RANK --master_addr=$HEAD \\
        --master_port=29500 -m graphemb.distributed.worker fastrp graph.edgelist --dim 128 --out emb.npy
    torchrun ... -m graphemb.distributed.worker kge umls --model complex --dim 64 --epochs 20 \\
        --checkpoint-dir ckpt/ --out model/

Every rank reads the input itself (a shared file system or a copy on each machine);
rank 0 writes the output.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional



def main(argv: Optional[List[str]] = None) -> int:
    from ..utils.io import atomic_save_npy
    from .launch import init_from_env

    p = argparse.ArgumentParser(prog="python -m graphemb.distributed.worker")
    sub = p.add_subparsers(dest="job", required=True)
    f = sub.add_parser("fastrp")
    f.add_argument("graph")
    f.add_argument("--dim", type=int, default=128)
    f.add_argument("--formulation", default="paper", choices=["paper", "gds"])
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--out", required=True)
    k = sub.add_parser("kge")
    k.add_argument("dataset")
    k.add_argument("--model", default="nfe-1")
    k.add_argument("--dim", type=int, default=200)
    k.add_argument("--epochs", type=int, default=10)
    k.add_argument("--batch-size", type=int, default=1024)
    k.add_argument("--lr", type=float, default=0.001)
    k.add_argument("--seed", type=int, default=0)
    k.add_argument("--checkpoint-dir", default=None)
    k.add_argument("--resume", action="store_true")
    k.add_argument("--out", required=True)
    args = p.parse_args(argv)
    rank, world = init_from_env()
    if args.job == "fastrp":
        from ..graph import as_graph
        from .fastrp import _worker

        res = _worker(rank, world, as_graph(args.graph), {"dim": args.dim, "formulation": args.formulation,
                                                           "random_state": args.seed}, None)
        if rank == 0:
            atomic_save_npy(args.out, res["embeddings"])
    else:
        from ..datasets import load_kg
        from ..utils.io import atomic_write_json
        from .kge import _worker

        kg = load_kg(args.dataset)
        res = _worker(rank, world, kg, args.model, {"dim": args.dim, "epochs": args.epochs,
                                                    "batch_size": args.batch_size, "lr": args.lr,
                                                    "random_state": args.seed},
                      args.checkpoint_dir, args.resume, None)
        if rank == 0:
            from safetensors.torch import save_file

            from pathlib import Path

            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            save_file({"entity": res["entity"].contiguous(), "relation": res["relation"].contiguous()},
                      str(out / "parameters.safetensors"))
            atomic_write_json(out / "config.json", {k: res[k] for k in ("module_config", "config", "history")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
