"""Loaders for the knowledge-graph benchmarks (FB15k-237, WN18RR, UMLS, CoDEx-S, CN-100K).

Every split is ``head<TAB>relation<TAB>tail``. Entity text is attached where the data
carries it: FB15k-237 ``name`` (entity_names.tsv) and ``description`` (Wikidata short
description from entity2wikidata.json); WN18RR ``name`` (lemma) and ``description``
(gloss) split from "lemma, gloss"; UMLS ``name`` (short) and ``description`` (long
paragraph); CN-100K entities are phrases, so ``name`` is the label itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List, Optional, Union

from ..errors import DatasetNotFoundError, InvalidTriplesError
from ..kg import KnowledgeGraph
from .paths import find_path

KG_DATASETS = {
    "fb15k-237": "kg/fb15k-237",
    "wn18rr": "kg/wn18rr",
    "umls": "kg/umls",
    "codex-s": "kg/codex-s",
    "cn-100k": "kg/cn-100k",
}


def _read_two_columns(path: Path) -> Dict[str, str]:
    out: Dict[str, str] = {}
    text = path.read_bytes().decode("utf-8-sig")
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t", 1)
        if len(parts) != 2:
            raise InvalidTriplesError(f"{path}:{i}: expected 'id<TAB>text', found: {line[:200]!r}")
        out[parts[0].strip()] = parts[1].strip()
    return out


def _aligned(kg: KnowledgeGraph, mapping: Dict[str, str]) -> List[Optional[str]]:
    return [mapping.get(label) or None for label in kg.entities.labels]


def load_kg(name: str, root: Optional[Union[str, os.PathLike]] = None, *, unseen: str = "keep",
            text: bool = True) -> KnowledgeGraph:
    """Load a benchmark knowledge graph by name.

    Parameters
    ----------
    name : {'fb15k-237', 'wn18rr', 'umls', 'codex-s', 'cn-100k'}
    root : path, optional
        Data root (see :mod:`graphemb.datasets.paths`).
    unseen : {'keep', 'drop', 'error'}
        Valid/test triples whose entities are not in train (WN18RR has some).
    text : bool
        Attach entity and relation text where available.

    Examples
    --------
    >>> kg = load_kg("umls")
    >>> kg.num_entities, kg.num_relations
    (135, 46)
    """
    key = name.lower()
    if key not in KG_DATASETS:
        raise DatasetNotFoundError(f"unknown knowledge graph {name!r}; known: {sorted(KG_DATASETS)}")
    folder = find_path(KG_DATASETS[key], root, key)
    kg = KnowledgeGraph.from_files(folder / "train.txt", folder / "valid.txt", folder / "test.txt",
                                   name=key, unseen=unseen)
    if text:
        _attach_text(kg, key, folder)
    return kg


def _attach_text(kg: KnowledgeGraph, key: str, folder: Path) -> None:
    rel_file = folder / "relation_text.tsv"
    if rel_file.exists():
        rel = _read_two_columns(rel_file)
        kg.relation_text = [rel.get(r) for r in kg.relations.labels]
    if key == "fb15k-237":
        names = _read_two_columns(folder / "entity_names.tsv")
        with open(folder / "entity2wikidata.json", encoding="utf-8") as fh:
            wiki = json.load(fh)
        desc = {k: (v.get("description") or None) for k, v in wiki.items()}
        for k, v in wiki.items():  # a Wikidata label where entity_names has none
            if k not in names and v.get("label"):
                names[k] = v["label"]
        kg.entity_text = {"name": _aligned(kg, names), "description": _aligned(kg, desc)}
    elif key == "wn18rr":
        raw = _read_two_columns(folder / "entity_text.tsv")
        names, desc = {}, {}
        for k, v in raw.items():
            lemma, _, gloss = v.partition(", ")
            names[k] = lemma.replace("_", " ")
            desc[k] = gloss or None
        kg.entity_text = {"name": _aligned(kg, names), "description": _aligned(kg, desc)}
    elif key == "umls":
        kg.entity_text = {"name": _aligned(kg, _read_two_columns(folder / "entity_text.tsv"))}
        long_file = folder / "entity_text_long.tsv"
        if long_file.exists():
            kg.entity_text["description"] = _aligned(kg, _read_two_columns(long_file))
    elif key == "codex-s":
        rel_json = folder / "relations_en.json"
        if rel_json.exists():
            with open(rel_json, encoding="utf-8") as fh:
                rel = json.load(fh)
            kg.relation_text = [rel.get(r, {}).get("label") for r in kg.relations.labels]
    elif key == "cn-100k":
        kg.entity_text = {"name": list(kg.entities.labels)}
        kg.relation_text = list(kg.relations.labels)


def load_codex_negatives(split: str = "test", root: Optional[Union[str, os.PathLike]] = None):
    """CoDEx-S hard negative triples (labelled) for triple classification."""
    from ..kg import read_triples

    if split not in ("valid", "test"):
        raise DatasetNotFoundError(f"split must be 'valid' or 'test', got {split!r}")
    return read_triples(find_path(f"kg/codex-s/{split}_negatives.txt", root, "codex-s"))
