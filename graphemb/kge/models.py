"""The embedding module shared by every KGE model: entity and relation tables plus an interaction.

Scoring follows the interaction split of PyKEEN (Ali et al., "PyKEEN 1.0", JMLR 2021): the
module looks up representations and hands them to an
:class:`~graphemb.kge.interactions.Interaction`, which defines the score. With
``reciprocal=True`` the relation table holds ``2R`` rows; relation ``r + R`` is the inverse
of ``r`` so head prediction ``(?, r, t)`` is answered as tail prediction ``(t, r + R, ?)``
(Lacroix et al., "Canonical Tensor Decomposition for Knowledge Base Completion", ICML 2018).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import InvalidParameterError
from .interactions import Interaction, make_interaction


class KGEModule(nn.Module):
    r"""Entity/relation embeddings and an interaction.

    Parameters
    ----------
    model : str
        Interaction name (see :data:`graphemb.kge.interactions.INTERACTIONS`).
    num_entities, num_relations : int
        Sizes; ``num_relations`` counts original relations only.
    dim : int
        ``D``: the width of one block (NFE-1 entities have ``2 D`` parameters: mean and scale).
    gamma : float
        Offset of distance-based scores.
    reciprocal : bool
        Keep ``2 R`` relation rows (inverse relations) and answer head queries through them.
    generator : torch.Generator, optional
        Drives the initialisation.
    interaction_kwargs : dict, optional
        Extra arguments of the interaction (e.g. ``{"p": 1}`` for TransE).
    init : {'default', 'xavier_normal', 'xavier_uniform', 'xavier_uniform_norm'}
        ``'default'`` is the interaction's own initialisation (uniform(-0.1, 0.1) as in the NFE
        reference); the Xavier/Glorot schemes (gain 1, fans from each table's shape) are LibKGE's
        choice in its published CoDEx configurations. ``'xavier_uniform_norm'`` is PyKEEN's TransE
        initialisation: rows uniform in :math:`(-a, a)`, :math:`a = \sqrt{6 / \mathrm{width}}`, then
        rescaled to unit L2 norm (PyKEEN's ``xavier_uniform_norm_`` for relations; its entities
        are ``xavier_uniform_`` followed by the unit-norm constraint, the same rows).
    entity_dropout, relation_dropout : float
        Dropout on looked-up embeddings while training (LibKGE's embedder dropout): every entity
        row used in a batch, the all-entity candidate table included, and every relation row.
        The masks are drawn from :attr:`dropout_generator` (set by the training loop), never
        from the global RNG.
    """

    def __init__(self, model: str, num_entities: int, num_relations: int, dim: int, gamma: float = 0.0,
                 reciprocal: bool = True, generator: Optional[torch.Generator] = None,
                 interaction_kwargs: Optional[Dict[str, Any]] = None, init: str = "default",
                 entity_dropout: float = 0.0, relation_dropout: float = 0.0) -> None:
        super().__init__()
        self.interaction: Interaction = make_interaction(model, gamma=gamma, **(interaction_kwargs or {}))
        self.model_name = self.interaction.name
        self.num_entities = int(num_entities)
        self.num_relations = int(num_relations)
        self.dim = int(dim)
        self.gamma = float(gamma)
        self.reciprocal = bool(reciprocal)
        self.interaction_kwargs = dict(interaction_kwargs or {})
        #: lookups produce sparse gradients (for torch.optim.SparseAdam); set by the training loop
        self.sparse_grad = False
        n_rel = 2 * self.num_relations if self.reciprocal else self.num_relations
        self.entity = nn.Parameter(torch.empty(self.num_entities, self.interaction.entity_blocks * self.dim))
        self.relation = nn.Parameter(torch.empty(n_rel, self.interaction.relation_blocks * self.dim))
        if generator is None:
            generator = torch.Generator().manual_seed(0)
        self.init = str(init)
        if self.init == "default":
            self.interaction.init_(self.entity, self.relation, generator)
        elif self.init in ("xavier_normal", "xavier_uniform"):
            fn = nn.init.xavier_normal_ if self.init == "xavier_normal" else nn.init.xavier_uniform_
            with torch.no_grad():
                fn(self.entity, generator=generator)
                fn(self.relation, generator=generator)
        elif self.init == "xavier_uniform_norm":
            with torch.no_grad():
                for table in (self.entity, self.relation):
                    bound = (6.0 / table.shape[1]) ** 0.5
                    table.uniform_(-bound, bound, generator=generator)
                    table.div_(torch.linalg.vector_norm(table, dim=1, keepdim=True).clamp_min_(1e-12))
        else:
            raise InvalidParameterError("init must be 'default', 'xavier_normal', 'xavier_uniform' or "
                                        f"'xavier_uniform_norm', got {init!r}")
        self.entity_dropout = float(entity_dropout)
        self.relation_dropout = float(relation_dropout)
        #: drives the dropout masks; the training loop sets one seeded from ``random_state``
        self.dropout_generator: Optional[torch.Generator] = None

    def config(self) -> Dict[str, Any]:
        """Constructor arguments (JSON-serialisable) to rebuild this module."""
        return {"model": self.model_name, "num_entities": self.num_entities, "num_relations": self.num_relations,
                "dim": self.dim, "gamma": self.gamma, "reciprocal": self.reciprocal,
                "interaction_kwargs": self.interaction_kwargs}

    # ------------------------------------------------------------------ scoring
    def score_hrt(self, triples: Tensor) -> Tensor:
        """Scores of id triples of shape (..., 3)."""
        return self.interaction.score_hrt(self._ent(triples[..., 0]), self._rel(triples[..., 1]),
                                          self._ent(triples[..., 2]))

    def _dropout(self, x: Tensor, p: float) -> Tensor:
        if p == 0.0 or not self.training:
            return x
        if self.dropout_generator is None or self.dropout_generator.device != x.device:
            self.dropout_generator = torch.Generator(device=x.device).manual_seed(0)
        keep = torch.rand(x.shape, generator=self.dropout_generator, device=x.device) >= p
        return x * keep.to(x.dtype) * (1.0 / (1.0 - p))

    def _ent(self, ids: Tensor) -> Tensor:
        return self._dropout(F.embedding(ids, self.entity, sparse=self.sparse_grad), self.entity_dropout)

    def _rel(self, ids: Tensor) -> Tensor:
        return self._dropout(F.embedding(ids, self.relation, sparse=self.sparse_grad), self.relation_dropout)

    def _candidates(self, candidates: Optional[Tensor]) -> Tensor:
        return self._dropout(self.entity, self.entity_dropout) if candidates is None else self._ent(candidates)

    def score_t(self, heads: Tensor, relations: Tensor, candidates: Optional[Tensor] = None) -> Tensor:
        """Scores (b, c) of queries ``(h, r, ?)`` against all entities, or the ``c`` ids in ``candidates``.

        ``relations`` may be ``>= R`` (inverse relations) when the module is reciprocal.
        """
        return self.interaction.score_t(self._ent(heads), self._rel(relations), self._candidates(candidates))

    def score_h(self, relations: Tensor, tails: Tensor, candidates: Optional[Tensor] = None) -> Tensor:
        """Scores (b, c) of queries ``(?, r, t)`` against all entities (or ``candidates``).

        With reciprocal relations this is ``score_t(t, r + R)``, the model trained for it.
        """
        if self.reciprocal:
            return self.score_t(tails, relations + self.num_relations, candidates)
        return self.interaction.score_h(self._rel(relations), self._ent(tails), self._candidates(candidates))

    def score_negatives(self, negatives: Tensor) -> Tensor:
        """Scores (b, k) of negative triples (b, k, 3)."""
        return self.score_hrt(negatives)

    def embeddings(self, kind: str = "entity") -> Tensor:
        """A detached copy of the entity or relation table."""
        return (self.entity if kind == "entity" else self.relation).detach().clone()
