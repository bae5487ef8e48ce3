"""Items out of table grids (kg.ingest.rows): real docx/xlsx/html/pdf grids and their quirks."""

from __future__ import annotations

from kg.ingest.rows import items_from_grid, items_from_grids


def test_real_grid_rowspans_left_empty_carry_down():
    grid = [
        ["序号", "类别", "项目名称", "目标任务", "牵头区领导", "牵头单位", "配合单位", "完成时限"],
        ["1", "教育", "课后服务", "课后服务覆盖全部小学", "郑一", "区教育局", "区财政局", "8月底前"],
        ["2", "", "校园安保", "配备专职保安120名", "", "", "区公安分局", "12月底前"],
        ["3", "养老", "助餐服务", "新建助餐点30个", "冯二", "区民政局", "各街道", ""],
    ]
    got = items_from_grid(grid)
    assert got is not None
    second = got.items[1]
    assert second.category == "教育" and second.officials == ["郑一"]
    assert second.departments == ["区教育局", "区公安分局"] and second.lead_departments == ["区教育局"]


def test_metadata_grid_is_not_an_item_table():
    grid = [["索引号", "113301/2024-01", "主题分类", "民生实事"], ["发布机构", "区政府办", "成文日期", "2024-03-01"]]
    assert items_from_grid(grid) is None


def test_real_grid_two_row_header_with_repeated_merged_cells_and_repeated_seq():
    grid = [
        ["序号", "实事内容", "责任单位", "责任单位"],
        ["序号", "实事内容", "牵头单位", "配合单位"],
        ["1", "新建停车场3处", "区住建局", "区城管局"],
        ["1", "新增充电桩200个", "区住建局", "供电公司"],
        ["2", "改造菜市场4个", "区商务局", "各街道"],
    ]
    got = items_from_grid(grid)
    assert got is not None
    assert [it.seq for it in got.items] == [1, 2]
    first = got.items[0]
    assert "新增充电桩200个" in first.text
    assert first.lead_departments == ["区住建局"] and first.supporting_departments == ["区城管局", "供电公司"]


def test_short_row_after_a_merged_lead_keeps_its_supporting_unit():
    # html rowspans read naively: merged cells are simply absent from later rows
    grid = [
        ["序号", "项目名称", "目标任务", "牵头单位", "配合单位", "完成时限"],
        ["1", "课后服务", "覆盖全部小学", "区教育局", "区财政局", "8月底前"],
        ["2", "校园安保", "配备专职保安120名", "区公安分局", "12月底前"],
        ["3", "助餐服务", "新建助餐点30个", "区民政局", "各街道", "10月底前"],
    ]
    got = items_from_grid(grid)
    assert got is not None
    assert got.items[1].lead_departments == ["区教育局"]
    assert got.items[1].supporting_departments == ["区公安分局"]


def test_totals_and_notes_are_not_items():
    grid = [
        ["序号", "项目名称", "责任单位", "投资（万元）"],
        ["1", "新建学校", "区教育局", "3000"],
        ["2", "改造道路", "区住建局", "1200"],
        ["合计", "", "", "4200"],
        ["注：投资为年度计划数，以实际完成为准。", "", "", ""],
    ]
    got = items_from_grid(grid)
    assert got is not None and len(got.items) == 2
    assert got.items[1].text == "改造道路"


def test_mixed_headers_take_their_first_part():
    grid = [
        ["序号", "目标任务及完成时限", "牵头领导及单位", "配合单位"],
        ["1", "新建幼儿园2所，8月底前完成", "周  平 区教育局", "区财政局"],
    ]
    got = items_from_grid(grid)
    assert got is not None
    item = got.items[0]
    assert "新建幼儿园2所" in item.text and item.officials == ["周平"]
    assert item.lead_departments == ["区教育局"] and item.departments == ["区教育局", "区财政局"]


def test_table_split_over_pages_reads_as_one():
    page1 = [["序号", "实事项目", "责任单位"], ["1", "新建学校2所", "区教育局"], ["2", "新增学位", "区教育局"]]
    page2 = [["", "1200个", ""], ["3", "新建公园4个", "区城管局"]]  # row 2 cut at the page break
    page3 = [["序号", "实事项目", "责任单位"], ["4", "改造道路6条", "区住建局"]]  # header repeated
    got = items_from_grids([page1, page2, page3])
    assert len(got) == 1
    items = got[0].items
    assert [it.seq for it in items] == [1, 2, 3, 4]
    assert "1200个" in items[1].text
