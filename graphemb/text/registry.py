"""Encoder registry: ``get_encoder(name, **kwargs)`` for 'minilm' (default), 'tfidf', 'hashing'."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Union

from ..errors import InvalidParameterError
from .base import TextEncoder
from .hashing import HashingEncoder
from .sentence_transformer import SentenceTransformerEncoder
from .tfidf import TfidfEncoder

ENCODERS: Dict[str, Callable[..., TextEncoder]] = {
    "minilm": SentenceTransformerEncoder,
    "tfidf": TfidfEncoder,
    "hashing": HashingEncoder,
}


def list_encoders() -> List[str]:
    """Registered encoder names."""
    return sorted(ENCODERS)


def get_encoder(name: Union[str, TextEncoder] = "minilm", **kwargs: Any) -> TextEncoder:
    """Build a text encoder by name.

    Parameters
    ----------
    name : {'minilm', 'tfidf', 'hashing'} or TextEncoder
        ``'minilm'``: :class:`SentenceTransformerEncoder` (all-MiniLM-L6-v2 from the
        bundled package, offline; pass ``model=`` for another local folder or a hub
        name); ``'tfidf'``: :class:`TfidfEncoder`; ``'hashing'``: :class:`HashingEncoder`.
        An encoder instance is returned unchanged (``kwargs`` must then be empty).
    **kwargs
        Constructor parameters of that encoder (e.g. ``dim=``, ``device=``, ``cache=``).

    Examples
    --------
    >>> enc = get_encoder("hashing", dim=32)
    >>> enc.encode(["a", "b c"]).shape
    (2, 32)
    """
    if isinstance(name, TextEncoder):
        if kwargs:
            raise InvalidParameterError(f"get_encoder: keyword arguments {sorted(kwargs)} cannot be applied to an "
                                        f"encoder instance; pass a name instead")
        return name
    if not isinstance(name, str) or name.lower() not in ENCODERS:
        raise InvalidParameterError(f"encoder name must be one of {list_encoders()} or a TextEncoder, got {name!r}")
    cls = ENCODERS[name.lower()]
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise InvalidParameterError(f"encoder {name!r}: {exc}") from exc
