"""Training: learning on UMLS, any NegativeSampler, reproducibility, checkpoint/resume, validation."""

import json

import numpy as np
import pytest
import torch

from graphemb.datasets import load_kg
from graphemb.errors import CheckpointError, InvalidParameterError
from graphemb.kge import evaluate, train
from graphemb.kge.checkpoint import load_checkpoint
from graphemb.sampling.base import NegativeSampler


class TailOnlySampler(NegativeSampler):
    """A deliberately simple sampler (tails replaced by shifted uniform ids) for the interface test."""

    def __init__(self, num_entities, num_negatives):
        self.num_entities, self.num_negatives = num_entities, num_negatives
        self.calls = 0

    def corrupt(self, positives, generator=None):
        self.calls += 1
        b = positives.shape[0]
        neg = positives.unsqueeze(1).repeat(1, self.num_negatives, 1)
        shift = torch.randint(1, self.num_entities, (b, self.num_negatives), generator=generator)
        neg[:, :, 2] = (neg[:, :, 2] + shift) % self.num_entities
        return neg


@pytest.fixture(scope="module")
def umls(shared_root):
    return load_kg("umls", shared_root)


def test_one_vs_all_nfe_learns_umls(umls):
    model = train(umls, "nfe-1", dim=32, epochs=6, batch_size=512, lr=0.02, device="cpu", valid_every=3)
    res = evaluate(model, umls.test, umls)
    # random ranking gives MRR ~ 0.04 on 135 entities
    assert res.mrr > 0.3
    assert [h["epoch"] for h in model.history_] == list(range(1, 7))
    assert "valid_mrr" in model.history_[2] and "valid_mrr" not in model.history_[0]
    assert model.best_["epoch"] in (3, 6)


def test_one_vs_all_without_reciprocals_scores_heads_and_tails(random_kg):
    """reciprocal=False: each triple gives a (h, r, ?) and a (?, r, t) 1-vs-all query (LibKGE's 1vsAll)."""
    kg = random_kg(0, 15, 3, (60, 10, 10))
    opts = dict(dim=6, batch_size=len(kg.train), lr=0.05, loss="softmax", reciprocal=False, valid_every=0,
                init="xavier_normal", device="cpu", random_state=3)  # Xavier: scores spread beyond log(15)
    start = train(kg, "nfe-1", epochs=0, **opts)
    assert not start.module.reciprocal and start.module.relation.shape[0] == kg.num_relations
    trip = torch.as_tensor(kg.train)
    with torch.no_grad():
        scores = torch.cat([start.module.score_t(trip[:, 0], trip[:, 1]),
                            start.module.score_h(trip[:, 1], trip[:, 2])])
        expected = torch.nn.functional.cross_entropy(scores, torch.cat([trip[:, 2], trip[:, 0]]))
    one = train(kg, "nfe-1", epochs=1, **opts)  # one batch: the epoch's loss is the loss at the start
    assert one.history_[0]["loss"] == pytest.approx(float(expected), rel=1e-6)
    tails_only = torch.nn.functional.cross_entropy(scores[: len(trip)], trip[:, 2])
    assert one.history_[0]["loss"] != pytest.approx(float(tails_only), rel=1e-2)
    with pytest.raises(InvalidParameterError, match="kvsall"):
        train(kg, "nfe-1", training="kvsall", reciprocal=False)


def test_negative_sampling_accepts_any_sampler(umls):
    sampler = TailOnlySampler(umls.num_entities, 4)
    model = train(umls, "transe", dim=32, epochs=3, batch_size=512, lr=0.02, training="negative",
                  negative_sampler=sampler, loss="self-adversarial", gamma=4.0, device="cpu", valid_every=0)
    assert sampler.calls == 3 * int(np.ceil(len(umls.train) / 512))
    assert not model.module.reciprocal
    assert evaluate(model, umls.test, umls).mrr > 0.1


def test_kvsall_softmax_and_reproducibility(random_kg):
    kg = random_kg(0, 15, 3, (60, 10, 10))
    a = train(kg, "complex", dim=4, epochs=2, batch_size=8, training="kvsall", loss="softmax", device="cpu",
              random_state=5, regularizer="n3", regularizer_weight=0.01)
    b = train(kg, "complex", dim=4, epochs=2, batch_size=8, training="kvsall", loss="softmax", device="cpu",
              random_state=5, regularizer="n3", regularizer_weight=0.01)
    c = train(kg, "complex", dim=4, epochs=2, batch_size=8, training="kvsall", loss="softmax", device="cpu",
              random_state=6, regularizer="n3", regularizer_weight=0.01)
    np.testing.assert_array_equal(a.entity_embeddings_, b.entity_embeddings_)
    assert not np.array_equal(a.entity_embeddings_, c.entity_embeddings_)


@pytest.mark.parametrize("training", ["1vsall", "negative"])
def test_resume_after_signal_equals_uninterrupted(tmp_path, training, random_kg, interrupt_at):
    kg = random_kg(0, 15, 3, (60, 10, 10))
    kw = dict(dim=4, epochs=4, batch_size=16, lr=0.05, device="cpu", random_state=3, training=training,
              lr_decay=0.9, negative_sampler=TailOnlySampler(kg.num_entities, 3) if training == "negative" else None,
              entity_dropout=0.2, relation_dropout=0.1)  # dropout masks must resume from the checkpoint too
    full = train(kg, "nfe-2", **kw)
    with pytest.raises(KeyboardInterrupt):
        train(kg, "nfe-2", checkpoint_dir=tmp_path, callback=interrupt_at(2), **kw)
    meta = json.loads((tmp_path / "state.json").read_text())
    assert meta["state"]["epoch"] == 2 and meta["reason"].startswith("signal")
    resumed = train(kg, "nfe-2", checkpoint_dir=tmp_path, resume=True, **kw)
    np.testing.assert_array_equal(full.entity_embeddings_, resumed.entity_embeddings_)
    np.testing.assert_array_equal(full.relation_embeddings_, resumed.relation_embeddings_)
    assert len(resumed.history_) == 4


def test_checkpoint_corruption_and_mismatch_detected(tmp_path, random_kg):
    kg = random_kg(0, 15, 3, (60, 10, 10))
    train(kg, "distmult", dim=4, epochs=1, batch_size=16, device="cpu", checkpoint_dir=tmp_path)
    with pytest.raises(CheckpointError, match="different settings"):
        train(kg, "distmult", dim=8, epochs=2, batch_size=16, device="cpu", checkpoint_dir=tmp_path, resume=True)
    blob = (tmp_path / "state.safetensors").read_bytes()
    (tmp_path / "state.safetensors").write_bytes(blob[:-3] + b"xyz")
    with pytest.raises(CheckpointError, match="checksum"):
        load_checkpoint(tmp_path)


def test_bad_parameters_raise(random_kg):
    kg = random_kg(0, 15, 3, (60, 10, 10))
    with pytest.raises(InvalidParameterError, match="dim"):
        train(kg, "nfe-1", dim=0)
    with pytest.raises(InvalidParameterError, match="loss"):
        train(kg, "nfe-1", loss="margin")
    with pytest.raises(InvalidParameterError, match="negative_sampler"):
        train(kg, "transe", training="negative", negative_sampler="lemonade")
    with pytest.raises(InvalidParameterError, match="unknown training option"):
        train(kg, "nfe-1", learning_rate=0.1)
    with pytest.raises(InvalidParameterError, match="dura"):
        train(kg, "nfe-1", regularizer="dura")
    with pytest.raises(InvalidParameterError, match="preset"):
        train(kg, "nfe-1", preset="wn18rr/nfe-9")


def test_shared_negative_paths_learn(umls):
    from graphemb.sampling.negatives import ChunkSharedNegativeSampler

    sampler = ChunkSharedNegativeSampler(umls.num_entities, 8, chunk_size=128)
    a = train(umls, "transe", dim=32, epochs=3, batch_size=512, lr=0.02, training="negative",
              negative_sampler=sampler, device="cpu", valid_every=0)
    b = train(umls, "transe", dim=32, epochs=3, batch_size=512, lr=0.02, training="negative", num_negatives=8,
              shared_negatives=True, optimizer="sparse_adam", device="cpu", valid_every=0)
    for m in (a, b):
        assert evaluate(m, umls.test, umls).mrr > 0.1
    with pytest.raises(InvalidParameterError, match="sparse_adam"):
        train(umls, "transe", optimizer="sparse_adam")


def test_cpu_mixed_precision_follows_float32(umls):
    """bfloat16 autocast on CPU (AMX / AVX512-BF16 matrix products): the losses track float32 closely."""
    opts = dict(dim=64, epochs=3, batch_size=256, lr=0.005, loss="softmax", device="cpu", random_state=0,
                valid_every=0)
    full = train(umls, "nfe-1", **opts)
    half = train(umls, "nfe-1", mixed_precision=True, **opts)
    full_loss = [h["loss"] for h in full.history_]
    half_loss = [h["loss"] for h in half.history_]
    assert half_loss != full_loss  # the low-precision products did run
    np.testing.assert_allclose(half_loss, full_loss, rtol=1e-2)
    assert half.module.entity.dtype == torch.float32


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_mixed_precision_trains(random_kg):
    kg = random_kg(0, 15, 3, (60, 10, 10))
    m = train(kg, "nfe-1", dim=8, epochs=2, batch_size=16, device="cuda", mixed_precision=True)
    assert m.module.entity.device.type == "cuda"
    assert np.isfinite(m.history_[-1]["loss"])


def test_ema_decay_returns_the_moving_average_and_resumes_exactly(tmp_path, random_kg, interrupt_at):
    kg = random_kg(0, 15, 3, (60, 10, 10))
    one_step = dict(dim=4, batch_size=1000, lr=0.05, device="cpu", random_state=3, valid_every=0)
    init = train(kg, "nfe-1", epochs=0, **one_step)
    plain = train(kg, "nfe-1", epochs=1, **one_step)
    avg = train(kg, "nfe-1", epochs=1, ema_decay=0.75, **one_step)
    # one step (a batch holds every reciprocal row): average = 0.75 * initial + 0.25 * after the step
    np.testing.assert_allclose(avg.entity_embeddings_, 0.75 * init.entity_embeddings_ + 0.25 * plain.entity_embeddings_,
                               rtol=1e-5, atol=1e-6)
    assert not np.allclose(avg.entity_embeddings_, plain.entity_embeddings_)
    kw = dict(dim=4, epochs=4, batch_size=16, lr=0.05, device="cpu", random_state=3, ema_decay=0.9, valid_every=1)
    full = train(kg, "nfe-1", **kw)
    with pytest.raises(KeyboardInterrupt):
        train(kg, "nfe-1", checkpoint_dir=tmp_path, callback=interrupt_at(2), **kw)
    resumed = train(kg, "nfe-1", checkpoint_dir=tmp_path, resume=True, **kw)
    np.testing.assert_array_equal(full.entity_embeddings_, resumed.entity_embeddings_)
    assert [h.get("valid_mrr") for h in full.history_] == [h.get("valid_mrr") for h in resumed.history_]
    with pytest.raises(InvalidParameterError, match="ema_decay"):
        train(kg, "nfe-1", ema_decay=1.0, **one_step)
