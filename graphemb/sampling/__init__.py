"""graphemb.sampling: random walks, knowledge-graph negatives, edge negatives and splits,
k-hop neighbourhoods, all on torch tensors (CPU or CUDA) driven by explicit generators."""

from .base import NegativeSampler
from .walks import GraphTensors, iter_random_walks, random_walks, walk_mask
from .negatives import (BernoulliNegativeSampler, ChunkSharedNegativeSampler, SharedNegatives,
                        UniformNegativeSampler)
from .edges import EdgeSplit, negative_edges, split_edges
from .neighborhoods import NeighborhoodBatch, khop_neighborhoods, sample_neighborhoods

__all__ = [
    "NegativeSampler",
    "GraphTensors", "random_walks", "iter_random_walks", "walk_mask",
    "UniformNegativeSampler", "BernoulliNegativeSampler", "ChunkSharedNegativeSampler", "SharedNegatives",
    "EdgeSplit", "negative_edges", "split_edges",
    "NeighborhoodBatch", "khop_neighborhoods", "sample_neighborhoods",
]

from .clustering import kmeans, nearest_clusters, reduce_dimensions, torch_kmeans  # noqa: E402
from .lemon import LemonNegativeSampler, add_lemon_arguments, lemon_sampler_from_args  # noqa: E402

__all__ += ["LemonNegativeSampler", "add_lemon_arguments", "lemon_sampler_from_args", "kmeans",
            "nearest_clusters", "reduce_dimensions", "torch_kmeans"]
