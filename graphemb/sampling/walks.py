"""Random walks on torch tensors: uniform, weighted and node2vec second-order walks.

First-order walks follow Perozzi et al., "DeepWalk: Online Learning of Social
Representations" (KDD 2014); second-order walks follow Grover & Leskovec, "node2vec:
Scalable Feature Learning for Networks" (KDD 2016), sampled by rejection with the return
edge folded out of the envelope as in Yang et al., "KnightKing: A Fast Distributed Graph
Random Walk Engine" (SOSP 2019), so no per-edge alias tables are built.

All walkers advance together, one vectorised step at a time, on the device of the graph
tensors (CPU or CUDA). Given the previous node :math:`s` and the current node :math:`v`, the
node2vec walk moves to a neighbour :math:`x` of :math:`v` with probability

.. math::

    P(x \\mid v, s) \\propto w_{vx}\\,\\alpha_{pq}(s, x), \\qquad
    \\alpha_{pq}(s, x) = \\begin{cases} 1/p & x = s \\\\ 1 & (s, x) \\in E \\\\ 1/q & \\text{otherwise.}\\end{cases}

A proposal :math:`x \\sim w_{v\\cdot}` is accepted when :math:`y < \\alpha_{pq}(s, x)` for
:math:`y \\sim U[0, M)` with :math:`M = \\max(1, 1/q)`; the excess
:math:`\\max(0, 1/p - M)` of the return edge is an extra region of area
:math:`w_{vs}\\max(0, 1/p-M)` that, when hit, returns to :math:`s` directly. The accepted
distribution is exactly the one above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np
import torch

from ..errors import InvalidParameterError
from ..graph import Graph, as_graph
from ..utils.device import resolve_device
from ..utils.random import torch_generator
from ..utils.validation import check_float, check_int

__all__ = ["GraphTensors", "random_walks", "iter_random_walks", "walk_mask"]

_MAX_REJECTION_ROUNDS = 10_000


@dataclass
class GraphTensors:
    """A :class:`~graphemb.graph.Graph` as CSR tensors on one device, with the derived
    arrays the samplers need.

    Attributes
    ----------
    indptr, indices : LongTensor
        CSR of the out-adjacency.
    degree : LongTensor (n,)
        Out-degree of every node.
    edge_keys : LongTensor (nnz,)
        ``row * n + col`` of every entry, sorted (CSR rows are sorted), for O(log nnz)
        edge-membership tests with ``torch.searchsorted``.
    weights : FloatTensor or None
        Edge weights (None for an unweighted graph).
    cum_weights : DoubleTensor or None
        Global inclusive cumulative sum of the weights, for weighted sampling by
        ``torch.searchsorted``.
    row_weight : DoubleTensor or None
        Total out-weight of every node.
    """

    num_nodes: int
    indptr: torch.Tensor
    indices: torch.Tensor
    degree: torch.Tensor
    edge_keys: torch.Tensor
    weights: Optional[torch.Tensor] = None
    cum_weights: Optional[torch.Tensor] = None
    row_weight: Optional[torch.Tensor] = None
    _membership: Optional["_EdgeSet"] = None

    @classmethod
    def from_graph(cls, graph, device=None) -> "GraphTensors":
        """Build from a ``Graph`` (or anything :func:`~graphemb.graph.as_graph` accepts)."""
        if isinstance(graph, GraphTensors):
            dev = resolve_device(device) if device is not None else graph.device
            return graph if dev == graph.device else graph.to(dev)
        g = graph if isinstance(graph, Graph) else as_graph(graph)
        dev = resolve_device(device)
        n = g.num_nodes
        indptr = torch.as_tensor(g.indptr, dtype=torch.int64, device=dev)
        indices = torch.as_tensor(g.indices.astype(np.int64, copy=False), device=dev)
        rows = torch.as_tensor(g.row_indices(), device=dev)
        out = cls(n, indptr, indices, indptr[1:] - indptr[:-1], rows * n + indices)
        if g.weights is not None:
            w = torch.as_tensor(g.weights, dtype=torch.float32, device=dev)
            out.weights = w
            out.cum_weights = torch.cumsum(w.double(), 0)
            ends = out.cum_weights[(indptr[1:] - 1).clamp(min=0)] if len(w) else torch.zeros(n, device=dev,
                                                                                             dtype=torch.float64)
            starts = torch.zeros(n, dtype=torch.float64, device=dev)
            if len(w):
                starts = torch.where(indptr[:-1] > 0, out.cum_weights[(indptr[:-1] - 1).clamp(min=0)], starts)
            out.row_weight = torch.where(out.degree > 0, ends - starts, torch.zeros_like(ends))
        return out

    @property
    def device(self) -> torch.device:
        return self.indptr.device

    @property
    def is_weighted(self) -> bool:
        return self.weights is not None

    def to(self, device) -> "GraphTensors":
        """Copy to ``device``."""
        def mv(t):
            return None if t is None else t.to(device)
        return GraphTensors(self.num_nodes, mv(self.indptr), mv(self.indices), mv(self.degree),
                            mv(self.edge_keys), mv(self.weights), mv(self.cum_weights), mv(self.row_weight))

    def edge_position(self, src: torch.Tensor, dst: torch.Tensor) -> tuple:
        """``(found, pos)``: whether ``src -> dst`` is an edge and its entry index."""
        keys = src * self.num_nodes + dst
        if self.edge_keys.numel() == 0:
            return torch.zeros_like(keys, dtype=torch.bool), torch.zeros_like(keys)
        pos = torch.searchsorted(self.edge_keys, keys).clamp_(max=self.edge_keys.numel() - 1)
        return self.edge_keys[pos] == keys, pos

    def has_edge(self, src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
        """Boolean tensor: which ``src -> dst`` pairs are edges.

        Uses a bit-packed adjacency bitmap when it takes at most ``BITMAP_BYTES`` and an
        open-addressing hash set of the edge keys otherwise (both exact and built once,
        on first use); both beat a binary search over ``edge_keys`` several times.
        """
        if self._membership is None:
            self._membership = _EdgeSet(self.edge_keys, self.num_nodes)
        return self._membership.contains(src * self.num_nodes + dst)

    def sample_neighbors(self, nodes: torch.Tensor, generator: torch.Generator,
                         weighted: bool) -> torch.Tensor:
        """One out-neighbour per node (uniform or proportional to weight), as an entry
        index into ``indices``; nodes must have out-degree > 0."""
        u = torch.rand(nodes.shape, generator=generator, device=nodes.device, dtype=torch.float64)
        if weighted:
            base = torch.where(self.indptr[nodes] > 0, self.cum_weights[(self.indptr[nodes] - 1).clamp(min=0)],
                               torch.zeros((), dtype=torch.float64, device=nodes.device))
            target = base + u * self.row_weight[nodes]
            pos = torch.searchsorted(self.cum_weights, target, right=True)
            return torch.minimum(torch.maximum(pos, self.indptr[nodes]), self.indptr[nodes + 1] - 1)
        deg = self.degree[nodes]
        return self.indptr[nodes] + torch.minimum((u * deg).long(), deg - 1)


BITMAP_BYTES = 64 * 2**20
_GOLDEN = 0x9E3779B97F4A7C15 - 2**64  # Fibonacci hashing multiplier as a signed int64


class _EdgeSet:
    """Exact membership of int64 edge keys ``row * n + col``: a packed bitmap of the
    n x n adjacency when small enough, else a linear-probing hash table of size
    ``2**ceil(log2(2 nnz))`` (load factor <= 1/2)."""

    def __init__(self, keys: torch.Tensor, num_nodes: int) -> None:
        dev = keys.device
        self.bitmap = None
        if num_nodes * num_nodes <= 8 * BITMAP_BYTES:
            packed = torch.zeros((num_nodes * num_nodes + 7) // 8, dtype=torch.int32, device=dev)
            packed.index_add_(0, keys >> 3, (1 << (keys & 7)).to(torch.int32))  # keys are unique: sum == or
            self.bitmap = packed.to(torch.uint8)
            return
        self.bits = max(int(np.ceil(np.log2(max(2 * keys.numel(), 2)))), 1)
        size = 1 << self.bits
        self.table = torch.full((size,), -1, dtype=torch.int64, device=dev)
        slot = self._hash(keys)
        pending = torch.arange(keys.numel(), device=dev)
        while pending.numel():  # claim empty slots; losers of a write race probe on
            s = slot[pending]
            empty = self.table[s] == -1
            cand = pending[empty]
            self.table[s[empty]] = keys[cand]
            won = self.table[slot[cand]] == keys[cand]
            done = torch.zeros(pending.numel(), dtype=torch.bool, device=dev)
            done[torch.nonzero(empty).squeeze(1)[won]] = True
            pending = pending[~done]
            slot[pending] = (slot[pending] + 1) & (size - 1)

    def _hash(self, keys: torch.Tensor) -> torch.Tensor:
        return ((keys * _GOLDEN) >> (64 - self.bits)) & ((1 << self.bits) - 1)

    def contains(self, keys: torch.Tensor) -> torch.Tensor:
        if self.bitmap is not None:
            byte = self.bitmap[keys >> 3].to(torch.int64)
            return ((byte >> (keys & 7)) & 1).bool()
        found = torch.zeros(keys.shape, dtype=torch.bool, device=keys.device)
        flat_keys = keys.reshape(-1)
        idx = torch.arange(flat_keys.numel(), device=keys.device)
        slot = self._hash(flat_keys)
        mask = (1 << self.bits) - 1
        flat_found = found.view(-1)
        while idx.numel():
            v = self.table[slot]
            hit = v == flat_keys
            flat_found[idx[hit]] = True
            go_on = (~hit) & (v != -1)
            idx, slot, flat_keys = idx[go_on], (slot[go_on] + 1) & mask, flat_keys[go_on]
        return found


def _check_walk_args(walk_length, walks_per_node, p, q, restart_prob):
    check_int(walk_length, "walk_length", min_value=1)
    check_int(walks_per_node, "walks_per_node", min_value=1)
    check_float(p, "p", min_value=0.0, min_inclusive=False)
    check_float(q, "q", min_value=0.0, min_inclusive=False)
    check_float(restart_prob, "restart_prob", min_value=0.0, max_value=1.0, max_inclusive=False)


def _start_nodes(gt: GraphTensors, start_nodes, walks_per_node: int) -> torch.Tensor:
    if start_nodes is None:
        return torch.arange(gt.num_nodes, device=gt.device).repeat(walks_per_node)
    s = torch.as_tensor(np.asarray(start_nodes) if not torch.is_tensor(start_nodes) else start_nodes)
    if s.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8, torch.int8):
        raise InvalidParameterError(f"start_nodes must hold integer row indices, got dtype {s.dtype}")
    s = s.reshape(-1).to(device=gt.device, dtype=torch.int64)
    if s.numel() and (int(s.min()) < 0 or int(s.max()) >= gt.num_nodes):
        raise InvalidParameterError(f"start_nodes must be row indices in [0, {gt.num_nodes}), "
                                    f"got values in [{int(s.min())}, {int(s.max())}]")
    return s.repeat(walks_per_node)


def _walk_batch(gt: GraphTensors, starts: torch.Tensor, walk_length: int, p: float, q: float,
                restart_prob: float, weighted: bool, gen: torch.Generator) -> torch.Tensor:
    """Walks from ``starts`` (one walk per entry), shape (len(starts), walk_length)."""
    dev = starts.device
    m = starts.numel()
    walks = torch.full((m, walk_length), -1, dtype=torch.int64, device=dev)
    if m == 0:
        return walks
    walks[:, 0] = starts
    second_order = p != 1.0 or q != 1.0
    envelope = max(1.0, 1.0 / q)
    extra = max(0.0, 1.0 / p - envelope)
    cur = starts.clone()
    prev = torch.full_like(cur, -1)
    active = torch.arange(m, device=dev)  # walkers not yet stopped
    for step in range(1, walk_length):
        c = cur[active]
        alive = gt.degree[c] > 0
        if not bool(alive.all()):
            active, c = active[alive], c[alive]
        if active.numel() == 0:
            break
        nxt = torch.empty_like(c)
        pr = prev[active]
        first = pr < 0
        if second_order and not bool(first.all()):
            todo = torch.nonzero(~first).squeeze(1)
            if bool(first.any()):
                fi = torch.nonzero(first).squeeze(1)
                nxt[fi] = gt.indices[gt.sample_neighbors(c[fi], gen, weighted)]
            nxt[todo] = _node2vec_step(gt, c[todo], pr[todo], p, q, envelope, extra, weighted, gen)
        else:
            nxt = gt.indices[gt.sample_neighbors(c, gen, weighted)]
        new_prev = c
        if restart_prob > 0.0:
            back = torch.rand(c.shape, generator=gen, device=dev) < restart_prob
            nxt = torch.where(back, starts[active], nxt)
            new_prev = torch.where(back, torch.full_like(c, -1), c)
        walks[active, step] = nxt
        prev[active] = new_prev
        cur[active] = nxt
    return walks


def _node2vec_step(gt: GraphTensors, cur: torch.Tensor, prev: torch.Tensor, p: float, q: float,
                   envelope: float, extra: float, weighted: bool, gen: torch.Generator) -> torch.Tensor:
    """One second-order step for every walker by rejection sampling with the return
    edge folded out of the envelope (exact node2vec transition probabilities)."""
    dev = cur.device
    out = torch.empty_like(cur)
    if weighted:
        has_ret, ret_pos = gt.edge_position(cur, prev)
        mass = gt.row_weight[cur] * envelope
        ret_mass = torch.where(has_ret, gt.weights[ret_pos].double(), torch.zeros((), dtype=torch.float64,
                                                                                     device=dev)) * extra
    else:
        mass = gt.degree[cur].double() * envelope
        ret_mass = gt.has_edge(cur, prev).double() * extra
    total = mass + ret_mass
    pending = torch.arange(cur.numel(), device=dev)
    inv_p, inv_q = 1.0 / p, 1.0 / q
    for _ in range(_MAX_REJECTION_ROUNDS):
        if pending.numel() == 0:
            return out
        c, s = cur[pending], prev[pending]
        u = torch.rand(pending.shape, generator=gen, device=dev, dtype=torch.float64) * total[pending]
        in_extra = u >= mass[pending]
        x = gt.indices[gt.sample_neighbors(c, gen, weighted)]
        y = torch.rand(pending.shape, generator=gen, device=dev, dtype=torch.float64) * envelope
        alpha = torch.where(x == s, torch.full_like(y, inv_p),
                            torch.where(gt.has_edge(s, x), torch.ones_like(y), torch.full_like(y, inv_q)))
        accept = in_extra | (y < alpha)
        x = torch.where(in_extra, s, x)
        out[pending[accept]] = x[accept]
        pending = pending[~accept]
    raise RuntimeError("node2vec rejection sampling did not converge")  # unreachable for p, q > 0


def random_walks(graph, walk_length: int, walks_per_node: int = 1, *, start_nodes=None, p: float = 1.0,
                 q: float = 1.0, restart_prob: float = 0.0, weighted: Optional[bool] = None, device=None,
                 random_state=None, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Sample random walks (DeepWalk, Perozzi et al. 2014; node2vec, Grover & Leskovec 2016).

    Parameters
    ----------
    graph : Graph, GraphTensors or anything :func:`~graphemb.graph.as_graph` accepts
    walk_length : int
        Nodes per walk, the start node included.
    walks_per_node : int
        Walks started from each start node.
    start_nodes : array-like of row indices, optional
        Start nodes (default: every node). Walks are ordered round-major: all start
        nodes once, then all again, ``walks_per_node`` times.
    p, q : float
        node2vec return and in-out parameters; ``p = q = 1`` gives first-order walks.
    restart_prob : float
        Probability, at every step, of jumping back to the start node instead (random
        walk with restart); the step after a restart is first-order.
    weighted : bool or None
        Follow edges proportionally to their weights; ``None`` uses weights when the
        graph has them.
    device : None, "auto", "cpu", "cuda"
        Where to sample (``None``: the device of a ``GraphTensors``, else CUDA if present).
    random_state, generator
        Seed or ``torch.Generator`` (on ``device``); the walks are deterministic given
        them and the device.

    Returns
    -------
    LongTensor of shape (num_walks, walk_length)
        Row indices; column 0 is the start node. A walk that reaches a node without
        out-edges stops there and the rest of its row is ``-1``.

    Examples
    --------
    >>> import graphemb as ge
    >>> G = ge.as_graph([[0, 1, 2], [1, 2, 0]], directed=False)
    >>> random_walks(G, 5, 2, random_state=0, device="cpu").shape
    torch.Size([6, 5])
    """
    return torch.cat(list(iter_random_walks(graph, walk_length, walks_per_node, start_nodes=start_nodes, p=p, q=q,
                                            restart_prob=restart_prob, weighted=weighted, device=device,
                                            random_state=random_state, generator=generator,
                                            batch_size=None)))


def iter_random_walks(graph, walk_length: int, walks_per_node: int = 1, *, start_nodes=None, p: float = 1.0,
                      q: float = 1.0, restart_prob: float = 0.0, weighted: Optional[bool] = None, device=None,
                      random_state=None, generator: Optional[torch.Generator] = None,
                      batch_size: Optional[int] = 65536) -> Iterator[torch.Tensor]:
    """Yield the walks of :func:`random_walks` in batches of at most ``batch_size`` walks,
    so memory stays bounded (``batch_size=None``: one batch). The concatenation of the
    batches equals ``random_walks`` with the same seed and batch size."""
    _check_walk_args(walk_length, walks_per_node, p, q, restart_prob)
    if batch_size is not None:
        check_int(batch_size, "batch_size", min_value=1)
    if isinstance(graph, GraphTensors) and device is None:
        gt = graph
    else:
        gt = GraphTensors.from_graph(graph, device)
    if weighted is None:
        weighted = gt.is_weighted
    elif weighted and not gt.is_weighted:
        raise InvalidParameterError("weighted=True but the graph has no edge weights")
    gen = _generator(generator, random_state, gt.device)
    starts = _start_nodes(gt, start_nodes, walks_per_node)
    size = starts.numel() if batch_size is None else batch_size
    for lo in range(0, max(starts.numel(), 1), max(size, 1)):
        yield _walk_batch(gt, starts[lo:lo + size], walk_length, float(p), float(q), float(restart_prob),
                          bool(weighted), gen)


def _generator(generator: Optional[torch.Generator], random_state, device: torch.device) -> torch.Generator:
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise InvalidParameterError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        if torch.device(generator.device).type != device.type:
            raise InvalidParameterError(f"generator is on {generator.device} but sampling runs on {device}")
        return generator
    return torch_generator(random_state, device)


def walk_mask(walks: torch.Tensor) -> torch.Tensor:
    """Boolean mask of the valid (non-padding) positions of ``walks``."""
    return walks >= 0

