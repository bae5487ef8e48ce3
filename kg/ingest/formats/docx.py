"""Word 2007+ documents (.docx): paragraphs and tables in document order.

Tables are read from the XML so merged cells come out as Word shows them: a horizontal span
(gridSpan) and a vertical merge (vMerge) repeat the merged cell's text in every grid cell it
covers, which is what "a merged 牵头单位 applies to each row" needs. One pass over the XML, so
a large table costs linear time (python-docx's row.cells recomputes the table per row).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.ingest.formats import limits
from kg.ingest.formats.docx_numbering import Numbering
from kg.ingest.formats.limits import TableBudget, check_count, check_zip
from kg.text import normalize_text

if TYPE_CHECKING:
    from kg.ingest.read import RawDocument

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_T, _TAB, _BR, _CR, _NOBREAK_HYPHEN = f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen"


def _para_text(p) -> str:  # noqa: ANN001 - an lxml element
    """A paragraph's text from its runs: w:t, tabs and breaks (what python-docx's .text gives, faster)."""
    parts: list[str] = []
    for el in p.iter(_T, _TAB, _BR, _CR, _NOBREAK_HYPHEN):
        if el.tag == _T:
            parts.append(el.text or "")
        elif el.tag == _TAB:
            parts.append("\t")
        elif el.tag == _NOBREAK_HYPHEN:
            parts.append("-")
        elif el.tag == _CR or el.get(f"{_W}type") in (None, "textWrapping"):
            parts.append("\n")
    return normalize_text("".join(parts))


def _cell_text(tc) -> str:  # noqa: ANN001
    return "\n".join(t for t in (_para_text(p) for p in tc.iter(f"{_W}p")) if t.strip()).strip()


def _int_attr(el, path: str, default: int) -> int:  # noqa: ANN001
    found = el.find(path)
    if found is None:
        return default
    try:
        return int(found.get(f"{_W}val", default))
    except ValueError:
        return default


def table_grid(tbl) -> list[list[str]]:  # noqa: ANN001
    """The cell grid of one w:tbl, merged cells repeated over the grid cells they cover."""
    grid: list[list[str]] = []
    for tr in tbl.findall(f"{_W}tr"):
        col = _int_attr(tr, f"{_W}trPr/{_W}gridBefore", 0)
        row: list[str] = [""] * col
        for tc in tr.findall(f"{_W}tc"):
            span = max(1, _int_attr(tc, f"{_W}tcPr/{_W}gridSpan", 1))
            vmerge = tc.find(f"{_W}tcPr/{_W}vMerge")
            if vmerge is not None and vmerge.get(f"{_W}val", "continue") == "continue" and grid:
                above = grid[-1]
                text = above[col] if col < len(above) else ""
            else:
                text = _cell_text(tc)
            row.extend([text] * span)
            col += span
        grid.append(row)
    width = max((len(r) for r in grid), default=0)
    return [r + [""] * (width - len(r)) for r in grid]


def read_docx(raw: RawDocument) -> None:
    import docx

    check_zip(raw.path, raw.data, ".docx document", "a Word 2007+ document")
    try:
        document = docx.Document(io.BytesIO(raw.data))
    except Exception as exc:  # python-docx raises zip/xml errors of several types
        raise InputError(f"{raw.path}: not a readable .docx document ({type(exc).__name__}); expected a Word 2007+ document") from None
    body = document.element.body
    try:
        numbering = Numbering(document.part.numbering_part.element, document.styles.element)
    except (NotImplementedError, KeyError, AttributeError):  # a document without numbering.xml
        numbering = Numbering(None)
    check_count(raw.path, "paragraphs", sum(1 for _ in body.iter(f"{_W}p")), limits.MAX_LINES)
    budget = TableBudget(raw.path)
    lines: list[str] = []
    stack = list(reversed(list(body)))
    while stack:  # iterative: content controls (w:sdt) may wrap paragraphs and tables
        el = stack.pop()
        if el.tag == f"{_W}p":
            text = _para_text(el)
            label = numbering.label(el)
            # Word's automatic numbers are not in the text; a reader of the text needs them.
            if label and label[-1] in ".)":
                label += " "  # Word puts a tab there; "1." glued to "5万人" would read as 1.5
            lines.extend(((label + text) if label and text.strip() else text).split("\n"))
        elif el.tag == f"{_W}tbl":
            rows = el.findall(f"{_W}tr")
            budget.add(len(rows), sum(len(r.findall(f"{_W}tc")) for r in rows))
            grid = table_grid(el)
            if len(grid) >= 2 and len(grid[0]) >= 2:
                raw.grids.append(grid)
                raw.grid_at.append(len(lines))
            else:  # a one-row or one-column table is a text box, not a table: its text is running text
                for row in grid:
                    for cell in dict.fromkeys(row):
                        lines.extend(cell.split("\n"))
        elif el.tag in (f"{_W}sdt", f"{_W}sdtContent"):
            stack.extend(reversed(list(el)))
    raw.lines = lines
