"""experiments/summary.py and the `graphemb experiment list|summary|NAME` command."""

import json

import pytest

from experiments.common import markdown_table, write_results
from experiments.summary import ResultsSchemaError, build_summary, summary_html, validate_results
from graphemb.cli import main as cli_main


def _write(out, name, rows, **kw):
    return write_results(name, f"Title of {name}", rows, out_dir=str(out), budget="test", seeds=[0, 1],
                         time_s=1.5, **kw)


@pytest.fixture
def results(tmp_path):
    _write(tmp_path, "alpha", [{"method": "fastrp", "mrr": 0.31234}],
           published=[{"method": "paper", "mrr": 0.35, "source": "Chen et al. 2019, Table 2"}],
           notes=["measured on a shared CPU"])
    _write(tmp_path, "beta", [{"model": "<b>x</b>", "acc": 0.5}])
    return tmp_path


def test_written_documents_validate(results):
    for path in sorted(results.glob("*.json")):
        doc = json.loads(path.read_text())
        assert validate_results(doc, str(path)) is doc


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("rows"), "missing key 'rows'"),
    (lambda d: d.update(budget="huge"), "'budget' should be one of"),
    (lambda d: d.update(seeds=["0"]), "'seeds' should be a list of integers"),
    (lambda d: d["rows"].append({"unknown": 1}), "not in 'columns'"),
    (lambda d: d["published"].append({"method": "x"}), "needs a 'source'"),
    (lambda d: d.update(time_s="1"), "'time_s' should be int or float"),
    (lambda d: d["hardware"].pop("cpu"), "'hardware' lacks 'cpu'"),
])
def test_schema_violations_are_named(results, mutate, message):
    doc = json.loads((results / "alpha.json").read_text())
    mutate(doc)
    with pytest.raises(ResultsSchemaError, match=message):
        validate_results(doc, "alpha.json")


def test_build_summary_markdown_and_html(results):
    md, page, n = build_summary(results)
    assert n == 2 and md == results / "SUMMARY.md" and page == results / "SUMMARY.html"
    text = md.read_text()
    # index lists both experiments in name order, then each table with its figures
    assert text.index("[alpha]") < text.index("[beta]")
    assert "| fastrp | 0.3123 |" in text
    assert "Chen et al. 2019, Table 2" in text and "measured on a shared CPU" in text
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html  # escaped
    assert "<link" not in html and "<script" not in html and "http" not in html  # self-contained
    assert html.count('class="pub"') == 1


def test_summary_rejects_a_broken_file_by_name(results):
    (results / "gamma.json").write_text('{"name": "gamma",\n "rows": [}')
    with pytest.raises(ResultsSchemaError, match=r"gamma\.json:2"):
        build_summary(results)


def test_summary_needs_results(tmp_path):
    with pytest.raises(FileNotFoundError):
        build_summary(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="no results"):
        build_summary(tmp_path)


def test_html_of_empty_table_is_valid():
    doc = {"name": "e", "title": "E", "budget": "small", "hardware": {"cpu": "c", "cores": 1, "gpu": None,
           "torch": "2"}, "seeds": [], "time_s": 0.0, "started": "now", "columns": ["a"], "rows": [],
           "published": [], "notes": []}
    html = summary_html([validate_results(doc)])
    assert "<th>a</th>" in html and "<td" not in html.split('id="exp-e"')[1]


def test_cli_summary_and_list(results, capsys, tmp_path):
    out = tmp_path / "site" / "S.md"
    assert cli_main(["experiment", "summary", "--results", str(results), "--out", str(out)]) == 0
    assert out.exists() and out.with_suffix(".html").exists()
    assert "2 experiments" in capsys.readouterr().out
    assert cli_main(["experiment", "list"]) == 0
    listed = capsys.readouterr().out
    for name in ("ogbl_collab", "ogbl_ddi", "ogbl_wikikg2", "ogbl_biokg", "ogbn_arxiv"):
        assert name in listed
    assert "ogb_common" not in listed and "summary " not in listed


def test_cli_unknown_experiment_is_an_error(capsys):
    assert cli_main(["experiment", "no_such_experiment"]) == 2
    assert "unknown experiment 'no_such_experiment'" in capsys.readouterr().err


def test_cli_summary_schema_error_is_reported(results, capsys):
    (results / "bad.json").write_text("[]")
    assert cli_main(["experiment", "summary", "--results", str(results)]) == 2
    assert "bad.json: expected a JSON object" in capsys.readouterr().err


def test_cli_forwards_arguments_and_exit_status(capsys):
    # argparse in the script rejects the budget: status 2 comes back, the script's usage names it
    assert cli_main(["experiment", "ogbl_ddi", "--budget", "enormous"]) == 2
    assert "invalid choice: 'enormous'" in capsys.readouterr().err


def test_missing_checkout_is_explained(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GRAPHEMB_EXPERIMENTS", str(tmp_path))
    assert cli_main(["experiment", "list"]) == 2
    assert "source checkout" in capsys.readouterr().err


def test_summary_files_get_ordinary_permissions(results):
    """Atomic writes must not leave mkstemp's 0600: the pages are meant to be shared."""
    import os

    mask = os.umask(0o022)
    try:
        md, page, _ = build_summary(results)
    finally:
        os.umask(mask)
    assert (md.stat().st_mode & 0o777) == 0o644 and (page.stat().st_mode & 0o777) == 0o644


def test_results_record_the_load_they_were_measured_under(tmp_path, monkeypatch):
    monkeypatch.setattr("os.getloadavg", lambda: (1.234, 0.5, 2.0))
    path = write_results("loaded", "L", [{"a": 1}], out_dir=str(tmp_path), budget="test")
    doc = json.loads(path.read_text())
    assert doc["hardware"]["load_avg_1_5_15min"] == [1.23, 0.5, 2.0]
    assert "load average 1.23 / 0.5 / 2.0 (1 / 5 / 15 min)" in path.with_suffix(".md").read_text()
    del doc["hardware"]["load_avg_1_5_15min"]  # documents written before the field existed still render
    assert "load average" not in markdown_table(doc)
