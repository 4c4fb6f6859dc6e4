"""Knowledge-graph negative samplers: uniform, Bernoulli, filtered and chunk-shared.

Uniform corruption follows Bordes et al., "Translating Embeddings for Modeling
Multi-relational Data" (NeurIPS 2013); Bernoulli corruption follows Wang et al.,
"Knowledge Graph Embedding by Translating on Hyperplanes" (AAAI 2014); chunk-shared
negatives follow Zheng et al., "DGL-KE: Training Knowledge Graph Embeddings at Scale"
(SIGIR 2020).

A negative replaces the head (probability :math:`\\pi_r`) or the tail of a positive
:math:`(h, r, t)` by an entity drawn uniformly from the *other* entities. The shift trick
draws :math:`z \\sim U\\{0, \\dots, E-2\\}` and uses

.. math::

    e' = z + [z \\ge e],

which is uniform over :math:`\\{0..E-1\\} \\setminus \\{e\\}`, so a negative never equals its
positive. Bernoulli sampling uses :math:`\\pi_r = \\mathrm{tph}_r / (\\mathrm{tph}_r + \\mathrm{hpt}_r)`
(see :meth:`graphemb.kg.KnowledgeGraph.relation_stats`).

Relation ids: a per-relation ``head_prob`` of length ``R`` also serves reciprocal
relations ``R..2R-1`` (the inverse of ``r`` is ``r + R``): heads and tails swap, so
``head_prob[r + R] = 1 - head_prob[r]``. Ids ``>= 2R`` raise.

Filtering: with a :class:`~graphemb.kg.FilterIndex`, negatives that are known true
triples are redrawn up to ``max_resample_rounds`` times; the few left after that are
drawn exactly from the complement (all candidate entities minus known ones). A known
triple is never returned; a positive whose side has no unknown candidate raises
:class:`~graphemb.errors.InvalidTriplesError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from ..errors import InvalidParameterError, InvalidTriplesError
from ..utils.validation import check_choice, check_int
from .base import NegativeSampler

__all__ = ["UniformNegativeSampler", "BernoulliNegativeSampler", "ChunkSharedNegativeSampler",
           "SharedNegatives"]


def _check_positives(positives: torch.Tensor, num_entities: int) -> torch.Tensor:
    if not torch.is_tensor(positives):
        raise InvalidTriplesError(f"positives must be a torch LongTensor of shape (b, 3), got "
                                  f"{type(positives).__name__}")
    if positives.ndim != 2 or positives.shape[1] != 3:
        raise InvalidTriplesError(f"positives must have shape (b, 3), got {tuple(positives.shape)}")
    if positives.dtype != torch.int64:
        if positives.dtype.is_floating_point or positives.dtype == torch.bool:
            raise InvalidTriplesError(f"positives must hold integer ids, got dtype {positives.dtype}")
        positives = positives.long()
    return positives


class _FilterMixin:
    """Filtering against a :class:`~graphemb.kg.FilterIndex` (keys kept per device)."""

    filter_index = None
    max_resample_rounds: int = 10

    def _keys_on(self, device: torch.device) -> torch.Tensor:
        cache = self.__dict__.setdefault("_filter_keys", {})
        if device not in cache:
            cache[device] = torch.as_tensor(self.filter_index.keys, dtype=torch.int64, device=device)
        return cache[device]

    def _known(self, triples: torch.Tensor) -> torch.Tensor:
        fi = self.filter_index
        keys = self._keys_on(triples.device)
        if keys.numel() == 0:
            return torch.zeros(triples.shape[:-1], dtype=torch.bool, device=triples.device)
        codes = (triples[..., 0] * fi.num_relations + triples[..., 1]) * fi.num_entities + triples[..., 2]
        pos = torch.searchsorted(keys, codes).clamp_(max=keys.numel() - 1)
        return keys[pos] == codes

    def _check_filter_relations(self, positives: torch.Tensor) -> None:
        if positives.numel() and int(positives[:, 1].max()) >= self.filter_index.num_relations:
            raise InvalidTriplesError(
                f"a positive has relation id {int(positives[:, 1].max())} but the filter index knows "
                f"{self.filter_index.num_relations} relations (build it with reciprocal=True for inverse relations)")

    def _apply_filter(self, positives: torch.Tensor, neg: torch.Tensor, head_side: torch.Tensor,
                      generator: Optional[torch.Generator]) -> torch.Tensor:
        """Redraw negatives that are known triples; exact complement sampling for the rest."""
        E = self.num_entities
        bad = self._known(neg)
        for _ in range(self.max_resample_rounds):
            if not bool(bad.any()):
                return neg
            bi, ki = torch.nonzero(bad, as_tuple=True)
            side = head_side[bi, ki]
            orig = torch.where(side, positives[bi, 0], positives[bi, 2])
            z = torch.randint(0, E - 1, orig.shape, generator=generator, device=neg.device)
            z = z + (z >= orig).long()
            neg[bi, ki, 0] = torch.where(side, z, positives[bi, 0])
            neg[bi, ki, 2] = torch.where(side, positives[bi, 2], z)
            bad[bi, ki] = self._known(neg[bi, ki])
        if bool(bad.any()):
            self._exact_complement(positives, neg, head_side, bad, generator)
        return neg

    def _exact_complement(self, positives, neg, head_side, bad, generator) -> None:
        E = self.num_entities
        dev = neg.device
        candidates = torch.arange(E, device=dev)
        for b, k in torch.nonzero(bad).tolist():
            h, r, t = (int(x) for x in positives[b])
            side = bool(head_side[b, k])
            trip = torch.empty((E, 3), dtype=torch.int64, device=dev)
            trip[:, 0] = candidates if side else h
            trip[:, 1] = r
            trip[:, 2] = t if side else candidates
            ok = ~self._known(trip)
            ok[h if side else t] = False
            free = torch.nonzero(ok).squeeze(1)
            if free.numel() == 0:
                raise InvalidTriplesError(
                    f"cannot corrupt the {'head' if side else 'tail'} of ({h}, {r}, {t}): every entity "
                    f"gives a known true triple")
            pick = torch.randint(0, free.numel(), (1,), generator=generator, device=dev)
            neg[b, k] = trip[free[pick][0]]


class BernoulliNegativeSampler(_FilterMixin, NegativeSampler):
    """Corrupt heads with a per-relation probability (Wang et al., AAAI 2014, "bern").

    Parameters
    ----------
    num_entities : int
    num_negatives : int
        ``k``, negatives per positive.
    head_prob : array-like of float, shape (R,)
        Probability of corrupting the head for each relation; ids in ``[R, 2R)`` are
        reciprocal relations and use ``1 - head_prob[r - R]``.
    filter_index : FilterIndex, optional
        Known true triples never returned as negatives.
    max_resample_rounds : int
        Rejection rounds before exact complement sampling of what is left.

    Examples
    --------
    >>> import torch
    >>> s = BernoulliNegativeSampler(10, 4, [0.9, 0.1])
    >>> s.corrupt(torch.tensor([[0, 1, 2]]), torch.Generator().manual_seed(0)).shape
    torch.Size([1, 4, 3])
    """

    def __init__(self, num_entities: int, num_negatives: int, head_prob, *, filter_index=None,
                 max_resample_rounds: int = 10) -> None:
        self.num_entities = check_int(num_entities, "num_entities", min_value=2)
        self.num_negatives = check_int(num_negatives, "num_negatives", min_value=1)
        hp = np.asarray(head_prob, dtype=np.float64).reshape(-1)
        if hp.size == 0 or not np.all(np.isfinite(hp)) or hp.min() < 0 or hp.max() > 1:
            raise InvalidParameterError("head_prob must be a non-empty array of probabilities in [0, 1]")
        self.head_prob = hp
        self.filter_index = filter_index
        self.max_resample_rounds = check_int(max_resample_rounds, "max_resample_rounds", min_value=0)
        self._prob_cache: dict = {}

    @classmethod
    def from_kg(cls, kg, num_negatives: int, *, filtered: bool = False, triples=None,
                **kwargs) -> "BernoulliNegativeSampler":
        """Sampler with ``head_prob`` from ``kg.relation_stats(triples)`` (train by default);
        ``filtered=True`` filters against all known triples (with reciprocals)."""
        stats = kg.relation_stats(triples)
        fi = kg.filter_index() if filtered else kwargs.pop("filter_index", None)
        return cls(kg.num_entities, num_negatives, stats.head_prob, filter_index=fi, **kwargs)

    def _head_probs(self, relations: torch.Tensor) -> torch.Tensor:
        R = len(self.head_prob)
        dev = relations.device
        if dev not in self._prob_cache:
            full = np.concatenate([self.head_prob, 1.0 - self.head_prob]).astype(np.float32)
            self._prob_cache[dev] = torch.as_tensor(full, device=dev)
        if relations.numel() and (int(relations.max()) >= 2 * R or int(relations.min()) < 0):
            raise InvalidTriplesError(f"relation ids must be in [0, {2 * R}) for head_prob of length {R} "
                                      f"(ids >= {R} are reciprocal), got {int(relations.max())}")
        return self._prob_cache[dev][relations]

    def _head_side(self, positives: torch.Tensor, generator) -> torch.Tensor:
        b, k = positives.shape[0], self.num_negatives
        u = torch.rand((b, k), generator=generator, device=positives.device)
        return u < self._head_probs(positives[:, 1]).unsqueeze(1)

    def corrupt(self, positives: torch.Tensor, generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Negatives ``(b, k, 3)`` (int64, device of ``positives``), each differing from its
        positive in exactly the head or the tail and never equal to it."""
        positives = _check_positives(positives, self.num_entities)
        if self.filter_index is not None:
            self._check_filter_relations(positives)
        head_side = self._head_side(positives, generator)
        return self._corrupt_sides(positives, head_side, generator)

    def _corrupt_sides(self, positives, head_side, generator, z=None) -> torch.Tensor:
        b, k = positives.shape[0], self.num_negatives
        if z is None:
            z = torch.randint(0, self.num_entities - 1, (b, k), generator=generator, device=positives.device)
        neg = positives.unsqueeze(1).repeat(1, k, 1)
        h, t = neg[:, :, 0], neg[:, :, 2]
        z += z >= torch.where(head_side, h, t)  # shift trick: never the replaced entity
        h.copy_(torch.where(head_side, z, h))
        t.copy_(torch.where(head_side, t, z))
        if self.filter_index is not None:
            neg = self._apply_filter(positives, neg, head_side, generator)
        return neg


class UniformNegativeSampler(BernoulliNegativeSampler):
    """Uniform head or tail corruption (Bordes et al., NeurIPS 2013).

    Parameters
    ----------
    num_entities, num_negatives : int
    corrupt : {"both", "head", "tail"}
        Which side to replace. ``"both"``: without filtering the first ``ceil(k/2)``
        negatives of each positive replace the head and the rest the tail (PyKEEN's
        split, the fastest form); with filtering each negative picks a side with
        probability 1/2.
    filter_index, max_resample_rounds
        As in :class:`BernoulliNegativeSampler`.
    """

    def __init__(self, num_entities: int, num_negatives: int, *, corrupt: str = "both", filter_index=None,
                 max_resample_rounds: int = 10) -> None:
        check_choice(corrupt, "corrupt", ("both", "head", "tail"))
        prob = {"both": 0.5, "head": 1.0, "tail": 0.0}[corrupt]
        super().__init__(num_entities, num_negatives, [prob], filter_index=filter_index,
                         max_resample_rounds=max_resample_rounds)
        self.side = corrupt

    @classmethod
    def from_kg(cls, kg, num_negatives: int, *, filtered: bool = False, **kwargs) -> "UniformNegativeSampler":
        """Sampler over ``kg``'s entities; ``filtered=True`` filters against all known triples."""
        fi = kg.filter_index() if filtered else kwargs.pop("filter_index", None)
        return cls(kg.num_entities, num_negatives, filter_index=fi, **kwargs)

    def corrupt(self, positives: torch.Tensor, generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Negatives ``(b, k, 3)``; see :meth:`BernoulliNegativeSampler.corrupt`."""
        if self.side != "both":
            return super().corrupt(positives, generator)
        positives = _check_positives(positives, self.num_entities)
        if self.filter_index is not None:
            self._check_filter_relations(positives)
        b, k = positives.shape[0], self.num_negatives
        if self.filter_index is not None:
            head_side = torch.rand((b, k), generator=generator, device=positives.device) < 0.5
            return self._corrupt_sides(positives, head_side, generator)
        # unfiltered fast path (as PyKEEN does): the first ceil(k/2) negatives of every
        # positive corrupt the head, the rest the tail; shift trick in place
        kh = (k + 1) // 2
        neg = positives.unsqueeze(1).repeat(1, k, 1)
        z = torch.randint(0, self.num_entities - 1, (b, k), generator=generator, device=positives.device)
        zh, zt = z[:, :kh], z[:, kh:]
        zh += zh >= neg[:, :kh, 0]
        zt += zt >= neg[:, kh:, 2]
        neg[:, :kh, 0] = zh
        neg[:, kh:, 2] = zt
        return neg

    def _head_side(self, positives: torch.Tensor, generator) -> torch.Tensor:
        b, k = positives.shape[0], self.num_negatives
        if self.side == "head":
            return torch.ones((b, k), dtype=torch.bool, device=positives.device)
        if self.side == "tail":
            return torch.zeros((b, k), dtype=torch.bool, device=positives.device)
        return torch.rand((b, k), generator=generator, device=positives.device) < 0.5


@dataclass
class SharedNegatives:
    """Chunk-shared negatives: positives ``b`` are split into chunks of ``chunk_size``
    (the last may be shorter); chunk ``c`` scores its positives against the entities
    ``entities[c]`` (k,) placed on the head side when ``corrupt_head[c]`` else the tail side.
    ``collision[i, j]`` marks a negative entity equal to the replaced entity of positive
    ``i`` (mask it out of the loss: that "negative" is the positive itself)."""

    entities: torch.Tensor
    corrupt_head: torch.Tensor
    chunk_size: int
    collision: torch.Tensor

    def chunk_of(self, num_positives: int) -> torch.Tensor:
        """Chunk id of each positive."""
        return torch.arange(num_positives, device=self.entities.device) // self.chunk_size


class ChunkSharedNegativeSampler(NegativeSampler):
    """One set of ``k`` corruptions shared by each chunk of positives (DGL-KE, Zheng et al.,
    SIGIR 2020), so scores are a matrix product ``(chunk, d) x (d, k)``.

    Chunks alternate head and tail corruption (chunk 0 heads, chunk 1 tails, ...) when
    ``corrupt="both"``. :meth:`sample` returns the compact :class:`SharedNegatives`;
    :meth:`corrupt` expands them to ``(b, k, 3)`` and replaces a collision (a shared
    entity equal to the positive's) by the shift trick, so the interface contract holds.
    Shared negatives are not filtered.
    """

    def __init__(self, num_entities: int, num_negatives: int, chunk_size: int = 256, *,
                 corrupt: str = "both") -> None:
        self.num_entities = check_int(num_entities, "num_entities", min_value=2)
        self.num_negatives = check_int(num_negatives, "num_negatives", min_value=1)
        self.chunk_size = check_int(chunk_size, "chunk_size", min_value=1)
        self.side = check_choice(corrupt, "corrupt", ("both", "head", "tail"))

    @classmethod
    def from_kg(cls, kg, num_negatives: int, chunk_size: int = 256, **kwargs) -> "ChunkSharedNegativeSampler":
        """Sampler over ``kg``'s entities."""
        return cls(kg.num_entities, num_negatives, chunk_size, **kwargs)

    def sample(self, positives: torch.Tensor, generator: Optional[torch.Generator] = None) -> SharedNegatives:
        """Shared negatives for ``positives`` (b, 3)."""
        positives = _check_positives(positives, self.num_entities)
        dev = positives.device
        b = positives.shape[0]
        num_chunks = max((b + self.chunk_size - 1) // self.chunk_size, 1)
        ents = torch.randint(0, self.num_entities, (num_chunks, self.num_negatives), generator=generator,
                             device=dev)
        chunk_ids = torch.arange(num_chunks, device=dev)
        if self.side == "both":
            head = chunk_ids % 2 == 0
        else:
            head = torch.full((num_chunks,), self.side == "head", dtype=torch.bool, device=dev)
        chunk_of = torch.arange(b, device=dev) // self.chunk_size
        replaced = torch.where(head[chunk_of], positives[:, 0], positives[:, 2])
        collision = ents[chunk_of] == replaced.unsqueeze(1)
        return SharedNegatives(ents, head, self.chunk_size, collision)

    def corrupt(self, positives: torch.Tensor, generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Expanded ``(b, k, 3)`` form of :meth:`sample` (collisions shifted away)."""
        positives = _check_positives(positives, self.num_entities)
        shared = self.sample(positives, generator)
        chunk_of = shared.chunk_of(positives.shape[0])
        z = shared.entities[chunk_of]
        head = shared.corrupt_head[chunk_of].unsqueeze(1)
        orig = torch.where(head, positives[:, 0:1], positives[:, 2:3])
        shift = torch.randint(0, self.num_entities - 1, z.shape, generator=generator, device=z.device)
        z = torch.where(shared.collision, (orig + 1 + shift) % self.num_entities, z)
        neg = positives.unsqueeze(1).repeat(1, self.num_negatives, 1)
        neg[:, :, 0] = torch.where(head, z, neg[:, :, 0])
        neg[:, :, 2] = torch.where(head, neg[:, :, 2], z)
        return neg
