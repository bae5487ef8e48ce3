"""Every input has a size limit: file bytes, zip bombs, rows and cells, lines, PDF pages."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from kg.errors import TooLargeError
from kg.ingest.formats import limits
from kg.ingest.read import read_document


def _docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("东湖区2024年民生实事项目")
    d.save(path)
    return path


def _with_part(src: Path, dst: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr(name, data)
    return dst


def test_file_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    f = tmp_path / "big.txt"
    f.write_text("民生" * 1000, encoding="utf-8")
    with pytest.raises(TooLargeError, match="big.txt.*limit"):
        read_document(f)


def test_zip_bomb_by_ratio(tmp_path: Path):
    bomb = _with_part(_docx(tmp_path / "a.docx"), tmp_path / "bomb.docx", "word/media/zeros.bin", b"\0" * 5_000_000)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(TooLargeError, match="bomb.docx.*compressed"):
        read_document(bomb)


@pytest.mark.parametrize(("limit", "message"), [("MAX_PART_BYTES", "per part"), ("MAX_UNZIPPED_BYTES", "unpacks to")])
def test_zip_part_and_total(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, message: str):
    import os

    monkeypatch.setattr(limits, limit, 200_000)
    fat = _with_part(_docx(tmp_path / "a.docx"), tmp_path / "fat.docx", "word/media/noise.bin", os.urandom(300_000))
    with pytest.raises(TooLargeError, match=message):
        read_document(fat)


def test_xlsx_rows_and_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "项目内容", "责任单位"])
    for i in range(60):
        ws.append([i, f"项目{i}", "区民政局"])
    f = tmp_path / "rows.xlsx"
    wb.save(f)
    monkeypatch.setattr(limits, "MAX_ROWS", 50)
    with pytest.raises(TooLargeError, match="rows.xlsx.*table rows"):
        read_document(f)
    monkeypatch.setattr(limits, "MAX_ROWS", 500)
    monkeypatch.setattr(limits, "MAX_CELLS", 100)
    with pytest.raises(TooLargeError, match="table cells"):
        read_document(f)


def test_docx_paragraphs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(limits, "MAX_LINES", 0)
    with pytest.raises(TooLargeError, match="paragraphs"):
        read_document(_docx(tmp_path / "p.docx"))


def test_pdf_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from reportlab.pdfgen import canvas

    f = tmp_path / "pages.pdf"
    c = canvas.Canvas(str(f))
    for i in range(3):
        c.drawString(72, 720, f"page {i}")
        c.showPage()
    c.save()
    monkeypatch.setattr(limits, "MAX_PDF_PAGES", 2)
    with pytest.raises(TooLargeError, match="pages.pdf.*PDF pages"):
        read_document(f)
