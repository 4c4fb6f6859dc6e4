"""Distributed FastRP and KGE training on torch.distributed (gloo on CPU, NCCL on GPU).

* :func:`fastrp_distributed` - row-partitioned FastRP, equal to single-process FastRP.
* :func:`train_distributed` - data-parallel KGE training with replicated tables,
  checkpoint/resume across ranks.
* :mod:`~graphemb.distributed.launch` - local process spawning and torchrun set-up.
* :mod:`~graphemb.distributed.scale_model` - per-rank memory/communication formulas.
"""

from .fastrp import fastrp_distributed, run_fastrp_distributed
from .kge import run_kge_distributed, train_distributed
from .launch import DistributedError, spawn
from .scale_model import ScaleEstimate, fastrp_per_rank, kge_per_rank, projection_table

__all__ = ["fastrp_distributed", "run_fastrp_distributed", "train_distributed", "run_kge_distributed",
           "DistributedError", "spawn", "ScaleEstimate", "fastrp_per_rank", "kge_per_rank", "projection_table"]
