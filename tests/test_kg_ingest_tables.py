"""Tables saved as text: find them among lines and read their items (kg.ingest.tables/rows)."""

from __future__ import annotations

from pathlib import Path

from kg.ingest.parse import parse_document
from kg.ingest.read import read_document
from kg.ingest.rows import items_from_grid
from kg.ingest.tables import find_text_tables


def _items(text: str):
    tables = find_text_tables(text.split("\n"))
    out = []
    for t in tables:
        got = items_from_grid(t.grid, t.layout, multiline=t.multiline)
        if got:
            out += got.items
    return tables, out


def test_pipe_table_two_row_header_merged_category_and_lead_phrase():
    text = "\n".join([
        "发布机构 | 县发改局 | 成文日期 | 2023-05-06 |",
        "---|---|---|---|",
        "某县2023年民生项目推进表",
        "序号 | 项目名称 | 子项目 | 建设内容 | 责任单位 | 推进情况 | |",
        "截至5月进展 | 下步计划 | | | |",
        "1 | 一、住房保障工程 | 公租房维修 | 维修公租房420套 | 县住建局牵头，县财政局、城关镇配合 | 已维修200套 | 年底完成 |",
        "2 | 棚户区改造 | 改造棚户区住房300户 | 县住建局牵头，县自然资源局配合 | 已签约180户 | 加快拆迁 | |",
        "3 | 二、交通出行工程 | 公交站台 | 新建公交候车亭40个 | 县交通局 | 已建成12个 | 完成剩余建设 |",
    ])
    tables, items = _items(text)
    assert tables[-1].kind == "pipe" and tables[-1].start == 3
    assert [it.seq for it in items] == [1, 2, 3]
    assert [it.category for it in items] == ["住房保障工程", "住房保障工程", "交通出行工程"]
    assert items[0].lead_departments == ["县住建局"]
    assert items[0].supporting_departments == ["县财政局", "城关镇"]
    assert items[0].departments == ["县住建局", "县财政局", "城关镇"]
    assert "维修公租房420套" in items[0].text and "已维修" not in items[0].text
    assert items[0].progress and "已维修200套" in items[0].progress
    assert "棚户区改造" in items[1].text and items[1].departments == ["县住建局", "县自然资源局"]


def test_pipe_continuation_rows_are_sub_targets_and_progress_is_not_text():
    text = "\n".join([
        "序号 | 实事项目名称 | 完成情况 | 完成率 |",
        "1 | 新增托育床位800张 | 812 | 101% |",
        "新增普惠托位300个 | 320 | 107% | |",
        "2 | 建设口袋公园15个 | 15 | 100% |",
    ])
    _, items = _items(text)
    assert len(items) == 2
    assert "新增普惠托位300个" in items[0].text
    assert "812" not in items[0].text and "812" in (items[0].progress or "")


def test_tab_table_with_quoted_multiline_cell_and_padded_names():
    text = "\n".join([
        "民生实事分工表\t\t\t\t\t",
        "序号\t项目名称\t建设内容\t牵头领导\t牵头单位\t配合单位",
        "1\t社区食堂\t新建社区食堂6个。\t王  敏\t区民政局\t区财政局、各街道",
        '2\t健身步道\t新建健身步道12公里。\t李  强\t区文体局\t"区城管局',
        "区园林中心",
        '区财政局"',
    ])
    tables, items = _items(text)
    assert tables[0].kind == "tab"
    assert [it.officials for it in items] == [["王敏"], ["李强"]]
    assert items[1].departments == ["区文体局", "区城管局", "区园林中心", "区财政局"]
    assert items[1].lead_departments == ["区文体局"]


def test_one_cell_per_line_with_blank_lines_multi_line_units_and_sub_rows():
    lines = ["某县2022年民生实事任务分解表", "", "序号", "", "民生实事", "", "责任单位", "", "完成时限", ""]
    lines += ["1", "", "新建城东污水处理厂，日处理能力2万吨。", "", "县水务局", "", "县住建局", "", "12月底前", ""]
    lines += ["2", "", "改造农村公厕60座。", "", "县农业农村局", "", "9月底前", "",
              "新建乡镇垃圾中转站3座。", "", "11月底前", ""]
    lines += ["3", "", "建成县图书馆新馆。", "", "县文旅局", "", "10月底前", "", "分享到："]
    _, items = _items("\n".join(lines))
    assert [it.seq for it in items] == [1, 2, 3]
    assert items[0].departments == ["县水务局", "县住建局"]
    assert items[0].lead_departments == []  # a plain 责任单位 column marks no lead
    assert "新建乡镇垃圾中转站3座" in items[1].text
    assert items[1].deadline == "9月底前；11月底前"


def test_cell_pipe_lines_with_dropped_empty_cells_do_not_carry_values():
    header = ["序号", "责任单位", "实施内容", "协同单位", "分管领导", "最新进度"]
    rows = [
        ["3", "卫健局", "新建社区卫生服务站5个。", "财政局 各镇", "赵明", "已建成2个。"],
        ["4", "卫健局", "为3万名老人免费体检。", "民政局", "已体检1.2万人。"],  # 分管领导 empty, dropped
        ["8", "卫健局", "新增托位500个。", "教育局 各镇", "赵明", "已新增210个。"],
        ["9", "卫健局", "改造村卫生室20个。", "财政局", "钱进", "已开工12个。"],
    ]
    text = "\n".join(f"{c} |" for row in [header, *rows] for c in row)
    _, items = _items(text)
    assert [it.seq for it in items] == [3, 4, 8, 9]
    assert items[1].officials == []
    assert items[0].supporting_departments == ["财政局", "各镇"]
    assert items[0].lead_departments == ["卫健局"]  # 责任单位 beside 协同单位 is the lead
    assert items[1].progress == "已体检1.2万人。"


def test_merged_cells_written_once_carry_down():
    lines = ["序号", "民生实事项目", "牵头单位", "负责科室", "负责人", "完成时间", "进展情况",
             "1", "新增养老床位200张", "区民政局", "养老科", "周  宁", "11月底前", "已新增120张。",
             "2", "新建老年食堂5个", "9月底前", "已建成3个。",
             "3", "新建社区医院2家", "区卫健局", "医政科", "何  平", "12月底前", "主体完工。",
             "4", "家庭医生签约率达到80%", "已达76%。"]
    _, items = _items("\n".join(lines))
    assert [it.departments for it in items] == [["区民政局"], ["区民政局"], ["区卫健局"], ["区卫健局"]]
    assert all(it.officials == [] for it in items)  # 负责人 is a contact, not a leader
    assert items[3].deadline == "12月底前"


def test_tab_led_cells_with_continuation_lines():
    text = "\n".join([
        "\t序号", "\t民生实事内容", "\t牵头领导", "\t责任单位", "",
        "\t1", "\t新建幼儿园2所。", "\t孙  丽", "\t区教育局", "区财政局", "",
        "\t2", "\t改造老旧管网30公里。", "\t孙  丽", "周  涛", "\t区住建局", "",
    ])
    _, items = _items(text)
    assert [it.officials for it in items] == [["孙丽"], ["孙丽", "周涛"]]
    assert items[0].departments == ["区教育局", "区财政局"]


def test_run_on_table_with_page_markers_and_sub_rows():
    text = "\n".join([
        "1、某区2022年民生实事责任分解表序号项目名称主要内容区政府分管领导牵头单位配合单位1幼儿园扩容新建幼儿园3所,"
        "新增学位900个。何远教育局财政局各街道2社区养老新建养老服务中心4家。",
        "2、吕川民政局卫健局各街道改造养老床位200张。3道路畅通改造背街小巷12条。吕川住建局城管局交警大队"
        "新建停车泊位800个。何远交通局公安分局交警大队",
        "本文档由用户上传。",
    ])
    tables, items = _items(text)
    assert tables[0].kind == "runon" and tables[0].end == 2
    assert [it.seq for it in items] == [1, 2, 3]
    assert items[0].officials == ["何远"] and items[0].departments == ["教育局", "财政局", "各街道"]
    assert "改造养老床位200张" in items[1].text
    assert items[2].officials == ["吕川", "何远"]
    assert items[2].lead_departments == ["住建局", "交通局"]
    assert items[2].departments[-1] == "公安分局交警大队"


def test_repeated_header_and_category_line_in_cell_per_line_table():
    lines = ["序号", "实事项目", "责任单位",
             "一、教育类（2项）", "1", "新建小学1所。", "区教育局",
             "序号", "实事项目", "责任单位",
             "2", "新增学位600个。", "区教育局",
             "二、健康类（1项）", "3", "新建社区医院1家。", "区卫健局"]
    _, items = _items("\n".join(lines))
    assert [(it.seq, it.category) for it in items] == [(1, "教育类"), (2, "教育类"), (3, "健康类")]


def test_prose_lines_hold_no_table():
    lines = ["一、新建学校3所。（区教育局）", "二、改造道路5条。（区住建局）", "经研究 | 现印发"]
    _, items = _items("\n".join(lines))
    assert items == []


def test_parse_document_uses_text_tables(tmp_path: Path):
    path = tmp_path / "list.txt"
    path.write_text("\n".join([
        "序号\t项目名称\t建设内容\t牵头领导\t牵头单位\t配合单位",
        "1\t社区食堂\t新建社区食堂6个。\t王敏\t区民政局\t区财政局",
        "2\t口袋公园\t新建口袋公园8个。\t李强\t区城管局\t各街道",
    ]), encoding="utf-8")
    parsed = parse_document(read_document(path))
    assert parsed.layout == "table-tab"
    assert [it.lead_departments for it in parsed.items] == [["区民政局"], ["区城管局"]]


def test_markdown_table_with_lead_marked_in_the_cell():
    text = "\n".join([
        "| 序号 | 项目名称 | 责任单位 | 完成时限 |",
        "|:---:|:---|:---|:---:|",
        "| 1 | 新建学校2所 | 区教育局（牵头）、区财政局 | 年底前 |",
        "| 2 | 改造道路3条 | 区住建局 | 10月底前 |",
    ])
    _, items = _items(text)
    assert items[0].lead_departments == ["区教育局"] and items[0].supporting_departments == ["区财政局"]
    assert items[0].departments == ["区教育局", "区财政局"] and items[0].deadline == "年底前"
    assert items[1].departments == ["区住建局"] and items[1].lead_departments == []


def test_pipe_table_survives_category_lines_and_blank_lines_between_rows():
    text = "\n".join([
        "序号 | 实事项目 | 责任单位 |",
        "一、教育类",
        "1 | 新建小学2所 | 区教育局 |",
        "",
        "2 | 新增学位900个 | 区教育局 |",
        "二、民生保障类",
        "3 | 新建养老院1所 | 区民政局 |",
        "",
        "以上项目由区政府督查室跟踪督办，每季度通报一次进展情况，年底组织考核并公布结果。",
    ])
    tables, items = _items(text)
    assert len(tables) == 1 and tables[0].end == 7
    assert [(it.seq, it.category) for it in items] == [(1, "教育类"), (2, "教育类"), (3, "民生保障类")]


def test_run_on_table_without_leaders_with_deadlines():
    text = ("某县民生实事清单序号实事项目责任单位完成时限1新建城南小学1所。县教育局县财政局8月底前"
            "2改造农村公路80公里。县交通局各乡镇12月底前3新建社区食堂10个。县民政局年底前")
    tables, items = _items(text)
    assert tables and tables[0].kind == "runon"
    assert [it.seq for it in items] == [1, 2, 3]
    assert items[1].departments == ["县交通局", "各乡镇"] and items[1].deadline == "12月底前"
    assert items[2].text == "新建社区食堂10个。" and items[2].deadline == "年底前"


def test_header_on_one_line_with_cells_one_per_line():
    text = "\n".join(["序号 实事项目 牵头领导 责任单位", "1", "新建公园3个。", "吴  凡", "区城管局",
                     "2", "改造路灯500盏。", "吴  凡", "区城管局", "区供电公司"])
    tables, items = _items(text)
    assert tables[0].kind == "cells"
    assert [it.officials for it in items] == [["吴凡"], ["吴凡"]]
    assert items[1].departments == ["区城管局", "区供电公司"]


def test_space_separated_table():
    text = "\n".join([
        "序号    项目名称          牵头单位      配合单位          完成时限",
        "1       新建社区食堂8个   区民政局      区财政局 各街道   10月底前",
        "2       新增停车泊位600个 区交通局      区公安分局        12月底前",
        "",
        "3       改造背街小巷5条   区住建局      区城管局          11月底前",
    ])
    tables, items = _items(text)
    assert tables[0].kind == "space"
    assert [it.seq for it in items] == [1, 2, 3]
    assert items[0].supporting_departments == ["区财政局", "各街道"]
    assert items[2].lead_departments == ["区住建局"] and items[2].deadline == "11月底前"


def test_signature_and_date_below_a_cell_table_are_not_units():
    lines = ["序号", "民生实事", "责任单位", "1", "新建公园2个。", "区城管局", "2", "新建游泳馆1座。", "区文体局",
             "", "某区人民政府办公室", "2024年3月1日"]
    _, items = _items("\n".join(lines))
    assert [it.departments for it in items] == [["区城管局"], ["区文体局"]]


def test_tab_table_with_category_lines_and_merged_category_column():
    text = "\n".join([
        "附件",
        "2023年民生实事项目任务分解表",
        "序号\t项目名称\t主要内容\t责任领导\t牵头单位\t协办单位\t完成时间",
        "一、教育事业（2项）",
        "1\t学校建设\t新建小学2所\t赵  六\t区教育局\t区财政局\t12月",
        "2\t学位扩容\t新增学位800个\t\t区教育局\t各街道\t9月",
        "",
        "二、社会保障（1项）",
        "3\t养老服务\t新建日间照料中心5处\t钱  七\t区民政局\t区卫健局、各街道\t11月",
    ])
    tables, items = _items(text)
    assert len(tables) == 1 and tables[0].kind == "tab"
    assert [(it.seq, it.category) for it in items] == [(1, "教育事业"), (2, "教育事业"), (3, "社会保障")]
    assert items[1].officials == ["赵六"]  # merged 责任领导 carried down
    assert items[2].supporting_departments == ["区卫健局", "各街道"]


def test_cell_table_with_merged_category_and_leader_columns():
    lines = ["序号", "类别", "项目名称", "建设内容", "牵头领导", "责任单位", "完成时限",
             "1", "教育", "新建学校", "新建城东小学1所。", "张  三", "区教育局", "12月底前",
             "2", "新增学位", "新增公办学位500个。", "区教育局", "10月底前",
             "3", "卫生", "社区医院", "新建社区医院2家。", "李  四", "区卫健局", "区医保局", "11月底前"]
    _, items = _items("\n".join(lines))
    assert [(it.seq, it.category, it.title) for it in items] == [
        (1, "教育", "新建学校"), (2, "教育", "新增学位"), (3, "卫生", "社区医院")]
    assert [it.officials for it in items] == [["张三"], ["张三"], ["李四"]]
    assert items[2].departments == ["区卫健局", "区医保局"]


def test_box_drawing_and_full_width_pipes():
    text = "\n".join([
        "┌────┬──────────┬──────────┐",
        "│序号│实事项目  │责任单位  │",
        "├────┼──────────┼──────────┤",
        "│1   │新建驿站6个│区总工会<br>各街道│",
        "└────┴──────────┴──────────┘",
        "",
        "序号｜实事项目｜责任单位",
        "1｜新建公厕9座｜区城管局",
    ])
    tables, items = _items(text)
    assert {t.kind for t in tables} == {"pipe"} and len(items) == 2
    assert items[0].departments == ["区总工会", "各街道"]
    assert items[1].departments == ["区城管局"]
