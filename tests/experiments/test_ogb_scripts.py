"""Every OGB experiment script end to end on a tiny dataset in OGB's layout (budget test),
plus the evaluator wrappers against hand-computed values."""

import importlib
import json

import numpy as np
import pytest

from experiments.common import parse_args
from experiments.ogb_common import kg_ranking, link_hits, mean_std, node_accuracy, write_tiny_ogb
from experiments.summary import validate_results

pytest.importorskip("ogb")

SCRIPTS = {
    "ogbl_collab": ("ogbl-collab", ["--methods", "fastrp", "node2vec"], ["method", "predictor"], "test"),
    "ogbl_ddi": ("ogbl-ddi", ["--methods", "fastrp", "--predictors", "dot", "mlp"], ["method", "predictor"], "test"),
    "ogbl_wikikg2": ("ogbl-wikikg2", ["--models", "distmult", "transe"], ["model"], "test_mrr"),
    "ogbl_biokg": ("ogbl-biokg", ["--models", "complex"], ["model"], "test_mrr"),
    "ogbl_wikikg2[1vsall]": ("ogbl-wikikg2", ["--models", "rotate", "--training", "1vsall"], ["model"], "test_mrr"),
    "ogbl_biokg[1vsall]": ("ogbl-biokg", ["--models", "distmult", "--training", "1vsall"], ["model"], "test_mrr"),
    "ogbn_arxiv": ("ogbn-arxiv", [], ["features", "classifier"], "test_acc"),
}


def test_link_hits_matches_hand_count():
    # Hits@20 (ddi): 20th largest negative is 80 (negatives 100..81 are above it ... 0..99):
    neg = np.arange(100, dtype=np.float64)          # 20th largest = 80
    pos = np.array([80.0, 80.5, 99.5, 10.0])        # strictly above 80: 80.5 and 99.5
    assert link_hits("ogbl-ddi", pos, neg) == pytest.approx(0.5)
    assert link_hits("ogbl-collab", pos, neg) == pytest.approx(0.75)  # 50th largest = 50


def test_kg_ranking_counts_ties_half():
    pos = np.array([5.0, 1.0])
    neg = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    out = kg_ranking("ogbl-wikikg2", pos, neg)
    # ranks: 1 and 0.5 * (2 + 3) + 1 = 3.5
    assert out["mrr"] == pytest.approx((1 + 1 / 3.5) / 2)
    assert out["hits@1"] == pytest.approx(0.5) and out["hits@10"] == pytest.approx(1.0)


def test_node_accuracy_and_mean_std():
    assert node_accuracy("ogbn-arxiv", [0, 1, 2, 3], np.array([0, 1, 0, 3])) == pytest.approx(0.75)
    m, s = mean_std([0.5, 0.7])
    assert m == pytest.approx(0.6) and s == pytest.approx(np.std([0.5, 0.7], ddof=1))
    assert mean_std([0.4]) == (0.4, 0.0)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("ogb_data")
    for name, *_ in SCRIPTS.values():
        write_tiny_ogb(name, root, num_nodes=80, seed=0)
    return root


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_script_end_to_end(script, data_root, tmp_path):
    name, extra, keys, metric = SCRIPTS[script]
    script = script.split("[")[0]
    mod = importlib.import_module(f"experiments.{script}")
    argv = ["--budget", "test", "--data-root", str(data_root), "--out-dir", str(tmp_path), "--device", "cpu"] + extra
    args = parse_args(script, argv, extra=getattr(mod, "_extra", None))
    rows = mod.run(args)
    doc = validate_results(json.loads((tmp_path / f"{script}.json").read_text()), script)
    assert doc["name"] == script and doc["budget"] == "test" and doc["seeds"] == [0]
    assert doc["rows"] == rows and rows
    assert doc["published"] and all(r["source"] for r in doc["published"])
    assert (tmp_path / f"{script}.md").read_text().startswith("## ")
    for r in rows:
        assert all(k in r for k in keys)
        assert 0.0 <= r[metric] <= 1.0 and r["time_s"] >= 0
    if script.startswith("ogbl_") and "model" in keys:
        assert {r["model"] for r in rows} == {m for m in extra[1:] if not m.startswith("-") and m != "1vsall"}


def test_tiny_arxiv_is_learnable_with_graph_features(data_root, tmp_path):
    """FastRP on the planted-partition citation graph must beat chance (1/4) by a margin."""
    mod = importlib.import_module("experiments.ogbn_arxiv")
    args = parse_args("arxiv", ["--budget", "test", "--data-root", str(data_root), "--out-dir", str(tmp_path),
                                "--classifiers", "linear", "--no-text"], extra=mod._extra)
    rows = {r["features"]: r for r in mod.run(args)}
    assert "feat+fastrp+text" not in rows
    assert rows["fastrp"]["test_acc"] >= 0.6


def test_tiny_link_task_beats_chance(data_root, tmp_path):
    """Dot-product FastRP on the planted partition ranks true edges above random pairs."""
    mod = importlib.import_module("experiments.ogbl_ddi")
    args = parse_args("ddi", ["--budget", "test", "--data-root", str(data_root), "--out-dir", str(tmp_path),
                              "--methods", "fastrp", "--predictors", "dot"], extra=mod._extra)
    (row,) = mod.run(args)
    # with 240 random negative pairs Hits@20 of a random scorer is about 20/240 ~ 0.08
    assert row["test"] > 0.2


def test_cli_runs_an_ogb_script(data_root, tmp_path, capsys):
    """`graphemb experiment ogbl_ddi ...` forwards every option and prints the table."""
    from graphemb.cli import main as cli_main

    status = cli_main(["experiment", "ogbl_ddi", "--budget", "test", "--data-root", str(data_root),
                       "--out-dir", str(tmp_path), "--methods", "fastrp", "--predictors", "dot", "--seeds", "3"])
    assert status == 0
    doc = validate_results(json.loads((tmp_path / "ogbl_ddi.json").read_text()))
    assert doc["seeds"] == [3] and [(r["method"], r["predictor"]) for r in doc["rows"]] == [("fastrp", "dot")]
    assert "## ogbl-ddi link prediction (Hits@20)" in capsys.readouterr().out


def test_same_seed_same_figures(data_root, tmp_path):
    """Explicit generators only: two runs with one seed give identical scores (MLP included)."""
    mod = importlib.import_module("experiments.ogbl_ddi")
    argv = ["--budget", "test", "--data-root", str(data_root), "--out-dir", str(tmp_path), "--methods", "fastrp",
            "--device", "cpu"]
    a = [{k: v for k, v in r.items() if k != "time_s"} for r in mod.run(parse_args("ddi", argv, extra=mod._extra))]
    b = [{k: v for k, v in r.items() if k != "time_s"} for r in mod.run(parse_args("ddi", argv, extra=mod._extra))]
    assert a == b and {r["predictor"] for r in a} == {"dot", "mlp"}
