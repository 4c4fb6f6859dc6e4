"""graphemb: graph and knowledge-graph embeddings (FastRP, IRWE, NFE, LEMON) with
reconstruction-based evaluation.

>>> import graphemb as ge
>>> G = ge.as_graph([[0, 1], [1, 0]])
>>> G
Graph(undirected, nodes=2, edges=1)
"""

from __future__ import annotations

import importlib
from typing import Any

from ._base import BaseEstimator, clone
from .errors import (CheckpointError, DatasetNotFoundError, DeviceError, GraphembError, InvalidGraphError,
                     InvalidParameterError, InvalidTriplesError, MissingDependencyError, NotFittedError,
                     OutOfMemoryEstimateError, UnknownLabelError)
from .graph import Graph  # noqa: I001 - graph before convert (convert imports Graph)
from .convert import as_graph
from .io_edgelist import read_edgelist
from .kg import KnowledgeGraph, Vocabulary, read_triples

__version__ = "0.1.0"

# subpackages and estimators imported on first use (keeps ``import graphemb`` light)
_LAZY_MODULES = ("datasets", "sampling", "node", "kge", "text", "evaluation", "distributed", "utils")
_LAZY_ATTRS = {
    "FastRP": (".node.fastrp", "FastRP"),
    "IRWE": (".node.irwe", "IRWE"),
    "DeepWalk": (".node.skipgram", "DeepWalk"),
    "Node2Vec": (".node.skipgram", "Node2Vec"),
    "HOPE": (".node.hope", "HOPE"),
    "SDNE": (".node.sdne", "SDNE"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_ATTRS:
        module, attr = _LAZY_ATTRS[name]
        return getattr(importlib.import_module(module, __name__), attr)
    raise AttributeError(f"module 'graphemb' has no attribute {name!r}")


def __dir__() -> list:
    return sorted(list(globals()) + list(_LAZY_MODULES) + list(_LAZY_ATTRS))


__all__ = [
    "BaseEstimator", "clone", "Graph", "as_graph", "read_edgelist", "KnowledgeGraph", "Vocabulary", "read_triples",
    "GraphembError", "InvalidGraphError", "InvalidTriplesError", "InvalidParameterError", "NotFittedError",
    "DatasetNotFoundError", "DeviceError", "OutOfMemoryEstimateError", "UnknownLabelError", "CheckpointError",
    "MissingDependencyError", "__version__",
]
