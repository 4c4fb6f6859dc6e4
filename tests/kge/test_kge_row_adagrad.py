"""Row-wise AdaGrad: hand-computed update, lazy rows, row-gathered step equals the dense step, resume."""

import json
import math

import numpy as np
import pytest
import torch

from graphemb.errors import InvalidParameterError
from graphemb.kge import KGEModule, RowAdagrad, train
from graphemb.kge.row_adagrad import row_adagrad_step
from graphemb.kge.shared_negatives import row_gathered_step


def test_hand_computed_update_and_untouched_rows():
    p = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    opt = RowAdagrad([p], lr=0.5, eps=1e-12)
    p.grad = torch.tensor([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    opt.step()
    # row 0: s = (9 + 16) / 2 = 12.5; step = 0.5 * g / sqrt(12.5); row 1 untouched; row 2: s = 1
    s0 = math.sqrt(12.5)
    expected = torch.tensor([[1 - 1.5 / s0, 2 - 2.0 / s0], [3.0, 4.0], [5 - 0.5, 6 + 0.5]])
    torch.testing.assert_close(p.detach(), expected)
    torch.testing.assert_close(opt.state[p]["sum"], torch.tensor([12.5, 0.0, 1.0]))
    p.grad = torch.tensor([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    opt.step()  # the sum accumulates: row 0 now divides by sqrt(13.5)
    torch.testing.assert_close(p.detach()[0], expected[0] - 0.5 / math.sqrt(13.5))


def test_bad_hyper_parameters_and_sparse_gradients_rejected():
    p = torch.nn.Parameter(torch.zeros(3, 2))
    with pytest.raises(InvalidParameterError, match="lr"):
        RowAdagrad([p], lr=0.0)
    with pytest.raises(InvalidParameterError, match="eps"):
        RowAdagrad([p], eps=0.0)
    emb = torch.nn.Embedding(3, 2, sparse=True)
    emb(torch.tensor([0, 1])).sum().backward()
    with pytest.raises(InvalidParameterError, match="dense"):
        RowAdagrad(emb.parameters()).step()


@pytest.mark.parametrize("model,reciprocal", [("transe", False), ("nfe-1", True)])
def test_row_step_equals_dense_step(model, reciprocal, lockstep_row_steps):
    rng = np.random.default_rng(0)
    batch = torch.as_tensor(np.stack([rng.integers(0, 40, 64), rng.integers(0, 5, 64), rng.integers(0, 40, 64)], 1))
    ref, ours = (KGEModule(model, 40, 5, 6, gamma=2.0, reciprocal=reciprocal,
                           generator=torch.Generator().manual_seed(1)) for _ in range(2))
    opt_ref, opt_ours = RowAdagrad(ref.parameters(), lr=0.1), RowAdagrad(ours.parameters(), lr=0.1)
    lockstep_row_steps(ref, ours, batch, opt_ref, opt_ours, row_adagrad_step)
    torch.testing.assert_close(ours.entity, ref.entity, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(ours.relation, ref.relation, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(opt_ours.state[ours.entity]["sum"], opt_ref.state[ref.entity]["sum"])
    assert bool((opt_ours.state[ours.entity]["sum"] == 0).any())  # rows no batch touched keep a zero sum


def test_closed_form_transe_step_dispatches_to_row_adagrad():
    rng = np.random.default_rng(1)
    batch = torch.as_tensor(np.stack([rng.integers(0, 30, 32), rng.integers(0, 4, 32), rng.integers(0, 30, 32)], 1))
    a, b = (KGEModule("transe", 30, 4, 6, gamma=0.0, reciprocal=False, generator=torch.Generator().manual_seed(3))
            for _ in range(2))
    oa, ob = RowAdagrad(a.parameters(), lr=0.1), RowAdagrad(b.parameters(), lr=0.1)
    row_gathered_step(a, batch, oa, 8, torch.Generator().manual_seed(4), "margin", closed_form=True)
    row_gathered_step(b, batch, ob, 8, torch.Generator().manual_seed(4), "margin", closed_form=False)
    torch.testing.assert_close(a.entity, b.entity, rtol=1e-5, atol=1e-6)
    assert not torch.equal(a.entity, KGEModule("transe", 30, 4, 6, gamma=0.0, reciprocal=False,
                                                 generator=torch.Generator().manual_seed(3)).entity)


def test_training_learns_and_resumes_exactly(tmp_path, random_kg, interrupt_at):
    kg = random_kg(2, 30, 4, (200, 20, 20))
    kw = dict(dim=8, epochs=4, batch_size=32, lr=0.05, training="negative", num_negatives=6, shared_negatives=True,
              optimizer="row_adagrad", loss="margin", device="cpu", valid_every=0, random_state=4)
    full = train(kg, "transe", **kw)
    assert full.history_[-1]["loss"] < full.history_[0]["loss"]
    assert np.allclose(np.linalg.norm(full.entity_embeddings_, axis=1), 1.0, atol=1e-5)  # TransE unit norm
    with pytest.raises(KeyboardInterrupt):
        train(kg, "transe", checkpoint_dir=tmp_path, callback=interrupt_at(2), **kw)
    assert json.loads((tmp_path / "state.json").read_text())["state"]["epoch"] == 2
    resumed = train(kg, "transe", checkpoint_dir=tmp_path, resume=True, **kw)
    np.testing.assert_array_equal(full.entity_embeddings_, resumed.entity_embeddings_)
    np.testing.assert_array_equal(full.relation_embeddings_, resumed.relation_embeddings_)


def test_dense_path_and_weight_decay_check(random_kg):
    kg = random_kg(5, 20, 3, (100, 10, 10))
    m = train(kg, "distmult", dim=4, epochs=2, batch_size=16, lr=0.1, optimizer="row_adagrad", device="cpu",
              valid_every=0, random_state=0)  # 1vsall: dense gradients through RowAdagrad.step
    assert np.isfinite(m.entity_embeddings_).all() and m.history_[-1]["loss"] < m.history_[0]["loss"]
    with pytest.raises(InvalidParameterError, match="row_adagrad"):
        train(kg, "distmult", optimizer="row_adagrad", weight_decay=0.1)
