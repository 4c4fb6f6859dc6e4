"""GCN baseline (Kipf and Welling 2017) through torch_geometric.nn.GCNConv."""

import numpy as np
import pytest
import torch

pytest.importorskip("torch_geometric")

from graphemb.errors import DeviceError, InvalidParameterError, NotFittedError  # noqa: E402
from graphemb.node.gcn import GCNClassifier  # noqa: E402


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def two_communities(size=8):
    """Two cliques joined by one edge; labels = community."""
    edges = []
    for base in (0, size):
        edges += [(base + i, base + j) for i in range(size) for j in range(i + 1, size)]
    edges.append((size - 1, size))
    ei = np.array(edges).T
    labels = np.array([0] * size + [1] * size)
    return ei, labels


def test_structure_carries_labels_from_features_of_train_nodes_only():
    ei, y = two_communities()
    n = len(y)
    train = np.array([0, 1, 8, 9])
    X = np.zeros((n, 2), dtype=np.float32)
    X[train, y[train]] = 1.0            # only training nodes carry (label-revealing) features
    test = np.setdiff1d(np.arange(n), train)
    clf = GCNClassifier(hidden_dim=8, dropout=0.0, epochs=100, patience=None, lr=0.05, random_state=0)
    clf.fit(ei, X, y, train)
    # test nodes have all-zero features: only propagation over the graph can classify them
    assert clf.score(test, y[test]) == 1.0
    proba = clf.predict_proba()
    assert proba.shape == (n, 2)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    assert len(clf.history_) == 100 and clf.history_[-1]["loss"] < clf.history_[0]["loss"]


def test_deterministic_given_random_state_and_label_space():
    ei, y = two_communities(6)
    labels = np.where(y == 0, 10, 42)      # arbitrary class labels are kept
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 5)).astype(np.float32)
    # bit-for-bit on CPU (CUDA's atomic scatter-adds agree only to rounding; see the docstring)
    a = GCNClassifier(epochs=20, random_state=3, device="cpu").fit(ei, X, labels, [0, 1, 6, 7], [2, 8])
    b = GCNClassifier(epochs=20, random_state=3, device="cpu").fit(ei, X, labels, [0, 1, 6, 7], [2, 8])
    c = GCNClassifier(epochs=20, random_state=4, device="cpu").fit(ei, X, labels, [0, 1, 6, 7], [2, 8])
    np.testing.assert_array_equal(a.logits_, b.logits_)
    assert not np.array_equal(a.logits_, c.logits_)
    assert set(a.predict().tolist()) <= {10, 42}
    assert a.classes_.tolist() == [10, 42]
    state = torch.random.get_rng_state()
    GCNClassifier(epochs=5, random_state=1).fit(ei, X, labels, [0, 6])
    assert torch.equal(state, torch.random.get_rng_state())   # the global torch RNG is untouched


def test_early_stopping_keeps_best_validation_epoch():
    ei, y = two_communities()
    X = np.eye(16, dtype=np.float32)
    clf = GCNClassifier(epochs=300, patience=5, random_state=0).fit(ei, X, y, [0, 8], np.arange(2, 8))
    val_acc = [h["val_accuracy"] for h in clf.history_]
    assert len(clf.history_) < 300
    assert clf.best_epoch_ == int(np.argmax(val_acc))
    assert clf.score(np.arange(2, 8), y[2:8]) == pytest.approx(max(val_acc))


def test_sparse_features_and_one_layer():
    import scipy.sparse as sp

    ei, y = two_communities(5)
    X = sp.identity(10, format="csr", dtype=np.float32)
    clf = GCNClassifier(num_layers=1, epochs=50, random_state=0).fit(ei, X, y, [0, 5])
    assert clf.logits_.shape == (10, 2) and len(clf._convs) == 1


def test_validation_errors():
    ei, y = two_communities(4)
    X = np.ones((8, 3), dtype=np.float32)
    with pytest.raises(NotFittedError):
        GCNClassifier().predict()
    with pytest.raises(InvalidParameterError, match="features must have shape"):
        GCNClassifier(epochs=1).fit(ei, X[:5], y, [0])
    with pytest.raises(InvalidParameterError, match="train_idx"):
        GCNClassifier(epochs=1).fit(ei, X, y, [0, 99])
    with pytest.raises(InvalidParameterError, match="train_idx must select"):
        GCNClassifier(epochs=1).fit(ei, X, y, [])
    with pytest.raises(InvalidParameterError, match="dropout"):
        GCNClassifier(dropout=1.0).fit(ei, X, y, [0])
    with pytest.raises(InvalidParameterError, match="labels must have shape"):
        GCNClassifier(epochs=1).fit(ei, X, y[:3], [0])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InvalidParameterError, match="NaN"):
        GCNClassifier(epochs=1).fit(ei, bad, y, [0])
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError):
            GCNClassifier(device="cuda").fit(ei, X, y, [0])


@pytest.mark.cuda
def test_cuda_fits_agree_to_rounding():
    ei, y = two_communities(6)
    X = np.random.default_rng(0).normal(size=(12, 5)).astype(np.float32)
    a = GCNClassifier(epochs=20, random_state=3, device="cuda").fit(ei, X, y, [0, 1, 6, 7], [2, 8])
    b = GCNClassifier(epochs=20, random_state=3, device="cuda").fit(ei, X, y, [0, 1, 6, 7], [2, 8])
    np.testing.assert_allclose(a.logits_, b.logits_, atol=1e-6)
