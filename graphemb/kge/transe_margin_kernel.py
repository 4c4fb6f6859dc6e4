r"""Closed-form gradient of TransE (L2) with margin ranking loss over batch-shared negatives.

TransE (Bordes et al., "Translating Embeddings for Modeling Multi-relational Data", NeurIPS
2013) with the margin ranking loss and the batch-shared negatives of DGL-KE (Zheng et al., SIGIR
2020): a batch of ``b`` positives ``(h_i, r_i, t_i)`` shares ``k_h`` corrupting heads and ``k_t``
corrupting tails. With :math:`q_i = h_i + r_i`, :math:`p_i = t_i - r_i` and :math:`N = b (k_h + k_t)`,

.. math::
    d^+_i = \|q_i - t_i\|_2,\qquad d^t_{ij} = \|q_i - c_j\|_2,\qquad d^h_{ij} = \|p_i - c_j\|_2,

    L = \frac1N \sum_{i,j} \max(0, \lambda + d^+_i - d_{ij})

(the scores are :math:`\gamma - d`, so :math:`\gamma` cancels). With the active pairs
:math:`A_{ij} = [\lambda + d^+_i - d_{ij} > 0]` (a candidate equal to the row's true entity is
never active) and :math:`W_{ij} = A_{ij} / (N d_{ij})`, the gradients are two small matrix
products per side instead of an autograd graph:

.. math::
    \frac{\partial L}{\partial q_i} \ni W_i C - q_i \textstyle\sum_j W_{ij},\qquad
    \frac{\partial L}{\partial c_j} = W_{:j}^\top Q - c_j \textstyle\sum_i W_{ij},\qquad
    \frac{\partial L}{\partial (q_i - t_i)} = \frac{\sum_j A_{ij}}{N\, d^+_i} (q_i - t_i).

This is the row-gathered path of :mod:`graphemb.kge.shared_negatives` (same candidates from the
same generator, same loss, the same gradient up to float rounding: tested against autograd)
without autograd's bookkeeping; the training loop uses it for TransE with ``p=2``, margin loss,
no reciprocal relations and no dropout, and the autograd path otherwise.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import Tensor

from .models import KGEModule


def supports_transe_margin_kernel(module: KGEModule, loss: str) -> bool:
    """Whether :func:`transe_margin_shared_gradients` computes this configuration's gradient."""
    inter = module.interaction
    return (module.model_name == "transe" and getattr(inter, "p", None) == 2 and loss == "margin"
            and not module.reciprocal and module.entity_dropout == 0.0 and module.relation_dropout == 0.0)


def _pair_weights(query: Tensor, q_sq: Tensor, cand: Tensor, d_pos: Tensor, margin: float, collide: Tensor,
                  n_pairs: int) -> Tuple[Tensor, Tensor, Tensor]:
    """Hinge terms (b, c), active-pair weights ``A / (N d)`` (b, c) and active counts (b,)."""
    c_sq = cand.pow(2).sum(1)
    dist = torch.addmm(q_sq.unsqueeze(1) + c_sq, query, cand.t(), alpha=-2.0).clamp_min_(0.0).sqrt_()
    hinge = (d_pos + margin).unsqueeze(1) - dist
    active = (hinge > 0) & ~collide
    hinge.mul_(active)
    weights = active / dist.clamp_min_(1e-12).mul_(n_pairs)
    return hinge, weights, active.sum(1)


@torch.no_grad()
def transe_margin_shared_gradients(module: KGEModule, batch: Tensor, k: int, generator: torch.Generator,
                                   margin: float) -> Tuple[Tensor, Tuple[Tensor, Tensor, Tensor], Tuple[Tensor, Tensor]]:
    """Loss and gradients of the touched rows for one batch (see the module docstring).

    Parameters
    ----------
    module : KGEModule
        A TransE module accepted by :func:`supports_transe_margin_kernel`.
    batch : Tensor (b, 3)
        Positive id triples.
    k : int
        Shared candidates: ``k // 2`` corrupt heads, ``k - k // 2`` corrupt tails (drawn as
        :func:`graphemb.kge.shared_negatives.row_gathered_shared_scores` draws them).
    generator : torch.Generator
    margin : float

    Returns
    -------
    loss : Tensor ()
    (entity_grad, entity_ids, entity_rows), (relation_grad, relation_ids)
        Gradients (n, width) of the unique touched rows and their ids; ``entity_rows`` is the
        gathered copy of those entity rows (for :func:`~graphemb.kge.shared_negatives.row_sparse_adam_step`).
    """
    b = batch.shape[0]
    cand = torch.randint(0, module.num_entities, (k,), generator=generator, device=batch.device)
    kh = k // 2
    h_ids, r_ids, t_ids = batch[:, 0], batch[:, 1], batch[:, 2]
    ent_ids, ent_inv = torch.unique(torch.cat([h_ids, t_ids, cand]), return_inverse=True)
    rel_ids, rel_inv = torch.unique(r_ids, return_inverse=True)
    # one gather of the touched entity rows, then one of the batch's (2b + k) lookups
    ent_rows = module.entity.detach().index_select(0, ent_ids)
    rows = ent_rows.index_select(0, ent_inv)
    h, t, head_c, tail_c = torch.split(rows, [b, b, kh, k - kh])
    r = module.relation.detach().index_select(0, rel_ids).index_select(0, rel_inv)
    n_pairs = b * k
    q = h + r
    diff = q - t
    d_pos = torch.linalg.vector_norm(diff, dim=1)
    hinge_t, w_t, cnt_t = _pair_weights(q, q.pow(2).sum(1), tail_c, d_pos, margin,
                                        t_ids.unsqueeze(1) == cand[kh:], n_pairs)
    # tail side, d_ij = ||q_i - c_j||: dL/dq = W C - q sum_j W, dL/dc = W^T Q - c sum_i W
    g_q = torch.addmm(q * w_t.sum(1, keepdim=True).neg_(), w_t, tail_c)
    g_tc = torch.addmm(tail_c * w_t.sum(0).neg_().unsqueeze(1), w_t.t(), q)
    loss, active = hinge_t.sum(), cnt_t
    grads = [(ent_inv[2 * b + kh:], g_tc)]
    if kh:  # head side, d_ij = ||p_i - c_j|| with p = t - r: the same forms in p
        p = t - r
        hinge_h, w_h, cnt_h = _pair_weights(p, p.pow(2).sum(1), head_c, d_pos, margin,
                                            h_ids.unsqueeze(1) == cand[:kh], n_pairs)
        g_p = torch.addmm(p * w_h.sum(1, keepdim=True).neg_(), w_h, head_c)
        grads.append((ent_inv[2 * b:2 * b + kh], torch.addmm(head_c * w_h.sum(0).neg_().unsqueeze(1), w_h.t(), p)))
        loss, active = loss + hinge_h.sum(), active + cnt_h
        g_r = g_q - g_p
    else:
        g_p, g_r = torch.zeros_like(q), g_q.clone()
    # dL/d(q - t): every active pair adds d_pos / N; then q = h + r, p = t - r, diff = q - t
    grad_diff = diff.mul_((active / (n_pairs * d_pos.clamp_min(1e-12))).unsqueeze(1))
    g_r.add_(grad_diff)
    grads += [(ent_inv[:b], g_q.add_(grad_diff)), (ent_inv[b:2 * b], g_p.sub_(grad_diff))]
    ent_grad = torch.zeros_like(ent_rows)
    for inv, grad in grads:
        ent_grad.index_add_(0, inv, grad)
    rel_grad = torch.zeros(len(rel_ids), r.shape[1], dtype=r.dtype, device=r.device)
    rel_grad.index_add_(0, rel_inv, g_r)
    return loss / n_pairs, (ent_grad, ent_ids, ent_rows), (rel_grad, rel_ids)


__all__ = ["supports_transe_margin_kernel", "transe_margin_shared_gradients"]
