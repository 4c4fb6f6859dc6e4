r"""Filtered link-prediction ranking with fair tie handling, and OGB's sampled-negative protocol.

The filtered setting follows Bordes et al., "Translating Embeddings for Modeling
Multi-relational Data" (NeurIPS 2013): when ranking the true tail of ``(h, r, ?)`` every
*other* entity ``e`` with ``(h, r, e)`` known true (train + valid + test) is removed. Ties are
counted as in Berrendorf et al., "On the Ambiguity of Rank-Based Evaluation of Entity
Alignment or Link Prediction Methods" (2020) and PyKEEN:

.. math::
    \mathrm{rank}_{opt} = 1 + \#\{e: s_e > s_t\},\quad
    \mathrm{rank}_{pess} = 1 + \#\{e \ne t: s_e \ge s_t\},\quad
    \mathrm{rank}_{real} = \tfrac12(\mathrm{rank}_{opt} + \mathrm{rank}_{pess})

Every figure states its ``tie_policy`` (``'realistic'`` by default). All-entity scores are
computed in chunks of queries on the model's device by matrix products.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np
import torch

from ..errors import InvalidParameterError, InvalidTriplesError
from ..kg import FilterIndex, KnowledgeGraph
from ..utils import check_choice, check_int, progress

TIE_POLICIES = ("realistic", "optimistic", "pessimistic")
KS = (1, 3, 10)


@dataclass
class RankingResult:
    """Link-prediction metrics. ``result["mrr"]`` and ``result["hits@10"]`` work as for a dict.

    Attributes
    ----------
    mrr, mr : float
    hits : dict  ``{1: h@1, 3: h@3, 10: h@10}``
    tie_policy : str  which rank the headline figures use
    num_queries : int
    filtered : bool
    per_direction : dict  ``{"head": {...}, "tail": {...}}``
    per_relation : dict  ``{relation: {"mrr": ..., "count": ..., "head": {"mrr", "count"}, "tail": {...}}}``:
        each relation over both directions, then per direction (``"head"``: rank the true head of
        ``(?, r, t)``); a direction that was not evaluated is absent
    by_policy : dict  headline metrics under every tie policy
    ranks : dict  ``{policy: ndarray}`` the ranks themselves (heads first, then tails)
    """

    mrr: float
    mr: float
    hits: Dict[int, float]
    tie_policy: str
    num_queries: int
    filtered: bool
    per_direction: Dict[str, Dict[str, float]] = field(default_factory=dict)
    per_relation: Dict[Any, Dict[str, float]] = field(default_factory=dict)
    by_policy: Dict[str, Dict[str, float]] = field(default_factory=dict)
    ranks: Dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    time_s: float = 0.0

    def __getitem__(self, key: str) -> float:
        return self.to_dict()[key]

    def to_dict(self) -> Dict[str, Any]:
        """Flat, JSON-serialisable summary (without the rank arrays)."""
        out: Dict[str, Any] = {"mrr": self.mrr, "mr": self.mr}
        out.update({f"hits@{k}": v for k, v in self.hits.items()})
        out.update({"tie_policy": self.tie_policy, "filtered": self.filtered, "num_queries": self.num_queries,
                    "per_direction": self.per_direction, "per_relation": self.per_relation,
                    "by_policy": self.by_policy, "time_s": self.time_s})
        return out


def _metrics(ranks: np.ndarray) -> Dict[str, float]:
    if len(ranks) == 0:
        return {"mrr": float("nan"), "mr": float("nan"), **{f"hits@{k}": float("nan") for k in KS}}
    ranks = ranks.astype(np.float64)
    out = {"mrr": float(np.mean(1.0 / ranks)), "mr": float(np.mean(ranks))}
    out.update({f"hits@{k}": float(np.mean(ranks <= k)) for k in KS})
    return out


def _mrr_count(ranks: np.ndarray) -> Dict[str, Any]:
    return {"mrr": float(np.mean(1.0 / ranks)), "count": int(len(ranks))}


def filter_from_triples(triples: np.ndarray, num_entities: int, num_relations: int) -> FilterIndex:
    """A reciprocal :class:`~graphemb.kg.FilterIndex` of ``triples`` (m, 3) id array."""
    t = np.asarray(triples, dtype=np.int64).reshape(-1, 3)
    R, E = int(num_relations), int(num_entities)
    t = np.concatenate([t, np.stack([t[:, 2], t[:, 1] + R, t[:, 0]], axis=1)])
    keys = np.unique((t[:, 0] * 2 * R + t[:, 1]) * E + t[:, 2])
    q = keys // E
    starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]]) if len(q) else np.zeros(0, dtype=np.int64)
    return FilterIndex(E, 2 * R, keys, q[starts], np.r_[starts, len(q)].astype(np.int64), keys % E)


def known_entities(index: FilterIndex, heads: np.ndarray, relations: np.ndarray):
    """Rows and columns of all known answers of the queries ``(heads[i], relations[i], ?)``.

    Returns ``(rows, cols)`` int64 arrays: entity ``cols[j]`` is a known answer of query ``rows[j]``.
    """
    code = heads * index.num_relations + relations
    pos = np.searchsorted(index.query_keys, code)
    pos_c = np.minimum(pos, max(len(index.query_keys) - 1, 0))
    found = (index.query_keys[pos_c] == code) if len(index.query_keys) else np.zeros(len(code), bool)
    starts = np.where(found, index.query_indptr[pos_c], 0)
    lengths = np.where(found, index.query_indptr[pos_c + 1] - starts, 0) if len(index.query_keys) else starts
    rows = np.repeat(np.arange(len(code)), lengths)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    cols = index.query_tails[offsets + np.arange(lengths.sum())] if lengths.sum() else np.zeros(0, np.int64)
    return rows, cols


def rank_targets(scores: torch.Tensor, targets: torch.Tensor,
                 filter_rows: Optional[torch.Tensor] = None, filter_cols: Optional[torch.Tensor] = None):
    """Optimistic, pessimistic and realistic ranks of ``targets`` (b,) in ``scores`` (b, E).

    Entries ``(filter_rows, filter_cols)`` are removed (set to ``-inf``) before ranking; the
    target itself never counts against itself. ``scores`` is modified in place.
    """
    arange = torch.arange(len(targets), device=scores.device)
    target_scores = scores[arange, targets].clone()
    if filter_rows is not None and len(filter_rows):
        scores[filter_rows, filter_cols] = float("-inf")
    scores[arange, targets] = float("-inf")
    ts = target_scores.unsqueeze(1)
    greater = (scores > ts).sum(1)
    greater_equal = (scores >= ts).sum(1)
    optimistic = (1 + greater).double()
    pessimistic = (1 + greater_equal).double()
    return optimistic, pessimistic, 0.5 * (optimistic + pessimistic)


def _module(model):
    return getattr(model, "module", model)


def _as_id_triples(model, triples) -> np.ndarray:
    if isinstance(triples, torch.Tensor):
        triples = triples.cpu().numpy()
    arr = np.asarray(triples)
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.int64).reshape(-1, 3)
    else:
        to_ids = getattr(model, "triples_to_ids", None)
        if to_ids is None:
            raise InvalidTriplesError("triples: labelled triples need a model that keeps vocabularies")
        arr = to_ids(triples)
    return arr


def evaluate(model, triples, kg: Union[None, KnowledgeGraph, FilterIndex, np.ndarray] = None, *,
             filtered: bool = True, directions: Sequence[str] = ("head", "tail"), tie_policy: str = "realistic",
             batch_size: int = 256, device=None, verbose: bool = False) -> RankingResult:
    """Rank the true head and tail of every triple against all entities.

    Parameters
    ----------
    model : KGE or KGEModule
        A trained model (from :func:`graphemb.kge.train`) or its module.
    triples : array (m, 3) of ids, or labelled triples when ``model`` keeps vocabularies
    kg : KnowledgeGraph, FilterIndex or array of known triples
        Source of the filter (train + valid + test of a KnowledgeGraph); required when
        ``filtered`` (when omitted a trained model's own ``kg_filter_`` is used if present).
    filtered : bool
    directions : subset of ('head', 'tail')
    tie_policy : {'realistic', 'optimistic', 'pessimistic'}
        Which rank the headline figures use; all three are in ``by_policy``.
    batch_size : int
        Queries scored at once (memory ~ batch_size x entities floats).
    device : str or torch.device, optional
        Defaults to the model's device.

    Returns
    -------
    RankingResult
    """
    import time

    start = time.perf_counter()
    check_choice(tie_policy, "tie_policy", TIE_POLICIES)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    directions = tuple(directions)
    if not directions or any(d not in ("head", "tail") for d in directions):
        raise InvalidParameterError(f"directions must be a non-empty subset of ('head', 'tail'), got {directions!r}")
    module = _module(model)
    E, R = module.num_entities, module.num_relations
    arr = _as_id_triples(model, triples)
    if len(arr) and (arr.min() < 0 or arr[:, [0, 2]].max() >= E or arr[:, 1].max() >= R):
        raise InvalidTriplesError(f"triples: ids outside the model's {E} entities / {R} relations")
    index: Optional[FilterIndex] = None
    if filtered:
        if kg is None:
            kg = getattr(model, "kg_filter_", None)
            if kg is None:
                raise InvalidParameterError("kg: filtered evaluation needs kg= (a KnowledgeGraph, FilterIndex or "
                                            "array of known triples), or pass filtered=False")
        if isinstance(kg, KnowledgeGraph):
            index = kg.filter_index()
        elif isinstance(kg, FilterIndex):
            index = kg
        else:
            index = filter_from_triples(np.asarray(kg), E, R)
        if index.num_relations != 2 * R or index.num_entities != E:
            raise InvalidParameterError("kg: the filter index must be reciprocal (2R relations) and match the "
                                        f"model's sizes ({E} entities, {R} relations)")
    if device is None:
        device = module.entity.device
    module_was_training = module.training
    module.eval()
    all_ranks = {p: [] for p in TIE_POLICIES}
    dir_ranks: Dict[str, list] = {d: [] for d in directions}
    rel_ids = []
    total = len(directions) * ((len(arr) + batch_size - 1) // batch_size)
    bar = progress(total=total, verbose=verbose, desc="evaluate", unit="batch")
    with torch.no_grad():
        for direction in directions:
            for s in range(0, len(arr), batch_size):
                b = arr[s:s + batch_size]
                h, r, t = (torch.as_tensor(b[:, i], device=device) for i in range(3))
                if direction == "tail":
                    scores, targets, qh, qr = module.score_t(h, r), t, b[:, 0], b[:, 1]
                else:
                    scores, targets, qh, qr = module.score_h(r, t), h, b[:, 2], b[:, 1] + R
                scores = scores.float()
                fr = fc = None
                if index is not None:
                    rows, cols = known_entities(index, qh, qr)
                    fr, fc = torch.as_tensor(rows, device=device), torch.as_tensor(cols, device=device)
                opt, pess, real = rank_targets(scores, targets, fr, fc)
                for name, val in zip(("optimistic", "pessimistic", "realistic"), (opt, pess, real)):
                    all_ranks[name].append(val.cpu().numpy())
                dir_ranks[direction].append(
                    {"optimistic": opt, "pessimistic": pess, "realistic": real}[tie_policy].cpu().numpy())
                rel_ids.append(b[:, 1])
                bar.update(1)
    bar.close()
    module.train(module_was_training)
    ranks = {p: np.concatenate(v) if v else np.zeros(0) for p, v in all_ranks.items()}
    rel_ids_arr = np.concatenate(rel_ids) if rel_ids else np.zeros(0, np.int64)
    is_tail = np.repeat([d == "tail" for d in directions], len(arr))   # ranks hold one block per direction
    head = _metrics(ranks[tie_policy])
    per_relation = {}
    labels = getattr(model, "relations_", None)
    for rel in np.unique(rel_ids_arr):
        of_rel = rel_ids_arr == rel
        key = labels.label(rel) if labels is not None else int(rel)
        per_relation[key] = _mrr_count(ranks[tie_policy][of_rel])
        for direction in directions:
            per_relation[key][direction] = _mrr_count(ranks[tie_policy][of_rel & (is_tail == (direction == "tail"))])
    return RankingResult(
        mrr=head["mrr"], mr=head["mr"], hits={k: head[f"hits@{k}"] for k in KS}, tie_policy=tie_policy,
        num_queries=int(len(ranks[tie_policy])), filtered=bool(filtered),
        per_direction={d: _metrics(np.concatenate(v) if v else np.zeros(0)) for d, v in dir_ranks.items()},
        per_relation=per_relation, by_policy={p: _metrics(v) for p, v in ranks.items()}, ranks=ranks,
        time_s=time.perf_counter() - start)


def evaluate_ogb(model, triples, head_negatives, tail_negatives, *, name: str = "ogbl-wikikg2",
                 batch_size: int = 1024, device=None) -> Dict[str, float]:
    """OGB's sampled-negative protocol: score each positive against its given negatives.

    ``head_negatives`` / ``tail_negatives`` are (m, n) entity ids (OGB's ``head_neg`` /
    ``tail_neg``). Scores go to ``ogb.linkproppred.Evaluator(name)``, which computes the
    MRR (and Hits@K) the OGB leaderboard uses (OGB averages the ``>=`` and ``>`` counts: realistic ties).
    Head corruptions of a model trained with reciprocal relations are scored with the reciprocal
    query ``(t, r^-1, h')``, the direction that model was trained for (as in :func:`evaluate`).
    """
    try:
        from ogb.linkproppred import Evaluator
    except ImportError as exc:  # pragma: no cover - depends on the environment
        from ..errors import missing_dependency

        raise missing_dependency("ogb", "ogb") from exc
    module = _module(model)
    arr = _as_id_triples(model, triples)
    device = module.entity.device if device is None else device
    pos_all, neg_all = [], []
    with torch.no_grad():
        for direction, negs in (("head", head_negatives), ("tail", tail_negatives)):
            negs = torch.as_tensor(np.asarray(negs), dtype=torch.long)
            if negs.shape[0] != len(arr):
                raise InvalidParameterError(f"{direction}_negatives must have {len(arr)} rows, got {negs.shape[0]}")
            for s in range(0, len(arr), batch_size):
                b = torch.as_tensor(arr[s:s + batch_size], device=device)
                n = negs[s:s + batch_size].to(device)
                cand = torch.cat([b[:, 0 if direction == "head" else 2].unsqueeze(1), n], dim=1)
                trip = b.unsqueeze(1).expand(-1, cand.shape[1], -1).clone()
                if direction == "head" and module.reciprocal:
                    # the model was trained to answer (?, r, t) as (t, r^-1, ?), as in evaluate()
                    trip[:, :, 0] = b[:, 2:3]
                    trip[:, :, 1] += module.num_relations
                    trip[:, :, 2] = cand
                else:
                    trip[:, :, 0 if direction == "head" else 2] = cand
                sc = module.score_hrt(trip).float().cpu()
                pos_all.append(sc[:, 0])
                neg_all.append(sc[:, 1:])
    evaluator = Evaluator(name=name)
    res = evaluator.eval({"y_pred_pos": torch.cat(pos_all), "y_pred_neg": torch.cat(neg_all)})
    return {k.replace("_list", ""): float(v.float().mean()) for k, v in res.items()}
