"""IRWE: inductive identity and position embeddings from random walks, without attributes.

Qin & Yeung, "IRWE: Inductive Random Walk for Joint Inference of Identity and Position
Network Embedding", TMLR 2024 (arXiv:2401.00651). The authors' code and full text were not
available when this was written; this module follows the paper's stated design (random-walk
statistics as id-free inputs, attention units over walks, identity and position embeddings
optimised jointly, inference on unseen nodes/graphs by a forward pass). Every choice below
is ours:

* **Identity features** (:mod:`graphemb.node._irwe_features`): exact expectations of
  :math:`\\log(1+\\deg)` (mean and spread), the clustering coefficient,
  :math:`\\log(1+\\text{triangles})` and the survival mass of the node a walk stands on after
  :math:`k = 0..K` steps (``identity_steps = K``), computed as :math:`P^k g` with sparse
  products; the exact return probabilities after 2 and 3 steps; plus the anonymous-walk
  distribution of ``aw_walks_per_node`` sampled walks of ``aw_length`` steps (52 patterns for
  :math:`\\ell = 4`; ``aw_length=0`` turns it off), taken as square roots (Hellinger map).
  With ``neighbor_max=True``, also the maxima over the node's neighbours of
  :math:`\\log(1+\\deg)`, the clustering coefficient and :math:`\\log(1+\\text{triangles})`
  (a struc2vec/GraphWave-style neighbourhood aggregation; the neighbourhood *means* are
  already the :math:`k=1` step statistics). They enter the identity unit's pattern token and
  therefore also the identity loss (its similarity and reconstruction targets).
* **Standardisation** (``feature_scaling``): with ``"graph"`` (default) features are
  standardised with the mean and scale of the graph being embedded, in :meth:`IRWE.fit` and
  :meth:`IRWE.transform`: degree-like statistics shift with a graph's size and density and
  roles ("busiest quarter of the airports") are relative to their graph, so this graph-level
  normalisation is what lets roles transfer between graphs (``experiments/airports_irwe.py``).
  ``"train"`` reuses the training graph's ``feature_mean_`` / ``feature_scale_`` (new nodes
  of the same graph). The anonymous-walk block shares one scale (see ``feature_scaling``).
* **Identity unit**: transformer encoder over one token per step (plus one token for the
  closed-walk and anonymous-walk statistics), mean-pooled and projected to
  ``identity_dim`` by a map that starts at zero, added to a linear skip map of the features
  (so training starts from a linear image of the walk statistics; see ``_irwe_network``).
* **Position unit**: transformer encoder over each of ``walks_per_node`` walks of
  ``walk_length`` nodes from :math:`v`, each visited node represented by its identity
  embedding plus step and anonymous first-visit-rank embeddings (never a node-id
  embedding); walk means averaged, projected to ``position_dim``.
* **Joint objective**, minimised over mini-batches of nodes with Adam:

  .. math::

      \\mathcal L = \\underbrace{-\\log\\frac{e^{\\cos(p_v, p_u)/\\tau}}
      {e^{\\cos(p_v, p_u)/\\tau} + \\sum_{n \\in N} e^{\\cos(p_v, p_n)/\\tau}}}_{\\text{position}}
      + \\lambda\\Big(\\underbrace{\\overline{(\\cos(z_i, z_j) - \\cos(f_i, f_j))^2}}_{\\text{role similarity}}
      + \\underbrace{\\overline{\\lVert D z_i - f_i\\rVert^2}}_{\\text{reconstruction}}\\Big)

  where :math:`u` co-occurs with :math:`v` in one of :math:`v`'s walks, :math:`N` are
  ``num_negatives`` nodes drawn uniformly (shared by the batch), :math:`p` are position and
  :math:`z` identity embeddings, :math:`f` the standardised identity features and
  :math:`\\lambda` = ``identity_weight``. The position loss also trains the identity unit
  (its output feeds the position tokens), so the two are optimised jointly.

Randomness: parameters, batches and negatives come from ``torch.Generator`` objects derived
from ``random_state`` (no global seeding; dropout is off), so CPU fits are deterministic
for an int seed. The walks used for features and embeddings come from a fixed seed
(``walk_seed_``) reused by :meth:`IRWE.transform`, so transforming the training graph
reproduces ``embeddings_`` exactly. Permuting the node order of a graph permutes the exact
statistics exactly; the anonymous-walk part is a Monte-Carlo estimate whose noise shrinks
as :math:`1/\\sqrt{\\texttt{aw\\_walks\\_per\\_node}}`, so identity embeddings of an
isomorphic graph match up to that noise (exactly with ``aw_length=0``). Position embeddings
depend on the sampled walks and are equivariant only in distribution.

Memory: walks of all nodes are held as one (n, walks_per_node, walk_length) int64 tensor;
the network runs over mini-batches of ``batch_size`` nodes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .._base import BaseEstimator
from ..errors import CheckpointError, InvalidParameterError
from ..graph import as_graph
from ..utils.device import resolve_device
from ..utils.io import atomic_write_bytes, atomic_write_json
from ..utils.progress import get_logger, progress
from ..utils.random import seed_from
from ..utils.validation import check_bool, check_choice, check_float, check_int
from ._irwe_features import (CLOSED_WALK_STATISTICS, NEIGHBOR_STATISTICS, STEP_STATISTICS, anonymous_patterns,
                             feature_scaling, identity_features, walks_from_every_node)
from ._irwe_network import IRWENetwork

logger = get_logger(__name__)


class IRWE(BaseEstimator):
    """Inductive Random Walk Embedding (Qin & Yeung, TMLR 2024): joint identity (role) and
    position (community) embeddings from random-walk statistics, inductive without attributes.

    See the module docstring for the features, the attention units and the loss.

    Parameters
    ----------
    identity_dim, position_dim : int
        Sizes of the identity and position embeddings.
    walk_length : int
        Nodes per walk of the position unit (the start node included).
    walks_per_node : int
        Walks per node fed to the position unit.
    identity_steps : int
        Steps :math:`K` of the exact walk statistics; 2 (as in ``experiments/airports_irwe.py``):
        deeper steps are more graph-specific (airports USA->Brazil transfer 0.73 at K=2, 0.62 at K=4).
    aw_length : int
        Steps of the anonymous walks (0 disables the anonymous-walk features; at most 6).
    aw_walks_per_node : int
        Walks per node sampled to estimate the anonymous-walk distribution.
    neighbor_max : bool
        Add the neighbour maxima (:data:`~graphemb.node._irwe_features.NEIGHBOR_STATISTICS`)
        to the identity features. Off by default: on the airports (10 seeds) it moves Brazil role
        accuracy 0.698 -> 0.704 and USA 0.647 -> 0.648 but USA->Brazil transfer 0.691 -> 0.660.
    train_walks_per_node : int
        During training the position unit sees a random subset of this many of each node's
        ``walks_per_node`` walks (a cheaper stochastic estimate); inference uses all of them.
    epochs, batch_size, learning_rate : training schedule (Adam, mini-batches of nodes).
    num_negatives : int
        Uniform negative nodes per batch for the position loss.
    temperature : float
        :math:`\\tau` of the position loss.
    identity_weight : float
        :math:`\\lambda`, weight of the identity losses.
    feature_scaling : {"graph", "train"}
        Standardise identity features with the statistics of the graph being embedded
        ("graph") or of the training graph ("train"); see the module docstring.
    d_model, num_heads, num_layers : attention-unit width, heads and depth.
    device : None, "auto", "cpu", "cuda"
    random_state : None, int or numpy Generator
    verbose : bool

    Attributes
    ----------
    identity_embeddings_ : ndarray (n, identity_dim) float32
    position_embeddings_ : ndarray (n, position_dim) float32
    embeddings_ : ndarray (n, identity_dim + position_dim), the two concatenated
    nodes_ : ndarray, original node id of each row
    network_ : IRWENetwork, the trained attention units
    feature_mean_, feature_scale_ : ndarray, standardisation of the training graph's features
    walk_seed_ : int, seed of the feature/embedding walks (reused by :meth:`transform`)
    loss_history_ : list of float, mean loss per epoch

    Examples
    --------
    >>> import networkx as nx
    >>> from graphemb.node import IRWE
    >>> model = IRWE(identity_dim=16, position_dim=16, epochs=2, random_state=0).fit(nx.karate_club_graph())
    >>> model.embeddings_.shape
    (34, 32)
    >>> model.transform(nx.path_graph(5), part="identity").shape
    (5, 16)
    """

    def __init__(self, identity_dim: int = 64, position_dim: int = 64, walk_length: int = 10,
                 walks_per_node: int = 10, *, identity_steps: int = 2, aw_length: int = 3,
                 aw_walks_per_node: int = 200, neighbor_max: bool = False, train_walks_per_node: int = 4,
                 epochs: int = 20,
                 batch_size: int = 256, learning_rate: float = 0.005, num_negatives: int = 32,
                 temperature: float = 0.2, identity_weight: float = 1.0, feature_scaling: str = "graph",
                 d_model: int = 32, num_heads: int = 4, num_layers: int = 1,
                 device: Any = None, random_state: Any = None, verbose: bool = False):
        self.identity_dim = identity_dim
        self.position_dim = position_dim
        self.walk_length = walk_length
        self.walks_per_node = walks_per_node
        self.identity_steps = identity_steps
        self.aw_length = aw_length
        self.aw_walks_per_node = aw_walks_per_node
        self.neighbor_max = neighbor_max
        self.train_walks_per_node = train_walks_per_node
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.num_negatives = num_negatives
        self.temperature = temperature
        self.identity_weight = identity_weight
        self.feature_scaling = feature_scaling
        self.d_model = d_model
        self.num_heads = num_heads
        self.num_layers = num_layers
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        for name in ("identity_dim", "position_dim", "walks_per_node", "identity_steps", "aw_walks_per_node",
                     "train_walks_per_node",
                     "batch_size", "num_heads", "num_layers", "num_negatives"):
            check_int(getattr(self, name), name, min_value=1)
        check_int(self.walk_length, "walk_length", min_value=2)
        check_int(self.aw_length, "aw_length", min_value=0, max_value=6)
        check_int(self.epochs, "epochs", min_value=0)
        check_int(self.d_model, "d_model", min_value=1)
        if self.d_model % self.num_heads:
            raise InvalidParameterError(f"d_model ({self.d_model}) must be divisible by num_heads ({self.num_heads})")
        check_float(self.learning_rate, "learning_rate", min_value=0.0, min_inclusive=False)
        check_float(self.temperature, "temperature", min_value=0.0, min_inclusive=False)
        check_float(self.identity_weight, "identity_weight", min_value=0.0)
        check_bool(self.verbose, "verbose")
        check_bool(self.neighbor_max, "neighbor_max")
        check_choice(self.feature_scaling, "feature_scaling", ("graph", "train"))

    # ------------------------------------------------------------------ features
    def _walks(self, graph, length: int, count: int, seed: int, device: torch.device) -> torch.Tensor:
        return walks_from_every_node(graph, length, count, seed, device)

    def _raw_features(self, graph, device: torch.device) -> np.ndarray:
        return identity_features(graph, self.identity_steps, self.aw_length, self.aw_walks_per_node,
                                 self.walk_seed_ + 1, device, neighbor_max=self.neighbor_max)

    def _scaling(self, raw: np.ndarray) -> tuple:
        n_exact = (self.identity_steps + 1) * len(STEP_STATISTICS) + self._num_exact_pattern()
        return feature_scaling(raw, n_exact)

    def _standardize(self, raw: np.ndarray, device: torch.device, own_scaling: bool = False) -> torch.Tensor:
        mean, scale = self._scaling(raw) if own_scaling else (self.feature_mean_, self.feature_scale_)
        return torch.as_tensor((raw - mean) / scale, dtype=torch.float32, device=device)

    def _num_exact_pattern(self) -> int:  # closed-walk statistics and, optionally, neighbour maxima
        return len(CLOSED_WALK_STATISTICS) + (len(NEIGHBOR_STATISTICS) if self.neighbor_max else 0)

    def _num_pattern(self) -> int:  # width of the pattern token: exact pattern columns + anonymous walks
        return self._num_exact_pattern() + (len(anonymous_patterns(self.aw_length)) + 1 if self.aw_length else 0)

    # ------------------------------------------------------------------ fit
    def fit(self, graph, y: Any = None) -> "IRWE":
        """Train the identity and position units on ``graph`` and embed its nodes.

        Parameters
        ----------
        graph : Graph or anything :func:`~graphemb.graph.as_graph` accepts
        y : ignored
        """
        self._validate()
        G = as_graph(graph)
        device = resolve_device(self.device)
        seed = seed_from(self.random_state)
        self.walk_seed_ = int(seed % (2**62))
        raw = self._raw_features(G, device)
        self.feature_mean_, self.feature_scale_ = self._scaling(raw)
        feats = self._standardize(raw, device)
        walks = self._walks(G, self.walk_length, self.walks_per_node, self.walk_seed_, device)

        gen = torch.Generator(device=device)
        gen.manual_seed((seed + 7919) % (2**62))
        net = IRWENetwork(self.identity_steps + 1, len(STEP_STATISTICS), self._num_pattern(), self.identity_dim,
                          self.position_dim, self.walk_length, self.d_model, self.num_heads, self.num_layers)
        init_gen = torch.Generator()
        init_gen.manual_seed((seed + 104729) % (2**62))
        net.reset_parameters(init_gen)
        net.to(device)
        self.network_ = net
        self.loss_history_ = []
        self._train(G.num_nodes, feats, walks, gen, device)
        self.nodes_ = G.node_ids.copy()
        self.identity_embeddings_, self.position_embeddings_ = self._embed(feats, walks)
        self.embeddings_ = np.concatenate([self.identity_embeddings_, self.position_embeddings_], axis=1)
        return self

    def _train(self, n: int, feats: torch.Tensor, walks: torch.Tensor, gen: torch.Generator,
               device: torch.device) -> None:
        net = self.network_
        opt = torch.optim.Adam(net.parameters(), lr=self.learning_rate)
        W, L = walks.shape[1], walks.shape[2]
        has_walk = walks[:, 0, 1] >= 0  # nodes whose walks move at least once
        net.train()
        for epoch in progress(range(self.epochs), verbose=self.verbose, desc="IRWE", unit="epoch"):
            perm = torch.randperm(n, generator=gen, device=device)
            total, batches = 0.0, 0
            for lo in range(0, n, self.batch_size):
                centers = perm[lo:lo + self.batch_size]
                loss = self._identity_loss(net, feats[centers]) * self.identity_weight
                centers = centers[has_walk[centers]]
                if centers.numel() > 0:
                    loss = loss + self._position_loss(net, n, feats, walks, centers, W, L, gen, device)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach())
                batches += 1
            self.loss_history_.append(total / max(batches, 1))
            logger.debug("IRWE epoch %d loss %.4f", epoch, self.loss_history_[-1])
        net.eval()

    @staticmethod
    def _identity_loss(net: IRWENetwork, f: torch.Tensor) -> torch.Tensor:
        z = net.identity(f)
        zn, fn = F.normalize(z, dim=1), F.normalize(f, dim=1)
        similarity = ((zn @ zn.T - fn @ fn.T) ** 2).mean()
        return similarity + F.mse_loss(net.reconstruct(z), f)

    def _position_loss(self, net: IRWENetwork, n: int, feats: torch.Tensor, walks: torch.Tensor,
                       centers: torch.Tensor, W: int, L: int, gen: torch.Generator,
                       device: torch.device) -> torch.Tensor:
        B = centers.numel()
        # positive: a visited node of a random walk of the centre, at a random non-padding step >= 1
        w_idx = torch.randint(0, W, (B,), generator=gen, device=device)
        chosen = walks[centers, w_idx]                                   # (B, L)
        valid = (chosen[:, 1:] >= 0).sum(dim=1)
        step = 1 + (torch.rand(B, generator=gen, device=device) * valid).long().clamp(max=L - 1)
        positives = chosen[torch.arange(B, device=device), step]
        negatives = torch.randint(0, n, (self.num_negatives,), generator=gen, device=device)
        targets = torch.cat([centers, positives, negatives])
        needed, inverse = torch.unique(targets, return_inverse=True)
        sub = walks[needed]                                                # (U, W, L)
        if self.train_walks_per_node < W:
            pick = torch.randperm(W, generator=gen, device=device)[:self.train_walks_per_node]
            sub = sub[:, pick]
        visited, local = torch.unique(sub.clamp(min=0), return_inverse=True)
        local = torch.where(sub < 0, torch.full_like(local, -1), local)
        node_identity = net.identity(feats[visited])
        pos = F.normalize(net.position(local, node_identity), dim=1)[inverse]
        p_c, p_p, p_n = pos[:B], pos[B:2 * B], pos[2 * B:]
        logits = torch.cat([(p_c * p_p).sum(dim=1, keepdim=True), p_c @ p_n.T], dim=1) / self.temperature
        return F.cross_entropy(logits, torch.zeros(B, dtype=torch.long, device=device))

    # ------------------------------------------------------------------ inference
    @torch.no_grad()
    def _embed(self, feats: torch.Tensor, walks: torch.Tensor) -> tuple:
        net = self.network_
        net.eval()
        n = feats.shape[0]
        identity = torch.cat([net.identity(feats[lo:lo + self.batch_size]) for lo in range(0, n, self.batch_size)])
        position = torch.cat([net.position(walks[lo:lo + self.batch_size], identity)
                              for lo in range(0, n, self.batch_size)])
        return (identity.cpu().numpy().astype(np.float32), position.cpu().numpy().astype(np.float32))

    def transform(self, graph, part: str = "all") -> np.ndarray:
        """Embed the nodes of ``graph`` (the training graph, a grown version of it, or a new
        graph) with the trained units: a forward pass, no training.

        Parameters
        ----------
        graph : Graph or anything :func:`~graphemb.graph.as_graph` accepts
        part : {'all', 'identity', 'position'}
            Which embedding to return; 'all' concatenates identity then position.

        Returns
        -------
        ndarray (graph.num_nodes, dim) float32, rows in the order of ``as_graph(graph).node_ids``
        """
        self._check_fitted("network_")
        check_choice(part, "part", ("all", "identity", "position"))
        check_choice(self.feature_scaling, "feature_scaling", ("graph", "train"))
        G = as_graph(graph)
        device = resolve_device(self.device)
        self.network_.to(device)
        feats = self._standardize(self._raw_features(G, device), device,
                                  own_scaling=self.feature_scaling == "graph")
        walks = self._walks(G, self.walk_length, self.walks_per_node, self.walk_seed_, device)
        identity, position = self._embed(feats, walks)
        if part == "identity":
            return identity
        if part == "position":
            return position
        return np.concatenate([identity, position], axis=1)

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> None:
        """Save the fitted model to directory ``path``: ``model.safetensors`` (weights,
        feature scaling, embeddings) and ``config.json`` (parameters, node ids); atomic, no pickle."""
        from safetensors.torch import save as st_save

        self._check_fitted("network_")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        tensors = {f"network.{k}": v.detach().cpu().contiguous() for k, v in self.network_.state_dict().items()}
        for name in ("feature_mean_", "feature_scale_", "identity_embeddings_", "position_embeddings_"):
            tensors[name] = torch.as_tensor(np.ascontiguousarray(getattr(self, name)))
        params = {k: v for k, v in self.get_params().items() if k not in ("random_state", "device")}
        nodes = self.nodes_.tolist()
        config = {"format": "graphemb.IRWE", "version": 2, "params": params,
                  "random_state": self.random_state if isinstance(self.random_state, int) else None,
                  "walk_seed": self.walk_seed_, "loss_history": self.loss_history_,
                  "node_id_kind": "int" if self.nodes_.dtype.kind in "iu" else "str",
                  "nodes": nodes if self.nodes_.dtype.kind in "iu" else [str(x) for x in nodes]}
        atomic_write_bytes(path / "model.safetensors", st_save(tensors))
        atomic_write_json(path / "config.json", config)

    @classmethod
    def load(cls, path, device: Any = None) -> "IRWE":
        """Load a model written by :meth:`save` (weights only; no code is executed)."""
        from safetensors.torch import load as st_load

        path = Path(path)
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
            tensors = st_load((path / "model.safetensors").read_bytes())
        except FileNotFoundError as exc:
            raise CheckpointError(f"{path}: not an IRWE model directory ({exc.filename} missing)") from None
        if config.get("format") != "graphemb.IRWE" or config.get("version") != 2:
            raise CheckpointError(f"{path / 'config.json'}: format must be 'graphemb.IRWE' version 2, "
                                  f"got {config.get('format')!r} version {config.get('version')!r}")
        model = cls(**config["params"], device=device, random_state=config["random_state"])
        model._validate()
        net = IRWENetwork(model.identity_steps + 1, len(STEP_STATISTICS), model._num_pattern(), model.identity_dim,
                          model.position_dim, model.walk_length, model.d_model, model.num_heads, model.num_layers)
        state = {k[len("network."):]: v for k, v in tensors.items() if k.startswith("network.")}
        try:
            net.load_state_dict(state)
        except RuntimeError as exc:
            raise CheckpointError(f"{path / 'model.safetensors'}: weights do not match the config: {exc}") from None
        net.to(resolve_device(device)).eval()
        model.network_ = net
        for name in ("feature_mean_", "feature_scale_", "identity_embeddings_", "position_embeddings_"):
            setattr(model, name, tensors[name].numpy())
        model.embeddings_ = np.concatenate([model.identity_embeddings_, model.position_embeddings_], axis=1)
        model.walk_seed_ = int(config["walk_seed"])
        model.loss_history_ = list(config["loss_history"])
        kind = config["node_id_kind"]
        model.nodes_ = np.asarray(config["nodes"], dtype=np.int64 if kind == "int" else object)
        return model
