"""Interactions: hand-computed scores, all-entity scoring equals broadcasting, NFE-2/NFE-3 closed forms."""

import math

import numpy as np
import pytest
import torch

from graphemb.errors import InvalidParameterError
from graphemb.kge.interactions import INTERACTIONS, make_interaction

T = torch.tensor


def _score(name, h, r, t, **kw):
    return float(make_interaction(name, **kw).score_hrt(T(h, dtype=torch.float64), T(r, dtype=torch.float64),
                                                        T(t, dtype=torch.float64)))


def test_nfe1_hand_computed():
    # D=2: h=(mu 1,2 | sigma 0.5,-1), r=(mu 0.1,0.2 | sigma 2,-1), t=(mu 2,-1 | sigma 1,0.5)
    # mu_q = (2*1+0.1, -1*2+0.2) = (2.1, -1.8); d_mu = (0.1, -0.8) -> 0.01 + 0.64 = 0.65
    # |sigma_r sigma_h| = (1, 1); |sigma_t| = (1, 0.5) -> 0 + 0.25 ; total 0.9
    s = _score("nfe-1", [1, 2, 0.5, -1], [0.1, 0.2, 2, -1], [2, -1, 1, 0.5], gamma=2.0)
    assert s == pytest.approx(2.0 - 0.9)
    s0 = _score("nfe-w/o-uncertainty", [1, 2, 0.5, -1], [0.1, 0.2, 2, -1], [2, -1, 1, 0.5], gamma=2.0)
    assert s0 == pytest.approx(2.0 - 0.65)


def test_nfe2_hand_computed():
    # D=1: h=(mu 1, s- 0.5, s+ -2), r=(mu 0, sigma 2), t=(mu 1, s- 1, s+ 3)
    # mu_q = 2, q- = 1, q+ = 4; d_mu = 1, d- = 0, d+ = 1
    # 1 + 0 + 0.5 + sqrt(2/pi) * 1 * (1 - 0)
    s = _score("nfe-2", [1, 0.5, -2], [0, 2], [1, 1, 3], gamma=0.0)
    assert s == pytest.approx(-(1.5 + math.sqrt(2 / math.pi)))


def test_nfe3_hand_computed_and_textbook_kl():
    sp = lambda x: math.log1p(math.exp(x))  # noqa: E731
    h, r, t = [0.3, 0.2], [0.5, -0.4], [1.0, 0.7]
    mu_q, s_q = -0.4 * 0.3 + 0.5, sp(-0.4) * sp(0.2)
    mu_t, s_t = 1.0, sp(0.7)
    kl = math.log(s_t / s_q) + (s_q ** 2 + (mu_q - mu_t) ** 2) / (2 * s_t ** 2) - 0.5
    assert _score("nfe-3", h, r, t, gamma=3.0) == pytest.approx(3.0 - kl)
    dist = torch.distributions
    ref = dist.kl_divergence(dist.Normal(T(mu_q), T(s_q)), dist.Normal(T(mu_t), T(s_t)))
    assert 3.0 - float(ref) == pytest.approx(_score("nfe-3", h, r, t, gamma=3.0), rel=1e-5)


def test_classic_hand_computed():
    assert _score("transe", [1, 2], [1, 0], [0, 0]) == pytest.approx(-math.sqrt(8))
    assert _score("transe", [1, 2], [1, 0], [0, 0], p=1) == pytest.approx(-4.0)
    assert _score("distmult", [1, 2], [3, 4], [5, 6]) == pytest.approx(15 + 48)
    # ComplEx D=1: h=1+2i, r=3+4i, t=5+6i: Re(h r conj(t)) = Re((-5+10i)(5-6i)) = -25 + 60 = 35
    assert _score("complex", [1, 2], [3, 4], [5, 6]) == pytest.approx(35.0)
    # RotatE D=1: h=1+0i rotated by pi/2 -> i; t = 0 + 0i -> distance 1
    assert _score("rotate", [1, 0], [math.pi / 2], [0, 0], gamma=6.0) == pytest.approx(5.0)


def test_nfe2_matches_monte_carlo_expectation():
    rng = torch.Generator().manual_seed(0)
    D = 3
    h, r, t = (torch.randn(1, 3 * D, generator=rng, dtype=torch.float64),
               torch.randn(1, 2 * D, generator=rng, dtype=torch.float64),
               torch.randn(1, 3 * D, generator=rng, dtype=torch.float64))
    inter = make_interaction("nfe-2", gamma=0.0)
    closed = -float(inter.score_hrt(h, r, t))
    h_mu, h_m, h_p = h.chunk(3, -1)
    r_mu, r_s = r.chunk(2, -1)
    t_mu, t_m, t_p = t.chunk(3, -1)
    q_mu, q_m, q_p = r_s * h_mu + r_mu, (r_s * h_m).abs(), (r_s * h_p).abs()
    z = torch.randn(400_000, D, generator=rng, dtype=torch.float64)
    fq = q_mu + torch.where(z < 0, q_m, q_p) * z
    ft = t_mu + torch.where(z < 0, t_m.abs(), t_p.abs()) * z
    mc = float((fq - ft).pow(2).sum(-1).mean())
    assert closed == pytest.approx(mc, rel=0.01)


@pytest.mark.parametrize("name", sorted(INTERACTIONS))
def test_all_entity_scoring_equals_broadcast(name):
    g = torch.Generator().manual_seed(1)
    inter = make_interaction(name, gamma=1.5)
    D, E, b = 4, 7, 5
    ent = torch.randn(E, inter.entity_blocks * D, generator=g, dtype=torch.float64)
    rel = torch.randn(b, inter.relation_blocks * D, generator=g, dtype=torch.float64)
    heads = ent[torch.arange(b) % E]
    tails = ent[(torch.arange(b) * 3) % E]
    brute_t = inter.score_hrt(heads[:, None, :], rel[:, None, :], ent[None, :, :])
    brute_h = inter.score_hrt(ent[None, :, :], rel[:, None, :], tails[:, None, :])
    torch.testing.assert_close(inter.score_t(heads, rel, ent), brute_t, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(inter.score_h(rel, tails, ent), brute_h, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", sorted(INTERACTIONS))
def test_all_entity_scoring_gradients_equal_broadcast(name):
    """The hand-written backward of the squared-distance expansion against autograd of the broadcast."""
    g = torch.Generator().manual_seed(2)
    inter = make_interaction(name, gamma=1.5)
    D, E, b = 4, 7, 5
    ent = torch.randn(E, inter.entity_blocks * D, generator=g, dtype=torch.float64, requires_grad=True)
    rel = torch.randn(b, inter.relation_blocks * D, generator=g, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(b, E, generator=g, dtype=torch.float64)
    pick = torch.arange(b) % E
    fast = torch.autograd.grad((inter.score_t(ent[pick], rel, ent) * weights).sum(), (ent, rel))
    brute = torch.autograd.grad((inter.score_hrt(ent[pick][:, None, :], rel[:, None, :], ent[None]) * weights).sum(),
                                (ent, rel))
    for a, e in zip(fast, brute):
        torch.testing.assert_close(a, e, rtol=1e-9, atol=1e-9)


def test_squared_distance_gradcheck_and_bfloat16_autocast():
    from graphemb.kge.interactions import _sq_dist_all

    g = torch.Generator().manual_seed(3)
    q = torch.randn(6, 5, generator=g, dtype=torch.float64, requires_grad=True)
    c = torch.randn(4, 5, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(_sq_dist_all, (q, c))
    # under CPU autocast only the product is rounded to bfloat16; the result stays float32 and close
    q32 = torch.randn(64, 256, generator=g)
    c32 = torch.randn(50, 256, generator=g)
    exact = ((q32[:, None] - c32[None]) ** 2).sum(-1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low = _sq_dist_all(q32, c32)
    assert low.dtype == torch.float32
    torch.testing.assert_close(low, exact, rtol=2e-2, atol=0.0)
    assert not torch.equal(low, _sq_dist_all(q32, c32))  # the bfloat16 product did run


def test_unknown_model_and_bad_norm():
    with pytest.raises(InvalidParameterError, match="model must be one of"):
        make_interaction("transx")
    with pytest.raises(InvalidParameterError, match="p"):
        make_interaction("transe", p=3)
    assert make_interaction("NFE-WO-Uncertainty").name == "nfe-w/o-uncertainty"
    assert np.isfinite(_score("nfe-3", [0, 0], [0, 0], [0, 0]))
