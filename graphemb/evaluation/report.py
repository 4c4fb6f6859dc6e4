"""RESTORE reports (Yip et al., "RESTORE: Graph Embedding Assessment Through Reconstruction",
2023): the reconstruction and semantic figures of several embeddings of one graph, as a
dataclass, a pandas DataFrame, JSON, Markdown and a self-contained HTML page whose matplotlib
plots (mAP by hop, precision@k curves, semantic scores) are embedded as base64 PNG images.

>>> report = evaluate_restore(G, {"hope": X, "sdne": Y}, hops=(1, 2, 3))   # doctest: +SKIP
>>> report.to_dataframe()                                                   # doctest: +SKIP
>>> report.save("restore.html")   # also restore.json and restore.md       # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from ..errors import InvalidParameterError
from ..graph import as_graph
from ..utils.io import atomic_write_json, atomic_write_text
from .restore import KGReconstructionResult, ReconstructionResult, node_reconstruction
from .semantic import SemanticResult, semantic_scores


@dataclass
class RestoreReport:
    """Figures of several embeddings of one graph (see :func:`evaluate_restore`)."""

    title: str
    graph: Dict[str, Any]
    reconstruction: List[ReconstructionResult] = field(default_factory=list)
    semantic: List[SemanticResult] = field(default_factory=list)
    kg: List[KGReconstructionResult] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S"))

    # ------------------------------------------------------------- tables
    def to_dataframe(self):
        """One row per embedding: mAP within/exactly h hops, precision@k, semantic scores."""
        import pandas as pd

        rows: Dict[str, Dict[str, Any]] = {}
        for r in self.reconstruction:
            row = rows.setdefault(r.name, {"embedding": r.name})
            for h in r.hops:
                row[f"mAP@{h}hop"] = r.map_within[h]
                row[f"mAP={h}hop"] = r.map_exact[h]
            for h, d in r.precision_at_k.items():
                for k, v in d.items():
                    if h == r.hops[0]:
                        row[f"P@{k}"] = v
            for k, v in r.global_precision_at_k.items():
                row[f"globalP@{k}"] = v
            row["queries"] = r.num_queries
            row["time_s"] = round(r.time_s, 3)
        for s in self.semantic:
            row = rows.setdefault(s.name, {"embedding": s.name})
            for d, sc in s.similarity.items():
                row[f"{d}_spearman"] = sc.spearman
                row[f"{d}_covered"] = sc.n_covered
            if s.analogy is not None:
                row["analogy_acc"] = s.analogy.accuracy
                row["analogy_covered"] = s.analogy.n_covered
            for k, v in s.average_distance.items():
                row[f"avg_dist_{k}"] = v
        for g in self.kg:
            row = rows.setdefault(g.name, {"embedding": g.name})
            row["kg_typed_mAP"] = g.map
            for k, v in g.precision_at_k.items():
                row[f"kg_P@{k}"] = v
        return pd.DataFrame(list(rows.values()))

    def to_dict(self) -> dict:
        return {"title": self.title, "created": self.created, "graph": self.graph,
                "reconstruction": [r.to_dict() for r in self.reconstruction],
                "semantic": [s.to_dict() for s in self.semantic], "kg": [g.to_dict() for g in self.kg],
                "notes": list(self.notes)}

    def to_json(self, path: Optional[Union[str, Path]] = None) -> str:
        """JSON text; written atomically to ``path`` when given."""
        doc = self.to_dict()
        if path is not None:
            atomic_write_json(path, doc)
        return json.dumps(doc, indent=2, default=_json_default)

    def to_markdown(self, path: Optional[Union[str, Path]] = None) -> str:
        """Markdown: the graph, then the table of :meth:`to_dataframe`."""
        df = self.to_dataframe()
        lines = [f"# {self.title}", "", "Graph: " + ", ".join(f"{k}={v}" for k, v in self.graph.items()), ""]
        cols = list(df.columns)
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "---|" * len(cols))
        for _, r in df.iterrows():
            lines.append("| " + " | ".join(_fmt(r[c]) for c in cols) + " |")
        lines += [""] + [f"- {n}" for n in self.notes]
        text = "\n".join(lines) + "\n"
        if path is not None:
            atomic_write_text(path, text)
        return text

    # ---------------------------------------------------------------- html
    def figures(self) -> Dict[str, str]:
        """The report's plots as base64 PNG strings, by title."""
        from matplotlib.figure import Figure

        out: Dict[str, str] = {}
        if self.reconstruction:
            fig = Figure(figsize=(9, 3.6))
            ax1, ax2 = fig.subplots(1, 2)
            for r in self.reconstruction:
                ax1.plot(r.hops, [r.map_within[h] for h in r.hops], marker="o", label=r.name)
                ax2.plot(r.hops, [r.map_exact[h] for h in r.hops], marker="o", label=r.name)
            hop_ticks = sorted({h for r in self.reconstruction for h in r.hops})
            for ax, t in ((ax1, "within h hops"), (ax2, "exactly h hops")):
                ax.set_xticks(hop_ticks)
                ax.set_xlabel("hops h")
                ax.set_ylabel("mAP")
                ax.set_title(f"mAP, {t}")
                ax.set_ylim(0, 1.02)
                ax.grid(alpha=0.3)
            ax1.legend(fontsize=8)
            out["mAP by hop"] = _png(fig)
            fig = Figure(figsize=(9, 3.6))
            ax1, ax2 = fig.subplots(1, 2)
            for r in self.reconstruction:
                h0 = r.hops[0]
                ks = sorted(r.precision_at_k.get(h0, {}))
                ax1.plot(ks, [r.precision_at_k[h0][k] for k in ks], marker="o", label=r.name)
                gks = sorted(r.global_precision_at_k)
                if gks:
                    ax2.plot(gks, [r.global_precision_at_k[k] for k in gks], marker="o", label=r.name)
            ax1.set_title(f"per-node precision@k ({self.reconstruction[0].hops[0]} hop)")
            ax2.set_title("global precision@k over node pairs")
            for ax in (ax1, ax2):
                ax.set_xscale("log")
                ax.set_xlabel("k")
                ax.set_ylim(0, 1.02)
                ax.grid(alpha=0.3)
            ax1.legend(fontsize=8)
            out["precision@k"] = _png(fig)
        if self.semantic:
            fig = Figure(figsize=(9, 3.6))
            ax = fig.subplots()
            metrics = []
            for s in self.semantic:
                for d in s.similarity:
                    if f"{d} Spearman" not in metrics:
                        metrics.append(f"{d} Spearman")
            if any(s.analogy is not None for s in self.semantic):
                metrics.append("analogy accuracy")
            metrics.append("average distance")
            width = 0.8 / max(1, len(self.semantic))
            for i, s in enumerate(self.semantic):
                vals = [s.similarity[m.split()[0]].spearman if m.endswith("Spearman") and m.split()[0] in s.similarity
                        else (s.analogy.accuracy if m == "analogy accuracy" and s.analogy else
                              s.average_distance.get("all", np.nan) if m == "average distance" else np.nan)
                        for m in metrics]
                ax.bar(np.arange(len(metrics)) + i * width, np.nan_to_num(vals), width, label=s.name)
            ax.set_xticks(np.arange(len(metrics)) + 0.4 - width / 2, metrics, fontsize=8)
            ax.axhline(0, color="k", lw=0.5)
            ax.set_title("semantic scores (average distance: lower is better)")
            ax.legend(fontsize=8)
            out["semantic scores"] = _png(fig)
        return out

    def to_html(self, path: Optional[Union[str, Path]] = None) -> str:
        """Self-contained HTML (inline CSS, plots as data URIs); written atomically to ``path``."""
        df = self.to_dataframe()
        parts = [
            "<!DOCTYPE html><html><head><meta charset='utf-8'>",
            f"<title>{html.escape(self.title)}</title><style>",
            "body{font-family:sans-serif;margin:2em;max-width:1100px}"
            "table{border-collapse:collapse;font-size:13px}"
            "td,th{border:1px solid #bbb;padding:3px 6px;text-align:right}"
            "th{background:#eee}img{max-width:100%}",
            "</style></head><body>",
            f"<h1>{html.escape(self.title)}</h1><p>Created {html.escape(self.created)}. Graph: "
            + html.escape(", ".join(f"{k}={v}" for k, v in self.graph.items())) + "</p>",
            "<h2>Summary</h2>", df.to_html(index=False, float_format=lambda v: f"{v:.4f}", na_rep="",
                                            classes="restore-table", table_id="summary"),
        ]
        for title, b64 in self.figures().items():
            parts.append(f"<h2>{html.escape(title)}</h2><img class='restore-plot' alt='{html.escape(title)}' "
                         f"src='data:image/png;base64,{b64}'>")
        if self.kg:
            parts.append("<h2>Edge-type-aware reconstruction (mAP per relation)</h2><table id='kg'><tr>"
                         "<th>model</th><th>relation</th><th>mAP</th></tr>")
            for g in self.kg:
                for rel, v in g.map_per_relation.items():
                    parts.append(f"<tr><td>{html.escape(g.name)}</td><td>{html.escape(rel)}</td><td>{v:.4f}</td></tr>")
            parts.append("</table>")
        parts.append("<h2>Definitions</h2><p>AP is tie-aware over all nodes v != u; 'within h hops' ranks "
                     "against nodes at distance 1..h, 'exactly h hops' against distance h only; global "
                     "precision@k counts each undirected pair once and never self-pairs (graphemb.evaluation.restore)."
                     "</p>")
        if self.notes:
            parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul>")
        parts.append("</body></html>")
        text = "\n".join(parts)
        if path is not None:
            atomic_write_text(path, text)
        return text

    def save(self, path: Union[str, Path]) -> Dict[str, Path]:
        """Write ``path`` (HTML) and the same stem with ``.json`` and ``.md``."""
        path = Path(path)
        out = {"html": path, "json": path.with_suffix(".json"), "md": path.with_suffix(".md")}
        self.to_html(out["html"])
        self.to_json(out["json"])
        self.to_markdown(out["md"])
        return out


def evaluate_restore(graph: Any, embeddings: Mapping[str, Any], *, hops: Any = (1, 2, 3),
                     similarity: str = "dot", labels: Optional[Sequence[Any]] = None,
                     title: str = "RESTORE report", ks: Sequence[int] = (1, 5, 10, 50, 100),
                     global_ks: Sequence[int] = (10, 100, 1000, 10000, 100000), n_queries: Optional[int] = None,
                     random_state: Any = 0, device: Any = None, notes: Sequence[str] = (),
                     verbose: bool = False) -> RestoreReport:
    """Reconstruction (and, with ``labels``, semantic) figures of several embeddings of ``graph``.

    ``embeddings`` maps a name to anything :func:`~graphemb.evaluation.restore.node_reconstruction`
    accepts; ``labels`` (the word or phrase of each row, e.g. ``graph.node_ids``) turns on the
    semantic tests for plain matrices.
    """
    if not embeddings:
        raise InvalidParameterError("embeddings must map at least one name to an embedding")
    G = as_graph(graph)
    report = RestoreReport(title=title, graph={"nodes": G.num_nodes, "edges": G.num_edges, "directed": G.directed},
                           notes=list(notes))
    for name, emb in embeddings.items():
        report.reconstruction.append(node_reconstruction(
            G, emb, hops=hops, similarity=similarity, ks=ks, global_ks=global_ks, n_queries=n_queries,
            random_state=random_state, device=device, name=name, verbose=verbose))
        if labels is not None and not callable(emb):
            X = np.hstack(emb) if isinstance(emb, tuple) else np.asarray(emb)
            report.semantic.append(semantic_scores(X, labels, name=name, graph=G,
                                                   max_hops=max(report.reconstruction[-1].hops)))
    return report


def _png(fig) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return "" if np.isnan(v) else f"{v:.4f}"
    return str(v)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serialisable")
