"""Shared helpers for experiment and benchmark scripts: argument parsing, hardware
description, timing, peak memory, and the results schema written to ``results/NAME.json``
plus a Markdown table ``results/NAME.md``.

Results schema (what ``graphemb experiment summary`` reads)::

    {
      "name": str, "title": str, "budget": "small"|"full"|"test",
      "hardware": {"cpu": str, "cores": int, "gpu": str|None, "torch": str},
      "seeds": [int], "time_s": float, "started": iso-time,
      "columns": [str],                  # column order of the table
      "rows": [ {column: value} ],       # our figures (and peers' measured in the same run)
      "published": [ {column: value, "source": str} ],   # reference rows, not measured here
      "notes": [str]
    }
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python experiments/NAME.py` from anywhere
    sys.path.insert(0, str(REPO))


def parse_args(description: str, argv: Optional[List[str]] = None, extra=None) -> argparse.Namespace:
    """Common flags: --budget small|full|test, --device, --seeds, --out-dir, --data-root."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--budget", choices=["test", "small", "full"], default="small",
                   help="test: seconds (used by the test suite); small: minutes on 2 CPU cores; full: published protocol")
    p.add_argument("--device", default="auto")
    p.add_argument("--seeds", type=int, nargs="+", default=None)
    p.add_argument("--out-dir", default=str(REPO / "results"))
    p.add_argument("--data-root", default=None)
    if extra is not None:
        extra(p)
    return p.parse_args(argv)


def hardware() -> Dict[str, Any]:
    """A short description of the machine the figures were measured on."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    try:  # load when the figures are written: timings taken beside other jobs are noisy
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {"cpu": cpu, "cores": os.cpu_count(), "gpu": gpu, "torch": torch.__version__,
            "python": platform.python_version(), "load_avg_1_5_15min": load}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Timer:
    """``with Timer() as t: ...; t.seconds``."""

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.start


def write_results(name: str, title: str, rows: List[Dict[str, Any]], *, out_dir: str, budget: str,
                  seeds: Iterable[int] = (), time_s: float = 0.0, columns: Optional[List[str]] = None,
                  published: Optional[List[Dict[str, Any]]] = None, notes: Optional[List[str]] = None) -> Path:
    """Write ``results/NAME.json`` and ``results/NAME.md`` atomically; return the JSON path."""
    from graphemb.utils.io import atomic_write_json, atomic_write_text

    if columns is None:
        columns = []
        for r in rows + (published or []):
            for k in r:
                if k not in columns and k != "source":
                    columns.append(k)
    doc = {
        "name": name, "title": title, "budget": budget, "hardware": hardware(), "seeds": list(seeds),
        "time_s": round(float(time_s), 3), "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "columns": columns, "rows": rows, "published": published or [], "notes": notes or [],
    }
    out = Path(out_dir)
    path = out / f"{name}.json"
    atomic_write_json(path, doc)
    atomic_write_text(out / f"{name}.md", markdown_table(doc))
    return path


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:,.0f}"
    return "" if v is None else str(v)


def _load_text(hw: Dict[str, Any]) -> str:
    load = hw.get("load_avg_1_5_15min")
    if not load:
        return ""
    return f"; load average {load[0]} / {load[1]} / {load[2]} (1 / 5 / 15 min) when written"


def markdown_table(doc: Dict[str, Any]) -> str:
    """Markdown rendering of a results document."""
    cols = doc["columns"]
    lines = [f"## {doc['title']}", "",
             f"budget `{doc['budget']}`, seeds {doc['seeds']}, {doc['time_s']:.1f} s on "
             f"{doc['hardware']['cpu']} ({doc['hardware']['cores']} cores, GPU: {doc['hardware']['gpu']})"
             + _load_text(doc['hardware']), ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "---|" * len(cols))
    for r in doc["rows"]:
        lines.append("| " + " | ".join(_fmt(r.get(c)) for c in cols) + " |")
    if doc.get("published"):
        lines += ["", "Published reference rows (not measured here):", ""]
        pcols = cols + ["source"]
        lines.append("| " + " | ".join(pcols) + " |")
        lines.append("|" + "---|" * len(pcols))
        for r in doc["published"]:
            lines.append("| " + " | ".join(_fmt(r.get(c)) for c in pcols) + " |")
    for n in doc.get("notes", []):
        lines.append(f"\n- {n}")
    return "\n".join(lines) + "\n"


def print_table(doc_or_path: Any) -> None:
    """Print the Markdown table of a results document or JSON path."""
    doc = doc_or_path
    if not isinstance(doc, dict):
        doc = json.loads(Path(doc_or_path).read_text())
    sys.stdout.write(markdown_table(doc))
