"""Targets of every item of both seed documents, plus the edge cases around them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.ingest.targets import extract_targets

ROOT = Path(__file__).resolve().parents[1]
SEED_2024 = ROOT / "data" / "seeds" / "000_a3d8383e0dbfd013.txt"
SEED_2025 = ROOT / "data" / "seeds" / "003_eec77d86ffeca40d.txt"


def read_items_2024() -> dict[int, str]:
    """Item texts of the tab-indented table layout: a number line, then the text line."""
    text = SEED_2024.read_text(encoding="utf-8")
    blocks = re.split(r"\n\t(\d+)\n\t", text)
    return {int(blocks[i]): blocks[i + 1].split("\n")[0] for i in range(1, len(blocks), 2)}


def read_items_2025() -> dict[int, str]:
    """Item texts of the paragraph layout: each item is one line opening 一、 二、 …"""
    lines = SEED_2025.read_text(encoding="utf-8").splitlines()
    items = [line for line in lines if re.match(r"^[一二三四五六七八九十]+、", line)]
    return {i + 1: line for i, line in enumerate(items)}


ITEMS_2024 = read_items_2024()
ITEMS_2025 = read_items_2025()

# (value, unit, comparator, cumulative, target type label)
EXPECTED_2024 = {
    1: [(5, "所", "exact", False, "学校"), (3, "所", "exact", False, "学校"), (8130, "个", "exact", False, "学位")],
    2: [(6, "个", "exact", False, "教育活动"), (1, "处", "exact", False, "教育活动"),
        (3, "家", "exact", False, "托育机构"), (20, "家", "at_least", True, "托育机构")],
    3: [(20, "场", "exact", False, "教育活动"), (50, "场", "exact", False, "教育活动"),
        (100, "场", "exact", False, "教育活动")],
    4: [(60000, "人次", "at_least", False, "医养服务人次")],
    5: [(17, "处", "exact", False, "养老服务设施"), (8, "处", "exact", False, "养老服务设施"),
        (9, "处", "exact", False, "养老服务设施")],
    6: [(2, "处", "exact", False, "养老服务设施"), (800, "张", "exact", False, "养老床位")],
    7: [(10, "场", "exact", False, "健康活动"), (100, "场", "exact", False, "健康活动"),
        (1000, "场", "exact", False, "健康活动")],
    8: [],
    9: [(17600, "人", "at_least", False, "就业人数"), (4000, "人", "at_least", False, "再就业人数"),
        (100, "%", "reach", False, "比率"), (90, "%", "at_least", False, "比率")],
    10: [(1114, "元", "reach", False, "低保标准")],
    11: [],
    12: [],
    13: [(55, "个", "exact", False, None), (28, "处", "exact", False, "学校")],
    14: [(64, "公里", "exact", False, "污水管道"), (98, "公里", "exact", False, "雨水管道"),
         (120, "个", "exact", False, None), (30, "条", "exact", False, "雨水管道")],
    15: [(19, "条", "exact", False, "道路整修")],
    16: [(2, "处", "exact", False, "公园绿地"), (3, "处", "exact", False, "公园绿地"),
         (4, "处", "exact", False, "公园绿地"), (10, "处", "exact", False, "公园绿地"),
         (40, "处", "exact", False, "公园绿地"), (6.6, "公里", "exact", False, "绿道"),
         (17.29, "公里", "exact", False, "绿道")],
    17: [(10, "个", "exact", False, "无废细胞")],
    18: [],
    19: [(10, "个", "exact", False, "文化设施"), (1, "家", "exact", False, "文化设施"),
         (5, "家", "exact", False, "文化设施"), (1000, "场次", "exact", False, "文化活动场次")],
    20: [(1500, "件", "at_least", False, "矛盾纠纷化解"), (1800, "件", "at_least", False, "法律援助案件")],
    21: [(100, "场", "exact", False, "法律服务活动")],
    22: [(15, "家", "at_least", False, "爱心驿站"), (1, "处", "exact", False, "保障性租赁住房"),
         (500, "套", "exact", False, "保障性租赁住房")],
    23: [(10, "座", "exact", False, "充换电站"), (2000, "个", "exact", False, "充电桩"),
         (5, "个", "exact", False, "停车泊位"), (660, "个", "exact", False, "停车泊位"),
         (4, "个", "exact", False, "便民生活圈"), (24, "场", "exact", False, "促消费活动")],
    24: [(104000, "个", "exact", False, "火灾报警器")],
}

EXPECTED_2025 = {
    1: [(7600, "人", "exact", False, "就业人数"), (20, "家", "exact", False, "就业服务驿站")],
    2: [(32, "所", "exact", False, "食品安全监管学校"), (50000, "名", "at_least", False, "食品安全监管学校")],
    3: [(44, "所", "exact", False, "校园安防"), (63, "所", "exact", False, "校园安防")],
    4: [],
    5: [(4, "家", "exact", False, "养老服务设施"), (45, "%", "reach", False, "比率"), (95, "%", "reach", False, "比率")],
    6: [(30, "周", "at_least", False, None), (230, "村次", "at_least", False, None),
        (1150, "人", "at_least", False, "志愿者人数")],
    7: [(250000, "元", "exact", False, "救助资金"), (300, "名", "at_least", False, "救助儿童")],
    8: [(30000, "元", "exact", False, "保险保额")],
    9: [(850, "台", "exact", False, "电梯保险"), (100, "%", "exact", False, "比率")],
    10: [(500, "场次", "at_least", False, "文化活动场次")],
    11: [(750, "个", "exact", False, "停车泊位"), (150, "个", "exact", False, "停车泊位")],
    12: [(5, "条", "exact", False, "公交线路")],
    13: [(840, "个", "exact", False, "充电桩")],
    14: [(20, "项", "at_least", False, "政务服务事项")],
    15: [(4, "场", "exact", False, "促消费活动"), (2, "场", "exact", False, "促消费活动"),
         (12, "场", "exact", False, "促消费活动"), (2, "家", "exact", False, "促消费活动"),
         (1, "个", "exact", False, "便民生活圈")],
    16: [(30000, "元", "at_most", False, "救助资金")],
    17: [(80, "%", "at_least", False, "比率")],
    18: [(5000, "亩", "exact", False, "农业托管面积"), (700, "户", "about", False, "服务农户")],
    19: [(20, "项", "at_least", False, "政务服务事项"), (25, "期", "at_least", False, "企业服务")],
    20: [(300, "家", "about", False, "企业服务"), (1000, "台", "at_least", False, "计量检定"),
         (1000, "把", "at_least", False, "计量检定"), (1000, "个", "at_least", False, "计量检定")],
}


def summarize(text: str) -> list[tuple]:
    return [(t.value, t.unit, t.comparator, t.cumulative, t.target_type_label) for t in extract_targets(text)]


def test_seed_files_split_into_every_item():
    assert sorted(ITEMS_2024) == list(range(1, 25))
    assert sorted(ITEMS_2025) == list(range(1, 21))


@pytest.mark.parametrize("seq", sorted(EXPECTED_2024))
def test_targets_2024_item(seq):
    assert summarize(ITEMS_2024[seq]) == EXPECTED_2024[seq]


@pytest.mark.parametrize("seq", sorted(EXPECTED_2025))
def test_targets_2025_item(seq):
    assert summarize(ITEMS_2025[seq]) == EXPECTED_2025[seq]


@pytest.mark.parametrize("text", [*ITEMS_2024.values(), *ITEMS_2025.values()])
def test_raw_matches_offsets(text):
    for t in extract_targets(text):
        assert text[t.start:t.end] == t.raw
        assert t.metric, t.raw


def metrics(text: str) -> dict[str, str]:
    return {t.raw: t.metric for t in extract_targets(text)}


def test_metric_is_noun_before_or_after_number():
    assert metrics(ITEMS_2024[6]) == {"2处": "新建大型综合养老机构", "800张": "增加床位"}
    assert metrics(ITEMS_2025[2])["32所"] == "学校食堂"
    assert metrics(ITEMS_2025[11]) == {"750个": "停车场泊位", "150个": "路内停车位"}
    assert metrics(ITEMS_2025[7])["300余名"] == "特需儿童"
    assert metrics(ITEMS_2025[16]) == {"3万元": "资助"}
    assert metrics(ITEMS_2024[10]) == {"1114元": "城乡居民最低生活保障标准"}
    # 累计达20家以上 has no noun of its own: it counts what the previous target counts.
    assert metrics(ITEMS_2024[2])["20家以上"] == "新增备案托育机构"


def test_multipliers_and_raw_spans():
    raws = {t.raw: (t.value, t.unit) for t in extract_targets(ITEMS_2024[9])}
    assert raws["1.76万人以上"] == (17600, "人")
    assert [(t.raw, t.value, t.unit) for t in extract_targets(ITEMS_2025[2])][1] == ("5万余名", 50000, "名")
    assert extract_targets("投资1.2亿元")[0].value == 120_000_000
    assert extract_targets("服务群众3万人")[0].unit == "人"


@pytest.mark.parametrize(("text", "not_raw"), [
    (ITEMS_2024[4], "60周"),          # age
    (ITEMS_2024[11], "17岁"),         # age
    (ITEMS_2024[18], "2024"),         # year in an event name
    (ITEMS_2024[18], "120周"),        # anniversary
    (ITEMS_2024[3], "520"),           # quoted event name
    (ITEMS_2025[8], "70岁"),          # age range 18-70岁
    (ITEMS_2025[16], "75岁"),         # age range 45-75岁
    (ITEMS_2025[5], "65岁"),          # age before a real 95% target
    (ITEMS_2025[12], "3路"),          # bus line name
    (ITEMS_2025[15], "2025年"),       # year
    (ITEMS_2025[18], "2025年"),       # year
])
def test_names_dates_and_ages_are_not_targets(text, not_raw):
    assert not any(t.raw.startswith(not_raw) for t in extract_targets(text))


def test_item_18_and_12_have_no_targets_from_names():
    assert extract_targets(ITEMS_2024[18]) == []
    assert [t.raw for t in extract_targets(ITEMS_2025[12])] == ["5条"]


@pytest.mark.parametrize(("text", "comparator"), [
    ("新增就业不少于100人", "at_least"), ("新增就业100人以上", "at_least"), ("新增就业100余人", "at_least"),
    ("新增就业超过100人", "at_least"), ("新增就业100多人", "at_least"), ("资助不超过3万元", "at_most"),
    ("排队100人以内", "at_most"), ("覆盖率达到95%", "reach"), ("标准提高至每人每月900元", "reach"),
    ("服务300户左右", "about"), ("服务约300户", "about"), ("新增就业100人", "exact"),
    ("覆盖率达到95%以上", "at_least"),
])
def test_comparators(text, comparator):
    assert extract_targets(text)[0].comparator == comparator


def test_cumulative_only_when_governed_by_leiji():
    ts = extract_targets(ITEMS_2024[2])
    assert [t.cumulative for t in ts] == [False, False, False, True]


def test_full_width_digits_keep_offsets():
    text = "新增学位８１３０个，就业１．７６万人以上，覆盖率９５％"
    ts = extract_targets(text)
    assert [(t.value, t.unit) for t in ts] == [(8130, "个"), (17600, "人"), (95, "%")]
    assert all(text[t.start:t.end] == t.raw for t in ts)


def test_shizhong_2025_fixture():
    text = (ROOT / "tests" / "data" / "shizhong_2025.txt").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if "全区养老床位" in x)
    ts = extract_targets(line)
    assert [(t.value, t.comparator, t.cumulative, t.target_type) for t in ts] == [
        (600, "exact", False, "elderly_beds"), (5000, "at_least", True, "elderly_beds")]


@pytest.mark.parametrize("text", ["", "   ", "第3批", "G20", "1-", "——", "1.2.3万", "％％", "万元", "(", "9" * 400])
def test_odd_text_never_raises(text):
    extract_targets(text)


def test_bu_counts_lifts_but_not_departments():
    assert [(t.value, t.unit) for t in extract_targets("改造老旧小区30个，加装电梯100部。")] == [(30.0, "个"), (100.0, "部")]
    assert [(t.value, t.unit) for t in extract_targets("联合3部门开展检查20次")] == [(20.0, "次")]
