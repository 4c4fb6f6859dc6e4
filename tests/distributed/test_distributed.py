"""Distributed runners with 2 local processes (gloo on loopback)."""

import warnings

import numpy as np
import pytest

import graphemb as ge
from graphemb.distributed import (DistributedError, fastrp_distributed, fastrp_per_rank, kge_per_rank,
                                  projection_table, train_distributed)
from graphemb.distributed.fastrp import partition_bounds
from graphemb.node.fastrp import FastRP


def test_partition_bounds_cover_all_rows():
    for n, world in [(10, 3), (1, 2), (7, 7), (5, 8)]:
        blocks = [partition_bounds(n, world, r) for r in range(world)]
        assert blocks[0][0] == 0 and blocks[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))


def test_fastrp_two_processes_equal_single_process():
    ds = ge.datasets.load_graph("airports-brazil")
    # a directed graph with isolated nodes, paper and GDS formulations
    g = ge.as_graph(np.array([[0, 1, 2, 3, 5], [1, 2, 0, 0, 4]]), num_nodes=7)
    params = dict(dim=24, random_state=5, normalization_strength=-0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = FastRP(**params).fit(ds.graph).embeddings_
        got = fastrp_distributed(ds.graph, 2, **params)
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
        gparams = dict(dim=8, formulation="gds", random_state=1, standardize=False)
        ref = FastRP(**gparams).fit(g).embeddings_
        from graphemb.distributed.launch import spawn  # noqa: F401 - same launcher
        got = fastrp_distributed(g, 2, **gparams)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def umls():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ge.datasets.load_kg("umls")


PARAMS = dict(dim=32, epochs=4, batch_size=256, lr=0.01, random_state=0, valid_every=0, keep_best=False)


def test_kge_two_processes_match_single_process_mrr(umls):
    single = ge.kge.train(umls, "complex", device="cpu", **PARAMS)
    dist_model = train_distributed(umls, 2, "complex", **PARAMS)
    s = ge.kge.evaluate(single, umls.test, umls).mrr
    d = ge.kge.evaluate(dist_model, umls.test, umls).mrr
    assert s > 0.2  # the model learned something
    assert abs(s - d) <= 0.01
    assert len(dist_model.history_) == PARAMS["epochs"]


def test_killed_rank_resumes_from_last_checkpoint(umls, tmp_path):
    ckpt = tmp_path / "ckpt"
    with pytest.raises(DistributedError):
        train_distributed(umls, 2, "complex", checkpoint_dir=str(ckpt), _kill=(1, 2, 3), **PARAMS)
    import json

    state = json.loads((ckpt / "state.json").read_text())
    assert state["epoch"] == 2  # the checkpoint of the last completed epoch
    resumed = train_distributed(umls, 2, "complex", checkpoint_dir=str(ckpt), resume=True, **PARAMS)
    uninterrupted = train_distributed(umls, 2, "complex", **PARAMS)
    np.testing.assert_allclose(resumed.module.entity.detach().numpy(),
                               uninterrupted.module.entity.detach().numpy(), atol=1e-6)
    assert [h["epoch"] for h in resumed.history_] == [1, 2, 3, 4]


def test_bad_arguments():
    with pytest.raises(ge.InvalidParameterError, match="training"):
        train_distributed("umls", 2, "complex", training="kvsall", epochs=1)
    with pytest.raises(ge.InvalidParameterError, match="resume=True needs checkpoint_dir"):
        train_distributed("umls", 2, "complex", resume=True, epochs=1)
    with pytest.raises(ge.InvalidParameterError, match="nproc"):
        fastrp_distributed(ge.as_graph([[0], [1]]), 0, dim=4)


def test_scale_model_formulas():
    one = fastrp_per_rank(1000, 10000, 16, 1, steps=3)
    two = fastrp_per_rank(1000, 10000, 16, 2, steps=3)
    assert one.communication_bytes == 0
    assert two.communication_bytes == 3 * 500 * 16 * 4
    # the gathered n x d buffer is not divided by P, the local parts are
    assert one.memory_bytes - two.memory_bytes == (8 * 500 + 12 * 5000 + 3 * 500 * 16 * 4)
    k = kge_per_rank(100, 10, 64, 64, num_triples=1000, batch_size=100, ranks=2, score_columns=100)
    assert k.memory_bytes == 4 * (100 * 64 + 10 * 64) * 4 + 3 * 100 * 100 * 4
    rows = projection_table()
    assert rows[0]["ranks"] == 1 and rows[-1]["memory_bytes"] < rows[0]["memory_bytes"]


def _abort_after_return(rank, world):
    """Rank 1 dies (SIGABRT) while the process exits, after the job and its final barrier completed."""
    if rank == 1:
        import os
        import threading

        # non-daemon, so it outlives the worker: it aborts once the main thread has finished, i.e. after
        # the worker returned, passed the final barrier and wrote its done-marker
        threading.Thread(target=lambda: (threading.main_thread().join(), os.abort())).start()
    return {"rank": rank, "value": np.arange(3)}


def test_abort_in_teardown_after_completion_keeps_the_result(caplog):
    from graphemb.distributed.launch import spawn

    with caplog.at_level("WARNING", logger="graphemb.distributed.launch"):
        out = spawn(_abort_after_return, 2)
    assert out["rank"] == 0 and out["value"].tolist() == [0, 1, 2]
    assert "died after the job completed" in caplog.text
