"""graphemb.sampling: random walks, knowledge-graph negatives (uniform, Bernoulli, chunk-shared,
LEMON), edge negatives and splits, k-hop neighbourhoods, all on torch tensors (CPU or CUDA)
driven by explicit generators."""

from .base import NegativeSampler
from .clustering import kmeans, nearest_clusters, reduce_dimensions, torch_kmeans
from .edges import EdgeSplit, negative_edges, split_edges
from .lemon import LemonNegativeSampler, add_lemon_arguments, lemon_sampler_from_args
from .negatives import BernoulliNegativeSampler, ChunkSharedNegativeSampler, SharedNegatives, UniformNegativeSampler
from .neighborhoods import NeighborhoodBatch, khop_neighborhoods, sample_neighborhoods
from .walks import GraphTensors, iter_random_walks, random_walks, walk_mask

__all__ = [
    "NegativeSampler",
    "GraphTensors", "random_walks", "iter_random_walks", "walk_mask",
    "UniformNegativeSampler", "BernoulliNegativeSampler", "ChunkSharedNegativeSampler", "SharedNegatives",
    "LemonNegativeSampler", "add_lemon_arguments", "lemon_sampler_from_args",
    "kmeans", "nearest_clusters", "reduce_dimensions", "torch_kmeans",
    "EdgeSplit", "negative_edges", "split_edges",
    "NeighborhoodBatch", "khop_neighborhoods", "sample_neighborhoods",
]
