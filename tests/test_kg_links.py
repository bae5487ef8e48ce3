"""Continuation and similarity links, and target series, on hand-built and real commitments."""

from __future__ import annotations

import numpy as np

from kg.graph.links import (
    Link,
    continuation_markers,
    link_commitments,
    target_id,
    target_series,
    text_bigrams,
)
from kg.model import Commitment, Target


def make(cid: str, text: str, *, types: list[str] = (), targets: list[Target] = (), jur: str = "370103",
         jur_name: str = "济南市市中区") -> Commitment:
    code, year, seq = cid.split("-")
    return Commitment(id=cid, document_id=f"{code}-{year}", year=int(year), jurisdiction=jur_name,
                      jurisdiction_code=code, seq=int(seq), title=text[:12], text=text,
                      targets=list(targets), target_types=list(types))


def beds(value: float, *, cumulative: bool = False) -> Target:
    return Target(metric="床位", value=value, unit="张", cumulative=cumulative,
                  target_type="elderly_beds", target_type_label="养老床位")


def test_text_bigrams_ignore_digits_and_punctuation():
    assert text_bigrams("增加床位800张。") == {"增加", "加床", "床位"}
    assert text_bigrams("") == frozenset()


def test_continuation_markers_are_explicit_only():
    assert continuation_markers("续建大型综合养老机构二期工程") == ["续建", "二期"]
    assert continuation_markers("深化提升服务水平") == []


def test_continues_needs_marker_earlier_year_and_match():
    old = make("370103-2024-06", "新建大型综合养老机构2处，增加床位800张。", types=["养老床位"], targets=[beds(800)])
    other = make("370103-2024-07", "开展健康课堂活动100场。")
    new = make("370103-2025-03", "续建大型综合养老机构二期工程，新增养老床位600张。", types=["养老床位"],
               targets=[beds(600)])
    unmarked = make("370103-2025-04", "新建大型综合养老机构，增加床位500张。", types=["养老床位"])
    links = link_commitments([old, other, new, unmarked])
    cont = [lk for lk in links if lk.kind == "continues"]
    assert [(lk.source_id, lk.target_id) for lk in cont] == [("370103-2025-03", "370103-2024-06")]
    assert "续建" in cont[0].evidence and "养老床位" in cont[0].evidence
    assert 0 < cont[0].score <= 1


def test_continues_stays_within_jurisdiction():
    old = make("370114-2024-01", "新建大型综合养老机构2处，增加床位800张。", types=["养老床位"])
    new = make("370103-2025-03", "续建大型综合养老机构二期工程。", types=["养老床位"])
    assert not [lk for lk in link_commitments([old, new]) if lk.kind == "continues"]


def test_similar_to_across_documents_only_and_capped():
    a = make("370103-2024-01", "新建中小学5所、幼儿园3所，新增学位8130个。", types=["学位"])
    b = make("370114-2025-02", "新建中小学3所，新增学位5400个。", types=["学位"])
    same_doc = make("370103-2024-02", "新增学位100个。", types=["学位"])
    links = [lk for lk in link_commitments([a, b, same_doc]) if lk.kind == "similar_to"]
    pairs = {(lk.source_id, lk.target_id) for lk in links}
    assert ("370103-2024-01", "370114-2025-02") in pairs
    assert ("370103-2024-01", "370103-2024-02") not in pairs
    capped = link_commitments([a, b, same_doc], max_similar=1)
    assert sum(1 for lk in capped if lk.kind == "similar_to") == 1


def test_generic_target_type_alone_does_not_link():
    a = make("370103-2024-01", "就业比例达到90%。", types=["比率"])
    b = make("370114-2025-17", "压疮治愈率达到80%以上。", types=["比率"])
    assert link_commitments([a, b]) == []


def test_vectors_replace_bigram_similarity():
    a = make("370103-2024-01", "甲乙丙丁")
    b = make("370114-2025-01", "戊己庚辛")
    vectors = {a.id: np.array([1.0, 0.0]), b.id: np.array([0.99, 0.05])}
    assert link_commitments([a, b]) == []
    links = link_commitments([a, b], vectors=vectors)
    assert len(links) == 1 and links[0].kind == "similar_to" and links[0].score > 0.9
    assert link_commitments([a, b], similarity=lambda x, y: 0.1) == []
    assert isinstance(links[0], Link) and links[0].to_dict()["kind"] == "similar_to"


def test_target_series_orders_years_and_separates_running_totals():
    c24 = make("370103-2024-06", "增加床位800张", targets=[beds(800)])
    c25 = make("370103-2025-03", "新增养老床位600张，累计达到5000张", targets=[beds(600), beds(5000, cumulative=True)])
    c26 = make("370103-2026-01", "增加床位300张", targets=[beds(300)])
    series = target_series([c26, c25, c24])
    assert len(series) == 1  # the running total spans one year only
    s = series[0]
    assert s.id == "370103:elderly_beds:张" and not s.cumulative
    assert [(p.year, p.value, p.change) for p in s.points] == [(2024, 800, None), (2025, 600, -200), (2026, 300, -300)]
    assert s.points[1].target_ids == [target_id("370103-2025-03", 0)] == ["370103-2025-03/1"]
    assert s.points[1].change_pct == -25.0
    assert len(target_series([c24, c25], min_years=1)) == 2


def test_two_year_workspace_links_and_series(workspace_2y):
    commitments = workspace_2y.store().commitments()
    links = link_commitments(commitments)
    cont = [(lk.source_id, lk.target_id) for lk in links if lk.kind == "continues"]
    assert cont == [("370103-2025-03", "370103-2024-06")]
    later = workspace_2y.store().commitment("370103-2025-03")
    assert "续建" in later.text and "养老" in later.text
    series = {s.id: s for s in target_series(commitments)}
    beds_series = series["370103:elderly_beds:张"]
    assert [(p.year, p.value) for p in beds_series.points] == [(2024, 800), (2025, 600)]
    assert beds_series.points[1].change == -200
    assert beds_series.points[0].commitment_ids == ["370103-2024-06"]
