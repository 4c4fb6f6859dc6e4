"""Knowledge-graph negatives: shift trick, Bernoulli probabilities, filtering, sharing."""

import numpy as np
import pytest
import torch

from graphemb.errors import InvalidParameterError, InvalidTriplesError
from graphemb.kg import KnowledgeGraph
from graphemb.sampling import (BernoulliNegativeSampler, ChunkSharedNegativeSampler, NegativeSampler,
                               UniformNegativeSampler)

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def one_to_n_kg():
    """Relation 'has' is 1-to-N: 3 heads, each with 4 tails -> tph = 4, hpt = 1.
    Relation 'eq' is 1-to-1 on 6 pairs -> tph = hpt = 1."""
    train = [(f"h{i}", "has", f"t{i}_{j}") for i in range(3) for j in range(4)]
    train += [(f"a{i}", "eq", f"b{i}") for i in range(6)]
    return KnowledgeGraph.from_labeled_triples(train, name="crafted")


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def random_positives(E, R, b, seed=0):
    g = gen(seed)
    return torch.stack([torch.randint(0, E, (b,), generator=g), torch.randint(0, R, (b,), generator=g),
                        torch.randint(0, E, (b,), generator=g)], 1)


@pytest.mark.parametrize("sampler", [UniformNegativeSampler(7, 16), UniformNegativeSampler(7, 16, corrupt="head"),
                                     UniformNegativeSampler(7, 16, corrupt="tail"),
                                     BernoulliNegativeSampler(7, 16, [0.2, 0.9]),
                                     ChunkSharedNegativeSampler(7, 16, chunk_size=8)])
def test_never_equal_to_positive_and_one_side_changed(sampler):
    assert isinstance(sampler, NegativeSampler)
    pos = random_positives(7, 2, 300)
    neg = sampler.corrupt(pos, gen(1))
    assert neg.shape == (300, 16, 3) and neg.dtype == torch.int64
    diff = (neg != pos.unsqueeze(1))
    assert (diff.sum(-1) == 1).all()          # exactly one entity replaced, never equal
    assert not diff[..., 1].any()             # relation kept
    assert neg[..., [0, 2]].min() >= 0 and neg[..., [0, 2]].max() < 7


def test_shift_trick_is_uniform_over_other_entities():
    pos = torch.tensor([[3, 0, 5]]).repeat(20000, 1)
    neg = UniformNegativeSampler(6, 1, corrupt="tail").corrupt(pos, gen(2))
    counts = np.bincount(neg[:, 0, 2].numpy(), minlength=6)
    assert counts[5] == 0
    expected = 20000 / 5
    assert np.all(np.abs(counts[:5] - expected) < 5 * np.sqrt(expected))


def test_bernoulli_probabilities_match_formula_on_one_to_n():
    kg = one_to_n_kg()
    stats = kg.relation_stats()
    r_has, r_eq = kg.relations.id("has"), kg.relations.id("eq")
    # tph = 12 / 3 = 4, hpt = 12 / 12 = 1 -> head_prob = 4 / 5
    assert stats.head_prob[r_has] == pytest.approx(0.8)
    assert stats.head_prob[r_eq] == pytest.approx(0.5)
    s = BernoulliNegativeSampler.from_kg(kg, 50)
    pos = torch.as_tensor(kg.train)
    neg = s.corrupt(pos.repeat(40, 1), gen(3))
    head_changed = (neg[..., 0] != pos.repeat(40, 1)[:, None, 0])
    rel = pos.repeat(40, 1)[:, 1]
    assert head_changed[rel == r_has].float().mean().item() == pytest.approx(0.8, abs=0.01)
    assert head_changed[rel == r_eq].float().mean().item() == pytest.approx(0.5, abs=0.015)
    # reciprocal relations: ids R..2R-1 corrupt heads with 1 - head_prob
    recip = torch.as_tensor(kg.reciprocal(kg.train)).repeat(40, 1)
    neg = s.corrupt(recip, gen(4))
    rr = recip[:, 1]
    frac = (neg[..., 0] != recip[:, None, 0])[rr == r_has + kg.num_relations].float().mean().item()
    assert frac == pytest.approx(0.2, abs=0.01)
    with pytest.raises(InvalidTriplesError, match="relation ids"):
        s.corrupt(torch.tensor([[0, 2 * kg.num_relations, 1]]), gen())


def test_filtered_negatives_are_never_known_triples():
    kg = one_to_n_kg()
    fi = kg.filter_index()
    for sampler in (UniformNegativeSampler.from_kg(kg, 64, filtered=True),
                    BernoulliNegativeSampler.from_kg(kg, 64, filtered=True, max_resample_rounds=0)):
        pos = torch.as_tensor(kg.with_reciprocals(kg.train))
        neg = sampler.corrupt(pos, gen(5))
        assert not fi.contains(neg.reshape(-1, 3).numpy()).any()
        assert ((neg != pos.unsqueeze(1)).sum(-1) == 1).all()
    # unfiltered sampling does produce known triples on this tiny graph (the test can fail)
    neg = UniformNegativeSampler.from_kg(kg, 64).corrupt(torch.as_tensor(kg.train), gen(5))
    assert fi.contains(neg.reshape(-1, 3).numpy()).any()


def test_filter_with_no_candidate_raises():
    # e0 -> every entity (itself included) under r: corrupting the tail of (e0, r, e1) is impossible
    train = [("e0", "r", f"e{i}") for i in range(0, 4)]
    kg = KnowledgeGraph.from_labeled_triples(train)
    s = UniformNegativeSampler(kg.num_entities, 2, corrupt="tail", filter_index=kg.filter_index())
    pos = torch.tensor([[kg.entities.id("e0"), 0, kg.entities.id("e1")]])
    with pytest.raises(InvalidTriplesError, match="every entity"):
        s.corrupt(pos, gen())


def test_chunk_shared_form():
    s = ChunkSharedNegativeSampler(50, 8, chunk_size=4)
    pos = random_positives(50, 3, 10)
    shared = s.sample(pos, gen(6))
    assert shared.entities.shape == (3, 8)
    assert shared.corrupt_head.tolist() == [True, False, True]
    chunk = shared.chunk_of(10)
    replaced = torch.where(shared.corrupt_head[chunk], pos[:, 0], pos[:, 2])
    assert torch.equal(shared.collision, shared.entities[chunk] == replaced[:, None])
    # the expanded form uses the shared entities except where they collide
    neg = s.corrupt(pos, gen(6))
    side = torch.where(shared.corrupt_head[chunk][:, None], neg[..., 0], neg[..., 2])
    assert torch.equal(side[~shared.collision], shared.entities[chunk][~shared.collision])


def test_deterministic_and_validation():
    s = BernoulliNegativeSampler(100, 4, [0.3])
    pos = random_positives(100, 1, 20)
    assert torch.equal(s.corrupt(pos, gen(9)), s.corrupt(pos, gen(9)))
    with pytest.raises(InvalidTriplesError, match=r"\(b, 3\)"):
        s.corrupt(torch.zeros(4, 2, dtype=torch.long), gen())
    with pytest.raises(InvalidParameterError, match="num_negatives"):
        UniformNegativeSampler(10, 0)
    with pytest.raises(InvalidParameterError, match="corrupt"):
        UniformNegativeSampler(10, 2, corrupt="middle")
    with pytest.raises(InvalidParameterError, match="head_prob"):
        BernoulliNegativeSampler(10, 2, [1.5])


@CUDA
def test_cuda_negatives_stay_on_device():
    pos = random_positives(100, 3, 50).cuda()
    neg = UniformNegativeSampler(100, 8).corrupt(pos, torch.Generator(device="cuda").manual_seed(0))
    assert neg.device.type == "cuda" and ((neg != pos.unsqueeze(1)).sum(-1) == 1).all()
