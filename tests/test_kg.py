import re

import numpy as np
import pytest

import graphemb as ge
from graphemb.errors import InvalidParameterError, InvalidTriplesError, UnknownLabelError
from graphemb.kg import KnowledgeGraph, read_triples


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_read_triples_bom_crlf_blank_lines(tmp_path):
    p = write(tmp_path / "t.txt", "\ufeffa\tr\tb\r\n\r\nb\tr\tc \r\n")
    assert read_triples(p) == [("a", "r", "b"), ("b", "r", "c")]


@pytest.mark.parametrize("line, n", [("a\tr", 2), ("a\tr\tb\tc", 4)])
def test_wrong_number_of_columns_names_file_and_line(tmp_path, line, n):
    p = write(tmp_path / "bad.txt", f"a\tr\tb\n{line}\n")
    with pytest.raises(InvalidTriplesError, match=rf"bad\.txt:2: expected 3 tab-separated columns.*found {n}: {re.escape(repr(line))}"):
        read_triples(p)


def test_empty_file_and_invalid_utf8(tmp_path):
    with pytest.raises(InvalidTriplesError, match="contains no triples"):
        read_triples(write(tmp_path / "e.txt", "\n\n"))
    p = tmp_path / "u.txt"
    p.write_bytes(b"a\tr\tb\n\xff\xfe\tr\tc\n")
    with pytest.raises(InvalidTriplesError, match=r"u\.txt:2: not valid UTF-8"):
        read_triples(p)
    with pytest.raises(FileNotFoundError):
        read_triples(tmp_path / "missing.txt")


def make_kg(tmp_path, unseen="keep"):
    write(tmp_path / "train.txt", "a\tr\tb\na\tr\tc\na\tr\td\ne\ts\ta\n")
    write(tmp_path / "valid.txt", "b\tr\tc\n")
    write(tmp_path / "test.txt", "a\ts\tz\n")
    return KnowledgeGraph.from_files(tmp_path / "train.txt", tmp_path / "valid.txt", tmp_path / "test.txt",
                                     unseen=unseen)


def test_vocabularies_and_unseen_handling(tmp_path):
    with pytest.warns(UserWarning, match="1 entities occur only in valid/test"):
        kg = make_kg(tmp_path)
    assert kg.entities.labels == ["a", "b", "c", "d", "e", "z"]
    assert kg.relations.labels == ["r", "s"]
    assert kg.train.dtype == np.int64 and kg.train.shape == (4, 3)
    assert kg.unseen_counts == {"valid_triples_with_unseen": 0, "test_triples_with_unseen": 1, "unseen_entities": 1}
    kg2 = make_kg(tmp_path, unseen="drop")
    assert len(kg2.test) == 0 and "z" not in kg2.entities
    with pytest.raises(InvalidTriplesError, match="not in train"):
        make_kg(tmp_path, unseen="error")
    with pytest.raises(InvalidParameterError):
        make_kg(tmp_path, unseen="ignore")


def test_unknown_label_suggests_near_matches(tmp_path):
    kg = make_kg(tmp_path, unseen="drop")
    with pytest.raises(UnknownLabelError, match=r"unknown entity 'aa'.*did you mean \['a'\]"):
        kg.entities.id("aa")


def test_reciprocals_and_filter_index(tmp_path):
    kg = make_kg(tmp_path, unseen="drop")
    R = kg.num_relations
    rec = kg.reciprocal(kg.train[:1])
    assert rec.tolist() == [[kg.train[0, 2], kg.train[0, 1] + R, kg.train[0, 0]]]
    f = kg.filter_index()
    a, r, b, c, d = (kg.entities.id("a"), kg.relations.id("r"), kg.entities.id("b"), kg.entities.id("c"),
                     kg.entities.id("d"))
    assert sorted(f.tails(a, r).tolist()) == sorted([b, c, d])
    assert f.tails(b, r).tolist() == [c]  # from valid
    assert f.tails(b, r + R).tolist() == [a]  # reciprocal
    assert f.contains(np.array([[a, r, b], [b, r, a]])).tolist() == [True, False]
    train_only = kg.filter_index(splits=("train",), reciprocal=False)
    assert train_only.tails(b, r).tolist() == []


def test_bernoulli_statistics_on_one_to_many():
    # relation 0 is 1-to-N: one head with 4 tails; relation 1 is N-to-1
    train = [("h", "r", f"t{i}") for i in range(4)] + [(f"x{i}", "s", "y") for i in range(2)]
    kg = KnowledgeGraph.from_labeled_triples(train)
    st = kg.relation_stats()
    r, s = kg.relations.id("r"), kg.relations.id("s")
    assert st.tph[r] == 4 and st.hpt[r] == 1 and st.head_prob[r] == pytest.approx(4 / 5)
    assert st.tph[s] == 1 and st.hpt[s] == 2 and st.head_prob[s] == pytest.approx(1 / 3)


def test_entity_texts(tmp_path):
    kg = make_kg(tmp_path, unseen="drop")
    kg.entity_text = {"name": ["A", None, "C", "D", "E"], "description": ["first", None, None, "dd", None]}
    assert kg.entity_texts() == ["A, first", None, "C", "D, dd", "E"]
    assert kg.entity_texts("name", placeholder="?")[1] == "?"
    with pytest.raises(InvalidParameterError, match="available"):
        kg.entity_texts("gloss")


def test_ids_outside_vocabulary_rejected():
    with pytest.raises(InvalidTriplesError):
        KnowledgeGraph(ge.Vocabulary(["a"]), ge.Vocabulary(["r"]), np.array([[0, 0, 3]]))
