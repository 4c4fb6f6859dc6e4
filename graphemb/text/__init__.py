"""Text encoders for nodes and entities that carry text, and text-attributed graphs.

>>> from graphemb.text import get_encoder
>>> enc = get_encoder("minilm")            # all-MiniLM-L6-v2, offline, cached on disk
>>> X = enc.encode(["graph embedding", "knowledge graphs"])   # float32 (2, 384)

``sentence-transformers`` is imported only when a MiniLM encoder first encodes.
"""

from .base import TextEncoder, check_texts
from .cache import TextEmbeddingCache, default_cache_dir, texts_key
from .hashing import HashingEncoder
from .registry import ENCODERS, get_encoder, list_encoders
from .sentence_transformer import SentenceTransformerEncoder, bundled_minilm_path
from .tfidf import TfidfEncoder

__all__ = [
    "ENCODERS", "HashingEncoder", "SentenceTransformerEncoder", "TextEmbeddingCache", "TextEncoder",
    "TfidfEncoder", "bundled_minilm_path", "check_texts", "default_cache_dir", "get_encoder", "list_encoders",
    "texts_key",
]

from .tag import (DEFAULT_PLACEHOLDER, TextAttributedGraph, fill_missing_texts, kg_entity_graph,  # noqa: E402
                  load_citeseer_tag, load_text_graph)

__all__ += ["DEFAULT_PLACEHOLDER", "TextAttributedGraph", "fill_missing_texts", "kg_entity_graph",
            "load_citeseer_tag", "load_text_graph"]
