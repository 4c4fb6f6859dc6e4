import json

import numpy as np
import pytest
import torch

import graphemb as ge
from graphemb._base import BaseEstimator, clone
from graphemb.errors import DeviceError, InvalidParameterError, NotFittedError
from graphemb.utils import (atomic_save_npy, atomic_write_json, check_float, check_int, check_random_state,
                            load_npy, resolve_device, stable_node_hash, torch_generator)


class Toy(BaseEstimator):
    def __init__(self, dim=8, scale=1.0):
        self.dim = dim
        self.scale = scale

    def fit(self, X):
        self.value_ = self.dim * self.scale
        return self


def test_params_clone_repr():
    t = Toy(dim=4)
    assert t.get_params() == {"dim": 4, "scale": 1.0}
    assert repr(t) == "Toy(dim=4)"
    t.fit(None)
    c = clone(t)
    assert c.get_params() == t.get_params() and not hasattr(c, "value_")
    with pytest.raises(InvalidParameterError, match="has no parameter 'dims'"):
        t.set_params(dims=3)
    with pytest.raises(NotFittedError, match="not fitted"):
        Toy()._check_fitted("value_")


def test_random_state_and_generators():
    a = check_random_state(3).integers(0, 1000, 5)
    b = check_random_state(3).integers(0, 1000, 5)
    assert a.tolist() == b.tolist()
    g1, g2 = torch_generator(7), torch_generator(7)
    assert torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2))
    with pytest.raises(InvalidParameterError, match="random_state"):
        check_random_state("seed")
    with pytest.raises(InvalidParameterError):
        check_random_state(-1)


def test_stable_node_hash_is_order_independent():
    ids = np.array([5, 1, 9], dtype=np.int64)
    h = stable_node_hash(ids, seed=1)
    h_perm = stable_node_hash(ids[[2, 0, 1]], seed=1)
    assert h[[2, 0, 1]].tolist() == h_perm.tolist()
    assert len(set(h.tolist())) == 3
    assert stable_node_hash(ids, seed=2).tolist() != h.tolist()
    s = stable_node_hash(np.array(["a", "b"], dtype=object))
    assert s.dtype == np.uint64 and s[0] != s[1]


def test_device_resolution():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device(None).type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="CUDA is not available"):
            resolve_device("cuda")
    with pytest.raises(InvalidParameterError, match="device"):
        resolve_device("tpu:0")


def test_validation_messages():
    assert check_int(3, "dim", min_value=1) == 3
    with pytest.raises(InvalidParameterError, match="dim must be >= 1, got 0"):
        check_int(0, "dim", min_value=1)
    with pytest.raises(InvalidParameterError, match="dim must be an int"):
        check_int(2.5, "dim")
    with pytest.raises(InvalidParameterError, match="lr must be > 0"):
        check_float(0.0, "lr", min_value=0.0, min_inclusive=False)
    with pytest.raises(InvalidParameterError, match="finite"):
        check_float(float("nan"), "lr")


def test_atomic_writes(tmp_path):
    p = tmp_path / "sub" / "x.json"
    atomic_write_json(p, {"a": np.float32(1.5), "b": np.arange(2)})
    assert json.loads(p.read_text()) == {"a": 1.5, "b": [0, 1]}
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    atomic_save_npy(tmp_path / "x.npy", arr)
    np.testing.assert_array_equal(load_npy(tmp_path / "x.npy"), arr)
    with pytest.raises(TypeError, match="pickle"):
        atomic_save_npy(tmp_path / "o.npy", np.array([object()], dtype=object))
    # a failing write leaves the old file intact and no temporary behind
    from graphemb.utils.io import atomic_open

    with pytest.raises(RuntimeError):
        with atomic_open(p, "w", encoding="utf-8") as fh:
            fh.write("partial")
            raise RuntimeError("boom")
    assert json.loads(p.read_text())["a"] == 1.5
    assert [x.name for x in p.parent.iterdir()] == ["x.json"]


def test_top_level_namespace():
    assert ge.__version__
    assert ge.datasets.load_kg is not None
    with pytest.raises(AttributeError):
        ge.not_a_thing  # noqa: B018
