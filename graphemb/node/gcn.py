"""Graph convolutional network baseline for semi-supervised node classification.

Kipf and Welling, "Semi-Supervised Classification with Graph Convolutional Networks",
ICLR 2017.
"""

from __future__ import annotations

import copy
from typing import Optional, Sequence

import numpy as np
import scipy.sparse as sp

from .._base import BaseEstimator
from ..errors import InvalidParameterError, missing_dependency
from ..graph import as_graph
from ..utils.device import resolve_device
from ..utils.progress import get_logger, progress
from ..utils.random import torch_generator
from ..utils.validation import check_bool, check_float, check_int

logger = get_logger("graphemb.node.gcn")


def _gcn_conv():
    try:
        from torch_geometric.nn import GCNConv
    except ImportError as exc:
        raise missing_dependency("torch_geometric", "pyg") from exc
    return GCNConv


def _check_index(idx, n: int, name: str) -> np.ndarray:
    arr = np.asarray(idx)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise InvalidParameterError(f"{name} as a boolean mask must have shape ({n},), got {arr.shape}")
        arr = np.flatnonzero(arr)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise InvalidParameterError(f"{name} must be a 1-d array of node indices or a boolean mask")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise InvalidParameterError(f"{name} holds indices outside [0, {n})")
    return arr


class GCNClassifier(BaseEstimator):
    """Transductive GCN node classifier on given node features (e.g. text encodings).

    Kipf and Welling, "Semi-Supervised Classification with Graph Convolutional
    Networks" (ICLR 2017), with ``torch_geometric.nn.GCNConv``. Each layer propagates
    over the symmetrically normalised adjacency with self-loops:

    .. math::

        H^{(l+1)} = \\sigma\\big(\\hat D^{-1/2} (A + I) \\hat D^{-1/2} H^{(l)} W^{(l)}\\big),
        \\qquad \\hat D_{ii} = 1 + \\sum_j A_{ij},

    with ReLU and dropout between layers and a softmax cross-entropy loss on the
    training nodes, trained full-batch with Adam. When ``val_idx`` is given the weights
    of the epoch with the best validation accuracy are kept (ties: the earlier epoch)
    and training stops after ``patience`` epochs without improvement.

    All randomness (weight initialisation, dropout masks) comes from a
    ``torch.Generator`` derived from ``random_state``; the global torch RNG is not used.

    Parameters
    ----------
    hidden_dim : int
    num_layers : int
        Number of GCN layers (>= 1; 1 is a linear model on propagated features).
    dropout : float in [0, 1)
    lr, weight_decay : float
        Adam step size and L2 penalty.
    epochs : int
        Maximum training epochs.
    patience : int or None
        Early stopping on validation accuracy (needs ``val_idx``); None trains all epochs.
    device : None, 'auto', 'cpu', 'cuda'
    random_state : None, int or Generator
        Fixes the initialisation and dropout: results repeat bit for bit on CPU; on CUDA the
        neighbourhood sums use atomic adds, so repeated fits agree to float rounding (about 1e-8).
    verbose : bool

    Attributes
    ----------
    classes_ : ndarray
        Class labels seen in training (predictions are in this label space).
    best_epoch_ : int
    history_ : list of dict
        Per-epoch ``loss`` and, with ``val_idx``, ``val_accuracy``.

    Examples
    --------
    >>> clf = GCNClassifier(epochs=100, random_state=0)                  # doctest: +SKIP
    >>> clf.fit(graph, X, labels, train_idx, val_idx).score(test_idx, labels[test_idx])
    """

    def __init__(self, hidden_dim: int = 64, num_layers: int = 2, dropout: float = 0.5, lr: float = 0.01,
                 weight_decay: float = 5e-4, epochs: int = 200, patience: Optional[int] = 50,
                 device: Optional[str] = None, random_state=None, verbose: bool = False) -> None:
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.epochs = epochs
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def fit(self, graph, features, labels, train_idx: Sequence[int], val_idx: Optional[Sequence[int]] = None
            ) -> "GCNClassifier":
        """Train on ``labels[train_idx]``; ``features`` is (n, d) dense or scipy sparse."""
        import torch

        hidden = check_int(self.hidden_dim, "hidden_dim", min_value=1)
        layers = check_int(self.num_layers, "num_layers", min_value=1)
        dropout = check_float(self.dropout, "dropout", min_value=0.0, max_value=1.0, max_inclusive=False)
        lr = check_float(self.lr, "lr", min_value=0.0, min_inclusive=False)
        wd = check_float(self.weight_decay, "weight_decay", min_value=0.0)
        epochs = check_int(self.epochs, "epochs", min_value=1)
        patience = None if self.patience is None else check_int(self.patience, "patience", min_value=1)
        check_bool(self.verbose, "verbose")
        device = resolve_device(self.device)

        g = as_graph(graph)
        n = g.num_nodes
        X = features.toarray() if sp.issparse(features) else np.asarray(features)
        if X.ndim != 2 or X.shape[0] != n:
            raise InvalidParameterError(f"features must have shape ({n}, d) for a graph of {n} nodes, got {X.shape}")
        if not np.all(np.isfinite(X)):
            raise InvalidParameterError("features contain NaN or infinite values")
        y = np.asarray(labels)
        if y.shape != (n,):
            raise InvalidParameterError(f"labels must have shape ({n},), got {y.shape}")
        train = _check_index(train_idx, n, "train_idx")
        if train.size == 0:
            raise InvalidParameterError("train_idx must select at least one node")
        val = None if val_idx is None else _check_index(val_idx, n, "val_idx")
        self.classes_, y_train = np.unique(y[train], return_inverse=True)
        lookup = {c: i for i, c in enumerate(self.classes_.tolist())}
        y_enc = np.full(n, -1, dtype=np.int64)
        y_enc[train] = y_train
        if val is not None:
            y_enc[val] = [lookup.get(c, -1) for c in y[val].tolist()]

        gen = torch_generator(self.random_state, device)
        self._build(X.shape[1], hidden, len(self.classes_), layers, device, gen)
        self._dropout, self._device = dropout, device
        self._x = torch.as_tensor(X, dtype=torch.float32, device=device)
        self._edge_index = torch.as_tensor(g.edge_index(), dtype=torch.long, device=device)
        y_t = torch.as_tensor(y_enc, device=device)
        tr_t = torch.as_tensor(train, device=device)
        opt = torch.optim.Adam(self._convs.parameters(), lr=lr, weight_decay=wd)

        best_acc, best_state, since = -1.0, None, 0
        self.history_ = []
        self.best_epoch_ = epochs - 1
        for epoch in progress(range(epochs), verbose=self.verbose, desc="GCN", unit="epoch"):
            self._convs.train()
            opt.zero_grad()
            logits = self._forward(gen, training=True)
            loss = torch.nn.functional.cross_entropy(logits[tr_t], y_t[tr_t])
            loss.backward()
            opt.step()
            row = {"epoch": epoch, "loss": float(loss.detach())}
            if val is not None and val.size:
                pred = self._logits().argmax(1).cpu().numpy()
                acc = float(np.mean(pred[val] == y_enc[val]))
                row["val_accuracy"] = acc
                if acc > best_acc:
                    best_acc, since, self.best_epoch_ = acc, 0, epoch
                    best_state = copy.deepcopy(self._convs.state_dict())
                else:
                    since += 1
                    if patience is not None and since >= patience:
                        self.history_.append(row)
                        break
            self.history_.append(row)
        if best_state is not None:
            self._convs.load_state_dict(best_state)
        self._convs.eval()
        self.logits_ = self._logits().cpu().numpy()
        return self

    def _build(self, d_in: int, hidden: int, n_out: int, layers: int, device, gen) -> None:
        import torch

        GCNConv = _gcn_conv()
        dims = [d_in] + [hidden] * (layers - 1) + [n_out]
        # GCNConv initialises itself from the global RNG: build under fork_rng so that the
        # caller's global state is restored, then re-initialise from our own generator.
        with torch.random.fork_rng(devices=[]):
            convs = [GCNConv(a, b, cached=True) for a, b in zip(dims[:-1], dims[1:])]
        self._convs = torch.nn.ModuleList(convs).to(device)
        with torch.no_grad():  # Glorot init from our generator, not the global RNG
            for conv in self._convs:
                torch.nn.init.xavier_uniform_(conv.lin.weight, generator=gen)
                if conv.bias is not None:
                    conv.bias.zero_()

    def _forward(self, gen, training: bool):
        import torch

        h = self._x
        for i, conv in enumerate(self._convs):
            if training and self._dropout > 0:
                keep = torch.rand(h.shape, generator=gen, device=h.device) >= self._dropout
                h = h * keep / (1.0 - self._dropout)
            h = conv(h, self._edge_index)
            if i < len(self._convs) - 1:
                h = torch.relu(h)
        return h

    def _logits(self):
        import torch

        self._convs.eval()
        with torch.no_grad():
            return self._forward(None, training=False)

    # -------------------------------------------------------------- predict
    def predict_proba(self, idx: Optional[Sequence[int]] = None) -> np.ndarray:
        """Class probabilities (columns follow ``classes_``) of nodes ``idx`` (all if None)."""
        self._check_fitted("logits_")
        z = self.logits_ if idx is None else self.logits_[_check_index(idx, len(self.logits_), "idx")]
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, idx: Optional[Sequence[int]] = None) -> np.ndarray:
        """Predicted class labels of nodes ``idx`` (all nodes if None)."""
        self._check_fitted("logits_")
        z = self.logits_ if idx is None else self.logits_[_check_index(idx, len(self.logits_), "idx")]
        return self.classes_[z.argmax(axis=1)]

    def score(self, idx: Sequence[int], labels_of_idx: Sequence) -> float:
        """Accuracy on nodes ``idx`` against ``labels_of_idx``."""
        y = np.asarray(labels_of_idx)
        pred = self.predict(idx)
        if y.shape != pred.shape:
            raise InvalidParameterError(f"labels_of_idx must have shape {pred.shape}, got {y.shape}")
        return float(np.mean(pred == y))
