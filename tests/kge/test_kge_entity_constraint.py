"""Entity unit-norm constraint (TransE, Bordes et al. 2013; PyKEEN's entity_constrainer) and PyKEEN's init."""

import numpy as np
import pytest
import torch

from graphemb.errors import InvalidParameterError
from graphemb.kge import KGEModule, train
from graphemb.kge.config import resolve_config
from graphemb.kge.losses import negative_loss
from graphemb.kge.shared_negatives import (normalize_rows_, row_gathered_shared_scores, row_sparse_adam_step,
                                          shared_negative_scores)


def test_normalize_rows_hand_computed():
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]])
    normalize_rows_(x, torch.tensor([0, 1]))
    torch.testing.assert_close(x, torch.tensor([[0.6, 0.8], [0.0, 0.0], [0.0, -2.0]]))  # row 2 untouched
    normalize_rows_(x)
    torch.testing.assert_close(x, torch.tensor([[0.6, 0.8], [0.0, 0.0], [0.0, -1.0]]))


def test_defaults_follow_transe_paper_and_pykeen():
    assert resolve_config("transe", training="negative")["entity_constraint"] == "unit_norm"
    assert resolve_config("transe", training="negative", entity_constraint="none")["entity_constraint"] == "none"
    for model in ("nfe-1", "distmult", "complex", "rotate"):
        assert resolve_config(model)["entity_constraint"] == "none"
    # the NFE reference constrains nothing, so its TransE preset does not either
    assert resolve_config("transe", preset="fb15k-237/transe")["entity_constraint"] == "none"
    with pytest.raises(InvalidParameterError, match="entity_constraint"):
        resolve_config("transe", entity_constraint="l2")


def test_row_step_with_unit_norm_equals_sparse_adam_then_normalise():
    m_ref = KGEModule("transe", 40, 5, 6, reciprocal=False, generator=torch.Generator().manual_seed(1))
    m = KGEModule("transe", 40, 5, 6, reciprocal=False, generator=torch.Generator().manual_seed(1))
    rng = np.random.default_rng(0)
    batch = torch.as_tensor(np.stack([rng.integers(0, 20, 32), rng.integers(0, 5, 32), rng.integers(0, 20, 32)], 1))
    m_ref.sparse_grad = True
    opt_ref = torch.optim.SparseAdam(list(m_ref.parameters()), lr=0.05)
    opt = torch.optim.SparseAdam(list(m.parameters()), lr=0.05)
    before = m.entity.detach().clone()
    s = shared_negative_scores(m_ref, batch, 8, torch.Generator().manual_seed(3))
    negative_loss("margin", s[:, 0], s[:, 1:], 1.0).backward()
    opt_ref.step()
    s2, (el, eids), (rl, rids) = row_gathered_shared_scores(m, batch, 8, torch.Generator().manual_seed(3))
    negative_loss("margin", s2[:, 0], s2[:, 1:], 1.0).backward()
    row_sparse_adam_step(opt, [(m.entity, eids, el.grad), (m.relation, rids, rl.grad)], unit_norm=(True, False))
    expected = m_ref.entity.detach().clone()
    normalize_rows_(expected, eids)
    torch.testing.assert_close(m.entity.detach(), expected, rtol=1e-4, atol=2e-5)
    norms = torch.linalg.vector_norm(m.entity.detach()[eids], dim=1)
    torch.testing.assert_close(norms, torch.ones_like(norms))
    untouched = torch.ones(40, dtype=torch.bool)
    untouched[eids] = False
    assert untouched.any() and torch.equal(m.entity.detach()[untouched], before[untouched])
    torch.testing.assert_close(m.relation, m_ref.relation, rtol=1e-4, atol=2e-5)  # relations unconstrained


@pytest.mark.parametrize("extra", [dict(shared_negatives=True, optimizer="sparse_adam"),  # row-gathered path
                                   dict(optimizer="adam", negative_sampler="uniform")])  # generic path
def test_trained_transe_entities_have_unit_norm(extra, random_kg):
    kg = random_kg(7, 30, 4, (200, 20, 20))
    kw = dict(dim=8, epochs=2, batch_size=32, lr=0.05, training="negative", num_negatives=4, device="cpu",
              valid_every=0, random_state=0, **extra)
    model = train(kg, "transe", **kw)
    assert model.config_["entity_constraint"] == "unit_norm"
    norms = np.linalg.norm(model.entity_embeddings_, axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)
    free = train(kg, "transe", entity_constraint="none", **kw)
    assert np.abs(np.linalg.norm(free.entity_embeddings_, axis=1) - 1.0).max() > 0.1


def test_xavier_uniform_norm_init_gives_unit_rows():
    m = KGEModule("transe", 50, 4, 16, init="xavier_uniform_norm", generator=torch.Generator().manual_seed(0))
    for table in (m.entity, m.relation):
        norms = torch.linalg.vector_norm(table.detach(), dim=1)
        torch.testing.assert_close(norms, torch.ones_like(norms))
    # directions are uniform-box draws: not all equal, mean close to 0
    assert m.entity.detach().std() > 0.1 and abs(float(m.entity.detach().mean())) < 0.05


def test_row_step_with_constraint_resumes_exactly(tmp_path, random_kg, interrupt_at):
    kg = random_kg(7, 30, 4, (200, 20, 20))
    kw = dict(dim=8, epochs=3, batch_size=32, lr=0.05, training="negative", num_negatives=4, device="cpu",
              valid_every=0, random_state=2, shared_negatives=True, optimizer="sparse_adam")
    full = train(kg, "transe", **kw)
    with pytest.raises(KeyboardInterrupt):
        train(kg, "transe", checkpoint_dir=tmp_path, callback=interrupt_at(1), **kw)
    resumed = train(kg, "transe", checkpoint_dir=tmp_path, resume=True, **kw)
    np.testing.assert_array_equal(full.entity_embeddings_, resumed.entity_embeddings_)
    np.testing.assert_array_equal(full.relation_embeddings_, resumed.relation_embeddings_)
