"""Per-node very sparse random projection vectors generated from hashes (FastRP helper).

Very sparse random projection (Li, Hastie and Church, "Very Sparse Random Projections",
KDD 2006; Achlioptas, 2003) draws a projection matrix whose entries are

.. math::

    R_{vj} = \\sqrt{s / d} \\cdot \\begin{cases} +1 & \\text{with probability } 1/(2s) \\\\
                                               0 & \\text{with probability } 1 - 1/s \\\\
                                              -1 & \\text{with probability } 1/(2s). \\end{cases}

Here the entry of row ``v`` and column ``j`` is a pure function of ``(seed, hash(v), j)``:
a counter-based hash (a SplitMix64-style finaliser, :func:`hash_entries`) of the node's
stable label hash plus a per-column key, uniform on ``[0, 2^63)``: below ``2^63 / (2s)``
the entry is +1, below ``2^63 / s`` it is -1, otherwise 0. Row ``v`` therefore never depends on the node's position,
on the other nodes, or on how many columns are generated at a time, which makes the
projection order-independent, inductive and chunkable. The work is vectorised in torch
(multi-threaded on CPU, runs on any device) over blocks of rows, never per node.
"""

from __future__ import annotations

from typing import Union

import numpy as np
import torch

from ..utils.random import splitmix64, stable_node_hash

_GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB
_TWO63 = float(2 ** 63)
#: rows hashed per block: bounds the int64 temporaries to BLOCK_ROWS x columns x 8 bytes each
BLOCK_ROWS = 1 << 12


def _as_signed(value: int) -> int:
    """Two's-complement int64 of an unsigned 64-bit constant."""
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value >= (1 << 63) else value


def column_keys(start: int, stop: int, seed: int) -> np.ndarray:
    """Per-column 64-bit keys (as int64) for columns ``start..stop-1`` under ``seed``."""
    cols = np.arange(start, stop, dtype=np.uint64)
    with np.errstate(over="ignore"):
        keys = splitmix64(cols * np.uint64(_GOLDEN) ^ np.uint64(seed & 0xFFFFFFFFFFFFFFFF)) + np.uint64(_GOLDEN)
    return keys.view(np.int64)


def hash_entries(row_hashes: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """Mix ``row_hash + key`` for every (row, column) pair: int64 (rows, cols), uniform on [0, 2^63).

    The SplitMix64 finaliser with arithmetic instead of logical shifts (torch's ``>>``):
    each ``z ^= z >> s`` then zeroes the sign bit and is a bijection on the low 63 bits,
    so the result is uniform on ``[0, 2^63)``; it saves a masking pass per shift.
    ``keys`` already include SplitMix64's increment.
    """
    z = row_hashes[:, None] + keys[None, :]
    for shift, mult in ((30, _C1), (27, _C2), (31, None)):
        z.bitwise_xor_(torch.bitwise_right_shift(z, shift))
        if mult is not None:
            z.mul_(_as_signed(mult))
    return z


def reference_hash_entries(row_hashes: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Numpy int64 version of :func:`hash_entries` (used to test the torch kernel)."""
    z = row_hashes.view(np.int64)[:, None] + keys[None, :]
    for shift, mult in ((30, _C1), (27, _C2), (31, None)):
        z ^= z >> shift
        if mult is not None:
            z *= np.int64(_as_signed(mult))
    return z


def sign_projection(row_hashes: np.ndarray, start: int, stop: int, sparsity: float, seed: int,
                    device: Union[str, torch.device] = "cpu", dtype: torch.dtype = torch.float32,
                    row_scale: Union[None, np.ndarray, torch.Tensor] = None,
                    out: Union[None, torch.Tensor] = None) -> torch.Tensor:
    """Columns ``start..stop-1`` of the very sparse random projection of the given rows.

    Parameters
    ----------
    row_hashes : ndarray of uint64, shape (n,)
        Stable hash of each row's label (:func:`graphemb.utils.stable_node_hash`).
    start, stop : int
        Column range of the ``d``-column projection (``d = stop - start`` when unchunked;
        the entry value uses the full dimension through ``sparsity`` and ``value``).
    sparsity : float
        ``s >= 1``: an entry is non-zero with probability ``1/s``.
    seed : int
        Mixed into every column key.
    row_scale : array (n,), optional
        Multiplies row ``v`` (e.g. ``deg(v)^beta``), on top of the entry magnitude 1.
    out : tensor (n, stop - start), optional
        Written in place.

    Returns
    -------
    torch.Tensor (n, stop - start) with entries in ``{-1, 0, +1} * row_scale``; the caller
    multiplies by ``sqrt(s / d)``.
    """
    n = len(row_hashes)
    width = stop - start
    if out is None:
        out = torch.empty((n, width), dtype=dtype, device=device)
    hashes = torch.as_tensor(np.ascontiguousarray(row_hashes).view(np.int64), device=device)
    keys = torch.as_tensor(column_keys(start, stop, seed), device=device)
    # z uniform on [0, 2^63): +1 below half_keep, -1 in [half_keep, keep), 0 above: P(+-1) = 1/(2s) each
    keep = min(int(_TWO63 / float(sparsity)), 2**63 - 1)
    half_keep = keep // 2
    for lo in range(0, n, BLOCK_ROWS):
        hi = min(n, lo + BLOCK_ROWS)
        z = hash_entries(hashes[lo:hi], keys)
        block = out[lo:hi]
        block.copy_(torch.lt(z, half_keep)).mul_(2.0).sub_(torch.lt(z, keep).to(dtype))
    if row_scale is not None:
        out.mul_(torch.as_tensor(row_scale, device=device, dtype=dtype)[:, None])
    return out


def node_hashes(node_ids: np.ndarray, seed: int) -> np.ndarray:
    """Stable uint64 hash of each node label under ``seed`` (order-independent)."""
    return stable_node_hash(node_ids, seed=seed)


def feature_projection(num_features: int, width: int, seed: int, device: Union[str, torch.device] = "cpu",
                       dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """GDS-style property projection: a (num_features, width) very sparse sign matrix with
    ``s = 3`` and entries ``+-sqrt(3 / width)``, one row per feature column (seeded by the
    feature's index, so it does not depend on the nodes)."""
    hashes = stable_node_hash(np.arange(num_features, dtype=np.int64), seed=seed ^ 0x5F3759DF)
    proj = sign_projection(hashes, 0, width, 3.0, seed, device=device, dtype=dtype)
    return proj.mul_(float(np.sqrt(3.0 / width)))
