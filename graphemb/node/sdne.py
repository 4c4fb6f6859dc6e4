"""SDNE: Structural Deep Network Embedding (Wang, Cui and Zhu, "Structural Deep Network
Embedding", KDD 2016): a deep autoencoder of adjacency rows whose code is the embedding.

Each node's adjacency row :math:`x_i` is encoded to :math:`y_i` and decoded to :math:`\\hat x_i`.
The second-order loss reconstructs the rows, with the non-zero entries weighted by
:math:`\\beta > 1` so that the sparse rows are not reconstructed as zeros; the first-order
(Laplacian-eigenmap) loss pulls linked nodes together:

.. math::

    \\mathcal L = \\sum_i \\lVert (\\hat x_i - x_i) \\odot b_i \\rVert_2^2
        + \\alpha \\sum_{i,j} s_{ij} \\lVert y_i - y_j \\rVert_2^2
        + \\frac{\\nu}{2} \\sum_k \\lVert W^{(k)} \\rVert_F^2,
    \\qquad b_{ij} = \\beta \\text{ if } s_{ij} > 0 \\text{ else } 1

Training uses edge mini-batches: each step draws ``batch_size / 2`` edges ``(i, j)`` (without
replacement until all edges are used), reconstructs the rows of their endpoints and takes the
first-order term over those edges (losses averaged over the batch, so ``alpha`` is a per-edge
weight). An epoch is ``ceil(n / batch_size)`` steps, about one reconstruction per node, so its cost
does not grow with the number of edges. Optimiser:
Adam (the paper pre-trains with deep belief networks; that step is left out here and said so).
The decoder's output layer has ``n`` units, so memory and time grow with ``n * hidden``; graphs
beyond ~10^5 nodes need a GPU.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from .._base import BaseEstimator
from ..errors import InvalidParameterError
from ..graph import as_graph
from ..utils.device import resolve_device
from ..utils.progress import progress
from ..utils.random import check_random_state, torch_generator
from ..utils.validation import check_choice, check_float, check_int

logger = logging.getLogger(__name__)

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}


class _Autoencoder(nn.Module):
    def __init__(self, n: int, hidden: Sequence[int], dim: int, activation: str) -> None:
        super().__init__()
        act = ACTIVATIONS[activation]
        sizes = [n, *hidden, dim]
        enc, dec = [], []
        for a, b in zip(sizes[:-1], sizes[1:]):
            enc += [nn.Linear(a, b), act()]
        rev = sizes[::-1]
        for i, (a, b) in enumerate(zip(rev[:-1], rev[1:])):
            dec += [nn.Linear(a, b)]
            if i < len(rev) - 2:
                dec += [act()]
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec, nn.Sigmoid())

    def forward(self, x: torch.Tensor):
        y = self.encoder(x)
        return y, self.decoder(y)


class SDNE(BaseEstimator):
    """SDNE node embeddings (Wang et al., KDD 2016).

    Parameters
    ----------
    dim : int
        Embedding width (the autoencoder's code).
    hidden : sequence of int
        Hidden layer widths of the encoder (the decoder mirrors them).
    alpha : float
        Weight of the first-order (edge) loss.
    beta : float
        Weight (> 1 typical) of the non-zero entries in the reconstruction loss.
    nu : float
        L2 weight decay of the network weights.
    epochs : int
        Epochs of ``ceil(n / batch_size)`` steps. batch_size : rows per step (``batch_size / 2``
        edges). lr : Adam learning rate.
    activation : 'tanh' (default), 'sigmoid' (the paper's) or 'relu'
        Hidden and code units; the output layer is always a sigmoid. With Adam and the short
        schedules used here sigmoid units barely train (on the CN-100K 10-core, 1-hop mAP of the
        decoder 0.14 with sigmoid vs 0.88 with tanh), hence the default.
    device : None/'auto', 'cpu' or 'cuda'
    random_state : None, int or numpy Generator
    verbose : bool
        tqdm progress bar over epochs.

    Attributes
    ----------
    embeddings_ : float32 (n, dim); nodes_ : node label per row; loss_history_ : mean loss per epoch

    Examples
    --------
    >>> import graphemb as ge
    >>> G = ge.as_graph([[0, 1, 2, 3], [1, 2, 3, 0]], directed=False)
    >>> SDNE(dim=2, hidden=(4,), epochs=2, random_state=0).fit(G).embeddings_.shape
    (4, 2)
    """

    def __init__(self, dim: int = 128, hidden: Sequence[int] = (256,), alpha: float = 0.1, beta: float = 5.0,
                 nu: float = 1e-5, epochs: int = 50, batch_size: int = 256, lr: float = 1e-3,
                 activation: str = "tanh", device: Any = None, random_state: Any = 0,
                 verbose: bool = False) -> None:
        self.dim = dim
        self.hidden = hidden
        self.alpha = alpha
        self.beta = beta
        self.nu = nu
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.activation = activation
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _validate(self) -> dict:
        hidden = tuple(self.hidden) if isinstance(self.hidden, (list, tuple)) else None
        if hidden is None:
            raise InvalidParameterError(f"hidden must be a sequence of layer widths, got {self.hidden!r}")
        return dict(
            dim=check_int(self.dim, "dim", min_value=1),
            hidden=tuple(check_int(h, "hidden", min_value=1) for h in hidden),
            alpha=check_float(self.alpha, "alpha", min_value=0.0),
            beta=check_float(self.beta, "beta", min_value=0.0),
            nu=check_float(self.nu, "nu", min_value=0.0),
            epochs=check_int(self.epochs, "epochs", min_value=1),
            batch_size=check_int(self.batch_size, "batch_size", min_value=1),
            lr=check_float(self.lr, "lr", min_value=0.0, min_inclusive=False),
            activation=check_choice(self.activation, "activation", ACTIVATIONS),
        )

    def fit(self, graph: Any, y: Any = None) -> "SDNE":
        """Train the autoencoder on ``graph`` and store the codes of all nodes."""
        p = self._validate()
        G = as_graph(graph)
        n = G.num_nodes
        dev = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        gen = torch_generator(rng, "cpu")
        A = G.to_scipy().astype(np.float32).tocsr()
        edges = np.stack(A.nonzero(), axis=1)
        if len(edges) == 0:
            raise InvalidParameterError("graph has no edges; SDNE needs edges to train on")
        weights = torch.as_tensor(np.asarray(A[edges[:, 0], edges[:, 1]]).ravel(), device=dev)
        adj = (torch.as_tensor(A.indptr, dtype=torch.int64, device=dev),
               torch.as_tensor(A.indices, dtype=torch.int64, device=dev), torch.as_tensor(A.data, device=dev), n)
        edges_t = torch.as_tensor(edges, device=dev)
        with torch.device("meta"):  # no draw from the global RNG; initialised from `gen` below
            model = _Autoencoder(n, p["hidden"], p["dim"], p["activation"])
        model = model.to_empty(device="cpu")
        for layer in model.modules():
            if isinstance(layer, nn.Linear):  # PyTorch's default Linear init, seeded
                bound = 1.0 / float(np.sqrt(layer.in_features))
                with torch.no_grad():
                    layer.weight.uniform_(-bound, bound, generator=gen)
                    layer.bias.uniform_(-bound, bound, generator=gen)
        model = model.to(dev)
        decay = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
        opt = torch.optim.Adam(model.parameters(), lr=p["lr"])
        history = []
        edges_per_step = max(1, p["batch_size"] // 2)
        steps = max(1, -(-n // p["batch_size"]))  # about one reconstruction per node per epoch
        perm, cursor = torch.randperm(len(edges), generator=gen).to(dev), 0
        for _ in progress(range(p["epochs"]), verbose=self.verbose, desc="SDNE", unit="epoch"):
            total = 0.0
            for _step in range(steps):
                if cursor >= len(edges):
                    perm, cursor = torch.randperm(len(edges), generator=gen).to(dev), 0
                idx = perm[cursor:cursor + edges_per_step]
                cursor += edges_per_step
                e = edges_t[idx]
                nodes, inv = torch.unique(e.flatten(), return_inverse=True)
                x = _dense_rows(adj, nodes)
                y_code, x_hat = model(x)
                b = torch.where(x > 0, p["beta"], 1.0)
                second = (((x_hat - x) * b) ** 2).sum(dim=1).mean()
                inv = inv.view(-1, 2)
                first = (weights[idx] * ((y_code[inv[:, 0]] - y_code[inv[:, 1]]) ** 2).sum(dim=1)).mean()
                reg = sum((w ** 2).sum() for w in decay)
                loss = second + p["alpha"] * first + 0.5 * p["nu"] * reg
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item()
            history.append(total / steps)
        model.eval()
        out = []
        with torch.no_grad():
            for s in range(0, n, 1024):
                nodes = torch.arange(s, min(n, s + 1024), device=dev)
                out.append(model.encoder(_dense_rows(adj, nodes)).cpu())
        self.embeddings_ = torch.cat(out).numpy().astype(np.float32)
        self.loss_history_ = history
        self.nodes_ = G.node_ids
        self.model_ = model
        logger.info("SDNE: n=%d, final loss %.4g", n, history[-1])
        return self

    def fit_transform(self, graph: Any, y: Any = None) -> np.ndarray:
        """``fit(graph).embeddings_``."""
        return self.fit(graph).embeddings_

    def reconstruct(self, rows: Any) -> np.ndarray:
        """Decoder output :math:`\\hat x_i` (n,) for the given rows: the model's own decoder."""
        self._check_fitted("model_")
        dev = next(self.model_.parameters()).device
        codes = torch.as_tensor(self.embeddings_[np.asarray(rows)], device=dev)
        with torch.no_grad():
            return self.model_.decoder(codes).cpu().numpy()


def _dense_rows(adj: tuple, nodes: torch.Tensor) -> torch.Tensor:
    """Dense (len(nodes), n) rows of a CSR adjacency given as (indptr, indices, values, n) tensors."""
    crow, col, val, n = adj
    starts, ends = crow[nodes], crow[nodes + 1]
    counts = ends - starts
    row_of = torch.repeat_interleave(torch.arange(len(nodes), device=col.device), counts)
    offsets = torch.arange(int(counts.sum()), device=col.device) - torch.repeat_interleave(
        torch.cumsum(counts, 0) - counts, counts)
    pos = torch.repeat_interleave(starts, counts) + offsets
    out = torch.zeros(len(nodes), n, device=col.device)
    out[row_of, col[pos]] = val[pos]
    return out
