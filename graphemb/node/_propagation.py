"""FastRP's propagation engine: the normalised operator, memory planning and the
column-chunked power iteration (Chen et al., "Fast and Accurate Network Embeddings via
Very Sparse Random Projection", CIKM 2019).

The operator is :math:`M = D^{-1} A` in CSR form (float32 by default). For a block of
columns ``X_0`` of the initial vectors the engine forms

.. math::

    N = c_0 \\, \\nu(X_0) + \\sum_{k=1}^{K} c_k \\, \\nu(M^k X_0),

where :math:`\\nu` is row-wise L2 normalisation (or the identity), with at most three
``n x c`` buffers: the current power, the next power (ping-pong, written in place by
``torch.mm(..., out=)``) and the accumulator. Row-wise normalisation needs whole rows,
so when the columns are split into several chunks the engine makes a first pass that
only collects squared row norms and a second pass that combines the powers.
"""

from __future__ import annotations

import os
import warnings
from typing import Callable, List, Optional, Sequence

import numpy as np
import scipy.sparse as sp
import torch

from ..errors import OutOfMemoryEstimateError
from ..graph import Graph

#: bytes of int64 temporaries per hashed entry in :func:`sign_projection`'s row blocks
_HASH_BYTES_PER_ENTRY = 24


def propagation_operator(graph: Graph, direction: str, weighted: bool, degree: str,
                         dtype: np.dtype) -> tuple:
    """Row-normalised adjacency ``M = D^-1 A`` as scipy CSR and the degree used.

    Parameters
    ----------
    direction : {'out', 'in', 'both'}
        Row ``v`` averages over ``v``'s out-neighbours, in-neighbours, or both (the sum
        ``A + A^T``); identical for undirected graphs.
    weighted : bool
        Use the graph's edge weights (ones otherwise).
    degree : {'weighted', 'count'}
        ``D`` holds weighted row sums (the paper, the reference code) or the number of
        neighbours (Neo4j GDS, which averages weighted sums by the neighbour count).

    Returns
    -------
    (M, deg): ``M`` scipy CSR of ``dtype`` with int32 indices where they fit, ``deg``
    float64 (n,); rows of nodes without neighbours are empty.
    """
    n = graph.num_nodes
    data = graph.edge_weights() if weighted else np.ones(graph.num_entries, dtype=np.float32)
    A = sp.csr_matrix((data.astype(np.float64), graph.indices, graph.indptr), shape=(n, n))
    if graph.directed and direction == "in":
        A = A.T.tocsr()
    elif graph.directed and direction == "both":
        A = (A + A.T).tocsr()
    A.sum_duplicates()
    counts = np.diff(A.indptr)
    deg = np.asarray(A.sum(axis=1)).ravel() if degree == "weighted" else counts.astype(np.float64)
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    A.data *= np.repeat(inv, counts)
    M = sp.csr_matrix((A.data.astype(dtype), A.indices, A.indptr), shape=(n, n))
    if M.nnz < np.iinfo(np.int32).max and n < np.iinfo(np.int32).max:
        M.indices = M.indices.astype(np.int32)
        M.indptr = M.indptr.astype(np.int32)
    return M, deg


def to_torch_csr(M: sp.csr_matrix, device: torch.device) -> torch.Tensor:
    """scipy CSR -> torch sparse CSR on ``device`` (shares memory on CPU)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Sparse CSR tensor support is in beta.*")
        return torch.sparse_csr_tensor(torch.as_tensor(M.indptr), torch.as_tensor(M.indices),
                                       torch.as_tensor(M.data), size=M.shape, device=device,
                                       check_invariants=False)


def make_spmm(M: sp.csr_matrix, backend: str, device: torch.device, blocks: int = 8) -> Callable:
    """``spmm(x, out)`` writing ``M @ x`` into ``out`` (torch tensors).

    ``backend='torch'``: torch sparse CSR (multi-threaded on CPU, any device).
    ``backend='scipy'``: scipy's single-threaded CSR kernel on numpy views (CPU only).
    The product runs over ``blocks`` row blocks of ``M`` (views, no copy of the operator):
    both kernels build their result in a temporary before it is copied into ``out``, so
    blocking bounds that temporary to ``1/blocks`` of an ``n x c`` buffer.
    """
    n = M.shape[0]
    step = max(1, -(-n // blocks))
    parts = []
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        a, b = int(M.indptr[lo]), int(M.indptr[hi])
        block = sp.csr_matrix((M.data[a:b], M.indices[a:b], M.indptr[lo:hi + 1] - M.indptr[lo]),
                              shape=(hi - lo, M.shape[1]))
        parts.append((lo, hi, block if backend == "scipy" else to_torch_csr(block, device)))

    def spmm(x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        if backend == "scipy":
            xs = x.numpy()
            for lo, hi, block in parts:
                out[lo:hi].copy_(torch.from_numpy(np.asarray(block @ xs)))
        else:
            for lo, hi, block in parts:
                torch.mm(block, x, out=out[lo:hi])
        return out
    return spmm


def available_memory(device: torch.device) -> int:
    """Bytes currently available on ``device`` (MemAvailable for the host)."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def operator_bytes(num_nodes: int, num_entries: int, itemsize: int) -> int:
    """Peak bytes to build and hold the operator (float64 build copy plus the final CSR)."""
    index = 4 if num_entries < 2**31 - 1 else 8
    build = num_entries * (8 + 8) + (num_nodes + 1) * 8 + num_nodes * 16
    final = num_entries * (itemsize + index) + (num_nodes + 1) * index
    return int(build + final)


def dense_bytes(num_nodes: int, dim: int, chunk: int, itemsize: int) -> int:
    """Bytes of the output plus the working buffers for ``chunk`` columns at a time."""
    from ._projection import BLOCK_ROWS

    out = num_nodes * dim * itemsize
    work = 3 * num_nodes * chunk * itemsize if chunk < dim else 2 * num_nodes * chunk * itemsize
    work += num_nodes * chunk * itemsize // 8  # the product's temporary for one row block
    hashing = min(num_nodes, BLOCK_ROWS) * chunk * _HASH_BYTES_PER_ENTRY
    return int(out + work + hashing + num_nodes * 8 * 4)


def plan_columns(num_nodes: int, num_entries: int, dim: int, itemsize: int, budget: int,
                 chunk: Optional[int]) -> int:
    """Columns per chunk so the estimate fits ``budget`` bytes; raise when nothing fits."""
    fixed = operator_bytes(num_nodes, num_entries, itemsize)
    if chunk is not None:
        need = fixed + dense_bytes(num_nodes, dim, chunk, itemsize)
        if need > budget:
            raise OutOfMemoryEstimateError(
                f"FastRP needs about {need / 2**30:.2f} GiB for {num_nodes} nodes, {num_entries} adjacency "
                f"entries, dim={dim} and column_chunk_size={chunk}, but only {budget / 2**30:.2f} GiB is "
                "available (max_memory or free memory); lower dim or column_chunk_size")
        return chunk
    c = dim
    while c >= 1:
        if fixed + dense_bytes(num_nodes, dim, c, itemsize) <= budget:
            return c
        c //= 2
    need = fixed + dense_bytes(num_nodes, dim, 1, itemsize)
    raise OutOfMemoryEstimateError(
        f"FastRP needs at least {need / 2**30:.2f} GiB for {num_nodes} nodes, {num_entries} adjacency entries "
        f"and dim={dim} (operator {fixed / 2**30:.2f} GiB + the n x dim output), but only "
        f"{budget / 2**30:.2f} GiB is available (max_memory or free memory); lower dim or use float32")


def row_norms(x: torch.Tensor) -> torch.Tensor:
    """Row L2 norms (float64 only for the small result)."""
    return torch.linalg.vector_norm(x, dim=1).to(torch.float64)


class PowerCombiner:
    """Accumulate ``sum_k c_k nu(M^k X0)`` for column chunks with two ping-pong buffers.

    ``coefficients[0]`` weighs the initial vectors (node self-influence), entry ``k`` the
    ``k``-th power; powers after the last non-zero coefficient are not computed.
    """

    def __init__(self, spmm: Callable, coefficients: Sequence[float], normalize: bool) -> None:
        self.spmm = spmm
        coefs = [float(c) for c in coefficients]
        nonzero = [k for k, c in enumerate(coefs) if c != 0.0]
        self.coefficients = coefs[: (nonzero[-1] + 1 if nonzero else 1)]
        self.normalize = normalize

    def powers(self, x0: torch.Tensor):
        """Yield ``(k, M^k x0)``; the tensor yielded is overwritten by later powers."""
        yield 0, x0
        cur, nxt = x0, None
        for k in range(1, len(self.coefficients)):
            if nxt is None:
                nxt = torch.empty_like(x0)
            self.spmm(cur, nxt)
            yield k, nxt
            cur, nxt = nxt, cur

    def squared_norms(self, x0: torch.Tensor) -> List[torch.Tensor]:
        """Squared row norms of every power of this column chunk (first pass when chunked)."""
        return [row_norms(u).square() for _, u in self.powers(x0)]

    def combine(self, x0: torch.Tensor, out: torch.Tensor,
                norms: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        """Write the combination into ``out``; ``norms`` are full-row norms (None: from x0's columns)."""
        out.zero_()
        for k, u in self.powers(x0):
            c = self.coefficients[k]
            if c == 0.0:
                continue
            if not self.normalize:
                out.add_(u, alpha=c)
                continue
            nrm = norms[k] if norms is not None else row_norms(u)
            scale = torch.where(nrm > 0, c / torch.where(nrm > 0, nrm, 1.0), 0.0).to(out.dtype)
            out.addcmul_(u, scale[:, None])
        return out
