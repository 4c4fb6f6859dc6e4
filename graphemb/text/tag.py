"""Text-attributed graphs: a graph whose nodes carry text (and optionally labels).

Loaders: the CiteSeer citation graph with paper text (``tag/citeseer`` of the shared
benchmark data, through :func:`graphemb.datasets.load_tag`) and knowledge graphs with
entity text (FB15k-237, WN18RR, UMLS, ConceptNet-100k) as entity graphs.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Union

import numpy as np

from ..errors import InvalidGraphError, InvalidParameterError
from ..graph import Graph, as_graph
from .base import TextEncoder

#: placeholder given to nodes without text unless the caller chooses another
DEFAULT_PLACEHOLDER = ""


def fill_missing_texts(texts: Sequence[Optional[str]], placeholder: str = DEFAULT_PLACEHOLDER,
                       what: str = "nodes", warn: bool = True) -> tuple:
    """Replace missing (``None``) and blank texts by ``placeholder``.

    Returns ``(texts, missing)`` where ``missing`` is a boolean mask of the replaced
    entries. When any are replaced and ``warn`` is true a ``UserWarning`` says how many.
    """
    if not isinstance(placeholder, str):
        raise InvalidParameterError(f"placeholder must be a str, got {placeholder!r}")
    out: List[str] = []
    missing = np.zeros(len(texts), dtype=bool)
    for i, t in enumerate(texts):
        if t is None or (isinstance(t, str) and not t.strip()):
            missing[i] = True
            out.append(placeholder)
        elif isinstance(t, str):
            out.append(t)
        else:
            raise InvalidParameterError(f"texts[{i}] must be a str or None, got {type(t).__name__}")
    k = int(missing.sum())
    if k and warn:
        warnings.warn(f"{k} of {len(out)} {what} have no text; they get the placeholder {placeholder!r} "
                      f"(see the 'missing_text' mask)", UserWarning, stacklevel=3)
    return out, missing


@dataclass(eq=False)
class TextAttributedGraph:
    """A graph with one text per node and optional node labels.

    Attributes
    ----------
    graph : Graph
        Row ``i`` of the graph is node ``i``; ``graph.node_ids[i]`` its original id.
    texts : list of str
        One text per node; nodes without text hold ``placeholder``.
    missing_text : ndarray of bool, shape (n,)
        True where the source had no (or blank) text.
    labels : ndarray of int64, shape (n,), or None
        Class per node, -1 where unknown.
    label_names : list of str or None
    placeholder : str
        What nodes without text hold.
    name : str

    Examples
    --------
    >>> tag = load_citeseer_tag()                          # doctest: +SKIP
    >>> X = tag.encode("minilm")                           # float32 (3327, 384)
    >>> idx = tag.labelled_nodes()                         # the 3,186 papers with text
    """

    graph: Graph
    texts: List[str]
    missing_text: np.ndarray
    labels: Optional[np.ndarray] = None
    label_names: Optional[List[str]] = None
    placeholder: str = DEFAULT_PLACEHOLDER
    name: str = "tag"
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.graph.num_nodes
        if len(self.texts) != n:
            raise InvalidGraphError(f"texts has {len(self.texts)} entries but the graph has {n} nodes")
        self.missing_text = np.asarray(self.missing_text, dtype=bool)
        if self.missing_text.shape != (n,):
            raise InvalidGraphError(f"missing_text must have shape ({n},), got {self.missing_text.shape}")
        if self.labels is not None:
            self.labels = np.asarray(self.labels, dtype=np.int64)
            if self.labels.shape != (n,):
                raise InvalidGraphError(f"labels must have shape ({n},), got {self.labels.shape}")

    @classmethod
    def from_texts(cls, graph, texts: Sequence[Optional[str]], labels=None, *, placeholder: str = DEFAULT_PLACEHOLDER,
                   label_names: Optional[List[str]] = None, name: str = "tag") -> "TextAttributedGraph":
        """Build from anything :func:`~graphemb.graph.as_graph` accepts plus texts (``None`` = missing)."""
        g = as_graph(graph)
        if len(texts) != g.num_nodes:
            raise InvalidGraphError(f"texts has {len(texts)} entries but the graph has {g.num_nodes} nodes")
        filled, missing = fill_missing_texts(texts, placeholder)
        return cls(g, filled, missing, None if labels is None else np.asarray(labels), label_names, placeholder, name)

    @property
    def num_nodes(self) -> int:
        return self.graph.num_nodes

    @property
    def num_classes(self) -> int:
        if self.labels is None:
            raise InvalidParameterError(f"text-attributed graph {self.name!r} has no labels")
        return int(self.labels.max()) + 1

    def labelled_nodes(self) -> np.ndarray:
        """Row indices of nodes with a label (>= 0)."""
        if self.labels is None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.labels >= 0)

    def encode(self, encoder: Union[str, TextEncoder] = "minilm", batch_size: Optional[int] = None,
               verbose: bool = False, **encoder_kwargs) -> np.ndarray:
        """Encode every node text (placeholders included): float32 ``(num_nodes, dim)``."""
        from .registry import get_encoder

        return get_encoder(encoder, **encoder_kwargs).encode(self.texts, batch_size=batch_size, verbose=verbose)

    def __repr__(self) -> str:
        lab = f", classes={self.num_classes}" if self.labels is not None else ""
        return (f"TextAttributedGraph({self.name!r}, nodes={self.num_nodes}, edges={self.graph.num_edges}, "
                f"missing_text={int(self.missing_text.sum())}{lab})")


def load_citeseer_tag(root: Optional[Union[str, os.PathLike]] = None,
                      placeholder: str = DEFAULT_PLACEHOLDER) -> TextAttributedGraph:
    """CiteSeer with paper text: 3,327 nodes, 3,186 with text and one of 6 labels.

    Built on :func:`graphemb.datasets.load_tag`: nodes are every id in
    ``citeseer.cites`` plus every paper with text, sorted; citations are symmetrised
    (self-citations kept, repeats merged). The 141 ids without text get
    ``placeholder`` (a warning counts them) and label -1.
    """
    from ..datasets import load_tag

    ds = load_tag("citeseer", root)
    texts, missing = fill_missing_texts(ds.texts, placeholder, what="CiteSeer nodes")
    return TextAttributedGraph(ds.graph, texts, missing, ds.labels, ds.label_names, placeholder, "citeseer-text")


def kg_entity_graph(kg, field_name: str = "auto", placeholder: str = DEFAULT_PLACEHOLDER,
                    splits: Sequence[str] = ("train",)) -> TextAttributedGraph:
    """A knowledge graph as a text-attributed entity graph.

    Nodes are the entities (in vocabulary order), undirected unweighted edges join the
    head and tail of every triple in ``splits`` (relations dropped, repeats merged),
    texts come from :meth:`KnowledgeGraph.entity_texts` (``'auto'``: ``"name,
    description"``). There are no labels. Entities without text get ``placeholder``
    and are counted in a warning.
    """
    for s in splits:
        if s not in ("train", "valid", "test"):
            raise InvalidParameterError(f"splits must name 'train', 'valid' or 'test', got {s!r}")
    triples = np.concatenate([kg.split(s) for s in splits], axis=0) if splits else np.zeros((0, 3), np.int64)
    ei = np.stack([triples[:, 0], triples[:, 2]])
    graph = as_graph(ei, num_nodes=kg.num_entities, directed=False, aggregate="max",
                     node_ids=np.array(list(kg.entities.labels), dtype=object))
    texts, missing = fill_missing_texts(kg.entity_texts(field_name), placeholder, what=f"{kg.name} entities")
    return TextAttributedGraph(graph, texts, missing, None, None, placeholder, f"{kg.name}-entities")


def load_text_graph(name: str = "citeseer", root: Optional[Union[str, os.PathLike]] = None,
                    placeholder: str = DEFAULT_PLACEHOLDER, field_name: str = "auto") -> TextAttributedGraph:
    """Load a text-attributed graph by name: ``'citeseer'`` or a KG with entity text
    (``'fb15k-237'``, ``'wn18rr'``, ``'umls'``, ``'cn-100k'``)."""
    key = name.lower()
    if key in ("citeseer", "citeseer-text"):
        return load_citeseer_tag(root, placeholder)
    if key in ("fb15k-237", "wn18rr", "umls", "cn-100k"):
        from ..datasets import load_kg

        return kg_entity_graph(load_kg(key, root), field_name, placeholder)
    from ..errors import DatasetNotFoundError

    raise DatasetNotFoundError(f"unknown text-attributed graph {name!r}; known: "
                               f"['citeseer', 'fb15k-237', 'wn18rr', 'umls', 'cn-100k']")
