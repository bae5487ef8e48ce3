"""Word and spreadsheet formats: document order, merged cells, every sheet, .xls."""

from __future__ import annotations

from pathlib import Path

from kg.ingest.read import read_document


def test_docx_paragraphs_and_tables_in_order_with_merged_cells(tmp_path: Path):
    import docx

    d = docx.Document()
    d.add_paragraph("东湖区2024年民生实事项目")
    d.add_paragraph("一、教育")
    t = d.add_table(rows=4, cols=4)
    for cell, text in zip(t.rows[0].cells, ["序号", "项目", "牵头领导", "责任单位"], strict=True):
        cell.text = text
    for i in (1, 2, 3):
        t.rows[i].cells[0].text = str(i)
        t.rows[i].cells[1].text = f"项目{i}"
    t.cell(1, 2).merge(t.cell(3, 2)).text = "王  莹"  # vMerge over three rows
    t.cell(1, 3).merge(t.cell(2, 3)).text = "区教育局"
    t.rows[3].cells[3].text = "区卫健局"
    d.add_paragraph("二、其他")
    banner = d.add_table(rows=1, cols=3)
    banner.cell(0, 0).merge(banner.cell(0, 2)).text = "附件说明"  # gridSpan over three columns
    f = tmp_path / "merged.docx"
    d.save(f)
    raw = read_document(f)
    # A one-row table is a text box: its text joins the running text in place.
    assert raw.lines == ["东湖区2024年民生实事项目", "一、教育", "二、其他", "附件说明"]
    assert raw.grid_at == [2]  # the table sits after 一、教育
    assert raw.grids[0] == [["序号", "项目", "牵头领导", "责任单位"],
                            ["1", "项目1", "王  莹", "区教育局"],
                            ["2", "项目2", "王  莹", "区教育局"],
                            ["3", "项目3", "王  莹", "区卫健局"]]
    assert len(raw.grids) == 1


def test_xlsx_every_sheet(tmp_path: Path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "项目内容", "责任单位"])
    ws.append([1, "新建食堂3处", "区民政局"])
    second = wb.create_sheet("续表")
    second.append(["序号", "项目内容", "责任单位"])
    second.append([2.0, "新增床位50张", "区卫健局"])
    f = tmp_path / "two.xlsx"
    wb.save(f)
    raw = read_document(f)
    assert [g[1] for g in raw.grids] == [["1", "新建食堂3处", "区民政局"], ["2", "新增床位50张", "区卫健局"]]


def test_xls_with_merged_cells(tmp_path: Path):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("清单")
    ws.write_merge(0, 0, 0, 3, "东湖区2024年民生实事项目")
    for c, h in enumerate(["序号", "项目内容", "牵头领导", "责任单位"]):
        ws.write(1, c, h)
    for r, (seq, text) in enumerate([(1, "新建食堂3处"), (2, "新增床位50张")], start=2):
        ws.write(r, 0, seq)
        ws.write(r, 1, text)
        ws.write(r, 3, "区民政局")
    ws.write_merge(2, 3, 2, 2, "张源")
    f = tmp_path / "old.xls"
    wb.save(str(f))
    raw = read_document(f)
    grid = raw.grids[0]
    assert grid[0] == ["东湖区2024年民生实事项目"] * 4
    assert grid[2] == ["1", "新建食堂3处", "张源", "区民政局"]
    assert grid[3] == ["2", "新增床位50张", "张源", "区民政局"]
    assert raw.kind == "table" and [r["officials"] for r in raw.rows] == ["张源", "张源"]


def test_docx_automatic_numbering_is_in_the_text(tmp_path: Path):
    import docx

    d = docx.Document()
    d.add_paragraph("东湖区2024年民生实事项目")
    for text in ("新建食堂3处。", "5万人次受益。"):
        d.add_paragraph(text, style="List Number")
    f = tmp_path / "numbered.docx"
    d.save(f)
    assert read_document(f).lines == ["东湖区2024年民生实事项目", "1. 新建食堂3处。", "2. 5万人次受益。"]


def test_chinese_numbering_formats():
    from lxml import etree

    from kg.ingest.formats.docx_numbering import Numbering

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    numbering = etree.fromstring(
        f'<w:numbering xmlns:w="{w}"><w:abstractNum w:abstractNumId="0">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%3"/></w:lvl>'
        '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>')

    def para(level: int):  # noqa: ANN202
        return etree.fromstring(f'<w:p xmlns:w="{w}"><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/>'
                                '</w:numPr></w:pPr></w:p>')

    n = Numbering(numbering)
    levels = [0, 1, 1, 2, 2, 0, 1] + [0] * 9
    labels = [n.label(para(level)) for level in levels]
    assert labels[:7] == ["一、", "（一）", "（二）", "①", "②", "二、", "（一）"]
    assert labels[-1] == "十一、"
