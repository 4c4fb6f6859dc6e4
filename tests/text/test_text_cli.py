"""``graphemb text encode``."""

import json

import numpy as np
import pytest

from graphemb.cli import main


def test_text_encode_hashing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GRAPHEMB_CACHE", str(tmp_path / "c"))
    src = tmp_path / "texts.txt"
    src.write_text("graph embedding\nknowledge graph\n\ngraph embedding\n", encoding="utf-8")
    out = tmp_path / "X.npy"
    assert main(["text", "encode", str(src), "--encoder", "hashing", "--dim", "32", "--out", str(out)]) == 0
    info = json.loads(capsys.readouterr().out)
    X = np.load(out, allow_pickle=False)
    assert X.shape == (4, 32) and X.dtype == np.float32 and info["shape"] == [4, 32]
    np.testing.assert_array_equal(X[0], X[3])
    assert info["encoder"].startswith("hashing:dim=32")


def test_text_encode_errors(tmp_path, capsys):
    assert main(["text", "encode", str(tmp_path / "missing.txt"), "--encoder", "hashing",
                 "--out", str(tmp_path / "x.npy")]) != 0
    assert "missing.txt" in capsys.readouterr().err
    src = tmp_path / "t.txt"
    src.write_text("a\n", encoding="utf-8")
    assert main(["text", "encode", str(src), "--encoder", "minilm", "--dim", "8", "--out",
                 str(tmp_path / "x.npy")]) != 0
    assert "--dim" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["text", "encode", str(src), "--encoder", "bert", "--out", "x.npy"])
