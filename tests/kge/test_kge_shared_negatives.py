"""Batch-shared negatives: the row-gathered step equals the sparse-embedding + SparseAdam step."""

import numpy as np
import pytest
import torch

from graphemb.kge import KGEModule, train
from graphemb.kge.shared_negatives import (row_gathered_shared_scores, row_sparse_adam_step,
                                          shared_negative_scores)


def _module(model, reciprocal, dropout=0.0):
    return KGEModule(model, 40, 5, 6, gamma=2.0, reciprocal=reciprocal, generator=torch.Generator().manual_seed(1),
                     entity_dropout=dropout)


def _batch():
    rng = np.random.default_rng(0)
    b = np.stack([rng.integers(0, 40, 64), rng.integers(0, 5, 64), rng.integers(0, 40, 64)], 1)
    b[:4, 2] = b[:4, 0]  # repeated entities in a row must accumulate their gradients
    return torch.as_tensor(b)


@pytest.mark.parametrize("model,reciprocal", [("transe", False), ("nfe-1", True), ("complex", False)])
def test_row_gathered_scores_equal_lookup_scores(model, reciprocal):
    m = _module(model, reciprocal)
    batch = _batch()
    a = shared_negative_scores(m, batch, 9, torch.Generator().manual_seed(5))
    b, (ent_leaf, ent_ids), (rel_leaf, rel_ids) = row_gathered_shared_scores(m, batch, 9,
                                                                            torch.Generator().manual_seed(5))
    torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    assert torch.equal(ent_ids, torch.unique(ent_ids)) and ent_leaf.shape == (len(ent_ids), m.entity.shape[1])
    assert int(torch.isinf(a).sum()) == int(torch.isinf(b).sum())


@pytest.mark.parametrize("fused", [True, False], ids=["fused-kernel", "plain-ops"])
@pytest.mark.parametrize("model,reciprocal", [("transe", False), ("nfe-1", True)])
def test_row_sparse_adam_equals_sparse_adam(model, reciprocal, fused, monkeypatch, lockstep_row_steps):
    import graphemb.kge.shared_negatives as shared

    if not fused:  # torch builds without torch._fused_adam_ take the plain in-place path
        monkeypatch.setattr(shared, "_FUSED_ADAM", None)
    elif shared._FUSED_ADAM is None:
        pytest.skip("this torch build has no torch._fused_adam_")
    batch = _batch()
    ref, ours = _module(model, reciprocal), _module(model, reciprocal)
    ref.sparse_grad = True
    opt_ref = torch.optim.SparseAdam(list(ref.parameters()), lr=0.05)
    opt_ours = torch.optim.SparseAdam(list(ours.parameters()), lr=0.05)
    lockstep_row_steps(ref, ours, batch, opt_ref, opt_ours, row_sparse_adam_step)
    # Adam divides by sqrt(v): rows with tiny gradients amplify float rounding a little
    torch.testing.assert_close(ours.entity, ref.entity, rtol=1e-4, atol=2e-5)
    torch.testing.assert_close(ours.relation, ref.relation, rtol=1e-4, atol=2e-5)
    # the moments match too (rows no batch touched stay zero in both)
    st, st_ref = opt_ours.state[ours.entity], opt_ref.state[ref.entity]
    assert st["step"] == st_ref["step"] == 3
    torch.testing.assert_close(st["exp_avg"], st_ref["exp_avg"], rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(st["exp_avg_sq"], st_ref["exp_avg_sq"], rtol=1e-4, atol=1e-8)
    assert bool((st["exp_avg"] == 0).all(1).any())
    assert set(opt_ours.state_dict()["state"][0]) == set(opt_ref.state_dict()["state"][0])


def test_shared_negatives_sparse_adam_training_reproducible(random_kg):
    kg = random_kg(3, 30, 4, (160, 20, 20))
    kw = dict(dim=8, epochs=3, batch_size=32, lr=0.02, training="negative", num_negatives=6, shared_negatives=True,
              optimizer="sparse_adam", device="cpu", valid_every=0, random_state=4)
    a, b = train(kg, "transe", **kw), train(kg, "transe", **kw)
    np.testing.assert_array_equal(a.entity_embeddings_, b.entity_embeddings_)
    assert a.history_[-1]["loss"] < a.history_[0]["loss"]
