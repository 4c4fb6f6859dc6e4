"""Loader fuzzing: random bytes and malformed lines only ever raise graphemb's own errors."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphemb.errors import GraphembError
from graphemb.io_edgelist import read_edgelist
from graphemb.kg import KnowledgeGraph, read_triples

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

line_parts = st.lists(st.sampled_from(["a", "b", "1", "2", "-3", "x y", "", "nan", "1e9", "#", "é", "0.5"]),
                      min_size=0, max_size=5)
lines = st.lists(st.tuples(line_parts, st.sampled_from(["\t", " ", "  "]), st.sampled_from(["\n", "\r\n"])),
                 max_size=12)


def render(ls):
    return "".join(sep.join(parts) + end for parts, sep, end in ls).encode("utf-8")


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_triples(tmp_path, data):
    p = tmp_path / "t.txt"
    p.write_bytes(data)
    try:
        triples = read_triples(p)
    except GraphembError:
        return
    assert all(len(t) == 3 and all(t) for t in triples)


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_edgelist(tmp_path, data):
    p = tmp_path / "g.txt"
    p.write_bytes(data)
    try:
        g = read_edgelist(p)
    except GraphembError:
        return
    assert g.num_nodes > 0 and g.indptr[-1] == len(g.indices)


@FUZZ
@given(ls=lines)
def test_malformed_lines_triples(tmp_path, ls):
    p = tmp_path / "t.txt"
    p.write_bytes(render(ls))
    try:
        kg = KnowledgeGraph.from_files(p)
    except GraphembError:
        return
    assert kg.train.shape[1] == 3 and len(kg.train) > 0


@FUZZ
@given(ls=lines, directed=st.booleans(), agg=st.sampled_from([None, "sum", "max"]))
def test_malformed_lines_edgelist(tmp_path, ls, directed, agg):
    p = tmp_path / "g.txt"
    p.write_bytes(render(ls))
    try:
        g = read_edgelist(p, directed=directed, aggregate=agg)
    except GraphembError:
        return
    assert g.weights is None or (np.isfinite(g.weights).all() and (g.weights >= 0).all())
