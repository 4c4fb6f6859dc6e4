"""Memory and communication model of graphemb's distributed runners.

FastRP (row partition, all-gather of the previous iterate)
-----------------------------------------------------------
With ``n`` nodes, ``m`` stored adjacency entries (both directions of an undirected edge),
``d`` dimensions, ``P`` ranks, ``b`` bytes per value (4 for float32), ``K`` propagation
steps, every rank holds its ``n/P`` rows of the propagation operator (int64 row pointers,
int64 column ids and float32 values), the full previous iterate (``n x d``, gathered
from all ranks), and three ``n/P x d`` buffers (its rows of the current power, of the
weighted sum and of the all-gather's send buffer):

.. math::

    \\text{mem}_{rank} \\approx \\frac{8n + 12m}{P} + n d b + 3 \\frac{n}{P} d b

    \\text{recv}_{rank} = K \\cdot \\frac{P - 1}{P} \\, n d b  \\quad\\text{bytes per run.}

The ``n d b`` term does not shrink with ``P``: all-gather trades memory for simplicity.
At 100M nodes and d=128 it is 51 GB per rank, so beyond ~10M nodes per machine the
halo exchange (each rank receives only the rows its columns reference, at most
``min(n, m/P)`` rows) is the way to scale; graphemb implements the all-gather form.

KGE (data parallel, replicated embeddings)
------------------------------------------
Every rank holds the full parameters (``E`` entities x ``w_e`` values, ``R`` relations x
``w_r`` values), their gradient and Adam's two moments, plus the batch's score matrix
(``B x E`` for 1-vs-all, ``B x k`` for ``k`` negatives). Per step the gradient is
all-reduced (ring all-reduce sends ``2 (P-1)/P`` times its size per rank); a dense
gradient is the whole parameter tensor:

.. math::

    \\text{mem}_{rank} \\approx 4 (E w_e + R w_r) b + B \\cdot \\text{cols} \\cdot b \\cdot 3

    \\text{sent}_{rank} = \\frac{T}{P B} \\cdot 2 \\frac{P-1}{P} (E w_e + R w_r) b  \\quad\\text{bytes per epoch}

for ``T`` training triples and batch ``B`` per rank. Entity-partitioned training
(PyTorch-BigGraph buckets) would divide the ``E w_e`` terms by ``P``; it is not
implemented (see :mod:`graphemb.distributed.kge`).

:func:`projection_table` evaluates both at the 100M-node scale used in the docs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import List

from ..utils.validation import check_int


@dataclass
class ScaleEstimate:
    """Per-rank memory (bytes) and communication (bytes per run or epoch)."""

    what: str
    ranks: int
    memory_bytes: int
    communication_bytes: int

    def as_dict(self) -> dict:
        d = asdict(self)
        d["memory_gib"] = self.memory_bytes / 2**30
        d["communication_gib"] = self.communication_bytes / 2**30
        return d


def fastrp_per_rank(num_nodes: int, num_entries: int, dim: int, ranks: int, steps: int = 3,
                    value_bytes: int = 4) -> ScaleEstimate:
    """Per-rank memory and received bytes of distributed FastRP (all-gather form)."""
    n = check_int(num_nodes, "num_nodes", min_value=1)
    m = check_int(num_entries, "num_entries", min_value=0)
    d = check_int(dim, "dim", min_value=1)
    P = check_int(ranks, "ranks", min_value=1)
    K = check_int(steps, "steps", min_value=1)
    local = -(-n // P)
    mem = 8 * (local + 1) + 12 * (-(-m // P)) + n * d * value_bytes + 3 * local * d * value_bytes
    comm = K * (P - 1) * local * d * value_bytes
    return ScaleEstimate("fastrp", P, int(mem), int(comm))


def kge_per_rank(num_entities: int, num_relations: int, entity_width: int, relation_width: int,
                 num_triples: int, batch_size: int, ranks: int, score_columns: int,
                 value_bytes: int = 4) -> ScaleEstimate:
    """Per-rank memory and sent bytes per epoch of data-parallel KGE with replicated embeddings.

    ``entity_width`` / ``relation_width``: real values per entity / relation row (e.g.
    ``2 * dim`` for ComplEx, ``3 * dim`` for NFE-1 entities); ``score_columns``: ``E``
    for 1-vs-all, ``k`` (negatives + 1) for negative sampling.
    """
    P = check_int(ranks, "ranks", min_value=1)
    params = num_entities * entity_width + num_relations * relation_width
    mem = 4 * params * value_bytes + 3 * batch_size * score_columns * value_bytes
    steps = -(-num_triples // (P * batch_size))
    comm = int(steps * 2 * (P - 1) / P * params * value_bytes)
    return ScaleEstimate("kge", P, int(mem), comm)


def projection_table(num_nodes: int = 100_000_000, avg_degree: int = 20, dim: int = 128,
                     ranks: List[int] = (1, 8, 64)) -> List[dict]:
    """FastRP per-rank figures for a large graph (default: 100M nodes, 2B entries)."""
    return [fastrp_per_rank(num_nodes, num_nodes * avg_degree, dim, p).as_dict() for p in ranks]
