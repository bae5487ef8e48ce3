"""Reading questions against the workspace vocabulary (real stores built from the bundled corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.analysis.question import parse_question
from kg.analysis.vocabulary import build_vocabulary, workspace_vocabulary
from kg.ingest.pipeline import ingest_paths
from tests.conftest import copy_workspace


@pytest.fixture(scope="module")
def vocab(bundled_workspace):
    return workspace_vocabulary(bundled_workspace.store())


@pytest.fixture(scope="module")
def vocab_2y(workspace_2y):
    return workspace_vocabulary(workspace_2y.store())


def _ids(pq, kind):
    return [e.ids for e in pq.entities if e.type == kind]


def test_vocabulary_comes_from_the_store(vocab):
    assert vocab.years == [2024, 2025]
    assert set(vocab.places) == {"370103", "370114"}
    # Department aliases, prefix-less stems and function words all lead to departments.
    assert list(vocab.forms["区卫健局"][0].refs) == ["370103:区卫生健康局", "370114:区卫生健康局"]
    assert {s.kind for s in vocab.forms["卫生健康局"]} == {"department"}
    assert "370114" in vocab.forms["章丘"][0].refs
    assert len(vocab.rows) == 44
    assert vocab.rows["370103-2024-20"].officials == ("370103:刘宜武",)


@pytest.mark.parametrize(("question", "kind", "subject"), [
    ("刘宜武牵头了哪些项目？", "list", "commitments"),
    ("张源牵头了多少项？", "count", "commitments"),
    ("市中区2024年有多少件民生实事？", "count", "commitments"),
    ("区民政局负责哪些项目？", "list", "commitments"),
    ("区妇联和哪些部门合作？", "partners", "departments"),
    ("市中区的牵头领导有哪些？", "who", "officials"),
    ("哪些部门负责养老？", "who", "departments"),
    ("谁牵头充电桩项目？", "who", "officials"),
    ("市中区有多少位牵头领导", "count", "officials"),
    ("养老床位的目标是多少？", "target", "commitments"),
    ("火灾报警器要安装多少个", "target", "commitments"),
    ("有多少个项目涉及充电桩？", "count", "commitments"),
    ("市中区养老床位目标怎么变化？", "trend", "commitments"),
    ("区卫健局和区教体局有哪些重叠？", "overlap", "commitments"),
    ("比较市中区和章丘区的充电桩目标", "compare", "commitments"),
    ("今天天气怎么样？", "list", "commitments"),  # a free-text topic: search decides, with a floor
    ("？？", "not_understood", "commitments"),
])
def test_classify(vocab, question, kind, subject):
    pq = parse_question(question, vocab)
    assert (pq.kind, pq.subject) == (kind, subject)


def test_years_relative_and_ranges(vocab_2y):
    assert parse_question("去年有多少件民生实事？", vocab_2y).years == [2024]
    assert parse_question("今年有多少件民生实事？", vocab_2y).years == [2025]
    pq = parse_question("2024到2025年市中区一共有多少件", vocab_2y)
    assert pq.years == [2024, 2025] and pq.year_groups == [[2024, 2025]]
    assert parse_question("二〇二四年有多少件", vocab_2y).years == [2024]
    assert parse_question("市中区有多少件", vocab_2y).years == []


def test_names_with_titles_and_padding(vocab):
    pq = parse_question("许胜勇副区长牵头哪些项目？", vocab)
    assert _ids(pq, "official") == [["370103:许胜勇"]] and pq.kind == "list" and pq.subject == "commitments"
    assert _ids(parse_question("张  源牵头了多少项？", vocab), "official") == [["370103:张源"]]
    # A surname and a title name one official when only one has that surname; 张 is 张源 or 张同园.
    assert _ids(parse_question("刘副区长牵头哪些项目", vocab), "official") == [["370103:刘宜武"]]
    ambiguous = parse_question("张副区长牵头哪些项目", vocab)
    assert ambiguous.problems and "张同园" in ambiguous.problems[0] and ambiguous.suggestions


def test_departments_by_alias_stem_and_function(vocab):
    for q in ("区卫健局负责哪些项目", "卫生健康局负责哪些项目", "卫健部门负责哪些项目", "卫健负责哪些项目"):
        pq = parse_question(q, vocab)
        assert _ids(pq, "department") == [["370103:区卫生健康局", "370114:区卫生健康局"]], q
    # Asked about, 卫健 is the topic (the health theme), not the department.
    pq = parse_question("哪些部门负责卫健", vocab)
    assert pq.concepts == ["health"] and not pq.departments


def test_concept_label_beats_alt_label(vocab):
    # 就业 is the theme's label and only an alternative label of the target type 就业人数.
    assert parse_question("哪些项目和就业有关", vocab).concepts == ["employment"]
    assert parse_question("新增就业人数的目标", vocab).concepts == ["new_jobs"]


def test_unknown_place_and_year_are_problems(vocab):
    assert parse_question("北京市朝阳区2024年有多少件民生实事？", vocab).problems
    assert parse_question("市中区2019年有多少件民生实事？", vocab).problems
    assert not parse_question("全区有哪些社区项目", vocab).problems


def test_ambiguous_short_place_name_asks_back(tmp_path: Path, bundled_workspace):
    ws = copy_workspace(bundled_workspace, tmp_path / "ws")
    doc = tmp_path / "zaozhuang.txt"
    doc.write_text("枣庄市市中区2025年民生实事项目清单\n\n1．新建幼儿园2所。\n责任单位：区教育和体育局\n",
                   encoding="utf-8")
    ingest_paths(ws.store(), [doc])
    vocab = build_vocabulary(ws.store())
    pq = parse_question("市中区有多少件民生实事？", vocab)
    assert pq.problems and "济南市市中区" in pq.problems[0] and "枣庄市市中区" in pq.problems[0]
    assert any("枣庄市市中区" in s for s in pq.suggestions)
    assert not parse_question("济南市市中区有多少件民生实事？", vocab).problems


def test_comparisons_over_every_place_or_year(vocab_2y):
    pq = parse_question("哪个区的养老项目最多", vocab_2y)
    assert (pq.kind, pq.compare_over) == ("compare", "places")
    assert parse_question("每年有多少件民生实事", vocab_2y).compare_over == "years"
    # 民生实事项目 is the list's name; 事项 inside it is not a target type.
    pq = parse_question("市中区一共有多少个民生实事项目？", vocab_2y)
    assert pq.kind == "count" and pq.concepts == []


def test_traditional_characters_read_as_simplified(vocab):
    pq = parse_question("區民政局負責哪些項目？", vocab)
    assert pq.kind == "list" and pq.departments == [["370103:区民政局", "370114:区民政局"]]
    assert parse_question("張  源牽頭了多少項", vocab).officials == [["370103:张源"]]


def test_commitment_ids_are_not_years(vocab):
    pq = parse_question("370103-2024-06是什么项目", vocab)
    assert pq.ids == ["370103-2024-06"] and pq.years == [] and not pq.problems
    assert parse_question("370103-2024-99是什么", vocab).problems
    pq = parse_question("张源和许胜勇分别牵头多少项", vocab)
    assert pq.kind == "compare" and len(pq.officials) == 2
