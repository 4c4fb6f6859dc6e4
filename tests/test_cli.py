import json
import subprocess
import sys
from pathlib import Path

from graphemb.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_help_lists_commands(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "datasets" in out and "info" in out


def test_datasets_command(capsys):
    assert main(["datasets", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(r["name"] == "umls" and r["path"] for r in rows)


def test_info_on_dataset_and_files(capsys, tmp_path):
    assert main(["info", "umls", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["entities"] == 135 and info["train"] == 5216
    p = tmp_path / "g.edgelist"
    p.write_text("0 1\n1 2\n2 0\n3 4\n")
    assert main(["info", str(p), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["nodes"] == 5 and info["edges"] == 4 and info["weakly_connected_components"] == 2
    kgdir = tmp_path / "kg"
    kgdir.mkdir()
    (kgdir / "train.txt").write_text("a\tr\tb\nb\tr\tc\n")
    assert main(["info", str(kgdir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entities"] == 3


def test_errors_are_reported_not_raised(capsys, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("a b c d\n")
    assert main(["info", str(bad), "--kind", "graph"]) == 2
    err = capsys.readouterr().err
    assert "bad.txt:1" in err


def test_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "graphemb", "--help"], capture_output=True, text=True, cwd=REPO,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and "graphemb" in out.stdout
