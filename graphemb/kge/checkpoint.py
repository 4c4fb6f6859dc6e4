"""Atomic, pickle-free training checkpoints: tensors in safetensors, everything else in JSON.

A checkpoint directory holds ``state.safetensors`` (model parameters, optimizer state
tensors, the RNG state, the current epoch permutation, the best-so-far parameters) and
``state.json`` (configuration, epoch/batch position, optimizer hyper-parameters, scheduler
state, history). Both are written to temporary files and renamed; ``state.json`` is written
last and names the tensor file's checksum, so a half-written checkpoint is detected.
Loading never executes code from the files (no pickle, no ``torch.load``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Dict, Tuple, Union

import torch

from ..errors import CheckpointError
from ..utils import atomic_write_bytes, atomic_write_json
from ..utils.io import read_json_meta

PathLike = Union[str, os.PathLike]
TENSORS = "state.safetensors"
META = "state.json"
FORMAT = "graphemb-kge-checkpoint/1"


def optimizer_state(optimizer: torch.optim.Optimizer) -> Tuple[Dict[str, torch.Tensor], Dict[str, Any]]:
    """Split ``optimizer.state_dict()`` into flat tensors and JSON-able metadata."""
    sd = optimizer.state_dict()
    tensors: Dict[str, torch.Tensor] = {}
    scalars: Dict[str, Dict[str, Any]] = {}
    for pid, st in sd["state"].items():
        for key, val in st.items():
            if isinstance(val, torch.Tensor):
                tensors[f"optim.{pid}.{key}"] = val.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(pid), {})[key] = val
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def load_optimizer_state(optimizer: torch.optim.Optimizer, tensors: Dict[str, torch.Tensor],
                         meta: Dict[str, Any]) -> None:
    """Inverse of :func:`optimizer_state`."""
    state: Dict[int, Dict[str, Any]] = {}
    for name, val in tensors.items():
        if name.startswith("optim."):
            _, pid, key = name.split(".", 2)
            state.setdefault(int(pid), {})[key] = val
    for pid, st in meta.get("scalars", {}).items():
        state.setdefault(int(pid), {}).update(st)
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def save_checkpoint(directory: PathLike, tensors: Dict[str, torch.Tensor], meta: Dict[str, Any]) -> Path:
    """Write a checkpoint atomically into ``directory``; return the directory."""
    from safetensors.torch import save

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    blob = save({k: v.detach().cpu().contiguous() for k, v in tensors.items()})
    atomic_write_bytes(directory / TENSORS, blob)
    meta = dict(meta, format=FORMAT, tensors_sha256=hashlib.sha256(blob).hexdigest())
    atomic_write_json(directory / META, meta)
    return directory


def has_checkpoint(directory: PathLike) -> bool:
    """Whether ``directory`` holds a checkpoint."""
    return (Path(directory) / META).exists()


def load_checkpoint(directory: PathLike, device: Union[str, torch.device] = "cpu"
                    ) -> Tuple[Dict[str, torch.Tensor], Dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint` (checksum verified)."""
    from safetensors.torch import load

    directory = Path(directory)
    meta_path, tensor_path = directory / META, directory / TENSORS
    if not meta_path.exists() or not tensor_path.exists():
        raise CheckpointError(f"{directory}: no checkpoint ({META} and {TENSORS} expected)")
    meta = read_json_meta(meta_path, FORMAT, CheckpointError)
    blob = tensor_path.read_bytes()
    if hashlib.sha256(blob).hexdigest() != meta.get("tensors_sha256"):
        raise CheckpointError(f"{tensor_path}: checksum does not match {META}; the checkpoint is incomplete")
    tensors = {k: v.to(device) for k, v in load(blob).items()}
    return tensors, meta
