"""Process groups for graphemb's distributed runners (torch.distributed).

Two ways to run a distributed job:

* **Local processes** (one machine): :func:`spawn` starts ``nproc`` processes with
  ``torch.multiprocessing`` (start method ``spawn``), sets ``MASTER_ADDR=127.0.0.1`` and a
  free ``MASTER_PORT``, initialises a process group in each (gloo on CPU, NCCL when every
  rank has its own CUDA device) and returns rank 0's result. This is what
  ``graphemb fastrp ... --nproc N`` and ``graphemb kge train ... --nproc N`` use.
* **Several machines**: start one process per rank with ``torchrun`` and call the
  runner's worker function directly; :func:`init_from_env` reads ``RANK``,
  ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT`` set by torchrun::

      # on every machine (node_rank 0..N-1), 2 processes per machine:
      torchrun --nnodes=N --nproc_per_node=2 --node_rank=$NODE_RANK \\
               --master_addr=$HEAD_HOST --master_port=29500 \\
               -m graphemb.distributed.worker fastrp GRAPH --dim 128 --out emb.npy

Every collective runs under a timeout so a dead peer fails the job instead of hanging.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import socket
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable, Optional

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from ..errors import GraphembError, InvalidParameterError
from ..utils.validation import check_int

logger = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 300


class DistributedError(GraphembError, RuntimeError):
    """A distributed worker failed; the message carries the failing rank's traceback."""


def free_port() -> int:
    """A TCP port on the loopback interface that is free right now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def default_backend() -> str:
    """``nccl`` when CUDA is available, else ``gloo``."""
    return "nccl" if torch.cuda.is_available() and dist.is_nccl_available() else "gloo"


def init_process_group(rank: int, world_size: int, backend: Optional[str] = None,
                       timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
    """Join the process group described by ``MASTER_ADDR``/``MASTER_PORT`` (env://)."""
    backend = backend or default_backend()
    dist.init_process_group(backend, rank=rank, world_size=world_size,
                            timeout=datetime.timedelta(seconds=timeout_s))


def init_from_env(backend: Optional[str] = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> tuple:
    """Initialise from torchrun's environment; returns ``(rank, world_size)``."""
    for var in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        if var not in os.environ:
            raise DistributedError(f"environment variable {var} is not set; start the job with torchrun")
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    if not dist.is_initialized():
        init_process_group(rank, world, backend, timeout_s)
    return rank, world


def _worker(rank: int, world_size: int, port: int, backend: str, timeout_s: float, fn: Callable,
            args: tuple, result_dir: str) -> None:
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    os.environ["RANK"] = str(rank)
    os.environ["WORLD_SIZE"] = str(world_size)
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // world_size))
    try:
        init_process_group(rank, world_size, backend, timeout_s)
        result = fn(rank, world_size, *args)
        if rank == 0:
            _save_result(Path(result_dir) / "result", result)
        # every rank leaves together: a rank tearing down gloo while a peer still holds the
        # connection can abort ("terminate called without an active exception", SIGABRT)
        dist.barrier()
        (Path(result_dir) / f"done-{rank}").write_text("")  # fn and the final barrier completed
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        (Path(result_dir) / f"error-{rank}.txt").write_text(traceback.format_exc())
        raise
    finally:
        if dist.is_initialized():
            with contextlib.suppress(Exception):
                dist.destroy_process_group()


def _save_result(path: Path, result: Any) -> None:
    """Rank 0's result goes back through safetensors + JSON (no pickle)."""
    import json

    import numpy as np
    from safetensors.numpy import save_file

    arrays, meta = {}, {}
    items = result.items() if isinstance(result, dict) else [("value", result)]
    for key, value in items:
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        if isinstance(value, np.ndarray):
            arrays[key] = np.ascontiguousarray(value)
        else:
            meta[key] = value
    save_file(arrays, str(path) + ".safetensors")
    (Path(str(path) + ".json")).write_text(json.dumps({"meta": meta, "dict": isinstance(result, dict)}))


def _load_result(path: Path) -> Any:
    import json

    from safetensors.numpy import load_file

    arrays = load_file(str(path) + ".safetensors")
    info = json.loads(Path(str(path) + ".json").read_text())
    out = {**arrays, **info["meta"]}
    return out if info["dict"] else out.get("value")


def spawn(fn: Callable, nproc: int, args: tuple = (), *, backend: Optional[str] = None,
          timeout_s: float = DEFAULT_TIMEOUT_S) -> Any:
    """Run ``fn(rank, world_size, *args)`` in ``nproc`` local processes; return rank 0's result.

    ``fn`` must be importable (a module-level function) and its arguments picklable by
    multiprocessing (they only travel to the child processes, never to disk). Rank 0's
    return value (a tensor/array, or a dict of arrays and JSON values) comes back through
    safetensors + JSON. If any rank fails, :class:`DistributedError` carries its
    traceback.
    """
    nproc = check_int(nproc, "nproc", min_value=1)
    backend = backend or default_backend()
    if backend not in ("gloo", "nccl", "mpi"):
        raise InvalidParameterError(f"backend must be 'gloo', 'nccl' or 'mpi', got {backend!r}")
    with tempfile.TemporaryDirectory(prefix="graphemb-dist-") as tmp:
        port = free_port()
        ctx = mp.start_processes(_worker, args=(nproc, port, backend, timeout_s, fn, args, tmp), nprocs=nproc,
                                 join=False, start_method="spawn")
        try:
            while not ctx.join(timeout=timeout_s):
                pass
        except Exception as exc:  # a rank died or raised
            errors = sorted(Path(tmp).glob("error-*.txt"))
            done = all((Path(tmp) / f"done-{r}").exists() for r in range(nproc))
            if done and not errors and (Path(tmp) / "result.json").exists():
                # every rank finished fn and the final barrier; a process died tearing gloo down
                # afterwards, which loses nothing
                logger.warning("a process died after the job completed (%s); its result is complete", exc)
                return _load_result(Path(tmp) / "result")
            detail = "\n".join(f"--- {p.stem} ---\n{p.read_text()}" for p in errors) or str(exc)
            raise DistributedError(f"distributed job failed:\n{detail}") from None
        return _load_result(Path(tmp) / "result")
