"""Gather every ``results/*.json`` written by the experiment scripts into one Markdown page
and one self-contained HTML page (no external CSS, scripts or images).

Used by ``graphemb experiment summary``; also runnable as
``python experiments/summary.py [--results results/] [--out results/SUMMARY.md]``.
Each results document must follow the schema of :mod:`experiments.common`; a file that
does not is reported with its path and the first problem found, and the summary fails
rather than silently leaving it out.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

if __package__ in (None, ""):  # run as `python experiments/summary.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.common import REPO, _fmt, markdown_table

#: required keys of a results document and the JSON type each must have
SCHEMA = {
    "name": str, "title": str, "budget": str, "hardware": dict, "seeds": list, "time_s": (int, float),
    "started": str, "columns": list, "rows": list, "published": list, "notes": list,
}
BUDGETS = ("test", "small", "full")
SKIP_FILES = {"SUMMARY.json"}


class ResultsSchemaError(ValueError):
    """A results document that does not follow the schema (message names the file)."""


def validate_results(doc: Any, where: str = "<document>") -> Dict[str, Any]:
    """Check ``doc`` against the results schema; return it or raise :class:`ResultsSchemaError`."""
    if not isinstance(doc, dict):
        raise ResultsSchemaError(f"{where}: expected a JSON object, got {type(doc).__name__}")
    for key, typ in SCHEMA.items():
        if key not in doc:
            raise ResultsSchemaError(f"{where}: missing key {key!r}")
        if not isinstance(doc[key], typ) or isinstance(doc[key], bool):
            raise ResultsSchemaError(f"{where}: {key!r} should be {_typename(typ)}, got {type(doc[key]).__name__}")
    if doc["budget"] not in BUDGETS:
        raise ResultsSchemaError(f"{where}: 'budget' should be one of {BUDGETS}, got {doc['budget']!r}")
    for key in ("cpu", "cores", "gpu", "torch"):
        if key not in doc["hardware"]:
            raise ResultsSchemaError(f"{where}: 'hardware' lacks {key!r}")
    if not all(isinstance(c, str) for c in doc["columns"]):
        raise ResultsSchemaError(f"{where}: 'columns' should be a list of strings")
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in doc["seeds"]):
        raise ResultsSchemaError(f"{where}: 'seeds' should be a list of integers")
    for part in ("rows", "published"):
        for i, row in enumerate(doc[part]):
            if not isinstance(row, dict):
                raise ResultsSchemaError(f"{where}: {part}[{i}] should be an object")
            unknown = [k for k in row if k not in doc["columns"] and k != "source"]
            if unknown:
                raise ResultsSchemaError(f"{where}: {part}[{i}] has keys {unknown} that are not in 'columns'")
    for i, row in enumerate(doc["published"]):
        if not row.get("source"):
            raise ResultsSchemaError(f"{where}: published[{i}] needs a 'source'")
    if not all(isinstance(n, str) for n in doc["notes"]):
        raise ResultsSchemaError(f"{where}: 'notes' should be a list of strings")
    return doc


def _typename(typ) -> str:
    if isinstance(typ, tuple):
        return " or ".join(t.__name__ for t in typ)
    return typ.__name__


def load_results(results_dir) -> List[Tuple[Path, Dict[str, Any]]]:
    """All valid results documents in ``results_dir``, sorted by name."""
    folder = Path(results_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"results folder {folder} does not exist (run an experiment first)")
    docs = []
    for path in sorted(folder.glob("*.json")):
        if path.name in SKIP_FILES:
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ResultsSchemaError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
        docs.append((path, validate_results(doc, str(path))))
    return sorted(docs, key=lambda pd: pd[1]["name"])


def summary_markdown(docs: Sequence[Dict[str, Any]]) -> str:
    """One Markdown page: an index table, then each experiment's table."""
    lines = ["# graphemb experiment results", "",
             "| experiment | title | budget | seeds | time (s) | hardware | started |", "|---|---|---|---|---|---|---|"]
    for d in docs:
        hw = d["hardware"]
        lines.append(f"| [{d['name']}](#{_anchor(d['name'])}) | {d['title']} | {d['budget']} | {d['seeds']} | "
                     f"{d['time_s']:.1f} | {hw['cpu']} ({hw['cores']} cores, GPU: {hw['gpu']}) | {d['started']} |")
    for d in docs:
        lines += ["", f'<a id="{_anchor(d["name"])}"></a>', "", markdown_table(d)]
    return "\n".join(lines) + "\n"


def _anchor(name: str) -> str:
    return "exp-" + "".join(c if c.isalnum() else "-" for c in name.lower())


_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}
table{border-collapse:collapse;margin:.6em 0 1.2em}th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left}
th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.pub td{color:#555;font-style:italic}
.meta{color:#555;font-size:.9em}h2{margin-top:2em;border-bottom:1px solid #ccc}"""


def _cell(v: Any) -> str:
    cls = ' class="num"' if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
    return f"<td{cls}>{html.escape(_fmt(v))}</td>"


def summary_html(docs: Sequence[Dict[str, Any]]) -> str:
    """One self-contained HTML page with the same content as :func:`summary_markdown`."""
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>graphemb experiment results</title>", f"<style>{_CSS}</style></head><body>",
           "<h1>graphemb experiment results</h1>", "<table><tr><th>experiment</th><th>title</th><th>budget</th>"
           "<th>seeds</th><th>time (s)</th><th>hardware</th><th>started</th></tr>"]
    for d in docs:
        hw = d["hardware"]
        out.append(f'<tr><td><a href="#{_anchor(d["name"])}">{e(d["name"])}</a></td><td>{e(d["title"])}</td>'
                   f"<td>{e(d['budget'])}</td><td>{e(str(d['seeds']))}</td>{_cell(float(d['time_s']))}"
                   f"<td>{e(str(hw['cpu']))} ({e(str(hw['cores']))} cores, GPU: {e(str(hw['gpu']))})</td>"
                   f"<td>{e(d['started'])}</td></tr>")
    out.append("</table>")
    for d in docs:
        cols = d["columns"]
        out.append(f'<h2 id="{_anchor(d["name"])}">{e(d["title"])} <small>({e(d["name"])})</small></h2>')
        out.append(f'<p class="meta">budget <b>{e(d["budget"])}</b>, seeds {e(str(d["seeds"]))}, '
                   f'{float(d["time_s"]):.1f} s, torch {e(str(d["hardware"]["torch"]))}</p>')
        out.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in cols) + "<th>source</th></tr>")
        for r in d["rows"]:
            out.append("<tr>" + "".join(_cell(r.get(c)) for c in cols) + "<td>measured here</td></tr>")
        for r in d["published"]:
            out.append('<tr class="pub">' + "".join(_cell(r.get(c)) for c in cols) + _cell(r.get("source")) + "</tr>")
        out.append("</table>")
        if d["notes"]:
            out.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in d["notes"]) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def build_summary(results_dir=None, out_md=None, out_html=None) -> Tuple[Path, Path, int]:
    """Write the Markdown and HTML summaries; return their paths and the number of experiments.

    ``out_md`` defaults to ``<results_dir>/SUMMARY.md`` and ``out_html`` to the same path with
    ``.html``.
    """
    from graphemb.utils.io import atomic_write_text

    results_dir = Path(results_dir) if results_dir else REPO / "results"
    out_md = Path(out_md) if out_md else results_dir / "SUMMARY.md"
    out_html = Path(out_html) if out_html else out_md.with_suffix(".html")
    docs = [d for _, d in load_results(results_dir)]
    if not docs:
        raise FileNotFoundError(f"no results/*.json in {results_dir} (run an experiment first)")
    atomic_write_text(out_md, summary_markdown(docs))
    atomic_write_text(out_html, summary_html(docs))
    return out_md, out_html, len(docs)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description="Gather results/*.json into SUMMARY.md and SUMMARY.html")
    p.add_argument("--results", default=str(REPO / "results"))
    p.add_argument("--out", default=None, help="Markdown path (default RESULTS/SUMMARY.md; HTML beside it)")
    p.add_argument("--html", default=None, help="HTML path (default: --out with .html)")
    args = p.parse_args(argv)
    md, page, n = build_summary(args.results, args.out, args.html)
    sys.stdout.write(f"{n} experiments -> {md} and {page}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
