"""PDF files with a text layer, through pdfplumber.

Ruled tables become grids (a table continued on the next page is joined to it, a repeated
header row dropped); the text outside tables becomes lines, with lines wrapped by the page
width joined back into paragraphs. Running headers, footers and page numbers (text repeated at
the top or bottom of most pages, "- 3 -", "第3页 共9页") are dropped. A PDF without a text layer
(a scan) is refused: it needs OCR first.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from functools import partial
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.ingest.formats import limits
from kg.ingest.formats.limits import TableBudget, check_count
from kg.text import normalize_text

if TYPE_CHECKING:
    from kg.ingest.read import RawDocument

_PAGE_NO_RE = re.compile(r"^(?:[-—–·\s]*\d{1,4}[-—–·\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|"
                         r"[Pp]age\s*\d+(?:\s*of\s*\d+)?)$")
_NUMBERED_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d{1,3}\s*[、.．]|[①-⑳]|第[一二三四五六七八九十\d]+)")
_COMPLETE_END_RE = re.compile(r"[。；;：:！？!?）)」』”局委办室中心会队院所站司团道镇乡村区县市组处科部]$")
_EDGE_LINES = 2  # lines at the top and bottom of a page that may be running headers/footers


def _inside(obj: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _join_cell(text: str | None) -> str:
    """Cell text with the page's line wraps undone; deliberate breaks (one unit per line) kept."""
    if not text:
        return ""
    parts = [p.strip() for p in normalize_text(text).split("\n") if p.strip()]
    if len(parts) < 2:
        return parts[0] if parts else ""
    longest = max(len(p) for p in parts)
    out = [parts[0]]
    for prev, part in zip(parts, parts[1:], strict=False):
        wrapped = len(prev) >= longest - 1 and not _COMPLETE_END_RE.search(prev)
        out[-1:] = [out[-1] + part] if wrapped else [out[-1], part]
    return "\n".join(out)


def _not_tabled(obj: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    """Keep every object but the characters inside a table (the table's grid carries them)."""
    return obj.get("object_type") != "char" or not _inside(obj, boxes)


def _text_lines(page) -> list[tuple[str, float, float, float]]:  # noqa: ANN001 - a pdfplumber page
    """(text, top, left edge, right edge) of each text line; a wide gap between words becomes a tab.

    A table drawn without rules is columns of words with wide gaps; as tab-separated lines it is
    a table saved as text, which kg.ingest.tables recovers.
    """
    words = page.extract_words(x_tolerance=1.5, y_tolerance=3, keep_blank_chars=True, extra_attrs=["size"])
    words.sort(key=lambda w: (w["top"], w["x0"]))
    rows: list[list[dict]] = []
    for w in words:
        if rows and w["top"] - rows[-1][0]["top"] <= 0.5 * max(w["size"], 1.0):
            rows[-1].append(w)
        else:
            rows.append([w])
    out = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        parts = [row[0]["text"]]
        for prev, w in zip(row, row[1:], strict=False):
            gap = w["x0"] - prev["x1"]
            size = max(w["size"], 1.0)
            parts.append("\t" if gap > 2 * size else " " if gap > 0.3 * size else "")
            parts.append(w["text"])
        text = normalize_text("".join(parts)).strip()
        if text:
            out.append((text, row[0]["top"], row[0]["x0"], row[-1]["x1"]))
    return out


def _table_grid(table) -> list[list[str]]:  # noqa: ANN001 - a pdfplumber Table
    """Cells of a ruled table; a merged cell's text repeated over the grid cells it covers (as
    the .docx and .html readers do), found from the cell boxes pdfplumber reports."""
    texts = table.extract()
    boxes = [row.cells for row in table.rows]
    col_x: dict[int, float] = {}
    for row in boxes:
        for c, box in enumerate(row):
            if box is not None and c not in col_x:
                col_x[c] = (box[0] + box[2]) / 2
    grid: list[list[str]] = []
    for r, row in enumerate(texts):
        grid.append([_join_cell(cell) if cell is not None else "" for cell in row])
        row_y = (table.rows[r].bbox[1] + table.rows[r].bbox[3]) / 2
        for c, cell in enumerate(row):
            if cell is not None or boxes[r][c] is not None or c not in col_x:
                continue
            x = col_x[c]
            # The covering cell is the nearest real cell above (a vertical merge) or to the left.
            above = next(((rr, boxes[rr][c]) for rr in range(r - 1, -1, -1) if boxes[rr][c] is not None), None)
            left = next(((cc, boxes[r][cc]) for cc in range(c - 1, -1, -1) if boxes[r][cc] is not None), None)
            if above and above[1][1] <= row_y <= above[1][3]:
                grid[r][c] = grid[above[0]][c]
            elif left and left[1][0] <= x <= left[1][2]:
                grid[r][c] = grid[r][left[0]]
    return grid


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", line.replace(" ", ""))


def read_pdf(raw: RawDocument) -> None:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(raw.data))
        pages = pdf.pages
    except Exception as exc:  # pdfminer raises PDFSyntaxError, PSEOF, struct errors…
        raise InputError(f"{raw.path}: not a readable PDF ({type(exc).__name__}); expected a PDF document") from None
    budget = TableBudget(raw.path)
    try:
        check_count(raw.path, "PDF pages", len(pages), limits.MAX_PDF_PAGES)
        page_lines: list[list[tuple[str, float, float, float]]] = []  # text, top, x0, x1
        page_tables: list[list[tuple[float, list[list[str]]]]] = []  # top, grid
        chars = cid_chars = 0
        for page in pages:
            tables = page.find_tables()
            boxes = [t.bbox for t in tables]
            grids = []
            for t in tables:
                grid = [r for r in _table_grid(t) if any(r)]
                budget.add(len(grid), sum(len(r) for r in grid))
                if grid:
                    grids.append((t.bbox[1], grid))
            outside = page.filter(partial(_not_tabled, boxes=boxes)) if boxes else page
            lines = _text_lines(outside)
            cid_chars += sum(ln[0].count("(cid:") for ln in lines)
            chars += sum(len(ln[0]) for ln in lines) + sum(len(c) for _, g in grids for r in g for c in r)
            page_lines.append(lines)
            page_tables.append(grids)
        if cid_chars > max(10, chars // 4):
            raise InputError(f"{raw.path}: the PDF's text layer cannot be decoded (fonts without a Unicode map); "
                             "it needs OCR first, expected a PDF with selectable text")
        if chars < 10:
            raise InputError(f"{raw.path}: the PDF has no text layer (a scanned image?); it needs OCR first, "
                             "expected a PDF with selectable text")
    finally:
        pdf.close()

    # Running headers and footers: the same line (digits aside) at a page edge on most pages.
    edge_counts: Counter[str] = Counter()
    for lines in page_lines:
        edges = {_shape(t) for t, *_ in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]}
        edge_counts.update(edges)
    repeated = {s for s, n in edge_counts.items() if len(page_lines) >= 2 and n >= max(2, len(page_lines) // 2 + 1)}

    out: list[str] = []
    for lines, grids in zip(page_lines, page_tables, strict=True):
        kept = [ln for i, ln in enumerate(lines)
                if not _PAGE_NO_RE.match(ln[0])
                and not ((i < _EDGE_LINES or i >= len(lines) - _EDGE_LINES) and _shape(ln[0]) in repeated)]
        right = max((x1 for *_, x1 in kept), default=0.0)
        left = min((x0 for _, _, x0, _ in kept), default=0.0)
        # Pages that indent a paragraph's first line say where paragraphs start; others only
        # end them with 。；：
        indents = any(x0 > left + 6 and len(t) > 10 for t, _, x0, _ in kept)
        # Lines (kind 0) and tables (kind 1) in reading order, each by its index in kept / grids.
        blocks = sorted([(ln[1], 0, i) for i, ln in enumerate(kept)] + [(top, 1, i) for i, (top, _) in enumerate(grids)],
                        key=lambda b: (b[0], b[1]))
        prev_line: tuple[str, float, float, float] | None = None
        for n, (_top, kind, index) in enumerate(blocks):
            if kind == 1:
                grid = grids[index][1]
                last = raw.grids[-1] if raw.grids else None
                # A table continued from the previous page: nothing between them, same columns.
                if n == 0 and last is not None and raw.grid_at[-1] == len(out) and len(grid[0]) == len(last[0]):
                    last.extend(grid[1:] if grid[0] == last[0] else grid)
                else:
                    raw.grids.append(grid)
                    raw.grid_at.append(len(out))
                prev_line = None
                continue
            value = kept[index]
            text = value[0]
            # A line that ran to the right margin was wrapped by the page, unless the next one
            # is indented, numbered, or a row of an unruled table (tab-separated).
            wrapped = prev_line is not None and out and prev_line[3] >= right - 12 and not _NUMBERED_RE.match(text) \
                and "\t" not in prev_line[0] and "\t" not in text \
                and (value[2] <= left + 6 if indents else not _COMPLETE_END_RE.search(prev_line[0][-1:]))
            if wrapped:
                out[-1] += text
            else:
                out.append(text)
            prev_line = value
    raw.lines = out
