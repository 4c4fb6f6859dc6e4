"""Training losses and regularisers for knowledge-graph embeddings.

Binary cross-entropy over all entities as in the NFE reference (Xiao, He and Cao, AAAI 2023)
and ConvE (Dettmers et al., AAAI 2018); softmax cross-entropy (Lacroix et al., ICML 2018);
margin ranking (Bordes et al., NeurIPS 2013); self-adversarial negative sampling (Sun et al.,
"RotatE", ICLR 2019); N3 (Lacroix et al. 2018) and DURA (Zhang et al., NeurIPS 2020)
regularisers.

Two families: *all-entity* losses take scores (b, E) and a 0/1 label matrix (b, E) or tail
ids (b,); *negative-sampling* losses take positive scores (b,) and negative scores (b, k).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import InvalidParameterError

ALL_ENTITY_LOSSES = ("bce", "softmax")
NEGATIVE_LOSSES = ("margin", "bce", "softmax", "self-adversarial")


def bce_all_entities(scores: Tensor, labels: Tensor, label_smoothing: float = 0.0) -> Tensor:
    r"""Binary cross-entropy with logits summed over entities, averaged over queries.

    .. math:: L = \frac1b \sum_i \sum_e \mathrm{softplus}\big((1 - 2 y_{ie})\, s_{ie}\big)

    which equals :math:`-y\log\sigma(s) - (1-y)\log(1-\sigma(s))` (the NFE reference's form).
    """
    if label_smoothing:
        labels = labels * (1.0 - label_smoothing) + label_smoothing / scores.shape[1]
        return F.binary_cross_entropy_with_logits(scores, labels, reduction="sum") / scores.shape[0]
    return F.softplus((1.0 - 2.0 * labels) * scores).sum() / scores.shape[0]


def softmax_all_entities(scores: Tensor, labels: Tensor, label_smoothing: float = 0.0) -> Tensor:
    r"""Cross-entropy of the softmax over entities against the normalised label distribution.

    .. math:: L = -\frac1b\sum_i \sum_e \frac{y_{ie}}{\sum_{e'} y_{ie'}} \log \mathrm{softmax}(s_i)_e

    With ``label_smoothing`` :math:`\epsilon` the target is :math:`(1-\epsilon)\,y/\sum y + \epsilon / N`
    (Szegedy et al. 2016), as ``torch.nn.functional.cross_entropy(label_smoothing=...)``.
    """
    target = labels / labels.sum(1, keepdim=True).clamp_min(1.0)
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / scores.shape[1]
    return -(target * torch.log_softmax(scores, dim=1)).sum() / scores.shape[0]


def one_vs_all_loss(name: str, scores: Tensor, targets: Tensor, label_smoothing: float = 0.0) -> Tensor:
    r"""1-vs-all losses with one true entity per row, without building the label matrix.

    ``'bce'`` uses :math:`\mathrm{softplus}(-s) = \mathrm{softplus}(s) - s`: with labels
    :math:`y = (1-\epsilon)\,\mathrm{onehot} + \epsilon/N` the loss is
    :math:`\sum_e \mathrm{softplus}(s_e) - (1-\epsilon)\,s_t - \frac{\epsilon}{N}\sum_e s_e`, which
    equals :func:`bce_all_entities`; ``'softmax'`` equals :func:`softmax_all_entities`
    (``label_smoothing`` :math:`\epsilon` in both).
    """
    rows = torch.arange(len(targets), device=scores.device)
    if name == "bce":
        true = scores[rows, targets].sum()
        if label_smoothing:
            true = (1.0 - label_smoothing) * true + label_smoothing / scores.shape[1] * scores.sum()
        return (F.softplus(scores).sum() - true) / scores.shape[0]
    if name == "softmax":
        return F.cross_entropy(scores, targets, label_smoothing=label_smoothing)
    raise InvalidParameterError(f"loss must be one of {ALL_ENTITY_LOSSES} for 1vsall training, got {name!r}")


def margin_ranking(pos: Tensor, neg: Tensor, margin: float = 1.0) -> Tensor:
    r"""Margin ranking: :math:`\mathrm{mean}\,\max(0, \lambda - s^+ + s^-)` over all (positive, negative) pairs."""
    return F.relu(margin - pos.unsqueeze(1) + neg).mean()


def bce_negatives(pos: Tensor, neg: Tensor) -> Tensor:
    r"""Binary cross-entropy with logits: positives label 1, negatives label 0, mean over all scores."""
    n = pos.numel() + neg.numel()
    return (F.softplus(-pos).sum() + F.softplus(neg).sum()) / n


def softmax_negatives(pos: Tensor, neg: Tensor) -> Tensor:
    r"""Cross-entropy of the positive against its negatives: :math:`-\log\frac{e^{s^+}}{e^{s^+} + \sum e^{s^-}}`."""
    logits = torch.cat([pos.unsqueeze(1), neg], dim=1)
    return (torch.logsumexp(logits, dim=1) - pos).mean()


def self_adversarial(pos: Tensor, neg: Tensor, temperature: float = 1.0) -> Tensor:
    r"""Self-adversarial negative sampling loss (RotatE, Sun et al. 2019).

    .. math::
        L = \tfrac12\Big[-\log\sigma(s^+) - \sum_j p_j \log\sigma(-s^-_j)\Big],\qquad
        p = \mathrm{softmax}(\alpha s^-)\ \text{(no gradient)}

    Distance models fold the margin :math:`\gamma` into the score.
    """
    weights = torch.softmax(temperature * neg.detach(), dim=1)
    return (-F.logsigmoid(pos).mean() - (weights * F.logsigmoid(-neg)).sum(1).mean()) / 2.0


def negative_loss(name: str, pos: Tensor, neg: Tensor, margin: float = 1.0, temperature: float = 1.0) -> Tensor:
    """Dispatch a negative-sampling loss by name."""
    if name == "margin":
        return margin_ranking(pos, neg, margin)
    if name == "bce":
        return bce_negatives(pos, neg)
    if name == "softmax":
        return softmax_negatives(pos, neg)
    if name == "self-adversarial":
        return self_adversarial(pos, neg, temperature)
    raise InvalidParameterError(f"loss must be one of {NEGATIVE_LOSSES} for negative sampling, got {name!r}")


def all_entity_loss(name: str, scores: Tensor, labels: Tensor, label_smoothing: float = 0.0) -> Tensor:
    """Dispatch an all-entity (1-vs-all / k-vs-all) loss by name."""
    if name == "bce":
        return bce_all_entities(scores, labels, label_smoothing)
    if name == "softmax":
        return softmax_all_entities(scores, labels, label_smoothing)
    raise InvalidParameterError(f"loss must be one of {ALL_ENTITY_LOSSES} for 1vsall/kvsall training, got {name!r}")


def n3_regularizer(*factors: Tensor) -> Tensor:
    r"""N3: :math:`\frac1b\sum \|x\|_3^3` over the batch's factors (Lacroix et al. 2018)."""
    b = factors[0].shape[0]
    return sum(f.abs().pow(3).sum() for f in factors) / b


def dura_regularizer(h: Tensor, r: Tensor, t: Tensor) -> Tensor:
    r"""DURA for bilinear models (Zhang et al. 2020), with element-wise relation factors.

    .. math:: \frac1b\sum \|h\|^2 + \|t\|^2 + \|h \odot r\|^2 + \|t \odot r\|^2
    """
    return (h.pow(2).sum() + t.pow(2).sum() + (h * r).pow(2).sum() + (t * r).pow(2).sum()) / h.shape[0]
