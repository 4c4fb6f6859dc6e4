"""KGE interaction functions: NFE-1/2/3, NFE without uncertainty, TransE, DistMult, ComplEx, RotatE.

NFE follows Xiao, He and Cao, "Knowledge Graph Embedding by Normalizing Flows", AAAI 2023
(reference code changyi7231/NFE); the classic models are TransE (Bordes et al., NeurIPS 2013),
DistMult (Yang et al., ICLR 2015), ComplEx (Trouillon et al., ICML 2016) and RotatE (Sun et al.,
ICLR 2019).

Every interaction is a *broadcasting* function of head, relation and tail representations
(``score_hrt``: any leading shape, last dimension the representation width), the
definition tests check against hand-computed values. All-tail (``score_t``) and all-head
(``score_h``) scoring of ``b`` queries against ``E`` candidates expand the same formula into
matrix products, so no ``(b, E, width)`` tensor is ever built; tests check they equal
``score_hrt`` broadcast over every candidate.

Representations are concatenated ``D``-blocks (``dim = D``):

==========================  ==============================  =========================
interaction                 entity blocks                   relation blocks
==========================  ==============================  =========================
NFE-1, NFE-3, NFE-w/o-unc.  (mu, sigma)                     (mu, sigma)
NFE-2                       (mu, sigma-, sigma+)            (mu, sigma)
TransE, DistMult            (e,)                            (r,)
ComplEx                     (real, imag)                    (real, imag)
RotatE                      (real, imag)                    (phase,)
==========================  ==============================  =========================

Higher scores are better. Distance models take a constant offset ``gamma``.
"""

from __future__ import annotations

import math
from typing import Dict, Type

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import InvalidParameterError


def _blocks(x: Tensor, n: int):
    return torch.chunk(x, n, dim=-1)


def _autocast_dtype(device_type: str):
    """The autocast dtype in force for ``device_type``, or None outside autocast."""
    return torch.get_autocast_dtype(device_type) if torch.is_autocast_enabled(device_type) else None


def _mm(a: Tensor, b: Tensor, lowp) -> Tensor:
    """``a @ b`` in ``a``'s dtype; with ``lowp`` (bfloat16 under autocast) the inputs are rounded to it first."""
    return a @ b if lowp is None else (a.to(lowp) @ b.to(lowp)).to(a.dtype)


class _SquaredDistanceAll(torch.autograd.Function):
    """``||q_i - c_j||^2`` with a hand-written backward: two matrix products and a rescaling,
    fewer passes over the candidates than autograd's pow / sum / addmm chain. Under autocast only
    the products run in the low precision (fast on CPUs with AMX or AVX512-BF16, possibly slower
    than float32 on CPUs without them); norms, the result and the gradients stay float32."""

    @staticmethod
    def forward(ctx, q: Tensor, c: Tensor) -> Tensor:
        lowp = _autocast_dtype(q.device.type)
        with torch.autocast(q.device.type, enabled=False):
            dtype = torch.promote_types(torch.promote_types(q.dtype, c.dtype), torch.float32)
            q, c = q.to(dtype), c.to(dtype)
            out = _mm(q, c.t(), lowp).mul_(-2.0)
            out.add_(torch.linalg.vector_norm(c, dim=-1).square_().unsqueeze(0))
            out.add_(torch.linalg.vector_norm(q, dim=-1, keepdim=True).square_())
            clamped = out < 0.0
            out.clamp_min_(0.0)
        ctx.lowp = lowp
        ctx.save_for_backward(q, c, clamped)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor):
        q, c, clamped = ctx.saved_tensors
        g = grad.to(q.dtype).masked_fill(clamped, 0.0)  # d/dS of clamp_min(S, 0) is 0 where S < 0
        grad_q = grad_c = None
        if ctx.needs_input_grad[0]:  # dS_ij/dq_i = 2 (q_i - c_j)
            grad_q = q * (2.0 * g.sum(1, keepdim=True)) - 2.0 * _mm(g, c, ctx.lowp)
        if ctx.needs_input_grad[1]:  # dS_ij/dc_j = 2 (c_j - q_i)
            grad_c = c * (2.0 * g.sum(0).unsqueeze(1)) - 2.0 * _mm(g.t(), q, ctx.lowp)
        return grad_q, grad_c


def _sq_dist_all(q: Tensor, c: Tensor) -> Tensor:
    """``||q_i - c_j||^2`` for q (b, D), c (E, D) by ``|q|^2 - 2 q c^T + |c|^2`` (clamped >= 0)."""
    return _SquaredDistanceAll.apply(q, c)


def _weighted_sq_all(a: Tensor, c: Tensor, x: Tensor) -> Tensor:
    """``sum_d (a_qd x_ed + c_qd)^2`` for a, c (b, D), x (E, D) via three products."""
    out = torch.addmm((c * c).sum(-1, keepdim=True), a * a, (x * x).t())
    return out.addmm_(2.0 * a * c, x.t())


class Interaction:
    """Base class: entity/relation widths in ``D``-blocks and the three scoring forms."""

    name = "base"
    entity_blocks = 1
    relation_blocks = 1

    def __init__(self, gamma: float = 0.0) -> None:
        self.gamma = float(gamma)

    def score_hrt(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:  # pragma: no cover - abstract
        """Broadcasting score of (h, r, t) representations; returns the broadcast leading shape."""
        raise NotImplementedError

    def score_t(self, h: Tensor, r: Tensor, all_t: Tensor) -> Tensor:
        """Scores (b, E) of queries (h, r) (b, width) against every entity row of ``all_t``."""
        raise NotImplementedError

    def score_h(self, r: Tensor, t: Tensor, all_h: Tensor) -> Tensor:
        """Scores (b, E) of queries (?, r, t) against every entity row of ``all_h``."""
        raise NotImplementedError

    def init_(self, entity: Tensor, relation: Tensor, generator: torch.Generator) -> None:
        """Initialise parameters in place: uniform(-0.1, 0.1) as in the NFE reference."""
        with torch.no_grad():
            entity.uniform_(-0.1, 0.1, generator=generator)
            relation.uniform_(-0.1, 0.1, generator=generator)


class NFE1Interaction(Interaction):
    r"""NFE-1: squared 2-Wasserstein distance between the query flow and the tail.

    .. math::
        \mu_q = \sigma_r \odot \mu_h + \mu_r,\qquad
        s(h, r, t) = \gamma - \|\mu_q - \mu_t\|^2 - \||\sigma_r \odot \sigma_h| - |\sigma_t|\|^2
    """

    name = "nfe-1"
    entity_blocks = 2
    relation_blocks = 2

    def _query(self, h, r):
        h_mu, h_s = _blocks(h, 2)
        r_mu, r_s = _blocks(r, 2)
        return r_s * h_mu + r_mu, (r_s * h_s).abs()

    def score_hrt(self, h, r, t):
        q_mu, q_s = self._query(h, r)
        t_mu, t_s = _blocks(t, 2)
        return self.gamma - ((q_mu - t_mu).pow(2).sum(-1) + (q_s - t_s.abs()).pow(2).sum(-1))

    def score_t(self, h, r, all_t):
        q_mu, q_s = self._query(h, r)
        t_mu, t_s = _blocks(all_t, 2)
        return self.gamma - _sq_dist_all(torch.cat([q_mu, q_s], -1), torch.cat([t_mu, t_s.abs()], -1))

    def score_h(self, r, t, all_h):
        r_mu, r_s = _blocks(r, 2)
        t_mu, t_s = _blocks(t, 2)
        h_mu, h_s = _blocks(all_h, 2)
        d_mu = _weighted_sq_all(r_s, r_mu - t_mu, h_mu)
        d_s = _weighted_sq_all(r_s.abs(), -t_s.abs(), h_s.abs())
        return self.gamma - (d_mu + d_s)


class NFEWithoutUncertaintyInteraction(NFE1Interaction):
    r"""NFE without uncertainty: only the means of the flows.

    .. math:: s(h, r, t) = \gamma - \|\sigma_r \odot \mu_h + \mu_r - \mu_t\|^2
    """

    name = "nfe-w/o-uncertainty"

    def score_hrt(self, h, r, t):
        q_mu, _ = self._query(h, r)
        return self.gamma - (q_mu - _blocks(t, 2)[0]).pow(2).sum(-1)

    def score_t(self, h, r, all_t):
        q_mu, _ = self._query(h, r)
        return self.gamma - _sq_dist_all(q_mu, _blocks(all_t, 2)[0])

    def score_h(self, r, t, all_h):
        r_mu, r_s = _blocks(r, 2)
        return self.gamma - _weighted_sq_all(r_s, r_mu - _blocks(t, 2)[0], _blocks(all_h, 2)[0])


class NFE2Interaction(Interaction):
    r"""NFE-2: flows with separate scales for :math:`z < 0` (:math:`\sigma^-`) and :math:`z > 0` (:math:`\sigma^+`).

    With :math:`\delta_\mu = \mu_q - \mu_t` and :math:`\delta^\pm` the differences of the absolute
    query and tail scales, :math:`s = \gamma - \mathbb{E}_z\|f_q(z) - f_t(z)\|^2`:

    .. math::
        s = \gamma - \Big[\|\delta_\mu\|^2 + \tfrac12\|\delta^-\|^2 + \tfrac12\|\delta^+\|^2
            + \sqrt{2/\pi}\,\delta_\mu\cdot(\delta^+ - \delta^-)\Big]
    """

    name = "nfe-2"
    entity_blocks = 3
    relation_blocks = 2
    coef = math.sqrt(2.0 / math.pi)

    def _query(self, h, r):
        h_mu, h_m, h_p = _blocks(h, 3)
        r_mu, r_s = _blocks(r, 2)
        return r_s * h_mu + r_mu, (r_s * h_m).abs(), (r_s * h_p).abs()

    def _combine(self, d_mu, d_m, d_p):
        return self.gamma - (d_mu.pow(2).sum(-1) + 0.5 * d_m.pow(2).sum(-1) + 0.5 * d_p.pow(2).sum(-1)
                             + self.coef * (d_mu * (d_p - d_m)).sum(-1))

    def score_hrt(self, h, r, t):
        q_mu, q_m, q_p = self._query(h, r)
        t_mu, t_m, t_p = _blocks(t, 3)
        return self._combine(q_mu - t_mu, q_m - t_m.abs(), q_p - t_p.abs())

    def score_t(self, h, r, all_t):
        # Expand sum_d [dmu^2 + dm^2/2 + dp^2/2 + c dmu (dp - dm)] with d = q - x.
        q_mu, q_m, q_p = self._query(h, r)
        x_mu, x_m, x_p = _blocks(all_t, 3)
        x_m, x_p = x_m.abs(), x_p.abs()
        k = self.coef
        q_const = (q_mu.pow(2) + 0.5 * q_m.pow(2) + 0.5 * q_p.pow(2) + k * q_mu * (q_p - q_m)).sum(-1, keepdim=True)
        x_const = (x_mu.pow(2) + 0.5 * x_m.pow(2) + 0.5 * x_p.pow(2) + k * x_mu * (x_p - x_m)).sum(-1)
        # cross terms: -2 q_mu x_mu - q_m x_m - q_p x_p - k [q_mu (x_p - x_m) + x_mu (q_p - q_m)]
        left = torch.cat([2 * q_mu + k * (q_p - q_m), q_m - k * q_mu, q_p + k * q_mu], -1)
        right = torch.cat([x_mu, x_m, x_p], -1)
        return self.gamma - (torch.addmm(x_const.unsqueeze(0), left, right.t(), alpha=-1.0) + q_const)

    def score_h(self, r, t, all_h):
        # Per query: d_mu = a x_mu + c_mu, d_m = b x_m + c_m, d_p = b x_p + c_p (x = candidate head).
        r_mu, r_s = _blocks(r, 2)
        t_mu, t_m, t_p = _blocks(t, 3)
        x_mu, x_m, x_p = _blocks(all_h, 3)
        x_m, x_p = x_m.abs(), x_p.abs()
        a, c_mu = r_s, r_mu - t_mu
        b, c_m, c_p = r_s.abs(), -t_m.abs(), -t_p.abs()
        k = self.coef
        out = _weighted_sq_all(a, c_mu, x_mu)
        out = out + 0.5 * _weighted_sq_all(b, c_m, x_m) + 0.5 * _weighted_sq_all(b, c_p, x_p)
        # k * sum_d (a x_mu + c_mu)(b x_p + c_p - b x_m - c_m)
        ab = a * b
        cross = torch.cat([k * ab, -k * ab], -1) @ torch.cat([x_mu * x_p, x_mu * x_m], -1).t()
        cross = cross + (k * a * (c_p - c_m)) @ x_mu.t() + (k * c_mu * b) @ (x_p - x_m).t()
        cross = cross + k * (c_mu * (c_p - c_m)).sum(-1, keepdim=True)
        return self.gamma - (out + cross)


class NFE3Interaction(Interaction):
    r"""NFE-3: KL divergence between the query and tail Gaussians.

    .. math::
        \sigma_q = \mathrm{sp}(\sigma_r)\,\mathrm{sp}(\sigma_h),\quad \sigma_t \leftarrow \mathrm{sp}(\sigma_t),\quad
        s = \gamma - \sum_d \Big[\log\frac{\sigma_t}{\sigma_q} + \frac{\sigma_q^2 + (\mu_q - \mu_t)^2}{2\sigma_t^2}
            - \frac12\Big]

    with :math:`\mathrm{sp}` the softplus.
    """

    name = "nfe-3"
    entity_blocks = 2
    relation_blocks = 2

    def _query(self, h, r):
        h_mu, h_s = _blocks(h, 2)
        r_mu, r_s = _blocks(r, 2)
        return r_s * h_mu + r_mu, F.softplus(r_s) * F.softplus(h_s)

    def score_hrt(self, h, r, t):
        q_mu, q_s = self._query(h, r)
        t_mu, t_s = _blocks(t, 2)
        t_s = F.softplus(t_s)
        kl = torch.log(t_s) - torch.log(q_s) + (q_s.pow(2) + (q_mu - t_mu).pow(2)) / (2 * t_s.pow(2)) - 0.5
        return self.gamma - kl.sum(-1)

    def score_t(self, h, r, all_t):
        q_mu, q_s = self._query(h, r)
        t_mu, t_s = _blocks(all_t, 2)
        t_s = F.softplus(t_s)
        inv = 0.5 / t_s.pow(2)
        x_const = (torch.log(t_s) + t_mu.pow(2) * inv).sum(-1)
        left = torch.cat([q_s.pow(2) + q_mu.pow(2), q_mu], -1)
        right = torch.cat([inv, -2.0 * t_mu * inv], -1)
        q_const = -torch.log(q_s).sum(-1, keepdim=True) - 0.5 * q_mu.shape[-1]
        return self.gamma - (torch.addmm(x_const.unsqueeze(0), left, right.t()) + q_const)

    def score_h(self, r, t, all_h):
        r_mu, r_s = _blocks(r, 2)
        t_mu, t_s = _blocks(t, 2)
        h_mu, h_s = _blocks(all_h, 2)
        t_s = F.softplus(t_s)
        sp_r, sp_h = F.softplus(r_s), F.softplus(h_s)
        inv = 0.5 / t_s.pow(2)
        c = r_mu - t_mu
        left = torch.cat([sp_r.pow(2) * inv, r_s.pow(2) * inv, 2.0 * r_s * c * inv], -1)
        right = torch.cat([sp_h.pow(2), h_mu.pow(2), h_mu], -1)
        q_const = (c.pow(2) * inv - torch.log(sp_r) + torch.log(t_s) - 0.5).sum(-1, keepdim=True)
        x_const = -torch.log(sp_h).sum(-1)
        return self.gamma - (torch.addmm(x_const.unsqueeze(0), left, right.t()) + q_const)


class TransEInteraction(Interaction):
    r"""TransE: :math:`s = \gamma - \|h + r - t\|_p` with ``p`` = 1 or 2 (Bordes et al. 2013)."""

    name = "transe"

    def __init__(self, gamma: float = 0.0, p: int = 2) -> None:
        super().__init__(gamma)
        if p not in (1, 2):
            raise InvalidParameterError(f"p (TransE norm) must be 1 or 2, got {p!r}")
        self.p = p

    def score_hrt(self, h, r, t):
        return self.gamma - torch.linalg.vector_norm(h + r - t, ord=self.p, dim=-1)

    def _dist(self, q, c):
        if self.p == 2:
            return _sq_dist_all(q, c).sqrt()
        return torch.cdist(q, c, p=1.0)

    def score_t(self, h, r, all_t):
        return self.gamma - self._dist(h + r, all_t)

    def score_h(self, r, t, all_h):
        return self.gamma - self._dist(t - r, all_h)


class DistMultInteraction(Interaction):
    r"""DistMult: :math:`s = \langle h, r, t\rangle = \sum_d h_d r_d t_d` (Yang et al. 2015)."""

    name = "distmult"

    def score_hrt(self, h, r, t):
        return (h * r * t).sum(-1)

    def score_t(self, h, r, all_t):
        return (h * r) @ all_t.t()

    def score_h(self, r, t, all_h):
        return (r * t) @ all_h.t()


class ComplExInteraction(Interaction):
    r"""ComplEx: :math:`s = \mathrm{Re}\langle h, r, \bar t\rangle` (Trouillon et al. 2016)."""

    name = "complex"
    entity_blocks = 2
    relation_blocks = 2

    def score_hrt(self, h, r, t):
        hr, hi = _blocks(h, 2)
        rr, ri = _blocks(r, 2)
        tr, ti = _blocks(t, 2)
        return (hr * rr * tr + hi * rr * ti + hr * ri * ti - hi * ri * tr).sum(-1)

    def score_t(self, h, r, all_t):
        hr, hi = _blocks(h, 2)
        rr, ri = _blocks(r, 2)
        return torch.cat([hr * rr - hi * ri, hr * ri + hi * rr], -1) @ all_t.t()

    def score_h(self, r, t, all_h):
        rr, ri = _blocks(r, 2)
        tr, ti = _blocks(t, 2)
        return torch.cat([rr * tr + ri * ti, rr * ti - ri * tr], -1) @ all_h.t()


class RotatEInteraction(Interaction):
    r"""RotatE: :math:`s = \gamma - \|h \circ r - t\|_2` with :math:`r = e^{i\theta}` (Sun et al. 2019).

    The distance is the Euclidean norm of the complex difference vector (as in PyKEEN), which
    expands into matrix products; the RotatE paper sums the moduli (an L1 norm) instead.
    """

    name = "rotate"
    entity_blocks = 2
    relation_blocks = 1

    def _rotate(self, h, theta, conj=False):
        hr, hi = _blocks(h, 2)
        c, s = torch.cos(theta), torch.sin(theta)
        if conj:
            s = -s
        return torch.cat([hr * c - hi * s, hr * s + hi * c], -1)

    def score_hrt(self, h, r, t):
        h, t = torch.broadcast_tensors(h, t)
        return self.gamma - torch.linalg.vector_norm(self._rotate(h, r) - t, dim=-1)

    def score_t(self, h, r, all_t):
        return self.gamma - _sq_dist_all(self._rotate(h, r), all_t).sqrt()

    def score_h(self, r, t, all_h):
        # |h r - t| = |h - t conj(r)| since |r| = 1
        return self.gamma - _sq_dist_all(self._rotate(t, r, conj=True), all_h).sqrt()

    def init_(self, entity, relation, generator):
        with torch.no_grad():
            entity.uniform_(-0.1, 0.1, generator=generator)
            relation.uniform_(-math.pi, math.pi, generator=generator)


INTERACTIONS: Dict[str, Type[Interaction]] = {
    "nfe-1": NFE1Interaction,
    "nfe-2": NFE2Interaction,
    "nfe-3": NFE3Interaction,
    "nfe-w/o-uncertainty": NFEWithoutUncertaintyInteraction,
    "transe": TransEInteraction,
    "distmult": DistMultInteraction,
    "complex": ComplExInteraction,
    "rotate": RotatEInteraction,
}
ALIASES = {"nfe-wo-uncertainty": "nfe-w/o-uncertainty", "nfe-0": "nfe-w/o-uncertainty", "nfe1": "nfe-1",
           "nfe2": "nfe-2", "nfe3": "nfe-3"}


def canonical_model_name(name: str) -> str:
    """Lower-cased registry key of a model name (accepts a few aliases)."""
    if not isinstance(name, str):
        raise InvalidParameterError(f"model must be a string, one of {sorted(INTERACTIONS)}, got {name!r}")
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in INTERACTIONS:
        raise InvalidParameterError(f"model must be one of {sorted(INTERACTIONS)}, got {name!r}")
    return key


def make_interaction(name: str, gamma: float = 0.0, **kwargs) -> Interaction:
    """Build the interaction registered under ``name``."""
    return INTERACTIONS[canonical_model_name(name)](gamma=gamma, **kwargs)
