"""Filtered ranking: ties under each policy, filtering against a brute-force loop, validation."""

import numpy as np
import pytest
import torch

from graphemb.errors import InvalidParameterError, InvalidTriplesError
from graphemb.kge import KGEModule, evaluate, filter_from_triples, rank_targets


def test_rank_ties_known_values():
    scores = torch.tensor([[1.0, 2.0, 2.0, 0.0, 2.0], [5.0, 1.0, 1.0, 1.0, 0.0]])
    opt, pess, real = rank_targets(scores.clone(), torch.tensor([1, 2]))
    # row 0: target 2.0, nothing greater, two others equal -> opt 1, pess 3, real 2
    # row 1: target 1.0, one greater (5), two others equal -> opt 2, pess 4, real 3
    assert opt.tolist() == [1.0, 2.0]
    assert pess.tolist() == [3.0, 4.0]
    assert real.tolist() == [2.0, 3.0]
    # filtering entity 2 and 4 of row 0 removes the ties
    opt, pess, real = rank_targets(scores.clone(), torch.tensor([1, 2]), torch.tensor([0, 0]), torch.tensor([2, 4]))
    assert (opt[0], pess[0]) == (1.0, 1.0)


def _brute_force(module, triples, known, R):
    ranks = []
    known = {tuple(x) for x in known.tolist()}
    with torch.no_grad():
        for h, r, t in triples.tolist():
            for direction in ("head", "tail"):
                cands = torch.arange(module.num_entities)
                if direction == "tail":
                    trip = torch.stack([torch.full_like(cands, h), torch.full_like(cands, r), cands], 1)
                    target = t
                elif module.reciprocal:  # head prediction is tail prediction of the inverse relation
                    trip = torch.stack([torch.full_like(cands, t), torch.full_like(cands, r + R), cands], 1)
                    target = h
                else:
                    trip = torch.stack([cands, torch.full_like(cands, r), torch.full_like(cands, t)], 1)
                    target = h
                s = module.score_hrt(trip).double().numpy()
                ts = s[target]
                others = [e for e in range(len(s)) if e != target and
                          ((h, r, e) if direction == "tail" else (e, r, t)) not in known]
                gt = sum(s[e] > ts for e in others)
                ge = sum(s[e] >= ts for e in others)
                ranks.append((1 + gt + 1 + ge) / 2)
    return np.array(ranks)


@pytest.mark.parametrize("reciprocal", [False, True])
def test_filtered_evaluation_matches_brute_force(reciprocal):
    rng = np.random.default_rng(0)
    E, R = 12, 3
    known = np.unique(np.stack([rng.integers(0, E, 60), rng.integers(0, R, 60), rng.integers(0, E, 60)], 1), axis=0)
    test = known[:15]
    module = KGEModule("nfe-1", E, R, 3, gamma=1.0, reciprocal=reciprocal, generator=torch.Generator().manual_seed(3))
    res = evaluate(module, test, known, batch_size=4)
    brute = _brute_force(module, test, known, R)
    heads_first = np.concatenate([brute[0::2], brute[1::2]])
    np.testing.assert_allclose(res.ranks["realistic"], heads_first)
    assert res.mrr == pytest.approx(np.mean(1 / brute))
    assert res["hits@10"] == pytest.approx(np.mean(brute <= 10))
    assert res.num_queries == 30 and res.tie_policy == "realistic"
    assert set(res.per_direction) == {"head", "tail"}
    rr = 1 / heads_first
    for rel in range(R):  # per relation, then per direction: the same ranks, split by query
        of_rel = test[:, 1] == rel
        got = res.per_relation[rel]
        assert got["count"] == 2 * of_rel.sum()
        assert got["mrr"] == pytest.approx(np.mean(np.concatenate([rr[:15][of_rel], rr[15:][of_rel]])))
        assert got["head"] == {"mrr": pytest.approx(np.mean(rr[:15][of_rel])), "count": int(of_rel.sum())}
        assert got["tail"] == {"mrr": pytest.approx(np.mean(rr[15:][of_rel])), "count": int(of_rel.sum())}
    tails_only = evaluate(module, test, known, directions=("tail",))
    assert all(set(v) == {"mrr", "count", "tail"} for v in tails_only.per_relation.values())
    raw = evaluate(module, test, filtered=False)
    assert raw.mrr <= res.mrr + 1e-12


def test_constant_scores_get_the_middle_rank():
    module = KGEModule("distmult", 5, 1, 2, reciprocal=False)
    with torch.no_grad():
        module.entity.zero_()
    res = evaluate(module, np.array([[0, 0, 1]]), filtered=False)
    # all five candidates tie: optimistic 1, pessimistic 5, realistic 3
    assert res.by_policy["optimistic"]["mr"] == 1.0
    assert res.by_policy["pessimistic"]["mr"] == 5.0
    assert res.mr == 3.0


def test_filter_index_and_errors():
    idx = filter_from_triples(np.array([[0, 0, 1], [0, 0, 2]]), 4, 1)
    assert sorted(idx.tails(0, 0).tolist()) == [1, 2]
    assert idx.tails(1, 1).tolist() == [0]  # reciprocal (1, r+R, 0)
    module = KGEModule("transe", 4, 1, 2)
    with pytest.raises(InvalidParameterError, match="kg"):
        evaluate(module, np.array([[0, 0, 1]]))
    with pytest.raises(InvalidTriplesError, match="ids outside"):
        evaluate(module, np.array([[0, 0, 9]]), filtered=False)
    with pytest.raises(InvalidParameterError, match="tie_policy"):
        evaluate(module, np.array([[0, 0, 1]]), filtered=False, tie_policy="average")


def test_ogb_protocol_matches_manual_ranks():
    pytest.importorskip("ogb")
    from graphemb.kge import evaluate_ogb

    module = KGEModule("distmult", 6, 2, 3, reciprocal=False, generator=torch.Generator().manual_seed(0))
    triples = np.array([[0, 0, 1], [2, 1, 3]])
    head_neg = np.array([[2, 3, 4], [0, 1, 5]])
    tail_neg = np.array([[3, 4, 5], [0, 1, 4]])
    res = evaluate_ogb(module, triples, head_neg, tail_neg)
    rr = []
    with torch.no_grad():
        for negs, col in ((head_neg, 0), (tail_neg, 2)):
            for i, trip in enumerate(triples):
                pos = float(module.score_hrt(torch.as_tensor(trip)))
                cand = np.repeat(trip[None], negs.shape[1], 0)
                cand[:, col] = negs[i]
                s = module.score_hrt(torch.as_tensor(cand)).numpy()
                rr.append(1.0 / (1 + 0.5 * ((s > pos).sum() + (s >= pos).sum())))
    assert res["mrr"] == pytest.approx(np.mean(rr), rel=1e-5)


def test_ogb_protocol_scores_head_corruptions_with_reciprocal_queries():
    pytest.importorskip("ogb")
    from graphemb.kge import evaluate_ogb

    module = KGEModule("nfe-1", 7, 2, 4, gamma=1.0, reciprocal=True, generator=torch.Generator().manual_seed(3))
    triples = np.array([[0, 0, 1], [2, 1, 3], [5, 0, 6]])
    head_neg = np.array([[2, 3, 4], [0, 1, 5], [1, 2, 3]])
    tail_neg = np.array([[3, 4, 5], [0, 1, 4], [0, 2, 4]])
    res = evaluate_ogb(module, triples, head_neg, tail_neg)

    def mrr(head_as_reciprocal):
        rr = []
        with torch.no_grad():
            for negs, col in ((head_neg, 0), (tail_neg, 2)):
                for i, (h, r, t) in enumerate(triples):
                    ents = np.r_[h if col == 0 else t, negs[i]]
                    if col == 0 and head_as_reciprocal:
                        cand = np.stack([np.full(len(ents), t), np.full(len(ents), r + 2), ents], 1)
                    elif col == 0:
                        cand = np.stack([ents, np.full(len(ents), r), np.full(len(ents), t)], 1)
                    else:
                        cand = np.stack([np.full(len(ents), h), np.full(len(ents), r), ents], 1)
                    s = module.score_hrt(torch.as_tensor(cand)).numpy()
                    pos, neg = s[0], s[1:]
                    rr.append(1.0 / (1 + 0.5 * ((neg > pos).sum() + (neg >= pos).sum())))
        return float(np.mean(rr))

    assert res["mrr"] == pytest.approx(mrr(True), rel=1e-5)
    # the forward relation's head scores rank differently on this model: the direction matters
    assert mrr(True) != pytest.approx(mrr(False), rel=1e-5)
    # and the head scores equal evaluate()'s head direction scores (module.score_h)
    with torch.no_grad():
        h_scores = module.score_h(torch.tensor([0]), torch.tensor([1]))
        via = module.score_hrt(torch.tensor([[1, 2, e] for e in range(7)]))
    assert torch.allclose(h_scores[0], via, atol=1e-6)
