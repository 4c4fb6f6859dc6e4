"""k-hop neighbourhoods of a batch of nodes, exact or sampled, on torch tensors.

Exact neighbourhoods are breadth-first frontiers (the hop distance :math:`d(u, v)` is the
length of a shortest directed path), used by reconstruction metrics such as RESTORE's
k-hop mAP (Sun et al., "RESTORE: Graph Embedding Assessment Through Reconstruction",
2023):

.. math::

    N_h(u) = \\{v \\ne u : d(u, v) \\le h\\}, \\qquad N_{=h}(u) = \\{v : d(u, v) = h\\}.

Sampled neighbourhoods follow the fan-out scheme of Hamilton et al., "Inductive
Representation Learning on Large Graphs" (NeurIPS 2017): at hop :math:`i` every frontier
node draws ``fanouts[i]`` out-neighbours uniformly with replacement; the discovered
nodes form the next frontier. A sampled node's recorded distance is the hop at which the
sample first reached it, an upper bound on :math:`d(u, v)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import torch

from ..errors import InvalidParameterError
from ..utils.random import torch_generator
from ..utils.validation import check_bool, check_int
from .walks import GraphTensors

__all__ = ["NeighborhoodBatch", "khop_neighborhoods", "sample_neighborhoods"]


@dataclass
class NeighborhoodBatch:
    """Neighbourhoods of ``len(nodes)`` query nodes in CSR form.

    Row ``i`` (query ``nodes[i]``) holds ``indices[indptr[i]:indptr[i+1]]`` (sorted node
    row indices) with their hop ``distances``.
    """

    nodes: torch.Tensor
    indptr: torch.Tensor
    indices: torch.Tensor
    distances: torch.Tensor

    def __len__(self) -> int:
        return self.nodes.numel()

    def row(self, i: int) -> torch.Tensor:
        """Neighbour row indices of query ``i``."""
        return self.indices[self.indptr[i]:self.indptr[i + 1]]

    def within(self, hops: int) -> "NeighborhoodBatch":
        """Only the entries with distance ``<= hops``."""
        return self._select(self.distances <= hops)

    def exactly(self, hops: int) -> "NeighborhoodBatch":
        """Only the entries with distance ``== hops``."""
        return self._select(self.distances == hops)

    def _select(self, keep: torch.Tensor) -> "NeighborhoodBatch":
        rows = torch.repeat_interleave(torch.arange(len(self), device=keep.device), self.indptr.diff())
        counts = torch.bincount(rows[keep], minlength=len(self))
        indptr = torch.zeros(len(self) + 1, dtype=torch.int64, device=keep.device)
        indptr[1:] = torch.cumsum(counts, 0)
        return NeighborhoodBatch(self.nodes, indptr, self.indices[keep], self.distances[keep])

    def to_scipy(self, num_nodes: int):
        """Boolean scipy CSR matrix (len(nodes), num_nodes)."""
        import scipy.sparse as sp

        return sp.csr_matrix((np.ones(self.indices.numel(), dtype=bool), self.indices.cpu().numpy(),
                              self.indptr.cpu().numpy()), shape=(len(self), num_nodes))


def _query_nodes(gt: GraphTensors, nodes) -> torch.Tensor:
    if nodes is None:
        return torch.arange(gt.num_nodes, device=gt.device)
    q = torch.as_tensor(np.asarray(nodes) if not torch.is_tensor(nodes) else nodes).reshape(-1)
    if q.dtype.is_floating_point or q.dtype == torch.bool:
        raise InvalidParameterError(f"nodes must hold integer row indices, got dtype {q.dtype}")
    q = q.to(device=gt.device, dtype=torch.int64)
    if q.numel() and (int(q.min()) < 0 or int(q.max()) >= gt.num_nodes):
        raise InvalidParameterError(f"nodes must be row indices in [0, {gt.num_nodes})")
    return q


def _expand(gt: GraphTensors, src: torch.Tensor) -> tuple:
    """All out-edges of the nodes ``src``: (position into src, neighbour)."""
    deg = gt.degree[src]
    owner = torch.repeat_interleave(torch.arange(src.numel(), device=src.device), deg)
    starts = torch.cumsum(deg, 0) - deg
    offset = torch.arange(owner.numel(), device=src.device) - starts[owner]
    return owner, gt.indices[gt.indptr[src][owner] + offset]


def _bfs(gt: GraphTensors, q: torch.Tensor, hops: int, include_self: bool, step) -> NeighborhoodBatch:
    n, b, dev = gt.num_nodes, q.numel(), gt.device
    seen = torch.arange(b, device=dev) * n + q          # codes query_row * n + node, sorted
    codes, dists = [seen.clone()], [torch.zeros(b, dtype=torch.int64, device=dev)]
    frontier = seen.clone()
    for h in range(1, hops + 1):
        if frontier.numel() == 0:
            break
        owner, nbr = step(frontier % n, h)
        new = torch.unique((frontier // n)[owner] * n + nbr)
        if seen.numel():
            pos = torch.searchsorted(seen, new).clamp_(max=seen.numel() - 1)
            new = new[seen[pos] != new]
        seen = torch.sort(torch.cat([seen, new])).values
        codes.append(new)
        dists.append(torch.full_like(new, h))
        frontier = new
    codes_t, dists_t = torch.cat(codes), torch.cat(dists)
    if not include_self:
        codes_t, dists_t = codes_t[dists_t > 0], dists_t[dists_t > 0]
    order = torch.argsort(codes_t)
    codes_t, dists_t = codes_t[order], dists_t[order]
    rows = codes_t // n
    indptr = torch.zeros(b + 1, dtype=torch.int64, device=dev)
    indptr[1:] = torch.cumsum(torch.bincount(rows, minlength=b), 0)
    return NeighborhoodBatch(q, indptr, codes_t % n, dists_t)


def khop_neighborhoods(graph, nodes=None, hops: int = 1, *, include_self: bool = False,
                       device=None) -> NeighborhoodBatch:
    """Exact neighbourhoods within ``hops`` hops (following out-edges) of ``nodes``.

    Parameters
    ----------
    graph : Graph, GraphTensors or anything ``as_graph`` accepts
    nodes : array-like of row indices, optional (default: all nodes)
    hops : int
    include_self : bool
        Keep each query node itself (distance 0).
    device : None, "auto", "cpu", "cuda"

    Returns
    -------
    NeighborhoodBatch
        With exact shortest-path distances; use ``.exactly(h)`` for the nodes at
        exactly ``h`` hops. Memory grows with the sum of frontier degrees.

    Examples
    --------
    >>> import graphemb as ge
    >>> G = ge.as_graph([[0, 1, 2], [1, 2, 3]], directed=False)
    >>> khop_neighborhoods(G, [0], 2, device="cpu").row(0).tolist()
    [1, 2]
    """
    check_int(hops, "hops", min_value=1)
    check_bool(include_self, "include_self")
    gt = graph if isinstance(graph, GraphTensors) and device is None else GraphTensors.from_graph(graph, device)
    q = _query_nodes(gt, nodes)
    return _bfs(gt, q, hops, include_self, lambda src, h: _expand(gt, src))


def sample_neighborhoods(graph, nodes=None, fanouts: Sequence[int] = (10, 10), *, include_self: bool = False,
                         device=None, random_state=None,
                         generator: Optional[torch.Generator] = None) -> NeighborhoodBatch:
    """Sampled neighbourhoods: ``len(fanouts)`` hops, ``fanouts[i]`` uniform draws (with
    replacement) per frontier node at hop ``i + 1`` (GraphSAGE-style).

    Returns a :class:`NeighborhoodBatch` whose distances are the hop of first discovery
    (upper bounds of the true distances); every returned node is a true within-hops
    neighbour. Deterministic given ``generator``/``random_state`` and the device.
    """
    fan = [check_int(f, "fanouts[i]", min_value=1) for f in fanouts]
    if not fan:
        raise InvalidParameterError("fanouts must contain at least one hop")
    check_bool(include_self, "include_self")
    gt = graph if isinstance(graph, GraphTensors) and device is None else GraphTensors.from_graph(graph, device)
    gen = generator if generator is not None else torch_generator(random_state, gt.device)
    q = _query_nodes(gt, nodes)

    def step(src: torch.Tensor, h: int):
        src_pos = torch.nonzero(gt.degree[src] > 0).squeeze(1)
        k = fan[h - 1]
        owner = src_pos.repeat_interleave(k)
        entry = gt.sample_neighbors(src[owner], gen, weighted=False)
        return owner, gt.indices[entry]

    return _bfs(gt, q, len(fan), include_self, step)
