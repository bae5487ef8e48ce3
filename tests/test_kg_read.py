"""Every supported format reads into the same items; unreadable input fails with a clear message."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest.fields import column_role
from kg.ingest.parse import parse_document
from kg.ingest.read import read_document
from tests.conftest import SEED_2025, SHIZHONG_2025

HEADER = ("序号", "民生实事内容", "牵头领导", "责任单位")
ROWS = [
    ("1", "新建、续建及改扩建中小学5所、幼儿园3所，新增学位8130个。", "张  源", "区教育体育局"),
    ("2", "新建大型综合养老机构2处，增加床位800张。", "张源", "区民政局\n区卫健局"),
    ("3", "举办文化活动100场。", "张同园、王  莹", "区文化和旅游局、济南中央商埠区发展促进中心"),
]
EXPECTED_ROWS = [
    (1, "新建、续建及改扩建中小学5所、幼儿园3所，新增学位8130个。", ["张源"], ["区教育体育局"]),
    (2, "新建大型综合养老机构2处，增加床位800张。", ["张源"], ["区民政局", "区卫健局"]),
    (3, "举办文化活动100场。", ["张同园", "王莹"], ["区文化和旅游局", "济南中央商埠区发展促进中心"]),
]
TITLE = "济南市市中区2024年民生实事项目清单"


def _items(path: Path):
    parsed = parse_document(read_document(path))
    return parsed, [(it.seq, it.text, it.officials, it.departments) for it in parsed.items]


def _seed_2025_items():
    return _items(SEED_2025)[1]


# -- text encodings -----------------------------------------------------------------------


def test_utf8_with_bom(tmp_path: Path):
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbf" + SEED_2025.read_bytes())
    parsed, items = _items(f)
    assert parsed.title == "2025年20件民生实事项目"  # no BOM glued to the title
    assert items == _seed_2025_items()


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_gbk_and_gb18030(tmp_path: Path, encoding: str):
    f = tmp_path / f"{encoding}.txt"
    f.write_bytes(SEED_2025.read_text(encoding="utf-8").encode(encoding))
    assert _items(f)[1] == _seed_2025_items()


def test_fullwidth_digits_and_punctuation(tmp_path: Path):
    f = tmp_path / "fw.txt"
    f.write_text("济南市市中区２０２５年民生实事项目清单\n"
                 "一、就业服务（１项）\n"
                 "１．新增城镇就业人口１．７６万人以上，就业率达到９０％。\n"
                 "牵头区领导：张　源\n"
                 "责任单位：区人社局，区民政局；区医保局\n", encoding="utf-8")
    parsed, items = _items(f)
    assert parsed.title == "济南市市中区2025年民生实事项目清单"
    assert items == [(1, "新增城镇就业人口1.76万人以上，就业率达到90%。", ["张源"], ["区人社局", "区民政局", "区医保局"])]
    assert parsed.items[0].category == "就业服务"


def test_markdown_headings_and_bullets(tmp_path: Path):
    f = tmp_path / "list.md"
    f.write_text("# 济南市市中区2025年民生实事项目清单\n\n## 一、教育服务（1项）\n\n"
                 "1. 新建中小学3所，新增学位５４００个。\n   - 牵头区领导：张  源\n   - 责任单位：区教体局\n\n"
                 "## 二、就业（1项）\n\n2. **新增城镇就业人口１．７６万人以上。**\n\n**责任单位**：区人社局\n",
                 encoding="utf-8")
    parsed, items = _items(f)
    assert parsed.title == "济南市市中区2025年民生实事项目清单"
    assert items == [(1, "新建中小学3所，新增学位5400个。", ["张源"], ["区教体局"]),
                     (2, "新增城镇就业人口1.76万人以上。", [], ["区人社局"])]
    assert [it.category for it in parsed.items] == ["教育服务", "就业"]


# -- office formats, generated here -------------------------------------------------------


def test_docx_table(tmp_path: Path):
    import docx

    document = docx.Document()
    document.add_paragraph(TITLE)
    table = document.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
    for row in ROWS:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    f = tmp_path / "table.docx"
    document.save(f)
    parsed, items = _items(f)
    assert parsed.layout == "table"
    assert parsed.title == TITLE
    assert items == EXPECTED_ROWS


def test_docx_table_with_merged_category_row(tmp_path: Path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
    heading = table.add_row().cells
    merged = heading[0].merge(heading[3])
    merged.text = "一、教育服务（1项）"
    for cell, text in zip(table.add_row().cells, ROWS[0], strict=True):
        cell.text = text
    f = tmp_path / "merged.docx"
    document.save(f)
    parsed, items = _items(f)
    assert items == EXPECTED_ROWS[:1]
    assert parsed.items[0].category == "教育服务"


def test_docx_paragraphs_layout_c(tmp_path: Path):
    import docx

    document = docx.Document()
    for line in SHIZHONG_2025.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    f = tmp_path / "grouped.docx"
    document.save(f)
    parsed, items = _items(f)
    assert parsed.layout == "grouped"
    assert parsed.title == "济南市市中区2025年民生实事项目清单"
    assert items == _items(SHIZHONG_2025)[1]
    assert len(items) == 6


def _write_csv(path: Path, rows: list[tuple[str, ...]], encoding: str = "utf-8") -> None:
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)


def test_csv_header(tmp_path: Path):
    f = tmp_path / "list.csv"
    _write_csv(f, [HEADER, *ROWS])
    parsed, items = _items(f)
    assert parsed.layout == "table"
    assert items == EXPECTED_ROWS


def test_csv_title_row_above_header_and_other_header_names(tmp_path: Path):
    f = tmp_path / "titled.csv"
    _write_csv(f, [(TITLE, "", "", "", ""), ("编号", "项目内容", "责任领导", "责任部门", "备注"),
                   *[(*r, "") for r in ROWS]], encoding="gbk")
    parsed, items = _items(f)
    assert parsed.title == TITLE
    assert items == EXPECTED_ROWS


def test_csv_bom_semicolons_in_text_and_tab_delimiter(tmp_path: Path):
    rows = [HEADER, ("1", "新建学校3所;新增学位5400个", "张源", "区教体局\n区妇联"),
            ("2", "新增床位50张; 建设食堂3处", "张源", "区民政局;区卫健局")]
    expected = [(1, "新建学校3所;新增学位5400个", ["张源"], ["区教体局", "区妇联"]),
                (2, "新增床位50张; 建设食堂3处", ["张源"], ["区民政局", "区卫健局"])]
    excel = tmp_path / "excel.csv"
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    excel.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    assert _items(excel)[1] == expected
    tabbed = tmp_path / "tabbed.csv"
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t").writerows(rows)
    tabbed.write_bytes(buf.getvalue().encode("gbk"))
    assert _items(tabbed)[1] == expected


def test_xlsx_merged_title_over_header(tmp_path: Path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["A1"] = TITLE
    ws.merge_cells("A1:D1")
    ws.append(HEADER)
    for seq, *rest in ROWS:
        ws.append([int(seq), *rest])
    f = tmp_path / "list.xlsx"
    wb.save(f)
    parsed, items = _items(f)
    assert parsed.layout == "table"
    assert parsed.title == TITLE
    assert items == EXPECTED_ROWS


def test_xlsx_vertically_merged_leader(tmp_path: Path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for seq, text, _, dep in ROWS[:2]:
        ws.append([int(seq), text, None, dep])
    ws["C2"] = "张源"
    ws.merge_cells("C2:C3")
    f = tmp_path / "vmerge.xlsx"
    wb.save(f)
    assert [it.officials for it in parse_document(read_document(f)).items] == [["张源"], ["张源"]]


def test_html_table(tmp_path: Path):
    body = "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td><td>{d.replace(chr(10), '<br>')}</td></tr>"
                   for a, b, c, d in ROWS)
    f = tmp_path / "table.html"
    f.write_text(f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><h1>{TITLE}</h1>"
                 f"<table><tr>{''.join(f'<th>{h}</th>' for h in HEADER)}</tr>{body}</table></body></html>",
                 encoding="utf-8")
    parsed, items = _items(f)
    assert parsed.layout == "table"
    assert parsed.title == TITLE
    assert items == EXPECTED_ROWS


def test_html_ordered_list(tmp_path: Path):
    f = tmp_path / "ol.html"
    f.write_text("<html><body><h2>济南市章丘区2025年民生实事项目</h2><ol>"
                 "<li>开展促进高质量充分就业行动。全年实现新增城镇就业7600人。（区人社局）</li>"
                 "<li><b>实施公共停车场（位）建设。</b>计划新增750个停车场泊位。（区住建局、交警大队）</li>"
                 "</ol></body></html>", encoding="utf-8")
    parsed, items = _items(f)
    assert parsed.title == "济南市章丘区2025年民生实事项目"
    assert items == [(1, "开展促进高质量充分就业行动。全年实现新增城镇就业7600人。", [], ["区人社局"]),
                     (2, "实施公共停车场（位）建设。计划新增750个停车场泊位。", [], ["区住建局", "交警大队"])]


def test_html_paragraphs(tmp_path: Path):
    f = tmp_path / "p.html"
    f.write_text("<html><body><p><strong>济南市章丘区2025年民生实事项目</strong></p>"
                 "<p><strong>一、</strong>开展促进高质量充分就业行动。全年实现新增城镇就业7600人。（区人社局）</p>"
                 "<p>二、优化调整公交线路。优化调整3路等5条公交线路。<br>（区城乡交运局）</p>"
                 "<script>var x = '三、不是实事';</script></body></html>", encoding="utf-8")
    parsed, items = _items(f)
    assert parsed.title == "济南市章丘区2025年民生实事项目"
    assert items == [(1, "开展促进高质量充分就业行动。全年实现新增城镇就业7600人。", [], ["区人社局"]),
                     (2, "优化调整公交线路。优化调整3路等5条公交线路。", [], ["区城乡交运局"])]


def test_column_roles():
    assert [column_role(h) for h in HEADER] == ["seq", "text", "officials", "departments"]
    assert column_role("牵头区领导") == "officials"
    assert column_role("民生实事\n内容") == "text"
    assert column_role(TITLE) is None  # a title containing 实事项目 is not a text column
    assert column_role("备注") == "remark"
    assert column_role("配合单位") == "supporting"


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\n ", "empty"),
    ("binary.txt", bytes(range(256)) * 8, "binary"),
    ("noise.txt", b"\x01\x02\x03\x04\x05\x06\x07\x08" * 64, "binary"),
    ("list.pdf", b"%PDF-1.4 whatever", "not a readable PDF"),
    ("list.doc", b"\xd0\xcf\x11\xe0 old word", "save it as .docx"),
    ("list.wps", b"whatever", "save it as .docx"),
    ("list.odt", b"whatever", "unsupported file type .odt"),
    ("broken.xls", b"not an xls", "not a readable .xls"),
    ("broken.xlsx", b"this is not a zip file at all", "not a readable .xlsx"),
    ("broken.docx", b"PK\x03\x04 garbage", "not a readable .docx"),
    ("noheader.csv", "甲,乙,丙\n1,2,3\n".encode(), "expected a header row"),
])
def test_unreadable_input(tmp_path: Path, name: str, data: bytes, message: str):
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(InputError) as info:
        parse_document(read_document(f))
    text = str(info.value)
    assert str(f) in text and message in text and "expected" in text
    assert "\n" not in text


def test_missing_file(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        read_document(tmp_path / "nope.txt")
