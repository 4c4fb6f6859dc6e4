"""Word-semantics test sets: WordSim-353, SimLex-999 (similarity) and Google analogies."""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple, Union

from ..errors import DatasetNotFoundError, InvalidParameterError
from .paths import find_path

SIMILARITY_FILES = {"wordsim353": "semantics/wordsim353.tsv", "simlex999": "semantics/simlex999.txt"}


def load_word_similarity(name: str, root: Optional[Union[str, os.PathLike]] = None) -> List[Tuple[str, str, float]]:
    """Word pairs with human similarity scores (``#`` lines are comments), lower-cased."""
    key = name.lower()
    if key not in SIMILARITY_FILES:
        raise DatasetNotFoundError(f"unknown similarity set {name!r}; known: {sorted(SIMILARITY_FILES)}")
    path = find_path(SIMILARITY_FILES[key], root, key)
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            raise InvalidParameterError(f"{path}:{i}: expected 'word1<TAB>word2<TAB>score', found {line!r}")
        out.append((parts[0].strip().lower(), parts[1].strip().lower(), float(parts[2])))
    return out


def load_analogies(root: Optional[Union[str, os.PathLike]] = None) -> Dict[str, List[Tuple[str, str, str, str]]]:
    """Google analogy questions by section (``a b c d`` meaning a:b :: c:d), lower-cased."""
    path = find_path("semantics/questions-words.txt", root, "questions-words")
    sections: Dict[str, List[Tuple[str, str, str, str]]] = {}
    current = None
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith(":"):
            current = line[1:].strip()
            sections[current] = []
            continue
        parts = line.lower().split()
        if len(parts) != 4 or current is None:
            raise InvalidParameterError(f"{path}:{i}: expected 4 words after a ': section' header, found {line!r}")
        sections[current].append(tuple(parts))
    return sections
