"""LibKGE-style training options: embedding dropout, Xavier initialisation, ReduceLROnPlateau."""

import math

import numpy as np
import pytest
import torch

from graphemb.errors import InvalidParameterError
from graphemb.kge import KGEModule, train


def test_embedding_dropout_masks_scales_and_is_off_in_eval():
    m = KGEModule("distmult", 50, 3, 40, reciprocal=True, entity_dropout=0.5, relation_dropout=0.25,
                  generator=torch.Generator().manual_seed(0))
    m.dropout_generator = torch.Generator().manual_seed(7)
    ids = torch.arange(50)
    with torch.no_grad():
        m.train()
        dropped = m._ent(ids)
        m.eval()
        plain = m._ent(ids)
    np.testing.assert_array_equal(plain.numpy(), m.entity.detach().numpy())
    kept = dropped != 0
    # kept entries are scaled by 1 / (1 - p) = 2, the rest are zero
    np.testing.assert_allclose(dropped[kept].numpy(), 2.0 * plain[kept].numpy(), rtol=1e-6)
    assert abs(kept.float().mean().item() - 0.5) < 0.05  # 2000 Bernoulli(0.5) draws
    with torch.no_grad():
        m.train()
        rel = m._rel(torch.arange(6))
    assert abs((rel != 0).float().mean().item() - 0.75) < 0.1
    # the same generator state gives the same masks; eval-mode scores are deterministic and undropped
    m.dropout_generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        again = m._ent(ids)
        np.testing.assert_array_equal(again.numpy(), dropped.numpy())
        m.eval()
        h, r = torch.tensor([0, 1]), torch.tensor([0, 4])
        expected = (m.entity[h] * m.relation[r]) @ m.entity.t()
        torch.testing.assert_close(m.score_t(h, r), expected)


def test_all_entity_candidates_are_dropped_in_training():
    m = KGEModule("distmult", 30, 2, 16, entity_dropout=0.3, generator=torch.Generator().manual_seed(0))
    m.dropout_generator = torch.Generator().manual_seed(1)
    m.train()
    with torch.no_grad():
        s_train = m.score_t(torch.tensor([0]), torch.tensor([0]))
        m.eval()
        s_eval = m.score_t(torch.tensor([0]), torch.tensor([0]))
    assert not torch.allclose(s_train, s_eval)


def test_xavier_normal_init_matches_glorot_std():
    m = KGEModule("complex", 3000, 40, 128, init="xavier_normal", generator=torch.Generator().manual_seed(0))
    ent_std = math.sqrt(2.0 / (3000 + 256))
    rel_std = math.sqrt(2.0 / (80 + 256))
    assert m.entity.detach().std().item() == pytest.approx(ent_std, rel=0.02)
    assert m.relation.detach().std().item() == pytest.approx(rel_std, rel=0.05)
    assert abs(m.entity.detach().mean().item()) < 1e-3
    u = KGEModule("complex", 3000, 40, 128, init="xavier_uniform", generator=torch.Generator().manual_seed(0))
    bound = math.sqrt(6.0 / (3000 + 256))
    assert u.entity.detach().abs().max().item() <= bound
    assert u.entity.detach().abs().max().item() > 0.99 * bound
    with pytest.raises(InvalidParameterError, match="init"):
        KGEModule("complex", 10, 2, 4, init="he")


def test_plateau_schedule_lowers_lr_after_stalled_validations(random_kg):
    kg = random_kg(1, 20, 3, (90, 15, 15))
    m = train(kg, "complex", dim=8, epochs=12, batch_size=32, lr=0.05, device="cpu", lr_schedule="plateau",
              lr_plateau_factor=0.5, lr_plateau_patience=0, valid_every=1, init="xavier_normal",
              entity_dropout=0.1, relation_dropout=0.1)
    hist = m.history_
    best = -np.inf
    for prev, nxt in zip(hist, hist[1:]):
        improved = prev["valid_mrr"] > best * (1 + 1e-4)
        best = max(best, prev["valid_mrr"])
        assert nxt["lr"] == pytest.approx(prev["lr"] if improved else 0.5 * prev["lr"])
    assert hist[-1]["lr"] < 0.05  # a tiny noisy graph stalls at least once in 12 epochs


def test_libkge_options_validated(random_kg):
    kg = random_kg(1, 20, 3, (90, 15, 15))
    with pytest.raises(InvalidParameterError, match="entity_dropout"):
        train(kg, "complex", entity_dropout=1.0)
    with pytest.raises(InvalidParameterError, match="relation_dropout"):
        train(kg, "complex", relation_dropout=-0.1)
    with pytest.raises(InvalidParameterError, match="init"):
        train(kg, "complex", init="kaiming")
    with pytest.raises(InvalidParameterError, match="valid_every"):
        train(kg, "complex", lr_schedule="plateau", valid_every=0)
    with pytest.raises(InvalidParameterError, match="lr_plateau_factor"):
        train(kg, "complex", lr_schedule="plateau", lr_plateau_factor=1.0)
