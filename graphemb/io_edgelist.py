"""Edge-list files: ``u v [w]`` per line, whitespace- or tab-separated, ``#`` comments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import numpy as np

from .errors import InvalidGraphError


def _read_text(path: Path) -> str:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise InvalidGraphError(f"{path}: is a directory, expected an edge-list file")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidGraphError(f"{path}:{line}: not valid UTF-8 ({exc.reason})") from None


def read_edgelist(path: Union[str, os.PathLike], *, directed: bool = False, aggregate: Optional[str] = None,
                  node_type: str = "auto", allow_empty: bool = False):
    """Read an edge list into a :class:`~graphemb.Graph`.

    Each non-blank line that does not start with ``#`` holds ``source target`` and an
    optional non-negative ``weight``, separated by tabs or any whitespace (a line with a
    tab is split on tabs only, so labels may contain spaces). Text after a ``#`` that
    starts a field is a comment.

    Parameters
    ----------
    directed : bool
        Undirected by default: each line adds the edge in both directions.
    aggregate : str, optional
        How repeated edges are merged (see :func:`graphemb.as_graph`); an error if None.
    node_type : {'auto', 'int', 'str'}
        ``'auto'`` keeps labels as int64 when every label is an integer, else strings.
        Rows are ordered by sorted label.
    """
    from .convert import _build_csr, _check_nonempty, _check_weights, _labels_to_ids

    path = Path(path)
    text = _read_text(path)
    src, dst, wts, line_no = [], [], [], []
    has_weight = None
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        parts = [p.strip() for p in parts]
        for j, p in enumerate(parts):  # trailing comment
            if p.startswith("#"):
                parts = parts[:j]
                break
        if len(parts) not in (2, 3):
            raise InvalidGraphError(
                f"{path}:{i}: expected 'source target [weight]' (2 or 3 fields), found {len(parts)}: {raw[:200]!r}"
            )
        if has_weight is None:
            has_weight = len(parts) == 3
        elif has_weight != (len(parts) == 3):
            raise InvalidGraphError(
                f"{path}:{i}: {'missing' if has_weight else 'unexpected'} weight column "
                f"(earlier lines have {'3' if has_weight else '2'} fields): {raw[:200]!r}"
            )
        if has_weight:
            try:
                wv = float(parts[2])
            except ValueError:
                raise InvalidGraphError(f"{path}:{i}: weight {parts[2]!r} is not a number") from None
            if not np.isfinite(wv) or wv < 0:
                raise InvalidGraphError(f"{path}:{i}: weight must be a finite non-negative number, got {parts[2]!r}")
            wts.append(wv)
        src.append(parts[0])
        dst.append(parts[1])
        line_no.append(i)
    if not src:
        if allow_empty:
            from .graph import Graph

            return Graph(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), None, directed)
        raise InvalidGraphError(f"{path}: the file contains no edges")
    labels = np.array(src + dst, dtype=object)
    if node_type not in ("auto", "int", "str"):
        raise InvalidGraphError(f"node_type must be 'auto', 'int' or 'str', got {node_type!r}")
    if node_type in ("auto", "int"):
        try:
            as_int = np.array([int(x) for x in labels], dtype=np.int64)
            labels = as_int
        except (ValueError, OverflowError):
            if node_type == "int":
                bad = next(k for k, x in enumerate(labels) if not _is_int(x))
                ln = line_no[bad % len(src)]
                raise InvalidGraphError(f"{path}:{ln}: node label {labels[bad]!r} is not an integer") from None
    else:
        labels = labels.astype(str).astype(object)
    ids, inverse = _labels_to_ids(labels)
    m = len(src)
    _check_nonempty(len(ids), allow_empty)
    w = _check_weights(np.array(wts), m) if has_weight else None
    line_arr = np.asarray(line_no)
    return _build_csr(inverse[:m], inverse[m:], w, len(ids), directed, ids, aggregate=aggregate,
                      describe=lambda k: f"{path}:{line_arr[k]}")


def _is_int(x: str) -> bool:
    try:
        int(x)
        return True
    except ValueError:
        return False
