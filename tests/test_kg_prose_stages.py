"""Normalise, segment and fields on layouts written for these tests (not the fixtures')."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError, TooLargeError
from kg.ingest.fields import (
    column_role,
    extract_fields,
    key_role,
    parse_departments,
    parse_officials,
    split_names,
)
from kg.ingest.normalise import chrome_kind, looks_traditional, normalise_lines, to_simplified
from kg.ingest.parse import parse_document
from kg.ingest.read import RawDocument
from kg.ingest.segment import is_heading


def _parse(text: str, **kw):
    return parse_document(RawDocument(path=Path("t.txt"), data=text.encode(), lines=text.split("\n")), **kw)


def _rows(text: str):
    return [(it.seq, it.category, it.officials, it.departments, it.lead_departments) for it in _parse(text).items]


# -- normalise -------------------------------------------------------------------------


def test_traditional_text_is_simplified_and_the_original_kept():
    norm = normalise_lines(["一、新建養老機構3個。", "責任單位：區民政局"])
    assert norm.traditional
    assert norm.lines == ["一、新建养老机构3个。", "责任单位：区民政局"]
    assert norm.original == ["一、新建養老機構3個。", "責任單位：區民政局"]


def test_simplified_text_with_a_stray_convertible_character_stays_as_written():
    text = "一、著力新建学校3所，新增学位900个。（区教育局）"
    assert not looks_traditional(text)
    assert normalise_lines([text]).original is None


@pytest.mark.parametrize("line", [
    "索 引 号：11330109MB0X27461K/2024-00873", "发布机构 | 区发改局 | 发文日期 | 2024-10-16 |",
    "字体：【大】【中】【小】", "【打印本页】【关闭窗口】", "上一篇：某区2021年民生实事完成情况", "分享到：微信 微博",
    "网站标识码：4399270004  ICP备05012345号", "当前位置：首页 > 政务公开", "澄浦新闻网>>民生频道",
    "![](/uploads/a.jpg)", "（责任编辑：林小满）", "2023年02月16日10:25 | 来源：融媒", "- 3 -", "第 2 页 共 5 页",
])
def test_page_chrome_is_recognised(line: str):
    assert chrome_kind(line) is not None


@pytest.mark.parametrize("line", ["一、新增养老床位100张。", "责任单位：区民政局", "3月17日，街道召开居民议事会。"])
def test_content_is_not_chrome(line: str):
    assert chrome_kind(line) is None


def test_metadata_values_are_kept():
    norm = normalise_lines(["发布机构：云湖市西岚区人民政府办公室", "成文日期 | 2019-03-04 | 文号 | 越政办〔2019〕9号 |", "正文"])
    assert norm.meta["发布机构"] == "云湖市西岚区人民政府办公室"
    assert norm.meta["成文日期"] == "2019-03-04"
    assert norm.lines == ["正文"]


# -- fields ----------------------------------------------------------------------------


def test_inline_group_keeps_officials_and_departments_apart():
    f = extract_fields("新建学校3所。（牵头领导：王建国，责任单位：区教育局、区财政局）")
    assert (f.text, f.officials, f.departments) == (
        "新建学校3所。", ["王建国"], [("区教育局", "responsible"), ("区财政局", "responsible")])


def test_lead_and_supporting_phrase():
    assert parse_departments("区卫健局牵头，区民政局、区医保局配合") == [
        ("区卫健局", "lead"), ("区民政局", "supporting"), ("区医保局", "supporting")]
    assert parse_departments("由县住建局负责") == [("县住建局", "lead")]


def test_keys_by_rule():
    assert [key_role(k) for k in ("包抓领导", "区政府分管领导", "主责单位", "协同单位", "协作单位", "责任部门",
                                  "负责人", "完成时限", "进展情况")] == [
        "officials", "officials", "lead", "supporting", "supporting", "departments", None, "deadline", "progress"]
    assert column_role("分管 领导") == "officials"


def test_names_split_on_every_separator_but_not_inside_brackets_or_padding():
    assert split_names("财政局 发改委 各区镇") == ["财政局", "发改委", "各区镇"]
    assert split_names("各镇（街道）、科创园(凤鸣镇)；区医保局,区民政局") == ["各镇（街道）", "科创园(凤鸣镇)", "区医保局", "区民政局"]
    assert parse_officials("许  岚") == ["许岚"]
    assert parse_officials("邓志远 许晓岚") == ["邓志远", "许晓岚"]
    assert parse_officials("副区长 王建国（常务）") == ["王建国"]


def test_trailing_numbers_in_brackets_are_not_departments():
    f = extract_fields("新建东屿实验学校（一期）")
    assert f.departments == [] and f.text == "新建东屿实验学校（一期）"


# -- segment ---------------------------------------------------------------------------


def test_outline_levels_come_from_the_document():
    text = ("某区2025年民生实事\n一、教育卫生类（2项）\n第一项　学前教育扩容\n　　①新建幼儿园3所；②新增托位150个。\n"
            "　　牵头区领导：许晓岚\n　　牵头单位：区教育局\n　　配合单位：区财政局、区卫健局\n"
            "第二项　心理健康关爱\n　　①建成心理辅导室40间。\n　　牵头区领导：邓志远、许晓岚\n　　牵头单位：区卫健局\n"
            "二、城市品质类\n第三项　口袋公园\n　　①新建口袋公园15个。\n　　牵头单位：区城管局\n")
    assert _rows(text) == [
        (1, "教育卫生类", ["许晓岚"], ["区教育局", "区财政局", "区卫健局"], ["区教育局"]),
        (2, "教育卫生类", ["邓志远", "许晓岚"], ["区卫健局"], ["区卫健局"]),
        (3, "城市品质类", [], ["区城管局"], ["区城管局"]),
    ]
    items = _parse(text).items
    assert items[0].title == "学前教育扩容" and "②新增托位150个" in items[0].text


def test_items_numbered_beyond_999_stay_apart():
    text = "\n".join(f"{n}. 新建公厕{n}座。（区城管局）" for n in range(995, 1005))
    assert [it.seq for it in _parse(text).items] == list(range(995, 1005))


def test_closing_paragraph_and_signature_are_not_glued_to_the_last_item():
    text = ("某县2021年民生实事\n（一）新建学校1所。\n责任单位：县教育局\n（二）新增床位50张。\n责任单位：县民政局\n"
            "各责任单位要细化实施方案，按季度报送进展。\n某县人民政府\n2021年3月1日\n")
    items = _parse(text).items
    assert [it.text for it in items] == ["新建学校1所。", "新增床位50张。"]


def test_a_name_only_item_takes_its_description_after_a_blank_line():
    text = "某镇2022年民生实事\n1. 村道硬化\n\n硬化村组道路12公里。\n实施单位：镇建设办\n\n2. 卫生院提升\n\n新增床位20张。\n"
    items = _parse(text).items
    assert [(it.title, it.text, it.lead_departments) for it in items] == [
        ("村道硬化", "村道硬化硬化村组道路12公里。", ["镇建设办"]), ("卫生院提升", "卫生院提升新增床位20张。", [])]


def test_sentence_list_after_fenbieshi():
    text = "今年的五件实事分别是：新建公园2座；新增车位300个；改造小区4个；新建书房5家；培训1000人次。\n据了解，去年10件实事已完成。"
    parsed = _parse(text)
    assert parsed.layout == "sentence-list"
    assert [it.text for it in parsed.items][-1] == "培训1000人次"


def test_headed_paragraphs_with_trailing_fields():
    text = ("白岩街道2025年民生实事\n据悉，除山坪塘整治项目外，其余项目年底完成。\n"
            "山坪塘整治项目：清淤8口。（牵头单位：街道农业服务中心；配合单位：区水利局）\n"
            "路灯补亮项目：新增路灯120盏。（牵头单位：街道城管办；配合单位：各社区）\n")
    parsed = _parse(text)
    assert parsed.layout == "paragraphs"
    assert [(it.title, it.departments, it.lead_departments) for it in parsed.items] == [
        ("山坪塘整治项目", ["街道农业服务中心", "区水利局"], ["街道农业服务中心"]),
        ("路灯补亮项目", ["街道城管办", "各社区"], ["街道城管办"])]


def test_bare_numbers_and_zero_padded_numbers():
    assert [it.seq for it in _parse("1\n新建公园2座。\n2\n新增车位300个。\n").items] == [1, 2]
    assert [it.text for it in _parse("01 新建公园2座。\n\n02 新增车位300个。\n").items] == ["新建公园2座。", "新增车位300个。"]


def test_category_heading_with_count_on_the_next_line():
    text = "一、城市建设管理类\n（2件）\n1. 新建公园2座。\n2. 新增车位300个。\n二、教育服务（1项）\n3. 新建学校1所。\n"
    assert [it.category for it in _parse(text).items] == ["城市建设管理类", "城市建设管理类", "教育服务"]


def test_traditional_document_keeps_original_text():
    items = _parse("越江市2019年民生實事\n（一）新建城市書房30家。\n（二）改造危橋30座。\n").items
    assert items[0].text == "新建城市书房30家。" and items[0].original_text == "新建城市書房30家。"
    assert to_simplified("責任單位") == "责任单位"


def test_heading_rule():
    assert is_heading("教育服务（3项）") and is_heading("提升教育服务质量，办好人民满意教育")
    assert not is_heading("新增养老床位300张")


def test_limits_and_errors():
    with pytest.raises(TooLargeError, match="--max-items"):
        _parse("\n".join(f"{n}. 新建公园{n}座。" for n in range(1, 30)), max_items=10)
    with pytest.raises(InputError, match="no recognisable"):
        _parse("这是一段没有任何项目的文字。")


def test_names_on_the_lines_under_an_empty_key():
    text = "某区2024年民生实事\n1. 新建学校3所。\n责任单位：\n区教育局\n区财政局\n2. 新增床位50张。\n牵头单位：\n区民政局\n配合单位：区卫健局\n以上项目年底完成。"
    assert [(it.departments, it.lead_departments) for it in _parse(text).items] == [
        (["区教育局", "区财政局"], []), (["区民政局", "区卫健局"], ["区民政局"])]


def test_record_blocks_start_at_the_repeated_first_key():
    text = ("某区2024年民生实事\n项目名称：新建学校\n建设内容：新建学校3所\n责任单位：区教育局\n\n"
            "项目名称：养老床位\n建设内容：新增床位50张\n牵头单位：区民政局")
    items = _parse(text).items
    assert [(it.title, it.text, it.departments) for it in items] == [
        ("新建学校", "项目名称：新建学校；建设内容：新建学校3所", ["区教育局"]),
        ("养老床位", "项目名称：养老床位；建设内容：新增床位50张", ["区民政局"])]


def test_run_in_enumeration():
    text = "今年要办好五件实事：一是新建公园2座；二是新增车位300个；三是改造小区4个；四是新建书房5家；五是培训1000人次。"
    assert [it.text for it in _parse(text).items] == ["新建公园2座", "新增车位300个", "改造小区4个", "新建书房5家", "培训1000人次"]


def test_role_written_after_a_name():
    assert parse_departments("区教育局（牵头）、区财政局、区住建局") == [
        ("区教育局", "lead"), ("区财政局", "supporting"), ("区住建局", "supporting")]
    assert parse_departments("各镇（街道）") == [("各镇（街道）", "responsible")]
    assert extract_fields("新建学校3所。实施主体：区教育局").departments == [("区教育局", "lead")]


def test_notice_sections_around_the_list_are_not_items():
    text = ("某县人民政府关于2024年民生实事的通知\n一、总体要求\n以人民为中心，办好民生实事。\n"
            "二、新建学校2所，新增学位900个。（县教育局）\n三、新增养老床位300张。（县民政局）\n"
            "四、工作要求\n（一）加强组织领导。各单位要明确责任。\n（二）强化督查考核。县督查室按季度通报。\n")
    assert [(it.seq, it.departments) for it in _parse(text).items] == [(2, ["县教育局"]), (3, ["县民政局"])]


def test_inline_keys_glued_to_the_text_and_deadlines():
    items = _parse("某区2024年民生实事\n1．新建学校3所 责任单位：区教育局 完成时限：12月底\n"
                   "2．新增托位300个（其中普惠托位200个）（责任单位：区卫健局；完成时限：2024年12月）\n").items
    assert [(it.text, it.departments, it.deadline) for it in items] == [
        ("新建学校3所", ["区教育局"], "12月底"), ("新增托位300个（其中普惠托位200个）", ["区卫健局"], "2024年12月")]
    from kg.ingest.fields import parse_field_group

    assert parse_field_group("包联区领导：张三；区政府分管领导：李四，协作单位：区财政局") == [
        ("officials", "张三"), ("officials", "李四"), ("supporting", "区财政局")]
    assert parse_field_group("主要内容：新建学校") is None


def test_traditional_tables_keep_the_original_text():
    grid = [["序號", "實事項目", "責任單位"], ["1", "新建養老機構3個", "區民政局"], ["2", "改造危橋30座", "區交通局"]]
    parsed = parse_document(RawDocument(path=Path("t.xlsx"), data=b"", lines=[], grids=[grid]))
    assert [(it.text, it.original_text, it.departments) for it in parsed.items] == [
        ("新建养老机构3个", "新建養老機構3個", ["区民政局"]), ("改造危桥30座", "改造危橋30座", ["区交通局"])]
    text = "越江市2019年民生實事\n序號 | 實事項目 | 責任單位 |\n1 | 新建養老機構3個 | 區民政局 |\n2 | 改造危橋30座 | 區交通局 |"
    assert [it.original_text for it in _parse(text).items] == ["新建養老機構3個", "改造危橋30座"]


def test_fields_below_a_description_claim_it_but_a_closing_paragraph_stays_out():
    text = ("某区2024年民生实事\n（1）新建学校。\n在城北新建小学1所，新增学位1080个。\n责任单位：区教育局\n"
            "（2）新增床位50张，建设助餐点10个。\n今年将继续推进。\n责任单位：区民政局\n各单位要按时完成。\n某区人民政府\n")
    assert [(it.title, it.text, it.departments) for it in _parse(text).items] == [
        ("新建学校", "新建学校。在城北新建小学1所，新增学位1080个。", ["区教育局"]),
        ("新增床位50张，建设助餐点10个", "新增床位50张，建设助餐点10个。今年将继续推进。", ["区民政局"])]


def test_an_ordinal_after_a_generic_word_is_numbering_not_a_name():
    text = ("某县2023年为民办实事项目\n"
            "实事一：农村饮水安全巩固提升。新建集中供水工程4处。责任单位：县水利局；责任领导：赵建华。\n"
            "实事二：县城学校建设。新增学位1800个。责任单位：县教育局、县住建局；责任领导：孙丽。\n"
            "项目3：道路改造。改造道路5条。责任单位：县交通运输局。\n")
    items = _parse(text).items
    assert [(it.seq, it.title) for it in items] == [(1, "农村饮水安全巩固提升"), (2, "县城学校建设"), (3, "道路改造")]
    assert items[0].officials == ["赵建华"] and items[1].departments == ["县教育局", "县住建局"]
