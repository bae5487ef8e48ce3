"""Layout parsing: the two seeds item by item, the category-grouped layout, numbering forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest.parse import make_title, parse_document, split_officials
from kg.ingest.read import read_document
from tests.conftest import SEED_2024, SEED_2025, SHIZHONG_2025

# Seed 000 (济南市市中区 2024): seq -> (officials, departments as written).
SEED_2024_EXPECTED = {
    1: (["张源"], ["区教育体育局"]),
    2: (["张源"], ["区教育体育局", "区卫生健康局", "区科协"]),
    3: (["张源"], ["区教育体育局", "区妇联"]),
    4: (["张源"], ["区卫生健康局"]),
    5: (["张源"], ["区民政局"]),
    6: (["张源"], ["区民政局"]),
    7: (["张源"], ["区卫生健康局"]),
    8: (["张源"], ["区卫生健康局"]),
    9: (["张源"], ["区人力资源社会保障局"]),
    10: (["张源"], ["区民政局", "区医保局"]),
    11: (["张源"], ["区教育体育局", "区残联"]),
    12: (["张源"], ["区残联"]),
    13: (["许胜勇"], ["区水务局"]),
    14: (["许胜勇"], ["区水务局"]),
    15: (["许胜勇"], ["区水务局"]),
    16: (["许胜勇"], ["区园林绿化服务中心"]),
    17: (["许胜勇"], ["市生态环境局市中分局"]),
    18: (["张同园", "王莹"], ["区文化和旅游局", "济南中央商埠区发展促进中心"]),
    19: (["王莹"], ["区文化和旅游局"]),
    20: (["刘宜武"], ["区司法局"]),
    21: (["刘宜武"], ["区司法局"]),
    22: (["张同园", "张源"], ["区总工会", "团区委", "市中城投集团"]),
    23: (["张同园", "栾长征", "张源", "王莹"], ["区发展改革局", "区住房城乡建设局", "区商务局", "区妇联"]),
    24: (["张同园"], ["市中消防救援大队"]),
}

# Seed 003 (济南市章丘区 2025): seq -> (title, departments as written); no officials anywhere.
SEED_2025_EXPECTED = {
    1: ("开展促进高质量充分就业行动", ["区人社局"]),
    2: ("建设中小学、幼儿园食堂大宗食材安全管理追溯平台项目", ["区市场监管局", "国开集团"]),
    3: ("开展中小学幼儿园周边安全综合治理", ["区教体局"]),
    4: ("建设区人工智能教育示范中心", ["区教体局"]),
    5: ("实施健康养老促进工程", ["区卫健局"]),
    6: ("实施“长者互助食堂”志愿服务项目", ["区民政局"]),
    7: ("实施“特需儿童慈善救助”项目", ["区民政局"]),
    8: ("免费为低收入适龄妇女办理“两癌”保险", ["区妇联"]),
    9: ("开展公众聚集场所电梯安全责任险全覆盖行动", ["区市场监管局"]),
    10: ("开展文化惠民活动", ["区文旅局"]),
    11: ("实施公共停车场（位）建设", ["区住建局", "交警大队"]),
    12: ("优化调整公交线路", ["区城乡交运局"]),
    13: ("实施全域光储充检一体化综合能源项目（二期）", ["区发改局", "产发集团"]),
    14: ("深化数据赋能高效办成村里“那些事”", ["区大数据局"]),
    15: ("开展“畅享泉城购好品在章丘”2025年系列促消费活动", ["区商务服务中心"]),
    16: ("实施“关节新生人道助行”项目", ["区红十字会"]),
    17: ("提升长期护理参保人员压疮治愈率", ["区医保局"]),
    18: ("实施农业社会化服务项目", ["区农业农村局"]),
    19: ("优化提升政务服务能力", ["区行政审批服务局"]),
    20: ("实施计量助企惠民服务提升项目", ["区市场监管局", "综合检验检测中心"]),
}


def _parse(path: Path):
    return parse_document(read_document(path))


def test_seed_2024_every_item():
    parsed = _parse(SEED_2024)
    assert parsed.layout == "table-text"
    assert parsed.title is None  # the table export has no title: the manifest must say what it is
    assert [it.seq for it in parsed.items] == list(range(1, 25))
    for item in parsed.items:
        officials, departments = SEED_2024_EXPECTED[item.seq]
        assert (item.seq, item.officials) == (item.seq, officials)
        assert (item.seq, item.departments) == (item.seq, departments)
        assert item.text and "\t" not in item.text and "\n" not in item.text


def test_seed_2024_texts_are_whole_cells():
    items = {it.seq: it for it in _parse(SEED_2024).items}
    assert items[6].text == "新建大型综合养老机构2处，增加床位800张。"
    assert items[6].title == "新建大型综合养老机构2处"
    assert items[24].text == "安装联网型独立式感烟火灾探测报警器10.4万个。"
    assert items[9].text.startswith("新增城镇就业人口1.76万人以上；")


def test_seed_2025_every_item():
    parsed = _parse(SEED_2025)
    assert parsed.layout == "numbered"
    assert parsed.title == "2025年20件民生实事项目"
    assert [it.seq for it in parsed.items] == list(range(1, 21))
    for item in parsed.items:
        title, departments = SEED_2025_EXPECTED[item.seq]
        assert (item.seq, item.title) == (item.seq, title)
        assert (item.seq, item.departments) == (item.seq, departments)
        assert item.officials == []
        # the trailing （departments） is taken off the text, inner parentheses are kept
        assert not item.text.endswith("）")
    items = {it.seq: it for it in parsed.items}
    assert "“两癌”（乳腺癌和宫颈癌）保险" in items[8].text
    assert items[1].text.startswith("开展促进高质量充分就业行动。全年实现新增城镇就业7600人")


def test_layout_c_grouped():
    parsed = _parse(SHIZHONG_2025)
    assert parsed.layout == "grouped"
    assert parsed.title == "济南市市中区2025年民生实事项目清单"
    got = [(it.seq, it.category, it.officials, it.departments, it.lead_departments) for it in parsed.items]
    assert got == [
        (1, "教育服务", ["张源"], ["区教体局"], []),
        (2, "教育服务", ["张源"], ["区教体局", "区妇联"], []),
        (3, "养老服务", ["张源"], ["区民政局", "区卫健局"], ["区民政局"]),
        (4, "养老服务", ["张源"], ["区卫健局"], []),
        (5, "就业和社会保障", ["张源"], ["区人社局", "区民政局", "区医保局"], []),
        (6, "城市建设", ["栾长征"], ["区发改局", "区住建局"], []),
    ]
    texts = [it.text for it in parsed.items]
    assert texts[0] == "新建、改扩建中小学3所、幼儿园2所，新增学位5400个。"  # "1．" numbering removed
    assert texts[2].startswith("续建大型综合养老机构二期工程")  # "（1）" numbering removed
    assert texts[4].startswith("新增城镇就业人口1.8万人")  # "1、" numbering removed
    assert texts[5].startswith("建成投用新能源汽车充电桩1500个")  # "1." numbering removed
    assert not any("牵头" in t or "责任单位" in t for t in texts)


def test_numbering_restarting_per_category_gets_one_sequence(tmp_path: Path):
    f = tmp_path / "list.txt"
    f.write_text("某县2025年民生实事\n一、教育\n1. 新建学校1所。\n2. 新增学位100个。\n"
                 "二、养老\n1. 新增床位50张。\n", encoding="utf-8")
    parsed = _parse(f)
    assert [(it.seq, it.category) for it in parsed.items] == [(1, "教育"), (2, "教育"), (3, "养老")]


def test_table_text_with_title_line_above_header(tmp_path: Path):
    f = tmp_path / "titled.txt"
    f.write_text("济南市市中区2024年民生实事项目清单\n\n" + SEED_2024.read_text(encoding="utf-8"), encoding="utf-8")
    parsed = _parse(f)
    assert parsed.title == "济南市市中区2024年民生实事项目清单"
    assert len(parsed.items) == 24
    assert parsed.items[17].officials == ["张同园", "王莹"]


def test_meta_inside_trailing_parentheses(tmp_path: Path):
    f = tmp_path / "m.txt"
    f.write_text("一、新增床位100张。（牵头区领导：张  源；责任单位：区民政局、区卫健局）\n", encoding="utf-8")
    item = _parse(f).items[0]
    assert item.text == "新增床位100张。"
    assert item.officials == ["张源"]
    assert item.departments == ["区民政局", "区卫健局"]


def test_no_items_is_an_input_error(tmp_path: Path):
    f = tmp_path / "prose.txt"
    f.write_text("这是一段没有编号的说明文字。\n没有任何实事项目。\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"prose\.txt.*no recognisable"):
        _parse(f)


def test_split_officials_and_titles():
    assert split_officials("张  源\n王　莹、张同园") == ["张源", "王莹", "张同园"]
    assert split_officials("") == []
    assert make_title("新建大型综合养老机构2处，增加床位800张。") == "新建大型综合养老机构2处"
    assert make_title("开展文化惠民活动。组织村晚。") == "开展文化惠民活动"


def test_layout_b_items_with_arabic_sub_points(tmp_path: Path):
    f = tmp_path / "sub.txt"
    f.write_text("济南市某区2025年民生实事\n"
                 "一、实施健康养老促进工程，完善医养结合服务体系。\n1. 建成医养结合机构4家；\n"
                 "2. 医养结合床位占比率达到45%。（区卫健局）\n"
                 "二、开展文化惠民活动，组织各类文化活动500场次以上。（区文旅局）\n", encoding="utf-8")
    parsed = _parse(f)
    assert parsed.layout == "numbered"
    assert [(it.seq, it.departments) for it in parsed.items] == [(1, ["区卫健局"]), (2, ["区文旅局"])]
    assert parsed.items[0].text.endswith("1. 建成医养结合机构4家；2. 医养结合床位占比率达到45%。")


def test_grouped_headings_without_count(tmp_path: Path):
    f = tmp_path / "g.txt"
    f.write_text("济南市某区2025年民生实事\n一、提升教育服务质量，办好人民满意教育\n1．新建学校1所。\n"
                 "责任单位：区教体局\n二、养老\n（1）新增床位50张。\n责任单位：区民政局\n", encoding="utf-8")
    parsed = _parse(f)
    assert parsed.layout == "grouped"
    assert [(it.seq, it.category, it.departments) for it in parsed.items] == [
        (1, "提升教育服务质量，办好人民满意教育", ["区教体局"]), (2, "养老", ["区民政局"])]


def test_official_job_titles_are_not_names():
    assert split_officials("张源（副区长）、王  莹(区委常委)") == ["张源", "王莹"]
