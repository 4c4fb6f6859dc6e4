"""The closed-form TransE margin gradient equals autograd's on the row-gathered path."""

import numpy as np
import pytest
import torch

import graphemb.kge.training as training_mod
from graphemb.kge import KGEModule, train
from graphemb.kge.losses import negative_loss
from graphemb.kge.shared_negatives import row_gathered_shared_scores
from graphemb.kge.transe_margin_kernel import supports_transe_margin_kernel, transe_margin_shared_gradients


def _batch(n_ent=40, n_rel=5, b=64):
    rng = np.random.default_rng(0)
    batch = np.stack([rng.integers(0, n_ent, b), rng.integers(0, n_rel, b), rng.integers(0, n_ent, b)], 1)
    batch[:4, 2] = batch[:4, 0]  # an entity twice in a row: its gradients must accumulate
    return torch.as_tensor(batch)


@pytest.mark.parametrize("k,margin", [(9, 1.0), (1, 1.0), (8, 0.3), (40, 5.0)])
def test_closed_form_gradient_equals_autograd(k, margin):
    m = KGEModule("transe", 40, 5, 6, gamma=3.0, reciprocal=False, generator=torch.Generator().manual_seed(1))
    batch = _batch()
    s, (el, eids), (rl, rids) = row_gathered_shared_scores(m, batch, k, torch.Generator().manual_seed(5))
    loss = negative_loss("margin", s[:, 0], s[:, 1:], margin)
    loss.backward()
    loss2, (eg, eids2, erows), (rg, rids2) = transe_margin_shared_gradients(m, batch, k,
                                                                            torch.Generator().manual_seed(5), margin)
    assert torch.equal(eids, eids2) and torch.equal(rids, rids2)
    torch.testing.assert_close(loss2, loss.detach(), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(eg, el.grad, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(rg, rl.grad, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(erows, m.entity.detach()[eids])
    assert float(el.grad.abs().max()) > 0  # the comparison is not between zeros


def test_kernel_only_for_its_configuration():
    assert supports_transe_margin_kernel(KGEModule("transe", 4, 1, 2, reciprocal=False), "margin")
    assert not supports_transe_margin_kernel(KGEModule("transe", 4, 1, 2, reciprocal=False), "bce")
    assert not supports_transe_margin_kernel(KGEModule("transe", 4, 1, 2, reciprocal=True), "margin")
    assert not supports_transe_margin_kernel(
        KGEModule("transe", 4, 1, 2, reciprocal=False, interaction_kwargs={"p": 1}), "margin")
    assert not supports_transe_margin_kernel(KGEModule("transe", 4, 1, 2, reciprocal=False, entity_dropout=0.1),
                                             "margin")
    assert not supports_transe_margin_kernel(KGEModule("distmult", 4, 1, 2, reciprocal=False), "margin")


def test_training_with_kernel_matches_autograd_training(monkeypatch, random_kg):
    kg = random_kg(3, 30, 4, (160, 20, 20))
    kw = dict(dim=8, epochs=2, batch_size=32, lr=0.02, training="negative", num_negatives=6, shared_negatives=True,
              optimizer="sparse_adam", device="cpu", valid_every=0, random_state=4)
    fast = train(kg, "transe", **kw)
    monkeypatch.setattr(training_mod, "supports_transe_margin_kernel", lambda module, loss: False)
    slow = train(kg, "transe", **kw)
    np.testing.assert_allclose(fast.entity_embeddings_, slow.entity_embeddings_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast.history_[-1]["loss"], slow.history_[-1]["loss"], rtol=1e-5)
    assert not np.array_equal(fast.entity_embeddings_, train(kg, "transe", **{**kw, "epochs": 1}).entity_embeddings_)
