"""The vocabulary's row columns: selections equal a plain scan, and rows, targets and ids read back unchanged."""

from __future__ import annotations

import itertools
import marshal

import pytest

from kg.analysis.rows import Row, RowList, RowTable, TargetRow

ROWS = [
    Row("A-2024-01", 2024, "A", 1, "新增养老床位800张", frozenset({"elderly_care"}), frozenset({"elderly_beds"}),
        (("A:民政局", "lead"), ("A:卫健局", "supporting")), ("A:张三",)),
    Row("A-2024-02", 2024, "A", 2, "新建学校", frozenset({"education"}), frozenset(),
        (("A:教育局", "responsible"),), ()),
    Row("A-2025-01", 2025, "A", 1, "充电桩", frozenset(), frozenset({"ev_chargers"}),
        (("A:民政局", "responsible"), ("A:民政局", "responsible")), ("A:张三", "A:李四")),
    Row("B-2024-01", 2024, "B", 1, "日间照料中心", frozenset({"elderly_care"}), frozenset(),
        (("B:民政局", "lead"),), ("B:王五",)),
    Row("B-2025-07", 2025, "B", 7, "", frozenset(), frozenset(), (), ()),
]
TARGETS = {"A-2024-01": [TargetRow("新增养老床位", 800.0, "张", "exact", False, "800张", "elderly_beds", "养老床位")],
           "A-2025-01": [TargetRow("充电桩", 1.5, "万个", "at_least", True, "1.5万个以上", None, None),
                         TargetRow("覆盖率", 95.0, "%", "reach", False, "95%", "rate", None)]}


@pytest.fixture(scope="module")
def table():
    return RowTable.build(ROWS, TARGETS)


def _scan(years=(), codes=(), concepts=(), ids=None, departments=(), officials=(), all_groups=False):
    need = all if all_groups else any
    out = []
    for n, r in enumerate(ROWS):
        deps = {d for d, _ in r.departments}
        if (years and r.year not in years) or (codes and r.code not in codes) or (ids is not None and r.id not in ids):
            continue
        if concepts and not any(c in r.themes | r.target_types for c in concepts):
            continue
        if departments and not need(deps & g for g in departments):
            continue
        if officials and not need(set(r.officials) & g for g in officials):
            continue
        out.append(n)
    return out


def test_rows_read_back_as_built(table):
    assert len(table) == len(ROWS) and list(table) == [r.id for r in ROWS]
    assert table.rows(range(len(ROWS))) == ROWS
    assert table["B-2024-01"] == ROWS[3] and "B-2025-07" in table and "C-2024-01" not in table
    with pytest.raises(KeyError):
        table["C-2024-01"]


@pytest.mark.parametrize("filters", [
    {}, {"years": [2024]}, {"codes": ["B"], "years": [2025]}, {"concepts": ["elderly_care"]},
    {"concepts": ["elderly_beds", "ev_chargers"]}, {"ids": {"A-2024-02", "B-2025-07", "nope"}},
    {"departments": [{"A:民政局"}]}, {"departments": [{"A:民政局"}, {"A:卫健局"}]},
    {"departments": [{"A:民政局"}, {"A:卫健局"}], "all_groups": True}, {"officials": [{"A:张三"}, {"B:王五"}]},
    {"officials": [{"A:张三"}, {"A:李四"}], "all_groups": True}, {"years": [2030]},
])
def test_selection_equals_a_scan_of_every_row(table, filters):
    assert table.select(**filters) == _scan(**filters)


def test_saved_form_reads_back_equal_and_targets_survive(table):
    again = RowTable(marshal.loads(marshal.dumps(table.plain())))
    assert again.rows(range(len(ROWS))) == ROWS
    assert [again.targets_at(i) for i in range(len(ROWS))] == [TARGETS.get(r.id, []) for r in ROWS]
    assert all(again.select(**f) == table.select(**f) for f in ({"concepts": ["elderly_care"]}, {"codes": ["A"]}))


def test_row_list_reads_columns_without_building_rows(table):
    rows = RowList(table, table.select(codes=["A"]))
    assert len(rows) == 3 and list(rows.ids()) == ["A-2024-01", "A-2024-02", "A-2025-01"]
    assert rows.years() == {2024, 2025} and rows.places()[2] == ("A-2025-01", "A", 2025)
    assert rows[1] == ROWS[1] and rows[:2] == ROWS[:2]
    assert rows.refs()[0] == ("A-2024-01", ROWS[0].departments, ROWS[0].officials)
    assert list(rows.where(lambda r: r.officials)) == [ROWS[0], ROWS[2]]


def test_ids_read_one_by_one_or_all_at_once_agree():
    names = [f"x-{i}-测试" * (i % 3 + 1) for i in range(64)]
    table = RowTable.build(Row(n, 2024, "x", i, n, frozenset(), frozenset(), (), ()) for i, n in enumerate(names))
    # The first reads decode one string each; after an eighth of them the whole text is decoded once.
    assert [table.id_at(i) for i in itertools.chain(range(10), range(63, -1, -1))] == names[:10] + names[::-1]
