"""The list of known datasets and where (and whether) each is found."""

from __future__ import annotations

import os
from typing import List, Optional, Union

from ..errors import DatasetNotFoundError
from .graph_loaders import GRAPH_DATASETS
from .kg_loaders import KG_DATASETS
from .paths import find_path

OTHER_DATASETS = {
    "citeseer-text": "tag/citeseer",
    "wordsim353": "semantics/wordsim353.tsv",
    "simlex999": "semantics/simlex999.txt",
    "questions-words": "semantics/questions-words.txt",
}


def _size(path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def list_datasets(root: Optional[Union[str, os.PathLike]] = None) -> List[dict]:
    """Every known dataset with its kind, the path found (or None) and its size in bytes."""
    rows = []
    for kind, table in (("kg", KG_DATASETS), ("graph", GRAPH_DATASETS), ("other", OTHER_DATASETS)):
        for name, rel in table.items():
            try:
                p = find_path(rel, root, name)
                rows.append({"name": name, "kind": kind, "path": str(p), "bytes": _size(p)})
            except DatasetNotFoundError:
                rows.append({"name": name, "kind": kind, "path": None, "bytes": 0})
    return rows
