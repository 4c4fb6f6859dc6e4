"""The negative-sampler interface shared by every knowledge-graph negative sampler.

A sampler corrupts positive triples ``(b, 3)`` (columns head, relation, tail; int64
tensor on any device) into negatives ``(b, k, 3)`` on the same device, driven by an
explicit ``torch.Generator``. Uniform, Bernoulli, filtered and LEMON samplers all
implement it, so every negative-sampling model in :mod:`graphemb.kge` accepts any of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Optional

import torch


class NegativeSampler(ABC):
    """Base class: ``corrupt(positives) -> negatives``.

    Attributes
    ----------
    num_entities : int
    num_negatives : int
        ``k``, negatives per positive.
    """

    num_entities: int
    num_negatives: int

    @abstractmethod
    def corrupt(self, positives: torch.Tensor, generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Return negatives of shape ``(b, k, 3)`` (int64, device of ``positives``).

        Each negative differs from its positive in exactly one of head or tail, and
        never equals its positive.
        """

    def __call__(self, positives: torch.Tensor, generator: Optional[torch.Generator] = None) -> torch.Tensor:
        return self.corrupt(positives, generator)
