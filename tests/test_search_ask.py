"""`ask` end to end on real stores: exact answers, honest refusals, the CLI table and the eval."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kg.analysis.answers import answer_question_text
from kg.errors import QueryError
from search.ask_eval import DEFAULT_QUESTIONS, evaluate_questions, is_right, load_questions


def ask(ws, question, search=None, **kw):
    return answer_question_text(ws.store(), question, topic_search=search, **kw).to_dict()


def ids(result):
    return {i["id"] for i in result["items"]}


def names(result):
    return {i["name"] for i in result["items"]}


def test_known_failures_of_the_old_ask(bundled_workspace):
    ws = bundled_workspace
    r = ask(ws, "刘宜武牵头了哪些项目？")
    assert r["kind"] == "list" and ids(r) == {"370103-2024-20", "370103-2024-21"}
    assert r["answer"].startswith("刘宜武牵头的民生实事共2项")
    assert {e["id"] for e in r["evidence"]} == ids(r) and all(e["text"] for e in r["evidence"])
    assert ask(ws, "张源牵头了多少项？")["value"] == 14
    r = ask(ws, "市中区2024年有多少件民生实事？")
    assert r["value"] == 24 and r["answer"] == "济南市市中区2024年共有24件民生实事。"
    assert ids(ask(ws, "区民政局负责哪些项目？")) == {
        "370103-2024-05", "370103-2024-06", "370103-2024-10", "370114-2025-06", "370114-2025-07"}
    assert names(ask(ws, "区妇联和哪些部门合作？")) == {"区教育体育局", "区发展改革局", "区住房城乡建设局", "区商务局"}
    assert names(ask(ws, "市中区的牵头领导有哪些？")) == {"张源", "许胜勇", "张同园", "王莹", "刘宜武", "栾长征"}


def test_unanswerable_has_reason_suggestions_and_no_evidence(bundled_workspace):
    for q in ("今天天气怎么样？", "北京市朝阳区2024年有多少件民生实事？", "市中区2019年有多少件民生实事？", "？"):
        r = ask(bundled_workspace, q, search=lambda *a: [])
        assert not r["answerable"] and r["reason"] and r["suggestions"] and not r["evidence"] and not r["items"], q


def test_free_text_topic_goes_through_search(bundled_workspace):
    asked = []

    def search(topic, years, codes):
        asked.append((topic, years, codes))
        return ["370103-2024-08", "370114-2025-08"]

    r = ask(bundled_workspace, "哪些部门负责两癌检查？", search=search)
    assert asked == [("两癌检查", [], [])]
    assert names(r) == {"区卫生健康局", "区妇联"} and r["query"]["topic"]["ids"] == ["370103-2024-08", "370114-2025-08"]
    # A topic no search is available for is refused, not guessed.
    assert not ask(bundled_workspace, "哪些部门负责两癌检查？")["answerable"]


def test_roles_decide_who_leads(workspace_2y):
    # 2025-03: 区民政局 牵头单位, 区卫健局 配合; "牵头" asks for the lead only.
    assert names(ask(workspace_2y, "哪个部门牵头2025年市中区的养老床位项目？")) == {"区民政局"}
    assert names(ask(workspace_2y, "哪些部门负责2025年市中区的养老床位项目？")) == {"区民政局", "区卫生健康局"}


def test_targets_changes_and_comparisons(workspace_2y):
    r = ask(workspace_2y, "市中区养老床位目标怎么变化？")
    assert r["kind"] == "trend" and r["value"] == -200 and "减少200张" in r["answer"]
    r = ask(workspace_2y, "2025年市中区充电桩的目标是多少个？")
    assert r["value"] == 1500 and r["items"][0]["unit"] == "个"
    r = ask(workspace_2y, "市中区2024年和2025年的民生实事数量对比")
    assert [i["value"] for i in r["items"]] == [24, 6]
    r = ask(workspace_2y, "区民政局和区医保局共同负责哪些项目")
    assert ids(r) == {"370103-2024-10", "370103-2025-05"}


def test_defaults_from_options_and_limits(bundled_workspace):
    assert ask(bundled_workspace, "有多少件民生实事？", jurisdiction="章丘区")["value"] == 20
    assert ask(bundled_workspace, "有多少件民生实事？", jurisdiction="章丘")["value"] == 20
    assert not ask(bundled_workspace, "有多少件民生实事？", jurisdiction="北京")["answerable"]
    assert ask(bundled_workspace, "有多少件民生实事？", year=2024)["value"] == 24
    with pytest.raises(QueryError):
        ask(bundled_workspace, "  ")
    with pytest.raises(QueryError):
        ask(bundled_workspace, "养" * 301)


def test_is_right_is_exact():
    good = {"answerable": True, "items": [{"id": "a"}, {"id": "b"}], "value": 2, "evidence": [{"id": "a"}]}
    assert is_right(good, {"ids": ["a", "b"]}) and not is_right(good, {"ids": ["a"]})
    assert is_right(good, {"number": 2}) and not is_right(good, {"number": 3})
    assert not is_right(good, {"unanswerable": True})
    refused = {"answerable": False, "items": [], "value": None, "evidence": []}
    assert is_right(refused, {"unanswerable": True}) and not is_right(refused, {"number": 0})
    assert not is_right({**refused, "evidence": [{"id": "a"}]}, {"unanswerable": True})


def test_question_file_covers_every_kind():
    questions = load_questions(DEFAULT_QUESTIONS)
    kinds = {q["kind"] for q in questions}
    assert len(questions) >= 60 and {"list", "count", "who", "target", "trend", "partners", "overlap", "compare",
                                     "unanswerable"} <= kinds
    assert any(q["question"].isascii() is False and any(ch.isascii() and ch.isalpha() for ch in q["question"])
               for q in questions)


def test_cli_table_prints_the_sentence_first(bundled_workspace):
    from cli.main import app

    out = CliRunner().invoke(app, ["ask", "区司法局负责哪些项目", "-w", str(bundled_workspace.path)])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0].startswith("区司法局负责的民生实事共2项")
    js = CliRunner().invoke(app, ["ask", "张源牵头了多少项？", "-w", str(bundled_workspace.path), "-f", "json"])
    assert json.loads(js.output)["value"] == 14


@pytest.mark.slow
def test_eval_questions_with_the_real_model():
    result = evaluate_questions()
    overall = result["kinds"][-1]
    assert overall["kind"] == "all" and overall["accuracy"] >= 0.95, result["wrong"]


@pytest.mark.parametrize("question", [
    "刘宜武牵头了哪些项目？", "市中区2024年有多少件民生实事？", "区民政局负责哪些项目？", "哪些部门负责养老？",
    "区民政局和区医保局共同负责哪些项目", "哪个部门牵头2025年市中区的养老床位项目？", "去年市中区有哪些项目和就业有关？",
])
def test_query_sparql_selects_the_same_commitments(workspace_2y, question):
    from kg.graph.oxstore import workspace_graph
    from kg.graph.sparql import run_sparql

    r = ask(workspace_2y, question)
    graph = workspace_graph(workspace_2y, links=lambda: [])  # the query reads commitments, not links
    rows = run_sparql(graph, r["query"]["sparql"]).rows()
    selected = {e["id"] for e in r["evidence"]} if r["kind"] in ("who",) else ids(r)
    assert {row["id"] for row in rows} == selected


def test_narrowest_concept_and_theme_targets(workspace_2y):
    # 新能源 (theme 能源) and 充电桩 (its target type): the target type is what is asked about.
    r = ask(workspace_2y, "谁负责新能源汽车充电桩")
    assert [e["names"] for e in r["entities"] if e["type"] == "concept"][-1] == ["充电桩"]
    assert r["query"]["concepts"] == ["charging_piles"]
    # A theme's targets are its own target types: not the 低保标准 on the same 2025 item as 就业.
    r = ask(workspace_2y, "区人社局的就业目标是多少")
    assert "低保标准" not in {i["target_type"] for i in r["items"]} and 18000 in {i["value"] for i in r["items"]}


def test_supporting_and_lead_roles_from_the_store(tmp_path):
    from kg.model import Commitment, DepartmentRef, Document
    from kg.store.db import Store

    store = Store.open(tmp_path / "roles.db", create=True)
    deps = [DepartmentRef("370103:区民政局", "区民政局", "民政", "lead"),
            DepartmentRef("370103:区卫生健康局", "区卫生健康局", "卫健", "supporting")]
    c = Commitment(id="370103-2025-03", document_id="370103-2025", year=2025, jurisdiction="济南市市中区",
                   jurisdiction_code="370103", seq=3, title="续建大型综合养老机构二期工程", text="续建大型综合养老机构二期工程。",
                   departments=deps, lead_departments=["370103:区民政局"], themes=["养老"])
    doc = Document(id="370103-2025", source="t.txt", sha256="x", year=2025, jurisdiction="济南市市中区",
                   jurisdiction_code="370103")
    store.replace_documents([(doc, [c], {})], "test", {})
    a = answer_question_text(store, "区卫健局配合了哪些项目").to_dict()
    assert a["kind"] == "list" and ids(a) == {"370103-2025-03"} and a["query"]["department_roles"] == "supporting"
    assert ids(answer_question_text(store, "区卫健局牵头了哪些项目").to_dict()) == set()
    assert names(answer_question_text(store, "哪个部门牵头养老项目").to_dict()) == {"区民政局"}
    assert names(answer_question_text(store, "哪些部门负责养老项目").to_dict()) == {"区民政局", "区卫生健康局"}
    store.close()


def test_long_answers_carry_the_first_items_and_say_how_many(bundled_workspace, monkeypatch):
    from kg.analysis import answers

    full = ask(bundled_workspace, "区民政局负责哪些项目？")
    assert full["items_total"] == len(full["items"]) == 5
    who = ask(bundled_workspace, "市中区哪些部门负责民生实事？")
    widest = max(len(i["commitments"]) for i in who["items"])
    monkeypatch.setattr(answers, "MAX_ITEMS", 3)
    cut = ask(bundled_workspace, "区民政局负责哪些项目？")
    assert cut["value"] == cut["items_total"] == 5 and cut["items"] == full["items"][:3]
    assert cut["evidence"] == full["evidence"]  # evidence keeps its own limit
    cut_who = ask(bundled_workspace, "市中区哪些部门负责民生实事？")
    assert cut_who["items_total"] == len(who["items"]) > 3 and widest > 3
    for before, after in zip(who["items"], cut_who["items"], strict=False):
        assert after["commitments"] == before["commitments"][:3]
        assert after.get("commitments_total") == (len(before["commitments"]) if len(before["commitments"]) > 3 else None)
