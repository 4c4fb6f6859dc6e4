"""Word-semantic tests of node embeddings whose nodes are words or phrases, as used by RESTORE
(Yip et al., "RESTORE: Graph Embedding Assessment Through Reconstruction", 2023) on a
commonsense knowledge graph.

Definitions (node labels are matched to test words case-insensitively, ``_`` read as a space):

* **Word similarity** (WordSim-353, SimLex-999): Spearman's :math:`\\rho` between the human scores
  and the cosine similarity of the two words' embeddings, over the *covered* pairs (both words
  are nodes); the number of covered pairs and the coverage are reported with it.
* **Analogy** (Google set, 3CosAdd of Mikolov et al. 2013): for ``a : b :: c : d`` the prediction
  is :math:`\\arg\\max_{x \\notin \\{a,b,c\\}} \\cos(x, \\hat b - \\hat a + \\hat c)` over all nodes
  (unit-normalised embeddings); accuracy over the covered questions (all four words are nodes).
* **Average distance** (RESTORE's measure, lower is better; the paper does not define it fully, so
  this is our reading): human scores are min-max scaled to ``[0, 1]`` over the dataset, cosine
  similarities mapped to ``[0, 1]`` by :math:`(1 + \\cos)/2`, and the mean of
  :math:`|h - e|` (the Euclidean distance in one dimension) is taken over covered pairs, overall
  and grouped by the pair's shortest-path distance in the graph (1, 2, 3 hops, ...).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from scipy.stats import spearmanr

from ..datasets import load_analogies, load_word_similarity
from ..errors import InvalidParameterError
from ..graph import as_graph
from .restore import HopDistances

Pairs = Sequence[Tuple[str, str, float]]


@dataclass
class SimilarityScore:
    """Spearman correlation on one word-similarity set."""

    dataset: str
    spearman: float
    n_pairs: int
    n_covered: int

    @property
    def coverage(self) -> float:
        return self.n_covered / self.n_pairs if self.n_pairs else 0.0


@dataclass
class AnalogyScore:
    """3CosAdd accuracy over covered questions, overall and per section."""

    accuracy: float
    n_questions: int
    n_covered: int
    per_section: Dict[str, float] = field(default_factory=dict)


@dataclass
class SemanticResult:
    """All semantic figures of one embedding."""

    name: str
    similarity: Dict[str, SimilarityScore]
    analogy: Optional[AnalogyScore]
    average_distance: Dict[str, float]

    def to_dict(self) -> dict:
        return {"name": self.name, "similarity": {k: {**asdict(v), "coverage": v.coverage}
                                                  for k, v in self.similarity.items()},
                "analogy": None if self.analogy is None else asdict(self.analogy),
                "average_distance": dict(self.average_distance)}


def label_index(labels: Sequence[Any]) -> Dict[str, int]:
    """Map lower-cased labels (``_`` as space) to their first row."""
    index: Dict[str, int] = {}
    for i, lab in enumerate(labels):
        key = str(lab).strip().lower().replace("_", " ")
        index.setdefault(key, i)
    return index


def _unit(X: Any, n_labels: int) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != n_labels:
        raise InvalidParameterError(f"embeddings must have shape ({n_labels}, dim) (one row per label), got {X.shape}")
    if not np.isfinite(X).all():
        raise InvalidParameterError("embeddings contain NaN or infinite values")
    norm = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norm > 0, norm, 1.0)


def _pairs(dataset: Union[str, Pairs]) -> Tuple[str, List[Tuple[str, str, float]]]:
    if isinstance(dataset, str):
        return dataset, load_word_similarity(dataset)
    pairs = [(str(a).lower(), str(b).lower(), float(s)) for a, b, s in dataset]
    return "custom", pairs


def _covered(pairs, index) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = [(index[a], index[b], s) for a, b, s in pairs if a in index and b in index]
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    a, b, s = zip(*rows)
    return np.array(a), np.array(b), np.array(s, dtype=np.float64)


def word_similarity(embeddings: Any, labels: Sequence[Any],
                    dataset: Union[str, Pairs] = "wordsim353") -> SimilarityScore:
    """Spearman correlation of cosine similarity with human scores over covered pairs
    (NaN with fewer than 3 covered pairs)."""
    name, pairs = _pairs(dataset)
    X = _unit(embeddings, len(labels))
    a, b, human = _covered(pairs, label_index(labels))
    rho = float("nan")
    if len(a) >= 3:
        cos = np.einsum("ij,ij->i", X[a], X[b])
        rho = float(spearmanr(human, cos).statistic)
    return SimilarityScore(name, rho, len(pairs), len(a))


def analogy_accuracy(embeddings: Any, labels: Sequence[Any], questions: Optional[Dict[str, Sequence]] = None,
                     batch_size: int = 256) -> AnalogyScore:
    """3CosAdd accuracy on covered analogy questions (Google set by default)."""
    sections = load_analogies() if questions is None else questions
    X = _unit(embeddings, len(labels)).astype(np.float32)
    index = label_index(labels)
    total, qs, sec_of = 0, [], []
    for sec, items in sections.items():
        for q in items:
            total += 1
            words = [str(w).lower() for w in q]
            if all(w in index for w in words):
                qs.append([index[w] for w in words])
                sec_of.append(sec)
    if not qs:
        return AnalogyScore(float("nan"), total, 0, {})
    Q = np.array(qs, dtype=np.int64)
    correct = np.zeros(len(Q), dtype=bool)
    for s in range(0, len(Q), batch_size):
        q = Q[s:s + batch_size]
        target = X[q[:, 1]] - X[q[:, 0]] + X[q[:, 2]]
        scores = target @ X.T
        r = np.arange(len(q))
        for j in range(3):
            scores[r, q[:, j]] = -np.inf
        correct[s:s + len(q)] = scores.argmax(axis=1) == q[:, 3]
    sec_arr = np.array(sec_of)
    per = {sec: float(correct[sec_arr == sec].mean()) for sec in dict.fromkeys(sec_of)}
    return AnalogyScore(float(correct.mean()), total, len(Q), per)


def average_distance(embeddings: Any, labels: Sequence[Any], dataset: Union[str, Pairs] = "wordsim353",
                     graph: Any = None, max_hops: int = 3) -> Dict[str, float]:
    """RESTORE's average distance between scaled human and embedding similarities (see module doc).

    Returns ``{"all": d, "1": d1, ..., "<max_hops>": dH, ">H": d_far}`` (keys only for groups
    with covered pairs; the hop groups only when ``graph`` is given, rows aligned with ``labels``).
    """
    _, pairs = _pairs(dataset)
    X = _unit(embeddings, len(labels))
    a, b, human = _covered(pairs, label_index(labels))
    if len(a) == 0:
        return {}
    lo, hi = min(p[2] for p in pairs), max(p[2] for p in pairs)
    h = (human - lo) / (hi - lo) if hi > lo else np.zeros_like(human)
    e = (1.0 + np.einsum("ij,ij->i", X[a], X[b])) / 2.0
    diff = np.abs(h - e)
    out = {"all": float(diff.mean())}
    if graph is not None:
        G = as_graph(graph)
        if G.num_nodes != len(labels):
            raise InvalidParameterError(f"graph has {G.num_nodes} nodes but {len(labels)} labels were given")
        src, inv = np.unique(a, return_inverse=True)
        hops = HopDistances(G, max_hops, method="bfs")(src)[inv, b].astype(np.int64)
        for k in range(1, max_hops + 1):
            sel = hops == k
            if sel.any():
                out[str(k)] = float(diff[sel].mean())
        far = hops > max_hops
        if far.any():
            out[f">{max_hops}"] = float(diff[far].mean())
    return out


def semantic_scores(embeddings: Any, labels: Sequence[Any], *, name: str = "embedding", graph: Any = None,
                    similarity_sets: Sequence[str] = ("wordsim353", "simlex999"), analogies: bool = True,
                    max_hops: int = 3) -> SemanticResult:
    """Word similarity on each set, analogy accuracy and the average distance (on WordSim-353)."""
    sims = {d: word_similarity(embeddings, labels, d) for d in similarity_sets}
    ana = analogy_accuracy(embeddings, labels) if analogies else None
    avg = average_distance(embeddings, labels, similarity_sets[0], graph=graph, max_hops=max_hops) \
        if similarity_sets else {}
    return SemanticResult(name, sims, ana, avg)
