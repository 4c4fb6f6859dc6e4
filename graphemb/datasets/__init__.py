"""Dataset loaders for the benchmark data (see ``../shared/datasets/README.md``).

>>> from graphemb import datasets
>>> kg = datasets.load_kg("umls")             # KnowledgeGraph with train/valid/test
>>> ds = datasets.load_graph("airports-brazil")  # NodeDataset: graph + role labels
"""

from .graph_loaders import GRAPH_DATASETS, NodeDataset, load_graph, load_tag
from .kg_loaders import KG_DATASETS, load_codex_negatives, load_kg
from .ogb import OGBData, load_ogb
from .paths import candidate_roots, find_path
from .registry import list_datasets
from .semantics import load_analogies, load_word_similarity

__all__ = [
    "GRAPH_DATASETS", "KG_DATASETS", "NodeDataset", "OGBData", "candidate_roots", "find_path", "list_datasets",
    "load_analogies", "load_codex_negatives", "load_graph", "load_kg", "load_ogb", "load_tag",
    "load_word_similarity",
]
