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

from .interactions import Interaction, make_interaction


class KGEModule(nn.Module):
    """Entity/relation embeddings and an interaction.

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
    """

    def __init__(self, model: str, num_entities: int, num_relations: int, dim: int, gamma: float = 0.0,
                 reciprocal: bool = True, generator: Optional[torch.Generator] = None,
                 interaction_kwargs: Optional[Dict[str, Any]] = None) -> None:
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
        self.interaction.init_(self.entity, self.relation, generator)

    def config(self) -> Dict[str, Any]:
        """Constructor arguments (JSON-serialisable) to rebuild this module."""
        return {"model": self.model_name, "num_entities": self.num_entities, "num_relations": self.num_relations,
                "dim": self.dim, "gamma": self.gamma, "reciprocal": self.reciprocal,
                "interaction_kwargs": self.interaction_kwargs}

    # ------------------------------------------------------------------ scoring
    def score_hrt(self, triples: Tensor) -> Tensor:
        """Scores of id triples of shape (..., 3)."""
        return self.interaction.score_hrt(self._emb(triples[..., 0], self.entity),
                                          self._emb(triples[..., 1], self.relation),
                                          self._emb(triples[..., 2], self.entity))

    def _emb(self, ids: Tensor, table: Tensor) -> Tensor:
        return F.embedding(ids, table, sparse=self.sparse_grad)

    def _candidates(self, candidates: Optional[Tensor]) -> Tensor:
        return self.entity if candidates is None else self._emb(candidates, self.entity)

    def score_t(self, heads: Tensor, relations: Tensor, candidates: Optional[Tensor] = None) -> Tensor:
        """Scores (b, c) of queries ``(h, r, ?)`` against all entities, or the ``c`` ids in ``candidates``.

        ``relations`` may be ``>= R`` (inverse relations) when the module is reciprocal.
        """
        return self.interaction.score_t(self._emb(heads, self.entity), self._emb(relations, self.relation),
                                        self._candidates(candidates))

    def score_h(self, relations: Tensor, tails: Tensor, candidates: Optional[Tensor] = None) -> Tensor:
        """Scores (b, c) of queries ``(?, r, t)`` against all entities (or ``candidates``).

        With reciprocal relations this is ``score_t(t, r + R)``, the model trained for it.
        """
        if self.reciprocal:
            return self.score_t(tails, relations + self.num_relations, candidates)
        return self.interaction.score_h(self._emb(relations, self.relation), self._emb(tails, self.entity),
                                        self._candidates(candidates))

    def score_negatives(self, negatives: Tensor) -> Tensor:
        """Scores (b, k) of negative triples (b, k, 3)."""
        return self.score_hrt(negatives)

    def embeddings(self, kind: str = "entity") -> Tensor:
        """A detached copy of the entity or relation table."""
        return (self.entity if kind == "entity" else self.relation).detach().clone()
