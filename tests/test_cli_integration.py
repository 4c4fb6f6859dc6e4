"""CLI wiring across features: --nproc, --negative-sampler lemon, quickstart."""

import json

import numpy as np

from graphemb.cli import main


def test_fastrp_nproc_equals_single_process(tmp_path):
    g = tmp_path / "g.txt"
    g.write_text("0 1\n1 2\n2 0\n2 3\n3 4\n5 6\n")
    assert main(["fastrp", str(g), "--dim", "8", "--out", str(tmp_path / "a.npy")]) == 0
    assert main(["fastrp", str(g), "--dim", "8", "--out", str(tmp_path / "b.npy"), "--nproc", "2"]) == 0
    a, b = np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy")
    assert a.shape == (7, 8)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert (tmp_path / "b.nodes.txt").read_text().split() == [str(i) for i in range(7)]


def test_kge_train_with_lemon_negatives(tmp_path, capsys):
    out = tmp_path / "m"
    code = main(["kge", "train", "--dataset", "umls", "--model", "transe", "--negative-sampler", "lemon",
                 "--lemon-encoder", "hashing", "--lemon-clusters", "5", "--epochs", "2", "--dim", "16",
                 "--valid-every", "0", "--quiet", "--out", str(out)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["epochs_run"] == 2 and 0 < summary["test"]["mrr"] <= 1
    assert (out / "config.json").exists() or any(out.iterdir())


def test_quickstart_writes_results(tmp_path, capsys):
    out = tmp_path / "quick.json"
    assert main(["quickstart", "--out", str(out), "--epochs", "2", "--dim", "16", "--device", "cpu"]) == 0
    res = json.loads(out.read_text())
    assert res["graph"]["nodes"] == 131 and 0 <= res["graph"]["role_classification_50pct"]["micro_f1"] <= 1
    assert res["kg"]["dataset"] == "umls" and 0 < res["kg"]["test"]["mrr"] <= 1
