"""Link-prediction API by label, save/load round trip, and the `graphemb kge` commands."""

import json

import numpy as np
import pytest

from graphemb.cli import main
from graphemb.errors import UnknownLabelError
from graphemb.kg import KnowledgeGraph
from graphemb.kge import KGE, evaluate, get_preset, train


@pytest.fixture(scope="module")
def kg_and_model():
    trip = [("a", "likes", "b"), ("b", "likes", "c"), ("c", "likes", "a"), ("a", "knows", "c"),
            ("b", "knows", "a"), ("c", "knows", "b"), ("d", "likes", "a")]
    kg = KnowledgeGraph.from_labeled_triples(trip, [("d", "knows", "b")], [("a", "likes", "c")])
    return kg, train(kg, "distmult", dim=8, epochs=3, batch_size=4, device="cpu")


def test_predict_by_label_filters_known(kg_and_model):
    kg, model = kg_and_model
    all_tails = model.predict_tails("a", "likes", k=10, filter_known=False)
    assert [lab for lab, _ in all_tails] and len(all_tails) == 4
    scores = [s for _, s in all_tails]
    assert scores == sorted(scores, reverse=True)
    filtered = [lab for lab, _ in model.predict_tails("a", "likes", k=10)]
    assert "b" not in filtered and "c" not in filtered  # (a likes b) train, (a likes c) test
    heads = [lab for lab, _ in model.predict_heads("likes", "a", k=10)]
    assert "c" not in heads and "d" not in heads and "a" in heads
    s = model.score_triples([("a", "likes", "b")])
    direct = model.score_triples(np.array([[kg.entities.id("a"), kg.relations.id("likes"), kg.entities.id("b")]]))
    np.testing.assert_allclose(s, direct)
    with pytest.raises(UnknownLabelError, match="did you mean"):
        model.predict_tails("a", "like")


def test_save_load_round_trip(tmp_path, kg_and_model):
    kg, model = kg_and_model
    model.save(tmp_path / "m")
    loaded = KGE.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.entity_embeddings_, model.entity_embeddings_)
    assert loaded.predict_tails("b", "knows") == model.predict_tails("b", "knows")
    assert evaluate(loaded, kg.test).mrr == pytest.approx(evaluate(model, kg.test, kg).mrr)
    assert not list((tmp_path / "m").glob("*.pkl")) and not list((tmp_path / "m").glob("*.pt"))


def test_presets_follow_reference():
    p = get_preset("wn18rr/nfe-1")
    assert (p["dim"], p["epochs"], p["gamma"], p["batch_size"], p["lr"], p["lr_decay"]) == (1024, 50, 1.0, 128,
                                                                                            0.005, 0.9)
    assert get_preset("fb15k-237/nfe-2")["batch_size"] == 256


def test_cli_train_evaluate_predict(tmp_path, capsys, shared_root):
    out = tmp_path / "model"
    rc = main(["kge", "train", "--dataset", "umls", "--model", "nfe-1", "--dim", "8", "--epochs", "1",
               "--device", "cpu", "--out", str(out), "--quiet", "--valid-every", "0"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert 0 < summary["test"]["mrr"] <= 1
    assert main(["kge", "evaluate", str(out), "--dataset", "umls", "--split", "valid", "--quiet"]) == 0
    assert 0 < json.loads(capsys.readouterr().out)["mrr"] <= 1
    assert main(["kge", "predict", str(out), "--head", "acquired_abnormality", "--relation", "location_of",
                 "-k", "3"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3
    assert main(["kge", "predict", str(out), "--head", "nonexistent_thing", "--relation", "location_of"]) == 2
    assert "unknown entity" in capsys.readouterr().err


def test_cli_training_options_reach_the_config(tmp_path, capsys, shared_root):
    out = tmp_path / "model"
    rc = main(["kge", "train", "--dataset", "umls", "--model", "transe", "--training", "negative", "--dim", "8",
               "--epochs", "1", "--device", "cpu", "--out", str(out), "--quiet", "--valid-every", "0", "--no-test",
               "--entity-constraint", "none", "--relation-dropout", "0.1", "--init", "xavier_uniform",
               "--option", "margin=2.5", "--option", "adversarial_temperature=0.5"])
    assert rc == 0
    capsys.readouterr()
    cfg = KGE.load(out).config_
    assert (cfg["entity_constraint"], cfg["relation_dropout"], cfg["init"]) == ("none", 0.1, "xavier_uniform")
    assert (cfg["margin"], cfg["adversarial_temperature"]) == (2.5, 0.5)
    assert main(["kge", "train", "--dataset", "umls", "--out", str(out), "--option", "margin"]) == 2
    assert "--option expects KEY=VALUE" in capsys.readouterr().err
    assert main(["kge", "train", "--dataset", "umls", "--out", str(out), "--option", "no_such_option=1"]) == 2
    assert "unknown training option" in capsys.readouterr().err


def test_every_preset_resolves_to_a_valid_config():
    from graphemb.kge.config import resolve_config
    from graphemb.kge.presets import list_presets

    for key, preset in list_presets().items():
        cfg = resolve_config(key.split("/", 1)[1], preset=key)
        assert {k: cfg[k] for k in ("dim", "epochs", "lr")} == {k: preset[k] for k in ("dim", "epochs", "lr")}, key
    wide = get_preset("codex-s-wide/nfe-1")
    assert wide["dim"] == 4 * get_preset("codex-s/nfe-1")["dim"] and wide["ema_decay"] == 0.995
    xwide = get_preset("codex-s-xwide/nfe-1")
    assert xwide == {**wide, "dim": 8 * get_preset("codex-s/nfe-1")["dim"]}
    xxwide = get_preset("codex-s-xxwide/nfe-1")  # the same schedule, 16x the width, bfloat16 products
    assert xxwide == {**wide, "dim": 16 * get_preset("codex-s/nfe-1")["dim"], "mixed_precision": True}
