"""Shared fixtures for the KGE tests."""

import pytest
import torch

from graphemb.kge.losses import negative_loss
from graphemb.kge.shared_negatives import row_gathered_shared_scores, shared_negative_scores


@pytest.fixture
def lockstep_row_steps():
    """Train ``ref`` with dense autograd + ``opt_ref`` and ``ours`` with the row-gathered scores +
    ``row_step(opt_ours, rows)`` on the same shared negatives (margin loss, 8 negatives, 3 steps)."""

    def run(ref, ours, batch, opt_ref, opt_ours, row_step, steps=3):
        g_ref, g_ours = torch.Generator().manual_seed(2), torch.Generator().manual_seed(2)
        for _ in range(steps):
            s = shared_negative_scores(ref, batch, 8, g_ref)
            opt_ref.zero_grad()
            negative_loss("margin", s[:, 0], s[:, 1:], 1.0).backward()
            opt_ref.step()
            s2, (el, eids), (rl, rids) = row_gathered_shared_scores(ours, batch, 8, g_ours)
            negative_loss("margin", s2[:, 0], s2[:, 1:], 1.0).backward()
            row_step(opt_ours, [(ours.entity, eids, el.grad), (ours.relation, rids, rl.grad)])

    return run
