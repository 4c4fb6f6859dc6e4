"""Where benchmark data is found.

The data root is taken, in order, from the ``root`` argument, the ``GRAPHEMB_DATA``
environment variable, the repository's bundled ``datasets/`` folder and the shared
benchmark folder ``../shared/datasets`` beside the repository. A dataset is looked up in
each candidate root in that order (an explicit ``root`` or ``GRAPHEMB_DATA`` is the only
root searched).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Union

from ..errors import DatasetNotFoundError

ENV_VAR = "GRAPHEMB_DATA"
REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_ROOT = REPO_ROOT / "datasets"
SHARED_ROOT = REPO_ROOT.parent / "shared" / "datasets"


def candidate_roots(root: Optional[Union[str, os.PathLike]] = None) -> List[Path]:
    """Data roots to search, most specific first. An explicit root must exist."""
    if root is not None:
        p = Path(root).expanduser()
        if not p.is_dir():
            raise DatasetNotFoundError(f"data root {str(p)!r} (argument 'root') does not exist or is not a directory")
        return [p]
    env = os.environ.get(ENV_VAR)
    if env:
        p = Path(env).expanduser()
        if not p.is_dir():
            raise DatasetNotFoundError(f"data root {str(p)!r} (environment variable {ENV_VAR}) does not exist")
        return [p]
    return [r for r in (BUNDLED_ROOT, SHARED_ROOT) if r.is_dir()]


def find_path(relative: str, root: Optional[Union[str, os.PathLike]] = None, dataset: str = "") -> Path:
    """First existing ``<root>/<relative>`` over :func:`candidate_roots`."""
    roots = candidate_roots(root)
    for r in roots:
        p = r / relative
        if p.exists():
            return p
    searched = ", ".join(str(r) for r in roots) or "(no data root exists)"
    raise DatasetNotFoundError(
        f"dataset {dataset or relative!r}: {relative!r} not found under {searched}; pass root=... or set {ENV_VAR}"
    )
