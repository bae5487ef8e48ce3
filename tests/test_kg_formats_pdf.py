"""PDF: text layer with tables, running headers and page numbers, scans refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest.read import read_document

HEADER = ["序号", "项目名称", "责任单位"]


def _pdf(path: Path, story_rows: int = 3, *, pages: int = 1, scanned: bool = False) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    # A CID font the PDF names but does not embed: no font file is needed to write or read it.
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=10.5, leading=15, wordWrap="CJK")

    def header_footer(canvas, doc):  # noqa: ANN001, ANN202
        canvas.setFont("STSong-Light", 9)
        canvas.drawString(72, A4[1] - 40, "某某区人民政府办公室文件")
        canvas.drawCentredString(A4[0] / 2, 30, f"- {doc.page} -")

    if scanned:
        from reportlab.pdfgen import canvas as pdfcanvas

        c = pdfcanvas.Canvas(str(path), pagesize=A4)
        c.rect(50, 50, 400, 600, fill=1)  # an image-like page with no text
        c.showPage()
        c.save()
        return path
    story = [Paragraph("东湖区2024年民生实事项目清单", style),
             Paragraph("经区人大常委会审议，确定2024年民生实事项目如下，请各责任单位认真组织实施，确保按期完成各项目标任务，"
                       "并于每季度末报送项目进展情况。", style)]
    for page in range(pages):
        rows = [HEADER] + [[str(page * story_rows + i + 1), f"新建社区食堂{i + 1}处，服务老年人{100 * (i + 1)}人次",
                            "区民政局\n区卫健局"] for i in range(story_rows)]
        table = Table([[Paragraph(c.replace("\n", "<br/>"), style) for c in r] for r in rows], colWidths=[40, 260, 120])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
        story.append(table)
        if page < pages - 1:
            story.append(PageBreak())
    story.append(Paragraph("东湖区人民政府办公室", style))
    SimpleDocTemplate(str(path), pagesize=A4).build(story, onFirstPage=header_footer, onLaterPages=header_footer)
    return path


def test_text_and_table(tmp_path: Path):
    raw = read_document(_pdf(tmp_path / "list.pdf", pages=2))
    assert raw.lines[0] == "东湖区2024年民生实事项目清单"
    # A paragraph wrapped by the page width is one line again.
    assert any(ln.startswith("经区人大常委会审议") and ln.endswith("报送项目进展情况。") for ln in raw.lines)
    assert len(raw.grids) == 1
    grid = raw.grids[0]
    assert grid[0] == HEADER
    assert grid[1] == ["1", "新建社区食堂1处，服务老年人100人次", "区民政局\n区卫健局"]
    # Running header and page number are page chrome, not text.
    assert not any("某某区人民政府办公室文件" in ln or ln.strip("- ").isdigit() for ln in raw.lines)
    # Legacy rows for today's parser.
    assert raw.kind == "table" and len(raw.rows) == 6
    assert raw.lines[-1] == "东湖区人民政府办公室"


def test_table_continued_over_pages_is_one_grid(tmp_path: Path):
    raw = read_document(_pdf(tmp_path / "long.pdf", story_rows=2, pages=3))
    assert len(raw.grids) == 1
    assert [r[0] for r in raw.grids[0]] == ["序号", "1", "2", "3", "4", "5", "6"]  # repeated headers dropped


def test_scan_without_text_layer_needs_ocr(tmp_path: Path):
    with pytest.raises(InputError, match="needs OCR first") as info:
        read_document(_pdf(tmp_path / "scan.pdf", scanned=True))
    assert "scan.pdf" in str(info.value)


def test_table_without_rules_becomes_tab_separated_lines(tmp_path: Path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    f = tmp_path / "unruled.pdf"
    c = canvas.Canvas(str(f))
    c.setFont("STSong-Light", 11)
    c.drawString(72, 780, "东湖区2024年民生实事项目")
    rows = [("序号", "项目内容", "责任单位"), ("1", "新建社区食堂3处", "区民政局"), ("2", "新增养老床位200张", "区卫健局")]
    for r, row in enumerate(rows):
        for x, cell in zip((72, 130, 360), row, strict=True):
            c.drawString(x, 740 - 22 * r, cell)
    c.save()
    raw = read_document(f)
    assert raw.grids == []
    assert raw.lines == ["东湖区2024年民生实事项目", "序号\t项目内容\t责任单位", "1\t新建社区食堂3处\t区民政局",
                         "2\t新增养老床位200张\t区卫健局"]


def test_merged_cells_repeated(tmp_path: Path):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    data = [["序号", "项目", "牵头领导", "责任单位"], ["1", "项目一", "王莹", "区民政局"], ["2", "项目二", "", "区卫健局"],
            ["一、其他", "", "", ""], ["3", "项目三", "张源", "区教育局"]]
    table = Table(data)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONT", (0, 0), (-1, -1), "STSong-Light"),
                               ("SPAN", (2, 1), (2, 2)), ("SPAN", (0, 3), (3, 3))]))
    f = tmp_path / "merged.pdf"
    SimpleDocTemplate(str(f), pagesize=A4).build([table])
    assert read_document(f).grids == [[["序号", "项目", "牵头领导", "责任单位"], ["1", "项目一", "王莹", "区民政局"],
                                        ["2", "项目二", "王莹", "区卫健局"], ["一、其他"] * 4, ["3", "项目三", "张源", "区教育局"]]]
