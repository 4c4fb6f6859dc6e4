r"""Row-wise AdaGrad: one accumulator per embedding row.

AdaGrad (Duchi, Hazan and Singer, JMLR 2011) keeps a running sum of squared gradients per
parameter. The row-wise variant of PyTorch-BigGraph (Lerer et al., SysML 2019) and DGL-KE
(Zheng et al., SIGIR 2020) keeps one sum per embedding *row*, the mean of the row's squared
gradient entries, so its state is a vector of length ``num_rows`` instead of a second table:

.. math::
    s_i \leftarrow s_i + \frac1d \lVert g_i \rVert_2^2,\qquad
    \theta_i \leftarrow \theta_i - \eta\,\frac{g_i}{\sqrt{s_i} + \epsilon}

for every row :math:`i` of a ``(num_rows, d)`` parameter (1-D parameters are treated as rows of
width 1). Rows whose gradient is zero keep their value and their sum, so the update is lazy by
construction. With batch-shared negatives the row-gathered step
(:func:`graphemb.kge.shared_negatives.row_gathered_step`) applies it to the touched rows only via
:func:`row_adagrad_step`: one gather of the rows (already needed for the scores) and one write,
against three of each for Adam's parameter and two moment tables.
"""

from __future__ import annotations

from typing import Iterable, Sequence, Tuple

import torch
from torch import Tensor

from ..errors import InvalidParameterError


class RowAdagrad(torch.optim.Optimizer):
    """Row-wise AdaGrad (PyTorch-BigGraph's ``RowAdagrad``, DGL-KE's default optimizer).

    Parameters
    ----------
    params : iterable of Tensor or dicts
        Parameters; each gets the state ``sum`` of shape ``(param.shape[0],)``.
    lr : float
        Step size :math:`\\eta`.
    eps : float
        Added to :math:`\\sqrt{s_i}` (> 0, so rows that never had a gradient stay finite).
    """

    def __init__(self, params, lr: float = 0.02, eps: float = 1e-10) -> None:
        if not lr > 0:
            raise InvalidParameterError(f"lr must be > 0, got {lr}")
        if not eps > 0:  # a row with zero gradient and zero sum must not divide 0 by 0
            raise InvalidParameterError(f"eps must be > 0, got {eps}")
        super().__init__(params, {"lr": lr, "eps": eps})

    def _sum(self, param: Tensor) -> Tensor:
        state = self.state[param]
        if "sum" not in state:
            state["sum"] = torch.zeros(param.shape[0] if param.dim() else 1, dtype=param.dtype, device=param.device)
        return state["sum"]

    @torch.no_grad()
    def step(self, closure=None):
        """Dense update of every parameter with a gradient (rows with zero gradient do not move)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise InvalidParameterError("RowAdagrad takes dense gradients")
                g = p.grad.reshape(p.shape[0] if p.dim() else 1, -1)
                acc = self._sum(p)
                acc.add_(g.pow(2).mean(1))
                p.view_as(g).addcdiv_(g, acc.sqrt().add_(group["eps"]).unsqueeze(1), value=-group["lr"])
        return loss


@torch.no_grad()
def row_adagrad_step(optimizer: RowAdagrad, updates: Iterable[Tuple[Tensor, ...]],
                     unit_norm: Sequence[bool] = ()) -> None:
    """Apply :class:`RowAdagrad`'s update to the given rows only, optionally renormalising them.

    Parameters
    ----------
    optimizer : RowAdagrad
        Holds ``lr``/``eps`` (first param group) and the per-row sums.
    updates : iterable of (param, rows, grad) or (param, rows, grad, values)
        ``rows`` (n,) *unique* row ids of the 2-D ``param``, ``grad`` (n, width) their gradient;
        ``values``, when given, is a fresh copy of ``param[rows]`` that the step may overwrite.
    unit_norm : sequence of bool, optional
        Per update: rescale the updated rows to unit L2 norm before writing them back.

    The result equals :meth:`RowAdagrad.step` with the same gradient scattered into a dense
    tensor (rows not listed have zero gradient and do not move).
    """
    from .shared_negatives import normalize_rows_

    group = optimizer.param_groups[0]
    lr, eps = float(group["lr"]), group["eps"]
    for i, (param, rows, grad, *values) in enumerate(updates):
        if rows.numel() == 0:
            continue
        acc = optimizer._sum(param)
        acc.index_add_(0, rows, grad.pow(2).mean(1))
        p = values[0] if values else param.index_select(0, rows)
        p.addcdiv_(grad, acc.index_select(0, rows).sqrt_().add_(eps).unsqueeze(1), value=-lr)
        if i < len(unit_norm) and unit_norm[i]:
            normalize_rows_(p)
        param.index_copy_(0, rows, p)


__all__ = ["RowAdagrad", "row_adagrad_step"]
