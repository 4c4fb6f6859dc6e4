"""DeepWalk and node2vec: skip-gram with negative sampling on random walks.

DeepWalk: Perozzi, Al-Rfou & Skiena, "DeepWalk: Online Learning of Social
Representations", KDD 2014. node2vec: Grover & Leskovec, "node2vec: Scalable Feature
Learning for Networks", KDD 2016. The skip-gram model with negative sampling is the one
of Mikolov et al., "Distributed Representations of Words and Phrases and their
Compositionality", NeurIPS 2013, trained as word2vec does: for each position of a walk a
reduced window :math:`b \\sim U\\{1..w\\}` is drawn and every node within :math:`b` steps is a
context; each (center :math:`c`, context :math:`o`) pair maximises

.. math::

    \\log \\sigma(u_o^\\top v_c) + \\sum_{j=1}^{k} \\log \\sigma(-u_{n_j}^\\top v_c),
    \\qquad n_j \\sim P(n) \\propto \\mathrm{count}(n)^{3/4},

by plain SGD whose learning rate decays linearly from ``learning_rate`` to
``min_learning_rate`` over the tokens of all epochs. Input vectors start uniform in
:math:`[-0.5/d, 0.5/d)`, output vectors at zero; ``embeddings_`` are the input vectors.

The update is fused (no autograd): a mini-batch of ``batch_size`` pairs gathers its rows,
computes the closed-form gradients and adds them back with ``index_add_`` (a lock-free,
Hogwild-like batched version of word2vec's per-pair updates). Negatives come from a
word2vec unigram table; a negative equal to its positive context is skipped, as in word2vec.
By default a batch shares ``shared_negatives`` negatives, each weighted so that the
negative term is an unbiased estimate of word2vec's (see ``shared_negatives``).
Frequent-word subsampling is not applied (DeepWalk and node2vec ran word2vec without it
on most published graphs).

Quality (BlogCatalog, DeepWalk protocol, 50% labels, LR C=1, 5 evaluation shuffles, d=128,
10 walks of length 80, window 10, 5 negatives, one CPU thread; timings on a CPU shared with
three other jobs, so inflated about 3x): with the default 5 epochs DeepWalk reaches
Micro/Macro-F1 0.397/0.265 (1313 s of training) and node2vec (p=q=0.25, the paper's best
BlogCatalog setting) 0.397/0.266 (871 s), both above the issue's targets 0.39/0.25 (published: about
0.41/0.27). In the same run gensim's Word2Vec (sg=1, negative=5, no subsampling, 5 epochs,
one worker) on our walks gave 0.391/0.256 (464 s, measured when the CPU was less loaded;
an exploration run under the load of the DeepWalk run took 1273 s). With one epoch both this
trainer and gensim stop at 0.377/0.214 (earlier run, 2 shuffles), which is why ``epochs``
defaults to 5, the number of passes DeepWalk's reference code (phanein/deepwalk) gets from
gensim's default. See ``experiments/bench_skipgram_blogcatalog.py``. The batched update is
not what limits quality: at equal epochs it matches gensim. Scaling each row's summed update
by its occurrence count in the batch (``count**-1`` or ``count**-0.5``) was tried and made
it clearly worse (Micro-F1 0.31 with ``count**-0.5``), so it is not used. Hierarchical softmax
(what DeepWalk's paper used) is not implemented: negative sampling with 5 epochs already
reaches the targets.
"""

from __future__ import annotations

import time
from typing import Optional

import numpy as np
import torch

from .._base import BaseEstimator
from ..graph import as_graph
from ..sampling.walks import GraphTensors, iter_random_walks
from ..utils.device import resolve_device
from ..utils.progress import get_logger, progress
from ..utils.random import check_random_state, torch_generator
from ..utils.validation import check_bool, check_float, check_int

__all__ = ["DeepWalk", "Node2Vec"]

logger = get_logger(__name__)


def unigram_table(counts: np.ndarray, exponent: float = 0.75, size: Optional[int] = None) -> np.ndarray:
    """word2vec's negative-sampling table: node ``i`` fills a share of the table
    proportional to ``counts[i] ** exponent`` (int64 node ids)."""
    w = np.asarray(counts, dtype=np.float64) ** exponent
    if w.sum() <= 0:
        w = np.ones_like(w)
    if size is None:
        size = int(min(10**8, max(10**6, 100 * len(w))))
    bounds = np.round(np.cumsum(w) / w.sum() * size).astype(np.int64)
    return np.repeat(np.arange(len(w), dtype=np.int64), np.diff(np.r_[0, bounds]))


def skipgram_pairs(walks: torch.Tensor, window: int, generator: torch.Generator) -> torch.Tensor:
    """(center, context) pairs of a batch of walks (-1 padded) with word2vec's reduced
    window: each center draws ``b ~ U{1..window}`` and pairs with nodes within ``b`` steps
    on both sides. Returns a LongTensor (2, num_pairs) ordered by center position."""
    W, L = walks.shape
    reduced = torch.randint(1, window + 1, (W, L), generator=generator, device=walks.device)
    valid = walks >= 0
    cs, os_ = [], []
    for o in range(1, min(window, L - 1) + 1):
        left, right = walks[:, :-o], walks[:, o:]
        both = valid[:, :-o] & valid[:, o:]
        fwd = both & (reduced[:, :-o] >= o)   # center left, context right
        bwd = both & (reduced[:, o:] >= o)    # center right, context left
        cs += [left[fwd], right[bwd]]
        os_ += [right[fwd], left[bwd]]
    if not cs:
        return torch.zeros((2, 0), dtype=torch.int64, device=walks.device)
    return torch.stack([torch.cat(cs), torch.cat(os_)]).long()


class DeepWalk(BaseEstimator):
    """DeepWalk (Perozzi et al., KDD 2014): skip-gram with negative sampling on uniform walks.

    Parameters
    ----------
    dim : int
        Embedding dimension.
    walk_length, walks_per_node : int
        Nodes per walk and walks started from every node.
    window : int
        Maximum context distance (word2vec's reduced window is drawn per position).
    negative : int
        Negatives per (center, context) pair, from the unigram^``ns_exponent`` distribution.
    epochs : int
        Passes over the walks, each in a fresh random walk order with fresh reduced windows;
        the learning rate decays once, linearly over all passes. The default, 5, is what
        DeepWalk's reference code ran (gensim's ``Word2Vec`` default); one pass is about 5x
        faster but clearly worse on BlogCatalog (see the module notes).
    learning_rate, min_learning_rate : float
        Start and end of the linear learning-rate decay (word2vec: 0.025 and 0.0001).
    ns_exponent : float
        Exponent of the negative-sampling distribution.
    batch_size : int
        Pairs per fused update. With shared negatives, each negative row receives the sum of
        ``batch_size * negative / shared_negatives`` weighted updates at once; keep that load
        near 320 (the defaults): 16 negatives per 4096 pairs (1280) dropped BlogCatalog
        Micro-F1 from 0.38 to 0.26. The batch used is ``min(batch_size, num_nodes)``
        (``batch_size_``): on a graph smaller than a batch every row would receive many
        summed updates per step and training diverges (a 131-node graph with 2048-pair
        batches reached embeddings of norm 1e11, then NaN).
    shared_negatives : int or None
        ``None``: every pair draws its own ``negative`` negatives (word2vec exactly).
        An int ``K``: each batch of pairs shares ``K`` negatives from the same unigram
        distribution, each weighted ``negative / K``, so the negative term is an unbiased
        estimate of word2vec's and costs a matrix product (about 4x faster on CPU). The
        default (32 per 2048 pairs) matched 64 per 4096 pairs and gensim in quality on
        BlogCatalog and trained about 25% faster than 64 per 4096.
    weighted : bool or None
        Walk proportionally to edge weights (None: when the graph has them).
    device : None, "auto", "cpu", "cuda"
    random_state : None, int or numpy Generator
    verbose : bool

    Attributes
    ----------
    embeddings_ : ndarray of float32, shape (n, dim)
    nodes_ : ndarray
        Node id of each row (``graph.node_ids``).
    num_pairs_ : int
        (center, context) pairs trained on.
    batch_size_ : int
        Pairs per update actually used, ``min(batch_size, n)``.
    walk_time_, train_time_ : float
        Seconds spent sampling walks and training.

    Examples
    --------
    >>> import networkx as nx
    >>> model = DeepWalk(dim=16, walks_per_node=2, walk_length=10, window=3, random_state=0,
    ...                  device="cpu").fit(nx.karate_club_graph())
    >>> model.embeddings_.shape
    (34, 16)
    """

    def __init__(self, dim: int = 128, *, walk_length: int = 80, walks_per_node: int = 10, window: int = 10,
                 negative: int = 5, epochs: int = 5, learning_rate: float = 0.025,
                 min_learning_rate: float = 0.0001, ns_exponent: float = 0.75, batch_size: int = 2048,
                 shared_negatives: Optional[int] = 32, weighted: Optional[bool] = None, device=None,
                 random_state=None, verbose: bool = False) -> None:
        self.dim = dim
        self.walk_length = walk_length
        self.walks_per_node = walks_per_node
        self.window = window
        self.negative = negative
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.min_learning_rate = min_learning_rate
        self.ns_exponent = ns_exponent
        self.batch_size = batch_size
        self.shared_negatives = shared_negatives
        self.weighted = weighted
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # the walk parameters of DeepWalk; Node2Vec overrides
    def _pq(self) -> tuple:
        return 1.0, 1.0

    def _validate(self) -> None:
        check_int(self.dim, "dim", min_value=1)
        check_int(self.walk_length, "walk_length", min_value=2)
        check_int(self.walks_per_node, "walks_per_node", min_value=1)
        check_int(self.window, "window", min_value=1)
        check_int(self.negative, "negative", min_value=1)
        check_int(self.epochs, "epochs", min_value=1)
        check_float(self.learning_rate, "learning_rate", min_value=0.0, min_inclusive=False)
        check_float(self.min_learning_rate, "min_learning_rate", min_value=0.0, max_value=self.learning_rate)
        check_float(self.ns_exponent, "ns_exponent")
        check_int(self.batch_size, "batch_size", min_value=1)
        if self.shared_negatives is not None:
            check_int(self.shared_negatives, "shared_negatives", min_value=1)
        check_bool(self.verbose, "verbose")

    def fit(self, graph, y=None) -> "DeepWalk":
        """Sample walks on ``graph`` and train the skip-gram model; returns ``self``."""
        self._validate()
        g = as_graph(graph)
        dev = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        gen = torch_generator(int(rng.integers(0, 2**62)), dev)
        p, q = self._pq()
        n, d = g.num_nodes, self.dim

        t0 = time.perf_counter()
        gt = GraphTensors.from_graph(g, dev)
        walks = torch.cat([w.to(torch.int32) for w in iter_random_walks(
            gt, self.walk_length, self.walks_per_node, p=p, q=q, weighted=self.weighted, generator=gen,
            batch_size=max(1, 2**22 // self.walk_length))])
        self.walk_time_ = time.perf_counter() - t0

        t0 = time.perf_counter()
        counts = torch.bincount(walks[walks >= 0].long(), minlength=n).cpu().numpy()
        table = torch.as_tensor(unigram_table(counts, self.ns_exponent), device=dev)
        w_in = (torch.rand((n, d), generator=gen, device=dev) - 0.5) / d
        w_out = torch.zeros((n, d), device=dev)
        total_tokens = int(counts.sum()) * self.epochs
        done_tokens = 0
        self.num_pairs_ = 0
        self.batch_size_ = batch = max(1, min(self.batch_size, n))
        chunk = max(1, 2**20 // (self.walk_length * self.window))  # walks per pair-generation chunk
        bar = progress(total=total_tokens, verbose=self.verbose, desc=type(self).__name__, unit="tok")
        for _ in range(self.epochs):
            order = torch.randperm(walks.shape[0], generator=gen, device=dev)  # a fresh walk order per epoch
            for lo in range(0, walks.shape[0], chunk):
                wb = walks[order[lo:lo + chunk]].long()
                tokens = int((wb >= 0).sum())
                pairs = skipgram_pairs(wb, self.window, gen)
                pairs = pairs[:, torch.randperm(pairs.shape[1], generator=gen, device=dev)]
                m = pairs.shape[1]
                for s in range(0, m, batch):
                    frac = (done_tokens + tokens * s / max(m, 1)) / max(total_tokens, 1)
                    lr = max(self.learning_rate * (1.0 - frac), self.min_learning_rate)
                    self._sgd_step(w_in, w_out, pairs[0, s:s + batch], pairs[1, s:s + batch], table, lr, gen)
                self.num_pairs_ += m
                done_tokens += tokens
                bar.update(tokens)
        bar.close()
        self.train_time_ = time.perf_counter() - t0
        logger.info("%s: %d walks in %.1fs, %d pairs in %.1fs", type(self).__name__, walks.shape[0],
                    self.walk_time_, self.num_pairs_, self.train_time_)
        self.embeddings_ = w_in.cpu().numpy().astype(np.float32, copy=False)
        self.nodes_ = g.node_ids
        return self

    def fit_transform(self, graph, y=None) -> np.ndarray:
        """``fit(graph).embeddings_``."""
        return self.fit(graph).embeddings_

    def _sgd_step(self, w_in: torch.Tensor, w_out: torch.Tensor, center: torch.Tensor, context: torch.Tensor,
                  table: torch.Tensor, lr: float, gen: torch.Generator) -> None:
        """One fused SGD step of skip-gram with negative sampling on a batch of pairs."""
        if self.shared_negatives is not None:
            return self._sgd_step_shared(w_in, w_out, center, context, table, lr, gen)
        b, k = center.numel(), self.negative
        neg = table[torch.randint(0, table.numel(), (b, k), generator=gen, device=center.device)]
        v = w_in[center]                                   # (b, d)
        u_pos = w_out[context]                             # (b, d)
        u_neg = w_out[neg]                                 # (b, k, d)
        g_pos = lr * (1.0 - torch.sigmoid((v * u_pos).sum(1)))                      # (b,)
        g_neg = -lr * torch.sigmoid(torch.bmm(u_neg, v.unsqueeze(2)).squeeze(2))   # (b, k)
        g_neg = g_neg.masked_fill_(neg == context.unsqueeze(1), 0.0)
        grad_v = g_pos.unsqueeze(1) * u_pos + torch.bmm(g_neg.unsqueeze(1), u_neg).squeeze(1)
        w_out.index_add_(0, context, g_pos.unsqueeze(1) * v)
        w_out.index_add_(0, neg.reshape(-1), (g_neg.unsqueeze(2) * v.unsqueeze(1)).reshape(-1, v.shape[1]))
        w_in.index_add_(0, center, grad_v)

    def _sgd_step_shared(self, w_in, w_out, center, context, table, lr, gen) -> None:
        """Fused step with ``shared_negatives`` negatives shared by the batch, each weighted
        ``negative / shared_negatives``: an unbiased estimate of the same objective whose
        negative part is a matrix product. The gathered rows are updated in place, so a
        step allocates only the (b, ks) score matrix besides them."""
        ks = self.shared_negatives
        neg = table[torch.randint(0, table.numel(), (ks,), generator=gen, device=center.device)]
        v = w_in.index_select(0, center)                   # (b, d)
        u_pos = w_out.index_select(0, context)             # (b, d), becomes grad_v below
        u_neg = w_out.index_select(0, neg)                 # (ks, d)
        g_pos = torch.linalg.vecdot(v, u_pos).sigmoid_().neg_().add_(1.0).mul_(lr)          # (b,)
        g_neg = torch.mm(v, u_neg.T).sigmoid_().mul_(-lr * self.negative / ks)             # (b, ks)
        g_neg.masked_fill_(neg.unsqueeze(0) == context.unsqueeze(1), 0.0)
        w_out.index_add_(0, neg, g_neg.T @ v)
        grad_v = u_pos.mul_(g_pos.unsqueeze(1)).addmm_(g_neg, u_neg)
        w_out.index_add_(0, context, v.mul_(g_pos.unsqueeze(1)))
        w_in.index_add_(0, center, grad_v)


class Node2Vec(DeepWalk):
    """node2vec (Grover & Leskovec, KDD 2016): skip-gram with negative sampling on
    second-order biased walks with return parameter ``p`` and in-out parameter ``q``.

    Parameters are those of :class:`DeepWalk` plus ``p`` and ``q``; ``p = q = 1`` gives
    DeepWalk. Walks are sampled exactly by rejection (see :mod:`graphemb.sampling.walks`).

    Examples
    --------
    >>> import networkx as nx
    >>> model = Node2Vec(dim=16, p=0.5, q=2.0, walks_per_node=2, walk_length=10, window=3,
    ...                  random_state=0, device="cpu").fit(nx.karate_club_graph())
    >>> model.embeddings_.shape
    (34, 16)
    """

    def __init__(self, dim: int = 128, *, p: float = 1.0, q: float = 1.0, walk_length: int = 80,
                 walks_per_node: int = 10, window: int = 10, negative: int = 5, epochs: int = 5,
                 learning_rate: float = 0.025, min_learning_rate: float = 0.0001, ns_exponent: float = 0.75,
                 batch_size: int = 2048, shared_negatives: Optional[int] = 32, weighted: Optional[bool] = None,
                 device=None, random_state=None, verbose: bool = False) -> None:
        super().__init__(dim, walk_length=walk_length, walks_per_node=walks_per_node, window=window,
                         negative=negative, epochs=epochs, learning_rate=learning_rate,
                         min_learning_rate=min_learning_rate, ns_exponent=ns_exponent, batch_size=batch_size,
                         shared_negatives=shared_negatives, weighted=weighted, device=device,
                         random_state=random_state, verbose=verbose)
        self.p = p
        self.q = q

    def _pq(self) -> tuple:
        check_float(self.p, "p", min_value=0.0, min_inclusive=False)
        check_float(self.q, "q", min_value=0.0, min_inclusive=False)
        return float(self.p), float(self.q)
