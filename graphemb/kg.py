"""Knowledge graphs: vocabularies, id-mapped triple splits, filters, statistics and text.

A :class:`KnowledgeGraph` holds entity and relation vocabularies (label <-> id),
``train``/``valid``/``test`` as int64 arrays of shape (m, 3) with columns
(head, relation, tail), optional entity/relation text, and derived structures used by
training and evaluation: reciprocal relations, the filter index of all known true
triples, and per-relation statistics for Bernoulli negative sampling
(Wang et al., "Knowledge Graph Embedding by Translating on Hyperplanes", AAAI 2014).
"""

from __future__ import annotations

import difflib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from .errors import InvalidParameterError, InvalidTriplesError, UnknownLabelError

PathLike = Union[str, os.PathLike]
SPLITS = ("train", "valid", "test")


class Vocabulary:
    """A bijection between labels (strings) and contiguous int ids ``0..n-1``."""

    def __init__(self, labels: Sequence[str], kind: str = "label") -> None:
        self.labels: List[str] = list(labels)
        self.kind = kind
        self._index: Dict[str, int] = {lab: i for i, lab in enumerate(self.labels)}
        if len(self._index) != len(self.labels):
            raise InvalidTriplesError(f"{kind} vocabulary contains duplicate labels")

    def __len__(self) -> int:
        return len(self.labels)

    def __contains__(self, label: object) -> bool:
        return label in self._index

    def __iter__(self):
        return iter(self.labels)

    def id(self, label: str) -> int:
        """Id of ``label``; an unknown label raises an error suggesting near matches."""
        try:
            return self._index[label]
        except (KeyError, TypeError):
            near = difflib.get_close_matches(str(label), self.labels, n=5, cutoff=0.6)
            hint = f"; did you mean {near}?" if near else ""
            raise UnknownLabelError(f"unknown {self.kind} {label!r}{hint}") from None

    def ids(self, labels: Iterable[str]) -> np.ndarray:
        """Ids of several labels."""
        return np.array([self.id(x) for x in labels], dtype=np.int64)

    def label(self, i: int) -> str:
        """Label of id ``i``."""
        return self.labels[int(i)]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.labels == other.labels

    def __repr__(self) -> str:
        return f"Vocabulary({self.kind}, size={len(self)})"


@dataclass
class RelationStats:
    """Per-relation statistics.

    ``tph[r]``: average number of tails per (head, r); ``hpt[r]``: average number of
    heads per (r, tail); ``head_prob[r] = tph / (tph + hpt)``: the Bernoulli probability
    of corrupting the *head* (Wang et al. 2014), so 1-to-N relations mostly corrupt heads.
    """

    count: np.ndarray
    tph: np.ndarray
    hpt: np.ndarray
    head_prob: np.ndarray


@dataclass
class FilterIndex:
    """All known true triples, for filtered ranking and filtered negative sampling.

    ``keys`` are sorted int64 codes ``(h * R + r) * E + t`` of every known triple; the
    CSR part maps a query ``(h, r)`` (code ``h * R + r``) to its known tails.
    """

    num_entities: int
    num_relations: int
    keys: np.ndarray
    query_keys: np.ndarray
    query_indptr: np.ndarray
    query_tails: np.ndarray

    def contains(self, triples: np.ndarray) -> np.ndarray:
        """Boolean mask: which rows of ``triples`` (m, 3) are known true triples."""
        t = np.asarray(triples, dtype=np.int64)
        codes = (t[:, 0] * self.num_relations + t[:, 1]) * self.num_entities + t[:, 2]
        pos = np.searchsorted(self.keys, codes)
        pos = np.minimum(pos, len(self.keys) - 1)
        return self.keys[pos] == codes if len(self.keys) else np.zeros(len(t), dtype=bool)

    def tails(self, head: int, relation: int) -> np.ndarray:
        """Known tails of the query ``(head, relation)``."""
        code = head * self.num_relations + relation
        i = np.searchsorted(self.query_keys, code)
        if i < len(self.query_keys) and self.query_keys[i] == code:
            return self.query_tails[self.query_indptr[i]:self.query_indptr[i + 1]]
        return np.zeros(0, dtype=np.int64)


@dataclass(eq=False)
class KnowledgeGraph:
    """A knowledge graph with vocabularies and train/valid/test triples.

    Build one with :meth:`from_files`, :meth:`from_labeled_triples` or
    :func:`graphemb.datasets.load_kg`.

    Attributes
    ----------
    entities, relations : Vocabulary
    train, valid, test : ndarray of int64, shape (m, 3)
        (head, relation, tail) ids.
    entity_text : dict[str, list[str | None]]
        Text fields per entity, e.g. ``{"name": [...], "description": [...]}`` aligned
        with entity ids (``None`` where an entity has no text).
    relation_text : list[str | None] or None
    unseen_counts : dict
        Entities and triples of valid/test whose entities never occur in train.
    """

    entities: Vocabulary
    relations: Vocabulary
    train: np.ndarray
    valid: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.int64))
    test: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.int64))
    name: str = "kg"
    entity_text: Dict[str, List[Optional[str]]] = field(default_factory=dict)
    relation_text: Optional[List[Optional[str]]] = None
    unseen_counts: Dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for split in SPLITS:
            arr = np.asarray(getattr(self, split), dtype=np.int64).reshape(-1, 3)
            if len(arr):
                if arr.min() < 0 or arr[:, [0, 2]].max() >= len(self.entities) or arr[:, 1].max() >= len(self.relations):
                    raise InvalidTriplesError(f"{split} contains ids outside the vocabularies")
            setattr(self, split, arr)
        self._filter: Optional[FilterIndex] = None

    # ----------------------------------------------------------------- sizes
    @property
    def num_entities(self) -> int:
        return len(self.entities)

    @property
    def num_relations(self) -> int:
        return len(self.relations)

    def split(self, name: str) -> np.ndarray:
        """The triples of split ``name`` ('train', 'valid' or 'test')."""
        if name not in SPLITS:
            raise InvalidParameterError(f"split must be one of {SPLITS}, got {name!r}")
        return getattr(self, name)

    def all_triples(self) -> np.ndarray:
        """train + valid + test."""
        return np.concatenate([self.train, self.valid, self.test])

    # ------------------------------------------------------------ reciprocals
    def reciprocal(self, triples: np.ndarray) -> np.ndarray:
        """Inverse triples ``(t, r + R, h)`` for reciprocal-relation training."""
        t = np.asarray(triples, dtype=np.int64)
        return np.stack([t[:, 2], t[:, 1] + self.num_relations, t[:, 0]], axis=1)

    def with_reciprocals(self, triples: np.ndarray) -> np.ndarray:
        """``triples`` followed by their inverses (relation ids ``R..2R-1``)."""
        return np.concatenate([np.asarray(triples, dtype=np.int64), self.reciprocal(triples)])

    # ---------------------------------------------------------------- filters
    def filter_index(self, splits: Sequence[str] = SPLITS, reciprocal: bool = True) -> FilterIndex:
        """Index of known true triples over ``splits``.

        With ``reciprocal`` the inverse triples are included under relation ids
        ``R..2R-1`` so head prediction can be asked as tail prediction of ``(t, r+R)``.
        """
        cacheable = tuple(splits) == SPLITS and reciprocal
        if cacheable and self._filter is not None:
            return self._filter
        triples = np.concatenate([self.split(s) for s in splits]) if splits else np.zeros((0, 3), np.int64)
        R = self.num_relations
        n_rel = 2 * R if reciprocal else R
        if reciprocal:
            triples = self.with_reciprocals(triples)
        E = self.num_entities
        qkey = triples[:, 0] * n_rel + triples[:, 1]
        keys = np.unique(qkey * E + triples[:, 2])
        q = keys // E
        tails = keys % E
        starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]]) if len(q) else np.zeros(0, dtype=np.int64)
        index = FilterIndex(E, n_rel, keys, q[starts], np.r_[starts, len(q)].astype(np.int64), tails)
        if cacheable:
            self._filter = index
        return index

    # ------------------------------------------------------------- statistics
    def relation_stats(self, triples: Optional[np.ndarray] = None) -> RelationStats:
        """Tails-per-head / heads-per-tail per relation (Bernoulli sampling, Wang et al. 2014)."""
        t = self.train if triples is None else np.asarray(triples, dtype=np.int64)
        R, E = self.num_relations, self.num_entities
        t = np.unique(t, axis=0)
        count = np.bincount(t[:, 1], minlength=R).astype(np.float64)
        heads = np.unique(t[:, 1] * E + t[:, 0]) // E
        tails = np.unique(t[:, 1] * E + t[:, 2]) // E
        n_heads = np.bincount(heads, minlength=R).astype(np.float64)
        n_tails = np.bincount(tails, minlength=R).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            tph = np.where(n_heads > 0, count / n_heads, 0.0)
            hpt = np.where(n_tails > 0, count / n_tails, 0.0)
            head_prob = np.where(tph + hpt > 0, tph / (tph + hpt), 0.5)
        return RelationStats(count.astype(np.int64), tph, hpt, head_prob)

    # ------------------------------------------------------------------- text
    def entity_texts(self, field_name: str = "auto", placeholder: Optional[str] = None) -> List[Optional[str]]:
        """Text per entity for field ``field_name``.

        ``'auto'`` joins ``name`` and ``description`` (``"name, description"``) where both
        exist, else whichever exists. Entities without text get ``placeholder``
        (``None`` by default, so callers can count and handle them).
        """
        if field_name == "auto":
            names = self.entity_text.get("name")
            desc = self.entity_text.get("description")
            if names is None and desc is None:
                raise InvalidParameterError(f"knowledge graph {self.name!r} carries no entity text")
            out: List[Optional[str]] = []
            for i in range(self.num_entities):
                a = names[i] if names is not None else None
                b = desc[i] if desc is not None else None
                parts = [p for p in (a, b) if p]
                out.append(", ".join(parts) if parts else placeholder)
            return out
        if field_name not in self.entity_text:
            raise InvalidParameterError(
                f"text field {field_name!r} not available for {self.name!r}; available: {sorted(self.entity_text)}"
            )
        return [x if x else placeholder for x in self.entity_text[field_name]]

    # ------------------------------------------------------------ construction
    @classmethod
    def from_labeled_triples(cls, train: Sequence[Tuple[str, str, str]],
                             valid: Sequence[Tuple[str, str, str]] = (),
                             test: Sequence[Tuple[str, str, str]] = (), *, name: str = "kg",
                             unseen: str = "keep", sources: Optional[Dict[str, str]] = None) -> "KnowledgeGraph":
        """Build from labelled triples.

        Vocabularies are the sorted labels. ``unseen`` decides what happens to valid/test
        triples whose entities or relations never occur in train: ``'keep'`` (default)
        keeps them and warns, ``'drop'`` removes those triples (and the entities, unless
        used elsewhere), ``'error'`` raises. Counts are in ``unseen_counts``.
        """
        if unseen not in ("keep", "drop", "error"):
            raise InvalidParameterError(f"unseen must be 'keep', 'drop' or 'error', got {unseen!r}")
        splits = {"train": list(train), "valid": list(valid), "test": list(test)}
        if not splits["train"]:
            raise InvalidTriplesError(f"{name}: the training split contains no triples")
        train_ents = {h for h, _, _ in splits["train"]} | {t for _, _, t in splits["train"]}
        train_rels = {r for _, r, _ in splits["train"]}
        counts: Dict[str, int] = {}
        unseen_entities = set()
        for s in ("valid", "test"):
            bad = [k for k, (h, r, t) in enumerate(splits[s])
                   if h not in train_ents or t not in train_ents or r not in train_rels]
            counts[f"{s}_triples_with_unseen"] = len(bad)
            for k in bad:
                h, r, t = splits[s][k]
                unseen_entities.update(x for x in (h, t) if x not in train_ents)
            if bad and unseen == "error":
                h, r, t = splits[s][bad[0]]
                where = f" ({sources[s]})" if sources and s in sources else ""
                raise InvalidTriplesError(
                    f"{name}: {len(bad)} {s} triples{where} use entities or relations not in train, e.g. {(h, r, t)}"
                )
            if bad and unseen == "drop":
                drop = set(bad)
                splits[s] = [x for k, x in enumerate(splits[s]) if k not in drop]
        counts["unseen_entities"] = len(unseen_entities)
        if unseen == "keep" and unseen_entities:
            warnings.warn(
                f"{name}: {len(unseen_entities)} entities occur only in valid/test "
                f"({counts['valid_triples_with_unseen']} valid and {counts['test_triples_with_unseen']} test triples); "
                f"they are kept (pass unseen='drop' to remove those triples)", stacklevel=3)
        ent_labels = set()
        rel_labels = set()
        for s in SPLITS:
            for h, r, t in splits[s]:
                ent_labels.add(h)
                ent_labels.add(t)
                rel_labels.add(r)
        entities = Vocabulary(sorted(ent_labels), "entity")
        relations = Vocabulary(sorted(rel_labels), "relation")
        arrays = {}
        for s in SPLITS:
            ei, ri = entities._index, relations._index
            arrays[s] = np.array([(ei[h], ri[r], ei[t]) for h, r, t in splits[s]], dtype=np.int64).reshape(-1, 3)
        return cls(entities, relations, arrays["train"], arrays["valid"], arrays["test"], name=name,
                   unseen_counts=counts)

    @classmethod
    def from_files(cls, train: PathLike, valid: Optional[PathLike] = None, test: Optional[PathLike] = None, *,
                   name: Optional[str] = None, unseen: str = "keep", sep: Optional[str] = "\t") -> "KnowledgeGraph":
        """Load from ``head<sep>relation<sep>tail`` files (see :func:`read_triples`)."""
        paths = {"train": train, "valid": valid, "test": test}
        splits = {s: (read_triples(p, sep=sep) if p is not None else []) for s, p in paths.items()}
        return cls.from_labeled_triples(splits["train"], splits["valid"], splits["test"],
                                        name=name or Path(train).parent.name, unseen=unseen,
                                        sources={s: str(p) for s, p in paths.items() if p is not None})

    def summary(self) -> dict:
        """Sizes of vocabularies and splits (used by ``graphemb info``)."""
        return {
            "name": self.name,
            "entities": self.num_entities,
            "relations": self.num_relations,
            "train": len(self.train),
            "valid": len(self.valid),
            "test": len(self.test),
            "entity_text_fields": sorted(self.entity_text),
            **{k: v for k, v in self.unseen_counts.items()},
        }

    def __repr__(self) -> str:
        return (f"KnowledgeGraph({self.name!r}, entities={self.num_entities}, relations={self.num_relations}, "
                f"train={len(self.train)}, valid={len(self.valid)}, test={len(self.test)})")


def read_triples(path: PathLike, sep: Optional[str] = "\t") -> List[Tuple[str, str, str]]:
    """Read labelled triples from a text file.

    UTF-8 with or without BOM, ``\\n`` or ``\\r\\n`` endings; blank lines are skipped.
    Every other line must have exactly three fields separated by ``sep`` (a tab by
    default; ``None`` splits on runs of whitespace). Fields are stripped of surrounding
    whitespace. A malformed line raises :class:`InvalidTriplesError` naming
    ``file:line`` and quoting the line.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such triple file")
    if path.is_dir():
        raise InvalidTriplesError(f"{path}: is a directory, expected a triple file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidTriplesError(f"{path}:{line}: not valid UTF-8 ({exc.reason})") from None
    out: List[Tuple[str, str, str]] = []
    what = "tab-separated" if sep == "\t" else ("whitespace-separated" if sep is None else f"{sep!r}-separated")
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(sep) if sep is not None else line.split()
        if len(parts) != 3:
            raise InvalidTriplesError(
                f"{path}:{i}: expected 3 {what} columns (head, relation, tail), found {len(parts)}: {line[:200]!r}"
            )
        h, r, t = (p.strip() for p in parts)
        if not h or not r or not t:
            raise InvalidTriplesError(f"{path}:{i}: empty head, relation or tail: {line[:200]!r}")
        out.append((h, r, t))
    if not out:
        raise InvalidTriplesError(f"{path}: the file contains no triples")
    return out
