"""RESTORE report: DataFrame/JSON/Markdown agree with the results; the self-contained HTML renders
in headless Chromium with its plots and tables (Debian: ``apt-get install -y chromium``)."""

import json
import shutil
import subprocess

import networkx as nx
import numpy as np
import pytest

import graphemb as ge
from graphemb.errors import InvalidParameterError
from graphemb.evaluation.report import RestoreReport, evaluate_restore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def report(shared_root):
    nxg = nx.relabel_nodes(nx.connected_caveman_graph(3, 5), lambda i: ["cat", "dog", "car", "truck", "sun"][i % 5]
                           + ("" if i < 5 else f" {i}"))
    G = ge.as_graph(nxg)
    A = G.to_scipy().toarray()
    X = np.random.default_rng(0).normal(size=(G.num_nodes, 6))
    return evaluate_restore(G, {"adjacency": (A, np.eye(G.num_nodes)), "random": X}, hops=(1, 2),
                            labels=list(G.node_ids), ks=(1, 5), global_ks=(5, 10), title="toy report",
                            notes=["a note"])


def test_dataframe_json_markdown_agree(report, tmp_path):
    df = report.to_dataframe()
    assert list(df["embedding"]) == ["adjacency", "random"]
    assert df.loc[0, "mAP@1hop"] == pytest.approx(1.0)
    assert df.loc[1, "mAP@1hop"] == pytest.approx(report.reconstruction[1].map_within[1])
    assert "wordsim353_covered" in df.columns and "globalP@10" in df.columns
    paths = report.save(tmp_path / "r.html")
    doc = json.loads(paths["json"].read_text())
    assert doc["reconstruction"][1]["map_within"]["2"] == pytest.approx(report.reconstruction[1].map_within[2])
    md = paths["md"].read_text()
    assert md.startswith("# toy report") and "| adjacency |" in md and "a note" in md
    with pytest.raises(InvalidParameterError):
        evaluate_restore(nx.path_graph(3), {})


def test_html_is_self_contained(report):
    html = report.to_html()
    assert html.count("data:image/png;base64,") == 3  # mAP by hop, precision@k, semantic scores
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "id=\"summary\"" in html


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install -y chromium)")
def test_html_renders_in_headless_chromium(report, tmp_path):
    path = tmp_path / "report.html"
    report.to_html(path)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert dom.count("<img") == 3 and dom.count('class="restore-plot"') == 3
    assert "<table" in dom and "adjacency" in dom and "random" in dom
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *flags, "--hide-scrollbars", "--window-size=1200,2400",
                    f"--screenshot={shot}", path.as_uri()], capture_output=True, timeout=120)
    from matplotlib.image import imread

    img = imread(str(shot))[..., :3]
    # the plots' coloured lines and bars (matplotlib blue / orange) are painted on the page
    blue = np.all(np.abs(img - np.array([0.12, 0.47, 0.71])) < 0.08, axis=-1).sum()
    orange = np.all(np.abs(img - np.array([1.0, 0.50, 0.05])) < 0.08, axis=-1).sum()
    assert blue > 200 and orange > 200


def test_cli_restore_writes_report(tmp_path, capsys):
    from graphemb.cli import main

    G = ge.as_graph(nx.karate_club_graph())
    np.save(tmp_path / "x.npy", np.random.default_rng(0).normal(size=(34, 4)).astype(np.float32))
    edges = tmp_path / "karate.txt"
    edges.write_text("\n".join(f"{u} {v}" for u, v in G.edge_index(unique=True).T.tolist()) + "\n")
    out = tmp_path / "rep.html"
    assert main(["restore", "--graph", str(edges), "--embeddings", f"rand={tmp_path / 'x.npy'}", "--hops", "2",
                 "--out", str(out)]) == 0
    assert out.exists() and out.with_suffix(".json").exists() and out.with_suffix(".md").exists()
    doc = json.loads(out.with_suffix(".json").read_text())
    assert doc["reconstruction"][0]["name"] == "rand" and doc["graph"]["nodes"] == 34
    assert main(["restore", "--graph", str(edges), "--embeddings", "oops"]) == 2
    assert "name=path" in capsys.readouterr().err
