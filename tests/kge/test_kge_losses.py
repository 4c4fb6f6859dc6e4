"""Losses: the label-free 1-vs-all forms equal the label-matrix forms; hand-computed values."""

import math

import pytest
import torch

from graphemb.kge.losses import (bce_all_entities, bce_negatives, margin_ranking, n3_regularizer,
                                 one_vs_all_loss, self_adversarial, softmax_all_entities, softmax_negatives)


def test_one_vs_all_equals_label_matrix_forms():
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(5, 9, generator=g, dtype=torch.float64)
    targets = torch.tensor([0, 3, 8, 3, 1])
    labels = torch.zeros_like(scores)
    labels[torch.arange(5), targets] = 1.0
    torch.testing.assert_close(one_vs_all_loss("bce", scores, targets), bce_all_entities(scores, labels))
    torch.testing.assert_close(one_vs_all_loss("softmax", scores, targets), softmax_all_entities(scores, labels))


def test_label_smoothing_applies_to_both_all_entity_losses():
    g = torch.Generator().manual_seed(1)
    scores = torch.randn(4, 7, generator=g, dtype=torch.float64)
    targets = torch.tensor([2, 0, 6, 2])
    labels = torch.zeros_like(scores)
    labels[torch.arange(4), targets] = 1.0
    eps = 0.1
    torch.testing.assert_close(softmax_all_entities(scores, labels, eps),
                               torch.nn.functional.cross_entropy(scores, targets, label_smoothing=eps))
    smoothed = labels * (1 - eps) + eps / 7
    manual = torch.nn.functional.binary_cross_entropy_with_logits(scores, smoothed, reduction="sum") / 4
    torch.testing.assert_close(bce_all_entities(scores, labels, eps), manual)
    assert not torch.isclose(softmax_all_entities(scores, labels, eps), softmax_all_entities(scores, labels))
    # the label-free 1-vs-all forms used in training give the same smoothed losses
    torch.testing.assert_close(one_vs_all_loss("softmax", scores, targets, eps),
                               softmax_all_entities(scores, labels, eps))
    torch.testing.assert_close(one_vs_all_loss("bce", scores, targets, eps), manual)


def test_negative_losses_hand_computed():
    pos, neg = torch.tensor([2.0]), torch.tensor([[1.5, -1.0]])
    # margin 1: max(0, 1 - 2 + 1.5) = 0.5 and max(0, 1 - 2 - 1) = 0 -> mean 0.25
    assert float(margin_ranking(pos, neg)) == pytest.approx(0.25)
    sp = lambda x: math.log1p(math.exp(x))  # noqa: E731
    assert float(bce_negatives(pos, neg)) == pytest.approx((sp(-2.0) + sp(1.5) + sp(-1.0)) / 3)
    lse = math.log(math.exp(2.0) + math.exp(1.5) + math.exp(-1.0))
    assert float(softmax_negatives(pos, neg)) == pytest.approx(lse - 2.0)
    w = torch.softmax(neg[0], 0)
    expected = 0.5 * (sp(-2.0) + float(w[0]) * sp(1.5) + float(w[1]) * sp(-1.0))
    assert float(self_adversarial(pos, neg)) == pytest.approx(expected)
    assert float(n3_regularizer(torch.tensor([[1.0, -2.0]]))) == pytest.approx(9.0)
