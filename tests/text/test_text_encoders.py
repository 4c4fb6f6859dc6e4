"""Text encoders: shapes, dtypes, determinism, validation, registry, cache behaviour."""

import numpy as np
import pytest

from graphemb.errors import InvalidParameterError
from graphemb.text import (HashingEncoder, SentenceTransformerEncoder, TextEmbeddingCache, TextEncoder,
                           TfidfEncoder, get_encoder, list_encoders, texts_key)

TEXTS = [
    "Graph neural networks learn node representations",
    "Random projections embed large graphs quickly",
    "A recipe for tomato soup with basil",
    "Graph neural networks learn node representations",
    "",
]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHEMB_CACHE", str(tmp_path / "cache-root"))


@pytest.mark.parametrize("encoder", [HashingEncoder(dim=64), TfidfEncoder(dim=3)])
def test_cheap_encoders_shape_dtype_and_identical_texts(encoder):
    X = encoder.encode(TEXTS)
    assert X.shape == (5, encoder.dim) and X.dtype == np.float32 and X.flags.c_contiguous
    np.testing.assert_array_equal(X[0], X[3])       # identical texts -> identical vectors
    norms = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(norms[:4], 1.0, atol=1e-5)   # L2-normalised rows
    assert norms[4] == 0.0                                   # the empty text has no terms
    np.testing.assert_array_equal(encoder.encode(TEXTS), X)  # deterministic across calls


def test_hashing_known_values():
    # one token, no bigram: exactly one bucket holds +-1 after L2 normalisation
    X = HashingEncoder(dim=16, ngram_range=(1, 1)).encode(["graph", "graph graph"])
    assert np.count_nonzero(X[0]) == 1 and abs(X[0]).max() == pytest.approx(1.0)
    np.testing.assert_array_equal(X[0], X[1])   # sublinear tf + normalisation: repetition does not matter
    # two distinct tokens without collision: two entries of magnitude 1/sqrt(2)
    Y = HashingEncoder(dim=2**18, ngram_range=(1, 1)).encode(["graph node"])
    np.testing.assert_allclose(np.sort(np.abs(Y[0][Y[0] != 0])), [2 ** -0.5] * 2, rtol=1e-6)


def test_tfidf_pads_when_fewer_components_than_dim_and_fit_then_transform():
    enc = TfidfEncoder(dim=10, stop_words=None)
    X = enc.encode(["alpha beta", "beta gamma", "gamma delta"])
    assert X.shape == (3, 10)
    assert np.all(X[:, 2:] == 0)           # only n_samples - 1 = 2 SVD components exist
    assert "fit=self" in enc.name
    fitted = TfidfEncoder(dim=2, stop_words=None).fit(["alpha beta", "beta gamma", "gamma delta", "delta alpha"])
    assert "fit=" in fitted.name and "fit=self" not in fitted.name
    Y = fitted.encode(["alpha beta", "alpha beta"])
    np.testing.assert_array_equal(Y[0], Y[1])
    # related documents are closer than unrelated ones
    Z = fitted.encode(["alpha beta", "beta alpha", "gamma delta"])
    assert Z[0] @ Z[1] > Z[0] @ Z[2]


def test_tfidf_only_stop_words_raises():
    with pytest.raises(InvalidParameterError, match="no terms"):
        TfidfEncoder().encode(["the and of", "a the"])


def test_input_validation_names_the_problem():
    enc = HashingEncoder(dim=8)
    with pytest.raises(InvalidParameterError, match="single str"):
        enc.encode("just one string")
    with pytest.raises(InvalidParameterError, match=r"texts\[1\].*None"):
        enc.encode(["ok", None])
    with pytest.raises(InvalidParameterError, match="batch_size"):
        enc.encode(["ok"], batch_size=0)
    with pytest.raises(InvalidParameterError, match="dim"):
        HashingEncoder(dim=0).encode(["x"])
    assert enc.encode([]).shape == (0, 8)


def test_registry():
    assert list_encoders() == ["hashing", "minilm", "tfidf"]
    assert isinstance(get_encoder("tfidf", dim=4), TfidfEncoder)
    assert isinstance(get_encoder(), SentenceTransformerEncoder)   # minilm is the default
    enc = HashingEncoder(dim=4)
    assert get_encoder(enc) is enc
    with pytest.raises(InvalidParameterError, match="one of"):
        get_encoder("word2vec")
    with pytest.raises(InvalidParameterError, match="hashing"):
        get_encoder("hashing", no_such_param=1)
    assert enc.name != HashingEncoder(dim=8).name        # the name carries the settings
    assert HashingEncoder(dim=4).name == enc.name
    assert enc.get_params()["dim"] == 4 and enc.set_params(dim=6).dim == 6


class CountingEncoder(TextEncoder):
    """Minimal encoder counting calls of the expensive part."""

    kind = "counting"

    def __init__(self, cache=True):
        self.cache = cache
        self.calls = 0

    @property
    def dim(self):
        return 2

    def _settings(self):
        return ["v1"]

    def _encode(self, texts, batch_size, verbose):
        self.calls += 1
        return np.array([[len(t), 1.0] for t in texts])


def test_cache_hit_on_second_call_and_reuse_across_instances(tmp_path):
    enc = CountingEncoder(cache=True)
    X1 = enc.encode(["ab", "cde"])
    X2 = enc.encode(["ab", "cde"])
    assert enc.calls == 1 and enc.cache_misses_ == 1 and enc.cache_hits_ == 1
    np.testing.assert_array_equal(X1, X2)
    assert X2.dtype == np.float32
    other = CountingEncoder(cache=True)                  # a new "run"
    np.testing.assert_array_equal(other.encode(["ab", "cde"]), X1)
    assert other.calls == 0 and other.cache_hits_ == 1
    # keyed by the texts: other texts or another order miss
    other.encode(["cde", "ab"])
    assert other.calls == 1
    cache = TextEmbeddingCache()
    assert cache.folder == tmp_path / "cache-root" / "text"
    assert len(cache.entries()) == 2
    assert not list(cache.folder.glob("*.tmp"))          # atomic writes leave no temporaries
    # cache=False never touches the disk
    off = CountingEncoder(cache=False)
    off.encode(["ab", "cde"])
    off.encode(["ab", "cde"])
    assert off.calls == 2 and off.cache_hits_ == 0


def test_cache_folder_argument_key_and_corrupt_entry(tmp_path):
    assert texts_key("e", ["ab", "c"]) != texts_key("e", ["a", "bc"])
    assert texts_key("e", ["ab"]) != texts_key("f", ["ab"])
    folder = tmp_path / "mine"
    enc = CountingEncoder(cache=str(folder))
    enc.encode(["xyz"])
    npy, meta = TextEmbeddingCache(folder).paths(enc.name, ["xyz"])
    assert npy.exists() and meta.exists()
    npy.write_bytes(b"not an npy file")
    with pytest.warns(RuntimeWarning, match="unreadable"):
        X = enc.encode(["xyz"])
    assert enc.calls == 2 and X.shape == (1, 2)
    np.testing.assert_array_equal(np.load(npy, allow_pickle=False), X)   # rewritten


def test_bad_cache_spec():
    with pytest.raises(InvalidParameterError, match="cache"):
        CountingEncoder(cache=3.5).encode(["a"])
