"""Benchmark reading files of every format: prints figures, asserts nothing.

Usage: python scripts/bench_read.py [--rows N] [--repeat R]

For each format it writes one list of N items (a 9-column table of realistic cell lengths, or
numbered paragraphs for text), reads it R times with `read_document`, and prints the file
size, the best time per read, rows per second and MB per second. Also: place-and-year
detection on the text read, a 2 MB HTML page of nested <div>s (linear, not quadratic) and the
gazetteer's first load.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from kg.ingest.place import identify_place_and_year
from kg.ingest.read import read_document

HEADER = ["序号", "类别", "项目名称", "建设内容", "牵头区领导", "牵头单位", "配合单位", "完成时限", "备注"]


def _row(i: int) -> list[str]:
    return [str(i), "民生保障", f"第{i}号民生实事项目", f"新建社区养老服务中心{i % 9 + 1}处，新增养老床位{100 + i}张，"
            f"为{i * 10}户困难老年人家庭实施适老化改造，全年服务老年人{i}万人次。", "王  莹", "区民政局",
            "区卫健局、区医保局、各街道", "12月底前", ""]


def make_txt(path: Path, n: int) -> None:
    lines = ["东湖区2024年民生实事项目"] + [f"{i}. {_row(i)[3]}（牵头单位：区民政局；配合单位：区卫健局）" for i in range(1, n + 1)]
    path.write_bytes("\r\n".join(lines).encode("gbk"))


def make_csv(path: Path, n: int) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows([HEADER] + [_row(i) for i in range(1, n + 1)])


def make_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i in range(1, n + 1):
        ws.append(_row(i))
    wb.save(path)


def make_xls(path: Path, n: int) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("list")
    for r, row in enumerate([HEADER] + [_row(i) for i in range(1, n + 1)]):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    wb.save(str(path))


def make_docx(path: Path, n: int) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("东湖区2024年民生实事项目")
    table = d.add_table(rows=n + 1, cols=len(HEADER))
    for r, row in enumerate([HEADER] + [_row(i) for i in range(1, n + 1)]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.save(path)


def make_html(path: Path, n: int) -> None:
    rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in _row(i)) + "</tr>" for i in range(1, n + 1))
    chrome = "<div class='nav'>" + "".join(f"<a href='/{i}'>栏目{i}</a>" for i in range(40)) + "</div>"
    path.write_text(f"<html><head><meta charset='utf-8'><title>东湖区2024年民生实事项目_东湖区人民政府</title></head><body>"
                    f"{chrome}<div id='zoom'><p>经区人大审议，确定2024年民生实事项目如下。</p><table>"
                    f"<tr>{''.join(f'<th>{h}</th>' for h in HEADER)}</tr>{rows}</table></div>"
                    f"<div class='footer'>ICP备12345678号</div></body></html>", encoding="utf-8")


def make_pdf(path: Path, n: int) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=8, leading=11, wordWrap="CJK")
    data = [[Paragraph(c, style) for c in row] for row in [HEADER] + [_row(i) for i in range(1, n + 1)]]
    table = Table(data, colWidths=[28, 50, 80, 250, 50, 55, 90, 50, 30], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    SimpleDocTemplate(str(path), pagesize=landscape(A4)).build([Paragraph("东湖区2024年民生实事项目", style), table])


MAKERS = {".txt": make_txt, ".csv": make_csv, ".xlsx": make_xlsx, ".xls": make_xls, ".docx": make_docx,
          ".html": make_html, ".pdf": make_pdf}


def best_of(repeat: int, fn, *args):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60, help="items per document (a real list has 10-60)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        from kg.vocab.places import resolve_jurisdiction

        resolve_jurisdiction("330213")
        print(f"gazetteer first load (3,400 divisions): {1000 * (time.perf_counter() - start):.0f} ms")
        print(f"\nreading one list of {args.rows} items, best of {args.repeat}:")
        print(f"{'format':<7} {'size KB':>8} {'ms/read':>9} {'rows/s':>9} {'MB/s':>7} {'place+year ms':>14}")
        for suffix, make in MAKERS.items():
            path = Path(tmp) / f"list{suffix}"
            make(path, args.rows)
            seconds, raw = best_of(args.repeat, read_document, path)
            place_s, _ = best_of(args.repeat, identify_place_and_year, raw)
            size = path.stat().st_size
            print(f"{suffix:<7} {size / 1024:8.1f} {1000 * seconds:9.1f} {args.rows / seconds:9.0f} "
                  f"{size / 1e6 / seconds:7.2f} {1000 * place_s:14.1f}")
        deep = Path(tmp) / "deep.html"
        depth = 400
        unit = "<div>" * depth + "<p>一段文字。</p>" + "</div>" * depth
        deep.write_text("<html><body>" + unit * (2_000_000 // len(unit)) + "</body></html>", encoding="utf-8")
        seconds, raw = best_of(1, read_document, deep)
        print(f"\n2 MB HTML of <div>s nested {depth} deep: {1000 * seconds:.0f} ms ({len(raw.lines)} lines)")


if __name__ == "__main__":
    main()
