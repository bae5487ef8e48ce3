"""Read a document file of any supported format into lines or table rows.

Every format ends up as a `RawDocument`: either running lines (txt, md, docx paragraphs,
html text) or table rows keyed by column role (docx/html tables, csv, xlsx), so the
layout parser in `kg.ingest.parse` does not care where the text came from.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError
from kg.ingest.fields import column_role
from kg.text import normalize_text

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".csv", ".xlsx", ".html", ".htm")
_MAX_HEADER_LEN = 12
_NUMBERED_RE = re.compile(r"^\s*(?:\d{1,3}|[一二三四五六七八九十]+)\s*[、.．]|^\s*[（(]")

@dataclass
class RawDocument:
    """The text of one file before layout parsing."""

    path: Path
    data: bytes
    lines: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    title_lines: list[str] = field(default_factory=list)
    kind: str = "text"  # text | table
    # Tables as grids of cell text in document order (docx/html/xlsx/csv/pdf), header rows
    # included; `kg.ingest.rows.items_from_grid` finds the header and the items.
    grids: list[list[list[str]]] = field(default_factory=list)


def rows_from_table(table: list[list[str]], path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Find the header row of a table and key the rows below it by column role.

    Rows above the header are returned as title lines (spreadsheets often carry the
    list's title in a merged first row).
    """
    best: tuple[int, int, list[str | None]] | None = None
    for i, header in enumerate(table[:10]):
        roles = [column_role(c) for c in header]
        score = len({r for r in roles if r})
        # The header is the row naming most roles; it must name the item's text or title.
        if ("text" in roles or "title" in roles) and (best is None or score > best[0]):
            best = (score, i, roles)
    if best is None:
        raise InputError(f"{path}: expected a header row with 序号/民生实事内容/牵头领导/责任单位 columns")
    _, h, roles = best
    titles = list(dict.fromkeys(c.strip() for row in table[:h] for c in row if c and c.strip()))
    rows = []
    for raw in table[h + 1:]:
        row: dict[str, str] = {}
        for role, cell in zip(roles, raw, strict=False):
            if role and cell and cell.strip():
                row[role] = (row[role] + "\n" + cell) if role in row else cell
        if any(v.strip() for v in raw if v):
            row.setdefault("_all", " ".join(c for c in raw if c))
            rows.append(row)
    return titles, rows


def decode_text(data: bytes, path: Path) -> str:
    """Decode bytes as UTF-8 (with or without BOM) or GB18030/GBK; refuse binary data."""
    if not data.strip():
        raise InputError(f"{path}: file is empty; expected a 民生实事 list")
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: looks like a binary file; expected text (UTF-8 or GB18030)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # GB18030 decodes almost any byte soup; control characters betray binary data.
        controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
        if controls > max(2, len(text[:4096]) // 100):
            raise InputError(f"{path}: looks like a binary file; expected text (UTF-8 or GB18030)")
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{path}: cannot detect the text encoding; expected UTF-8 or GB18030")
    return str(best)


def _read_text(raw: RawDocument) -> None:
    text = normalize_text(decode_text(raw.data, raw.path))
    raw.lines = text.split("\n")


def _read_csv(raw: RawDocument) -> None:
    text = normalize_text(decode_text(raw.data, raw.path))
    try:
        delimiters = [csv.Sniffer().sniff(text[:2048], delimiters=",\t;").delimiter]
    except csv.Error:
        delimiters = []
    # The sniffer guesses from a sample and can be fooled by ";" in the text; the right
    # delimiter is the one under which a header row appears.
    for delimiter in dict.fromkeys([*delimiters, ",", "\t", ";"]):
        table = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
        try:
            raw.title_lines, raw.rows = rows_from_table(table, raw.path)
        except InputError:
            continue
        raw.kind = "table"
        return
    raise InputError(f"{raw.path}: expected a header row with 序号/民生实事内容/牵头领导/责任单位 columns")


def _read_xlsx(raw: RawDocument) -> None:
    from openpyxl import load_workbook

    try:
        # Not read_only: merged ranges are only visible in a fully loaded sheet.
        wb = load_workbook(io.BytesIO(raw.data), data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken zip
        raise InputError(f"{raw.path}: not a readable .xlsx workbook ({type(exc).__name__}); expected an Excel 2007+ spreadsheet") from None
    ws = wb.worksheets[0]
    table = [["" if v is None else normalize_text(str(v)) for v in row] for row in ws.iter_rows(values_only=True)]
    # A leader or unit merged over several rows belongs to each of them, as in a docx table.
    for rng in ws.merged_cells.ranges:
        top = table[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row - 1, rng.max_row):
            for c in range(rng.min_col - 1, rng.max_col):
                table[r][c] = top
    wb.close()
    raw.title_lines, raw.rows = rows_from_table(table, raw.path)
    raw.kind = "table"


def _read_docx(raw: RawDocument) -> None:
    import docx

    try:
        document = docx.Document(io.BytesIO(raw.data))
    except Exception as exc:  # python-docx raises zip/xml errors of several types
        raise InputError(f"{raw.path}: not a readable .docx document ({type(exc).__name__}); expected a Word 2007+ document") from None
    lines = [normalize_text(p.text) for p in document.paragraphs]
    for table in document.tables:
        cells = [[normalize_text(c.text) for c in row.cells] for row in table.rows]
        try:
            titles, rows = rows_from_table(cells, raw.path)
        except InputError:
            lines.extend("\n".join(dict.fromkeys(r)) for r in cells)  # a layout table, not a list
            continue
        raw.rows.extend(rows)
        raw.kind = "table"
    raw.lines = [seg for line in lines for seg in line.split("\n")]
    raw.title_lines = [ln for ln in raw.lines if ln.strip()][:3] if raw.kind == "table" else []


_HTML_BLOCKS = ["p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "br"]


def _read_html(raw: RawDocument) -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(raw.data, raw.path), "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    titles = [normalize_text(t.get_text(" ", strip=True)) for t in soup.find_all(["title", "h1", "h2"])]
    for table in soup.find_all("table"):
        cells = [
            [normalize_text(c.get_text("\n", strip=True)) for c in tr.find_all(["td", "th"])]
            for tr in table.find_all("tr")
        ]
        try:
            _, rows = rows_from_table(cells, raw.path)
        except InputError:
            continue
        raw.rows.extend(rows)
        raw.kind = "table"
        table.decompose()
    # An <ol> numbers its items only when rendered; the parser needs the numbers in the text.
    for ol in soup.find_all("ol"):
        for i, li in enumerate(ol.find_all("li", recursive=False), 1):
            if not _NUMBERED_RE.match(li.get_text(strip=True)):
                li.insert(0, f"{i}. ")
    # Break lines at block ends only, so <p><b>一、</b>标题</p> stays one line.
    for tag in soup.find_all(_HTML_BLOCKS):
        if tag.name == "br":
            tag.replace_with("\n")
        else:
            tag.append("\n")
    body = soup.body or soup
    text = normalize_text(body.get_text(""))
    raw.lines = [re.sub(r"[ \t]+$", "", ln) for ln in text.split("\n")]
    raw.title_lines = [t for t in titles if t]


_READERS = {
    ".txt": _read_text, ".md": _read_text, ".csv": _read_csv, ".xlsx": _read_xlsx,
    ".docx": _read_docx, ".html": _read_html, ".htm": _read_html,
}


def read_document(path: Path) -> RawDocument:
    """Read one file; raise InputError naming the file for anything unreadable."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise InputError(f"{path}: unsupported file type {suffix or '(none)'}; expected one of {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or type(exc).__name__}); expected a readable document") from None
    if not data.strip():
        raise InputError(f"{path}: file is empty; expected a 民生实事 list")
    raw = RawDocument(path=path, data=data)
    _READERS[suffix](raw)
    return raw
