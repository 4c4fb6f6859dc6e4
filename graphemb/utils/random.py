"""Seeding without global state.

``random_state`` (None, int, numpy Generator) becomes a numpy ``Generator``; a torch
``Generator`` on a given device is derived from it. Library code never calls
``np.random.seed`` / ``torch.manual_seed``.
"""

from __future__ import annotations

import hashlib
from typing import Union

import numpy as np
import torch

from ..errors import InvalidParameterError

RandomState = Union[None, int, np.integer, np.random.Generator]

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def check_random_state(random_state: RandomState, name: str = "random_state") -> np.random.Generator:
    """Turn ``random_state`` into a ``numpy.random.Generator``.

    ``None`` gives fresh OS entropy, an int a reproducible generator, a Generator is
    returned as is (shared, not copied).
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise InvalidParameterError(f"{name} must be a non-negative int, got {random_state}")
        return np.random.default_rng(int(random_state))
    raise InvalidParameterError(
        f"{name} must be None, a non-negative int or a numpy Generator, got {type(random_state).__name__}"
    )


def seed_from(random_state: RandomState, name: str = "random_state") -> int:
    """Draw a 63-bit integer seed from ``random_state`` (deterministic for an int)."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        check_random_state(random_state, name)
        return int(random_state)
    rng = check_random_state(random_state, name)
    return int(rng.integers(0, 2**63 - 1))


def torch_generator(random_state: RandomState = None, device: Union[str, torch.device] = "cpu",
                    name: str = "random_state") -> torch.Generator:
    """Return a ``torch.Generator`` on ``device`` seeded from ``random_state``.

    A ``torch.Generator`` passed in is returned unchanged.
    """
    if isinstance(random_state, torch.Generator):
        return random_state
    gen = torch.Generator(device=device)
    gen.manual_seed(seed_from(random_state, name) % (2**63 - 1))
    return gen


def splitmix64(x: np.ndarray) -> np.ndarray:
    """Vectorised SplitMix64 finaliser on uint64 arrays (a well-mixed 64-bit hash)."""
    z = np.asarray(x, dtype=np.uint64).copy()
    with np.errstate(over="ignore"):
        z += np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z


def stable_node_hash(node_ids: np.ndarray, seed: int = 0) -> np.ndarray:
    """Hash node labels to uint64, stably across runs, processes and node orders.

    Integer labels are hashed with SplitMix64 (vectorised); any other label is hashed
    through ``blake2b`` of ``str(label)`` encoded as UTF-8. The result depends only on
    the label and ``seed``, never on the position of the node, so per-node random
    vectors derived from it are independent of node order.

    Parameters
    ----------
    node_ids : array-like of labels, shape (n,)
    seed : int
        Mixed into every hash.
    """
    ids = np.asarray(node_ids)
    seed_mix = splitmix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]
    if ids.dtype.kind in "iu":
        with np.errstate(over="ignore"):
            return splitmix64(ids.astype(np.int64).view(np.uint64) ^ seed_mix)
    out = np.empty(len(ids), dtype=np.uint64)
    for i, label in enumerate(ids.tolist()):
        digest = hashlib.blake2b(str(label).encode("utf-8"), digest_size=8).digest()
        out[i] = int.from_bytes(digest, "little")
    with np.errstate(over="ignore"):
        return splitmix64(out ^ seed_mix)
