r"""Batch-shared negatives: scoring by matrix products, row-gathered steps and a lazy Adam on touched rows.

Batch-shared negatives (the batched negatives of DGL-KE, Zheng et al., SIGIR 2020, and
PyTorch-BigGraph, Lerer et al., SysML 2019) corrupt the ``b`` positives of a batch with the
same ``k`` entities, so a batch touches at most ``2 b + k`` entity rows and ``b`` relation rows.
This module scores such a batch from one gather per table and updates only those rows with the
lazy ("sparse") Adam of :class:`torch.optim.SparseAdam` (Kingma and Ba, ICLR 2015):

.. math::
    m_i \leftarrow m_i + (1-\beta_1)(g_i - m_i),\quad
    v_i \leftarrow v_i + (1-\beta_2)(g_i^2 - v_i),\quad
    \theta_i \leftarrow \theta_i - \eta\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\,\frac{m_i}{\sqrt{v_i}+\epsilon}

for every touched row :math:`i` (``t`` counts steps). Compared with sparse ``nn.Embedding``
gradients fed to ``SparseAdam`` this avoids summing and coalescing one sparse COO gradient per
lookup and the masked reads of the full moment tables: the gradient of the unique rows is a small
dense tensor, the rows of the parameter and both moments are gathered once (``index_select``),
updated by torch's fused Adam kernel and written back (``index_copy_``). TransE's unit-norm entity
constraint (``unit_norm``) rescales the updated rows before they are written back; for TransE-L2 with
margin loss the gradient itself is computed in closed form (:mod:`graphemb.kge.transe_margin_kernel`).
The optimizer object *is* a ``torch.optim.SparseAdam`` (same state names), so checkpoints,
resume and ``state_dict`` work unchanged, and the result equals ``SparseAdam.step`` up to float
rounding (tested).
"""

from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence, Tuple

import torch
from torch import Tensor

from .losses import negative_loss
from .models import KGEModule
from .row_adagrad import RowAdagrad, row_adagrad_step
from .transe_margin_kernel import supports_transe_margin_kernel, transe_margin_shared_gradients


def shared_negative_scores(module: KGEModule, batch: torch.Tensor, k: int, generator: torch.Generator):
    """Scores (b, 1 + k): positives, then ``k // 2`` head and ``k - k // 2`` tail corruptions per positive.

    The corrupting entities are drawn uniformly once per batch and shared by all its positives
    (the batched negatives of DGL-KE / PyTorch-BigGraph), so negatives are scored by one matrix
    product instead of gathering ``(b, k, width)`` tensors. A shared candidate equal to a row's
    true entity is not a negative for that row; its score is masked to ``-inf`` (zero loss).
    """
    cand = torch.randint(0, module.num_entities, (k,), generator=generator, device=batch.device)
    kh = k // 2
    head_c, tail_c = cand[:kh], cand[kh:]
    pos = module.score_hrt(batch)
    neg_t = module.score_t(batch[:, 0], batch[:, 1], tail_c).masked_fill(batch[:, 2:3] == tail_c, float("-inf"))
    parts = [pos.unsqueeze(1)]
    if kh:
        neg_h = module.score_h(batch[:, 1], batch[:, 2], head_c).masked_fill(batch[:, 0:1] == head_c,
                                                                             float("-inf"))
        parts.append(neg_h)
    parts.append(neg_t)
    return torch.cat(parts, dim=1).float()


def chunk_shared_scores(module: KGEModule, batch: torch.Tensor, shared) -> torch.Tensor:
    """Scores (b, 1 + k) from a chunk-shared sampler's compact ``SharedNegatives`` by matrix products."""
    pos = module.score_hrt(batch)
    negs = []
    cs = shared.chunk_size
    for c in range(shared.entities.shape[0]):
        rows = batch[c * cs:(c + 1) * cs]
        if not len(rows):
            break
        ents = shared.entities[c]
        if bool(shared.corrupt_head[c]):
            negs.append(module.score_h(rows[:, 1], rows[:, 2], ents))
        else:
            negs.append(module.score_t(rows[:, 0], rows[:, 1], ents))
    neg = torch.cat(negs, 0).masked_fill(shared.collision, float("-inf"))
    return torch.cat([pos.unsqueeze(1), neg], dim=1).float()


def row_gathered_shared_scores(module: KGEModule, batch: Tensor, k: int, generator: torch.Generator):
    """Scores (b, 1 + k) of a batch and its ``k`` batch-shared corruptions from one gather per table.

    The candidates are drawn exactly as in :func:`shared_negative_scores`
    (``k // 2`` head then ``k - k // 2`` tail corruptions, uniform, one draw per batch), so both
    give the same scores for the same generator state; a candidate equal to a row's true entity is
    masked to ``-inf``.

    Returns
    -------
    scores : Tensor (b, 1 + k)
        Positive score first, then head and tail corruptions.
    entity_rows, relation_rows : (Tensor, Tensor)
        ``(leaf, ids)``: the gathered unique rows (a leaf that receives the gradient) and their ids.
    """
    b = batch.shape[0]
    cand = torch.randint(0, module.num_entities, (k,), generator=generator, device=batch.device)
    kh = k // 2
    h_ids, r_ids, t_ids = batch[:, 0], batch[:, 1], batch[:, 2]
    ent_ids, ent_inv = torch.unique(torch.cat([h_ids, t_ids, cand]), return_inverse=True)
    rel_query = torch.cat([r_ids, r_ids + module.num_relations]) if (module.reciprocal and kh) else r_ids
    rel_ids, rel_inv = torch.unique(rel_query, return_inverse=True)
    ent_leaf = module.entity.detach().index_select(0, ent_ids).requires_grad_(True)
    rel_leaf = module.relation.detach().index_select(0, rel_ids).requires_grad_(True)
    # index_select, not advanced indexing: its backward is one index_add_ (no sort-based index_put)
    ent = module._dropout(ent_leaf.index_select(0, ent_inv), module.entity_dropout)
    rel = module._dropout(rel_leaf.index_select(0, rel_inv), module.relation_dropout)
    # split (not slicing): its backward is one concatenation instead of a zero-filled table per slice
    h, t, head_c, tail_c = torch.split(ent, [b, b, kh, k - kh])
    r, r_inv = torch.split(rel, [b, rel.shape[0] - b])
    inter = module.interaction
    pos = inter.score_hrt(h, r, t)
    neg_t = inter.score_t(h, r, tail_c).masked_fill(t_ids.unsqueeze(1) == cand[kh:], float("-inf"))
    parts = [pos.unsqueeze(1)]
    if kh:
        neg_h = inter.score_t(t, r_inv, head_c) if module.reciprocal else inter.score_h(r, t, head_c)
        parts.append(neg_h.masked_fill(h_ids.unsqueeze(1) == cand[:kh], float("-inf")))
    parts.append(neg_t)
    return torch.cat(parts, dim=1).float(), (ent_leaf, ent_ids), (rel_leaf, rel_ids)


def row_gathered_step(module: KGEModule, batch: Tensor, optimizer: torch.optim.Optimizer, k: int,
                      generator: torch.Generator, loss: str, margin: float = 1.0, temperature: float = 1.0,
                      unit_norm: bool = False, closed_form: Optional[bool] = None) -> Tensor:
    """One training step on the rows a batch touches; returns the (detached) loss.

    Scores the batch and its ``k`` shared corruptions (:func:`row_gathered_shared_scores`), takes
    the gradient of the touched rows (autograd, or for TransE-L2 with margin loss the closed form
    of :mod:`graphemb.kge.transe_margin_kernel`; ``closed_form=None`` picks it when supported) and
    applies :func:`row_sparse_adam_step` (a ``SparseAdam`` optimizer) or
    :func:`graphemb.kge.row_adagrad.row_adagrad_step` (a ``RowAdagrad``), rescaling the touched
    entity rows to unit norm when ``unit_norm``.
    """
    if closed_form is None:
        closed_form = supports_transe_margin_kernel(module, loss)
    if closed_form:
        loss_val, (ent_grad, ent_ids, ent_rows), (rel_grad, rel_ids) = transe_margin_shared_gradients(
            module, batch, k, generator, margin)
        ent_update = (module.entity, ent_ids, ent_grad, ent_rows)
    else:
        scores, (ent_leaf, ent_ids), (rel_leaf, rel_ids) = row_gathered_shared_scores(module, batch, k, generator)
        loss_val = negative_loss(loss, scores[:, 0], scores[:, 1:], margin, temperature)
        loss_val.backward()
        ent_update, rel_grad = (module.entity, ent_ids, ent_leaf.grad), rel_leaf.grad
    step = row_adagrad_step if isinstance(optimizer, RowAdagrad) else row_sparse_adam_step
    step(optimizer, [ent_update, (module.relation, rel_ids, rel_grad)], unit_norm=(unit_norm, False))
    return loss_val.detach()


@torch.no_grad()
def row_sparse_adam_step(optimizer: torch.optim.SparseAdam,
                         updates: Iterable[Tuple[Tensor, Tensor, Tensor]],
                         unit_norm: Sequence[bool] = ()) -> None:
    r"""Apply ``SparseAdam``'s update to the given rows only, optionally renormalising them.

    The touched rows of the parameter and of both moments are gathered once, updated by
    torch's fused CPU/GPU Adam kernel (``torch._fused_adam_``, one pass over the rows) and
    written back; torch builds without that kernel use the same arithmetic in four in-place
    ops. ``SparseAdam`` adds ``eps`` to :math:`\sqrt{v}` while ``Adam`` adds it to
    :math:`\sqrt{v / (1-\beta_2^t)}`; the fused call gets
    :math:`\epsilon / \sqrt{1-\beta_2^t}` so both give ``SparseAdam``'s update.

    Parameters
    ----------
    optimizer : torch.optim.SparseAdam
        Holds the hyper-parameters (first param group) and the moment state, which this
        function creates and advances exactly as ``SparseAdam.step`` would.
    updates : iterable of (param, rows, grad) or (param, rows, grad, values)
        ``rows`` (n,) unique row ids of ``param`` and ``grad`` (n, width) their gradient;
        ``values``, when given, is a fresh copy of ``param[rows]`` that the step may overwrite
        (saves gathering the rows again).
    unit_norm : sequence of bool, optional
        Per update: rescale the updated rows to unit L2 norm before writing them back (the
        entity constraint of TransE, Bordes et al. 2013; PyKEEN's ``entity_constrainer``).
    """
    group = optimizer.param_groups[0]
    beta1, beta2 = group["betas"]
    eps, lr = group["eps"], float(group["lr"])
    maximize = bool(group.get("maximize", False))
    for i, (param, rows, grad, *values) in enumerate(updates):
        if rows.numel() == 0:
            continue
        state = optimizer.state[param]
        if len(state) == 0:
            state["step"] = 0
            state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
            state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state["step"] += 1
        step = state["step"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        m = exp_avg.index_select(0, rows)
        v = exp_avg_sq.index_select(0, rows)
        p = values[0] if values else param.index_select(0, rows)
        bias2 = 1.0 - beta2 ** step
        if _FUSED_ADAM is not None and grad.dtype == p.dtype:
            step_t = torch.tensor(float(step), device=p.device)
            _FUSED_ADAM([p], [grad], [m], [v], [], [step_t], lr=lr, beta1=beta1, beta2=beta2, weight_decay=0.0,
                        eps=eps / math.sqrt(bias2), amsgrad=False, maximize=maximize)
        else:
            g = -grad if maximize else grad
            m.lerp_(g, 1.0 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1.0 - beta2)
            step_size = lr * math.sqrt(bias2) / (1.0 - beta1 ** step)
            p.addcdiv_(m, v.sqrt().add_(eps), value=-step_size)
        if i < len(unit_norm) and unit_norm[i]:
            normalize_rows_(p)
        exp_avg.index_copy_(0, rows, m)
        exp_avg_sq.index_copy_(0, rows, v)
        param.index_copy_(0, rows, p)


@torch.no_grad()
def normalize_rows_(x: Tensor, rows: Optional[Tensor] = None) -> Tensor:
    r"""Rescale rows of ``x`` in place to unit L2 norm: :math:`x_i \leftarrow x_i / \max(\|x_i\|_2, 10^{-12})`.

    All rows, or only ``rows`` (ids) when given; this is ``torch.nn.functional.normalize``, the
    entity constraint of TransE (Bordes et al., NeurIPS 2013) and PyKEEN's default for it.
    """
    if rows is None:
        return x.div_(torch.linalg.vector_norm(x, dim=1, keepdim=True).clamp_min_(1e-12))
    sub = x.index_select(0, rows)
    sub.div_(torch.linalg.vector_norm(sub, dim=1, keepdim=True).clamp_min_(1e-12))
    return x.index_copy_(0, rows, sub)


_FUSED_ADAM = getattr(torch, "_fused_adam_", None)


__all__ = ["shared_negative_scores", "chunk_shared_scores", "row_gathered_shared_scores", "row_sparse_adam_step",
           "row_gathered_step", "normalize_rows_"]
