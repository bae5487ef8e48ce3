"""Timelines: taxonomy first, then search or text; like-for-like changes; continuation links."""

from __future__ import annotations

import json

import pytest

from kg.analysis.timeline import build_timeline
from kg.errors import NotFoundError, QueryError

SZ = "370103"


def test_elderly_beds_over_two_years(workspace_2y):
    t = build_timeline(workspace_2y.store(), "养老床位")
    assert t.method == "target_type" and t.concept == {"id": "elderly_beds", "label": "养老床位", "kind": "target_type"}
    rows = [(e.year, e.value, e.cumulative, e.commitment_id) for e in t.entries if e.jurisdiction_code == SZ]
    assert rows == [(2024, 800, False, "370103-2024-06"), (2025, 600, False, "370103-2025-03"),
                    (2025, 5000, True, "370103-2025-03")]
    first, added, total = (e for e in t.entries if e.jurisdiction_code == SZ)
    assert first.change is None and first.previous_year is None and first.unit == "张"
    assert (added.previous_year, added.previous_total, added.change, added.change_pct) == (2024, 800, -200, -25.0)
    assert added.like_for_like is True and added.note == ""
    assert total.like_for_like is False and total.comparator == "at_least"
    assert total.note == "not like-for-like: 2025 gives a cumulative total, 2024 an annual increment"
    assert added.continues == "370103-2024-06"
    assert [(c["commitment_id"], c["continues"]) for c in t.continuations] == [("370103-2025-03", "370103-2024-06")]
    assert t.continuations[0]["continues_title"] == "新建大型综合养老机构2处"


def test_to_dict_groups_by_jurisdiction_and_rows_flatten(workspace_2y):
    t = build_timeline(workspace_2y.store(), "充电桩")
    d = json.loads(json.dumps(t.to_dict(), ensure_ascii=False))
    assert [g["jurisdiction_code"] for g in d["jurisdictions"]] == ["370103", "370114"]
    assert [e["year"] for e in d["jurisdictions"][0]["entries"]] == [2024, 2025]
    rows = t.rows()
    assert len(rows) == 3 and {"jurisdiction", "year", "value", "unit", "change", "note", "commitment_id", "title"} <= set(rows[0])
    assert rows[1]["change"] == -500 and rows[2]["jurisdiction_code"] == "370114" and rows[2]["change"] is None


def test_single_year_has_no_change(bundled_workspace):
    t = build_timeline(bundled_workspace.store(), "elderly_beds")
    assert [(e.commitment_id, e.value, e.change) for e in t.entries] == [("370103-2024-06", 800, None)]


def test_theme_query_keeps_its_own_target_types(workspace_2y):
    t = build_timeline(workspace_2y.store(), "养老", jurisdiction="市中区")
    assert t.method == "theme" and {e.jurisdiction_code for e in t.entries} == {SZ}
    visits = [e for e in t.entries if e.target_type == "integrated_care_visits"]
    assert [(e.year, e.value) for e in visits] == [(2024, 60000), (2025, 70000)] and visits[1].change == 10000
    assert not [e for e in t.entries if e.target_type in ("new_jobs", "subsistence_allowance")]


def test_jurisdiction_filter(workspace_2y):
    t = build_timeline(workspace_2y.store(), "充电桩", jurisdiction="章丘区")
    assert [e.commitment_id for e in t.entries] == ["370114-2025-13"]
    with pytest.raises(NotFoundError):
        build_timeline(workspace_2y.store(), "充电桩", jurisdiction="历下区")


def test_free_text_falls_back_to_text_match(bundled_workspace):
    t = build_timeline(bundled_workspace.store(), "两癌", use_taxonomy=False)
    assert t.method == "text" and t.concept is None
    assert [e.commitment_id for e in t.entries] == ["370103-2024-08", "370114-2025-08"]
    assert t.entries[0].value is None and t.entries[1].value == 30000 and t.entries[1].unit == "元"
    none = build_timeline(bundled_workspace.store(), "月球基地")
    assert none.method == "text" and none.entries == []


def test_search_callable_is_used_for_free_text(bundled_workspace):
    asked = []

    def search(q: str) -> list[str]:
        asked.append(q)
        return ["370114-2025-12", "no-such-id"]

    t = build_timeline(bundled_workspace.store(), "地铁接驳", search=search)
    assert asked == ["地铁接驳"] and t.method == "search"
    assert [(e.commitment_id, e.value, e.unit) for e in t.entries] == [("370114-2025-12", 5, "条")]


def test_empty_query_is_rejected(bundled_workspace):
    with pytest.raises(QueryError):
        build_timeline(bundled_workspace.store(), "  ")
